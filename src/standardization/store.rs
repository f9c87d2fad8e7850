//! The tracker in a town's storage: the step list, each 業務's record and its cells. Every save
//! is one transaction with its audit entry; a 業務 is saved only from the version that was read.

use super::model::{BusinessRecord, Cell, GovCloud};
use super::rates::StepStatus;
use super::steps::{self, Step};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use serde_json::json;
use sqlx::Row as _;
use std::collections::HashMap;
use time::Date;

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error("ほかの人が先に保存しました。開き直して、もう一度入力してください")]
    Stale,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn date_text(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn date_of(text: &str) -> Option<Date> {
    crate::fiscal::parse_date(text).ok()
}

/// The step list: its edition note, version and steps.
pub struct StepList {
    pub edition: String,
    pub version: i64,
    pub steps: Vec<Step>,
}

/// Puts the shipped step list into a town that has none. Returns whether it did.
pub async fn ensure_steps(db: &Db) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let have = sqlx::query("SELECT id FROM std_step_list WHERE id = 1")
        .fetch_optional(&mut *tx)
        .await?;
    if have.is_some() {
        return Ok(false);
    }
    write_steps(&mut tx, &steps::bundled()).await?;
    sqlx::query(
        "INSERT INTO std_step_list (id, edition, version, updated_at, updated_by) VALUES (1, $1, 1, $2, $3)",
    )
    .bind(steps::BUNDLED_EDITION)
    .bind(now_text())
    .bind(Actor::cli().username)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

async fn write_steps(tx: &mut sqlx::AnyConnection, list: &[Step]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM std_steps")
        .execute(&mut *tx)
        .await?;
    for s in list {
        sqlx::query(
            "INSERT INTO std_steps (step_no, phase, name, verified) VALUES ($1, $2, $3, $4)",
        )
        .bind(s.no)
        .bind(&s.phase)
        .bind(&s.name)
        .bind(i64::from(s.verified))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

pub async fn step_list(db: &Db) -> anyhow::Result<StepList> {
    let mut conn = db.conn().await?;
    let head = sqlx::query("SELECT edition, version FROM std_step_list WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    let rows = sqlx::query("SELECT step_no, phase, name, verified FROM std_steps ORDER BY step_no")
        .fetch_all(&mut *conn)
        .await?;
    let steps = rows
        .iter()
        .map(|r| {
            Ok(Step {
                no: r.try_get("step_no")?,
                phase: r.try_get("phase")?,
                name: r.try_get("name")?,
                verified: r.try_get::<i64, _>("verified")? != 0,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(match head {
        Some(h) => StepList {
            edition: h.try_get("edition")?,
            version: h.try_get("version")?,
            steps,
        },
        None => StepList {
            edition: String::new(),
            version: 0,
            steps,
        },
    })
}

/// Replaces the step list (a new edition of the 手順書), from the version that was read.
pub async fn save_steps(
    db: &Db,
    edition: &str,
    list: &[Step],
    version: i64,
    actor: &Actor,
) -> Result<(), SaveError> {
    let before = step_list(db)
        .await
        .map_err(|e| SaveError::Invalid(vec![e.to_string()]))?;
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE std_step_list SET edition = $1, version = version + 1, updated_at = $2, updated_by = $3
         WHERE id = 1 AND version = $4",
    )
    .bind(edition)
    .bind(now_text())
    .bind(&actor.username)
    .bind(version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(SaveError::Stale);
    }
    write_steps(&mut tx, list).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "standardization.steps",
            entity: "std_steps",
            entity_id: "steps",
            before: Some(
                json!({"edition": before.edition, "steps": steps::to_text(&before.steps)}),
            ),
            after: Some(json!({"edition": edition, "steps": steps::to_text(list)})),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every saved 業務 record, by 業務 number.
pub async fn businesses(db: &Db) -> anyhow::Result<HashMap<i64, BusinessRecord>> {
    let rows = sqlx::query("SELECT * FROM std_businesses")
        .fetch_all(&mut *db.conn().await?)
        .await?;
    let mut out = HashMap::new();
    for r in rows {
        let gov: String = r.try_get("gov_cloud")?;
        out.insert(
            r.try_get::<i64, _>("business_no")?,
            BusinessRecord {
                department: r.try_get("department")?,
                vendor: r.try_get("vendor")?,
                current_system: r.try_get("current_system")?,
                target_system: r.try_get("target_system")?,
                compliant: r.try_get::<i64, _>("compliant")? != 0,
                gov_cloud: (!gov.is_empty())
                    .then(|| GovCloud::parse(&gov).ok())
                    .flatten(),
                planned_cutover: date_of(&r.try_get::<String, _>("planned_cutover")?),
                actual_cutover: date_of(&r.try_get::<String, _>("actual_cutover")?),
                tokutei: r.try_get::<i64, _>("tokutei")? != 0,
                tokutei_reason: r.try_get("tokutei_reason")?,
                tokutei_deadline: date_of(&r.try_get::<String, _>("tokutei_deadline")?),
                note: r.try_get("note")?,
                version: r.try_get("version")?,
                updated_at: r.try_get("updated_at")?,
                updated_by: r.try_get("updated_by")?,
            },
        );
    }
    Ok(out)
}

/// When the first 業務 record was saved (the tracker speaks for the KPI from then on).
pub async fn first_saved(db: &Db) -> anyhow::Result<Option<String>> {
    let row = sqlx::query("SELECT MIN(created_at) AS first FROM std_businesses")
        .fetch_one(&mut *db.conn().await?)
        .await?;
    Ok(row.try_get::<Option<String>, _>("first")?)
}

/// Every marked cell, by (業務, step).
pub async fn cells(db: &Db) -> anyhow::Result<HashMap<(i64, i64), Cell>> {
    let rows = sqlx::query("SELECT * FROM std_cells")
        .fetch_all(&mut *db.conn().await?)
        .await?;
    let mut out = HashMap::new();
    for r in rows {
        let status: String = r.try_get("status")?;
        out.insert(
            (r.try_get("business_no")?, r.try_get("step_no")?),
            Cell {
                status: StepStatus::parse(&status).unwrap_or(StepStatus::NotStarted),
                planned_on: date_of(&r.try_get::<String, _>("planned_on")?),
                done_on: date_of(&r.try_get::<String, _>("done_on")?),
                note: r.try_get("note")?,
                updated_at: r.try_get("updated_at")?,
                updated_by: r.try_get("updated_by")?,
            },
        );
    }
    Ok(out)
}

/// A cell as entered (without who and when).
#[derive(Debug, Clone, PartialEq)]
pub struct CellInput {
    pub status: StepStatus,
    pub planned_on: Option<Date>,
    pub done_on: Option<Date>,
    pub note: String,
}

impl CellInput {
    fn of(c: &Cell) -> CellInput {
        CellInput {
            status: c.status,
            planned_on: c.planned_on,
            done_on: c.done_on,
            note: c.note.clone(),
        }
    }
    fn json(&self) -> serde_json::Value {
        json!({"status": self.status.label(), "planned_on": date_text(self.planned_on),
               "done_on": date_text(self.done_on), "note": self.note})
    }
}

/// Writes the cells that changed (who and when only on those); returns them with their before.
async fn write_cells(
    tx: &mut sqlx::AnyConnection,
    business: i64,
    input: &[(i64, CellInput)],
    stored: &HashMap<(i64, i64), Cell>,
    actor: &Actor,
) -> Result<Vec<serde_json::Value>, sqlx::Error> {
    let now = now_text();
    let mut changed = Vec::new();
    for (step, c) in input {
        let before = stored.get(&(business, *step)).map(CellInput::of);
        let blank = CellInput {
            status: StepStatus::NotStarted,
            planned_on: None,
            done_on: None,
            note: String::new(),
        };
        if before.as_ref().unwrap_or(&blank) == c {
            continue;
        }
        sqlx::query(
            "INSERT INTO std_cells (business_no, step_no, status, planned_on, done_on, note, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (business_no, step_no) DO UPDATE SET status = excluded.status,
               planned_on = excluded.planned_on, done_on = excluded.done_on, note = excluded.note,
               updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(business)
        .bind(*step)
        .bind(c.status.label())
        .bind(date_text(c.planned_on))
        .bind(date_text(c.done_on))
        .bind(&c.note)
        .bind(&now)
        .bind(&actor.username)
        .execute(&mut *tx)
        .await?;
        changed.push(json!({"step": step, "before": before.map(|b| b.json()), "after": c.json()}));
    }
    Ok(changed)
}

fn record_json(r: &BusinessRecord) -> serde_json::Value {
    json!({
        "department": r.department, "vendor": r.vendor, "current_system": r.current_system,
        "target_system": r.target_system, "compliant": r.compliant,
        "gov_cloud": r.gov_cloud.map(GovCloud::label), "planned_cutover": date_text(r.planned_cutover),
        "actual_cutover": date_text(r.actual_cutover), "tokutei": r.tokutei,
        "tokutei_reason": r.tokutei_reason, "tokutei_deadline": date_text(r.tokutei_deadline),
        "note": r.note,
    })
}

/// Saves a 業務's record and its cells, from `version` (0: never saved).
pub async fn save_business(
    db: &Db,
    business: i64,
    record: &BusinessRecord,
    input: &[(i64, CellInput)],
    version: i64,
    actor: &Actor,
) -> Result<(), SaveError> {
    let all_before = businesses(db)
        .await
        .map_err(|e| SaveError::Invalid(vec![e.to_string()]))?;
    let stored = cells(db)
        .await
        .map_err(|e| SaveError::Invalid(vec![e.to_string()]))?;
    let mut tx = db.begin().await?;
    let now = now_text();
    let n = if version == 0 {
        sqlx::query(
            "INSERT INTO std_businesses (business_no, created_at, updated_at, updated_by)
             VALUES ($1, $2, $2, $3) ON CONFLICT (business_no) DO NOTHING",
        )
        .bind(business)
        .bind(&now)
        .bind(&actor.username)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    } else {
        1
    };
    let expected = if version == 0 { 1 } else { version };
    let updated = sqlx::query(
        "UPDATE std_businesses SET department = $1, vendor = $2, current_system = $3,
           target_system = $4, compliant = $5, gov_cloud = $6, planned_cutover = $7,
           actual_cutover = $8, tokutei = $9, tokutei_reason = $10, tokutei_deadline = $11,
           note = $12, version = version + 1, updated_at = $13, updated_by = $14
         WHERE business_no = $15 AND version = $16",
    )
    .bind(&record.department)
    .bind(&record.vendor)
    .bind(&record.current_system)
    .bind(&record.target_system)
    .bind(i64::from(record.compliant))
    .bind(record.gov_cloud.map(GovCloud::label).unwrap_or(""))
    .bind(date_text(record.planned_cutover))
    .bind(date_text(record.actual_cutover))
    .bind(i64::from(record.tokutei))
    .bind(&record.tokutei_reason)
    .bind(date_text(record.tokutei_deadline))
    .bind(&record.note)
    .bind(&now)
    .bind(&actor.username)
    .bind(business)
    .bind(expected)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 || updated == 0 {
        return Err(SaveError::Stale);
    }
    let changed = write_cells(&mut tx, business, input, &stored, actor).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "standardization.save",
            entity: "std_business",
            entity_id: &business.to_string(),
            before: all_before.get(&business).map(record_json),
            after: Some(json!({"record": record_json(record), "cells": changed})),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Writes imported cells (already read and checked), all in one transaction; returns how many
/// changed.
pub async fn import_cells(
    db: &Db,
    rows: &[(i64, i64, CellInput)],
    file_name: &str,
    actor: &Actor,
) -> Result<usize, SaveError> {
    let stored = cells(db)
        .await
        .map_err(|e| SaveError::Invalid(vec![e.to_string()]))?;
    let mut tx = db.begin().await?;
    let now = now_text();
    let mut changed = 0;
    let mut by_business: std::collections::BTreeMap<i64, Vec<(i64, CellInput)>> =
        Default::default();
    for (b, s, c) in rows {
        by_business.entry(*b).or_default().push((*s, c.clone()));
    }
    for (b, input) in &by_business {
        // A 業務 first reported by import gets its record, so the tracker knows when it began.
        sqlx::query(
            "INSERT INTO std_businesses (business_no, created_at, updated_at, updated_by)
             VALUES ($1, $2, $2, $3) ON CONFLICT (business_no) DO NOTHING",
        )
        .bind(*b)
        .bind(&now)
        .bind(&actor.username)
        .execute(&mut *tx)
        .await?;
        changed += write_cells(&mut tx, *b, input, &stored, actor).await?.len();
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "standardization.import",
            entity: "std_steps",
            entity_id: "cells",
            before: None,
            after: Some(json!({"file": file_name, "rows": rows.len(), "changed": changed})),
            note: file_name,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(changed)
}
