//! The staff's handlers for resources: add (a file or a link), allow a file with validation
//! errors for a reason, replace a file, delete a never-published resource or dataset. Each goes
//! back to the dataset's page, with the reason when it was refused.

use super::catalog::{self, CatalogError, Dataset, Resource};
use super::routes::{MAX_RESOURCE, require, staff_dataset as dataset_of};
use super::{edit, files};
use crate::app::AppState;
use crate::auth::session::{csrf_refused, origin_matches};
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

async fn resource_and_dataset(
    state: &AppState,
    rid: &str,
) -> Result<(Resource, Dataset), AppError> {
    let r = catalog::resource(&state.db, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((r.clone(), dataset_of(state, &r.dataset_id).await?))
}

/// Back to the dataset's staff page: done, or the reason it was refused.
async fn outcome(
    state: &AppState,
    staff: &Staff,
    d: Dataset,
    result: Result<(), CatalogError>,
    done: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(
            Redirect::to(&staff.path(&format!("/staff/opendata/{}?done={done}", d.id)))
                .into_response(),
        ),
        Err(e) => {
            let page = super::routes::dataset_page_with_errors(state, staff, d, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn replace(
    State(state): State<AppState>,
    headers: HeaderMap,
    staff: Staff,
    Path(rid): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    if !origin_matches(&headers) {
        return Err(csrf_refused());
    }
    require(&staff)?;
    // The form's token is checked before anything is looked up.
    let form = super::upload::read(&staff, multipart, MAX_RESOURCE).await?;
    let (r, d) = resource_and_dataset(&state, &rid).await?;
    let result = match &form.file {
        Some((name, bytes)) => {
            edit::replace_file(
                &state.db,
                &state.data_dir,
                &d,
                &r,
                (name, bytes),
                &staff.actor(),
            )
            .await
        }
        None => Err(CatalogError::Invalid(
            "file",
            "差し替えるファイルを選んでください".into(),
        )),
    };
    outcome(&state, &staff, d, result, "replaced").await
}

/// Rewrites a resource's file in the current layout of its standard (when the validation found
/// an earlier layout) and puts the result in its place; the original stays as a version.
pub async fn convert(
    State(state): State<AppState>,
    Path(rid): Path<String>,
    crate::auth::StaffForm(staff, _): crate::auth::StaffForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let (r, d) = resource_and_dataset(&state, &rid).await?;
    let result = convert_file(&state, &d, &r, &staff).await;
    outcome(&state, &staff, d, result, "converted").await
}

async fn convert_file(
    state: &AppState,
    d: &Dataset,
    r: &Resource,
    staff: &Staff,
) -> Result<(), CatalogError> {
    let refuse = |m: &str| CatalogError::Invalid("file", m.to_string());
    let schema = super::standard::schema_for(&state.db, &d.standard)
        .await?
        .ok_or_else(|| refuse("このデータセットは標準データセットに準拠していません"))?;
    if !r.is_upload() {
        return Err(refuse("外部のURLのリソースは変換できません"));
    }
    let bytes = std::fs::read(&r.stored_path).map_err(|e| CatalogError::Other(e.into()))?;
    let mut out = Vec::new();
    super::legacy::convert(bytes.as_slice(), &schema, &mut out).map_err(|m| refuse(&m))?;
    let stem = r
        .file_name
        .trim_end_matches(".csv")
        .trim_end_matches(".CSV");
    let name = format!("{stem}_今の形式.csv");
    edit::replace_file(
        &state.db,
        &state.data_dir,
        d,
        r,
        (&name, &out),
        &staff.actor(),
    )
    .await
}

pub async fn delete_resource_route(
    State(state): State<AppState>,
    Path(rid): Path<String>,
    crate::auth::StaffForm(staff, _): crate::auth::StaffForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let (r, d) = resource_and_dataset(&state, &rid).await?;
    let result = edit::delete_resource(&state.db, &d, &r, &staff.actor()).await;
    outcome(&state, &staff, d, result, "resource_deleted").await
}

pub async fn delete_dataset_route(
    State(state): State<AppState>,
    Path(id): Path<String>,
    crate::auth::StaffForm(staff, _): crate::auth::StaffForm<serde::de::IgnoredAny>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let d = dataset_of(&state, &id).await?;
    match edit::delete_dataset(&state.db, &d, &staff.actor()).await {
        Ok(()) => Ok(Redirect::to(&staff.path("/staff/opendata?done=deleted")).into_response()),
        Err(e) => outcome(&state, &staff, d, Err(e), "").await,
    }
}

pub async fn add_resource(
    State(state): State<AppState>,
    headers: HeaderMap,
    staff: Staff,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    if !origin_matches(&headers) {
        return Err(csrf_refused());
    }
    require(&staff)?;
    let form = super::upload::read(&staff, multipart, MAX_RESOURCE).await?;
    let d = dataset_of(&state, &id).await?;
    let new = files::NewResource {
        name: form.text("name"),
        description: form.text("description"),
        format: form.text("format"),
        url: form.text("url"),
        file: form.file.as_ref().map(|(n, b)| (n.as_str(), b.as_slice())),
    };
    let result = files::add_resource(&state.db, &state.data_dir, &d, new, &staff.actor())
        .await
        .map(|_| ());
    outcome(&state, &staff, d, result, "resource").await
}

#[derive(Deserialize)]
pub struct OverrideForm {
    #[serde(default)]
    reason: String,
}

pub async fn override_validation(
    State(state): State<AppState>,
    Path(rid): Path<String>,
    StaffForm(staff, form): StaffForm<OverrideForm>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let r = catalog::resource(&state.db, &rid)
        .await?
        .ok_or(AppError::NotFound)?;
    let d = dataset_of(&state, &r.dataset_id).await?;
    let result = files::override_validation(&state.db, &r, &form.reason, &staff.actor()).await;
    outcome(&state, &staff, d, result, "override").await
}

/// A resource's validation report as staff read it: the verdict, the groups (column and kind,
/// with counts, first rows, an example and the fix), machi's own checks apart, the first
/// findings one by one.
pub struct ReportView {
    pub summary: String,
    /// The file is an earlier layout of the standard: what maps where.
    pub legacy: Option<String>,
    /// The header is wrong: fix it first.
    pub header_first: bool,
    pub groups: Vec<GroupView>,
    pub checks: Vec<GroupView>,
    pub details: Vec<String>,
    pub listed: usize,
}

pub struct GroupView {
    pub place: String,
    pub kind: &'static str,
    pub severity: &'static str,
    pub count: usize,
    pub rows: String,
    pub message: String,
    pub hint: String,
}

pub fn report_view(r: &Resource) -> Option<ReportView> {
    use super::validate::{Report, kind_label};
    let report: Report = serde_json::from_str(&r.validation_report).ok()?;
    let view = |g: &super::validate::report::Group| GroupView {
        place: g.place(),
        kind: kind_label(&g.kind),
        severity: g.severity.map_or("", |s| s.label()),
        count: g.count,
        rows: g.rows_text(),
        message: g.message.clone(),
        hint: g.hint_text().to_string(),
    };
    let details = report
        .errors
        .iter()
        .take(20)
        .map(|e| {
            let at = match (e.row_number, e.field_number) {
                (Some(r), Some(c)) => format!("{r}行目 {c}列目"),
                (Some(r), None) => format!("{r}行目"),
                (None, Some(c)) => format!("見出し {c}列目"),
                _ => "ファイル".into(),
            };
            format!("{at} {}: {}", kind_label(&e.kind), e.message)
        })
        .collect();
    Some(ReportView {
        summary: report.summary(),
        legacy: report.legacy.as_ref().map(super::legacy::explain),
        header_first: report.header_wrong(),
        groups: report
            .groups
            .iter()
            .filter(|g| !g.machi)
            .map(view)
            .collect(),
        checks: report.groups.iter().filter(|g| g.machi).map(view).collect(),
        details,
        listed: report.errors.len() + report.checks.len(),
    })
}

/// Every finding of a resource's validation as CSV, for Excel.
pub async fn report_csv(
    State(state): State<AppState>,
    staff: Staff,
    Path(rid): Path<String>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let (r, _) = resource_and_dataset(&state, &rid).await?;
    let report: super::validate::Report =
        serde_json::from_str(&r.validation_report).map_err(|_| AppError::NotFound)?;
    let name = format!("validation-{}.csv", r.id);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        super::validate::render::csv(&report),
    )
        .into_response())
}
