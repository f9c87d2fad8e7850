//! Staff accounts: sign-in, sessions, roles and permissions, CSRF, user administration.

pub mod model;
pub mod permissions;
pub mod routes;
pub mod secret;
pub mod session;
pub mod store;

pub use session::{Staff, StaffForm};

use crate::app::AppState;
use crate::modules::NavEntry;
use axum::Router;
use axum::routing::{get, post};
use model::Role;
use permissions::{Action, Grant};

/// Open the staff pages at all.
pub const VIEW_STAFF: Action = Action::new("staff.view", "職員用ページを見る");
/// Create and change staff accounts.
pub const MANAGE_USERS: Action = Action::new("users.manage", "職員のアカウントを管理する");
/// Change one's own password (a town's accounts; platform accounts change theirs on the
/// platform's pages).
pub const CHANGE_PASSWORD: Action = Action::new("users.own_password", "自分のパスワードを変更する");

pub struct AuthModule;

impl crate::modules::Module for AuthModule {
    fn name(&self) -> &'static str {
        "auth"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![
            NavEntry::staff("ユーザー管理", "/staff/users", "users", &[MANAGE_USERS], 91),
            NavEntry::staff(
                "パスワード変更",
                "/staff/password",
                "password",
                &[CHANGE_PASSWORD],
                92,
            ),
        ]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![
            Grant::any(VIEW_STAFF, &Role::ALL),
            Grant::any(MANAGE_USERS, &[Role::SystemAdmin]),
            Grant::any(CHANGE_PASSWORD, &Role::TOWN),
        ]
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
