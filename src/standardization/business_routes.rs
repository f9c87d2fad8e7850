//! A 業務's page: its record (systems, dates, the 特定移行支援システム exception) and every
//! step's status, saved together from the version read.

use super::model::{BusinessRecord, Cell, GovCloud, TOKUTEI_REASONS};
use super::rates::{self, Business, StepStatus};
use super::routes::{percent, statuses_of};
use super::steps::Step;
use super::store::{self, CellInput, SaveError};
use super::{EDIT_STANDARDIZATION, VIEW_STANDARDIZATION, businesses_of};
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use time::Date;

pub struct StepLine {
    pub no: i64,
    pub name: String,
    pub verified: bool,
    pub status: &'static str,
    pub planned: String,
    pub done: String,
    pub note: String,
    pub changed: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "standardization/templates/business.html")]
struct BusinessPage {
    layout: Layout,
    business: &'static Business,
    form: HashMap<String, String>,
    lines: Vec<StepLine>,
    version: i64,
    may_change_department: bool,
    errors: Vec<String>,
    rates: (String, String, String),
    updated: String,
    statuses: [&'static str; 4],
    gov_clouds: Vec<&'static str>,
    reasons: [&'static str; 5],
}

impl BusinessPage {
    fn value(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }
}

fn business_of(state: &AppState, no: u8) -> Result<&'static Business, AppError> {
    businesses_of(state)
        .into_iter()
        .find(|b| b.no == no)
        .ok_or(AppError::NotFound)
}

fn date_text(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// The form's values for a stored record and cells.
fn form_of(
    r: &BusinessRecord,
    steps: &[Step],
    no: i64,
    cells: &HashMap<(i64, i64), Cell>,
) -> HashMap<String, String> {
    let mut f: HashMap<String, String> = [
        ("department", r.department.clone()),
        ("vendor", r.vendor.clone()),
        ("current_system", r.current_system.clone()),
        ("target_system", r.target_system.clone()),
        ("compliant", if r.compliant { "1" } else { "" }.into()),
        (
            "gov_cloud",
            r.gov_cloud.unwrap_or(GovCloud::Undecided).label().into(),
        ),
        ("planned_cutover", date_text(r.planned_cutover)),
        ("actual_cutover", date_text(r.actual_cutover)),
        ("tokutei", if r.tokutei { "1" } else { "" }.into()),
        ("tokutei_reason", r.tokutei_reason.clone()),
        ("tokutei_deadline", date_text(r.tokutei_deadline)),
        ("note", r.note.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for s in steps {
        let c = cells.get(&(no, s.no));
        f.insert(
            format!("s{}_status", s.no),
            c.map_or(StepStatus::NotStarted, |c| c.status)
                .label()
                .into(),
        );
        f.insert(
            format!("s{}_planned", s.no),
            date_text(c.and_then(|c| c.planned_on)),
        );
        f.insert(
            format!("s{}_done", s.no),
            date_text(c.and_then(|c| c.done_on)),
        );
        f.insert(
            format!("s{}_note", s.no),
            c.map(|c| c.note.clone()).unwrap_or_default(),
        );
    }
    f
}

async fn business_view(
    state: &AppState,
    staff: &Staff,
    business: &'static Business,
    form: Option<HashMap<String, String>>,
    errors: Vec<String>,
) -> Result<BusinessPage, AppError> {
    let no = i64::from(business.no);
    let list = store::step_list(&state.db).await?;
    let records = store::businesses(&state.db).await?;
    let cells = store::cells(&state.db).await?;
    let record = records.get(&no).cloned().unwrap_or_default();
    let form = form.unwrap_or_else(|| form_of(&record, &list.steps, no, &cells));
    let statuses = statuses_of(no, &list.steps, &cells);
    let r = rates::rates(&statuses, list.steps.len());
    let get = |k: String| form.get(&k).cloned().unwrap_or_default();
    let lines = list
        .steps
        .iter()
        .map(|s| StepLine {
            no: s.no,
            name: s.name.clone(),
            verified: s.verified,
            status: StepStatus::parse(&get(format!("s{}_status", s.no)))
                .unwrap_or(StepStatus::NotStarted)
                .label(),
            planned: get(format!("s{}_planned", s.no)),
            done: get(format!("s{}_done", s.no)),
            note: get(format!("s{}_note", s.no)),
            changed: cells
                .get(&(no, s.no))
                .map(|c| format!("{} {}", crate::fiscal::jst(&c.updated_at), c.updated_by))
                .unwrap_or_default(),
        })
        .collect();
    Ok(BusinessPage {
        layout: Layout::staff(staff, "standardization"),
        business,
        lines,
        version: record.version,
        may_change_department: staff.can(EDIT_STANDARDIZATION, Subject::None),
        errors,
        rates: r.map_or_else(Default::default, |r| {
            (
                percent(r.completed),
                percent(r.working),
                percent(r.not_started),
            )
        }),
        updated: if record.version > 0 {
            format!(
                "最終更新: {}({})",
                crate::fiscal::jst(&record.updated_at),
                record.updated_by
            )
        } else {
            String::new()
        },
        statuses: StepStatus::ALL.map(StepStatus::label),
        gov_clouds: GovCloud::ALL.iter().map(|g| g.label()).collect(),
        reasons: TOKUTEI_REASONS,
        form,
    })
}

fn may_edit(staff: &Staff, record: &BusinessRecord) -> bool {
    staff.can(
        EDIT_STANDARDIZATION,
        Subject::Department {
            department: &record.department,
        },
    ) || staff.can(EDIT_STANDARDIZATION, Subject::None)
}

pub async fn business_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(no): Path<u8>,
) -> Result<Response, AppError> {
    staff.require(VIEW_STANDARDIZATION, Subject::None)?;
    let business = business_of(&state, no)?;
    let record = store::businesses(&state.db)
        .await?
        .remove(&i64::from(no))
        .unwrap_or_default();
    if !may_edit(&staff, &record) {
        staff.require(EDIT_STANDARDIZATION, Subject::None)?;
    }
    Ok(business_view(&state, &staff, business, None, Vec::new())
        .await?
        .into_response())
}

/// A 業務's cells as entered, by step number.
type StepCells = Vec<(i64, CellInput)>;

/// Reads the posted form: the record, the cells, or every fault in words.
fn read_form(
    f: &HashMap<String, String>,
    steps: &[Step],
    stored: &BusinessRecord,
    may_change_department: bool,
) -> Result<(BusinessRecord, StepCells), Vec<String>> {
    let mut errors = Vec::new();
    let text = |k: &str| f.get(k).map_or("", |v| v.trim()).to_string();
    let date = |k: &str, label: &str, errors: &mut Vec<String>| {
        let t = text(k);
        if t.is_empty() {
            return None;
        }
        crate::fiscal::parse_date(&t)
            .map_err(|e| errors.push(format!("{label}: {e}")))
            .ok()
    };
    let planned_cutover = date("planned_cutover", "移行予定日", &mut errors);
    let actual_cutover = date("actual_cutover", "移行日(本番稼働)", &mut errors);
    let tokutei_deadline = date(
        "tokutei_deadline",
        "特定移行支援システムの期限",
        &mut errors,
    );
    let mut cells = Vec::new();
    for s in steps {
        let status = match StepStatus::parse(&text(&format!("s{}_status", s.no))) {
            Ok(st) => st,
            Err(e) => {
                errors.push(format!("ステップ{}: {e}", s.no));
                StepStatus::NotStarted
            }
        };
        let planned_on = date(
            &format!("s{}_planned", s.no),
            &format!("ステップ{} 予定日", s.no),
            &mut errors,
        );
        let done_on = date(
            &format!("s{}_done", s.no),
            &format!("ステップ{} 実績日", s.no),
            &mut errors,
        );
        cells.push((
            s.no,
            CellInput {
                status,
                planned_on,
                done_on,
                note: text(&format!("s{}_note", s.no)),
            },
        ));
    }
    let gov_cloud = match GovCloud::parse(&text("gov_cloud")) {
        Ok(g) => Some(g),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let tokutei = !text("tokutei").is_empty();
    let tokutei_reason = text("tokutei_reason");
    if tokutei && !TOKUTEI_REASONS.contains(&tokutei_reason.as_str()) {
        errors.push("特定移行支援システムの理由を選んでください".into());
    }
    if tokutei
        && tokutei_deadline.is_none()
        && !errors
            .iter()
            .any(|e| e.starts_with("特定移行支援システムの期限"))
    {
        errors.push("特定移行支援システムの期限(移行を終える期限)を入れてください".into());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((
        BusinessRecord {
            department: if may_change_department {
                text("department")
            } else {
                stored.department.clone()
            },
            vendor: text("vendor"),
            current_system: text("current_system"),
            target_system: text("target_system"),
            compliant: !text("compliant").is_empty(),
            gov_cloud,
            planned_cutover,
            actual_cutover,
            tokutei,
            tokutei_reason: if tokutei {
                tokutei_reason
            } else {
                String::new()
            },
            tokutei_deadline: if tokutei { tokutei_deadline } else { None },
            note: text("note"),
            ..BusinessRecord::default()
        },
        cells,
    ))
}

pub async fn save_business(
    State(state): State<AppState>,
    Path(no): Path<u8>,
    StaffForm(staff, f): StaffForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let business = business_of(&state, no)?;
    let stored = store::businesses(&state.db)
        .await?
        .remove(&i64::from(no))
        .unwrap_or_default();
    if !may_edit(&staff, &stored) {
        staff.require(EDIT_STANDARDIZATION, Subject::None)?;
    }
    let list = store::step_list(&state.db).await?;
    let version: i64 = f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let all = staff.can(EDIT_STANDARDIZATION, Subject::None);
    let (status, errors) = match read_form(&f, &list.steps, &stored, all) {
        Ok((record, cells)) => {
            match store::save_business(
                &state.db,
                i64::from(no),
                &record,
                &cells,
                version,
                &staff.actor(),
            )
            .await
            {
                Ok(()) => {
                    state.invalidate_plan();
                    return Ok(
                        Redirect::to(&staff.path("/staff/standardization?done=saved"))
                            .into_response(),
                    );
                }
                Err(SaveError::Stale) => (StatusCode::CONFLICT, vec![SaveError::Stale.to_string()]),
                Err(SaveError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
                Err(SaveError::Db(e)) => return Err(AppError::Internal(e.into())),
            }
        }
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    let mut page = business_view(&state, &staff, business, Some(f), errors).await?;
    if status == StatusCode::CONFLICT {
        page.version = version;
    }
    Ok((status, page).into_response())
}
