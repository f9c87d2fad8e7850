//! Fees and the receipts ledger (#17): what residents pay the town, through which channel, kept
//! append-only (corrections are reversing entries), the 日計 per counter and day, and the
//! cashless share of KPI 1-①-3. This first part holds the ledger's values and figures
//! (`model`), storage (`store`) and the KPI source `receipts.cashless_share`; pages, imports and
//! the payment providers follow.

pub mod model;
pub mod store;

use crate::app::AppState;
use crate::fiscal::FiscalYear;
use crate::modules::{KpiSource, SourceFigures};
use model::DirectDebitRule;

/// KPI source: cashless receipts ÷ all receipts × 100 per 年度, by count.
pub const CASHLESS_SHARE: &str = "receipts.cashless_share";

/// Each 年度's cashless share by count, for the 年度 that had receipts up to `today` (a 年度
/// with none has no figure: nothing counted is not 0%).
pub async fn cashless_by_year(
    state: &AppState,
    years: &[FiscalYear],
    today: time::Date,
) -> anyhow::Result<Vec<(FiscalYear, f64)>> {
    let mut out = Vec::new();
    for &year in years {
        if year.first_day() > today {
            continue;
        }
        let share = store::share(&state.db, year, DirectDebitRule::default()).await?;
        if let Some(v) = share.by_count() {
            out.push((year, v));
        }
    }
    Ok(out)
}

pub struct ReceiptsModule;

impl crate::modules::Module for ReceiptsModule {
    fn name(&self) -> &'static str {
        "receipts"
    }
    fn kpi_sources(&self) -> Vec<KpiSource> {
        vec![KpiSource {
            key: CASHLESS_SHARE,
            label: "収納の記録(キャッシュレスの件数 ÷ 全件数。口座振替はキャッシュレスに数えない)",
            figures: |state, _key, years, today| {
                Box::pin(async move {
                    Ok(SourceFigures {
                        values: cashless_by_year(state, years, today).await?,
                        ..SourceFigures::default()
                    })
                })
            },
        }]
    }
}
