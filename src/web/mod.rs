//! The web layer shared by every module: page layout, static assets, security headers.

pub mod home;
pub mod page_cache;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// What the common page frame (web/templates/base.html) shows.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Municipality name for the site title; empty before a plan is loaded.
    pub town: String,
    /// Which navigation entry is the current page: home, plan, kpis, roadmap.
    pub current: &'static str,
    /// The plan revision shown (第1版 …).
    pub revision: String,
    /// The 年度 statuses are judged as of.
    pub as_of: String,
    /// Set on staff pages: who is signed in and what the staff menu offers.
    pub staff: Option<StaffNav>,
}

#[derive(Debug, Clone, Default)]
pub struct StaffNav {
    pub name: String,
    pub role: &'static str,
    pub csrf: String,
    pub can_manage_users: bool,
    pub can_view_audit: bool,
}

impl StaffNav {
    pub fn of(staff: &crate::auth::Staff) -> StaffNav {
        use crate::auth::permissions::{Action, Subject};
        StaffNav {
            name: staff.user.display_name.clone(),
            role: staff.user.role.label(),
            csrf: staff.session.csrf_token.clone(),
            can_manage_users: staff.can(Action::ManageUsers, Subject::None),
            can_view_audit: staff.can(Action::ViewAudit, Subject::None),
        }
    }
}

impl Layout {
    /// The frame of a public page, with the town's name when a plan is loaded.
    pub async fn public(state: &crate::app::AppState, current: &'static str) -> Layout {
        match state.plan_data().await {
            Ok(data) => crate::plan::views::layout(&data, current),
            Err(_) => Layout {
                current,
                ..Layout::default()
            },
        }
    }

    /// The signed-in user's CSRF token, for the hidden field of every form.
    pub fn csrf(&self) -> &str {
        self.staff.as_ref().map_or("", |s| s.csrf.as_str())
    }

    /// The frame of a staff page.
    pub fn staff(staff: &crate::auth::Staff, current: &'static str) -> Layout {
        Layout {
            town: staff.town.clone(),
            current,
            revision: String::new(),
            as_of: String::new(),
            staff: Some(StaffNav::of(staff)),
        }
    }
}

const CSS: &str = include_str!("static/machi.css");

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// Headers every response carries. No inline scripts or styles are allowed, nothing is loaded
/// from elsewhere, and pages cannot be framed.
pub async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}
