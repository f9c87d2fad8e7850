//! The 標準化 tracker (施策 2-①-1): the 標準化対象業務 × the steps of 総務省's 手順書, each
//! cell with a status, dates and who changed it; per 業務 its systems, ガバメントクラウド, the
//! planned and actual 移行 and the 特定移行支援システム exception; the dashboard's rates; a grid
//! that prints on A3 landscape; CSV in and out; and the KPI — 業務 migrated — with what holds
//! the others back.

mod business_routes;
pub mod csv;
pub mod model;
pub mod rates;
mod routes;
pub mod steps;
pub mod store;
mod workbook;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::fiscal::FiscalYear;
use crate::modules::{BoxFuture, KpiSource, NavEntry, SourceFigures};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use rates::Business;

/// Read the tracker.
pub const VIEW_STANDARDIZATION: Action =
    Action::new("standardization.view", "標準化の進み具合を見る");
/// Record a 業務's progress: the coordinating department any 業務, a 課 the 業務 it is in charge of.
pub const EDIT_STANDARDIZATION: Action =
    Action::new("standardization.edit", "標準化の進み具合を記録する");

/// The KPI source: 業務 migrated to a 標準準拠システム.
pub const MIGRATED: &str = "standardization.migrated";

/// The 業務 this body tracks: a 都道府県 its 2, a 市区町村 the 20. A prefecture's 団体コード
/// is its number followed by 000 (e.g. 130001).
pub fn businesses_of(state: &AppState) -> Vec<&'static Business> {
    let prefecture = state
        .town
        .code
        .map(|c| c.to_string())
        .is_some_and(|c| c.get(2..5) == Some("000"));
    rates::businesses_for(prefecture).collect()
}

/// The 業務 migrated by each 年度's end (by today for the current one), from the 年度 the tracker
/// was first used or the first recorded switch-over, whichever is earlier.
pub async fn migrated_by_year(
    state: &AppState,
    years: &[FiscalYear],
    today: time::Date,
) -> anyhow::Result<Vec<(FiscalYear, f64)>> {
    let records = store::businesses(&state.db).await?;
    let Some(first_saved) = store::first_saved(&state.db).await? else {
        return Ok(Vec::new());
    };
    let first_day = crate::fiscal::jst_day(&first_saved).unwrap_or(today);
    let first = records
        .values()
        .filter_map(|r| r.actual_cutover)
        .chain([first_day])
        .min()
        .map_or(FiscalYear::of_date(today), FiscalYear::of_date);
    let shown = businesses_of(state);
    Ok(years
        .iter()
        .filter(|y| **y >= first && y.first_day() <= today)
        .map(|y| {
            let day = y.last_day().min(today);
            let n = shown
                .iter()
                .filter(|b| {
                    records
                        .get(&i64::from(b.no))
                        .is_some_and(|r| r.migrated_by(day))
                })
                .count();
            (*y, n as f64)
        })
        .collect())
}

pub struct StandardizationModule;

impl crate::modules::Module for StandardizationModule {
    fn name(&self) -> &'static str {
        "standardization"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![NavEntry::staff(
            "標準化",
            "/staff/standardization",
            "standardization",
            &[VIEW_STANDARDIZATION],
            26,
        )]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![
            Grant::any(
                VIEW_STANDARDIZATION,
                &[
                    Role::DxOffice,
                    Role::DepartmentEditor,
                    Role::Committee,
                    Role::Viewer,
                ],
            ),
            Grant::any(EDIT_STANDARDIZATION, &[Role::DxOffice]),
            Grant::own_department(EDIT_STANDARDIZATION, &[Role::DepartmentEditor]),
        ]
    }
    fn kpi_sources(&self) -> Vec<KpiSource> {
        vec![KpiSource {
            key: MIGRATED,
            label: "標準化の進み具合(標準準拠システムへ移行を終えた業務の数)",
            figures: |state, _key, years, today| {
                Box::pin(async move {
                    Ok(SourceFigures {
                        values: migrated_by_year(state, years, today).await?,
                        baseline_year: None,
                        label: None,
                        link: Some("/standardization".into()),
                        details: None,
                    })
                })
            },
        }]
    }
    fn seed<'a>(&'a self, town: &'a AppState) -> BoxFuture<'a, anyhow::Result<Option<String>>> {
        Box::pin(async move {
            Ok(store::ensure_steps(&town.db)
                .await?
                .then(|| "standardization: the step list".to_string()))
        })
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new().route("/standardization", get(routes::public_page))
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/standardization", get(routes::grid))
            .route(
                "/staff/standardization/steps",
                get(routes::steps_page).post(routes::save_steps),
            )
            .route(
                "/staff/standardization/business/{no}",
                get(business_routes::business_page).post(business_routes::save_business),
            )
            .route(
                "/staff/standardization/import",
                post(routes::import).layer(DefaultBodyLimit::max(2 * 1024 * 1024)),
            )
            .route("/staff/standardization/export.csv", get(routes::export))
            .route(
                "/staff/standardization/export.xlsx",
                get(routes::export_xlsx),
            )
    }
}
