//! The report as people read it: plain text for a terminal (the verdict, the groups with their
//! counts, first rows and fixes, then the first findings) and every finding as CSV for Excel.

use super::report::{Group, HEADER_FIRST, Report, kind_label};

/// The report as a person reads it on a terminal: the verdict, the groups with their counts,
/// first rows, an example and the fix, then the first findings one by one.
pub fn text(file: &str, r: &Report, details: usize) -> String {
    let mut out = format!("{file}: {}\n", r.summary());
    if let Some(n) = &r.legacy {
        out.push_str(&format!(
            "\n■ 以前の形式\n  {}\n",
            crate::opendata::legacy::explain(n)
        ));
    }
    for (title, machi) in [
        ("見つかったこと(列・種類ごと)", false),
        ("machiの追加チェック", true),
    ] {
        let groups: Vec<&Group> = r.groups.iter().filter(|g| g.machi == machi).collect();
        if groups.is_empty() {
            continue;
        }
        out.push_str(&format!("\n■ {title}\n"));
        if !machi && r.header_wrong() {
            out.push_str(&format!("  {HEADER_FIRST}\n"));
        }
        for g in groups {
            let rows = if g.rows.is_empty() {
                String::new()
            } else {
                format!(" {}", g.rows_text())
            };
            let severity = g
                .severity
                .map(|s| format!("[{}] ", s.label()))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {severity}{} {}: {}件{rows}\n    {}\n",
                g.place(),
                kind_label(&g.kind),
                g.count,
                g.message
            ));
            let hint = g.hint_text();
            if !hint.is_empty() {
                out.push_str(&format!("    → 直し方: {hint}\n"));
            }
        }
    }
    if details > 0 && !r.errors.is_empty() {
        out.push_str(&format!(
            "\n■ 1件ずつ(最初の{}件。すべては --csv または --json で)\n",
            details.min(r.errors.len())
        ));
        for e in r.errors.iter().take(details) {
            let at = match (e.row_number, e.field_number) {
                (Some(row), Some(col)) => format!("{row}行目 {col}列目"),
                (Some(row), None) => format!("{row}行目"),
                (None, Some(col)) => format!("見出し {col}列目"),
                _ => "ファイル".into(),
            };
            out.push_str(&format!("  {at} {}: {}\n", kind_label(&e.kind), e.message));
        }
    }
    out
}

/// Every finding as CSV (UTF-8 with BOM, so Excel opens it): Frictionless's, then machi's.
pub fn csv(r: &Report) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let _ = w.write_record([
        "種類",
        "種類(名前)",
        "重さ",
        "行",
        "列",
        "項目",
        "値",
        "内容",
    ]);
    let n = |v: Option<usize>| v.map(|v| v.to_string()).unwrap_or_default();
    for e in &r.errors {
        let _ = w.write_record([
            e.kind.as_str(),
            kind_label(&e.kind),
            "エラー",
            &n(e.row_number),
            &n(e.field_number),
            e.field_name.as_deref().unwrap_or(""),
            e.cell.as_deref().unwrap_or(""),
            &e.message,
        ]);
    }
    for c in &r.checks {
        let _ = w.write_record([
            c.check.as_str(),
            kind_label(&c.check),
            c.severity.label(),
            &n(c.row_number),
            &n(c.field_number),
            c.field_name.as_deref().unwrap_or(""),
            c.cell.as_deref().unwrap_or(""),
            &c.message,
        ]);
    }
    w.into_inner().unwrap_or_default()
}
