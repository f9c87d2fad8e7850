//! Viewing, filtering and exporting the audit log (the coordinating department and システム管理者).

use super::{Entry, Filter, list};
use crate::app::AppState;
use crate::auth::Staff;
use crate::auth::permissions::Subject;
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

const PAGE_LIMIT: i64 = 500;

#[derive(Template, WebTemplate)]
#[template(path = "audit/templates/audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<Entry>,
    filter: Filter,
    limit: i64,
    csv_query: String,
}

pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(filter): Query<Filter>,
) -> Result<Response, AppError> {
    staff.require(crate::audit::VIEW_AUDIT, Subject::None)?;
    let entries = list(&state.db, &filter, PAGE_LIMIT).await?;
    let csv_query = serde_urlencoded::to_string([
        ("user", filter.user.as_str()),
        ("action", filter.action.as_str()),
        ("entity", filter.entity.as_str()),
        ("from", filter.from.as_str()),
        ("to", filter.to.as_str()),
    ])
    .unwrap_or_default();
    Ok(AuditPage {
        layout: Layout::staff(&staff, "audit"),
        entries,
        filter,
        limit: PAGE_LIMIT,
        csv_query,
    }
    .into_response())
}

/// The filtered log as CSV (UTF-8 with BOM so Excel reads the Japanese correctly).
pub async fn csv_export(
    State(state): State<AppState>,
    staff: Staff,
    Query(filter): Query<Filter>,
) -> Result<Response, AppError> {
    staff.require(crate::audit::VIEW_AUDIT, Subject::None)?;
    let entries = list(&state.db, &filter, i64::MAX).await?;
    let mut w = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    w.write_record([
        "ID",
        "日時(UTC)",
        "ユーザー",
        "接続元",
        "操作",
        "対象",
        "対象ID",
        "変更前",
        "変更後",
        "備考",
    ])
    .map_err(anyhow::Error::from)?;
    for e in &entries {
        w.write_record([
            e.id.to_string().as_str(),
            &e.at,
            &e.username,
            &e.ip,
            &e.action,
            &e.entity,
            &e.entity_id,
            &e.before,
            &e.after,
            &e.note,
        ])
        .map_err(anyhow::Error::from)?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
