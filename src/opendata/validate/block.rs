//! Checking one block of whole records, on a worker thread: parsing, rows numbered as
//! Frictionless numbers them (blank lines count), every field's cells and what concerns a whole
//! row. Rows are numbered from the block's start; the thread that joins the blocks adds where the
//! block starts and compares unique values and primary keys across blocks.

use super::cells::{Cells, UniqueValues};
use super::checks;
use super::decode::Encoding;
use super::records::{Item, Records, Row};
use super::report::{Collector, Severity, ValidationError, short};
use super::split::Block;
use crate::opendata::schema::{CompiledField, TableSchema};

/// What one block holds, rows counted from its start.
pub struct Checked {
    pub seq: usize,
    pub out: Collector,
    /// Rows the block takes in the file's numbering (records and blank lines).
    pub rows: usize,
    /// Records (Frictionless's data rows).
    pub data_rows: usize,
    pub uniques: UniqueValues,
    /// Primary keys with their rows (None: a cell without a value).
    pub keys: Vec<(usize, Key)>,
    /// The block's bytes, to be filled again.
    pub bytes: Vec<u8>,
}

/// A row's primary key: the cells' text, None for a cell without a value.
pub type Key = Vec<Option<Box<str>>>;

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

/// One worker's checking state, kept from block to block.
pub struct Worker<'a> {
    cells: Cells<'a>,
    width: usize,
    columns: Vec<Option<usize>>,
    pk: Vec<usize>,
    lat_lon: Option<(usize, usize)>,
    limit: usize,
}

pub fn field_pos(fields: &[CompiledField], name: &str) -> Option<usize> {
    fields.iter().position(|f| f.field.name == name)
}

impl<'a> Worker<'a> {
    pub fn new(
        schema: &'a TableSchema,
        fields: &'a [CompiledField],
        width: usize,
        columns: Vec<Option<usize>>,
        limit: usize,
    ) -> Worker<'a> {
        // Like Frictionless, keys are compared only when every field of the key has a column.
        let pk: Vec<usize> = schema
            .primary_key
            .as_ref()
            .map(|k| {
                k.names()
                    .iter()
                    .map(|n| field_pos(fields, n).filter(|&i| columns[i].is_some()))
                    .collect::<Option<Vec<usize>>>()
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        Worker {
            cells: Cells::new(schema, fields, columns.clone()),
            width,
            columns,
            pk,
            lat_lon: field_pos(fields, "緯度").zip(field_pos(fields, "経度")),
            limit,
        }
    }

    pub fn check(&mut self, block: Block) -> Checked {
        let mut out = Collector::new(self.limit);
        let mut keys = Vec::new();
        let (mut row, mut data_rows) = (0, 0);
        let mut records = Records::new(&block.bytes);
        while let Some(item) = records.next_item() {
            row += 1;
            match item {
                Item::Blank => {
                    out.push(row_error("blank-row", row, "空の行です"));
                    self.blank_key(row, &mut keys);
                }
                Item::NotUtf8 => out.push(row_error(
                    "encoding-error",
                    row,
                    format!(
                        "{} として読めない文字があります(途中で文字コードが違う部分がないか確かめてください)",
                        block.encoding.label()
                    ),
                )),
                Item::Record(r) => {
                    data_rows += 1;
                    if r.iter().all(str::is_empty) {
                        out.push(row_error("blank-row", row, "空の行です(カンマだけの行)"));
                        self.blank_key(row, &mut keys);
                    } else {
                        self.row(&r, row, block.encoding, &mut out, &mut keys);
                    }
                }
            }
        }
        let uniques = self
            .cells
            .uniques
            .iter_mut()
            .map(|u| u.as_mut().map(std::mem::take))
            .collect();
        Checked {
            seq: block.seq,
            out,
            rows: row,
            data_rows,
            uniques,
            keys,
            bytes: block.bytes,
        }
    }

    /// A blank row's key is all None, which Frictionless reports too.
    fn blank_key(&self, row: usize, keys: &mut Vec<(usize, Key)>) {
        if !self.pk.is_empty() {
            keys.push((row, vec![None; self.pk.len()]));
        }
    }

    fn row(
        &mut self,
        rec: &Row,
        row: usize,
        encoding: Encoding,
        out: &mut Collector,
        keys: &mut Vec<(usize, Key)>,
    ) {
        // Bytes Shift_JIS could not map show up as U+FFFD.
        if encoding == Encoding::ShiftJis && rec.iter().any(|c| c.contains('\u{FFFD}')) {
            out.push(row_error(
                "encoding-error",
                row,
                "Shift_JISとして読めない文字があります(機種依存文字や、途中で文字コードが変わっていないか確かめてください)",
            ));
        }
        for n in self.width..rec.len() {
            let cell = rec.get(n).unwrap_or("");
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
            let key = self
                .pk
                .iter()
                .map(|&i| {
                    let cell = self.columns[i].and_then(|c| rec.get(c));
                    cell.filter(|_| !self.cells.none[i]).map(Box::from)
                })
                .collect();
            keys.push((row, key));
        }
    }
}
