//! Rendered public pages, kept while the evaluated plan they were made from is current (at most a
//! second, see `AppState::plan_data`). Public plan pages depend only on the plan data and the
//! address, so a burst of readers costs one render per page per second, not one per request.

use crate::app::AppState;
use crate::error::AppError;
use crate::plan::service::PlanData;
use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Distinct addresses kept per plan load; odd query strings beyond it are rendered, not kept.
const MAX_PAGES: usize = 256;

#[derive(Default)]
pub struct PageCache {
    /// The plan data the pages were rendered from (held, so its address is never reused).
    plan: Option<Arc<PlanData>>,
    pages: HashMap<String, (&'static str, Bytes)>,
}

/// A town's rendered pages.
#[derive(Clone, Default)]
pub struct Cache(Arc<RwLock<PageCache>>);

/// Serves `key` from the cache, or renders it with `render` and keeps it.
pub async fn cached(
    state: &AppState,
    key: String,
    content_type: &'static str,
    render: impl FnOnce(&PlanData) -> Result<Vec<u8>, AppError>,
) -> Result<Response, AppError> {
    let data = state.plan_data().await?;
    // A town reachable at two addresses (its host and /t/CODE/) links differently from each.
    let key = format!("{}{key}", state.base);
    {
        let cache = state.cache::<Cache>().0.read().expect("page cache lock");
        if cache.plan.as_ref().is_some_and(|p| Arc::ptr_eq(p, &data))
            && let Some((ct, bytes)) = cache.pages.get(&key)
        {
            return Ok(([(header::CONTENT_TYPE, *ct)], bytes.clone()).into_response());
        }
    }
    let bytes = Bytes::from(render(&data)?);
    {
        let mut cache = state.cache::<Cache>().0.write().expect("page cache lock");
        if !cache.plan.as_ref().is_some_and(|p| Arc::ptr_eq(p, &data)) {
            cache.plan = Some(data.clone());
            cache.pages.clear();
        }
        if cache.pages.len() < MAX_PAGES {
            cache.pages.insert(key, (content_type, bytes.clone()));
        }
    }
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

/// An HTML page from a template, cached.
pub async fn cached_page<T: askama::Template>(
    state: &AppState,
    key: String,
    build: impl FnOnce(&PlanData) -> Result<T, AppError>,
) -> Result<Response, AppError> {
    cached(state, key, "text/html; charset=utf-8", |data| {
        build(data)?
            .render()
            .map(String::into_bytes)
            .map_err(|e| AppError::Internal(e.into()))
    })
    .await
}
