//! The resident's tablet at the counter: a link (shown as a QR code to the clerk) opens a form
//! for the common items, so the resident types them once and the clerk does not retype them.
//! No sign-in: the link's random token is the key, valid for a short time and only while the
//! visit is open; the form has its own CSRF token.

use super::store::{self, Values, VisitError};
use super::visit::{CommonField, PersonRow, common_fields, people_rows, posted_rows};
use crate::app::AppState;
use crate::audit::Actor;
use crate::auth::routes::FieldErrors;
use crate::auth::secret::random_token;
use crate::auth::session::{AnonForm, LOGIN_CSRF_COOKIE, is_https, set_cookie};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

#[derive(Template, WebTemplate)]
#[template(path = "counter/templates/entry.html")]
struct EntryPage {
    layout: Layout,
    token: String,
    csrf: String,
    subject_label: String,
    common: Vec<CommonField>,
    people: Vec<PersonRow>,
    errors: FieldErrors,
    done: bool,
}

fn not_valid() -> AppError {
    AppError::BadRequest(
        "この入力用リンクは使えません(有効期限が過ぎたか、受付が完了しています)。窓口の職員にお知らせください。".into(),
    )
}

fn page(state: &AppState, headers: &HeaderMap, p: EntryPage, status: StatusCode) -> Response {
    let cookie = set_cookie(
        state,
        LOGIN_CSRF_COOKIE,
        &p.csrf,
        3600,
        is_https(state, headers),
        "Strict",
    );
    (status, [(header::SET_COOKIE, cookie)], p).into_response()
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let v = store::visit_by_entry(&state.db, &token, OffsetDateTime::now_utc())
        .await?
        .ok_or_else(not_valid)?;
    let event = crate::procedures::cache::snapshot(&state)
        .await?
        .life_event(&v.life_event)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let p = EntryPage {
        layout: Layout::kiosk(&state).await,
        token,
        csrf: random_token(),
        subject_label: event.subject_label.clone(),
        common: common_fields(&event, &v.person),
        people: people_rows(&v.people),
        errors: FieldErrors::default(),
        done: false,
    };
    Ok(page(&state, &headers, p, StatusCode::OK))
}

pub async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    AnonForm { form, ip, .. }: AnonForm<Values>,
) -> Result<Response, AppError> {
    let v = store::visit_by_entry(&state.db, &token, OffsetDateTime::now_utc())
        .await?
        .ok_or_else(not_valid)?;
    let event = crate::procedures::cache::snapshot(&state)
        .await?
        .life_event(&v.life_event)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let actor = Actor {
        user_id: None,
        username: "(窓口タブレット)".into(),
        ip,
    };
    let mut p = EntryPage {
        layout: Layout::kiosk(&state).await,
        token,
        csrf: random_token(),
        subject_label: event.subject_label.clone(),
        common: common_fields(&event, &form),
        people: posted_rows(&form),
        errors: FieldErrors::default(),
        done: false,
    };
    match store::save_details(&state.db, v.id, &form, None, &actor).await {
        Ok(()) => {
            p.done = true;
            Ok(page(&state, &headers, p, StatusCode::OK))
        }
        Err(VisitError::Invalid(list)) => {
            for (k, m) in list {
                p.errors.add(&k, m);
            }
            Ok(page(&state, &headers, p, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(VisitError::Stale) => {
            p.errors.add(
                "form",
                "窓口で同時に更新されました。もう一度「送信する」を押してください。",
            );
            Ok(page(&state, &headers, p, StatusCode::CONFLICT))
        }
        Err(_) => Err(not_valid()),
    }
}
