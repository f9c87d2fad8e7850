//! What residents read: the FAQ search page (`/faq`), an answer (`/faq/{id}`) and the search API
//! (`/api/faq/search`).

use super::index::Kind;
use super::model::{Entry, answer_html};
use super::service::{self, Found};
use crate::app::AppState;
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub limit: String,
}

/// What a found answer is, as a resident reads it.
pub fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Faq => "よくある質問",
        Kind::Procedure => "手続き",
        Kind::LifeEvent => "暮らしの出来事",
    }
}

fn kind_of(text: &str) -> Result<Option<Kind>, AppError> {
    match text.trim() {
        "" | "all" => Ok(None),
        t => Kind::parse(t).map(Some).ok_or_else(|| {
            AppError::BadRequest(format!(
                "kind「{t}」は faq・procedure・life_event のどれかです"
            ))
        }),
    }
}

/// A query a resident typed, or a kind message when it has nothing to search.
pub fn empty_reason(q: &str) -> Option<&'static str> {
    if q.trim().is_empty() {
        Some("知りたいことを入力してください(例: 引っ越し 手続き、ごみの日)。")
    } else if super::normalize::query_key(q).is_empty() {
        Some("文字や数字で入力してください(記号や絵文字だけでは探せません)。")
    } else {
        None
    }
}

/// Said when the answers found are only near the question.
const NEAR_ONLY: &str = "ぴったりの答えは見つかりませんでした。近いかもしれないものを表示します。別の言い方でもお試しください。";

#[derive(Template, WebTemplate)]
#[template(path = "faq/templates/search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    category: String,
    categories: Vec<(String, usize)>,
    found: Vec<Found>,
    message: String,
    /// Without a query: the entries by category.
    by_category: Vec<(String, Vec<Entry>)>,
}

impl SearchPage {
    fn label(&self, k: &Kind) -> &'static str {
        kind_label(*k)
    }
}

pub async fn search_page(
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let searcher = service::searcher(&state).await?;
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for e in searcher.entries.values() {
        *counts.entry(e.category.as_str()).or_default() += 1;
    }
    let categories = counts
        .into_iter()
        .map(|(c, n)| (c.to_string(), n))
        .collect();
    let category = q.category.trim().to_string();
    let (found, message) = match empty_reason(&q.q) {
        Some(m) if !q.q.is_empty() => (Vec::new(), m.to_string()),
        Some(_) => (Vec::new(), String::new()),
        None => {
            let (found, answered) = searcher.find_checked(
                &q.q,
                None,
                (!category.is_empty()).then_some(category.as_str()),
                20,
            );
            let message = if found.is_empty() {
                "見つかりませんでした。短い言葉や別の言い方でお試しください。".to_string()
            } else if !answered {
                NEAR_ONLY.to_string()
            } else {
                String::new()
            };
            (found, message)
        }
    };
    // Without a query the page lists the entries (of the chosen category) instead.
    let mut by_category: Vec<(String, Vec<Entry>)> = Vec::new();
    if q.q.is_empty() {
        let mut entries: Vec<&Entry> = searcher
            .entries
            .values()
            .filter(|e| category.is_empty() || e.category == category)
            .collect();
        entries.sort_by(|a, b| (&a.category, &a.id).cmp(&(&b.category, &b.id)));
        for e in entries {
            match by_category.last_mut() {
                Some((c, list)) if *c == e.category => list.push(e.clone()),
                _ => by_category.push((e.category.clone(), vec![e.clone()])),
            }
        }
    }
    Ok(SearchPage {
        layout: Layout::public(&state, "faq").await,
        q: q.q.chars().take(service::MAX_QUERY).collect(),
        category,
        categories,
        found,
        message,
        by_category,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "faq/templates/entry.html")]
struct EntryPage {
    layout: Layout,
    entry: Entry,
    answer: String,
    /// Related procedures: (address, name); pages: (address, address).
    related: Vec<(String, String)>,
    updated: String,
}

pub async fn entry_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let searcher = service::searcher(&state).await?;
    let entry = searcher
        .entries
        .get(&id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let catalog = crate::procedures::cache::snapshot(&state).await?;
    let related = entry
        .related
        .iter()
        .map(|r| match catalog.procedure(r) {
            Some(p) => (
                format!("{}/procedures/{}", state.base, p.key),
                p.name.clone(),
            ),
            None if r.starts_with('/') => (format!("{}{r}", state.base), r.clone()),
            None => (r.clone(), r.clone()),
        })
        .filter(|(href, _)| {
            href.starts_with('/') || href.starts_with("https://") || href.starts_with("http://")
        })
        .collect();
    let updated = super::store::get(&state.db, &id)
        .await?
        .and_then(|s| crate::fiscal::jst_day(&s.updated_at))
        .map(crate::fiscal::wareki_date)
        .unwrap_or_default();
    Ok(EntryPage {
        layout: Layout::public(&state, "faq").await,
        answer: answer_html(&entry.answer),
        entry,
        related,
        updated,
    }
    .into_response())
}

#[derive(serde::Serialize)]
struct ApiAnswer {
    query: String,
    results: Vec<Found>,
    /// Whether the results hold what the query is about (false: only near it, or none).
    answered: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'static str>,
}

/// `GET /api/faq/search?q=…&limit=10&kind=faq|procedure|life_event`
pub async fn api_search(State(state): State<AppState>, Query(q): Query<SearchQuery>) -> Response {
    let run = async {
        let kind = kind_of(&q.kind)?;
        let limit = match q.limit.trim() {
            "" => 10,
            t => t
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=50).contains(n))
                .ok_or_else(|| AppError::BadRequest(format!("limit「{t}」は 1〜50 の整数です")))?,
        };
        let searcher = service::searcher(&state).await?;
        let mut message = empty_reason(&q.q);
        let (mut results, answered) = if message.is_some() {
            (Vec::new(), false)
        } else {
            searcher.find_checked(&q.q, kind, None, limit)
        };
        if message.is_none() && !answered {
            message = Some(if results.is_empty() {
                "見つかりませんでした。短い言葉や別の言い方でお試しください。"
            } else {
                NEAR_ONLY
            });
        }
        for r in &mut results {
            r.url = format!("{}{}", state.base, r.url);
        }
        Ok::<_, AppError>(ApiAnswer {
            query: q.q.clone(),
            results,
            answered,
            message,
        })
    };
    match run.await {
        Ok(a) => axum::Json(a).into_response(),
        Err(e) => e.into_json(),
    }
}
