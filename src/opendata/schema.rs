//! Frictionless Table Schema: the part machi reads (fields, types, formats, constraints,
//! missing values, fieldsMatch, primary key) and how a cell is cast and checked.

use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableSchema {
    pub fields: Vec<Field>,
    #[serde(
        default = "default_missing",
        skip_serializing_if = "is_default_missing"
    )]
    pub missing_values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields_match: Option<FieldsMatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<KeyList>,
    /// Anything else a schema carries is kept (title, description, $schema …).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn default_missing() -> Vec<String> {
    vec![String::new()]
}

fn is_default_missing(v: &[String]) -> bool {
    v == [String::new()]
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    pub fn names(&self) -> Vec<&str> {
        match self {
            KeyList::One(s) => vec![s.as_str()],
            KeyList::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldsMatch {
    Exact,
    Equal,
    Subset,
    Superset,
    Partial,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(default = "default_type", rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Constraints::is_empty")]
    pub constraints: Constraints,
    /// machi's own check beyond Table Schema: "local-government-code" (検査数字).
    #[serde(
        default,
        rename = "machi:check",
        skip_serializing_if = "Option::is_none"
    )]
    pub machi_check: Option<String>,
}

fn default_type() -> String {
    "string".into()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Constraints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, rename = "enum", skip_serializing_if = "Option::is_none")]
    pub enumeration: Option<Vec<serde_json::Value>>,
}

impl Constraints {
    fn is_empty(&self) -> bool {
        self.required.is_none()
            && self.unique.is_none()
            && self.min_length.is_none()
            && self.max_length.is_none()
            && self.minimum.is_none()
            && self.maximum.is_none()
            && self.pattern.is_none()
            && self.enumeration.is_none()
    }
}

/// A value after casting, for comparisons.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
    /// Dates and times compare as their normalised text (YYYY-MM-DD, HH:MM:SS).
    Temporal(String),
}

/// A field prepared for checking many cells.
pub struct CompiledField {
    pub field: Field,
    pattern: Option<Regex>,
    minimum: Option<Value>,
    maximum: Option<Value>,
    enumeration: Option<Vec<Value>>,
    pub required: bool,
    pub unique: bool,
    /// Whether checks compare values (bounds, enum): otherwise strings need no copy.
    needs_value: bool,
    /// A string without format or value constraints: nothing to cast.
    plain_string: bool,
}

/// Why a cell failed: the Frictionless error type and a note in Japanese.
#[derive(Debug, Clone, PartialEq)]
pub struct CellProblem {
    pub kind: &'static str,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("スキーマの項目「{field}」: {message}")]
pub struct SchemaError {
    pub field: String,
    pub message: String,
}

const KNOWN_TYPES: [&str; 10] = [
    "string",
    "number",
    "integer",
    "boolean",
    "date",
    "time",
    "datetime",
    "year",
    "yearmonth",
    "any",
];

impl CompiledField {
    pub fn compile(field: &Field) -> Result<CompiledField, SchemaError> {
        let err = |m: String| SchemaError {
            field: field.name.clone(),
            message: m,
        };
        if !KNOWN_TYPES.contains(&field.kind.as_str()) {
            return Err(err(format!("型「{}」には対応していません", field.kind)));
        }
        let pattern = field
            .constraints
            .pattern
            .as_ref()
            .map(|p| Regex::new(&format!("^(?:{p})$")))
            .transpose()
            .map_err(|e| err(format!("pattern が正規表現として読めません: {e}")))?;
        let mut compiled = CompiledField {
            field: field.clone(),
            pattern,
            minimum: None,
            maximum: None,
            enumeration: None,
            required: field.constraints.required == Some(true),
            unique: field.constraints.unique == Some(true),
            needs_value: field.constraints.minimum.is_some()
                || field.constraints.maximum.is_some()
                || field.constraints.enumeration.is_some(),
            plain_string: false,
        };
        compiled.plain_string = matches!(field.kind.as_str(), "string" | "any")
            && field.format.is_none()
            && !compiled.needs_value;
        let as_value = |v: &serde_json::Value| -> Result<Value, SchemaError> {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            compiled_cast(field, &text, true)
                .map_err(|_| err(format!("制約の値「{text}」が型に合いません")))
        };
        compiled.minimum = field
            .constraints
            .minimum
            .as_ref()
            .map(&as_value)
            .transpose()?;
        compiled.maximum = field
            .constraints
            .maximum
            .as_ref()
            .map(&as_value)
            .transpose()?;
        compiled.enumeration = field
            .constraints
            .enumeration
            .as_ref()
            .map(|vs| vs.iter().map(&as_value).collect::<Result<Vec<_>, _>>())
            .transpose()?;
        Ok(compiled)
    }

    /// Casts and checks one non-missing cell.
    pub fn check(&self, text: &str) -> Result<Value, CellProblem> {
        let value = if self.plain_string {
            Value::Bool(true)
        } else {
            compiled_cast(&self.field, text, self.needs_value).map_err(|expected| CellProblem {
                kind: "type-error",
                note: format!("「{text}」は{expected}として読めません"),
            })?
        };
        let len = text.chars().count();
        let c = &self.field.constraints;
        let constraint = |note: String| CellProblem {
            kind: "constraint-error",
            note,
        };
        if let Some(min) = c.min_length
            && len < min
        {
            return Err(constraint(format!("{min}文字以上が必要です({len}文字)")));
        }
        if let Some(max) = c.max_length
            && len > max
        {
            return Err(constraint(format!(
                "{max}文字以内にしてください({len}文字)"
            )));
        }
        if let Some(p) = &self.pattern
            && !p.is_match(text)
        {
            return Err(constraint(format!(
                "形式が違います(パターン {})",
                c.pattern.as_deref().unwrap_or("")
            )));
        }
        if let Some(min) = &self.minimum
            && value.partial_cmp(min) == Some(std::cmp::Ordering::Less)
        {
            return Err(constraint(format!(
                "{}以上である必要があります",
                c.minimum.as_ref().map(json_text).unwrap_or_default()
            )));
        }
        if let Some(max) = &self.maximum
            && value.partial_cmp(max) == Some(std::cmp::Ordering::Greater)
        {
            return Err(constraint(format!(
                "{}以下である必要があります",
                c.maximum.as_ref().map(json_text).unwrap_or_default()
            )));
        }
        if let Some(allowed) = &self.enumeration
            && !allowed.contains(&value)
        {
            let list: Vec<String> = c.enumeration.iter().flatten().map(json_text).collect();
            return Err(constraint(format!("使える値は {} です", list.join("、"))));
        }
        if self.field.machi_check.as_deref() == Some("local-government-code")
            && !crate::plan::file::municipality_code_is_valid(text)
        {
            return Err(constraint(
                "全国地方公共団体コードの検査数字(6桁目)が合いません".into(),
            ));
        }
        Ok(value)
    }
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn two_digits(s: &str) -> Option<u32> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

fn parse_date(s: &str) -> Option<&str> {
    let (y, rest) = s.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (m, d) = (two_digits(m)?, two_digits(d)?);
    let month = time::Month::try_from(m as u8).ok()?;
    time::Date::from_calendar_date(y.parse().ok()?, month, d as u8).ok()?;
    Some(s)
}

/// HH:MM:SS, or HH:MM when the format says so (`%H:%M`).
fn parse_time(s: &str, format: Option<&str>) -> Option<(u32, u32, u32)> {
    let parts: Vec<&str> = s.split(':').collect();
    let want = if format == Some("%H:%M") { 2 } else { 3 };
    if parts.len() != want {
        return None;
    }
    let nums: Option<Vec<u32>> = parts.iter().map(|p| two_digits(p)).collect();
    let nums = nums?;
    if nums[0] > 23 || nums[1] > 59 || nums.get(2).is_some_and(|s| *s > 59) {
        return None;
    }
    Some((nums[0], nums[1], nums.get(2).copied().unwrap_or(0)))
}

fn time_text((h, m, s): (u32, u32, u32)) -> String {
    format!("{h:02}:{m:02}:{s:02}")
}

/// Casts a cell as Frictionless does for the types machi supports; the error is what was expected.
/// Text-like values are only copied when `keep` asks for them (comparisons).
fn compiled_cast(field: &Field, text: &str, keep: bool) -> Result<Value, &'static str> {
    let format = field.format.as_deref();
    let text_value = |t: &str| {
        if keep {
            Value::Text(t.to_string())
        } else {
            Value::Bool(true)
        }
    };
    match field.kind.as_str() {
        "string" | "any" => match format {
            Some("uri") => {
                let ok = text.split_once("://").is_some_and(|(scheme, rest)| {
                    !scheme.is_empty()
                        && scheme
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                        && !rest.is_empty()
                        && !rest.chars().any(char::is_whitespace)
                });
                if ok {
                    Ok(Value::Text(text.into()))
                } else {
                    Err("URI")
                }
            }
            Some("email") => {
                let ok = text.split_once('@').is_some_and(|(a, b)| {
                    !a.is_empty() && b.contains('.') && !text.chars().any(char::is_whitespace)
                });
                if ok {
                    Ok(Value::Text(text.into()))
                } else {
                    Err("メールアドレス")
                }
            }
            _ => Ok(text_value(text)),
        },
        "integer" => {
            let t = text.strip_prefix('+').unwrap_or(text);
            let digits = t.strip_prefix('-').unwrap_or(t);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                t.parse::<f64>().map(Value::Number).map_err(|_| "整数")
            } else {
                Err("整数")
            }
        }
        "number" => {
            let ok = !text.is_empty()
                && text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
                && text.bytes().any(|b| b.is_ascii_digit());
            match text.parse::<f64>() {
                Ok(v) if ok && v.is_finite() => Ok(Value::Number(v)),
                _ => Err("数値"),
            }
        }
        "boolean" => match text {
            "true" | "True" | "TRUE" | "1" => Ok(Value::Bool(true)),
            "false" | "False" | "FALSE" | "0" => Ok(Value::Bool(false)),
            _ => Err("真偽値(true/false)"),
        },
        "date" => parse_date(text)
            .map(|d| {
                if keep {
                    Value::Temporal(d.to_string())
                } else {
                    Value::Bool(true)
                }
            })
            .ok_or("日付(YYYY-MM-DD)"),
        "time" => parse_time(text, format)
            .map(|t| {
                if keep {
                    Value::Temporal(time_text(t))
                } else {
                    Value::Bool(true)
                }
            })
            .ok_or(if format == Some("%H:%M") {
                "時刻(hh:mm)"
            } else {
                "時刻(hh:mm:ss)"
            }),
        "datetime" => {
            let (d, t) = text.split_once('T').ok_or("日時(YYYY-MM-DDThh:mm:ss)")?;
            let t = t.trim_end_matches('Z');
            let t = t.split(['+', '-']).next().unwrap_or(t);
            match (parse_date(d), parse_time(t, None)) {
                (Some(_), Some(_)) => Ok(Value::Temporal(text.into())),
                _ => Err("日時(YYYY-MM-DDThh:mm:ss)"),
            }
        }
        "year" => (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Value::Number(text.parse().unwrap_or(0.0)))
            .ok_or("年(YYYY)"),
        "yearmonth" => {
            let ok = text.split_once('-').is_some_and(|(y, m)| {
                y.len() == 4 && two_digits(m).is_some_and(|m| (1..=12).contains(&m))
            });
            if ok {
                Ok(Value::Temporal(text.into()))
            } else {
                Err("年月(YYYY-MM)")
            }
        }
        _ => Err("対応していない型"),
    }
}

impl TableSchema {
    pub fn from_json(text: &str) -> Result<TableSchema, String> {
        let schema: TableSchema = serde_json::from_str(text)
            .map_err(|e| format!("Table Schema(JSON)として読めません: {e}"))?;
        if schema.fields.is_empty() {
            return Err("fields が空です".into());
        }
        Ok(schema)
    }

    pub fn compile(&self) -> Result<Vec<CompiledField>, SchemaError> {
        self.fields.iter().map(CompiledField::compile).collect()
    }

    pub fn fields_match(&self) -> FieldsMatch {
        self.fields_match.unwrap_or(FieldsMatch::Exact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: &str, format: Option<&str>, constraints: Constraints) -> CompiledField {
        CompiledField::compile(&Field {
            name: "f".into(),
            kind: kind.into(),
            format: format.map(str::to_string),
            title: None,
            description: None,
            example: None,
            constraints,
            machi_check: None,
        })
        .unwrap()
    }

    #[test]
    fn casts() {
        let int = field("integer", None, Constraints::default());
        assert!(int.check("12").is_ok());
        assert_eq!(int.check("1.5").unwrap_err().kind, "type-error");
        let num = field("number", None, Constraints::default());
        assert_eq!(num.check("43.064310"), Ok(Value::Number(43.06431)));
        assert!(num.check("abc").is_err());
        let t = field("time", Some("%H:%M"), Constraints::default());
        assert!(t.check("09:00").is_ok());
        assert!(t.check("9:00").is_err());
        assert!(t.check("24:00").is_err());
        let d = field("date", None, Constraints::default());
        assert!(d.check("2025-02-28").is_ok());
        assert!(d.check("2025-02-30").is_err());
        assert!(d.check("2025/02/28").is_err());
        let u = field("string", Some("uri"), Constraints::default());
        assert!(u.check("https://www.town.mikata-kami.lg.jp/x.jpg").is_ok());
        assert!(u.check("www.example").is_err());
    }

    #[test]
    fn constraints() {
        let lat = field(
            "number",
            None,
            Constraints {
                minimum: Some(20.into()),
                maximum: Some(46.into()),
                ..Default::default()
            },
        );
        assert!(lat.check("35.5").is_ok());
        assert_eq!(lat.check("135.5").unwrap_err().kind, "constraint-error");
        let yn = field(
            "string",
            None,
            Constraints {
                enumeration: Some(vec!["有".into(), "無".into()]),
                ..Default::default()
            },
        );
        assert!(yn.check("有").is_ok());
        assert!(yn.check("あり").unwrap_err().note.contains("有、無"));
        let code = field(
            "string",
            None,
            Constraints {
                pattern: Some(r"\d{6}".into()),
                ..Default::default()
            },
        );
        assert!(code.check("285854").is_ok());
        assert!(code.check("28585").is_err());
        assert!(
            code.check("2858541").is_err(),
            "patterns match the whole value"
        );
    }
}
