//! The one explicit list of feature modules. Each module contributes its routes; later modules
//! (staff pages, open data, procedures …) are added here.

use crate::app::AppState;
use axum::Router;

pub trait Module: Send + Sync {
    /// Short name, for logs and docs.
    fn name(&self) -> &'static str;
    /// Routes anyone may read.
    fn public_routes(&self) -> Router<AppState>;
    /// Routes behind sign-in; each handler takes `Staff` (or `StaffForm`) and checks its permission.
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
    }
}

pub fn all() -> Vec<Box<dyn Module>> {
    vec![
        Box::new(crate::web::home::HomeModule),
        Box::new(crate::plan::PlanModule),
        Box::new(crate::auth::AuthModule),
        Box::new(crate::audit::AuditModule),
        Box::new(crate::reporting::ReportingModule),
        Box::new(crate::imports::ImportsModule),
    ]
}
