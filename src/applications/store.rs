//! Online applications in the database: drafts, the one-time links and the browser sessions
//! they open, answers, state changes with their history, and the purge of personal data.

use super::model::{State, receipt_no};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use crate::fiscal::FiscalYear;
use sqlx::Row;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// How long a mailed link can be opened, and how long the browser session it starts lasts.
pub const LINK_HOURS: i64 = 24;
pub const SESSION_HOURS: i64 = 8;
/// Links a mail address can ask for in an hour (nobody is mailed without end).
pub const LINKS_PER_HOUR: i64 = 5;

pub type Answers = BTreeMap<String, String>;

#[derive(Debug, Clone)]
pub struct Application {
    pub id: i64,
    pub receipt_no: String,
    pub procedure_key: String,
    pub form_key: String,
    pub department: String,
    pub email: String,
    pub email_confirmed: bool,
    pub state: State,
    pub answers: Answers,
    /// The guide's questions answered before applying.
    pub checks: super::eligibility::Checks,
    pub fee: i64,
    pub message: String,
    pub created_at: String,
    pub submitted_at: String,
    pub closed_at: String,
    pub purged: bool,
    pub version: i64,
}

impl Application {
    pub fn submitted_jst(&self) -> String {
        crate::fiscal::jst(&self.submitted_at)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppStoreError {
    #[error("{0}")]
    Refused(String),
    /// Someone else changed it first (a second tab, a double click).
    #[error("ほかの画面で先に更新されました。画面を開き直してください。")]
    Stale,
    #[error(transparent)]
    Storage(#[from] sqlx::Error),
}

/// A timestamp as stored here: UTC, whole seconds, so that text order is time order.
pub fn stamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formatting a timestamp")
}

fn opt(r: &sqlx::any::AnyRow, col: &str) -> Result<String, sqlx::Error> {
    Ok(r.try_get::<Option<String>, _>(col)?.unwrap_or_default())
}

fn application(r: &sqlx::any::AnyRow) -> Result<Application, sqlx::Error> {
    let state: String = r.try_get("state")?;
    let answers: String = r.try_get("answers")?;
    Ok(Application {
        id: r.try_get("id")?,
        receipt_no: opt(r, "receipt_no")?,
        procedure_key: r.try_get("procedure_key")?,
        form_key: r.try_get("form_key")?,
        department: r.try_get("department")?,
        email: r.try_get("email")?,
        email_confirmed: r
            .try_get::<Option<String>, _>("email_confirmed_at")?
            .is_some(),
        state: State::parse(&state).unwrap_or(State::Draft),
        answers: serde_json::from_str(&answers).unwrap_or_default(),
        checks: super::eligibility::Checks::from_json(&r.try_get::<String, _>("checks")?),
        fee: r.try_get("fee")?,
        message: r.try_get("message")?,
        created_at: r.try_get("created_at")?,
        submitted_at: opt(r, "submitted_at")?,
        closed_at: opt(r, "closed_at")?,
        purged: r.try_get::<Option<String>, _>("purged_at")?.is_some(),
        version: r.try_get("version")?,
    })
}

const COLUMNS: &str = "id, receipt_no, procedure_key, form_key, department, email, email_confirmed_at, state, answers, checks, fee, message, created_at, submitted_at, closed_at, purged_at, version";

pub async fn get(db: &Db, id: i64) -> Result<Option<Application>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM applications WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *db.conn().await?)
        .await?
        .as_ref()
        .map(application)
        .transpose()
}

/// What a new draft is for.
pub struct NewDraft<'a> {
    pub procedure_key: &'a str,
    pub form_key: &'a str,
    pub department: &'a str,
    pub email: &'a str,
    pub fee: i64,
    /// JSON of the guide's questions answered ('' for none).
    pub checks: String,
}

/// A draft and its first link (the token to mail). Refused when the address asked too often.
pub async fn create_draft(
    db: &Db,
    d: &NewDraft<'_>,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<(i64, String), AppStoreError> {
    let mut tx = db.begin().await?;
    let recent: i64 = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM applications a JOIN application_links l ON l.application_id = a.id
         WHERE a.email = $1 AND l.created_at > $2",
    )
    .bind(d.email)
    .bind(stamp(now - time::Duration::hours(1)))
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if recent >= LINKS_PER_HOUR {
        return Err(AppStoreError::Refused(
            "このメールアドレスには、この1時間に何度もメールを送りました。届いたメールのリンクを開くか、時間をおいてお試しください。".into(),
        ));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO applications (procedure_key, form_key, department, email, state, fee, created_at, checks)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(d.procedure_key)
    .bind(d.form_key)
    .bind(d.department)
    .bind(d.email)
    .bind(State::Draft.code())
    .bind(d.fee)
    .bind(stamp(now))
    .bind(&d.checks)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let token = link_in(&mut tx, id, now).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "application.draft",
            entity: "application",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "procedure": d.procedure_key, "form": d.form_key })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok((id, token))
}

async fn link_in(tx: &mut Tx, id: i64, now: OffsetDateTime) -> Result<String, sqlx::Error> {
    let token = crate::auth::secret::random_token();
    sqlx::query(
        "INSERT INTO application_links (token_hash, application_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(crate::auth::secret::token_hash(&token))
    .bind(id)
    .bind(stamp(now))
    .bind(stamp(now + time::Duration::hours(LINK_HOURS)))
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// A new link for an application (a used one was opened again; the 課 asks for a correction).
pub async fn new_link(db: &Db, id: i64, now: OffsetDateTime) -> Result<String, AppStoreError> {
    let mut tx = db.begin().await?;
    let recent: i64 = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM application_links WHERE application_id = $1 AND created_at > $2",
    )
    .bind(id)
    .bind(stamp(now - time::Duration::hours(1)))
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if recent >= LINKS_PER_HOUR {
        return Err(AppStoreError::Refused(
            "この1時間に何度もメールを送りました。届いたメールのリンクを開くか、時間をおいてお試しください。".into(),
        ));
    }
    let token = link_in(&mut tx, id, now).await?;
    tx.commit().await?;
    Ok(token)
}

/// What opening a mailed link did.
pub enum Opened {
    /// A session for this browser (its token goes in a cookie).
    Session {
        id: i64,
        token: String,
    },
    /// The link was opened before or has expired: a new one can be mailed.
    Spent {
        id: i64,
    },
    Unknown,
}

/// Opens a one-time link: confirms the mail address and starts a browser session.
pub async fn open_link(db: &Db, token: &str, now: OffsetDateTime) -> Result<Opened, sqlx::Error> {
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "SELECT application_id, expires_at, used_at FROM application_links WHERE token_hash = $1",
    )
    .bind(crate::auth::secret::token_hash(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(Opened::Unknown);
    };
    let id: i64 = row.try_get("application_id")?;
    let expires: String = row.try_get("expires_at")?;
    let used: Option<String> = row.try_get("used_at")?;
    if used.is_some() || expires <= stamp(now) {
        return Ok(Opened::Spent { id });
    }
    let taken = sqlx::query(
        "UPDATE application_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
    )
    .bind(stamp(now))
    .bind(crate::auth::secret::token_hash(token))
    .execute(&mut *tx)
    .await?;
    if taken.rows_affected() == 0 {
        return Ok(Opened::Spent { id });
    }
    sqlx::query(
        "UPDATE applications SET email_confirmed_at = $1 WHERE id = $2 AND email_confirmed_at IS NULL",
    )
    .bind(stamp(now))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let session = crate::auth::secret::random_token();
    sqlx::query(
        "INSERT INTO application_sessions (token_hash, application_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(crate::auth::secret::token_hash(&session))
    .bind(id)
    .bind(stamp(now + time::Duration::hours(SESSION_HOURS)))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Opened::Session { id, token: session })
}

/// Whether the browser's session token opens application `id`.
pub async fn session_opens(
    db: &Db,
    token: &str,
    id: i64,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "SELECT 1 AS one FROM application_sessions WHERE token_hash = $1 AND application_id = $2 AND expires_at > $3",
    )
    .bind(crate::auth::secret::token_hash(token))
    .bind(id)
    .bind(stamp(now))
    .fetch_optional(&mut *db.conn().await?)
    .await?
    .is_some())
}

async fn locked(tx: &mut Tx, id: i64) -> Result<Application, AppStoreError> {
    let sql = format!("SELECT {COLUMNS} FROM applications WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppStoreError::Refused("申請が見つかりません".into()))?;
    Ok(application(&row)?)
}

/// Writes `a`'s state, answers and message (and when it closed) if nobody changed it since
/// `version`.
async fn write(
    tx: &mut Tx,
    a: &Application,
    version: i64,
    closed_at: Option<String>,
) -> Result<(), AppStoreError> {
    let done = sqlx::query(
        "UPDATE applications SET state = $1, answers = $2, message = $3, version = version + 1,
           closed_at = COALESCE($6, closed_at)
         WHERE id = $4 AND version = $5",
    )
    .bind(a.state.code())
    .bind(serde_json::to_string(&a.answers).unwrap_or_else(|_| "{}".into()))
    .bind(&a.message)
    .bind(a.id)
    .bind(version)
    .bind(closed_at)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppStoreError::Stale);
    }
    Ok(())
}

async fn event(
    tx: &mut Tx,
    id: i64,
    actor: &Actor,
    from: State,
    to: State,
    message: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO application_events (application_id, at, actor, state_from, state_to, message) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(stamp(OffsetDateTime::now_utc()))
    .bind(&actor.username)
    .bind(from.code())
    .bind(to.code())
    .bind(message)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Saves checked answers of one step (merged over the others) while the applicant may edit.
pub async fn save_answers(
    db: &Db,
    id: i64,
    version: i64,
    values: &Answers,
    keys: &[String],
) -> Result<(), AppStoreError> {
    let mut tx = db.begin().await?;
    let mut a = locked(&mut tx, id).await?;
    if !a.state.applicant_may_edit() || a.purged {
        return Err(AppStoreError::Refused(
            "この申請はいま変更できません".into(),
        ));
    }
    for k in keys {
        match values.get(k) {
            Some(v) => a.answers.insert(k.clone(), v.clone()),
            None => a.answers.remove(k),
        };
    }
    write(&mut tx, &a, version, None).await?;
    tx.commit().await?;
    Ok(())
}

/// Submits a draft: it gets its receipt number, and waits for its fee or goes to the 課.
/// A second submit (double click, refresh) finds it submitted and changes nothing.
pub async fn submit(
    db: &Db,
    id: i64,
    version: i64,
    year: FiscalYear,
    today: time::Date,
    actor: &Actor,
) -> Result<Application, AppStoreError> {
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let mut a = locked(&mut tx, id).await?;
    if a.state != State::Draft {
        return Err(AppStoreError::Stale);
    }
    let to = if a.fee > 0 {
        State::AwaitingPayment
    } else {
        State::New
    };
    a.state = to;
    a.receipt_no = receipt_no(year.0, id);
    let done = sqlx::query(
        "UPDATE applications SET state = $1, receipt_no = $2, submitted_at = $3, submitted_on = $4,
           version = version + 1 WHERE id = $5 AND version = $6 AND state = $7",
    )
    .bind(to.code())
    .bind(&a.receipt_no)
    .bind(stamp(now))
    .bind(today.to_string())
    .bind(id)
    .bind(version)
    .bind(State::Draft.code())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppStoreError::Stale);
    }
    event(&mut tx, id, actor, State::Draft, to, "").await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "application.submit",
            entity: "application",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "receipt_no": a.receipt_no, "state": to.code() })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    a.submitted_at = stamp(now);
    Ok(a)
}

/// The fee was received: the application goes to the 課 (inside the payment's transaction).
pub async fn paid_in(tx: &mut Tx, id: i64, actor: &Actor) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE applications SET state = $1, version = version + 1 WHERE id = $2 AND state = $3",
    )
    .bind(State::New.code())
    .bind(id)
    .bind(State::AwaitingPayment.code())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() > 0 {
        event(
            tx,
            id,
            actor,
            State::AwaitingPayment,
            State::New,
            "手数料の支払いを確認しました",
        )
        .await?;
    }
    Ok(done.rows_affected() > 0)
}

/// The applicant sends the corrected application back.
pub async fn answer_correction(
    db: &Db,
    id: i64,
    version: i64,
    note: &str,
    actor: &Actor,
) -> Result<(), AppStoreError> {
    let mut tx = db.begin().await?;
    let mut a = locked(&mut tx, id).await?;
    if a.state != State::Correction {
        return Err(AppStoreError::Stale);
    }
    a.state = State::Reviewing;
    a.message = String::new();
    write(&mut tx, &a, version, None).await?;
    event(
        &mut tx,
        id,
        actor,
        State::Correction,
        State::Reviewing,
        note,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "application.corrected",
            entity: "application",
            entity_id: &id.to_string(),
            before: None,
            after: None,
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The 課 moves an application on. Returns it as it is now.
pub async fn move_to(
    db: &Db,
    id: i64,
    version: i64,
    to: State,
    message: &str,
    actor: &Actor,
) -> Result<Application, AppStoreError> {
    let mut tx = db.begin().await?;
    let mut a = locked(&mut tx, id).await?;
    let from = a.state;
    if !from.staff_next().contains(&to) {
        return Err(AppStoreError::Refused(format!(
            "「{}」の申請を「{}」にはできません",
            from.label(),
            to.label()
        )));
    }
    let message = message.trim();
    if to.needs_message() && message.is_empty() {
        return Err(AppStoreError::Refused(match to {
            State::Rejected => "却下の理由を書いてください(申請者に届きます)".into(),
            _ => "申請者に直してほしいことを書いてください(申請者に届きます)".into(),
        }));
    }
    if message.chars().count() > 2000 {
        return Err(AppStoreError::Refused(
            "メッセージは2000文字までにしてください".into(),
        ));
    }
    a.state = to;
    a.message = message.to_string();
    let closed = to.is_closed().then(|| stamp(OffsetDateTime::now_utc()));
    write(&mut tx, &a, version, closed).await?;
    event(&mut tx, id, actor, from, to, message).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "application.state",
            entity: "application",
            entity_id: &id.to_string(),
            before: Some(serde_json::json!({ "state": from.code() })),
            after: Some(serde_json::json!({ "state": to.code() })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

#[derive(Debug, Clone)]
pub struct Event {
    pub at: String,
    pub actor: String,
    pub from: State,
    pub to: State,
    pub message: String,
}

impl Event {
    pub fn at_jst(&self) -> String {
        crate::fiscal::jst(&self.at)
    }
}

pub async fn events(db: &Db, id: i64) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query(
        "SELECT at, actor, state_from, state_to, message FROM application_events WHERE application_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *db.conn().await?)
    .await?
    .iter()
    .map(|r| {
        let s = |c: &str| -> Result<State, sqlx::Error> {
            Ok(State::parse(&r.try_get::<String, _>(c)?).unwrap_or(State::Draft))
        };
        Ok(Event {
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            from: s("state_from")?,
            to: s("state_to")?,
            message: r.try_get("message")?,
        })
    })
    .collect()
}

/// An inbox line: no personal data (the list is not audited; opening one is).
#[derive(Debug, Clone)]
pub struct InboxRow {
    pub id: i64,
    pub receipt_no: String,
    pub procedure_key: String,
    pub department: String,
    pub state: State,
    pub submitted_at: String,
    pub fee: i64,
}

impl InboxRow {
    pub fn submitted_jst(&self) -> String {
        crate::fiscal::jst(&self.submitted_at)
    }
}

/// Submitted applications in `states`, of one 課 (or all), newest first.
pub async fn inbox(
    db: &Db,
    department: Option<&str>,
    states: &[State],
) -> Result<Vec<InboxRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, receipt_no, procedure_key, department, state, submitted_at, fee FROM applications
         WHERE submitted_at IS NOT NULL ORDER BY submitted_at DESC, id DESC",
    )
    .fetch_all(&mut *db.conn().await?)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let state = State::parse(&r.try_get::<String, _>("state")?).unwrap_or(State::Draft);
        let dept: String = r.try_get("department")?;
        if !states.contains(&state) || department.is_some_and(|d| d != dept) {
            continue;
        }
        out.push(InboxRow {
            id: r.try_get("id")?,
            receipt_no: opt(&r, "receipt_no")?,
            procedure_key: r.try_get("procedure_key")?,
            department: dept,
            state,
            submitted_at: opt(&r, "submitted_at")?,
            fee: r.try_get("fee")?,
        });
    }
    Ok(out)
}

/// Applications of a form submitted on a day (in Japan), for the core system's export.
pub async fn submitted_on(
    db: &Db,
    form_key: &str,
    day: time::Date,
) -> Result<Vec<Application>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM applications WHERE form_key = $1 AND submitted_on = $2 AND state <> $3 AND state <> $4 ORDER BY id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(form_key)
        .bind(day.to_string())
        .bind(State::Draft.code())
        .bind(State::AwaitingPayment.code())
        .fetch_all(&mut *db.conn().await?)
        .await?
        .iter()
        .map(application)
        .collect()
}

/// Submitted applications per procedure and 年度 (paid, in the 課's hands or done).
pub async fn submitted_by_year(db: &Db) -> Result<Vec<(String, FiscalYear, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT procedure_key, submitted_on, state FROM applications WHERE submitted_on IS NOT NULL",
    )
    .fetch_all(&mut *db.conn().await?)
    .await?;
    let mut counts: BTreeMap<(String, FiscalYear), i64> = BTreeMap::new();
    for r in rows {
        let state = State::parse(&r.try_get::<String, _>("state")?).unwrap_or(State::Draft);
        if !state.is_submitted() {
            continue;
        }
        let day: String = r.try_get("submitted_on")?;
        if let Some(d) = crate::procedures::model::parse_day(&day) {
            *counts
                .entry((r.try_get("procedure_key")?, FiscalYear::of_date(d)))
                .or_default() += 1;
        }
    }
    Ok(counts.into_iter().map(|((p, y), n)| (p, y, n)).collect())
}

/// Deletes personal data (answers, mail address, messages, files, links) of applications
/// closed more than `days` ago, and of drafts and unpaid applications left for as long.
pub async fn purge(db: &Db, days: i64, now: OffsetDateTime) -> Result<u64, sqlx::Error> {
    let cutoff = stamp(now - time::Duration::days(days));
    let mut tx = db.begin().await?;
    let ids: Vec<i64> = sqlx::query(
        "SELECT id FROM applications WHERE purged_at IS NULL AND (
            (closed_at IS NOT NULL AND closed_at < $1)
            OR (state IN ($2, $3) AND created_at < $1))",
    )
    .bind(&cutoff)
    .bind(State::Draft.code())
    .bind(State::AwaitingPayment.code())
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<_, _>>()?;
    for id in &ids {
        for sql in [
            "DELETE FROM application_files WHERE application_id = $1",
            "DELETE FROM application_links WHERE application_id = $1",
            "DELETE FROM application_sessions WHERE application_id = $1",
            "UPDATE application_events SET message = '' WHERE application_id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        sqlx::query(
            "UPDATE applications SET answers = '{}', checks = '', email = '', message = '', purged_at = $1 WHERE id = $2",
        )
        .bind(stamp(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    if !ids.is_empty() {
        audit::record(
            &mut tx,
            &Actor {
                user_id: None,
                username: "(保存期間の経過)".into(),
                ip: "local".into(),
            },
            Change {
                action: "application.purge",
                entity: "application",
                entity_id: "",
                before: None,
                after: Some(
                    serde_json::json!({ "applications": ids.len(), "retention_days": days }),
                ),
                note: "",
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ids.len() as u64)
}
