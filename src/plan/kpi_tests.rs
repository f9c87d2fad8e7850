//! Tests of kpi.rs.
use super::*;
use crate::plan::model::{Baseline, YearlyTarget};

fn kpi(direction: Direction, accumulation: Accumulation, target: Option<f64>) -> KpiDefinition {
    KpiDefinition {
        name: "テスト".into(),
        target_wording: String::new(),
        deadline_wording: "令和7年度末".into(),
        unit: "件".into(),
        direction,
        accumulation,
        baseline: None,
        target,
        target_change_percent: None,
        deadline: FiscalYear(2025),
        continues: false,
        yearly_targets: vec![],
        source: "manual".into(),
        kind: String::new(),
        reading: String::new(),
        key: "t".into(),
        years: Default::default(),
        follows: String::new(),
    }
}

fn ctx(as_of: i32) -> Context {
    Context {
        as_of: FiscalYear(as_of),
        plan_start: FiscalYear(2023),
        plan_end: FiscalYear(2025),
        discontinued: false,
    }
}

fn a(fy: i32, value: f64) -> Actual {
    Actual::new(FiscalYear(fy), value)
}

#[test]
fn cumulative_counts_from_its_present_value() {
    // 現状値 7, then 10 and 10: 27 in all; toward 57 that is (27 − 7) ÷ (57 − 7) = 40%.
    let mut k = kpi(Direction::Increase, Accumulation::Cumulative, Some(57.0));
    k.baseline = Some(Baseline {
        value: Some(7.0),
        fiscal_year: Some(FiscalYear(2022)),
    });
    let ev = evaluate(&k, &[a(2023, 10.0), a(2024, 10.0)], ctx(2024));
    assert_eq!(ev.value, Some(27.0));
    assert!(
        (ev.achievement.unwrap() - 0.4).abs() < 1e-9,
        "{:?}",
        ev.achievement
    );
}

#[test]
fn after_the_deadline_the_deadline_year_decides() {
    let k = kpi(Direction::Increase, Accumulation::Point, Some(45.0));
    // Confirmed 41 for the deadline year, then 50 the year after: 未達成 on 41, 50 beside it.
    let ev = evaluate(&k, &[a(2025, 41.0), a(2026, 50.0)], ctx(2026));
    assert!(ev.final_evaluation);
    assert_eq!(ev.status, Status::Missed);
    assert_eq!(ev.value, Some(41.0));
    assert_eq!(ev.later.map(|l| l.value), Some(50.0));
    assert!(ev.reason.starts_with("最終評価"), "{}", ev.reason);
    // Met in the deadline year: 達成 stays whatever came later.
    let ev = evaluate(&k, &[a(2025, 45.0), a(2026, 30.0)], ctx(2026));
    assert_eq!(ev.status, Status::Achieved);
    // Nothing for the deadline year: 未入力, never judged on a later figure.
    let ev = evaluate(&k, &[a(2026, 50.0)], ctx(2026));
    assert_eq!(ev.status, Status::NoData);
    assert_eq!(ev.later.map(|l| l.value), Some(50.0));
    // Before the deadline it is an ordinary evaluation.
    assert!(!evaluate(&k, &[a(2024, 30.0)], ctx(2024)).final_evaluation);
}

#[test]
fn gap_closure_for_a_reduction() {
    // The design note's example: 1,000,000 sheets → −20% → 800,000; 900,000 is half-way.
    let mut k = kpi(Direction::Decrease, Accumulation::Point, None);
    k.baseline = Some(Baseline {
        value: Some(1_000_000.0),
        fiscal_year: Some(FiscalYear(2021)),
    });
    k.target_change_percent = Some(-20.0);
    let ev = evaluate(&k, &[a(2024, 900_000.0)], ctx(2024));
    assert_eq!(ev.target, Some(800_000.0));
    assert_eq!(ev.method, Some(Method::GapClosure));
    assert!((ev.achievement.unwrap() - 0.5).abs() < 1e-9);
    assert!(ev.formula.contains("1,000,000件"), "{}", ev.formula);
}

#[test]
fn ratio_fallback_without_baseline_is_disclosed() {
    let k = kpi(Direction::Increase, Accumulation::Point, Some(24.0));
    let ev = evaluate(&k, &[a(2024, 12.0)], ctx(2024));
    assert_eq!(ev.method, Some(Method::Ratio));
    assert_eq!(ev.achievement, Some(0.5));
    assert!(ev.formula.contains("基準値がないため"));
}

#[test]
fn inverse_ratio_for_reduction_with_absolute_target_and_no_baseline() {
    let k = kpi(Direction::Decrease, Accumulation::Point, Some(80.0));
    let ev = evaluate(&k, &[a(2024, 100.0)], ctx(2024));
    assert_eq!(ev.method, Some(Method::InverseRatio));
    assert_eq!(ev.achievement, Some(0.8));
}

#[test]
fn no_data_is_a_status_not_zero() {
    let k = kpi(Direction::Increase, Accumulation::Point, Some(24.0));
    let ev = evaluate(&k, &[], ctx(2024));
    assert_eq!(ev.status, Status::NoData);
    assert_eq!(ev.achievement, None);
}

#[test]
fn actuals_after_as_of_are_ignored() {
    let k = kpi(Direction::Increase, Accumulation::Point, Some(24.0));
    let ev = evaluate(&k, &[a(2025, 24.0)], ctx(2024));
    assert_eq!(ev.status, Status::NoData);
}

#[test]
fn discontinued_wins() {
    let k = kpi(Direction::Increase, Accumulation::Point, Some(24.0));
    let ev = evaluate(
        &k,
        &[a(2024, 24.0)],
        Context {
            discontinued: true,
            ..ctx(2024)
        },
    );
    assert_eq!(ev.status, Status::Discontinued);
}

#[test]
fn maintain_direction() {
    let k = kpi(Direction::Maintain, Accumulation::Point, Some(100.0));
    assert_eq!(
        evaluate(&k, &[a(2024, 100.0)], ctx(2024)).status,
        Status::Achieved
    );
    assert_eq!(
        evaluate(&k, &[a(2024, 99.0)], ctx(2024)).status,
        Status::Behind
    );
    assert_eq!(
        evaluate(&k, &[a(2025, 99.0)], ctx(2026)).status,
        Status::Missed
    );
}

#[test]
fn rollup_leaves_out_no_data_and_counts_them() {
    let k = kpi(Direction::Increase, Accumulation::Point, Some(10.0));
    let evs = [
        evaluate(&k, &[a(2024, 10.0)], ctx(2024)), // 達成, 100 %
        evaluate(&k, &[a(2024, 5.0)], ctx(2024)),  // 50 %
        evaluate(&k, &[a(2024, 30.0)], ctx(2024)), // 300 % capped to 100 %
        evaluate(&k, &[], ctx(2024)),              // 未入力
        evaluate(
            &k,
            &[],
            Context {
                discontinued: true,
                ..ctx(2024)
            },
        ),
    ];
    let r = rollup(&evs);
    assert_eq!((r.total, r.included, r.excluded), (5, 3, 2));
    assert!((r.mean_achievement.unwrap() - 2.5 / 3.0).abs() < 1e-9);
    assert!(r.counts.contains(&(Status::NoData, 1)));
    assert!(r.counts.contains(&(Status::Discontinued, 1)));
    assert!(r.counts.contains(&(Status::Achieved, 2)));
    let empty = rollup(&evs[3..]);
    assert_eq!(empty.mean_achievement, None);
    assert_eq!(empty.included, 0);
}

#[test]
fn yearly_rows_judge_each_year_on_its_own_data() {
    let mut k = kpi(Direction::Increase, Accumulation::Point, Some(45.0));
    k.yearly_targets = vec![
        YearlyTarget {
            fiscal_year: FiscalYear(2022),
            target: 27.0,
        },
        YearlyTarget {
            fiscal_year: FiscalYear(2023),
            target: 32.0,
        },
    ];
    let rows = yearly_rows(
        &k,
        &[a(2022, 27.0), a(2023, 30.0)],
        (2022..=2025).map(FiscalYear),
        ctx(2025),
    );
    assert_eq!(rows[0].target, Some(27.0));
    assert_eq!(rows[0].evaluation.status, Status::OnTrack);
    assert_eq!(rows[1].evaluation.status, Status::Behind);
    assert_eq!(rows[2].evaluation.status, Status::NoData);
    assert_eq!(rows[2].actual, None);
}

#[test]
fn numbers_format_for_people() {
    assert_eq!(format_value(1_000_000.0, "枚"), "1,000,000枚");
    assert_eq!(format_value(27.0, "手続"), "27手続");
    assert_eq!(format_value(12.5, "%"), "12.5%");
    assert_eq!(format_value(-1234.25, ""), "-1,234.25");
    assert_eq!(format_percent(0.5), "50.0%");
}
