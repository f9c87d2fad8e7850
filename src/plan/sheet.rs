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
    pub dx_policy: String,
    pub dx_area: String,
    pub dx_measure: String,
    pub overview: String,
    pub effect: String,
    pub remarks: String,
    pub kpi: KpiCard,
    pub years: Vec<String>,
    pub yearly_targets: Vec<String>,
    pub schedule: Vec<GridRow>,
    /// 施策の評価: (年度, 目標の達成度, 未達成の場合原因・理由).
    pub evaluations: Vec<(String, String, String)>,
    pub has_sheet: bool,
}

/// The sheet of one measure; `finalized` are the 確定 yearly reports of the plan.
pub fn sheet(data: &PlanData, m: &Measure, finalized: &[(FiscalYear, Report)]) -> SheetView {
    let plan = &data.plan;
    let ap = m.action_plan.as_ref();
    let years: Vec<_> = plan.roadmap_years.years().collect();
    let kpi = views::kpi_card(data, m);
    // The sheet's 年度別数値目標 shows only the targets the plan gives, not the pace line.
    let yearly_targets = years
        .iter()
        .map(|fy| {
            m.kpi
                .yearly_target(*fy)
                .map(|v| crate::plan::kpi::format_value(v, &m.kpi.unit))
                .unwrap_or_default()
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
            let grade = if y.status.key == "no_data" {
                String::new()
            } else {
                format!("{}(実績 {})", y.status.label, y.actual)
            };
            (y.label.clone(), grade, String::new())
        })
        .collect();
    let area = plan.area_of(m);
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
        dx_policy: ap
            .and_then(|a| a.dx_plan.as_ref().map(|d| d.policy.clone()))
            .or_else(|| {
                plan.policy(m.policy_number())
                    .map(|p| format!("{} {}", p.number, p.title))
            })
            .unwrap_or_default(),
        dx_area: ap
            .and_then(|a| a.dx_plan.as_ref().map(|d| d.area.clone()))
            .or_else(|| {
                area.map(|a| format!("{} {}", crate::plan::model::circled(a.number), a.title))
            })
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
    }
}
