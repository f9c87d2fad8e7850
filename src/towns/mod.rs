//! Towns as tenants: one machi serves one or many towns (自治体, by 全国地方公共団体コード), each
//! with its own plan, staff, data and address, and no way for one town's staff or data to reach
//! another's. A request finds its town by host name or by the path prefix `/t/CODE/`; a single
//! town without a host keeps plain addresses. Storage per town: a SQLite file or a PostgreSQL
//! schema ([`storage`]); the registry of towns and the platform's own accounts live apart.

pub mod code;
pub mod commands;
pub mod dispatch;
pub mod jobs;
pub mod registry;
pub mod routes;
pub mod storage;

use crate::app::{AppState, Settings, TownInfo};
use crate::config::Config;
use crate::db::Db;
use crate::modules::Caches;
use axum::Router;
use code::TownCode;
use registry::TownRecord;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};
use storage::Storage;

/// The installation: its settings, its storage, and the towns it serves.
pub struct Platform {
    pub settings: Arc<Settings>,
    pub storage: Storage,
    /// The shared tables (registry, platform accounts).
    pub shared: Db,
    towns: RwLock<Arc<TownSet>>,
    /// One registry sync at a time.
    sync_lock: tokio::sync::Mutex<()>,
    /// The context of the installation's own staff pages (`/platform/…`).
    site: OnceLock<(AppState, Router)>,
    /// The cross-town view, computed at most every few seconds.
    pub view_cache: routes::ViewCache,
}

/// The towns as one request sees them (replaced whole when the registry changes).
#[derive(Default)]
pub struct TownSet {
    pub by_code: HashMap<TownCode, Arc<TownHandle>>,
    by_host: HashMap<String, TownCode>,
}

impl TownSet {
    /// Towns in code order.
    pub fn all(&self) -> Vec<Arc<TownHandle>> {
        let mut v: Vec<_> = self.by_code.values().cloned().collect();
        v.sort_by_key(|t| t.record.code);
        v
    }

    pub fn by_host(&self, host: &str) -> Option<&Arc<TownHandle>> {
        self.by_host.get(host).and_then(|c| self.by_code.get(c))
    }

    /// The town that answers plain addresses: the only one, when it has no host of its own.
    pub fn only_town(&self) -> Option<&Arc<TownHandle>> {
        match self.by_code.values().next() {
            Some(t) if self.by_code.len() == 1 && t.record.host.is_none() => Some(t),
            _ => None,
        }
    }
}

/// One registered town: ready to serve, or failed to open (and why).
pub struct TownHandle {
    pub record: TownRecord,
    pub info: Arc<TownInfo>,
    pub ready: Result<TownRuntime, String>,
}

/// A town's open storage and caches, and its routers by mount.
pub struct TownRuntime {
    pub db: Db,
    caches: Arc<Caches>,
    files_dir: PathBuf,
    root: OnceLock<(AppState, Router)>,
    prefixed: OnceLock<(AppState, Router)>,
}

/// Where a town's pages are mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mount {
    /// Plain addresses: the town's own host, or the only town.
    Root,
    /// Below `/t/CODE`.
    Prefixed,
}

impl TownHandle {
    /// The town's context and router at a mount (built on first use).
    pub fn mounted(&self, platform: &Platform, mount: Mount) -> Option<&(AppState, Router)> {
        let rt = self.ready.as_ref().ok()?;
        let cell = match mount {
            Mount::Root => &rt.root,
            Mount::Prefixed => &rt.prefixed,
        };
        Some(cell.get_or_init(|| {
            let base = match mount {
                Mount::Root => String::new(),
                Mount::Prefixed => format!("/t/{}", self.record.code),
            };
            let state = AppState::new(
                rt.db.clone(),
                self.info.clone(),
                &base,
                platform.settings.clone(),
                &rt.files_dir,
                platform.shared.clone(),
                rt.caches.clone(),
            );
            let router = crate::modules::registry()
                .routes()
                .fallback(crate::error::town_not_found)
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    crate::error::frame_errors,
                ))
                .with_state(state.clone());
            (state, router)
        }))
    }

    /// The town's context (for work outside a request: jobs, the cross-town view).
    pub fn state(&self, platform: &Platform) -> Option<AppState> {
        let mount = if self.record.host.is_some() || platform.towns().only_town().is_some() {
            Mount::Root
        } else {
            Mount::Prefixed
        };
        self.mounted(platform, mount).map(|(s, _)| s.clone())
    }
}

impl Platform {
    /// Opens the storage, adopts a database from before machi served many towns, creates the
    /// bundled town on a first start, and opens every registered town.
    pub async fn open(config: &Config) -> anyhow::Result<Arc<Platform>> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "データフォルダ {} を作れません: {e}",
                config.data_dir.display()
            )
        })?;
        // Uploaded files are found by absolute path, whatever folder machi is started from later.
        let data_dir = std::fs::canonicalize(&config.data_dir)?;
        let (storage, shared) = Storage::open(config.database_url.as_deref(), &data_dir).await?;
        tracing::info!("database: {}", storage.backend().name());
        let settings = Arc::new(Settings::from_config(config, data_dir));
        let platform = Arc::new(Platform {
            settings,
            storage,
            shared,
            towns: RwLock::default(),
            sync_lock: tokio::sync::Mutex::new(()),
            site: OnceLock::new(),
            view_cache: routes::ViewCache::default(),
        });
        commands::ensure_first_town(&platform).await?;
        platform.sync().await?;
        Ok(platform)
    }

    /// The towns now.
    pub fn towns(&self) -> Arc<TownSet> {
        self.towns.read().expect("towns lock").clone()
    }

    pub fn town(&self, code: TownCode) -> Option<Arc<TownHandle>> {
        self.towns().by_code.get(&code).cloned()
    }

    /// Brings the served towns in step with the registry: opens new ones (migrations and seeds),
    /// drops removed ones, reopens changed ones. A town that fails to open is kept as failed
    /// (served as unavailable, shown to the platform administrator) and does not stop the others.
    pub fn sync(&self) -> crate::modules::BoxFuture<'_, anyhow::Result<()>> {
        // Boxed: the compiler cannot otherwise prove this future Send for every lifetime when it
        // is spawned (rust-lang/rust#102211).
        Box::pin(self.sync_inner())
    }

    async fn sync_inner(&self) -> anyhow::Result<()> {
        let _one = self.sync_lock.lock().await;
        let records = registry::list(&self.shared).await?;
        let current = self.towns();
        let mut next = TownSet::default();
        let mut changed = current.by_code.len() != records.len();
        for record in records {
            let handle = match current.by_code.get(&record.code) {
                Some(h) if same_registration(&h.record, &record) => h.clone(),
                _ => {
                    changed = true;
                    Arc::new(self.open_town(record).await)
                }
            };
            if let Some(host) = &handle.record.host {
                next.by_host.insert(host.clone(), handle.record.code);
            }
            next.by_code.insert(handle.record.code, handle);
        }
        if changed {
            let old = std::mem::replace(
                &mut *self.towns.write().expect("towns lock"),
                Arc::new(next),
            );
            // SQLite files of removed towns are closed (PostgreSQL towns share one pool).
            let now = self.towns();
            let closing: Vec<Db> = old
                .by_code
                .iter()
                .filter(|(code, _)| !now.by_code.contains_key(*code))
                .filter_map(|(_, h)| h.ready.as_ref().ok().map(|rt| rt.db.clone()))
                .filter(|_| self.storage.backend() == crate::db::Backend::Sqlite)
                .collect();
            for db in closing {
                db.close().await;
            }
        }
        Ok(())
    }

    fn open_town(&self, record: TownRecord) -> crate::modules::BoxFuture<'_, TownHandle> {
        Box::pin(self.open_town_inner(record))
    }

    async fn open_town_inner(&self, record: TownRecord) -> TownHandle {
        let info = Arc::new(TownInfo::from(&record));
        let ready = match self.start_town(&record, &info).await {
            Ok(rt) => {
                let _ = registry::set_outcome(&self.shared, record.code, None).await;
                Ok(rt)
            }
            Err(e) => {
                let message = format!("{e:#}");
                tracing::error!(town = %record.code, "{}を開けません: {message}", record.name);
                let _ = registry::set_outcome(&self.shared, record.code, Some(&message)).await;
                Err(message)
            }
        };
        TownHandle {
            record,
            info,
            ready,
        }
    }

    async fn start_town(
        &self,
        record: &TownRecord,
        info: &Arc<TownInfo>,
    ) -> anyhow::Result<TownRuntime> {
        let db = self.storage.open_town(record).await?;
        let rt = TownRuntime {
            db,
            caches: Arc::new(Caches::for_new_town()),
            files_dir: self.storage.files_dir(record),
            root: OnceLock::new(),
            prefixed: OnceLock::new(),
        };
        let state = AppState::new(
            rt.db.clone(),
            info.clone(),
            "",
            self.settings.clone(),
            &rt.files_dir,
            self.shared.clone(),
            rt.caches.clone(),
        );
        seed(&state).await?;
        Ok(rt)
    }

    /// The context of the installation's own staff pages.
    pub fn site(&self) -> &(AppState, Router) {
        self.site.get_or_init(|| {
            let info = Arc::new(TownInfo {
                code: None,
                name: String::new(),
                host: None,
            });
            let state = AppState::new(
                self.shared.clone(),
                info,
                "/platform",
                self.settings.clone(),
                &self.settings.data_dir,
                self.shared.clone(),
                Arc::new(Caches::for_new_town()),
            );
            let router = routes::platform_staff_routes()
                .fallback(crate::error::town_not_found)
                .with_state(state.clone());
            (state, router)
        })
    }
}

fn same_registration(a: &TownRecord, b: &TownRecord) -> bool {
    a.code == b.code && a.name == b.name && a.host == b.host && a.storage == b.storage
}

/// Runs every module's seed for a town.
pub fn seed(state: &AppState) -> crate::modules::BoxFuture<'_, anyhow::Result<()>> {
    Box::pin(async move {
        for m in &crate::modules::registry().modules {
            if let Some(done) = m.seed(state).await? {
                tracing::info!(town = %state.town.name, "{done}");
            }
        }
        Ok(())
    })
}
