//! The アクションプラン sheet's content, shared by the web page and the Excel workbook.

use super::model::{ComprehensivePlanLink, Measure};
use super::service::PlanData;
use super::views::{self, KpiCard};
use crate::fiscal::FiscalYear;
use crate::reporting::model::Report;

/// One cell of the sheet's year grid.
pub struct GridCell {
    pub on: bool,
    pub text: String,
    /// How the 行程 of that 年度 went, where marked (「△ 遅れ」).
    pub steps: Vec<String>,
}

pub struct GridRow {
    pub cells: Vec<GridCell>,
}

pub struct SheetView {
    pub number: String,
    pub department: String,
    pub new_or_continuing: String,
    pub project_name: String,
    pub comprehensive: Option<ComprehensivePlanLink>,
    /// The plan's title, heading the block that places the 施策 in it.
    pub plan_title: String,
    /// The 施策's place in the plan, top first: (level name, number and title).
    pub dx_path: Vec<(String, String)>,
    pub overview: String,
    pub effect: String,
    pub remarks: String,
    /// Each KPI with its targets per year of the sheet.
    pub kpis: Vec<(KpiCard, Vec<String>)>,
    pub years: Vec<String>,
    pub schedule: Vec<GridRow>,
    /// 施策の評価: (年度, 目標の達成度, 未達成の場合原因・理由).
    pub evaluations: Vec<(String, String, String)>,
    pub has_sheet: bool,
}

/// The sheet of one measure; `finalized` are the 確定 yearly reports of the plan.
pub fn sheet(data: &PlanData, m: &Measure, finalized: &[(FiscalYear, Report)]) -> SheetView {
    let plan = &data.plan;
    let ap = m.action_plan.as_ref();
    let years: Vec<FiscalYear> = match plan.roadmap_years {
        Some(r) => r.years().collect(),
        None => plan.period.fiscal_years().collect(),
    };
    // The sheet's 年度別数値目標 shows only the targets the plan gives, not the pace line.
    let kpis: Vec<(KpiCard, Vec<String>)> = m
        .kpis
        .iter()
        .map(|k| {
            let targets = years
                .iter()
                .map(|fy| {
                    k.yearly_target(*fy)
                        .map(|v| crate::plan::kpi::format_value(v, &k.unit))
                        .unwrap_or_default()
                })
                .collect();
            (views::kpi_card(data, k), targets)
        })
        .collect();
    let schedule_rows: Vec<Vec<crate::plan::model::RoadmapItem>> = match ap {
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
                    let steps = items
                        .iter()
                        .filter(|i| i.from <= *fy && *fy <= i.to)
                        .filter_map(|i| {
                            crate::plan::progress::find(&data.progress, &m.code, &i.text, *fy)
                        })
                        .map(|p| format!("{} {}", p.step.mark(), p.step.label()))
                        .collect();
                    GridCell {
                        on: !here.is_empty(),
                        text: starts.join(" / "),
                        steps,
                    }
                })
                .collect(),
        })
        .collect();
    // 施策の評価 rows: from the first 年度 with a target (the example sheet starts at 令和4年度) or
    // the plan's start, to the end of the period.
    let first_eval = m
        .kpis
        .iter()
        .flat_map(|k| k.yearly_targets.iter().map(|t| t.fiscal_year))
        .min()
        .unwrap_or(plan.period.first_fiscal_year())
        .min(plan.period.first_fiscal_year());
    let last_eval = plan.period.last_fiscal_year();
    // The rows follow the first KPI's years; with several KPIs each one's state is named.
    let evaluations = kpis
        .first()
        .map(|(card, _)| card.years.clone())
        .unwrap_or_default()
        .iter()
        .filter(|y| first_eval <= y.fiscal_year && y.fiscal_year <= last_eval)
        .map(|y| {
            // A 確定 yearly report carries the committee's grade and the department's reasons.
            if let Some((_, r)) = finalized
                .iter()
                .find(|(fy, r)| *fy == y.fiscal_year && r.measure_code == m.code)
            {
                let grade = crate::plan::kpi::Status::from_key(&r.grade)
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
            let grade = kpis
                .iter()
                .filter_map(|(card, _)| {
                    let row = card.years.iter().find(|r| r.fiscal_year == y.fiscal_year)?;
                    (row.status.key != "no_data").then(|| {
                        if kpis.len() > 1 {
                            format!("{}: {}(実績 {})", card.name, row.status.label, row.actual)
                        } else {
                            format!("{}(実績 {})", row.status.label, row.actual)
                        }
                    })
                })
                .collect::<Vec<_>>()
                .join(" / ");
            (y.label.clone(), grade, String::new())
        })
        .collect();
    // The sheet's own words where it has them (the plan's example sheet), else the plan's.
    let mut dx_path: Vec<(String, String)> = plan
        .ancestors(&m.code)
        .iter()
        .map(|i| {
            (
                plan.level(i.depth()).to_string(),
                format!("{} {}", i.label(), i.title()),
            )
        })
        .chain(std::iter::once((
            plan.measure_level().to_string(),
            format!("{} {}", m.label(), m.title),
        )))
        .collect();
    if let Some(d) = ap.and_then(|a| a.dx_plan.as_ref())
        && dx_path.len() == 3
    {
        dx_path[0].1 = d.policy.clone();
        dx_path[1].1 = d.area.clone();
        dx_path[2].1 = d.measure.clone();
    }
    SheetView {
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
        plan_title: plan.title.clone(),
        dx_path,
        overview: ap.map(|a| a.overview.clone()).unwrap_or_default(),
        effect: ap.map(|a| a.effect.clone()).unwrap_or_default(),
        remarks: ap.map(|a| a.remarks.clone()).unwrap_or_default(),
        has_sheet: ap.is_some(),
        kpis,
        years: years.iter().map(|fy| fy.label()).collect(),
        schedule,
        evaluations,
    }
}
