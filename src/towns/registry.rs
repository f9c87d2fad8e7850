//! The town registry: the shared table of the towns this installation serves.

use super::code::TownCode;
use crate::db::{Db, now_text};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TownRecord {
    pub code: TownCode,
    pub name: String,
    /// The host name the town's pages answer on (`kami.example.jp`), if it has its own.
    pub host: Option<String>,
    /// Where its tables are: a folder below the data folder (SQLite) or a schema (PostgreSQL).
    pub storage: String,
    pub created_at: String,
    /// When its migrations last ran through ('' before the first time).
    pub migrated_at: String,
    /// Why the town could not be opened the last time it was tried ('' when it could).
    pub last_error: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("団体コード {0} の自治体はすでに登録されています")]
    DuplicateCode(TownCode),
    #[error("ホスト名「{0}」はすでに別の自治体が使っています")]
    DuplicateHost(String),
    #[error(
        "ホスト名「{0}」は使えません(半角英小文字・数字・ハイフンとドットで書いてください。例: kami.example.jp)"
    )]
    BadHost(String),
    #[error("自治体名を入れてください")]
    NoName,
    #[error(transparent)]
    Db(#[from] anyhow::Error),
}

impl From<sqlx::Error> for RegistryError {
    fn from(e: sqlx::Error) -> Self {
        RegistryError::Db(e.into())
    }
}

/// A host name as a request's Host header gives it, without the port, lower case.
pub fn normalize_host(host: &str) -> String {
    let host = host.trim().trim_end_matches('.');
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) && !h.contains(':') => h,
        _ => host,
    };
    host.to_ascii_lowercase()
}

/// Checks a host name given for a town.
pub fn parse_host(text: &str) -> Result<String, RegistryError> {
    let host = normalize_host(text);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if host.is_empty() || host.len() > 253 || !host.split('.').all(label_ok) {
        return Err(RegistryError::BadHost(text.to_string()));
    }
    Ok(host)
}

fn row_to_record(r: &sqlx::any::AnyRow) -> anyhow::Result<TownRecord> {
    let code: String = r.try_get("code")?;
    let host: Option<String> = r.try_get("host")?;
    Ok(TownRecord {
        code: TownCode::parse(&code)?,
        name: r.try_get("name")?,
        host: host.filter(|h| !h.is_empty()),
        storage: r.try_get("storage")?,
        created_at: r.try_get("created_at")?,
        migrated_at: r.try_get("migrated_at")?,
        last_error: r.try_get("last_error")?,
    })
}

const SELECT: &str =
    "SELECT code, name, host, storage, created_at, migrated_at, last_error FROM towns";

pub async fn list(shared: &Db) -> anyhow::Result<Vec<TownRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY code")))
        .fetch_all(&mut *shared.conn().await?)
        .await?;
    rows.iter().map(row_to_record).collect()
}

pub async fn get(shared: &Db, code: TownCode) -> anyhow::Result<Option<TownRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE code = $1")))
        .bind(code.as_str())
        .fetch_optional(&mut *shared.conn().await?)
        .await?;
    row.as_ref().map(row_to_record).transpose()
}

/// Registers a town; refuses a code or host already taken, writing nothing.
pub async fn insert(shared: &Db, record: &TownRecord) -> Result<(), RegistryError> {
    if record.name.trim().is_empty() {
        return Err(RegistryError::NoName);
    }
    let mut tx = shared.begin().await?;
    let taken: Option<String> = sqlx::query_scalar("SELECT code FROM towns WHERE code = $1")
        .bind(record.code.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(RegistryError::DuplicateCode(record.code));
    }
    if let Some(host) = &record.host {
        let other: Option<String> = sqlx::query_scalar("SELECT code FROM towns WHERE host = $1")
            .bind(host)
            .fetch_optional(&mut *tx)
            .await?;
        if other.is_some() {
            return Err(RegistryError::DuplicateHost(host.clone()));
        }
    }
    sqlx::query(
        "INSERT INTO towns (code, name, host, storage, created_at, migrated_at, last_error)
         VALUES ($1, $2, $3, $4, $5, '', '')",
    )
    .bind(record.code.as_str())
    .bind(record.name.trim())
    .bind(record.host.as_deref())
    .bind(&record.storage)
    .bind(&record.created_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(shared: &Db, code: TownCode) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM towns WHERE code = $1")
        .bind(code.as_str())
        .execute(&mut *shared.conn().await?)
        .await?;
    Ok(())
}

/// Notes the outcome of opening a town (its migrations): ok, or why not.
pub async fn set_outcome(shared: &Db, code: TownCode, error: Option<&str>) -> anyhow::Result<()> {
    match error {
        None => {
            sqlx::query("UPDATE towns SET migrated_at = $1, last_error = '' WHERE code = $2")
                .bind(now_text())
                .bind(code.as_str())
                .execute(&mut *shared.conn().await?)
                .await?;
        }
        Some(e) => {
            sqlx::query("UPDATE towns SET last_error = $1 WHERE code = $2")
                .bind(e)
                .bind(code.as_str())
                .execute(&mut *shared.conn().await?)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_compared_without_port_and_case() {
        assert_eq!(normalize_host("Kami.Example.JP:8080"), "kami.example.jp");
        assert_eq!(normalize_host("kami.example.jp."), "kami.example.jp");
        assert_eq!(parse_host("kami.example.jp").unwrap(), "kami.example.jp");
        for bad in ["", "-kami.jp", "kami..jp", "kami_town.jp", "香美.jp", "a b"] {
            assert!(parse_host(bad).is_err(), "{bad}");
        }
    }
}
