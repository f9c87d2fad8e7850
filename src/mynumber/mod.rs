//! マイナンバーカード (施策 1-②-1): 総務省's published 交付状況 table imported as it comes (xlsx or
//! CSV), this body's row found by 団体コード or by 都道府県 and name, each 基準日 kept; the KPI
//! takes the latest rate of each 年度, and a chart shows every 基準日.

mod routes;
pub mod store;
pub mod table;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::fiscal::FiscalYear;
use crate::modules::{KpiSource, NavEntry, SourceFigures};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// Import 総務省's table.
pub const IMPORT_MYNUMBER: Action =
    Action::new("mynumber.import", "マイナンバーカードの交付状況を取り込む");

pub const CARD_RATE: &str = "mynumber.card_rate";

/// Largest table accepted (the 市区町村別 workbook is about 200 KB).
pub const MAX_TABLE: usize = 10 * 1024 * 1024;

/// Each 年度's figure: the rate of its latest 基準日 (up to today).
pub async fn rate_by_year(
    state: &AppState,
    years: &[FiscalYear],
    today: time::Date,
) -> anyhow::Result<Vec<(FiscalYear, f64)>> {
    let all = store::all(&state.db).await?;
    Ok(years
        .iter()
        .filter_map(|y| {
            all.iter()
                .filter(|s| y.contains(s.as_of) && s.as_of <= today)
                .max_by_key(|s| s.as_of)
                .map(|s| (*y, s.rate))
        })
        .collect())
}

pub struct MynumberModule;

impl crate::modules::Module for MynumberModule {
    fn name(&self) -> &'static str {
        "mynumber"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![NavEntry::staff(
            "マイナンバーカード",
            "/staff/mynumber-card",
            "mynumber",
            &[IMPORT_MYNUMBER],
            27,
        )]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![Grant::any(IMPORT_MYNUMBER, &[Role::DxOffice])]
    }
    fn kpi_sources(&self) -> Vec<KpiSource> {
        vec![KpiSource {
            key: CARD_RATE,
            label: "総務省「マイナンバーカード交付状況」の表(各年度の最後の基準日の率)",
            figures: |state, _key, years, today| {
                Box::pin(async move {
                    Ok(SourceFigures {
                        values: rate_by_year(state, years, today).await?,
                        baseline_year: None,
                        label: None,
                        link: Some("/mynumber-card".into()),
                        details: None,
                    })
                })
            },
        }]
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new().route("/mynumber-card", get(routes::public_page))
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/mynumber-card", get(routes::staff_page))
            .route(
                "/staff/mynumber-card/import",
                post(routes::import).layer(DefaultBodyLimit::max(MAX_TABLE + 64 * 1024)),
            )
    }
}
