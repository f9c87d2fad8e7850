//! What the plan pages show, computed once from the plan data so templates only print.

use super::kpi::{
    self, Evaluation, Method, PaceBasis, Rollup, Status, format_percent, format_value,
};
use super::model::{Accumulation, KpiDefinition, Measure};
use super::service::PlanData;
use crate::web::Layout;

/// The frame of a public plan page: the town's, with the plan's revision in the footer.
pub fn layout(state: &crate::app::AppState, data: &PlanData, current: &'static str) -> Layout {
    Layout {
        revision: format!("{} ({})", data.revision.label, data.plan.adopted_wording),
        as_of: data.as_of.label(),
        ..Layout::public(state, current)
    }
}

#[derive(Debug, Clone)]
pub struct StatusView {
    pub label: &'static str,
    pub key: &'static str,
}

impl From<Status> for StatusView {
    fn from(s: Status) -> Self {
        StatusView {
            label: s.label(),
            key: s.key(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct MeasureRow {
    pub code: String,
    pub label: String,
    pub title: String,
    pub class_label: &'static str,
    pub class_key: &'static str,
    pub department: String,
    pub kpi_name: String,
    pub target_wording: String,
    pub deadline_wording: String,
    pub status: StatusView,
    pub achievement: String,
    /// "32手続(令和5年度)" or "—"
    pub latest: String,
    /// Compact chart (SVG), decorative: the numbers are in the row.
    pub spark: String,
    pub policy: u32,
    pub area_label: String,
}

pub fn achievement_text(ev: &Evaluation) -> String {
    ev.achievement
        .map_or_else(|| "—".to_string(), format_percent)
}

pub fn measure_row(data: &PlanData, m: &Measure) -> MeasureRow {
    let ev = data.evaluation(&m.code);
    let status = ev.map_or(Status::NoData, |e| e.status);
    let latest = ev
        .and_then(|e| Some((e.value?, e.value_year?)))
        .map_or_else(
            || "—".to_string(),
            |(v, fy)| {
                let suffix = if m.kpi.accumulation == Accumulation::Cumulative {
                    "までの累計"
                } else {
                    ""
                };
                format!("{}({}{suffix})", format_value(v, &m.kpi.unit), fy.wareki())
            },
        );
    MeasureRow {
        code: m.code.clone(),
        label: m.label(),
        title: m.title.clone(),
        class_label: m.class.label(),
        class_key: m.class.key(),
        department: m.department.clone(),
        kpi_name: m.kpi.name.clone(),
        target_wording: m.kpi.target_wording.clone(),
        deadline_wording: m.kpi.deadline_wording.clone(),
        status: status.into(),
        achievement: ev.map_or_else(|| "—".to_string(), achievement_text),
        latest,
        // Only the KPI list draws it (see `sparkline`).
        spark: String::new(),
        policy: m.policy_number(),
        area_label: data.plan.area_of(m).map(|a| a.label()).unwrap_or_default(),
    }
}

#[derive(Debug, Clone)]
pub struct RollupView {
    pub total: usize,
    pub included: usize,
    pub excluded: usize,
    pub mean: String,
    pub counts: Vec<(StatusView, usize)>,
}

impl From<Rollup> for RollupView {
    fn from(r: Rollup) -> Self {
        RollupView {
            total: r.total,
            included: r.included,
            excluded: r.excluded,
            mean: r
                .mean_achievement
                .map_or_else(|| "—".to_string(), format_percent),
            counts: r.counts.into_iter().map(|(s, n)| (s.into(), n)).collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AreaBlock {
    pub label: String,
    pub title: String,
    pub measures: Vec<MeasureRow>,
    pub rollup: RollupView,
}

#[derive(Debug, Clone)]
pub struct PolicyBlock {
    pub number: u32,
    pub title: String,
    pub areas: Vec<AreaBlock>,
    pub rollup: RollupView,
    pub measure_count: usize,
}

pub fn policy_blocks(data: &PlanData) -> Vec<PolicyBlock> {
    data.plan
        .policies
        .iter()
        .map(|p| {
            let areas: Vec<AreaBlock> = data
                .plan
                .areas_of(p.number)
                .map(|a| AreaBlock {
                    label: a.label(),
                    title: a.title.clone(),
                    measures: data
                        .plan
                        .measures_of(a)
                        .map(|m| measure_row(data, m))
                        .collect(),
                    rollup: data.rollup_area(&a.code()).into(),
                })
                .collect();
            PolicyBlock {
                number: p.number,
                title: p.title.clone(),
                measure_count: areas.iter().map(|a| a.measures.len()).sum(),
                areas,
                rollup: data.rollup_policy(p).into(),
            }
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct YearView {
    pub fiscal_year: crate::fiscal::FiscalYear,
    pub label: String,
    pub short: String,
    pub target: String,
    pub actual: String,
    pub status: StatusView,
    pub in_period: bool,
    /// Set on the 年度 in which an approved revision changed the KPI.
    pub break_note: String,
}

#[derive(Debug, Clone)]
pub struct ChangeView {
    pub revision: String,
    pub date: String,
    pub field: String,
    pub before: String,
    pub after: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct KpiCard {
    pub name: String,
    pub target_wording: String,
    pub deadline_wording: String,
    pub unit: String,
    pub direction: &'static str,
    pub accumulation: &'static str,
    pub baseline: String,
    pub target: String,
    pub deadline: String,
    pub continues: bool,
    pub source: String,
    pub reading: String,
    pub status: StatusView,
    pub achievement: String,
    /// 0..=100 for the progress bar, when there is an achievement.
    pub progress: Option<u32>,
    pub formula: String,
    pub method_note: String,
    pub reason: String,
    pub pace: String,
    pub years: Vec<YearView>,
    /// How the KPI was redefined by later revisions.
    pub changes: Vec<ChangeView>,
    /// SVG line chart of targets and actuals.
    pub chart: String,
}

fn chart_input<'a>(
    data: &'a PlanData,
    m: &'a Measure,
    years: &'a [crate::fiscal::FiscalYear],
) -> super::chart::ChartInput<'a> {
    let ev = data.evaluation(&m.code);
    super::chart::ChartInput {
        kpi: &m.kpi,
        actuals: data.actuals_of(&m.code),
        years,
        baseline: ev.and_then(|e| e.baseline),
        target: ev.and_then(|e| e.target).or(m.kpi.target),
        plan_start: data.plan.period.first_fiscal_year(),
    }
}

/// The full chart of a KPI page.
pub fn kpi_chart(data: &PlanData, m: &Measure) -> String {
    let years = data.table_years();
    super::chart::kpi_svg(&chart_input(data, m, &years), &format!("chart-{}", m.code))
}

/// The compact chart for the KPI list.
pub fn sparkline(data: &PlanData, m: &Measure) -> String {
    let years = data.table_years();
    super::chart::sparkline(&chart_input(data, m, &years))
}

fn baseline_text(kpi: &KpiDefinition, ev: Option<&Evaluation>) -> String {
    match (ev.and_then(|e| e.baseline), kpi.baseline.as_ref()) {
        (Some(v), b) => {
            let year = b
                .and_then(|b| b.fiscal_year)
                .map(|fy| format!("({})", fy.wareki()))
                .unwrap_or_default();
            format!("{}{year}", format_value(v, &kpi.unit))
        }
        (None, Some(b)) => match b.fiscal_year {
            Some(fy) => format!("{}の実績(未入力)", fy.wareki()),
            None => "未設定".to_string(),
        },
        (None, None) => "計画に記載なし".to_string(),
    }
}

fn target_text(kpi: &KpiDefinition, ev: Option<&Evaluation>) -> String {
    match (kpi.target, kpi.target_change_percent) {
        (Some(t), _) => format_value(t, &kpi.unit),
        (None, Some(p)) => {
            let change = if p < 0.0 {
                format!("基準値から{}%削減", -p)
            } else {
                format!("基準値から{p}%増加")
            };
            match ev.and_then(|e| e.target) {
                Some(t) => format!("{}({change})", format_value(t, &kpi.unit)),
                None => format!("{change}(基準値が決まると値が決まります)"),
            }
        }
        (None, None) => "—".to_string(),
    }
}

pub fn kpi_card(data: &PlanData, m: &Measure) -> KpiCard {
    let k = &m.kpi;
    let ev = data.evaluation(&m.code);
    let unit = &k.unit;
    let fmt = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| format_value(v, unit));
    let rows = kpi::yearly_rows(
        k,
        data.actuals_of(&m.code),
        data.table_years().into_iter(),
        data.context(),
    );
    let period = data.plan.period.first_fiscal_year()..=data.plan.period.last_fiscal_year();
    let base_year = k.baseline.as_ref().and_then(|b| b.fiscal_year);
    // (revision, 年度 of approval) of each change to this KPI: the break in its series.
    let changes: Vec<(String, Option<crate::fiscal::FiscalYear>)> = data
        .kpi_changes
        .iter()
        .filter(|(_, _, c)| c.measure_code == m.code)
        .map(|(label, at, _)| {
            let fy =
                time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
                    .ok()
                    .map(|t| crate::fiscal::FiscalYear::of_date(t.date()));
            (label.clone(), fy)
        })
        .collect();
    let years = rows
        .iter()
        .map(|r| YearView {
            fiscal_year: r.fiscal_year,
            label: r.fiscal_year.label(),
            short: r.fiscal_year.wareki(),
            target: fmt(r.target),
            actual: fmt(r.actual),
            status: if base_year == Some(r.fiscal_year) {
                StatusView {
                    label: "基準年度",
                    key: "no_data",
                }
            } else {
                r.evaluation.status.into()
            },
            in_period: period.contains(&r.fiscal_year),
            break_note: {
                let labels: Vec<&str> = changes
                    .iter()
                    .filter(|c| c.1 == Some(r.fiscal_year))
                    .map(|c| c.0.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                if labels.is_empty() {
                    String::new()
                } else {
                    format!("{}でKPIを変更", labels.join("・"))
                }
            },
        })
        .collect();
    let method_note = match ev.and_then(|e| e.method) {
        Some(Method::GapClosure) => {
            "達成率 = (実績 − 基準値) ÷ (目標 − 基準値)。基準値から目標までの差をどれだけ縮めたかを表します。"
        }
        Some(Method::Ratio) => "基準値がないため、達成率 = 実績 ÷ 目標 で計算しています。",
        Some(Method::InverseRatio) => {
            "基準値がないため、減らす目標の達成率を 目標 ÷ 実績 で計算しています。"
        }
        Some(Method::Annual) => {
            "毎年度の目標のため、直近の年度の実績 ÷ 毎年度の目標 で計算しています。"
        }
        None => "",
    };
    let pace = match ev.and_then(|e| Some((e.expected?, e.pace_basis?, e.value_year?))) {
        Some((e, basis, fy)) => {
            let basis = match basis {
                PaceBasis::YearlyTarget => "年度別目標",
                PaceBasis::LinearFromBaseline => "基準値から目標まで均等に進めた場合",
                PaceBasis::LinearFromPlanStart => "計画期間で目標を均等に割った場合",
            };
            format!("{}の目安: {}({basis})", fy.wareki(), format_value(e, unit))
        }
        None => String::new(),
    };
    let achievement = ev.map_or_else(|| "—".to_string(), achievement_text);
    KpiCard {
        // Only the measure page draws it (see `kpi_chart`); sheets and workbooks do not.
        chart: String::new(),
        name: k.name.clone(),
        target_wording: k.target_wording.clone(),
        deadline_wording: k.deadline_wording.clone(),
        unit: unit.clone(),
        direction: k.direction.label(),
        accumulation: k.accumulation.label(),
        baseline: baseline_text(k, ev),
        target: target_text(k, ev),
        deadline: format!("{}末", k.deadline.label()),
        continues: k.continues,
        source: match crate::modules::kpi_source_label(&k.source) {
            "" => "担当課が入力".to_string(),
            label => format!("{label}(machiが自動で集計。確定した報告の値があればその値)"),
        },
        reading: k.reading.clone(),
        status: ev.map_or(Status::NoData, |e| e.status).into(),
        achievement,
        progress: ev
            .and_then(|e| e.achievement)
            .map(|a| (a.clamp(0.0, 1.0) * 100.0).round() as u32),
        formula: ev.map(|e| e.formula.clone()).unwrap_or_default(),
        method_note: method_note.to_string(),
        reason: ev.map(|e| e.reason.clone()).unwrap_or_default(),
        pace,
        years,
        changes: data
            .kpi_changes
            .iter()
            .filter(|(_, _, c)| c.measure_code == m.code)
            .map(|(label, at, c)| ChangeView {
                revision: label.clone(),
                date: at.get(..10).unwrap_or(at).to_string(),
                field: c.field.clone(),
                before: c.before.clone(),
                after: c.after.clone(),
                reason: c.reason.clone(),
            })
            .collect(),
    }
}

/// A measure's text split into paragraphs.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Debug, Clone)]
pub struct RoadmapItemView {
    pub text: String,
    pub span: String,
    pub reading: String,
}

#[derive(Debug, Clone)]
pub struct RoadmapRowView {
    pub measure_code: String,
    pub measure_label: String,
    pub label: String,
    pub items: Vec<RoadmapItemView>,
    pub target_time: String,
    pub notes: String,
}

pub fn span_text(from: crate::fiscal::FiscalYear, to: crate::fiscal::FiscalYear) -> String {
    if from == to {
        from.wareki()
    } else {
        format!("{}〜{}", from.wareki(), to.wareki())
    }
}

pub fn roadmap_rows<'a>(
    data: &PlanData,
    rows: impl Iterator<Item = &'a super::model::RoadmapRow>,
) -> Vec<RoadmapRowView> {
    rows.map(|r| RoadmapRowView {
        measure_code: r.measure.clone(),
        measure_label: data
            .plan
            .measure(&r.measure)
            .map(|m| format!("{} {}", m.label(), m.title))
            .unwrap_or_else(|| "計画全体".to_string()),
        label: r.label.clone(),
        items: r
            .items
            .iter()
            .map(|i| RoadmapItemView {
                text: i.text.clone(),
                span: span_text(i.from, i.to),
                reading: i.reading.clone(),
            })
            .collect(),
        target_time: r.target_time.clone(),
        notes: r.notes.join(" "),
    })
    .collect()
}
