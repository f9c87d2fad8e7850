//! Data in: KPI actuals for many 施策 and 年度 from one Excel or CSV file, previewed row by row
//! and written all at once into the reporting cycle (入力中).

pub mod check;
pub mod read;
pub mod routes;
pub mod store;

use crate::app::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub struct ImportsModule;

impl crate::modules::Module for ImportsModule {
    fn name(&self) -> &'static str {
        "imports"
    }
    fn navigation(&self) -> Vec<crate::modules::NavEntry> {
        // Those who report on a 施策 may bring its figures in from a file.
        vec![crate::modules::NavEntry::staff(
            "実績の取り込み",
            "/staff/import",
            "import",
            &[crate::reporting::EDIT_REPORT],
            50,
        )]
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route(
                "/staff/import",
                get(routes::form)
                    .post(routes::upload)
                    // Room for the form fields around a file of the maximum size.
                    .layer(DefaultBodyLimit::max(routes::MAX_UPLOAD + 64 * 1024)),
            )
            .route("/staff/import/template.csv", get(routes::template_csv))
            .route("/staff/import/template.xlsx", get(routes::template_xlsx))
            .route("/staff/import/{id}/commit", post(routes::commit))
    }
}
