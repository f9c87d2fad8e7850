//! The 日計: a counter's receipts of one day, closed by the clerk with the cash counted in the
//! drawer and confirmed by a second, different person for 会計課. From the close on, the
//! counter's receipts of that day are locked: nothing is appended or reversed on it. A close
//! that is not yet confirmed can be withdrawn (a receipt was forgotten); a confirmed day never
//! changes.

use super::model::{DayTotal, Yen};
use super::store::{LedgerError, entries_between};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use sqlx::Row as _;
use time::Date;

/// A day's close as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct DayClose {
    pub counter: String,
    pub day: Date,
    /// The ledger's totals when it was closed.
    pub totals: DayTotal,
    /// The cash the clerk counted in the drawer.
    pub counted_cash: Yen,
    pub note: String,
    pub closed_by: String,
    pub closed_at: String,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<String>,
}

impl DayClose {
    /// 過不足: counted cash minus the cash the ledger says was received (over is positive).
    pub fn difference(&self) -> Yen {
        Yen(self.counted_cash.0 - self.totals.cash_yen)
    }
    pub fn is_confirmed(&self) -> bool {
        self.confirmed_by.is_some()
    }
}

fn day_close(row: &sqlx::any::AnyRow) -> Result<DayClose, LedgerError> {
    let day: String = row.try_get("day")?;
    Ok(DayClose {
        counter: row.try_get("counter")?,
        day: crate::fiscal::parse_date(&day).map_err(|e| sqlx::Error::Decode(e.into()))?,
        totals: DayTotal {
            cash_count: row.try_get("cash_count")?,
            cash_yen: row.try_get("cash_yen")?,
            cashless_count: row.try_get("cashless_count")?,
            cashless_yen: row.try_get("cashless_yen")?,
        },
        counted_cash: Yen(row.try_get("counted_cash")?),
        note: row.try_get("note")?,
        closed_by: row.try_get("closed_by")?,
        closed_at: row.try_get("closed_at")?,
        confirmed_by: row.try_get("confirmed_by")?,
        confirmed_at: row.try_get("confirmed_at")?,
    })
}

async fn find(
    conn: &mut sqlx::AnyConnection,
    counter: &str,
    day: Date,
) -> Result<Option<DayClose>, LedgerError> {
    sqlx::query("SELECT * FROM receipt_days WHERE counter = $1 AND day = $2")
        .bind(counter)
        .bind(day.to_string())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(day_close)
        .transpose()
}

/// The close of a counter's day, if it was closed.
pub async fn status(db: &Db, counter: &str, day: Date) -> Result<Option<DayClose>, LedgerError> {
    find(&mut *db.conn().await?, counter, day).await
}

/// Refuses a write on a counter's closed day. Receipts outside a counter have no 日計.
pub(super) async fn refuse_if_closed(
    conn: &mut sqlx::AnyConnection,
    counter: &str,
    day: Date,
) -> Result<(), LedgerError> {
    if counter.is_empty() {
        return Ok(());
    }
    match find(conn, counter, day).await? {
        None => Ok(()),
        Some(c) => Err(LedgerError::Refused(format!(
            "{}の{}の日計は{}ため、この日の記録は追加も取消もできません",
            counter,
            crate::fiscal::wareki_date(day),
            if c.is_confirmed() {
                "確定済みの"
            } else {
                "締め済みの(確認待ち)"
            }
        ))),
    }
}

/// The clerk closes the day: the ledger's totals are kept with the cash counted.
pub async fn close(
    db: &Db,
    counter: &str,
    day: Date,
    counted_cash: Yen,
    note: &str,
    today: Date,
    actor: &Actor,
) -> Result<DayClose, LedgerError> {
    if counter.trim().is_empty() {
        return Err(LedgerError::Refused("窓口を選んでください".into()));
    }
    if day > today {
        return Err(LedgerError::Refused(
            "まだ来ていない日は締められません".into(),
        ));
    }
    let mut tx = db.begin().await?;
    if let Some(c) = find(&mut tx, counter, day).await? {
        return Err(LedgerError::Refused(format!(
            "この日計は{}さんがすでに締めています",
            c.closed_by
        )));
    }
    let totals = DayTotal::of(&entries_between(&mut tx, day, day, Some(counter)).await?);
    sqlx::query(
        "INSERT INTO receipt_days (counter, day, cash_count, cash_yen, cashless_count,
           cashless_yen, counted_cash, note, closed_by, closed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(counter)
    .bind(day.to_string())
    .bind(totals.cash_count)
    .bind(totals.cash_yen)
    .bind(totals.cashless_count)
    .bind(totals.cashless_yen)
    .bind(counted_cash.0)
    .bind(note.trim())
    .bind(&actor.username)
    .bind(now_text())
    .execute(&mut *tx)
    .await?;
    let closed = find(&mut tx, counter, day)
        .await?
        .ok_or_else(|| LedgerError::Storage(sqlx::Error::RowNotFound))?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "receipt.day_close",
            entity: "receipt_day",
            entity_id: &format!("{counter} {day}"),
            before: None,
            after: Some(serde_json::json!({
                "cash_count": totals.cash_count, "cash_yen": totals.cash_yen,
                "cashless_count": totals.cashless_count, "cashless_yen": totals.cashless_yen,
                "counted_cash": counted_cash.0, "difference": closed.difference().0,
            })),
            note: note.trim(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(closed)
}

/// A second person confirms the close; the clerk who closed it cannot.
pub async fn confirm(db: &Db, counter: &str, day: Date, actor: &Actor) -> Result<(), LedgerError> {
    let mut tx = db.begin().await?;
    let Some(c) = find(&mut tx, counter, day).await? else {
        return Err(LedgerError::Refused(
            "この日計はまだ締められていません".into(),
        ));
    };
    if let Some(by) = &c.confirmed_by {
        return Err(LedgerError::Refused(format!(
            "この日計は{by}さんがすでに確認しています"
        )));
    }
    if c.closed_by == actor.username {
        return Err(LedgerError::Refused(
            "締めた人とは別の人が確認してください(二人で確かめるため)".into(),
        ));
    }
    sqlx::query(
        "UPDATE receipt_days SET confirmed_by = $1, confirmed_at = $2
         WHERE counter = $3 AND day = $4 AND confirmed_by IS NULL",
    )
    .bind(&actor.username)
    .bind(now_text())
    .bind(counter)
    .bind(day.to_string())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "receipt.day_confirm",
            entity: "receipt_day",
            entity_id: &format!("{counter} {day}"),
            before: None,
            after: Some(serde_json::json!({ "closed_by": c.closed_by })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws a close not yet confirmed, so a forgotten receipt can still be recorded.
pub async fn withdraw(
    db: &Db,
    counter: &str,
    day: Date,
    reason: &str,
    actor: &Actor,
) -> Result<(), LedgerError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(LedgerError::Refused(
            "締めを取り消す理由を書いてください".into(),
        ));
    }
    let mut tx = db.begin().await?;
    let Some(c) = find(&mut tx, counter, day).await? else {
        return Err(LedgerError::Refused(
            "この日計はまだ締められていません".into(),
        ));
    };
    if c.is_confirmed() {
        return Err(LedgerError::Refused(
            "確認済みの日計は取り消せません".into(),
        ));
    }
    sqlx::query(
        "DELETE FROM receipt_days WHERE counter = $1 AND day = $2 AND confirmed_by IS NULL",
    )
    .bind(counter)
    .bind(day.to_string())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "receipt.day_withdraw",
            entity: "receipt_day",
            entity_id: &format!("{counter} {day}"),
            before: Some(serde_json::json!({
                "closed_by": c.closed_by, "counted_cash": c.counted_cash.0,
            })),
            after: None,
            note: reason,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
