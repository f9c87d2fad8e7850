//! KPIs fed by modules: a KPI whose `source` names a module's KPI source takes that module's
//! figures. The plan asks the registry (`modules::registry().kpi_sources`) and names no module.

use super::kpi::{Actual, Provenance};
use super::service::{Discrepancy, PlanData};
use crate::app::AppState;

/// Puts what the modules count into the actuals of KPIs whose source is a module, so nobody
/// retypes a number machi already knows. The rules (docs/kpi.md):
/// - a module speaks only for the years it has data that staff entered or confirmed (each module
///   gives figures from then on, never for earlier years);
/// - a figure confirmed through the reporting cycle or recorded by the coordinating department
///   stands: the module never overrides it, and where they disagree the coordinating department
///   is told (`PlanData::discrepancies`);
/// - a counted figure says so (自動集計, with the day it was counted).
pub async fn apply(state: &AppState, data: &mut PlanData) -> anyhow::Result<()> {
    let today = state.today();
    let mut years = data.table_years();
    // "Now" counts for the current 年度 even after the plan period.
    let current = crate::fiscal::FiscalYear::of_date(today);
    if !years.contains(&current) {
        years.push(current);
    }
    let registry = crate::modules::registry();
    // The KPIs fed by a module, with their owner's code, collected first (the plan is borrowed
    // while figures are written below).
    let fed: Vec<(String, String)> = data
        .plan
        .kpis()
        .into_iter()
        .filter(|k| registry.kpi_source(&k.kpi.source).is_some())
        .map(|k| (k.kpi.key.clone(), k.kpi.source.clone()))
        .collect();
    let mut changed = false;
    for (key, source) in fed {
        let Some(module_source) = registry.kpi_source(&source) else {
            continue;
        };
        let figures = (module_source.figures)(state, &source, &years, today).await?;
        if let Some(details) = &figures.details {
            data.source_details.insert(key.clone(), details.clone());
        }
        if let Some(link) = &figures.link {
            data.source_links.insert(key.clone(), link.clone());
        }
        data.source_labels.insert(
            key.clone(),
            figures
                .label
                .clone()
                .unwrap_or_else(|| module_source.label.to_string()),
        );
        // Unless a measured baseline is entered, the source may name the 年度 whose figure the
        // target is measured from (e.g. the counter's first full 年度).
        if let Some(fy) = figures.baseline_year
            && figures.values.iter().any(|(y, _)| *y == fy)
            && let Some(kpi) = kpi_mut(&mut data.plan, &key)
            && kpi.baseline.is_none()
        {
            kpi.baseline = Some(super::model::Baseline {
                value: None,
                fiscal_year: Some(fy),
            });
        }
        if figures.values.is_empty() {
            continue;
        }
        let actuals = data.actuals.entry(key.clone()).or_default();
        for (fiscal_year, value) in figures.values {
            match actuals.iter().find(|a| a.fiscal_year == fiscal_year) {
                Some(standing) => {
                    if (standing.value - value).abs() > 1e-9 {
                        data.discrepancies.push(Discrepancy {
                            kpi_key: key.clone(),
                            fiscal_year,
                            standing: *standing,
                            counted: value,
                        });
                    }
                }
                None => actuals.push(Actual {
                    fiscal_year,
                    value,
                    provenance: Provenance::Counted(today),
                }),
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

fn kpi_mut<'a>(
    plan: &'a mut super::model::Plan,
    key: &str,
) -> Option<&'a mut super::model::KpiDefinition> {
    plan.policies
        .iter_mut()
        .flat_map(|p| p.kpis.iter_mut())
        .chain(plan.areas.iter_mut().flat_map(|a| a.kpis.iter_mut()))
        .chain(plan.measures.iter_mut().flat_map(|m| m.kpis.iter_mut()))
        .find(|k| k.key == key)
}
