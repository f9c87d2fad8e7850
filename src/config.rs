//! Settings from the command line and the environment (MACHI_*).

use std::path::PathBuf;

/// Days the counter keeps a visit's personal data unless configured otherwise.
pub const DEFAULT_RETENTION_DAYS: i64 = 30;

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "MACHI_HOST", default_value = "127.0.0.1", global = true)]
    pub host: String,
    /// Port to listen on.
    #[arg(long, env = "MACHI_PORT", default_value_t = 8080, global = true)]
    pub port: u16,
    /// Folder for the SQLite database and uploaded files.
    #[arg(long, env = "MACHI_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// sqlite://… or postgres://…; default: SQLite in the data folder.
    #[arg(long, env = "MACHI_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Always mark cookies Secure (set when machi is served over HTTPS without a proxy that
    /// sends X-Forwarded-Proto).
    #[arg(long, env = "MACHI_SECURE_COOKIES", global = true)]
    pub secure_cookies: bool,
    /// Days the 書かない窓口 keeps a visit's personal data (names, answers, form entries); the
    /// anonymous timings stay.
    #[arg(long, env = "MACHI_COUNTER_RETENTION_DAYS", default_value_t = DEFAULT_RETENTION_DAYS, value_parser = clap::value_parser!(i64).range(1..=3650), global = true)]
    pub counter_retention_days: i64,
}

impl Config {
    /// The database URL to use, creating the data folder for the default SQLite file.
    pub fn database_url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "データフォルダ {} を作れません: {e}",
                self.data_dir.display()
            )
        })?;
        let dir = std::fs::canonicalize(&self.data_dir)?;
        Ok(crate::db::sqlite_url_for_dir(&dir))
    }
}
