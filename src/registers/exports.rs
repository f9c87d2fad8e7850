//! A register's rows as CSV (UTF-8 with BOM or Shift_JIS; the header is the fields' labels, so
//! the file imports back) and as an Excel sheet. Personal fields are written only for the
//! coordinating department; for anyone else their columns are left out.

use super::definition::RegisterDef;
use super::store::{self, Stored};
use super::value::FieldValue;
use super::{VIEW_REGISTERS, form};
use crate::app::AppState;
use crate::auth::Staff;
use crate::auth::permissions::Subject;
use crate::error::AppError;
use crate::plan::exports::{XLSX, download};
use crate::textfile::{CsvEncoding, csv_bytes};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct EncodingQuery {
    #[serde(default)]
    encoding: String,
}

async fn table(
    state: &AppState,
    staff: &Staff,
    key: &str,
) -> Result<(RegisterDef, Vec<usize>, Vec<Stored>), AppError> {
    staff.require(VIEW_REGISTERS, Subject::None)?;
    let def = super::routes::register_def(state, key).await?.def;
    let personal = form::sees_personal(staff, None);
    let columns: Vec<usize> = (0..def.fields.len())
        .filter(|&i| personal || !def.fields[i].personal)
        .collect();
    let rows = store::rows(&state.db, &def).await?;
    Ok((def, columns, rows))
}

fn file_name(def: &RegisterDef, ext: &str) -> (String, String) {
    let day = crate::fiscal::today_jst();
    (
        format!("register-{}-{day}.{ext}", def.key),
        format!("{}_{day}.{ext}", def.title),
    )
}

pub async fn csv(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
    Query(q): Query<EncodingQuery>,
) -> Result<Response, AppError> {
    let (def, columns, rows) = table(&state, &staff, &key).await?;
    let header: Vec<&str> = columns
        .iter()
        .map(|&i| def.fields[i].label.as_str())
        .collect();
    let lines = rows.iter().map(|r| {
        columns
            .iter()
            .map(|&i| r.text(&def.fields[i].key))
            .collect::<Vec<_>>()
    });
    let bytes = csv_bytes(&header, lines, CsvEncoding::from_query(&q.encoding))?;
    let (ascii, name) = file_name(&def, "csv");
    let content_type = format!(
        "text/csv; charset={}",
        CsvEncoding::from_query(&q.encoding).charset()
    );
    Ok(download(bytes, &content_type, &ascii, &name))
}

pub async fn xlsx(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let (def, columns, rows) = table(&state, &staff, &key).await?;
    let bytes = workbook(&def, &columns, &rows)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("workbook: {e}")))?;
    let (ascii, name) = file_name(&def, "xlsx");
    Ok(download(bytes, XLSX, &ascii, &name))
}

fn workbook(
    def: &RegisterDef,
    columns: &[usize],
    rows: &[Stored],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let styles = crate::plan::xlsx::Styles::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(crate::plan::xlsx::sheet_name(&def.title))?;
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    for (c, &i) in columns.iter().enumerate() {
        let c = c as u16;
        sheet.write_with_format(0, c, &def.fields[i].label, &styles.head)?;
        sheet.set_column_width(c, 16)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, &i) in columns.iter().enumerate() {
            let c = c as u16;
            match row.cells.get(&def.fields[i].key) {
                Some(FieldValue::Number(n)) => {
                    sheet.write_number_with_format(r, c, *n, &styles.num)?;
                }
                Some(v) => {
                    sheet.write_with_format(r, c, v.text(), &styles.cell)?;
                }
                None => {
                    sheet.write_blank(r, c, &styles.cell)?;
                }
            }
        }
    }
    sheet.autofilter(
        0,
        0,
        rows.len() as u32,
        columns.len().saturating_sub(1) as u16,
    )?;
    book.save_to_buffer()
}
