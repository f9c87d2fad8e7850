//! Checking the cells of some of the fields, row after row. The fields are shared between the
//! two threads of a validation (the reading thread takes a share as well as parsing), so each
//! `Cells` holds only its own fields' state: which column each reads, its unique values, its
//! machi checks.

use super::checks::{self, FieldChecks};
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

/// How much checking a field costs, roughly, to share the fields between the threads.
fn weight(f: &CompiledField) -> usize {
    let field = &f.field;
    let mut w = 1;
    if field.kind != "string" || field.format.is_some() {
        w += 2;
    }
    if field.constraints.pattern.is_some() || field.constraints.enumeration.is_some() {
        w += 1;
    }
    if f.unique {
        w += 4;
    }
    w
}

/// The fields the reading thread checks besides parsing: about a quarter of the checking, as
/// parsing costs that thread about as much as the rest of the checking costs the other (measured
/// with bench/validate.py on the 39-column 公衆トイレ file: a quarter was fastest).
pub fn reader_share(fields: &[CompiledField]) -> Vec<bool> {
    let total: usize = fields.iter().map(weight).sum();
    let mut order: Vec<usize> = (0..fields.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(weight(&fields[i])));
    let mut share = vec![false; fields.len()];
    let mut taken = 0;
    for i in order {
        if (taken + weight(&fields[i])) * 4 <= total {
            share[i] = true;
            taken += weight(&fields[i]);
        }
    }
    share
}

pub struct Cells<'a> {
    fields: &'a [CompiledField],
    /// The field indexes this one checks.
    mine: Vec<usize>,
    columns: Vec<Option<usize>>,
    field_checks: Vec<FieldChecks>,
    uniques: Vec<Option<FastSet<Box<str>>>>,
    required: Vec<bool>,
    missing_values: &'a [String],
    only_blank_missing: bool,
}

impl<'a> Cells<'a> {
    pub fn new(
        schema: &'a TableSchema,
        fields: &'a [CompiledField],
        mine: Vec<usize>,
        columns: Vec<Option<usize>>,
    ) -> Cells<'a> {
        let pk: Vec<&str> = schema
            .primary_key
            .as_ref()
            .map(|k| k.names())
            .unwrap_or_default();
        Cells {
            fields,
            columns,
            field_checks: fields.iter().map(FieldChecks::of).collect(),
            uniques: fields
                .iter()
                .enumerate()
                .map(|(i, f)| (f.unique && mine.contains(&i)).then(FastSet::default))
                .collect(),
            required: fields
                .iter()
                .map(|f| f.required || pk.contains(&f.field.name.as_str()))
                .collect(),
            mine,
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

    /// Checks this share's cells of one row.
    pub fn check(&mut self, rec: &csv::StringRecord, row_number: usize, out: &mut Collector) {
        for k in 0..self.mine.len() {
            let i = self.mine[k];
            let Some(col) = self.columns[i] else { continue };
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
            } else if let Some(seen) = self.uniques[i].as_mut()
                && !seen.insert(text.into())
            {
                out.push(cell_error(
                    "unique-error",
                    row_number,
                    col,
                    name,
                    text,
                    format!("「{name}」の値「{}」が前の行と重複しています", short(text)),
                ));
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
