//! machi's own checks, beyond Frictionless: things that make a file wrong or hard to use in a
//! Japanese municipality's data though Frictionless accepts them. Each is named, has a severity,
//! and is reported apart from Frictionless's findings, so the default report still reads as
//! `frictionless validate` does.
//!
//! | check | severity | what |
//! |---|---|---|
//! | `full-width-digits` | error | 全角数字 in a number, date, time or code column (Frictionless reads ２ as 2) |
//! | `check-digit` | error | a 全国地方公共団体コード whose 6th digit is not its check digit |
//! | `outside-japan` | error | 緯度 outside 20–46 or 経度 outside 122–154 (often swapped) |
//! | `zero-coordinates` | error | 緯度 and 経度 both 0 |
//! | `non-iso-date` | warning | a date or time Frictionless reads but not in the standard's form (2023-4-1, 9:00) |
//! | `placeholder-text` | warning | a value that stands for "not known yet" (確認中, 緯度経度を確認 …) |

use super::report::{CheckFinding, Severity};
use crate::opendata::cast::{digit, has_full_width_digit};
use crate::opendata::schema::{CompiledField, Value};

/// Values that stand in for data nobody has yet.
const PLACEHOLDERS: [&str; 14] = [
    "確認中",
    "調査中",
    "未定",
    "要確認",
    "未確認",
    "照会中",
    "○○",
    "〇〇",
    "××",
    "xxx",
    "XXX",
    "TBD",
    "ダミー",
    "仮",
];

/// Which checks apply to a field, decided once.
pub struct FieldChecks {
    digits: bool,
    code: bool,
    latitude: bool,
    longitude: bool,
    iso_date: bool,
    iso_time: bool,
    text: bool,
}

impl FieldChecks {
    pub fn of(f: &CompiledField) -> FieldChecks {
        let field = &f.field;
        let name = field.name.as_str();
        let kind = field.kind.as_str();
        let pattern = field.constraints.pattern.as_deref().unwrap_or("");
        let code = field.machi_check.as_deref() == Some("local-government-code");
        let numeric = matches!(kind, "integer" | "number" | "year" | "yearmonth");
        let latitude = name == "緯度" || field.machi_check.as_deref() == Some("latitude");
        let longitude = name == "経度" || field.machi_check.as_deref() == Some("longitude");
        FieldChecks {
            digits: numeric
                || code
                || matches!(kind, "date" | "time" | "datetime")
                || pattern.contains("\\d")
                || pattern.contains("[0-9]"),
            code,
            latitude,
            longitude,
            iso_date: kind == "date" && field.format.as_deref().is_none_or(|f| f == "default"),
            iso_time: kind == "time",
            text: kind == "string" && !latitude && !longitude,
        }
    }

    /// Checks one non-empty cell. `value`: what Frictionless read it as (None: unreadable).
    pub fn cell(
        &self,
        text: &str,
        value: Option<&Value>,
        mut found: impl FnMut(&'static str, Severity, String),
    ) {
        if self.digits && has_full_width_digit(text) {
            let half: String = text
                .chars()
                .map(|c| digit(c).and_then(|d| char::from_digit(d, 10)).unwrap_or(c))
                .collect();
            found(
                "full-width-digits",
                Severity::Error,
                format!("全角の数字があります。半角で「{half}」と書きます"),
            );
            return;
        }
        if self.code
            && text.len() == 6
            && text.bytes().all(|b| b.is_ascii_digit())
            && !crate::towns::code::check_digit_ok(text)
        {
            let sum: u32 = text
                .bytes()
                .take(5)
                .zip([6, 5, 4, 3, 2])
                .map(|(b, w)| (b - b'0') as u32 * w)
                .sum();
            let right = (11 - sum % 11) % 10;
            found(
                "check-digit",
                Severity::Error,
                format!(
                    "検査数字(6桁目)が合いません。「{}」の検査数字は {right} です(団体コードを確かめてください)",
                    &text[..5]
                ),
            );
        }
        let readable = value.is_some();
        if readable && self.iso_date && !is_iso_date(text) {
            found(
                "non-iso-date",
                Severity::Warning,
                format!(
                    "読めますが、標準の書き方は「{}」です(0を補った YYYY-MM-DD)",
                    padded_date(text)
                ),
            );
        }
        if readable && self.iso_time && !is_padded_time(text) {
            found(
                "non-iso-date",
                Severity::Warning,
                "読めますが、時と分は2桁で書きます(9:00 → 09:00)".to_string(),
            );
        }
        // A number column's value is already read; a text column's is read here.
        let number = || match value {
            Some(&Value::Number(v)) => Some(v),
            Some(_) => text.trim().parse::<f64>().ok(),
            None => None,
        };
        if (self.latitude || self.longitude)
            && let Some(v) = number()
        {
            let (lo, hi, what, name) = if self.latitude {
                (20.0, 46.0, "北緯20〜46度", "緯度")
            } else {
                (122.0, 154.0, "東経122〜154度", "経度")
            };
            if v != 0.0 && !(lo..=hi).contains(&v) {
                found(
                    "outside-japan",
                    Severity::Error,
                    format!(
                        "{name}「{text}」は日本の範囲({what})の外です。緯度と経度が入れ替わっていませんか"
                    ),
                );
            }
        }
        // Placeholders are short: a long cell is only looked at for its ending.
        if (self.text || !readable)
            && ((text.len() <= 12 && PLACEHOLDERS.contains(&text.trim()))
                || text.ends_with("を確認")
                || text.ends_with("確認中"))
        {
            let t = text.trim();
            {
                found(
                    "placeholder-text",
                    Severity::Warning,
                    format!("「{t}」は仮の値のようです"),
                );
            }
        }
    }
}

fn is_iso_date(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-'
}

fn padded_date(t: &str) -> String {
    let parts: Vec<&str> = t.split('-').collect();
    match parts.as_slice() {
        [y, m, d] => format!("{y}-{m:0>2}-{d:0>2}"),
        _ => t.to_string(),
    }
}

fn is_padded_time(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 5 && b[2] == b':' && b[0].is_ascii_digit() && b[1].is_ascii_digit()
}

/// 緯度 and 経度 of a row both 0: the position was never entered.
pub fn zero_coordinates(lat: Option<&str>, lon: Option<&str>) -> bool {
    let zero = |v: Option<&str>| v.and_then(|t| t.trim().parse::<f64>().ok()) == Some(0.0);
    zero(lat) && zero(lon)
}

/// Builds a finding for a cell.
pub fn finding(
    check: &'static str,
    severity: Severity,
    row: usize,
    col: usize,
    name: &str,
    cell: &str,
    message: String,
) -> CheckFinding {
    CheckFinding {
        check: check.into(),
        severity,
        row_number: Some(row),
        field_number: Some(col),
        field_name: Some(name.to_string()),
        cell: Some(cell.to_string()),
        message: format!("「{name}」: {message}"),
    }
}
