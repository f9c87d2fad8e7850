//! The reading half of the validator, on its own thread: bytes decoded to UTF-8, parsed into CSV
//! records, the header matched, rows numbered as Frictionless numbers them (blank lines count),
//! its share of the fields checked, and the records sent in batches to the other half. Records
//! come back empty to be filled again, so reading allocates almost nothing per row.

use super::cells::Cells;
use super::decode::{AutoDecode, Breaks, Encoding, blank_lines_before};
use super::report::{Collector, ValidationError};
use crate::opendata::schema::{CompiledField, TableSchema};
use csv::StringRecord;
use std::cell::RefCell;
use std::collections::VecDeque;

use std::rc::Rc;
use std::sync::mpsc::{Receiver, SyncSender};

/// Records per batch: large enough that sending costs nothing, small enough to stay in cache.
const BATCH: usize = 512;

pub enum Item {
    /// The header: how many labels, and the column each field reads.
    Header {
        width: usize,
        columns: Vec<Option<usize>>,
    },
    /// A data row that is not blank, with its row number.
    Record { rec: StringRecord, row: usize },
}

pub struct Batch {
    pub items: Vec<Item>,
    /// The encoding as decided so far.
    pub encoding: Encoding,
}

/// What the reading half found itself.
pub struct ReadOutcome {
    pub out: Collector,
    pub data_rows: usize,
    pub encoding: Encoding,
}

pub fn row_error(kind: &str, row: usize, message: impl Into<String>) -> ValidationError {
    ValidationError {
        kind: kind.to_string(),
        row_number: Some(row),
        field_number: None,
        field_name: None,
        cell: None,
        message: message.into(),
    }
}

/// A reading error in Japanese (the parser's own words go to the log only).
fn read_error(e: &csv::Error, row: usize, encoding: Encoding) -> ValidationError {
    tracing::debug!("CSV read error at row {row}: {e}");
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => row_error(
            "encoding-error",
            row,
            format!(
                "{row}行目に {} として読めない文字があります(途中で文字コードが違う部分がないか確かめてください)",
                encoding.label()
            ),
        ),
        _ => row_error(
            "source-error",
            row,
            format!(
                "{row}行目をCSVとして読めません(閉じていない「\"」などがないか確かめてください)"
            ),
        ),
    }
}

/// Reads `input` to the end, sending batches to `tx` and taking emptied records back from
/// `spare`; checks the fields marked in `share`.
pub fn read(
    input: impl std::io::Read,
    schema: &TableSchema,
    fields: &[CompiledField],
    share: &[bool],
    mut out: Collector,
    tx: SyncSender<Batch>,
    spare: Receiver<Vec<StringRecord>>,
) -> ReadOutcome {
    let decoded = AutoDecode::new(input);
    let encoding = decoded.encoding.clone();
    let seen = Rc::new(RefCell::new(VecDeque::new()));
    let counted = Breaks {
        inner: decoded,
        offset: 0,
        seen: seen.clone(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(counted);
    let done = |out: Collector, data_rows: usize| ReadOutcome {
        out,
        data_rows,
        encoding: encoding.get(),
    };
    let mut header = StringRecord::new();
    match reader.read_record(&mut header) {
        Ok(true) => {}
        Ok(false) => {
            out.push(row_error("source-error", 1, "ファイルが空です"));
            return done(out, 0);
        }
        Err(e) => {
            out.push(read_error(&e, 1, encoding.get()));
            return done(out, 0);
        }
    }
    let labels: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    let before = out.count;
    let columns = super::labels::match_labels(&labels, schema, fields, &mut out);
    if out.count > before {
        out.legacy = crate::opendata::legacy::recognise(&labels, schema);
    }
    let mine = (0..fields.len()).filter(|&i| share[i]).collect();
    let mut cells = Cells::new(schema, fields, mine, columns.clone());
    let mut items = Vec::with_capacity(BATCH);
    items.push(Item::Header {
        width: labels.len(),
        columns,
    });
    let mut pool: Vec<StringRecord> = Vec::new();
    let mut row = 1;
    let mut data_rows = 0;
    // Where the reader stood after the last record: empty lines after it are blank rows too.
    let mut after_last = reader.position().byte();
    loop {
        if pool.is_empty() {
            while let Ok(v) = spare.try_recv() {
                pool.extend(v);
            }
        }
        let mut rec = pool.pop().unwrap_or_default();
        match reader.read_record(&mut rec) {
            Ok(true) => {
                after_last = reader.position().byte();
                row += 1;
                // Empty lines are skipped by the CSV reader; Frictionless counts them as blank rows.
                if let Some(p) = rec.position() {
                    for _ in 0..blank_lines_before(&seen, p.byte()) {
                        out.push(row_error("blank-row", row, "空の行です"));
                        row += 1;
                    }
                }
                data_rows += 1;
                if rec.iter().all(|c| c.is_empty()) {
                    out.push(row_error("blank-row", row, "空の行です(カンマだけの行)"));
                    pool.push(rec);
                    continue;
                }
                cells.check(&rec, row, &mut out);
                items.push(Item::Record { rec, row });
            }
            Ok(false) => {
                for _ in 0..blank_lines_before(&seen, after_last) {
                    row += 1;
                    out.push(row_error("blank-row", row, "空の行です"));
                }
                break;
            }
            Err(e) => {
                row += 1;
                out.push(read_error(&e, row, encoding.get()));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
            }
        }
        if items.len() >= BATCH {
            let batch = Batch {
                items: std::mem::replace(&mut items, Vec::with_capacity(BATCH)),
                encoding: encoding.get(),
            };
            if tx.send(batch).is_err() {
                break;
            }
        }
    }
    let _ = tx.send(Batch {
        items,
        encoding: encoding.get(),
    });
    done(out, data_rows)
}
