//! Staff pages of the reporting cycle: what to do now, periods, the board, the report form.

use super::model::{Event, Period, PeriodKind, Report, ReportState};
use super::service::{self, ReportInput};
use super::store::{self, ReportError};
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::routes::FieldErrors;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::fiscal::FiscalYear;
use crate::plan::kpi::{Status, format_value};
use crate::plan::model::{Measure, Plan};
use crate::plan::service::PlanData;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;

fn subject(m: &Measure) -> Subject<'_> {
    Subject::Measure {
        department: &m.department,
    }
}

/// The events this person may take on this report now.
fn available_events(staff: &Staff, report: &Report, period: &Period, m: &Measure) -> Vec<Event> {
    Event::ALL
        .into_iter()
        .filter(|e| super::model::transition(report.state, *e, period.kind).is_ok())
        .filter(|e| staff.can(e.action(), subject(m)))
        .collect()
}

pub struct TaskRow {
    report_id: i64,
    period_title: String,
    due_date: String,
    measure: String,
    state: ReportState,
    todo: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "reporting/templates/tasks.html")]
struct TasksPage {
    layout: Layout,
    name: String,
    tasks: Vec<TaskRow>,
    periods: Vec<Period>,
    can_manage: bool,
    /// What modules ask this person to look at (unconfirmed data, figures that disagree).
    notices: Vec<crate::modules::StaffNotice>,
}

fn todo_for(events: &[Event]) -> Option<&'static str> {
    if events.contains(&Event::Submit) || events.contains(&Event::Save) {
        Some("入力・提出")
    } else if events.contains(&Event::Confirm) {
        Some("内容の確認")
    } else if events.contains(&Event::Evaluate) {
        Some("委員会の評価")
    } else if events.contains(&Event::Finalize) {
        Some("確定")
    } else {
        None
    }
}

/// "My updates": every report the signed-in person can move forward now, soonest due first.
pub async fn tasks(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    let data = state.plan_data().await?;
    let periods = store::periods(&state.db, &data.plan.id).await?;
    let mut tasks = Vec::new();
    for p in &periods {
        for r in store::reports_of(&state.db, p.id).await? {
            let Some(m) = data.plan.measure(&r.measure_code) else {
                continue;
            };
            let events = available_events(&staff, &r, p, m);
            // Re-evaluating an already evaluated report is possible but not a task.
            let events: Vec<Event> = events
                .into_iter()
                .filter(|e| !(r.state == ReportState::Evaluated && *e == Event::Evaluate))
                .collect();
            if let Some(todo) = todo_for(&events) {
                tasks.push(TaskRow {
                    report_id: r.id,
                    period_title: p.title.clone(),
                    due_date: p.due_date.clone(),
                    measure: format!("{} {}", m.label(), m.title),
                    state: r.state,
                    todo,
                });
            }
        }
    }
    tasks.sort_by(|a, b| a.due_date.cmp(&b.due_date));
    let mut notices = Vec::new();
    for m in &crate::modules::registry().modules {
        notices.extend(m.staff_notices(&state, &staff).await?);
    }
    Ok(TasksPage {
        notices,
        layout: Layout::staff(&staff, "staff"),
        name: staff.user.display_name.clone(),
        tasks,
        periods,
        can_manage: staff.can(crate::reporting::MANAGE_PERIODS, Subject::None),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct PeriodForm {
    #[serde(default)]
    fiscal_year: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    quarter: String,
    #[serde(default)]
    due_date: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "reporting/templates/period_form.html")]
struct PeriodFormPage {
    layout: Layout,
    errors: FieldErrors,
    fiscal_year: String,
    kind: String,
    quarter: String,
    due_date: String,
}

pub async fn new_period_form(staff: Staff) -> Result<Response, AppError> {
    staff.require(crate::reporting::MANAGE_PERIODS, Subject::None)?;
    Ok(PeriodFormPage {
        layout: Layout::staff(&staff, "staff"),
        errors: FieldErrors::default(),
        fiscal_year: String::new(),
        kind: "yearly".into(),
        quarter: String::new(),
        due_date: String::new(),
    }
    .into_response())
}

pub async fn create_period(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<PeriodForm>,
) -> Result<Response, AppError> {
    staff.require(crate::reporting::MANAGE_PERIODS, Subject::None)?;
    let data = state.plan_data().await?;
    let mut errors = FieldErrors::default();
    let fy = FiscalYear::parse(&form.fiscal_year);
    if let Err(e) = &fy {
        errors.add("fiscal_year", e.to_string());
    }
    let kind = PeriodKind::from_key(&form.kind);
    if kind.is_none() {
        errors.add("kind", "種類を選んでください");
    }
    let quarter = match kind {
        Some(PeriodKind::Quarterly) => {
            match crate::fiscal::fold_width(form.quarter.trim()).parse::<i64>() {
                Ok(q @ 1..=4) => q,
                _ => {
                    errors.add("quarter", "四半期は1〜4で入力してください");
                    0
                }
            }
        }
        _ => 0,
    };
    let due = crate::fiscal::fold_width(form.due_date.trim());
    if time::Date::parse(
        &due,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .is_err()
    {
        errors.add(
            "due_date",
            format!(
                "「{}」は日付として読めません(例: 2026-05-31)",
                form.due_date
            ),
        );
    }
    if errors.is_empty() {
        match store::create_period(
            &state.db,
            &data.plan,
            fy.clone().expect("checked"),
            kind.expect("checked"),
            quarter,
            &due,
            &staff.actor(),
        )
        .await
        {
            Ok(p) => {
                return Ok(
                    Redirect::to(&staff.path(&format!("/staff/periods/{}", p.id))).into_response(),
                );
            }
            Err(ReportError::Invalid(m)) => errors.add("fiscal_year", m),
            Err(e) => return Err(AppError::Internal(anyhow::anyhow!(e))),
        }
    }
    let page = PeriodFormPage {
        layout: Layout::staff(&staff, "staff"),
        errors,
        fiscal_year: form.fiscal_year,
        kind: form.kind,
        quarter: form.quarter,
        due_date: form.due_date,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub struct BoardRow {
    report_id: i64,
    measure: String,
    department: String,
    state: ReportState,
    actual: String,
    computed: String,
    grade: String,
    updated: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "reporting/templates/board.html")]
struct BoardPage {
    layout: Layout,
    period: Period,
    rows: Vec<BoardRow>,
    counts: Vec<(ReportState, usize)>,
    locked: bool,
}

fn status_label(key: &str) -> String {
    Status::label_of_key(key)
}

pub async fn board(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let data = state.plan_data().await?;
    let period = store::period(&state.db, id)
        .await?
        .filter(|p| p.plan_id == data.plan.id)
        .ok_or(AppError::NotFound)?;
    let reports = store::reports_of(&state.db, id).await?;
    let counts = ReportState::ALL
        .into_iter()
        .map(|s| (s, reports.iter().filter(|r| r.state == s).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    let locked = !reports.is_empty() && reports.iter().all(|r| r.state == ReportState::Finalized);
    let rows = reports
        .iter()
        .filter_map(|r| {
            let m = data.plan.measure(&r.measure_code)?;
            Some(BoardRow {
                report_id: r.id,
                measure: format!("{} {}", m.label(), m.title),
                department: m.department.clone(),
                state: r.state,
                actual: m
                    .kpis
                    .iter()
                    .filter_map(|k| {
                        let v = r.value(&k.key)?.value?;
                        Some(format_value(v, &k.unit))
                    })
                    .collect::<Vec<_>>()
                    .join(" / "),
                computed: status_label(&r.computed_status),
                grade: status_label(&r.grade),
                updated: r.updated_by.clone(),
            })
        })
        .collect();
    Ok(BoardPage {
        layout: Layout::staff(&staff, "staff"),
        period,
        rows,
        counts,
        locked,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "reporting/templates/report.html")]
struct ReportPage {
    layout: Layout,
    period: Period,
    report: Report,
    measure_label: String,
    measure_code: String,
    department: String,
    /// The 施策's KPIs, each with its own fields on the form.
    kpis: Vec<ReportKpi>,
    computed: String,
    previous_improvement: String,
    previous_reason: String,
    values: ReportInput,
    errors: FieldErrors,
    conflict: Option<Report>,
    events: Vec<Event>,
    can_edit: bool,
    can_comment: bool,
    comments: Vec<store::Comment>,
    grades: Vec<(&'static str, &'static str)>,
    notice: String,
    /// Who changed it last: name (and 課).
    updated_by: String,
    /// Whether the plan has a 行程表 to report progress against.
    has_roadmap: bool,
}

impl ReportPage {
    fn has(&self, key: &str) -> bool {
        self.events.iter().any(|e| e.key() == key)
    }
}

/// One KPI on the report form.
pub struct ReportKpi {
    name: String,
    /// Where a module-counted KPI's figure comes from (empty for manual KPIs).
    source_note: String,
    target_wording: String,
    unit: String,
    year_target: String,
    actual_field: String,
    note_field: String,
    /// What is in the fields now.
    actual: String,
    note: String,
    /// The stored figure, for reading.
    stored: String,
    stored_note: String,
    computed: String,
}

struct ReportContext {
    data: Arc<PlanData>,
    period: Period,
    report: Report,
}

async fn load(state: &AppState, id: i64) -> Result<ReportContext, AppError> {
    let data = state.plan_data().await?;
    let report = store::report(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let period = store::period(&state.db, report.period_id)
        .await?
        .filter(|p| p.plan_id == data.plan.id)
        .ok_or(AppError::NotFound)?;
    Ok(ReportContext {
        data,
        period,
        report,
    })
}

fn input_of(r: &Report) -> ReportInput {
    let mut figures = std::collections::BTreeMap::new();
    for v in &r.values {
        figures.insert(
            ReportInput::actual_field(&v.kpi_key),
            v.value.map(|v| format_value(v, "")).unwrap_or_default(),
        );
        figures.insert(ReportInput::note_field(&v.kpi_key), v.note.clone());
    }
    ReportInput {
        op: String::new(),
        version: r.version,
        figures,
        progress: r.progress.clone(),
        roadmap_progress: r.roadmap_progress.clone(),
        shortfall_reason: r.shortfall_reason.clone(),
        improvement: r.improvement.clone(),
        improvement_followup: r.improvement_followup.clone(),
        check_comment: r.check_comment.clone(),
        grade: if r.grade.is_empty() {
            r.computed_status.clone()
        } else {
            r.grade.clone()
        },
        grade_reason: r.grade_reason.clone(),
        reason: String::new(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    staff: &Staff,
    ctx: &ReportContext,
    values: ReportInput,
    errors: FieldErrors,
    conflict: Option<Report>,
    notice: String,
) -> Result<ReportPage, AppError> {
    let plan: &Plan = &ctx.data.plan;
    let m = plan
        .measure(&ctx.report.measure_code)
        .ok_or(AppError::NotFound)?;
    let previous = if ctx.period.kind == PeriodKind::Yearly {
        store::yearly_report(
            &state.db,
            &plan.id,
            &m.code,
            FiscalYear(ctx.period.fiscal_year.0 - 1),
        )
        .await?
    } else {
        None
    };
    let events = available_events(staff, &ctx.report, &ctx.period, m);
    Ok(ReportPage {
        layout: Layout::staff(staff, "staff"),
        measure_label: format!("{} {}", m.label(), m.title),
        measure_code: m.code.clone(),
        department: m.department.clone(),
        kpis: m
            .kpis
            .iter()
            .map(|k| {
                let stored = ctx.report.value(&k.key);
                ReportKpi {
                    name: k.name.clone(),
                    source_note: ctx.data.source_label(k),
                    target_wording: format!("{}({})", k.target_wording, k.deadline_wording),
                    unit: k.unit.clone(),
                    year_target: k
                        .yearly_target(ctx.period.fiscal_year)
                        .map(|v| format_value(v, &k.unit))
                        .unwrap_or_default(),
                    actual_field: ReportInput::actual_field(&k.key),
                    note_field: ReportInput::note_field(&k.key),
                    actual: values.actual(&k.key).to_string(),
                    note: values.note(&k.key).to_string(),
                    stored: stored
                        .and_then(|v| v.value)
                        .map_or_else(|| "—".to_string(), |v| format_value(v, &k.unit)),
                    stored_note: stored.map(|v| v.note.clone()).unwrap_or_default(),
                    computed: stored
                        .map(|v| status_label(&v.computed_status))
                        .unwrap_or_default(),
                }
            })
            .collect(),
        computed: status_label(&ctx.report.computed_status),
        previous_improvement: previous
            .as_ref()
            .map(|p| p.improvement.clone())
            .unwrap_or_default(),
        previous_reason: previous
            .as_ref()
            .map(|p| p.shortfall_reason.clone())
            .unwrap_or_default(),
        can_edit: events.contains(&Event::Save),
        can_comment: staff.can(crate::reporting::COMMENT, Subject::None),
        comments: store::comments(&state.db, ctx.report.id).await?,
        grades: Status::ALL
            .iter()
            .filter(|s| **s != Status::NoData)
            .map(|s| (s.key(), s.label()))
            .collect(),
        events,
        values,
        errors,
        conflict,
        updated_by: crate::auth::store::display_of(&state.db, &ctx.report.updated_by).await?,
        period: ctx.period.clone(),
        report: ctx.report.clone(),
        notice,
        has_roadmap: plan.roadmap_years.is_some(),
    })
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    done: String,
}

pub async fn report_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<ReportQuery>,
) -> Result<Response, AppError> {
    let ctx = load(&state, id).await?;
    let notice = match Event::from_key(&q.done) {
        Some(e) => e.done().to_string(),
        None => String::new(),
    };
    let mut values = input_of(&ctx.report);
    // A KPI counted by a module: offer its figure, so nobody retypes it.
    if let Some(m) = ctx.data.plan.measure(&ctx.report.measure_code) {
        for k in m.kpis.iter().filter(|k| k.source != "manual") {
            if values.actual(&k.key).is_empty()
                && let Some(a) = ctx
                    .data
                    .actuals_of(&k.key)
                    .iter()
                    .find(|a| a.fiscal_year == ctx.period.fiscal_year)
            {
                values.set_actual(&k.key, format_value(a.value, ""));
            }
        }
    }
    Ok(render(
        &state,
        &staff,
        &ctx,
        values,
        FieldErrors::default(),
        None,
        notice,
    )
    .await?
    .into_response())
}

pub async fn report_action(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, input): StaffForm<ReportInput>,
) -> Result<Response, AppError> {
    let ctx = load(&state, id).await?;
    let m = ctx
        .data
        .plan
        .measure(&ctx.report.measure_code)
        .ok_or(AppError::NotFound)?
        .clone();
    let event = Event::from_key(&input.op)
        .ok_or_else(|| AppError::BadRequest(format!("操作「{}」はありません", input.op)))?;
    staff.require(event.action(), subject(&m))?;
    let previous = if ctx.period.kind == PeriodKind::Yearly {
        store::yearly_report(
            &state.db,
            &ctx.data.plan.id,
            &m.code,
            FiscalYear(ctx.period.fiscal_year.0 - 1),
        )
        .await?
    } else {
        None
    };
    // The figures that stand for other years (the module's counts are not facts to judge by).
    let data = ctx.data.clone();
    let figures = move |key: &str| -> Vec<crate::plan::kpi::Actual> {
        data.actuals_of(key)
            .iter()
            .filter(|a| !matches!(a.provenance, crate::plan::kpi::Provenance::Counted(_)))
            .copied()
            .collect()
    };
    // Keep what the person typed when the page comes back with messages.
    let mut shown = input_of(&ctx.report);
    match event {
        Event::Save | Event::Submit => {
            shown = ReportInput {
                version: input.version,
                ..input.clone()
            }
        }
        Event::Return | Event::Confirm => shown.check_comment = input.check_comment.clone(),
        Event::Evaluate => {
            shown.grade = input.grade.clone();
            shown.grade_reason = input.grade_reason.clone();
        }
        Event::Reopen => shown.reason = input.reason.clone(),
        Event::Finalize => {}
    }
    let checked = match service::check(
        event,
        &input,
        &ctx.report,
        &ctx.period,
        &ctx.data.plan,
        &m,
        &figures,
        previous.as_ref().map(|p| p.improvement.as_str()),
    ) {
        Ok(c) => c,
        Err(errors) => {
            let page = render(&state, &staff, &ctx, shown, errors, None, String::new()).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match store::apply(
        &state.db,
        id,
        input.version,
        event,
        &checked.changes,
        &ctx.period,
        &staff.actor(),
    )
    .await
    {
        Ok(_) => {
            state.invalidate_plan();
            Ok(
                Redirect::to(&staff.path(&format!("/staff/reports/{id}?done={}", event.key())))
                    .into_response(),
            )
        }
        Err(ReportError::Stale(current)) => {
            let mut errors = FieldErrors::default();
            errors.add("form", ReportError::Stale(current.clone()).to_string());
            let fresh = ReportContext {
                report: (*current).clone(),
                ..ctx
            };
            let mut shown = shown;
            shown.version = current.version;
            let page = render(
                &state,
                &staff,
                &fresh,
                shown,
                errors,
                Some(*current),
                String::new(),
            )
            .await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(ReportError::Transition(e)) => {
            let mut errors = FieldErrors::default();
            errors.add("form", e.to_string());
            let page = render(&state, &staff, &ctx, shown, errors, None, String::new()).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(ReportError::Invalid(m)) => Err(AppError::BadRequest(m)),
        Err(ReportError::Other(e)) => Err(AppError::Internal(e)),
    }
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    body: String,
}

pub async fn add_comment(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, form): StaffForm<CommentForm>,
) -> Result<Response, AppError> {
    staff.require(crate::reporting::COMMENT, Subject::None)?;
    let ctx = load(&state, id).await?;
    let body = form.body.trim();
    if body.is_empty() || body.chars().count() > service::MAX_TEXT {
        let mut errors = FieldErrors::default();
        errors.add(
            "comment",
            format!("コメントは1〜{}文字で入力してください", service::MAX_TEXT),
        );
        let values = input_of(&ctx.report);
        let page = render(&state, &staff, &ctx, values, errors, None, String::new()).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    store::add_comment(&state.db, id, &staff.user, body, &staff.actor()).await?;
    Ok(Redirect::to(&staff.path(&format!("/staff/reports/{id}#comments"))).into_response())
}
