//! KPIs fed by modules: a KPI whose `source` names a module's KPI source takes that module's
//! figures. The plan asks the registry (`modules::registry().kpi_sources`) and names no module.

use super::service::PlanData;
use crate::app::AppState;

/// Puts what the modules count into the actuals of KPIs whose source is a module, so nobody
/// retypes a number machi already knows. A module speaks for the 年度 it has data for (from the
/// 年度 it started counting) unless an actual is recorded for that 年度: a figure confirmed through
/// the reporting cycle (or recorded by the coordinating department) is the official one and stands.
pub async fn apply(state: &AppState, data: &mut PlanData) -> anyhow::Result<()> {
    let today = state.today();
    let mut years = data.table_years();
    // "Now" counts for the current 年度 even after the plan period.
    let current = crate::fiscal::FiscalYear::of_date(today);
    if !years.contains(&current) {
        years.push(current);
    }
    let registry = crate::modules::registry();
    let mut changed = false;
    for i in 0..data.plan.measures.len() {
        let Some(source) = registry.kpi_source(&data.plan.measures[i].kpi.source) else {
            continue;
        };
        let figures = (source.figures)(state, &years, today).await?;
        // Unless a measured baseline is entered, the source may name the 年度 whose figure the
        // target is measured from (e.g. the counter's first full 年度).
        let kpi = &mut data.plan.measures[i].kpi;
        if kpi.baseline.is_none()
            && let Some(fy) = figures.baseline_year
            && figures.values.iter().any(|(y, _)| *y == fy)
        {
            kpi.baseline = Some(super::model::Baseline {
                value: None,
                fiscal_year: Some(fy),
            });
        }
        if figures.values.is_empty() {
            continue;
        }
        let code = data.plan.measures[i].code.clone();
        let actuals = data.actuals.entry(code).or_default();
        for (fiscal_year, value) in figures.values {
            if !actuals.iter().any(|a| a.fiscal_year == fiscal_year) {
                actuals.push(super::kpi::Actual { fiscal_year, value });
            }
        }
        actuals.sort_by_key(|a| a.fiscal_year);
        changed = true;
    }
    if changed {
        data.reevaluate();
    }
    Ok(())
}
