//! How each 行程 of the 行程表 went in a 年度 (予定どおり・遅れ・完了・中止, with a note), marked
//! by the coordinating department and shown on the chart, the table, the 施策 page and the
//! アクションプラン sheet. A 行程 is named by its 施策 and its text as the plan writes them; a
//! revision that rewrites a 行程's text starts it afresh.

use crate::app::AppState;
use crate::audit::{self, Change};
use crate::auth::permissions::Subject;
use crate::auth::{Staff, StaffForm};
use crate::db::{Db, now_text};
use crate::error::AppError;
use crate::fiscal::FiscalYear;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use sqlx::Row;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    OnTrack,
    Delayed,
    Done,
    Stopped,
}

impl Step {
    pub const ALL: [Step; 4] = [Step::OnTrack, Step::Delayed, Step::Done, Step::Stopped];
    pub fn key(self) -> &'static str {
        match self {
            Step::OnTrack => "on_track",
            Step::Delayed => "delayed",
            Step::Done => "done",
            Step::Stopped => "stopped",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Step::OnTrack => "予定どおり",
            Step::Delayed => "遅れ",
            Step::Done => "完了",
            Step::Stopped => "中止",
        }
    }
    /// Drawn on the chart beside the colour, so the state never rests on colour alone.
    pub fn mark(self) -> &'static str {
        match self {
            Step::OnTrack => "○",
            Step::Delayed => "△",
            Step::Done => "✓",
            Step::Stopped => "×",
        }
    }
    pub fn parse(key: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// One 行程's state in one 年度.
#[derive(Debug, Clone)]
pub struct Progress {
    pub measure: String,
    pub item: String,
    pub fiscal_year: FiscalYear,
    pub step: Step,
    pub note: String,
}

/// Every mark of a plan.
pub async fn load(db: &Db, plan_id: &str) -> anyhow::Result<Vec<Progress>> {
    let rows = sqlx::query(
        "SELECT measure_code, item_text, fiscal_year, state, note FROM roadmap_progress
         WHERE plan_id = $1 ORDER BY fiscal_year",
    )
    .bind(plan_id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let state: String = r.try_get("state")?;
        let Some(step) = Step::parse(&state) else {
            continue;
        };
        let fy: i64 = r.try_get("fiscal_year")?;
        out.push(Progress {
            measure: r.try_get("measure_code")?,
            item: r.try_get("item_text")?,
            fiscal_year: FiscalYear(i32::try_from(fy)?),
            step,
            note: r.try_get("note")?,
        });
    }
    Ok(out)
}

/// The mark of one 行程 in one 年度, if any.
pub fn find<'a>(
    all: &'a [Progress],
    measure: &str,
    item: &str,
    fy: FiscalYear,
) -> Option<&'a Progress> {
    all.iter()
        .find(|p| p.fiscal_year == fy && p.measure == measure && p.item == item)
}

/// A 行程 of the year's form: its place in the 行程表 and what is marked.
pub struct Line {
    /// Field name suffix: the row and item index in the 行程表.
    id: String,
    measure: String,
    text: String,
    span: String,
    step: String,
    note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan/templates/staff_progress.html")]
struct Page {
    layout: Layout,
    year: FiscalYear,
    years: Vec<FiscalYear>,
    lines: Vec<Line>,
    notice: String,
}

#[derive(serde::Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    done: String,
}

fn year_of(data: &super::service::PlanData, text: &str) -> Result<FiscalYear, AppError> {
    let range = data.plan.roadmap_years.ok_or(AppError::NotFound)?;
    if text.is_empty() {
        return Ok(data.as_of.clamp(range.first, range.last));
    }
    let fy = FiscalYear::parse(text).map_err(|e| AppError::BadRequest(e.to_string()))?;
    if fy < range.first || fy > range.last {
        return Err(AppError::BadRequest(format!(
            "{}は行程表の期間外です",
            fy.wareki()
        )));
    }
    Ok(fy)
}

/// The 行程 running in a 年度: (field id, measure, item).
fn running(
    plan: &super::model::Plan,
    fy: FiscalYear,
) -> Vec<(String, &str, &super::model::RoadmapItem)> {
    let mut out = Vec::new();
    for (r, row) in plan.roadmap.iter().enumerate() {
        for (i, item) in row.items.iter().enumerate() {
            if item.from <= fy && fy <= item.to {
                out.push((format!("{r}-{i}"), row.measure.as_str(), item));
            }
        }
    }
    out
}

pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    staff.require(super::EDIT_PLAN, Subject::None)?;
    let data = state.plan_data().await?;
    let year = year_of(&data, &q.year)?;
    let range = data.plan.roadmap_years.ok_or(AppError::NotFound)?;
    let lines = running(&data.plan, year)
        .into_iter()
        .map(|(id, measure, item)| {
            let mark = find(&data.progress, measure, &item.text, year);
            Line {
                id,
                measure: data
                    .plan
                    .measure(measure)
                    .map(|m| format!("{} {}", m.label(), m.title))
                    .unwrap_or_else(|| "計画全体".into()),
                text: item.text.clone(),
                span: super::views::span_text(item.from, item.to),
                step: mark.map(|p| p.step.key()).unwrap_or("").to_string(),
                note: mark.map(|p| p.note.clone()).unwrap_or_default(),
            }
        })
        .collect();
    Ok(Page {
        layout: Layout::staff(&staff, "plan-edit"),
        year,
        years: range.years().collect(),
        lines,
        notice: if q.done == "saved" {
            format!(
                "{}の進み具合を保存しました。公開ページの行程表に反映されます。",
                year.wareki()
            )
        } else {
            String::new()
        },
    }
    .into_response())
}

pub async fn save(
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
    StaffForm(staff, form): StaffForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    staff.require(super::EDIT_PLAN, Subject::None)?;
    let data = state.plan_data().await?;
    let year = year_of(&data, &q.year)?;
    let actor = staff.actor();
    let mut tx = state.db.begin().await?;
    for (id, measure, item) in running(&data.plan, year) {
        let step_key = form.get(&format!("step.{id}")).map_or("", |s| s.trim());
        let note = form
            .get(&format!("note.{id}"))
            .map_or("", |s| s.trim())
            .to_string();
        let before = find(&data.progress, measure, &item.text, year);
        let step = match step_key {
            "" => None,
            k => Some(Step::parse(k).ok_or_else(|| {
                AppError::BadRequest(format!("「{k}」は進み具合として選べません"))
            })?),
        };
        if before.map(|p| (p.step, p.note.as_str())) == step.map(|s| (s, note.as_str())) {
            continue;
        }
        match step {
            Some(s) => {
                sqlx::query(
                    "INSERT INTO roadmap_progress (plan_id, measure_code, item_text, fiscal_year, state, note, updated_at, updated_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (plan_id, measure_code, item_text, fiscal_year) DO UPDATE
                     SET state = excluded.state, note = excluded.note,
                         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                )
                .bind(&data.plan.id)
                .bind(measure)
                .bind(&item.text)
                .bind(i64::from(year.0))
                .bind(s.key())
                .bind(&note)
                .bind(now_text())
                .bind(&actor.username)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "DELETE FROM roadmap_progress WHERE plan_id = $1 AND measure_code = $2
                     AND item_text = $3 AND fiscal_year = $4",
                )
                .bind(&data.plan.id)
                .bind(measure)
                .bind(&item.text)
                .bind(i64::from(year.0))
                .execute(&mut *tx)
                .await?;
            }
        }
        audit::record(
            &mut tx,
            &actor,
            Change {
                action: "roadmap.progress",
                entity: "measure",
                entity_id: measure,
                before: before
                    .map(|p| serde_json::json!({ "state": p.step.key(), "note": p.note })),
                after: step.map(|s| serde_json::json!({ "state": s.key(), "note": note })),
                note: &format!("{} {}", year.wareki(), item.text),
            },
        )
        .await?;
    }
    tx.commit().await?;
    state.invalidate_plan();
    Ok(Redirect::to(&staff.path(&format!(
        "/staff/plan/roadmap-progress?year={}&done=saved",
        year.0
    )))
    .into_response())
}
