//! Public plan pages.

use super::kpi::Status;
use super::model::{Body, RoadmapNote};
use super::views::{
    self, KpiCard, MeasureRow, PolicyBlock, RoadmapRowView, RollupView, StatusView,
};
use crate::app::AppState;
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/overview.html")]
pub struct OverviewPage {
    layout: Layout,
    title: String,
    period: String,
    policies: Vec<PolicyBlock>,
    total: RollupView,
    class_legend: String,
    evaluation_policy: String,
    revision_policy: String,
    bodies: Vec<Body>,
}

pub async fn overview(State(state): State<AppState>) -> Result<OverviewPage, AppError> {
    let data = state.plan_data().await?;
    let plan = &data.plan;
    Ok(OverviewPage {
        layout: views::layout(&data, "plan"),
        title: plan.title.clone(),
        period: format!(
            "{}〜{}",
            plan.period.start.wareki(),
            plan.period.end.wareki()
        ),
        policies: views::policy_blocks(&data),
        total: data.rollup_all().into(),
        class_legend: plan.class_legend.clone(),
        evaluation_policy: plan.evaluation_policy.clone(),
        revision_policy: plan.revision_policy.clone(),
        bodies: plan.bodies.clone(),
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct KpiFilter {
    #[serde(default)]
    policy: String,
    #[serde(default)]
    status: String,
}

pub struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/kpis.html")]
pub struct KpisPage {
    layout: Layout,
    rows: Vec<MeasureRow>,
    total: usize,
    policy_choices: Vec<Choice>,
    status_choices: Vec<Choice>,
    filtered: bool,
    counts: Vec<(StatusView, usize)>,
}

pub async fn kpis(
    State(state): State<AppState>,
    Query(filter): Query<KpiFilter>,
) -> Result<KpisPage, AppError> {
    let data = state.plan_data().await?;
    let policy: Option<u32> = filter.policy.parse().ok();
    let status = Status::from_key(&filter.status);
    let all: Vec<MeasureRow> = data
        .plan
        .measures
        .iter()
        .map(|m| views::measure_row(&data, m))
        .collect();
    let total = all.len();
    let rows: Vec<MeasureRow> = all
        .into_iter()
        .filter(|r| policy.is_none_or(|p| r.policy == p))
        .filter(|r| status.is_none_or(|s| r.status.key == s.key()))
        .collect();
    let mut policy_choices = vec![Choice {
        value: String::new(),
        label: "すべて".into(),
        selected: policy.is_none(),
    }];
    policy_choices.extend(data.plan.policies.iter().map(|p| Choice {
        value: p.number.to_string(),
        label: format!("{} {}", p.number, p.title),
        selected: policy == Some(p.number),
    }));
    let mut status_choices = vec![Choice {
        value: String::new(),
        label: "すべて".into(),
        selected: status.is_none(),
    }];
    status_choices.extend(Status::ALL.iter().map(|s| Choice {
        value: s.key().into(),
        label: s.label().into(),
        selected: status == Some(*s),
    }));
    let counts = views::RollupView::from(super::kpi::rollup(
        rows.iter().filter_map(|r| data.evaluation(&r.code)),
    ))
    .counts;
    Ok(KpisPage {
        layout: views::layout(&data, "kpis"),
        total,
        filtered: policy.is_some() || status.is_some(),
        rows,
        policy_choices,
        status_choices,
        counts,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/roadmap.html")]
pub struct RoadmapPage {
    layout: Layout,
    svg: String,
    rows: Vec<RoadmapRowView>,
    notes: Vec<RoadmapNote>,
    years: String,
}

pub async fn roadmap(State(state): State<AppState>) -> Result<RoadmapPage, AppError> {
    let data = state.plan_data().await?;
    let plan = &data.plan;
    Ok(RoadmapPage {
        layout: views::layout(&data, "roadmap"),
        svg: super::gantt::roadmap_svg(plan, data.as_of),
        rows: views::roadmap_rows(&data, plan.roadmap.iter()),
        notes: plan.roadmap_notes.clone(),
        years: views::span_text(plan.roadmap_years.first, plan.roadmap_years.last),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/measure.html")]
pub struct MeasurePage {
    layout: Layout,
    row: MeasureRow,
    policy_title: String,
    area_title: String,
    class_basis: String,
    paragraphs: Vec<String>,
    kpi: KpiCard,
    roadmap: Vec<RoadmapRowView>,
    notes: Vec<RoadmapNote>,
}

fn find_measure<'a>(
    data: &'a super::service::PlanData,
    code: &str,
) -> Result<&'a super::model::Measure, AppError> {
    data.plan.measure(code).ok_or(AppError::NotFound)
}

pub async fn measure(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<MeasurePage, AppError> {
    let data = state.plan_data().await?;
    let m = find_measure(&data, &code)?;
    let roadmap_rows: Vec<_> = data.plan.roadmap_of(&m.code).collect();
    let notes = data
        .plan
        .roadmap_notes
        .iter()
        .filter(|n| roadmap_rows.iter().any(|r| r.notes.contains(&n.mark)))
        .cloned()
        .collect();
    Ok(MeasurePage {
        layout: views::layout(&data, "plan"),
        row: views::measure_row(&data, m),
        policy_title: data
            .plan
            .policy(m.policy_number())
            .map(|p| format!("{} {}", p.number, p.title))
            .unwrap_or_default(),
        area_title: data
            .plan
            .area_of(m)
            .map(|a| format!("{} {}", a.label(), a.title))
            .unwrap_or_default(),
        class_basis: m.class_basis.clone(),
        paragraphs: views::paragraphs(&m.text),
        kpi: views::kpi_card(&data, m),
        roadmap: views::roadmap_rows(&data, roadmap_rows.into_iter()),
        notes,
    })
}

/// One cell of the sheet's year grid.
pub struct GridCell {
    on: bool,
    text: String,
}

pub struct GridRow {
    cells: Vec<GridCell>,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/action_plan.html")]
pub struct ActionPlanPage {
    layout: Layout,
    row: MeasureRow,
    number: String,
    department: String,
    new_or_continuing: String,
    project_name: String,
    comprehensive: Option<super::model::ComprehensivePlanLink>,
    dx_policy: String,
    dx_area: String,
    dx_measure: String,
    overview: String,
    effect: String,
    remarks: String,
    kpi: KpiCard,
    years: Vec<String>,
    yearly_targets: Vec<String>,
    schedule: Vec<GridRow>,
    /// 施策の評価: one row per 年度 of the plan's evaluation years.
    evaluations: Vec<(String, String, String)>,
    has_sheet: bool,
}

pub async fn action_plan(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<ActionPlanPage, AppError> {
    let data = state.plan_data().await?;
    let plan = &data.plan;
    let m = find_measure(&data, &code)?;
    let ap = m.action_plan.as_ref();
    let years: Vec<_> = plan.roadmap_years.years().collect();
    let kpi = views::kpi_card(&data, m);
    // The sheet's 年度別数値目標 shows only the targets the plan gives, not the pace line.
    let yearly_targets = years
        .iter()
        .map(|fy| {
            m.kpi
                .yearly_target(*fy)
                .map(|v| super::kpi::format_value(v, &m.kpi.unit))
                .unwrap_or_default()
        })
        .collect();
    let schedule_rows: Vec<Vec<super::model::RoadmapItem>> = match ap {
        Some(ap) if !ap.schedule.is_empty() => {
            ap.schedule.iter().map(|r| r.items.clone()).collect()
        }
        // Without a sheet of its own, the measure's 行程表 rows stand in for the schedule.
        _ => plan.roadmap_of(&m.code).map(|r| r.items.clone()).collect(),
    };
    let schedule = schedule_rows
        .iter()
        .map(|items| GridRow {
            cells: years
                .iter()
                .map(|fy| {
                    let here: Vec<&str> = items
                        .iter()
                        .filter(|i| i.from <= *fy && *fy <= i.to)
                        .map(|i| i.text.as_str())
                        .collect();
                    let starts: Vec<&str> = items
                        .iter()
                        .filter(|i| i.from == *fy)
                        .map(|i| i.text.as_str())
                        .collect();
                    GridCell {
                        on: !here.is_empty(),
                        text: starts.join(" / "),
                    }
                })
                .collect(),
        })
        .collect();
    // 施策の評価 rows: from the first 年度 with a target (the example sheet starts at 令和4年度) or
    // the plan's start, to the end of the period.
    let finalized = crate::reporting::store::finalized_yearly(&state.db, &plan.id).await?;
    let first_eval = m
        .kpi
        .yearly_targets
        .iter()
        .map(|t| t.fiscal_year)
        .min()
        .unwrap_or(plan.period.first_fiscal_year());
    let last_eval = plan
        .period
        .last_fiscal_year()
        .max(m.kpi.deadline.min(plan.roadmap_years.last));
    let evaluations = kpi
        .years
        .iter()
        .filter(|y| first_eval <= y.fiscal_year && y.fiscal_year <= last_eval)
        .map(|y| {
            // A 確定 yearly report carries the committee's grade and the department's reasons.
            if let Some((_, r)) = finalized
                .iter()
                .find(|(fy, r)| *fy == y.fiscal_year && r.measure_code == m.code)
            {
                let grade = super::kpi::Status::from_key(&r.grade)
                    .map(|s| s.label())
                    .unwrap_or(y.status.label);
                let mut reason = r.shortfall_reason.clone();
                if !r.improvement.is_empty() {
                    reason = format!("{reason} 改善策: {}", r.improvement)
                        .trim()
                        .to_string();
                }
                return (
                    y.label.clone(),
                    format!("{grade}(実績 {})", y.actual),
                    reason,
                );
            }
            let grade = if y.status.key == "no_data" {
                String::new()
            } else {
                format!("{}(実績 {})", y.status.label, y.actual)
            };
            (y.label.clone(), grade, String::new())
        })
        .collect();
    let area = plan.area_of(m);
    Ok(ActionPlanPage {
        layout: views::layout(&data, "plan"),
        row: views::measure_row(&data, m),
        number: ap.map(|a| a.number.clone()).unwrap_or_default(),
        department: ap
            .map(|a| a.department.clone())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| m.department.clone()),
        new_or_continuing: ap.map(|a| a.new_or_continuing.clone()).unwrap_or_default(),
        project_name: ap
            .map(|a| a.project_name.clone())
            .unwrap_or_else(|| m.title.clone()),
        comprehensive: ap.and_then(|a| a.comprehensive_plan.clone()),
        dx_policy: ap
            .and_then(|a| a.dx_plan.as_ref().map(|d| d.policy.clone()))
            .or_else(|| {
                plan.policy(m.policy_number())
                    .map(|p| format!("{} {}", p.number, p.title))
            })
            .unwrap_or_default(),
        dx_area: ap
            .and_then(|a| a.dx_plan.as_ref().map(|d| d.area.clone()))
            .or_else(|| area.map(|a| format!("{} {}", super::model::circled(a.number), a.title)))
            .unwrap_or_default(),
        dx_measure: ap
            .and_then(|a| a.dx_plan.as_ref().map(|d| d.measure.clone()))
            .unwrap_or_else(|| format!("{}) {}", m.number(), m.title)),
        overview: ap.map(|a| a.overview.clone()).unwrap_or_default(),
        effect: ap.map(|a| a.effect.clone()).unwrap_or_default(),
        remarks: ap.map(|a| a.remarks.clone()).unwrap_or_default(),
        has_sheet: ap.is_some(),
        kpi,
        years: years.iter().map(|fy| fy.label()).collect(),
        yearly_targets,
        schedule,
        evaluations,
    })
}
