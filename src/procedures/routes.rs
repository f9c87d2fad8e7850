//! Public pages: the procedure catalog with search, one page per procedure, and the life-event
//! guide (questions → the procedures that apply, grouped by where to go, printable).

use super::cache::{Snapshot, snapshot};
use super::model::{GuideItem, LifeEvent, Procedure, by_desk};
use super::rule::Answers;
use super::search;
use crate::app::AppState;
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct CatalogQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub desk: String,
    /// "yes": only those that can be done online; "no": only those that cannot.
    #[serde(default)]
    pub online: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "procedures/templates/index.html")]
struct IndexPage {
    layout: Layout,
    query: CatalogQuery,
    hits: Vec<Procedure>,
    total: usize,
    online_total: usize,
    categories: Vec<String>,
    desks: Vec<String>,
    events: Vec<LifeEvent>,
}

fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = values.filter(|s| !s.is_empty()).collect();
    v.sort();
    v.dedup();
    v
}

pub async fn index(
    State(state): State<AppState>,
    Query(query): Query<CatalogQuery>,
) -> Result<Response, AppError> {
    let snap = snapshot(&state).await?;
    let all = &snap.procedures;
    let today = state.today();
    let online_now = |p: &Procedure| p.is_online_on(today, today);
    let hits: Vec<Procedure> = all
        .iter()
        .zip(&snap.haystacks)
        .filter(|(_, h)| search::matches(h, &query.q))
        .map(|(p, _)| p)
        .filter(|p| query.category.is_empty() || p.category == query.category)
        .filter(|p| query.desk.is_empty() || p.desk() == query.desk)
        .filter(|p| match query.online.as_str() {
            "yes" => online_now(p),
            "no" => !online_now(p),
            _ => true,
        })
        .cloned()
        .collect();
    Ok(IndexPage {
        layout: Layout::public(&state, "procedures").await,
        total: all.len(),
        online_total: all.iter().filter(|p| online_now(p)).count(),
        categories: distinct(all.iter().map(|p| p.category.clone())),
        desks: distinct(all.iter().map(|p| p.desk().to_string())),
        events: snap.life_events.clone(),
        hits,
        query,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "procedures/templates/procedure.html")]
struct ProcedurePage {
    layout: Layout,
    p: Procedure,
    online: bool,
    events: Vec<(String, String)>,
    forms: Vec<(String, String)>,
    /// The 担当課's contact, when staff registered it.
    contact: Option<crate::identity::model::Department>,
    /// The guide's answers the resident came with, for the online application's link.
    apply_query: String,
}

pub async fn procedure_page(
    State(state): State<AppState>,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let snap = snapshot(&state).await?;
    let p = snap.procedure(&key).ok_or(AppError::NotFound)?.clone();
    let events = snap
        .life_events
        .iter()
        .filter(|e| e.steps.iter().any(|s| s.procedure == p.key))
        .map(|e| (e.key.clone(), e.title.clone()))
        .collect();
    let forms = snap
        .forms
        .iter()
        .filter(|f| f.procedures.contains(&p.key))
        .map(|f| (f.key.clone(), f.title.clone()))
        .collect();
    let today = state.today();
    let layout = Layout::public(&state, "procedures").await;
    Ok(ProcedurePage {
        contact: layout.identity.department(&p.department).cloned(),
        layout,
        online: p.is_online_on(today, today),
        apply_query: guide_query(raw.as_deref()),
        p,
        events,
        forms,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "procedures/templates/life_events.html")]
struct LifeEventsPage {
    layout: Layout,
    events: Vec<LifeEvent>,
}

pub async fn life_events(State(state): State<AppState>) -> Result<Response, AppError> {
    Ok(LifeEventsPage {
        layout: Layout::public(&state, "life-events").await,
        events: snapshot(&state).await?.life_events.clone(),
    }
    .into_response())
}

/// Answers from a query string: `q_<key>=yes|no` (anything else = わからない).
pub fn answers_from_query(raw: &str, event: &LifeEvent) -> (Answers, bool) {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).unwrap_or_default();
    let mut answers = Answers::new();
    let mut asked = false;
    for (k, v) in pairs {
        if k == "asked" {
            asked = true;
        }
        if let Some(q) = k.strip_prefix("q_")
            && event.questions.iter().any(|x| x.key == q)
        {
            match v.as_str() {
                "yes" => {
                    answers.insert(q.to_string(), true);
                }
                "no" => {
                    answers.insert(q.to_string(), false);
                }
                _ => {}
            }
        }
    }
    (answers, asked)
}

/// The guide for a life event and answers, with procedures looked up in the catalog.
pub fn guide_for(snap: &Snapshot, event: &LifeEvent, answers: &Answers) -> Vec<GuideItem> {
    let mut pairs = vec![("event".to_string(), event.key.clone())];
    for q in &event.questions {
        if let Some(a) = answers.get(&q.key) {
            pairs.push((format!("q_{}", q.key), if *a { "yes" } else { "no" }.into()));
        }
    }
    let query = format!(
        "?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    );
    let mut items = event.guide(answers, &|k| snap.procedure(k).cloned());
    for i in &mut items {
        i.link_query = query.clone();
    }
    items
}

/// The guide's answers from a query (`event`, `q_<key>`), to hand on to `/apply`.
fn guide_query(raw: Option<&str>) -> String {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
    let kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, v)| {
            (k == "event" || k.starts_with("q_"))
                && crate::procedures::model::valid_key(k.trim_start_matches("q_"))
                && v.len() <= 60
        })
        .collect();
    if kept.is_empty() {
        return String::new();
    }
    format!(
        "?{}",
        serde_urlencoded::to_string(&kept).unwrap_or_default()
    )
}

pub struct QuestionView {
    pub key: String,
    pub text: String,
    pub help: String,
    /// "yes", "no" or "" (わからない).
    pub answer: &'static str,
}

pub fn question_views(event: &LifeEvent, answers: &Answers) -> Vec<QuestionView> {
    event
        .questions
        .iter()
        .map(|q| QuestionView {
            key: q.key.clone(),
            text: q.text.clone(),
            help: q.help.clone(),
            answer: match answers.get(&q.key) {
                Some(true) => "yes",
                Some(false) => "no",
                None => "",
            },
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "procedures/templates/life_event.html")]
struct LifeEventPage {
    layout: Layout,
    event: LifeEvent,
    questions: Vec<QuestionView>,
    asked: bool,
    groups: Vec<(String, Vec<GuideItem>)>,
    /// Every procedure has its 担当課: the groups are desks (else some are 分野).
    by_department: bool,
    count: usize,
    today: time::Date,
}

pub async fn life_event_page(
    State(state): State<AppState>,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let snap = snapshot(&state).await?;
    let event = snap.life_event(&key).ok_or(AppError::NotFound)?.clone();
    let (answers, asked) = answers_from_query(raw.as_deref().unwrap_or(""), &event);
    let items = guide_for(&snap, &event, &answers);
    Ok(LifeEventPage {
        layout: Layout::public(&state, "life-events").await,
        questions: question_views(&event, &answers),
        count: items.len(),
        groups: by_desk(&items),
        by_department: items.iter().all(|i| !i.procedure.department.is_empty()),
        asked,
        event,
        today: state.today(),
    }
    .into_response())
}
