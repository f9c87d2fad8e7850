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
    ]
}

/// KPI sources the modules provide: source key → actuals per 年度.
pub const KPI_SOURCES: [&str; 2] = ["manual", crate::opendata::PUBLISHED_DATASETS];

/// Replaces the actuals of KPIs whose source is a module with what that module counts, so
/// nobody retypes a number machi already knows.
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
    for m in data.plan.measures.clone() {
        if m.kpi.source == crate::opendata::PUBLISHED_DATASETS {
            let counts =
                crate::opendata::catalog::published_count_by_year(db, &years, today).await?;
            let actuals = counts
                .into_iter()
                .map(|(fiscal_year, value)| crate::plan::kpi::Actual { fiscal_year, value })
                .collect();
            data.actuals.insert(m.code.clone(), actuals);
            changed = true;
        }
    }
    if changed {
        data.reevaluate();
    }
    Ok(())
}
