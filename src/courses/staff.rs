//! The staff side: courses and sessions, a session's list (the waiting list's order), booking on
//! a resident's behalf from the same form when they phone or come in, and the slip to print.

use super::MANAGE_COURSES;
use super::model::{AGE_BANDS, Audience, Person, Via};
use super::public::BookForm;
use super::store::{self, Booking, CourseError, NewCourse, NewSession, SessionView};
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
use time::OffsetDateTime;

#[derive(Template, WebTemplate)]
#[template(path = "courses/templates/staff_list.html")]
struct ListPage {
    layout: Layout,
    sessions: Vec<SessionView>,
    courses: Vec<(i64, String, Audience)>,
    errors: FieldErrors,
    done: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: String,
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    errors: FieldErrors,
    done: String,
) -> Result<ListPage, AppError> {
    let mut sessions = store::sessions(&state.db, Audience::Residents, None).await?;
    sessions.extend(store::sessions(&state.db, Audience::Staff, None).await?);
    sessions.sort_by_key(|s| s.starts_at);
    Ok(ListPage {
        layout: Layout::staff(staff, "courses"),
        sessions,
        courses: store::courses(&state.db).await?,
        errors,
        done,
    })
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    Ok(list_page(&state, &staff, FieldErrors::default(), q.done)
        .await?
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CourseForm {
    title: String,
    audience: String,
    topic: String,
    level: String,
}

pub async fn new_course(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<CourseForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    let mut errors = FieldErrors::default();
    if f.title.trim().is_empty() {
        errors.add("title", "講座名を入力してください");
    }
    let audience = Audience::parse(&f.audience);
    if audience.is_none() {
        errors.add("audience", "対象(住民・職員)を選んでください");
    }
    if let (true, Some(audience)) = (errors.is_empty(), audience) {
        let c = NewCourse {
            title: &f.title,
            audience,
            topic: &f.topic,
            level: &f.level,
        };
        store::create_course(&state.db, &c, &staff.actor()).await?;
        return Ok(Redirect::to(&staff.path("/staff/courses?done=course")).into_response());
    }
    let page = list_page(&state, &staff, errors, String::new()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SessionForm {
    course: String,
    date: String,
    start: String,
    end: String,
    place: String,
    capacity: String,
}

/// "10:00" (or "１０：００") on a day, in Japan time.
pub(crate) fn at(day: time::Date, hm: &str) -> Option<OffsetDateTime> {
    let t = crate::fiscal::fold_width(hm.trim());
    let (h, m) = t.split_once(':')?;
    let time = time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()?;
    Some(day.with_time(time).assume_offset(time::macros::offset!(+9)))
}

pub async fn new_session(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<SessionForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    let mut errors = FieldErrors::default();
    let course = f.course.parse::<i64>().ok();
    if course.is_none() {
        errors.add("course", "講座を選んでください");
    }
    let day = crate::procedures::form_check::check_value(
        crate::procedures::form::FieldType::Date,
        &f.date,
        0,
        None,
        &[],
    )
    .ok()
    .and_then(|d| {
        time::Date::parse(
            &d,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()
    });
    if day.is_none() {
        errors.add(
            "date",
            format!("日付「{}」を読めません(例: 令和6年11月20日)", f.date),
        );
    }
    let start = day.and_then(|d| at(d, &f.start));
    let end = day.and_then(|d| at(d, &f.end));
    if day.is_some() && (start.is_none() || end.is_none()) {
        errors.add("start", "時刻は 10:00 のように入力してください");
    }
    let capacity = crate::fiscal::fold_width(f.capacity.trim())
        .parse::<i64>()
        .ok();
    if capacity.is_none_or(|c| c < 1) {
        errors.add(
            "capacity",
            format!("定員「{}」は1以上の数で入力してください", f.capacity),
        );
    }
    if let (true, Some(course_id), Some(starts_at), Some(ends_at), Some(capacity)) =
        (errors.is_empty(), course, start, end, capacity)
    {
        let s = NewSession {
            course_id,
            starts_at,
            ends_at,
            place: &f.place,
            capacity,
        };
        match store::create_session(&state.db, &s, &staff.actor()).await {
            Ok(_) => {
                return Ok(Redirect::to(&staff.path("/staff/courses?done=session")).into_response());
            }
            Err(CourseError::Refused(m)) => errors.add("start", m),
            Err(e) => return Err(e.into()),
        }
    }
    let page = list_page(&state, &staff, errors, String::new()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/templates/staff_session.html")]
struct SessionPage {
    layout: Layout,
    s: SessionView,
    bookings: Vec<Booking>,
    form: BookForm,
    errors: FieldErrors,
    bands: &'static [&'static str],
    done: String,
    feedback: super::session_admin::FeedbackSummary,
    /// 出席 / 欠席 can be marked (from two hours before the start).
    door_open: bool,
    /// What the list was narrowed to, at the door.
    find: String,
    /// 出席 in the whole list (not only what was found).
    attended: usize,
}

impl SessionPage {
    fn clarity_choices(&self) -> &'static [(i64, &'static str)] {
        &super::session_admin::CLARITY
    }
    fn learned_choices(&self) -> &'static [(&'static str, &'static str)] {
        &super::session_admin::LEARNED
    }
    /// `done` of a cancelled session or edited details: (what, how many).
    fn done_count(&self, what: &str) -> Option<String> {
        self.done
            .strip_prefix(what)
            .and_then(|r| r.strip_prefix('-'))
            .map(str::to_string)
    }
}

async fn session_page(
    state: &AppState,
    staff: &Staff,
    id: i64,
    form: BookForm,
    errors: FieldErrors,
    done: String,
) -> Result<SessionPage, AppError> {
    let s = store::session(&state.db, id).await?;
    let bookings = store::bookings(&state.db, id).await?;
    Ok(SessionPage {
        layout: Layout::staff(staff, "courses"),
        form,
        errors,
        bands: &AGE_BANDS,
        done,
        feedback: super::session_admin::feedback(&state.db, id).await?,
        door_open: super::now(state) + time::Duration::hours(2) >= s.starts_at,
        find: String::new(),
        attended: bookings
            .iter()
            .filter(|b| b.state == super::model::BookingState::Attended)
            .count(),
        bookings,
        s,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SessionQuery {
    done: String,
    /// At the door: a booking's number, or part of a name or its kana.
    find: String,
}

pub async fn session(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<SessionQuery>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    let mut page = session_page(
        &state,
        &staff,
        id,
        BookForm::default(),
        FieldErrors::default(),
        q.done,
    )
    .await?;
    let find = crate::fiscal::fold_width(q.find.trim());
    if !find.is_empty() {
        // The number as said (00012 or 12), or part of the name or kana (ひらがな too).
        let kana = crate::procedures::form_check::check_value(
            crate::procedures::form::FieldType::Kana,
            &find,
            60,
            None,
            &[],
        )
        .unwrap_or_default();
        let digits = find.trim_start_matches('0');
        page.bookings.retain(|b| {
            (!digits.is_empty() && b.number.trim_start_matches('0') == digits)
                || b.name.contains(&find)
                || (!kana.is_empty()
                    && b.kana
                        .replace(['　', ' '], "")
                        .contains(&kana.replace(['　', ' '], "")))
        });
        page.find = find;
    }
    Ok(page.into_response())
}

/// A booking taken on the phone or at the counter, for the person.
pub async fn book(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<BookForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    let via = Via::parse(&f.via)
        .filter(|v| matches!(v, Via::Phone | Via::Counter))
        .unwrap_or(Via::Phone);
    let mut errors = FieldErrors::default();
    match Person::parse(&f.name, &f.kana, &f.phone, &f.age_band) {
        Ok(p) => {
            match store::book(&state.db, id, &p, via, super::now(&state), &staff.actor()).await {
                Ok((b, _)) => {
                    return Ok(Redirect::to(
                        &staff.path(&format!("/staff/courses/bookings/{}", b.number)),
                    )
                    .into_response());
                }
                Err(CourseError::Refused(m)) => errors.add("form", m),
                Err(e) => return Err(e.into()),
            }
        }
        Err(list) => {
            for (k, m) in list {
                errors.add(k, m);
            }
        }
    }
    let page = session_page(&state, &staff, id, f, errors, String::new()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "courses/templates/slip.html")]
struct SlipPage {
    layout: Layout,
    b: Booking,
    s: SessionView,
}

/// The booking slip, to read out on the phone or print and hand over.
pub async fn slip(
    State(state): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    let b = store::booking(&state.db, &number).await?;
    let s = store::session(&state.db, b.session_id).await?;
    Ok(SlipPage {
        layout: Layout::staff(&staff, "courses"),
        b,
        s,
    }
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct Empty {}

pub async fn cancel(
    State(state): State<AppState>,
    Path(number): Path<String>,
    StaffForm(staff, _): StaffForm<Empty>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    let b = store::booking(&state.db, &number).await?;
    let offered = store::cancel(&state.db, &number, super::now(&state), &staff.actor()).await?;
    let done = if offered.is_some() {
        "offered"
    } else {
        "cancelled"
    };
    Ok(Redirect::to(&staff.path(&format!(
        "/staff/courses/sessions/{}?done={done}",
        b.session_id
    )))
    .into_response())
}

pub async fn accept(
    State(state): State<AppState>,
    Path(number): Path<String>,
    StaffForm(staff, _): StaffForm<Empty>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    let b = store::accept(&state.db, &number, super::now(&state), &staff.actor()).await?;
    Ok(Redirect::to(&staff.path(&format!(
        "/staff/courses/sessions/{}?done=accepted",
        b.session_id
    )))
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MarkForm {
    to: String,
}

/// 出席 / 欠席 at the door.
pub async fn mark(
    State(state): State<AppState>,
    Path(number): Path<String>,
    StaffForm(staff, f): StaffForm<MarkForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    let to = super::model::BookingState::parse(&f.to)
        .ok_or_else(|| AppError::BadRequest("出席か欠席を選んでください".into()))?;
    let b = store::mark(&state.db, &number, to, super::now(&state), &staff.actor()).await?;
    state.invalidate_plan();
    Ok(Redirect::to(&staff.path(&format!(
        "/staff/courses/sessions/{}?done=marked#b-{}",
        b.session_id, b.number
    )))
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WalkInForm {
    name: String,
}

/// 当日参加: someone came without booking.
pub async fn walk_in(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<WalkInForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_COURSES, On::None)?;
    match store::walk_in(&state.db, id, &f.name, super::now(&state), &staff.actor()).await {
        Ok(_) => {
            state.invalidate_plan();
            Ok(
                Redirect::to(&staff.path(&format!("/staff/courses/sessions/{id}?done=walk_in")))
                    .into_response(),
            )
        }
        Err(CourseError::Refused(m)) => {
            let mut errors = FieldErrors::default();
            errors.add("walk_in", m);
            let page = session_page(
                &state,
                &staff,
                id,
                BookForm::default(),
                errors,
                String::new(),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
