//! 「このページは役に立ちましたか?」 on every public page. The frame's はい/いいえ opens
//! `/feedback` (a GET, so cached pages need no token), which asks for an optional comment and
//! sends the vote with the form's token. One vote per page per browser per day (a random cookie,
//! hashed); comments are masked before they are stored; a flood from one address is refused.

use super::guard::mask;
use super::help::{allowed, form_token, token_cookie};
use super::log_store;
use crate::app::AppState;
use crate::auth::secret::random_token;
use crate::auth::session::{AnonForm, cookie, set_cookie};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::time::Duration;

const VOTER_COOKIE: &str = "machi_voter";
pub const MAX_COMMENT: usize = 200;

/// A page address of this town as the frame sends it, or None.
pub fn page_path(text: &str) -> Option<String> {
    let t = text.trim();
    (t.starts_with('/')
        && !t.starts_with("//")
        && t.len() <= 300
        && !t.chars().any(|c| c.is_control() || c == '\\'))
    .then(|| t.to_string())
}

#[derive(Deserialize, Default)]
pub struct VoteQuery {
    #[serde(default)]
    page: String,
    #[serde(default)]
    helpful: String,
    #[serde(default)]
    done: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "faq/templates/feedback.html")]
struct VotePage {
    layout: Layout,
    csrf: String,
    page: String,
    helpful: String,
    done: String,
    error: String,
}

async fn render(
    state: &AppState,
    headers: &HeaderMap,
    page: String,
    helpful: String,
    done: String,
    error: String,
) -> Result<Response, AppError> {
    let csrf = form_token(headers);
    let token = token_cookie(state, headers, &csrf);
    let mut layout = Layout::public(state, "").await;
    layout.page = String::new();
    Ok((
        [(header::SET_COOKIE, token)],
        VotePage {
            layout,
            csrf,
            page,
            helpful,
            done,
            error,
        },
    )
        .into_response())
}

pub async fn ask(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<VoteQuery>,
) -> Result<Response, AppError> {
    let page = page_path(&q.page).ok_or(AppError::BadRequest(
        "どのページについての回答かわかりません。ページの下の「はい」「いいえ」から送ってください。"
            .into(),
    ))?;
    let helpful = match q.helpful.as_str() {
        "yes" | "no" => q.helpful.clone(),
        _ => String::new(),
    };
    let done = match q.done.as_str() {
        "1" | "again" => q.done.clone(),
        _ => String::new(),
    };
    render(&state, &headers, page, helpful, done, String::new()).await
}

#[derive(Deserialize)]
pub struct VoteForm {
    page: String,
    #[serde(default)]
    helpful: String,
    #[serde(default)]
    comment: String,
}

pub async fn vote(
    State(state): State<AppState>,
    headers: HeaderMap,
    AnonForm { form, ip, https }: AnonForm<VoteForm>,
) -> Result<Response, AppError> {
    let page = page_path(&form.page).ok_or(AppError::BadRequest(
        "どのページについての回答かわかりません。".into(),
    ))?;
    let helpful = match form.helpful.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return render(
                &state,
                &headers,
                page,
                String::new(),
                String::new(),
                "「はい」か「いいえ」を選んでください。".into(),
            )
            .await;
        }
    };
    allowed(&state, &ip, "vote", 30, Duration::from_secs(600))?;
    let (voter, new_voter) = match cookie(&headers, VOTER_COOKIE) {
        Some(v) if v.len() >= 20 => (v.to_string(), false),
        _ => (random_token(), true),
    };
    let hashed = crate::filetype::sha256_hex(voter.as_bytes());
    let today = crate::fiscal::today_jst();
    let again = log_store::voted(&state.db, &page, &hashed, today).await?;
    if !again {
        let comment = if helpful {
            String::new()
        } else {
            mask(&form.comment, MAX_COMMENT)
        };
        log_store::vote(&state.db, &page, helpful, &comment, &hashed, today).await?;
    }
    let to = format!(
        "{}/feedback?page={}&done={}",
        state.base,
        url::form_urlencoded::byte_serialize(page.as_bytes()).collect::<String>(),
        if again { "again" } else { "1" }
    );
    let mut r = Redirect::to(&to).into_response();
    if new_voter {
        let c = set_cookie(&state, VOTER_COOKIE, &voter, 400 * 86_400, https, "Lax");
        r.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_str(&c).expect("a cookie"),
        );
    }
    Ok(r)
}
