//! The 書かない窓口 counter: a visit per resident and life event, the guide's questions, the
//! common items entered once (by the clerk or on the resident's tablet), every applicable form
//! printed pre-filled, timestamps per step, and the stay-time statistics that feed the KPI.

pub mod entry;
pub mod fees;
pub mod forms;
pub mod routes;
pub mod stats;
pub mod store;
pub mod visit;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::modules::{Job, KpiSource, NavEntry, SourceFigures};
use axum::Router;
use axum::routing::{get, post};

/// Run visits at the 書かない窓口 counter.
pub const RUN_COUNTER: Action = Action::new("counter.run", "書かない窓口で受付する");

pub struct CounterModule;

impl crate::modules::Module for CounterModule {
    fn name(&self) -> &'static str {
        "counter"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![NavEntry::staff(
            "書かない窓口",
            "/staff/counter",
            "counter",
            &[RUN_COUNTER],
            20,
        )]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![Grant::any(
            RUN_COUNTER,
            &[Role::DxOffice, Role::DepartmentEditor],
        )]
    }
    fn kpi_sources(&self) -> Vec<KpiSource> {
        vec![KpiSource {
            key: stats::STAY_TIME,
            label: "書かない窓口の滞在時間(受付から完了まで)の中央値",
            figures: |state, _key, years, today| {
                Box::pin(async move {
                    let (values, baseline_year) =
                        stats::stay_by_year(&state.db, years, today).await?;
                    Ok(SourceFigures {
                        values,
                        baseline_year,
                        label: None,
                        link: None,
                        details: None,
                    })
                })
            },
        }]
    }
    fn jobs(&self) -> Vec<Job> {
        vec![Job {
            name: "counter.purge",
            // Personal data of visits is deleted hourly once past its retention.
            every: std::time::Duration::from_secs(3600),
            run: |state| {
                Box::pin(async move {
                    let days = state.settings.counter_retention_days;
                    let n = store::purge(&state.db, days, time::OffsetDateTime::now_utc()).await?;
                    Ok((n > 0)
                        .then(|| format!("書かない窓口: {n}件の受付の個人情報を削除しました")))
                })
            },
        }]
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new().route("/counter/entry/{token}", get(entry::form).post(entry::save))
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/counter", get(routes::board))
            .route("/staff/counter/visits", post(routes::open))
            .route("/staff/counter/stats", get(routes::stats))
            .route("/staff/counter/visits/{id}", get(visit::visit))
            .route(
                "/staff/counter/visits/{id}/answers",
                post(visit::save_answers),
            )
            .route(
                "/staff/counter/visits/{id}/person",
                post(visit::save_person),
            )
            .route("/staff/counter/visits/{id}/desks", post(routes::desk_done))
            .route("/staff/counter/visits/{id}/close", post(routes::close))
            .route("/staff/counter/visits/{id}/fees", post(fees::record))
            .route("/staff/counter/visits/{id}/entry", post(visit::entry_link))
            .route("/staff/counter/visits/{id}/print", get(forms::print_all))
            .route(
                "/staff/counter/visits/{id}/print/{form}",
                get(forms::print_one),
            )
            .route(
                "/staff/counter/visits/{id}/forms/{form}",
                get(forms::form_edit).post(forms::form_save),
            )
    }
}
