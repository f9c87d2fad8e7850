//! Application forms as data (`machi-form/1`, docs/forms.md): fields with a type, a label,
//! validation, and the common item that fills them, so the counter can print every form of a
//! life event from what the resident said once.

use super::form_check::check_value;
use super::people::{Fill, Group};
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
    /// A different `fill` per life event (a 住民異動届's 新住所 is the town address on 転入 and
    /// the destination on 転出): `fill_for = { move_out = "subject.previous_address" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fill_for: BTreeMap<String, String>,
}

impl FieldDef {
    /// The fill for a life event.
    pub fn fill_on(&self, life_event: &str) -> &str {
        self.fill_for.get(life_event).unwrap_or(&self.fill)
    }
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
    /// Table sections (whose fields fill from a group of people) by section name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lists: BTreeMap<String, ListSpec>,
    /// The fee in 円 paid with an online application (0: none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fee: i64,
    /// Files an online application attaches (images or PDF), e.g. a copy of a receipt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentDef>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// A file the applicant attaches online (on paper it is handed over with the form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentDef {
    /// a-z, 0-9, _ ; unique in the form.
    pub key: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hint: String,
}

/// The items of a visit typed once that are not about one person of the visit's list: where the
/// 届出人 lives and how to reach them, the event's date and the other address. People (氏名,
/// フリガナ, 生年月日 …) are kept per person, see `super::people`.
pub const COMMON_ITEMS: [(&str, &str, FieldType, usize); 7] = [
    ("applicant.postal", "届出人 郵便番号", FieldType::Postal, 0),
    ("applicant.address", "届出人 住所", FieldType::Text, 120),
    ("applicant.phone", "届出人 電話番号", FieldType::Phone, 0),
    (
        "applicant.relation",
        "届出人と対象の方の続柄",
        FieldType::Text,
        20,
    ),
    ("subject.address", "住所", FieldType::Text, 120),
    ("subject.event_date", "日付", FieldType::Date, 0),
    (
        "subject.previous_address",
        "前の住所・転出先",
        FieldType::Text,
        120,
    ),
];

/// A table section's choice of people: an age range (on the day the form is printed) and how
/// many rows to print when fewer people are listed (left blank for handwriting).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_age: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
}

impl FormDef {
    /// The group of people a section lists, if its fields fill from one.
    pub fn section_group(&self, section: &str) -> Option<Group> {
        self.fields
            .iter()
            .filter(|f| f.section == section)
            .flat_map(|f| std::iter::once(&f.fill).chain(f.fill_for.values()))
            .find_map(|fill| match Fill::parse(fill) {
                Some(Fill::Many(g, _)) => Some(g),
                _ => None,
            })
    }

    /// A table section lists one group; its fields fill from that group or are left blank.
    fn table_problems(&self, out: &mut Vec<String>) {
        for f in &self.fields {
            let Some(group) = self.section_group(&f.section) else {
                continue;
            };
            for fill in std::iter::once(&f.fill).chain(f.fill_for.values()) {
                match Fill::parse(fill) {
                    Some(Fill::Many(g, _)) if g == group => {}
                    None if fill.is_empty() => {}
                    _ => out.push(format!(
                        "項目「{}」: 「{}」は人の一覧の欄なので、fill は同じ一覧({})の項目にしてください(「{fill}」は使えません)",
                        f.label,
                        f.section,
                        group.key()
                    )),
                }
            }
        }
        for name in self.lists.keys() {
            if self.section_group(name).is_none() {
                out.push(format!(
                    "lists「{name}」: 人の一覧(subjects・children・members)から埋める欄がありません"
                ));
            }
        }
    }

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
            for fill in std::iter::once(&f.fill).chain(f.fill_for.values()) {
                if !fill.is_empty() && Fill::parse(fill).is_none() {
                    out.push(format!(
                        "{at}: fill「{fill}」は共通項目にありません(使えるもの: {})",
                        Fill::explain()
                    ));
                }
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
        if self.fee < 0 {
            out.push(format!(
                "fee(手数料)「{}」は0以上の円で書いてください",
                self.fee
            ));
        }
        for (i, a) in self.attachments.iter().enumerate() {
            let at = format!("{}番目の添付書類「{}」", i + 1, a.label);
            if !super::model::valid_key(&a.key) {
                out.push(format!(
                    "{at}: key「{}」は半角英小文字・数字・_ で書いてください",
                    a.key
                ));
            }
            if self.attachments[..i].iter().any(|b| b.key == a.key) {
                out.push(format!("{at}: key「{}」が重複しています", a.key));
            }
        }
        self.table_problems(&mut out);
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_table_section_lists_one_group() {
        let text = r#"
format = "machi-form/1"
key = "x"
title = "t"
procedures = []
[[fields]]
key = "a"
section = "お子さん"
label = "氏名"
type = "text"
fill = "children.name"
[[fields]]
key = "b"
section = "お子さん"
label = "届出人"
type = "text"
fill = "applicant.name"
[[fields]]
key = "c"
section = "お子さん"
label = "続柄"
type = "text"
[lists."世帯"]
rows = 2
"#;
        let e = FormDef::parse(text).unwrap_err();
        assert!(
            e.contains("「applicant.name」は使えません") && e.contains("(children)"),
            "{e}"
        );
        assert!(e.contains("lists「世帯」"), "{e}");
        assert!(!e.contains("続柄"), "a blank column is fine: {e}");
    }
}
