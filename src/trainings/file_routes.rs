//! Files of a training: the e-learning system's CSV (completions recorded all or nothing) and
//! materials (attached, and downloaded by staff).

use super::directory;
use super::routes::training_page;
use super::store::{self, TrainingError};
use super::{MANAGE_TRAININGS, TAKE_TRAININGS};
use crate::app::AppState;
use crate::auth::Staff;
use crate::auth::permissions::Subject as On;
use crate::auth::routes::FieldErrors;
use crate::error::AppError;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

pub async fn elearning(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    staff: Staff,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = crate::opendata::upload::read(&staff, multipart, super::MAX_IMPORT).await?;
    staff.require(MANAGE_TRAININGS, On::None)?;
    let t = store::get(&state.db, id).await?;
    let Some((name, bytes)) = upload.file.as_ref().filter(|(_, b)| !b.is_empty()) else {
        let errors = vec!["取り込むCSVファイルを選んでください".to_string()];
        let page = training_page(
            &state,
            &staff,
            id,
            FieldErrors::default(),
            errors,
            String::new(),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let members = directory::all(&state.db).await?;
    match super::elearning::parse(bytes, &t, &members) {
        Ok(read) => {
            let n = super::elearning::import(&state.db, &t, &read, name, &staff.actor()).await?;
            state.invalidate_plan();
            let done = format!("imported-{n}-{}-{}", read.not_done, read.other_year);
            Ok(
                Redirect::to(&staff.path(&format!("/staff/trainings/{id}?done={done}")))
                    .into_response(),
            )
        }
        Err(errors) => {
            let page = training_page(
                &state,
                &staff,
                id,
                FieldErrors::default(),
                errors,
                String::new(),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn attach(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    staff: Staff,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = crate::opendata::upload::read(&staff, multipart, store::MAX_MATERIAL).await?;
    staff.require(MANAGE_TRAININGS, On::None)?;
    store::get(&state.db, id).await?;
    let (name, bytes) = upload.file.clone().unwrap_or_default();
    match store::attach(&state.db, id, &name, &bytes, &staff.actor()).await {
        Ok(_) => Ok(
            Redirect::to(&staff.path(&format!("/staff/trainings/{id}?done=material")))
                .into_response(),
        ),
        Err(TrainingError::Refused(m)) => {
            let mut errors = FieldErrors::default();
            errors.add("material", m);
            let page = training_page(&state, &staff, id, errors, Vec::new(), String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A material, downloaded (never shown inside machi's pages).
pub async fn material(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    if !staff.can(MANAGE_TRAININGS, On::None) {
        staff.require(TAKE_TRAININGS, On::None)?;
    }
    let (m, bytes) = store::material(&state.db, id, file).await?;
    let encoded = crate::auth::session::urlencode(&m.file_name);
    Ok((
        [
            (header::CONTENT_TYPE, m.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"material-{}\"; filename*=UTF-8''{encoded}",
                    m.id
                ),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
