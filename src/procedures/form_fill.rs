//! A form filled for printing: each field's value from what was typed for the form, the visit's
//! common items, the people of the visit picked by role, or the field's default.

use super::form::{FieldDef, FieldType, FormDef};
use super::people::{self, Fill, Group, Person, pick};
use std::collections::BTreeMap;

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

/// What a form is filled from.
pub struct Source<'a> {
    /// The visit's common items (`applicant.address`, `subject.event_date` …).
    pub common: &'a BTreeMap<String, String>,
    pub people: &'a [Person],
    /// Values typed for this form's own fields.
    pub typed: &'a BTreeMap<String, String>,
    pub life_event: &'a str,
    pub today: time::Date,
}

/// A section as printed: one value per field, or (a table section) one row per person listed.
#[derive(Debug, Clone)]
pub struct PrintedSection {
    pub title: String,
    pub fields: Vec<PrintedField>,
    pub table: Option<PrintedTable>,
}

#[derive(Debug, Clone)]
pub struct PrintedTable {
    /// The columns (their values are empty).
    pub columns: Vec<PrintedField>,
    /// One row per person listed, then blank rows up to the form's `rows`.
    pub rows: Vec<Vec<PrintedField>>,
    /// How many rows are people.
    pub listed: usize,
}

impl Source<'_> {
    /// One field's value: a typed value wins, else what its fill names, else the field's
    /// default for the life event, else blank.
    fn value(&self, f: &FieldDef) -> String {
        if f.kind == FieldType::Mynumber && !f.store {
            return String::new();
        }
        if let Some(v) = self.typed.get(&f.key).filter(|v| !v.is_empty()) {
            return v.clone();
        }
        let filled = match Fill::parse(f.fill_on(self.life_event)) {
            Some(Fill::Today) => self.today.to_string(),
            Some(Fill::Common(key)) => {
                let v = self.common.get(key).cloned().unwrap_or_default();
                // The person the event is about usually lives where the 届出人 does.
                if v.is_empty() && key == "subject.address" {
                    self.common
                        .get("applicant.address")
                        .cloned()
                        .unwrap_or_default()
                } else {
                    v
                }
            }
            Some(Fill::One(who, item)) => pick(self.people, who)
                .map(|p| item.of(p).to_string())
                .unwrap_or_default(),
            Some(Fill::Many(..)) | None => String::new(),
        };
        if filled.is_empty() {
            f.defaults.get(self.life_event).cloned().unwrap_or_default()
        } else {
            filled
        }
    }

    /// The people a table section lists: its group, within the form's age range for it
    /// (someone whose birth date is not known is listed, for the clerk to judge).
    fn listed(&self, def: &FormDef, section: &str, group: Group) -> Vec<&Person> {
        let spec = def.lists.get(section).cloned().unwrap_or_default();
        people::group(self.people, group, self.today)
            .into_iter()
            .filter(|p| match p.birth_day() {
                Some(b) => {
                    let age = people::age_on(b, self.today);
                    spec.min_age.is_none_or(|m| age >= m) && spec.max_age.is_none_or(|m| age <= m)
                }
                None => true,
            })
            .collect()
    }
}

fn printed(f: &FieldDef, value: &str) -> PrintedField {
    PrintedField {
        section: f.section.clone(),
        label: f.label.clone(),
        value: display_value(f.kind, value),
        kind: f.kind,
        required: f.required,
    }
}

/// A form's sections filled, in the order the fields name them.
pub fn fill(def: &FormDef, src: &Source) -> Vec<PrintedSection> {
    let mut out: Vec<PrintedSection> = Vec::new();
    for f in &def.fields {
        if out.iter().any(|s| s.title == f.section) {
            continue;
        }
        let fields: Vec<&FieldDef> = def
            .fields
            .iter()
            .filter(|g| g.section == f.section)
            .collect();
        let section = match def.section_group(&f.section) {
            None => PrintedSection {
                title: f.section.clone(),
                fields: fields.iter().map(|g| printed(g, &src.value(g))).collect(),
                table: None,
            },
            Some(group) => {
                let people = src.listed(def, &f.section, group);
                let min_rows = def.lists.get(&f.section).and_then(|l| l.rows).unwrap_or(1);
                let mut rows: Vec<Vec<PrintedField>> = people
                    .iter()
                    .map(|p| {
                        fields
                            .iter()
                            .map(|g| match Fill::parse(g.fill_on(src.life_event)) {
                                Some(Fill::Many(_, item)) if g.kind != FieldType::Mynumber => {
                                    printed(g, item.of(p))
                                }
                                _ => printed(
                                    g,
                                    g.defaults.get(src.life_event).map_or("", String::as_str),
                                ),
                            })
                            .collect()
                    })
                    .collect();
                let listed = rows.len();
                while rows.len() < min_rows {
                    rows.push(fields.iter().map(|g| printed(g, "")).collect());
                }
                PrintedSection {
                    title: f.section.clone(),
                    fields: Vec::new(),
                    table: Some(PrintedTable {
                        columns: fields.iter().map(|g| printed(g, "")).collect(),
                        rows,
                        listed,
                    }),
                }
            }
        };
        out.push(section);
    }
    out
}

/// The required items still empty, as the clerk reads them: 「加入する方 氏名」,
/// 「対象のお子さん(該当する方がいません)」, 「異動する方 2人目の生年月日」.
pub fn missing(sections: &[PrintedSection]) -> Vec<String> {
    let named = |section: &str, label: &str| {
        if section.is_empty() {
            label.to_string()
        } else {
            format!("{section} {label}")
        }
    };
    let mut out = Vec::new();
    for s in sections {
        for f in s.fields.iter().filter(|f| f.required && f.value.is_empty()) {
            out.push(named(&s.title, &f.label));
        }
        let Some(t) = &s.table else { continue };
        let required: Vec<usize> = (0..t.columns.len())
            .filter(|&i| t.columns[i].required && t.columns[i].kind != FieldType::Mynumber)
            .collect();
        if required.is_empty() {
            continue;
        }
        if t.listed == 0 {
            out.push(format!("{}(該当する方がいません)", s.title));
        }
        for (n, row) in t.rows.iter().take(t.listed).enumerate() {
            for &i in &required {
                if row[i].value.is_empty() {
                    out.push(format!("{} {}人目の{}", s.title, n + 1, t.columns[i].label));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procedures::form_check::check_form_values;

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
            &Source {
                common: &BTreeMap::new(),
                people: &[],
                typed: &input,
                life_event: "death",
                today: time::macros::date!(2025 - 01 - 01),
            },
        );
        assert_eq!(printed[0].fields[0].value, "");
    }
}
