//! The 書かない窓口 counter: a visit per resident and life event, the guide's questions, the
//! common items entered once (by the clerk or on the resident's tablet), every applicable form
//! printed pre-filled, timestamps per step, and the stay-time statistics that feed the KPI.

pub mod entry;
pub mod routes;
pub mod stats;
pub mod store;

use crate::app::AppState;
use axum::Router;
use axum::routing::{get, post};

pub struct CounterModule;

impl crate::modules::Module for CounterModule {
    fn name(&self) -> &'static str {
        "counter"
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new().route("/counter/entry/{token}", get(entry::form).post(entry::save))
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/counter", get(routes::board))
            .route("/staff/counter/visits", post(routes::open))
            .route("/staff/counter/stats", get(routes::stats))
            .route("/staff/counter/visits/{id}", get(routes::visit))
            .route(
                "/staff/counter/visits/{id}/answers",
                post(routes::save_answers),
            )
            .route(
                "/staff/counter/visits/{id}/person",
                post(routes::save_person),
            )
            .route("/staff/counter/visits/{id}/desks", post(routes::desk_done))
            .route("/staff/counter/visits/{id}/close", post(routes::close))
            .route("/staff/counter/visits/{id}/entry", post(routes::entry_link))
            .route("/staff/counter/visits/{id}/print", get(routes::print_all))
            .route(
                "/staff/counter/visits/{id}/print/{form}",
                get(routes::print_one),
            )
            .route(
                "/staff/counter/visits/{id}/forms/{form}",
                get(routes::form_edit).post(routes::form_save),
            )
    }
}
