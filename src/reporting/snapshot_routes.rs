//! Issuing and viewing report snapshots.

use super::snapshot::{self, Difference, Snapshot, SnapshotKind};
use super::store;
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::routes::FieldErrors;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "reporting/templates/snapshots.html")]
struct SnapshotsPage {
    layout: Layout,
    snapshots: Vec<Snapshot>,
    periods: Vec<super::model::Period>,
    can_issue: bool,
    errors: FieldErrors,
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    errors: FieldErrors,
) -> Result<SnapshotsPage, AppError> {
    let data = state.plan_data().await?;
    Ok(SnapshotsPage {
        layout: Layout::staff(staff, "snapshots"),
        snapshots: snapshot::list(&state.db, &data.plan.id).await?,
        periods: store::periods(&state.db, &data.plan.id).await?,
        can_issue: staff.can(crate::reporting::ISSUE_SNAPSHOT, Subject::None),
        errors,
    })
}

pub async fn list(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    Ok(list_page(&state, &staff, FieldErrors::default())
        .await?
        .into_response())
}

#[derive(Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    period: String,
}

pub async fn issue(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<IssueForm>,
) -> Result<Response, AppError> {
    staff.require(crate::reporting::ISSUE_SNAPSHOT, Subject::None)?;
    let data = state.plan_data().await?;
    let mut errors = FieldErrors::default();
    let kind = SnapshotKind::from_key(&form.kind);
    if kind.is_none() {
        errors.add("kind", "種類を選んでください");
    }
    let period = match form.period.parse::<i64>() {
        Ok(id) => store::period(&state.db, id)
            .await?
            .filter(|p| p.plan_id == data.plan.id),
        Err(_) => None,
    };
    if period.is_none() {
        errors.add("period", "報告期間を選んでください");
    }
    let (Some(kind), Some(period)) = (kind, period) else {
        let page = list_page(&state, &staff, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let reports = store::reports_of(&state.db, period.id).await?;
    let doc = snapshot::build(&data, kind, &period, &reports, &staff.user.display_name);
    let id = snapshot::issue(&state.db, &data.plan.id, &doc, &staff.actor()).await?;
    Ok(Redirect::to(&staff.path(&format!("/staff/snapshots/{id}"))).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "reporting/templates/snapshot.html")]
struct SnapshotPage {
    layout: Layout,
    snapshot: Snapshot,
    previous: Option<(i64, String)>,
    previous_changes: Vec<Difference>,
    previous_year: Option<(i64, String)>,
    year_changes: Vec<Difference>,
}

pub async fn view(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let data = state.plan_data().await?;
    let s = snapshot::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let prev = snapshot::previous(&state.db, &s, &data.plan.id).await?;
    let prev_year = snapshot::previous_year(&state.db, &s, &data.plan.id).await?;
    Ok(SnapshotPage {
        layout: Layout::staff(&staff, "snapshots"),
        previous_changes: prev
            .as_ref()
            .map(|p| snapshot::compare(&p.document, &s.document))
            .unwrap_or_default(),
        previous: prev.map(|p| (p.id, p.title)),
        year_changes: prev_year
            .as_ref()
            .map(|p| snapshot::compare(&p.document, &s.document))
            .unwrap_or_default(),
        previous_year: prev_year.map(|p| (p.id, p.title)),
        snapshot: s,
    }
    .into_response())
}

pub async fn download(
    State(state): State<AppState>,
    // Signed-in staff only: the extractor redirects everyone else to sign-in.
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let s = snapshot::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = snapshot::workbook(&s.document, &staff.words)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("workbook: {e}")))?;
    Ok(crate::plan::exports::download(
        bytes,
        crate::plan::exports::XLSX,
        &format!("snapshot-{id}.xlsx"),
        &format!("{}.xlsx", s.title),
    ))
}
