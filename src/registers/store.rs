//! Register rows in a town's storage: added, changed with optimistic locking and imported from
//! CSV all at once, each change audited in the same transaction.

use super::aggregate::Row;
use super::definition::RegisterDef;
use super::value::FieldValue;
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use serde_json::{Map, Value};
use sqlx::Row as _;
use std::collections::BTreeMap;

/// A stored row: its cells as typed, and the version a change must name.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub version: i64,
    pub cells: Row,
    /// Who entered the row (the applicant, for a register of applications).
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

impl Stored {
    /// A cell as written back ("" when blank).
    pub fn text(&self, field: &str) -> String {
        self.cells
            .get(field)
            .map(FieldValue::text)
            .unwrap_or_default()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// What was typed, field by field (or line by line for an import).
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error("この行は、開いている間にほかの人が変更しました。開き直してから直してください")]
    Stale,
    #[error("その行はありません")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn to_json(cells: &[(String, Option<FieldValue>)]) -> Value {
    Value::Object(
        cells
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), Value::String(v.text()))))
            .collect::<Map<_, _>>(),
    )
}

/// Reads stored cells by the register's fields (a field since removed from the file is left out;
/// a value that no longer reads, e.g. a choice since renamed, is kept as text).
fn from_json(def: &RegisterDef, text: &str) -> Row {
    let map: BTreeMap<String, String> = serde_json::from_str(text).unwrap_or_default();
    map.into_iter()
        .filter_map(|(k, v)| {
            let f = def.field(&k)?;
            let value = FieldValue::read(f, &v)
                .ok()
                .flatten()
                .unwrap_or(FieldValue::Text(v));
            Some((k, value))
        })
        .collect()
}

/// Every row of a register, oldest first.
pub async fn rows(db: &Db, def: &RegisterDef) -> Result<Vec<Stored>, StoreError> {
    let found = sqlx::query(
        "SELECT id, version, cells, created_by, updated_at, updated_by FROM register_rows
         WHERE register_key = $1 ORDER BY id",
    )
    .bind(&def.key)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    found.iter().map(|r| stored(def, r)).collect()
}

fn stored(def: &RegisterDef, r: &sqlx::any::AnyRow) -> Result<Stored, StoreError> {
    Ok(Stored {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        cells: from_json(def, &r.try_get::<String, _>("cells")?),
        created_by: r.try_get("created_by")?,
        updated_at: r.try_get("updated_at")?,
        updated_by: r.try_get("updated_by")?,
    })
}

/// One row of a register.
pub async fn row(db: &Db, def: &RegisterDef, id: i64) -> Result<Stored, StoreError> {
    let found = sqlx::query(
        "SELECT id, version, cells, created_by, updated_at, updated_by FROM register_rows
         WHERE register_key = $1 AND id = $2",
    )
    .bind(&def.key)
    .bind(id)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    stored(def, &found.ok_or(StoreError::NotFound)?)
}

/// Deletes a row (entered by mistake), if nobody changed it since `version` was read.
pub async fn delete(
    db: &Db,
    def: &RegisterDef,
    id: i64,
    version: i64,
    actor: &Actor,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let before: String = sqlx::query(
        "SELECT cells FROM register_rows WHERE id = $1 AND register_key = $2 AND version = $3",
    )
    .bind(id)
    .bind(&def.key)
    .bind(version)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::Stale)?
    .try_get("cells")?;
    sqlx::query("DELETE FROM register_rows WHERE id = $1 AND register_key = $2")
        .bind(id)
        .bind(&def.key)
        .execute(&mut *tx)
        .await?;
    let files = super::files::delete_with_row(&mut tx, def, id).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "register.delete",
            entity: "register",
            entity_id: &format!("{}/{id}", def.key),
            before: serde_json::from_str(&before).ok(),
            after: None,
            note: &if files > 0 {
                format!("添付ファイル{files}件も削除")
            } else {
                String::new()
            },
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn insert(
    tx: &mut sqlx::AnyConnection,
    def: &RegisterDef,
    cells: &[(String, Option<FieldValue>)],
    actor: &Actor,
    action: &str,
) -> Result<i64, sqlx::Error> {
    let now = now_text();
    let json = to_json(cells);
    let id: i64 = sqlx::query(
        "INSERT INTO register_rows (register_key, cells, version, created_at, created_by, updated_at, updated_by)
         VALUES ($1, $2, 1, $3, $4, $3, $4) RETURNING id",
    )
    .bind(&def.key)
    .bind(json.to_string())
    .bind(&now)
    .bind(&actor.username)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        tx,
        actor,
        Change {
            action,
            entity: "register",
            entity_id: &format!("{}/{id}", def.key),
            before: None,
            after: Some(json),
            note: "",
        },
    )
    .await?;
    Ok(id)
}

/// Adds a row typed by a person (field → text).
pub async fn add(
    db: &Db,
    def: &RegisterDef,
    input: &BTreeMap<String, String>,
    actor: &Actor,
) -> Result<i64, StoreError> {
    let cells = def.read_row(input).map_err(StoreError::Invalid)?;
    let mut tx = db.begin().await?;
    let id = insert(&mut tx, def, &cells, actor, "register.add").await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a row, if nobody changed it since `version` was read.
pub async fn update(
    db: &Db,
    def: &RegisterDef,
    id: i64,
    version: i64,
    input: &BTreeMap<String, String>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let cells = def.read_row(input).map_err(StoreError::Invalid)?;
    let json = to_json(&cells);
    let mut tx = db.begin().await?;
    let before: Option<String> =
        sqlx::query("SELECT cells FROM register_rows WHERE id = $1 AND register_key = $2")
            .bind(id)
            .bind(&def.key)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("cells"))
            .transpose()?;
    let Some(before) = before else {
        return Err(StoreError::NotFound);
    };
    let changed = sqlx::query(
        "UPDATE register_rows SET cells = $1, version = version + 1, updated_at = $2, updated_by = $3
         WHERE id = $4 AND register_key = $5 AND version = $6",
    )
    .bind(json.to_string())
    .bind(now_text())
    .bind(&actor.username)
    .bind(id)
    .bind(&def.key)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "register.update",
            entity: "register",
            entity_id: &format!("{}/{id}", def.key),
            before: serde_json::from_str(&before).ok(),
            after: Some(json),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Imports a CSV (UTF-8, with or without BOM, or Shift_JIS) whose header names the fields by
/// label or key: every line is read first, and if any has an error nothing is added. `may_own`
/// says whether the importer may enter a row owned by a 課 (the owner field's value); a line for
/// another 課 is an error.
pub async fn import_csv(
    db: &Db,
    def: &RegisterDef,
    bytes: &[u8],
    may_own: &(dyn Fn(&str) -> bool + Sync),
    actor: &Actor,
) -> Result<usize, StoreError> {
    let (text, _) = crate::textfile::decode_text(bytes)
        .map_err(|e| StoreError::Invalid(vec![e.to_string()]))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|_| StoreError::Invalid(vec!["1行目(見出し)を読めません".into()]))?
        .clone();
    let mut columns: Vec<(usize, String)> = Vec::new();
    let mut errors = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim();
        let field = def
            .fields
            .iter()
            .find(|f| f.label == h || f.key == h || f.aliases.iter().any(|a| a == h));
        match field {
            Some(f) if columns.iter().any(|(_, k)| *k == f.key) => errors.push(format!(
                "1行目: 見出し「{h}」も「{}」の列です(同じ項目の列は1つにしてください)",
                f.label
            )),
            Some(f) => columns.push((i, f.key.clone())),
            None if h.is_empty() || def.ignore_columns.iter().any(|c| c == h) => {}
            None => errors.push(format!(
                "1行目: 見出し「{h}」は台帳「{}」の項目にありません(読まない列なら、台帳の定義の ignore_columns に書きます)",
                def.title
            )),
        }
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let Ok(record) = record else {
            errors.push(format!("{line}行目を読めません"));
            continue;
        };
        let mut input: BTreeMap<String, String> = columns
            .iter()
            .map(|(i, k)| (k.clone(), record.get(*i).unwrap_or("").to_string()))
            .collect();
        if input.values().all(|v| v.trim().is_empty()) {
            continue;
        }
        for f in &def.fields {
            if let Some(d) = &f.default {
                let cell = input.entry(f.key.clone()).or_default();
                if cell.trim().is_empty() {
                    *cell = d.clone();
                }
            }
        }
        match def.read_row(&input) {
            Ok(cells) => {
                if let Some(owner) = &def.owner_field {
                    let value = input.get(owner).map_or("", |v| v.trim());
                    if !may_own(value) {
                        let label = def.field(owner).map_or(owner.as_str(), |f| &f.label);
                        errors.push(format!(
                            "{line}行目: 「{label}」: 「{value}」の行は記入できません(自分の課の行だけ記入できます)"
                        ));
                        continue;
                    }
                }
                rows.push(cells)
            }
            Err(es) => errors.extend(es.into_iter().map(|e| format!("{line}行目: {e}"))),
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let mut tx = db.begin().await?;
    for cells in &rows {
        insert(&mut tx, def, cells, actor, "register.import").await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}
