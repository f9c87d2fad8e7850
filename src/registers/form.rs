//! Who may do what with a register's rows, and a register's form: one input per field, filled
//! from a row or from what was posted, personal fields left out for those who may not see them.

use super::definition::{FieldDef, FieldKind, RegisterDef};
use super::store::Stored;
use crate::auth::Staff;
use crate::auth::permissions::Subject;
use std::collections::{BTreeMap, HashMap};

/// The owner rule: the 課 that owns a row edits it; the coordinating department edits all. A
/// register without an owner field is kept by the coordinating department.
pub fn may_edit_owned_by(staff: &Staff, def: &RegisterDef, owner: &str) -> bool {
    if def.owner_field.is_none() {
        return staff.can(super::EDIT_REGISTERS, Subject::None);
    }
    staff.can(
        super::EDIT_REGISTERS,
        Subject::Department { department: owner },
    )
}

pub fn may_edit(staff: &Staff, def: &RegisterDef, row: &Stored) -> bool {
    let owner = def
        .owner_field
        .as_deref()
        .map(|f| row.text(f))
        .unwrap_or_default();
    may_edit_owned_by(staff, def, &owner)
}

/// Whether this person may add rows at all (for their own 課 at least).
pub fn may_add(staff: &Staff, def: &RegisterDef) -> bool {
    may_edit_owned_by(staff, def, &staff.user.department)
        || staff.can(super::EDIT_REGISTERS, Subject::None)
}

/// Personal fields (names …) are seen by the coordinating department and by whoever entered
/// the row (the applicant), nobody else.
pub fn sees_personal(staff: &Staff, row: Option<&Stored>) -> bool {
    staff.can(super::EDIT_REGISTERS, Subject::None)
        || row.is_some_and(|r| !staff.via_platform && r.created_by == staff.user.username)
}

/// One input of the form.
pub struct Input {
    pub name: String,
    pub label: String,
    pub kind: &'static str,
    pub value: String,
    pub required: bool,
    pub choices: Vec<String>,
    pub help: String,
    pub error: String,
}

/// What a posted form's field is called (prefixed, so a field key never meets `csrf`).
pub fn input_name(field: &str) -> String {
    format!("f_{field}")
}

fn kind(f: &FieldDef) -> &'static str {
    match f.kind {
        FieldKind::Text => "text",
        FieldKind::LongText => "textarea",
        FieldKind::Number => "number",
        FieldKind::Integer => "integer",
        FieldKind::Date => "date",
        FieldKind::Choice => "select",
        FieldKind::Flag => "flag",
        FieldKind::Url => "url",
        FieldKind::Month => "text",
    }
}

/// The inputs, with their values and errors. Personal fields are left out unless `personal`.
pub fn inputs(
    def: &RegisterDef,
    values: &BTreeMap<String, String>,
    errors: &[(String, String)],
    personal: bool,
) -> Vec<Input> {
    def.fields
        .iter()
        .filter(|f| personal || !f.personal)
        .map(|f| Input {
            name: input_name(&f.key),
            label: f.label.clone(),
            kind: kind(f),
            value: values.get(&f.key).cloned().unwrap_or_default(),
            required: f.required,
            choices: f.choices.clone(),
            help: match (&f.help, f.kind) {
                (Some(h), _) => h.clone(),
                (None, FieldKind::Date) => "例: 2025-04-01、令和7年4月1日".into(),
                (None, FieldKind::Month) => "例: 2025-04、令和7年4月".into(),
                (None, FieldKind::Flag) => "はい・いいえ".into(),
                _ => String::new(),
            },
            error: errors
                .iter()
                .filter(|(k, _)| k == &f.key)
                .map(|(_, e)| e.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect()
}

/// The cells a posted form holds (field key → text), taking the personal fields the person
/// could not see from the stored row, so saving never blanks them.
pub fn posted(
    def: &RegisterDef,
    form: &HashMap<String, String>,
    stored: Option<&Stored>,
    personal: bool,
) -> BTreeMap<String, String> {
    def.fields
        .iter()
        .map(|f| {
            let value = if f.personal && !personal {
                stored.map(|s| s.text(&f.key)).unwrap_or_default()
            } else {
                form.get(&input_name(&f.key)).cloned().unwrap_or_default()
            };
            (f.key.clone(), value)
        })
        .collect()
}

/// A stored row as the form shows it.
pub fn values_of(row: &Stored) -> BTreeMap<String, String> {
    row.cells
        .iter()
        .map(|(k, v)| (k.clone(), v.text()))
        .collect()
}

/// Errors from `RegisterDef::read_row` (「「label」…」) put with their field.
pub fn errors_by_field(def: &RegisterDef, errors: Vec<String>) -> Vec<(String, String)> {
    errors
        .into_iter()
        .map(|e| {
            let field = def
                .fields
                .iter()
                .find(|f| e.starts_with(&format!("「{}」", f.label)))
                .map(|f| f.key.clone())
                .unwrap_or_default();
            (field, e)
        })
        .collect()
}
