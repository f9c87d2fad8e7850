//! The オンライン申請 KPI's figure: how many procedures could be done online at the end of each
//! 年度 (or today, for the current one).

use super::store;
use crate::db::Db;
use crate::fiscal::FiscalYear;
use time::Date;

/// KPI source key: procedures with an online channel.
pub const ONLINE_PROCEDURES: &str = "procedures.online";

/// Online procedures per 年度, from the first 年度 in which any online channel was available and
/// staff had confirmed the catalog as the town's: a bundled starting catalog is no fact about
/// the town, and earlier years are not the catalog's to say (their recorded actuals stand).
pub async fn online_count_by_year(
    db: &Db,
    years: &[FiscalYear],
    today: Date,
) -> anyhow::Result<Vec<(FiscalYear, f64)>> {
    let Some(confirmed) = store::confirmation(db).await? else {
        return Ok(vec![]);
    };
    let confirmed = confirmed
        .fiscal_year()
        .unwrap_or_else(|| FiscalYear::of_date(today));
    let procs = store::procedures(db).await?;
    let known: Vec<(Date, &super::model::Procedure)> = procs
        .iter()
        .map(|p| {
            (
                crate::fiscal::jst_day(&p.created_at).unwrap_or(today),
                &p.procedure,
            )
        })
        .collect();
    let first = known
        .iter()
        .flat_map(|(from, p)| {
            p.channels
                .iter()
                .filter(|c| c.is_online())
                .map(move |c| super::model::parse_day(&c.since).unwrap_or(*from))
        })
        .min();
    let Some(first) = first else {
        return Ok(vec![]);
    };
    let first = FiscalYear::of_date(first).max(confirmed);
    let current = FiscalYear::of_date(today);
    Ok(years
        .iter()
        .filter(|fy| **fy >= first && **fy <= current)
        .map(|fy| {
            let day = if *fy == current { today } else { fy.last_day() };
            let n = known
                .iter()
                .filter(|(from, p)| p.is_online_on(day, *from))
                .count();
            (*fy, n as f64)
        })
        .collect())
}
