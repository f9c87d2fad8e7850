//! A KPI as the plan defines it: its wording, kept verbatim, beside the typed fields machi computes
//! with. Values may be written as people write them ("４５", "1,000,000", "—" for none).

use crate::fiscal::FiscalYear;
use serde::{Deserialize, Deserializer, Serialize};

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

/// Whether a KPI counts by 年度 (April–March) or by calendar year (年).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearBasis {
    #[default]
    FiscalYear,
    CalendarYear,
}

impl YearBasis {
    fn is_fiscal(&self) -> bool {
        *self == YearBasis::FiscalYear
    }

    /// A year of this basis as people write it: 令和7年度 / 令和7年.
    pub fn wareki(self, y: FiscalYear) -> String {
        match self {
            YearBasis::FiscalYear => y.wareki(),
            YearBasis::CalendarYear => calendar_wareki(y.0),
        }
    }

    /// R7 (the axis of a chart) / 2025.
    pub fn short(self, y: FiscalYear) -> String {
        match self {
            YearBasis::FiscalYear => y.short(),
            YearBasis::CalendarYear => y.0.to_string(),
        }
    }

    /// 令和7年度 (2025年度) / 令和7年 (2025年).
    pub fn label(self, y: FiscalYear) -> String {
        match self {
            YearBasis::FiscalYear => y.label(),
            YearBasis::CalendarYear => format!("{} ({}年)", calendar_wareki(y.0), y.0),
        }
    }

    /// The year a day falls in.
    pub fn of_date(self, d: time::Date) -> FiscalYear {
        match self {
            YearBasis::FiscalYear => FiscalYear::of_date(d),
            YearBasis::CalendarYear => FiscalYear(d.year()),
        }
    }

    /// 年度末 / 年末.
    pub fn end_word(self) -> &'static str {
        match self {
            YearBasis::FiscalYear => "末",
            YearBasis::CalendarYear => "末",
        }
    }
}

/// A calendar year in 和暦, by the era that began in or before it (令和元年 = 2019).
fn calendar_wareki(year: i32) -> String {
    let w = FiscalYear(year).wareki();
    w.strip_suffix("年度")
        .map_or(w.clone(), |s| format!("{s}年"))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Empty when the plan names the base year but not the value ("—"); the 年度's recorded
    /// actual is used.
    #[serde(
        default,
        deserialize_with = "lenient_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal_year: Option<FiscalYear>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearlyTarget {
    pub fiscal_year: FiscalYear,
    #[serde(deserialize_with = "lenient")]
    pub target: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiDefinition {
    /// Stable key, unique in the plan: what actuals and URLs name. Defaults to the code of the
    /// item it belongs to (its second KPI `code.2`, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// KPI as the plan words it.
    pub name: String,
    /// 数値目標 as the plan words it.
    pub target_wording: String,
    /// 達成時期 as the plan words it.
    pub deadline_wording: String,
    pub unit: String,
    pub direction: Direction,
    pub accumulation: Accumulation,
    /// Years are 年度 (default) or calendar years (年).
    #[serde(default, skip_serializing_if = "YearBasis::is_fiscal")]
    pub years: YearBasis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    /// Final target as a value …
    #[serde(
        default,
        deserialize_with = "lenient_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub target: Option<f64>,
    /// … or as a change from the baseline in percent (−20 = 20%削減).
    #[serde(
        default,
        deserialize_with = "lenient_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub target_change_percent: Option<f64>,
    /// The year by whose end the target is due.
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
    /// The key of the KPI of the previous plan this one continues (its series runs on).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub follows: String,
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

    /// 令和7年度末 / 令和7年末.
    pub fn deadline_label(&self) -> String {
        format!("{}末", self.years.label(self.deadline))
    }
}

/// Words people write for "no value".
fn is_none_word(s: &str) -> bool {
    matches!(
        s.trim(),
        "" | "—" | "―" | "－" | "-" | "‐" | "ー" | "なし" | "未定" | "不明"
    )
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(f64),
    Text(String),
}

fn read(v: NumberOrText) -> Result<Option<f64>, String> {
    match v {
        NumberOrText::Number(n) => Ok(Some(n)),
        NumberOrText::Text(t) if is_none_word(&t) => Ok(None),
        NumberOrText::Text(t) => crate::input::parse_number(&t)
            .map(Some)
            .map_err(|e| e.to_string()),
    }
}

/// A number written as a number or as text ("４５", "1,000"; "—" for none).
fn lenient_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = Option::<NumberOrText>::deserialize(d)?;
    match v {
        None => Ok(None),
        Some(v) => read(v).map_err(serde::de::Error::custom),
    }
}

/// A number that must be there, written as a number or as text.
fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    read(NumberOrText::deserialize(d)?)
        .map_err(serde::de::Error::custom)?
        .ok_or_else(|| serde::de::Error::custom("値が必要です(「—」は使えません)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "lenient_opt")]
        v: Option<f64>,
    }

    #[test]
    fn values_as_people_write_them() {
        let read = |s: &str| toml::from_str::<T>(s).map(|t| t.v);
        assert_eq!(read("v = 45").unwrap(), Some(45.0));
        assert_eq!(read("v = 12.5").unwrap(), Some(12.5));
        assert_eq!(read("v = \"４５\"").unwrap(), Some(45.0));
        assert_eq!(read("v = \"1,000,000\"").unwrap(), Some(1_000_000.0));
        assert_eq!(read("v = \"—\"").unwrap(), None);
        assert_eq!(read("").unwrap(), None);
        assert!(read("v = \"四十五\"").is_err());
    }

    #[test]
    fn calendar_years_are_named_as_years() {
        assert_eq!(YearBasis::CalendarYear.wareki(FiscalYear(2025)), "令和7年");
        assert_eq!(YearBasis::FiscalYear.wareki(FiscalYear(2025)), "令和7年度");
        assert_eq!(
            YearBasis::CalendarYear.of_date(time::macros::date!(2026 - 02 - 01)),
            FiscalYear(2026)
        );
    }
}
