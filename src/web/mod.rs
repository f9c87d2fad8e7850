//! The web layer shared by every module: page layout, static assets, security headers.

pub mod home;
pub mod page_cache;
pub mod qr;

use crate::app::AppState;
use crate::modules::{Menu, registry};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// What the common page frame (web/templates/base.html) shows.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Where the town's pages start ("" or "/t/285854"): every link in a page starts with it.
    pub base: String,
    /// The town's name for the site title; empty on the installation's own pages.
    pub town: String,
    /// The town's words (from its plan): its name for its people, its head, its levels …
    pub words: std::sync::Arc<crate::plan::model::Words>,
    /// Where the plan pages shown start: the town's base, or an earlier plan's
    /// (`/plans/kami-2023`) when one is browsed.
    pub plan: String,
    /// Which navigation entry is the current page: home, plan, kpis, roadmap …
    pub current: &'static str,
    /// The menu, already filtered for who is looking.
    pub nav: Vec<NavLink>,
    /// The plan revision shown (第1版 …), on plan pages.
    pub revision: String,
    /// The 年度 statuses are judged as of, on plan pages.
    pub as_of: String,
    /// Set on staff pages: who is signed in.
    pub staff: Option<StaffNav>,
    /// On the pages of an earlier plan of the town: its title and period (shown as a notice).
    pub earlier_plan: String,
    /// The town's address, phone, hours, website and emblem, for the public frame.
    pub identity: std::sync::Arc<crate::identity::model::Identity>,
    /// A form handed to a resident on the counter's tablet: the town's name only, no menu, no
    /// links that lead away from the form.
    pub kiosk: bool,
    /// The address of the page below the town's base (`/plan/kpis`), for the frame's
    /// 「このページは役に立ちましたか?」; empty where the frame asks nothing.
    pub page: String,
}

tokio::task_local! {
    /// The path of the request a town's router is answering (below the town's base): set by
    /// the dispatcher, read by the public frame.
    pub static PAGE: String;
}

/// Pages that ask their own question (or none): the help chat, the vote itself, sign-in.
/// Pages that do not ask for a vote: help and sign-in, staff pages, and a resident's private
/// pages (an application opened from its link, the payment page, a course booking), whose
/// paths name them.
const NO_PAGE_VOTE: [&str; 8] = [
    "/help",
    "/feedback",
    "/login",
    "/staff",
    "/apply/a",
    "/apply/link",
    "/pay-sandbox",
    "/courses/booking",
];

/// A menu link as the frame prints it.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

#[derive(Debug, Clone, Default)]
pub struct StaffNav {
    pub name: String,
    pub role: String,
    pub csrf: String,
}

impl StaffNav {
    pub fn of(staff: &crate::auth::Staff) -> StaffNav {
        StaffNav {
            name: staff.user.display_name.clone(),
            role: staff.words.role(staff.user.role),
            csrf: staff.session.csrf_token.clone(),
        }
    }
}

/// The menu entries of a menu, filtered by `show`, with addresses below `base`.
fn menu(
    which: Menu,
    base: &str,
    current: &str,
    show: impl Fn(&crate::modules::NavEntry) -> bool,
) -> Vec<NavLink> {
    registry()
        .nav
        .iter()
        .filter(|n| n.menu == which && show(n))
        .map(|n| NavLink {
            label: n.label,
            href: format!("{base}{}", n.path),
            current: n.key == current,
        })
        .collect()
}

impl Layout {
    /// The frame of a public page of a town.
    pub async fn public(state: &AppState, current: &'static str) -> Layout {
        let (words, identity) = crate::plan::service::frame(state).await;
        Layout {
            identity,
            ..Layout::public_with(state, words, current)
        }
    }

    /// The frame of the form a resident fills in on the counter's tablet.
    pub async fn kiosk(state: &AppState) -> Layout {
        Layout {
            kiosk: true,
            nav: Vec::new(),
            ..Layout::public(state, "").await
        }
    }

    /// The frame of a public page, with the words already at hand.
    pub fn public_with(
        state: &AppState,
        words: std::sync::Arc<crate::plan::model::Words>,
        current: &'static str,
    ) -> Layout {
        let nav = menu(Menu::Public, &state.base, current, |n| {
            n.shown_if.is_none_or(|f| f(&words))
        });
        let page = PAGE.try_with(Clone::clone).unwrap_or_default();
        Layout {
            base: state.base.to_string(),
            plan: state.base.to_string(),
            town: state.town.name.clone(),
            words,
            current,
            nav,
            page,
            ..Layout::default()
        }
    }

    /// Whether the frame asks 「このページは役に立ちましたか?」: on a town's public pages.
    pub fn asks_feedback(&self) -> bool {
        self.staff.is_none()
            && !self.kiosk
            && !self.town.is_empty()
            && self.page.starts_with('/')
            && !NO_PAGE_VOTE
                .iter()
                .any(|p| self.page == *p || self.page.starts_with(&format!("{p}/")))
    }

    /// The frame of a page of the installation itself (the list of towns).
    pub fn platform(current: &'static str) -> Layout {
        Layout {
            current,
            nav: vec![NavLink {
                label: "自治体一覧",
                href: "/towns".into(),
                current: current == "towns",
            }],
            ..Layout::default()
        }
    }

    /// The signed-in user's CSRF token, for the hidden field of every form.
    pub fn csrf(&self) -> &str {
        self.staff.as_ref().map_or("", |s| s.csrf.as_str())
    }

    /// The frame of a staff page: the staff menu shows what this person may open.
    pub fn staff(staff: &crate::auth::Staff, current: &'static str) -> Layout {
        use crate::auth::permissions::allowed_somewhere;
        let nav = if staff.base == "/platform" {
            vec![
                NavLink {
                    label: "自治体",
                    href: "/platform/staff".into(),
                    current: current == "staff",
                },
                NavLink {
                    label: "自治体一覧(公開)",
                    href: "/towns".into(),
                    current: false,
                },
            ]
        } else {
            menu(Menu::Staff, &staff.base, current, |n| {
                n.permission.is_empty()
                    || n.permission
                        .iter()
                        .any(|a| allowed_somewhere(&staff.user, *a))
            })
        };
        Layout {
            base: staff.base.clone(),
            plan: staff.base.clone(),
            town: staff.town.clone(),
            words: staff.words.clone(),
            current,
            nav,
            revision: String::new(),
            as_of: String::new(),
            staff: Some(StaffNav::of(staff)),
            identity: Default::default(),
            earlier_plan: String::new(),
            kiosk: false,
            page: String::new(),
        }
    }

    /// Where the site name links to.
    pub fn home(&self) -> String {
        match &self.staff {
            Some(_) => format!("{}/staff", self.base),
            None if self.town.is_empty() => "/towns".into(),
            None => format!("{}/", self.base),
        }
    }
}

const CSS: &str = include_str!("static/machi.css");
const PRINT_JS: &str = include_str!("static/print.js");

/// The one script: print buttons (pages work without it).
pub async fn print_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PRINT_JS,
    )
        .into_response()
}

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
