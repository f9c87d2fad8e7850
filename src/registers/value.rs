//! A register cell, typed: read from what a person typed (or a CSV cell), with a Japanese error
//! naming the field and the value.

use super::definition::{FieldDef, FieldKind};
use time::Date;

#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Text(String),
    Number(f64),
    Date(Date),
    Flag(bool),
}

impl FieldValue {
    /// `None` for a blank cell.
    pub fn read(f: &FieldDef, text: &str) -> Result<Option<FieldValue>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let wrong = || {
            format!(
                "「{}」: 「{}」は{}として読めません",
                f.label,
                crate::opendata::validate::report::short(text),
                f.kind.expected()
            )
        };
        Ok(Some(match f.kind {
            FieldKind::Text | FieldKind::LongText => FieldValue::Text(text.to_string()),
            FieldKind::Number => {
                FieldValue::Number(crate::input::parse_number(text).map_err(|_| wrong())?)
            }
            FieldKind::Integer => {
                let v = crate::input::parse_number(text).map_err(|_| wrong())?;
                if v.fract() != 0.0 {
                    return Err(wrong());
                }
                FieldValue::Number(v)
            }
            FieldKind::Date => {
                FieldValue::Date(crate::fiscal::parse_date(text).map_err(|_| wrong())?)
            }
            FieldKind::Month => {
                let d = crate::fiscal::parse_date(text)
                    .or_else(|_| crate::fiscal::parse_date(&format!("{text}/1")))
                    .map_err(|_| wrong())?;
                FieldValue::Date(d.replace_day(1).map_err(|_| wrong())?)
            }
            FieldKind::Choice => match f.choices.iter().find(|c| c.as_str() == text) {
                Some(c) => FieldValue::Text(c.clone()),
                None => {
                    return Err(format!(
                        "「{}」: 「{}」は選択肢({})にありません",
                        f.label,
                        crate::opendata::validate::report::short(text),
                        f.choices.join("・")
                    ));
                }
            },
            FieldKind::Flag => match text {
                "はい" | "有" | "あり" | "○" | "1" | "true" | "TRUE" | "yes" => {
                    FieldValue::Flag(true)
                }
                "いいえ" | "無" | "なし" | "×" | "0" | "false" | "FALSE" | "no" => {
                    FieldValue::Flag(false)
                }
                _ => return Err(wrong()),
            },
            FieldKind::Url => {
                if !(text.starts_with("https://") || text.starts_with("http://"))
                    || text.contains(char::is_whitespace)
                {
                    return Err(wrong());
                }
                FieldValue::Text(text.to_string())
            }
        }))
    }

    /// The value as a page shows it: dates in 和暦, a month as 令和6年4月.
    pub fn shown(&self, kind: FieldKind) -> String {
        match (self, kind) {
            (FieldValue::Date(d), FieldKind::Month) => {
                crate::fiscal::wareki_month(d.year(), u8::from(d.month()))
            }
            (FieldValue::Date(d), _) => crate::fiscal::wareki_date(*d),
            (v, _) => v.text(),
        }
    }

    /// The value as it is written back (forms, CSV): dates as YYYY-MM-DD, flags as はい/いいえ.
    pub fn text(&self) -> String {
        match self {
            FieldValue::Text(t) => t.clone(),
            FieldValue::Number(v) => {
                if v.fract() == 0.0 && v.abs() < 1e15 {
                    format!("{}", *v as i64)
                } else {
                    format!("{v}")
                }
            }
            FieldValue::Date(d) => d.to_string(),
            FieldValue::Flag(b) => if *b { "はい" } else { "いいえ" }.to_string(),
        }
    }

    pub fn number(&self) -> Option<f64> {
        match self {
            FieldValue::Number(v) => Some(*v),
            _ => None,
        }
    }

    pub fn date(&self) -> Option<Date> {
        match self {
            FieldValue::Date(d) => Some(*d),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    #[test]
    fn cells_are_read_as_typed_with_the_field_named() {
        let def = super::super::bundled()
            .unwrap()
            .into_iter()
            .find(|r| r.key == "ai_rpa")
            .unwrap();
        let input = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let ok = def
            .read_row(&input(&[
                ("business", "住民税の申告書入力"),
                ("department", "A課"),
                ("tool", "AI-OCR"),
                ("started_on", "令和5年4月1日"),
                ("hours_saved", "１，２００"),
            ]))
            .unwrap();
        let get = |k: &str| ok.iter().find(|(f, _)| f == k).unwrap().1.clone();
        assert_eq!(get("started_on").unwrap().text(), "2023-04-01");
        assert_eq!(get("hours_saved").unwrap().text(), "1200");
        assert_eq!(get("stopped_on"), None);
        let errors: Vec<String> = def
            .read_row(&input(&[
                ("business", "x"),
                ("tool", "ロボット"),
                ("started_on", "2023-02-30"),
                ("hours_saved", "たくさん"),
            ]))
            .unwrap_err();
        assert_eq!(
            errors,
            [
                "「担当課」は必須です",
                "「道具」: 「ロボット」は選択肢(AI-OCR・RPA・生成AI・チャットボット・音声認識・その他)にありません",
                "「使い始めた日」: 「2023-02-30」は日付(例: 2025-04-01、令和7年4月1日)として読めません",
                "「削減時間(年間・見込み)」: 「たくさん」は数値(例: 12.5)として読めません",
            ]
        );
    }
}
