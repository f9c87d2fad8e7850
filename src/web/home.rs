//! The front page: what machi is and the plan at a glance.

use crate::app::AppState;
use crate::error::AppError;
use crate::plan::views::{self, PolicyBlock, RollupView};
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;

pub struct HomeModule;

impl crate::modules::Module for HomeModule {
    fn name(&self) -> &'static str {
        "home"
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new().route("/", get(home))
    }
    fn navigation(&self) -> Vec<crate::modules::NavEntry> {
        vec![crate::modules::NavEntry::public("ホーム", "/", "home", 10)]
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "web/templates/home.html")]
pub struct HomePage {
    layout: Layout,
    town: String,
    title: String,
    subtitle: String,
    adopted: String,
    period: String,
    policies: Vec<PolicyBlock>,
    total: RollupView,
    as_of: String,
    /// How many items each level has (top first).
    level_counts: Vec<usize>,
    measure_count: usize,
    roadmap_count: usize,
    ended: bool,
    has_summary: bool,
    /// Earlier plans of the town: (id, title).
    previous: Vec<(String, String)>,
}

pub async fn home(State(state): State<AppState>) -> Result<axum::response::Response, AppError> {
    crate::web::page_cache::cached_page(&state, "/".into(), |data| {
        let plan = &data.plan;
        Ok(HomePage {
            layout: views::layout(&state, data, "home"),
            town: plan.municipality.name.clone(),
            title: plan.title.clone(),
            subtitle: plan.subtitle.clone(),
            adopted: plan.adopted_wording.clone(),
            period: format!(
                "{}〜{}",
                plan.period.start.wareki(),
                plan.period.end.wareki()
            ),
            policies: views::policy_blocks(data),
            total: data.rollup_all().into(),
            as_of: data.as_of.label(),
            level_counts: (1..=plan.depth())
                .map(|d| plan.items().iter().filter(|i| i.depth() == d).count())
                .collect(),
            measure_count: plan.measures.len(),
            roadmap_count: plan.roadmap.iter().map(|r| r.items.len()).sum(),
            ended: data.ended(),
            has_summary: data.ended(),
            previous: data.history.clone(),
        })
    })
    .await
}
