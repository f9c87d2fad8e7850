//! The plan loop: the plan file, the KPI logic, storage and the public plan pages.

pub mod api;
pub mod commands;
pub mod file;
pub mod gantt;
pub mod kpi;
pub mod model;
pub mod revision;
pub mod routes;
pub mod service;
pub mod sheet;
pub mod staff_routes;
pub mod store;
pub mod views;

use crate::app::AppState;
use axum::Router;
use axum::routing::{get, post};

pub struct PlanModule;

impl crate::modules::Module for PlanModule {
    fn name(&self) -> &'static str {
        "plan"
    }

    fn public_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/plan", get(routes::overview))
            .route("/plan/kpis", get(routes::kpis))
            .route("/plan/roadmap", get(routes::roadmap))
            .route("/plan/measures/{code}", get(routes::measure))
            .route(
                "/plan/measures/{code}/action-plan",
                get(routes::action_plan),
            )
            .route("/api/plan", get(api::plan_json))
    }

    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/plan", get(staff_routes::overview))
            .route("/staff/plan/draft", post(staff_routes::create_draft))
            .route("/staff/plan/draft/discard", post(staff_routes::discard))
            .route("/staff/plan/draft/approve", post(staff_routes::approve))
            .route(
                "/staff/plan/draft/measures/{code}",
                get(staff_routes::measure_form).post(staff_routes::save_measure),
            )
    }
}
