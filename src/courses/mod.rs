//! スマホ教室 for residents and trainings for staff (#18): courses and their sessions, bookings
//! with a waiting list that never overbooks, the residents' schedule and booking pages, and the
//! staff's pages (sessions, bookings taken on the phone, the slip to print). Attendance, the
//! questionnaire, the staff directory, trainings' 受講率 and the KPIs come next.

mod attendance;
mod manage;
pub mod model;
mod public;
pub mod session_admin;
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
                    let figures = session_admin::by_year(&state.db).await?;
                    let rows: Vec<_> = figures
                        .iter()
                        .filter(|(y, _)| years.contains(y))
                        .map(|(y, f)| {
                            (
                                *y,
                                vec![
                                    f.held.to_string(),
                                    f.cancelled.to_string(),
                                    format!("{}(うち当日参加 {})", f.attended, f.walk_ins),
                                    f.fill_rate(),
                                    f.no_show_rate(),
                                    f.feedback.understood(),
                                ],
                            )
                        })
                        .collect();
                    Ok(SourceFigures {
                        values: all
                            .into_iter()
                            .filter(|(y, _)| years.contains(y))
                            .map(|(y, n)| (y, n as f64))
                            .collect(),
                        baseline_year: None,
                        label: None,
                        link: Some("/courses".into()),
                        details: (!rows.is_empty()).then(|| crate::modules::Details {
                            caption: "教室の開催と参加の様子".into(),
                            columns: vec![
                                "開催".into(),
                                "中止".into(),
                                "出席".into(),
                                "定員充足率".into(),
                                "無断欠席率".into(),
                                "「分かった」と答えた方".into(),
                            ],
                            rows,
                            note: "開催は出欠をつけた回、定員充足率は開催した回の予約数÷定員、無断欠席率は予約して来られなかった方÷予約数です。アンケートは「よく分かった」「だいたい分かった」の割合です。".into(),
                        }),
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
            .route(
                "/staff/courses/sessions/{id}/edit",
                get(manage::edit).post(manage::save),
            )
            .route("/staff/courses/sessions/{id}/cancel", post(manage::cancel))
            .route(
                "/staff/courses/sessions/{id}/feedback",
                post(manage::feedback),
            )
            .route("/staff/courses/flyer", get(manage::flyer))
    }
    fn jobs(&self) -> Vec<Job> {
        vec![
            Job {
                name: "courses.purge",
                every: Duration::from_secs(60 * 60),
                run: |state| {
                    Box::pin(async move {
                        let days = state.settings.course_retention_days;
                        let n = session_admin::purge(&state.db, now(&state), days, &job_actor())
                            .await?;
                        Ok((n > 0).then(|| {
                            format!("{n}件の講座の予約から、保存期間({days}日)を過ぎたお名前と電話番号を削除しました")
                        }))
                    })
                },
            },
            Job {
                name: "courses.lapse_offers",
                every: Duration::from_secs(15 * 60),
                run: |state| {
                    Box::pin(async move {
                        let n = store::lapse_offers(&state.db, now(&state), &job_actor()).await?;
                        Ok((n > 0).then(|| {
                            format!("{n}件の空きのご案内が期限切れになり、次の方に回しました")
                        }))
                    })
                },
            },
        ]
    }
}

/// Who the audit log names for the module's jobs.
fn job_actor() -> Actor {
    Actor {
        user_id: None,
        username: "(自動処理)".into(),
        ip: "local".into(),
    }
}
