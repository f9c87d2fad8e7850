//! Procedures (手続き): the catalog residents search, the life-event guide, and application forms
//! as data. The counter (書かない窓口) builds on these in `crate::counter`.

pub mod bundled;
pub mod cache;
pub mod catalog_file;
pub mod form;
pub mod form_check;
pub mod form_fill;
pub mod kpi;
pub mod model;
pub mod people;
pub mod routes;
pub mod rule;
pub mod search;
pub mod staff_routes;
pub mod store;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::modules::{BoxFuture, Caches, KpiSource, NavEntry, SourceFigures};
use axum::Router;
use axum::routing::get;

/// Edit the procedure catalog (a department its own procedures), the guide and the forms.
pub const MANAGE_PROCEDURES: Action = Action::new(
    "procedures.manage",
    "手続きカタログ・ガイド・様式を編集する",
);

pub struct ProceduresModule;

impl crate::modules::Module for ProceduresModule {
    fn name(&self) -> &'static str {
        "procedures"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![
            NavEntry::public("手続き", "/procedures", "procedures", 30),
            NavEntry::public("暮らしの出来事", "/life-events", "life-events", 31),
            NavEntry::staff(
                "手続き",
                "/staff/procedures",
                "procedures",
                &[MANAGE_PROCEDURES],
                30,
            ),
        ]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![
            Grant::any(MANAGE_PROCEDURES, &[Role::DxOffice]),
            Grant::own_department(MANAGE_PROCEDURES, &[Role::DepartmentEditor]),
        ]
    }
    fn kpi_sources(&self) -> Vec<KpiSource> {
        vec![KpiSource {
            key: kpi::ONLINE_PROCEDURES,
            label: "手続きカタログのオンラインでできる手続きの数",
            figures: |state, _key, years, today| {
                Box::pin(async move {
                    Ok(SourceFigures {
                        values: kpi::online_count_by_year(&state.db, years, today).await?,
                        baseline_year: None,
                        label: None,
                        link: Some("/apply".into()),
                        details: None,
                    })
                })
            },
        }]
    }
    fn caches(&self, caches: &mut Caches) {
        caches.insert(cache::Cache::default());
    }
    fn seed<'a>(&'a self, town: &'a AppState) -> BoxFuture<'a, anyhow::Result<Option<String>>> {
        Box::pin(async move {
            // The bundled catalog is written for the bundled body (its words, its prefecture's
            // systems); other towns import their own (`machi procedures import`).
            if !crate::plan::file::is_bundled_town(town) {
                return Ok(None);
            }
            if store::ensure_catalog(&town.db).await? {
                return Ok(Some(
                    "手続きカタログ: 同梱の初期データを読み込みました(内容は職員が確認してください)"
                        .to_string(),
                ));
            }
            let forms = bundled::upgrade_bundled_forms(&town.db).await?;
            Ok((!forms.is_empty()).then(|| {
                format!(
                    "申請書様式: 同梱の様式を追加・更新しました({})",
                    forms.join("、")
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
            if !staff.can(MANAGE_PROCEDURES, crate::auth::permissions::Subject::None)
                || store::confirmation(&town.db).await?.is_some()
                || !store::has_procedures(&town.db).await?
            {
                return Ok(Vec::new());
            }
            Ok(vec![crate::modules::StaffNotice {
                text: "手続きカタログは同梱の初期データのままで、まだ確認されていません。確認するまで、オンライン化の KPI は未入力と表示されます。".into(),
                link: "/staff/procedures".into(),
                link_text: "カタログを確かめて確認する".into(),
            }])
        })
    }

    fn public_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/procedures", get(routes::index))
            .route("/procedures/{key}", get(routes::procedure_page))
            .route("/life-events", get(routes::life_events))
            .route("/life-events/{key}", get(routes::life_event_page))
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route(
                "/staff/procedures",
                get(staff_routes::list).post(staff_routes::create),
            )
            .route("/staff/procedures/new", get(staff_routes::new_form))
            .route(
                "/staff/procedures/catalog/confirm",
                axum::routing::post(staff_routes::confirm),
            )
            .route(
                "/staff/procedures/{key}",
                get(staff_routes::edit_form).post(staff_routes::update),
            )
            .route(
                "/staff/life-events/{key}",
                get(staff_routes::life_event_form).post(staff_routes::save_life_event),
            )
            .route(
                "/staff/forms/{key}",
                get(staff_routes::form_form).post(staff_routes::save_form),
            )
    }
}
