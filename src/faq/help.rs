//! The help chat (`/help`): a resident asks in their own words and gets the best answers as
//! short cards, asks for other answers or narrows to a category, and says whether it helped;
//! 「いいえ」 shows the 担当課's contact and a form to write to the town. Plain HTML forms (each
//! post answers with a redirect back to the conversation); the conversation is a random cookie,
//! and the log keeps no address and no person.

use super::guard::{Limiter, mask};
use super::index::Kind;
use super::log_store::{self, Exchange};
use super::public::{empty_reason, kind_label};
use super::service::{self, Searcher};
use crate::app::AppState;
use crate::auth::secret::random_token;
use crate::auth::session::{AnonForm, LOGIN_CSRF_COOKIE, cookie, is_https, set_cookie};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::time::Duration;

const CONVERSATION_COOKIE: &str = "machi_help";
/// Answers per card row.
const CARDS: usize = 3;

/// The double-submit token of a public form: the browser's, or a new one.
pub fn form_token(headers: &HeaderMap) -> String {
    cookie(headers, LOGIN_CSRF_COOKIE)
        .filter(|t| {
            t.len() >= 20
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map_or_else(random_token, str::to_string)
}

/// The cookie that goes with `form_token`.
pub fn token_cookie(state: &AppState, headers: &HeaderMap, token: &str) -> HeaderValue {
    HeaderValue::from_str(&set_cookie(
        state,
        LOGIN_CSRF_COOKIE,
        token,
        3600 * 4,
        is_https(state, headers),
        "Strict",
    ))
    .expect("a cookie header")
}

/// Whether the address may send one more of `what` (a flood gets a kind refusal).
pub fn allowed(
    state: &AppState,
    ip: &str,
    what: &str,
    max: u32,
    window: Duration,
) -> Result<(), AppError> {
    if state
        .cache::<Limiter>()
        .allow(&format!("{what}:{ip}"), max, window)
    {
        Ok(())
    } else {
        Err(AppError::BadRequest(
            "短い時間に多くの送信がありました。少し時間をおいてから、もう一度お試しください。"
                .into(),
        ))
    }
}

/// A card: an answer shown in the chat.
pub struct Card {
    /// Below the town's base: through `/help/open/…`, so the log knows it was opened.
    pub href: String,
    pub kind: &'static str,
    pub question: String,
    pub summary: String,
}

/// One exchange as the page shows it.
pub struct Turn {
    pub id: i64,
    pub query: String,
    pub cards: Vec<Card>,
    pub solved: Option<bool>,
    /// The cards hold what the question was about (not only near it).
    pub answered: bool,
    /// Where 「ほかの答え」 starts.
    pub next_offset: usize,
    /// More answers exist after these.
    pub more: bool,
    pub last: bool,
    /// After 「いいえ」: the 担当課 whose contact is shown.
    pub department: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "faq/templates/help.html")]
struct HelpPage {
    layout: Layout,
    csrf: String,
    turns: Vec<Turn>,
    chips: Vec<String>,
    message: String,
    sent: bool,
}

fn card(searcher: &Searcher, exchange: i64, shown: &str) -> Option<Card> {
    let (kind, id) = shown.split_once(':')?;
    let d = searcher.doc(Kind::parse(kind)?, id)?;
    Some(Card {
        href: format!("/help/open/{exchange}/{kind}/{}", service::id_path(id)),
        kind: kind_label(d.kind),
        question: d.question.clone(),
        summary: service::summary(&d.answer, 60),
    })
}

/// The 担当課 of an exchange's first answer (empty when it has none).
fn department(searcher: &Searcher, x: &Exchange) -> String {
    x.shown
        .first()
        .and_then(|s| s.split_once(':'))
        .and_then(|(k, id)| Some(searcher.department(Kind::parse(k)?, id)))
        .unwrap_or_default()
}

fn turns(searcher: &Searcher, log: &[Exchange]) -> Vec<Turn> {
    let mut out: Vec<Turn> = Vec::new();
    let mut offset = 0;
    for (i, x) in log.iter().enumerate() {
        if i > 0 && log[i - 1].query != x.query {
            offset = 0;
        }
        offset += x.shown.len();
        let cards: Vec<Card> = x
            .shown
            .iter()
            .filter_map(|s| card(searcher, x.id, s))
            .collect();
        let last = i + 1 == log.len();
        out.push(Turn {
            id: x.id,
            query: x.query.clone(),
            // Only the last exchange offers other answers: only it is searched again.
            more: last
                && cards.len() == CARDS
                && searcher.find(&x.query, None, None, offset + 1).len() > offset,
            cards,
            solved: x.solved,
            answered: x.answered,
            next_offset: offset,
            last,
            department: department(searcher, x),
        });
    }
    out
}

#[derive(Deserialize, Default)]
pub struct HelpQuery {
    #[serde(default)]
    new: String,
    #[serde(default)]
    sent: String,
}

async fn render(
    state: &AppState,
    headers: &HeaderMap,
    conversation: &str,
    message: String,
    sent: bool,
) -> Result<Response, AppError> {
    let searcher = service::searcher(state).await?;
    let log = log_store::conversation(&state.db, conversation).await?;
    let turns = turns(&searcher, &log);
    let mut chips: Vec<String> = Vec::new();
    if let Some(last) = log.last() {
        for f in searcher.find(&last.query, None, None, 10) {
            if !f.category.is_empty() && !chips.contains(&f.category) && chips.len() < 6 {
                chips.push(f.category);
            }
        }
    }
    let csrf = form_token(headers);
    let cookie = token_cookie(state, headers, &csrf);
    let page = HelpPage {
        layout: Layout::public(state, "help").await,
        csrf,
        turns,
        chips,
        message,
        sent,
    };
    Ok(([(header::SET_COOKIE, cookie)], page).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HelpQuery>,
) -> Result<Response, AppError> {
    let conversation = if q.new.is_empty() {
        cookie(&headers, CONVERSATION_COOKIE)
            .unwrap_or("")
            .to_string()
    } else {
        String::new()
    };
    let mut r = render(
        &state,
        &headers,
        &conversation,
        String::new(),
        !q.sent.is_empty(),
    )
    .await?;
    if !q.new.is_empty() {
        let clear = set_cookie(
            &state,
            CONVERSATION_COOKIE,
            "",
            0,
            is_https(&state, &headers),
            "Strict",
        );
        r.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_str(&clear).expect("a cookie"),
        );
    }
    Ok(r)
}

#[derive(Deserialize)]
pub struct AskForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    offset: usize,
}

fn back(state: &AppState, anchor: &str) -> Response {
    Redirect::to(&format!("{}/help{anchor}", state.base)).into_response()
}

pub async fn ask(
    State(state): State<AppState>,
    headers: HeaderMap,
    AnonForm { form, ip, https }: AnonForm<AskForm>,
) -> Result<Response, AppError> {
    allowed(&state, &ip, "help", 30, Duration::from_secs(60))?;
    let existing = cookie(&headers, CONVERSATION_COOKIE)
        .unwrap_or("")
        .to_string();
    if let Some(m) = empty_reason(&form.q) {
        return render(&state, &headers, &existing, m.to_string(), false).await;
    }
    let conversation = if existing.is_empty() {
        random_token()
    } else {
        existing
    };
    let searcher = service::searcher(&state).await?;
    let category = form.category.trim();
    let (found, answered) = searcher.find_checked(
        &form.q,
        None,
        (!category.is_empty()).then_some(category),
        form.offset.min(200) + CARDS,
    );
    let shown: Vec<String> = found
        .iter()
        .skip(form.offset)
        .map(|f| format!("{}:{}", kind_key(f.kind), f.id))
        .collect();
    let query = mask(&form.q, service::MAX_QUERY);
    let id = log_store::log_question(
        &state.db,
        &conversation,
        &query,
        &shown,
        answered,
        crate::fiscal::today_jst(),
    )
    .await?;
    let mut r = back(&state, &format!("#x{id}"));
    let c = set_cookie(
        &state,
        CONVERSATION_COOKIE,
        &conversation,
        86_400,
        https,
        "Strict",
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&c).expect("a cookie"),
    );
    Ok(r)
}

pub fn kind_key(kind: Kind) -> &'static str {
    match kind {
        Kind::Faq => "faq",
        Kind::Procedure => "procedure",
        Kind::LifeEvent => "life_event",
    }
}

#[derive(Deserialize)]
pub struct SolvedForm {
    id: i64,
    answer: String,
}

pub async fn solved(
    State(state): State<AppState>,
    headers: HeaderMap,
    AnonForm { form, ip, .. }: AnonForm<SolvedForm>,
) -> Result<Response, AppError> {
    allowed(&state, &ip, "help", 30, Duration::from_secs(60))?;
    let conversation = cookie(&headers, CONVERSATION_COOKIE).unwrap_or("");
    let yes = match form.answer.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(AppError::BadRequest(
                "はい か いいえ を選んでください。".into(),
            ));
        }
    };
    if !log_store::solved(&state.db, conversation, form.id, yes).await? {
        return Err(AppError::NotFound);
    }
    Ok(back(&state, &format!("#x{}", form.id)))
}

/// `/help/open/{id}/{kind}/{key}`: notes that the answer was opened, then goes to it.
pub async fn open(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, kind, key)): Path<(i64, String, String)>,
) -> Result<Response, AppError> {
    let kind = Kind::parse(&kind).ok_or(AppError::NotFound)?;
    let searcher = service::searcher(&state).await?;
    let doc = searcher.doc(kind, &key).ok_or(AppError::NotFound)?;
    let conversation = cookie(&headers, CONVERSATION_COOKIE).unwrap_or("");
    if !conversation.is_empty() {
        log_store::opened(
            &state.db,
            conversation,
            id,
            &format!("{}:{key}", kind_key(kind)),
        )
        .await?;
    }
    Ok(Redirect::to(&format!("{}{}", state.base, doc.url)).into_response())
}

#[derive(Deserialize)]
pub struct MessageForm {
    id: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    contact: String,
}

pub async fn message(
    State(state): State<AppState>,
    headers: HeaderMap,
    AnonForm { form, ip, .. }: AnonForm<MessageForm>,
) -> Result<Response, AppError> {
    allowed(&state, &ip, "message", 5, Duration::from_secs(3600))?;
    let conversation = cookie(&headers, CONVERSATION_COOKIE)
        .unwrap_or("")
        .to_string();
    let text = form.message.trim();
    if text.is_empty() {
        return render(
            &state,
            &headers,
            &conversation,
            "送る内容を書いてください。".into(),
            false,
        )
        .await;
    }
    if text.chars().count() > 1000 {
        return render(
            &state,
            &headers,
            &conversation,
            "内容は1000文字までにしてください。".into(),
            false,
        )
        .await;
    }
    let log = log_store::conversation(&state.db, &conversation).await?;
    let x = log
        .iter()
        .find(|x| x.id == form.id)
        .ok_or(AppError::NotFound)?;
    let searcher = service::searcher(&state).await?;
    let department = department(&searcher, x);
    log_store::send_message(
        &state.db,
        &department,
        &x.query,
        text,
        &form.contact.trim().chars().take(200).collect::<String>(),
    )
    .await?;
    Ok(back(&state, "?sent=1#sent"))
}
