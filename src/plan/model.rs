//! The plan as data: 計画 → 基本方針 (policy) → 取組内容 (area) → 施策 (measure), each measure with
//! its KPI, plus the 行程表 (roadmap) and the governance bodies. The same types are the plan file
//! (TOML, see docs/plan-format.md) and what a plan revision stores.

use crate::fiscal::FiscalYear;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Always "machi-plan/1" for this version of the format.
    pub format: String,
    /// Stable identifier, used in URLs and the database (e.g. "kami-2023").
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subtitle: String,
    pub municipality: Municipality,
    /// The plan's own wording, e.g. 令和5年4月策定.
    pub adopted_wording: String,
    /// Year and month of adoption, "2023-04".
    pub adopted: YearMonth,
    pub period: Period,
    /// Fiscal years the 行程表 covers (may start before the plan period).
    pub roadmap_years: YearRange,
    /// How the plan says it is revised (見直しサイクル).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision_policy: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bodies: Vec<Body>,
    /// Legend of the 施策 classes, in the plan's words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub class_legend: String,
    /// What the plan says about アクションプラン and year-on-year comparison.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evaluation_policy: String,
    pub policies: Vec<Policy>,
    pub areas: Vec<Area>,
    pub measures: Vec<Measure>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roadmap: Vec<RoadmapRow>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roadmap_notes: Vec<RoadmapNote>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Municipality {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prefecture: String,
    /// 全国地方公共団体コード (6 digits with check digit).
    pub code: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: i32,
    pub month: u8,
}

impl YearMonth {
    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.trim().split_once('-')?;
        let year: i32 = y.parse().ok()?;
        let month: u8 = m.parse().ok()?;
        ((1..=12).contains(&month) && (1900..=9999).contains(&year))
            .then_some(YearMonth { year, month })
    }

    pub fn wareki(self) -> String {
        crate::fiscal::wareki_month(self.year, self.month)
    }

    pub fn fiscal_year(self) -> FiscalYear {
        FiscalYear(if self.month >= 4 {
            self.year
        } else {
            self.year - 1
        })
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:04}-{:02}", self.year, self.month))
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        YearMonth::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("「{s}」は年月として読めません(例: \"2023-04\")"))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub start: YearMonth,
    pub end: YearMonth,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub wording: String,
}

impl Period {
    pub fn first_fiscal_year(&self) -> FiscalYear {
        self.start.fiscal_year()
    }
    pub fn last_fiscal_year(&self) -> FiscalYear {
        self.end.fiscal_year()
    }
    pub fn fiscal_years(&self) -> impl Iterator<Item = FiscalYear> {
        (self.first_fiscal_year().0..=self.last_fiscal_year().0).map(FiscalYear)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearRange {
    pub first: FiscalYear,
    pub last: FiscalYear,
}

impl YearRange {
    pub fn years(&self) -> impl Iterator<Item = FiscalYear> {
        (self.first.0..=self.last.0).map(FiscalYear)
    }
}

/// A governance body or role the plan names (情報化推進委員会, 業務主管課, 企画課, アドバイザー).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    /// committee / department / dx_office / advisor, or a town's own key.
    pub key: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// How often it meets or reports, in the plan's words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cadence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub number: u32,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    pub policy: u32,
    pub number: u32,
    pub title: String,
}

impl Area {
    /// "1-1"
    pub fn code(&self) -> String {
        format!("{}-{}", self.policy, self.number)
    }
    /// "1-①"
    pub fn label(&self) -> String {
        format!("{}-{}", self.policy, circled(self.number))
    }
}

/// ① for 1 … ⑳ for 20; plain digits beyond.
pub fn circled(n: u32) -> String {
    if (1..=20).contains(&n) {
        char::from_u32(0x2460 + n - 1)
            .map(String::from)
            .unwrap_or_default()
    } else {
        format!("({n})")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureClass {
    /// 自治体DX推進計画 重点取組事項
    Priority,
    /// 自治体DXとあわせて取り組むべき事項
    Companion,
    /// 町独自の取組
    Local,
}

impl MeasureClass {
    pub fn label(self) -> &'static str {
        match self {
            MeasureClass::Priority => "重点取組事項",
            MeasureClass::Companion => "あわせて取り組むべき事項",
            MeasureClass::Local => "町独自の取組",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            MeasureClass::Priority => "priority",
            MeasureClass::Companion => "companion",
            MeasureClass::Local => "local",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// "1-1-1": 基本方針-取組内容-施策, used in URLs.
    pub code: String,
    pub title: String,
    pub class: MeasureClass,
    /// The plan's sentence that puts the measure in its class.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub class_basis: String,
    /// 担当課, where the plan names one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub department: String,
    /// The plan's text for the measure.
    pub text: String,
    pub kpi: KpiDefinition,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_plan: Option<ActionPlan>,
}

impl Measure {
    pub fn policy_number(&self) -> u32 {
        self.code_parts().0
    }
    pub fn area_code(&self) -> String {
        let (p, a, _) = self.code_parts();
        format!("{p}-{a}")
    }
    pub fn number(&self) -> u32 {
        self.code_parts().2
    }
    /// "1-①-1)" as the plan numbers it.
    pub fn label(&self) -> String {
        let (p, a, m) = self.code_parts();
        format!("{p}-{}-{m})", circled(a))
    }
    /// Validated at load time: three positive numbers joined by '-'.
    pub fn code_parts(&self) -> (u32, u32, u32) {
        parse_measure_code(&self.code).unwrap_or((0, 0, 0))
    }
}

pub fn parse_measure_code(code: &str) -> Option<(u32, u32, u32)> {
    let mut it = code
        .split('-')
        .map(|p| p.parse::<u32>().ok().filter(|n| *n > 0));
    let (p, a, m) = (it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some((p, a, m))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Increase,
    Decrease,
    Maintain,
}

impl Direction {
    pub fn label(self) -> &'static str {
        match self {
            Direction::Increase => "増やす",
            Direction::Decrease => "減らす",
            Direction::Maintain => "維持",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Accumulation {
    /// 時点の値: the value at the end of each 年度.
    Point,
    /// 累計(延べ): each 年度's count adds up; targets are cumulative.
    Cumulative,
    /// 毎年度 ≥ N: each 年度 is judged on its own.
    Annual,
    /// 比率: a percentage measured per 年度.
    Ratio,
    /// 完了(マイルストーン): progress towards a completed state.
    Completion,
}

impl Accumulation {
    pub fn label(self) -> &'static str {
        match self {
            Accumulation::Point => "時点の値",
            Accumulation::Cumulative => "累計(延べ)",
            Accumulation::Annual => "毎年度",
            Accumulation::Ratio => "比率",
            Accumulation::Completion => "完了",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Empty when the plan names the base year but not the value; the 年度's recorded actual is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal_year: Option<FiscalYear>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearlyTarget {
    pub fiscal_year: FiscalYear,
    pub target: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiDefinition {
    /// KPI as the plan words it.
    pub name: String,
    /// 数値目標 as the plan words it.
    pub target_wording: String,
    /// 達成時期 as the plan words it.
    pub deadline_wording: String,
    pub unit: String,
    pub direction: Direction,
    pub accumulation: Accumulation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    /// Final target as a value …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// … or as a change from the baseline in percent (−20 = 20%削減).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_change_percent: Option<f64>,
    /// The 年度 by whose end the target is due.
    pub deadline: FiscalYear,
    /// The target keeps applying after the deadline (以後継続).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub continues: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub yearly_targets: Vec<YearlyTarget>,
    /// Where actuals come from: "manual" until a module provides the figure.
    #[serde(default = "manual_source")]
    pub source: String,
    /// Which comparable kind of KPI this is (`plan::kinds`), for views across towns.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// How we read the plan's wording into the typed fields, where it needed reading.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reading: String,
}

fn manual_source() -> String {
    "manual".to_string()
}

impl KpiDefinition {
    pub fn yearly_target(&self, fy: FiscalYear) -> Option<f64> {
        self.yearly_targets
            .iter()
            .find(|t| t.fiscal_year == fy)
            .map(|t| t.target)
    }
}

/// One line of the 行程表: a label (取組事項) and the bars in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoadmapRow {
    /// The 施策 the row belongs to; empty for plan-wide rows (情報化推進委員会の設置).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub measure: String,
    /// 取組事項 as written in the row; empty when the row continues the one above.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    pub items: Vec<RoadmapItem>,
    /// 【参考】(目標時期) column.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target_time: String,
    /// Marks of notes that apply (※1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoadmapItem {
    pub text: String,
    pub from: FiscalYear,
    pub to: FiscalYear,
    /// Why this span, where the source text left it open.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reading: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoadmapNote {
    pub mark: String,
    pub text: String,
}

/// The アクションプラン sheet's own fields (the rest comes from the measure and its KPI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionPlan {
    /// 施策NO.
    pub number: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub department: String,
    /// 新規 or 継続.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub new_or_continuing: String,
    /// 事業名
    pub project_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comprehensive_plan: Option<ComprehensivePlanLink>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dx_plan: Option<DxPlanLink>,
    /// 事業の概要
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub overview: String,
    /// 事業の効果
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub effect: String,
    /// スケジュール rows, each a list of bars.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<ScheduleRow>,
    /// 備考
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remarks: String,
}

/// Link to the 第2次総合計画 後期基本計画.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComprehensivePlanLink {
    pub plan: String,
    pub policy: String,
    pub main_measure: String,
}

/// The sheet's 町DX推進計画 block, kept in the sheet's words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DxPlanLink {
    pub policy: String,
    pub area: String,
    pub measure: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRow {
    pub items: Vec<RoadmapItem>,
}

impl Plan {
    pub fn measure(&self, code: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.code == code)
    }
    pub fn areas_of(&self, policy: u32) -> impl Iterator<Item = &Area> {
        self.areas.iter().filter(move |a| a.policy == policy)
    }
    pub fn measures_of(&self, area: &Area) -> impl Iterator<Item = &Measure> {
        let code = area.code();
        self.measures.iter().filter(move |m| m.area_code() == code)
    }
    pub fn area_of(&self, measure: &Measure) -> Option<&Area> {
        let code = measure.area_code();
        self.areas.iter().find(|a| a.code() == code)
    }
    pub fn policy(&self, number: u32) -> Option<&Policy> {
        self.policies.iter().find(|p| p.number == number)
    }
    pub fn roadmap_of<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a RoadmapRow> {
        self.roadmap.iter().filter(move |r| r.measure == code)
    }
    pub fn body(&self, key: &str) -> Option<&Body> {
        self.bodies.iter().find(|b| b.key == key)
    }
}
