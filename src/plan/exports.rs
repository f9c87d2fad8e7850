//! Downloads: Excel workbooks, CSV (UTF-8 with BOM or Shift_JIS) and the open KPI data (CSV, JSON).

use super::service::PlanData;
use crate::app::AppState;
use crate::error::AppError;
use crate::textfile::{CsvEncoding, csv_bytes};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file download; the name is ASCII-safe with the Japanese name in `filename*`.
pub fn download(bytes: Vec<u8>, content_type: &str, ascii_name: &str, name: &str) -> Response {
    let encoded = crate::auth::session::urlencode(name);
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("workbook: {e}"))
}

async fn finalized(
    state: &AppState,
    data: &PlanData,
) -> Result<Vec<(crate::fiscal::FiscalYear, crate::reporting::model::Report)>, AppError> {
    Ok(crate::reporting::store::finalized_yearly(&state.db, &data.plan.id).await?)
}

pub async fn action_plan_xlsx(
    State(state): State<AppState>,
    view: super::browse::PlanView,
    Path(super::browse::Code { code }): Path<super::browse::Code>,
) -> Result<Response, AppError> {
    let data = view.0.clone();
    data.plan.measure(&code).ok_or(AppError::NotFound)?;
    let fin = finalized(&state, &data).await?;
    let bytes = super::xlsx::action_plans(&data, Some(&code), &fin).map_err(xlsx_error)?;
    Ok(download(
        bytes,
        XLSX,
        &format!("action-plan-{code}.xlsx"),
        &format!("アクションプラン_{code}.xlsx"),
    ))
}

pub async fn action_plans_xlsx(
    State(state): State<AppState>,
    view: super::browse::PlanView,
) -> Result<Response, AppError> {
    let data = view.0.clone();
    let fin = finalized(&state, &data).await?;
    let bytes = super::xlsx::action_plans(&data, None, &fin).map_err(xlsx_error)?;
    Ok(download(
        bytes,
        XLSX,
        "action-plans.xlsx",
        &format!("アクションプラン_全{}.xlsx", data.words.measure()),
    ))
}

pub async fn kpis_xlsx(
    State(state): State<AppState>,
    view: super::browse::PlanView,
) -> Result<Response, AppError> {
    let data = view.0.clone();
    let fin = finalized(&state, &data).await?;
    let bytes = super::xlsx::kpi_list(&data, &fin).map_err(xlsx_error)?;
    Ok(download(bytes, XLSX, "kpis.xlsx", "KPI一覧.xlsx"))
}

pub async fn roadmap_xlsx(view: super::browse::PlanView) -> Result<Response, AppError> {
    let data = view.0.clone();
    let bytes = super::xlsx::roadmap(&data).map_err(xlsx_error)?;
    Ok(download(bytes, XLSX, "roadmap.xlsx", "行程表.xlsx"))
}

#[derive(Deserialize, Default)]
pub struct EncodingQuery {
    #[serde(default)]
    encoding: String,
}

fn csv_response(bytes: Vec<u8>, enc: CsvEncoding, ascii: &str, name: &str) -> Response {
    download(
        bytes,
        &format!("text/csv; charset={}", enc.charset()),
        ascii,
        name,
    )
}

fn num(v: Option<f64>) -> String {
    v.map(|v| {
        if v.fract() == 0.0 {
            format!("{}", v as i64)
        } else {
            format!("{v}")
        }
    })
    .unwrap_or_default()
}

/// The KPI list as CSV: one row per KPI.
pub async fn kpis_csv(
    view: super::browse::PlanView,
    Query(q): Query<EncodingQuery>,
) -> Result<Response, AppError> {
    let data = view.0.clone();
    let enc = CsvEncoding::from_query(&q.encoding);
    let rows = data.plan.kpis().into_iter().map(|k| {
        let ev = data.evaluation(&k.kpi.key);
        vec![
            k.kpi.key.clone(),
            k.item.code().to_string(),
            format!("{} {}", k.item.label(), k.item.title()),
            k.kpi.name.clone(),
            k.kpi.target_wording.clone(),
            k.kpi.deadline_wording.clone(),
            k.kpi.unit.clone(),
            num(ev.and_then(|e| e.target).or(k.kpi.target)),
            k.kpi.deadline.0.to_string(),
            num(ev.and_then(|e| e.value)),
            ev.and_then(|e| e.value_year)
                .map(|y| y.0.to_string())
                .unwrap_or_default(),
            ev.and_then(|e| e.provenance)
                .map(|p| p.label().to_string())
                .unwrap_or_default(),
            ev.and_then(|e| e.achievement)
                .map(|a| format!("{:.1}", a * 100.0))
                .unwrap_or_default(),
            ev.map_or("未入力", |e| e.status.label()).to_string(),
            if ev.is_some_and(|e| e.final_evaluation) {
                "最終評価".to_string()
            } else {
                String::new()
            },
        ]
    });
    let bytes = csv_bytes(
        &[
            "KPIコード",
            "項目コード",
            "項目",
            "KPI",
            "数値目標",
            "達成時期",
            "単位",
            "目標値",
            "達成年度",
            "最新実績",
            "最新実績の年度",
            "値の種類",
            "達成率(%)",
            "状況",
            "評価",
        ],
        rows,
        enc,
    )?;
    Ok(csv_response(bytes, enc, "kpis.csv", "KPI一覧.csv"))
}

/// One point of a KPI series: a year with its target (if the plan gives one) and its figure with
/// where the figure comes from.
#[derive(Debug, Serialize)]
pub struct SeriesPoint {
    pub kpi_key: String,
    /// The item the KPI belongs to (its code) and its title.
    pub measure_code: String,
    pub measure: String,
    pub kpi: String,
    pub unit: String,
    /// fiscal_year (年度) or calendar_year (年).
    pub years: super::model::YearBasis,
    pub fiscal_year: i32,
    pub wareki: String,
    pub target: Option<f64>,
    pub actual: Option<f64>,
    /// confirmed (確定), recorded (記録) or counted (自動集計); null without a figure.
    pub provenance: Option<super::kpi::Provenance>,
}

fn series(data: &PlanData, only: Option<&str>) -> Vec<SeriesPoint> {
    let years = data.table_years();
    data.plan
        .kpis()
        .into_iter()
        .filter(|k| only.is_none_or(|c| c == k.item.code()))
        .flat_map(|k| {
            let kpi = k.kpi;
            let item = k.item;
            years.iter().map(move |fy| {
                let figure = data
                    .actuals_of(&kpi.key)
                    .iter()
                    .find(|a| a.fiscal_year == *fy);
                SeriesPoint {
                    kpi_key: kpi.key.clone(),
                    measure_code: item.code().to_string(),
                    measure: item.title().to_string(),
                    kpi: kpi.name.clone(),
                    unit: kpi.unit.clone(),
                    years: kpi.years,
                    fiscal_year: fy.0,
                    wareki: kpi.years.wareki(*fy),
                    target: kpi.yearly_target(*fy).or_else(|| {
                        (kpi.accumulation == super::model::Accumulation::Annual
                            && *fy <= kpi.deadline)
                            .then_some(kpi.target)
                            .flatten()
                    }),
                    actual: figure.map(|a| a.value),
                    provenance: figure.map(|a| a.provenance),
                }
            })
        })
        .collect()
}

fn series_csv_bytes(points: &[SeriesPoint], enc: CsvEncoding) -> anyhow::Result<Vec<u8>> {
    csv_bytes(
        &[
            "KPIコード",
            "項目コード",
            "項目",
            "KPI",
            "単位",
            "年度または年",
            "和暦",
            "目標",
            "実績",
            "値の種類",
        ],
        points.iter().map(|p| {
            vec![
                p.kpi_key.clone(),
                p.measure_code.clone(),
                p.measure.clone(),
                p.kpi.clone(),
                p.unit.clone(),
                p.fiscal_year.to_string(),
                p.wareki.clone(),
                num(p.target),
                num(p.actual),
                p.provenance
                    .map(|p| p.label())
                    .unwrap_or_default()
                    .to_string(),
            ]
        }),
        enc,
    )
}

#[derive(Serialize)]
struct SeriesDocument<'a> {
    plan_id: &'a str,
    municipality_code: &'a str,
    revision: &'a str,
    license: &'static str,
    note: &'static str,
    series: Vec<SeriesPoint>,
}

fn series_json(data: &PlanData, only: Option<&str>) -> Response {
    axum::Json(SeriesDocument {
        plan_id: &data.plan.id,
        municipality_code: &data.plan.municipality.code,
        revision: &data.revision.label,
        license: "CC-BY-4.0",
        note: "実績ごとに値の種類を示します: confirmed = 報告で確定した値、recorded = 計画の取りまとめ担当が記録した値、counted = 業務のデータから自動で集計した値(確定すると置き換わります)。",
        series: series(data, only),
    })
    .into_response()
}

pub async fn plan_series_csv(
    view: super::browse::PlanView,
    Query(q): Query<EncodingQuery>,
) -> Result<Response, AppError> {
    let data = view.0.clone();
    let enc = CsvEncoding::from_query(&q.encoding);
    let bytes = series_csv_bytes(&series(&data, None), enc)?;
    Ok(csv_response(bytes, enc, "kpi-series.csv", "KPI実績.csv"))
}

pub async fn plan_series_json(view: super::browse::PlanView) -> Result<Response, AppError> {
    let data = view.0.clone();
    Ok(series_json(&data, None))
}

pub async fn measure_series_csv(
    view: super::browse::PlanView,
    Path(super::browse::Code { code }): Path<super::browse::Code>,
    Query(q): Query<EncodingQuery>,
) -> Result<Response, AppError> {
    let data = view.0.clone();
    data.plan.measure(&code).ok_or(AppError::NotFound)?;
    let enc = CsvEncoding::from_query(&q.encoding);
    let bytes = series_csv_bytes(&series(&data, Some(&code)), enc)?;
    Ok(csv_response(
        bytes,
        enc,
        &format!("kpi-series-{code}.csv"),
        &format!("KPI実績_{code}.csv"),
    ))
}

pub async fn measure_series_json(
    view: super::browse::PlanView,
    Path(super::browse::Code { code }): Path<super::browse::Code>,
) -> Result<Response, AppError> {
    let data = view.0.clone();
    data.plan.measure(&code).ok_or(AppError::NotFound)?;
    Ok(series_json(&data, Some(&code)))
}
