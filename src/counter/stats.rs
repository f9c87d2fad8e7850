//! Stay time (受付から完了まで) in minutes: median and 90th percentile per life event, month and
//! 年度, and the 滞在時間 KPI's figure (the median of all life events per 年度).

use super::store::{self, Timing};
use crate::db::Db;
use crate::fiscal::FiscalYear;

/// KPI source key: median stay at the counter.
pub const STAY_TIME: &str = "counter.stay_time";

/// Median (mean of the middle two for an even count) of minutes.
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    Some(if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    })
}

/// Nearest-rank percentile: the smallest value with at least p% of values at or below it.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub median: f64,
    pub p90: f64,
}

pub fn summarise(minutes: &[f64]) -> Option<Summary> {
    let mut v = minutes.to_vec();
    v.sort_by(f64::total_cmp);
    Some(Summary {
        count: v.len(),
        median: median(&v)?,
        p90: percentile(&v, 90.0)?,
    })
}

fn minutes(t: &Timing) -> f64 {
    t.stay_seconds as f64 / 60.0
}

/// One row of the statistics table.
#[derive(Debug, Clone)]
pub struct Row {
    /// 年度 label or 和暦 month.
    pub period: String,
    pub life_event: String,
    pub summary: Summary,
}

/// Rows per 年度 and per month, each per life event (key) and for all (empty key).
pub fn table(timings: &[Timing]) -> (Vec<Row>, Vec<Row>) {
    type Groups<K> = Vec<((K, String), Vec<f64>)>;
    let mut by_year: Groups<FiscalYear> = Vec::new();
    let mut by_month: Groups<(i32, u8)> = Vec::new();
    fn push<K: PartialEq>(list: &mut Vec<(K, Vec<f64>)>, key: K, v: f64) {
        match list.iter_mut().find(|(k, _)| *k == key) {
            Some((_, vs)) => vs.push(v),
            None => list.push((key, vec![v])),
        }
    }
    for t in timings {
        let fy = FiscalYear::of_date(t.opened_on);
        let ym = (t.opened_on.year(), u8::from(t.opened_on.month()));
        for ev in [t.life_event.clone(), String::new()] {
            push(&mut by_year, (fy, ev.clone()), minutes(t));
            push(&mut by_month, (ym, ev), minutes(t));
        }
    }
    by_year.sort_by(|a, b| a.0.cmp(&b.0));
    by_month.sort_by(|a, b| a.0.cmp(&b.0));
    let years = by_year
        .into_iter()
        .filter_map(|((fy, ev), v)| {
            Some(Row {
                period: fy.label(),
                life_event: ev,
                summary: summarise(&v)?,
            })
        })
        .collect();
    let months = by_month
        .into_iter()
        .filter_map(|(((y, m), ev), v)| {
            Some(Row {
                period: crate::fiscal::wareki_month(y, m),
                life_event: ev,
                summary: summarise(&v)?,
            })
        })
        .collect();
    (years, months)
}

/// The KPI's actual per 年度: the median stay of all completed visits, rounded to 0.1 minute.
pub fn median_by_year(
    timings: &[Timing],
    years: &[FiscalYear],
    current: FiscalYear,
) -> Vec<(FiscalYear, f64)> {
    years
        .iter()
        .filter(|fy| **fy <= current)
        .filter_map(|fy| {
            let v: Vec<f64> = timings
                .iter()
                .filter(|t| fy.contains(t.opened_on))
                .map(minutes)
                .collect();
            summarise(&v).map(|s| (*fy, (s.median * 10.0).round() / 10.0))
        })
        .collect()
}

/// The first full 年度 the counter ran: the 年度 of the first visit if it opened on 4月1日,
/// else the next one.
pub fn first_full_year(first_visit: time::Date) -> FiscalYear {
    let fy = FiscalYear::of_date(first_visit);
    if first_visit == fy.first_day() {
        fy
    } else {
        fy.next()
    }
}

pub async fn stay_by_year(
    db: &Db,
    years: &[FiscalYear],
    today: time::Date,
) -> anyhow::Result<(Vec<(FiscalYear, f64)>, Option<FiscalYear>)> {
    let timings = store::timings(db).await?;
    let first = store::first_visit_day(db).await?.map(first_full_year);
    Ok((
        median_by_year(&timings, years, FiscalYear::of_date(today)),
        first,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_nearest_rank_p90() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(median(&v), Some(5.5));
        assert_eq!(percentile(&v, 90.0), Some(9.0));
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(percentile(&[3.0], 90.0), Some(3.0));
        assert_eq!(median(&[]), None);
        let v: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(median(&v), Some(6.0));
        assert_eq!(percentile(&v, 90.0), Some(10.0));
    }

    #[test]
    fn first_full_year_starts_in_april() {
        use time::macros::date;
        assert_eq!(first_full_year(date!(2024 - 04 - 01)), FiscalYear(2024));
        assert_eq!(first_full_year(date!(2024 - 04 - 02)), FiscalYear(2025));
        assert_eq!(first_full_year(date!(2025 - 03 - 31)), FiscalYear(2025));
    }
}
