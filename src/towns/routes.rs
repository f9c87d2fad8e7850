//! The installation's own pages: every town on this machi and its progress (`/towns`, also as
//! `/api/towns`), the pages for unknown or unavailable towns, and the platform administrator's
//! sign-in and overview (`/platform/…`).

use super::{Platform, TownHandle};
use crate::app::AppState;
use crate::auth::Staff;
use crate::error::{AppError, error_page};
use crate::plan::kinds;
use crate::plan::kpi::{Status, format_percent, format_value};
use crate::plan::views::RollupView;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long the list of towns is served before it is computed again (it reads every town's plan).
const VIEW_TTL: Duration = Duration::from_secs(5);

/// One town as the cross-town view shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TownSummary {
    pub code: String,
    pub name: String,
    /// The town's home page, relative to this site.
    pub url: String,
    /// Why the town shows no plan ("" when it has one).
    pub unavailable: String,
    pub plan: Option<PlanSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanSummary {
    pub id: String,
    pub title: String,
    pub period: String,
    pub revision: String,
    pub as_of: String,
    pub measures: usize,
    /// Mean achievement of the KPIs with data ("—" when none).
    pub mean_achievement: String,
    pub policies: Vec<PolicyProgress>,
    pub kpis: Vec<KpiFigure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyProgress {
    pub number: u32,
    pub title: String,
    pub measures: usize,
    pub included: usize,
    pub excluded: usize,
    pub mean_achievement: String,
    pub statuses: Vec<StatusCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusCount {
    pub status: &'static str,
    pub label: &'static str,
    pub count: usize,
}

/// A KPI of a comparable kind.
#[derive(Debug, Clone, Serialize)]
pub struct KpiFigure {
    pub kind: &'static str,
    pub measure: String,
    pub name: String,
    pub target: String,
    pub deadline: String,
    /// The latest figure with its 年度 ("—" when none).
    pub latest: String,
    pub value: Option<f64>,
    pub fiscal_year: Option<i32>,
    pub unit: String,
    pub achievement: String,
    pub status: &'static str,
    pub status_label: &'static str,
}

/// A kind of KPI that two or more towns' plans share, with each town's figure.
#[derive(Debug, Clone, Serialize)]
pub struct KindComparison {
    pub kind: &'static str,
    pub label: &'static str,
    pub rows: Vec<KindRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KindRow {
    pub town: String,
    pub url: String,
    pub figure: KpiFigure,
}

#[derive(Debug, Clone, Serialize)]
pub struct TownsView {
    pub towns: Vec<TownSummary>,
    pub comparisons: Vec<KindComparison>,
}

/// The view and when it was made.
#[derive(Default)]
pub struct ViewCache(Mutex<Option<(Instant, std::sync::Arc<TownsView>)>>);

async fn summary(platform: &Platform, town: &TownHandle) -> TownSummary {
    let state = town.state(platform);
    // Links from this list work on this host whatever DNS says: the /t/CODE/ address, or "/"
    // for the only town.
    let url = if platform.towns().only_town().is_some() {
        "/".to_string()
    } else {
        format!("/t/{}/", town.record.code)
    };
    let mut out = TownSummary {
        code: town.record.code.to_string(),
        name: town.record.name.clone(),
        url,
        unavailable: String::new(),
        plan: None,
    };
    let Some(state) = state else {
        out.unavailable = "ただいま表示できません".into();
        return out;
    };
    let data = match state.plan_data().await {
        Ok(d) => d,
        Err(AppError::NoPlan) => {
            out.unavailable = "計画がまだ読み込まれていません".into();
            return out;
        }
        Err(e) => {
            tracing::error!(town = %town.record.code, "cross-town view: {e}");
            out.unavailable = "ただいま表示できません".into();
            return out;
        }
    };
    let plan = &data.plan;
    let policies = plan
        .policies
        .iter()
        .map(|p| {
            let r: RollupView = data.rollup_policy(p).into();
            PolicyProgress {
                number: p.number,
                title: p.title.clone(),
                measures: r.total,
                included: r.included,
                excluded: r.excluded,
                mean_achievement: r.mean,
                statuses: r
                    .counts
                    .iter()
                    .map(|(s, n)| StatusCount {
                        status: s.key,
                        label: s.label,
                        count: *n,
                    })
                    .collect(),
            }
        })
        .collect();
    let kpis = plan
        .kpis()
        .into_iter()
        .filter_map(|k| {
            let m = k.kpi;
            let kind = kinds::of(&m.kind, &m.source)?;
            let ev = data.evaluation(&m.key);
            let status = ev.map_or(Status::NoData, |e| e.status);
            let value = ev.and_then(|e| Some((e.value?, e.value_year?)));
            Some(KpiFigure {
                kind: kind.key,
                measure: k.item.code().to_string(),
                name: m.name.clone(),
                target: m.target_wording.clone(),
                deadline: m.deadline_wording.clone(),
                latest: value.map_or_else(
                    || "—".into(),
                    |(v, fy)| format!("{}({})", format_value(v, &m.unit), m.years.wareki(fy)),
                ),
                value: value.map(|(v, _)| v),
                fiscal_year: value.map(|(_, fy)| fy.0),
                unit: m.unit.clone(),
                achievement: ev
                    .and_then(|e| e.achievement)
                    .map_or_else(|| "—".into(), format_percent),
                status: status.key(),
                status_label: status.label(),
            })
        })
        .collect();
    let total: RollupView = data.rollup_all().into();
    out.plan = Some(PlanSummary {
        id: plan.id.clone(),
        title: plan.title.clone(),
        period: format!(
            "{}〜{}",
            plan.period.start.wareki(),
            plan.period.end.wareki()
        ),
        revision: data.revision.label.clone(),
        as_of: data.as_of.label(),
        measures: plan.measures.len(),
        mean_achievement: total.mean,
        policies,
        kpis,
    });
    out
}

/// Every town and the comparable KPIs, cached for a few seconds.
pub async fn towns_view(platform: &Platform) -> std::sync::Arc<TownsView> {
    if let Some((at, v)) = platform.view_cache.0.lock().expect("view lock").as_ref()
        && at.elapsed() < VIEW_TTL
    {
        return v.clone();
    }
    let mut towns = Vec::new();
    for t in platform.towns().all() {
        towns.push(summary(platform, &t).await);
    }
    let comparisons = kinds::KINDS
        .iter()
        .filter_map(|k| {
            let rows: Vec<KindRow> = towns
                .iter()
                .flat_map(|t| {
                    t.plan.iter().flat_map(|p| {
                        p.kpis.iter().filter(|f| f.kind == k.key).map(|f| KindRow {
                            town: t.name.clone(),
                            url: t.url.clone(),
                            figure: f.clone(),
                        })
                    })
                })
                .collect();
            let distinct_towns = {
                let mut names: Vec<&str> = rows.iter().map(|r| r.url.as_str()).collect();
                names.dedup();
                names.len()
            };
            (distinct_towns >= 2).then_some(KindComparison {
                kind: k.key,
                label: k.label,
                rows,
            })
        })
        .collect();
    let view = std::sync::Arc::new(TownsView { towns, comparisons });
    *platform.view_cache.0.lock().expect("view lock") = Some((Instant::now(), view.clone()));
    view
}

#[derive(Template, WebTemplate)]
#[template(path = "towns/templates/towns.html")]
struct TownsPage {
    layout: Layout,
    view: std::sync::Arc<TownsView>,
}

async fn towns_page(platform: &Platform) -> Response {
    TownsPage {
        layout: Layout::platform("towns"),
        view: towns_view(platform).await,
    }
    .into_response()
}

/// The installation's home when it serves several towns: the list of towns.
pub async fn towns_home(platform: &Platform) -> Response {
    towns_page(platform).await
}

/// `/towns` and `/api/towns`, whatever the mode.
pub async fn platform_public(platform: &Platform, method: &Method, path: &str) -> Option<Response> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    match path {
        "/towns" => Some(towns_page(platform).await),
        "/api/towns" => {
            let view = towns_view(platform).await;
            Some(
                (
                    [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                    axum::Json(&*view).into_response(),
                )
                    .into_response(),
            )
        }
        _ => None,
    }
}

/// A `/t/CODE/` that is no town here.
pub async fn unknown_town(_platform: &Platform) -> Response {
    error_page(
        Layout::platform(""),
        StatusCode::NOT_FOUND,
        "ページが見つかりません",
        "この住所の自治体やページはこのサイトにありません。自治体一覧からお探しください。",
    )
}

/// A town that is registered but could not be opened.
pub fn town_unavailable(town: &TownHandle) -> Response {
    let mut res = error_page(
        Layout::platform(""),
        StatusCode::SERVICE_UNAVAILABLE,
        "ただいま表示できません",
        &format!(
            "{}のページは、ただいま表示できません。時間をおいてもう一度お試しください。",
            town.record.name
        ),
    );
    res.headers_mut().insert(
        header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("300"),
    );
    res
}

/// The platform administrator's pages, below `/platform`.
pub fn platform_staff_routes() -> Router<AppState> {
    use crate::auth::routes as auth;
    Router::new()
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/platform/staff") }),
        )
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/staff", get(overview))
}

#[derive(Template, WebTemplate)]
#[template(path = "towns/templates/platform.html")]
struct OverviewPage {
    layout: Layout,
    towns: Vec<TownRow>,
}

struct TownRow {
    code: String,
    name: String,
    host: String,
    storage: String,
    migrated_at: String,
    error: String,
    staff_url: String,
}

/// Every town's registration and state, for the platform administrator.
async fn overview(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    if staff.user.role != crate::auth::model::Role::PlatformAdmin {
        return Err(AppError::Forbidden(
            "この画面はプラットフォーム管理者のものです。".into(),
        ));
    }
    let towns = super::registry::list(&state.shared)
        .await?
        .into_iter()
        .map(|t| TownRow {
            staff_url: format!("/t/{}/staff", t.code),
            code: t.code.to_string(),
            name: t.name,
            host: t.host.unwrap_or_default(),
            storage: t.storage,
            migrated_at: if t.migrated_at.is_empty() {
                "—".into()
            } else {
                crate::fiscal::jst(&t.migrated_at)
            },
            error: t.last_error,
        })
        .collect();
    Ok(OverviewPage {
        layout: Layout::staff(&staff, "staff"),
        towns,
    }
    .into_response())
}
