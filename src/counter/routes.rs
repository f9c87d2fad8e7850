//! The clerk's screens: the day's board, one visit (questions, common items, forms, desks,
//! timestamps), the printable forms, and the stay-time statistics.

use super::store::{self, Visit, VisitError};
use super::visit::after;
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::procedures::cache::snapshot;
use crate::procedures::model::LifeEvent;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;

pub(super) fn require(staff: &Staff) -> Result<(), AppError> {
    staff.require(crate::counter::RUN_COUNTER, Subject::None)
}

#[derive(Template, WebTemplate)]
#[template(path = "counter/templates/gone.html")]
struct GonePage {
    layout: Layout,
    message: String,
}

/// A visit error as the clerk sees it: purged → 410 with the reason, closed → 409.
pub(super) fn visit_error(staff: &Staff, e: VisitError) -> Response {
    let status = match &e {
        VisitError::Purged(_) => StatusCode::GONE,
        VisitError::Closed(..) | VisitError::Stale => StatusCode::CONFLICT,
        VisitError::NotFound => return AppError::NotFound.into_response(),
        VisitError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        VisitError::Other(_) => {
            return AppError::Internal(anyhow::anyhow!("{e:#}")).into_response();
        }
    };
    (
        status,
        GonePage {
            layout: Layout::staff(staff, "counter"),
            message: e.to_string(),
        },
    )
        .into_response()
}

pub struct BoardRow {
    pub visit: Visit,
    pub event: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "counter/templates/board.html")]
struct BoardPage {
    layout: Layout,
    events: Vec<LifeEvent>,
    rows: Vec<BoardRow>,
    retention_days: i64,
    today: time::Date,
}

fn event_title(events: &[LifeEvent], key: &str) -> String {
    events
        .iter()
        .find(|e| e.key == key)
        .map_or_else(|| key.to_string(), |e| e.short.clone())
}

pub async fn board(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    require(&staff)?;
    // The periodic purge also runs here, so a visit never outlives its retention on screen.
    store::purge(
        &state.db,
        state.settings.counter_retention_days,
        OffsetDateTime::now_utc(),
    )
    .await?;
    let events = snapshot(&state).await?.life_events.clone();
    let today = crate::fiscal::today_jst();
    let rows = store::visits_on(&state.db, today)
        .await?
        .into_iter()
        .map(|v| BoardRow {
            event: event_title(&events, &v.life_event),
            visit: v,
        })
        .collect();
    Ok(BoardPage {
        layout: Layout::staff(&staff, "counter"),
        events,
        rows,
        retention_days: state.settings.counter_retention_days,
        today,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct OpenForm {
    life_event: String,
}

pub async fn open(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<OpenForm>,
) -> Result<Response, AppError> {
    require(&staff)?;
    if snapshot(&state).await?.life_event(&f.life_event).is_none() {
        return Err(AppError::BadRequest(format!(
            "ライフイベント「{}」はありません",
            f.life_event
        )));
    }
    match store::open(
        &state.db,
        &f.life_event,
        &staff.actor(),
        OffsetDateTime::now_utc(),
    )
    .await
    {
        Ok(v) => Ok(
            Redirect::to(&staff.path(&format!("/staff/counter/visits/{}", v.id))).into_response(),
        ),
        Err(e) => Ok(visit_error(&staff, e)),
    }
}

pub async fn desk_done(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let desk = f.get("desk").cloned().unwrap_or_default();
    if desk.trim().is_empty() {
        return Err(AppError::BadRequest("窓口の名前がありません".into()));
    }
    let r = store::desk_done(
        &state.db,
        id,
        &desk,
        &staff.actor(),
        OffsetDateTime::now_utc(),
    )
    .await;
    after(&state, &staff, id, r, None, "desks-h").await
}

pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, _f): StaffForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    require(&staff)?;
    match store::close(&state.db, id, &staff.actor(), OffsetDateTime::now_utc()).await {
        Ok(_) => {
            state.invalidate_plan();
            Ok(Redirect::to(&staff.path(&format!("/staff/counter/visits/{id}"))).into_response())
        }
        Err(e) => Ok(visit_error(&staff, e)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "counter/templates/stats.html")]
struct StatsPage {
    layout: Layout,
    years: Vec<super::stats::Row>,
    months: Vec<super::stats::Row>,
    events: Vec<LifeEvent>,
    first_full_year: String,
}

impl StatsPage {
    fn event_name(&self, key: &str) -> String {
        if key.is_empty() {
            "すべて".into()
        } else {
            event_title(&self.events, key)
        }
    }
}

pub async fn stats(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    staff.require(crate::auth::VIEW_STAFF, Subject::None)?;
    let timings = store::timings(&state.db).await?;
    let (years, months) = super::stats::table(&timings);
    let first = store::first_visit_day(&state.db).await?;
    Ok(StatsPage {
        layout: Layout::staff(&staff, "counter"),
        years,
        months,
        events: snapshot(&state).await?.life_events.clone(),
        first_full_year: first
            .map(|d| super::stats::first_full_year(d).label())
            .unwrap_or_default(),
    }
    .into_response())
}

/// Minutes for display: 12.5 → "12.5", 12.0 → "12".
pub fn minutes(v: &f64) -> String {
    let v = *v;
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}
