//! Storage of the catalog: procedures (as JSON), life events and forms (as the TOML documents
//! staff edit). Every write is one transaction with its audit entry; versions stop lost updates.

use super::catalog_file::{CatalogFile, bundled_forms};
use super::form::FormDef;
use super::model::{LifeEvent, Procedure};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use sqlx::Row;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("入力に誤りがあります")]
    Invalid(Vec<(String, String)>),
    #[error(
        "ほかの人が先にこの内容を更新しました。画面を読み込み直してからもう一度保存してください"
    )]
    Stale,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Other(e.into())
    }
}

#[derive(Debug, Clone)]
pub struct StoredProcedure {
    pub id: i64,
    pub procedure: Procedure,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct StoredDoc {
    pub key: String,
    pub body: String,
    pub updated_at: String,
    pub version: i64,
}

fn procedure_of(r: &sqlx::any::AnyRow) -> anyhow::Result<StoredProcedure> {
    let body: String = r.try_get("body")?;
    Ok(StoredProcedure {
        id: r.try_get("id")?,
        procedure: serde_json::from_str(&body)?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

pub async fn procedures(db: &Db) -> anyhow::Result<Vec<StoredProcedure>> {
    let rows = sqlx::query(
        "SELECT id, key, body, created_at, updated_at, version FROM procedures ORDER BY id",
    )
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter().map(procedure_of).collect()
}

pub async fn procedure(db: &Db, key: &str) -> anyhow::Result<Option<StoredProcedure>> {
    let row = sqlx::query(
        "SELECT id, key, body, created_at, updated_at, version FROM procedures WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    row.as_ref().map(procedure_of).transpose()
}

fn invalid(problems: Vec<(&'static str, String)>) -> StoreError {
    StoreError::Invalid(
        problems
            .into_iter()
            .map(|(f, m)| (f.to_string(), m))
            .collect(),
    )
}

/// Creates a procedure (version None) or updates the one with this key at `version`.
pub async fn save_procedure(
    db: &Db,
    p: &Procedure,
    version: Option<i64>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let problems = p.problems();
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let body = serde_json::to_string(p).map_err(anyhow::Error::from)?;
    let now = now_text();
    let mut tx = db.begin().await?;
    let before = match version {
        None => {
            let taken = sqlx::query("SELECT 1 AS x FROM procedures WHERE key = $1")
                .bind(&p.key)
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_some() {
                return Err(invalid(vec![(
                    "key",
                    format!("キー「{}」は既に使われています", p.key),
                )]));
            }
            sqlx::query(
                "INSERT INTO procedures (key, body, created_at, updated_at, version) VALUES ($1, $2, $3, $3, 1)",
            )
            .bind(&p.key)
            .bind(&body)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            None
        }
        Some(v) => {
            let old: Option<String> = sqlx::query("SELECT body FROM procedures WHERE key = $1")
                .bind(&p.key)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("body"))
                .transpose()?;
            let done = sqlx::query(
                "UPDATE procedures SET body = $1, updated_at = $2, version = version + 1 WHERE key = $3 AND version = $4",
            )
            .bind(&body)
            .bind(&now)
            .bind(&p.key)
            .bind(v)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Stale);
            }
            old.and_then(|o| serde_json::from_str(&o).ok())
        }
    };
    audit::record(
        &mut tx,
        actor,
        Change {
            action: if version.is_none() {
                "procedure.create"
            } else {
                "procedure.update"
            },
            entity: "procedure",
            entity_id: &p.key,
            before,
            after: serde_json::from_str(&body).ok(),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn doc_of(r: &sqlx::any::AnyRow) -> anyhow::Result<StoredDoc> {
    Ok(StoredDoc {
        key: r.try_get("key")?,
        body: r.try_get("body")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

pub async fn life_event_docs(db: &Db) -> anyhow::Result<Vec<StoredDoc>> {
    let rows = sqlx::query(
        "SELECT key, body, updated_at, version FROM life_events ORDER BY position, key",
    )
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter().map(doc_of).collect()
}

/// The life events as the guide uses them. A stored document that no longer parses is skipped
/// (and logged) rather than taking the guide down.
pub async fn life_events(db: &Db) -> anyhow::Result<Vec<LifeEvent>> {
    Ok(life_event_docs(db)
        .await?
        .into_iter()
        .filter_map(|d| match toml::from_str::<LifeEvent>(&d.body) {
            Ok(e) => Some(e),
            Err(e) => {
                tracing::error!("life event {} does not parse: {e}", d.key);
                None
            }
        })
        .collect())
}

pub async fn life_event(db: &Db, key: &str) -> anyhow::Result<Option<LifeEvent>> {
    Ok(life_events(db).await?.into_iter().find(|e| e.key == key))
}

/// Saves a life event's document after checking it parses, its rules parse and its procedures
/// exist. The key cannot change.
pub async fn save_life_event(
    db: &Db,
    key: &str,
    text: &str,
    version: i64,
    actor: &Actor,
) -> Result<LifeEvent, StoreError> {
    let event: LifeEvent = toml::from_str(text).map_err(|e| {
        StoreError::Invalid(vec![("body".into(), super::form::toml_error(&e, text))])
    })?;
    let keys: Vec<String> = procedures(db)
        .await?
        .into_iter()
        .map(|p| p.procedure.key)
        .collect();
    let mut problems = event.problems(&|k| keys.iter().any(|x| x == k));
    if event.key != key {
        problems.push(format!("key は「{key}」のままにしてください"));
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(
            problems
                .into_iter()
                .map(|m| ("body".to_string(), m))
                .collect(),
        ));
    }
    save_doc(db, "life_events", "life_event", key, text, version, actor).await?;
    Ok(event)
}

pub async fn form_docs(db: &Db) -> anyhow::Result<Vec<StoredDoc>> {
    let rows = sqlx::query("SELECT key, body, updated_at, version FROM forms ORDER BY key")
        .fetch_all(&mut *db.conn().await?)
        .await?;
    rows.iter().map(doc_of).collect()
}

pub async fn forms(db: &Db) -> anyhow::Result<Vec<FormDef>> {
    Ok(form_docs(db)
        .await?
        .into_iter()
        .filter_map(|d| match FormDef::parse(&d.body) {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::error!("form {} does not parse: {e}", d.key);
                None
            }
        })
        .collect())
}

pub async fn save_form(
    db: &Db,
    key: &str,
    text: &str,
    version: i64,
    actor: &Actor,
) -> Result<FormDef, StoreError> {
    let def = FormDef::parse(text)
        .map_err(|m| StoreError::Invalid(m.lines().map(|l| ("body".into(), l.into())).collect()))?;
    let keys: Vec<String> = procedures(db)
        .await?
        .into_iter()
        .map(|p| p.procedure.key)
        .collect();
    let mut problems = Vec::new();
    for p in &def.procedures {
        if !keys.contains(p) {
            problems.push((
                "body".to_string(),
                format!("手続き「{p}」がカタログにありません"),
            ));
        }
    }
    if def.key != key {
        problems.push((
            "body".into(),
            format!("key は「{key}」のままにしてください"),
        ));
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    save_doc(db, "forms", "form", key, text, version, actor).await?;
    Ok(def)
}

async fn save_doc(
    db: &Db,
    table: &'static str,
    entity: &'static str,
    key: &str,
    text: &str,
    version: i64,
    actor: &Actor,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    // The table name is one of two constants, never input.
    let sql = format!(
        "UPDATE {table} SET body = $1, updated_at = $2, version = version + 1 WHERE key = $3 AND version = $4"
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(text)
        .bind(now_text())
        .bind(key)
        .bind(version)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: &format!("{entity}.update"),
            entity,
            entity_id: key,
            before: None,
            after: Some(serde_json::json!({ "version": version + 1 })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the catalog with a catalog file and forms, in one transaction: procedures are
/// updated by key (keeping when machi first knew them), added, or removed when not in the file;
/// life events and forms become the file's. Another town loads its own catalog this way.
pub async fn replace_catalog(
    db: &Db,
    catalog: &CatalogFile,
    forms: &[FormDef],
    actor: &Actor,
) -> anyhow::Result<()> {
    for f in forms {
        for p in &f.procedures {
            if !catalog.procedures.iter().any(|q| &q.key == p) {
                anyhow::bail!("様式「{}」の手続き「{p}」がカタログにありません", f.key);
            }
        }
    }
    let mut tx = db.begin().await?;
    write_catalog(&mut tx, catalog, forms).await?;
    audit_catalog(&mut tx, actor, "procedures.import", catalog, forms).await?;
    // A town's own catalog is the town's word: its figures count from now.
    write_confirmation(&mut tx, actor, crate::fiscal::today_jst()).await?;
    tx.commit().await?;
    Ok(())
}

const CONFIRMED_KEY: &str = "procedures.catalog_confirmed";

/// When staff confirmed that the catalog is the town's (the bundled one is only a starting
/// point), and who: the online-procedures KPI counts from that 年度 on.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Confirmation {
    pub at: String,
    pub by: String,
    /// The day it counts from (the server's calendar day, "YYYY-MM-DD").
    pub day: String,
}

impl Confirmation {
    pub fn fiscal_year(&self) -> Option<crate::fiscal::FiscalYear> {
        crate::fiscal::parse_date(&self.day)
            .ok()
            .map(crate::fiscal::FiscalYear::of_date)
    }
}

pub async fn confirmation(db: &Db) -> anyhow::Result<Option<Confirmation>> {
    let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(CONFIRMED_KEY)
        .fetch_optional(&mut *db.conn().await?)
        .await?;
    Ok(v.and_then(|v| serde_json::from_str(&v).ok()))
}

async fn write_confirmation(
    tx: &mut sqlx::AnyConnection,
    actor: &Actor,
    day: time::Date,
) -> anyhow::Result<()> {
    let value = serde_json::to_string(&Confirmation {
        at: now_text(),
        by: actor.username.clone(),
        day: day.to_string(),
    })?;
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(CONFIRMED_KEY)
    .bind(&value)
    .execute(&mut *tx)
    .await?;
    audit::record(
        tx,
        actor,
        Change {
            action: "procedures.confirm",
            entity: "procedures",
            entity_id: "",
            before: None,
            after: Some(serde_json::from_str(&value)?),
            note: "手続きカタログの内容を確認",
        },
    )
    .await?;
    Ok(())
}

/// Staff say the catalog is the town's.
pub async fn confirm_catalog(db: &Db, actor: &Actor, day: time::Date) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    write_confirmation(&mut tx, actor, day).await?;
    tx.commit().await?;
    Ok(())
}

async fn write_catalog(
    tx: &mut sqlx::AnyConnection,
    catalog: &CatalogFile,
    forms: &[FormDef],
) -> anyhow::Result<()> {
    let now = now_text();
    let existing: Vec<String> = sqlx::query("SELECT key FROM procedures")
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("key"))
        .collect::<Result<_, _>>()?;
    for k in &existing {
        if !catalog.procedures.iter().any(|p| &p.key == k) {
            sqlx::query("DELETE FROM procedures WHERE key = $1")
                .bind(k)
                .execute(&mut *tx)
                .await?;
        }
    }
    for p in &catalog.procedures {
        let body = serde_json::to_string(p)?;
        if existing.contains(&p.key) {
            sqlx::query(
                "UPDATE procedures SET body = $1, updated_at = $2, version = version + 1 WHERE key = $3",
            )
            .bind(&body)
            .bind(&now)
            .bind(&p.key)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO procedures (key, body, created_at, updated_at, version) VALUES ($1, $2, $3, $3, 1)",
            )
            .bind(&p.key)
            .bind(&body)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query("DELETE FROM life_events")
        .execute(&mut *tx)
        .await?;
    for (i, e) in catalog.life_events.iter().enumerate() {
        sqlx::query(
            "INSERT INTO life_events (key, position, body, updated_at, version) VALUES ($1, $2, $3, $4, 1)",
        )
        .bind(&e.key)
        .bind(i as i64)
        .bind(toml::to_string(e)?)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DELETE FROM forms").execute(&mut *tx).await?;
    for f in forms {
        sqlx::query("INSERT INTO forms (key, body, updated_at, version) VALUES ($1, $2, $3, 1)")
            .bind(&f.key)
            .bind(f.to_toml())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

async fn audit_catalog(
    tx: &mut sqlx::AnyConnection,
    actor: &Actor,
    action: &str,
    catalog: &CatalogFile,
    forms: &[FormDef],
) -> Result<(), sqlx::Error> {
    audit::record(
        tx,
        actor,
        Change {
            action,
            entity: "procedures",
            entity_id: "",
            before: None,
            after: Some(serde_json::json!({
                "procedures": catalog.procedures.len(),
                "life_events": catalog.life_events.len(),
                "forms": forms.len(),
            })),
            note: "",
        },
    )
    .await
}

/// Loads a catalog file and forms into an empty catalog, in one transaction. Returns false
/// (and writes nothing) when the catalog already has procedures.
pub async fn seed(
    db: &Db,
    catalog: &CatalogFile,
    forms: &[FormDef],
    actor: &Actor,
) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let any = sqlx::query("SELECT 1 AS x FROM procedures LIMIT 1")
        .fetch_optional(&mut *tx)
        .await?;
    if any.is_some() {
        return Ok(false);
    }
    write_catalog(&mut tx, catalog, forms).await?;
    audit_catalog(&mut tx, actor, "procedures.seed", catalog, forms).await?;
    tx.commit().await?;
    Ok(true)
}

/// Whether the catalog has any procedure.
pub async fn has_procedures(db: &Db) -> anyhow::Result<bool> {
    Ok(sqlx::query("SELECT 1 AS x FROM procedures LIMIT 1")
        .fetch_optional(&mut *db.conn().await?)
        .await?
        .is_some())
}

/// Loads the bundled catalog (the bundled body's) when the catalog is empty.
pub async fn ensure_catalog(db: &Db) -> anyhow::Result<bool> {
    seed(db, &CatalogFile::bundled(), &bundled_forms(), &Actor::cli()).await
}
