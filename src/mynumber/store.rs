//! The body's マイナンバーカード figures per 基準日, kept as imported (each import audited).

use super::table::Found;
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use sqlx::Row as _;
use time::Date;

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub as_of: Date,
    pub kind: String,
    pub population: f64,
    pub count: f64,
    pub rate: f64,
    pub source: String,
    pub imported_at: String,
    pub imported_by: String,
}

/// Every snapshot, oldest first.
pub async fn all(db: &Db) -> anyhow::Result<Vec<Snapshot>> {
    let rows = sqlx::query("SELECT * FROM mynumber_snapshots ORDER BY as_of")
        .fetch_all(&mut *db.conn().await?)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Snapshot {
                as_of: crate::fiscal::parse_date(&r.try_get::<String, _>("as_of")?)
                    .map_err(|e| anyhow::anyhow!(e))?,
                kind: r.try_get("kind")?,
                population: r.try_get("population")?,
                count: r.try_get("card_count")?,
                rate: r.try_get("rate")?,
                source: r.try_get("source")?,
                imported_at: r.try_get("imported_at")?,
                imported_by: r.try_get("imported_by")?,
            })
        })
        .collect()
}

/// Keeps what a table said for its 基準日 (replacing an earlier import of the same day).
/// Returns whether it replaced one.
pub async fn save(db: &Db, found: &Found, source: &str, actor: &Actor) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let day = found.as_of.to_string();
    let before: Option<f64> = sqlx::query("SELECT rate FROM mynumber_snapshots WHERE as_of = $1")
        .bind(&day)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("rate"))
        .transpose()?;
    sqlx::query(
        "INSERT INTO mynumber_snapshots (as_of, kind, population, card_count, rate, source, imported_at, imported_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (as_of) DO UPDATE SET kind = excluded.kind, population = excluded.population,
           card_count = excluded.card_count, rate = excluded.rate, source = excluded.source,
           imported_at = excluded.imported_at, imported_by = excluded.imported_by",
    )
    .bind(&day)
    .bind(found.kind)
    .bind(found.population)
    .bind(found.count)
    .bind(found.rate)
    .bind(source)
    .bind(now_text())
    .bind(&actor.username)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "mynumber.import",
            entity: "mynumber_snapshot",
            entity_id: &day,
            before: before.map(|r| serde_json::json!({ "rate": r })),
            after: Some(serde_json::json!({
                "kind": found.kind, "population": found.population, "count": found.count,
                "rate": found.rate, "row": found.row, "source": source,
            })),
            note: source,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(before.is_some())
}
