//! Which plan a public plan page shows: the current one (`/plan/…`), or an earlier plan of the
//! town kept for reading (`/plans/{id}/plan/…`). The same handlers serve both; earlier plans
//! are read-only pages with their final results.

use super::service::{self, PlanData};
use crate::app::AppState;
use crate::error::AppError;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::Arc;

/// A `{code}` in a plan route (with or without the `{plan}` before it).
#[derive(serde::Deserialize)]
pub struct Code {
    pub code: String,
}

/// The plan a request is about.
pub struct PlanView(pub Arc<PlanData>);

impl FromRequestParts<AppState> for PlanView {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // Routes without parameters have no path map: that is the current plan.
        let params = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|p| p.0)
            .unwrap_or_default();
        Ok(PlanView(match params.get("plan") {
            Some(id) => service::earlier(state, id).await?,
            None => state.plan_data().await?,
        }))
    }
}

impl PlanView {
    /// A page of this plan: kept in the town's page cache when it is the current plan.
    pub async fn page<T: askama::Template>(
        &self,
        state: &AppState,
        key: String,
        build: impl FnOnce(&PlanData) -> Result<T, AppError>,
    ) -> Result<Response, AppError> {
        self.bytes(state, key, "text/html; charset=utf-8", |data| {
            build(data)?
                .render()
                .map(String::into_bytes)
                .map_err(|e| AppError::Internal(e.into()))
        })
        .await
    }

    /// Any rendered document of this plan, cached like `page`.
    pub async fn bytes(
        &self,
        state: &AppState,
        key: String,
        content_type: &'static str,
        render: impl FnOnce(&PlanData) -> Result<Vec<u8>, AppError>,
    ) -> Result<Response, AppError> {
        use axum::response::IntoResponse;
        if self.0.browsed {
            let bytes = render(&self.0)?;
            return Ok(([(axum::http::header::CONTENT_TYPE, content_type)], bytes).into_response());
        }
        crate::web::page_cache::cached(state, key, content_type, render).await
    }
}

/// Where the pages of a plan start: the town's base, or `/plans/{id}` below it for an earlier one.
pub fn plan_base(state: &AppState, data: &PlanData) -> String {
    if data.browsed {
        format!("{}/plans/{}", state.base, data.plan.id)
    } else {
        state.base.to_string()
    }
}
