//! The database: SQLite (default, one file per town in the data folder, WAL) or PostgreSQL (one
//! schema per town in one database), chosen by the URL. Queries go through sqlx's `Any` driver with
//! `$1` placeholders, which both backends accept; the DDL differs only where the two disagree
//! (identity columns), so each backend has its own migration folder with the same versions
//! (checked by a test).
//!
//! A `Db` is one town's storage (or the shared one). Its pool is private: every borrow goes through
//! [`Db::conn`] or [`Db::begin`], which on PostgreSQL pin the town's schema first, so module code
//! writes plain table names and can never reach another town's tables by forgetting a step.

use anyhow::Context as _;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Any, AnyPool, ConnectOptions};
use std::str::FromStr;
use std::sync::{Arc, Once};
use std::time::Duration;

/// A town's tables.
pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");
/// The shared tables: the town registry and platform accounts.
pub static SHARED_SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/shared/sqlite");
pub static SHARED_POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/shared/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!(
                "データベースURLは sqlite: か postgres:// で始めてください(指定: {})",
                redact(url)
            )
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    /// The migrations of a town's tables.
    pub fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// The migrations of the shared tables.
    pub fn shared_migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SHARED_SQLITE_MIGRATIONS,
            Backend::Postgres => &SHARED_POSTGRES_MIGRATIONS,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    pub backend: Backend,
    /// The PostgreSQL schema this storage lives in (pinned on every borrow); `None` on SQLite,
    /// where a town is a file.
    schema: Option<Arc<str>>,
}

/// A transaction on either backend, for functions that write inside their caller's.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

impl Db {
    /// A connection with this storage's schema pinned. On PostgreSQL the setting lasts for the
    /// borrow (every borrow sets it again, so a pooled connection last used by another town is
    /// safe); on SQLite there is nothing to pin.
    pub async fn conn(&self) -> Result<PoolConnection<Any>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        if let Some(schema) = &self.schema {
            sqlx::query("SELECT set_config('search_path', $1, false)")
                .bind(schema.as_ref())
                .execute(&mut *conn)
                .await?;
        }
        Ok(conn)
    }

    /// A transaction that writes. SQLite takes the write lock at the start (`BEGIN IMMEDIATE`),
    /// so concurrent writers wait for each other (busy timeout) instead of one failing with
    /// "database is locked" when its read turns into a write. PostgreSQL pins the schema for the
    /// transaction only (`set_config(…, true)`), which also holds behind a transaction pooler.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match (&self.backend, &self.schema) {
            (Backend::Sqlite, _) => self.pool.begin_with("BEGIN IMMEDIATE").await,
            (Backend::Postgres, schema) => {
                let mut tx = self.pool.begin().await?;
                if let Some(schema) = schema {
                    sqlx::query("SELECT set_config('search_path', $1, true)")
                        .bind(schema.as_ref())
                        .execute(&mut *tx)
                        .await?;
                }
                Ok(tx)
            }
        }
    }

    /// The PostgreSQL schema, if any.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The same PostgreSQL pool seen through another schema (another town).
    pub fn with_schema(&self, schema: &str) -> Db {
        Db {
            pool: self.pool.clone(),
            backend: self.backend,
            schema: Some(schema.into()),
        }
    }

    /// Brings a town's tables up to date.
    pub async fn migrate_town(&self) -> anyhow::Result<()> {
        self.migrate(self.backend.migrator()).await
    }

    /// Brings the shared tables up to date.
    pub async fn migrate_shared(&self) -> anyhow::Result<()> {
        self.migrate(self.backend.shared_migrator()).await
    }

    fn migrate<'a>(
        &'a self,
        migrator: &'static Migrator,
    ) -> std::pin::Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
        // `run_direct` on the pinned connection: `run` is generic over `Acquire<'a>`, which
        // trips "not general enough" (rust-lang/rust#102211) in spawned tasks.
        Box::pin(async move {
            let mut conn = self.conn().await?;
            match migrator.run_direct(None, &mut *conn, false).await {
                Ok(()) => Ok(()),
                Err(e) => {
                    // A failed run can leave the migrator's lock (a PostgreSQL advisory lock,
                    // held by the session) taken: end this connection instead of pooling it.
                    let _ = sqlx::Connection::close(conn.detach()).await;
                    Err(anyhow::Error::new(e)
                        .context("データベースの移行(マイグレーション)に失敗しました"))
                }
            }
        })
    }

    /// Closes the pool (a SQLite town's file; on PostgreSQL the pool shared by every town).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

fn install_drivers() {
    static DRIVERS: Once = Once::new();
    DRIVERS.call_once(sqlx::any::install_default_drivers);
}

/// How many connections one SQLite file keeps at most. Many towns each have a file, so each pool
/// is small and closes idle connections.
const SQLITE_POOL: u32 = 6;
const POSTGRES_POOL: u32 = 16;

/// Opens (creating if needed) a SQLite file without migrating it.
pub async fn open_sqlite(url: &str) -> anyhow::Result<Db> {
    install_drivers();
    // WAL is a property of the file: set it once with the native driver, then every connection
    // of the pool uses it.
    let opts = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("SQLiteのURLが読めません: {}", redact(url)))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    let conn = opts
        .connect()
        .await
        .with_context(|| format!("SQLiteデータベースを開けません: {}", redact(url)))?;
    sqlx::Connection::close(conn).await?;
    let pool = AnyPoolOptions::new()
        .max_connections(SQLITE_POOL)
        .min_connections(0)
        .idle_timeout(Some(Duration::from_secs(120)))
        .connect(url)
        .await
        .with_context(|| format!("SQLiteデータベースを開けません: {}", redact(url)))?;
    Ok(Db {
        pool,
        backend: Backend::Sqlite,
        schema: None,
    })
}

/// Connects to PostgreSQL; the returned storage is pinned to `schema`.
pub async fn open_postgres(url: &str, schema: &str) -> anyhow::Result<Db> {
    install_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(POSTGRES_POOL)
        .connect(url)
        .await
        .with_context(|| format!("PostgreSQLに接続できません: {}", redact(url)))?;
    Ok(Db {
        pool,
        backend: Backend::Postgres,
        schema: Some(schema.into()),
    })
}

/// Opens one database by URL as a single town's storage and brings its tables up to date (used
/// by backups and tests that look at one file). On PostgreSQL the schema is the connection's own
/// (`current_schema()`).
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    let db = match Backend::of_url(url)? {
        Backend::Sqlite => open_sqlite(url).await?,
        Backend::Postgres => {
            let db = open_postgres(url, "public").await?;
            let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
                .fetch_one(&db.pool)
                .await?;
            db.with_schema(&schema)
        }
    };
    db.migrate_town().await?;
    Ok(db)
}

/// The SQLite URL of the town database in a folder.
pub fn sqlite_url_for_dir(dir: &std::path::Path) -> String {
    sqlite_url(&dir.join("machi.db"))
}

/// The SQLite URL of a file.
pub fn sqlite_url(file: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}

/// Current time as ISO 8601 in UTC, the only timestamp format stored.
pub fn now_text() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formatting the current time")
}
