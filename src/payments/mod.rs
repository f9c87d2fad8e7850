//! Online payment of fees (#17): one provider interface, machi's sandbox provider, signed
//! callbacks applied once and only forward, and reconciliation. The receipt goes to the
//! ledger (`crate::receipts`) as `オンライン決済` when the payment succeeds.

pub mod provider;
pub mod sandbox;
pub mod service;

use crate::app::AppState;
use crate::error::AppError;
use crate::modules::Job;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub struct PaymentsModule;

impl crate::modules::Module for PaymentsModule {
    fn name(&self) -> &'static str {
        "payments"
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/payments/webhook/{provider}", post(webhook))
            .route(
                "/pay-sandbox/{id}",
                get(sandbox::page).post(sandbox::decide),
            )
    }
    fn jobs(&self) -> Vec<Job> {
        vec![Job {
            name: "payments.reconcile",
            // Callbacks can be lost: payments still open are asked about every few minutes.
            every: std::time::Duration::from_secs(300),
            run: |state| {
                Box::pin(async move {
                    let n = service::check(&state, None).await?;
                    Ok((n > 0).then(|| format!("オンライン決済: {n}件の支払い状況を更新しました")))
                })
            },
        }]
    }
}

/// A provider's callback. Answers 200 to anything it has taken (also a replay, so the provider
/// stops sending), 403 to a bad signature.
async fn webhook(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    if body.len() > 64 * 1024 {
        return Err(AppError::PayloadTooLarge("too large".into()));
    }
    match service::receive(&state, &provider, &headers, &body).await {
        Ok(applied) => Ok((StatusCode::OK, format!("{applied:?}")).into_response()),
        Err(service::ReceiveError::NotFound) => Err(AppError::Forbidden(
            "この決済サービスからの通知は受け付けていません".into(),
        )),
        Err(service::ReceiveError::Refused(m)) => Err(AppError::Forbidden(m)),
        Err(service::ReceiveError::Internal(e)) => Err(AppError::Internal(e)),
    }
}
