//! The アナログ規制 review of the town's 例規 (#19): reading 例規 files into 例規 → 条 → 項 → 号
//! (parse, input), the detection rules as data (rules, rules.toml), the scan that proposes
//! candidates per clause with phrase, reason and confidence (scan), the evaluation against hand
//! labels (eval), the town's 例規 and candidates (store), the decisions (review), the staff pages
//! (routes); `machi ordinances import|scan|eval` (commands). docs/ordinances.md.

pub mod commands;
pub mod comments;
pub mod eval;
pub mod export;
pub mod input;
mod kpi;
pub mod lawxml;
pub mod numbers;
pub mod parse;
pub mod progress;
mod reconcile;
pub mod rescan;
pub mod rescans;
pub mod review;
mod routes;
pub mod rules;
mod rules_routes;
pub mod scan;
pub mod store;
mod summary_routes;
mod view;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::modules::{Job, KpiSource, NavEntry};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// Import 例規 and decide any candidate (the coordinating department).
pub const MANAGE_ORDINANCES: Action = Action::new(
    "ordinances.manage",
    "アナログ規制の点検を進める(例規の取り込み、候補の判断、同じ文言のまとめての判断)",
);
/// Decide the candidates assigned to one's own 課.
pub const REVIEW_ORDINANCES: Action = Action::new(
    "ordinances.review",
    "自分の課に割り当てられたアナログ規制の候補を判断する",
);

pub struct OrdinancesModule;

impl crate::modules::Module for OrdinancesModule {
    fn name(&self) -> &'static str {
        "ordinances"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![NavEntry::staff(
            "アナログ規制の点検",
            "/staff/ordinances",
            "ordinances",
            &[MANAGE_ORDINANCES, REVIEW_ORDINANCES],
            27,
        )]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![
            Grant::any(MANAGE_ORDINANCES, &[Role::DxOffice]),
            Grant::own_department(REVIEW_ORDINANCES, &[Role::DepartmentEditor]),
        ]
    }
    fn kpi_sources(&self) -> Vec<KpiSource> {
        vec![KpiSource {
            key: "ordinances.review_complete",
            label: "アナログ規制の点検の記録(取り込んだ例規のうち、職員が全条文を確かめて点検済とし、候補をすべて判断して該当には見直しの方向を決めた例規の割合)",
            figures: |state, _key, years, today| Box::pin(kpi::figures(state, years, today)),
        }]
    }
    fn jobs(&self) -> Vec<Job> {
        vec![Job {
            name: "ordinances.progress",
            every: std::time::Duration::from_secs(60 * 60),
            // The 年度's last record is its KPI figure once it is over (the day it turns counts).
            // A change made outside this server (`machi ordinances import` or `rescan` on the
            // command line) shows within the hour: the KPI figures are read again.
            run: |state| {
                Box::pin(async move {
                    if progress::record_year(&state.db, state.today())
                        .await?
                        .is_some()
                    {
                        state.invalidate_plan();
                    }
                    Ok(None)
                })
            },
        }]
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/ordinances", get(routes::list))
            .route(
                "/staff/ordinances/import",
                post(routes::import)
                    .layer(DefaultBodyLimit::max(input::MAX_ZIP as usize + 64 * 1024)),
            )
            .route("/staff/ordinances/export.xlsx", get(routes::export))
            .route("/staff/ordinances/check", post(routes::check))
            .route(
                "/staff/ordinances/rules",
                get(rules_routes::rules_page).post(rules_routes::save_rules),
            )
            .route("/staff/ordinances/rescan", post(rules_routes::rescan_now))
            .route(
                "/staff/ordinances/rescans/{id}",
                get(rules_routes::rescan_page),
            )
            .route("/staff/ordinances/{id}", get(routes::ordinance))
            .route("/staff/ordinances/{id}/print", get(summary_routes::print))
            .route("/staff/ordinances/{id}/assign", post(routes::assign))
            .route("/staff/ordinances/{id}/uncheck", post(routes::uncheck))
            .route("/staff/ordinances/findings/{id}", post(routes::decide))
            .route(
                "/staff/ordinances/findings/{id}/go",
                get(routes::go_to_finding),
            )
            .route(
                "/staff/ordinances/findings/{id}/comments",
                post(routes::comment),
            )
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new().route("/analog-regulation", get(summary_routes::public_summary))
    }
}
