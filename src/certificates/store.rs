//! Certificate issues in storage: appended (each audited), cancelled by a row naming the one it
//! cancels (once), and read back per period.

use super::model::{Channel, Issue, Kind};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx, now_text};
use sqlx::Row as _;
use time::Date;

/// Where an issue record came from.
pub const FROM_COUNTER: &str = "counter";
pub const FROM_STAFF: &str = "manual";
pub const FROM_IMPORT: &str = "import";

/// An issue to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIssue {
    pub kind: Kind,
    pub channel: Channel,
    pub copies: i64,
    /// 公用・無料: kept, counted apart.
    pub free: bool,
    /// The day issued; for a month's aggregate, the month's first day.
    pub issued_on: Date,
    pub month_total: bool,
    pub office: String,
    pub source: &'static str,
    pub receipt: Option<i64>,
    pub visit: Option<i64>,
    pub note: String,
}

/// Records an issue in the caller's transaction.
pub async fn record_in(
    tx: &mut Tx,
    i: &NewIssue,
    import: Option<i64>,
    actor: &Actor,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query(
        "INSERT INTO certificate_issues (kind, channel, copies, free, issued_on, month_total,
           office, source, receipt_id, visit_id, import_id, note, recorded_at, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(i.kind.code())
    .bind(i.channel.code())
    .bind(i.copies)
    .bind(i64::from(i.free))
    .bind(i.issued_on.to_string())
    .bind(i64::from(i.month_total))
    .bind(&i.office)
    .bind(i.source)
    .bind(i.receipt)
    .bind(i.visit)
    .bind(import)
    .bind(&i.note)
    .bind(now_text())
    .bind(&actor.username)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    audit::record(
        tx,
        actor,
        Change {
            action: "certificate.record",
            entity: "certificate_issue",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "kind": i.kind.code(), "channel": i.channel.code(), "copies": i.copies,
                "free": i.free, "issued_on": i.issued_on.to_string(), "month": i.month_total,
                "office": i.office, "source": i.source, "receipt": i.receipt, "visit": i.visit,
            })),
            note: &i.note,
        },
    )
    .await?;
    Ok(id)
}

pub async fn record(db: &Db, i: &NewIssue, actor: &Actor) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let id = record_in(&mut tx, i, None, actor).await?;
    tx.commit().await?;
    Ok(id)
}

/// Cancels a record (a mistake) by a row naming it; `Ok(Err(message))` when refused.
pub async fn cancel(
    db: &Db,
    id: i64,
    reason: &str,
    actor: &Actor,
) -> Result<Result<i64, String>, sqlx::Error> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Ok(Err("取消の理由を書いてください".into()));
    }
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "SELECT cancels, (SELECT x.id FROM certificate_issues x WHERE x.cancels = c.id) AS cancelled_by
         FROM certificate_issues c WHERE c.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(Err(format!("番号 {id} の記録はありません")));
    };
    if row.try_get::<Option<i64>, _>("cancels")?.is_some() {
        return Ok(Err(format!("取消の記録(番号 {id})は取り消せません")));
    }
    if row.try_get::<Option<i64>, _>("cancelled_by")?.is_some() {
        return Ok(Err(format!("番号 {id} はすでに取り消されています")));
    }
    let new_id: i64 = sqlx::query(
        "INSERT INTO certificate_issues (kind, channel, copies, free, issued_on, month_total,
           office, source, receipt_id, visit_id, import_id, cancels, note, recorded_at, recorded_by)
         SELECT kind, channel, copies, free, issued_on, month_total, office, source, receipt_id,
           visit_id, import_id, id, $1, $2, $3 FROM certificate_issues WHERE id = $4
         RETURNING id",
    )
    .bind(reason)
    .bind(now_text())
    .bind(&actor.username)
    .bind(id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "certificate.cancel",
            entity: "certificate_issue",
            entity_id: &new_id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "cancels": id })),
            note: reason,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(new_id))
}

fn decode<T>(r: Result<T, String>) -> Result<T, sqlx::Error> {
    r.map_err(|m| sqlx::Error::Decode(m.into()))
}

/// The issues of a period with their day; a cancellation counts negative.
pub async fn issues_between(
    db: &Db,
    from: Date,
    to: Date,
) -> Result<Vec<(Date, Issue)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT kind, channel, copies, free, issued_on, cancels FROM certificate_issues
         WHERE issued_on >= $1 AND issued_on <= $2",
    )
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            let channel: String = r.try_get("channel")?;
            let day: String = r.try_get("issued_on")?;
            let copies: i64 = r.try_get("copies")?;
            let cancels: Option<i64> = r.try_get("cancels")?;
            Ok((
                decode(crate::fiscal::parse_date(&day))?,
                Issue {
                    kind: decode(Kind::parse(&kind))?,
                    channel: decode(Channel::parse(&channel))?,
                    copies: if cancels.is_some() { -copies } else { copies },
                    free: r.try_get::<i64, _>("free")? != 0,
                },
            ))
        })
        .collect()
}

/// A record as the staff page lists it.
#[derive(Debug, Clone)]
pub struct IssueRow {
    pub id: i64,
    pub kind: Kind,
    pub channel: Channel,
    pub copies: i64,
    pub free: bool,
    pub issued_on: String,
    pub month_total: bool,
    pub office: String,
    pub source: String,
    pub visit: Option<i64>,
    pub cancels: Option<i64>,
    pub cancelled_by: Option<i64>,
    pub note: String,
    pub recorded_by: String,
}

/// The latest records, newest first; of one visit when `visit` is given.
pub async fn list(db: &Db, visit: Option<i64>, limit: i64) -> Result<Vec<IssueRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.*, (SELECT x.id FROM certificate_issues x WHERE x.cancels = c.id) AS cancelled_by
         FROM certificate_issues c WHERE ($1 = 0 OR c.visit_id = $1)
         ORDER BY c.id DESC LIMIT $2",
    )
    .bind(visit.unwrap_or(0))
    .bind(limit)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            let channel: String = r.try_get("channel")?;
            Ok(IssueRow {
                id: r.try_get("id")?,
                kind: decode(Kind::parse(&kind))?,
                channel: decode(Channel::parse(&channel))?,
                copies: r.try_get("copies")?,
                free: r.try_get::<i64, _>("free")? != 0,
                issued_on: r.try_get("issued_on")?,
                month_total: r.try_get::<i64, _>("month_total")? != 0,
                office: r.try_get("office")?,
                source: r.try_get("source")?,
                visit: r.try_get("visit_id")?,
                cancels: r.try_get("cancels")?,
                cancelled_by: r.try_get("cancelled_by")?,
                note: r.try_get("note")?,
                recorded_by: r.try_get("recorded_by")?,
            })
        })
        .collect()
}

/// Whether a month's コンビニ交付 figure for a kind is already recorded (and not cancelled).
pub async fn month_known(tx: &mut Tx, kind: Kind, month: Date) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "SELECT c.id FROM certificate_issues c
         WHERE c.kind = $1 AND c.channel = 'convenience_store' AND c.month_total = 1
           AND c.issued_on = $2 AND c.cancels IS NULL
           AND NOT EXISTS (SELECT 1 FROM certificate_issues x WHERE x.cancels = c.id)",
    )
    .bind(kind.code())
    .bind(month.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}
