//! Users, sessions and sign-in throttling in the database.

use super::model::{Role, User};
use super::secret::{random_token, token_hash};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use sqlx::Row;

/// How long a session lasts after sign-in.
pub const SESSION_SECONDS: i64 = 10 * 60 * 60;
/// Failures within this window count together.
pub const THROTTLE_WINDOW_SECONDS: i64 = 15 * 60;
/// After this many failures in the window, sign-in is locked …
pub const LOCK_AFTER_FAILURES: i64 = 5;
/// … for this long.
pub const LOCK_SECONDS: i64 = 15 * 60;

pub fn now_epoch() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn row_to_user(r: &sqlx::any::AnyRow) -> Result<User, sqlx::Error> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: Role::from_key(&role).unwrap_or(Role::Viewer),
        department: r.try_get("department")?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        version: r.try_get("version")?,
    })
}

/// A SELECT of the user columns followed by `$rest`.
macro_rules! select_user {
    ($rest:literal) => {
        concat!(
            "SELECT id, username, display_name, role, department, disabled, version FROM users ",
            $rest
        )
    };
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub department: String,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error(
        "ほかの人が先に更新しました。画面を読み込み直して、変更内容を確認してからもう一度保存してください"
    )]
    Stale { current: Box<User> },
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for UserError {
    fn from(e: sqlx::Error) -> Self {
        UserError::Other(e.into())
    }
}

pub fn check_username(name: &str) -> Result<(), UserError> {
    let ok = (3..=32).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(UserError::Invalid {
            field: "ユーザー名",
            message: "半角英数字と . _ - で3〜32文字にしてください".into(),
        })
    }
}

fn check_profile(display_name: &str, role: Role, department: &str) -> Result<(), UserError> {
    if display_name.trim().is_empty() || display_name.chars().count() > 50 {
        return Err(UserError::Invalid {
            field: "表示名",
            message: "1〜50文字で入力してください".into(),
        });
    }
    if role == Role::DepartmentEditor && department.trim().is_empty() {
        return Err(UserError::Invalid {
            field: "所属課",
            message: "担当課の担当者には所属課が必要です".into(),
        });
    }
    if department.chars().count() > 50 {
        return Err(UserError::Invalid {
            field: "所属課",
            message: "50文字以内で入力してください".into(),
        });
    }
    Ok(())
}

fn audit_view(u: &User) -> serde_json::Value {
    serde_json::json!({
        "username": u.username, "display_name": u.display_name, "role": u.role.key(),
        "department": u.department, "disabled": u.disabled,
    })
}

pub async fn create_user(db: &Db, new: &NewUser, actor: &Actor) -> Result<User, UserError> {
    check_username(&new.username)?;
    check_profile(&new.display_name, new.role, &new.department)?;
    super::secret::check_new_password(&new.password, &new.username).map_err(|message| {
        UserError::Invalid {
            field: "パスワード",
            message,
        }
    })?;
    let hash = super::secret::hash_password(&new.password)?;
    let mut tx = db.begin().await?;
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(&new.username)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(UserError::Invalid {
            field: "ユーザー名",
            message: format!("「{}」は既に使われています", new.username),
        });
    }
    let now = now_text();
    sqlx::query(
        "INSERT INTO users (username, display_name, password_hash, role, department, disabled, created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $6, 1)",
    )
    .bind(&new.username)
    .bind(new.display_name.trim())
    .bind(&hash)
    .bind(new.role.key())
    .bind(new.department.trim())
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query(select_user!("WHERE username = $1"))
        .bind(&new.username)
        .fetch_one(&mut *tx)
        .await?;
    let user = row_to_user(&row)?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "user.create",
            entity: "user",
            entity_id: &user.id.to_string(),
            before: None,
            after: Some(audit_view(&user)),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// How a login id is shown to people: 「山田 花子(総務課)」; ids that are not users (the
/// command line, a platform account) as they are.
pub async fn display_of(db: &Db, username: &str) -> anyhow::Result<String> {
    let row = sqlx::query("SELECT display_name, department FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(&mut *db.conn().await?)
        .await?;
    Ok(match row {
        Some(r) => {
            let name: String = r.try_get("display_name")?;
            let dept: String = r.try_get("department")?;
            if dept.is_empty() {
                name
            } else {
                format!("{name}({dept})")
            }
        }
        None => username.to_string(),
    })
}

pub async fn user_by_id(db: &Db, id: i64) -> anyhow::Result<Option<User>> {
    let row = sqlx::query(select_user!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *db.conn().await?)
        .await?;
    Ok(row.map(|r| row_to_user(&r)).transpose()?)
}

/// The user and their password hash, for sign-in.
pub async fn user_for_sign_in(db: &Db, username: &str) -> anyhow::Result<Option<(User, String)>> {
    let row = sqlx::query(
        "SELECT id, username, display_name, role, department, disabled, version, password_hash
         FROM users WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    Ok(match row {
        Some(r) => Some((row_to_user(&r)?, r.try_get("password_hash")?)),
        None => None,
    })
}

pub async fn list_users(db: &Db) -> anyhow::Result<Vec<User>> {
    let rows = sqlx::query(select_user!("ORDER BY username"))
        .fetch_all(&mut *db.conn().await?)
        .await?;
    Ok(rows.iter().map(row_to_user).collect::<Result<_, _>>()?)
}

pub async fn count_users(db: &Db) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *db.conn().await?)
        .await?)
}

#[derive(Debug, Clone)]
pub struct UserUpdate {
    pub display_name: String,
    pub role: Role,
    pub department: String,
    pub disabled: bool,
}

/// Changes a user's profile if nobody changed it since `expected_version`.
pub async fn update_user(
    db: &Db,
    id: i64,
    expected_version: i64,
    update: &UserUpdate,
    actor: &Actor,
) -> Result<User, UserError> {
    check_profile(&update.display_name, update.role, &update.department)?;
    let mut tx = db.begin().await?;
    let row = sqlx::query(select_user!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user {id} not found"))?;
    let before = row_to_user(&row)?;
    if before.version != expected_version {
        return Err(UserError::Stale {
            current: Box::new(before),
        });
    }
    sqlx::query(
        "UPDATE users SET display_name = $1, role = $2, department = $3, disabled = $4,
         updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7",
    )
    .bind(update.display_name.trim())
    .bind(update.role.key())
    .bind(update.department.trim())
    .bind(i64::from(update.disabled))
    .bind(now_text())
    .bind(id)
    .bind(expected_version)
    .execute(&mut *tx)
    .await?;
    let after = User {
        display_name: update.display_name.trim().to_string(),
        role: update.role,
        department: update.department.trim().to_string(),
        disabled: update.disabled,
        version: before.version + 1,
        ..before.clone()
    };
    if update.disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "user.update",
            entity: "user",
            entity_id: &id.to_string(),
            before: Some(audit_view(&before)),
            after: Some(audit_view(&after)),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Sets a new password (already checked) and ends the user's other sessions.
pub async fn set_password(
    db: &Db,
    user: &User,
    password: &str,
    keep_session_hash: Option<&str>,
    actor: &Actor,
    action: &str,
) -> anyhow::Result<()> {
    let hash = super::secret::hash_password(password)?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(&hash)
        .bind(now_text())
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user.id)
        .bind(keep_session_hash.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action,
            entity: "user",
            entity_id: &user.id.to_string(),
            before: None,
            after: None,
            note: "パスワードを変更(値は記録しません)",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// Starts a session; returns the raw token for the cookie.
pub async fn create_session(db: &Db, user_id: i64, ip: &str) -> anyhow::Result<(String, Session)> {
    let token = random_token();
    let session = Session {
        token_hash: token_hash(&token),
        csrf_token: random_token(),
        expires_at: now_epoch() + SESSION_SECONDS,
    };
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, ip)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&session.token_hash)
    .bind(user_id)
    .bind(&session.csrf_token)
    .bind(now_epoch())
    .bind(session.expires_at)
    .bind(ip)
    .execute(&mut *db.conn().await?)
    .await?;
    Ok((token, session))
}

/// The user behind a session cookie, if the session is live and the user enabled.
pub async fn session_user(db: &Db, token: &str) -> anyhow::Result<Option<(User, Session)>> {
    let row = sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.role, u.department, u.disabled, u.version,
                s.token_hash, s.csrf_token, s.expires_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(now_epoch())
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let user = row_to_user(&r)?;
    if user.disabled {
        return Ok(None);
    }
    Ok(Some((
        user,
        Session {
            token_hash: r.try_get("token_hash")?,
            csrf_token: r.try_get("csrf_token")?,
            expires_at: r.try_get("expires_at")?,
        },
    )))
}

pub async fn delete_session(db: &Db, token_hash: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at < $2")
        .bind(token_hash)
        .bind(now_epoch())
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

/// Seconds until the key's lock ends, if it is locked.
pub async fn locked_for(db: &Db, key: &str, now: i64) -> anyhow::Result<Option<i64>> {
    let until: Option<i64> =
        sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *db.conn().await?)
            .await?;
    Ok(until.filter(|u| *u > now).map(|u| u - now))
}

/// Counts a failed sign-in for the key; returns the failures in the current window.
pub async fn record_failure(db: &Db, key: &str, now: i64) -> anyhow::Result<i64> {
    let mut tx = db.begin().await?;
    let row = sqlx::query("SELECT failures, window_start FROM login_throttle WHERE key = $1")
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
    let failures = match row {
        Some(r) if now - r.try_get::<i64, _>("window_start")? < THROTTLE_WINDOW_SECONDS => {
            r.try_get::<i64, _>("failures")? + 1
        }
        _ => 1,
    };
    let window_start = if failures == 1 { now } else { 0 };
    let locked_until = if failures >= LOCK_AFTER_FAILURES {
        now + LOCK_SECONDS
    } else {
        0
    };
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
           window_start = CASE WHEN excluded.failures = 1 THEN excluded.window_start ELSE login_throttle.window_start END,
           locked_until = excluded.locked_until",
    )
    .bind(key)
    .bind(failures)
    .bind(window_start)
    .bind(locked_until)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(failures)
}

pub async fn clear_failures(db: &Db, key: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

/// How long to hold back the answer to a failed sign-in: grows with each failure.
pub fn failure_delay_ms(failures: i64) -> u64 {
    match failures {
        ..=1 => 0,
        n => (250u64 << (n - 2).min(3) as u32).min(2000),
    }
}
