//! Online applications with the town's own forms (#17): `/apply/{procedure}` for residents
//! (mail-confirmed, no account), the 担当課's inbox, the fee through `crate::payments`, and the
//! count of online applications beside KPI 1-①-1.

pub mod apply;
pub mod eligibility;
pub mod files;
pub mod inbox;
pub mod model;
pub mod step_pages;
pub mod steps;
pub mod store;
pub mod usage;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::modules::{Job, NavEntry};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// Handle online applications (the inbox, states, print, export).
pub const HANDLE_APPLICATIONS: Action =
    Action::new("applications.handle", "オンライン申請を処理する");

pub struct ApplicationsModule;

impl crate::modules::Module for ApplicationsModule {
    fn name(&self) -> &'static str {
        "applications"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![NavEntry::staff(
            "オンライン申請",
            "/staff/applications",
            "applications",
            &[HANDLE_APPLICATIONS],
            22,
        )]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![
            Grant::any(HANDLE_APPLICATIONS, &[Role::DxOffice]),
            Grant::own_department(HANDLE_APPLICATIONS, &[Role::DepartmentEditor]),
        ]
    }
    fn jobs(&self) -> Vec<Job> {
        vec![Job {
            name: "applications.purge",
            // Personal data of closed applications goes once past its retention.
            every: std::time::Duration::from_secs(3600),
            run: |state| {
                Box::pin(async move {
                    let days = state.settings.online.retention_days;
                    let n = store::purge(&state.db, days, time::OffsetDateTime::now_utc()).await?;
                    Ok((n > 0).then(|| format!("オンライン申請: {n}件の個人情報を削除しました")))
                })
            },
        }]
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/apply", get(usage::index))
            .route(
                "/apply/{procedure}",
                get(apply::start).post(apply::send_link),
            )
            .route(
                "/apply/link/{token}",
                get(apply::open_link).post(apply::resend_link),
            )
            .route("/apply/a/{id}", get(apply::overview))
            .route(
                "/apply/a/{id}/step/{n}",
                get(step_pages::step).post(step_pages::save_step),
            )
            .route(
                "/apply/a/{id}/files",
                get(apply::files_form)
                    .post(apply::upload)
                    .layer(DefaultBodyLimit::max(files::MAX_FILE + 64 * 1024)),
            )
            .route(
                "/apply/a/{id}/files/{file}/delete",
                post(apply::remove_file),
            )
            .route("/apply/a/{id}/confirm", get(apply::confirm))
            .route("/apply/a/{id}/submit", post(apply::submit))
            .route("/apply/a/{id}/pay", post(apply::pay))
            .route("/apply/a/{id}/return", get(apply::back_from_payment))
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/applications", get(inbox::list))
            .route("/staff/applications/export", get(inbox::export))
            .route("/staff/applications/{id}", get(inbox::detail))
            .route("/staff/applications/{id}/state", post(inbox::move_state))
            .route("/staff/applications/{id}/print", get(inbox::print))
            .route("/staff/applications/{id}/files/{file}", get(inbox::file))
    }
}
