//! Public plan pages.

use super::kpi::Status;
use super::model::{Body, RoadmapNote};
use super::sheet::SheetView;
use super::views::{
    self, KpiCard, KpiRow, MeasureRow, PolicyBlock, RoadmapRowView, RollupView, StatusView,
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
    /// 施策 count and KPI count.
    measure_count: usize,
    kpi_count: usize,
    classes: Vec<super::model::MeasureClass>,
}

pub async fn overview(
    State(state): State<AppState>,
    view: super::browse::PlanView,
) -> Result<axum::response::Response, AppError> {
    view.page(&state, "/plan".into(), |data| {
        let plan = &data.plan;
        Ok(OverviewPage {
            layout: views::layout(&state, data, "plan"),
            title: plan.title.clone(),
            period: format!(
                "{}〜{}",
                plan.period.start.wareki(),
                plan.period.end.wareki()
            ),
            policies: views::policy_blocks(data),
            total: data.rollup_all().into(),
            class_legend: plan.class_legend.clone(),
            evaluation_policy: plan.evaluation_policy.clone(),
            revision_policy: plan.revision_policy.clone(),
            bodies: plan.bodies.clone(),
            measure_count: plan.measures.len(),
            kpi_count: plan.kpis().len(),
            classes: plan.classes.clone(),
        })
    })
    .await
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
    rows: Vec<KpiRow>,
    total: usize,
    policy_choices: Vec<Choice>,
    status_choices: Vec<Choice>,
    filtered: bool,
    counts: Vec<(StatusView, usize)>,
}

pub async fn kpis(
    State(state): State<AppState>,
    view: super::browse::PlanView,
    Query(filter): Query<KpiFilter>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<axum::response::Response, AppError> {
    view.page(
        &state,
        format!("/plan/kpis?{}", raw.unwrap_or_default()),
        |data| {
            let policy: Option<u32> = filter.policy.parse().ok();
            let status = Status::from_key(&filter.status);
            let all: Vec<KpiRow> = data
                .plan
                .kpis()
                .iter()
                .map(|k| views::kpi_row(data, k))
                .collect();
            let total = all.len();
            let mut rows: Vec<KpiRow> = all
                .into_iter()
                .filter(|r| policy.is_none_or(|p| r.policy == p))
                .filter(|r| status.is_none_or(|s| r.status.key == s.key()))
                .collect();
            for r in &mut rows {
                if let Some(k) = data.plan.kpi(&r.key) {
                    r.spark = views::sparkline(data, k.kpi);
                }
            }
            let mut policy_choices = vec![Choice {
                value: String::new(),
                label: "すべて".into(),
                selected: policy.is_none(),
            }];
            policy_choices.extend(data.plan.policies.iter().map(|p| Choice {
                value: p.number.to_string(),
                label: format!("{} {}", p.label, p.title),
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
                rows.iter().filter_map(|r| data.evaluation(&r.key)),
            ))
            .counts;
            Ok(KpisPage {
                layout: views::layout(&state, data, "kpis"),
                total,
                filtered: policy.is_some() || status.is_some(),
                rows,
                policy_choices,
                status_choices,
                counts,
            })
        },
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/roadmap.html")]
pub struct RoadmapPage {
    layout: Layout,
    svg: String,
    rows: Vec<RoadmapRowView>,
    notes: Vec<RoadmapNote>,
    years: String,
    has_readings: bool,
}

pub async fn roadmap(
    State(state): State<AppState>,
    view: super::browse::PlanView,
) -> Result<axum::response::Response, AppError> {
    view.page(&state, "/plan/roadmap".into(), |data| {
        let plan = &data.plan;
        Ok(RoadmapPage {
            layout: views::layout(&state, data, "roadmap"),
            svg: plan
                .roadmap_years
                .map(|_| super::gantt::roadmap_svg(plan, data.as_of, &data.progress))
                .unwrap_or_default(),
            rows: views::roadmap_rows(data, plan.roadmap.iter()),
            notes: plan.roadmap_notes.clone(),
            years: plan
                .roadmap_years
                .map(|y| views::span_text(y.first, y.last))
                .unwrap_or_default(),
            has_readings: plan
                .roadmap
                .iter()
                .any(|r| r.items.iter().any(|i| !i.reading.is_empty())),
        })
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/measure.html")]
pub struct MeasurePage {
    layout: Layout,
    row: MeasureRow,
    /// The items above it, top first: (level name, "1 行政サービスの…").
    ancestors: Vec<(String, String)>,
    class_basis: String,
    paragraphs: Vec<String>,
    kpis: Vec<KpiCard>,
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
    view: super::browse::PlanView,
    Path(super::browse::Code { code }): Path<super::browse::Code>,
) -> Result<axum::response::Response, AppError> {
    view.page(&state, format!("/plan/measures/{code}"), |data| {
        let m = find_measure(data, &code)?;
        let roadmap_rows: Vec<_> = data.plan.roadmap_of(&m.code).collect();
        let notes = data
            .plan
            .roadmap_notes
            .iter()
            .filter(|n| roadmap_rows.iter().any(|r| r.notes.contains(&n.mark)))
            .cloned()
            .collect();
        Ok(MeasurePage {
            layout: views::layout(&state, data, "plan"),
            row: views::measure_row(data, m),
            ancestors: data
                .plan
                .ancestors(&m.code)
                .iter()
                .map(|i| {
                    (
                        data.plan.level(i.depth()).to_string(),
                        format!("{} {}", i.label(), i.title()),
                    )
                })
                .collect(),
            class_basis: m.class_basis.clone(),
            paragraphs: views::paragraphs(&m.text),
            kpis: m
                .kpis
                .iter()
                .map(|k| views::KpiCard {
                    chart: views::kpi_chart(data, k),
                    ..views::kpi_card(data, k)
                })
                .collect(),
            roadmap: views::roadmap_rows(data, roadmap_rows.into_iter()),
            notes,
        })
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/action_plan.html")]
pub struct ActionPlanPage {
    layout: Layout,
    row: MeasureRow,
    sheet: SheetView,
}

pub async fn action_plan(
    State(state): State<AppState>,
    view: super::browse::PlanView,
    Path(super::browse::Code { code }): Path<super::browse::Code>,
) -> Result<ActionPlanPage, AppError> {
    let data = view.0.clone();
    let m = find_measure(&data, &code)?;
    let finalized = crate::reporting::store::finalized_yearly(&state.db, &data.plan.id).await?;
    Ok(ActionPlanPage {
        layout: views::layout(&state, &data, "plan"),
        row: views::measure_row(&data, m),
        sheet: super::sheet::sheet(&data, m, &finalized),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/action_plans.html")]
pub struct ActionPlansPage {
    layout: Layout,
    sheets: Vec<(MeasureRow, SheetView)>,
}

/// Every sheet on one page, for printing (one 施策 per A4 page).
pub async fn action_plans(
    State(state): State<AppState>,
    view: super::browse::PlanView,
) -> Result<ActionPlansPage, AppError> {
    let data = view.0.clone();
    let finalized = crate::reporting::store::finalized_yearly(&state.db, &data.plan.id).await?;
    Ok(ActionPlansPage {
        layout: views::layout(&state, &data, "plan"),
        sheets: data
            .plan
            .measures
            .iter()
            .map(|m| {
                (
                    views::measure_row(&data, m),
                    super::sheet::sheet(&data, m, &finalized),
                )
            })
            .collect(),
    })
}
