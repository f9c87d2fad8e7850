//! The staff pages of the review: the 例規 imported with their candidates counted, the upload
//! (a file or a 例規集 zip), and one 例規's text with its candidates marked and decided.

use super::review::{self, Decision, Direction, ReviewError, State};
use super::store::{self, ClauseView, FindingView, OrdinanceLine};
use super::{MANAGE_ORDINANCES, REVIEW_ORDINANCES};
use crate::app::AppState;
use crate::auth::permissions::Subject as On;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State as Axum};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

fn may_read(staff: &Staff) -> Result<(), AppError> {
    if staff.can(MANAGE_ORDINANCES, On::None) {
        return Ok(());
    }
    staff.require(
        REVIEW_ORDINANCES,
        On::Department {
            department: &staff.user.department,
        },
    )
}

#[derive(Template, WebTemplate)]
#[template(path = "ordinances/templates/list.html")]
struct ListPage {
    layout: Layout,
    lines: Vec<OrdinanceLine>,
    completion: review::Completion,
    results: Vec<String>,
    refused: Vec<String>,
    manager: bool,
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    results: Vec<String>,
    refused: Vec<String>,
) -> Result<ListPage, AppError> {
    Ok(ListPage {
        layout: Layout::staff(staff, "ordinances"),
        lines: store::ordinances(&state.db).await?,
        completion: review::completion(&state.db).await.map_err(internal)?,
        results,
        refused,
        manager: staff.can(MANAGE_ORDINANCES, On::None),
    })
}

fn internal(e: ReviewError) -> AppError {
    match e {
        ReviewError::NotFound => AppError::NotFound,
        ReviewError::Refused(m) => AppError::BadRequest(m),
        ReviewError::Db(e) => AppError::Internal(e.into()),
    }
}

pub async fn list(Axum(state): Axum<AppState>, staff: Staff) -> Result<Response, AppError> {
    may_read(&staff)?;
    Ok(list_page(&state, &staff, Vec::new(), Vec::new())
        .await?
        .into_response())
}

/// A file or a zip; every 例規 in it on its own. The page says what each did.
pub async fn import(
    Axum(state): Axum<AppState>,
    staff: Staff,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload =
        crate::opendata::upload::read(&staff, multipart, super::input::MAX_ZIP as usize).await?;
    staff.require(MANAGE_ORDINANCES, On::None)?;
    let Some((name, bytes)) = upload.file.as_ref() else {
        let page = list_page(
            &state,
            &staff,
            Vec::new(),
            vec!["取り込むファイルを選んでください".into()],
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let mut reads = Vec::new();
    if name.to_ascii_lowercase().ends_with(".zip") {
        super::input::read_zip(name, bytes, &mut reads);
    } else {
        reads.push(super::input::read_bytes(name, bytes));
    }
    let (mut results, mut refused) = (Vec::new(), Vec::new());
    for r in reads {
        match r {
            super::input::Read::Ok(o) => {
                let n = store::import(
                    &state.db,
                    &o,
                    &o.digest(),
                    super::rules::Rules::bundled(),
                    &staff.actor(),
                )
                .await
                .map_err(AppError::Internal)?;
                results.push(format!(
                    "{}: {}({}) 変わらない項・号 {}、変わった {}、新しい {}、なくなった {}、新しい候補 {}{}",
                    o.file,
                    n.title,
                    if n.new { "新規" } else { "更新" },
                    n.unchanged,
                    n.changed,
                    n.added,
                    n.removed,
                    n.found,
                    if o.problems.is_empty() { String::new() } else { format!("(読み取りの注意: {})", o.problems.join("、")) }
                ));
            }
            super::input::Read::Refused { file, reason } => {
                refused.push(format!("{file}: {reason}"))
            }
        }
    }
    // KPI 1-⑤-1 counts the imported 例規.
    state.invalidate_plan();
    if results.is_empty() && refused.is_empty() {
        refused.push(format!("{name}: 例規のファイル(.txt、.html)がありません"));
    }
    let status = if results.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, list_page(&state, &staff, results, refused).await?).into_response())
}

/// A candidate as the review page shows it, with how many share its wording.
pub struct FindingLine {
    pub f: FindingView,
    pub same: usize,
    pub may_decide: bool,
}

impl FindingLine {
    pub fn state_label(&self) -> &'static str {
        State::parse(&self.f.state).map_or("", State::label)
    }
    pub fn direction_label(&self) -> &'static str {
        Direction::parse(&self.f.direction).map_or("", Direction::label)
    }
}

/// A clause's text cut where its candidates' phrases are, to mark them.
pub struct ClauseLine {
    pub c: ClauseView,
    pub parts: Vec<(String, bool)>,
    pub findings: Vec<FindingLine>,
}

fn parts_of(text: &str, phrases: &[&str]) -> Vec<(String, bool)> {
    let mut cuts: Vec<(usize, usize)> = phrases
        .iter()
        .filter(|p| !p.is_empty())
        .filter_map(|p| text.find(*p).map(|i| (i, i + p.len())))
        .collect();
    cuts.sort();
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e) in cuts {
        if s < at {
            continue;
        }
        if s > at {
            out.push((text[at..s].to_string(), false));
        }
        out.push((text[s..e].to_string(), true));
        at = e;
    }
    if at < text.len() {
        out.push((text[at..].to_string(), false));
    }
    out
}

#[derive(Template, WebTemplate)]
#[template(path = "ordinances/templates/ordinance.html")]
struct OrdinancePage {
    layout: Layout,
    title: String,
    number: String,
    clauses: Vec<ClauseLine>,
    error: String,
    done: String,
}

impl OrdinancePage {
    fn directions(&self) -> [Direction; 4] {
        Direction::ALL
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: String,
}

async fn ordinance_page(
    state: &AppState,
    staff: &Staff,
    id: i64,
    error: String,
    done: String,
) -> Result<OrdinancePage, AppError> {
    let (title, number, clauses) = store::ordinance(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let manager = staff.can(MANAGE_ORDINANCES, On::None);
    let same = review::same_wording_counts(&state.db, id)
        .await
        .map_err(internal)?;
    let mut lines = Vec::new();
    for c in clauses {
        let phrases: Vec<&str> = c.findings.iter().map(|f| f.phrase.as_str()).collect();
        let parts = parts_of(&c.text, &phrases);
        let mut findings = Vec::new();
        for f in &c.findings {
            let same = same.get(&f.id).copied().unwrap_or(0);
            let may_decide = manager
                || staff.can(
                    REVIEW_ORDINANCES,
                    On::Department {
                        department: &f.department,
                    },
                );
            findings.push(FindingLine {
                f: f.clone(),
                same,
                may_decide,
            });
        }
        lines.push(ClauseLine { parts, findings, c });
    }
    Ok(OrdinancePage {
        layout: Layout::staff(staff, "ordinances"),
        title,
        number,
        clauses: lines,
        error,
        done,
    })
}

pub async fn ordinance(
    Axum(state): Axum<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Response, AppError> {
    may_read(&staff)?;
    Ok(ordinance_page(&state, &staff, id, String::new(), q.done)
        .await?
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    to: String,
    reason: String,
    phase_now: String,
    phase_target: String,
    direction: String,
    department: String,
    planned: String,
    amended_number: String,
    amended_on: String,
    same: String,
}

pub async fn decide(
    Axum(state): Axum<AppState>,
    Path(finding): Path<i64>,
    StaffForm(staff, f): StaffForm<DecisionForm>,
) -> Result<Response, AppError> {
    may_read(&staff)?;
    let ordinance = store::ordinance_of(&state.db, finding)
        .await?
        .ok_or(AppError::NotFound)?;
    if !staff.can(MANAGE_ORDINANCES, On::None) {
        let department: String =
            sqlx::query_scalar("SELECT department FROM ordinance_findings WHERE id = $1")
                .bind(finding)
                .fetch_one(&mut *state.db.conn().await?)
                .await?;
        staff.require(
            REVIEW_ORDINANCES,
            On::Department {
                department: &department,
            },
        )?;
    }
    let d = Decision {
        to: State::parse(&f.to),
        reason: f.reason,
        phase_now: f.phase_now,
        phase_target: f.phase_target,
        direction: Direction::parse(&f.direction),
        department: f.department,
        planned: f.planned,
        amended_number: f.amended_number,
        amended_on: f.amended_on,
    };
    let result = if f.same == "on" && staff.can(MANAGE_ORDINANCES, On::None) {
        review::decide_same(&state.db, finding, &d, &staff.actor()).await
    } else {
        review::decide(&state.db, finding, &d, &staff.actor())
            .await
            .map(|_| 1)
    };
    match result {
        Ok(n) => {
            state.invalidate_plan();
            Ok(Redirect::to(&staff.path(&format!(
                "/staff/ordinances/{ordinance}?done={n}#f{finding}"
            )))
            .into_response())
        }
        Err(ReviewError::Refused(m)) => {
            let page = ordinance_page(&state, &staff, ordinance, m, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(internal(e)),
    }
}

/// 点検・見直し結果一覧.xlsx
pub async fn export(Axum(state): Axum<AppState>, staff: Staff) -> Result<Response, AppError> {
    may_read(&staff)?;
    let bytes = super::export::workbook(&state.db)
        .await
        .map_err(AppError::Internal)?;
    Ok(crate::plan::exports::download(
        bytes,
        crate::plan::exports::XLSX,
        "analog-regulation-review.xlsx",
        "アナログ規制_点検・見直し結果一覧.xlsx",
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn phrases_are_cut_out_to_be_marked() {
        let p = super::parts_of(
            "条例の公布は、掲示場に掲示してこれを行う。",
            &["掲示場に掲示"],
        );
        assert_eq!(
            p,
            [
                ("条例の公布は、".to_string(), false),
                ("掲示場に掲示".to_string(), true),
                ("してこれを行う。".to_string(), false)
            ]
        );
    }
}
