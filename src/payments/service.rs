//! machi's side of a payment: start one for an application, apply the provider's callbacks
//! (each event once, states only forward), and reconcile by asking the provider.
//!
//! The ledger gets the receipt when — and only when — machi's payment row moves into `success`,
//! in the same transaction; the row's state is the guard, so a replayed, duplicated or late
//! callback, or a callback racing the resident's return, never counts twice.

use super::provider::{self, CreateRequest, Event, Status};
use crate::app::AppState;
use crate::applications::store::{Application, stamp};
use crate::audit::Actor;
use crate::receipts::model::{Channel, Source, Subject, Yen};
use crate::receipts::store::{NewReceipt, append_in};
use axum::http::HeaderMap;
use sqlx::Row;
use time::OffsetDateTime;

/// machi's own state of a payment: the provider's, plus `creating` (asked, no answer yet).
const CREATING: &str = "creating";

#[derive(Debug, thiserror::Error)]
pub enum PayError {
    #[error("オンライン決済の設定がありません")]
    Off,
    #[error(
        "決済サービスから時間内に応答がありませんでした。少し待ってから、もう一度お試しください(二重に支払われることはありません)。"
    )]
    Timeout,
    #[error("決済サービスに接続できませんでした: {0}")]
    Provider(String),
    #[error(transparent)]
    Storage(#[from] sqlx::Error),
}

/// What a callback did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Moved the payment on (and recorded the receipt, for `success`).
    Moved,
    /// The same event again.
    Replay,
    /// Behind the payment's state (out of order) or after a final state.
    Ignored,
    /// About no payment machi started.
    Unknown,
}

fn rank(code: &str) -> u8 {
    match Status::parse(code) {
        None => 0,
        Some(Status::Created) => 1,
        Some(Status::Started) => 2,
        Some(_) => 3,
    }
}

fn system() -> Actor {
    Actor {
        user_id: None,
        username: "(決済サービス)".into(),
        ip: "local".into(),
    }
}

/// Starts (or resumes) the payment of an application's fee; the provider's page to send the
/// resident to. A retry after a timeout uses the same idempotency key.
pub async fn start(
    state: &AppState,
    app: &Application,
    return_url: &str,
) -> Result<String, PayError> {
    let provider = provider::configured(state).ok_or(PayError::Off)?;
    let settings = state
        .settings
        .online
        .payments
        .as_ref()
        .ok_or(PayError::Off)?;
    let mut conn = state.db.conn().await?;
    let open = sqlx::query(
        "SELECT id, idempotency_key, state, next_url FROM online_payments
         WHERE application_id = $1 AND state IN ('creating', 'created', 'started') ORDER BY id DESC",
    )
    .bind(app.id)
    .fetch_optional(&mut *conn)
    .await?;
    let (row_id, key) = match open {
        Some(r) => {
            let next: String = r.try_get("next_url")?;
            let st: String = r.try_get("state")?;
            if st != CREATING && !next.is_empty() {
                return Ok(next);
            }
            (
                r.try_get::<i64, _>("id")?,
                r.try_get::<String, _>("idempotency_key")?,
            )
        }
        None => {
            let n: i64 = sqlx::query(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM online_payments WHERE application_id = $1",
            )
            .bind(app.id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
            let town = state
                .town
                .code
                .map_or_else(|| "town".to_string(), |c| c.to_string());
            let key = format!("{town}-application-{}-{}", app.id, n + 1);
            let now = stamp(OffsetDateTime::now_utc());
            let id: i64 = sqlx::query(
                "INSERT INTO online_payments (application_id, provider, idempotency_key, amount, state, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(app.id)
            .bind(provider.name())
            .bind(&key)
            .bind(app.fee)
            .bind(CREATING)
            .bind(&now)
            .fetch_one(&mut *conn)
            .await?
            .try_get("id")?;
            (id, key)
        }
    };
    drop(conn);
    let req = CreateRequest {
        amount: app.fee,
        reference: app.receipt_no.clone(),
        description: app.procedure_key.clone(),
        return_url: return_url.to_string(),
        idempotency_key: key,
    };
    let created = match tokio::time::timeout(settings.timeout, provider.create(state, &req)).await {
        Err(_) => return Err(PayError::Timeout),
        Ok(Err(e)) => return Err(PayError::Provider(e.to_string())),
        Ok(Ok(c)) => c,
    };
    sqlx::query(
        "UPDATE online_payments SET provider_ref = $1, next_url = $2, state = 'created', updated_at = $3
         WHERE id = $4 AND state = 'creating'",
    )
    .bind(&created.provider_ref)
    .bind(&created.next_url)
    .bind(stamp(OffsetDateTime::now_utc()))
    .bind(row_id)
    .execute(&mut *state.db.conn().await?)
    .await?;
    Ok(created.next_url)
}

/// A callback as it arrived over HTTP: checked, then applied.
pub async fn receive(
    state: &AppState,
    provider_name: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Applied, ReceiveError> {
    let provider = provider::configured(state)
        .filter(|p| p.name() == provider_name)
        .ok_or(ReceiveError::NotFound)?;
    let event = provider
        .verify(headers, body)
        .map_err(ReceiveError::Refused)?;
    apply(state, provider.name(), &event)
        .await
        .map_err(ReceiveError::Internal)
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// The provider's time of an event as a time in Japan (now, when it is unreadable).
fn paid_at(state: &AppState, at: &str) -> time::PrimitiveDateTime {
    match OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(time::macros::offset!(+9));
            time::PrimitiveDateTime::new(
                t.date(),
                t.time().replace_nanosecond(0).unwrap_or(t.time()),
            )
        }
        Err(_) => crate::receipts::routes::now_jst(state),
    }
}

/// Applies one event: at most once per event id, only forward, the receipt with `success`.
pub async fn apply(state: &AppState, provider: &str, ev: &Event) -> anyhow::Result<Applied> {
    let mut tx = state.db.begin().await?;
    let fresh = sqlx::query(
        "INSERT INTO payment_events (provider, event_id, provider_ref, kind, received_at, applied)
         VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT DO NOTHING",
    )
    .bind(provider)
    .bind(&ev.event_id)
    .bind(&ev.payment_id)
    .bind(ev.status.code())
    .bind(stamp(OffsetDateTime::now_utc()))
    .execute(&mut *tx)
    .await?;
    if fresh.rows_affected() == 0 {
        return Ok(Applied::Replay);
    }
    let row = sqlx::query(
        "SELECT p.id, p.application_id, p.amount, p.state, a.procedure_key, a.department
         FROM online_payments p JOIN applications a ON a.id = p.application_id
         WHERE p.provider = $1 AND p.provider_ref = $2",
    )
    .bind(provider)
    .bind(&ev.payment_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.commit().await?;
        return Ok(Applied::Unknown);
    };
    let id: i64 = row.try_get("id")?;
    let current: String = row.try_get("state")?;
    if rank(&current) >= 3 || rank(ev.status.code()) <= rank(&current) {
        tx.commit().await?;
        return Ok(Applied::Ignored);
    }
    let moved = sqlx::query(
        "UPDATE online_payments SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
    )
    .bind(ev.status.code())
    .bind(stamp(OffsetDateTime::now_utc()))
    .bind(id)
    .bind(&current)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() == 0 {
        tx.commit().await?;
        return Ok(Applied::Ignored);
    }
    if ev.status == Status::Success {
        let app_id: i64 = row.try_get("application_id")?;
        let receipt = NewReceipt {
            subject: Subject::Fee,
            procedure: row.try_get("procedure_key")?,
            amount: Yen(row.try_get("amount")?),
            channel: Channel::Online,
            paid_at: paid_at(state, &ev.at),
            department: row.try_get("department")?,
            counter: String::new(),
            reference: ev.payment_id.clone(),
            source: Source::Online,
            visit: None,
        };
        let receipt_id = append_in(&mut tx, &receipt, None, &system())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        sqlx::query("UPDATE online_payments SET receipt_id = $1 WHERE id = $2")
            .bind(receipt_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        crate::applications::store::paid_in(&mut tx, app_id, &system()).await?;
    }
    sqlx::query("UPDATE payment_events SET applied = 1 WHERE provider = $1 AND event_id = $2")
        .bind(provider)
        .bind(&ev.event_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Applied::Moved)
}

/// Asks the provider about an application's open payments and applies what it says (when the
/// resident comes back, and from the reconcile job for callbacks that never came).
pub async fn check(state: &AppState, application_id: Option<i64>) -> anyhow::Result<usize> {
    let Some(provider) = provider::configured(state) else {
        return Ok(0);
    };
    let timeout = state
        .settings
        .online
        .payments
        .as_ref()
        .map_or(std::time::Duration::from_secs(10), |p| p.timeout);
    let rows = sqlx::query(
        "SELECT provider_ref, application_id FROM online_payments
         WHERE provider = $1 AND provider_ref IS NOT NULL AND state IN ('created', 'started')",
    )
    .bind(provider.name())
    .fetch_all(&mut *state.db.conn().await?)
    .await?;
    let mut moved = 0;
    for r in rows {
        let app: i64 = r.try_get("application_id")?;
        if application_id.is_some_and(|a| a != app) {
            continue;
        }
        let reference: String = r.try_get("provider_ref")?;
        let Ok(Ok(status)) =
            tokio::time::timeout(timeout, provider.status(state, &reference)).await
        else {
            continue; // asked again next time
        };
        let ev = Event {
            event_id: format!("status:{reference}:{}", status.code()),
            payment_id: reference,
            status,
            at: crate::receipts::routes::now_jst(state)
                .assume_offset(time::macros::offset!(+9))
                .format(&time::format_description::well_known::Rfc3339)?,
        };
        if apply(state, provider.name(), &ev).await? == Applied::Moved {
            moved += 1;
        }
    }
    Ok(moved)
}

/// The state of an application's latest payment, for its pages.
pub async fn latest(state: &AppState, application_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("SELECT state FROM online_payments WHERE application_id = $1 ORDER BY id DESC")
        .bind(application_id)
        .fetch_optional(&mut *state.db.conn().await?)
        .await?
        .map(|r| r.try_get("state"))
        .transpose()
}
