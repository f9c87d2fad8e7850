//! The plan loop: the plan file, the KPI logic, storage and the public plan pages.

pub mod api;
pub mod assign;
pub mod browse;
pub mod chart;
pub mod commands;
pub mod exports;
pub mod file;
pub mod gantt;
pub mod kinds;
pub mod kpi;
pub mod kpi_text;
pub mod measure_form;
pub mod model;
pub mod next_plan;
pub mod progress;
pub mod record_routes;
pub mod revision;
pub mod roadmap_form;
pub mod routes;
pub mod service;
pub mod sheet;
pub mod sources;
pub mod staff_routes;
pub mod store;
pub mod summary;
pub mod views;
pub mod xlsx;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::modules::{BoxFuture, Caches, NavEntry};
use axum::Router;
use axum::routing::{get, post};

/// Draft plan revisions (施策 text, KPI definitions, 行程表).
pub const EDIT_PLAN: Action = Action::new("plan.edit", "計画の改定案を作る");
/// Record a KPI's figure for a year (記録), for KPIs no report covers or before a report exists.
pub const RECORD_ACTUAL: Action = Action::new("kpi.record", "KPIの実績を記録する");
/// Decide a plan revision (the committee decides, the coordinating department drafts).
pub const APPROVE_PLAN: Action = Action::new("plan.approve", "計画の改定を決定する");

pub struct PlanModule;

impl crate::modules::Module for PlanModule {
    fn name(&self) -> &'static str {
        "plan"
    }

    fn navigation(&self) -> Vec<NavEntry> {
        vec![
            NavEntry::public("計画の体系", "/plan", "plan", 20),
            NavEntry::public("KPI一覧", "/plan/kpis", "kpis", 21),
            NavEntry::public("行程表", "/plan/roadmap", "roadmap", 22).shown_if(|w| w.has_roadmap),
            NavEntry::staff(
                "計画の改定",
                "/staff/plan",
                "plan-edit",
                &[EDIT_PLAN, APPROVE_PLAN],
                60,
            ),
            NavEntry::staff(
                "KPIの実績",
                "/staff/kpis",
                "kpi-record",
                &[RECORD_ACTUAL],
                55,
            ),
            NavEntry::staff("公開ページ", "/plan", "public", &[], 80),
        ]
    }

    fn permissions(&self) -> Vec<Grant> {
        vec![
            Grant::any(EDIT_PLAN, &[Role::DxOffice]),
            Grant::any(APPROVE_PLAN, &[Role::Committee]),
            Grant::any(RECORD_ACTUAL, &[Role::DxOffice]),
        ]
    }

    fn caches(&self, caches: &mut Caches) {
        caches.insert(service::PlanCache::default());
        caches.insert(crate::web::page_cache::Cache::default());
    }

    fn seed<'a>(&'a self, town: &'a AppState) -> BoxFuture<'a, anyhow::Result<Option<String>>> {
        Box::pin(async move {
            // The bundled plan is one body's: it is loaded for that body only. Other towns load
            // their own plan file (`machi town add … --plan`, `machi plan import`).
            if !file::is_bundled_town(town) {
                return Ok(None);
            }
            Ok(commands::ensure_plan(&town.db)
                .await?
                .map(|(plan, outcome)| {
                    format!(
                        "{}: {}",
                        file::BUNDLED_PLAN_NAME,
                        commands::describe_import(&plan, &outcome)
                    )
                }))
        })
    }

    fn staff_notices<'a>(
        &'a self,
        town: &'a AppState,
        staff: &'a crate::auth::Staff,
    ) -> BoxFuture<'a, anyhow::Result<Vec<crate::modules::StaffNotice>>> {
        Box::pin(async move {
            use crate::auth::permissions::Subject;
            let data = match town.plan_data().await {
                Ok(d) => d,
                Err(crate::error::AppError::NoPlan) => return Ok(Vec::new()),
                Err(e) => return Err(anyhow::anyhow!(e.to_string())),
            };
            let mut out = assign::notices(&data, staff);
            if !staff.can(RECORD_ACTUAL, Subject::None) {
                return Ok(out);
            }
            for text in record_routes::discrepancy_sentences(&data) {
                out.push(crate::modules::StaffNotice {
                    text,
                    link: "/staff/kpis".into(),
                    link_text: "KPIの実績を見る".into(),
                });
            }
            // KPIs no report covers need a figure recorded for each 年度 that has ended.
            let last = data.as_of.previous();
            let missing: Vec<String> = data
                .plan
                .kpis()
                .into_iter()
                .filter(|k| !matches!(k.item, model::Item::Measure(_)))
                .filter(|k| {
                    last >= data.plan.period.first_fiscal_year()
                        && last <= data.plan.period.last_fiscal_year()
                        && !data
                            .actuals_of(&k.kpi.key)
                            .iter()
                            .any(|a| a.fiscal_year == last)
                })
                .map(|k| format!("{} {}", k.item.label(), k.kpi.name))
                .collect();
            if !missing.is_empty() {
                out.push(crate::modules::StaffNotice {
                    text: format!(
                        "報告の対象でない KPI の{}の値がまだ記録されていません: {}",
                        last.wareki(),
                        missing.join("、")
                    ),
                    link: "/staff/kpis".into(),
                    link_text: "記録する".into(),
                });
            }
            Ok(out)
        })
    }

    fn public_routes(&self) -> Router<AppState> {
        // The current plan at /plan…, and each plan of the town, earlier ones read-only, at
        // /plans/{id}/plan…
        plan_pages().nest("/plans/{plan}", plan_pages())
    }

    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/plan", get(staff_routes::overview))
            .route("/staff/kpis", get(record_routes::list))
            .route(
                "/staff/plan/departments",
                get(assign::page).post(assign::post),
            )
            .route(
                "/staff/plan/roadmap-progress",
                get(progress::page).post(progress::save),
            )
            .route(
                "/staff/kpis/{key}",
                get(record_routes::view).post(record_routes::record),
            )
            .route("/staff/plan/draft", post(staff_routes::create_draft))
            .route("/staff/plan/draft/discard", post(staff_routes::discard))
            .route("/staff/plan/draft/approve", post(staff_routes::approve))
            .route("/staff/plan/next", post(staff_routes::create_next))
            .route("/staff/plan/next/discard", post(staff_routes::discard_next))
            .route("/staff/plan/next/approve", post(staff_routes::approve_next))
            .route(
                "/staff/plan/next/measures/{code}",
                get(measure_form::next_measure_form).post(measure_form::save_next_measure),
            )
            .route(
                "/staff/plan/draft/measures/{code}",
                get(measure_form::measure_form).post(measure_form::save_measure),
            )
    }
}

/// The pages and documents of one plan.
fn plan_pages() -> Router<AppState> {
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
        .route("/plan/summary", get(summary::page))
        .route("/plan/summary.xlsx", get(summary::xlsx))
}
