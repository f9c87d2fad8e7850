//! Reading an uploaded table (CSV in UTF-8 or Shift_JIS, or an Excel workbook) into rows of
//! cells, without deciding what they mean yet.

use calamine::{Data, Reader};
use std::io::Cursor;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A date-formatted cell (Excel turns "1-1-1" into a date).
    Date(String),
    /// A formula error such as #DIV/0!
    Error(String),
}

impl Cell {
    /// The cell as text, trimmed (a number as written: 12, 0.5; a date as the sheet shows it).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) | Cell::Date(t) | Cell::Error(t) => t.trim().to_string(),
            Cell::Number(n) => n.to_string(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// The rows of the table with their line numbers as the person sees them (1-based).
#[derive(Debug)]
pub struct Table {
    pub rows: Vec<(usize, Vec<Cell>)>,
    /// What the file was read as (UTF-8, Shift_JIS, Excel sheet name).
    pub read_as: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("Excelファイルとして読めません(壊れているか、Excel形式ではありません): {0}")]
    Workbook(String),
    #[error("シートがありません")]
    NoSheet,
    #[error(transparent)]
    Encoding(#[from] crate::textfile::EncodingError),
    #[error("CSVの{line}行目が読めません: {message}")]
    Csv { line: usize, message: String },
    #[error("ファイルが空です")]
    Empty,
}

fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

fn looks_like_ole(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

pub fn read(bytes: &[u8], file_name: &str) -> Result<Table, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    let lower = file_name.to_lowercase();
    let excel_name = [".xlsx", ".xlsm", ".xls", ".ods"]
        .iter()
        .any(|e| lower.ends_with(e));
    if looks_like_zip(bytes) || looks_like_ole(bytes) || excel_name {
        read_workbook(bytes)
    } else {
        read_csv(bytes)
    }
}

fn data_cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(dt) => Cell::Date(excel_date_text(dt.as_f64())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Date(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// An Excel serial date (days since 1899-12-30) as YYYY-MM-DD.
fn excel_date_text(serial: f64) -> String {
    let base = time::macros::date!(1899 - 12 - 30);
    base.checked_add(time::Duration::days(serial.floor() as i64))
        .map(|d| d.to_string())
        .unwrap_or_else(|| serial.to_string())
}

fn read_workbook(bytes: &[u8]) -> Result<Table, ReadError> {
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| ReadError::Workbook(e.to_string()))?;
    let name = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or(ReadError::NoSheet)?;
    let range = wb
        .worksheet_range(&name)
        .map_err(|e| ReadError::Workbook(e.to_string()))?;
    // Merged cells keep their value in the top-left cell only: copy it into the others.
    let merged: Vec<calamine::Dimensions> = match &mut wb {
        calamine::Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        _ => Vec::new(),
    };
    let (start_row, start_col) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<(usize, Vec<Cell>)> = range
        .rows()
        .enumerate()
        .map(|(i, r)| {
            let mut cells: Vec<Cell> = (0..start_col).map(|_| Cell::Empty).collect();
            cells.extend(r.iter().map(data_cell));
            (start_row as usize + i + 1, cells)
        })
        .collect();
    for m in merged {
        let at = |rows: &Vec<(usize, Vec<Cell>)>, r: u32, c: u32| -> Option<Cell> {
            rows.iter()
                .find(|(line, _)| *line == r as usize + 1)
                .and_then(|(_, cells)| cells.get(c as usize).cloned())
        };
        let Some(value) = at(&rows, m.start.0, m.start.1) else {
            continue;
        };
        for (line, cells) in rows.iter_mut() {
            let r = *line as u32 - 1;
            if r < m.start.0 || r > m.end.0 {
                continue;
            }
            for c in m.start.1..=m.end.1 {
                if let Some(cell) = cells.get_mut(c as usize)
                    && cell.is_empty()
                {
                    *cell = value.clone();
                }
            }
        }
    }
    Ok(Table {
        rows,
        read_as: format!("Excel(シート「{name}」)"),
    })
}

fn read_csv(bytes: &[u8]) -> Result<Table, ReadError> {
    let (text, encoding) = crate::textfile::decode_text(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        // Lines counted from the byte offset, so quoted line breaks and CRLF count right.
        // After CRLF the reader reports a record as starting on the LF: step over it.
        let line_at = |byte: u64| {
            let mut b = (byte as usize).min(text.len());
            if text.as_bytes().get(b) == Some(&b'\n') {
                b += 1;
            }
            text[..b].matches('\n').count() + 1
        };
        let rec = rec.map_err(|e| ReadError::Csv {
            line: e.position().map_or(i + 1, |p| line_at(p.byte())),
            message: e.to_string(),
        })?;
        let line = rec.position().map_or(i + 1, |p| line_at(p.byte()));
        rows.push((
            line,
            rec.iter()
                .map(|s| {
                    if s.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(s.to_string())
                    }
                })
                .collect(),
        ));
    }
    Ok(Table {
        rows,
        read_as: format!("CSV({encoding})"),
    })
}
