//! The coordinating department's pages: the trainings of a 年度, a training (its sessions,
//! materials, 受講率 by 課 and list), a session's attendance sheet with its QR code, and the
//! e-learning import.

use super::MANAGE_TRAININGS;
use super::directory::{self, Member};
use super::model::{Category, Kind, Status, Target, Via};
use super::rates::{self, Rate, RosterLine};
use super::store::{
    self, Attendance, Mark, Material, NewTraining, Session, Training, TrainingError,
};
use crate::app::AppState;
use crate::auth::permissions::Subject as On;
use crate::auth::routes::FieldErrors;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::fiscal::FiscalYear;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    year: String,
    done: String,
}

/// A training's line on the list.
pub struct Line {
    pub t: Training,
    pub sessions: usize,
    pub held: usize,
    pub rate: Rate,
}

#[derive(Template, WebTemplate)]
#[template(path = "trainings/templates/list.html")]
struct ListPage {
    layout: Layout,
    year: FiscalYear,
    years: Vec<FiscalYear>,
    lines: Vec<Line>,
    summary: Vec<(Category, rates::YearFigures)>,
    staff_count: usize,
    departments: Vec<String>,
    errors: FieldErrors,
    form: TrainingForm,
    done: String,
}

impl ListPage {
    fn categories(&self) -> [Category; 3] {
        Category::ALL
    }
    fn kinds(&self) -> [Kind; 3] {
        Kind::ALL
    }
}

fn year_of(q: &str, state: &AppState) -> FiscalYear {
    FiscalYear::parse(q).unwrap_or_else(|_| FiscalYear::of_date(state.today()))
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    year: FiscalYear,
    form: TrainingForm,
    errors: FieldErrors,
    done: String,
) -> Result<ListPage, AppError> {
    let trainings = store::trainings(&state.db, Some(year)).await?;
    let members = directory::all(&state.db).await?;
    let atts = store::attendances(&state.db, Some(year)).await?;
    let counts = store::session_counts(&state.db, year).await?;
    let mut lines = Vec::new();
    for t in trainings.iter().cloned() {
        lines.push(Line {
            sessions: counts.get(&t.id).copied().unwrap_or(0),
            held: rates::held(&t, &atts),
            rate: rates::rate(&t, &members, &atts),
            t,
        });
    }
    let summary = Category::ALL
        .into_iter()
        .map(|c| {
            let f = rates::by_year(c, &trainings, &members, &atts)
                .remove(&year)
                .unwrap_or_default();
            (c, f)
        })
        .filter(|(_, f)| f.trainings > 0)
        .collect();
    let this = FiscalYear::of_date(state.today());
    Ok(ListPage {
        layout: Layout::staff(staff, "trainings"),
        year,
        years: (0..4).map(|i| FiscalYear(this.0 + 1 - i)).collect(),
        lines,
        summary,
        staff_count: members.iter().filter(|m| m.active).count(),
        departments: departments(&members),
        errors,
        form,
        done,
    })
}

fn departments(members: &[Member]) -> Vec<String> {
    let set: std::collections::BTreeSet<String> = members
        .iter()
        .filter(|m| m.active)
        .map(|m| m.department.clone())
        .collect();
    set.into_iter().collect()
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    if !staff.can(MANAGE_TRAININGS, On::None) {
        // A 課長 comes here from the menu: their 課's list.
        return super::self_routes::pending(State(state), staff, Query(Default::default())).await;
    }
    let year = year_of(&q.year, &state);
    Ok(list_page(
        &state,
        &staff,
        year,
        TrainingForm::default(),
        FieldErrors::default(),
        q.done,
    )
    .await?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TrainingForm {
    pub title: String,
    pub category: String,
    pub kind: String,
    pub year: String,
    pub target: String,
    pub target_department: String,
    pub target_job: String,
    pub required: String,
    pub description: String,
}

pub async fn create(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<TrainingForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_TRAININGS, On::None)?;
    let mut errors = FieldErrors::default();
    if f.title.trim().is_empty() {
        errors.add("title", "研修名を入力してください");
    }
    let category = Category::parse(&f.category);
    if category.is_none() {
        errors.add("category", "分野を選んでください");
    }
    let kind = Kind::parse(&f.kind);
    if kind.is_none() {
        errors.add("kind", "形式を選んでください");
    }
    let year = FiscalYear::parse(&f.year);
    if year.is_err() {
        errors.add(
            "year",
            format!("年度「{}」を読めません(例: 令和6年度、2024)", f.year),
        );
    }
    let value = match f.target.as_str() {
        "department" => &f.target_department,
        _ => &f.target_job,
    };
    let target = Target::parse(&f.target, value);
    if target.is_none() {
        errors.add(
            "target",
            "対象を選んでください(課・職種のときは、その名前も入力してください)",
        );
    }
    if let (true, Some(category), Some(kind), Ok(fiscal_year), Some(target)) =
        (errors.is_empty(), category, kind, year.clone(), target)
    {
        let t = NewTraining {
            title: &f.title,
            category,
            kind,
            fiscal_year,
            target,
            required: f.required == "on",
            description: &f.description,
        };
        let id = store::create(&state.db, &t, &staff.actor()).await?;
        state.invalidate_plan();
        return Ok(
            Redirect::to(&staff.path(&format!("/staff/trainings/{id}?done=created")))
                .into_response(),
        );
    }
    let year = year.unwrap_or_else(|_| FiscalYear::of_date(state.today()));
    let page = list_page(&state, &staff, year, f, errors, String::new()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "trainings/templates/training.html")]
pub(super) struct TrainingPage {
    layout: Layout,
    t: Training,
    sessions: Vec<Session>,
    materials: Vec<Material>,
    rate: Rate,
    held: usize,
    by_department: Vec<(String, Rate)>,
    roster: Vec<RosterView>,
    errors: FieldErrors,
    import_errors: Vec<String>,
    done: String,
}

/// A line of the list, ready to show.
pub struct RosterView {
    pub code: String,
    pub name: String,
    pub department: String,
    pub status: String,
    pub detail: String,
    pub in_target: bool,
}

fn roster_view(lines: &[RosterLine<'_>], sessions: &[Session]) -> Vec<RosterView> {
    lines
        .iter()
        .map(|l| {
            let (status, detail) = match l.attendance {
                None => ("未受講".to_string(), String::new()),
                // An e-learning completion reads as 修了, not 出席.
                Some(a) if a.via == Via::Import.code() && a.status.taken() => {
                    ("修了".to_string(), attendance_detail(a, sessions))
                }
                Some(a) => (a.status.label().to_string(), attendance_detail(a, sessions)),
            };
            RosterView {
                code: l.member.code.clone(),
                name: l.member.name.clone(),
                department: l.member.department.clone(),
                status,
                detail,
                in_target: l.in_target,
            }
        })
        .collect()
}

fn attendance_detail(a: &Attendance, sessions: &[Session]) -> String {
    let mut parts = Vec::new();
    if let Some(s) = a
        .session_id
        .and_then(|id| sessions.iter().find(|s| s.id == id))
    {
        parts.push(when(s));
    }
    if !a.completed_on.is_empty() {
        parts.push(format!(
            "修了 {}",
            crate::fiscal::ymd_wareki(&a.completed_on)
        ));
    }
    if !a.reason.is_empty() {
        parts.push(format!("理由: {}", a.reason));
    }
    parts.push(format!("記録: {}", Via::label_of(&a.via)));
    parts.join("・")
}

/// 令和6年6月10日(月) 14:00〜15:30
pub fn when(s: &Session) -> String {
    crate::fiscal::jst_span(s.starts_at, s.ends_at)
}

pub(super) async fn training_page(
    state: &AppState,
    staff: &Staff,
    id: i64,
    errors: FieldErrors,
    import_errors: Vec<String>,
    done: String,
) -> Result<TrainingPage, AppError> {
    let t = store::get(&state.db, id).await?;
    let members = directory::all(&state.db).await?;
    let atts = store::attendances(&state.db, Some(t.fiscal_year)).await?;
    let sessions = store::sessions(&state.db, id).await?;
    Ok(TrainingPage {
        layout: Layout::staff(staff, "trainings"),
        rate: rates::rate(&t, &members, &atts),
        held: rates::held(&t, &atts),
        by_department: rates::by_department(&t, &members, &atts),
        roster: roster_view(&rates::roster(&t, &members, &atts), &sessions),
        materials: store::materials(&state.db, id).await?,
        sessions,
        t,
        errors,
        import_errors,
        done,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: String,
}

pub async fn training(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_TRAININGS, On::None)?;
    Ok(training_page(
        &state,
        &staff,
        id,
        FieldErrors::default(),
        Vec::new(),
        q.done,
    )
    .await?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SessionForm {
    date: String,
    start: String,
    end: String,
    place: String,
}

pub async fn add_session(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<SessionForm>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_TRAININGS, On::None)?;
    let t = store::get(&state.db, id).await?;
    let mut errors = FieldErrors::default();
    match crate::fiscal::parse_date(&f.date) {
        Err(e) => errors.add("date", format!("日付: {e}")),
        Ok(day) => {
            match (
                crate::courses::at(day, &f.start),
                crate::courses::at(day, &f.end),
            ) {
                (Some(s), Some(e)) => {
                    match store::add_session(&state.db, &t, s, e, &f.place, &staff.actor()).await {
                        Ok(_) => {
                            return Ok(Redirect::to(
                                &staff.path(&format!("/staff/trainings/{id}?done=session")),
                            )
                            .into_response());
                        }
                        Err(TrainingError::Refused(m)) => errors.add("date", m),
                        Err(e) => return Err(e.into()),
                    }
                }
                _ => errors.add("start", "時刻は 14:00 のように入力してください"),
            }
        }
    }
    let page = training_page(&state, &staff, id, errors, Vec::new(), String::new()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "trainings/templates/session.html")]
struct SessionPage {
    layout: Layout,
    t: Training,
    s: Session,
    when: String,
    lines: Vec<SheetLine>,
    qr: String,
    here_url: String,
    error: String,
    done: String,
}

impl SessionPage {
    fn statuses(&self) -> [Status; 4] {
        Status::ALL
    }
}

/// A person on the attendance sheet.
pub struct SheetLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub department: String,
    /// The status recorded for this session ("" when none).
    pub status: String,
    pub reason: String,
    /// Taken at another session, or by e-learning.
    pub elsewhere: String,
}

async fn session_page(
    state: &AppState,
    staff: &Staff,
    id: i64,
    error: String,
    done: String,
) -> Result<SessionPage, AppError> {
    let s = store::session_by_id(&state.db, id).await?;
    let t = store::get(&state.db, s.training_id).await?;
    let members = directory::all(&state.db).await?;
    let atts = store::attendances(&state.db, Some(t.fiscal_year)).await?;
    let lines = rates::roster(&t, &members, &atts)
        .into_iter()
        .map(|l| {
            let here = l
                .attendance
                .filter(|a| a.session_id == Some(s.id) || !a.status.taken());
            let elsewhere = l
                .attendance
                .filter(|a| a.status.taken() && a.session_id != Some(s.id))
                .map(|a| match a.session_id {
                    Some(_) => "別の回で受講済み".to_string(),
                    None => "e-ラーニングで修了済み".to_string(),
                })
                .unwrap_or_default();
            SheetLine {
                id: l.member.id,
                code: l.member.code.clone(),
                name: l.member.name.clone(),
                department: l.member.department.clone(),
                status: here
                    .map(|a| a.status.code().to_string())
                    .unwrap_or_default(),
                reason: here.map(|a| a.reason.clone()).unwrap_or_default(),
                elsewhere,
            }
        })
        .collect();
    let here_url = crate::mail::absolute(state, &format!("/staff/trainings/here/{}", s.self_code));
    Ok(SessionPage {
        layout: Layout::staff(staff, "trainings"),
        when: when(&s),
        qr: crate::web::qr::svg(&here_url, "出席を記録するページのQRコード")?,
        here_url,
        lines,
        t,
        s,
        error,
        done,
    })
}

pub async fn session(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_TRAININGS, On::None)?;
    Ok(session_page(&state, &staff, id, String::new(), q.done)
        .await?
        .into_response())
}

/// The sheet as submitted: `status_{id}` and `reason_{id}` for each person; an empty status
/// leaves the person as they were.
pub async fn mark(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    staff.require(MANAGE_TRAININGS, On::None)?;
    let s = store::session_by_id(&state.db, id).await?;
    let t = store::get(&state.db, s.training_id).await?;
    let members = directory::all(&state.db).await?;
    let mut marks = Vec::new();
    for m in &members {
        let Some(code) = f.get(&format!("status_{}", m.id)).filter(|c| !c.is_empty()) else {
            continue;
        };
        let Some(status) = Status::parse(code) else {
            return Err(AppError::BadRequest(format!("出欠「{code}」は選べません")));
        };
        marks.push((
            m,
            status,
            f.get(&format!("reason_{}", m.id))
                .cloned()
                .unwrap_or_default(),
        ));
    }
    if let Some((m, _, _)) = marks
        .iter()
        .find(|(_, s, r)| *s == Status::Excused && r.trim().is_empty())
    {
        let error = format!("{}さん({}): 免除には理由を入力してください", m.name, m.code);
        let page = session_page(&state, &staff, id, error, String::new()).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let marks: Vec<Mark<'_>> = marks
        .iter()
        .map(|(m, status, reason)| Mark {
            training: &t,
            staff_id: m.id,
            session_id: Some(s.id),
            status: *status,
            reason,
            via: Via::Staff,
            completed_on: "",
        })
        .collect();
    let n = store::mark_all(&state.db, &marks, &staff.actor()).await?;
    // The KPIs count trainings held.
    state.invalidate_plan();
    Ok(
        Redirect::to(&staff.path(&format!("/staff/trainings/sessions/{id}?done={n}")))
            .into_response(),
    )
}

impl TrainingPage {
    /// The import's outcome from `done` (imported-{recorded}-{not done}-{other year}).
    fn imported(&self) -> Option<(String, String, String)> {
        let mut parts = self.done.strip_prefix("imported-")?.split('-');
        Some((
            parts.next()?.to_string(),
            parts.next()?.to_string(),
            parts.next()?.to_string(),
        ))
    }
}
