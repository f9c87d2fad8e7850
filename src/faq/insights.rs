//! What residents' questions and votes tell staff: questions that found nothing or did not help,
//! grouped by likeness and turned into an FAQ entry or a synonym in one step; messages sent
//! from the help chat; the town's synonym dictionary; page votes per page.

use super::log_store::{self, Exchange, Message};
use super::normalize::query_key;
use super::{MANAGE_FAQ, READ_VOICES, service, store, synonyms};
use crate::app::AppState;
use crate::auth::Staff;
use crate::auth::permissions::Subject;
use crate::auth::session::StaffForm;
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashSet;

/// Questions alike enough to be one need.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryGroup {
    /// The distinct wordings, most asked first.
    pub wordings: Vec<(String, usize)>,
    pub asked: usize,
    /// Found nothing, or only answers near it.
    pub unanswered: usize,
    /// Answers shown, the resident said いいえ.
    pub unsolved: usize,
}

impl QueryGroup {
    pub fn first(&self) -> &str {
        &self.wordings[0].0
    }
    /// The other wordings, one per line (for the new entry's 別の聞き方).
    pub fn others(&self) -> String {
        self.wordings
            .iter()
            .skip(1)
            .map(|w| w.0.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn pairs(text: &str) -> HashSet<String> {
    let chars: Vec<char> = query_key(text).chars().collect();
    if chars.len() < 2 {
        return chars.iter().map(|c| c.to_string()).collect();
    }
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

fn likeness(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let both = a.intersection(b).count() as f64;
    let either = a.union(b).count() as f64;
    if either == 0.0 { 0.0 } else { both / either }
}

/// Groups questions whose search keys share enough character pairs (Jaccard ≥ 0.4 with the
/// group's first question), largest group first.
pub fn group(log: &[Exchange]) -> Vec<QueryGroup> {
    let mut groups: Vec<(HashSet<String>, QueryGroup)> = Vec::new();
    for x in log {
        let p = pairs(&x.query);
        if p.is_empty() {
            continue;
        }
        let unanswered = usize::from(x.shown.is_empty() || !x.answered);
        let unsolved = usize::from(x.solved == Some(false));
        let at = groups.iter().position(|(g, _)| likeness(g, &p) >= 0.4);
        let g = match at {
            Some(i) => &mut groups[i].1,
            None => {
                groups.push((
                    p,
                    QueryGroup {
                        wordings: Vec::new(),
                        asked: 0,
                        unanswered: 0,
                        unsolved: 0,
                    },
                ));
                &mut groups.last_mut().expect("just pushed").1
            }
        };
        g.asked += 1;
        g.unanswered += unanswered;
        g.unsolved += unsolved;
        match g.wordings.iter_mut().find(|w| w.0 == x.query) {
            Some(w) => w.1 += 1,
            None => g.wordings.push((x.query.clone(), 1)),
        }
    }
    let mut out: Vec<QueryGroup> = groups
        .into_iter()
        .map(|(_, mut g)| {
            g.wordings.sort_by_key(|w| std::cmp::Reverse(w.1));
            g
        })
        .collect();
    out.sort_by_key(|g| std::cmp::Reverse(g.asked));
    out
}

#[derive(Template, WebTemplate)]
#[template(path = "faq/templates/staff_queries.html")]
struct QueriesPage {
    layout: Layout,
    groups: Vec<QueryGroup>,
    messages: Vec<Message>,
    days: i64,
    can_edit: bool,
    can_synonyms: bool,
}

pub async fn queries(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    staff.require(READ_VOICES, Subject::None)?;
    let days = 90;
    let since = crate::fiscal::today_jst() - time::Duration::days(days);
    let log = log_store::unhelped(&state.db, since, 5000).await?;
    Ok(QueriesPage {
        layout: Layout::staff(&staff, "faq"),
        groups: group(&log),
        messages: log_store::messages(&state.db).await?,
        days,
        can_edit: staff.can(
            MANAGE_FAQ,
            Subject::Department {
                department: &staff.user.department,
            },
        ),
        can_synonyms: staff.can(MANAGE_FAQ, Subject::None),
    }
    .into_response())
}

pub async fn message_done(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, _): StaffForm<crate::auth::routes::Empty>,
) -> Result<Response, AppError> {
    let m = log_store::messages(&state.db)
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or(AppError::NotFound)?;
    staff.require(
        MANAGE_FAQ,
        Subject::Department {
            department: &m.department,
        },
    )?;
    log_store::message_done(&state.db, id, &staff.actor()).await?;
    Ok(Redirect::to(&staff.path("/staff/faq/queries#messages")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "faq/templates/staff_synonyms.html")]
struct SynonymsPage {
    layout: Layout,
    own: Vec<(i64, String)>,
    bundled: usize,
    line: String,
    error: String,
    notice: String,
    can_edit: bool,
}

#[derive(Deserialize, Default)]
pub struct SynonymQuery {
    #[serde(default)]
    line: String,
    #[serde(default)]
    done: String,
}

async fn synonyms_page(
    state: &AppState,
    staff: &Staff,
    line: String,
    error: String,
    notice: String,
) -> Result<SynonymsPage, AppError> {
    Ok(SynonymsPage {
        layout: Layout::staff(staff, "faq"),
        own: store::synonyms(&state.db).await?,
        bundled: synonyms::parse(synonyms::BUNDLED).map_or(0, |g| g.len()),
        line,
        error,
        notice,
        can_edit: staff.can(MANAGE_FAQ, Subject::None),
    })
}

pub async fn synonyms_list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SynonymQuery>,
) -> Result<Response, AppError> {
    staff.require(READ_VOICES, Subject::None)?;
    let notice = match q.done.as_str() {
        "added" => "追加しました。検索にすぐ反映しました。",
        "deleted" => "削除しました。",
        _ => "",
    };
    Ok(
        synonyms_page(&state, &staff, q.line, String::new(), notice.into())
            .await?
            .into_response(),
    )
}

#[derive(Deserialize)]
pub struct SynonymForm {
    #[serde(default)]
    line: String,
}

pub async fn synonym_add(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<SynonymForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_FAQ, Subject::None)?;
    let line = f.line.trim().replace(['\r', '\n'], " ");
    // A line without its sign is an equivalent group: what staff mean most of the time.
    let line = if line.starts_with('=') || line.starts_with('>') {
        line
    } else {
        format!("= {line}")
    };
    match synonyms::parse(&line) {
        Ok(groups) if groups.len() == 1 => {
            store::add_synonym(&state.db, &line, &staff.actor()).await?;
            service::invalidate(&state);
            Ok(Redirect::to(&staff.path("/staff/faq/synonyms?done=added")).into_response())
        }
        other => {
            let error = match other {
                Err(e) => e.replace("1行目: ", ""),
                Ok(_) => "同じ意味の語を、空白か「、」で区切って2つ以上書いてください。".into(),
            };
            let page = synonyms_page(&state, &staff, f.line, error, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn synonym_delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, _): StaffForm<crate::auth::routes::Empty>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_FAQ, Subject::None)?;
    if !store::delete_synonym(&state.db, id, &staff.actor()).await? {
        return Err(AppError::NotFound);
    }
    service::invalidate(&state);
    Ok(Redirect::to(&staff.path("/staff/faq/synonyms?done=deleted")).into_response())
}

/// A page's votes as the overview lists them.
pub struct PageLine {
    pub page: String,
    pub yes: i64,
    pub no: i64,
    pub last: String,
}

impl PageLine {
    pub fn share(&self) -> String {
        let all = self.yes + self.no;
        if all == 0 {
            "—".into()
        } else {
            format!("{:.0}%", self.yes as f64 * 100.0 / all as f64)
        }
    }
    fn ratio(&self) -> f64 {
        self.yes as f64 / (self.yes + self.no).max(1) as f64
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "faq/templates/staff_feedback.html")]
struct FeedbackPage {
    layout: Layout,
    year: String,
    lines: Vec<PageLine>,
    yes: i64,
    all: i64,
    detail: Option<Detail>,
}

pub struct Detail {
    pub page: String,
    /// (month YYYY-MM, yes, no), oldest first.
    pub months: Vec<(String, i64, i64)>,
    /// (day, comment) of いいえ with a comment.
    pub comments: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct FeedbackQuery {
    #[serde(default)]
    page: String,
}

/// `/staff/feedback`: this 年度's votes per page, the worst share first; `?page=` one page's
/// votes by month and its comments.
pub async fn feedback(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<FeedbackQuery>,
) -> Result<Response, AppError> {
    staff.require(READ_VOICES, Subject::None)?;
    let year = crate::fiscal::FiscalYear::of_date(crate::fiscal::today_jst());
    let mut lines: Vec<PageLine> = log_store::votes_by_page(&state.db, year.first_day())
        .await?
        .into_iter()
        .map(|(page, yes, no, last)| PageLine {
            page,
            yes,
            no,
            last,
        })
        .collect();
    lines.sort_by(|a, b| {
        a.ratio()
            .total_cmp(&b.ratio())
            .then((b.yes + b.no).cmp(&(a.yes + a.no)))
    });
    let (yes, all) = log_store::helpful_counts(&state.db, year).await?;
    let detail = match super::feedback::page_path(&q.page) {
        None => None,
        Some(page) => {
            let votes = log_store::page_votes(&state.db, &page).await?;
            let mut months: Vec<(String, i64, i64)> = Vec::new();
            for (day, helpful, _) in votes.iter().rev() {
                let m = day.chars().take(7).collect::<String>();
                if months.last().is_none_or(|l| l.0 != m) {
                    months.push((m, 0, 0));
                }
                let last = months.last_mut().expect("just pushed");
                if *helpful {
                    last.1 += 1;
                } else {
                    last.2 += 1;
                }
            }
            let comments = votes
                .into_iter()
                .filter(|v| !v.1 && !v.2.is_empty())
                .map(|v| (v.0, v.2))
                .collect();
            Some(Detail {
                page,
                months,
                comments,
            })
        }
    };
    Ok(FeedbackPage {
        layout: Layout::staff(&staff, "faq"),
        year: year.label(),
        lines,
        yes,
        all,
        detail,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x(q: &str, shown: usize, solved: Option<bool>) -> Exchange {
        Exchange {
            id: 0,
            asked_at: String::new(),
            query: q.into(),
            shown: vec!["faq:a".into(); shown],
            opened: Vec::new(),
            answered: shown > 0,
            solved,
        }
    }

    #[test]
    fn alike_questions_fall_into_one_group() {
        let groups = group(&[
            x("ドローンの飛行許可", 0, None),
            x("ドローン 飛行 許可は?", 0, None),
            x("熊が出た", 3, Some(false)),
            x("ドローンの飛行許可", 0, None),
            x("🙂", 0, None),
        ]);
        assert_eq!(groups.len(), 2, "{groups:?}");
        assert_eq!(groups[0].asked, 3);
        assert_eq!(groups[0].first(), "ドローンの飛行許可");
        assert_eq!(groups[0].others(), "ドローン 飛行 許可は?");
        assert_eq!((groups[1].unanswered, groups[1].unsolved), (0, 1));
    }
}
