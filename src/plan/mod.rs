//! The plan loop: the plan file, the KPI logic, storage and the public plan pages.

pub mod api;
pub mod commands;
pub mod file;
pub mod gantt;
pub mod kpi;
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
pub mod views;

use crate::app::AppState;
use axum::Router;
use axum::routing::get;

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
}
