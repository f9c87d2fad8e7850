//! 企画課 drafts a plan revision in the browser; the committee approves it.

use super::model::{
    Accumulation, Baseline, Direction, KpiDefinition, Measure, Plan, RoadmapItem, RoadmapRow,
    YearlyTarget,
};
use super::revision::{self, Draft, RevisionError, kpi_differences};
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::routes::FieldErrors;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::fiscal::FiscalYear;
use crate::input::parse_number;
use crate::plan::kpi::format_value;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct PendingChange {
    measure: String,
    field: String,
    before: String,
    after: String,
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/staff_plan.html")]
struct StaffPlanPage {
    layout: Layout,
    revisions: Vec<revision::ApprovedRevision>,
    draft: Option<(i64, String, String)>,
    measures: Vec<(String, String)>,
    pending: Vec<PendingChange>,
    changed_measures: Vec<String>,
    can_edit: bool,
    can_approve: bool,
    errors: FieldErrors,
    notice: String,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    done: String,
}

async fn plan_page(
    state: &AppState,
    staff: &Staff,
    errors: FieldErrors,
    notice: String,
) -> Result<StaffPlanPage, AppError> {
    let data = state.plan_data().await?;
    let draft = revision::draft(&state.db, &data.plan.id).await?;
    let mut pending = Vec::new();
    let mut changed_measures = Vec::new();
    if let Some(d) = &draft {
        for m in &d.plan.measures {
            let Some(old) = data.plan.measure(&m.code) else {
                continue;
            };
            if old != m {
                changed_measures.push(format!("{} {}", m.label(), m.title));
            }
            let reason = d
                .reasons
                .iter()
                .find(|(c, _)| *c == m.code)
                .map(|(_, r)| r.clone())
                .unwrap_or_default();
            for (field, before, after) in kpi_differences(&old.kpi, &m.kpi) {
                pending.push(PendingChange {
                    measure: format!("{} {}", m.label(), m.title),
                    field,
                    before,
                    after,
                    reason: reason.clone(),
                });
            }
        }
    }
    Ok(StaffPlanPage {
        layout: Layout::staff(staff, "plan-edit"),
        revisions: revision::approved(&state.db, &data.plan.id).await?,
        measures: draft
            .as_ref()
            .map(|d| {
                d.plan
                    .measures
                    .iter()
                    .map(|m| (m.code.clone(), format!("{} {}", m.label(), m.title)))
                    .collect()
            })
            .unwrap_or_default(),
        draft: draft.map(|d| (d.version, d.created_by, d.created_at)),
        pending,
        changed_measures,
        can_edit: staff.can(crate::plan::EDIT_PLAN, Subject::None),
        can_approve: staff.can(crate::plan::APPROVE_PLAN, Subject::None),
        errors,
        notice,
    })
}

pub async fn overview(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Query(q): axum::extract::Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_str() {
        "created" => "改定案を作成しました。施策を選んで編集してください。".into(),
        "saved" => "改定案を保存しました。".into(),
        "discarded" => "改定案を破棄しました。".into(),
        d if d.starts_with("approved") => {
            "改定案を承認しました。公開ページは新しい版になりました。".into()
        }
        _ => String::new(),
    };
    Ok(plan_page(&state, &staff, FieldErrors::default(), notice)
        .await?
        .into_response())
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: i64,
}

fn revision_error(e: RevisionError) -> Result<FieldErrors, AppError> {
    let mut errors = FieldErrors::default();
    match e {
        RevisionError::Invalid(m) => errors.add("form", m),
        e @ RevisionError::Stale => errors.add("form", e.to_string()),
        RevisionError::Other(e) => return Err(AppError::Internal(e)),
    }
    Ok(errors)
}

pub async fn create_draft(
    State(state): State<AppState>,
    StaffForm(staff, _): StaffForm<VersionForm>,
) -> Result<Response, AppError> {
    staff.require(crate::plan::EDIT_PLAN, Subject::None)?;
    match revision::create_draft(&state.db, &staff.actor()).await {
        Ok(_) => Ok(Redirect::to(&staff.path("/staff/plan?done=created")).into_response()),
        Err(e) => {
            let errors = revision_error(e)?;
            let page = plan_page(&state, &staff, errors, String::new()).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

async fn current_draft(state: &AppState) -> Result<Draft, AppError> {
    let data = state.plan_data().await?;
    revision::draft(&state.db, &data.plan.id)
        .await?
        .ok_or_else(|| AppError::BadRequest("改定案がありません。先に作成してください。".into()))
}

pub async fn discard(
    State(state): State<AppState>,
    StaffForm(staff, _): StaffForm<VersionForm>,
) -> Result<Response, AppError> {
    staff.require(crate::plan::EDIT_PLAN, Subject::None)?;
    let draft = current_draft(&state).await?;
    revision::discard(&state.db, &draft, &staff.actor()).await?;
    Ok(Redirect::to(&staff.path("/staff/plan?done=discarded")).into_response())
}

pub async fn approve(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<VersionForm>,
) -> Result<Response, AppError> {
    staff.require(crate::plan::APPROVE_PLAN, Subject::None)?;
    let draft = current_draft(&state).await?;
    match revision::approve(&state.db, &draft, form.version, &staff.actor()).await {
        Ok(_) => {
            state.invalidate_plan();
            Ok(Redirect::to(&staff.path("/staff/plan?done=approved")).into_response())
        }
        Err(e) => {
            let errors = revision_error(e)?;
            let page = plan_page(&state, &staff, errors, String::new()).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

/// The measure form as posted (and as shown).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MeasureForm {
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub kpi_name: String,
    #[serde(default)]
    pub target_wording: String,
    #[serde(default)]
    pub deadline_wording: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub direction: String,
    #[serde(default)]
    pub accumulation: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub target_change_percent: String,
    #[serde(default)]
    pub baseline_value: String,
    #[serde(default)]
    pub baseline_year: String,
    #[serde(default)]
    pub deadline: String,
    #[serde(default)]
    pub continues: Option<String>,
    #[serde(default)]
    pub yearly_targets: String,
    #[serde(default)]
    pub roadmap: String,
    #[serde(default)]
    pub reason: String,
}

fn num_text(v: Option<f64>) -> String {
    v.map(|v| format_value(v, "").replace(',', ""))
        .unwrap_or_default()
}

/// The 行程表 rows of a measure as editable text: rows separated by blank lines; `取組事項:`,
/// `目標時期:` and `注記:` lines, and one `R4-R7 text` line per bar.
pub fn roadmap_text(plan: &Plan, code: &str) -> String {
    plan.roadmap_of(code)
        .map(|r| {
            let mut lines = Vec::new();
            if !r.label.is_empty() {
                lines.push(format!("取組事項: {}", r.label));
            }
            if !r.target_time.is_empty() {
                lines.push(format!("目標時期: {}", r.target_time));
            }
            if !r.notes.is_empty() {
                lines.push(format!("注記: {}", r.notes.join(" ")));
            }
            for i in &r.items {
                let span = if i.from == i.to {
                    i.from.short()
                } else {
                    format!("{}-{}", i.from.short(), i.to.short())
                };
                lines.push(format!("{span} {}", i.text));
            }
            lines.join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Reads the roadmap text back; `old` rows lend their `reading` notes to unchanged bars.
pub fn parse_roadmap(
    text: &str,
    code: &str,
    old: &[&RoadmapRow],
) -> Result<Vec<RoadmapRow>, String> {
    let mut rows = Vec::new();
    let mut current: Option<RoadmapRow> = None;
    let blank = || RoadmapRow {
        measure: code.to_string(),
        label: String::new(),
        items: vec![],
        target_time: String::new(),
        notes: vec![],
    };
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            if let Some(r) = current.take() {
                rows.push(r);
            }
            continue;
        }
        let row = current.get_or_insert_with(blank);
        if let Some(v) = line
            .strip_prefix("取組事項:")
            .or_else(|| line.strip_prefix("取組事項："))
        {
            row.label = v.trim().to_string();
        } else if let Some(v) = line
            .strip_prefix("目標時期:")
            .or_else(|| line.strip_prefix("目標時期："))
        {
            row.target_time = v.trim().to_string();
        } else if let Some(v) = line
            .strip_prefix("注記:")
            .or_else(|| line.strip_prefix("注記："))
        {
            row.notes = v.split_whitespace().map(str::to_string).collect();
        } else {
            let (span, item_text) = line.split_once(char::is_whitespace).ok_or_else(|| {
                format!(
                    "行程表 {}行目: 「年度 内容」の形で書いてください(例: R5-R7 システム導入)",
                    n + 1
                )
            })?;
            let span = crate::fiscal::fold_width(span);
            let (a, b) = span
                .split_once(['-', '〜', '~'])
                .unwrap_or((span.as_str(), span.as_str()));
            let from = FiscalYear::parse(a).map_err(|e| format!("行程表 {}行目: {e}", n + 1))?;
            let to = FiscalYear::parse(b).map_err(|e| format!("行程表 {}行目: {e}", n + 1))?;
            let text = item_text.trim().to_string();
            let reading = old
                .iter()
                .flat_map(|r| r.items.iter())
                .find(|i| i.text == text && i.from == from && i.to == to)
                .map(|i| i.reading.clone())
                .unwrap_or_default();
            row.items.push(RoadmapItem {
                text,
                from,
                to,
                reading,
            });
        }
    }
    if let Some(r) = current.take() {
        rows.push(r);
    }
    Ok(rows)
}

fn form_of(plan: &Plan, m: &Measure, version: i64) -> MeasureForm {
    let k = &m.kpi;
    MeasureForm {
        version,
        title: m.title.clone(),
        department: m.department.clone(),
        text: m.text.clone(),
        kpi_name: k.name.clone(),
        target_wording: k.target_wording.clone(),
        deadline_wording: k.deadline_wording.clone(),
        unit: k.unit.clone(),
        direction: serde_json::to_value(k.direction)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        accumulation: serde_json::to_value(k.accumulation)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        target: num_text(k.target),
        target_change_percent: num_text(k.target_change_percent),
        baseline_value: num_text(k.baseline.as_ref().and_then(|b| b.value)),
        baseline_year: k
            .baseline
            .as_ref()
            .and_then(|b| b.fiscal_year)
            .map(|y| y.short())
            .unwrap_or_default(),
        deadline: k.deadline.short(),
        continues: k.continues.then(|| "1".to_string()),
        yearly_targets: k
            .yearly_targets
            .iter()
            .map(|t| format!("{} {}", t.fiscal_year.short(), num_text(Some(t.target))))
            .collect::<Vec<_>>()
            .join("\n"),
        roadmap: roadmap_text(plan, &m.code),
        reason: String::new(),
    }
}

/// Applies the form to a copy of the draft plan, or says what is wrong, field by field.
fn apply_form(plan: &Plan, code: &str, f: &MeasureForm) -> Result<Plan, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut plan = plan.clone();
    let old_rows: Vec<RoadmapRow> = plan.roadmap_of(code).cloned().collect();
    let Some(idx) = plan.measures.iter().position(|m| m.code == code) else {
        errors.add("form", "施策が見つかりません");
        return Err(errors);
    };
    let opt_num = |errors: &mut FieldErrors, field: &str, s: &str| -> Option<f64> {
        if s.trim().is_empty() {
            return None;
        }
        parse_number(s)
            .map_err(|e| errors.add(field, e.to_string()))
            .ok()
    };
    let target = opt_num(&mut errors, "target", &f.target);
    let change = opt_num(
        &mut errors,
        "target_change_percent",
        &f.target_change_percent,
    );
    let base_value = opt_num(&mut errors, "baseline_value", &f.baseline_value);
    let base_year = if f.baseline_year.trim().is_empty() {
        None
    } else {
        FiscalYear::parse(&f.baseline_year)
            .map_err(|e| errors.add("baseline_year", e.to_string()))
            .ok()
    };
    let deadline =
        FiscalYear::parse(&f.deadline).map_err(|e| errors.add("deadline", e.to_string()));
    let direction: Option<Direction> =
        serde_json::from_value(serde_json::Value::String(f.direction.clone())).ok();
    if direction.is_none() {
        errors.add("direction", "方向を選んでください");
    }
    let accumulation: Option<Accumulation> =
        serde_json::from_value(serde_json::Value::String(f.accumulation.clone())).ok();
    if accumulation.is_none() {
        errors.add("accumulation", "測り方を選んでください");
    }
    let mut yearly = Vec::new();
    for (n, line) in f.yearly_targets.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parsed = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| {
                format!(
                    "{}行目: 「年度 目標値」の形で書いてください(例: R5 32)",
                    n + 1
                )
            })
            .and_then(|(y, v)| {
                let fy = FiscalYear::parse(y).map_err(|e| format!("{}行目: {e}", n + 1))?;
                let v = parse_number(v).map_err(|e| format!("{}行目: {e}", n + 1))?;
                Ok(YearlyTarget {
                    fiscal_year: fy,
                    target: v,
                })
            });
        match parsed {
            Ok(t) => yearly.push(t),
            Err(m) => errors.add("yearly_targets", m),
        }
    }
    let roadmap = match parse_roadmap(&f.roadmap, code, &old_rows.iter().collect::<Vec<_>>()) {
        Ok(r) => r,
        Err(m) => {
            errors.add("roadmap", m);
            vec![]
        }
    };
    if f.title.trim().is_empty() {
        errors.add("title", "施策名を入力してください");
    }
    if f.text.chars().count() > 20_000 {
        errors.add("text", "20,000文字以内で入力してください");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let m = &mut plan.measures[idx];
    m.title = f.title.trim().to_string();
    m.department = f.department.trim().to_string();
    m.text = f.text.replace("\r\n", "\n").trim().to_string();
    let baseline = (base_value.is_some() || base_year.is_some()).then_some(Baseline {
        value: base_value,
        fiscal_year: base_year,
    });
    m.kpi = KpiDefinition {
        name: f.kpi_name.trim().to_string(),
        target_wording: f.target_wording.trim().to_string(),
        deadline_wording: f.deadline_wording.trim().to_string(),
        unit: f.unit.trim().to_string(),
        direction: direction.expect("checked"),
        accumulation: accumulation.expect("checked"),
        baseline,
        target,
        target_change_percent: change,
        deadline: deadline.expect("checked"),
        continues: f.continues.is_some(),
        yearly_targets: yearly,
        source: m.kpi.source.clone(),
        kind: m.kpi.kind.clone(),
        reading: m.kpi.reading.clone(),
    };
    // Replace this measure's rows where the first of them stood.
    let first = plan.roadmap.iter().position(|r| r.measure == code);
    plan.roadmap.retain(|r| r.measure != code);
    let at = first.unwrap_or(plan.roadmap.len()).min(plan.roadmap.len());
    for (i, row) in roadmap.into_iter().enumerate() {
        plan.roadmap.insert(at + i, row);
    }
    let problems = super::file::check(&plan);
    for (path, message) in problems {
        errors.add("form", format!("{path}: {message}"));
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/staff_measure_form.html")]
struct MeasureFormPage {
    layout: Layout,
    code: String,
    label: String,
    f: MeasureForm,
    errors: FieldErrors,
    directions: Vec<(&'static str, &'static str)>,
    accumulations: Vec<(&'static str, &'static str)>,
}

fn measure_page(
    staff: &Staff,
    code: &str,
    label: String,
    f: MeasureForm,
    errors: FieldErrors,
) -> MeasureFormPage {
    MeasureFormPage {
        layout: Layout::staff(staff, "plan-edit"),
        code: code.to_string(),
        label,
        f,
        errors,
        directions: vec![
            ("increase", "増やす"),
            ("decrease", "減らす"),
            ("maintain", "維持"),
        ],
        accumulations: vec![
            ("point", "時点の値"),
            ("cumulative", "累計(延べ)"),
            ("annual", "毎年度"),
            ("ratio", "比率"),
            ("completion", "完了"),
        ],
    }
}

pub async fn measure_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    staff.require(crate::plan::EDIT_PLAN, Subject::None)?;
    let draft = current_draft(&state).await?;
    let m = draft.plan.measure(&code).ok_or(AppError::NotFound)?;
    let f = form_of(&draft.plan, m, draft.version);
    Ok(measure_page(
        &staff,
        &code,
        format!("{} {}", m.label(), m.title),
        f,
        FieldErrors::default(),
    )
    .into_response())
}

pub async fn save_measure(
    State(state): State<AppState>,
    Path(code): Path<String>,
    StaffForm(staff, f): StaffForm<MeasureForm>,
) -> Result<Response, AppError> {
    staff.require(crate::plan::EDIT_PLAN, Subject::None)?;
    let data = state.plan_data().await?;
    let draft = current_draft(&state).await?;
    let m = draft.plan.measure(&code).ok_or(AppError::NotFound)?;
    let label = format!("{} {}", m.label(), m.title);
    let result = apply_form(&draft.plan, &code, &f).and_then(|plan| {
        // A KPI that differs from the approved plan needs a reason (kept with the revision).
        let approved = data.plan.measure(&code);
        let edited = plan.measure(&code).expect("kept");
        let changed = approved.is_some_and(|a| !kpi_differences(&a.kpi, &edited.kpi).is_empty());
        let earlier = draft
            .reasons
            .iter()
            .any(|(c, r)| *c == code && !r.is_empty());
        if changed && f.reason.trim().is_empty() && !earlier {
            let mut errors = FieldErrors::default();
            errors.add(
                "reason",
                "KPIの定義・基準値・目標を変えるときは、変更の理由を入力してください",
            );
            return Err(errors);
        }
        Ok(plan)
    });
    let errors = match result {
        Ok(plan) => {
            let reason = if f.reason.trim().is_empty() {
                draft
                    .reasons
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map(|(_, r)| r.clone())
                    .unwrap_or_default()
            } else {
                f.reason.clone()
            };
            match revision::save_measure(
                &state.db,
                &draft,
                f.version,
                plan,
                &code,
                &reason,
                &staff.actor(),
            )
            .await
            {
                Ok(()) => {
                    return Ok(Redirect::to(&staff.path("/staff/plan?done=saved")).into_response());
                }
                Err(e) => revision_error(e)?,
            }
        }
        Err(errors) => errors,
    };
    let status = if errors
        .get("form")
        .is_some_and(|m| m.contains("ほかの人が先に"))
    {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, measure_page(&staff, &code, label, f, errors)).into_response())
}
