//! Streaming validation of a CSV against a Table Schema. Memory stays constant in the number of
//! rows, except for the values of unique columns, which must be remembered to find duplicates.
//! Error types are Frictionless's, so reports read the same as `frictionless validate`.

use super::schema::{CompiledField, FieldsMatch, SchemaError, TableSchema};
use encoding_rs::{SHIFT_JIS, UTF_8};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::io::{Cursor, Read};
use std::rc::Rc;

/// Remembers where line breaks are, so the validator can see the empty lines the CSV reader
/// skips (Frictionless reports each as a blank row).
struct Breaks<R> {
    inner: R,
    offset: u64,
    seen: Rc<RefCell<VecDeque<(u64, u8)>>>,
}

impl<R: Read> Read for Breaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut seen = self.seen.borrow_mut();
        for i in memchr::memchr2_iter(b'\n', b'\r', &buf[..n]) {
            seen.push_back((self.offset + i as u64, buf[i]));
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Empty lines just before a record that starts (as the reader reports it) at `start`; forgets
/// breaks before it.
fn blank_lines_before(seen: &RefCell<VecDeque<(u64, u8)>>, start: u64) -> usize {
    let mut seen = seen.borrow_mut();
    while seen.front().is_some_and(|(o, _)| *o + 1 < start) {
        seen.pop_front();
    }
    // Offsets are in increasing order.
    let at = |o: u64| {
        seen.binary_search_by_key(&o, |(x, _)| *x)
            .ok()
            .map(|i| seen[i].1)
    };
    let mut pos = start;
    // After CRLF the reader reports the record as starting on the LF of the previous line.
    if at(pos) == Some(b'\n') && start > 0 && at(start - 1) == Some(b'\r') {
        pos += 1;
    }
    let mut blanks = 0;
    loop {
        match (at(pos), at(pos + 1)) {
            (Some(b'\n'), _) => pos += 1,
            (Some(b'\r'), Some(b'\n')) => pos += 2,
            (Some(b'\r'), _) => pos += 1,
            _ => break,
        }
        blanks += 1;
    }
    blanks
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationError {
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Row in the file, the header being row 1 (as Frictionless counts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_number: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_number: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// What is wrong, in Japanese.
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub valid: bool,
    pub encoding: String,
    pub rows: usize,
    /// All errors found, even those not listed.
    pub error_count: usize,
    pub errors: Vec<ValidationError>,
}

impl Report {
    /// Counts per error type, for summaries.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        let mut out: Vec<(&'static str, usize)> = Vec::new();
        for e in &self.errors {
            match out.iter_mut().find(|(k, _)| *k == e.kind) {
                Some(c) => c.1 += 1,
                None => out.push((e.kind, 1)),
            }
        }
        out
    }
}

/// Japanese names of the error types.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "encoding-error" => "文字コードの誤り",
        "missing-label" => "見出しの不足",
        "extra-label" => "余分な見出し",
        "incorrect-label" => "見出しの誤り・順序違い",
        "duplicate-label" => "見出しの重複",
        "blank-label" => "空の見出し",
        "blank-row" => "空の行",
        "extra-cell" => "余分なセル",
        "missing-cell" => "セルの不足",
        "type-error" => "型の誤り",
        "constraint-error" => "制約違反",
        "unique-error" => "重複(一意であるべき値)",
        "primary-key" => "主キーの重複",
        "source-error" => "ファイルの読み取り不能",
        _ => "その他",
    }
}

struct Collector {
    limit: usize,
    count: usize,
    errors: Vec<ValidationError>,
}

impl Collector {
    fn push(&mut self, e: ValidationError) {
        self.count += 1;
        if self.errors.len() < self.limit {
            self.errors.push(e);
        }
    }
}

fn label_error(kind: &'static str, n: usize, name: &str, message: String) -> ValidationError {
    ValidationError {
        kind,
        row_number: Some(1),
        field_number: Some(n),
        field_name: Some(name.to_string()),
        cell: None,
        message,
    }
}

const SNIFF: usize = 64 * 1024;

/// Reads the start of the stream to decide the encoding: a BOM, valid UTF-8, else Shift_JIS.
fn sniff(
    mut input: impl Read,
) -> std::io::Result<(Vec<u8>, Option<&'static encoding_rs::Encoding>, impl Read)> {
    let mut head = Vec::with_capacity(SNIFF);
    (&mut input).take(SNIFF as u64).read_to_end(&mut head)?;
    let enc = if head.starts_with(b"\xEF\xBB\xBF") {
        Some(UTF_8)
    } else {
        match std::str::from_utf8(&head) {
            Ok(_) => Some(UTF_8),
            // A character cut at the end of the sample is still UTF-8.
            Err(e) if e.error_len().is_none() => Some(UTF_8),
            Err(_) => {
                let (_, _, bad) = SHIFT_JIS.decode(&head);
                (!bad).then_some(SHIFT_JIS)
            }
        }
    };
    Ok((head, enc, input))
}

/// Validates `input` (CSV bytes) against `schema`, listing at most `limit_errors` errors.
pub fn validate(
    input: impl Read,
    schema: &TableSchema,
    limit_errors: usize,
) -> Result<Report, SchemaError> {
    let fields = schema.compile()?;
    let mut out = Collector {
        limit: limit_errors,
        count: 0,
        errors: Vec::new(),
    };
    let (head, enc, rest) = match sniff(input) {
        Ok(x) => x,
        Err(e) => {
            out.push(ValidationError {
                kind: "source-error",
                row_number: None,
                field_number: None,
                field_name: None,
                cell: None,
                message: format!("ファイルを読めません: {e}"),
            });
            return Ok(finish(out, "不明".into(), 0));
        }
    };
    let Some(enc) = enc else {
        out.push(ValidationError {
            kind: "encoding-error",
            row_number: None,
            field_number: None,
            field_name: None,
            cell: None,
            message: "文字コードを判別できません。UTF-8 か Shift_JIS で保存してください".into(),
        });
        return Ok(finish(out, "不明".into(), 0));
    };
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let encoding = if enc == SHIFT_JIS {
        "Shift_JIS".to_string()
    } else if bom {
        "UTF-8 (BOM付き)".to_string()
    } else {
        "UTF-8".to_string()
    };
    let seen = Rc::new(RefCell::new(VecDeque::new()));
    let rows = if enc == UTF_8 {
        // UTF-8 needs no transcoding: the CSV reader checks it record by record.
        let start = if bom { 3 } else { 0 };
        let stream = Cursor::new(head).chain(rest);
        let mut stream = stream;
        let mut skip = [0u8; 3];
        if start > 0 {
            let _ = stream.read_exact(&mut skip);
        }
        let counted = Breaks {
            inner: stream,
            offset: 0,
            seen: seen.clone(),
        };
        check_rows(counted, false, &seen, schema, &fields, &mut out)
    } else {
        let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(enc))
            .bom_override(true)
            .build(Cursor::new(head).chain(rest));
        let counted = Breaks {
            inner: decoded,
            offset: 0,
            seen: seen.clone(),
        };
        check_rows(counted, true, &seen, schema, &fields, &mut out)
    };
    Ok(finish(out, encoding, rows))
}

fn finish(out: Collector, encoding: String, rows: usize) -> Report {
    Report {
        valid: out.count == 0,
        encoding,
        rows,
        error_count: out.count,
        errors: out.errors,
    }
}

/// Header and rows; returns the number of data rows.
fn check_rows(
    decoded: impl Read,
    transcoded: bool,
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
        Err(e) => {
            out.push(ValidationError {
                kind: "source-error",
                row_number: Some(1),
                field_number: None,
                field_name: None,
                cell: None,
                message: format!("見出し行を読めません: {e}"),
            });
            return 0;
        }
        Ok(false) => {
            out.push(ValidationError {
                kind: "source-error",
                row_number: None,
                field_number: None,
                field_name: None,
                cell: None,
                message: "ファイルが空です".into(),
            });
            return 0;
        }
    }
    let labels: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    // Which column each field reads (None when absent).
    let columns = match_labels(&labels, schema, fields, out);
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
    loop {
        match reader.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                row_number += 1;
                let kind = if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    "encoding-error"
                } else {
                    "source-error"
                };
                out.push(ValidationError {
                    kind,
                    row_number: Some(row_number),
                    field_number: None,
                    field_name: None,
                    cell: None,
                    message: format!("行を読めません: {e}"),
                });
                continue;
            }
        }
        row_number += 1;
        // Empty lines are skipped by the CSV reader; Frictionless counts them as blank rows.
        if let Some(p) = rec.position() {
            for _ in 0..blank_lines_before(breaks, p.byte()) {
                out.push(ValidationError {
                    kind: "blank-row",
                    row_number: Some(row_number),
                    field_number: None,
                    field_name: None,
                    cell: None,
                    message: "空の行です".into(),
                });
                row_number += 1;
            }
        }
        data_rows += 1;
        if rec.iter().all(|c| c.is_empty()) {
            out.push(ValidationError {
                kind: "blank-row",
                row_number: Some(row_number),
                field_number: None,
                field_name: None,
                cell: None,
                message: "空の行です".into(),
            });
            continue;
        }
        // Bytes a legacy decoder could not map show up as U+FFFD.
        if transcoded && rec.iter().any(|c| c.contains('\u{FFFD}')) {
            out.push(ValidationError {
                kind: "encoding-error",
                row_number: Some(row_number),
                field_number: None,
                field_name: None,
                cell: None,
                message: "文字コードとして読めない文字があります".into(),
            });
        }
        for n in labels.len()..rec.len() {
            let cell = &rec[n];
            out.push(ValidationError {
                kind: "extra-cell",
                row_number: Some(row_number),
                field_number: Some(n + 1),
                field_name: None,
                cell: Some(cell.to_string()),
                message: format!("見出しのない{}列目に値があります", n + 1),
            });
        }
        for (i, f) in fields.iter().enumerate() {
            let Some(col) = columns[i] else { continue };
            let name = &f.field.name;
            let Some(text) = rec.get(col) else {
                out.push(ValidationError {
                    kind: "missing-cell",
                    row_number: Some(row_number),
                    field_number: Some(col + 1),
                    field_name: Some(name.clone()),
                    cell: None,
                    message: format!("「{name}」の列がこの行にありません"),
                });
                continue;
            };
            if is_missing(text) {
                if f.required || pk.contains(&i) {
                    out.push(ValidationError {
                        kind: "constraint-error",
                        row_number: Some(row_number),
                        field_number: Some(col + 1),
                        field_name: Some(name.clone()),
                        cell: Some(text.to_string()),
                        message: format!("「{name}」は必須です"),
                    });
                }
                continue;
            }
            match f.check(text) {
                Err(p) => out.push(ValidationError {
                    kind: p.kind,
                    row_number: Some(row_number),
                    field_number: Some(col + 1),
                    field_name: Some(name.clone()),
                    cell: Some(text.to_string()),
                    message: format!("「{name}」: {}", p.note),
                }),
                Ok(_) => {
                    if let Some(seen) = uniques[i].as_mut()
                        && !seen.insert(text.to_string())
                    {
                        out.push(ValidationError {
                            kind: "unique-error",
                            row_number: Some(row_number),
                            field_number: Some(col + 1),
                            field_name: Some(name.clone()),
                            cell: Some(text.to_string()),
                            message: format!("「{name}」の値「{text}」が前の行と重複しています"),
                        });
                    }
                }
            }
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
                    kind: "primary-key",
                    row_number: Some(row_number),
                    field_number: None,
                    field_name: None,
                    cell: Some(key.join(",")),
                    message: format!("主キー「{}」が前の行と重複しています", key.join(",")),
                });
            }
        }
    }
    data_rows
}

fn match_labels(
    labels: &[String],
    schema: &TableSchema,
    fields: &[CompiledField],
    out: &mut Collector,
) -> Vec<Option<usize>> {
    let mut seen = HashSet::new();
    for (i, l) in labels.iter().enumerate() {
        if l.trim().is_empty() {
            out.push(label_error(
                "blank-label",
                i + 1,
                l,
                format!("{}列目の見出しが空です", i + 1),
            ));
        } else if !seen.insert(l.as_str()) {
            out.push(label_error(
                "duplicate-label",
                i + 1,
                l,
                format!("見出し「{l}」が二度あります"),
            ));
        }
    }
    match schema.fields_match() {
        FieldsMatch::Exact => {
            for i in 0..labels.len().max(fields.len()) {
                match (labels.get(i), fields.get(i)) {
                    (Some(l), Some(f)) if *l != f.field.name => out.push(label_error(
                        "incorrect-label",
                        i + 1,
                        l,
                        format!(
                            "{}列目の見出しは「{}」であるべきところ「{l}」です",
                            i + 1,
                            f.field.name
                        ),
                    )),
                    (Some(l), None) => out.push(label_error(
                        "extra-label",
                        i + 1,
                        l,
                        format!("スキーマにない見出し「{l}」があります"),
                    )),
                    (None, Some(f)) => out.push(label_error(
                        "missing-label",
                        i + 1,
                        &f.field.name,
                        format!("見出し「{}」がありません", f.field.name),
                    )),
                    _ => {}
                }
            }
            (0..fields.len())
                .map(|i| (i < labels.len()).then_some(i))
                .collect()
        }
        mode => {
            let cols: Vec<Option<usize>> = fields
                .iter()
                .map(|f| labels.iter().position(|l| *l == f.field.name))
                .collect();
            let missing_allowed = matches!(mode, FieldsMatch::Subset | FieldsMatch::Partial);
            let extra_allowed = matches!(mode, FieldsMatch::Superset | FieldsMatch::Partial);
            if !missing_allowed {
                for (i, f) in fields.iter().enumerate() {
                    if cols[i].is_none() {
                        out.push(label_error(
                            "missing-label",
                            i + 1,
                            &f.field.name,
                            format!("見出し「{}」がありません", f.field.name),
                        ));
                    }
                }
            }
            if !extra_allowed {
                for (i, l) in labels.iter().enumerate() {
                    if !fields.iter().any(|f| f.field.name == *l) {
                        out.push(label_error(
                            "extra-label",
                            i + 1,
                            l,
                            format!("スキーマにない見出し「{l}」があります"),
                        ));
                    }
                }
            }
            cols
        }
    }
}
