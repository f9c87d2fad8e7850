//! `/api/plan`: the whole plan with every KPI's actuals and evaluation, as JSON (docs/api.md).

use super::kpi::Status;
use super::model::{Accumulation, Body, Direction, KpiDefinition, MeasureClass, RoadmapNote};
use super::service::PlanData;
use crate::app::AppState;
use crate::error::AppError;
use crate::fiscal::FiscalYear;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
pub struct PlanDocument<'a> {
    pub plan: PlanMeta<'a>,
    pub policies: Vec<PolicyJson<'a>>,
    pub areas: Vec<AreaJson<'a>>,
    pub measures: Vec<MeasureJson<'a>>,
    pub roadmap: Vec<RoadmapRowJson<'a>>,
    pub roadmap_notes: &'a [RoadmapNote],
}

#[derive(Serialize)]
pub struct PlanMeta<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub subtitle: &'a str,
    pub municipality: &'a super::model::Municipality,
    pub adopted: String,
    pub adopted_wording: &'a str,
    pub period: PeriodJson<'a>,
    pub revision: RevisionJson<'a>,
    pub bodies: &'a [Body],
    /// The plan's names of its levels, top first.
    pub levels: &'a [String],
    pub classes: &'a [MeasureClass],
    /// The id of the plan this one follows.
    pub succeeds: Option<&'a str>,
    /// The 年度 statuses are judged as of.
    pub as_of_fiscal_year: FiscalYear,
    /// Whether the plan period is over (KPIs then carry their 最終評価).
    pub ended: bool,
}

#[derive(Serialize)]
pub struct PeriodJson<'a> {
    pub start: String,
    pub end: String,
    pub wording: &'a str,
    pub first_fiscal_year: FiscalYear,
    pub last_fiscal_year: FiscalYear,
}

#[derive(Serialize)]
pub struct RevisionJson<'a> {
    pub number: i64,
    pub label: &'a str,
    pub created_at: &'a str,
}

#[derive(Serialize)]
pub struct PolicyJson<'a> {
    pub number: u32,
    pub code: &'a str,
    /// Its number as the plan prints it.
    pub label: &'a str,
    pub title: &'a str,
    /// KPIs set on this level itself.
    pub kpis: Vec<KpiJson<'a>>,
}

#[derive(Serialize)]
pub struct AreaJson<'a> {
    pub code: String,
    pub label: String,
    /// 2 for the level below the top …
    pub depth: usize,
    pub policy: u32,
    pub number: u32,
    pub title: &'a str,
    pub kpis: Vec<KpiJson<'a>>,
}

#[derive(Serialize)]
pub struct MeasureJson<'a> {
    pub code: &'a str,
    pub label: String,
    pub title: &'a str,
    pub policy: u32,
    pub area: String,
    pub class: &'a str,
    pub class_label: &'a str,
    pub department: &'a str,
    pub text: &'a str,
    pub url: String,
    /// The first KPI (kept for readers of the first version of this document).
    pub kpi: Option<KpiJson<'a>>,
    pub kpis: Vec<KpiJson<'a>>,
}

#[derive(Serialize)]
pub struct KpiWording<'a> {
    pub kpi: &'a str,
    pub target: &'a str,
    pub deadline: &'a str,
}

#[derive(Serialize)]
pub struct YearValue {
    pub fiscal_year: FiscalYear,
    pub value: f64,
    /// confirmed (確定), recorded (記録) or counted (自動集計).
    pub provenance: super::kpi::Provenance,
}

#[derive(Serialize)]
pub struct YearTarget {
    pub fiscal_year: FiscalYear,
    pub target: f64,
}

#[derive(Serialize)]
pub struct KpiJson<'a> {
    pub key: &'a str,
    pub wording: KpiWording<'a>,
    /// fiscal_year (年度) or calendar_year (年).
    pub years: super::model::YearBasis,
    pub unit: &'a str,
    pub direction: Direction,
    pub accumulation: Accumulation,
    /// The final target, resolved (null while a relative target waits for its baseline).
    pub target: Option<f64>,
    pub target_change_percent: Option<f64>,
    pub baseline: Option<f64>,
    pub baseline_fiscal_year: Option<FiscalYear>,
    pub deadline_fiscal_year: FiscalYear,
    pub continues: bool,
    pub yearly_targets: Vec<YearTarget>,
    pub actuals: Vec<YearValue>,
    /// Fraction (0.5 = 50 %), null when it cannot be computed.
    pub achievement: Option<f64>,
    pub achievement_method: Option<super::kpi::Method>,
    pub formula: &'a str,
    pub status: Status,
    pub status_label: &'static str,
    pub status_reason: &'a str,
    /// The deadline has passed: status and achievement are the 最終評価.
    pub final_evaluation: bool,
    /// The latest figure after the deadline (その後の実績).
    pub later: Option<YearValue>,
    pub source: &'a str,
    /// The key of the previous plan's KPI this one continues.
    pub follows: Option<&'a str>,
}

#[derive(Serialize)]
pub struct RoadmapRowJson<'a> {
    pub measure: Option<&'a str>,
    pub label: &'a str,
    pub target_time: &'a str,
    pub notes: &'a [String],
    pub items: Vec<RoadmapItemJson<'a>>,
}

#[derive(Serialize)]
pub struct RoadmapItemJson<'a> {
    pub text: &'a str,
    pub from_fiscal_year: FiscalYear,
    pub to_fiscal_year: FiscalYear,
    pub reading: &'a str,
}

fn kpi_json<'a>(data: &'a PlanData, k: &'a KpiDefinition) -> KpiJson<'a> {
    let ev = data.evaluation(&k.key);
    let year_value = |a: &super::kpi::Actual| YearValue {
        fiscal_year: a.fiscal_year,
        value: a.value,
        provenance: a.provenance,
    };
    KpiJson {
        key: &k.key,
        wording: KpiWording {
            kpi: &k.name,
            target: &k.target_wording,
            deadline: &k.deadline_wording,
        },
        years: k.years,
        unit: &k.unit,
        direction: k.direction,
        accumulation: k.accumulation,
        target: ev.and_then(|e| e.target).or(k.target),
        target_change_percent: k.target_change_percent,
        baseline: ev.and_then(|e| e.baseline),
        baseline_fiscal_year: k.baseline.as_ref().and_then(|b| b.fiscal_year),
        deadline_fiscal_year: k.deadline,
        continues: k.continues,
        yearly_targets: k
            .yearly_targets
            .iter()
            .map(|t| YearTarget {
                fiscal_year: t.fiscal_year,
                target: t.target,
            })
            .collect(),
        actuals: data.actuals_of(&k.key).iter().map(year_value).collect(),
        achievement: ev.and_then(|e| e.achievement),
        achievement_method: ev.and_then(|e| e.method),
        formula: ev.map_or("", |e| e.formula.as_str()),
        status: ev.map_or(Status::NoData, |e| e.status),
        status_label: ev.map_or(Status::NoData, |e| e.status).label(),
        status_reason: ev.map_or("", |e| e.reason.as_str()),
        final_evaluation: ev.is_some_and(|e| e.final_evaluation),
        later: ev.and_then(|e| e.later.as_ref()).map(year_value),
        source: &k.source,
        follows: (!k.follows.is_empty()).then_some(k.follows.as_str()),
    }
}

pub fn document<'a>(data: &'a PlanData, base: &str) -> PlanDocument<'a> {
    let plan = &data.plan;
    PlanDocument {
        plan: PlanMeta {
            id: &plan.id,
            title: &plan.title,
            subtitle: &plan.subtitle,
            municipality: &plan.municipality,
            adopted: format!("{:04}-{:02}", plan.adopted.year, plan.adopted.month),
            adopted_wording: &plan.adopted_wording,
            period: PeriodJson {
                start: format!(
                    "{:04}-{:02}",
                    plan.period.start.year, plan.period.start.month
                ),
                end: format!("{:04}-{:02}", plan.period.end.year, plan.period.end.month),
                wording: &plan.period.wording,
                first_fiscal_year: plan.period.first_fiscal_year(),
                last_fiscal_year: plan.period.last_fiscal_year(),
            },
            revision: RevisionJson {
                number: data.revision.number,
                label: &data.revision.label,
                created_at: &data.revision.created_at,
            },
            bodies: &plan.bodies,
            levels: &plan.levels,
            classes: &plan.classes,
            succeeds: (!plan.succeeds.is_empty()).then_some(plan.succeeds.as_str()),
            as_of_fiscal_year: data.as_of,
            ended: data.ended(),
        },
        policies: plan
            .policies
            .iter()
            .map(|p| PolicyJson {
                number: p.number,
                code: &p.code,
                label: &p.label,
                title: &p.title,
                kpis: p.kpis.iter().map(|k| kpi_json(data, k)).collect(),
            })
            .collect(),
        areas: plan
            .areas
            .iter()
            .map(|a| AreaJson {
                code: a.code(),
                label: a.label(),
                depth: a.code.split('-').count(),
                policy: a.policy,
                number: a.number,
                title: &a.title,
                kpis: a.kpis.iter().map(|k| kpi_json(data, k)).collect(),
            })
            .collect(),
        measures: plan
            .measures
            .iter()
            .map(|m| MeasureJson {
                code: &m.code,
                label: m.label(),
                title: &m.title,
                policy: m.policy_number(),
                area: m.area_code(),
                class: &m.class,
                class_label: plan.class(&m.class).map_or("", |c| c.label.as_str()),
                department: &m.department,
                text: &m.text,
                url: format!("{base}/plan/measures/{}", m.code),
                kpi: m.kpis.first().map(|k| kpi_json(data, k)),
                kpis: m.kpis.iter().map(|k| kpi_json(data, k)).collect(),
            })
            .collect(),
        roadmap: plan
            .roadmap
            .iter()
            .map(|r| RoadmapRowJson {
                measure: (!r.measure.is_empty()).then_some(r.measure.as_str()),
                label: &r.label,
                target_time: &r.target_time,
                notes: &r.notes,
                items: r
                    .items
                    .iter()
                    .map(|i| RoadmapItemJson {
                        text: &i.text,
                        from_fiscal_year: i.from,
                        to_fiscal_year: i.to,
                        reading: &i.reading,
                    })
                    .collect(),
            })
            .collect(),
        roadmap_notes: &plan.roadmap_notes,
    }
}

pub async fn plan_json(
    State(state): State<AppState>,
    view: Result<super::browse::PlanView, AppError>,
) -> Response {
    let view = match view {
        Ok(v) => v,
        Err(e) => return e.into_json(),
    };
    let r = view
        .bytes(&state, "/api/plan".into(), "application/json", |data| {
            serde_json::to_vec(&document(data, &state.base))
                .map_err(|e| AppError::Internal(e.into()))
        })
        .await;
    r.unwrap_or_else(AppError::into_json)
}
