//! Residents find answers (#16): the town's FAQ kept by staff (`model`, `store`, `import`,
//! `staff`), searched together with the procedures and life events in the words residents use
//! (`normalize`, `synonyms`, `index`, `service`, `public`), the help chat (`help`), page votes
//! on every public page (`feedback`), what staff learn from them (`insights`), and the KPI
//! source `faq.helpful`. `eval` measures the ranking against resident-style queries.

pub mod commands;
pub mod eval;
pub mod feedback;
pub mod guard;
pub mod help;
pub mod import;
pub mod index;
pub mod insights;
pub mod log_store;
pub mod model;
pub mod normalize;
pub mod public;
pub mod relevance;
pub mod service;
pub mod staff;
pub mod store;
pub mod synonyms;
pub mod yomi;

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::fiscal::FiscalYear;
use crate::modules::{Caches, Job, KpiSource, NavEntry, SourceFigures};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::time::Duration;

/// Write and import FAQ entries (a department its own), the synonyms, answer messages.
pub const MANAGE_FAQ: Action = Action::new("faq.manage", "よくある質問(FAQ)を編集する");
/// Read what residents said: page votes, questions not answered, messages.
pub const READ_VOICES: Action =
    Action::new("faq.voices", "ページの評価・ヘルプの質問・メッセージを見る");

pub const HELPFUL: &str = "faq.helpful";

/// How the KPI is counted, as the KPI page shows it.
pub const HELPFUL_LABEL: &str = "公開ページの「このページは役に立ちましたか?」とヘルプの「解決しましたか?」で「はい」と答えた数 ÷ 回答の数(年度ごと、%)";

/// Each 年度's share of 「はい」 among the answers (none when nobody answered).
pub async fn helpful_by_year(
    state: &AppState,
    years: &[FiscalYear],
    today: time::Date,
) -> anyhow::Result<Vec<(FiscalYear, f64)>> {
    let mut out = Vec::new();
    for y in years.iter().filter(|y| y.first_day() <= today) {
        let (yes, all) = log_store::helpful_counts(&state.db, *y).await?;
        if all > 0 {
            out.push((*y, (yes as f64 * 1000.0 / all as f64).round() / 10.0));
        }
    }
    Ok(out)
}

pub struct FaqModule;

impl crate::modules::Module for FaqModule {
    fn name(&self) -> &'static str {
        "faq"
    }
    fn navigation(&self) -> Vec<NavEntry> {
        vec![
            NavEntry::public("よくある質問", "/faq", "faq", 32),
            NavEntry::public("ヘルプ", "/help", "help", 33),
            NavEntry::staff("FAQ", "/staff/faq", "faq", &[MANAGE_FAQ, READ_VOICES], 31),
        ]
    }
    fn permissions(&self) -> Vec<Grant> {
        vec![
            Grant::any(MANAGE_FAQ, &[Role::DxOffice]),
            Grant::own_department(MANAGE_FAQ, &[Role::DepartmentEditor]),
            Grant::any(
                READ_VOICES,
                &[
                    Role::DxOffice,
                    Role::DepartmentEditor,
                    Role::Viewer,
                    Role::Committee,
                ],
            ),
        ]
    }
    fn kpi_sources(&self) -> Vec<KpiSource> {
        vec![KpiSource {
            key: HELPFUL,
            label: HELPFUL_LABEL,
            figures: |state, _key, years, today| {
                Box::pin(async move {
                    Ok(SourceFigures {
                        values: helpful_by_year(state, years, today).await?,
                        baseline_year: None,
                        label: None,
                        link: Some("/faq".into()),
                        details: None,
                    })
                })
            },
        }]
    }
    fn caches(&self, caches: &mut Caches) {
        caches.insert(service::Cache::default());
        caches.insert(guard::Limiter::default());
    }
    fn jobs(&self) -> Vec<Job> {
        vec![Job {
            name: "faq.purge",
            every: Duration::from_secs(3600),
            run: |state| {
                Box::pin(async move {
                    let n = log_store::purge(&state.db, crate::fiscal::today_jst()).await?;
                    Ok((n > 0).then(|| {
                        format!("ヘルプの記録・ページ評価: 保存期間を過ぎた{n}件を整理しました")
                    }))
                })
            },
        }]
    }
    fn public_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/faq", get(public::search_page))
            .route("/faq/{id}", get(public::entry_page))
            .route("/api/faq/search", get(public::api_search))
            .route("/help", get(help::page))
            .route("/help/ask", post(help::ask))
            .route("/help/solved", post(help::solved))
            .route("/help/message", post(help::message))
            .route("/help/open/{id}/{kind}/{key}", get(help::open))
            .route("/feedback", get(feedback::ask).post(feedback::vote))
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/faq", get(staff::list))
            .route("/staff/faq/new", get(staff::new_form).post(staff::create))
            .route(
                "/staff/faq/import",
                post(staff::import_upload)
                    .layer(DefaultBodyLimit::max(staff::MAX_FILE + 64 * 1024)),
            )
            .route("/staff/faq/queries", get(insights::queries))
            .route(
                "/staff/faq/messages/{id}/done",
                post(insights::message_done),
            )
            .route(
                "/staff/faq/synonyms",
                get(insights::synonyms_list).post(insights::synonym_add),
            )
            .route(
                "/staff/faq/synonyms/{id}/delete",
                post(insights::synonym_delete),
            )
            .route("/staff/faq/{id}", get(staff::edit_form).post(staff::update))
            .route("/staff/faq/{id}/delete", post(staff::delete))
            .route("/staff/faq/export.csv", get(staff::export_csv))
            .route("/staff/faq/export.jsonl", get(staff::export_jsonl))
            .route("/staff/feedback", get(insights::feedback))
    }
}
