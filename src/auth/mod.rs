//! Staff accounts: sign-in, sessions, roles and permissions, CSRF, user administration.

pub mod model;
pub mod permissions;
pub mod routes;
pub mod secret;
pub mod session;
pub mod store;

pub use session::{Staff, StaffForm};

use crate::app::AppState;
use axum::Router;
use axum::routing::{get, post};

pub struct AuthModule;

impl crate::modules::Module for AuthModule {
    fn name(&self) -> &'static str {
        "auth"
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new().route("/login", get(routes::login_form).post(routes::login))
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/logout", post(routes::logout))
            .route(
                "/staff/password",
                get(routes::password_form).post(routes::change_password),
            )
            .route("/staff/users", get(routes::users).post(routes::create_user))
            .route("/staff/users/new", get(routes::new_user_form))
            .route(
                "/staff/users/{id}",
                get(routes::edit_user_form).post(routes::update_user),
            )
            .route("/staff/users/{id}/password", post(routes::reset_password))
    }
}
