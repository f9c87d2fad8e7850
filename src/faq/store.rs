//! The town's FAQ and its own synonym groups, stored with versions and audited. An import is
//! written in one transaction: every row or none.

use super::model::{Entry, Stored};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use sqlx::Row as _;

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("ほかの人が先に変更しました。画面を読み込み直してから、もう一度変更してください。")]
    Stale,
    #[error("番号(id)「{0}」はもう使われています")]
    Taken(String),
    #[error(transparent)]
    Db(#[from] anyhow::Error),
}

impl From<sqlx::Error> for SaveError {
    fn from(e: sqlx::Error) -> Self {
        SaveError::Db(e.into())
    }
}

fn lines(list: &[String]) -> String {
    list.join("\n")
}

fn split_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn stored(r: &sqlx::any::AnyRow) -> anyhow::Result<Stored> {
    let notes: String = r.try_get("notes")?;
    Ok(Stored {
        entry: Entry {
            id: r.try_get("id")?,
            question: r.try_get("question")?,
            answer: r.try_get("answer")?,
            category: r.try_get("category")?,
            keywords: split_lines(&r.try_get::<String, _>("keywords")?),
            department: r.try_get("department")?,
            url: r.try_get("url")?,
            related: split_lines(&r.try_get::<String, _>("related")?),
            published: r.try_get::<i64, _>("published")? != 0,
            review_on: r.try_get("review_on")?,
            notes: serde_json::from_str(&notes).unwrap_or_default(),
        },
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
        updated_by: r.try_get("updated_by")?,
    })
}

/// Every entry, by category and id.
pub async fn all(db: &Db) -> anyhow::Result<Vec<Stored>> {
    let rows = sqlx::query("SELECT * FROM faq_entries ORDER BY category, id")
        .fetch_all(&mut *db.conn().await?)
        .await?;
    rows.iter().map(stored).collect()
}

pub async fn get(db: &Db, id: &str) -> anyhow::Result<Option<Stored>> {
    let row = sqlx::query("SELECT * FROM faq_entries WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *db.conn().await?)
        .await?;
    row.as_ref().map(stored).transpose()
}

/// What changes when the FAQ or the town's synonyms change: the search index is made again
/// when it differs (another process may have written).
pub async fn stamp(db: &Db) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT generation FROM faq_state")
        .fetch_one(&mut *db.conn().await?)
        .await?)
}

/// Marks a change, in the writing transaction.
async fn bump(tx: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE faq_state SET generation = generation + 1")
        .execute(&mut *tx)
        .await?;
    Ok(())
}

fn content(e: &Entry) -> serde_json::Value {
    serde_json::to_value(e).expect("an entry serializes")
}

/// Writes one entry (new, or over `version`) with its version record; returns the new version.
async fn write(
    tx: &mut sqlx::AnyConnection,
    e: &Entry,
    version: i64,
    actor: &Actor,
    now: &str,
) -> Result<(), SaveError> {
    let notes = serde_json::Value::Object(e.notes.clone()).to_string();
    let args = (
        &e.question,
        &e.answer,
        &e.category,
        lines(&e.keywords),
        &e.department,
        &e.url,
        lines(&e.related),
        i64::from(e.published),
        &e.review_on,
    );
    let sql = if version == 1 {
        "INSERT INTO faq_entries (question, answer, category, keywords, department, url, related,
           published, review_on, notes, version, updated_at, updated_by, id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    } else {
        "UPDATE faq_entries SET question = $1, answer = $2, category = $3, keywords = $4,
           department = $5, url = $6, related = $7, published = $8, review_on = $9, notes = $10,
           version = $11, updated_at = $12, updated_by = $13 WHERE id = $14"
    };
    sqlx::query(sql)
        .bind(args.0)
        .bind(args.1)
        .bind(args.2)
        .bind(args.3)
        .bind(args.4)
        .bind(args.5)
        .bind(args.6)
        .bind(args.7)
        .bind(args.8)
        .bind(&notes)
        .bind(version)
        .bind(now)
        .bind(&actor.username)
        .bind(&e.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO faq_versions (entry_id, version, content, changed_at, changed_by)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&e.id)
    .bind(version)
    .bind(content(e).to_string())
    .bind(now)
    .bind(&actor.username)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn current_version(tx: &mut sqlx::AnyConnection, id: &str) -> anyhow::Result<Option<i64>> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT version FROM faq_entries WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?,
    )
}

/// Saves an entry checked by `Entry::checked`. `expected` is the version the editor started
/// from (None for a new entry); returns the new version.
pub async fn save(
    db: &Db,
    e: &Entry,
    expected: Option<i64>,
    actor: &Actor,
) -> Result<i64, SaveError> {
    let mut tx = db.begin().await?;
    let now = now_text();
    let current = current_version(&mut tx, &e.id).await?;
    let before = get_in(&mut tx, &e.id).await?;
    let version = match (expected, current) {
        (None, Some(_)) => return Err(SaveError::Taken(e.id.clone())),
        (None, None) => 1,
        (Some(x), Some(c)) if x == c => c + 1,
        _ => return Err(SaveError::Stale),
    };
    write(&mut tx, e, version, actor, &now).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "faq.save",
            entity: "faq_entry",
            entity_id: &e.id,
            before: before.map(|b| content(&b)),
            after: Some(content(e)),
            note: &e.question,
        },
    )
    .await?;
    bump(&mut tx).await?;
    tx.commit().await?;
    Ok(version)
}

async fn get_in(tx: &mut sqlx::AnyConnection, id: &str) -> anyhow::Result<Option<Entry>> {
    let row = sqlx::query("SELECT * FROM faq_entries WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(row.as_ref().map(stored).transpose()?.map(|s| s.entry))
}

/// Deletes an entry (its versions stay, for the record).
pub async fn delete(db: &Db, id: &str, actor: &Actor) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let Some(before) = get_in(&mut tx, id).await? else {
        return Ok(false);
    };
    sqlx::query("DELETE FROM faq_entries WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "faq.delete",
            entity: "faq_entry",
            entity_id: id,
            before: Some(content(&before)),
            after: None,
            note: &before.question,
        },
    )
    .await?;
    bump(&mut tx).await?;
    tx.commit().await?;
    Ok(true)
}

/// How an import went.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Writes checked entries, all or none: new ids are added, known ids get a new version when
/// anything differs. Entries the file does not name stay as they are.
pub async fn import(
    db: &Db,
    entries: &[Entry],
    source: &str,
    actor: &Actor,
) -> anyhow::Result<Imported> {
    let mut tx = db.begin().await?;
    let now = now_text();
    let mut done = Imported::default();
    for e in entries {
        let before = get_in(&mut tx, &e.id).await?;
        let version = match (&before, current_version(&mut tx, &e.id).await?) {
            (Some(b), _) if b == e => {
                done.unchanged += 1;
                continue;
            }
            (_, Some(v)) => {
                done.updated += 1;
                v + 1
            }
            (_, None) => {
                done.added += 1;
                1
            }
        };
        write(&mut tx, e, version, actor, &now)
            .await
            .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "faq.import",
            entity: "faq",
            entity_id: source,
            before: None,
            after: Some(serde_json::json!({
                "rows": entries.len(), "added": done.added, "updated": done.updated,
                "unchanged": done.unchanged,
            })),
            note: source,
        },
    )
    .await?;
    bump(&mut tx).await?;
    tx.commit().await?;
    Ok(done)
}

/// An entry's saved versions, newest first: (version, when, who, the entry then).
pub async fn versions(db: &Db, id: &str) -> anyhow::Result<Vec<(i64, String, String, Entry)>> {
    let rows = sqlx::query(
        "SELECT version, changed_at, changed_by, content FROM faq_versions WHERE entry_id = $1
         ORDER BY version DESC",
    )
    .bind(id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("version")?,
                r.try_get("changed_at")?,
                r.try_get("changed_by")?,
                serde_json::from_str(&r.try_get::<String, _>("content")?)?,
            ))
        })
        .collect()
}

/// The town's own synonym groups: (id, line), oldest first.
pub async fn synonyms(db: &Db) -> anyhow::Result<Vec<(i64, String)>> {
    let rows = sqlx::query("SELECT id, line FROM faq_synonyms ORDER BY id")
        .fetch_all(&mut *db.conn().await?)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("line")?)))
        .collect()
}

/// Adds a group already checked by `synonyms::parse`.
pub async fn add_synonym(db: &Db, line: &str, actor: &Actor) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO faq_synonyms (line, added_at, added_by) VALUES ($1, $2, $3)")
        .bind(line)
        .bind(now_text())
        .bind(&actor.username)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "faq.synonym_add",
            entity: "faq_synonym",
            entity_id: "",
            before: None,
            after: Some(serde_json::json!({ "line": line })),
            note: line,
        },
    )
    .await?;
    bump(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_synonym(db: &Db, id: i64, actor: &Actor) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let line: Option<String> = sqlx::query_scalar("SELECT line FROM faq_synonyms WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(line) = line else {
        return Ok(false);
    };
    sqlx::query("DELETE FROM faq_synonyms WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "faq.synonym_delete",
            entity: "faq_synonym",
            entity_id: &id.to_string(),
            before: Some(serde_json::json!({ "line": line })),
            after: None,
            note: &line,
        },
    )
    .await?;
    bump(&mut tx).await?;
    tx.commit().await?;
    Ok(true)
}
