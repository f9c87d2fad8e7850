//! The database: SQLite (default, one file in the data folder, WAL) or PostgreSQL, chosen by the
//! URL. Queries go through sqlx's `Any` driver with `$1` placeholders, which both backends accept;
//! the DDL differs only where the two disagree (identity columns), so each backend has its own
//! migration folder with the same versions (checked by a test).

use anyhow::Context as _;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AnyPool, ConnectOptions};
use std::str::FromStr;
use std::sync::Once;

pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

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

    pub fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// A transaction that writes. SQLite takes the write lock at the start (`BEGIN IMMEDIATE`),
    /// so concurrent writers wait for each other (busy timeout) instead of one failing with
    /// "database is locked" when its read turns into a write.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
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

/// Opens the database, creating a SQLite file if needed, and brings the schema up to date.
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    static DRIVERS: Once = Once::new();
    DRIVERS.call_once(sqlx::any::install_default_drivers);

    let backend = Backend::of_url(url)?;
    let max = match backend {
        Backend::Sqlite => {
            // WAL is a property of the file: set it once with the native driver, then every
            // connection of the pool uses it.
            let opts = SqliteConnectOptions::from_str(url)
                .with_context(|| format!("SQLiteのURLが読めません: {}", redact(url)))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal);
            let conn = opts
                .connect()
                .await
                .with_context(|| format!("SQLiteデータベースを開けません: {}", redact(url)))?;
            sqlx::Connection::close(conn).await?;
            8
        }
        Backend::Postgres => 16,
    };
    let pool = AnyPoolOptions::new()
        .max_connections(max)
        .connect(url)
        .await
        .with_context(|| format!("{}に接続できません: {}", backend.name(), redact(url)))?;
    backend
        .migrator()
        .run(&pool)
        .await
        .context("データベースの移行(マイグレーション)に失敗しました")?;
    Ok(Db { pool, backend })
}

/// The SQLite URL for a data folder.
pub fn sqlite_url_for_dir(dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("machi.db").display())
}

/// Current time as ISO 8601 in UTC, the only timestamp format stored.
pub fn now_text() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formatting the current time")
}
