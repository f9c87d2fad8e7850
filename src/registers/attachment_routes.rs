//! Files on register rows: attach (multipart, the form's token checked first), open, remove, and
//! the public link to a file staff marked public on a public register.

use super::files::{self, Attached};
use super::form;
use super::routes::{register_def, row_of, row_page};
use super::{EDIT_REGISTERS, VIEW_REGISTERS};
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::registers::store::StoreError;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// The file as a response: images shown in the browser, a PDF downloaded (a PDF viewer runs
/// outside the page's rules); the type is the one sniffed when it was attached.
fn serve(file: &Attached, bytes: Vec<u8>, cache: &'static str) -> Response {
    let encoded = crate::auth::session::urlencode(&file.file_name);
    let ascii = format!(
        "file-{}.{}",
        file.id,
        crate::filetype::extension(&file.content_type)
    );
    let disposition = if file.content_type.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    (
        [
            (header::CONTENT_TYPE, file.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
            (header::CACHE_CONTROL, cache.to_string()),
        ],
        bytes,
    )
        .into_response()
}

pub async fn attach(
    State(state): State<AppState>,
    staff: Staff,
    Path((key, id)): Path<(String, i64)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    // The form's token is checked before anything else is looked at.
    let upload = crate::opendata::upload::read(&staff, multipart, files::MAX_FILE).await?;
    let def = register_def(&state, &key).await?.def;
    if !def.attachments {
        return Err(AppError::NotFound);
    }
    let row = row_of(&state, &def, id).await?;
    if !form::may_edit(&staff, &def, &row) {
        staff.require(EDIT_REGISTERS, Subject::None)?;
    }
    let public = def.public && upload.text("public") == "on";
    let result = match &upload.file {
        None => Err(StoreError::Invalid(vec![
            "添付するファイルを選んでください".into(),
        ])),
        Some((name, bytes)) => {
            files::attach(&state.db, &def, id, (name, bytes), public, &staff.actor()).await
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to(
            &staff.path(&format!("/staff/registers/{key}/rows/{id}?done=attached")),
        )
        .into_response()),
        Err(StoreError::Invalid(errors)) => {
            let values = form::values_of(&row);
            let mut page = row_page(&state, &staff, def, Some(&row), &values, Vec::new()).await?;
            page.file_errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn open(
    State(state): State<AppState>,
    staff: Staff,
    Path((key, id, file)): Path<(String, i64, i64)>,
) -> Result<Response, AppError> {
    staff.require(VIEW_REGISTERS, Subject::None)?;
    let def = register_def(&state, &key).await?.def;
    let row = row_of(&state, &def, id).await?;
    // A register with personal data: its files are as personal as its names.
    if def.fields.iter().any(|f| f.personal) && !form::sees_personal(&staff, Some(&row)) {
        return Err(AppError::Forbidden(
            "この行の添付ファイルは、取りまとめ担当と記入した本人だけが見られます".into(),
        ));
    }
    let (f, bytes) = files::get(&state.db, &def, id, file).await?;
    Ok(serve(&f, bytes, "private, no-store"))
}

pub async fn remove(
    State(state): State<AppState>,
    Path((key, id, file)): Path<(String, i64, i64)>,
    StaffForm(staff, _): StaffForm<crate::auth::routes::Empty>,
) -> Result<Response, AppError> {
    let def = register_def(&state, &key).await?.def;
    let row = row_of(&state, &def, id).await?;
    if !form::may_edit(&staff, &def, &row) {
        staff.require(EDIT_REGISTERS, Subject::None)?;
    }
    files::detach(&state.db, &def, id, file, &staff.actor()).await?;
    Ok(
        Redirect::to(&staff.path(&format!("/staff/registers/{key}/rows/{id}?done=detached")))
            .into_response(),
    )
}

/// A file of a public register that staff marked public; anything else is not found.
pub async fn public_file(
    State(state): State<AppState>,
    Path((key, file)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let def = super::defs::load(&state.db, &key)
        .await?
        .filter(|d| d.def.public && d.def.attachments)
        .ok_or(AppError::NotFound)?
        .def;
    let (f, bytes) = files::get_public(&state.db, &def, file).await?;
    Ok(serve(&f, bytes, "public, max-age=300"))
}
