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

/// The validation findings of a resource as lines for staff: "3行目 2列目 [type-error] …".
pub fn report_lines(r: &Resource) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&r.validation_report) else {
        return vec![];
    };
    let mut lines: Vec<String> = v["errors"]
        .as_array()
        .map(|errs| {
            errs.iter()
                .take(50)
                .map(|e| {
                    let at = match (e["rowNumber"].as_u64(), e["fieldNumber"].as_u64()) {
                        (Some(r), Some(c)) => format!("{r}行目 {c}列目"),
                        (Some(r), None) => format!("{r}行目"),
                        _ => "ファイル".into(),
                    };
                    format!(
                        "{at} [{}] {}",
                        e["type"].as_str().unwrap_or(""),
                        e["message"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let total = v["error_count"].as_u64().unwrap_or(0) as usize;
    if total > lines.len() {
        lines.push(format!("…ほか{}件", total - lines.len()));
    }
    lines
}
