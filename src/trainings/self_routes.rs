//! What each member of staff sees: marking themselves present by a session's QR code, the list
//! of who in a 課 still has to take a required training (for the 課長), and the reminders on
//! the task list.

use super::directory::{self, Member};
use super::rates;
use super::routes::when;
use super::store::{self, Session, Training, TrainingError};
use super::{MANAGE_TRAININGS, SEE_PENDING, TAKE_TRAININGS, may_see_department};
use crate::app::AppState;
use crate::auth::permissions::Subject as On;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::fiscal::FiscalYear;
use crate::modules::StaffNotice;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "trainings/templates/here.html")]
struct HerePage {
    layout: Layout,
    t: Training,
    when: String,
    place: String,
    me: Option<Member>,
    recorded: String,
    error: String,
}

async fn here_page(
    state: &AppState,
    staff: &Staff,
    s: &Session,
    recorded: String,
    error: String,
) -> Result<HerePage, AppError> {
    Ok(HerePage {
        layout: Layout::staff(staff, "trainings"),
        t: store::get(&state.db, s.training_id).await?,
        when: when(s),
        place: s.place.clone(),
        me: directory::of_username(&state.db, &staff.user.username).await?,
        recorded,
        error,
    })
}

/// The page the session's QR code opens (after signing in).
pub async fn here(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    staff.require(TAKE_TRAININGS, On::None)?;
    let s = store::session_by_code(&state.db, &code).await?;
    Ok(here_page(&state, &staff, &s, String::new(), String::new())
        .await?
        .into_response())
}

pub async fn mark_here(
    State(state): State<AppState>,
    Path(code): Path<String>,
    StaffForm(staff, _): StaffForm<crate::auth::routes::Empty>,
) -> Result<Response, AppError> {
    staff.require(TAKE_TRAININGS, On::None)?;
    let s = store::session_by_code(&state.db, &code).await?;
    let Some(me) = directory::of_username(&state.db, &staff.user.username).await? else {
        let page = here_page(
            &state,
            &staff,
            &s,
            String::new(),
            "あなたのアカウントが職員名簿にありません。研修の担当者に出席を伝えてください。".into(),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let now = crate::courses::now(&state);
    match store::mark_self(&state.db, &s, &me, now, &staff.actor()).await {
        Ok(status) => {
            state.invalidate_plan();
            Ok(
                here_page(&state, &staff, &s, status.label().into(), String::new())
                    .await?
                    .into_response(),
            )
        }
        Err(TrainingError::Refused(m)) => {
            let page = here_page(&state, &staff, &s, String::new(), m).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PendingQuery {
    year: String,
    department: String,
}

/// A required training and who in the 課 still has to take it.
pub struct Pending {
    pub t: Training,
    pub rate: rates::Rate,
    pub people: Vec<Member>,
}

#[derive(Template, WebTemplate)]
#[template(path = "trainings/templates/pending.html")]
struct PendingPage {
    layout: Layout,
    year: FiscalYear,
    department: String,
    departments: Vec<String>,
    pending: Vec<Pending>,
    manager: bool,
}

pub async fn pending(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PendingQuery>,
) -> Result<Response, AppError> {
    let manager = staff.can(MANAGE_TRAININGS, On::None) || staff.can(SEE_PENDING, On::None);
    let department = if q.department.is_empty() && !manager {
        staff.user.department.clone()
    } else {
        q.department.trim().to_string()
    };
    if !department.is_empty() && !may_see_department(&staff, &department) {
        staff.require(
            SEE_PENDING,
            On::Department {
                department: &department,
            },
        )?;
    }
    if department.is_empty() && !manager {
        staff.require(SEE_PENDING, On::None)?;
    }
    let year = FiscalYear::parse(&q.year).unwrap_or_else(|_| FiscalYear::of_date(state.today()));
    let members = directory::all(&state.db).await?;
    let atts = store::attendances(&state.db, Some(year)).await?;
    let in_dept: Vec<Member> = members
        .iter()
        .filter(|m| department.is_empty() || m.department == department)
        .cloned()
        .collect();
    let pending = store::trainings(&state.db, Some(year))
        .await?
        .into_iter()
        .filter(|t| t.required)
        .map(|t| {
            let people = rates::still_to_take(&t, &in_dept, &atts)
                .into_iter()
                .cloned()
                .collect();
            Pending {
                rate: rates::rate(&t, &in_dept, &atts),
                people,
                t,
            }
        })
        .filter(|p| p.rate.target > 0)
        .collect();
    let mut departments: Vec<String> = members
        .iter()
        .filter(|m| m.active)
        .map(|m| m.department.clone())
        .collect();
    departments.sort();
    departments.dedup();
    Ok(PendingPage {
        layout: Layout::staff(&staff, "trainings"),
        year,
        department,
        departments,
        pending,
        manager,
    }
    .into_response())
}

/// Reminders: the person's own required trainings not yet taken, and for whoever may see a
/// 課's list, how many in their 課 still have to take one (this 年度).
pub async fn notices(state: &AppState, staff: &Staff) -> anyhow::Result<Vec<StaffNotice>> {
    let year = FiscalYear::of_date(state.today());
    let trainings: Vec<Training> = store::trainings(&state.db, Some(year))
        .await?
        .into_iter()
        .filter(|t| t.required)
        .collect();
    if trainings.is_empty() {
        return Ok(Vec::new());
    }
    let members = directory::all(&state.db).await?;
    let atts = store::attendances(&state.db, Some(year)).await?;
    let mut out = Vec::new();
    if let Some(me) = members
        .iter()
        .find(|m| m.active && !m.username.is_empty() && m.username == staff.user.username)
    {
        for t in &trainings {
            if !rates::still_to_take(t, std::slice::from_ref(me), &atts).is_empty() {
                out.push(StaffNotice {
                    text: format!(
                        "必須の研修「{}」({})をまだ受けていません。",
                        t.title,
                        t.kind.label()
                    ),
                    link: String::new(),
                    link_text: String::new(),
                });
            }
        }
    }
    let dept = staff.user.department.as_str();
    if !dept.is_empty() && staff.can(SEE_PENDING, On::Department { department: dept }) {
        let in_dept: Vec<Member> = members
            .iter()
            .filter(|m| m.department == dept)
            .cloned()
            .collect();
        let still: Vec<String> = trainings
            .iter()
            .filter_map(|t| {
                let n = rates::still_to_take(t, &in_dept, &atts).len();
                (n > 0).then(|| format!("「{}」{n}人", t.title))
            })
            .collect();
        if !still.is_empty() {
            out.push(StaffNotice {
                text: format!(
                    "{dept}で、必須の研修をまだ受けていない職員がいます: {}。",
                    still.join("、")
                ),
                link: format!(
                    "/staff/trainings/pending?department={}",
                    crate::auth::session::urlencode(dept)
                ),
                link_text: "未受講の職員を見る".into(),
            });
        }
    }
    Ok(out)
}
