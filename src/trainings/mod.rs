//! Staff trainings (#18): the staff directory (every employee, from the personnel section's
//! CSV), trainings with their target group and materials, attendance with statuses (at the
//! door, by QR for the person themselves, or from the e-learning system's CSV), 受講率 per
//! training, 課 and 年度, what each 課 still has to take, and the KPIs that count trainings held
//! per category (`trainings.security`, `trainings.ict_literacy`).

pub mod directory;
mod directory_routes;
pub mod elearning;
mod file_routes;
pub mod model;
pub mod rates;
mod routes;
mod self_routes;
pub mod store;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant, Subject};
use crate::fiscal::FiscalYear;
use crate::modules::{BoxFuture, Details, KpiSource, NavEntry, SourceFigures, StaffNotice};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use model::Category;

/// Run trainings: the directory, trainings, sessions, attendance and imports.
pub const MANAGE_TRAININGS: Action = Action::new(
    "trainings.manage",
    "職員研修を運営する(職員名簿・研修・出欠・e-ラーニングの取り込み)",
);
/// See who in a 課 still has to take a required training (their own 課, for 課長).
pub const SEE_PENDING: Action =
    Action::new("trainings.pending", "必須研修の未受講者を見る(自分の課)");
/// Take trainings: mark oneself present by a session's QR code, open materials.
pub const TAKE_TRAININGS: Action = Action::new(
    "trainings.take",
    "研修を受ける(QRコードで出席を記録する、資料を開く)",
);

/// The largest directory or e-learning file.
pub const MAX_IMPORT: usize = 10 * 1024 * 1024;

pub struct TrainingsModule;

fn figures<'a>(
    state: &'a AppState,
    key: &'a str,
    years: &'a [FiscalYear],
    today: time::Date,
) -> BoxFuture<'a, anyhow::Result<SourceFigures>> {
    Box::pin(async move {
        let Some(category) = Category::ALL.into_iter().find(|c| c.kpi_key() == Some(key)) else {
            return Ok(SourceFigures::default());
        };
        let trainings = store::trainings(&state.db, None).await?;
        let members = directory::all(&state.db).await?;
        let atts = store::attendances(&state.db, None).await?;
        let by_year = rates::by_year(category, &trainings, &members, &atts);
        let current = FiscalYear::of_date(today);
        // A 年度 speaks once a training was held in it, or once it is over with trainings
        // planned (then 0 is what happened); never for a 年度 nobody entered anything for.
        let counted: Vec<(FiscalYear, f64)> = by_year
            .iter()
            .filter(|(y, f)| years.contains(y) && (f.held > 0 || **y < current))
            .map(|(y, f)| (*y, f.held as f64))
            .collect();
        let rows = by_year
            .iter()
            .filter(|(y, _)| years.contains(y))
            .map(|(y, f)| {
                (
                    *y,
                    vec![
                        f.trainings.to_string(),
                        f.held.to_string(),
                        f.reached.words(),
                    ],
                )
            })
            .collect::<Vec<_>>();
        Ok(SourceFigures {
            values: counted,
            details: (!rows.is_empty()).then(|| Details {
                caption: format!("{}研修の実施と受講率", category.label()),
                columns: vec!["研修".into(), "実施回数".into(), "受講率".into()],
                rows,
                note: "実施回数は、だれかが出席した回の数です(e-ラーニングは1回と数えます)。受講率は、研修の対象者(免除を除く)のうち出席・遅刻・修了した職員の割合で、職員名簿の現在の在籍者で数えます。".into(),
            }),
            ..SourceFigures::default()
        })
    })
}

impl crate::modules::Module for TrainingsModule {
    fn name(&self) -> &'static str {
        "trainings"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![NavEntry::staff(
            "職員研修",
            "/staff/trainings",
            "trainings",
            &[MANAGE_TRAININGS, SEE_PENDING],
            25,
        )]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![
            Grant::any(MANAGE_TRAININGS, &[Role::DxOffice]),
            Grant::any(SEE_PENDING, &[Role::DxOffice]),
            Grant::own_department(SEE_PENDING, &[Role::DepartmentEditor]),
            Grant::any(
                TAKE_TRAININGS,
                &[
                    Role::SystemAdmin,
                    Role::DxOffice,
                    Role::DepartmentEditor,
                    Role::Viewer,
                ],
            ),
        ]
    }
    fn kpi_sources(&self) -> Vec<KpiSource> {
        vec![
            KpiSource {
                key: "trainings.security",
                label: "職員研修の記録(情報セキュリティ研修の実施回数。だれかが出席した回を数えます)",
                figures,
            },
            KpiSource {
                key: "trainings.ict_literacy",
                label: "職員研修の記録(ICTリテラシー研修の実施回数。だれかが出席した回を数えます)",
                figures,
            },
        ]
    }
    fn staff_notices<'a>(
        &'a self,
        town: &'a AppState,
        staff: &'a crate::auth::Staff,
    ) -> BoxFuture<'a, anyhow::Result<Vec<StaffNotice>>> {
        Box::pin(async move { self_routes::notices(town, staff).await })
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/trainings", get(routes::list))
            .route("/staff/trainings/new", post(routes::create))
            .route("/staff/trainings/{id}", get(routes::training))
            .route("/staff/trainings/{id}/sessions", post(routes::add_session))
            .route(
                "/staff/trainings/sessions/{id}",
                get(routes::session).post(routes::mark),
            )
            .route(
                "/staff/trainings/{id}/elearning",
                post(file_routes::elearning).layer(DefaultBodyLimit::max(MAX_IMPORT + 64 * 1024)),
            )
            .route(
                "/staff/trainings/{id}/materials",
                post(file_routes::attach)
                    .layer(DefaultBodyLimit::max(store::MAX_MATERIAL + 64 * 1024)),
            )
            .route(
                "/staff/trainings/{id}/materials/{file}",
                get(file_routes::material),
            )
            .route(
                "/staff/trainings/here/{code}",
                get(self_routes::here).post(self_routes::mark_here),
            )
            .route("/staff/trainings/pending", get(self_routes::pending))
            .route(
                "/staff/trainings/directory",
                get(directory_routes::list)
                    .post(directory_routes::import)
                    .layer(DefaultBodyLimit::max(MAX_IMPORT + 64 * 1024)),
            )
            .route(
                "/staff/trainings/directory/{id}",
                get(directory_routes::edit).post(directory_routes::save),
            )
    }
}

/// Whether the person may see the list of a 課.
pub fn may_see_department(staff: &crate::auth::Staff, department: &str) -> bool {
    staff.can(MANAGE_TRAININGS, Subject::None)
        || staff.can(SEE_PENDING, Subject::Department { department })
}
