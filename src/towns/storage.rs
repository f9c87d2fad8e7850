//! Where towns keep their tables: one SQLite file per town under the data folder, or one
//! PostgreSQL schema per town (`t_285854`) in one database beside a shared schema (`machi`).
//! The layout is the one Citus 12's schema-based sharding distributes without code changes:
//! no foreign keys across schemas, each town's tables in its own schema, shared data in one
//! schema of its own (docs/operations.md).

use super::code::TownCode;
use super::registry::TownRecord;
use crate::db::{self, Backend, Db};
use anyhow::Context as _;
use std::path::{Path, PathBuf};

/// The PostgreSQL schema of the shared tables.
pub const SHARED_SCHEMA: &str = "machi";
/// The SQLite file of the shared tables, in the data folder.
pub const SHARED_FILE: &str = "platform.db";
/// A town's database file in its folder (also the name of the single database of machi before
/// it served many towns).
pub const TOWN_FILE: &str = "machi.db";

pub enum Storage {
    Sqlite { data_dir: PathBuf },
    Postgres { data_dir: PathBuf, shared: Db },
}

impl Storage {
    /// Opens the storage a configuration names and brings the shared tables up to date.
    pub async fn open(
        database_url: Option<&str>,
        data_dir: &Path,
    ) -> anyhow::Result<(Storage, Db)> {
        let backend = match database_url {
            Some(url) => Backend::of_url(url)?,
            None => Backend::Sqlite,
        };
        match (backend, database_url) {
            (Backend::Postgres, Some(url)) => {
                let pool = db::open_postgres(url, SHARED_SCHEMA).await?;
                create_schema(&pool, SHARED_SCHEMA).await?;
                pool.migrate_shared().await?;
                Ok((
                    Storage::Postgres {
                        data_dir: data_dir.to_path_buf(),
                        shared: pool.clone(),
                    },
                    pool,
                ))
            }
            (Backend::Sqlite, Some(url)) => anyhow::bail!(
                "SQLite ではデータベースURLではなくデータフォルダ(--data-dir)を指定してください。自治体ごとにファイルを分けて置きます(指定: {})",
                db::redact(url)
            ),
            _ => {
                let shared = db::open_sqlite(&db::sqlite_url(&data_dir.join(SHARED_FILE))).await?;
                shared.migrate_shared().await?;
                Ok((
                    Storage::Sqlite {
                        data_dir: data_dir.to_path_buf(),
                    },
                    shared,
                ))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Storage::Sqlite { .. } => Backend::Sqlite,
            Storage::Postgres { .. } => Backend::Postgres,
        }
    }

    pub fn data_dir(&self) -> &Path {
        match self {
            Storage::Sqlite { data_dir } | Storage::Postgres { data_dir, .. } => data_dir,
        }
    }

    /// Where a new town's tables go.
    pub fn storage_name(&self, code: TownCode) -> String {
        match self {
            Storage::Sqlite { .. } => format!("towns/{code}"),
            Storage::Postgres { .. } => code.schema(),
        }
    }

    /// The town's folder for uploaded files (the data folder itself for the town of an install
    /// from before machi served many towns).
    pub fn files_dir(&self, record: &TownRecord) -> PathBuf {
        if record.storage == self.storage_name(record.code) {
            self.data_dir().join("towns").join(record.code.as_str())
        } else if let Storage::Sqlite { data_dir } = self {
            data_dir.join(&record.storage)
        } else {
            self.data_dir().to_path_buf()
        }
    }

    /// A single database from before machi served many towns, to adopt as a town: the data
    /// folder's `machi.db`, or a schema of the database that holds machi's tables.
    pub async fn legacy_town(&self) -> anyhow::Result<Option<(String, Db)>> {
        match self {
            Storage::Sqlite { data_dir } => {
                let file = data_dir.join(TOWN_FILE);
                if !file.exists() {
                    return Ok(None);
                }
                let db = db::open_sqlite(&db::sqlite_url(&file)).await?;
                Ok(Some((".".to_string(), db)))
            }
            Storage::Postgres { shared, .. } => {
                let schemas: Vec<String> = sqlx::query_scalar(
                    "SELECT table_schema::text FROM information_schema.tables
                     WHERE table_name = 'plan_revisions' AND table_schema::text <> $1
                       AND table_schema::text NOT LIKE 't\\_%'
                     ORDER BY 1",
                )
                .bind(SHARED_SCHEMA)
                .fetch_all(&mut *shared.conn().await?)
                .await?;
                Ok(match schemas.as_slice() {
                    [one] => Some((one.clone(), shared.with_schema(one))),
                    _ => None,
                })
            }
        }
    }

    /// Makes the storage of a new town (refusing when something is already there) and migrates
    /// it. The caller removes it with [`Storage::drop_town`] if registering fails.
    pub async fn create_town(&self, code: TownCode) -> anyhow::Result<Db> {
        let name = self.storage_name(code);
        match self {
            Storage::Sqlite { data_dir } => {
                let dir = data_dir.join(&name);
                if dir.join(TOWN_FILE).exists() {
                    anyhow::bail!(
                        "{} にすでにデータがあります。以前の自治体のデータなら移すか消してから登録してください",
                        dir.display()
                    );
                }
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("フォルダ {} を作れません", dir.display()))?;
                let db = db::open_sqlite(&db::sqlite_url_for_dir(&dir)).await?;
                db.migrate_town().await?;
                Ok(db)
            }
            Storage::Postgres { shared, .. } => {
                let exists: Option<String> =
                    sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname = $1")
                        .bind(&name)
                        .fetch_optional(&mut *shared.conn().await?)
                        .await?;
                if exists.is_some() {
                    anyhow::bail!(
                        "スキーマ {name} がすでにあります。以前の自治体のデータなら移すか消してから登録してください"
                    );
                }
                create_schema(shared, &name).await?;
                let db = shared.with_schema(&name);
                db.migrate_town().await?;
                Ok(db)
            }
        }
    }

    /// Opens a registered town's tables and brings them up to date.
    pub async fn open_town(&self, record: &TownRecord) -> anyhow::Result<Db> {
        let db = match self {
            Storage::Sqlite { data_dir } => {
                let dir = data_dir.join(&record.storage);
                let file = dir.join(TOWN_FILE);
                if !file.exists() {
                    anyhow::bail!("データベース {} がありません", file.display());
                }
                db::open_sqlite(&db::sqlite_url(&file)).await?
            }
            Storage::Postgres { shared, .. } => {
                check_schema_name(&record.storage)?;
                shared.with_schema(&record.storage)
            }
        };
        db.migrate_town().await?;
        Ok(db)
    }

    /// Deletes a town's tables and files for good.
    pub async fn drop_town(&self, record: &TownRecord) -> anyhow::Result<()> {
        match self {
            Storage::Sqlite { data_dir } => {
                if record.storage == "." {
                    for f in [TOWN_FILE, "machi.db-wal", "machi.db-shm"] {
                        let _ = std::fs::remove_file(data_dir.join(f));
                    }
                    let _ = std::fs::remove_dir_all(data_dir.join("opendata"));
                } else {
                    let dir = data_dir.join(&record.storage);
                    if dir.exists() {
                        std::fs::remove_dir_all(&dir)
                            .with_context(|| format!("{} を消せません", dir.display()))?;
                    }
                }
            }
            Storage::Postgres { shared, .. } => {
                check_schema_name(&record.storage)?;
                // The name was checked against the pattern and comes from the registry.
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                    record.storage
                )))
                .execute(&mut *shared.conn().await?)
                .await?;
                let files = self.files_dir(record);
                if files != self.data_dir() && files.exists() {
                    std::fs::remove_dir_all(&files)
                        .with_context(|| format!("{} を消せません", files.display()))?;
                }
            }
        }
        Ok(())
    }
}

/// Schema names machi writes into SQL: lower-case letters, digits and underscores only.
fn check_schema_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        anyhow::bail!("スキーマ名「{name}」は使えません")
    }
}

/// `CREATE SCHEMA` on its own (Citus distributes a schema only when it is created alone).
async fn create_schema(db: &Db, name: &str) -> anyhow::Result<()> {
    check_schema_name(name)?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE SCHEMA IF NOT EXISTS \"{name}\""
    )))
    .execute(&mut *db.conn().await?)
    .await
    .with_context(|| format!("スキーマ {name} を作れません"))?;
    Ok(())
}
