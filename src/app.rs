//! Application state and the router built from the module list.

use crate::db::Db;
use crate::error::AppError;
use crate::fiscal::{FiscalYear, today_jst};
use crate::plan::service::PlanData;
use axum::Router;
use axum::routing::get;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use time::Date;

/// How long a loaded plan is served before it is read again. Writes made through this process
/// clear it at once; this bounds how long a change made by another process (the CLI) takes to show.
const PLAN_CACHE_TTL: Duration = Duration::from_secs(1);

/// The catalog snapshot and the version it was read at.
type CatalogCache = Arc<RwLock<Option<(String, Arc<crate::opendata::catalog::Snapshot>)>>>;

/// The loaded plan and when it was loaded.
type PlanCache = Arc<RwLock<Option<(Instant, Arc<PlanData>)>>>;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Fixed in tests; the real date in Japan otherwise.
    pub today: Option<Date>,
    /// Mark cookies Secure even when the request does not say it came over HTTPS.
    pub secure_cookies: bool,
    /// Hold back answers to failed sign-ins (off in tests, which check the delay's size).
    pub slow_failed_sign_ins: bool,
    /// Where uploaded files are kept.
    pub data_dir: std::path::PathBuf,
    /// Days the counter keeps a visit's personal data.
    pub counter_retention_days: i64,
    plan_cache: PlanCache,
    /// The published open data catalog, by catalog version.
    pub catalog_cache: CatalogCache,
    /// The procedure catalog, the guide and the forms, parsed.
    pub procedures_cache: crate::procedures::cache::Cache,
    /// Rendered public plan pages, for the current plan data.
    pub page_cache: crate::web::page_cache::Cache,
}

impl AppState {
    pub fn new(db: Db) -> Self {
        AppState {
            db,
            today: None,
            secure_cookies: false,
            slow_failed_sign_ins: true,
            data_dir: std::path::PathBuf::from("data"),
            counter_retention_days: crate::config::DEFAULT_RETENTION_DAYS,
            plan_cache: Arc::default(),
            catalog_cache: Arc::default(),
            procedures_cache: Arc::default(),
            page_cache: Arc::default(),
        }
    }

    pub fn with_today(mut self, today: Date) -> Self {
        self.today = Some(today);
        self
    }

    pub fn today(&self) -> Date {
        self.today.unwrap_or_else(today_jst)
    }

    pub fn current_fiscal_year(&self) -> FiscalYear {
        FiscalYear::of_date(self.today())
    }

    /// The current plan with its actuals and evaluations, cached briefly.
    pub async fn plan_data(&self) -> Result<Arc<PlanData>, AppError> {
        if let Some((at, data)) = self.plan_cache.read().expect("plan cache lock").as_ref()
            && at.elapsed() < PLAN_CACHE_TTL
        {
            return Ok(data.clone());
        }
        let mut data = PlanData::load(&self.db, self.current_fiscal_year())
            .await?
            .ok_or(AppError::NoPlan)?;
        crate::modules::apply_kpi_sources(&self.db, &mut data, self.today()).await?;
        let data = Arc::new(data);
        *self.plan_cache.write().expect("plan cache lock") = Some((Instant::now(), data.clone()));
        Ok(data)
    }

    /// Call after any write that changes what plan_data returns.
    pub fn invalidate_plan(&self) {
        *self.plan_cache.write().expect("plan cache lock") = None;
    }
}

pub fn router(state: AppState) -> Router {
    let mut router = Router::new().route("/static/machi.css", get(crate::web::stylesheet));
    for module in crate::modules::all() {
        tracing::debug!(module = module.name(), "registering routes");
        router = router
            .merge(module.public_routes())
            .merge(module.staff_routes());
    }
    router
        .fallback(crate::error::not_found)
        .layer(axum::middleware::map_response(crate::web::security_headers))
        .with_state(state)
}
