//! The open data catalog: standard dataset schemas and the CSV validator (this part), then the
//! catalog, its CKAN-compatible API and DCAT.

pub mod cast;
pub mod catalog;
pub mod ckan;
pub mod dcat;
pub mod edit;
pub mod files;
pub mod legacy;
pub mod resource_routes;
pub mod routes;
pub mod schema;
pub mod standard;
pub mod upload;
pub mod validate;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::modules::{Caches, KpiSource, NavEntry, SourceFigures};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use schema::TableSchema;

/// Create, edit, publish and withdraw open data.
pub const MANAGE_OPEN_DATA: Action =
    Action::new("opendata.manage", "オープンデータを登録・公開する");

pub struct OpendataModule;

impl crate::modules::Module for OpendataModule {
    fn name(&self) -> &'static str {
        "opendata"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![
            NavEntry::public("オープンデータ", "/opendata", "opendata", 40),
            NavEntry::staff(
                "オープンデータ",
                "/staff/opendata",
                "opendata",
                &[MANAGE_OPEN_DATA],
                40,
            ),
        ]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![Grant::any(MANAGE_OPEN_DATA, &[Role::DxOffice])]
    }
    fn kpi_sources(&self) -> Vec<KpiSource> {
        vec![KpiSource {
            key: PUBLISHED_DATASETS,
            label: "オープンデータカタログの公開データセット数",
            figures: |state, _key, years, today| {
                Box::pin(async move {
                    Ok(SourceFigures {
                        values: catalog::published_count_by_year(&state.db, years, today).await?,
                        baseline_year: None,
                        label: None,
                        link: Some("/opendata".into()),
                        details: None,
                    })
                })
            },
        }]
    }
    fn caches(&self, caches: &mut Caches) {
        caches.insert(catalog::SnapshotCache::default());
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/opendata", get(routes::index))
            .route("/opendata/datasets/{name}", get(routes::dataset_page))
            .route(
                "/opendata/datasets/{name}/resources/{id}",
                get(routes::resource_page),
            )
            .route(
                "/opendata/datasets/{name}/resources/{id}/download",
                get(routes::download),
            )
            .route("/catalog.jsonld", get(dcat::catalog_jsonld))
            .route("/catalog.ttl", get(dcat::catalog_ttl))
            .route("/dataset/{file}", get(dcat::dataset_rdf))
            .route(
                "/opendata/datasets/{name}/datapackage.json",
                get(dcat::datapackage),
            )
            .route(
                "/api/3/action/{action}",
                get(ckan::action_get).post(ckan::action_post),
            )
            .route(
                "/api/action/{action}",
                get(ckan::action_get).post(ckan::action_post),
            )
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route(
                "/staff/opendata",
                get(routes::staff_list).post(routes::create),
            )
            .route("/staff/opendata/new", get(routes::new_form))
            .route("/staff/opendata/templates/{key}", get(routes::template_csv))
            .route(
                "/staff/opendata/schemas/{key}",
                get(routes::schema_form).post(routes::save_schema),
            )
            .route(
                "/staff/opendata/{id}",
                get(routes::edit_form).post(routes::update),
            )
            .route("/staff/opendata/{id}/publish", post(routes::publish))
            .route("/staff/opendata/{id}/withdraw", post(routes::withdraw))
            .route(
                "/staff/opendata/{id}/resources",
                post(resource_routes::add_resource)
                    .layer(DefaultBodyLimit::max(routes::MAX_RESOURCE + 64 * 1024)),
            )
            .route(
                "/staff/opendata/resources/{rid}/override",
                post(resource_routes::override_validation),
            )
            .route(
                "/staff/opendata/resources/{rid}/replace",
                post(resource_routes::replace)
                    .layer(DefaultBodyLimit::max(routes::MAX_RESOURCE + 64 * 1024)),
            )
            .route(
                "/staff/opendata/resources/{rid}/convert",
                post(resource_routes::convert),
            )
            .route(
                "/staff/opendata/resources/{rid}/report.csv",
                get(resource_routes::report_csv),
            )
            .route(
                "/staff/opendata/resources/{rid}/delete",
                post(resource_routes::delete_resource_route),
            )
            .route(
                "/staff/opendata/{id}/delete",
                post(resource_routes::delete_dataset_route),
            )
    }
}

/// The KPI source key of the number of published datasets.
pub const PUBLISHED_DATASETS: &str = "opendata.published_datasets";

/// Reads a schema argument: a bundled standard's key, or a path to a Table Schema JSON file.
pub fn load_schema(arg: &str) -> anyhow::Result<TableSchema> {
    if let Some(s) = standard::by_key(arg) {
        return Ok(s.schema());
    }
    let text = std::fs::read_to_string(arg).map_err(|e| {
        anyhow::anyhow!(
            "スキーマ「{arg}」が読めません: {e}(標準データセットのキー: {})",
            standard::STANDARDS.map(|s| s.key).join(", ")
        )
    })?;
    TableSchema::from_json(&text).map_err(|e| anyhow::anyhow!("{arg}: {e}"))
}
