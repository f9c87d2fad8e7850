//! Sign-in, sign-out, password change and user administration.

use super::model::{Role, User};
use super::permissions::Subject;
use super::secret::{check_new_password, random_token, verify_password};
use super::session::{
    AnonForm, LOGIN_CSRF_COOKIE, PLATFORM_SESSION_COOKIE, Staff, StaffForm, cookie, is_https,
    safe_next, session_cookie, set_cookie,
};
use super::store::{self, NewUser, UserError, UserUpdate};
use super::{CHANGE_PASSWORD, MANAGE_USERS};
use crate::app::AppState;
use crate::audit::{self, Actor, Change};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Messages shown beside the fields they are about.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_string(), message.into()));
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

// ───────────── sign-in ─────────────

#[derive(Template, WebTemplate)]
#[template(path = "auth/templates/login.html")]
struct LoginPage {
    layout: Layout,
    /// The installation's own sign-in (platform accounts), not a town's.
    platform: bool,
    csrf: String,
    next: String,
    username: String,
    error: String,
    notice: String,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    signed_out: String,
}

async fn login_page(
    state: &AppState,
    https: bool,
    next: &str,
    username: &str,
    error: &str,
    notice: &str,
    status: StatusCode,
) -> Response {
    let csrf = random_token();
    let page = LoginPage {
        layout: if state.town.code.is_some() {
            Layout::public(state, "login").await
        } else {
            Layout {
                base: state.base.to_string(),
                ..Layout::platform("login")
            }
        },
        platform: state.town.code.is_none(),
        csrf: csrf.clone(),
        next: safe_next(next, &state.path("/staff")).to_string(),
        username: username.to_string(),
        error: error.to_string(),
        notice: notice.to_string(),
    };
    (
        status,
        [(
            header::SET_COOKIE,
            set_cookie(state, LOGIN_CSRF_COOKIE, &csrf, 3600, https, "Strict"),
        )],
        page,
    )
        .into_response()
}

pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let notice = if q.signed_out.is_empty() {
        ""
    } else {
        "サインアウトしました。"
    };
    login_page(
        &state,
        is_https(&state, &headers),
        &q.next,
        "",
        "",
        notice,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn audit_event(
    state: &AppState,
    actor: &Actor,
    action: &str,
    note: &str,
) -> Result<(), AppError> {
    let mut conn = state.db.conn().await?;
    audit::record(
        &mut conn,
        actor,
        Change {
            action,
            entity: "session",
            entity_id: &actor.username,
            before: None,
            after: None,
            note,
        },
    )
    .await?;
    Ok(())
}

/// A hash to verify against when the user does not exist, so timing does not tell.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| super::secret::hash_password("no such user").unwrap_or_default())
}

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    AnonForm { form, ip, https }: AnonForm<LoginForm>,
) -> Result<Response, AppError> {
    let username = form.username.trim().to_string();
    let user_key = format!("user:{}", username.to_lowercase());
    let ip_key = format!("ip:{ip}");
    let now = store::now_epoch();
    let actor = Actor {
        user_id: None,
        username: username.clone(),
        ip: ip.clone(),
    };
    let lock = store::locked_for(&state.db, &user_key, now)
        .await?
        .max(store::locked_for(&state.db, &ip_key, now).await?);
    if let Some(seconds) = lock {
        audit_event(
            &state,
            &actor,
            "auth.sign_in_refused",
            "ロック中のサインイン",
        )
        .await?;
        let minutes = (seconds + 59) / 60;
        return Ok(login_page(
            &state,
            https,
            &form.next,
            &username,
            &format!(
                "サインインの失敗が続いたため、一時的にサインインできません。約{minutes}分後にもう一度お試しください。"
            ),
            "",
            StatusCode::TOO_MANY_REQUESTS,
        ).await);
    }
    let found = store::user_for_sign_in(&state.db, &username).await?;
    let ok = match &found {
        Some((user, hash)) => verify_password(&form.password, hash) && !user.disabled,
        None => {
            let _ = verify_password(&form.password, dummy_hash());
            false
        }
    };
    let Some((user, _)) = found.filter(|_| ok) else {
        let failures = store::record_failure(&state.db, &user_key, now)
            .await?
            .max(store::record_failure(&state.db, &ip_key, now).await?);
        audit_event(
            &state,
            &actor,
            "auth.sign_in_failed",
            &format!("{failures}回目の失敗"),
        )
        .await?;
        if state.settings.slow_failed_sign_ins {
            tokio::time::sleep(std::time::Duration::from_millis(store::failure_delay_ms(
                failures,
            )))
            .await;
        }
        return Ok(login_page(
            &state,
            https,
            &form.next,
            &username,
            "ユーザー名またはパスワードが違います。",
            "",
            StatusCode::UNAUTHORIZED,
        )
        .await);
    };
    store::clear_failures(&state.db, &user_key).await?;
    // A session cookie brought to the sign-in is never reused (no session fixation).
    if let Some(old) = cookie(&headers, session_cookie(&state)) {
        store::delete_session(&state.db, &super::secret::token_hash(old)).await?;
    }
    let (token, _) = store::create_session(&state.db, user.id, &ip).await?;
    let actor = Actor {
        user_id: Some(user.id),
        ..actor
    };
    audit_event(&state, &actor, "auth.sign_in", "").await?;
    let mut res = Redirect::to(safe_next(&form.next, &state.path("/staff"))).into_response();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(
            &state,
            session_cookie(&state),
            &token,
            store::SESSION_SECONDS,
            https,
            "Lax",
        )
        .parse()
        .expect("cookie header"),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(&state, LOGIN_CSRF_COOKIE, "", 0, https, "Strict")
            .parse()
            .expect("cookie header"),
    );
    Ok(res)
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    StaffForm(staff, _): StaffForm<Empty>,
) -> Result<Response, AppError> {
    let https = is_https(&state, &headers);
    let cookie = if staff.via_platform {
        // Signing out of a town read with a platform account ends the platform session.
        store::delete_session(&state.shared, &staff.session.token_hash).await?;
        format!(
            "{PLATFORM_SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
            if https { "; Secure" } else { "" }
        )
    } else {
        store::delete_session(&state.db, &staff.session.token_hash).await?;
        audit_event(&state, &staff.actor(), "auth.sign_out", "").await?;
        set_cookie(&state, session_cookie(&state), "", 0, https, "Lax")
    };
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&state.path("/login?signed_out=1")),
    )
        .into_response())
}

// ───────────── password ─────────────

#[derive(Template, WebTemplate)]
#[template(path = "auth/templates/password.html")]
struct PasswordPage {
    layout: Layout,
    errors: FieldErrors,
    done: bool,
}

pub async fn password_form(staff: Staff) -> Result<Response, AppError> {
    staff.require(CHANGE_PASSWORD, Subject::None)?;
    Ok(PasswordPage {
        layout: Layout::staff(&staff, "password"),
        errors: FieldErrors::default(),
        done: false,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<PasswordForm>,
) -> Result<Response, AppError> {
    staff.require(CHANGE_PASSWORD, Subject::None)?;
    let mut errors = FieldErrors::default();
    let hash = store::user_for_sign_in(&state.db, &staff.user.username)
        .await?
        .map(|(_, h)| h)
        .unwrap_or_default();
    if !verify_password(&form.current, &hash) {
        errors.add("current", "現在のパスワードが違います");
    }
    if let Err(m) = check_new_password(&form.new, &staff.user.username) {
        errors.add("new", m);
    } else if form.new != form.confirm {
        errors.add("confirm", "確認用のパスワードが一致しません");
    }
    if !errors.is_empty() {
        let page = PasswordPage {
            layout: Layout::staff(&staff, "password"),
            errors,
            done: false,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    store::set_password(
        &state.db,
        &staff.user,
        &form.new,
        Some(&staff.session.token_hash),
        &staff.actor(),
        "user.password_change",
    )
    .await?;
    Ok(PasswordPage {
        layout: Layout::staff(&staff, "password"),
        errors,
        done: true,
    }
    .into_response())
}

// ───────────── users ─────────────

#[derive(Template, WebTemplate)]
#[template(path = "auth/templates/users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<User>,
    notice: String,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    saved: String,
}

pub async fn users(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_USERS, Subject::None)?;
    Ok(UsersPage {
        layout: Layout::staff(&staff, "users"),
        users: store::list_users(&state.db).await?,
        notice: if q.saved.is_empty() {
            String::new()
        } else {
            format!("{} を保存しました。", q.saved)
        },
    }
    .into_response())
}

pub struct RoleChoice {
    key: &'static str,
    label: &'static str,
    selected: bool,
}

fn role_choices(current: Option<Role>) -> Vec<RoleChoice> {
    Role::TOWN
        .iter()
        .map(|r| RoleChoice {
            key: r.key(),
            label: r.label(),
            selected: Some(*r) == current,
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/templates/user_form.html")]
struct UserFormPage {
    layout: Layout,
    /// None for a new user.
    id: Option<i64>,
    username: String,
    display_name: String,
    department: String,
    disabled: bool,
    version: i64,
    roles: Vec<RoleChoice>,
    errors: FieldErrors,
    /// The values someone else saved meanwhile, after a refused stale save.
    conflict: Option<User>,
    password_saved: bool,
}

pub async fn new_user_form(staff: Staff) -> Result<Response, AppError> {
    staff.require(MANAGE_USERS, Subject::None)?;
    Ok(UserFormPage {
        layout: Layout::staff(&staff, "users"),
        id: None,
        username: String::new(),
        display_name: String::new(),
        department: String::new(),
        disabled: false,
        version: 0,
        roles: role_choices(Some(Role::DepartmentEditor)),
        errors: FieldErrors::default(),
        conflict: None,
        password_saved: false,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    disabled: Option<String>,
    #[serde(default)]
    version: i64,
}

fn field_of(label: &str) -> &'static str {
    match label {
        "ユーザー名" => "username",
        "表示名" => "display_name",
        "所属課" => "department",
        "パスワード" => "password",
        _ => "form",
    }
}

pub async fn create_user(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<UserForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_USERS, Subject::None)?;
    let role = Role::from_key(&form.role).filter(|r| Role::TOWN.contains(r));
    let mut errors = FieldErrors::default();
    if role.is_none() {
        errors.add("role", "役割を選んでください");
    }
    if errors.is_empty() {
        let new = NewUser {
            username: form.username.trim().to_string(),
            display_name: form.display_name.clone(),
            role: role.expect("checked"),
            department: form.department.clone(),
            password: form.password.clone(),
        };
        match store::create_user(&state.db, &new, &staff.actor()).await {
            Ok(u) => {
                return Ok(Redirect::to(&staff.path(&format!(
                    "/staff/users?saved={}",
                    super::session::urlencode(&u.username)
                )))
                .into_response());
            }
            Err(UserError::Invalid { field, message }) => errors.add(field_of(field), message),
            Err(e) => return Err(AppError::Internal(anyhow::anyhow!(e))),
        }
    }
    let page = UserFormPage {
        layout: Layout::staff(&staff, "users"),
        id: None,
        username: form.username,
        display_name: form.display_name,
        department: form.department,
        disabled: false,
        version: 0,
        roles: role_choices(role),
        errors,
        conflict: None,
        password_saved: false,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn edit_user_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_USERS, Subject::None)?;
    let user = store::user_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(UserFormPage {
        layout: Layout::staff(&staff, "users"),
        id: Some(user.id),
        username: user.username,
        display_name: user.display_name,
        department: user.department,
        disabled: user.disabled,
        version: user.version,
        roles: role_choices(Some(user.role)),
        errors: FieldErrors::default(),
        conflict: None,
        password_saved: false,
    }
    .into_response())
}

pub async fn update_user(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, form): StaffForm<UserForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_USERS, Subject::None)?;
    let user = store::user_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = Role::from_key(&form.role).filter(|r| Role::TOWN.contains(r));
    let mut errors = FieldErrors::default();
    let mut conflict = None;
    let disabled = form.disabled.is_some();
    if role.is_none() {
        errors.add("role", "役割を選んでください");
    } else if id == staff.user.id && (disabled || role != Some(Role::SystemAdmin)) {
        errors.add(
            "role",
            "自分自身を無効にしたり、自分の管理者権限を外したりはできません",
        );
    }
    if errors.is_empty() {
        let update = UserUpdate {
            display_name: form.display_name.clone(),
            role: role.expect("checked"),
            department: form.department.clone(),
            disabled,
        };
        match store::update_user(&state.db, id, form.version, &update, &staff.actor()).await {
            Ok(u) => {
                return Ok(Redirect::to(&staff.path(&format!(
                    "/staff/users?saved={}",
                    super::session::urlencode(&u.username)
                )))
                .into_response());
            }
            Err(UserError::Invalid { field, message }) => errors.add(field_of(field), message),
            Err(e @ UserError::Stale { .. }) => {
                errors.add("form", e.to_string());
                if let UserError::Stale { current } = e {
                    conflict = Some(*current);
                }
            }
            Err(UserError::Other(e)) => return Err(AppError::Internal(e)),
        }
    }
    let status = if conflict.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UserFormPage {
        layout: Layout::staff(&staff, "users"),
        id: Some(id),
        username: user.username,
        display_name: form.display_name,
        department: form.department,
        disabled,
        version: conflict.as_ref().map_or(form.version, |c| c.version),
        roles: role_choices(role),
        errors,
        conflict,
        password_saved: false,
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, form): StaffForm<ResetForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_USERS, Subject::None)?;
    let user = store::user_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    if let Err(m) = check_new_password(&form.password, &user.username) {
        errors.add("password", m);
    } else {
        store::set_password(
            &state.db,
            &user,
            &form.password,
            None,
            &staff.actor(),
            "user.password_reset",
        )
        .await?;
    }
    let saved = errors.is_empty();
    let page = UserFormPage {
        layout: Layout::staff(&staff, "users"),
        id: Some(user.id),
        username: user.username,
        display_name: user.display_name,
        department: user.department,
        disabled: user.disabled,
        version: user.version,
        roles: role_choices(Some(user.role)),
        errors,
        conflict: None,
        password_saved: saved,
    };
    let status = if saved {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, page).into_response())
}
