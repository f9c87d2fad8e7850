//! Periods, reports, comments and snapshots in the database.

use super::model::{Event, Period, PeriodKind, Report, ReportState, ReportValue, transition};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use crate::fiscal::FiscalYear;
use crate::plan::model::Plan;
use sqlx::Row;

macro_rules! select_report {
    ($rest:literal) => {
        concat!(
            "SELECT id, period_id, measure_code, state, progress,
                    roadmap_progress, shortfall_reason, improvement, improvement_followup,
                    check_comment, computed_status, grade, grade_reason, updated_at, updated_by, version
             FROM reports ",
            $rest
        )
    };
}

fn row_to_report(r: &sqlx::any::AnyRow) -> Result<Report, sqlx::Error> {
    let state: String = r.try_get("state")?;
    Ok(Report {
        id: r.try_get("id")?,
        period_id: r.try_get("period_id")?,
        measure_code: r.try_get("measure_code")?,
        state: ReportState::from_key(&state).unwrap_or(ReportState::Draft),
        values: Vec::new(),
        progress: r.try_get("progress")?,
        roadmap_progress: r.try_get("roadmap_progress")?,
        shortfall_reason: r.try_get("shortfall_reason")?,
        improvement: r.try_get("improvement")?,
        improvement_followup: r.try_get("improvement_followup")?,
        check_comment: r.try_get("check_comment")?,
        computed_status: r.try_get("computed_status")?,
        grade: r.try_get("grade")?,
        grade_reason: r.try_get("grade_reason")?,
        updated_at: r.try_get("updated_at")?,
        updated_by: r.try_get("updated_by")?,
        version: r.try_get("version")?,
    })
}

/// Fills in the reports' figures from `report_values`.
async fn with_values(
    conn: &mut sqlx::AnyConnection,
    mut reports: Vec<Report>,
) -> Result<Vec<Report>, sqlx::Error> {
    for r in &mut reports {
        let rows = sqlx::query(
            "SELECT kpi_key, value, note, computed_status FROM report_values
             WHERE report_id = $1 ORDER BY kpi_key",
        )
        .bind(r.id)
        .fetch_all(&mut *conn)
        .await?;
        r.values = rows
            .iter()
            .map(|v| {
                Ok(ReportValue {
                    kpi_key: v.try_get("kpi_key")?,
                    value: v.try_get("value")?,
                    note: v.try_get("note")?,
                    computed_status: v.try_get("computed_status")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
    }
    Ok(reports)
}

async fn one_with_values(
    conn: &mut sqlx::AnyConnection,
    report: Option<Report>,
) -> Result<Option<Report>, sqlx::Error> {
    Ok(match report {
        Some(r) => with_values(conn, vec![r]).await?.pop(),
        None => None,
    })
}

fn row_to_period(r: &sqlx::any::AnyRow) -> Result<Period, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    Ok(Period {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        fiscal_year: FiscalYear(r.try_get::<i64, _>("fiscal_year")? as i32),
        kind: PeriodKind::from_key(&kind).unwrap_or(PeriodKind::Yearly),
        quarter: r.try_get("quarter")?,
        title: r.try_get("title")?,
        due_date: r.try_get("due_date")?,
    })
}

const PERIOD_COLUMNS: &str = "id, plan_id, fiscal_year, kind, quarter, title, due_date";

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Invalid(String),
    #[error(
        "ほかの人が先にこの報告を更新しました。下に現在の内容を表示しています。確認してからもう一度操作してください"
    )]
    Stale(Box<Report>),
    #[error(transparent)]
    Transition(#[from] super::model::TransitionError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ReportError {
    fn from(e: sqlx::Error) -> Self {
        ReportError::Other(e.into())
    }
}

/// Creates a period with a 未着手 report for every 施策 of the plan.
pub async fn create_period(
    db: &Db,
    plan: &Plan,
    fiscal_year: FiscalYear,
    kind: PeriodKind,
    quarter: i64,
    due_date: &str,
    actor: &Actor,
) -> Result<Period, ReportError> {
    let title = Period::default_title(fiscal_year, kind, quarter);
    let mut tx = db.begin().await?;
    let exists: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM reporting_periods WHERE plan_id = $1 AND fiscal_year = $2 AND kind = $3 AND quarter = $4",
    )
    .bind(&plan.id)
    .bind(i64::from(fiscal_year.0))
    .bind(kind.key())
    .bind(quarter)
    .fetch_optional(&mut *tx)
    .await?;
    if exists.is_some() {
        return Err(ReportError::Invalid(format!("「{title}」は既にあります")));
    }
    let now = now_text();
    sqlx::query(
        "INSERT INTO reporting_periods (plan_id, fiscal_year, kind, quarter, title, due_date, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&plan.id)
    .bind(i64::from(fiscal_year.0))
    .bind(kind.key())
    .bind(quarter)
    .bind(&title)
    .bind(due_date)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM reporting_periods WHERE plan_id = $1 AND fiscal_year = $2 AND kind = $3 AND quarter = $4",
    )
    .bind(&plan.id)
    .bind(i64::from(fiscal_year.0))
    .bind(kind.key())
    .bind(quarter)
    .fetch_one(&mut *tx)
    .await?;
    for m in &plan.measures {
        sqlx::query(
            "INSERT INTO reports (period_id, measure_code, state, updated_at, updated_by)
             VALUES ($1, $2, 'not_started', $3, $4)",
        )
        .bind(id)
        .bind(&m.code)
        .bind(&now)
        .bind(&actor.username)
        .execute(&mut *tx)
        .await?;
    }
    let period = Period {
        id,
        plan_id: plan.id.clone(),
        fiscal_year,
        kind,
        quarter,
        title,
        due_date: due_date.to_string(),
    };
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "period.create",
            entity: "period",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&period).map_err(anyhow::Error::from)?),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(period)
}

pub async fn periods(db: &Db, plan_id: &str) -> anyhow::Result<Vec<Period>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PERIOD_COLUMNS} FROM reporting_periods WHERE plan_id = $1
         ORDER BY fiscal_year DESC, kind DESC, quarter DESC"
    )))
    .bind(plan_id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    Ok(rows.iter().map(row_to_period).collect::<Result<_, _>>()?)
}

pub async fn period(db: &Db, id: i64) -> anyhow::Result<Option<Period>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PERIOD_COLUMNS} FROM reporting_periods WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    Ok(row.map(|r| row_to_period(&r)).transpose()?)
}

pub async fn reports_of(db: &Db, period_id: i64) -> anyhow::Result<Vec<Report>> {
    let mut conn = db.conn().await?;
    let rows = sqlx::query(select_report!("WHERE period_id = $1 ORDER BY id"))
        .bind(period_id)
        .fetch_all(&mut *conn)
        .await?;
    let reports = rows.iter().map(row_to_report).collect::<Result<_, _>>()?;
    Ok(with_values(&mut conn, reports).await?)
}

pub async fn report(db: &Db, id: i64) -> anyhow::Result<Option<Report>> {
    let mut conn = db.conn().await?;
    let row = sqlx::query(select_report!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let report = row.map(|r| row_to_report(&r)).transpose()?;
    Ok(one_with_values(&mut conn, report).await?)
}

/// The yearly report of a 施策 for a 年度, if that period exists.
pub async fn yearly_report(
    db: &Db,
    plan_id: &str,
    measure_code: &str,
    fy: FiscalYear,
) -> anyhow::Result<Option<Report>> {
    let row = sqlx::query(select_report!(
        "WHERE measure_code = $1 AND period_id IN (SELECT id FROM reporting_periods
           WHERE plan_id = $2 AND fiscal_year = $3 AND kind = 'yearly')"
    ))
    .bind(measure_code)
    .bind(plan_id)
    .bind(i64::from(fy.0))
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    let report = row.map(|r| row_to_report(&r)).transpose()?;
    Ok(one_with_values(&mut *db.conn().await?, report).await?)
}

/// Every finalized yearly report of the plan, by (measure, 年度): the sheet's 施策の評価.
pub async fn finalized_yearly(db: &Db, plan_id: &str) -> anyhow::Result<Vec<(FiscalYear, Report)>> {
    let rows = sqlx::query(
        "SELECT p.fiscal_year AS fy, r.id, r.period_id, r.measure_code, r.state,
                r.progress, r.roadmap_progress, r.shortfall_reason, r.improvement,
                r.improvement_followup, r.check_comment, r.computed_status, r.grade, r.grade_reason,
                r.updated_at, r.updated_by, r.version
         FROM reports r JOIN reporting_periods p ON p.id = r.period_id
         WHERE p.plan_id = $1 AND p.kind = 'yearly' AND r.state = 'finalized'
         ORDER BY p.fiscal_year",
    )
    .bind(plan_id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    let years: Vec<FiscalYear> = rows
        .iter()
        .map(|r| Ok(FiscalYear(r.try_get::<i64, _>("fy")? as i32)))
        .collect::<Result<_, sqlx::Error>>()?;
    let reports = rows.iter().map(row_to_report).collect::<Result<_, _>>()?;
    let reports = with_values(&mut *db.conn().await?, reports).await?;
    Ok(years.into_iter().zip(reports).collect())
}

/// The new content of a report for one event (already validated).
#[derive(Debug, Clone, Default)]
pub struct ReportChanges {
    /// The figures of the 施策's KPIs.
    pub values: Vec<ReportValue>,
    pub progress: String,
    pub roadmap_progress: String,
    pub shortfall_reason: String,
    pub improvement: String,
    pub improvement_followup: String,
    pub check_comment: String,
    pub computed_status: String,
    pub grade: String,
    pub grade_reason: String,
    /// Why a finalized report is reopened (kept in the audit log).
    pub reason: String,
}

/// Applies an event to a report if nobody changed it since `expected_version`; the department's
/// fields change only on Save/Submit, the committee's only on Evaluate. Finalizing a yearly
/// report publishes its KPI actual.
pub async fn apply(
    db: &Db,
    report_id: i64,
    expected_version: i64,
    event: Event,
    changes: &ReportChanges,
    period: &Period,
    actor: &Actor,
) -> Result<Report, ReportError> {
    let mut tx = db.begin().await?;
    let row = sqlx::query(select_report!("WHERE id = $1"))
        .bind(report_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| anyhow::anyhow!("report {report_id} not found"))?;
    let before = one_with_values(&mut tx, Some(row_to_report(&row)?))
        .await?
        .expect("the report read above");
    if before.version != expected_version {
        return Err(ReportError::Stale(Box::new(before)));
    }
    let to = transition(before.state, event, period.kind)?;
    let mut after = before.clone();
    after.state = to;
    after.version += 1;
    after.updated_at = now_text();
    after.updated_by = actor.username.clone();
    match event {
        Event::Save | Event::Submit => {
            after.values = changes.values.clone();
            after.progress = changes.progress.clone();
            after.roadmap_progress = changes.roadmap_progress.clone();
            after.shortfall_reason = changes.shortfall_reason.clone();
            after.improvement = changes.improvement.clone();
            after.improvement_followup = changes.improvement_followup.clone();
            after.computed_status = changes.computed_status.clone();
        }
        Event::Return => after.check_comment = changes.check_comment.clone(),
        Event::Confirm => after.check_comment = changes.check_comment.clone(),
        Event::Evaluate => {
            after.grade = changes.grade.clone();
            after.grade_reason = changes.grade_reason.clone();
        }
        Event::Finalize | Event::Reopen => {}
    }
    let updated = sqlx::query(
        "UPDATE reports SET state = $1, progress = $2,
           roadmap_progress = $3, shortfall_reason = $4, improvement = $5, improvement_followup = $6,
           check_comment = $7, computed_status = $8, grade = $9, grade_reason = $10,
           updated_at = $11, updated_by = $12, version = $13
         WHERE id = $14 AND version = $15",
    )
    .bind(after.state.key())
    .bind(&after.progress)
    .bind(&after.roadmap_progress)
    .bind(&after.shortfall_reason)
    .bind(&after.improvement)
    .bind(&after.improvement_followup)
    .bind(&after.check_comment)
    .bind(&after.computed_status)
    .bind(&after.grade)
    .bind(&after.grade_reason)
    .bind(&after.updated_at)
    .bind(&after.updated_by)
    .bind(after.version)
    .bind(report_id)
    .bind(expected_version)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(ReportError::Stale(Box::new(before)));
    }
    if after.values != before.values {
        sqlx::query("DELETE FROM report_values WHERE report_id = $1")
            .bind(report_id)
            .execute(&mut *tx)
            .await?;
        for v in &after.values {
            sqlx::query(
                "INSERT INTO report_values (report_id, kpi_key, value, note, computed_status)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(report_id)
            .bind(&v.kpi_key)
            .bind(v.value)
            .bind(&v.note)
            .bind(&v.computed_status)
            .execute(&mut *tx)
            .await?;
        }
    }
    // Finalizing a yearly report makes its figures the confirmed ones (確定).
    if event == Event::Finalize && period.kind == PeriodKind::Yearly {
        for v in &after.values {
            let Some(value) = v.value else { continue };
            sqlx::query(
                "INSERT INTO kpi_actuals (plan_id, measure_code, fiscal_year, value, note, recorded_at, recorded_by, provenance)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'confirmed')
                 ON CONFLICT (plan_id, measure_code, fiscal_year) DO UPDATE SET
                   value = excluded.value, note = excluded.note,
                   recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by,
                   provenance = excluded.provenance",
            )
            .bind(&period.plan_id)
            .bind(&v.kpi_key)
            .bind(i64::from(period.fiscal_year.0))
            .bind(value)
            .bind(&v.note)
            .bind(&after.updated_at)
            .bind(&actor.username)
            .execute(&mut *tx)
            .await?;
        }
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: &format!("report.{}", event.key()),
            entity: "report",
            entity_id: &format!("{} {}", period.title, after.measure_code),
            before: Some(serde_json::to_value(&before).map_err(anyhow::Error::from)?),
            after: Some(serde_json::to_value(&after).map_err(anyhow::Error::from)?),
            note: &changes.reason,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    pub display_name: String,
    pub role: String,
    pub body: String,
    pub created_at: String,
}

use serde::Serialize;

pub async fn add_comment(
    db: &Db,
    report_id: i64,
    user: &crate::auth::model::User,
    body: &str,
    actor: &Actor,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO report_comments (report_id, username, display_name, role, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(report_id)
    .bind(&user.username)
    .bind(&user.display_name)
    .bind(user.role.label())
    .bind(body)
    .bind(now_text())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "report.comment",
            entity: "report",
            entity_id: &report_id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "body": body })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn comments(db: &Db, report_id: i64) -> anyhow::Result<Vec<Comment>> {
    let rows = sqlx::query(
        "SELECT display_name, role, body, created_at FROM report_comments WHERE report_id = $1 ORDER BY id",
    )
    .bind(report_id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Comment {
                display_name: r.try_get("display_name")?,
                role: r.try_get("role")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}
