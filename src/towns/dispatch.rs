//! Which town a request is for: its host name, or the path prefix `/t/CODE/`; plain addresses go
//! to the only town of a single-town install, and otherwise to the installation's own pages
//! (`/`, `/towns`, `/api/towns`, `/platform/…`). An unknown town is a 404, never another town.

use super::code::TownCode;
use super::registry::normalize_host;
use super::{Mount, Platform, TownHandle};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;
use tower::ServiceExt;

/// The whole site as one router.
pub fn router(platform: Arc<Platform>) -> Router {
    Router::new()
        .fallback(dispatch)
        .with_state(platform)
        .layer(axum::middleware::map_response(crate::web::security_headers))
}

async fn dispatch(State(platform): State<Arc<Platform>>, req: Request) -> Response {
    let path = req.uri().path();
    if path == "/static/machi.css" {
        return crate::web::stylesheet().await;
    }
    if path == "/static/print.js" {
        return crate::web::print_script().await;
    }
    let towns = platform.towns();
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .map(normalize_host)
        .unwrap_or_default();
    if let Some(town) = towns.by_host(&host) {
        return to_town(&platform, town, Mount::Root, req, None).await;
    }
    if let Some(rest) = path.strip_prefix("/t/") {
        let (code, tail) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let town = TownCode::parse(code)
            .ok()
            .filter(|c| c.as_str() == code)
            .and_then(|c| towns.by_code.get(&c).cloned());
        let Some(town) = town else {
            return super::routes::unknown_town(&platform).await;
        };
        if tail.is_empty() {
            // `/t/285854` → `/t/285854/`, so the town's relative links resolve.
            return Redirect::permanent(&format!("/t/{code}/")).into_response();
        }
        let tail = tail.to_string();
        return to_town(&platform, &town, Mount::Prefixed, req, Some(tail)).await;
    }
    if path == "/platform" || path.starts_with("/platform/") {
        let tail = path["/platform".len()..].to_string();
        let tail = if tail.is_empty() {
            "/".to_string()
        } else {
            tail
        };
        let (_, router) = platform.site();
        return forward(router.clone(), req, Some(tail)).await;
    }
    let method = req.method().clone();
    let path = path.to_string();
    if let Some(response) = super::routes::platform_public(&platform, &method, &path).await {
        return response;
    }
    if let Some(town) = towns.only_town() {
        return to_town(&platform, town, Mount::Root, req, None).await;
    }
    if path == "/" {
        return super::routes::towns_home(&platform).await;
    }
    super::routes::unknown_town(&platform).await
}

async fn to_town(
    platform: &Platform,
    town: &TownHandle,
    mount: Mount,
    req: Request,
    path: Option<String>,
) -> Response {
    match town.mounted(platform, mount) {
        Some((_, router)) => forward(router.clone(), req, path).await,
        None => super::routes::town_unavailable(town),
    }
}

/// Hands the request to a router, with its path rewritten below a prefix.
async fn forward(router: Router, mut req: Request, path: Option<String>) -> Response {
    if let Some(path) = path {
        let pq = match req.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        match pq.parse::<Uri>() {
            Ok(uri) => *req.uri_mut() = uri,
            Err(_) => return (StatusCode::BAD_REQUEST, Body::empty()).into_response(),
        }
    }
    let page = req.uri().path().to_string();
    match crate::web::PAGE.scope(page, router.oneshot(req)).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}
