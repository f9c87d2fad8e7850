//! The staff directory's pages: the list, the personnel section's CSV (all or nothing, errors by
//! line), and one person edited by the coordinating department.

use super::MANAGE_TRAININGS;
use super::directory::{self, Imported, Member};
use crate::app::AppState;
use crate::auth::permissions::Subject as On;
use crate::auth::routes::FieldErrors;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeSet;

/// The 課 machi knows: the town's departments, users' and the plan's.
pub async fn known_departments(state: &AppState) -> anyhow::Result<BTreeSet<String>> {
    let plan = state.plan_data().await?;
    Ok(crate::plan::assign::known_departments(state, &plan.plan)
        .await?
        .into_iter()
        .collect())
}

#[derive(Template, WebTemplate)]
#[template(path = "trainings/templates/directory.html")]
struct DirectoryPage {
    layout: Layout,
    members: Vec<Member>,
    errors: Vec<String>,
    imported: Option<Imported>,
    done: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
    added: usize,
    updated: usize,
    left: usize,
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_TRAININGS, On::None)?;
    let imported = (q.done == "imported").then_some(Imported {
        added: q.added,
        updated: q.updated,
        left: q.left,
    });
    Ok(DirectoryPage {
        layout: Layout::staff(&staff, "trainings"),
        members: directory::all(&state.db).await?,
        errors: Vec::new(),
        imported,
        done: q.done,
    }
    .into_response())
}

pub async fn import(
    State(state): State<AppState>,
    staff: Staff,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = crate::opendata::upload::read(&staff, multipart, super::MAX_IMPORT).await?;
    staff.require(MANAGE_TRAININGS, On::None)?;
    let errors = match upload.file.as_ref().filter(|(_, b)| !b.is_empty()) {
        None => vec!["取り込むCSVファイルを選んでください".to_string()],
        Some((name, bytes)) => {
            match directory::parse(bytes, &known_departments(&state).await?) {
                Ok(members) => {
                    let n = directory::import(&state.db, &members, name, &staff.actor()).await?;
                    // 受講率 beside the KPIs is counted over the directory.
                    state.invalidate_plan();
                    return Ok(Redirect::to(&staff.path(&format!(
                        "/staff/trainings/directory?done=imported&added={}&updated={}&left={}",
                        n.added, n.updated, n.left
                    )))
                    .into_response());
                }
                Err(e) => e,
            }
        }
    };
    let page = DirectoryPage {
        layout: Layout::staff(&staff, "trainings"),
        members: directory::all(&state.db).await?,
        errors,
        imported: None,
        done: String::new(),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "trainings/templates/member.html")]
struct MemberPage {
    layout: Layout,
    m: Member,
    departments: Vec<String>,
    errors: FieldErrors,
}

/// `0` is a new person.
pub async fn edit(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_TRAININGS, On::None)?;
    let m = if id == 0 {
        Member {
            active: true,
            ..Member::default()
        }
    } else {
        directory::get(&state.db, id)
            .await?
            .ok_or(AppError::NotFound)?
    };
    Ok(MemberPage {
        layout: Layout::staff(&staff, "trainings"),
        m,
        departments: known_departments(&state).await?.into_iter().collect(),
        errors: FieldErrors::default(),
    }
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberForm {
    code: String,
    name: String,
    kana: String,
    department: String,
    job: String,
    employment: String,
    joined_on: String,
    username: String,
    active: String,
}

pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<MemberForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_TRAININGS, On::None)?;
    let departments = known_departments(&state).await?;
    let mut errors = FieldErrors::default();
    let before = if id == 0 {
        None
    } else {
        Some(
            directory::get(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?,
        )
    };
    let code = before.as_ref().map_or_else(
        || crate::fiscal::fold_width(f.code.trim()),
        |b| b.code.clone(),
    );
    if code.is_empty() {
        errors.add("code", "職員番号を入力してください");
    } else if before.is_none()
        && directory::all(&state.db)
            .await?
            .iter()
            .any(|m| m.code == code)
    {
        errors.add("code", format!("職員番号「{code}」はもう名簿にあります"));
    }
    if f.name.trim().is_empty() {
        errors.add("name", "氏名を入力してください");
    }
    if !departments.contains(f.department.trim()) {
        errors.add(
            "department",
            format!(
                "所属「{}」はmachiに登録されていない課です",
                f.department.trim()
            ),
        );
    }
    let joined_on = if f.joined_on.trim().is_empty() {
        String::new()
    } else {
        match crate::fiscal::parse_date(&f.joined_on) {
            Ok(d) => d.to_string(),
            Err(e) => {
                errors.add("joined_on", format!("採用日: {e}"));
                String::new()
            }
        }
    };
    let m = Member {
        id,
        code,
        name: f.name.trim().into(),
        kana: f.kana.trim().into(),
        department: f.department.trim().into(),
        job: f.job.trim().into(),
        employment: f.employment.trim().into(),
        joined_on,
        username: f.username.trim().into(),
        active: id == 0 || f.active == "on",
    };
    if errors.is_empty() {
        directory::save(&state.db, &m, &staff.actor()).await?;
        state.invalidate_plan();
        return Ok(
            Redirect::to(&staff.path("/staff/trainings/directory?done=saved")).into_response(),
        );
    }
    let page = MemberPage {
        layout: Layout::staff(&staff, "trainings"),
        m,
        departments: departments.into_iter().collect(),
        errors,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
