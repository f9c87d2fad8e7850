//! The staff page (import, every 基準日, the chart) and the public page of the figures.

use super::store::{self, Snapshot};
use super::{IMPORT_MYNUMBER, table};
use crate::app::AppState;
use crate::auth::Staff;
use crate::auth::permissions::Subject;
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct Line {
    pub as_of: String,
    pub kind: String,
    pub population: String,
    pub count: String,
    pub rate: String,
    pub source: String,
}

fn lines(all: &[Snapshot]) -> Vec<Line> {
    all.iter()
        .rev()
        .map(|s| Line {
            as_of: crate::fiscal::wareki_date(s.as_of),
            kind: s.kind.clone(),
            population: crate::plan::kpi::format_value(s.population, "人"),
            count: crate::plan::kpi::format_value(s.count, "枚"),
            rate: format!("{:.2}%", s.rate),
            source: s.source.clone(),
        })
        .collect()
}

/// The rates over time as an SVG line (0–100 %), with the 100 % line; text alternatives are the
/// table beside it.
fn chart(all: &[Snapshot]) -> String {
    if all.is_empty() {
        return String::new();
    }
    let (w, h, left, bottom, top) = (640.0, 260.0, 44.0, 30.0, 12.0);
    let first = all[0].as_of.to_julian_day() as f64;
    let last = all[all.len() - 1].as_of.to_julian_day() as f64;
    let span = (last - first).max(1.0);
    let x = |d: time::Date| left + (d.to_julian_day() as f64 - first) / span * (w - left - 16.0);
    let y = |v: f64| top + (100.0 - v.clamp(0.0, 100.0)) / 100.0 * (h - top - bottom);
    let mut svg = format!(
        r#"<svg viewBox="0 0 {w} {h}" role="img" aria-label="保有率(交付率)の推移。数値は下の表にあります" class="chart">"#
    );
    for v in [0.0, 25.0, 50.0, 75.0, 100.0] {
        svg.push_str(&format!(
            r##"<line x1="{left}" x2="{}" y1="{y}" y2="{y}" stroke="{}" stroke-width="1"/><text x="{}" y="{}" font-size="11" text-anchor="end" fill="#333">{v}%</text>"##,
            w - 16.0,
            if v == 100.0 { "#1f5f99" } else { "#ddd" },
            left - 4.0,
            y(v) + 4.0,
            y = y(v),
        ));
    }
    let points: Vec<String> = all
        .iter()
        .map(|s| format!("{:.1},{:.1}", x(s.as_of), y(s.rate)))
        .collect();
    svg.push_str(&format!(
        r##"<polyline points="{}" fill="none" stroke="#a15c00" stroke-width="2"/>"##,
        points.join(" ")
    ));
    for s in all {
        svg.push_str(&format!(
            r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="#a15c00"/>"##,
            x(s.as_of),
            y(s.rate)
        ));
    }
    for s in [&all[0], &all[all.len() - 1]] {
        svg.push_str(&format!(
            r##"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle" fill="#333">{}</text>"##,
            x(s.as_of).clamp(left + 30.0, w - 46.0),
            h - 8.0,
            crate::fiscal::wareki_date(s.as_of)
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[derive(Template, WebTemplate)]
#[template(path = "mynumber/templates/page.html")]
struct Page {
    layout: Layout,
    staff: bool,
    lines: Vec<Line>,
    chart: String,
    notice: String,
    error: String,
    body: String,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn page(
    state: &AppState,
    layout: Layout,
    staff: bool,
    notice: String,
    error: String,
) -> Result<Page, AppError> {
    let all = store::all(&state.db).await?;
    Ok(Page {
        body: layout.words.body.clone(),
        layout,
        staff,
        lines: lines(&all),
        chart: chart(&all),
        notice,
        error,
    })
}

pub async fn public_page(State(state): State<AppState>) -> Result<Response, AppError> {
    let layout = Layout::public(&state, "mynumber").await;
    Ok(page(&state, layout, false, String::new(), String::new())
        .await?
        .into_response())
}

pub async fn staff_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    staff.require(IMPORT_MYNUMBER, Subject::None)?;
    let notice = match q.done.as_str() {
        "added" => "取り込みました。",
        "replaced" => "取り込みました(同じ基準日の値を置き換えました)。",
        _ => "",
    };
    Ok(page(
        &state,
        Layout::staff(&staff, "mynumber"),
        true,
        notice.into(),
        String::new(),
    )
    .await?
    .into_response())
}

pub async fn import(
    State(state): State<AppState>,
    staff: Staff,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = crate::opendata::upload::read(&staff, multipart, super::MAX_TABLE).await?;
    staff.require(IMPORT_MYNUMBER, Subject::None)?;
    let as_of_text = upload.text("as_of");
    let result: Result<bool, String> = async {
        let (name, bytes) = upload.file.as_ref().ok_or("ファイルを選んでください。")?;
        let as_of = match as_of_text.trim() {
            "" => None,
            t => Some(crate::fiscal::parse_date(t).map_err(|e| format!("基準日: {e}"))?),
        };
        let code = state.town.code.map(|c| c.to_string()).unwrap_or_default();
        let rows = table::read(bytes)?;
        let found = table::find(&rows, &code, &state.town.name, as_of)?;
        store::save(&state.db, &found, name, &staff.actor())
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    match result {
        Ok(replaced) => {
            state.invalidate_plan();
            let done = if replaced { "replaced" } else { "added" };
            Ok(
                Redirect::to(&staff.path(&format!("/staff/mynumber-card?done={done}")))
                    .into_response(),
            )
        }
        Err(error) => {
            let page = page(
                &state,
                Layout::staff(&staff, "mynumber"),
                true,
                String::new(),
                error,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
