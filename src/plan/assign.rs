//! 担当課 per item of the lowest level, assigned by the coordinating department in the browser.
//! Plans often name no 担当課 (the bundled plan names one for 1 of its 18), and a department whose
//! 施策 are not assigned has nothing to report. An assignment applies on top of the approved
//! revision when the plan is read (`store::stored`), so reporting, permissions, imports and the
//! pages all see it; every change is audited.

use super::model::Plan;
use crate::app::AppState;
use crate::audit::{self, Actor, Change};
use crate::auth::permissions::Subject;
use crate::auth::{Staff, StaffForm};
use crate::db::{Db, now_text};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The longest department name accepted.
const MAX_NAME: usize = 60;

/// Assignments of a plan: measure code → department.
pub async fn assignments(db: &Db, plan_id: &str) -> anyhow::Result<HashMap<String, String>> {
    let rows =
        sqlx::query("SELECT measure_code, department FROM measure_departments WHERE plan_id = $1")
            .bind(plan_id)
            .fetch_all(&mut *db.conn().await?)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("measure_code")?, r.try_get("department")?)))
        .collect()
}

/// Puts the assignments into the plan read from its revision.
pub fn apply(plan: &mut Plan, assigned: &HashMap<String, String>) {
    for m in &mut plan.measures {
        if let Some(d) = assigned.get(&m.code) {
            m.department = d.clone();
        }
    }
}

/// For the task list: the coordinating department hears of 施策 nobody reports on; a person who
/// reports for a department that has none hears why their list is empty.
pub fn notices(data: &super::service::PlanData, staff: &Staff) -> Vec<crate::modules::StaffNotice> {
    let w = &data.words;
    let mut out = Vec::new();
    let unassigned = data
        .plan
        .measures
        .iter()
        .filter(|m| m.department.is_empty())
        .count();
    if unassigned > 0 && staff.can(super::EDIT_PLAN, Subject::None) {
        out.push(crate::modules::StaffNotice {
            text: format!(
                "{}が決まっていない{}が{unassigned}件あります。決まるまで、その{}は誰の「やること」にも出ません。",
                w.department,
                w.measure(),
                w.measure()
            ),
            link: "/staff/plan/departments".into(),
            link_text: format!("{}を設定する", w.department),
        });
    }
    let dept = &staff.user.department;
    let reports =
        crate::auth::permissions::allowed_somewhere(&staff.user, crate::reporting::EDIT_REPORT);
    if reports
        && !staff.can(super::EDIT_PLAN, Subject::None)
        && !dept.is_empty()
        && !data.plan.measures.iter().any(|m| m.department == *dept)
    {
        out.push(crate::modules::StaffNotice {
            text: format!(
                "{dept}が担当する{}は、いまの計画にありません。そのため報告の「やること」はありません。担当が違うときは{}に{}の設定を頼んでください。",
                w.measure(),
                w.coordinating,
                w.department
            ),
            link: String::new(),
            link_text: String::new(),
        });
    }
    out
}

/// Saves changed assignments (code → new department; empty = none) in one transaction, each with
/// its audit entry. `was` is what the form showed: a row someone changed meanwhile is refused.
async fn save(
    db: &Db,
    plan: &Plan,
    changes: &[(String, String, String)],
    actor: &Actor,
) -> Result<(), SaveError> {
    let mut tx = db.begin().await.map_err(|e| SaveError::Other(e.into()))?;
    for (code, was, new) in changes {
        let now = plan.measure(code).map(|m| m.department.clone());
        let Some(now) = now else {
            return Err(SaveError::Unknown(code.clone()));
        };
        if now != *was {
            return Err(SaveError::Stale(code.clone()));
        }
        sqlx::query(
            "INSERT INTO measure_departments (plan_id, measure_code, department, assigned_at, assigned_by)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (plan_id, measure_code) DO UPDATE
             SET department = excluded.department, assigned_at = excluded.assigned_at,
                 assigned_by = excluded.assigned_by",
        )
        .bind(&plan.id)
        .bind(code)
        .bind(new)
        .bind(now_text())
        .bind(&actor.username)
        .execute(&mut *tx)
        .await
        .map_err(|e| SaveError::Other(e.into()))?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "measure.assign_department",
                entity: "measure",
                entity_id: code,
                before: Some(serde_json::json!({ "department": was })),
                after: Some(serde_json::json!({ "department": new })),
                note: "",
            },
        )
        .await
        .map_err(|e| SaveError::Other(e.into()))?;
    }
    tx.commit().await.map_err(|e| SaveError::Other(e.into()))?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
enum SaveError {
    #[error("{0} は計画にありません")]
    Unknown(String),
    #[error(
        "{0} の担当課は、この画面を開いたあとに変更されています。読み込み直してから、もう一度設定してください"
    )]
    Stale(String),
    #[error(transparent)]
    Other(anyhow::Error),
}

/// One row of the page.
pub struct AssignRow {
    code: String,
    label: String,
    title: String,
    department: String,
    /// What the form showed first (to notice a change made meanwhile).
    was: String,
    /// The plan file's own 担当課, when the assignment differs from it.
    in_plan: String,
    error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/staff_departments.html")]
struct Page {
    layout: Layout,
    rows: Vec<AssignRow>,
    known: Vec<String>,
    unassigned: usize,
    notice: String,
    error: String,
}

#[derive(serde::Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// Department names staff already use: the identity's departments, users' departments and the
/// plan's, for the input's suggestions.
pub async fn known_departments(state: &AppState, plan: &Plan) -> anyhow::Result<Vec<String>> {
    let mut names: BTreeSet<String> = plan.measures.iter().map(|m| m.department.clone()).collect();
    names.extend(
        crate::identity::store::load(&state.db)
            .await?
            .departments
            .into_iter()
            .map(|d| d.name),
    );
    let users: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT department FROM users WHERE department <> ''")
            .fetch_all(&mut *state.db.conn().await?)
            .await?;
    names.extend(users);
    names.remove("");
    Ok(names.into_iter().collect())
}

async fn render(
    state: &AppState,
    staff: &Staff,
    form: Option<&BTreeMap<String, String>>,
    errors: &HashMap<String, String>,
    notice: String,
    error: String,
) -> Result<Page, AppError> {
    let data = state.plan_data().await?;
    let original = super::store::revision_plan(&state.db, &data.plan.id).await?;
    let rows: Vec<AssignRow> = data
        .plan
        .measures
        .iter()
        .map(|m| {
            let in_plan = original
                .as_ref()
                .and_then(|p| p.measure(&m.code))
                .map(|o| o.department.clone())
                .unwrap_or_default();
            let typed = |prefix: &str| form.and_then(|f| f.get(&format!("{prefix}.{}", m.code)));
            AssignRow {
                department: typed("d").cloned().unwrap_or_else(|| m.department.clone()),
                was: typed("was")
                    .cloned()
                    .unwrap_or_else(|| m.department.clone()),
                in_plan: if in_plan == m.department {
                    String::new()
                } else {
                    in_plan
                },
                code: m.code.clone(),
                label: m.label(),
                title: m.title.clone(),
                error: errors.get(&m.code).cloned().unwrap_or_default(),
            }
        })
        .collect();
    Ok(Page {
        layout: Layout::staff(staff, "plan-edit"),
        unassigned: data
            .plan
            .measures
            .iter()
            .filter(|m| m.department.is_empty())
            .count(),
        known: known_departments(state, &data.plan).await?,
        rows,
        notice,
        error,
    })
}

pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    staff.require(super::EDIT_PLAN, Subject::None)?;
    let notice = match q.done.parse::<usize>() {
        Ok(n) => format!("{n}件の担当課を設定しました。各課の「やること」に反映されます。"),
        Err(_) => String::new(),
    };
    let page = render(&state, &staff, None, &HashMap::new(), notice, String::new()).await?;
    Ok(page.into_response())
}

pub async fn post(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    staff.require(super::EDIT_PLAN, Subject::None)?;
    let data = state.plan_data().await?;
    let mut changes = Vec::new();
    let mut errors = HashMap::new();
    for m in &data.plan.measures {
        let Some(new) = form.get(&format!("d.{}", m.code)) else {
            continue;
        };
        let new = new.trim().to_string();
        let was = form
            .get(&format!("was.{}", m.code))
            .cloned()
            .unwrap_or_default();
        if new.chars().count() > MAX_NAME || new.chars().any(char::is_control) {
            errors.insert(
                m.code.clone(),
                format!("課の名前は{MAX_NAME}文字以内で、改行を含めずに書いてください"),
            );
        } else if new != was {
            changes.push((m.code.clone(), was, new));
        }
    }
    let error = if errors.is_empty() {
        match save(&state.db, &data.plan, &changes, &staff.actor()).await {
            Ok(()) => {
                state.invalidate_plan();
                return Ok(Redirect::to(
                    &staff.path(&format!("/staff/plan/departments?done={}", changes.len())),
                )
                .into_response());
            }
            Err(SaveError::Other(e)) => return Err(e.into()),
            Err(e) => e.to_string(),
        }
    } else {
        "保存できませんでした。赤字の行を直してください。".to_string()
    };
    let page = render(&state, &staff, Some(&form), &errors, String::new(), error).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
