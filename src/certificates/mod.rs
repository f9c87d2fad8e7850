//! Certificates issued and KPI 1-①-6 (#17): issues per kind and channel in copies, from the
//! counter (a visit's issued certificates), from the コンビニ交付 monthly statistics, and
//! entered by staff (mail); the コンビニ交付 share per 年度 with a monthly chart.

pub mod commands;
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

/// Record certificate issues, cancel one, import the コンビニ交付 statistics.
pub const RECORD_CERTIFICATES: Action =
    Action::new("certificates.record", "証明書の発行を記録・取り込む");

/// KPI source: コンビニ交付 copies ÷ all copies × 100 per 年度.
pub const CONVENIENCE_SHARE: &str = "certificates.convenience_share";

/// A 年度's copies, as of its issues recorded so far.
pub async fn tally(state: &AppState, year: FiscalYear) -> anyhow::Result<model::Tally> {
    let issues: Vec<model::Issue> =
        store::issues_between(&state.db, year.first_day(), year.last_day())
            .await?
            .into_iter()
            .map(|(_, i)| i)
            .collect();
    Ok(model::Tally::of(&issues))
}

pub struct CertificatesModule;

impl crate::modules::Module for CertificatesModule {
    fn name(&self) -> &'static str {
        "certificates"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![NavEntry::staff(
            "証明書の発行",
            "/staff/certificates",
            "certificates",
            &[RECORD_CERTIFICATES],
            22,
        )]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![Grant::any(
            RECORD_CERTIFICATES,
            &[Role::DxOffice, Role::DepartmentEditor],
        )]
    }
    fn kpi_sources(&self) -> Vec<KpiSource> {
        vec![KpiSource {
            key: CONVENIENCE_SHARE,
            label: "証明書の発行の記録(コンビニ交付の通数 ÷ すべての発行通数。公用・無料は除く)",
            figures: |state, _key, years, today| {
                Box::pin(async move {
                    let mut values = Vec::new();
                    for &y in years {
                        if y.first_day() > today {
                            continue;
                        }
                        if let Some(v) = tally(state, y).await?.share() {
                            values.push((y, v));
                        }
                    }
                    Ok(SourceFigures {
                        values,
                        link: Some("/certificates".into()),
                        ..SourceFigures::default()
                    })
                })
            },
        }]
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new().route("/certificates", get(routes::public))
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route(
                "/staff/certificates",
                get(routes::staff_page).post(routes::record),
            )
            .route(
                "/staff/certificates/import",
                post(routes::import_upload)
                    .layer(DefaultBodyLimit::max(routes::MAX_FILE + 64 * 1024)),
            )
            .route("/staff/certificates/{id}/cancel", post(routes::cancel))
    }
}
