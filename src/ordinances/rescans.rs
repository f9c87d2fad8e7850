//! What the re-scans did, as recorded: a re-scan's changes clause by clause, the latest
//! re-scans, and the 例規 read with rules older than those in force.

use super::rescan::{ChangeKind, ChangeLine, place};
use crate::db::Db;
use sqlx::Row as _;

/// A recorded re-scan with its changes, for its page.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    pub id: i64,
    pub rules_version: i64,
    pub at: String,
    pub username: String,
    pub changes: Vec<ChangeLine>,
}

pub async fn recorded(db: &Db, id: i64) -> Result<Option<Recorded>, sqlx::Error> {
    let mut conn = db.conn().await?;
    let Some(r) =
        sqlx::query("SELECT id, rules_version, at, username FROM ordinance_rescans WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(None);
    };
    let changes = sqlx::query(
        "SELECT x.clause_id, x.category, x.change, x.phrase, c.ordinance_id, c.article, c.paragraph, c.item, o.title
         FROM ordinance_rescan_changes x JOIN ordinance_clauses c ON c.id = x.clause_id
         JOIN ordinances o ON o.id = c.ordinance_id WHERE x.rescan_id = $1 ORDER BY x.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|c| {
        Ok(ChangeLine {
            ordinance_id: c.try_get("ordinance_id")?,
            title: c.try_get("title")?,
            clause_id: c.try_get("clause_id")?,
            place: place(
                &c.try_get::<String, _>("article")?,
                c.try_get("paragraph")?,
                &c.try_get::<String, _>("item")?,
            ),
            category: c.try_get("category")?,
            phrase: c.try_get("phrase")?,
            kind: ChangeKind::parse(&c.try_get::<String, _>("change")?)
                .unwrap_or(ChangeKind::Kept),
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    Ok(Some(Recorded {
        id: r.try_get("id")?,
        rules_version: r.try_get("rules_version")?,
        at: r.try_get("at")?,
        username: r.try_get("username")?,
        changes,
    }))
}

/// How many 例規 were last read with rules older than these (after an upgrade of machi brought
/// new bundled rules): they need a re-scan.
pub async fn stale(db: &Db, version: u32) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM ordinances WHERE rules_version < $1")
        .bind(i64::from(version))
        .fetch_one(&mut *db.conn().await?)
        .await
}

/// The latest re-scans (id, version, when, who, added, withdrawn, kept), newest first.
pub async fn rescans(
    db: &Db,
) -> Result<Vec<(i64, i64, String, String, i64, i64, i64)>, sqlx::Error> {
    sqlx::query(
        "SELECT id, rules_version, at, username, added, withdrawn, kept FROM ordinance_rescans ORDER BY id DESC LIMIT 20",
    )
    .fetch_all(&mut *db.conn().await?)
    .await?
    .into_iter()
    .map(|r| {
        Ok((
            r.try_get("id")?,
            r.try_get("rules_version")?,
            r.try_get("at")?,
            r.try_get("username")?,
            r.try_get("added")?,
            r.try_get("withdrawn")?,
            r.try_get("kept")?,
        ))
    })
    .collect()
}
