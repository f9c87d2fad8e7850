//! The ledger in storage: receipts appended (each audited), reversals that cancel one receipt
//! once, and the figures read back per 年度 and per counter and day. Nothing here updates or
//! deletes a row.

use super::model::{Channel, DayTotal, DirectDebitRule, Entry, Share, Source, Subject, Yen};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use crate::fiscal::FiscalYear;
use sqlx::Row as _;
use time::{Date, PrimitiveDateTime};

/// A receipt to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReceipt {
    pub subject: Subject,
    /// The procedure or item paid for, as named (empty when not said).
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
    pub source: Source,
    /// The counter visit that recorded it.
    pub visit: Option<i64>,
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
/// refused (a file imported twice, a callback delivered twice), and so is a receipt on a counter
/// whose 日計 for that day is closed.
pub async fn append(db: &Db, r: &NewReceipt, actor: &Actor) -> Result<i64, LedgerError> {
    let mut tx = db.begin().await?;
    let id = append_in(&mut tx, r, None, actor).await?;
    tx.commit().await?;
    Ok(id)
}

/// `append` inside the caller's transaction (an import writes all its rows or none).
pub async fn append_in(
    tx: &mut crate::db::Tx,
    r: &NewReceipt,
    import: Option<i64>,
    actor: &Actor,
) -> Result<i64, LedgerError> {
    super::days::refuse_if_closed(tx, &r.counter, r.paid_at.date()).await?;
    if !r.reference.is_empty() {
        let known: Option<i64> = sqlx::query(
            "SELECT id FROM receipts WHERE channel = $1 AND reference = $2 AND reverses IS NULL",
        )
        .bind(r.channel.code())
        .bind(&r.reference)
        .fetch_optional(&mut **tx)
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
           department, counter, reference, note, recorded_at, recorded_by, source, visit_id,
           import_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $11, $12, $13, $14) RETURNING id",
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
    .bind(r.source.code())
    .bind(r.visit)
    .bind(import)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    audit::record(
        tx,
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
                "source": r.source.code(), "visit": r.visit, "import": import,
            })),
            note: "",
        },
    )
    .await?;
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
    let mut tx = db.begin().await?;
    let new_id = reverse_in(&mut tx, id, at, reason, None, actor).await?;
    tx.commit().await?;
    Ok(new_id)
}

/// `reverse` inside the caller's transaction (a terminal file's 取消 rows).
pub async fn reverse_in(
    tx: &mut crate::db::Tx,
    id: i64,
    at: PrimitiveDateTime,
    reason: &str,
    import: Option<i64>,
    actor: &Actor,
) -> Result<i64, LedgerError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(LedgerError::Refused("取消の理由を書いてください".into()));
    }
    let Some(row) = sqlx::query("SELECT * FROM receipts WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Err(LedgerError::Refused(format!(
            "番号 {id} の記録はありません"
        )));
    };
    let original = entry(&row)?;
    let counter: String = row.try_get("counter")?;
    super::days::refuse_if_closed(tx, &counter, at.date()).await?;
    let reversed: Option<i64> = sqlx::query("SELECT id FROM receipts WHERE reverses = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
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
    let source = if import.is_some() { "import" } else { "manual" };
    let new_id: i64 = sqlx::query(
        "INSERT INTO receipts (subject, procedure_key, amount, channel, paid_at, paid_on,
           department, counter, reference, reverses, note, recorded_at, recorded_by, source,
           visit_id, import_id)
         SELECT subject, procedure_key, amount, channel, $1, $2, department, counter, reference,
           id, $3, $4, $5, $6, visit_id, $7 FROM receipts WHERE id = $8 RETURNING id",
    )
    .bind(when(at))
    .bind(at.date().to_string())
    .bind(reason)
    .bind(now_text())
    .bind(&actor.username)
    .bind(source)
    .bind(import)
    .bind(id)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    audit::record(
        tx,
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

pub(super) async fn entries_between(
    conn: &mut sqlx::AnyConnection,
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
    .fetch_all(conn)
    .await?;
    rows.iter().map(entry).collect()
}

/// The cashless share of a 年度's receipts (by the day paid, April to March).
pub async fn share(db: &Db, year: FiscalYear, rule: DirectDebitRule) -> Result<Share, LedgerError> {
    let mut conn = db.conn().await?;
    let entries = entries_between(&mut conn, year.first_day(), year.last_day(), None).await?;
    Ok(Share::of(&entries, rule))
}

/// A counter's 日計.
pub async fn day_total(db: &Db, counter: &str, day: Date) -> Result<DayTotal, LedgerError> {
    let mut conn = db.conn().await?;
    let entries = entries_between(&mut conn, day, day, Some(counter)).await?;
    Ok(DayTotal::of(&entries))
}

/// A ledger line as the staff pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRow {
    pub id: i64,
    pub subject: Subject,
    pub procedure: String,
    pub amount: Yen,
    pub channel: Channel,
    pub paid_at: String,
    pub department: String,
    pub counter: String,
    pub reference: String,
    /// The entry this one cancels.
    pub reverses: Option<i64>,
    /// The entry that cancels this one.
    pub reversed_by: Option<i64>,
    pub note: String,
    pub source: Option<Source>,
    pub visit: Option<i64>,
    pub recorded_by: String,
}

/// Which lines to show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub counter: Option<String>,
    pub visit: Option<i64>,
}

/// The lines that match, newest first, at most `limit`.
pub async fn list(db: &Db, f: &Filter, limit: i64) -> Result<Vec<LedgerRow>, LedgerError> {
    let rows = sqlx::query(
        "SELECT r.*, (SELECT x.id FROM receipts x WHERE x.reverses = r.id) AS reversed_by
         FROM receipts r
         WHERE ($1 = '' OR r.paid_on >= $1) AND ($2 = '' OR r.paid_on <= $2)
           AND ($3 = '' OR r.counter = $3) AND ($4 = 0 OR r.visit_id = $4)
         ORDER BY r.paid_at DESC, r.id DESC LIMIT $5",
    )
    .bind(f.from.map(|d| d.to_string()).unwrap_or_default())
    .bind(f.to.map(|d| d.to_string()).unwrap_or_default())
    .bind(f.counter.clone().unwrap_or_default())
    .bind(f.visit.unwrap_or(0))
    .bind(limit)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter()
        .map(|row| {
            let e = entry(row)?;
            let subject: String = row.try_get("subject")?;
            let source: String = row.try_get("source")?;
            Ok(LedgerRow {
                id: e.id,
                subject: Subject::parse(&subject).map_err(|m| sqlx::Error::Decode(m.into()))?,
                procedure: row.try_get("procedure_key")?,
                amount: e.amount,
                channel: e.channel,
                paid_at: row.try_get("paid_at")?,
                department: row.try_get("department")?,
                counter: row.try_get("counter")?,
                reference: row.try_get("reference")?,
                reverses: e.reverses,
                reversed_by: row.try_get("reversed_by")?,
                note: row.try_get("note")?,
                source: Source::parse(&source),
                visit: row.try_get("visit_id")?,
                recorded_by: row.try_get("recorded_by")?,
            })
        })
        .collect()
}

/// The counters that have receipts, for the 日計's choice.
pub async fn counters(db: &Db) -> Result<Vec<String>, LedgerError> {
    let rows =
        sqlx::query("SELECT DISTINCT counter FROM receipts WHERE counter <> '' ORDER BY counter")
            .fetch_all(&mut *db.conn().await?)
            .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("counter"))
        .collect::<Result<_, _>>()?)
}

/// A 年度's receipts netted per month (1–12) and channel: (month, channel, count, yen).
pub async fn by_month(
    db: &Db,
    year: FiscalYear,
) -> Result<Vec<(u8, Channel, i64, i64)>, LedgerError> {
    let mut conn = db.conn().await?;
    let entries_days = sqlx::query(
        "SELECT id, channel, amount, reverses, paid_on FROM receipts
         WHERE paid_on >= $1 AND paid_on <= $2 ORDER BY id",
    )
    .bind(year.first_day().to_string())
    .bind(year.last_day().to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut sums: std::collections::BTreeMap<(u8, &'static str), (Channel, i64, i64)> =
        Default::default();
    for row in &entries_days {
        let e = entry(row)?;
        let day: String = row.try_get("paid_on")?;
        let month: u8 = day.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(0);
        let s = sums
            .entry((month, e.channel.code()))
            .or_insert((e.channel, 0, 0));
        s.1 += e.count();
        s.2 += e.signed();
    }
    Ok(sums
        .into_iter()
        .map(|((m, _), (c, n, y))| (m, c, n, y))
        .collect())
}
