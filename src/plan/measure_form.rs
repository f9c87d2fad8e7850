//! The form that edits one item of the lowest level (施策 …) in a draft: its text, 担当, KPIs
//! and 行程表 rows, checked as a plan file would be.

use super::model::{
    Accumulation, Baseline, Direction, KpiDefinition, Measure, Plan, RoadmapRow, YearlyTarget,
};
use super::revision::{self, kpi_differences};
use super::roadmap_form::{parse_roadmap, roadmap_text};
use super::staff_routes::{current_draft, revision_error};
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

/// The measure form as posted (and as shown): the 施策's own fields, and its KPIs as
/// `k0.name`, `k0.unit` … (one block per KPI, one more empty block to add one).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MeasureForm {
    #[serde(default, deserialize_with = "crate::input::form_i64")]
    pub version: i64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub roadmap: String,
    #[serde(default)]
    pub reason: String,
    /// The KPI blocks' fields.
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// One KPI block of the form.
#[derive(Debug, Clone, Default)]
pub struct KpiForm {
    pub index: usize,
    /// Empty for the block that adds a KPI.
    pub key: String,
    pub name: String,
    pub target_wording: String,
    pub deadline_wording: String,
    pub unit: String,
    pub direction: String,
    pub accumulation: String,
    pub target: String,
    pub target_change_percent: String,
    pub baseline_value: String,
    pub baseline_year: String,
    pub deadline: String,
    pub continues: bool,
    pub yearly_targets: String,
    pub remove: bool,
}

impl KpiForm {
    /// The form field name of one of its parts: `k0.name`.
    pub fn field(&self, part: &str) -> String {
        format!("k{}.{part}", self.index)
    }
}

impl MeasureForm {
    fn get(&self, i: usize, part: &str) -> String {
        self.fields
            .get(&format!("k{i}.{part}"))
            .cloned()
            .unwrap_or_default()
    }

    /// The KPI blocks posted, in order.
    pub fn kpis(&self) -> Vec<KpiForm> {
        (0..)
            .take_while(|i| self.fields.keys().any(|k| k.starts_with(&format!("k{i}."))))
            .map(|i| KpiForm {
                index: i,
                key: self.get(i, "key"),
                name: self.get(i, "name"),
                target_wording: self.get(i, "target_wording"),
                deadline_wording: self.get(i, "deadline_wording"),
                unit: self.get(i, "unit"),
                direction: self.get(i, "direction"),
                accumulation: self.get(i, "accumulation"),
                target: self.get(i, "target"),
                target_change_percent: self.get(i, "target_change_percent"),
                baseline_value: self.get(i, "baseline_value"),
                baseline_year: self.get(i, "baseline_year"),
                deadline: self.get(i, "deadline"),
                continues: !self.get(i, "continues").is_empty(),
                yearly_targets: self.get(i, "yearly_targets"),
                remove: !self.get(i, "remove").is_empty(),
            })
            .collect()
    }
}

fn num_text(v: Option<f64>) -> String {
    v.map(|v| format_value(v, "").replace(',', ""))
        .unwrap_or_default()
}

fn kpi_form(index: usize, k: &KpiDefinition) -> KpiForm {
    let key = |v: serde_json::Value| v.as_str().map(str::to_string).unwrap_or_default();
    KpiForm {
        index,
        key: k.key.clone(),
        name: k.name.clone(),
        target_wording: k.target_wording.clone(),
        deadline_wording: k.deadline_wording.clone(),
        unit: k.unit.clone(),
        direction: serde_json::to_value(k.direction)
            .map(key)
            .unwrap_or_default(),
        accumulation: serde_json::to_value(k.accumulation)
            .map(key)
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
        continues: k.continues,
        yearly_targets: k
            .yearly_targets
            .iter()
            .map(|t| format!("{} {}", t.fiscal_year.short(), num_text(Some(t.target))))
            .collect::<Vec<_>>()
            .join("\n"),
        remove: false,
    }
}

fn put(fields: &mut std::collections::BTreeMap<String, String>, f: &KpiForm) {
    let mut set = |part: &str, v: &str| {
        fields.insert(f.field(part), v.to_string());
    };
    set("key", &f.key);
    set("name", &f.name);
    set("target_wording", &f.target_wording);
    set("deadline_wording", &f.deadline_wording);
    set("unit", &f.unit);
    set("direction", &f.direction);
    set("accumulation", &f.accumulation);
    set("target", &f.target);
    set("target_change_percent", &f.target_change_percent);
    set("baseline_value", &f.baseline_value);
    set("baseline_year", &f.baseline_year);
    set("deadline", &f.deadline);
    set("continues", if f.continues { "1" } else { "" });
    set("yearly_targets", &f.yearly_targets);
}

fn form_of(plan: &Plan, m: &Measure, version: i64) -> MeasureForm {
    let mut fields = std::collections::BTreeMap::new();
    for (i, k) in m.kpis.iter().enumerate() {
        put(&mut fields, &kpi_form(i, k));
    }
    MeasureForm {
        version,
        title: m.title.clone(),
        department: m.department.clone(),
        text: m.text.clone(),
        roadmap: roadmap_text(plan, &m.code),
        reason: String::new(),
        fields,
    }
}

/// Reads one KPI block; `old` is the KPI it edits (its key, source, kind and notes are kept).
fn read_kpi(
    f: &KpiForm,
    old: Option<&KpiDefinition>,
    errors: &mut FieldErrors,
) -> Option<KpiDefinition> {
    let opt_num = |errors: &mut FieldErrors, part: &str, s: &str| -> Option<f64> {
        if s.trim().is_empty() {
            return None;
        }
        parse_number(s)
            .map_err(|e| errors.add(&f.field(part), e.to_string()))
            .ok()
    };
    let target = opt_num(errors, "target", &f.target);
    let change = opt_num(errors, "target_change_percent", &f.target_change_percent);
    let base_value = opt_num(errors, "baseline_value", &f.baseline_value);
    let base_year = if f.baseline_year.trim().is_empty() {
        None
    } else {
        FiscalYear::parse(&f.baseline_year)
            .map_err(|e| errors.add(&f.field("baseline_year"), e.to_string()))
            .ok()
    };
    let deadline = FiscalYear::parse(&f.deadline)
        .map_err(|e| errors.add(&f.field("deadline"), e.to_string()))
        .ok();
    let direction: Option<Direction> =
        serde_json::from_value(serde_json::Value::String(f.direction.clone())).ok();
    if direction.is_none() {
        errors.add(&f.field("direction"), "方向を選んでください");
    }
    let accumulation: Option<Accumulation> =
        serde_json::from_value(serde_json::Value::String(f.accumulation.clone())).ok();
    if accumulation.is_none() {
        errors.add(&f.field("accumulation"), "測り方を選んでください");
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
            Err(m) => errors.add(&f.field("yearly_targets"), m),
        }
    }
    let baseline = (base_value.is_some() || base_year.is_some()).then_some(Baseline {
        value: base_value,
        fiscal_year: base_year,
    });
    Some(KpiDefinition {
        key: old.map(|o| o.key.clone()).unwrap_or_default(),
        name: f.name.trim().to_string(),
        target_wording: f.target_wording.trim().to_string(),
        deadline_wording: f.deadline_wording.trim().to_string(),
        unit: f.unit.trim().to_string(),
        direction: direction?,
        accumulation: accumulation?,
        years: old.map(|o| o.years).unwrap_or_default(),
        baseline,
        target,
        target_change_percent: change,
        deadline: deadline?,
        continues: f.continues,
        yearly_targets: yearly,
        source: old.map_or_else(|| "manual".to_string(), |o| o.source.clone()),
        kind: old.map(|o| o.kind.clone()).unwrap_or_default(),
        follows: old.map(|o| o.follows.clone()).unwrap_or_default(),
        reading: old.map(|o| o.reading.clone()).unwrap_or_default(),
    })
}

/// Applies the form to a copy of the draft plan, or says what is wrong, field by field.
fn apply_form(plan: &Plan, code: &str, f: &MeasureForm) -> Result<Plan, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut plan = plan.clone();
    let old_rows: Vec<RoadmapRow> = plan.roadmap_of(code).cloned().collect();
    let Some(idx) = plan.measures.iter().position(|m| m.code == code) else {
        errors.add("form", format!("{}が見つかりません", plan.measure_level()));
        return Err(errors);
    };
    let mut kpis = Vec::new();
    for k in f.kpis() {
        let old = plan.measures[idx]
            .kpis
            .iter()
            .find(|o| o.key == k.key && !k.key.is_empty());
        if k.remove || (old.is_none() && k.name.trim().is_empty()) {
            // Removed, or the empty block for adding one left empty.
            continue;
        }
        if let Some(kpi) = read_kpi(&k, old, &mut errors) {
            kpis.push(kpi);
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
        errors.add(
            "title",
            format!("{}名を入力してください", plan.measure_level()),
        );
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
    // New KPIs get the next free key of the measure (never one an earlier KPI had).
    let mut taken: Vec<String> = m.kpis.iter().map(|k| k.key.clone()).collect();
    taken.extend(kpis.iter().map(|k| k.key.clone()));
    for k in kpis.iter_mut().filter(|k| k.key.is_empty()) {
        k.key = (1..)
            .map(|n| {
                if n == 1 {
                    code.to_string()
                } else {
                    format!("{code}.{n}")
                }
            })
            .find(|c| !taken.contains(c))
            .expect("a free key");
        taken.push(k.key.clone());
    }
    m.kpis = kpis;
    if plan.roadmap_years.is_some() || !roadmap.is_empty() {
        // Replace this measure's rows where the first of them stood.
        let first = plan.roadmap.iter().position(|r| r.measure == code);
        plan.roadmap.retain(|r| r.measure != code);
        let at = first.unwrap_or(plan.roadmap.len()).min(plan.roadmap.len());
        for (i, row) in roadmap.into_iter().enumerate() {
            plan.roadmap.insert(at + i, row);
        }
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
    /// Where the form posts: the revision's or the next plan's draft.
    action: String,
    /// Editing the next plan (no reasons asked: nothing is changed in an approved plan).
    next: bool,
    label: String,
    f: MeasureForm,
    /// The KPI blocks, with one empty block to add a KPI.
    kpis: Vec<KpiForm>,
    errors: FieldErrors,
    directions: Vec<(&'static str, &'static str)>,
    accumulations: Vec<(&'static str, &'static str)>,
}

fn measure_page(
    staff: &Staff,
    which: Which,
    code: &str,
    label: String,
    f: MeasureForm,
    errors: FieldErrors,
) -> MeasureFormPage {
    let mut kpis = f.kpis();
    kpis.push(KpiForm {
        index: kpis.len(),
        direction: "increase".into(),
        accumulation: "point".into(),
        ..KpiForm::default()
    });
    MeasureFormPage {
        layout: Layout::staff(staff, "plan-edit"),
        action: staff.path(&format!("{}/measures/{code}", which.path())),
        next: which == Which::Next,
        label,
        f,
        kpis,
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

/// Which draft a form edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// A revision of the current plan (改定案).
    Revision,
    /// The next plan (次期計画案).
    Next,
}

impl Which {
    fn path(self) -> &'static str {
        match self {
            Which::Revision => "/staff/plan/draft",
            Which::Next => "/staff/plan/next",
        }
    }
}

async fn draft_of(state: &AppState, which: Which) -> Result<revision::Draft, AppError> {
    match which {
        Which::Revision => current_draft(state).await,
        Which::Next => super::staff_routes::next_draft(state).await,
    }
}

pub async fn measure_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    show_form(state, staff, code, Which::Revision).await
}

pub async fn next_measure_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    show_form(state, staff, code, Which::Next).await
}

pub async fn save_measure(
    State(state): State<AppState>,
    Path(code): Path<String>,
    StaffForm(staff, f): StaffForm<MeasureForm>,
) -> Result<Response, AppError> {
    save(state, code, staff, f, Which::Revision).await
}

pub async fn save_next_measure(
    State(state): State<AppState>,
    Path(code): Path<String>,
    StaffForm(staff, f): StaffForm<MeasureForm>,
) -> Result<Response, AppError> {
    save(state, code, staff, f, Which::Next).await
}

async fn show_form(
    state: AppState,
    staff: Staff,
    code: String,
    which: Which,
) -> Result<Response, AppError> {
    staff.require(crate::plan::EDIT_PLAN, Subject::None)?;
    let draft = draft_of(&state, which).await?;
    let m = draft.plan.measure(&code).ok_or(AppError::NotFound)?;
    let f = form_of(&draft.plan, m, draft.version);
    Ok(measure_page(
        &staff,
        which,
        &code,
        format!("{} {}", m.label(), m.title),
        f,
        FieldErrors::default(),
    )
    .into_response())
}

async fn save(
    state: AppState,
    code: String,
    staff: Staff,
    f: MeasureForm,
    which: Which,
) -> Result<Response, AppError> {
    staff.require(crate::plan::EDIT_PLAN, Subject::None)?;
    let data = state.plan_data().await?;
    let draft = draft_of(&state, which).await?;
    let m = draft.plan.measure(&code).ok_or(AppError::NotFound)?;
    let label = format!("{} {}", m.label(), m.title);
    let result = apply_form(&draft.plan, &code, &f).and_then(|plan| {
        // A KPI that differs from the approved plan needs a reason (kept with the revision).
        let edited = plan.measure(&code).expect("kept");
        let changed = edited.kpis.iter().any(|k| {
            data.plan
                .kpi(&k.key)
                .is_some_and(|a| !kpi_differences(a.kpi, k).is_empty())
        }) || data.plan.measure(&code).is_some_and(|a| {
            a.kpis
                .iter()
                .any(|k| !edited.kpis.iter().any(|e| e.key == k.key))
        });
        let earlier = draft
            .reasons
            .iter()
            .any(|(c, r)| *c == code && !r.is_empty());
        if which == Which::Revision && changed && f.reason.trim().is_empty() && !earlier {
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
    Ok((status, measure_page(&staff, which, &code, label, f, errors)).into_response())
}
