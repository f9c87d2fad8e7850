//! The reporting cycle the plan prescribes: departments report on their items, the coordinating department checks,
//! the committee evaluates, the coordinating department locks; reports to the head and the committee are frozen
//! snapshots.

pub mod model;
pub mod routes;
pub mod service;
pub mod snapshot;
pub mod snapshot_routes;
pub mod store;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::modules::NavEntry;
use axum::Router;
use axum::routing::{get, post};

/// Create reporting periods and set due dates.
pub const MANAGE_PERIODS: Action = Action::new("report.periods", "報告期間を作る");
/// Fill in and submit a 施策's report.
pub const EDIT_REPORT: Action = Action::new("report.edit", "担当する報告を入力・提出する");
/// The coordinating department's check: confirm or return a submitted report.
pub const CHECK_REPORT: Action = Action::new("report.check", "提出された報告を確認・差戻しする");
/// The committee's grade and comments.
pub const EVALUATE_REPORT: Action = Action::new("report.evaluate", "報告を評価する(委員会)");
/// Lock (確定) an evaluated report, and reopen one with a reason.
pub const FINALIZE_REPORT: Action = Action::new("report.finalize", "報告を確定・再開する");
/// Issue a report to the head of the body or to the committee (a frozen snapshot).
pub const ISSUE_SNAPSHOT: Action =
    Action::new("report.snapshot", "報告書(首長報告・委員会資料)を発行する");
/// Comment on a report.
pub const COMMENT: Action = Action::new("report.comment", "報告にコメントする");

pub struct ReportingModule;

impl crate::modules::Module for ReportingModule {
    fn name(&self) -> &'static str {
        "reporting"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![
            NavEntry::staff("やること", "/staff", "staff", &[], 10),
            NavEntry::staff("報告書", "/staff/snapshots", "snapshots", &[], 70),
        ]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![
            Grant::any(MANAGE_PERIODS, &[Role::DxOffice]),
            Grant::any(EDIT_REPORT, &[Role::DxOffice]),
            Grant::own_department(EDIT_REPORT, &[Role::DepartmentEditor]),
            Grant::any(CHECK_REPORT, &[Role::DxOffice]),
            Grant::any(EVALUATE_REPORT, &[Role::Committee]),
            Grant::any(FINALIZE_REPORT, &[Role::DxOffice]),
            Grant::any(ISSUE_SNAPSHOT, &[Role::DxOffice]),
            Grant::any(COMMENT, &[Role::DxOffice, Role::Committee, Role::Advisor]),
        ]
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
