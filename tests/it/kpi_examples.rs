//! A worked example for each of the bundled plan's 18 KPIs, with the plan's own definitions.

use machi::fiscal::FiscalYear;
use machi::plan::file::{self, BUNDLED_PLAN, BUNDLED_PLAN_NAME};
use machi::plan::kpi::{Actual, Context, Evaluation, Method, PaceBasis, Status, evaluate};
use machi::plan::model::{Baseline, KpiDefinition};

fn kpi(code: &str) -> KpiDefinition {
    file::parse(BUNDLED_PLAN, BUNDLED_PLAN_NAME)
        .unwrap()
        .measure(code)
        .unwrap()
        .kpis[0]
        .clone()
}

/// Evaluates with actuals given as (令和年, value), as of 令和`as_of`年度.
fn eval(k: &KpiDefinition, actuals: &[(i32, f64)], as_of_reiwa: i32) -> Evaluation {
    let actuals: Vec<Actual> = actuals
        .iter()
        .map(|(r, v)| Actual::new(FiscalYear(2018 + r), *v))
        .collect();
    evaluate(
        k,
        &actuals,
        Context {
            as_of: FiscalYear(2018 + as_of_reiwa),
            plan_start: FiscalYear(2023),
            plan_end: FiscalYear(2025),
            discontinued: false,
        },
    )
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

#[test]
fn m1_1_1_online_procedures_against_yearly_targets() {
    let k = kpi("1-1-1");
    let ev = eval(&k, &[(4, 27.0), (5, 30.0)], 5);
    assert_eq!(ev.status, Status::Behind, "R5 target is 32");
    assert_eq!(ev.expected, Some(32.0));
    assert_eq!(ev.pace_basis, Some(PaceBasis::YearlyTarget));
    assert_eq!(ev.method, Some(Method::Ratio));
    assert!(close(ev.achievement, 30.0 / 45.0));
    assert_eq!(eval(&k, &[(6, 38.0)], 6).status, Status::OnTrack);
    assert_eq!(eval(&k, &[(7, 45.0)], 8).status, Status::Achieved);
    assert_eq!(eval(&k, &[(7, 44.0)], 8).status, Status::Missed);
}

#[test]
fn m1_1_2_stay_time_waits_for_its_baseline() {
    let mut k = kpi("1-1-2");
    let ev = eval(&k, &[(6, 50.0)], 6);
    assert_eq!(ev.status, Status::NotEvaluable);
    assert_eq!(ev.target, None);
    // Once a measured baseline (60分 in R5) is entered: target 48分, 54分 is half-way.
    k.baseline = Some(Baseline {
        value: Some(60.0),
        fiscal_year: Some(FiscalYear(2023)),
    });
    let ev = eval(&k, &[(6, 54.0)], 6);
    assert!(close(ev.target, 48.0));
    assert!(close(ev.achievement, 0.5));
    assert_eq!(ev.method, Some(Method::GapClosure));
    // Linear path R5 60 → R7 48 expects 54 in R6.
    assert_eq!(ev.status, Status::OnTrack);
    assert_eq!(eval(&k, &[(7, 47.0)], 7).status, Status::Achieved);
}

#[test]
fn m1_1_3_cashless_ratio() {
    let k = kpi("1-1-3");
    let ev = eval(&k, &[(6, 20.0)], 6);
    assert!(close(ev.achievement, 0.5));
    assert!(close(ev.expected, 40.0 * 2.0 / 3.0));
    assert_eq!(ev.pace_basis, Some(PaceBasis::LinearFromPlanStart));
    assert_eq!(ev.status, Status::Behind);
    assert_eq!(eval(&k, &[(7, 41.0)], 7).status, Status::Achieved);
}

#[test]
fn m1_1_4_regional_initiatives_add_up() {
    let k = kpi("1-1-4");
    let ev = eval(&k, &[(5, 1.0), (6, 1.0)], 6);
    assert_eq!(ev.value, Some(2.0));
    assert!(close(ev.achievement, 2.0 / 3.0));
    assert_eq!(ev.status, Status::OnTrack);
    assert_eq!(
        eval(&k, &[(5, 1.0), (6, 1.0), (7, 1.0)], 7).status,
        Status::Achieved
    );
}

#[test]
fn m1_1_5_smartphone_class_attendees_are_cumulative() {
    let k = kpi("1-1-5");
    let ev = eval(&k, &[(5, 40.0), (6, 35.0)], 6);
    assert_eq!(ev.value, Some(75.0));
    assert!(close(ev.achievement, 0.75));
    assert_eq!(ev.status, Status::OnTrack);
    assert_eq!(eval(&k, &[(5, 40.0), (6, 35.0)], 8).status, Status::Missed);
    // Actuals after as_of are not counted.
    assert_eq!(eval(&k, &[(5, 40.0), (6, 70.0)], 5).value, Some(40.0));
}

#[test]
fn m1_1_6_convenience_store_share() {
    let k = kpi("1-1-6");
    let ev = eval(&k, &[(6, 12.0)], 6);
    assert_eq!(ev.status, Status::Achieved);
    assert!(close(ev.achievement, 1.2));
}

#[test]
fn m1_2_1_my_number_card_due_before_the_plan_and_continuing() {
    let k = kpi("1-2-1");
    let ev = eval(&k, &[(4, 60.0)], 4);
    assert_eq!(ev.status, Status::Behind);
    assert_eq!(ev.expected, Some(100.0));
    assert_eq!(eval(&k, &[(6, 78.5)], 6).status, Status::Missed);
    assert_eq!(eval(&k, &[(6, 100.0)], 6).status, Status::Achieved);
}

#[test]
fn m1_2_2_mynaportal_notice_every_year() {
    let k = kpi("1-2-2");
    let ev = eval(&k, &[(5, 2.0)], 5);
    assert_eq!(ev.status, Status::Achieved);
    assert_eq!(ev.method, Some(Method::Annual));
    assert!(close(ev.achievement, 2.0));
    assert_eq!(
        eval(&k, &[(6, 0.0)], 7).status,
        Status::Missed,
        "R6 is over"
    );
    assert_eq!(
        eval(&k, &[(7, 0.0)], 7).status,
        Status::Behind,
        "R7 still running"
    );
}

#[test]
fn m1_3_1_school_ict_satisfaction() {
    let k = kpi("1-3-1");
    assert_eq!(eval(&k, &[(7, 80.0)], 7).status, Status::Achieved);
    let ev = eval(&k, &[(5, 60.0)], 5);
    assert!(close(ev.achievement, 0.8));
    assert!(close(ev.expected, 25.0));
    assert_eq!(ev.status, Status::OnTrack);
}

#[test]
fn m1_4_1_open_datasets() {
    let k = kpi("1-4-1");
    let ev = eval(&k, &[(6, 14.0)], 6);
    assert!(close(ev.achievement, 14.0 / 24.0));
    assert!(close(ev.expected, 16.0));
    assert_eq!(ev.status, Status::Behind);
}

#[test]
fn m1_4_2_website_feedback() {
    let k = kpi("1-4-2");
    assert_eq!(eval(&k, &[(6, 82.0)], 6).status, Status::Achieved);
    assert_eq!(eval(&k, &[(7, 79.0)], 8).status, Status::Missed);
}

#[test]
fn m1_5_1_analog_regulation_review_to_completion() {
    let k = kpi("1-5-1");
    let ev = eval(&k, &[(6, 60.0)], 6);
    assert!(close(ev.achievement, 0.6));
    assert_eq!(ev.status, Status::Behind);
    assert_eq!(eval(&k, &[(7, 100.0)], 7).status, Status::Achieved);
}

#[test]
fn m2_1_1_standardisation_of_twenty_systems() {
    let k = kpi("2-1-1");
    let ev = eval(&k, &[(6, 12.0)], 6);
    assert!(close(ev.achievement, 0.6));
    assert_eq!(ev.status, Status::Behind);
    assert_eq!(eval(&k, &[(7, 20.0)], 7).status, Status::Achieved);
}

#[test]
fn m2_2_1_ai_rpa_processes() {
    let k = kpi("2-2-1");
    let ev = eval(&k, &[(6, 6.0)], 6);
    assert!(close(ev.achievement, 0.75));
    assert_eq!(ev.status, Status::OnTrack);
}

#[test]
fn m2_2_2_telework_applicants_each_year() {
    let k = kpi("2-2-2");
    assert_eq!(eval(&k, &[(5, 5.0)], 5).status, Status::Achieved);
    let ev = eval(&k, &[(6, 3.0)], 6);
    assert_eq!(ev.status, Status::Behind);
    assert!(close(ev.achievement, 0.6));
}

#[test]
fn m2_2_3_paper_cut_by_gap_closure_from_fy2021() {
    let k = kpi("2-2-3");
    let only_base = eval(&k, &[(3, 1_000_000.0)], 6);
    assert_eq!(only_base.status, Status::NoData);
    assert_eq!(only_base.baseline, Some(1_000_000.0));
    let ev = eval(&k, &[(3, 1_000_000.0), (6, 900_000.0)], 6);
    assert!(close(ev.target, 800_000.0));
    assert!(close(ev.achievement, 0.5), "half-way, not 88.9 %");
    assert_eq!(ev.baseline_year, Some(FiscalYear(2021)));
    assert!(close(ev.expected, 850_000.0));
    assert_eq!(ev.pace_basis, Some(PaceBasis::LinearFromBaseline));
    assert_eq!(ev.status, Status::Behind);
    assert_eq!(
        eval(&k, &[(3, 1_000_000.0), (7, 790_000.0)], 7).status,
        Status::Achieved
    );
    // Without the FY2021 figure there is no target to judge against.
    assert_eq!(eval(&k, &[(6, 900_000.0)], 6).status, Status::NotEvaluable);
}

#[test]
fn m2_3_1_security_training_every_year() {
    let k = kpi("2-3-1");
    assert_eq!(eval(&k, &[(5, 1.0)], 5).status, Status::Achieved);
    assert_eq!(eval(&k, &[(5, 1.0), (6, 0.0)], 6).status, Status::Behind);
    assert_eq!(eval(&k, &[(5, 1.0), (6, 0.0)], 7).status, Status::Missed);
}

#[test]
fn m2_3_2_ict_literacy_training_every_year() {
    let k = kpi("2-3-2");
    let ev = eval(&k, &[(5, 2.0)], 5);
    assert_eq!(ev.status, Status::Achieved);
    assert!(ev.formula.contains("令和5年度の実績 2回"), "{}", ev.formula);
    assert_eq!(eval(&k, &[], 5).status, Status::NoData);
}
