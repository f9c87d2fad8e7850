//! The staff pages of the review: the 例規 imported with their candidates counted and the
//! figures by category and 課, the upload (a file or a 例規集 zip), the 点検済 mark, and one
//! 例規's text with its candidates marked, decided, assigned and commented on.

use super::progress::{self, Summary};
use super::review::{self, Decision, Direction, ReviewError, State};
use super::store::{self, Head, OrdinanceLine};
use super::view::{ClauseLine, FindingLine, parts_of};
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

/// Every page of the review: the coordinating department, or a 課 (which decides what is
/// assigned to it).
pub(super) fn may_read(staff: &Staff) -> Result<(), AppError> {
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
    summary: Summary,
    results: Vec<String>,
    refused: Vec<String>,
    manager: bool,
    rules_version: u32,
    /// 例規 last read with older rules.
    stale: i64,
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    results: Vec<String>,
    refused: Vec<String>,
) -> Result<ListPage, AppError> {
    let rules_version = super::rescan::current_version(&state.db).await?;
    Ok(ListPage {
        layout: Layout::staff(staff, "ordinances"),
        lines: store::ordinances(&state.db).await?,
        summary: progress::summary(&state.db).await?,
        results,
        refused,
        manager: staff.can(MANAGE_ORDINANCES, On::None),
        stale: super::rescans::stale(&state.db, rules_version).await?,
        rules_version,
    })
}

fn internal(e: ReviewError) -> AppError {
    match e {
        ReviewError::NotFound => AppError::NotFound,
        ReviewError::Refused(m) => AppError::BadRequest(m),
        ReviewError::Db(e) => AppError::Internal(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Checked {
    checked: String,
}

pub async fn list(
    Axum(state): Axum<AppState>,
    staff: Staff,
    axum::extract::Query(q): axum::extract::Query<Checked>,
) -> Result<Response, AppError> {
    may_read(&staff)?;
    let results = if q.checked.is_empty() {
        Vec::new()
    } else {
        vec![format!("{}件の例規を点検済にしました。", q.checked)]
    };
    Ok(list_page(&state, &staff, results, Vec::new())
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
    let rules = super::rescan::current(&state.db)
        .await
        .map_err(AppError::Internal)?
        .rules;
    for r in reads {
        match r {
            super::input::Read::Ok(o) => {
                let n = store::import(&state.db, &o, &o.digest(), &rules, &staff.actor())
                    .await
                    .map_err(AppError::Internal)?;
                results.push(format!(
                    "取り込みました: {}: {}({}) 変わらない項・号 {}、変わった {}、新しい {}、なくなった {}、新しい候補 {}{}",
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
    super::progress::changed(&state).await;
    if results.is_empty() && refused.is_empty() {
        refused.push(format!(
            "{name}: 例規のファイル(.txt、.html、.xml)がありません"
        ));
    }
    let status = if results.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, list_page(&state, &staff, results, refused).await?).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "ordinances/templates/ordinance.html")]
struct OrdinancePage {
    layout: Layout,
    head: Head,
    clauses: Vec<ClauseLine>,
    error: String,
    done: String,
    manager: bool,
    departments: Vec<String>,
    /// Nothing left to decide.
    ready: bool,
}

impl OrdinancePage {
    fn directions(&self) -> [Direction; 4] {
        Direction::ALL
    }
    fn notice(&self) -> String {
        match self.done.as_str() {
            "" => String::new(),
            "checked" => "点検済にしました。".into(),
            "unchecked" => "点検済を取り消しました。".into(),
            d if d.starts_with("assigned") => format!(
                "候補{}件を担当課に割り当てました。",
                d.trim_start_matches("assigned")
            ),
            d => format!(
                "判断を記録しました({}件)。",
                d.parse::<usize>().unwrap_or(0)
            ),
        }
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
    let manager = staff.can(MANAGE_ORDINANCES, On::None);
    let (head, clauses) = lines(state, staff, id, manager).await?;
    let ready = clauses
        .iter()
        .flat_map(|c| &c.findings)
        .all(|f| f.f.state != "candidate" && !(f.f.state == "applies" && f.f.direction.is_empty()));
    Ok(OrdinancePage {
        layout: Layout::staff(staff, "ordinances"),
        head,
        clauses,
        error,
        done,
        manager,
        departments: departments(state).await?,
        ready,
    })
}

/// The 課 staff already use (the town's list, users' and the plan's), for 担当課.
async fn departments(state: &AppState) -> Result<Vec<String>, AppError> {
    let data = state.plan_data().await?;
    crate::plan::assign::known_departments(state, &data.plan)
        .await
        .map_err(AppError::Internal)
}

/// A 例規's clauses with their candidates and comments, for its page and its print.
pub(super) async fn lines(
    state: &AppState,
    staff: &Staff,
    id: i64,
    manager: bool,
) -> Result<(Head, Vec<ClauseLine>), AppError> {
    let (mut head, clauses) = store::ordinance(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    head.imported_at = crate::fiscal::jst(&head.imported_at);
    head.checked_at = crate::fiscal::jst(&head.checked_at);
    let same = review::same_wording_counts(&state.db, id)
        .await
        .map_err(internal)?;
    let mut comments = super::comments::of_ordinance(&state.db, id).await?;
    let mut history = super::comments::history_of_ordinance(&state.db, id).await?;
    let mut lines = Vec::new();
    for c in clauses {
        let phrases: Vec<&str> = c.findings.iter().map(|f| f.phrase.as_str()).collect();
        let parts = parts_of(&c.text, &phrases);
        let findings = c
            .findings
            .iter()
            .map(|f| FindingLine {
                same: same.get(&f.id).copied().unwrap_or(0),
                may_decide: manager
                    || staff.can(
                        REVIEW_ORDINANCES,
                        On::Department {
                            department: &f.department,
                        },
                    ),
                comments: comments.remove(&f.id).unwrap_or_default(),
                history: history.remove(&f.id).unwrap_or_default(),
                f: f.clone(),
            })
            .collect();
        lines.push(ClauseLine { parts, findings, c });
    }
    Ok((head, lines))
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

/// The coordinating department decides any candidate; a 課 the ones assigned to it. Returns
/// the candidate's 例規.
async fn may_decide(state: &AppState, staff: &Staff, finding: i64) -> Result<i64, AppError> {
    may_read(staff)?;
    let row = sqlx::query(
        "SELECT c.ordinance_id, f.department FROM ordinance_findings f
         JOIN ordinance_clauses c ON c.id = f.clause_id WHERE f.id = $1",
    )
    .bind(finding)
    .fetch_optional(&mut *state.db.conn().await?)
    .await?
    .ok_or(AppError::NotFound)?;
    use sqlx::Row as _;
    let department: String = row.try_get("department")?;
    if !staff.can(MANAGE_ORDINANCES, On::None) {
        staff.require(
            REVIEW_ORDINANCES,
            On::Department {
                department: &department,
            },
        )?;
    }
    Ok(row.try_get("ordinance_id")?)
}

pub async fn decide(
    Axum(state): Axum<AppState>,
    Path(finding): Path<i64>,
    StaffForm(staff, f): StaffForm<DecisionForm>,
) -> Result<Response, AppError> {
    let ordinance = may_decide(&state, &staff, finding).await?;
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
            super::progress::changed(&state).await;
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CommentForm {
    text: String,
}

pub async fn comment(
    Axum(state): Axum<AppState>,
    Path(finding): Path<i64>,
    StaffForm(staff, f): StaffForm<CommentForm>,
) -> Result<Response, AppError> {
    let ordinance = may_decide(&state, &staff, finding).await?;
    match super::comments::add(
        &state.db,
        finding,
        &f.text,
        &staff.user.department,
        &staff.actor(),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(
            &staff.path(&format!("/staff/ordinances/{ordinance}#f{finding}")),
        )
        .into_response()),
        Err(ReviewError::Refused(m)) => {
            let page = ordinance_page(&state, &staff, ordinance, m, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(internal(e)),
    }
}

/// 点検済: the 例規 ticked on the list (or the one on its page), all or nothing.
pub async fn check(
    Axum(state): Axum<AppState>,
    StaffForm(staff, f): StaffForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_ORDINANCES, On::None)?;
    let ids: Vec<i64> = f
        .iter()
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let back = f
        .iter()
        .find(|(k, _)| k == "from")
        .and_then(|(_, v)| v.parse::<i64>().ok());
    let refuse = |m: String| async {
        let page = list_page(&state, &staff, Vec::new(), vec![m]).await?;
        Ok::<_, AppError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    if ids.is_empty() {
        return refuse("点検済にする例規を選んでください".into()).await;
    }
    match progress::mark_checked(&state.db, &ids, &staff.actor()).await {
        Ok(n) => {
            super::progress::changed(&state).await;
            let to = match back {
                Some(id) => format!("/staff/ordinances/{id}?done=checked"),
                None => format!("/staff/ordinances?checked={n}"),
            };
            Ok(Redirect::to(&staff.path(&to)).into_response())
        }
        Err(ReviewError::Refused(m)) => match back {
            Some(id) => {
                let page = ordinance_page(&state, &staff, id, m, String::new()).await?;
                Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            None => refuse(m).await,
        },
        Err(e) => Err(internal(e)),
    }
}

pub async fn uncheck(
    Axum(state): Axum<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, _): StaffForm<Done>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_ORDINANCES, On::None)?;
    progress::unmark_checked(&state.db, id, &staff.actor())
        .await
        .map_err(internal)?;
    super::progress::changed(&state).await;
    Ok(
        Redirect::to(&staff.path(&format!("/staff/ordinances/{id}?done=unchecked")))
            .into_response(),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssignForm {
    department: String,
}

/// The 例規's candidates still to be worked on, to one 課.
pub async fn assign(
    Axum(state): Axum<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<AssignForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_ORDINANCES, On::None)?;
    let known = departments(&state).await?;
    let department = f.department.trim();
    let result =
        if !department.is_empty() && !known.is_empty() && !known.iter().any(|d| d == department) {
            Err(ReviewError::Refused(format!(
                "「{department}」はmachiに登録されていない課です(登録されている課: {})",
                known.join("、")
            )))
        } else {
            progress::assign(&state.db, id, department, &staff.actor()).await
        };
    match result {
        Ok(n) => Ok(
            Redirect::to(&staff.path(&format!("/staff/ordinances/{id}?done=assigned{n}")))
                .into_response(),
        ),
        Err(ReviewError::Refused(m)) => {
            let page = ordinance_page(&state, &staff, id, m, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(internal(e)),
    }
}

/// A candidate by its number (a bulk decision's history names the one it was made on): its
/// 例規's page, at the candidate.
pub async fn go_to_finding(
    Axum(state): Axum<AppState>,
    staff: Staff,
    Path(finding): Path<i64>,
) -> Result<Response, AppError> {
    may_read(&staff)?;
    let ordinance = store::ordinance_of(&state.db, finding)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(
        Redirect::to(&staff.path(&format!("/staff/ordinances/{ordinance}#f{finding}")))
            .into_response(),
    )
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
