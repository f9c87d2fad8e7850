//! Fees and the receipts ledger (#17): what residents pay the town, through which channel, kept
//! append-only (corrections are reversing entries), the 日計 per counter and day, and the
//! cashless share of KPI 1-①-3. The values and figures are in `model`, storage in
//! `store`, the 日計's close in `days`, the files in `import`, the pages in `routes`.

pub mod commands;
pub mod days;
pub mod import;
pub mod model;
pub mod routes;
pub mod store;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::fiscal::FiscalYear;
use crate::modules::{KpiSource, NavEntry, SourceFigures};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use model::DirectDebitRule;

/// Record receipts, reverse one, import the terminal's, コンビニ and eL-QR files.
pub const RECORD_RECEIPTS: Action = Action::new("receipts.record", "収納を記録・取消・取込する");
/// Close a counter's 日計, or confirm another's close.
pub const CLOSE_DAY: Action = Action::new("receipts.close_day", "窓口の日計を締める・確認する");

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
    fn navigation(&self) -> Vec<NavEntry> {
        vec![NavEntry::staff(
            "収納",
            "/staff/receipts",
            "receipts",
            &[RECORD_RECEIPTS, CLOSE_DAY],
            21,
        )]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![
            Grant::any(RECORD_RECEIPTS, &[Role::DxOffice, Role::DepartmentEditor]),
            Grant::any(CLOSE_DAY, &[Role::DxOffice, Role::DepartmentEditor]),
        ]
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new().route("/payments", get(routes::public))
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/receipts", get(routes::ledger).post(routes::record))
            .route(
                "/staff/receipts/import",
                post(routes::import_upload)
                    .layer(DefaultBodyLimit::max(routes::MAX_FILE + 64 * 1024)),
            )
            .route(
                "/staff/receipts/day",
                get(routes::day).post(routes::day_act),
            )
            .route("/staff/receipts/{id}/reverse", post(routes::reverse))
    }
    fn kpi_sources(&self) -> Vec<KpiSource> {
        vec![KpiSource {
            key: CASHLESS_SHARE,
            label: "収納の記録(キャッシュレスの件数 ÷ 全件数。口座振替はキャッシュレスに数えない)",
            figures: |state, _key, years, today| {
                Box::pin(async move {
                    Ok(SourceFigures {
                        values: cashless_by_year(state, years, today).await?,
                        link: Some("/payments".into()),
                        ..SourceFigures::default()
                    })
                })
            },
        }]
    }
}
