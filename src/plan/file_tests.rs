//! Tests of file.rs.
use super::*;

#[test]
fn check_digit() {
    assert!(municipality_code_is_valid("011002")); // 札幌市
    assert!(municipality_code_is_valid("131016")); // 千代田区
    assert!(!municipality_code_is_valid("011003"));
    assert!(!municipality_code_is_valid("01100"));
    assert!(!municipality_code_is_valid("０１１００２"));
}

#[test]
fn a_version_1_file_reads_as_the_same_plan() {
    let v1 = include_str!("../../tests/fixtures/kami-2023-v1.toml");
    let old = parse(v1, "plan-v1.toml").unwrap_or_else(|e| panic!("{e}"));
    let new = parse(BUNDLED_PLAN, BUNDLED_PLAN_NAME).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(old, new);
    assert_eq!(old.levels, ["基本方針", "取組内容", "施策"]);
    // Its own class and measure labels come through as the bundled file writes them.
    let local = new.class("local").map(|c| c.label.as_str());
    assert!(local.is_some_and(|l| !l.is_empty()));
    assert_eq!(old.class("local").map(|c| c.label.as_str()), local);
    assert_eq!(old.measures[0].label, new.measures[0].label);
    assert!(old.measures[0].label.starts_with("1-"));
    assert_eq!(old.kpis().len(), 18);
}

#[test]
fn bundled_plan_parses_and_round_trips() {
    let plan = parse(BUNDLED_PLAN, BUNDLED_PLAN_NAME).unwrap_or_else(|e| panic!("{e}"));
    let again = parse(&to_toml(&plan), "export.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan, again);
}

#[test]
fn messages_are_plain_japanese() {
    assert_eq!(
        plain_message("missing field `title`"),
        "必須の項目「title」がありません"
    );
    assert!(
        plain_message("unknown variant `up`, expected one of `increase`, `decrease`")
            .contains("increase, decrease")
    );
    assert!(plain_message("invalid type: string \"x\", expected f64").contains("数値が必要"));
}
