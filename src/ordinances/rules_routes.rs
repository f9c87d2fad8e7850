//! The detection rules as staff read and change them: the rules in force with each category's
//! definition, the versions saved, a preview of what a change would do to the imported 例規,
//! and each re-scan's changes clause by clause.

use super::MANAGE_ORDINANCES;
use super::rescan::{self, ChangeKind, ChangeLine, Diff, RescanError, Saved};
use super::rescans;
use super::routes::may_read;
use super::rules::Rules;
use crate::app::AppState;
use crate::auth::permissions::Subject as On;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A category's definition and its rules, to read.
pub struct CategoryRules {
    pub name: &'static str,
    pub definition: String,
    /// (pattern, unless, reason, confidence)
    pub rules: Vec<(String, String, String, f64)>,
}

fn categories(r: &Rules) -> Vec<CategoryRules> {
    r.definitions
        .iter()
        .map(|(name, definition)| CategoryRules {
            name,
            definition: definition.clone(),
            rules: r
                .rules
                .iter()
                .filter(|x| x.category == *name)
                .map(|x| {
                    (
                        x.pattern.as_str().to_string(),
                        x.unless
                            .as_ref()
                            .map_or(String::new(), |u| u.as_str().to_string()),
                        x.reason.clone(),
                        x.confidence,
                    )
                })
                .collect(),
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "ordinances/templates/rules.html")]
struct RulesPage {
    layout: Layout,
    version: u32,
    saved: Option<Saved>,
    categories: Vec<CategoryRules>,
    text: String,
    note: String,
    versions: Vec<Saved>,
    rescans: Vec<(i64, i64, String, String, i64, i64, i64)>,
    manager: bool,
    error: String,
    /// A preview of the typed rules: what would change, and under which version.
    preview: Option<(Diff, u32)>,
}

impl RulesPage {
    fn preview_of(&self, kind: ChangeKind) -> Vec<&ChangeLine> {
        self.preview.as_ref().map_or(Vec::new(), |(d, _)| {
            d.changes.iter().filter(|c| c.kind == kind).collect()
        })
    }
    fn kinds(&self) -> [ChangeKind; 3] {
        [ChangeKind::Added, ChangeKind::Withdrawn, ChangeKind::Kept]
    }
}

async fn page(
    state: &AppState,
    staff: &Staff,
    text: Option<String>,
    note: String,
    error: String,
    preview: Option<(Diff, u32)>,
) -> Result<RulesPage, AppError> {
    let current = rescan::current(&state.db)
        .await
        .map_err(AppError::Internal)?;
    Ok(RulesPage {
        layout: Layout::staff(staff, "ordinances"),
        version: current.rules.version,
        categories: categories(&current.rules),
        text: text.unwrap_or(current.text),
        saved: current.saved,
        note,
        versions: rescan::versions(&state.db).await?,
        rescans: rescans::rescans(&state.db).await?,
        manager: staff.can(MANAGE_ORDINANCES, On::None),
        error,
        preview,
    })
}

pub async fn rules_page(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    may_read(&staff)?;
    Ok(
        page(&state, &staff, None, String::new(), String::new(), None)
            .await?
            .into_response(),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RulesForm {
    text: String,
    note: String,
    /// "preview" shows what would change; "save" saves and re-scans.
    action: String,
}

pub async fn save_rules(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<RulesForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_ORDINANCES, On::None)?;
    let failed = |e: RescanError| match e {
        RescanError::Refused(m) => Ok(m),
        RescanError::Db(e) => Err(AppError::Internal(e.into())),
    };
    if f.action == "save" {
        match rescan::save(&state.db, &f.text, &f.note, &staff.actor()).await {
            Ok(id) => {
                super::progress::changed(&state).await;
                return Ok(
                    Redirect::to(&staff.path(&format!("/staff/ordinances/rescans/{id}")))
                        .into_response(),
                );
            }
            Err(e) => {
                let m = failed(e)?;
                let p = page(&state, &staff, Some(f.text), f.note, m, None).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
            }
        }
    }
    match rescan::preview(&state.db, &f.text).await {
        Ok(preview) => Ok(page(
            &state,
            &staff,
            Some(f.text),
            f.note,
            String::new(),
            Some(preview),
        )
        .await?
        .into_response()),
        Err(e) => {
            let m = failed(e)?;
            let p = page(&state, &staff, Some(f.text), f.note, m, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
    }
}

/// A re-scan with the rules in force (nothing typed).
pub async fn rescan_now(
    State(state): State<AppState>,
    StaffForm(staff, _): StaffForm<RulesForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_ORDINANCES, On::None)?;
    let id = rescan::rescan_now(&state.db, &staff.actor())
        .await
        .map_err(AppError::Internal)?;
    super::progress::changed(&state).await;
    Ok(Redirect::to(&staff.path(&format!("/staff/ordinances/rescans/{id}"))).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "ordinances/templates/rescan.html")]
struct RescanPage {
    layout: Layout,
    r: rescans::Recorded,
}

impl RescanPage {
    fn of(&self, kind: ChangeKind) -> Vec<&ChangeLine> {
        self.r.changes.iter().filter(|c| c.kind == kind).collect()
    }
    fn kinds(&self) -> [ChangeKind; 3] {
        [ChangeKind::Added, ChangeKind::Withdrawn, ChangeKind::Kept]
    }
}

pub async fn rescan_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    may_read(&staff)?;
    let mut r = rescans::recorded(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    r.at = crate::fiscal::jst(&r.at);
    Ok(RescanPage {
        layout: Layout::staff(&staff, "ordinances"),
        r,
    }
    .into_response())
}
