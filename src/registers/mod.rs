//! Registers: typed lists staff keep of work done inside the town hall (AI/RPA uses, telework
//! applications, paper used, publicity, initiatives …), each declared in a file that also says
//! how its KPI is counted (#15): the declaration (`definition`), typed cells (`value`), the KPI
//! measures (`aggregate`) and the KPI source family `registers.*` (`kpi`), the town's register
//! files (`defs`) and rows (`store`), staff pages (`routes`, `form`), exports and the public
//! summaries (`public`).

pub mod aggregate;
mod attachment_routes;
pub mod commands;
pub mod definition;
mod definition_routes;
pub mod defs;
mod exports;
pub mod files;
mod form;
pub mod kpi;
mod public;
mod routes;
pub mod store;
pub mod value;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::modules::{BoxFuture, KpiSource, NavEntry};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use definition::{DefinitionError, RegisterDef};

/// Read the registers (personal fields only as `personal` allows).
pub const VIEW_REGISTERS: Action = Action::new("registers.view", "台帳を見る");
/// Enter rows: the coordinating department any row, a 課 the rows it owns.
pub const EDIT_REGISTERS: Action = Action::new("registers.edit", "台帳に記入する");
/// Add a register or change what one holds (its file).
pub const DEFINE_REGISTERS: Action = Action::new("registers.define", "台帳の定義を登録する");

/// Largest CSV a register import accepts.
pub const MAX_IMPORT: usize = 5 * 1024 * 1024;

pub struct RegistersModule;

impl crate::modules::Module for RegistersModule {
    fn name(&self) -> &'static str {
        "registers"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![NavEntry::staff(
            "台帳",
            "/staff/registers",
            "registers",
            &[VIEW_REGISTERS],
            25,
        )]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![
            Grant::any(
                VIEW_REGISTERS,
                &[
                    Role::DxOffice,
                    Role::DepartmentEditor,
                    Role::Committee,
                    Role::Viewer,
                ],
            ),
            Grant::any(EDIT_REGISTERS, &[Role::DxOffice]),
            Grant::own_department(EDIT_REGISTERS, &[Role::DepartmentEditor]),
            Grant::any(DEFINE_REGISTERS, &[Role::DxOffice]),
        ]
    }
    fn kpi_sources(&self) -> Vec<KpiSource> {
        vec![KpiSource {
            key: kpi::FAMILY,
            label: "業務の台帳",
            figures: |state, key, years, today| Box::pin(kpi::figures(state, key, years, today)),
        }]
    }
    fn seed<'a>(&'a self, town: &'a AppState) -> BoxFuture<'a, anyhow::Result<Option<String>>> {
        Box::pin(async move {
            // The bundled registers match the bundled plan's KPIs; other towns declare their own.
            if !crate::plan::file::is_bundled_town(town) {
                return Ok(None);
            }
            let n = defs::seed_bundled(&town.db).await?;
            Ok((n > 0).then(|| format!("registers: {n} bundled registers")))
        })
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/registers", get(public::index))
            .route("/registers/{key}", get(public::register))
            .route(
                "/registers/{key}/files/{file}",
                get(attachment_routes::public_file),
            )
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/registers", get(routes::index))
            .route(
                "/staff/registers/new",
                get(definition_routes::new_definition).post(definition_routes::save_definition),
            )
            .route("/staff/registers/{key}", get(routes::register))
            .route(
                "/staff/registers/{key}/definition",
                get(definition_routes::definition).post(definition_routes::save_definition),
            )
            .route(
                "/staff/registers/{key}/definition.toml",
                get(definition_routes::definition_file),
            )
            .route(
                "/staff/registers/{key}/rows/new",
                get(routes::new_row).post(routes::add_row),
            )
            .route(
                "/staff/registers/{key}/rows/{id}",
                get(routes::edit_row).post(routes::update_row),
            )
            .route(
                "/staff/registers/{key}/rows/{id}/delete",
                post(routes::delete_row),
            )
            .route(
                "/staff/registers/{key}/rows/{id}/files",
                post(attachment_routes::attach)
                    .layer(DefaultBodyLimit::max(files::MAX_FILE + 64 * 1024)),
            )
            .route(
                "/staff/registers/{key}/rows/{id}/files/{file}",
                get(attachment_routes::open),
            )
            .route(
                "/staff/registers/{key}/rows/{id}/files/{file}/delete",
                post(attachment_routes::remove),
            )
            .route(
                "/staff/registers/{key}/import",
                post(routes::import).layer(DefaultBodyLimit::max(MAX_IMPORT + 64 * 1024)),
            )
            .route("/staff/registers/{key}/export.csv", get(exports::csv))
            .route("/staff/registers/{key}/export.xlsx", get(exports::xlsx))
    }
}

/// The registers bundled for a new town, as files (`src/registers/bundled/`).
pub const BUNDLED: [(&str, &str); 6] = [
    ("ai_rpa.toml", include_str!("bundled/ai_rpa.toml")),
    ("telework.toml", include_str!("bundled/telework.toml")),
    ("paper.toml", include_str!("bundled/paper.toml")),
    ("publicity.toml", include_str!("bundled/publicity.toml")),
    ("initiatives.toml", include_str!("bundled/initiatives.toml")),
    (
        "school_survey.toml",
        include_str!("bundled/school_survey.toml"),
    ),
];

/// The bundled registers, read (a fault in one names its file).
pub fn bundled() -> Result<Vec<RegisterDef>, DefinitionError> {
    BUNDLED
        .iter()
        .map(|(name, text)| {
            RegisterDef::parse(text).map_err(|e| DefinitionError(format!("{name}: {}", e.0)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bundled_registers_read_and_each_declares_its_kpi() {
        let all = super::bundled().unwrap();
        assert_eq!(all.len(), super::BUNDLED.len());
        for r in &all {
            assert!(r.kpi.is_some(), "{}", r.key);
            assert_eq!(r.source_key(), format!("registers.{}", r.key));
        }
    }
}
