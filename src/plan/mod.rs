//! The plan loop: the plan file, the KPI logic, storage and the public plan pages.

pub mod api;
pub mod chart;
pub mod commands;
pub mod exports;
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
pub mod xlsx;

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
            .route("/plan/kpis.xlsx", get(exports::kpis_xlsx))
            .route("/plan/kpis.csv", get(exports::kpis_csv))
            .route("/plan/kpis/series.csv", get(exports::plan_series_csv))
            .route("/plan/kpis/series.json", get(exports::plan_series_json))
            .route("/plan/roadmap.xlsx", get(exports::roadmap_xlsx))
            .route("/plan/action-plans.xlsx", get(exports::action_plans_xlsx))
            .route("/plan/action-plans", get(routes::action_plans))
            .route(
                "/plan/measures/{code}/action-plan.xlsx",
                get(exports::action_plan_xlsx),
            )
            .route(
                "/plan/measures/{code}/series.csv",
                get(exports::measure_series_csv),
            )
            .route(
                "/plan/measures/{code}/series.json",
                get(exports::measure_series_json),
            )
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
