//! Procedures (手続き): the catalog residents search, the life-event guide, and application forms
//! as data. The counter (書かない窓口) builds on these in `crate::counter`.

pub mod cache;
pub mod catalog_file;
pub mod form;
pub mod kpi;
pub mod model;
pub mod routes;
pub mod rule;
pub mod search;
pub mod staff_routes;
pub mod store;

use crate::app::AppState;
use axum::Router;
use axum::routing::get;

pub struct ProceduresModule;

impl crate::modules::Module for ProceduresModule {
    fn name(&self) -> &'static str {
        "procedures"
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/procedures", get(routes::index))
            .route("/procedures/{key}", get(routes::procedure_page))
            .route("/life-events", get(routes::life_events))
            .route("/life-events/{key}", get(routes::life_event_page))
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route(
                "/staff/procedures",
                get(staff_routes::list).post(staff_routes::create),
            )
            .route("/staff/procedures/new", get(staff_routes::new_form))
            .route(
                "/staff/procedures/{key}",
                get(staff_routes::edit_form).post(staff_routes::update),
            )
            .route(
                "/staff/life-events/{key}",
                get(staff_routes::life_event_form).post(staff_routes::save_life_event),
            )
            .route(
                "/staff/forms/{key}",
                get(staff_routes::form_form).post(staff_routes::save_form),
            )
    }
}
