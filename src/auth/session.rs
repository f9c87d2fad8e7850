//! Who is asking: the session cookie, the signed-in staff member, and CSRF checks on every form.

use super::model::User;
use super::permissions::{Action, Subject, allowed};
use super::secret::constant_time_eq;
use super::store::{self, Session};
use crate::app::AppState;
use crate::audit::Actor;
use crate::error::AppError;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "machi_session";
/// The session of a platform account (sent to every town of the host, read only as a fallback).
pub const PLATFORM_SESSION_COOKIE: &str = "machi_platform_session";
pub const LOGIN_CSRF_COOKIE: &str = "machi_login_csrf";

/// The session cookie's name where `state` serves: a town's, or the platform's own pages'.
pub fn session_cookie(state: &AppState) -> &'static str {
    if state.town.code.is_some() {
        SESSION_COOKIE
    } else {
        PLATFORM_SESSION_COOKIE
    }
}

/// The path cookies are scoped to: the town's pages only (`/t/285854`), or the whole host.
pub fn cookie_path(state: &AppState) -> &str {
    if state.town.code.is_none() || state.base.is_empty() {
        "/"
    } else {
        &state.base
    }
}

/// A cookie's value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether cookies must carry `Secure`: configured, or the request came over HTTPS via a proxy.
pub fn is_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.settings.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A cookie for `state`'s pages (its path), HttpOnly.
pub fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age: i64,
    secure: bool,
    same_site: &str,
) -> String {
    format!(
        "{name}={value}; Path={}; Max-Age={max_age}; HttpOnly; SameSite={same_site}{}",
        cookie_path(state),
        if secure { "; Secure" } else { "" }
    )
}

/// The client's address as the server saw it.
pub fn client_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// A signed-in, enabled staff member. Extracting it from a request that has no live session
/// redirects to the sign-in page.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: User,
    pub session: Session,
    pub ip: String,
    /// The town's name for the page header (empty on the platform's own pages).
    pub town: String,
    /// Where the town's pages start ("" or "/t/285854"), for links.
    pub base: String,
    /// Signed in with a platform account, reading this town (never writes).
    pub via_platform: bool,
    /// The town's words (role names, levels …), from its plan.
    pub words: std::sync::Arc<crate::plan::model::Words>,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        if self.via_platform {
            // A platform account is not a user of this town's table.
            return Actor {
                user_id: None,
                username: format!("platform:{}", self.user.username),
                ip: self.ip.clone(),
            };
        }
        Actor {
            user_id: Some(self.user.id),
            username: self.user.username.clone(),
            ip: self.ip.clone(),
        }
    }

    /// A path of this town's site.
    pub fn path(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn can(&self, action: Action, subject: Subject<'_>) -> bool {
        allowed(&self.user, action, subject)
    }

    /// Refuses with 403 unless allowed.
    pub fn require(&self, action: Action, subject: Subject<'_>) -> Result<(), AppError> {
        if self.can(action, subject) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "この操作を行う権限がありません。必要な場合は計画の取りまとめ担当またはシステム管理者に依頼してください。".into(),
            ))
        }
    }
}

/// Only local paths are followed after sign-in, so a link cannot send people elsewhere.
pub fn safe_next<'a>(next: &'a str, fallback: &'a str) -> &'a str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.contains("://")
        && !next.chars().any(char::is_control);
    if ok { next } else { fallback }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let internal = |e| AppError::Internal(e).into_response();
        let mut found = match cookie(&parts.headers, session_cookie(state)) {
            Some(token) => store::session_user(&state.db, token)
                .await
                .map_err(internal)?
                .map(|(u, s)| (u, s, false)),
            None => None,
        };
        // A platform administrator reads every town with the platform's own session.
        if found.is_none()
            && state.town.code.is_some()
            && let Some(token) = cookie(&parts.headers, PLATFORM_SESSION_COOKIE)
        {
            found = store::session_user(&state.shared, token)
                .await
                .map_err(internal)?
                .filter(|(u, _)| u.role == super::model::Role::PlatformAdmin)
                .map(|(u, s)| (u, s, true));
        }
        match found {
            Some((user, session, via_platform)) => Ok(Staff {
                user,
                session,
                ip: client_ip(parts),
                town: state.town.name.clone(),
                base: state.base.to_string(),
                via_platform,
                words: if state.town.code.is_some() {
                    crate::plan::service::words(state).await
                } else {
                    std::sync::Arc::default()
                },
            }),
            None => {
                let next = if parts.method == Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map(|p| state.path(p.as_str()))
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                let target = if next.is_empty() {
                    state.path("/login")
                } else {
                    format!("{}?next={}", state.path("/login"), urlencode(&next))
                };
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// The request's Origin, when sent, must be this site (defence in depth beside the token).
pub fn origin_matches(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(origin);
    !host.is_empty() && origin_host == host
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// Largest form body accepted (forms carry text, not files).
const FORM_LIMIT: usize = 256 * 1024;

pub fn csrf_refused() -> AppError {
    AppError::Forbidden(
        "フォームの有効期限が切れたか、このサイト以外から送信されました。画面を読み込み直してもう一度操作してください。"
            .into(),
    )
}

/// A form posted by a signed-in staff member whose CSRF token matched their session.
pub struct StaffForm<T>(pub Staff, pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for StaffForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let staff = Staff::from_request_parts(&mut parts, state).await?;
        if !origin_matches(&parts.headers) {
            return Err(csrf_refused().into_response());
        }
        let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| {
            AppError::PayloadTooLarge("送信された内容が大きすぎます。".into()).into_response()
        })?;
        let token: CsrfField =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| csrf_refused().into_response())?;
        if !constant_time_eq(&token.csrf, &staff.session.csrf_token) {
            return Err(csrf_refused().into_response());
        }
        let form: T = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            AppError::BadRequest(format!("フォームの内容を読み取れません: {e}")).into_response()
        })?;
        Ok(StaffForm(staff, form))
    }
}

/// A form posted without a session (sign-in): checked against the double-submit cookie.
pub struct AnonForm<T> {
    pub form: T,
    pub ip: String,
    pub https: bool,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for AnonForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        if !origin_matches(&parts.headers) {
            return Err(csrf_refused().into_response());
        }
        let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| {
            AppError::PayloadTooLarge("送信された内容が大きすぎます。".into()).into_response()
        })?;
        let token: CsrfField =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| csrf_refused().into_response())?;
        let expected = cookie(&parts.headers, LOGIN_CSRF_COOKIE).unwrap_or("");
        if expected.is_empty() || !constant_time_eq(&token.csrf, expected) {
            return Err(csrf_refused().into_response());
        }
        let form: T = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            AppError::BadRequest(format!("フォームの内容を読み取れません: {e}")).into_response()
        })?;
        Ok(AnonForm {
            form,
            ip: client_ip(&parts),
            https: is_https(state, &parts.headers),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_local() {
        assert_eq!(
            safe_next("/staff/reports?x=1", "/staff"),
            "/staff/reports?x=1"
        );
        for bad in [
            "//evil.example",
            "https://evil.example/",
            "/\\evil",
            "evil",
            "/a\nb",
            "",
        ] {
            assert_eq!(safe_next(bad, "/staff"), "/staff", "{bad:?}");
        }
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; machi_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
