//! The sandbox provider: machi plays a payment provider for trials and demonstrations. It keeps
//! its own books (`sandbox_payments`), shows its own page where the resident pays or refuses
//! (no card number is asked; nothing is charged), and confirms by a signed callback that goes
//! through the same check as a real provider's.

use super::provider::{CreateRequest, Created, Event, Provider, SIGNATURE_HEADER, Status, sign};
use crate::app::AppState;
use crate::applications::store::stamp;
use crate::auth::secret::random_token;
use crate::auth::session::{AnonForm, LOGIN_CSRF_COOKIE, is_https, set_cookie};
use crate::error::AppError;
use crate::modules::BoxFuture;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use sqlx::Row;
use std::time::Duration;

pub struct Sandbox {
    pub secret: String,
    /// Answers this late (to try timeouts).
    pub delay: Duration,
}

impl Provider for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn create<'a>(
        &'a self,
        state: &'a AppState,
        req: &'a CreateRequest,
    ) -> BoxFuture<'a, anyhow::Result<Created>> {
        Box::pin(async move {
            if req.amount <= 0 {
                anyhow::bail!("amount must be positive");
            }
            let mut conn = state.db.conn().await?;
            // Idempotent: the same key is the same payment.
            let known: Option<String> =
                sqlx::query("SELECT id FROM sandbox_payments WHERE idempotency_key = $1")
                    .bind(&req.idempotency_key)
                    .fetch_optional(&mut *conn)
                    .await?
                    .map(|r| r.try_get("id"))
                    .transpose()?;
            let id = match known {
                Some(id) => id,
                None => {
                    let id = format!("sbx_{}", &random_token()[..20]);
                    sqlx::query(
                        "INSERT INTO sandbox_payments (id, idempotency_key, amount, description, reference, return_url, state, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, 'created', $7) ON CONFLICT DO NOTHING",
                    )
                    .bind(&id)
                    .bind(&req.idempotency_key)
                    .bind(req.amount)
                    .bind(&req.description)
                    .bind(&req.reference)
                    .bind(&req.return_url)
                    .bind(stamp(time::OffsetDateTime::now_utc()))
                    .execute(&mut *conn)
                    .await?;
                    sqlx::query("SELECT id FROM sandbox_payments WHERE idempotency_key = $1")
                        .bind(&req.idempotency_key)
                        .fetch_one(&mut *conn)
                        .await?
                        .try_get("id")?
                }
            };
            drop(conn);
            // A slow provider: the payment exists, the answer comes late.
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            Ok(Created {
                next_url: format!("{}/pay-sandbox/{id}", state.base),
                provider_ref: id,
            })
        })
    }

    fn status<'a>(
        &'a self,
        state: &'a AppState,
        provider_ref: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Status>> {
        Box::pin(async move {
            let s: String = sqlx::query("SELECT state FROM sandbox_payments WHERE id = $1")
                .bind(provider_ref)
                .fetch_optional(&mut *state.db.conn().await?)
                .await?
                .ok_or_else(|| anyhow::anyhow!("unknown payment {provider_ref}"))?
                .try_get("state")?;
            Status::parse(&s).ok_or_else(|| anyhow::anyhow!("unknown state {s}"))
        })
    }

    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Event, String> {
        let given = headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !super::provider::signature_ok(&self.secret, body, given) {
            return Err("署名が正しくありません".into());
        }
        serde_json::from_slice(body).map_err(|e| format!("内容を読めません: {e}"))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "payments/templates/sandbox.html")]
struct SandboxPage {
    layout: Layout,
    id: String,
    amount: String,
    reference: String,
    state: &'static str,
    open: bool,
    csrf: String,
}

async fn load(state: &AppState, id: &str) -> Result<(i64, String, String, String), AppError> {
    let r = sqlx::query(
        "SELECT amount, reference, state, return_url FROM sandbox_payments WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *state.db.conn().await?)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok((
        r.try_get("amount")?,
        r.try_get("reference")?,
        r.try_get("state")?,
        r.try_get("return_url")?,
    ))
}

/// The sandbox's payment page.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if super::provider::configured(&state).is_none_or(|p| p.name() != "sandbox") {
        return Err(AppError::NotFound);
    }
    let (amount, reference, st, _) = load(&state, &id).await?;
    let status = Status::parse(&st).unwrap_or(Status::Error);
    let csrf = random_token();
    let cookie = set_cookie(
        &state,
        LOGIN_CSRF_COOKIE,
        &csrf,
        3600,
        is_https(&state, &headers),
        "Strict",
    );
    let page = SandboxPage {
        layout: Layout::public(&state, "").await,
        id,
        amount: crate::receipts::model::Yen(amount).to_string(),
        reference,
        state: status.label(),
        open: !status.is_final(),
        csrf,
    };
    Ok(([(header::SET_COOKIE, cookie)], page).into_response())
}

#[derive(serde::Deserialize)]
pub struct Decision {
    decision: String,
}

/// Pays or refuses; the sandbox then calls back (signed) and sends the resident back.
pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AnonForm { form, .. }: AnonForm<Decision>,
) -> Result<Response, AppError> {
    let Some(p) = state.settings.online.payments.clone() else {
        return Err(AppError::NotFound);
    };
    let (_, _, st, return_url) = load(&state, &id).await?;
    let to = match form.decision.as_str() {
        "pay" => Status::Success,
        "refuse" => Status::Failed,
        "cancel" => Status::Cancelled,
        _ => return Err(AppError::BadRequest("選択肢を選んでください".into())),
    };
    if Status::parse(&st).is_some_and(|s| !s.is_final()) {
        let mut conn = state.db.conn().await?;
        let moved = sqlx::query(
            "UPDATE sandbox_payments SET state = $1, events = events + 1 WHERE id = $2 AND state = $3",
        )
        .bind(to.code())
        .bind(&id)
        .bind(&st)
        .execute(&mut *conn)
        .await?;
        drop(conn);
        if moved.rows_affected() > 0 {
            let event = Event {
                event_id: format!("{id}:{}", to.code()),
                payment_id: id.clone(),
                status: to,
                at: crate::receipts::routes::now_jst(&state)
                    .assume_offset(time::macros::offset!(+9))
                    .format(&time::format_description::well_known::Rfc3339)
                    .map_err(anyhow::Error::from)?,
            };
            let body = serde_json::to_vec(&event).map_err(anyhow::Error::from)?;
            let mut headers = HeaderMap::new();
            headers.insert(
                SIGNATURE_HEADER,
                HeaderValue::from_str(&sign(&p.secret, &body)).map_err(anyhow::Error::from)?,
            );
            // The callback goes through the same door as a real provider's. If it fails the
            // resident's return and the reconcile job still find the payment's state.
            if let Err(e) = super::service::receive(&state, "sandbox", &headers, &body).await {
                tracing::warn!("sandbox callback not applied: {e}");
            }
        }
    }
    Ok(Redirect::to(&return_url).into_response())
}
