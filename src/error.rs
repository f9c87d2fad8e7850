//! Errors a request can end in, rendered as a Japanese page (or JSON under /api).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("ページが見つかりません")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error(
        "計画がまだ読み込まれていません。`machi plan import` で計画ファイルを読み込んでください。"
    )]
    NoPlan,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

#[derive(Template)]
#[template(path = "web/templates/error.html")]
struct ErrorPage<'a> {
    layout: crate::web::Layout,
    status: u16,
    title: &'a str,
    message: &'a str,
}

/// What an error page says; the town's frame is put around it by [`frame_errors`].
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub title: &'static str,
    pub message: String,
}

/// An error page in a frame.
pub fn error_page(
    layout: crate::web::Layout,
    status: StatusCode,
    title: &str,
    message: &str,
) -> Response {
    let page = ErrorPage {
        layout,
        status: status.as_u16(),
        title,
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message.to_string()).into_response(),
    }
}

/// Puts the town's frame (name, menu) around the error pages its handlers answer with.
pub async fn frame_errors(
    axum::extract::State(state): axum::extract::State<crate::app::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let res = next.run(req).await;
    let Some(info) = res.extensions().get::<ErrorInfo>().cloned() else {
        return res;
    };
    let (parts, _) = res.into_parts();
    let framed = error_page(
        crate::web::Layout::public(&state, "").await,
        parts.status,
        info.title,
        &info.message,
    );
    let (mut new_parts, body) = framed.into_parts();
    // Keep what the handler set (cookies, Retry-After …) apart from the body's type and length.
    for (name, value) in parts.headers.iter() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            new_parts.headers.append(name.clone(), value.clone());
        }
    }
    Response::from_parts(new_parts, body)
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::NoPlan => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn public_message(&self) -> String {
        match self {
            // Details of internal errors go to the log, not to the visitor.
            AppError::Internal(_) => {
                "サーバーで問題が起きました。時間をおいてもう一度お試しください。".to_string()
            }
            e => e.to_string(),
        }
    }

    /// The error as the JSON API answers it.
    pub fn into_json(self) -> Response {
        self.log();
        let status = self.status();
        let body = serde_json::json!({ "error": { "status": status.as_u16(), "message": self.public_message() } });
        (status, axum::Json(body)).into_response()
    }

    fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!("request failed: {e:#}");
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let title = match status {
            StatusCode::NOT_FOUND => "ページが見つかりません",
            StatusCode::BAD_REQUEST => "入力に誤りがあります",
            StatusCode::FORBIDDEN => "この操作はできません",
            StatusCode::PAYLOAD_TOO_LARGE => "送信された内容が大きすぎます",
            _ => "エラー",
        };
        let message = self.public_message();
        let mut res = error_page(crate::web::Layout::default(), status, title, &message);
        res.extensions_mut().insert(ErrorInfo { title, message });
        res
    }
}

/// A town's answer to an address it does not have.
pub async fn town_not_found() -> AppError {
    AppError::NotFound
}
