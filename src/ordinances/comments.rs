//! Comments on a candidate: the coordinating department and the 課 talk about a clause where
//! the decision is made (why a 検査 must stay physical, what the 課 asked the law's ministry).
//! And a candidate's history of decisions, to trace each one (a bulk decision names the
//! candidate it was made on).

use super::review::ReviewError;
use crate::audit::{self, Actor, Change};
use crate::db::Db;
use sqlx::Row as _;
use std::collections::HashMap;

pub const MAX_CHARS: usize = 2000;

#[derive(Debug, Clone, Default)]
pub struct Comment {
    pub at: String,
    pub username: String,
    pub department: String,
    pub text: String,
}

pub async fn add(
    db: &Db,
    finding_id: i64,
    text: &str,
    department: &str,
    actor: &Actor,
) -> Result<(), ReviewError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ReviewError::Refused("コメントを入力してください".into()));
    }
    let n = text.chars().count();
    if n > MAX_CHARS {
        return Err(ReviewError::Refused(format!(
            "コメントは{MAX_CHARS}字までにしてください(いまは{n}字です)"
        )));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO ordinance_finding_comments (finding_id, at, username, department, text)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(finding_id)
    .bind(crate::db::now_text())
    .bind(&actor.username)
    .bind(department)
    .bind(text)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "ordinance.comment",
            entity: "ordinance_finding",
            entity_id: &finding_id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "comment": id, "text": text })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The comments on a 例規's candidates, by candidate, oldest first.
pub async fn of_ordinance(
    db: &Db,
    ordinance_id: i64,
) -> Result<HashMap<i64, Vec<Comment>>, sqlx::Error> {
    let mut out: HashMap<i64, Vec<Comment>> = HashMap::new();
    for r in sqlx::query(
        "SELECT m.finding_id, m.at, m.username, m.department, m.text FROM ordinance_finding_comments m
         JOIN ordinance_findings f ON f.id = m.finding_id JOIN ordinance_clauses c ON c.id = f.clause_id
         WHERE c.ordinance_id = $1 ORDER BY m.id",
    )
    .bind(ordinance_id)
    .fetch_all(&mut *db.conn().await?)
    .await?
    {
        out.entry(r.try_get("finding_id")?).or_default().push(Comment {
            at: crate::fiscal::jst(&r.try_get::<String, _>("at")?),
            username: r.try_get("username")?,
            department: r.try_get("department")?,
            text: r.try_get("text")?,
        });
    }
    Ok(out)
}

/// One decision in a candidate's history.
#[derive(Debug, Clone, Default)]
pub struct Event {
    pub at: String,
    pub username: String,
    pub state: String,
    /// The candidate a decision for the same wording was made on.
    pub via: Option<i64>,
}

impl Event {
    pub fn state_label(&self) -> &'static str {
        super::review::State::parse(&self.state).map_or("", super::review::State::label)
    }
}

/// The decisions about a 例規's candidates, by candidate, oldest first.
pub async fn history_of_ordinance(
    db: &Db,
    ordinance_id: i64,
) -> Result<HashMap<i64, Vec<Event>>, sqlx::Error> {
    let mut out: HashMap<i64, Vec<Event>> = HashMap::new();
    for r in sqlx::query(
        "SELECT e.finding_id, e.at, e.username, e.state, e.via_finding FROM ordinance_finding_events e
         JOIN ordinance_findings f ON f.id = e.finding_id JOIN ordinance_clauses c ON c.id = f.clause_id
         WHERE c.ordinance_id = $1 ORDER BY e.id",
    )
    .bind(ordinance_id)
    .fetch_all(&mut *db.conn().await?)
    .await?
    {
        out.entry(r.try_get("finding_id")?).or_default().push(Event {
            at: crate::fiscal::jst(&r.try_get::<String, _>("at")?),
            username: r.try_get("username")?,
            state: r.try_get("state")?,
            via: r.try_get("via_finding")?,
        });
    }
    Ok(out)
}
