//! The header row against the schema's fields, as Frictionless 5.21 judges it (same error
//! types and numbers), with messages that name the field and where it was expected among the
//! file's own columns.
//!
//! `fieldsMatch` (Table Schema v2): `exact` pairs labels and fields by position; the others by
//! name. `equal` wants the same set; `subset` lets the data have more columns than the schema;
//! `superset` lets it have fewer (required fields must still be there); `partial` allows both but
//! wants at least one in common.

use super::report::{Collector, ValidationError};
use crate::opendata::schema::{CompiledField, FieldsMatch, TableSchema};

fn label_error(kind: &str, n: usize, name: &str, message: String) -> ValidationError {
    ValidationError {
        kind: kind.to_string(),
        row_number: None,
        field_number: Some(n),
        field_name: Some(name.to_string()),
        cell: None,
        message,
    }
}

fn duplicate(i: usize, l: &str) -> ValidationError {
    label_error(
        "duplicate-label",
        i + 1,
        l,
        format!("見出し「{l}」が二度あります({}列目)", i + 1),
    )
}

/// Where a missing field belongs among the file's columns: after the last schema field before
/// it that the file has.
fn expected_place(name: &str, labels: &[String], fields: &[CompiledField]) -> String {
    let at = fields
        .iter()
        .position(|f| f.field.name == name)
        .unwrap_or(0);
    let before = fields[..at].iter().rev().find_map(|f| {
        labels
            .iter()
            .position(|l| *l == f.field.name)
            .map(|c| (c, &f.field.name))
    });
    let after = fields[at + 1..].iter().find_map(|f| {
        labels
            .iter()
            .position(|l| *l == f.field.name)
            .map(|c| (c, &f.field.name))
    });
    match (before, after) {
        (Some((c, b)), Some((d, a))) => {
            format!(
                "「{b}」({}列目)と「{a}」({}列目)の間にあるはずです",
                c + 1,
                d + 1
            )
        }
        (Some((c, b)), None) => format!("「{b}」({}列目)の後にあるはずです", c + 1),
        (None, Some((d, a))) => format!("「{a}」({}列目)の前にあるはずです", d + 1),
        (None, None) => "ファイルの列と一つも合いません".into(),
    }
}

/// Checks the header; returns, for each field, the file column it reads (None when absent).
pub fn match_labels(
    labels: &[String],
    schema: &TableSchema,
    fields: &[CompiledField],
    out: &mut Collector,
) -> Vec<Option<usize>> {
    let required = |f: &CompiledField| {
        f.required
            || schema
                .primary_key
                .as_ref()
                .is_some_and(|k| k.names().contains(&f.field.name.as_str()))
    };
    let absent_by_name = |f: &CompiledField| !labels.contains(&f.field.name);
    let mode = schema.fields_match();
    if mode == FieldsMatch::Exact {
        for (i, l) in labels.iter().enumerate().skip(fields.len()) {
            out.push(label_error(
                "extra-label",
                i + 1,
                l,
                format!(
                    "{}列目「{l}」はスキーマにない列です(スキーマは{}列)",
                    i + 1,
                    fields.len()
                ),
            ));
        }
        for (k, f) in fields.iter().enumerate().skip(labels.len()) {
            let name = &f.field.name;
            let message = if absent_by_name(f) {
                format!(
                    "「{name}」の列がありません({})",
                    expected_place(name, labels, fields)
                )
            } else {
                format!(
                    "列が足りません: スキーマの{}列目「{name}」の位置に列がありません(ほかの列が抜けて、ずれています)",
                    k + 1
                )
            };
            out.push(label_error("missing-label", k + 1, name, message));
        }
        for (i, (f, l)) in fields.iter().zip(labels).enumerate() {
            let name = &f.field.name;
            if l.is_empty() {
                out.push(label_error(
                    "blank-label",
                    i + 1,
                    l,
                    format!("{}列目の見出しが空です(「{name}」のはずです)", i + 1),
                ));
            } else if labels[..i].contains(l) {
                out.push(duplicate(i, l));
            } else if l != name {
                let message = if absent_by_name(f) {
                    format!(
                        "{}列目は「{name}」のはずですが「{l}」です。「{name}」の列がありません({})",
                        i + 1,
                        expected_place(name, labels, fields)
                    )
                } else {
                    format!(
                        "{}列目は「{name}」のはずですが「{l}」です(列の順序が違います)",
                        i + 1
                    )
                };
                out.push(label_error("incorrect-label", i + 1, l, message));
            }
        }
        return (0..fields.len())
            .map(|i| (i < labels.len()).then_some(i))
            .collect();
    }
    // By name.
    let field_of = |l: &str| fields.iter().position(|f| f.field.name == l);
    if !matches!(mode, FieldsMatch::Subset | FieldsMatch::Partial) {
        for (i, l) in labels.iter().enumerate() {
            if field_of(l).is_none() {
                let message = if l.is_empty() {
                    format!("{}列目の見出しが空です", i + 1)
                } else {
                    format!("{}列目「{l}」はスキーマにない列です", i + 1)
                };
                out.push(label_error("extra-label", i + 1, l, message));
            }
        }
    }
    if mode == FieldsMatch::Partial
        && !fields.is_empty()
        && labels.iter().all(|l| field_of(l).is_none())
    {
        out.push(ValidationError {
            kind: "unmatched-header".into(),
            row_number: None,
            field_number: None,
            field_name: None,
            cell: None,
            message: "見出しが一つもスキーマの項目と合いません(別のデータセットのファイルではありませんか)"
                .into(),
        });
    }
    let tolerate_missing = matches!(mode, FieldsMatch::Superset | FieldsMatch::Partial);
    let missing = fields
        .iter()
        .filter(|f| absent_by_name(f) && (!tolerate_missing || required(f)));
    for (k, f) in missing.enumerate() {
        let name = &f.field.name;
        out.push(label_error(
            "missing-label",
            labels.len() + 1 + k,
            name,
            format!(
                "「{name}」の列がありません({})",
                expected_place(name, labels, fields)
            ),
        ));
    }
    for (i, l) in labels.iter().enumerate() {
        if !l.is_empty() && labels[..i].contains(l) {
            out.push(duplicate(i, l));
        }
    }
    fields
        .iter()
        .map(|f| labels.iter().position(|l| *l == f.field.name))
        .collect()
}
