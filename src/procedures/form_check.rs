//! Checking and normalising what is typed into a form's fields and the visit's common items:
//! one rule per field type, errors in Japanese that name the field.

use super::form::{COMMON_ITEMS, FieldType, FormDef};
use std::collections::BTreeMap;

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
                    "郵便番号は7桁の数字で入力してください(例: 123-4567。「{v}」は{}桁です)",
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
        let e = check(FieldType::Kana, "山田 太郎").unwrap_err();
        assert!(e.contains("カタカナ") && e.contains("「山」"), "{e}");
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
}
