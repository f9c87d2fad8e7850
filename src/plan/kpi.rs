//! KPI logic: achievement (達成率), status and roll-ups. Pure functions, no I/O.
//!
//! Achievement is gap closure, (actual − baseline) / (target − baseline), which reads right for
//! both 増やす and 減らす. Without a baseline it falls back to a ratio and says so. "No data" is a
//! status of its own, never 0 %.

use super::model::{Accumulation, Direction, KpiDefinition};
use crate::fiscal::FiscalYear;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 達成
    Achieved,
    /// 順調
    OnTrack,
    /// 遅れ
    Behind,
    /// 未達成 (past its 達成時期)
    Missed,
    /// 未入力
    NoData,
    /// 評価困難
    NotEvaluable,
    /// 中止
    Discontinued,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Achieved,
        Status::OnTrack,
        Status::Behind,
        Status::Missed,
        Status::NoData,
        Status::NotEvaluable,
        Status::Discontinued,
    ];

    /// The label of a stored status key; empty for none. Staff pages, public pages and
    /// documents say a state with the same word.
    pub fn label_of_key(key: &str) -> String {
        Status::from_key(key)
            .map(|s| s.label().to_string())
            .unwrap_or_default()
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Achieved => "達成",
            Status::OnTrack => "順調",
            Status::Behind => "遅れ",
            Status::Missed => "未達成",
            Status::NoData => "未入力",
            Status::NotEvaluable => "評価困難",
            Status::Discontinued => "中止",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Status::Achieved => "achieved",
            Status::OnTrack => "on_track",
            Status::Behind => "behind",
            Status::Missed => "missed",
            Status::NoData => "no_data",
            Status::NotEvaluable => "not_evaluable",
            Status::Discontinued => "discontinued",
        }
    }

    pub fn from_key(key: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Statuses that carry no measured progress and are left out of roll-ups.
    pub fn is_excluded_from_rollup(self) -> bool {
        matches!(
            self,
            Status::NoData | Status::NotEvaluable | Status::Discontinued
        )
    }
}

/// How the achievement figure was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// (実績 − 基準値) ÷ (目標 − 基準値)
    GapClosure,
    /// 実績 ÷ 目標 (no baseline)
    Ratio,
    /// 目標 ÷ 実績 (減らす without a baseline)
    InverseRatio,
    /// That 年度's 実績 ÷ 毎年度の目標
    Annual,
}

/// What the pace of a not-yet-achieved KPI was judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaceBasis {
    YearlyTarget,
    LinearFromBaseline,
    LinearFromPlanStart,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub status: Status,
    /// The deadline has passed: this is the 最終評価, judged on the deadline year's figure.
    pub final_evaluation: bool,
    /// Where the judged figure comes from.
    pub provenance: Option<Provenance>,
    /// The latest figure after the deadline (その後の実績), shown beside the final evaluation.
    pub later: Option<Actual>,
    /// The value judged: the latest actual, or the running total for 累計.
    pub value: Option<f64>,
    /// The 年度 of the latest actual used.
    pub value_year: Option<FiscalYear>,
    pub baseline: Option<f64>,
    pub baseline_year: Option<FiscalYear>,
    /// The final target, resolved (a 20%削減 target needs a baseline).
    pub target: Option<f64>,
    /// Fraction: 0.5 is half-way. Not capped: 1.2 means beyond the target.
    pub achievement: Option<f64>,
    pub method: Option<Method>,
    /// The value expected by `value_year` for the pace judgement.
    pub expected: Option<f64>,
    pub pace_basis: Option<PaceBasis>,
    /// The formula with its inputs, in Japanese, for the page.
    pub formula: String,
    /// Why the status is what it is, in Japanese.
    pub reason: String,
}

/// Where a figure comes from, as pages say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// 確定: through the reporting cycle.
    Confirmed,
    /// 記録: recorded by the coordinating department.
    Recorded,
    /// 自動集計: a module's count, on that day.
    Counted(time::Date),
}

impl Provenance {
    pub fn key(self) -> &'static str {
        match self {
            Provenance::Confirmed => "confirmed",
            Provenance::Recorded => "recorded",
            Provenance::Counted(_) => "counted",
        }
    }

    /// 確定 / 記録 / 自動集計
    pub fn label(self) -> &'static str {
        match self {
            Provenance::Confirmed => "確定",
            Provenance::Recorded => "記録",
            Provenance::Counted(_) => "自動集計",
        }
    }

    /// The words a page shows beside a figure.
    pub fn describe(self) -> String {
        match self {
            Provenance::Confirmed => "確定(報告を確認・評価して確定した値)".into(),
            Provenance::Recorded => "記録(計画の取りまとめ担当が記録した値)".into(),
            Provenance::Counted(d) => format!(
                "自動集計({}時点の集計。報告で確定すると確定値に置き換わります)",
                crate::fiscal::wareki_date(d)
            ),
        }
    }
}

impl Serialize for Provenance {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

/// One figure for one year, and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Actual {
    pub fiscal_year: FiscalYear,
    pub value: f64,
    pub provenance: Provenance,
}

impl Actual {
    /// A recorded figure.
    pub fn new(fiscal_year: FiscalYear, value: f64) -> Actual {
        Actual {
            fiscal_year,
            value,
            provenance: Provenance::Recorded,
        }
    }
}

/// Context of an evaluation.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// Judge as of the end of this 年度: actuals after it are ignored, deadlines up to it have passed
    /// only if it is later than them.
    pub as_of: FiscalYear,
    /// First 年度 of the plan period: the origin of a linear path when there is no baseline.
    pub plan_start: FiscalYear,
    /// Last 年度 of the plan period.
    pub plan_end: FiscalYear,
    pub discontinued: bool,
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Formats a value with its unit: 27手続, 40%, 1,000,000枚.
pub fn format_value(v: f64, unit: &str) -> String {
    format!("{}{}", group_thousands(&fmt_num(v)), unit)
}

fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// 50.0% from 0.5.
pub fn format_percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

fn meets(direction: Direction, value: f64, goal: f64) -> bool {
    match direction {
        Direction::Increase | Direction::Maintain => value >= goal - 1e-9,
        Direction::Decrease => value <= goal + 1e-9,
    }
}

/// The baseline value and year: the stated value, else the actual recorded for the base year.
pub fn resolve_baseline(
    kpi: &KpiDefinition,
    actuals: &[Actual],
) -> Option<(f64, Option<FiscalYear>)> {
    let b = kpi.baseline.as_ref()?;
    if let Some(v) = b.value {
        return Some((v, b.fiscal_year));
    }
    let fy = b.fiscal_year?;
    actuals
        .iter()
        .find(|a| a.fiscal_year == fy)
        .map(|a| (a.value, Some(fy)))
}

/// The final target: the stated value, or baseline × (1 + change%).
pub fn resolve_target(kpi: &KpiDefinition, baseline: Option<f64>) -> Option<f64> {
    if let Some(t) = kpi.target {
        return Some(t);
    }
    let pct = kpi.target_change_percent?;
    baseline.map(|b| b * (1.0 + pct / 100.0))
}

/// The year a KPI's final evaluation is made on: its deadline, or (a target that keeps applying,
/// 以後継続) the plan's last year when that is later.
pub fn final_year(kpi: &KpiDefinition, ctx: Context) -> FiscalYear {
    if kpi.continues {
        kpi.deadline.max(ctx.plan_end)
    } else {
        kpi.deadline
    }
}

/// Evaluates a KPI from its actuals (any order, one per year). Once its deadline has passed the
/// evaluation is the 最終評価: the deadline year's figure decides 達成 or 未達成, and any later
/// figure is only reported beside it (`later`).
pub fn evaluate(kpi: &KpiDefinition, actuals: &[Actual], ctx: Context) -> Evaluation {
    let final_at = final_year(kpi, ctx);
    if ctx.as_of > final_at && !ctx.discontinued {
        let mut ev = evaluate_at(
            kpi,
            actuals,
            Context {
                as_of: final_at,
                ..ctx
            },
        );
        ev.final_evaluation = true;
        if ev.status != Status::Achieved && ev.status != Status::NotEvaluable && ev.value.is_some()
        {
            ev.status = Status::Missed;
        }
        ev.later = actuals
            .iter()
            .filter(|a| a.fiscal_year > final_at && a.fiscal_year <= ctx.as_of)
            .max_by_key(|a| a.fiscal_year)
            .copied();
        if ev.value.is_some() {
            ev.reason = format!(
                "最終評価({}の実績による): {}",
                kpi.years.wareki(final_at),
                ev.reason
            );
        }
        return ev;
    }
    evaluate_at(kpi, actuals, ctx)
}

fn evaluate_at(kpi: &KpiDefinition, actuals: &[Actual], ctx: Context) -> Evaluation {
    let mut relevant: Vec<Actual> = actuals
        .iter()
        .copied()
        .filter(|a| a.fiscal_year <= ctx.as_of && a.value.is_finite())
        .collect();
    relevant.sort_by_key(|a| a.fiscal_year);

    let baseline = resolve_baseline(kpi, &relevant);
    let target = resolve_target(kpi, baseline.map(|b| b.0));
    let mut ev = Evaluation {
        status: Status::NoData,
        final_evaluation: false,
        provenance: None,
        later: None,
        value: None,
        value_year: None,
        baseline: baseline.map(|b| b.0),
        baseline_year: baseline.and_then(|b| b.1),
        target,
        achievement: None,
        method: None,
        expected: None,
        pace_basis: None,
        formula: String::new(),
        reason: String::new(),
    };

    if ctx.discontinued {
        ev.status = Status::Discontinued;
        ev.reason = "中止されたため評価しません。".into();
        return ev;
    }

    // Actuals from before the base year say nothing about progress; the base year's own actual is
    // the baseline, not a result.
    let base_year = baseline.and_then(|b| b.1);
    let results: Vec<Actual> = relevant
        .iter()
        .copied()
        .filter(|a| base_year.is_none_or(|by| a.fiscal_year > by))
        .collect();
    let Some(latest) = results.last().copied() else {
        ev.reason = if relevant.is_empty() {
            "実績が入力されていません。".into()
        } else {
            "基準年度より後の実績が入力されていません。".into()
        };
        return ev;
    };
    // 累計: what was counted before (the 現状値) plus every year's count since.
    let value = match kpi.accumulation {
        Accumulation::Cumulative => {
            baseline.map_or(0.0, |b| b.0) + results.iter().map(|a| a.value).sum::<f64>()
        }
        _ => latest.value,
    };
    ev.value = Some(value);
    ev.value_year = Some(latest.fiscal_year);
    ev.provenance = Some(latest.provenance);

    let Some(target) = target else {
        ev.status = Status::NotEvaluable;
        ev.reason = if kpi.target_change_percent.is_some() {
            "目標が基準値からの増減で定められていますが、基準値がないため評価できません。".into()
        } else {
            "目標値が定められていないため評価できません。".into()
        };
        return ev;
    };

    let unit = kpi.unit.as_str();
    let v = format_value(value, unit);
    let t = format_value(target, unit);

    // Achievement.
    if kpi.accumulation == Accumulation::Annual {
        if target != 0.0 {
            ev.achievement = Some(value / target);
        }
        ev.method = Some(Method::Annual);
        ev.formula = format!(
            "{}の実績 {v} ÷ 毎年度の目標 {t}",
            latest.fiscal_year.wareki()
        );
    } else if let Some((b, _)) = baseline.filter(|(b, _)| (target - b).abs() > 1e-12) {
        ev.achievement = Some((value - b) / (target - b));
        ev.method = Some(Method::GapClosure);
        let bs = format_value(b, unit);
        ev.formula = format!("(実績 {v} − 基準値 {bs}) ÷ (目標 {t} − 基準値 {bs})");
    } else if kpi.direction == Direction::Decrease {
        if value > 0.0 {
            ev.achievement = Some(target / value);
        }
        ev.method = Some(Method::InverseRatio);
        ev.formula = format!("目標 {t} ÷ 実績 {v}(基準値がないため比で計算)");
    } else {
        if target != 0.0 {
            ev.achievement = Some(value / target);
        }
        ev.method = Some(Method::Ratio);
        ev.formula = format!("実績 {v} ÷ 目標 {t}(基準値がないため比で計算)");
    }

    // Status.
    if meets(kpi.direction, value, target) {
        ev.status = Status::Achieved;
        ev.reason = format!(
            "{}の実績が目標 {t} に達しています。",
            latest.fiscal_year.wareki()
        );
        return ev;
    }
    let judged_year = latest.fiscal_year;
    let deadline_passed = match kpi.accumulation {
        // Every 年度 is its own deadline.
        Accumulation::Annual => judged_year < ctx.as_of || judged_year > kpi.deadline,
        _ => ctx.as_of > kpi.deadline,
    };
    if deadline_passed {
        ev.status = Status::Missed;
        ev.reason = if kpi.accumulation == Accumulation::Annual {
            format!(
                "{}の実績 {v} が毎年度の目標 {t} に届きませんでした。",
                judged_year.wareki()
            )
        } else {
            format!(
                "達成時期({}末)を過ぎ、実績 {v} が目標 {t} に届いていません。",
                kpi.deadline.wareki()
            )
        };
        return ev;
    }
    if kpi.accumulation == Accumulation::Annual {
        ev.status = Status::Behind;
        ev.reason = format!(
            "{}はまだ途中で、実績 {v} は毎年度の目標 {t} に届いていません。",
            judged_year.wareki()
        );
        return ev;
    }

    // Pace: against that 年度's 年度別目標, else a straight line to the target.
    let expected = if kpi.direction == Direction::Maintain {
        // A level to hold has no path towards it.
        None
    } else if let Some(y) = kpi.yearly_target(judged_year) {
        Some((y, PaceBasis::YearlyTarget))
    } else if let Some((b, Some(by))) = baseline
        && kpi.deadline > by
    {
        let span = f64::from(kpi.deadline.0 - by.0);
        let done = f64::from(judged_year.0 - by.0).clamp(0.0, span);
        Some((
            b + (target - b) * done / span,
            PaceBasis::LinearFromBaseline,
        ))
    } else if kpi.direction == Direction::Increase && baseline.is_none() {
        // A deadline before the plan period (マイナンバーカード: 令和4年度末) starts its own path.
        let origin = ctx.plan_start.min(kpi.deadline);
        let span = f64::from(kpi.deadline.0 - origin.0 + 1);
        let done = f64::from(judged_year.0 - origin.0 + 1).clamp(0.0, span);
        Some((target * done / span, PaceBasis::LinearFromPlanStart))
    } else {
        None
    };
    match expected {
        Some((e, basis)) => {
            ev.expected = Some(e);
            ev.pace_basis = Some(basis);
            let es = format_value(e, unit);
            let basis_text = match basis {
                PaceBasis::YearlyTarget => "年度別目標",
                PaceBasis::LinearFromBaseline => "基準値から目標までを均等に進めた場合の値",
                PaceBasis::LinearFromPlanStart => "計画期間で目標を均等に割った値",
            };
            if meets(kpi.direction, value, e) {
                ev.status = Status::OnTrack;
                ev.reason = format!(
                    "{}の実績 {v} は{basis_text} {es} に達しています。",
                    judged_year.wareki()
                );
            } else {
                ev.status = Status::Behind;
                ev.reason = format!(
                    "{}の実績 {v} は{basis_text} {es} に届いていません。",
                    judged_year.wareki()
                );
            }
        }
        None => {
            ev.status = Status::Behind;
            ev.reason =
                format!("実績 {v} は目標 {t} に届いていません(途中年度の目安がありません)。");
        }
    }
    ev
}

/// One 年度 of a KPI's table: target, actual and the judgement as of that 年度.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearRow {
    pub fiscal_year: FiscalYear,
    pub target: Option<f64>,
    pub actual: Option<f64>,
    pub evaluation: Evaluation,
}

pub fn yearly_rows(
    kpi: &KpiDefinition,
    actuals: &[Actual],
    years: impl Iterator<Item = FiscalYear>,
    ctx: Context,
) -> Vec<YearRow> {
    years
        .map(|fy| {
            let target = kpi.yearly_target(fy).or_else(|| {
                (kpi.accumulation == Accumulation::Annual && fy <= kpi.deadline)
                    .then_some(kpi.target)
                    .flatten()
            });
            let actual = actuals
                .iter()
                .find(|a| a.fiscal_year == fy)
                .map(|a| a.value);
            let evaluation = if actual.is_some() {
                evaluate(kpi, actuals, Context { as_of: fy, ..ctx })
            } else {
                Evaluation {
                    status: Status::NoData,
                    ..evaluate(kpi, &[], Context { as_of: fy, ..ctx })
                }
            };
            YearRow {
                fiscal_year: fy,
                target,
                actual,
                evaluation,
            }
        })
        .collect()
}

/// Roll-up of several KPIs (a 取組内容 or 基本方針).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rollup {
    pub total: usize,
    /// KPIs whose status counts (not 未入力/評価困難/中止).
    pub included: usize,
    /// KPIs left out, and how many of each reason.
    pub excluded: usize,
    pub counts: Vec<(Status, usize)>,
    /// Mean achievement of the included KPIs, each capped to 0..=100 %.
    pub mean_achievement: Option<f64>,
}

pub fn rollup<'a>(evaluations: impl IntoIterator<Item = &'a Evaluation>) -> Rollup {
    let mut counts: Vec<(Status, usize)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
    let mut total = 0;
    let mut included = 0;
    let mut sum = 0.0;
    let mut with_achievement = 0;
    for ev in evaluations {
        total += 1;
        if let Some(c) = counts.iter_mut().find(|(s, _)| *s == ev.status) {
            c.1 += 1;
        }
        if ev.status.is_excluded_from_rollup() {
            continue;
        }
        included += 1;
        if let Some(a) = ev.achievement {
            sum += a.clamp(0.0, 1.0);
            with_achievement += 1;
        }
    }
    Rollup {
        total,
        included,
        excluded: total - included,
        counts: counts.into_iter().filter(|(_, n)| *n > 0).collect(),
        mean_achievement: (with_achievement > 0).then(|| sum / with_achievement as f64),
    }
}

#[cfg(test)]
#[path = "kpi_tests.rs"]
mod tests;
