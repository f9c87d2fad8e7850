//! The reporting cycle the plan prescribes: departments report on their 施策, 企画課 checks,
//! the 情報化推進委員会 evaluates, 企画課 locks; reports to the 町長 and the committee are frozen
//! snapshots.

pub mod model;
pub mod routes;
pub mod service;
pub mod snapshot;
pub mod snapshot_routes;
pub mod store;

use crate::app::AppState;
use axum::Router;
use axum::routing::{get, post};

pub struct ReportingModule;

impl crate::modules::Module for ReportingModule {
    fn name(&self) -> &'static str {
        "reporting"
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new()
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff", get(routes::tasks))
            .route("/staff/periods", post(routes::create_period))
            .route("/staff/periods/new", get(routes::new_period_form))
            .route("/staff/periods/{id}", get(routes::board))
            .route(
                "/staff/reports/{id}",
                get(routes::report_page).post(routes::report_action),
            )
            .route("/staff/reports/{id}/comments", post(routes::add_comment))
            .route(
                "/staff/snapshots",
                get(snapshot_routes::list).post(snapshot_routes::issue),
            )
            .route("/staff/snapshots/{id}", get(snapshot_routes::view))
            .route(
                "/staff/snapshots/{id}/download.xlsx",
                get(snapshot_routes::download),
            )
    }
}
