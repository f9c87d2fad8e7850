//! The composition root and a town's request context.
//!
//! [`Application::build`] assembles everything — storage, migrations, the towns, the module
//! list, seeds, the router, the listener — and [`Application::run`] serves it with the background
//! jobs. `machi serve` and the integration tests both go through it; nothing is wired twice.
//! [`AppState`] is what a handler sees: one town's storage, caches and address.

use crate::config::Config;
use crate::db::Db;
use crate::error::AppError;
use crate::fiscal::{FiscalYear, today_jst};
use crate::modules::Caches;
use crate::plan::service::PlanData;
use crate::towns::Platform;
use crate::towns::registry::TownRecord;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::Date;

/// Settings every town shares, read once from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Fixed in tests and demos (`--today`); the real date in Japan otherwise.
    pub today: Option<Date>,
    /// Mark cookies Secure even when the request does not say it came over HTTPS.
    pub secure_cookies: bool,
    /// Hold back answers to failed sign-ins (off in tests, which check the delay's size).
    pub slow_failed_sign_ins: bool,
    /// Days the counter keeps a visit's personal data.
    pub counter_retention_days: i64,
    /// Days after a class that its bookings keep names and phone numbers.
    pub course_retention_days: i64,
    /// The data folder (absolute).
    pub data_dir: PathBuf,
    /// Mail, payments and retention of online applications.
    pub online: crate::mail::OnlineSettings,
}

impl Settings {
    pub fn from_config(config: &Config, data_dir: PathBuf) -> Settings {
        Settings {
            today: config.today,
            secure_cookies: config.secure_cookies,
            slow_failed_sign_ins: config.slow_failed_sign_ins,
            counter_retention_days: config.counter_retention_days,
            course_retention_days: config.course_retention_days,
            data_dir,
            online: crate::mail::OnlineSettings::from_config(config),
        }
    }

    pub fn today(&self) -> Date {
        self.today.unwrap_or_else(today_jst)
    }
}

/// Who a town is, as its pages name it.
#[derive(Debug, Clone)]
pub struct TownInfo {
    /// `None` for the installation's own pages (`/platform/…`).
    pub code: Option<crate::towns::code::TownCode>,
    pub name: String,
    pub host: Option<String>,
}

impl From<&TownRecord> for TownInfo {
    fn from(r: &TownRecord) -> Self {
        TownInfo {
            code: Some(r.code),
            name: r.name.clone(),
            host: r.host.clone(),
        }
    }
}

/// One town as a request sees it: its storage, its caches, where its pages live.
#[derive(Clone)]
pub struct AppState {
    /// The town's own tables.
    pub db: Db,
    pub town: Arc<TownInfo>,
    /// Where the town's pages start: "" (its own host, or the only town) or "/t/285854".
    pub base: Arc<str>,
    pub settings: Arc<Settings>,
    /// The town's folder for uploaded files.
    pub data_dir: Arc<Path>,
    /// The installation's shared tables (platform accounts).
    pub shared: Db,
    caches: Arc<Caches>,
}

impl AppState {
    pub fn new(
        db: Db,
        town: Arc<TownInfo>,
        base: &str,
        settings: Arc<Settings>,
        data_dir: &Path,
        shared: Db,
        caches: Arc<Caches>,
    ) -> AppState {
        AppState {
            db,
            town,
            base: base.into(),
            settings,
            data_dir: data_dir.into(),
            shared,
            caches,
        }
    }

    pub fn today(&self) -> Date {
        self.settings.today()
    }

    pub fn current_fiscal_year(&self) -> FiscalYear {
        FiscalYear::of_date(self.today())
    }

    /// A module's cache for this town (registered in `Module::caches`).
    pub fn cache<T: Send + Sync + 'static>(&self) -> &T {
        self.caches
            .get::<T>()
            .unwrap_or_else(|| panic!("cache {} not registered", std::any::type_name::<T>()))
    }

    /// A path of this town's site: `/plan` → `/t/285854/plan` when the town lives under a prefix.
    pub fn path(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The current plan with its actuals and evaluations (see `plan::service::current`).
    pub async fn plan_data(&self) -> Result<Arc<PlanData>, AppError> {
        crate::plan::service::current(self).await
    }

    /// Call after any write that changes what plan_data returns.
    pub fn invalidate_plan(&self) {
        crate::plan::service::invalidate(self);
    }
}

/// A built machi: its towns, its router and its listener, ready to serve.
pub struct Application {
    platform: Arc<Platform>,
    listener: Option<tokio::net::TcpListener>,
    port: u16,
}

impl Application {
    /// Assembles machi from its configuration: opens the storage and the shared tables, creates
    /// the bundled town on a first start, opens (migrates and seeds) every town, and binds the
    /// listener (port 0 = any free port; see [`Application::port`]).
    pub async fn build(config: &Config) -> anyhow::Result<Application> {
        let app = Application::build_without_listener(config).await?;
        let addr = format!("{}:{}", config.host, config.port);
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| anyhow::anyhow!("{addr} で待ち受けできません: {e}"))?;
        let port = listener.local_addr()?.port();
        Ok(Application {
            listener: Some(listener),
            port,
            ..app
        })
    }

    /// The same, for in-process use (tests call the router directly).
    pub async fn build_without_listener(config: &Config) -> anyhow::Result<Application> {
        let platform = Platform::open(config).await?;
        Ok(Application {
            platform,
            listener: None,
            port: 0,
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn platform(&self) -> &Arc<Platform> {
        &self.platform
    }

    /// The whole site as one service: requests go to their town (by host or `/t/CODE/`) or to
    /// the installation's own pages.
    pub fn router(&self) -> axum::Router {
        crate::towns::dispatch::router(self.platform.clone())
    }

    /// Serves until Ctrl-C or SIGTERM; in-flight requests finish first. Runs the modules'
    /// background jobs and keeps the town list in step with `machi town …` commands.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let listener = self
            .listener
            .ok_or_else(|| anyhow::anyhow!("no listener: build with Application::build"))?;
        let jobs = crate::towns::jobs::start(self.platform.clone());
        let app = crate::towns::dispatch::router(self.platform.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        tracing::info!("machi: http://{}/", listener.local_addr()?);
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        jobs.abort();
        tracing::info!("stopped");
        Ok(())
    }
}
