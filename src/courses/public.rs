//! The residents' side: the schedule, a session's page with the booking form (only what is
//! needed to call back), the booking's own page (its number; cancel; take an offered place).
//! No account: the booking page's address is the key, and the 予約番号 works on the phone.

use super::model::{AGE_BANDS, Audience, BookingState, Person, Via};
use super::store::{self, Booking, CourseError, SessionView};
use crate::app::AppState;
use crate::applications::apply::{csrf_of, with_csrf};
use crate::audit::Actor;
use crate::auth::routes::FieldErrors;
use crate::auth::session::AnonForm;
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use time::OffsetDateTime;

/// A resident's changes, in the audit log.
fn resident(ip: String) -> Actor {
    Actor {
        user_id: None,
        username: "(予約者)".into(),
        ip,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/templates/schedule.html")]
struct SchedulePage {
    layout: Layout,
    sessions: Vec<SessionView>,
}

pub async fn schedule(State(state): State<AppState>) -> Result<Response, AppError> {
    let sessions =
        store::sessions(&state.db, Audience::Residents, Some(super::now(&state))).await?;
    Ok(SchedulePage {
        layout: Layout::public(&state, "courses").await,
        sessions,
    }
    .into_response())
}

/// What the booking form sends (the same form staff fill in on the phone).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct BookForm {
    pub name: String,
    pub kana: String,
    pub phone: String,
    pub age_band: String,
    /// Staff only: phone | counter.
    pub via: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/templates/session.html")]
struct SessionPage {
    layout: Layout,
    s: SessionView,
    open: bool,
    form: BookForm,
    errors: FieldErrors,
    csrf: String,
    bands: &'static [&'static str],
}

/// A session may be booked: planned, for residents, not started.
fn bookable(s: &SessionView, now: OffsetDateTime) -> bool {
    s.status == "planned" && s.audience == Audience::Residents && s.starts_at > now
}

async fn session_page(
    state: &AppState,
    headers: &HeaderMap,
    id: i64,
    form: BookForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let s = store::session(&state.db, id).await?;
    if s.audience != Audience::Residents {
        return Err(AppError::NotFound);
    }
    let csrf = csrf_of(headers);
    let page = SessionPage {
        layout: Layout::public(state, "courses").await,
        open: bookable(&s, super::now(state)),
        s,
        form,
        errors,
        csrf: csrf.clone(),
        bands: &AGE_BANDS,
    };
    Ok(with_csrf(state, headers, &csrf, page, status))
}

pub async fn session(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    session_page(
        &state,
        &headers,
        id,
        BookForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn book(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    AnonForm { form, ip, .. }: AnonForm<BookForm>,
) -> Result<Response, AppError> {
    let s = store::session(&state.db, id).await?;
    if s.audience != Audience::Residents {
        return Err(AppError::NotFound);
    }
    let person = match Person::parse(&form.name, &form.kana, &form.phone, &form.age_band) {
        Ok(p) => p,
        Err(list) => {
            let mut errors = FieldErrors::default();
            for (k, m) in list {
                errors.add(k, m);
            }
            return session_page(
                &state,
                &headers,
                id,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let actor = resident(ip);
    match store::book(&state.db, id, &person, Via::Web, super::now(&state), &actor).await {
        Ok((_, token)) => {
            Ok(Redirect::to(&format!("{}/courses/booking/{token}", state.base)).into_response())
        }
        Err(CourseError::Refused(m)) => {
            let mut errors = FieldErrors::default();
            errors.add("form", m);
            session_page(&state, &headers, id, form, errors, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/templates/booking.html")]
struct BookingPage {
    layout: Layout,
    b: Booking,
    s: SessionView,
    token: String,
    csrf: String,
    done: &'static str,
    now: OffsetDateTime,
}

impl BookingPage {
    fn may_cancel(&self) -> bool {
        self.b.state.is_active() && self.s.starts_at > self.now
    }
    fn offered(&self) -> bool {
        self.b.state == BookingState::Offered
    }
    fn expires(&self) -> String {
        crate::fiscal::jst(&self.b.offer_expires_at)
    }
}

async fn booking_page(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    done: &'static str,
) -> Result<Response, AppError> {
    let b = store::by_token(&state.db, token).await?;
    let s = store::session(&state.db, b.session_id).await?;
    let csrf = csrf_of(headers);
    let page = BookingPage {
        layout: Layout::public(state, "courses").await,
        b,
        s,
        token: token.to_string(),
        csrf: csrf.clone(),
        done,
        now: super::now(state),
    };
    Ok(with_csrf(state, headers, &csrf, page, StatusCode::OK))
}

pub async fn booking(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    booking_page(&state, &headers, &token, "").await
}

#[derive(serde::Deserialize)]
pub struct Empty {}

/// What the booking page's buttons do.
#[derive(Clone, Copy)]
enum Change {
    Cancel,
    Accept,
}

async fn change(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    ip: String,
    what: Change,
) -> Result<Response, AppError> {
    let b = store::by_token(&state.db, token).await?;
    let actor = resident(ip);
    let now = super::now(state);
    let done = match what {
        Change::Cancel => {
            store::cancel(&state.db, &b.number, now, &actor).await?;
            "cancelled"
        }
        Change::Accept => {
            store::accept(&state.db, &b.number, now, &actor).await?;
            "accepted"
        }
    };
    booking_page(state, headers, token, done).await
}

pub async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    AnonForm { ip, .. }: AnonForm<Empty>,
) -> Result<Response, AppError> {
    change(&state, &headers, &token, ip, Change::Cancel).await
}

pub async fn accept(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    AnonForm { ip, .. }: AnonForm<Empty>,
) -> Result<Response, AppError> {
    change(&state, &headers, &token, ip, Change::Accept).await
}
