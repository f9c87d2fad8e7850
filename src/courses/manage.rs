//! Staff pages for a session after it is planned: its details, cancelling it whole, the
//! questionnaire entered from paper or on the tablet, and the month's flyer to print.

use super::MANAGE_COURSES;
use super::session_admin::{self, Answer, Details};
use super::store::{self, CourseError, SessionView};
use crate::app::AppState;
use crate::auth::permissions::Subject as On;
use crate::auth::routes::FieldErrors;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "courses/templates/edit_session.html")]
struct EditPage {
    layout: Layout,
    s: SessionView,
    errors: FieldErrors,
}

pub async fn edit(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    Ok(EditPage {
        layout: Layout::staff(&staff, "courses"),
        s: store::session(&state.db, id).await?,
        errors: FieldErrors::default(),
    }
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailsForm {
    place: String,
    access: String,
    map_url: String,
    capacity: String,
    organiser: String,
    partner: String,
    instructor: String,
    bring: String,
    lends_phones: String,
}

pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<DetailsForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    let mut s = store::session(&state.db, id).await?;
    let mut errors = FieldErrors::default();
    let capacity = crate::fiscal::fold_width(f.capacity.trim()).parse::<i64>();
    match capacity {
        Ok(capacity) => {
            let d = Details {
                place: f.place.clone(),
                access: f.access.clone(),
                map_url: f.map_url.trim().to_string(),
                capacity,
                organiser: f.organiser.clone(),
                partner: f.partner.clone(),
                instructor: f.instructor.clone(),
                bring: f.bring.clone(),
                lends_phones: f.lends_phones == "on",
            };
            match session_admin::update(&state.db, id, &d, super::now(&state), &staff.actor()).await
            {
                Ok(offered) => {
                    state.invalidate_plan();
                    let done = if offered > 0 {
                        format!("edited-{offered}")
                    } else {
                        "edited".into()
                    };
                    return Ok(Redirect::to(
                        &staff.path(&format!("/staff/courses/sessions/{id}?done={done}")),
                    )
                    .into_response());
                }
                Err(CourseError::Refused(m)) => errors.add(
                    if m.contains("地図") {
                        "map_url"
                    } else {
                        "capacity"
                    },
                    m,
                ),
                Err(e) => return Err(e.into()),
            }
        }
        Err(_) => errors.add(
            "capacity",
            format!("定員「{}」は1以上の数で入力してください", f.capacity),
        ),
    }
    // Show what was typed.
    s.place = f.place;
    s.access = f.access;
    s.map_url = f.map_url;
    s.organiser = f.organiser;
    s.partner = f.partner;
    s.instructor = f.instructor;
    s.bring = f.bring;
    s.lends_phones = f.lends_phones == "on";
    let page = EditPage {
        layout: Layout::staff(&staff, "courses"),
        s,
        errors,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    reason: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<CancelForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    let n =
        session_admin::cancel(&state.db, id, &f.reason, super::now(&state), &staff.actor()).await?;
    state.invalidate_plan();
    Ok(Redirect::to(&staff.path(&format!(
        "/staff/courses/sessions/{id}?done=session_cancelled-{n}"
    )))
    .into_response())
}

/// The questionnaire as a form sends it: `learned` may come several times.
fn answer_of(fields: &[(String, String)]) -> (i64, Vec<&str>, &str, &str) {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let learned = fields
        .iter()
        .filter(|(n, _)| n == "learned")
        .map(|(_, v)| v.as_str())
        .collect();
    (
        get("clarity").parse().unwrap_or(0),
        learned,
        get("comment"),
        get("via"),
    )
}

pub async fn feedback(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, fields): StaffForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    let (clarity, learned, comment, via) = answer_of(&fields);
    let a = Answer {
        clarity,
        learned,
        comment,
        via,
    };
    session_admin::add_feedback(&state.db, id, &a, super::now(&state), &staff.actor()).await?;
    state.invalidate_plan();
    Ok(Redirect::to(&staff.path(&format!(
        "/staff/courses/sessions/{id}?done=feedback#feedback"
    )))
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/templates/flyer.html")]
struct FlyerPage {
    layout: Layout,
    month_label: String,
    sessions: Vec<SessionView>,
    url: String,
    qr: String,
    prev: String,
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    month: String,
}

/// "2024-11" → (year, month).
fn month_of(text: &str) -> Option<(i32, time::Month)> {
    let (y, m) = text.trim().split_once('-')?;
    Some((
        y.parse().ok()?,
        time::Month::try_from(m.parse::<u8>().ok()?).ok()?,
    ))
}

/// The month's residents' sessions on one A4 page: when, where, what, how to book (the town's
/// phone and a QR code to the schedule), for 広報 and the 公民館's notice boards.
pub async fn flyer(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<MonthQuery>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    let today = state.today();
    let (year, month) = month_of(&q.month).unwrap_or((today.year(), today.month()));
    let first = time::Date::from_calendar_date(year, month, 1)
        .map_err(|_| AppError::BadRequest(format!("月「{}」を読めません", q.month)))?;
    let next_first = time::Date::from_calendar_date(
        if month == time::Month::December {
            year + 1
        } else {
            year
        },
        month.next(),
        1,
    )
    .map_err(|_| AppError::BadRequest(format!("月「{}」を読めません", q.month)))?;
    let jst = time::macros::offset!(+9);
    let from = first.midnight().assume_offset(jst) - time::Duration::seconds(1);
    let sessions: Vec<SessionView> =
        store::sessions(&state.db, super::model::Audience::Residents, Some(from))
            .await?
            .into_iter()
            .filter(|s| s.starts_at.to_offset(jst).date() < next_first && s.status != "cancelled")
            .collect();
    let url = crate::mail::absolute(&state, "/courses");
    let prev_first = first - time::Duration::days(1);
    Ok(FlyerPage {
        layout: Layout::staff(&staff, "courses"),
        month_label: crate::fiscal::wareki_month(year, u8::from(month)),
        qr: crate::web::qr::svg(&url, "教室の予定と予約のページのQRコード")?,
        url,
        sessions,
        prev: format!("{}-{:02}", prev_first.year(), u8::from(prev_first.month())),
        next: format!("{}-{:02}", next_first.year(), u8::from(next_first.month())),
    }
    .into_response())
}
