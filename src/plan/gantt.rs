//! The 行程表 as an SVG Gantt chart, drawn on the server. One line per bar, grouped by 施策;
//! the page puts the same content in a table beside it.

use super::model::Plan;
use super::progress::{Progress, find};
use crate::fiscal::FiscalYear;
use std::fmt::Write;

const WIDTH: f64 = 1000.0;
const LABEL_W: f64 = 360.0;
const HEAD_H: f64 = 44.0;
const LINE_H: f64 = 17.0;
const PAD: f64 = 6.0;
/// Characters of a label per line at 12px in the label column.
const WRAP: usize = 28;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(width.max(1))
        .map(|c| c.iter().collect())
        .collect()
}

enum Line {
    Group(String),
    Sub(String),
    Bar {
        measure: String,
        text: String,
        from: FiscalYear,
        to: FiscalYear,
    },
}

/// Draws the plan's roadmap. `today` marks the current 年度 when it is inside the chart; each
/// 年度 a 行程 was marked in shows the mark's symbol in its cell.
pub fn roadmap_svg(plan: &Plan, today: FiscalYear, progress: &[Progress]) -> String {
    let Some(range) = plan.roadmap_years else {
        return String::new();
    };
    let years: Vec<FiscalYear> = range.years().collect();
    let col_w = (WIDTH - LABEL_W) / years.len().max(1) as f64;

    let mut lines: Vec<Line> = Vec::new();
    let mut last_group: Option<&str> = None;
    for row in &plan.roadmap {
        if last_group != Some(row.measure.as_str()) {
            let title = match plan.measure(&row.measure) {
                Some(m) => format!("{} {}", m.label(), m.title),
                None => "計画全体".to_string(),
            };
            lines.push(Line::Group(title));
            last_group = Some(row.measure.as_str());
        }
        let measure_title = plan.measure(&row.measure).map(|m| m.title.as_str());
        if !row.label.is_empty() && Some(row.label.as_str()) != measure_title {
            lines.push(Line::Sub(row.label.clone()));
        }
        for item in &row.items {
            lines.push(Line::Bar {
                measure: row.measure.clone(),
                text: item.text.clone(),
                from: item.from,
                to: item.to,
            });
        }
    }

    let mut body = String::new();
    let mut y = HEAD_H;
    for (i, line) in lines.iter().enumerate() {
        let (text, class, indent) = match line {
            Line::Group(t) => (t.as_str(), "group", 4.0),
            Line::Sub(t) => (t.as_str(), "label", 10.0),
            Line::Bar { text, .. } => (text.as_str(), "label", 18.0),
        };
        let wrapped = wrap(text, WRAP - (indent as usize) / 6);
        let h = wrapped.len() as f64 * LINE_H + PAD;
        if i % 2 == 0 {
            let _ = write!(
                body,
                r#"<rect class="band" x="0" y="{y:.1}" width="{WIDTH}" height="{h:.1}"/>"#
            );
        }
        let _ = write!(
            body,
            r#"<text class="{class}" x="{indent}" y="{:.1}">"#,
            y + LINE_H - 3.0
        );
        for (j, part) in wrapped.iter().enumerate() {
            let dy = if j == 0 { 0.0 } else { LINE_H };
            let _ = write!(
                body,
                r#"<tspan x="{indent}" dy="{dy}">{}</tspan>"#,
                escape(part)
            );
        }
        body.push_str("</text>");
        if let Line::Bar {
            measure,
            text,
            from,
            to,
        } = line
        {
            let start = years.iter().position(|fy| fy == from).unwrap_or(0) as f64;
            let end = years
                .iter()
                .position(|fy| fy == to)
                .unwrap_or(years.len() - 1) as f64
                + 1.0;
            let x = LABEL_W + start * col_w + 4.0;
            let w = (end - start) * col_w - 8.0;
            let _ = write!(
                body,
                r#"<rect class="bar" x="{x:.1}" y="{:.1}" width="{w:.1}" height="{:.1}" rx="3"><title>{}({})</title></rect>"#,
                y + 3.0,
                h - 6.0,
                escape(text),
                escape(&super::views::span_text(*from, *to)),
            );
            for (i, fy) in years
                .iter()
                .enumerate()
                .filter(|(_, fy)| from <= *fy && *fy <= to)
            {
                if let Some(p) = find(progress, measure, text, *fy) {
                    let note = if p.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", p.note)
                    };
                    let _ = write!(
                        body,
                        r#"<text class="mark step-{}" x="{:.1}" y="{:.1}" text-anchor="middle">{}<title>{} {}{}</title></text>"#,
                        p.step.key(),
                        LABEL_W + (i as f64 + 0.5) * col_w,
                        y + h / 2.0 + 5.0,
                        p.step.mark(),
                        fy.wareki(),
                        p.step.label(),
                        escape(&note),
                    );
                }
            }
        }
        y += h;
    }

    let mut head = String::new();
    for (i, fy) in years.iter().enumerate() {
        let x = LABEL_W + i as f64 * col_w;
        let _ = write!(
            head,
            r#"<line class="grid" x1="{x:.1}" y1="0" x2="{x:.1}" y2="{y:.1}"/><text class="head" x="{:.1}" y="18" text-anchor="middle">{}</text><text class="label" x="{:.1}" y="36" text-anchor="middle">({}年度)</text>"#,
            x + col_w / 2.0,
            fy.wareki(),
            x + col_w / 2.0,
            fy.0
        );
    }
    let _ = write!(
        head,
        r#"<text class="head" x="4" y="18">取組事項</text><line class="grid" x1="0" y1="{HEAD_H}" x2="{WIDTH}" y2="{HEAD_H}"/>"#
    );
    if let Some(i) = years.iter().position(|fy| *fy == today) {
        let x = LABEL_W + i as f64 * col_w + col_w / 2.0;
        let _ = write!(
            head,
            r#"<line class="now" x1="{x:.1}" y1="{HEAD_H}" x2="{x:.1}" y2="{y:.1}"><title>現在の年度({})</title></line>"#,
            today.wareki()
        );
    }
    let first = years.first().map(|f| f.wareki()).unwrap_or_default();
    let last = years.last().map(|f| f.wareki()).unwrap_or_default();
    format!(
        r#"<svg class="gantt" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {:.0}" role="img" aria-labelledby="gantt-title gantt-desc"><title id="gantt-title">{} 行程表</title><desc id="gantt-desc">{first}から{last}までの工程を年度ごとの横棒で示した図です。同じ内容を下の表に載せています。</desc>{body}{head}</svg>"#,
        y + 2.0,
        escape(&plan.municipality.name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<a & 'b'>"), "&lt;a &amp; &#39;b&#39;&gt;");
    }

    #[test]
    fn wraps_by_characters() {
        assert_eq!(wrap("あいうえお", 2), vec!["あい", "うえ", "お"]);
    }
}
