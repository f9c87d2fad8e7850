//! Storage of plans, their revisions and KPI actuals. A revision stores the whole plan document;
//! the current plan is named in `settings`.

use super::kpi::{Actual, Provenance};
use super::model::Plan;
use crate::db::{Db, now_text};
use crate::fiscal::FiscalYear;
use anyhow::Context as _;
use sqlx::Row;
use std::collections::HashMap;

const CURRENT_PLAN_KEY: &str = "current_plan";

#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub id: i64,
    pub number: i64,
    pub label: String,
    pub status: String,
    pub source: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredPlan {
    pub plan: Plan,
    pub revision: Revision,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    /// A plan new to this database.
    Created(Revision),
    /// A changed document for a plan already here: a new revision.
    Revised(Revision),
    /// The same document as the latest revision: nothing written.
    Unchanged(Revision),
}

fn revision_label(number: i64) -> String {
    if number == 1 {
        "第1版".to_string()
    } else {
        format!("第{number}版")
    }
}

fn row_to_revision(row: &sqlx::any::AnyRow) -> Result<Revision, sqlx::Error> {
    Ok(Revision {
        id: row.try_get("id")?,
        number: row.try_get("number")?,
        label: row.try_get("label")?,
        status: row.try_get("status")?,
        source: row.try_get("source")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The plan machi serves, at its latest approved revision.
pub async fn current(db: &Db) -> anyhow::Result<Option<StoredPlan>> {
    let Some(plan_id) = current_plan_id(db).await? else {
        return Ok(None);
    };
    stored(db, &plan_id).await
}

/// A plan of the town (current or earlier), at its latest approved revision, with the 担当課
/// the coordinating department assigned (`assign`).
pub async fn stored(db: &Db, plan_id: &str) -> anyhow::Result<Option<StoredPlan>> {
    let Some(mut s) = revision(db, plan_id).await? else {
        return Ok(None);
    };
    let assigned = super::assign::assignments(db, plan_id).await?;
    super::assign::apply(&mut s.plan, &assigned);
    Ok(Some(s))
}

/// A plan exactly as its latest approved revision says (without assignments).
pub async fn revision_plan(db: &Db, plan_id: &str) -> anyhow::Result<Option<Plan>> {
    Ok(revision(db, plan_id).await?.map(|s| s.plan))
}

async fn revision(db: &Db, plan_id: &str) -> anyhow::Result<Option<StoredPlan>> {
    let row = sqlx::query(
        "SELECT id, number, label, status, source, created_at, document FROM plan_revisions
         WHERE plan_id = $1 AND status = 'approved' ORDER BY number DESC LIMIT 1",
    )
    .bind(plan_id)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let document: String = row.try_get("document")?;
    let plan: Plan = Plan::from_json(&document)
        .with_context(|| format!("計画 {plan_id} の保存内容が読めません"))?;
    Ok(Some(StoredPlan {
        plan,
        revision: row_to_revision(&row)?,
    }))
}

pub async fn current_plan_id(db: &Db) -> anyhow::Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(CURRENT_PLAN_KEY)
            .fetch_optional(&mut *db.conn().await?)
            .await?,
    )
}

pub async fn revisions(db: &Db, plan_id: &str) -> anyhow::Result<Vec<Revision>> {
    let rows = sqlx::query(
        "SELECT id, number, label, status, source, created_at FROM plan_revisions
         WHERE plan_id = $1 ORDER BY number",
    )
    .bind(plan_id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    Ok(rows.iter().map(row_to_revision).collect::<Result<_, _>>()?)
}

/// Every plan of the town with an approved revision (not a next plan still drafted), oldest
/// first: (id, title).
pub async fn plans(db: &Db) -> anyhow::Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT id, title FROM plans p WHERE EXISTS (SELECT 1 FROM plan_revisions r
           WHERE r.plan_id = p.id AND r.status = 'approved') ORDER BY created_at, id",
    )
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("title")?)))
        .collect()
}

/// Stores a plan (already validated) and makes it the current one, all in one transaction.
pub async fn import(db: &Db, plan: &Plan, source: &str) -> anyhow::Result<ImportOutcome> {
    import_as(db, plan, source, true).await
}

/// Stores a plan; `make_current` false keeps the current plan (an earlier plan corrected).
pub async fn import_as(
    db: &Db,
    plan: &Plan,
    source: &str,
    make_current: bool,
) -> anyhow::Result<ImportOutcome> {
    let document = serde_json::to_string(plan)?;
    let now = now_text();
    let mut tx = db.begin().await?;
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM plans WHERE id = $1")
        .bind(&plan.id)
        .fetch_optional(&mut *tx)
        .await?;
    let latest = sqlx::query(
        "SELECT id, number, label, status, source, created_at, document FROM plan_revisions
         WHERE plan_id = $1 ORDER BY number DESC LIMIT 1",
    )
    .bind(&plan.id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = &latest {
        let stored: String = row.try_get("document")?;
        let same = Plan::from_json(&stored).is_ok_and(|p| p == *plan);
        if same {
            let revision = row_to_revision(row)?;
            if make_current {
                set_current(&mut tx, &plan.id).await?;
            }
            tx.commit().await?;
            return Ok(ImportOutcome::Unchanged(revision));
        }
    }
    if exists.is_none() {
        sqlx::query(
            "INSERT INTO plans (id, title, municipality_code, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&plan.id)
        .bind(&plan.title)
        .bind(&plan.municipality.code)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query("UPDATE plans SET title = $1, municipality_code = $2 WHERE id = $3")
            .bind(&plan.title)
            .bind(&plan.municipality.code)
            .bind(&plan.id)
            .execute(&mut *tx)
            .await?;
    }
    let number = match &latest {
        Some(row) => row.try_get::<i64, _>("number")? + 1,
        None => 1,
    };
    let label = revision_label(number);
    sqlx::query(
        "INSERT INTO plan_revisions (plan_id, number, label, status, document, source, created_at)
         VALUES ($1, $2, $3, 'approved', $4, $5, $6)",
    )
    .bind(&plan.id)
    .bind(number)
    .bind(&label)
    .bind(&document)
    .bind(source)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    if make_current {
        set_current(&mut tx, &plan.id).await?;
    }
    let row = sqlx::query(
        "SELECT id, number, label, status, source, created_at FROM plan_revisions
         WHERE plan_id = $1 AND number = $2",
    )
    .bind(&plan.id)
    .bind(number)
    .fetch_one(&mut *tx)
    .await?;
    let revision = row_to_revision(&row)?;
    crate::audit::record(
        &mut tx,
        &crate::audit::Actor::cli(),
        crate::audit::Change {
            action: "plan.import",
            entity: "plan",
            entity_id: &plan.id,
            before: None,
            after: Some(serde_json::json!({ "revision": revision.label, "source": source })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(if exists.is_none() {
        ImportOutcome::Created(revision)
    } else {
        ImportOutcome::Revised(revision)
    })
}

async fn set_current(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    plan_id: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(CURRENT_PLAN_KEY)
    .bind(plan_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One recorded actual with its bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct ActualRecord {
    pub measure_code: String,
    pub fiscal_year: FiscalYear,
    pub value: f64,
    pub note: String,
    pub recorded_at: String,
    pub recorded_by: String,
    pub provenance: Provenance,
}

/// Records (or replaces) a figure of one KPI for one year by the coordinating department (記録),
/// with its audit entry.
pub async fn record_actual(
    db: &Db,
    plan_id: &str,
    measure_code: &str,
    fiscal_year: FiscalYear,
    value: f64,
    note: &str,
    actor: &crate::audit::Actor,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let before: Option<(f64, String)> = sqlx::query_as(
        "SELECT value, provenance FROM kpi_actuals WHERE plan_id = $1 AND measure_code = $2 AND fiscal_year = $3",
    )
    .bind(plan_id)
    .bind(measure_code)
    .bind(i64::from(fiscal_year.0))
    .fetch_optional(&mut *tx)
    .await?;
    // A figure confirmed through the reporting cycle stands; it changes only through its report.
    if before.as_ref().is_some_and(|(_, p)| p == "confirmed") {
        return Err(super::service::ActualError::Confirmed(fiscal_year.wareki()).into());
    }
    let before = before.map(|(v, _)| v);
    sqlx::query(
        "INSERT INTO kpi_actuals (plan_id, measure_code, fiscal_year, value, note, recorded_at, recorded_by, provenance)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'recorded')
         ON CONFLICT (plan_id, measure_code, fiscal_year) DO UPDATE SET
           value = excluded.value, note = excluded.note,
           recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by,
           provenance = excluded.provenance",
    )
    .bind(plan_id)
    .bind(measure_code)
    .bind(i64::from(fiscal_year.0))
    .bind(value)
    .bind(note)
    .bind(now_text())
    .bind(&actor.username)
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut tx,
        actor,
        crate::audit::Change {
            action: "kpi.record",
            entity: "kpi_actual",
            entity_id: &format!("{measure_code}/{}", fiscal_year.0),
            before: before.map(|v| serde_json::json!({ "value": v })),
            after: Some(serde_json::json!({ "value": value, "note": note })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn actual_records(db: &Db, plan_id: &str) -> anyhow::Result<Vec<ActualRecord>> {
    let rows = sqlx::query(
        "SELECT measure_code, fiscal_year, value, note, recorded_at, recorded_by, provenance
         FROM kpi_actuals WHERE plan_id = $1 ORDER BY measure_code, fiscal_year",
    )
    .bind(plan_id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ActualRecord {
                measure_code: r.try_get("measure_code")?,
                fiscal_year: FiscalYear(i32::try_from(r.try_get::<i64, _>("fiscal_year")?)?),
                value: r.try_get("value")?,
                note: r.try_get("note")?,
                recorded_at: r.try_get("recorded_at")?,
                recorded_by: r.try_get("recorded_by")?,
                provenance: match r.try_get::<String, _>("provenance")?.as_str() {
                    "confirmed" => Provenance::Confirmed,
                    _ => Provenance::Recorded,
                },
            })
        })
        .collect()
}

/// Figures by KPI key, ready for the KPI logic. A KPI that follows one of the previous plan
/// (`follows`) gets that KPI's figures for the years it has none of its own, so its series runs
/// on across both plans.
pub async fn actuals_by_kpi(db: &Db, plan: &Plan) -> anyhow::Result<HashMap<String, Vec<Actual>>> {
    let mut map: HashMap<String, Vec<Actual>> = HashMap::new();
    for r in actual_records(db, &plan.id).await? {
        map.entry(r.measure_code).or_default().push(Actual {
            fiscal_year: r.fiscal_year,
            value: r.value,
            provenance: r.provenance,
        });
    }
    if !plan.succeeds.is_empty() {
        let previous = actual_records(db, &plan.succeeds).await?;
        for k in plan.kpis() {
            if k.kpi.follows.is_empty() {
                continue;
            }
            let own = map.entry(k.kpi.key.clone()).or_default();
            for r in previous.iter().filter(|r| r.measure_code == k.kpi.follows) {
                if !own.iter().any(|a| a.fiscal_year == r.fiscal_year) {
                    own.push(Actual {
                        fiscal_year: r.fiscal_year,
                        value: r.value,
                        provenance: r.provenance,
                    });
                }
            }
            own.sort_by_key(|a| a.fiscal_year);
        }
    }
    Ok(map)
}
