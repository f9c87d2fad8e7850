//! KPI charts as SVG drawn on the server: readable in black and white (each series has its own
//! line pattern and marker), 和暦 labels, and the same numbers in a table beside it.

use super::gantt::escape;
use super::kpi::{Actual, format_value};
use super::model::KpiDefinition;
use crate::fiscal::FiscalYear;
use std::fmt::Write;

pub struct ChartInput<'a> {
    pub kpi: &'a KpiDefinition,
    pub actuals: &'a [Actual],
    pub years: &'a [FiscalYear],
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    /// First 年度 of the plan, where a linear path starts when there is no baseline.
    pub plan_start: FiscalYear,
}

/// Values shown for each year: (the plan's 年度別目標, the actual or running total for 累計, whether
/// the plan gives yearly targets). Only targets the plan states are drawn — the same ones the
/// table beside the chart lists; the pace the status is judged by is written out in words.
fn points(c: &ChartInput<'_>) -> (Vec<Option<f64>>, Vec<Option<f64>>, bool) {
    let cumulative = c.kpi.accumulation == super::model::Accumulation::Cumulative;
    let annual = c.kpi.accumulation == super::model::Accumulation::Annual;
    let has_yearly = !c.kpi.yearly_targets.is_empty() || annual;
    let path: Vec<Option<f64>> = c
        .years
        .iter()
        .map(|fy| {
            c.kpi.yearly_target(*fy).or_else(|| {
                (annual && *fy <= c.kpi.deadline)
                    .then_some(c.kpi.target)
                    .flatten()
            })
        })
        .collect();
    // A 累計 counts on from its 現状値.
    let base_year = c.kpi.baseline.as_ref().and_then(|b| b.fiscal_year);
    let mut running = if cumulative {
        c.baseline.unwrap_or(0.0)
    } else {
        0.0
    };
    let actual = c
        .years
        .iter()
        .map(|fy| {
            let v = c
                .actuals
                .iter()
                .find(|a| a.fiscal_year == *fy)
                .map(|a| a.value);
            if cumulative {
                if Some(*fy) == base_year {
                    return v;
                }
                v.map(|v| {
                    running += v;
                    running
                })
            } else {
                v
            }
        })
        .collect();
    (path, actual, has_yearly)
}

fn polyline(xy: &[(f64, f64)], class: &str) -> String {
    if xy.len() < 2 {
        return String::new();
    }
    let pts: Vec<String> = xy.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    format!(r#"<polyline class="{class}" points="{}"/>"#, pts.join(" "))
}

/// The full chart for a KPI page.
pub fn kpi_svg(c: &ChartInput<'_>, id: &str) -> String {
    let (w, h) = (640.0, 300.0);
    let (left, right, top, bottom) = (64.0, 16.0, 16.0, 70.0);
    let (path, actual, has_yearly) = points(c);
    let max = path
        .iter()
        .chain(actual.iter())
        .flatten()
        .copied()
        .chain(c.baseline)
        .chain(c.target)
        .fold(0.0f64, f64::max);
    let top_value = if max <= 0.0 {
        1.0
    } else {
        nice_ceiling(max * 1.1)
    };
    let n = c.years.len().max(1) as f64;
    let x = |i: usize| left + (w - left - right) * (i as f64 + 0.5) / n;
    let y = |v: f64| top + (h - top - bottom) * (1.0 - v / top_value);
    let unit = &c.kpi.unit;
    let mut s = String::new();
    // Grid and y labels.
    for k in 0..=4 {
        let v = top_value * f64::from(k) / 4.0;
        let _ = write!(
            s,
            r#"<line class="grid" x1="{left}" y1="{yy:.1}" x2="{xr}" y2="{yy:.1}"/><text class="axis" x="{lx}" y="{ty:.1}" text-anchor="end">{}</text>"#,
            escape(&format_value(v, "")),
            yy = y(v),
            xr = w - right,
            lx = left - 6.0,
            ty = y(v) + 4.0
        );
    }
    for (i, fy) in c.years.iter().enumerate() {
        let _ = write!(
            s,
            r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            x(i),
            h - bottom + 16.0,
            c.kpi.years.short(*fy)
        );
    }
    // Reference lines.
    if let Some(b) = c.baseline {
        let _ = write!(
            s,
            r#"<line class="ref-base" x1="{left}" y1="{yy:.1}" x2="{xr}" y2="{yy:.1}"/>"#,
            yy = y(b),
            xr = w - right
        );
    }
    if let Some(t) = c.target {
        let _ = write!(
            s,
            r#"<line class="ref-target" x1="{left}" y1="{yy:.1}" x2="{xr}" y2="{yy:.1}"/>"#,
            yy = y(t),
            xr = w - right
        );
    }
    // Target path with square markers.
    let path_xy: Vec<(f64, f64)> = path
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (x(i), y(v))))
        .collect();
    s.push_str(&polyline(&path_xy, "path"));
    for (px, py) in &path_xy {
        let _ = write!(
            s,
            r#"<rect class="mark-path" x="{:.1}" y="{:.1}" width="8" height="8"/>"#,
            px - 4.0,
            py - 4.0
        );
    }
    // Actuals with round markers and values.
    let actual_xy: Vec<(f64, f64, f64)> = actual
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (x(i), y(v), v)))
        .collect();
    s.push_str(&polyline(
        &actual_xy
            .iter()
            .map(|(a, b, _)| (*a, *b))
            .collect::<Vec<_>>(),
        "actual",
    ));
    for (px, py, v) in &actual_xy {
        let _ = write!(
            s,
            r#"<circle class="mark-actual" cx="{px:.1}" cy="{py:.1}" r="5"/><text class="value" x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            py - 10.0,
            escape(&format_value(*v, unit))
        );
    }
    // Legend.
    let ly = h - 22.0;
    let path_label = "年度別目標";
    let actual_label = if c.kpi.accumulation == super::model::Accumulation::Cumulative {
        "実績(累計)"
    } else {
        "実績"
    };
    let mut entries = vec![("actual", actual_label)];
    if has_yearly {
        entries.push(("path", path_label));
    }
    if c.target.is_some() {
        entries.push(("ref-target", "最終目標"));
    }
    if c.baseline.is_some() {
        entries.push(("ref-base", "基準値"));
    }
    let mut lx = left;
    for (class, label) in entries {
        let x2 = lx + 22.0;
        let _ = write!(
            s,
            r#"<line class="{class}" x1="{lx}" y1="{ly}" x2="{x2}" y2="{ly}"/>"#
        );
        match class {
            "actual" => {
                let _ = write!(
                    s,
                    r#"<circle class="mark-actual" cx="{}" cy="{ly}" r="4"/>"#,
                    lx + 11.0
                );
            }
            "path" => {
                let _ = write!(
                    s,
                    r#"<rect class="mark-path" x="{}" y="{}" width="7" height="7"/>"#,
                    lx + 7.5,
                    ly - 3.5
                );
            }
            _ => {}
        }
        let _ = write!(
            s,
            r#"<text class="legend" x="{:.1}" y="{:.1}">{label}</text>"#,
            lx + 28.0,
            ly + 4.0
        );
        lx += 40.0 + label.chars().count() as f64 * 12.0;
    }
    let first = c
        .years
        .first()
        .map(|f| c.kpi.years.wareki(*f))
        .unwrap_or_default();
    let last = c
        .years
        .last()
        .map(|f| c.kpi.years.wareki(*f))
        .unwrap_or_default();
    format!(
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{} の推移</title><desc id="{id}-d">{first}から{last}までの実績と目標の折れ線グラフ(単位: {})。同じ数値を下の表に載せています。</desc>{s}</svg>"#,
        escape(&c.kpi.name),
        escape(unit)
    )
}

/// A compact chart for the dashboard: actuals against the target line, no text.
pub fn sparkline(c: &ChartInput<'_>) -> String {
    let (w, h, pad) = (120.0, 32.0, 4.0);
    let (_, actual, _) = points(c);
    let max = actual
        .iter()
        .flatten()
        .copied()
        .chain(c.target)
        .chain(c.baseline)
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let n = c.years.len().max(1) as f64;
    let x = |i: usize| pad + (w - 2.0 * pad) * (i as f64 + 0.5) / n;
    let y = |v: f64| pad + (h - 2.0 * pad) * (1.0 - v / max);
    let mut s = String::new();
    if let Some(t) = c.target {
        let _ = write!(
            s,
            r#"<line class="ref-target" x1="0" y1="{yy:.1}" x2="{w}" y2="{yy:.1}"/>"#,
            yy = y(t)
        );
    }
    let xy: Vec<(f64, f64)> = actual
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (x(i), y(v))))
        .collect();
    s.push_str(&polyline(&xy, "actual"));
    for (px, py) in &xy {
        let _ = write!(
            s,
            r#"<circle class="mark-actual" cx="{px:.1}" cy="{py:.1}" r="2.5"/>"#
        );
    }
    format!(
        r#"<svg class="spark" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" aria-hidden="true" focusable="false">{s}</svg>"#
    )
}

/// 1, 2, 2.5, 5 × 10^n at or above `v`.
fn nice_ceiling(v: f64) -> f64 {
    let exp = v.log10().floor();
    let base = 10f64.powf(exp);
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if base * m >= v {
            return base * m;
        }
    }
    base * 10.0
}

fn chart_input<'a>(
    data: &'a super::service::PlanData,
    kpi: &'a KpiDefinition,
    years: &'a [crate::fiscal::FiscalYear],
) -> ChartInput<'a> {
    let ev = data.evaluation(&kpi.key);
    ChartInput {
        kpi,
        actuals: data.actuals_of(&kpi.key),
        years,
        baseline: ev.and_then(|e| e.baseline),
        target: ev.and_then(|e| e.target).or(kpi.target),
        plan_start: data.plan.period.first_fiscal_year(),
    }
}

/// The full chart of a KPI.
pub fn for_kpi(data: &super::service::PlanData, kpi: &KpiDefinition) -> String {
    let years = data.table_years();
    kpi_svg(
        &chart_input(data, kpi, &years),
        &format!("chart-{}", kpi.key.replace('.', "-")),
    )
}

/// The compact chart for the KPI list.
pub fn sparkline_for(data: &super::service::PlanData, kpi: &KpiDefinition) -> String {
    let years = data.table_years();
    sparkline(&chart_input(data, kpi, &years))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(49.5), 50.0);
        assert_eq!(nice_ceiling(110.0), 200.0);
        assert_eq!(nice_ceiling(1.1), 2.0);
        assert_eq!(nice_ceiling(880_000.0), 1_000_000.0);
    }
}
