//! What residents and the 議会 see of the review (how many clauses were read, found, decided,
//! amended, by category and 課: figures from the decisions staff recorded), and the A4 print of
//! one 例規 with its candidates marked in the text, for the 課 that reviews it on paper.

use super::progress::{self, Summary};
use super::routes::{lines, may_read};
use super::store::Head;
use super::view::ClauseLine;
use crate::app::AppState;
use crate::auth::Staff;
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

#[derive(Template, WebTemplate)]
#[template(path = "ordinances/templates/public.html")]
struct PublicPage {
    layout: Layout,
    summary: Summary,
    as_of: String,
}

pub async fn public_summary(State(state): State<AppState>) -> Result<Response, AppError> {
    let summary = progress::summary(&state.db).await?;
    let as_of = crate::fiscal::jst(&summary.as_of);
    Ok(PublicPage {
        layout: Layout::public(&state, "analog-regulation").await,
        summary,
        as_of,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "ordinances/templates/print.html")]
struct PrintPage {
    layout: Layout,
    head: Head,
    clauses: Vec<ClauseLine>,
    printed: String,
}

impl PrintPage {
    fn found(&self) -> usize {
        self.clauses.iter().map(|c| c.findings.len()).sum()
    }
}

/// The whole text on A4, candidates marked, each with its decision beside it; a 課 sees the
/// 例規 it has candidates in (the coordinating department any).
pub async fn print(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    may_read(&staff)?;
    let (head, clauses) = lines(&state, &staff, id, false).await?;
    Ok(PrintPage {
        layout: Layout::staff(&staff, "ordinances"),
        head,
        clauses,
        printed: crate::fiscal::wareki_date(state.today()),
    }
    .into_response())
}
