//! The ledger in storage: receipts appended (each audited), reversals that cancel one receipt
//! once, and the figures read back per 年度 and per counter and day. Nothing here updates or
//! deletes a row.

use super::model::{Channel, DayTotal, DirectDebitRule, Entry, Share, Subject, Yen};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use crate::fiscal::FiscalYear;
use sqlx::Row as _;
use time::{Date, PrimitiveDateTime};

/// A receipt to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReceipt {
    pub subject: Subject,
    /// The catalog key of the procedure paid for, if any.
    pub procedure: String,
    pub amount: Yen,
    pub channel: Channel,
    /// When it was paid, in the town's time.
    pub paid_at: PrimitiveDateTime,
    pub department: String,
    /// The counter (窓口) it was paid at; empty when not at a counter.
    pub counter: String,
    /// eL番号, the terminal's slip number, the provider's payment id.
    pub reference: String,
}

/// Why a receipt or reversal was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Storage(#[from] sqlx::Error),
}

fn when(t: PrimitiveDateTime) -> String {
    format!(
        "{} {:02}:{:02}:{:02}",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Records a receipt; returns its number. A reference already recorded for the channel is
/// refused (a file imported twice, a callback delivered twice).
pub async fn append(db: &Db, r: &NewReceipt, actor: &Actor) -> Result<i64, LedgerError> {
    let mut tx = db.begin().await?;
    if !r.reference.is_empty() {
        let known: Option<i64> = sqlx::query(
            "SELECT id FROM receipts WHERE channel = $1 AND reference = $2 AND reverses IS NULL",
        )
        .bind(r.channel.code())
        .bind(&r.reference)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| row.try_get("id"))
        .transpose()?;
        if let Some(id) = known {
            return Err(LedgerError::Refused(format!(
                "{}の参照番号「{}」はすでに記録されています(番号 {id})",
                r.channel.label(),
                r.reference
            )));
        }
    }
    let id: i64 = sqlx::query(
        "INSERT INTO receipts (subject, procedure_key, amount, channel, paid_at, paid_on,
           department, counter, reference, note, recorded_at, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $11) RETURNING id",
    )
    .bind(r.subject.code())
    .bind(&r.procedure)
    .bind(r.amount.0)
    .bind(r.channel.code())
    .bind(when(r.paid_at))
    .bind(r.paid_at.date().to_string())
    .bind(&r.department)
    .bind(&r.counter)
    .bind(&r.reference)
    .bind(now_text())
    .bind(&actor.username)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "receipt.record",
            entity: "receipt",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "subject": r.subject.code(), "procedure": r.procedure, "amount": r.amount.0,
                "channel": r.channel.code(), "paid_at": when(r.paid_at),
                "department": r.department, "counter": r.counter, "reference": r.reference,
            })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Cancels a receipt by a reversing entry of the same amount and channel, dated `at`; the
/// reason is kept. A receipt is reversed once at most; a reversal is never reversed.
pub async fn reverse(
    db: &Db,
    id: i64,
    at: PrimitiveDateTime,
    reason: &str,
    actor: &Actor,
) -> Result<i64, LedgerError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(LedgerError::Refused("取消の理由を書いてください".into()));
    }
    let mut tx = db.begin().await?;
    let Some(row) = sqlx::query("SELECT * FROM receipts WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Err(LedgerError::Refused(format!(
            "番号 {id} の記録はありません"
        )));
    };
    let original = entry(&row)?;
    let reversed: Option<i64> = sqlx::query("SELECT id FROM receipts WHERE reverses = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("id"))
        .transpose()?;
    let reversal = Entry {
        id: 0,
        reverses: Some(id),
        ..original.clone()
    };
    super::model::check_reversal(&original, reversed.is_some(), &reversal)
        .map_err(LedgerError::Refused)?;
    let new_id: i64 = sqlx::query(
        "INSERT INTO receipts (subject, procedure_key, amount, channel, paid_at, paid_on,
           department, counter, reference, reverses, note, recorded_at, recorded_by)
         SELECT subject, procedure_key, amount, channel, $1, $2, department, counter, reference,
           id, $3, $4, $5 FROM receipts WHERE id = $6 RETURNING id",
    )
    .bind(when(at))
    .bind(at.date().to_string())
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
            action: "receipt.reverse",
            entity: "receipt",
            entity_id: &new_id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "reverses": id, "reason": reason })),
            note: reason,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(new_id)
}

fn entry(row: &sqlx::any::AnyRow) -> Result<Entry, LedgerError> {
    let code: String = row.try_get("channel")?;
    Ok(Entry {
        id: row.try_get("id")?,
        // A code machi did not write: the stored row is wrong, not the request.
        channel: Channel::parse(&code).map_err(|e| sqlx::Error::Decode(e.into()))?,
        amount: Yen(row.try_get("amount")?),
        reverses: row.try_get("reverses")?,
    })
}

async fn entries_between(
    db: &Db,
    from: Date,
    to: Date,
    counter: Option<&str>,
) -> Result<Vec<Entry>, LedgerError> {
    let rows = sqlx::query(
        "SELECT id, channel, amount, reverses FROM receipts
         WHERE paid_on >= $1 AND paid_on <= $2 AND ($3 = '' OR counter = $3) ORDER BY id",
    )
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(counter.unwrap_or(""))
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter().map(entry).collect()
}

/// The cashless share of a 年度's receipts (by the day paid, April to March).
pub async fn share(db: &Db, year: FiscalYear, rule: DirectDebitRule) -> Result<Share, LedgerError> {
    let entries = entries_between(db, year.first_day(), year.last_day(), None).await?;
    Ok(Share::of(&entries, rule))
}

/// A counter's 日計.
pub async fn day_total(db: &Db, counter: &str, day: Date) -> Result<DayTotal, LedgerError> {
    let entries = entries_between(db, day, day, Some(counter)).await?;
    Ok(DayTotal::of(&entries))
}
