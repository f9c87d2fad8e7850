//! Streaming validation of a CSV against a Table Schema. Memory stays constant in the number of
//! rows, except for the values of unique columns, which must be remembered to find duplicates.
//! The findings are Frictionless's (same error types, rows and columns as frictionless-py 5.21,
//! checked case by case by bench/validate_cases.py), with Japanese messages; machi's own checks
//! come apart (`checks`).

pub mod cells;
pub mod checks;
pub mod decode;
pub mod labels;
pub mod read;
pub mod render;
pub mod report;

pub use report::{CheckFinding, Report, Severity, ValidationError, kind_hint, kind_label};

use super::schema::{CompiledField, SchemaError, TableSchema};
use cells::{Cells, FastSet};
use decode::Encoding;
use read::Item;
use report::{Collector, short};
use std::io::Read;

/// Validates `input` (CSV bytes in UTF-8, UTF-8 with BOM or Shift_JIS) against `schema`,
/// listing at most `limit_errors` errors (all are counted and grouped). Reading, parsing and a
/// share of the fields run on a second thread while this one checks the other fields.
pub fn validate(
    input: impl Read + Send,
    schema: &TableSchema,
    limit_errors: usize,
) -> Result<Report, SchemaError> {
    let fields = schema.compile()?;
    let share = cells::reader_share(&fields);
    let (tx, rx) = std::sync::mpsc::sync_channel(4);
    let (spare_tx, spare_rx) = std::sync::mpsc::channel();
    let (mine, theirs) = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            read::read(
                input,
                schema,
                &fields,
                &share,
                Collector::new(limit_errors),
                tx,
                spare_rx,
            )
        });
        let mut out = Collector::new(limit_errors);
        let mut rows: Option<Rows> = None;
        for mut batch in rx {
            let mut spare = Vec::with_capacity(batch.items.len());
            for item in batch.items.drain(..) {
                match item {
                    Item::Header { width, columns } => {
                        let mine = (0..fields.len()).filter(|&i| !share[i]).collect();
                        rows = Some(Rows {
                            cells: Cells::new(schema, &fields, mine, columns.clone()),
                            width,
                            columns,
                            pk: key_fields(schema, &fields),
                            pk_seen: FastSet::default(),
                            lat_lon: field_pos(&fields, "緯度").zip(field_pos(&fields, "経度")),
                        });
                    }
                    Item::Record { rec, row } => {
                        if let Some(r) = rows.as_mut() {
                            r.check(&rec, row, batch.encoding, &mut out);
                        }
                        spare.push(rec);
                    }
                }
            }
            let _ = spare_tx.send(spare);
        }
        let theirs = reader
            .join()
            .unwrap_or_else(|_| panic!("the reading thread of a validation failed"));
        (out, theirs)
    });
    let rows = theirs.data_rows;
    let encoding = theirs.encoding;
    Ok(theirs
        .out
        .merge(mine)
        .finish(encoding.label().to_string(), rows))
}

fn field_pos(fields: &[CompiledField], name: &str) -> Option<usize> {
    fields.iter().position(|f| f.field.name == name)
}

fn key_fields(schema: &TableSchema, fields: &[CompiledField]) -> Vec<usize> {
    schema
        .primary_key
        .as_ref()
        .map(|k| {
            k.names()
                .iter()
                .filter_map(|n| field_pos(fields, n))
                .collect()
        })
        .unwrap_or_default()
}

/// The checking half on this thread: its share of the fields, and what concerns a whole row.
struct Rows<'a> {
    cells: Cells<'a>,
    width: usize,
    columns: Vec<Option<usize>>,
    pk: Vec<usize>,
    pk_seen: FastSet<Vec<String>>,
    lat_lon: Option<(usize, usize)>,
}

impl Rows<'_> {
    fn check(
        &mut self,
        rec: &csv::StringRecord,
        row: usize,
        encoding: Encoding,
        out: &mut Collector,
    ) {
        // Bytes Shift_JIS could not map show up as U+FFFD.
        if encoding == Encoding::ShiftJis && rec.iter().any(|c| c.contains('\u{FFFD}')) {
            out.push(read::row_error(
                "encoding-error",
                row,
                "Shift_JISとして読めない文字があります(機種依存文字や、途中で文字コードが変わっていないか確かめてください)",
            ));
        }
        for n in self.width..rec.len() {
            let cell = &rec[n];
            out.push(ValidationError {
                kind: "extra-cell".into(),
                row_number: Some(row),
                field_number: Some(n + 1),
                field_name: None,
                cell: Some(cell.to_string()),
                message: format!(
                    "見出しのない{}列目に値「{}」があります(見出しは{}列)",
                    n + 1,
                    short(cell),
                    self.width
                ),
            });
        }
        self.cells.check(rec, row, out);
        if let Some((a, b)) = self.lat_lon
            && let (Some(ca), Some(cb)) = (self.columns[a], self.columns[b])
            && checks::zero_coordinates(rec.get(ca), rec.get(cb))
        {
            out.check(checks::finding(
                "zero-coordinates",
                Severity::Error,
                row,
                ca + 1,
                "緯度",
                rec.get(ca).unwrap_or(""),
                "緯度・経度がどちらも 0 です(位置が入っていません)".into(),
            ));
        }
        if !self.pk.is_empty() {
            let key: Vec<String> = self
                .pk
                .iter()
                .map(|i| {
                    self.columns[*i]
                        .and_then(|c| rec.get(c))
                        .unwrap_or("")
                        .to_string()
                })
                .collect();
            if !key.iter().all(|k| k.is_empty()) && !self.pk_seen.insert(key.clone()) {
                out.push(ValidationError {
                    kind: "primary-key".into(),
                    row_number: Some(row),
                    field_number: None,
                    field_name: None,
                    cell: Some(key.join(",")),
                    message: format!(
                        "主キー「{}」が前の行と重複しています",
                        short(&key.join(","))
                    ),
                });
            }
        }
    }
}
