//! Import batches: the checked rows wait here until the person confirms, then all are written in
//! one transaction or none.

use super::check::Checked;
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use crate::reporting::model::ReportState;
use sqlx::Row;

pub async fn save(
    db: &Db,
    user_id: i64,
    file_name: &str,
    checked: &Checked,
) -> anyhow::Result<i64> {
    let mut tx = db.begin().await?;
    let now = now_text();
    sqlx::query(
        "INSERT INTO import_batches (user_id, file_name, created_at, rows_json, committed)
         VALUES ($1, $2, $3, $4, 0)",
    )
    .bind(user_id)
    .bind(file_name)
    .bind(&now)
    .bind(serde_json::to_string(checked)?)
    .execute(&mut *tx)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM import_batches WHERE user_id = $1 AND created_at = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub struct Batch {
    pub id: i64,
    pub file_name: String,
    pub checked: Checked,
    pub committed: bool,
}

/// A batch of this user's.
pub async fn load(db: &Db, id: i64, user_id: i64) -> anyhow::Result<Option<Batch>> {
    let row = sqlx::query(
        "SELECT id, file_name, rows_json, committed FROM import_batches WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let json: String = r.try_get("rows_json")?;
    Ok(Some(Batch {
        id: r.try_get("id")?,
        file_name: r.try_get("file_name")?,
        checked: serde_json::from_str(&json)?,
        committed: r.try_get::<i64, _>("committed")? != 0,
    }))
}

#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for CommitError {
    fn from(e: sqlx::Error) -> Self {
        CommitError::Other(e.into())
    }
}

/// Writes every row of the batch into its yearly report (入力中), or nothing.
pub async fn commit(
    db: &Db,
    batch: &Batch,
    plan_id: &str,
    actor: &Actor,
) -> Result<usize, CommitError> {
    if batch.committed {
        return Err(CommitError::Refused(
            "この取り込みは既に反映済みです".into(),
        ));
    }
    if batch.checked.error_count() > 0 {
        return Err(CommitError::Refused(
            "エラーのある行があるため反映できません。ファイルを直して、もう一度アップロードしてください".into(),
        ));
    }
    let mut tx = db.begin().await?;
    let done =
        sqlx::query("UPDATE import_batches SET committed = 1 WHERE id = $1 AND committed = 0")
            .bind(batch.id)
            .execute(&mut *tx)
            .await?;
    if done.rows_affected() != 1 {
        return Err(CommitError::Refused(
            "この取り込みは既に反映済みです".into(),
        ));
    }
    let now = now_text();
    for row in &batch.checked.rows {
        let (Some(fy), Some(value)) = (row.fiscal_year, row.value) else {
            continue;
        };
        // A row names the KPI; its 施策's report takes it (older batches named the 施策).
        let owner = if row.owner.is_empty() {
            &row.code
        } else {
            &row.owner
        };
        let found = sqlx::query(
            "SELECT r.id, r.state, r.version FROM reports r
             JOIN reporting_periods p ON p.id = r.period_id
             WHERE p.plan_id = $1 AND p.kind = 'yearly' AND p.fiscal_year = $2 AND r.measure_code = $3",
        )
        .bind(plan_id)
        .bind(i64::from(fy))
        .bind(owner)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(r) = found else {
            return Err(CommitError::Refused(format!(
                "{}行目: 報告期間が見つかりません。何も反映していません",
                row.line
            )));
        };
        let state: String = r.try_get("state")?;
        let state = ReportState::from_key(&state).unwrap_or(ReportState::Finalized);
        if !state.is_editable() {
            return Err(CommitError::Refused(format!(
                "{}行目: プレビューの後に報告が「{}」になったため変更できません。何も反映していません",
                row.line,
                state.label()
            )));
        }
        let id: i64 = r.try_get("id")?;
        let before = sqlx::query(
            "SELECT value, note FROM report_values WHERE report_id = $1 AND kpi_key = $2",
        )
        .bind(id)
        .bind(&row.code)
        .fetch_optional(&mut *tx)
        .await?;
        let before_value: Option<f64> = match &before {
            Some(b) => b.try_get("value")?,
            None => None,
        };
        let before_note: String = match &before {
            Some(b) => b.try_get("note")?,
            None => String::new(),
        };
        let note = if row.note.is_empty() {
            before_note.clone()
        } else {
            row.note.clone()
        };
        sqlx::query(
            "INSERT INTO report_values (report_id, kpi_key, value, note, computed_status)
             VALUES ($1, $2, $3, $4, '')
             ON CONFLICT (report_id, kpi_key) DO UPDATE SET value = excluded.value,
               note = excluded.note, computed_status = ''",
        )
        .bind(id)
        .bind(&row.code)
        .bind(value)
        .bind(&note)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE reports SET state = 'draft', updated_at = $1, updated_by = $2,
               version = version + 1 WHERE id = $3",
        )
        .bind(&now)
        .bind(&actor.username)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "report.import",
                entity: "report",
                entity_id: &format!("{} {}", fy, row.code),
                before: Some(serde_json::json!({ "actual_value": before_value, "actual_note": before_note, "state": state.key() })),
                after: Some(serde_json::json!({ "actual_value": value, "actual_note": note, "state": "draft" })),
                note: &format!("{} {}行目", batch.file_name, row.line),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(batch.checked.rows.len())
}
