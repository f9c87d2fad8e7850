//! What the plan pages show, computed once from the plan data so templates only print.

pub use super::chart::{for_kpi as kpi_chart, sparkline_for as sparkline};
use super::kpi::{
    self, Actual, Evaluation, Method, PaceBasis, Rollup, Status, format_percent, format_value,
};
pub use super::kpi_text::source_text;
use super::kpi_text::{baseline_text, target_text};
use super::model::{Accumulation, Item, KpiDefinition, KpiRef, Measure};
use super::service::PlanData;
use crate::web::Layout;

/// The frame of a public plan page: the town's, with the plan's revision in the footer.
pub fn layout(state: &crate::app::AppState, data: &PlanData, current: &'static str) -> Layout {
    Layout {
        revision: format!("{} ({})", data.revision.label, data.plan.adopted_wording),
        as_of: data.as_of.label(),
        identity: data.identity.clone(),
        plan: super::browse::plan_base(state, data),
        earlier_plan: if data.browsed {
            format!(
                "{}(計画期間 {}〜{})",
                data.plan.title,
                data.plan.period.start.wareki(),
                data.plan.period.end.wareki()
            )
        } else {
            String::new()
        },
        ..Layout::public_with(state, data.words.clone(), current)
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

/// One KPI in a list: what it is, where it stands and where the figure comes from.
#[derive(Debug, Clone)]
pub struct KpiRow {
    pub key: String,
    /// The code of the item it belongs to (a 施策's, or a higher level's for a KGI).
    pub owner: String,
    /// "1-①-1) 行政手続きのオンライン化"
    pub owner_title: String,
    /// The owner is a 施策 (has a page of its own).
    pub on_measure: bool,
    pub name: String,
    pub target_wording: String,
    pub deadline_wording: String,
    pub status: StatusView,
    /// 最終評価 (the deadline has passed).
    pub final_evaluation: bool,
    pub achievement: String,
    /// "32手続(令和5年度)" or "—"
    pub latest: String,
    /// 確定 / 記録 / 自動集計 ("" without a figure)
    pub provenance: &'static str,
    /// その後の実績, after a final evaluation.
    pub later: String,
    /// Compact chart (SVG), decorative: the numbers are in the row.
    pub spark: String,
    pub policy: u32,
}

pub fn achievement_text(ev: &Evaluation) -> String {
    ev.achievement
        .map_or_else(|| "—".to_string(), format_percent)
}

/// "32手続(令和5年度)", "27人(令和6年度までの累計)".
fn figure(kpi: &KpiDefinition, value: f64, year: crate::fiscal::FiscalYear) -> String {
    let suffix = if kpi.accumulation == Accumulation::Cumulative {
        "までの累計"
    } else {
        ""
    };
    format!(
        "{}({}{suffix})",
        format_value(value, &kpi.unit),
        kpi.years.wareki(year)
    )
}

fn later_text(kpi: &KpiDefinition, later: Option<Actual>) -> String {
    later.map_or_else(String::new, |a| {
        format!(
            "{}({}、{})",
            format_value(a.value, &kpi.unit),
            kpi.years.wareki(a.fiscal_year),
            a.provenance.label()
        )
    })
}

pub fn kpi_row(data: &PlanData, k: &KpiRef<'_>) -> KpiRow {
    let ev = data.evaluation(&k.kpi.key);
    let status = ev.map_or(Status::NoData, |e| e.status);
    let latest = ev
        .and_then(|e| Some((e.value?, e.value_year?)))
        .map_or_else(|| "—".to_string(), |(v, fy)| figure(k.kpi, v, fy));
    KpiRow {
        key: k.kpi.key.clone(),
        owner: k.item.code().to_string(),
        owner_title: format!("{} {}", k.item.label(), k.item.title()),
        on_measure: matches!(k.item, Item::Measure(_)),
        name: k.kpi.name.clone(),
        target_wording: k.kpi.target_wording.clone(),
        deadline_wording: k.kpi.deadline_wording.clone(),
        status: status.into(),
        final_evaluation: ev.is_some_and(|e| e.final_evaluation),
        achievement: ev.map_or_else(|| "—".to_string(), achievement_text),
        latest,
        provenance: ev.and_then(|e| e.provenance).map_or("", |p| p.label()),
        later: later_text(k.kpi, ev.and_then(|e| e.later)),
        // Only the KPI list draws it (see `sparkline`).
        spark: String::new(),
        policy: super::model::code_numbers(k.item.code())
            .and_then(|n| n.first().copied())
            .unwrap_or(0),
    }
}

/// A 施策 in a list, with its KPIs.
#[derive(Debug, Clone)]
pub struct MeasureRow {
    pub code: String,
    pub label: String,
    pub title: String,
    pub class_label: String,
    pub class_key: String,
    pub department: String,
    pub kpis: Vec<KpiRow>,
    pub policy: u32,
}

pub fn measure_row(data: &PlanData, m: &Measure) -> MeasureRow {
    let class = data.plan.class(&m.class);
    MeasureRow {
        code: m.code.clone(),
        label: m.label(),
        title: m.title.clone(),
        class_label: class.map(|c| c.label.clone()).unwrap_or_default(),
        class_key: m.class.clone(),
        department: m.department.clone(),
        kpis: data
            .plan
            .kpis_within(&m.code)
            .iter()
            .map(|k| kpi_row(data, k))
            .collect(),
        policy: m.policy_number(),
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

/// An item between the top level and the 施策 (取組内容 …), with what is directly below it.
#[derive(Debug, Clone)]
pub struct AreaBlock {
    pub code: String,
    pub label: String,
    pub title: String,
    /// The level's name (取組内容).
    pub level: String,
    /// 2 for the level below the top, 3 below that.
    pub depth: usize,
    /// KPIs set on this item itself.
    pub kgis: Vec<KpiRow>,
    pub measures: Vec<MeasureRow>,
    pub rollup: RollupView,
}

/// A top-level item (基本方針 …) and everything below it, in reading order.
#[derive(Debug, Clone)]
pub struct PolicyBlock {
    pub number: u32,
    pub code: String,
    pub label: String,
    pub title: String,
    pub kgis: Vec<KpiRow>,
    /// The areas below it at every depth, in reading order.
    pub areas: Vec<AreaBlock>,
    /// 施策 directly below it (a two-level plan).
    pub measures: Vec<MeasureRow>,
    pub rollup: RollupView,
    pub measure_count: usize,
    pub kpi_count: usize,
}

impl AreaBlock {
    /// "1-① 行政手続きのオンライン化"
    pub fn heading(&self) -> String {
        format!("{} {}", self.label, self.title)
    }
}

impl PolicyBlock {
    /// "1 行政サービスの…"
    pub fn heading(&self) -> String {
        format!("{} {}", self.label, self.title)
    }
}

fn own_kpis(data: &PlanData, item: Item<'_>) -> Vec<KpiRow> {
    item.kpis()
        .iter()
        .map(|kpi| kpi_row(data, &KpiRef { item, kpi }))
        .collect()
}

pub fn policy_blocks(data: &PlanData) -> Vec<PolicyBlock> {
    let plan = &data.plan;
    plan.policies
        .iter()
        .map(|p| {
            let areas: Vec<AreaBlock> = plan
                .items()
                .into_iter()
                .filter_map(|i| match i {
                    Item::Area(a) if super::model::is_within(&a.code, &p.code) => Some(a),
                    _ => None,
                })
                .map(|a| {
                    let depth = a.code.split('-').count();
                    AreaBlock {
                        code: a.code.clone(),
                        label: a.label(),
                        title: a.title.clone(),
                        level: plan.level(depth).to_string(),
                        depth,
                        kgis: own_kpis(data, Item::Area(a)),
                        measures: plan
                            .child_measures(&a.code)
                            .map(|m| measure_row(data, m))
                            .collect(),
                        rollup: data.rollup_within(&a.code).into(),
                    }
                })
                .collect();
            PolicyBlock {
                number: p.number,
                code: p.code.clone(),
                label: p.label.clone(),
                title: p.title.clone(),
                kgis: own_kpis(data, Item::Policy(p)),
                measures: plan
                    .child_measures(&p.code)
                    .map(|m| measure_row(data, m))
                    .collect(),
                areas,
                rollup: data.rollup_within(&p.code).into(),
                measure_count: plan.measures_within(&p.code).count(),
                kpi_count: plan.kpis_within(&p.code).len(),
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
    /// 確定 / 記録 / 自動集計 for the year's figure.
    pub provenance: String,
    pub status: StatusView,
    pub in_period: bool,
    /// The year of the final evaluation.
    pub final_year: bool,
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

/// A source's figures beside a KPI, with 年度 in words.
#[derive(Debug, Clone)]
pub struct DetailsView {
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
    pub note: String,
}

impl DetailsView {
    fn of(d: &crate::modules::Details) -> DetailsView {
        DetailsView {
            caption: d.caption.clone(),
            columns: d.columns.clone(),
            rows: d
                .rows
                .iter()
                .map(|(y, v)| (y.wareki(), v.clone()))
                .collect(),
            note: d.note.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct KpiCard {
    pub key: String,
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
    /// Where the figures come from, in words.
    pub source: String,
    /// A public page with what was counted (path below the town's base), if any.
    pub source_link: String,
    /// Figures the source shows beside the KPI's.
    pub details: Option<DetailsView>,
    /// The figure's provenance in words (確定 …, 記録 …, 自動集計 …).
    pub provenance: String,
    /// How the plan's wording was read into the typed fields (shown to staff only).
    pub reading: String,
    pub status: StatusView,
    pub final_evaluation: bool,
    /// その後の実績, after a final evaluation.
    pub later: String,
    pub achievement: String,
    /// 0..=100 for the progress bar, when there is an achievement.
    pub progress: Option<u32>,
    pub formula: String,
    pub method_note: String,
    pub reason: String,
    pub pace: String,
    /// 年度 or 年: the column heading of the table.
    pub year_word: &'static str,
    pub years: Vec<YearView>,
    /// How the KPI was redefined by later revisions.
    pub changes: Vec<ChangeView>,
    /// SVG line chart of targets and actuals.
    pub chart: String,
}

impl KpiCard {
    /// The KPI's key as an HTML id.
    pub fn anchor(&self) -> String {
        self.key.replace('.', "-")
    }
}

pub fn kpi_card(data: &PlanData, kpi: &KpiDefinition) -> KpiCard {
    let k = kpi;
    let ev = data.evaluation(&k.key);
    let unit = &k.unit;
    let fmt = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| format_value(v, unit));
    let actuals = data.actuals_of(&k.key);
    let rows = kpi::yearly_rows(
        k,
        actuals,
        data.table_years().into_iter(),
        data.context_for(k),
    );
    let period = data.plan.period.first_fiscal_year()..=data.plan.period.last_fiscal_year();
    let base_year = k.baseline.as_ref().and_then(|b| b.fiscal_year);
    let final_at = kpi::final_year(k, data.context_for(k));
    // (revision, 年度 of approval) of each change to this KPI: the break in its series.
    let changes: Vec<(String, Option<crate::fiscal::FiscalYear>)> = data
        .kpi_changes
        .iter()
        .filter(|(_, _, c)| c.measure_code == k.key)
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
            label: k.years.label(r.fiscal_year),
            short: k.years.wareki(r.fiscal_year),
            target: fmt(r.target),
            actual: fmt(r.actual),
            provenance: actuals
                .iter()
                .find(|a| a.fiscal_year == r.fiscal_year)
                .map(|a| a.provenance.label().to_string())
                .unwrap_or_default(),
            status: if base_year == Some(r.fiscal_year) {
                StatusView {
                    label: "基準年度",
                    key: "no_data",
                }
            } else {
                r.evaluation.status.into()
            },
            in_period: period.contains(&r.fiscal_year),
            final_year: r.fiscal_year == final_at,
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
            format!(
                "{}の目安: {}({basis})",
                k.years.wareki(fy),
                format_value(e, unit)
            )
        }
        None => String::new(),
    };
    let achievement = ev.map_or_else(|| "—".to_string(), achievement_text);
    KpiCard {
        // Only the measure page draws it (see `kpi_chart`); sheets and workbooks do not.
        chart: String::new(),
        key: k.key.clone(),
        name: k.name.clone(),
        target_wording: k.target_wording.clone(),
        deadline_wording: k.deadline_wording.clone(),
        unit: unit.clone(),
        direction: k.direction.label(),
        accumulation: k.accumulation.label(),
        baseline: baseline_text(k, ev),
        target: target_text(k, ev),
        deadline: k.deadline_label(),
        continues: k.continues,
        source: source_text(k, data),
        source_link: data.source_links.get(&k.key).cloned().unwrap_or_default(),
        details: data.source_details.get(&k.key).map(DetailsView::of),
        provenance: ev
            .and_then(|e| e.provenance)
            .map(|p| p.describe())
            .unwrap_or_default(),
        reading: k.reading.clone(),
        status: ev.map_or(Status::NoData, |e| e.status).into(),
        final_evaluation: ev.is_some_and(|e| e.final_evaluation),
        later: later_text(k, ev.and_then(|e| e.later)),
        achievement,
        progress: ev
            .and_then(|e| e.achievement)
            .map(|a| (a.clamp(0.0, 1.0) * 100.0).round() as u32),
        formula: ev.map(|e| e.formula.clone()).unwrap_or_default(),
        method_note: method_note.to_string(),
        reason: ev.map(|e| e.reason.clone()).unwrap_or_default(),
        pace,
        year_word: match k.years {
            super::model::YearBasis::FiscalYear => "年度",
            super::model::YearBasis::CalendarYear => "年",
        },
        years,
        changes: data
            .kpi_changes
            .iter()
            .filter(|(_, _, c)| c.measure_code == k.key)
            .map(|(label, at, c)| ChangeView {
                revision: label.clone(),
                date: crate::fiscal::jst_day(at)
                    .map_or_else(|| at.clone(), crate::fiscal::wareki_date),
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
    /// How it went, per 年度 marked.
    pub progress: Vec<ProgressView>,
}

/// One 年度's mark of a 行程, as pages show it.
#[derive(Debug, Clone)]
pub struct ProgressView {
    pub year: String,
    pub key: &'static str,
    pub label: &'static str,
    pub mark: &'static str,
    pub note: String,
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
                progress: data
                    .progress
                    .iter()
                    .filter(|p| p.measure == r.measure && p.item == i.text)
                    .map(|p| ProgressView {
                        year: p.fiscal_year.wareki(),
                        key: p.step.key(),
                        label: p.step.label(),
                        mark: p.step.mark(),
                        note: p.note.clone(),
                    })
                    .collect(),
            })
            .collect(),
        target_time: r.target_time.clone(),
        notes: r.notes.join(" "),
    })
    .collect()
}
