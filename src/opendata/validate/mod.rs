//! Streaming validation of a CSV against a Table Schema. Memory stays constant in the number of
//! rows, except for the values of unique columns, which must be remembered to find duplicates.
//! The findings are Frictionless's (same error types, rows and columns as frictionless-py 5.21,
//! checked case by case by bench/validate_cases.py), with Japanese messages; machi's own checks
//! come apart (`checks`).

pub mod block;
pub mod cells;
pub mod checks;
pub mod decode;
pub mod labels;
pub mod records;
pub mod render;
pub mod report;
pub mod split;
#[cfg(test)]
mod tests;

pub use report::{CheckFinding, Report, Severity, ValidationError, kind_hint, kind_label};

use super::schema::{CompiledField, SchemaError, TableSchema};
use block::{Checked, Worker, row_error};
use cells::{FastSet, Uniques};
use report::{Collector, short};
use split::{Block, Splitter};
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::{Mutex, mpsc};

/// Validates `input` (CSV bytes in UTF-8, UTF-8 with BOM or Shift_JIS) against `schema`,
/// listing at most `limit_errors` errors (all are counted and grouped).
///
/// One thread reads, decodes and cuts the text into blocks of whole records; a worker per core
/// parses and checks blocks; this thread joins their findings in file order, numbering rows and
/// comparing unique values and primary keys across blocks. Memory stays constant in the number of
/// rows, except for the values of unique columns.
pub fn validate(
    input: impl Read + Send,
    schema: &TableSchema,
    limit_errors: usize,
) -> Result<Report, SchemaError> {
    validate_in_blocks(Splitter::new(input), schema, limit_errors)
}

fn validate_in_blocks(
    mut splitter: Splitter<impl Read + Send>,
    schema: &TableSchema,
    limit_errors: usize,
) -> Result<Report, SchemaError> {
    let fields = schema.compile()?;
    let mut out = Collector::new(limit_errors);
    // Rows are numbered as in a spreadsheet: empty lines before the header count.
    let mut first_row = 1;
    let labels = match header(&mut splitter) {
        Ok((labels, blanks)) => {
            first_row += blanks;
            labels
        }
        Err(e) => {
            out.push(*e);
            return Ok(out.finish(splitter.encoding().label().to_string(), 0));
        }
    };
    let before = out.count;
    let columns = labels::match_labels(&labels, schema, &fields, &mut out);
    if out.count > before {
        out.legacy = crate::opendata::legacy::recognise(&labels, schema);
    }
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let (block_tx, block_rx) = mpsc::sync_channel::<Block>(workers * 2);
    let block_rx = Mutex::new(block_rx);
    let (done_tx, done_rx) = mpsc::channel::<Checked>();
    let (spare_tx, spare_rx) = mpsc::channel::<Vec<u8>>();
    let mut join = Join {
        out,
        row: first_row,
        data_rows: 0,
        uniques: Uniques::new(&fields),
        keys: FastSet::default(),
        fields: &fields,
        columns: &columns,
    };
    let (encoding, failed) = std::thread::scope(|s| {
        let splitting = s.spawn(move || {
            loop {
                match splitter.next_block(spare_rx.try_recv().ok()) {
                    Ok(Some(block)) => {
                        if block_tx.send(block).is_err() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::debug!("reading a CSV to validate failed: {e}");
                        return (splitter.encoding(), true);
                    }
                }
            }
            (splitter.encoding(), false)
        });
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let (block_rx, fields, columns) = (&block_rx, &fields, columns.clone());
            let width = labels.len();
            s.spawn(move || {
                let mut worker = Worker::new(schema, fields, width, columns, limit_errors);
                loop {
                    let next = block_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok(block) = next else { break };
                    if done_tx.send(worker.check(block)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        // Blocks come back in any order; they are joined in file order.
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        for checked in done_rx {
            waiting.insert(checked.seq, checked);
            while let Some(checked) = waiting.remove(&next) {
                next += 1;
                let _ = spare_tx.send(join.add(checked));
            }
        }
        splitting
            .join()
            .unwrap_or_else(|_| panic!("the reading thread of a validation failed"))
    });
    if failed {
        let row = join.row + 1;
        join.out.push(row_error(
            "source-error",
            row,
            "ここから先を読めませんでした(ファイルが途中で壊れていないか確かめてください)",
        ));
    }
    Ok(join
        .out
        .finish(encoding.label().to_string(), join.data_rows))
}

/// The header's labels and the empty lines before it, or why there are none.
fn header<R: Read>(
    splitter: &mut Splitter<R>,
) -> Result<(Vec<String>, usize), Box<ValidationError>> {
    let bytes = splitter.header().map_err(|e| {
        tracing::debug!("reading a CSV to validate failed: {e}");
        Box::new(row_error("source-error", 1, "ファイルを読めません"))
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[..]);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => Ok((
            record.iter().map(str::to_string).collect(),
            decode::blank_lines_at(&bytes, 0),
        )),
        Ok(false) => Err(Box::new(row_error("source-error", 1, "ファイルが空です"))),
        Err(e) => {
            tracing::debug!("CSV header read error: {e}");
            Err(Box::new(row_error(
                "encoding-error",
                1,
                format!(
                    "見出しに {} として読めない文字があります(文字コードを確かめてください)",
                    splitter.encoding().label()
                ),
            )))
        }
    }
}

/// The findings of all blocks so far, joined in file order.
struct Join<'a> {
    out: Collector,
    /// The last row number used.
    row: usize,
    data_rows: usize,
    uniques: Uniques,
    keys: FastSet<block::Key>,
    fields: &'a [CompiledField],
    columns: &'a [Option<usize>],
}

impl Join<'_> {
    /// Adds the next block; gives back its bytes to be filled again.
    fn add(&mut self, mut c: Checked) -> Vec<u8> {
        let at = self.row;
        c.out.shift(at);
        for (row, _) in c.uniques.iter_mut().flatten().flatten() {
            *row += at;
        }
        self.uniques
            .take(self.fields, self.columns, &mut c.uniques, &mut c.out);
        for (row, key) in c.keys {
            let joined = || {
                let cells: Vec<&str> = key.iter().map(|k| k.as_deref().unwrap_or("")).collect();
                cells.join(",")
            };
            let message = if key.iter().all(Option::is_none) {
                "主キーの列がすべて空です(値のない行は主キーで区別できません)".to_string()
            } else if self.keys.contains(&key) {
                format!("主キー「{}」が前の行と重複しています", short(&joined()))
            } else {
                self.keys.insert(key);
                continue;
            };
            c.out.push(ValidationError {
                kind: "primary-key".into(),
                row_number: Some(row + at),
                field_number: None,
                field_name: None,
                cell: Some(joined()),
                message,
            });
        }
        self.row += c.rows;
        self.data_rows += c.data_rows;
        self.out = std::mem::replace(&mut self.out, Collector::new(0)).merge(c.out);
        c.bytes
    }
}
