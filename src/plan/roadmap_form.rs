//! The 行程表 rows of one item as the draft form shows them (text, one bar a line) and reads
//! them back, naming the line of each problem.

use super::model::{Plan, RoadmapItem, RoadmapRow};
use crate::fiscal::FiscalYear;

/// The 行程表 rows of a measure as editable text: rows separated by blank lines; `取組事項:`,
/// `目標時期:` and `注記:` lines, and one `R4-R7 text` line per bar.
pub fn roadmap_text(plan: &Plan, code: &str) -> String {
    plan.roadmap_of(code)
        .map(|r| {
            let mut lines = Vec::new();
            if !r.label.is_empty() {
                lines.push(format!("取組事項: {}", r.label));
            }
            if !r.target_time.is_empty() {
                lines.push(format!("目標時期: {}", r.target_time));
            }
            if !r.notes.is_empty() {
                lines.push(format!("注記: {}", r.notes.join(" ")));
            }
            for i in &r.items {
                let span = if i.from == i.to {
                    i.from.short()
                } else {
                    format!("{}-{}", i.from.short(), i.to.short())
                };
                lines.push(format!("{span} {}", i.text));
            }
            lines.join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Reads the roadmap text back; `old` rows lend their `reading` notes to unchanged bars.
pub fn parse_roadmap(
    text: &str,
    code: &str,
    old: &[&RoadmapRow],
) -> Result<Vec<RoadmapRow>, String> {
    let mut rows = Vec::new();
    let mut current: Option<RoadmapRow> = None;
    let blank = || RoadmapRow {
        measure: code.to_string(),
        label: String::new(),
        items: vec![],
        target_time: String::new(),
        notes: vec![],
    };
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            if let Some(r) = current.take() {
                rows.push(r);
            }
            continue;
        }
        let row = current.get_or_insert_with(blank);
        if let Some(v) = line
            .strip_prefix("取組事項:")
            .or_else(|| line.strip_prefix("取組事項："))
        {
            row.label = v.trim().to_string();
        } else if let Some(v) = line
            .strip_prefix("目標時期:")
            .or_else(|| line.strip_prefix("目標時期："))
        {
            row.target_time = v.trim().to_string();
        } else if let Some(v) = line
            .strip_prefix("注記:")
            .or_else(|| line.strip_prefix("注記："))
        {
            row.notes = v.split_whitespace().map(str::to_string).collect();
        } else {
            let (span, item_text) = line.split_once(char::is_whitespace).ok_or_else(|| {
                format!(
                    "行程表 {}行目: 「年度 内容」の形で書いてください(例: R5-R7 システム導入)",
                    n + 1
                )
            })?;
            let span = crate::fiscal::fold_width(span);
            let (a, b) = span
                .split_once(['-', '〜', '~'])
                .unwrap_or((span.as_str(), span.as_str()));
            let from = FiscalYear::parse(a).map_err(|e| format!("行程表 {}行目: {e}", n + 1))?;
            let to = FiscalYear::parse(b).map_err(|e| format!("行程表 {}行目: {e}", n + 1))?;
            let text = item_text.trim().to_string();
            let reading = old
                .iter()
                .flat_map(|r| r.items.iter())
                .find(|i| i.text == text && i.from == from && i.to == to)
                .map(|i| i.reading.clone())
                .unwrap_or_default();
            row.items.push(RoadmapItem {
                text,
                from,
                to,
                reading,
            });
        }
    }
    if let Some(r) = current.take() {
        rows.push(r);
    }
    Ok(rows)
}
