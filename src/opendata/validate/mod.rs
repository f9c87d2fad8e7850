//! Streaming validation of a CSV against a Table Schema. Memory stays constant in the number of
//! rows, except for the values of unique columns, which must be remembered to find duplicates.
//! The findings are Frictionless's (same error types, rows and columns as frictionless-py 5.21,
//! checked case by case by bench/validate_cases.py), with Japanese messages; machi's own checks
//! come apart (`checks`).

pub mod checks;
pub mod decode;
pub mod labels;
pub mod report;

pub use report::{CheckFinding, Report, Severity, ValidationError, kind_hint, kind_label};

use super::schema::{CompiledField, SchemaError, TableSchema};
use checks::FieldChecks;
use decode::{AutoDecode, Breaks, Encoding, blank_lines_before};
use report::{Collector, short};
use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::io::Read;
use std::rc::Rc;

fn row_error(kind: &str, row: usize, message: impl Into<String>) -> ValidationError {
    ValidationError {
        kind: kind.to_string(),
        row_number: Some(row),
        field_number: None,
        field_name: None,
        cell: None,
        message: message.into(),
    }
}

fn cell_error(
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

/// Validates `input` (CSV bytes in UTF-8, UTF-8 with BOM or Shift_JIS) against `schema`,
/// listing at most `limit_errors` errors (all are counted and grouped).
pub fn validate(
    input: impl Read,
    schema: &TableSchema,
    limit_errors: usize,
) -> Result<Report, SchemaError> {
    let fields = schema.compile()?;
    let mut out = Collector::new(limit_errors);
    let decoded = AutoDecode::new(input);
    let encoding = decoded.encoding.clone();
    let seen = Rc::new(RefCell::new(VecDeque::new()));
    let counted = Breaks {
        inner: decoded,
        offset: 0,
        seen: seen.clone(),
    };
    let rows = check_rows(counted, &encoding, &seen, schema, &fields, &mut out);
    Ok(out.finish(encoding.get().label().to_string(), rows))
}

/// Header and rows; returns the number of data rows.
fn check_rows(
    decoded: impl Read,
    encoding: &std::cell::Cell<Encoding>,
    breaks: &RefCell<VecDeque<(u64, u8)>>,
    schema: &TableSchema,
    fields: &[CompiledField],
    out: &mut Collector,
) -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded);
    let mut header = csv::StringRecord::new();
    match reader.read_record(&mut header) {
        Ok(true) => {}
        Ok(false) => {
            out.push(row_error("source-error", 1, "ファイルが空です"));
            return 0;
        }
        Err(e) => {
            out.push(read_error(&e, 1, encoding.get()));
            return 0;
        }
    }
    let labels: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    // Which column each field reads (None when absent).
    let columns = labels::match_labels(&labels, schema, fields, out);
    let field_checks: Vec<FieldChecks> = fields.iter().map(FieldChecks::of).collect();
    let lat = fields.iter().position(|f| f.field.name == "緯度");
    let lon = fields.iter().position(|f| f.field.name == "経度");
    let missing: HashSet<&str> = schema.missing_values.iter().map(String::as_str).collect();
    let only_blank_missing = schema.missing_values == [String::new()];
    let is_missing = |t: &str| {
        if only_blank_missing {
            t.is_empty()
        } else {
            missing.contains(t)
        }
    };
    let mut uniques: Vec<Option<HashSet<String>>> =
        fields.iter().map(|f| f.unique.then(HashSet::new)).collect();
    let pk: Vec<usize> = schema
        .primary_key
        .as_ref()
        .map(|k| {
            k.names()
                .iter()
                .filter_map(|n| fields.iter().position(|f| f.field.name == *n))
                .collect()
        })
        .unwrap_or_default();
    let mut pk_seen: HashSet<Vec<String>> = HashSet::new();
    let mut row_number = 1;
    let mut data_rows = 0;
    // One record reused for every row: no allocation per row.
    let mut rec = csv::StringRecord::new();
    // Where the reader stood after the last record: empty lines after it are blank rows too.
    let mut after_last = reader.position().byte();
    loop {
        match reader.read_record(&mut rec) {
            Ok(true) => after_last = reader.position().byte(),
            Ok(false) => {
                for _ in 0..blank_lines_before(breaks, after_last) {
                    row_number += 1;
                    out.push(row_error("blank-row", row_number, "空の行です"));
                }
                break;
            }
            Err(e) => {
                row_number += 1;
                out.push(read_error(&e, row_number, encoding.get()));
                continue;
            }
        }
        row_number += 1;
        // Empty lines are skipped by the CSV reader; Frictionless counts them as blank rows.
        if let Some(p) = rec.position() {
            for _ in 0..blank_lines_before(breaks, p.byte()) {
                out.push(row_error("blank-row", row_number, "空の行です"));
                row_number += 1;
            }
        }
        data_rows += 1;
        if rec.iter().all(|c| c.is_empty()) {
            out.push(row_error(
                "blank-row",
                row_number,
                "空の行です(カンマだけの行)",
            ));
            continue;
        }
        // Bytes Shift_JIS could not map show up as U+FFFD.
        if encoding.get() == Encoding::ShiftJis && rec.iter().any(|c| c.contains('\u{FFFD}')) {
            out.push(row_error(
                "encoding-error",
                row_number,
                "Shift_JISとして読めない文字があります(機種依存文字や、途中で文字コードが変わっていないか確かめてください)",
            ));
        }
        for n in labels.len()..rec.len() {
            let cell = &rec[n];
            out.push(ValidationError {
                kind: "extra-cell".into(),
                row_number: Some(row_number),
                field_number: Some(n + 1),
                field_name: None,
                cell: Some(cell.to_string()),
                message: format!(
                    "見出しのない{}列目に値「{}」があります(見出しは{}列)",
                    n + 1,
                    short(cell),
                    labels.len()
                ),
            });
        }
        for (i, f) in fields.iter().enumerate() {
            let Some(col) = columns[i] else { continue };
            let name = &f.field.name;
            let required = f.required || pk.contains(&i);
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
            if is_missing(text) {
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
            } else if let Some(seen) = uniques[i].as_mut()
                && !seen.insert(text.to_string())
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
            field_checks[i].cell(text, checked.is_ok(), |check, severity, message| {
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
        if let (Some(a), Some(b)) = (lat, lon)
            && let (Some(ca), Some(cb)) = (columns[a], columns[b])
            && checks::zero_coordinates(rec.get(ca), rec.get(cb))
        {
            out.check(checks::finding(
                "zero-coordinates",
                Severity::Error,
                row_number,
                ca + 1,
                "緯度",
                rec.get(ca).unwrap_or(""),
                "緯度・経度がどちらも 0 です(位置が入っていません)".into(),
            ));
        }
        if !pk.is_empty() {
            let key: Vec<String> = pk
                .iter()
                .map(|i| {
                    columns[*i]
                        .and_then(|c| rec.get(c))
                        .unwrap_or("")
                        .to_string()
                })
                .collect();
            if !key.iter().all(|k| k.is_empty()) && !pk_seen.insert(key.clone()) {
                out.push(ValidationError {
                    kind: "primary-key".into(),
                    row_number: Some(row_number),
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
    data_rows
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
