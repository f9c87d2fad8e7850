//! A register's KPI figure per 年度, by the rule its file declares (`[kpi]`). The same few
//! measures serve every register, so a town's own register gets its KPI without code.
//!
//! Which rows belong to a 年度 (4月1日 – 3月31日):
//! - `year_by = "field"`: rows whose date falls in the 年度 (`cumulative`: in it or before);
//! - `active_from` / `active_until`: rows in force on 3月31日 — started on or before it and not
//!   stopped on or before it (a use stopped on 3月31日 no longer counts at 年度末).
//!
//! A register speaks only from the first 年度 it has a row for, and never for a 年度 not yet
//! begun; from then on an empty 年度 counts 0 (except `latest` and `ratio`, which need rows).

use super::definition::{KpiDef, Measure};
use super::value::FieldValue;
use crate::fiscal::FiscalYear;
use std::collections::{BTreeMap, HashSet};
use time::Date;

pub type Row = BTreeMap<String, FieldValue>;

fn date(row: &Row, field: &Option<String>) -> Option<Date> {
    field
        .as_ref()
        .and_then(|f| row.get(f))
        .and_then(FieldValue::date)
}

fn number(row: &Row, field: &Option<String>) -> f64 {
    field
        .as_ref()
        .and_then(|f| row.get(f))
        .and_then(FieldValue::number)
        .unwrap_or(0.0)
}

/// The figures for `years` (only those begun by `today` and not before the register's first).
pub fn figures(
    kpi: &KpiDef,
    rows: &[Row],
    years: &[FiscalYear],
    today: Date,
) -> Vec<(FiscalYear, f64)> {
    let rows: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            kpi.only.iter().all(|(field, allowed)| {
                matches!(r.get(field), Some(FieldValue::Text(t)) if allowed.contains(t))
            })
        })
        .collect();
    let placed = |r: &Row| date(r, &kpi.year_by).or_else(|| date(r, &kpi.active_from));
    let Some(first) = rows.iter().filter_map(|r| placed(r)).min() else {
        return Vec::new();
    };
    let first = FiscalYear::of_date(first);
    let mut out = Vec::new();
    for &year in years {
        if year < first || year.first_day() > today {
            continue;
        }
        let (start, end) = (year.first_day(), year.last_day());
        let in_year: Vec<&Row> = rows
            .iter()
            .copied()
            .filter(|r| {
                if kpi.year_by.is_some() {
                    date(r, &kpi.year_by)
                        .is_some_and(|d| d <= end && (kpi.cumulative || d >= start))
                } else {
                    date(r, &kpi.active_from).is_some_and(|from| from <= end)
                        && date(r, &kpi.active_until).is_none_or(|until| until > end)
                }
            })
            .collect();
        let value = match kpi.measure {
            Measure::Count => Some(in_year.len() as f64),
            Measure::CountDistinct => {
                let distinct: HashSet<String> = in_year
                    .iter()
                    .filter_map(|r| kpi.field.as_ref().and_then(|f| r.get(f)))
                    .map(FieldValue::text)
                    .collect();
                Some(distinct.len() as f64)
            }
            Measure::Sum => Some(in_year.iter().map(|r| number(r, &kpi.field)).sum()),
            Measure::Latest => in_year
                .iter()
                .filter(|r| kpi.field.as_ref().and_then(|f| r.get(f)).is_some())
                .max_by_key(|r| date(r, &kpi.year_by))
                .map(|r| number(r, &kpi.field)),
            Measure::Ratio => {
                let num: f64 = in_year.iter().map(|r| number(r, &kpi.numerator)).sum();
                let den: f64 = in_year.iter().map(|r| number(r, &kpi.denominator)).sum();
                (den != 0.0).then(|| num * 100.0 / den)
            }
        };
        if let Some(v) = value {
            out.push((year, v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::definition::RegisterDef;
    use super::*;
    use time::macros::date;

    fn def(kpi: &str) -> RegisterDef {
        RegisterDef::parse(&format!(
            r#"
key = "t"
title = "試験"
[[fields]]
key = "what"
label = "業務"
type = "text"
[[fields]]
key = "state"
label = "状態"
type = "choice"
choices = ["立案", "実施中", "完了"]
[[fields]]
key = "from"
label = "開始日"
type = "date"
[[fields]]
key = "until"
label = "終了日"
type = "date"
[[fields]]
key = "n"
label = "枚数"
type = "integer"
[[fields]]
key = "d"
label = "人口"
type = "integer"
[kpi]
{kpi}
"#
        ))
        .unwrap()
    }

    fn row(cells: &[(&str, &str)], d: &RegisterDef) -> Row {
        cells
            .iter()
            .map(|(k, v)| {
                let f = d.field(k).unwrap();
                (k.to_string(), FieldValue::read(f, v).unwrap().unwrap())
            })
            .collect()
    }

    const TODAY: Date = date!(2026 - 12 - 04);

    fn years() -> Vec<FiscalYear> {
        (2021..=2027).map(FiscalYear).collect()
    }

    #[test]
    fn rows_in_force_on_the_31st_of_march_count_for_that_year() {
        let d = def(
            "measure = \"count_distinct\"\nfield = \"what\"\nactive_from = \"from\"\nactive_until = \"until\"",
        );
        let rows = [
            // Started on the last day of 令和4年度: counts for 2022.
            row(&[("what", "AI-OCR 税"), ("from", "2023-03-31")], &d),
            // Started on the first day of 令和5年度: not for 2022.
            row(
                &[
                    ("what", "RPA 給与"),
                    ("from", "2023-04-01"),
                    ("until", "2025-03-31"),
                ],
                &d,
            ),
            // Stopped on 3月31日: no longer in use at that 年度末; stopped on 4月1日: still was.
            row(
                &[
                    ("what", "チャットボット"),
                    ("from", "2023-06-01"),
                    ("until", "2024-04-01"),
                ],
                &d,
            ),
            // The same 業務 twice counts once.
            row(&[("what", "AI-OCR 税"), ("from", "2024-05-01")], &d),
        ];
        let f = figures(d.kpi.as_ref().unwrap(), &rows, &years(), TODAY);
        assert_eq!(
            f,
            [
                (FiscalYear(2022), 1.0),
                (FiscalYear(2023), 3.0),
                (FiscalYear(2024), 1.0),
                (FiscalYear(2025), 1.0),
                (FiscalYear(2026), 1.0),
            ]
        );
    }

    #[test]
    fn counts_sums_and_ratios_per_fiscal_year() {
        let rows_of = |d: &RegisterDef| {
            [
                row(
                    &[
                        ("state", "実施中"),
                        ("from", "2022-03-31"),
                        ("n", "10"),
                        ("d", "100"),
                    ],
                    d,
                ),
                row(
                    &[
                        ("state", "立案"),
                        ("from", "2022-04-01"),
                        ("n", "5"),
                        ("d", "100"),
                    ],
                    d,
                ),
                row(
                    &[
                        ("state", "完了"),
                        ("from", "2024-03-31"),
                        ("n", "7"),
                        ("d", "50"),
                    ],
                    d,
                ),
            ]
        };
        let d = def(
            "measure = \"count\"\nyear_by = \"from\"\ncumulative = true\nwhere = { state = [\"実施中\", \"完了\"] }",
        );
        let f = figures(d.kpi.as_ref().unwrap(), &rows_of(&d), &years(), TODAY);
        assert_eq!(
            f[..3],
            [
                (FiscalYear(2021), 1.0),
                (FiscalYear(2022), 1.0),
                (FiscalYear(2023), 2.0)
            ]
        );
        // Nothing for a 年度 not yet begun.
        assert_eq!(f.last(), Some(&(FiscalYear(2026), 2.0)));
        let d = def("measure = \"sum\"\nfield = \"n\"\nyear_by = \"from\"");
        let f = figures(d.kpi.as_ref().unwrap(), &rows_of(&d), &years(), TODAY);
        assert_eq!(
            f[..4],
            [
                (FiscalYear(2021), 10.0),
                (FiscalYear(2022), 5.0),
                (FiscalYear(2023), 7.0),
                (FiscalYear(2024), 0.0)
            ]
        );
        let d =
            def("measure = \"ratio\"\nnumerator = \"n\"\ndenominator = \"d\"\nyear_by = \"from\"");
        let f = figures(d.kpi.as_ref().unwrap(), &rows_of(&d), &years(), TODAY);
        assert_eq!(
            f,
            [
                (FiscalYear(2021), 10.0),
                (FiscalYear(2022), 5.0),
                (FiscalYear(2023), 14.0)
            ]
        );
        let d = def("measure = \"latest\"\nfield = \"n\"\nyear_by = \"from\"");
        let f = figures(d.kpi.as_ref().unwrap(), &rows_of(&d), &years(), TODAY);
        assert_eq!(
            f,
            [
                (FiscalYear(2021), 10.0),
                (FiscalYear(2022), 5.0),
                (FiscalYear(2023), 7.0)
            ]
        );
        // A register with no row says nothing.
        assert!(figures(d.kpi.as_ref().unwrap(), &[], &years(), TODAY).is_empty());
    }
}
