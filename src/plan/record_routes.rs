//! Figures the coordinating department records (記録): KPIs no department reports on (a KGI on a
//! higher level), figures from surveys or other bodies, and corrections before a report exists.
//! A figure confirmed through the reporting cycle (確定) is never overwritten here; where a
//! module's count and a standing figure disagree, both are shown side by side.

use super::kpi::{Provenance, format_value};
use super::service::{ActualError, PlanData, check_actual};
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::routes::FieldErrors;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// One KPI in the list of the record page.
pub struct KpiLine {
    key: String,
    label: String,
    name: String,
    latest: String,
    provenance: String,
    status: String,
    status_key: &'static str,
    /// A module counts something else than the standing figure.
    discrepancy: bool,
    /// Who reports it: a department's report, or nobody (recorded here).
    reported_by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/staff_kpis.html")]
struct KpisPage {
    layout: Layout,
    lines: Vec<KpiLine>,
    discrepancies: Vec<String>,
}

fn latest_line(data: &PlanData, key: &str, unit: &str) -> (String, String) {
    data.actuals_of(key).last().map_or_else(
        || ("—".to_string(), String::new()),
        |a| {
            (
                format!(
                    "{}({})",
                    format_value(a.value, unit),
                    a.fiscal_year.wareki()
                ),
                a.provenance.label().to_string(),
            )
        },
    )
}

/// The discrepancies between modules' counts and standing figures, in sentences.
pub fn discrepancy_sentences(data: &PlanData) -> Vec<String> {
    data.discrepancies
        .iter()
        .filter_map(|d| {
            let k = data.plan.kpi(&d.kpi_key)?;
            Some(format!(
                "{} {}: {}の値は{} {}ですが、{}の集計では {} です。どちらが正しいか確かめてください。",
                k.item.label(),
                k.kpi.name,
                k.kpi.years.wareki(d.fiscal_year),
                d.standing.provenance.label(),
                format_value(d.standing.value, &k.kpi.unit),
                data.source_label(k.kpi),
                format_value(d.counted, &k.kpi.unit),
            ))
        })
        .collect()
}

pub async fn list(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    staff.require(super::RECORD_ACTUAL, Subject::None)?;
    let data = state.plan_data().await?;
    let lines = data
        .plan
        .kpis()
        .into_iter()
        .map(|k| {
            let (latest, provenance) = latest_line(&data, &k.kpi.key, &k.kpi.unit);
            let ev = data.evaluation(&k.kpi.key);
            let status = ev.map_or(super::kpi::Status::NoData, |e| e.status);
            KpiLine {
                key: k.kpi.key.clone(),
                label: format!("{} {}", k.item.label(), k.item.title()),
                name: k.kpi.name.clone(),
                latest,
                provenance,
                status: status.label().to_string(),
                status_key: status.key(),
                discrepancy: data.discrepancies.iter().any(|d| d.kpi_key == k.kpi.key),
                reported_by: match k.item {
                    super::model::Item::Measure(m) if !m.department.is_empty() => {
                        format!("{}の報告", m.department)
                    }
                    super::model::Item::Measure(_) => "報告".to_string(),
                    _ => "記録のみ".to_string(),
                },
            }
        })
        .collect();
    Ok(KpisPage {
        layout: Layout::staff(&staff, "kpi-record"),
        discrepancies: discrepancy_sentences(&data),
        lines,
    }
    .into_response())
}

pub struct YearLine {
    year: String,
    target: String,
    figure: String,
    provenance: String,
    who: String,
    note: String,
    counted: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/staff_kpi.html")]
struct KpiPage {
    layout: Layout,
    key: String,
    label: String,
    name: String,
    target_wording: String,
    unit: String,
    year_hint: String,
    years: Vec<YearLine>,
    form: RecordForm,
    errors: FieldErrors,
    notice: String,
}

#[derive(Deserialize, Default)]
pub struct RecordForm {
    #[serde(default)]
    pub fiscal_year: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn kpi_page(
    state: &AppState,
    staff: &Staff,
    key: &str,
    form: RecordForm,
    errors: FieldErrors,
    notice: String,
) -> Result<KpiPage, AppError> {
    let data = state.plan_data().await?;
    let k = data.plan.kpi(key).ok_or(AppError::NotFound)?;
    let records = super::store::actual_records(&state.db, &data.plan.id).await?;
    let mut years = Vec::new();
    for fy in data.table_years() {
        let figure = data.actuals_of(key).iter().find(|a| a.fiscal_year == fy);
        let record = records
            .iter()
            .find(|r| r.measure_code == key && r.fiscal_year == fy);
        let counted = data
            .discrepancies
            .iter()
            .find(|d| d.kpi_key == key && d.fiscal_year == fy)
            .map(|d| format_value(d.counted, &k.kpi.unit))
            .unwrap_or_default();
        years.push(YearLine {
            year: k.kpi.years.label(fy),
            target: k
                .kpi
                .yearly_target(fy)
                .map(|v| format_value(v, &k.kpi.unit))
                .unwrap_or_else(|| "—".into()),
            figure: figure.map_or_else(|| "—".into(), |a| format_value(a.value, &k.kpi.unit)),
            provenance: figure.map(|a| a.provenance.describe()).unwrap_or_default(),
            who: match (figure.map(|a| a.provenance), record) {
                (Some(Provenance::Counted(_)), _) | (None, _) | (_, None) => String::new(),
                (_, Some(r)) => format!(
                    "{}({})",
                    crate::auth::store::display_of(&state.db, &r.recorded_by).await?,
                    crate::fiscal::jst(&r.recorded_at)
                ),
            },
            note: record.map(|r| r.note.clone()).unwrap_or_default(),
            counted,
        });
    }
    Ok(KpiPage {
        layout: Layout::staff(staff, "kpi-record"),
        key: k.kpi.key.clone(),
        label: format!("{} {}", k.item.label(), k.item.title()),
        name: k.kpi.name.clone(),
        target_wording: format!("{}({})", k.kpi.target_wording, k.kpi.deadline_wording),
        unit: k.kpi.unit.clone(),
        year_hint: match k.kpi.years {
            super::model::YearBasis::FiscalYear => "例: R6、2024、令和6年度".into(),
            super::model::YearBasis::CalendarYear => {
                "この KPI は暦年(1〜12月)で数えます。例: 2024、令和6年".into()
            }
        },
        years,
        form,
        errors,
        notice,
    })
}

pub async fn view(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    staff.require(super::RECORD_ACTUAL, Subject::None)?;
    let notice = if q.done == "recorded" {
        "記録しました。公開ページの値にも反映されます。".to_string()
    } else {
        String::new()
    };
    Ok(kpi_page(
        &state,
        &staff,
        &key,
        RecordForm::default(),
        FieldErrors::default(),
        notice,
    )
    .await?
    .into_response())
}

pub async fn record(
    State(state): State<AppState>,
    Path(key): Path<String>,
    StaffForm(staff, form): StaffForm<RecordForm>,
) -> Result<Response, AppError> {
    staff.require(super::RECORD_ACTUAL, Subject::None)?;
    let data = state.plan_data().await?;
    if data.plan.kpi(&key).is_none() {
        return Err(AppError::NotFound);
    }
    let mut errors = FieldErrors::default();
    match check_actual(&data.plan, &key, &form.fiscal_year, &form.value) {
        Ok((fy, value)) => {
            let actor = staff.actor();
            match super::store::record_actual(
                &state.db,
                &data.plan.id,
                &key,
                fy,
                value,
                form.note.trim(),
                &actor,
            )
            .await
            {
                Ok(()) => {
                    state.invalidate_plan();
                    return Ok(Redirect::to(
                        &staff.path(&format!("/staff/kpis/{key}?done=recorded")),
                    )
                    .into_response());
                }
                Err(e) => match e.downcast::<ActualError>() {
                    Ok(e) => errors.add("fiscal_year", e.to_string()),
                    Err(e) => return Err(e.into()),
                },
            }
        }
        Err(e) => {
            let field = match e {
                ActualError::FiscalYear(_)
                | ActualError::YearOutOfRange { .. }
                | ActualError::Confirmed(_) => "fiscal_year",
                _ => "value",
            };
            errors.add(field, e.to_string());
        }
    }
    let page = kpi_page(&state, &staff, &key, form, errors, String::new()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
