//! The body's identity: address, main phone, opening hours, website and emblem in the public
//! frame, and each department's contact on the procedures it handles. Staff edit them at
//! `/staff/identity`; the emblem is served at `/emblem`.

pub mod model;
pub mod routes;
pub mod store;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::modules::NavEntry;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// Edit the body's contact details, emblem and departments' contacts.
pub const EDIT_IDENTITY: Action = Action::new("identity.edit", "団体の基本情報を編集する");

pub struct IdentityModule;

impl crate::modules::Module for IdentityModule {
    fn name(&self) -> &'static str {
        "identity"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![NavEntry::staff(
            "団体の基本情報",
            "/staff/identity",
            "identity",
            &[EDIT_IDENTITY],
            85,
        )]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![Grant::any(
            EDIT_IDENTITY,
            &[Role::SystemAdmin, Role::DxOffice],
        )]
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new().route("/emblem", get(routes::emblem))
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/identity", get(routes::page).post(routes::save))
            .route(
                "/staff/identity/emblem",
                post(routes::upload_emblem)
                    .layer(DefaultBodyLimit::max(model::MAX_EMBLEM + 64 * 1024)),
            )
            .route("/staff/identity/emblem/remove", post(routes::remove_emblem))
            .route(
                "/staff/identity/departments",
                get(routes::department_page).post(routes::save_department),
            )
            .route(
                "/staff/identity/departments/remove",
                post(routes::remove_department),
            )
    }
}
