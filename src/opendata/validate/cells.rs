//! Checking the cells of a row, field by field. Each worker thread has its own `Cells`; the
//! values of unique fields are only collected here (with their rows) and compared across the
//! whole file by the thread that joins the blocks (`Uniques`), in file order.

use super::checks::{self, FieldChecks};
use super::records::Row;
use super::report::{self, Collector, ValidationError, short};
use crate::opendata::schema::{CompiledField, TableSchema};
use std::collections::HashSet;

/// A fast hash for the sets of unique values (SipHash's protection against crafted collisions
/// matters little here: a hostile file can only slow its own check).
#[derive(Default)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub type FastSet<T> = HashSet<T, std::hash::BuildHasherDefault<Fnv>>;

/// Per field, the values of a unique field with their rows (None: the field is not unique).
pub type UniqueValues = Vec<Option<Vec<(usize, Box<str>)>>>;

pub struct Cells<'a> {
    fields: &'a [CompiledField],
    /// The fields that have a column, with their column.
    plan: Vec<(usize, usize)>,
    field_checks: Vec<FieldChecks>,
    /// The values of unique fields that could be read in this block, with their rows.
    pub uniques: UniqueValues,
    /// Per field, whether the last row's cell has no value (missing, or not of the field's
    /// type): what Frictionless calls None, for primary keys.
    pub none: Vec<bool>,
    required: Vec<bool>,
    missing_values: &'a [String],
    only_blank_missing: bool,
}

impl<'a> Cells<'a> {
    pub fn new(
        schema: &'a TableSchema,
        fields: &'a [CompiledField],
        columns: Vec<Option<usize>>,
    ) -> Cells<'a> {
        Cells {
            fields,
            plan: columns
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.map(|c| (i, c)))
                .collect(),
            field_checks: fields.iter().map(FieldChecks::of).collect(),
            uniques: fields.iter().map(|f| f.unique.then(Vec::new)).collect(),
            // Frictionless 5.21 does not make the primary key's fields required (the spec says
            // they must not be empty; a key with no value is reported as a key error instead).
            required: fields.iter().map(|f| f.required).collect(),
            none: vec![true; fields.len()],
            missing_values: &schema.missing_values,
            only_blank_missing: schema.missing_values == [String::new()],
        }
    }

    fn is_missing(&self, t: &str) -> bool {
        if self.only_blank_missing {
            t.is_empty()
        } else {
            self.missing_values.iter().any(|m| m == t)
        }
    }

    /// Checks the cells of one row.
    pub fn check(&mut self, rec: &Row, row_number: usize, out: &mut Collector) {
        for k in 0..self.plan.len() {
            let (i, col) = self.plan[k];
            self.none[i] = true;
            let f = &self.fields[i];
            let name = &f.field.name;
            let required = self.required[i];
            let Some(text) = rec.get(col) else {
                out.push(ValidationError {
                    kind: "missing-cell".into(),
                    row_number: Some(row_number),
                    field_number: Some(col + 1),
                    field_name: Some(name.clone()),
                    cell: Some(String::new()),
                    message: format!(
                        "この行には「{name}」({}列目)のセルがありません(行の列が足りません)",
                        col + 1
                    ),
                });
                if required {
                    out.push(cell_error(
                        "constraint-error",
                        row_number,
                        col,
                        name,
                        "",
                        format!("「{name}」は必須ですが、セルがありません"),
                    ));
                }
                continue;
            };
            if self.is_missing(text) {
                if required {
                    out.push(cell_error(
                        "constraint-error",
                        row_number,
                        col,
                        name,
                        text,
                        format!("「{name}」は必須です(空欄です)"),
                    ));
                }
                continue;
            }
            let checked = f.check(text);
            let typed = checked
                .as_ref()
                .err()
                .is_none_or(|p| p.kind != "type-error");
            self.none[i] = !typed;
            // Like Frictionless, a value outside the constraints still counts for uniqueness.
            if typed && let Some(values) = self.uniques[i].as_mut() {
                values.push((row_number, text.into()));
            }
            if let Err(p) = &checked {
                if p.kind == "type-error" {
                    let e = cell_error(
                        p.kind,
                        row_number,
                        col,
                        name,
                        text,
                        type_message(f, text, &p.note),
                    );
                    out.push_with_hint(e, report::type_hint(&f.field.kind));
                } else {
                    let message = format!("「{name}」: 「{}」は{}", short(text), p.note);
                    out.push(cell_error(p.kind, row_number, col, name, text, message));
                }
            }
            self.field_checks[i].cell(text, checked.as_ref().ok(), |check, severity, message| {
                out.check(checks::finding(
                    check,
                    severity,
                    row_number,
                    col + 1,
                    name,
                    text,
                    message,
                ));
            });
        }
    }
}

pub fn cell_error(
    kind: &str,
    row: usize,
    col: usize,
    name: &str,
    cell: &str,
    message: String,
) -> ValidationError {
    ValidationError {
        kind: kind.to_string(),
        row_number: Some(row),
        field_number: Some(col + 1),
        field_name: Some(name.to_string()),
        cell: Some(cell.to_string()),
        message,
    }
}

/// A type error as a clerk reads it: the value, what was expected in words, and for a date
/// written in 和暦 or with slashes, the form to write instead.
fn type_message(f: &CompiledField, text: &str, note: &str) -> String {
    let name = &f.field.name;
    let mut m = format!("「{name}」: 「{}」は{note}", short(text));
    if f.field.kind == "date"
        && let Ok(d) = crate::fiscal::parse_date(text)
    {
        let wareki = ["令和", "平成", "昭和", "大正", "明治", "R", "H", "S"]
            .iter()
            .any(|e| text.trim_start().starts_with(e));
        m.push_str(&format!(
            "。{}「{d}」と書きます",
            if wareki {
                "和暦です。西暦で"
            } else {
                ""
            }
        ));
    }
    m
}

/// The values of the unique fields seen so far in the whole file.
pub struct Uniques {
    seen: Vec<Option<FastSet<Box<str>>>>,
}

impl Uniques {
    pub fn new(fields: &[CompiledField]) -> Uniques {
        Uniques {
            seen: fields
                .iter()
                .map(|f| f.unique.then(FastSet::default))
                .collect(),
        }
    }

    /// Takes a block's values (its rows already counted from the top of the file), in order,
    /// and reports each value met before.
    pub fn take(
        &mut self,
        fields: &[CompiledField],
        columns: &[Option<usize>],
        values: &mut UniqueValues,
        out: &mut Collector,
    ) {
        for (i, list) in values.iter_mut().enumerate() {
            let (Some(list), Some(seen), Some(col)) =
                (list.as_mut(), self.seen[i].as_mut(), columns[i])
            else {
                continue;
            };
            let name = &fields[i].field.name;
            for (row, text) in list.drain(..) {
                if seen.contains(&text) {
                    out.push(cell_error(
                        "unique-error",
                        row,
                        col,
                        name,
                        &text,
                        format!("「{name}」の値「{}」が前の行と重複しています", short(&text)),
                    ));
                } else {
                    seen.insert(text);
                }
            }
        }
    }
}
