//! Application forms as data (`machi-form/1`, docs/forms.md): fields with a type, a label,
//! validation, and the common item that fills them, so the counter can print every form of a
//! life event from what the resident said once.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FORMAT: &str = "machi-form/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Textarea,
    /// Katakana; hiragana is turned into katakana.
    Kana,
    /// 和暦 or 西暦; kept as YYYY-MM-DD, printed in 和暦.
    Date,
    Postal,
    Phone,
    /// Only digits, optionally of a fixed length (口座番号, 被保険者番号).
    Digits,
    Select,
    Check,
    /// 個人番号: printed as empty boxes and never stored unless the field says `store = true`.
    Mynumber,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    pub key: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub section: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// A common item (`applicant.name`, `subject.birth`, `today` …) that fills the field.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fill: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Exact number of digits (Digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hint: String,
    /// A value per life event, used when nothing else fills the field (e.g. 喪失の理由 = 死亡 for
    /// お悔やみ): `defaults = { death = "死亡", move_out = "転出" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub defaults: BTreeMap<String, String>,
    /// Mynumber only: the form's procedure requires the number to be kept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub store: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDef {
    pub format: String,
    pub key: String,
    pub title: String,
    /// Keys of the procedures this form is for.
    pub procedures: Vec<String>,
    /// Whom the form is addressed to; empty = the head of the municipality (〇〇市長, 〇〇町長 …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub addressee: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub declaration: String,
    pub fields: Vec<FieldDef>,
}

/// The common items a resident gives once per visit, and their labels and types.
pub const COMMON_ITEMS: [(&str, &str, FieldType, usize); 13] = [
    ("applicant.name", "届出人 氏名", FieldType::Text, 40),
    ("applicant.kana", "届出人 フリガナ", FieldType::Kana, 60),
    ("applicant.birth", "届出人 生年月日", FieldType::Date, 0),
    ("applicant.postal", "届出人 郵便番号", FieldType::Postal, 0),
    ("applicant.address", "届出人 住所", FieldType::Text, 120),
    ("applicant.phone", "届出人 電話番号", FieldType::Phone, 0),
    ("applicant.relation", "続柄", FieldType::Text, 20),
    ("subject.name", "氏名", FieldType::Text, 40),
    ("subject.kana", "フリガナ", FieldType::Kana, 60),
    ("subject.birth", "生年月日", FieldType::Date, 0),
    ("subject.address", "住所", FieldType::Text, 120),
    ("subject.event_date", "日付", FieldType::Date, 0),
    (
        "subject.previous_address",
        "前の住所・転出先",
        FieldType::Text,
        120,
    ),
];

/// Fill sources that are not common items.
pub const OTHER_FILLS: [&str; 1] = ["today"];

impl FormDef {
    pub fn parse(text: &str) -> Result<FormDef, String> {
        let f: FormDef = toml::from_str(text).map_err(|e| toml_error(&e, text))?;
        let problems = f.problems();
        if problems.is_empty() {
            Ok(f)
        } else {
            Err(problems.join("\n"))
        }
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.format != FORMAT {
            out.push(format!("format は \"{FORMAT}\" にしてください"));
        }
        if !super::model::valid_key(&self.key) {
            out.push(format!(
                "key「{}」は半角英小文字・数字・- で書いてください",
                self.key
            ));
        }
        if self.title.trim().is_empty() {
            out.push("title(様式の名前)が空です".into());
        }
        if self.fields.is_empty() {
            out.push("fields がありません".into());
        }
        for (i, f) in self.fields.iter().enumerate() {
            let at = format!("{}番目の項目「{}」", i + 1, f.label);
            if !super::model::valid_key(&f.key) {
                out.push(format!(
                    "{at}: key「{}」は半角英小文字・数字・_ で書いてください",
                    f.key
                ));
            }
            if self.fields[..i].iter().any(|g| g.key == f.key) {
                out.push(format!("{at}: key「{}」が重複しています", f.key));
            }
            if !f.fill.is_empty()
                && !COMMON_ITEMS.iter().any(|c| c.0 == f.fill)
                && !OTHER_FILLS.contains(&f.fill.as_str())
            {
                out.push(format!(
                    "{at}: fill「{}」は共通項目にありません(使えるもの: {}, today)",
                    f.fill,
                    COMMON_ITEMS.map(|c| c.0).join(", ")
                ));
            }
            if f.kind == FieldType::Select && f.options.is_empty() {
                out.push(format!("{at}: select には options が必要です"));
            }
            for (event, v) in &f.defaults {
                if let Err(m) =
                    check_value(f.kind, v, f.max_length.unwrap_or(0), f.length, &f.options)
                {
                    out.push(format!("{at}: defaults の {event}「{v}」: {m}"));
                }
            }
            if f.kind == FieldType::Mynumber && !f.fill.is_empty() {
                out.push(format!("{at}: 個人番号は共通項目から埋められません"));
            }
        }
        out
    }
}

/// A TOML error as a person reads it: the line and what was expected.
pub fn toml_error(e: &toml::de::Error, text: &str) -> String {
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("{line}行目: {}", e.message())
        }
        None => e.message().to_string(),
    }
}

/// Checks and normalises one value. `max` is a character limit (0 = the type's default).
pub fn check_value(
    kind: FieldType,
    raw: &str,
    max: usize,
    length: Option<usize>,
    options: &[String],
) -> Result<String, String> {
    let v = raw.trim();
    if v.is_empty() {
        return Ok(String::new());
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        return Err("使えない制御文字が含まれています".into());
    }
    let limit = if max > 0 {
        max
    } else if kind == FieldType::Textarea {
        1000
    } else {
        200
    };
    if v.chars().count() > limit {
        return Err(format!(
            "{limit}文字以内で入力してください(いま{}文字)",
            v.chars().count()
        ));
    }
    match kind {
        FieldType::Text => Ok(v.replace(['\r', '\n'], " ")),
        // Every line ending becomes \n (found by fuzzing: "\r\r\n" left a "\r\n" behind).
        FieldType::Textarea => Ok(v.replace("\r\n", "\n").replace('\r', "\n")),
        FieldType::Kana => {
            let k: String = v
                .chars()
                .map(|c| match c {
                    'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
                    ' ' => '\u{3000}',
                    c => c,
                })
                .collect();
            match k
                .chars()
                .find(|c| !matches!(c, 'ァ'..='ヺ' | 'ー' | '・' | '\u{3000}'))
            {
                Some(c) => Err(format!("カタカナで入力してください(「{c}」は使えません)")),
                None => Ok(k),
            }
        }
        FieldType::Date => crate::fiscal::parse_date(v).map(|d| d.to_string()),
        FieldType::Postal => {
            let digits: String = crate::fiscal::fold_width(v)
                .chars()
                .filter(|c| !matches!(c, '-' | 'ー' | '−' | '‐' | '〒' | ' '))
                .collect();
            if digits.len() == 7 && digits.chars().all(|c| c.is_ascii_digit()) {
                Ok(format!("{}-{}", &digits[..3], &digits[3..]))
            } else {
                Err(format!(
                    "郵便番号は7桁の数字で入力してください(例: 669-6592。「{v}」は{}桁です)",
                    digits.chars().filter(char::is_ascii_digit).count()
                ))
            }
        }
        FieldType::Phone => {
            let t: String = crate::fiscal::fold_width(v)
                .chars()
                .map(|c| {
                    if matches!(c, 'ー' | '−' | '‐') {
                        '-'
                    } else {
                        c
                    }
                })
                .collect();
            let digits = t.chars().filter(char::is_ascii_digit).count();
            if t.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | '(' | ')' | ' '))
                && (10..=11).contains(&digits)
            {
                Ok(t)
            } else {
                Err(
                    "電話番号は市外局番から10桁か11桁の数字で入力してください(例: 0796-36-1111)"
                        .into(),
                )
            }
        }
        FieldType::Digits => {
            let t = crate::fiscal::fold_width(v).replace([' ', '-'], "");
            if !t.chars().all(|c| c.is_ascii_digit()) {
                return Err("数字だけで入力してください".into());
            }
            match length {
                Some(n) if t.len() != n => {
                    Err(format!("{n}桁で入力してください(いま{}桁)", t.len()))
                }
                _ => Ok(t),
            }
        }
        FieldType::Select => {
            if options.iter().any(|o| o == v) {
                Ok(v.to_string())
            } else {
                Err(format!("「{v}」は選択肢にありません"))
            }
        }
        FieldType::Check => Ok(if matches!(v, "on" | "1" | "true" | "はい") {
            "はい".into()
        } else {
            String::new()
        }),
        FieldType::Mynumber => {
            let t = crate::fiscal::fold_width(v).replace([' ', '-'], "");
            if t.len() == 12 && t.chars().all(|c| c.is_ascii_digit()) && mynumber_ok(&t) {
                Ok(t)
            } else {
                Err("個人番号は12桁で、検査用数字が合うものを入力してください".into())
            }
        }
    }
}

/// The check digit of a 個人番号 (行政手続における特定の個人を識別するための番号の利用等に関する
/// 法律施行令 第8条).
fn mynumber_ok(n: &str) -> bool {
    let d: Vec<u32> = n.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = (1..=11)
        .map(|i| {
            let p = d[11 - i];
            let q = if i <= 6 { i as u32 + 1 } else { i as u32 - 5 };
            p * q
        })
        .sum();
    let r = sum % 11;
    let check = if r <= 1 { 0 } else { 11 - r };
    d[11] == check
}

/// Validates the values entered for a form's own fields (those not filled from common items
/// are typed at the counter). Returns normalised values or (field key, message) errors.
/// 個人番号 that must not be kept is dropped, whatever was sent.
pub fn check_form_values(
    def: &FormDef,
    input: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Vec<(String, String)>> {
    check_all(
        def.fields
            .iter()
            .filter(|f| f.kind != FieldType::Mynumber || f.store)
            .map(|f| {
                (
                    f.key.as_str(),
                    f.label.as_str(),
                    f.kind,
                    f.max_length.unwrap_or(0),
                    f.length,
                    f.options.as_slice(),
                )
            }),
        input,
    )
}

/// A field to check: key, label, type, character limit, exact length, options.
type Check<'a> = (
    &'a str,
    &'a str,
    FieldType,
    usize,
    Option<usize>,
    &'a [String],
);

/// Checks every field; the non-empty normalised values, or every error with its field's label.
fn check_all<'a>(
    fields: impl Iterator<Item = Check<'a>>,
    input: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Vec<(String, String)>> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for (key, label, kind, max, length, options) in fields {
        let raw = input.get(key).map(String::as_str).unwrap_or("");
        match check_value(kind, raw, max, length, options) {
            Ok(v) if !v.is_empty() => {
                out.insert(key.to_string(), v);
            }
            Ok(_) => {}
            Err(m) => errors.push((key.to_string(), format!("{label}: {m}"))),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// One field as printed: its label and the value to show (dates in 和暦).
#[derive(Debug, Clone)]
pub struct PrintedField {
    pub section: String,
    pub label: String,
    pub value: String,
    pub kind: FieldType,
    pub required: bool,
}

/// A stored value as a clerk reads it back in an input: dates in 和暦 (昭和60年4月1日), which
/// the field reads again as the same day.
pub fn input_value(kind: FieldType, v: &str) -> String {
    match kind {
        FieldType::Date => {
            super::model::parse_day(v).map_or_else(|| v.to_string(), crate::fiscal::wareki_date)
        }
        _ => v.to_string(),
    }
}

/// A value as it appears on paper.
pub fn display_value(kind: FieldType, v: &str) -> String {
    match kind {
        FieldType::Date => match super::model::parse_day(v) {
            Some(d) => format!("{}({}年)", crate::fiscal::wareki_date(d), d.year()),
            None => v.to_string(),
        },
        _ => v.to_string(),
    }
}

/// The fields of a form with values: a typed value wins, else the common item, else the
/// field's default for the life event, else blank.
pub fn fill(
    def: &FormDef,
    common: &BTreeMap<String, String>,
    typed: &BTreeMap<String, String>,
    life_event: &str,
    today: time::Date,
) -> Vec<PrintedField> {
    def.fields
        .iter()
        .map(|f| {
            let value = if f.kind == FieldType::Mynumber && !f.store {
                String::new()
            } else if let Some(v) = typed.get(&f.key).filter(|v| !v.is_empty()) {
                v.clone()
            } else if f.fill == "today" {
                today.to_string()
            } else {
                common
                    .get(&f.fill)
                    .or_else(|| f.defaults.get(life_event))
                    .cloned()
                    .unwrap_or_default()
            };
            PrintedField {
                section: f.section.clone(),
                label: f.label.clone(),
                value: display_value(f.kind, &value),
                kind: f.kind,
                required: f.required,
            }
        })
        .collect()
}

/// Checks the common items a clerk or the resident entered; keys are `applicant.name` etc.
pub fn check_common(
    input: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Vec<(String, String)>> {
    check_all(
        COMMON_ITEMS
            .iter()
            .map(|(key, label, kind, max)| (*key, *label, *kind, *max, None, &[][..])),
        input,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: FieldType, v: &str) -> Result<String, String> {
        check_value(kind, v, 0, None, &[])
    }

    #[test]
    fn values_are_normalised_or_refused_with_a_reason() {
        assert_eq!(
            check(FieldType::Kana, "かみ たろう").unwrap(),
            "カミ\u{3000}タロウ"
        );
        let e = check(FieldType::Kana, "香美 太郎").unwrap_err();
        assert!(e.contains("カタカナ") && e.contains("「香」"), "{e}");
        assert_eq!(
            check(FieldType::Postal, "〒６６９－６５９２").unwrap(),
            "669-6592"
        );
        let e = check(FieldType::Postal, "669-659").unwrap_err();
        assert!(e.contains("7桁") && e.contains("6桁"), "{e}");
        assert_eq!(
            check(FieldType::Phone, "０７９６ー３６ー１１１１").unwrap(),
            "0796-36-1111"
        );
        assert!(check(FieldType::Phone, "123").is_err());
        assert_eq!(
            check(FieldType::Date, "令和7年2月28日").unwrap(),
            "2025-02-28"
        );
        assert!(
            check(FieldType::Date, "令和7年2月30日")
                .unwrap_err()
                .contains("存在しない")
        );
        let long = "あ".repeat(41);
        assert!(
            check_value(FieldType::Text, &long, 40, None, &[])
                .unwrap_err()
                .contains("40文字以内")
        );
        assert_eq!(
            check_value(FieldType::Digits, "1234567", 0, Some(7), &[]).unwrap(),
            "1234567"
        );
        assert!(
            check_value(FieldType::Digits, "123456", 0, Some(7), &[])
                .unwrap_err()
                .contains("7桁")
        );
        let opts = vec!["普通".to_string()];
        assert!(check_value(FieldType::Select, "定期", 0, None, &opts).is_err());
        assert_eq!(check(FieldType::Check, "on").unwrap(), "はい");
        // A valid 個人番号 (check digit 8) and one with the wrong check digit.
        assert_eq!(
            check(FieldType::Mynumber, "123456789018").unwrap(),
            "123456789018"
        );
        assert!(check(FieldType::Mynumber, "123456789012").is_err());
        assert!(check(FieldType::Text, "a\u{0007}b").is_err());
        // Line endings are normalised once and for all (a fuzzing finding).
        let once = check(FieldType::Textarea, "=[?{\"\"}}\r\r\n0").unwrap();
        assert_eq!(once, "=[?{\"\"}}\n\n0");
        assert_eq!(check(FieldType::Textarea, &once).unwrap(), once);
    }

    #[test]
    fn form_problems_are_listed() {
        let text = r#"
format = "machi-form/1"
key = "x"
title = "t"
procedures = []
[[fields]]
key = "a"
label = "A"
type = "text"
fill = "applicant.nam"
[[fields]]
key = "a"
label = "B"
type = "select"
"#;
        let e = FormDef::parse(text).unwrap_err();
        assert!(e.contains("fill「applicant.nam」"), "{e}");
        assert!(e.contains("重複"), "{e}");
        assert!(e.contains("options"), "{e}");
        let e = FormDef::parse("format = 1").unwrap_err();
        assert!(e.starts_with("1行目"), "{e}");
    }

    #[test]
    fn mynumber_is_never_kept_unless_required() {
        let def = FormDef::parse(
            r#"
format = "machi-form/1"
key = "x"
title = "t"
procedures = []
[[fields]]
key = "n"
label = "個人番号"
type = "mynumber"
"#,
        )
        .unwrap();
        let input = BTreeMap::from([("n".to_string(), "123456789018".to_string())]);
        assert!(check_form_values(&def, &input).unwrap().is_empty());
        let printed = fill(
            &def,
            &BTreeMap::new(),
            &input,
            "death",
            time::macros::date!(2025 - 01 - 01),
        );
        assert_eq!(printed[0].value, "");
    }
}
