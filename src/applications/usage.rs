//! `/apply`: the procedures a resident can apply for on the town's own forms, and how much the
//! online channel is used — applications per procedure and 年度 beside the counter's receipts
//! for the same procedure (where fees are recorded), the オンライン利用率 supporting KPI 1-①-1.

use super::store;
use crate::app::AppState;
use crate::error::AppError;
use crate::fiscal::FiscalYear;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use sqlx::Row;
use std::collections::BTreeMap;

pub struct Usage {
    pub procedure: String,
    pub online: i64,
    /// Receipts at the counter for the procedure; `None` where no counter receipt is recorded.
    pub counter: Option<i64>,
}

impl Usage {
    /// online ÷ (online + counter), where the counter's number is known.
    pub fn rate(&self) -> String {
        match self.counter {
            Some(c) if self.online + c > 0 => crate::receipts::routes::percent(Some(
                100.0 * self.online as f64 / (self.online + c) as f64,
            )),
            _ => "—".into(),
        }
    }
}

/// Counter receipts (not reversed) per procedure and 年度.
async fn counter_counts(
    state: &AppState,
) -> Result<BTreeMap<(String, FiscalYear), i64>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT r.procedure_key, r.paid_on FROM receipts r
         WHERE r.procedure_key <> '' AND r.channel LIKE 'counter%' AND r.reverses IS NULL
           AND NOT EXISTS (SELECT 1 FROM receipts x WHERE x.reverses = r.id)",
    )
    .fetch_all(&mut *state.db.conn().await?)
    .await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let day: String = r.try_get("paid_on")?;
        if let Some(d) = crate::procedures::model::parse_day(&day) {
            *out.entry((r.try_get("procedure_key")?, FiscalYear::of_date(d)))
                .or_default() += 1;
        }
    }
    Ok(out)
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/templates/index.html")]
struct IndexPage {
    layout: Layout,
    open: Vec<(String, String)>,
    mail_on: bool,
    year: String,
    usage: Vec<Usage>,
}

pub async fn index(State(state): State<AppState>) -> Result<Response, AppError> {
    let snap = crate::procedures::cache::snapshot(&state).await?;
    let mut open = Vec::new();
    for p in &snap.procedures {
        if super::apply::offer(&state, &p.key).await?.is_some() {
            open.push((p.key.clone(), p.name.clone()));
        }
    }
    let year = state.current_fiscal_year();
    let online = store::submitted_by_year(&state.db).await?;
    let counter = counter_counts(&state).await?;
    let usage = online
        .iter()
        .filter(|(_, y, _)| *y == year)
        .map(|(p, y, n)| Usage {
            procedure: snap
                .procedure(p)
                .map_or_else(|| p.clone(), |x| x.name.clone()),
            online: *n,
            counter: counter.get(&(p.clone(), *y)).copied(),
        })
        .collect();
    Ok(IndexPage {
        layout: Layout::public(&state, "procedures").await,
        open,
        mail_on: state.settings.online.mail_on(),
        year: year.label(),
        usage,
    }
    .into_response())
}
