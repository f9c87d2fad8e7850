use machi::fiscal::FiscalYear;
use machi::plan::file::{self, BUNDLED_PLAN, BUNDLED_PLAN_NAME, PlanFileErrors};
use machi::plan::model::{Accumulation, Direction, Plan};

fn kami() -> Plan {
    file::parse(BUNDLED_PLAN, BUNDLED_PLAN_NAME).unwrap()
}

#[test]
fn the_bundled_plan_has_the_seed_structure() {
    let plan = kami();
    assert_eq!(plan.municipality.name, "香美町");
    assert_eq!(plan.municipality.code, "285854");
    assert_eq!(plan.adopted_wording, "令和5年4月策定");
    assert_eq!(plan.period.start.wareki(), "令和5年4月");
    assert_eq!(plan.period.end.wareki(), "令和8年3月");
    assert_eq!(plan.period.first_fiscal_year(), FiscalYear(2023));
    assert_eq!(plan.period.last_fiscal_year(), FiscalYear(2025));
    assert_eq!(plan.policies.len(), 2);
    assert_eq!(plan.areas.len(), 8);
    assert_eq!(plan.measures.len(), 18);
    let per_area: Vec<usize> = plan
        .areas
        .iter()
        .map(|a| plan.measures_of(a).count())
        .collect();
    assert_eq!(per_area, vec![6, 2, 1, 2, 1, 1, 3, 2]);
    let labels: Vec<String> = plan.measures.iter().map(|m| m.label()).collect();
    assert_eq!(labels[0], "1-①-1)");
    assert_eq!(labels[17], "2-③-2)");
}

#[test]
fn measure_classes_follow_the_plans_sentences() {
    let plan = kami();
    let of = |class| {
        plan.measures
            .iter()
            .filter(|m| m.class == class)
            .map(|m| m.code.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of("priority"),
        ["1-1-1", "1-2-1", "2-1-1", "2-2-1", "2-2-2", "2-3-1"]
    );
    assert_eq!(of("companion"), ["1-1-4", "1-1-5", "1-5-1"]);
    assert_eq!(of("local").len(), 9);
    for m in &plan.measures {
        if m.class != "local" {
            assert!(
                !m.class_basis.is_empty(),
                "{} needs the plan's sentence",
                m.code
            );
        }
    }
}

#[test]
fn kpis_keep_the_plans_wording_and_typed_fields() {
    let plan = kami();
    let online = plan.measure("1-1-1").unwrap();
    assert_eq!(online.kpis[0].name, "オンライン申請業務の拡充");
    assert_eq!(online.kpis[0].target_wording, "申請業務45手続の達成");
    assert_eq!(online.kpis[0].deadline_wording, "令和7年度末");
    assert_eq!(online.kpis[0].target, Some(45.0));
    assert_eq!(online.kpis[0].deadline, FiscalYear(2025));
    let yearly: Vec<(i32, f64)> = online.kpis[0]
        .yearly_targets
        .iter()
        .map(|t| (t.fiscal_year.0, t.target))
        .collect();
    assert_eq!(
        yearly,
        vec![(2022, 27.0), (2023, 32.0), (2024, 38.0), (2025, 45.0)]
    );
    assert_eq!(online.department, "企画課");

    let paper = plan.measure("2-2-3").unwrap();
    assert_eq!(paper.kpis[0].direction, Direction::Decrease);
    assert_eq!(paper.kpis[0].target_change_percent, Some(-20.0));
    assert_eq!(paper.kpis[0].target, None);
    let base = paper.kpis[0].baseline.as_ref().unwrap();
    assert_eq!(base.fiscal_year, Some(FiscalYear(2021)));
    assert_eq!(base.value, None, "the plan gives no number of sheets");

    let card = plan.measure("1-2-1").unwrap();
    assert_eq!(card.kpis[0].deadline, FiscalYear(2022));
    assert!(card.kpis[0].continues);
    assert_eq!(
        card.kpis[0].target_wording,
        "国の目標100%に準拠。以後継続。"
    );

    let annual: Vec<&str> = plan
        .measures
        .iter()
        .filter(|m| m.kpis[0].accumulation == Accumulation::Annual)
        .map(|m| m.code.as_str())
        .collect();
    assert_eq!(annual, ["1-2-2", "2-2-2", "2-3-1", "2-3-2"]);
    assert_eq!(
        plan.measure("1-1-5").unwrap().kpis[0].accumulation,
        Accumulation::Cumulative
    );
    for m in &plan.measures {
        assert!(
            plan.measures
                .iter()
                .all(|o| o.code == m.code || o.kpis[0].name != m.kpis[0].name),
            "KPI names are distinct"
        );
        assert!(
            m.kpis[0]
                .baseline
                .as_ref()
                .is_none_or(|b| b.value.is_none()),
            "no invented baselines"
        );
    }
}

#[test]
fn the_roadmap_has_every_row_with_notes() {
    let plan = kami();
    let texts: Vec<&str> = plan
        .roadmap
        .iter()
        .flat_map(|r| r.items.iter().map(|i| i.text.as_str()))
        .collect();
    for expected in [
        "情報化推進準備委員会設置",
        "情報化推進委員会設置",
        "27手続きの開始・運用",
        "拡充業務開始・運用",
        "高齢者等スマホ講習会の実施",
        "ベンダーによる標準化システムの構築・ガバメントクラウドへの移行",
        "県セキュリティクラウド更新",
        "幹部職員研修",
    ] {
        assert!(texts.contains(&expected), "missing roadmap item {expected}");
    }
    let committee = &plan.roadmap[0];
    assert_eq!(committee.measure, "");
    assert_eq!(committee.label, "情報化推進委員会の設置");
    let marks: Vec<&str> = plan.roadmap_notes.iter().map(|n| n.mark.as_str()).collect();
    assert_eq!(marks, ["※1", "※2"]);
    assert!(
        plan.roadmap
            .iter()
            .any(|r| r.measure == "1-1-1" && r.notes == ["※1"])
    );
    assert!(
        plan.roadmap
            .iter()
            .any(|r| r.measure == "2-3-1" && r.notes == ["※2"])
    );
    // Every measure but 1-②… has rows; all 18 appear.
    for m in &plan.measures {
        assert!(
            plan.roadmap_of(&m.code).count() > 0,
            "{} has no roadmap row",
            m.code
        );
    }
}

#[test]
fn governance_and_action_plan_example_are_kept() {
    let plan = kami();
    let committee = plan.body("committee").unwrap();
    assert!(committee.description.contains("副町長を委員長"));
    assert!(committee.cadence.contains("年1、2回程度"));
    assert!(committee.cadence.contains("3カ月に1回程度"));
    assert!(plan.body("dx_office").unwrap().name.contains("企画課"));
    assert!(plan.body("advisor").is_some());
    assert!(
        plan.body("department")
            .unwrap()
            .roles
            .iter()
            .any(|r| r.contains("BPR"))
    );
    let ap = plan.measure("1-1-1").unwrap().action_plan.as_ref().unwrap();
    assert_eq!(ap.number, "1");
    assert_eq!(ap.department, "企画課");
    assert_eq!(ap.new_or_continuing, "新規");
    let cp = ap.comprehensive_plan.as_ref().unwrap();
    assert_eq!(cp.policy, "IV みんなで創る魅力あるまち");
    assert_eq!(cp.main_measure, "④ 住んでみたいまち、住み続けたいまち");
    assert!(ap.overview.contains("ぴったりサービス"));
    assert!(ap.effect.contains("役場に出向くことなく"));
    assert_eq!(ap.schedule.len(), 4);
    assert_eq!(ap.schedule[0].items[1].text, "条例の制定");
    assert!(
        plan.measures
            .iter()
            .filter(|m| m.action_plan.is_some())
            .count()
            == 1
    );
}

fn errors(text: &str) -> PlanFileErrors {
    file::parse(text, "town.toml").unwrap_err()
}

/// The bundled plan with one replacement applied.
fn broken(from: &str, to: &str) -> String {
    assert!(
        BUNDLED_PLAN.contains(from),
        "fixture text not found: {from}"
    );
    BUNDLED_PLAN.replacen(from, to, 1)
}

fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].matches('\n').count() + 1
}

#[test]
fn broken_toml_names_the_line() {
    let text = broken(
        "title = \"行政手続きのオンライン化\"",
        "title = \"閉じていない",
    );
    let e = errors(&text);
    assert_eq!(e.0.len(), 1);
    assert_eq!(e.0[0].file, "town.toml");
    assert_eq!(e.0[0].line, Some(line_of(&text, "title = \"閉じていない")));
    assert!(
        e.0[0].message.contains("TOMLとして読めません"),
        "{}",
        e.0[0].message
    );
}

#[test]
fn wrong_types_and_names_are_explained_in_japanese() {
    let text = broken("target = 45.0\n", "target = \"四十五\"\n");
    let e = errors(&text);
    assert_eq!(e.0[0].line, Some(line_of(&text, "target = \"四十五\"")));
    assert_eq!(e.0[0].field.as_deref(), Some("target"));
    assert!(
        e.0[0].message.contains("「四十五」は数値として読めません"),
        "{}",
        e.0[0].message
    );

    let e = errors(&broken("direction = \"decrease\"", "direction = \"down\""));
    assert!(
        e.0[0].message.contains("「down」は使えない値です"),
        "{}",
        e.0[0].message
    );
    assert!(e.0[0].message.contains("increase"));

    let e = errors(&broken("unit = \"手続\"", "units = \"手続\""));
    let all = e.to_string();
    assert!(all.contains("units") || all.contains("unit"), "{all}");

    let e = errors(&broken("deadline = 2022", "deadline = \"来年\""));
    assert!(e.to_string().contains("年度として読めません"), "{e}");
}

#[test]
fn inconsistent_plans_list_every_problem_with_line_and_field() {
    let text = broken("code = \"1-1-2\"", "code = \"1-1-1\"")
        .replacen("code = \"285854\"", "code = \"285855\"", 1)
        .replacen("measure = \"2-2-1\"", "measure = \"9-9-9\"", 1)
        .replacen(
            "text = \"幹部職員研修\"\nfrom = 2021\nto = 2021",
            "text = \"幹部職員研修\"\nfrom = 2023\nto = 2021",
            1,
        );
    let e = errors(&text);
    let msgs: Vec<String> = e.0.iter().map(|x| x.to_string()).collect();
    let find = |needle: &str| {
        e.0.iter()
            .find(|x| x.message.contains(needle))
            .unwrap_or_else(|| panic!("no error with {needle}: {msgs:#?}"))
    };
    let dup = find("施策 1-1-1 が二度定義されています");
    assert_eq!(dup.field.as_deref(), Some("measures[2].code"));
    assert_eq!(
        dup.line,
        Some(line_of(&text, "code = \"1-1-1\"\nlabel = \"1-①-2)\""))
    );
    let code = find("全国地方公共団体コード");
    assert_eq!(code.field.as_deref(), Some("municipality.code"));
    assert_eq!(code.line, Some(line_of(&text, "code = \"285855\"")));
    let unknown = find("施策 9-9-9 は定義されていません");
    assert_eq!(unknown.field.as_deref(), Some("roadmap[23].measure"));
    assert_eq!(unknown.line, Some(line_of(&text, "measure = \"9-9-9\"")));
    let years = find("終わりの年度");
    assert!(years.field.as_deref().unwrap().ends_with(".to"));
    assert!(
        e.to_string()
            .starts_with("計画ファイルを読み込めません(6件の問題)"),
        "{e}"
    );
}

#[test]
fn a_plan_needs_a_target_and_known_structure() {
    let e = errors(&broken("target = 24.0\n", ""));
    assert!(e.to_string().contains("目標値(target)か"), "{e}");
    let e = errors(&broken(
        "format = \"machi-plan/2\"",
        "format = \"machi-plan/9\"",
    ));
    assert!(e.to_string().contains("machi-plan/2"));
    let e = errors(&broken(
        "[[areas]]\ncode = \"2-1\"",
        "[[areas]]\ncode = \"3-1\"",
    ));
    assert!(
        e.to_string().contains("の上の階層 3 は定義されていません"),
        "{e}"
    );
    let e = errors(&broken("mark = \"※2\"", "mark = \"※3\""));
    assert!(
        e.to_string()
            .contains("注記 ※2 が roadmap_notes にありません"),
        "{e}"
    );
    let e = errors("");
    assert!(e.to_string().contains("必須の項目"), "{e}");
}

#[test]
fn another_towns_small_plan_loads() {
    let text = r#"
format = "machi-plan/1"
id = "sample-2024"
title = "サンプル町DX推進計画"
adopted_wording = "令和6年4月策定"
adopted = "2024-04"
[municipality]
name = "千代田区"
code = "131016"
[period]
start = "2024-04"
end = "2027-03"
[roadmap_years]
first = "R6"
last = "令和8年度"
[[policies]]
number = 1
title = "便利な区役所"
[[areas]]
policy = 1
number = 1
title = "手続き"
[[measures]]
code = "1-1-1"
title = "電子申請"
class = "local"
text = "電子申請を増やします。"
[measures.kpi]
name = "電子申請の数"
target_wording = "100手続"
deadline_wording = "令和8年度末"
unit = "手続"
direction = "increase"
accumulation = "point"
target = 100
deadline = "R8"
[[roadmap]]
measure = "1-1-1"
items = [{ text = "準備", from = 2024, to = "R6" }]
"#;
    let plan = file::parse(text, "sample.toml").unwrap();
    assert_eq!(plan.measures[0].kpis[0].deadline, FiscalYear(2026));
    assert_eq!(file::parse(&file::to_toml(&plan), "x").unwrap(), plan);
}

pub const MIZUHO: &str = include_str!("../fixtures/mizuho-city-2022.toml");
pub const AOBA: &str = include_str!("../fixtures/aoba-pref-2024.toml");

#[test]
fn a_citys_plan_in_its_own_words_loads() {
    let plan = file::parse(MIZUHO, "mizuho.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.levels, ["基本目標", "取組分野", "取組事項"]);
    assert_eq!(plan.municipality.residents, "市民");
    assert!(plan.roadmap_years.is_none(), "no 行程表");
    let kgi = plan.kpi("kgi-1").unwrap();
    assert_eq!(kgi.item.code(), "1", "a KGI on a 基本目標");
    assert_eq!(kgi.kpi.target, Some(60.0), "full-width digits");
    assert_eq!(kgi.kpi.baseline.as_ref().unwrap().value, None, "「—」");
    let m = plan.measure("1-1-1").unwrap();
    assert_eq!(m.kpis.len(), 2);
    assert_eq!(m.kpis[0].key, "1-1-1");
    assert_eq!(m.kpis[0].yearly_target(FiscalYear(2025)), Some(100.0));
    let smart = plan.kpi("1-2-1").unwrap().kpi;
    assert_eq!(smart.years, machi::plan::model::YearBasis::CalendarYear);
    assert_eq!(smart.target, Some(1500.0), "commas");
    assert_eq!(smart.deadline_label(), "令和8年 (2026年)末");
    assert!(plan.measure("2-1-1").unwrap().kpis.is_empty());
    // Written out and read back, it is the same plan.
    let again = file::parse(&file::to_toml(&plan), "again.toml").unwrap();
    assert_eq!(again, plan);
}

#[test]
fn a_prefectures_four_level_plan_loads() {
    let plan = file::parse(AOBA, "aoba.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.levels.len(), 4);
    assert_eq!(plan.measure("1-2-1-1").unwrap().label, "Ⅰ-2-(1)-①");
    let ancestors: Vec<String> = plan
        .ancestors("1-2-1-1")
        .iter()
        .map(|i| i.label().to_string())
        .collect();
    assert_eq!(ancestors, ["Ⅰ", "Ⅰ-2", "Ⅰ-2-(1)"]);
    assert_eq!(plan.municipality.head, "知事");
    let tourists = plan.kpi("1-2-1-1").unwrap().kpi;
    assert_eq!(tourists.baseline.as_ref().unwrap().value, Some(980.0));
    assert_eq!(tourists.target, Some(1200.0));
}
