//! The registers a town keeps: each one's TOML file, stored per town, read and checked on every
//! use (a file that no longer reads is named, never half-used). Saving a file is audited.

use super::definition::{DefinitionError, RegisterDef};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use sqlx::Row as _;

/// A register file as stored.
#[derive(Debug, Clone)]
pub struct StoredDef {
    pub def: RegisterDef,
    pub source: String,
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error(transparent)]
    Invalid(#[from] DefinitionError),
    #[error(
        "この台帳の定義は、開いている間にほかの人が変更しました。開き直してから登録してください"
    )]
    Stale,
    #[error(
        "台帳「{0}」はすでにあります。定義を変えるときは、その台帳の「定義」から登録してください"
    )]
    Exists(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Every register of the town, by title. A stored file that no longer reads (written by an
/// older machi) is left out and logged; `load` names its fault.
pub async fn all(db: &Db) -> anyhow::Result<Vec<StoredDef>> {
    let rows = sqlx::query(
        "SELECT register_key, source, version, updated_at, updated_by FROM register_definitions
         ORDER BY register_key",
    )
    .fetch_all(&mut *db.conn().await?)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let key: String = r.try_get("register_key")?;
        match stored(&r) {
            Ok(d) => out.push(d),
            Err(e) => tracing::warn!(register = %key, "register file does not read: {e}"),
        }
    }
    out.sort_by(|a, b| a.def.title.cmp(&b.def.title));
    Ok(out)
}

fn stored(r: &sqlx::any::AnyRow) -> anyhow::Result<StoredDef> {
    let source: String = r.try_get("source")?;
    Ok(StoredDef {
        def: RegisterDef::parse(&source)?,
        source,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
        updated_by: r.try_get("updated_by")?,
    })
}

/// One register by key.
pub async fn load(db: &Db, key: &str) -> anyhow::Result<Option<StoredDef>> {
    let row = sqlx::query(
        "SELECT register_key, source, version, updated_at, updated_by FROM register_definitions
         WHERE register_key = $1",
    )
    .bind(key)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    row.map(|r| stored(&r)).transpose()
}

/// Saves a register file. `version` is the version the person opened (None: a new register,
/// refused if its key is taken).
pub async fn save(
    db: &Db,
    source: &str,
    version: Option<i64>,
    actor: &Actor,
) -> Result<RegisterDef, SaveError> {
    let def = RegisterDef::parse(source)?;
    let mut tx = db.begin().await?;
    let before: Option<String> =
        sqlx::query("SELECT source FROM register_definitions WHERE register_key = $1")
            .bind(&def.key)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("source"))
            .transpose()?;
    let now = now_text();
    match (version, &before) {
        (None, Some(_)) => return Err(SaveError::Exists(def.key.clone())),
        (None, None) => {
            sqlx::query(
                "INSERT INTO register_definitions (register_key, source, version, updated_at, updated_by)
                 VALUES ($1, $2, 1, $3, $4)",
            )
            .bind(&def.key)
            .bind(source)
            .bind(&now)
            .bind(&actor.username)
            .execute(&mut *tx)
            .await?;
        }
        (Some(_), None) => return Err(SaveError::Stale),
        (Some(v), Some(_)) => {
            let n = sqlx::query(
                "UPDATE register_definitions SET source = $1, version = version + 1,
                 updated_at = $2, updated_by = $3 WHERE register_key = $4 AND version = $5",
            )
            .bind(source)
            .bind(&now)
            .bind(&actor.username)
            .bind(&def.key)
            .bind(v)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(SaveError::Stale);
            }
        }
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "register.define",
            entity: "register_definition",
            entity_id: &def.key,
            before: before.map(serde_json::Value::String),
            after: Some(serde_json::Value::String(source.to_string())),
            note: &def.title,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(def)
}

/// Puts the bundled registers into a town that has none (a town that removed or changed them
/// keeps its own). Returns how many were added.
pub async fn seed_bundled(db: &Db) -> anyhow::Result<usize> {
    let have: i64 = sqlx::query("SELECT COUNT(*) AS n FROM register_definitions")
        .fetch_one(&mut *db.conn().await?)
        .await?
        .try_get("n")?;
    if have > 0 {
        return Ok(0);
    }
    for (_, text) in super::BUNDLED {
        save(db, text, None, &Actor::cli()).await?;
    }
    Ok(super::BUNDLED.len())
}
