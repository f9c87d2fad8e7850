//! Pages of the tracker: the grid (staff and public), a 業務's page where its record and steps
//! are entered, the step list, and CSV in and out.

use super::model::Cell;
use super::rates::{self, Rates, StepStatus};
use super::steps::{self, Step};
use super::store::{self, SaveError};
use super::{EDIT_STANDARDIZATION, VIEW_STANDARDIZATION, businesses_of};
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use time::Date;

pub fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A cell of the grid: its class, its mark and its words.
pub struct GridCell {
    pub class: &'static str,
    pub mark: &'static str,
    pub title: String,
}

pub struct GridRow {
    pub no: u8,
    pub name: String,
    pub department: String,
    pub cells: Vec<GridCell>,
    pub completed: String,
    pub working: String,
    pub not_started: String,
    pub migrated: bool,
}

/// Everything the grid pages show.
pub struct Grid {
    pub steps: Vec<Step>,
    pub edition: String,
    pub rows: Vec<GridRow>,
    pub overall: Option<Rates>,
    pub migrated: usize,
    pub total: usize,
    /// 業務 not migrated, with why: (name, reasons).
    pub held_back: Vec<(String, Vec<String>)>,
    /// 業務 nobody has recorded anything about yet.
    pub unrecorded: Vec<String>,
    pub deadline: String,
}

impl Grid {
    pub fn overall_text(&self) -> (String, String, String) {
        self.overall.map_or_else(Default::default, |r| {
            (
                percent(r.completed),
                percent(r.working),
                percent(r.not_started),
            )
        })
    }
}

/// A 業務's status per step (unmarked: 未着手).
pub fn statuses_of(no: i64, steps: &[Step], cells: &HashMap<(i64, i64), Cell>) -> Vec<StepStatus> {
    steps
        .iter()
        .map(|s| {
            cells
                .get(&(no, s.no))
                .map_or(StepStatus::NotStarted, |c| c.status)
        })
        .collect()
}

fn mark(s: StepStatus) -> (&'static str, &'static str) {
    match s {
        StepStatus::Done => ("st-done", "済"),
        StepStatus::Working => ("st-working", "中"),
        StepStatus::NotApplicable => ("st-na", "外"),
        StepStatus::NotStarted => ("st-none", "・"),
    }
}

/// The plan's 完了 deadline for the KPI (the 基本方針's 令和7年度末 when the plan has none).
async fn deadline(state: &AppState) -> Date {
    let from_plan = state.plan_data().await.ok().and_then(|d| {
        d.plan
            .kpis()
            .into_iter()
            .find(|k| k.kpi.source == super::MIGRATED)
            .map(|k| k.kpi.deadline.last_day())
    });
    from_plan.unwrap_or_else(|| crate::fiscal::FiscalYear(2025).last_day())
}

pub async fn grid_of(state: &AppState) -> Result<Grid, AppError> {
    let list = store::step_list(&state.db).await?;
    let records = store::businesses(&state.db).await?;
    let cells = store::cells(&state.db).await?;
    let today = state.today();
    let deadline = deadline(state).await;
    let shown = businesses_of(state);
    let n = list.steps.len();
    let mut rows = Vec::new();
    let mut all = Vec::new();
    let mut held_back = Vec::new();
    let mut unrecorded = Vec::new();
    for b in &shown {
        let no = i64::from(b.no);
        let statuses = statuses_of(no, &list.steps, &cells);
        let r = rates::rates(&statuses, n);
        let record = records.get(&no).cloned().unwrap_or_default();
        let migrated = record.migrated_by(today);
        if !records.contains_key(&no) {
            unrecorded.push(b.dashboard_name.to_string());
        } else if !migrated {
            held_back.push((
                b.dashboard_name.to_string(),
                record.held_back(deadline, today),
            ));
        }
        rows.push(GridRow {
            no: b.no,
            name: b.dashboard_name.to_string(),
            department: record.department.clone(),
            cells: list
                .steps
                .iter()
                .zip(&statuses)
                .map(|(s, st)| {
                    let (class, mark) = mark(*st);
                    GridCell {
                        class,
                        mark,
                        title: format!(
                            "{} ステップ{} {}: {}",
                            b.dashboard_name,
                            s.no,
                            s.name,
                            st.label()
                        ),
                    }
                })
                .collect(),
            completed: r.map(|r| percent(r.completed)).unwrap_or_default(),
            working: r.map(|r| percent(r.working)).unwrap_or_default(),
            not_started: r.map(|r| percent(r.not_started)).unwrap_or_default(),
            migrated,
        });
        all.push(statuses);
    }
    Ok(Grid {
        overall: rates::overall(&all, n),
        migrated: rows.iter().filter(|r| r.migrated).count(),
        total: rows.len(),
        rows,
        steps: list.steps,
        edition: list.edition,
        held_back,
        unrecorded,
        deadline: crate::fiscal::wareki_date(deadline),
    })
}

// ───────────── the grid ─────────────

#[derive(Template, WebTemplate)]
#[template(path = "standardization/templates/grid.html")]
struct GridPage {
    layout: Layout,
    grid: Grid,
    staff: bool,
    may_edit_all: bool,
    notice: String,
    errors: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn notice_of(done: &str) -> String {
    match done {
        "saved" => "保存しました。".into(),
        "steps" => "ステップの一覧を保存しました。".into(),
        d if d.starts_with("imported-") => format!(
            "CSVを取り込みました({}マスが変わりました)。",
            &d["imported-".len()..]
        ),
        _ => String::new(),
    }
}

pub async fn grid(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    staff.require(VIEW_STANDARDIZATION, Subject::None)?;
    Ok(GridPage {
        layout: Layout::staff(&staff, "standardization"),
        grid: grid_of(&state).await?,
        staff: true,
        may_edit_all: staff.can(EDIT_STANDARDIZATION, Subject::None),
        notice: notice_of(&q.done),
        errors: Vec::new(),
    }
    .into_response())
}

pub async fn public_page(State(state): State<AppState>) -> Result<Response, AppError> {
    Ok(GridPage {
        layout: Layout::public(&state, "standardization").await,
        grid: grid_of(&state).await?,
        staff: false,
        may_edit_all: false,
        notice: String::new(),
        errors: Vec::new(),
    }
    .into_response())
}

// ───────────── the step list ─────────────

#[derive(Template, WebTemplate)]
#[template(path = "standardization/templates/steps.html")]
struct StepsPage {
    layout: Layout,
    edition: String,
    text: String,
    version: i64,
    errors: Vec<String>,
}

pub async fn steps_page(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    staff.require(EDIT_STANDARDIZATION, Subject::None)?;
    let list = store::step_list(&state.db).await?;
    Ok(StepsPage {
        layout: Layout::staff(&staff, "standardization"),
        edition: list.edition,
        text: steps::to_text(&list.steps),
        version: list.version,
        errors: Vec::new(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct StepsForm {
    #[serde(default)]
    edition: String,
    #[serde(default)]
    steps: String,
    #[serde(default)]
    version: i64,
}

pub async fn save_steps(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<StepsForm>,
) -> Result<Response, AppError> {
    staff.require(EDIT_STANDARDIZATION, Subject::None)?;
    let mut errors = Vec::new();
    if f.edition.trim().is_empty() {
        errors.push("どの版の手順書に合わせた一覧かを書いてください".to_string());
    }
    let result = match steps::parse(&f.steps) {
        Ok(list) if errors.is_empty() => {
            store::save_steps(
                &state.db,
                f.edition.trim(),
                &list,
                f.version,
                &staff.actor(),
            )
            .await
        }
        Ok(_) => Err(SaveError::Invalid(errors)),
        Err(mut e) => {
            errors.append(&mut e);
            Err(SaveError::Invalid(errors))
        }
    };
    let (status, errors) = match result {
        Ok(()) => {
            state.invalidate_plan();
            return Ok(
                Redirect::to(&staff.path("/staff/standardization?done=steps")).into_response(),
            );
        }
        Err(SaveError::Stale) => (StatusCode::CONFLICT, vec![SaveError::Stale.to_string()]),
        Err(SaveError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(SaveError::Db(e)) => return Err(AppError::Internal(e.into())),
    };
    Ok((
        status,
        StepsPage {
            layout: Layout::staff(&staff, "standardization"),
            edition: f.edition,
            text: f.steps,
            version: f.version,
            errors,
        },
    )
        .into_response())
}

// ───────────── CSV ─────────────

pub async fn export(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    staff.require(VIEW_STANDARDIZATION, Subject::None)?;
    let list = store::step_list(&state.db).await?;
    let cells = store::cells(&state.db).await?;
    let rows = super::csv::rows(&businesses_of(&state), &list.steps, &cells);
    let enc =
        crate::textfile::CsvEncoding::from_query(q.get("encoding").map_or("", String::as_str));
    let bytes = crate::textfile::csv_bytes(&super::csv::HEADER, rows, enc)?;
    let day = crate::fiscal::today_jst();
    Ok(crate::plan::exports::download(
        bytes,
        &format!("text/csv; charset={}", enc.charset()),
        &format!("standardization-{day}.csv"),
        &format!("標準化の進み具合_{day}.csv"),
    ))
}

/// The tracker as an Excel workbook (grid on A3 landscape, each 業務's record, the steps).
pub async fn export_xlsx(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Response, AppError> {
    staff.require(VIEW_STANDARDIZATION, Subject::None)?;
    let grid = grid_of(&state).await?;
    let records = store::businesses(&state.db).await?;
    let cells = store::cells(&state.db).await?;
    let businesses = businesses_of(&state);
    let bytes = super::workbook::workbook(&super::workbook::Tracker {
        grid: &grid,
        businesses: &businesses,
        records: &records,
        cells: &cells,
        as_of: crate::fiscal::wareki_date(state.today()),
    })
    .map_err(|e| AppError::Internal(anyhow::anyhow!("workbook: {e}")))?;
    let day = crate::fiscal::today_jst();
    Ok(crate::plan::exports::download(
        bytes,
        crate::plan::exports::XLSX,
        &format!("standardization-{day}.xlsx"),
        &format!("標準化の進み具合_{day}.xlsx"),
    ))
}

pub async fn import(
    State(state): State<AppState>,
    staff: Staff,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = crate::opendata::upload::read(&staff, multipart, 2 * 1024 * 1024).await?;
    staff.require(EDIT_STANDARDIZATION, Subject::None)?;
    let list = store::step_list(&state.db).await?;
    let errors = match &upload.file {
        None => vec!["CSVファイルを選んでください。".to_string()],
        Some((name, bytes)) => {
            match super::csv::read(bytes, &businesses_of(&state), list.steps.len()) {
                Ok(rows) => match store::import_cells(&state.db, &rows, name, &staff.actor()).await
                {
                    Ok(n) => {
                        state.invalidate_plan();
                        return Ok(Redirect::to(
                            &staff.path(&format!("/staff/standardization?done=imported-{n}")),
                        )
                        .into_response());
                    }
                    Err(SaveError::Db(e)) => return Err(AppError::Internal(e.into())),
                    Err(e) => vec![e.to_string()],
                },
                Err(errors) => errors,
            }
        }
    };
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        GridPage {
            layout: Layout::staff(&staff, "standardization"),
            grid: grid_of(&state).await?,
            staff: true,
            may_edit_all: true,
            notice: String::new(),
            errors,
        },
    )
        .into_response())
}
