//! Staff pages of a register's file (its definition): a new register, a changed one, the file
//! to download.

use super::definition::RegisterDef;
use super::defs::{self, SaveError};
use super::routes::register_def;
use super::{DEFINE_REGISTERS, VIEW_REGISTERS};
use crate::app::AppState;
use crate::auth::permissions::Subject;
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
#[template(path = "registers/templates/definition.html")]
struct DefinitionPage {
    layout: Layout,
    /// None: a new register.
    key: Option<String>,
    title: String,
    source: String,
    version: i64,
    error: String,
}

/// A starting file for a new register.
const EXAMPLE: &str = r#"key = "example"
title = "台帳の名前"
owner_field = "department"

[[fields]]
key = "department"
label = "課"
type = "text"
required = true

[[fields]]
key = "done_on"
label = "実施日"
type = "date"
required = true

[kpi]
measure = "count"
year_by = "done_on"
"#;

#[derive(Deserialize, Default)]
pub struct FromQuery {
    #[serde(default)]
    from: String,
}

pub async fn new_definition(
    staff: Staff,
    Query(q): Query<FromQuery>,
) -> Result<Response, AppError> {
    staff.require(DEFINE_REGISTERS, Subject::None)?;
    let source = super::BUNDLED
        .iter()
        .find(|(name, _)| name.strip_suffix(".toml") == Some(q.from.as_str()))
        .map_or(EXAMPLE, |(_, text)| text);
    Ok(DefinitionPage {
        layout: Layout::staff(&staff, "registers"),
        key: None,
        title: "台帳を追加".into(),
        source: source.to_string(),
        version: 0,
        error: String::new(),
    }
    .into_response())
}

pub async fn definition(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    staff.require(DEFINE_REGISTERS, Subject::None)?;
    let d = register_def(&state, &key).await?;
    Ok(DefinitionPage {
        layout: Layout::staff(&staff, "registers"),
        title: format!("{}の定義", d.def.title),
        key: Some(key),
        source: d.source,
        version: d.version,
        error: String::new(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct DefinitionForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    version: i64,
}

pub async fn save_definition(
    State(state): State<AppState>,
    key: Option<Path<String>>,
    StaffForm(staff, f): StaffForm<DefinitionForm>,
) -> Result<Response, AppError> {
    staff.require(DEFINE_REGISTERS, Subject::None)?;
    let key = key.map(|Path(k)| k);
    // The file's own key must be the register changed (a key is how KPIs name it).
    let parsed_key = RegisterDef::parse(&f.source).ok().map(|d| d.key);
    let result = match (&key, &parsed_key) {
        (Some(k), Some(p)) if k != p => Err(SaveError::Invalid(
            super::definition::DefinitionError(format!(
                "key は「{k}」のままにしてください(KPIがこのkeyで台帳を指しています)。別の台帳は「台帳を追加」から登録します"
            )),
        )),
        _ => {
            let version = key.as_ref().map(|_| f.version);
            defs::save(&state.db, &f.source, version, &staff.actor()).await
        }
    };
    match result {
        Ok(def) => {
            state.invalidate_plan();
            Ok(
                Redirect::to(&staff.path(&format!("/staff/registers/{}?done=defined", def.key)))
                    .into_response(),
            )
        }
        Err(SaveError::Db(e)) => Err(AppError::Internal(e.into())),
        Err(e) => {
            let status = if matches!(e, SaveError::Stale) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((
                status,
                DefinitionPage {
                    layout: Layout::staff(&staff, "registers"),
                    title: if key.is_some() {
                        "台帳の定義".into()
                    } else {
                        "台帳を追加".into()
                    },
                    key,
                    source: f.source,
                    version: f.version,
                    error: e.to_string(),
                },
            )
                .into_response())
        }
    }
}

pub async fn definition_file(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    staff.require(VIEW_REGISTERS, Subject::None)?;
    let d = register_def(&state, &key).await?;
    let name = format!("{key}.toml");
    Ok(crate::plan::exports::download(
        d.source.into_bytes(),
        "application/toml; charset=utf-8",
        &name,
        &name,
    ))
}
