//! Upload, preview and confirm of KPI actuals for many 施策 and 年度 at once.

use super::check::{self, Checked, Target};
use super::read;
use super::store::{self, CommitError};
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::secret::constant_time_eq;
use crate::auth::session::{csrf_refused, origin_matches};
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::plan::exports::{XLSX, download};
use crate::plan::model::Plan;
use crate::reporting::model::ReportState;
use crate::textfile::{CsvEncoding, csv_bytes};
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sqlx::Row;
use std::collections::HashMap;

/// Largest upload accepted.
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;

fn may_import(staff: &Staff, plan: &Plan) -> bool {
    plan.measures.iter().any(|m| {
        staff.can(
            crate::reporting::EDIT_REPORT,
            Subject::Measure {
                department: &m.department,
            },
        )
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/templates/import.html")]
struct ImportPage {
    layout: Layout,
    error: String,
    batch_id: Option<i64>,
    file_name: String,
    checked: Option<Checked>,
    done: String,
    /// Why this person has nothing to import (no 施策 of their department), when so.
    nothing: String,
}

fn page(staff: &Staff) -> ImportPage {
    ImportPage {
        layout: Layout::staff(staff, "import"),
        error: String::new(),
        batch_id: None,
        file_name: String::new(),
        checked: None,
        done: String::new(),
        nothing: String::new(),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn form(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Result<Response, AppError> {
    let data = state.plan_data().await?;
    if !crate::auth::permissions::allowed_somewhere(&staff.user, crate::reporting::EDIT_REPORT) {
        return Err(AppError::Forbidden(
            "実績を取り込めるのは報告を担当する方だけです。".into(),
        ));
    }
    let mut p = page(&staff);
    if !may_import(&staff, &data.plan) {
        // The menu offers the page to everyone who reports; say why there is nothing here.
        let w = &data.words;
        p.nothing = if staff.user.department.is_empty() {
            format!(
                "取り込める実績はありません。実績を取り込めるのは、{}が担当する{}の報告だけです。",
                w.department,
                w.measure()
            )
        } else {
            format!(
                "{}が担当する{}が計画にないため、取り込める実績はありません。担当課の設定は{}が行います。",
                staff.user.department,
                w.measure(),
                w.coordinating
            )
        };
        return Ok(p.into_response());
    }
    if let Ok(n) = q.done.parse::<usize>() {
        p.done = format!(
            "{n}件の実績を反映しました。各報告は「入力中」になっています。内容を確かめて提出してください。"
        );
    }
    Ok(p.into_response())
}

/// Rows the template offers: the KPIs of the 施策 this person may report on.
fn template_rows(staff: &Staff, plan: &Plan) -> Vec<Vec<String>> {
    plan.measures
        .iter()
        .filter(|m| {
            staff.can(
                crate::reporting::EDIT_REPORT,
                Subject::Measure {
                    department: &m.department,
                },
            )
        })
        .flat_map(|m| {
            m.kpis.iter().map(move |k| {
                vec![
                    k.key.clone(),
                    format!("{} {}({}、単位 {})", m.label(), m.title, k.name, k.unit),
                    String::new(),
                    String::new(),
                    String::new(),
                ]
            })
        })
        .collect()
}

const TEMPLATE_HEADER: [&str; 5] = ["KPIコード", "名称(参考)", "年度", "実績", "根拠・出典"];

pub async fn template_csv(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Response, AppError> {
    let data = state.plan_data().await?;
    let bytes = csv_bytes(
        &TEMPLATE_HEADER,
        template_rows(&staff, &data.plan),
        CsvEncoding::Utf8Bom,
    )?;
    Ok(download(
        bytes,
        "text/csv; charset=utf-8",
        "actuals-template.csv",
        "実績取り込みテンプレート.csv",
    ))
}

pub async fn template_xlsx(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Response, AppError> {
    let data = state.plan_data().await?;
    let st = crate::plan::xlsx::Styles::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let build = |wb: &mut rust_xlsxwriter::Workbook| -> Result<(), rust_xlsxwriter::XlsxError> {
        let ws = wb.add_worksheet();
        ws.set_name("実績")?;
        let text = rust_xlsxwriter::Format::new().set_num_format("@");
        for (c, h) in TEMPLATE_HEADER.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &st.head)?;
        }
        // KPIコード and 年度 as text, so Excel does not turn 1-1-1 into a date.
        ws.set_column_format(0, &text)?;
        ws.set_column_format(2, &text)?;
        for (r, row) in template_rows(&staff, &data.plan).iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(1 + r as u32, c as u16, v)?;
            }
        }
        ws.set_column_width(0, 12)?;
        ws.set_column_width(1, 40)?;
        ws.set_column_width(2, 10)?;
        ws.set_column_width(3, 12)?;
        ws.set_column_width(4, 40)?;
        Ok(())
    };
    build(&mut wb).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let bytes = wb
        .save_to_buffer()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(download(
        bytes,
        XLSX,
        "actuals-template.xlsx",
        "実績取り込みテンプレート.xlsx",
    ))
}

/// Current yearly reports by (施策, 年度): what an import row would change.
async fn targets(
    state: &AppState,
    plan_id: &str,
) -> Result<HashMap<(String, i32), Target>, AppError> {
    let rows = sqlx::query(
        "SELECT r.id, r.measure_code, p.fiscal_year, r.state FROM reports r
         JOIN reporting_periods p ON p.id = r.period_id WHERE p.plan_id = $1 AND p.kind = 'yearly'",
    )
    .bind(plan_id)
    .fetch_all(&mut *state.db.conn().await?)
    .await?;
    let values = sqlx::query(
        "SELECT v.report_id, v.kpi_key, v.value FROM report_values v
         JOIN reports r ON r.id = v.report_id JOIN reporting_periods p ON p.id = r.period_id
         WHERE p.plan_id = $1 AND p.kind = 'yearly'",
    )
    .bind(plan_id)
    .fetch_all(&mut *state.db.conn().await?)
    .await?;
    let plan = state.plan_data().await?;
    let mut map = HashMap::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let code: String = r.try_get("measure_code")?;
        let fy: i64 = r.try_get("fiscal_year")?;
        let st: String = r.try_get("state")?;
        let Some(m) = plan.plan.measure(&code) else {
            continue;
        };
        for k in &m.kpis {
            let mut actual = None;
            for v in &values {
                if v.try_get::<i64, _>("report_id")? == id
                    && v.try_get::<String, _>("kpi_key")? == k.key
                {
                    actual = v.try_get("value")?;
                }
            }
            map.insert(
                (k.key.clone(), fy as i32),
                Target {
                    state: ReportState::from_key(&st).unwrap_or(ReportState::Finalized),
                    actual,
                },
            );
        }
    }
    Ok(map)
}

fn too_large() -> String {
    format!(
        "ファイルが大きすぎます。上限は{}MBです。行を分けて複数回に取り込んでください。",
        MAX_UPLOAD / 1024 / 1024
    )
}

pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    staff: Staff,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    if !origin_matches(&headers) {
        return Err(csrf_refused());
    }
    let data = state.plan_data().await?;
    if !may_import(&staff, &data.plan) {
        return Err(AppError::Forbidden(
            "実績を取り込めるKPIがありません。".into(),
        ));
    }
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::PayloadTooLarge(too_large()));
            }
            Err(e) => {
                return Err(AppError::BadRequest(format!(
                    "送信内容を読み取れません: {e}"
                )));
            }
        };
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "file" => {
                let name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        AppError::PayloadTooLarge(too_large())
                    } else {
                        AppError::BadRequest(format!("ファイルを読み取れません: {e}"))
                    }
                })?;
                if bytes.len() > MAX_UPLOAD {
                    return Err(AppError::PayloadTooLarge(too_large()));
                }
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    if !constant_time_eq(&csrf, &staff.session.csrf_token) {
        return Err(csrf_refused());
    }
    let mut p = page(&staff);
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        p.error = "ファイルを選んでください。".into();
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    p.file_name = name.clone();
    let table = match read::read(&bytes, &name) {
        Ok(t) => t,
        Err(e) => {
            p.error = e.to_string();
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    let targets = targets(&state, &data.plan.id).await?;
    let checked = check::check(&table, &data.plan, &staff, &targets);
    let id = store::save(&state.db, staff.user.id, &name, &checked).await?;
    p.batch_id = Some(id);
    let status = if checked.error_count() > 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    p.checked = Some(checked);
    Ok((status, p).into_response())
}

pub async fn commit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, _): StaffForm<crate::auth::routes::Empty>,
) -> Result<Response, AppError> {
    let data = state.plan_data().await?;
    let batch = store::load(&state.db, id, staff.user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    match store::commit(&state.db, &batch, &data.plan.id, &staff.actor()).await {
        Ok(n) => Ok(Redirect::to(&staff.path(&format!("/staff/import?done={n}"))).into_response()),
        Err(CommitError::Refused(m)) => {
            let mut p = page(&staff);
            p.error = m;
            p.file_name = batch.file_name.clone();
            p.checked = Some(batch.checked);
            Ok((StatusCode::CONFLICT, p).into_response())
        }
        Err(CommitError::Other(e)) => Err(AppError::Internal(e)),
    }
}
