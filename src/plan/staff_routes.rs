//! The coordinating department drafts a plan revision in the browser; the committee approves it.

use super::revision::{self, Draft, RevisionError, kpi_differences};
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::routes::FieldErrors;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct PendingChange {
    measure: String,
    field: String,
    before: String,
    after: String,
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/staff_plan.html")]
struct StaffPlanPage {
    layout: Layout,
    revisions: Vec<revision::ApprovedRevision>,
    draft: Option<(i64, String, String)>,
    measures: Vec<(String, String)>,
    pending: Vec<PendingChange>,
    changed_measures: Vec<String>,
    can_edit: bool,
    can_approve: bool,
    errors: FieldErrors,
    notice: String,
    /// The draft of the next plan, if one is open.
    next: Option<NextView>,
    /// The form that starts it (with suggestions), and what is wrong with what was typed.
    next_form: super::next_plan::NextPlanForm,
    next_errors: FieldErrors,
    /// The current plan's period is over or ends within a year: the next plan is due.
    next_due: bool,
    period: String,
}

pub struct NextView {
    title: String,
    period: String,
    version: i64,
    created_by: String,
    created_at: String,
    measures: Vec<(String, String)>,
    kpi_count: usize,
}

/// What the form to start the next plan suggests: the period right after the current one, as
/// long, and an id from the start year.
fn suggested_next(plan: &super::model::Plan) -> super::next_plan::NextPlanForm {
    let p = &plan.period;
    let months =
        (p.end.year - p.start.year) * 12 + i32::from(p.end.month) - i32::from(p.start.month);
    let start_index = p.end.year * 12 + i32::from(p.end.month); // the month after the end, 0-based
    let (sy, sm) = (start_index / 12, start_index % 12 + 1);
    let end_index = start_index + months;
    let (ey, em) = (end_index / 12, end_index % 12 + 1);
    let prefix = plan
        .id
        .rsplit_once('-')
        .map_or(plan.id.as_str(), |(a, _)| a);
    super::next_plan::NextPlanForm {
        id: format!("{prefix}-{sy}"),
        title: String::new(),
        start: format!("{sy}-{sm:02}"),
        end: format!("{ey}-{em:02}"),
    }
}

/// The open draft of the next plan.
pub(super) async fn next_draft(state: &AppState) -> Result<Draft, AppError> {
    let data = state.plan_data().await?;
    super::next_plan::next_draft(&state.db, &data.plan)
        .await?
        .ok_or_else(|| {
            AppError::BadRequest("次の計画案がありません。先に作成してください。".into())
        })
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    done: String,
}

async fn plan_page(
    state: &AppState,
    staff: &Staff,
    errors: FieldErrors,
    notice: String,
) -> Result<StaffPlanPage, AppError> {
    plan_page_with(state, staff, errors, notice, None).await
}

async fn plan_page_with(
    state: &AppState,
    staff: &Staff,
    errors: FieldErrors,
    notice: String,
    next_input: Option<(super::next_plan::NextPlanForm, FieldErrors)>,
) -> Result<StaffPlanPage, AppError> {
    let data = state.plan_data().await?;
    let next = super::next_plan::next_draft(&state.db, &data.plan)
        .await?
        .map(|d| NextView {
            title: d.plan.title.clone(),
            period: format!(
                "{}〜{}",
                d.plan.period.start.wareki(),
                d.plan.period.end.wareki()
            ),
            version: d.version,
            created_by: d.created_by.clone(),
            created_at: d.created_at.clone(),
            kpi_count: d.plan.kpis().len(),
            measures: d
                .plan
                .measures
                .iter()
                .map(|m| (m.code.clone(), format!("{} {}", m.label(), m.title)))
                .collect(),
        });
    let (next_form, next_errors) =
        next_input.unwrap_or_else(|| (suggested_next(&data.plan), FieldErrors::default()));
    let draft = revision::draft(&state.db, &data.plan.id).await?;
    let mut pending = Vec::new();
    let mut changed_measures = Vec::new();
    if let Some(d) = &draft {
        for m in &d.plan.measures {
            if data.plan.measure(&m.code) != Some(m) {
                changed_measures.push(format!("{} {}", m.label(), m.title));
            }
        }
        for k in d.plan.kpis() {
            let Some(old) = data.plan.kpi(&k.kpi.key) else {
                continue;
            };
            let owner = k.item.code();
            let reason = d
                .reasons
                .iter()
                .find(|(c, _)| c == owner)
                .map(|(_, r)| r.clone())
                .unwrap_or_default();
            for (field, before, after) in kpi_differences(old.kpi, k.kpi) {
                pending.push(PendingChange {
                    measure: format!("{} {}({})", k.item.label(), k.item.title(), k.kpi.name),
                    field,
                    before,
                    after,
                    reason: reason.clone(),
                });
            }
        }
    }
    Ok(StaffPlanPage {
        layout: Layout::staff(staff, "plan-edit"),
        revisions: revision::approved(&state.db, &data.plan.id).await?,
        measures: draft
            .as_ref()
            .map(|d| {
                d.plan
                    .measures
                    .iter()
                    .map(|m| (m.code.clone(), format!("{} {}", m.label(), m.title)))
                    .collect()
            })
            .unwrap_or_default(),
        draft: draft.map(|d| (d.version, d.created_by, d.created_at)),
        pending,
        changed_measures,
        can_edit: staff.can(crate::plan::EDIT_PLAN, Subject::None),
        can_approve: staff.can(crate::plan::APPROVE_PLAN, Subject::None),
        errors,
        notice,
        next,
        next_form,
        next_errors,
        next_due: data.as_of.next() >= data.plan.period.last_fiscal_year(),
        period: format!(
            "{}〜{}",
            data.plan.period.start.wareki(),
            data.plan.period.end.wareki()
        ),
    })
}

pub async fn overview(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Query(q): axum::extract::Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_str() {
        "created" => "改定案を作成しました。編集する項目を選んでください。".into(),
        "saved" => "改定案を保存しました。".into(),
        "discarded" => "改定案を破棄しました。".into(),
        d if d.starts_with("approved") => {
            "改定案を承認しました。公開ページは新しい版になりました。".into()
        }
        "next_created" => {
            "次の計画案を作成しました。いまの計画をもとにしています。各項目を編集してください。"
                .into()
        }
        "next_discarded" => "次の計画案を破棄しました。".into(),
        "next_approved" => {
            "次の計画を承認しました。公開ページは新しい計画になり、前の計画は「前の計画」として引き続き見られます。"
                .into()
        }
        _ => String::new(),
    };
    Ok(plan_page(&state, &staff, FieldErrors::default(), notice)
        .await?
        .into_response())
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: i64,
}

pub(super) fn revision_error(e: RevisionError) -> Result<FieldErrors, AppError> {
    let mut errors = FieldErrors::default();
    match e {
        RevisionError::Invalid(m) => errors.add("form", m),
        e @ RevisionError::Stale => errors.add("form", e.to_string()),
        RevisionError::Other(e) => return Err(AppError::Internal(e)),
    }
    Ok(errors)
}

pub async fn create_draft(
    State(state): State<AppState>,
    StaffForm(staff, _): StaffForm<VersionForm>,
) -> Result<Response, AppError> {
    staff.require(crate::plan::EDIT_PLAN, Subject::None)?;
    match revision::create_draft(&state.db, &staff.actor()).await {
        Ok(_) => Ok(Redirect::to(&staff.path("/staff/plan?done=created")).into_response()),
        Err(e) => {
            let errors = revision_error(e)?;
            let page = plan_page(&state, &staff, errors, String::new()).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

pub(super) async fn current_draft(state: &AppState) -> Result<Draft, AppError> {
    let data = state.plan_data().await?;
    revision::draft(&state.db, &data.plan.id)
        .await?
        .ok_or_else(|| AppError::BadRequest("改定案がありません。先に作成してください。".into()))
}

pub async fn discard(
    State(state): State<AppState>,
    StaffForm(staff, _): StaffForm<VersionForm>,
) -> Result<Response, AppError> {
    staff.require(crate::plan::EDIT_PLAN, Subject::None)?;
    let draft = current_draft(&state).await?;
    revision::discard(&state.db, &draft, &staff.actor()).await?;
    Ok(Redirect::to(&staff.path("/staff/plan?done=discarded")).into_response())
}

pub async fn approve(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<VersionForm>,
) -> Result<Response, AppError> {
    staff.require(crate::plan::APPROVE_PLAN, Subject::None)?;
    let draft = current_draft(&state).await?;
    match revision::approve(&state.db, &draft, form.version, &staff.actor()).await {
        Ok(_) => {
            state.invalidate_plan();
            Ok(Redirect::to(&staff.path("/staff/plan?done=approved")).into_response())
        }
        Err(e) => {
            let errors = revision_error(e)?;
            let page = plan_page(&state, &staff, errors, String::new()).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

pub async fn create_next(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<super::next_plan::NextPlanForm>,
) -> Result<Response, AppError> {
    staff.require(crate::plan::EDIT_PLAN, Subject::None)?;
    let data = state.plan_data().await?;
    let last = |key: &str| {
        data.evaluation(key)
            .and_then(|e| Some((e.value_year?, e.value?)))
    };
    let mut errors = FieldErrors::default();
    match super::next_plan::successor(&data.plan, &form, &last) {
        Ok(plan) => match super::next_plan::create(&state.db, &plan, &staff.actor()).await {
            Ok(_) => {
                return Ok(
                    Redirect::to(&staff.path("/staff/plan?done=next_created#next")).into_response(),
                );
            }
            Err(RevisionError::Invalid(m)) => errors.add("id", m),
            Err(e) => {
                let e = revision_error(e)?;
                errors = e;
            }
        },
        Err(problems) => {
            for (field, m) in problems {
                errors.add(field, m);
            }
        }
    }
    let page = plan_page_with(
        &state,
        &staff,
        FieldErrors::default(),
        String::new(),
        Some((form, errors)),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn discard_next(
    State(state): State<AppState>,
    StaffForm(staff, _): StaffForm<VersionForm>,
) -> Result<Response, AppError> {
    staff.require(crate::plan::EDIT_PLAN, Subject::None)?;
    let draft = next_draft(&state).await?;
    super::next_plan::discard(&state.db, &draft, &staff.actor()).await?;
    Ok(Redirect::to(&staff.path("/staff/plan?done=next_discarded")).into_response())
}

pub async fn approve_next(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<VersionForm>,
) -> Result<Response, AppError> {
    staff.require(crate::plan::APPROVE_PLAN, Subject::None)?;
    let draft = next_draft(&state).await?;
    match super::next_plan::approve(&state.db, &draft, form.version, &staff.actor()).await {
        Ok(_) => {
            state.invalidate_plan();
            Ok(Redirect::to(&staff.path("/staff/plan?done=next_approved")).into_response())
        }
        Err(e) => {
            let errors = revision_error(e)?;
            let page = plan_page(&state, &staff, errors, String::new()).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}
