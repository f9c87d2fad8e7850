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
    /// The pattern is `\\d{n}` or `[0-9]{n}` (codes, postal codes): checked without the regex.
    digits_only: Option<(usize, bool)>,
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
            digits_only: field
                .constraints
                .pattern
                .as_deref()
                .and_then(digits_pattern),
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
            super::cast::cast(field, &text, true)
                .ok_or_else(|| err(format!("制約の値「{text}」が型に合いません")))
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
            super::cast::cast(&self.field, text, self.needs_value).ok_or_else(|| CellProblem {
                kind: "type-error",
                note: format!("{}として読めません", super::cast::expected(&self.field)),
            })?
        };
        let c = &self.field.constraints;
        // Counting characters costs a pass over the cell: only when a length is constrained.
        let len = if c.min_length.is_some() || c.max_length.is_some() {
            text.chars().count()
        } else {
            0
        };
        let constraint = |note: String| CellProblem {
            kind: "constraint-error",
            note,
        };
        if let Some(min) = c.min_length
            && len < min
        {
            return Err(constraint(format!(
                "短すぎます({min}文字以上。いま{len}文字)"
            )));
        }
        if let Some(max) = c.max_length
            && len > max
        {
            return Err(constraint(format!(
                "長すぎます({max}文字以内。いま{len}文字)"
            )));
        }
        if let Some(p) = &self.pattern
            && !self
                .digits_only
                .map_or_else(|| p.is_match(text), |n| digits(text, n))
        {
            return Err(constraint(format!(
                "形が違います({})",
                pattern_words(c.pattern.as_deref().unwrap_or(""))
            )));
        }
        if let Some(min) = &self.minimum
            && value.partial_cmp(min) == Some(std::cmp::Ordering::Less)
        {
            return Err(constraint(format!(
                "小さすぎます({}以上)",
                c.minimum.as_ref().map(json_text).unwrap_or_default()
            )));
        }
        if let Some(max) = &self.maximum
            && value.partial_cmp(max) == Some(std::cmp::Ordering::Greater)
        {
            return Err(constraint(format!(
                "大きすぎます({}以下)",
                c.maximum.as_ref().map(json_text).unwrap_or_default()
            )));
        }
        if let Some(allowed) = &self.enumeration
            && !allowed.contains(&value)
        {
            let list: Vec<String> = c.enumeration.iter().flatten().map(json_text).collect();
            return Err(constraint(format!(
                "決められた値ではありません(使える値: {})",
                list.join("、")
            )));
        }
        Ok(value)
    }
}

/// `\\d{n}` → (n, true: any decimal digit as Python's `\\d`), `[0-9]{n}` → (n, false).
fn digits_pattern(p: &str) -> Option<(usize, bool)> {
    let (unicode, rest) = if let Some(r) = p.strip_prefix("\\d{") {
        (true, r)
    } else {
        (false, p.strip_prefix("[0-9]{")?)
    };
    let n: usize = rest.strip_suffix('}')?.parse().ok()?;
    Some((n, unicode))
}

/// Whether `text` is exactly n digits (ASCII, or also full-width when `unicode`).
fn digits(text: &str, (n, unicode): (usize, bool)) -> bool {
    if text.len() == n && text.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    unicode
        && text.chars().count() == n
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
}

/// A pattern as a clerk reads it: the common ones in words, others as they are.
pub fn pattern_words(p: &str) -> String {
    let digits = |n: &str| format!("半角数字{n}桁");
    match p {
        "\\d{6}" | "[0-9]{6}" => digits("6"),
        "\\d{5}" | "[0-9]{5}" => digits("5"),
        "\\d{7}" | "[0-9]{7}" => digits("7"),
        "\\d{3}-\\d{4}" | "[0-9]{3}-[0-9]{4}" => "郵便番号 123-4567 の形".into(),
        "\\d+" | "[0-9]+" => "半角数字".into(),
        _ => format!("パターン {p}"),
    }
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
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
        // As frictionless (Python's strptime) reads it; machi's own check asks for 09:00.
        assert!(t.check("9:00").is_ok());
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
