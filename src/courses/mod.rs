//! スマホ教室 for residents and trainings for staff (#18): courses and their sessions, bookings
//! with a waiting list that never overbooks, the residents' schedule and booking pages, and the
//! staff's pages (sessions, bookings taken on the phone, the slip to print). Attendance, the
//! questionnaire, the staff directory, trainings' 受講率 and the KPIs come next.

mod attendance;
pub mod model;
mod public;
mod sessions;
mod staff;
pub mod store;

// "10:00" on a day in Japan time, as staff type it (trainings read their sessions the same way).
pub(crate) use staff::at;

use crate::app::AppState;
use crate::audit::Actor;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::modules::{Job, KpiSource, NavEntry, SourceFigures};
use axum::Router;
use axum::routing::{get, post};
use std::time::Duration;

/// Run the town's courses: sessions, bookings taken on the phone, cancellations.
pub const MANAGE_COURSES: Action = Action::new(
    "courses.manage",
    "講座・教室を運営する(電話予約の入力を含む)",
);

/// Now on the town's calendar (a configured day in tests and demos), in Japan time.
pub fn now(state: &AppState) -> time::OffsetDateTime {
    crate::receipts::routes::now_jst(state).assume_offset(time::macros::offset!(+9))
}

/// KPI 1-①-5: attendances at residents' sessions per 年度.
pub const ATTENDEES: &str = "courses.attendees";

pub struct CoursesModule;

impl crate::modules::Module for CoursesModule {
    fn name(&self) -> &'static str {
        "courses"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![
            NavEntry::public("スマホ教室", "/courses", "courses", 45),
            NavEntry::staff(
                "講座・教室",
                "/staff/courses",
                "courses",
                &[MANAGE_COURSES],
                24,
            ),
        ]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![Grant::any(MANAGE_COURSES, &[Role::DxOffice])]
    }
    fn kpi_sources(&self) -> Vec<KpiSource> {
        vec![KpiSource {
            key: ATTENDEES,
            label: "スマホ教室など住民向け講座の出席者(延べ人数。予約しただけの方は数えず、当日参加の方を含む)",
            figures: |state, _key, years, _today| {
                Box::pin(async move {
                    let all = store::attendees_by_year(&state.db).await?;
                    Ok(SourceFigures {
                        values: all
                            .into_iter()
                            .filter(|(y, _)| years.contains(y))
                            .map(|(y, n)| (y, n as f64))
                            .collect(),
                        baseline_year: None,
                        label: None,
                        link: Some("/courses".into()),
                        details: None,
                    })
                })
            },
        }]
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/courses", get(public::schedule))
            .route("/courses/{id}", get(public::session).post(public::book))
            .route("/courses/booking/{token}", get(public::booking))
            .route("/courses/booking/{token}/cancel", post(public::cancel))
            .route("/courses/booking/{token}/accept", post(public::accept))
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/courses", get(staff::list))
            .route("/staff/courses/new", post(staff::new_course))
            .route("/staff/courses/sessions", post(staff::new_session))
            .route("/staff/courses/sessions/{id}", get(staff::session))
            .route("/staff/courses/sessions/{id}/book", post(staff::book))
            .route("/staff/courses/bookings/{number}", get(staff::slip))
            .route(
                "/staff/courses/bookings/{number}/cancel",
                post(staff::cancel),
            )
            .route(
                "/staff/courses/bookings/{number}/accept",
                post(staff::accept),
            )
            .route("/staff/courses/bookings/{number}/mark", post(staff::mark))
            .route("/staff/courses/sessions/{id}/walk-in", post(staff::walk_in))
    }
    fn jobs(&self) -> Vec<Job> {
        vec![Job {
            name: "courses.lapse_offers",
            every: Duration::from_secs(15 * 60),
            run: |state| {
                Box::pin(async move {
                    let actor = Actor {
                        user_id: None,
                        username: "(自動処理)".into(),
                        ip: "local".into(),
                    };
                    let n = store::lapse_offers(&state.db, now(&state), &actor).await?;
                    Ok((n > 0).then(|| {
                        format!("{n}件の空きのご案内が期限切れになり、次の方に回しました")
                    }))
                })
            },
        }]
    }
}
