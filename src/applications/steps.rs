//! A form as an online application walks through it: one step per section of the form (the
//! same definitions the counter prints), then the attachments, then the confirmation.

use crate::counter::forms::FormInput;
use crate::procedures::form::{FieldDef, FieldType, FormDef};
use crate::procedures::form_check::check_value;
use crate::procedures::form_fill::{display_value, input_value};
use std::collections::BTreeMap;

/// A step's fields, by the form's section order.
pub struct Step<'a> {
    pub title: String,
    pub fields: Vec<&'a FieldDef>,
}

/// Whether the applicant types this field (the date of application is the day it is sent; a
/// 個人番号 that must not be kept is written on paper at the counter, never online).
pub fn typed_online(f: &FieldDef) -> bool {
    f.fill != "today" && (f.kind != FieldType::Mynumber || f.store)
}

pub fn steps(def: &FormDef) -> Vec<Step<'_>> {
    let mut out: Vec<Step> = Vec::new();
    for f in def.fields.iter().filter(|f| typed_online(f)) {
        match out.iter_mut().find(|s| s.title == f.section) {
            Some(s) => s.fields.push(f),
            None => out.push(Step {
                title: f.section.clone(),
                fields: vec![f],
            }),
        }
    }
    for s in &mut out {
        if s.title.is_empty() {
            s.title = "申請の内容".into();
        }
    }
    out
}

pub fn inputs(fields: &[&FieldDef], values: &BTreeMap<String, String>) -> Vec<FormInput> {
    fields
        .iter()
        .map(|f| FormInput {
            key: f.key.clone(),
            id: format!("f-{}", f.key),
            label: f.label.clone(),
            kind: f.kind,
            options: f.options.clone(),
            value: values
                .get(&f.key)
                .map(|v| {
                    if f.kind == FieldType::Check && v == "はい" {
                        "on".into()
                    } else {
                        input_value(f.kind, v)
                    }
                })
                .unwrap_or_default(),
            hint: hint(f),
            required: f.required,
        })
        .collect()
}

/// What the field accepts, said before the resident types (not only after a mistake).
fn hint(f: &FieldDef) -> String {
    let by_type = match f.kind {
        FieldType::Date => "例: 令和6年10月1日、R6.10.1、2024-10-01",
        FieldType::Kana => "カタカナ(ひらがなで入力しても構いません)",
        FieldType::Postal => "7桁(例: 123-4567)",
        FieldType::Phone => "例: 0796-36-1111、090-1234-5678",
        FieldType::Digits => "数字のみ",
        _ => "",
    };
    match (f.hint.is_empty(), by_type.is_empty()) {
        (false, true) => f.hint.clone(),
        (false, false) => format!("{} ({by_type})", f.hint),
        (true, _) => by_type.to_string(),
    }
}

/// Checks one step's values: normalised values, or errors by field key (in Japanese, naming
/// the field and what was typed).
pub fn check(
    fields: &[&FieldDef],
    input: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Vec<(String, String)>> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for f in fields {
        let raw = input.get(&f.key).map(String::as_str).unwrap_or("");
        let checked = if f.kind == FieldType::Check {
            Ok(if raw.is_empty() {
                String::new()
            } else {
                "はい".into()
            })
        } else {
            check_value(f.kind, raw, f.max_length.unwrap_or(0), f.length, &f.options)
        };
        match checked {
            Ok(v) if v.is_empty() && f.required => {
                errors.push((f.key.clone(), format!("{}を入力してください", f.label)));
            }
            Ok(v) if v.is_empty() => {}
            Ok(v) => {
                out.insert(f.key.clone(), v);
            }
            Err(m) => errors.push((f.key.clone(), format!("{}: {m}", f.label))),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The first step with a required field left empty (after a correction or a form change).
pub fn first_incomplete(def: &FormDef, answers: &BTreeMap<String, String>) -> Option<usize> {
    steps(def).iter().position(|s| {
        s.fields
            .iter()
            .any(|f| f.required && answers.get(&f.key).is_none_or(String::is_empty))
    })
}

/// The address field a postcode fills: the first text field after it in the same step that is
/// an address (labelled 住所 or 所在地, or filled from an address item at the counter).
pub fn address_after<'a>(fields: &[&'a FieldDef], postal: &str) -> Option<&'a FieldDef> {
    let at = fields
        .iter()
        .position(|f| f.key == postal && f.kind == FieldType::Postal)?;
    fields[at + 1..]
        .iter()
        .find(|f| {
            matches!(f.kind, FieldType::Text | FieldType::Textarea)
                && (f.label.contains("住所")
                    || f.label.contains("所在地")
                    || f.fill.ends_with("address"))
        })
        .copied()
}

/// A section as the confirmation page and the print show it.
pub struct Shown {
    pub title: String,
    pub rows: Vec<(String, String)>,
}

pub fn shown(def: &FormDef, answers: &BTreeMap<String, String>) -> Vec<Shown> {
    steps(def)
        .iter()
        .map(|s| Shown {
            title: s.title.clone(),
            rows: s
                .fields
                .iter()
                .map(|f| {
                    let v = answers.get(&f.key).map_or("", String::as_str);
                    (f.label.clone(), display_value(f.kind, v))
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = r#"
format = "machi-form/1"
key = "t"
title = "t"
procedures = ["t"]
[[fields]]
key = "date"
label = "申請日"
type = "date"
fill = "today"
[[fields]]
key = "name"
section = "申請者"
label = "氏名"
type = "text"
required = true
[[fields]]
key = "kana"
section = "申請者"
label = "フリガナ"
type = "kana"
[[fields]]
key = "postal"
section = "申請者"
label = "郵便番号"
type = "postal"
[[fields]]
key = "phone"
section = "申請者"
label = "電話番号"
type = "phone"
[[fields]]
key = "address"
section = "申請者"
label = "住所"
type = "text"
[[fields]]
key = "no"
section = "個人番号"
label = "個人番号"
type = "mynumber"
[[fields]]
key = "account"
section = "振込先"
label = "口座番号"
type = "digits"
length = 7
"#;

    #[test]
    fn steps_follow_sections_without_the_date_or_the_number() {
        let def = FormDef::parse(FORM).unwrap();
        let s = steps(&def);
        let titles: Vec<&str> = s.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["申請者", "振込先"]);
        assert_eq!(s[0].fields.len(), 5);
        assert_eq!(
            address_after(&s[0].fields, "postal").unwrap().key,
            "address"
        );
        assert!(address_after(&s[0].fields, "phone").is_none());
        assert!(address_after(&s[1].fields, "postal").is_none());
    }

    #[test]
    fn checks_name_the_field() {
        let def = FormDef::parse(FORM).unwrap();
        let s = steps(&def);
        let input = BTreeMap::from([("kana".to_string(), "やまだ".to_string())]);
        let e = check(&s[0].fields, &input).unwrap_err();
        assert_eq!(
            e,
            [("name".to_string(), "氏名を入力してください".to_string())]
        );
        let input = BTreeMap::from([
            ("name".to_string(), "山田 太郎".to_string()),
            ("kana".to_string(), "やまだ".to_string()),
        ]);
        let ok = check(&s[0].fields, &input).unwrap();
        assert_eq!(ok["kana"], "ヤマダ");
        let bad = BTreeMap::from([("account".to_string(), "12345".to_string())]);
        let e = check(&s[1].fields, &bad).unwrap_err();
        assert!(e[0].1.starts_with("口座番号: "), "{e:?}");
        assert_eq!(first_incomplete(&def, &BTreeMap::new()), Some(0));
    }
}
