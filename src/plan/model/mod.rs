//! The plan as data: 2 to 4 levels (in code: policy → areas → measure; the plan names its own
//! levels, e.g. 基本方針 → 取組内容 → 施策), KPIs on any item, plus the 行程表 (roadmap), the
//! governance bodies and the body (自治体) whose plan it is. The same types are the plan file
//! (TOML, see docs/plan-format.md) and what a plan revision stores; `normalize` fills in what a
//! version 1 file or an older stored revision leaves implicit.

use crate::fiscal::FiscalYear;
use serde::{Deserialize, Serialize};

mod kpi_def;
mod normalize;
mod words;
pub use kpi_def::{Accumulation, Baseline, Direction, KpiDefinition, YearBasis, YearlyTarget};
pub use words::Words;

/// The plan file format written now.
pub const FORMAT: &str = "machi-plan/2";
/// The first format (three fixed levels, one KPI per 施策); still read.
pub const FORMAT_V1: &str = "machi-plan/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// "machi-plan/2" ("machi-plan/1" files are read and normalized to it).
    pub format: String,
    /// Stable identifier, used in URLs and the database (e.g. "kami-2023").
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subtitle: String,
    /// What the site header calls the plan after the body's name (default 「DX推進計画」).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub short_title: String,
    pub municipality: Municipality,
    /// The plan's own wording, e.g. 令和5年4月策定.
    pub adopted_wording: String,
    /// Year and month of adoption, "2023-04".
    pub adopted: YearMonth,
    pub period: Period,
    /// The id of the plan this one follows (the body's previous plan), if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub succeeds: String,
    /// Years the 行程表 covers (may start before the plan period); none without a 行程表.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roadmap_years: Option<YearRange>,
    /// How the plan says it is revised (見直しサイクル).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision_policy: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bodies: Vec<Body>,
    /// The plan's names of its levels, top first (基本方針, 取組内容, 施策): 2 to 4.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<String>,
    /// The plan's classes of 施策 with its labels (重点取組事項 …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<MeasureClass>,
    /// Legend of the 施策 classes, in the plan's words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub class_legend: String,
    /// What the plan says about アクションプラン and year-on-year comparison.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evaluation_policy: String,
    /// The top level (基本方針 …).
    pub policies: Vec<Policy>,
    /// The levels between the top and the 施策 (取組内容 …), at any depth.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<Area>,
    /// The lowest level (施策 …): what departments report on.
    pub measures: Vec<Measure>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roadmap: Vec<RoadmapRow>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roadmap_notes: Vec<RoadmapNote>,
}

/// The body (自治体) whose plan it is, and how it speaks of itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Municipality {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prefecture: String,
    /// 全国地方公共団体コード (6 digits with check digit).
    pub code: String,
    /// 町, 村, 市, 区, 県, 都, 道, 府, 広域連合 … (default: read from the end of the name).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// How the plan calls the people it serves: 町民, 市民, 県民, 住民 …
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub residents: String,
    /// The head of the body: 町長, 市長, 知事 …
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub head: String,
    /// What residents call its offices: 町役場, 市役所, 県庁 …
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub office: String,
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

/// A governance body or role the plan names. Its key says what it does in the cycle:
/// `coordinating` (or `dx_office`: drafts the plan, checks reports), `committee` (evaluates and
/// decides), `department` (the departments that report), `advisor`; other keys are shown only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
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

/// An item of the top level (基本方針 …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Its place (1, 2 …): the first segment of every code below it (read from a version 1
    /// file; otherwise from `code`).
    #[serde(default, skip_serializing)]
    pub number: u32,
    /// Its code ("1"); filled from `number` in a version 1 file.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// Its number as the plan prints it ("1", "Ⅰ", "基本目標1").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// KPIs (KGIs) set on this level, if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kpis: Vec<KpiDefinition>,
}

/// An item between the top level and the 施策 (取組内容 …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    /// Version 1: the policy's number and this area's number in it (otherwise from `code`).
    #[serde(default, skip_serializing)]
    pub policy: u32,
    #[serde(default, skip_serializing)]
    pub number: u32,
    /// Its code: the path of numbers from the top ("1-2", "1-2-3").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// Its number as the plan prints it ("1-①", "Ⅱ-2").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kpis: Vec<KpiDefinition>,
}

impl Area {
    /// "1-1"
    pub fn code(&self) -> String {
        self.code.clone()
    }
    /// "1-①" (as printed)
    pub fn label(&self) -> String {
        self.label.clone()
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

/// A class of 施策 the plan distinguishes, with its label (重点取組事項 …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureClass {
    pub key: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// An item of the lowest level (施策 …): what a department reports on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// The path of numbers from the top ("1-1-1"), used in URLs.
    pub code: String,
    /// Its number as the plan prints it ("1-①-1)", "Ⅱ-2-(3)").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    pub title: String,
    /// The key of its class (`classes`), if the plan classes its 施策.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub class: String,
    /// The plan's sentence that puts the measure in its class.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub class_basis: String,
    /// 担当課, where the plan names one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub department: String,
    /// The plan's text for the measure.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// Its KPIs (none, one or several).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kpis: Vec<KpiDefinition>,
    /// Version 1: the one KPI (moved into `kpis`).
    #[serde(default, skip_serializing)]
    pub kpi: Option<KpiDefinition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_plan: Option<ActionPlan>,
}

/// Splits a code into its numbers: "1-2-3" → [1, 2, 3]; None unless every part is a positive
/// number.
pub fn code_numbers(code: &str) -> Option<Vec<u32>> {
    code.split('-')
        .map(|p| {
            p.parse::<u32>()
                .ok()
                .filter(|n| *n > 0 && !p.starts_with('0'))
        })
        .collect()
}

/// The code of the item above ("1-2-3" → "1-2"; "1" → "").
pub fn parent_code(code: &str) -> &str {
    code.rsplit_once('-').map_or("", |(p, _)| p)
}

/// Whether `code` is `ancestor` or below it.
pub fn is_within(code: &str, ancestor: &str) -> bool {
    code == ancestor
        || code
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('-'))
}

impl Measure {
    pub fn policy_number(&self) -> u32 {
        code_numbers(&self.code)
            .and_then(|n| n.first().copied())
            .unwrap_or(0)
    }
    /// The item above: an area's code (or the policy's in a two-level plan).
    pub fn area_code(&self) -> String {
        parent_code(&self.code).to_string()
    }
    pub fn number(&self) -> u32 {
        code_numbers(&self.code)
            .and_then(|n| n.last().copied())
            .unwrap_or(0)
    }
    /// Its number as printed.
    pub fn label(&self) -> String {
        self.label.clone()
    }
    /// Its first KPI, if any.
    pub fn kpi(&self) -> Option<&KpiDefinition> {
        self.kpis.first()
    }
}

/// One line of the 行程表: a label (取組事項) and the bars in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoadmapRow {
    /// The 施策 the row belongs to; empty for plan-wide rows (a committee's founding).
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

/// An item of the plan at any level.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    Policy(&'a Policy),
    Area(&'a Area),
    Measure(&'a Measure),
}

impl<'a> Item<'a> {
    pub fn code(&self) -> &'a str {
        match self {
            Item::Policy(p) => &p.code,
            Item::Area(a) => &a.code,
            Item::Measure(m) => &m.code,
        }
    }
    pub fn label(&self) -> &'a str {
        match self {
            Item::Policy(p) => &p.label,
            Item::Area(a) => &a.label,
            Item::Measure(m) => &m.label,
        }
    }
    pub fn title(&self) -> &'a str {
        match self {
            Item::Policy(p) => &p.title,
            Item::Area(a) => &a.title,
            Item::Measure(m) => &m.title,
        }
    }
    pub fn kpis(&self) -> &'a [KpiDefinition] {
        match self {
            Item::Policy(p) => &p.kpis,
            Item::Area(a) => &a.kpis,
            Item::Measure(m) => &m.kpis,
        }
    }
    /// 1 for the top level.
    pub fn depth(&self) -> usize {
        self.code().split('-').count()
    }
}

/// A KPI with the item it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct KpiRef<'a> {
    pub item: Item<'a>,
    pub kpi: &'a KpiDefinition,
}

impl<'a> KpiRef<'a> {
    pub fn key(&self) -> &'a str {
        &self.kpi.key
    }
    /// The 施策 it belongs to, when it belongs to one.
    pub fn measure(&self) -> Option<&'a Measure> {
        match self.item {
            Item::Measure(m) => Some(m),
            _ => None,
        }
    }
}

impl Plan {
    /// A plan stored as JSON (any version), normalized.
    pub fn from_json(text: &str) -> serde_json::Result<Plan> {
        let mut plan: Plan = serde_json::from_str(text)?;
        plan.normalize();
        Ok(plan)
    }

    pub fn measure(&self, code: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.code == code)
    }
    /// How many levels the plan has (2 to 4).
    pub fn depth(&self) -> usize {
        self.levels.len()
    }
    /// The name of a level, 1 = top (基本方針); the lowest is the 施策's.
    pub fn level(&self, depth: usize) -> &str {
        self.levels
            .get(depth.saturating_sub(1))
            .map_or("", String::as_str)
    }
    /// The name of the lowest level (施策).
    pub fn measure_level(&self) -> &str {
        self.levels.last().map_or("", String::as_str)
    }
    /// Areas directly below an item.
    pub fn child_areas<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Area> {
        self.areas
            .iter()
            .filter(move |a| parent_code(&a.code) == code)
    }
    /// Measures directly below an item.
    pub fn child_measures<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Measure> {
        self.measures
            .iter()
            .filter(move |m| parent_code(&m.code) == code)
    }
    /// Areas directly below a policy.
    pub fn areas_of(&self, policy: u32) -> impl Iterator<Item = &Area> {
        self.areas
            .iter()
            .filter(move |a| a.policy == policy && a.code.split('-').count() == 2)
    }
    pub fn measures_of<'a>(&'a self, area: &'a Area) -> impl Iterator<Item = &'a Measure> {
        self.child_measures(&area.code)
    }
    /// Every measure at or below an item.
    pub fn measures_within<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Measure> {
        self.measures
            .iter()
            .filter(move |m| is_within(&m.code, code))
    }
    pub fn area_of(&self, measure: &Measure) -> Option<&Area> {
        let code = measure.area_code();
        self.areas.iter().find(|a| a.code == code)
    }
    pub fn area(&self, code: &str) -> Option<&Area> {
        self.areas.iter().find(|a| a.code == code)
    }
    pub fn policy(&self, number: u32) -> Option<&Policy> {
        self.policies.iter().find(|p| p.number == number)
    }
    /// Any item by its code.
    pub fn item(&self, code: &str) -> Option<Item<'_>> {
        self.policies
            .iter()
            .find(|p| p.code == code)
            .map(Item::Policy)
            .or_else(|| self.area(code).map(Item::Area))
            .or_else(|| self.measure(code).map(Item::Measure))
    }
    /// The items from the top down to `code` (excluded).
    pub fn ancestors(&self, code: &str) -> Vec<Item<'_>> {
        let mut out = Vec::new();
        let mut c = parent_code(code);
        while !c.is_empty() {
            if let Some(i) = self.item(c) {
                out.push(i);
            }
            c = parent_code(c);
        }
        out.reverse();
        out
    }
    /// Every item in reading order: a policy, then what is below it, depth first.
    pub fn items(&self) -> Vec<Item<'_>> {
        fn below<'a>(plan: &'a Plan, code: &'a str, out: &mut Vec<Item<'a>>) {
            for a in plan.child_areas(code) {
                out.push(Item::Area(a));
                below(plan, &a.code, out);
            }
            out.extend(plan.child_measures(code).map(Item::Measure));
        }
        let mut out = Vec::new();
        for p in &self.policies {
            out.push(Item::Policy(p));
            below(self, &p.code, &mut out);
        }
        out
    }
    /// Every KPI, in reading order.
    pub fn kpis(&self) -> Vec<KpiRef<'_>> {
        self.items()
            .into_iter()
            .flat_map(|item| item.kpis().iter().map(move |kpi| KpiRef { item, kpi }))
            .collect()
    }
    /// The KPIs at or below an item.
    pub fn kpis_within(&self, code: &str) -> Vec<KpiRef<'_>> {
        self.kpis()
            .into_iter()
            .filter(|k| is_within(k.item.code(), code))
            .collect()
    }
    pub fn kpi(&self, key: &str) -> Option<KpiRef<'_>> {
        self.kpis().into_iter().find(|k| k.kpi.key == key)
    }
    pub fn class(&self, key: &str) -> Option<&MeasureClass> {
        self.classes.iter().find(|c| c.key == key)
    }
    pub fn roadmap_of<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a RoadmapRow> {
        self.roadmap.iter().filter(move |r| r.measure == code)
    }
    pub fn body(&self, key: &str) -> Option<&Body> {
        self.bodies.iter().find(|b| b.key == key)
    }
    /// The body that coordinates the plan (drafts it, checks reports).
    pub fn coordinating(&self) -> Option<&Body> {
        self.body("coordinating").or_else(|| self.body("dx_office"))
    }
    /// The body that evaluates and decides.
    pub fn committee(&self) -> Option<&Body> {
        self.body("committee")
    }
}
