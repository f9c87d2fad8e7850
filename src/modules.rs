//! The one explicit list of feature modules. Each module contributes its routes; later modules
//! (staff pages, open data, procedures …) are added here.

use crate::app::AppState;
use axum::Router;

pub trait Module: Send + Sync {
    /// Short name, for logs and docs.
    fn name(&self) -> &'static str;
    /// Routes anyone may read.
    fn public_routes(&self) -> Router<AppState>;
    /// Routes behind sign-in; each handler takes `Staff` (or `StaffForm`) and checks its permission.
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
    }
}

pub fn all() -> Vec<Box<dyn Module>> {
    vec![
        Box::new(crate::web::home::HomeModule),
        Box::new(crate::plan::PlanModule),
        Box::new(crate::auth::AuthModule),
        Box::new(crate::audit::AuditModule),
        Box::new(crate::reporting::ReportingModule),
        Box::new(crate::imports::ImportsModule),
        Box::new(crate::opendata::OpendataModule),
        Box::new(crate::procedures::ProceduresModule),
        Box::new(crate::counter::CounterModule),
    ]
}

/// KPI sources the modules provide: source key → actuals per 年度.
pub const KPI_SOURCES: [&str; 4] = [
    "manual",
    crate::opendata::PUBLISHED_DATASETS,
    crate::procedures::kpi::ONLINE_PROCEDURES,
    crate::counter::stats::STAY_TIME,
];

/// A source's label for pages: where the figure comes from.
pub fn kpi_source_label(source: &str) -> &'static str {
    match source {
        crate::opendata::PUBLISHED_DATASETS => "オープンデータカタログの公開データセット数",
        crate::procedures::kpi::ONLINE_PROCEDURES => "手続きカタログのオンラインでできる手続きの数",
        crate::counter::stats::STAY_TIME => "書かない窓口の滞在時間(受付から完了まで)の中央値",
        _ => "",
    }
}

/// Puts what the modules count into the actuals of KPIs whose source is a module, so nobody
/// retypes a number machi already knows. A module speaks for the 年度 it has data for (from the
/// 年度 it started counting) unless an actual is recorded for that 年度: a figure confirmed through
/// the reporting cycle (or recorded by 企画課) is the official one and stands.
pub async fn apply_kpi_sources(
    db: &crate::db::Db,
    data: &mut crate::plan::service::PlanData,
    today: time::Date,
) -> anyhow::Result<()> {
    let mut years = data.table_years();
    // "Now" counts for the current 年度 even after the plan period.
    let current = crate::fiscal::FiscalYear::of_date(today);
    if !years.contains(&current) {
        years.push(current);
    }
    let mut changed = false;
    for i in 0..data.plan.measures.len() {
        let source = data.plan.measures[i].kpi.source.clone();
        let figures = match source.as_str() {
            crate::opendata::PUBLISHED_DATASETS => {
                crate::opendata::catalog::published_count_by_year(db, &years, today).await?
            }
            crate::procedures::kpi::ONLINE_PROCEDURES => {
                crate::procedures::kpi::online_count_by_year(db, &years, today).await?
            }
            crate::counter::stats::STAY_TIME => {
                let (medians, first_full) =
                    crate::counter::stats::stay_by_year(db, &years, today).await?;
                // Unless a measured baseline is entered, the first full year's median is the
                // baseline the 20%削減 is measured from.
                let kpi = &mut data.plan.measures[i].kpi;
                if kpi.baseline.is_none()
                    && let Some(fy) = first_full
                    && medians.iter().any(|(y, _)| *y == fy)
                {
                    kpi.baseline = Some(crate::plan::model::Baseline {
                        value: None,
                        fiscal_year: Some(fy),
                    });
                }
                medians
            }
            _ => continue,
        };
        if figures.is_empty() {
            continue;
        }
        let code = data.plan.measures[i].code.clone();
        let actuals = data.actuals.entry(code).or_default();
        for (fiscal_year, value) in figures {
            if !actuals.iter().any(|a| a.fiscal_year == fiscal_year) {
                actuals.push(crate::plan::kpi::Actual { fiscal_year, value });
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
