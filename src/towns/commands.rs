//! What `machi town add|list|remove` do, and how the other commands find their town.

use super::Platform;
use super::code::TownCode;
use super::registry::{self, RegistryError, TownRecord};
use super::storage::Storage;
use crate::app::{AppState, Settings, TownInfo};
use crate::config::Config;
use crate::db::{Db, now_text};
use crate::modules::Caches;
use std::path::Path;
use std::sync::Arc;

/// On a first start (no town registered): adopts a database from before machi served many towns,
/// or creates the bundled town (the body of the bundled plan). Writes nothing otherwise.
pub async fn ensure_first_town(platform: &Platform) -> anyhow::Result<()> {
    ensure_first(
        &platform.storage,
        &platform.shared,
        platform.settings.clone(),
    )
    .await
}

async fn ensure_first(
    storage: &Storage,
    shared: &Db,
    settings: Arc<Settings>,
) -> anyhow::Result<()> {
    if !registry::list(shared).await?.is_empty() {
        return Ok(());
    }
    let bundled = crate::plan::file::bundled();
    if let Some((storage_name, db)) = storage.legacy_town().await? {
        db.migrate_town().await?;
        let (code, name) = match crate::plan::store::current(&db).await? {
            Some(stored) => (
                stored.plan.municipality.code.clone(),
                stored.plan.municipality.name.clone(),
            ),
            None => (
                bundled.municipality.code.clone(),
                bundled.municipality.name.clone(),
            ),
        };
        let record = TownRecord {
            code: TownCode::parse(&code)?,
            name,
            host: None,
            storage: storage_name,
            created_at: now_text(),
            migrated_at: String::new(),
            last_error: String::new(),
        };
        registry::insert(shared, &record).await?;
        tracing::info!(
            "以前のデータベース({})を {}({})として登録しました",
            record.storage,
            record.name,
            record.code
        );
        return Ok(());
    }
    let code = TownCode::parse(&bundled.municipality.code)?;
    // Like any new town, it gets its seeds (the bundled plan, the starting catalog) at once.
    let setup = Setup {
        plan: None,
        settings,
    };
    create(
        storage,
        shared,
        new_record(storage, code, &bundled.municipality.name, None),
        Some(setup),
    )
    .await?;
    tracing::info!(
        "{}({code})を作りました(同梱の計画で始めます)",
        bundled.municipality.name
    );
    Ok(())
}

/// What `town add` was given.
pub struct NewTown<'a> {
    pub code: &'a str,
    pub name: Option<&'a str>,
    pub plan: Option<&'a Path>,
    pub host: Option<&'a str>,
}

/// What a new town gets before it is registered: its plan, then every module's seed.
struct Setup {
    plan: Option<(crate::plan::model::Plan, String)>,
    settings: Arc<Settings>,
}

fn new_record(storage: &Storage, code: TownCode, name: &str, host: Option<String>) -> TownRecord {
    TownRecord {
        code,
        name: name.to_string(),
        host,
        storage: storage.storage_name(code),
        created_at: now_text(),
        migrated_at: String::new(),
        last_error: String::new(),
    }
}

/// Creates a town: checks everything first, then makes its storage, loads its plan, runs the
/// modules' seeds, and registers it last; anything failing removes what was made.
pub async fn add(config: &Config, new: &NewTown<'_>) -> anyhow::Result<TownRecord> {
    let code = TownCode::parse(new.code)?;
    let host = new.host.map(registry::parse_host).transpose()?;
    let plan = match new.plan {
        Some(path) => {
            let plan = crate::plan::commands::read_plan_file(path)?;
            if plan.municipality.code != code.as_str() {
                anyhow::bail!(
                    "{}: 計画ファイルの団体コード({})が指定の団体コード({code})と違います",
                    path.display(),
                    plan.municipality.code
                );
            }
            Some((plan, path.display().to_string()))
        }
        None => None,
    };
    let name = match (new.name, &plan) {
        (Some(n), _) if !n.trim().is_empty() => n.trim().to_string(),
        (_, Some((p, _))) => p.municipality.name.clone(),
        _ => return Err(RegistryError::NoName.into()),
    };
    let (storage, shared) = open_storage(config).await?;
    if registry::get(&shared, code).await?.is_some() {
        return Err(RegistryError::DuplicateCode(code).into());
    }
    if let Some(h) = &host
        && registry::list(&shared)
            .await?
            .iter()
            .any(|t| t.host.as_deref() == Some(h))
    {
        return Err(RegistryError::DuplicateHost(h.clone()).into());
    }
    let setup = Setup {
        plan,
        settings: settings(config, &storage),
    };
    create(
        &storage,
        &shared,
        new_record(&storage, code, &name, host),
        Some(setup),
    )
    .await
}

/// Makes a town's storage, sets it up, and registers it last; anything failing removes what was
/// made, so a failed `town add` leaves nothing behind.
async fn create(
    storage: &Storage,
    shared: &Db,
    record: TownRecord,
    setup: Option<Setup>,
) -> anyhow::Result<TownRecord> {
    let db = storage.create_town(record.code).await?;
    let outcome = async {
        if let Some(setup) = setup {
            let state = state_for(storage, shared, &record, &db, setup.settings);
            if let Some((plan, source)) = &setup.plan {
                crate::plan::commands::import(&state.db, plan, source).await?;
            }
            super::seed(&state).await?;
        }
        registry::insert(shared, &record).await?;
        anyhow::Ok(())
    }
    .await;
    if storage.backend() == crate::db::Backend::Sqlite {
        db.close().await;
    }
    if let Err(e) = outcome {
        if let Err(cleanup) = storage.drop_town(&record).await {
            tracing::error!("片付けに失敗しました: {cleanup:#}");
        }
        return Err(e);
    }
    Ok(record)
}

/// Every registered town.
pub async fn list(config: &Config) -> anyhow::Result<Vec<TownRecord>> {
    let (storage, shared) = open_storage(config).await?;
    ensure_first(&storage, &shared, settings(config, &storage)).await?;
    registry::list(&shared).await
}

/// Removes a town and all its data; refuses unless `purge` says so.
pub async fn remove(config: &Config, code: &str, purge: bool) -> anyhow::Result<TownRecord> {
    let code = TownCode::parse(code)?;
    let (storage, shared) = open_storage(config).await?;
    let record = registry::get(&shared, code)
        .await?
        .ok_or_else(|| anyhow::anyhow!("団体コード {code} の自治体は登録されていません"))?;
    if !purge {
        anyhow::bail!(
            "{}({code})を外すと、その計画・実績・職員・オープンデータ・手続き・受付などのデータがすべて消えます。消してよい場合は --purge を付けてください(先に machi backup で控えを取ることをおすすめします)",
            record.name
        );
    }
    registry::delete(&shared, code).await?;
    storage.drop_town(&record).await?;
    Ok(record)
}

pub(crate) async fn open_storage(config: &Config) -> anyhow::Result<(Storage, Db)> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        anyhow::anyhow!(
            "データフォルダ {} を作れません: {e}",
            config.data_dir.display()
        )
    })?;
    let data_dir = std::fs::canonicalize(&config.data_dir)?;
    Storage::open(config.database_url.as_deref(), &data_dir).await
}

fn settings(config: &Config, storage: &Storage) -> Arc<Settings> {
    Arc::new(Settings::from_config(
        config,
        storage.data_dir().to_path_buf(),
    ))
}

fn state_for(
    storage: &Storage,
    shared: &Db,
    record: &TownRecord,
    db: &Db,
    settings: Arc<Settings>,
) -> AppState {
    AppState::new(
        db.clone(),
        Arc::new(TownInfo::from(record)),
        "",
        settings,
        &storage.files_dir(record),
        shared.clone(),
        Arc::new(Caches::for_new_town()),
    )
}

/// The town a command works on: `--town CODE`, or the only town. Its tables are brought up to
/// date; its seeds are not run (the server does that), so a command never loads data of its own.
pub async fn town_state(config: &Config) -> anyhow::Result<AppState> {
    let (storage, shared) = open_storage(config).await?;
    ensure_first(&storage, &shared, settings(config, &storage)).await?;
    let towns = registry::list(&shared).await?;
    let record = match &config.town {
        Some(code) => {
            let code = TownCode::parse(code)?;
            towns.into_iter().find(|t| t.code == code).ok_or_else(|| {
                anyhow::anyhow!(
                    "団体コード {code} の自治体は登録されていません(machi town list で一覧)"
                )
            })?
        }
        None => match towns.len() {
            1 => towns.into_iter().next().expect("one town"),
            _ => anyhow::bail!(
                "自治体が複数あります。--town で団体コードを指定してください({})",
                towns
                    .iter()
                    .map(|t| format!("{} {}", t.code, t.name))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        },
    };
    let db = storage.open_town(&record).await?;
    Ok(state_for(
        &storage,
        &shared,
        &record,
        &db,
        settings(config, &storage),
    ))
}

/// The shared tables (platform accounts).
pub async fn shared_db(config: &Config) -> anyhow::Result<Db> {
    let (storage, shared) = open_storage(config).await?;
    ensure_first(&storage, &shared, settings(config, &storage)).await?;
    Ok(shared)
}
