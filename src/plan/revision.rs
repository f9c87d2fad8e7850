//! Plan revisions in the browser: the coordinating department drafts (改定案), the committee decides. A KPI's definition,
//! baseline or target changes only with a reason, kept with the approved revision.

use super::model::{KpiDefinition, Plan};
use super::store;
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// One change to a KPI between two approved revisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiChange {
    /// The KPI's key (its 施策's code when the 施策 has one KPI).
    pub measure_code: String,
    pub measure_label: String,
    /// Which part changed, in Japanese (目標値, 基準値 …).
    pub field: String,
    pub before: String,
    pub after: String,
    pub reason: String,
}

/// An open draft.
#[derive(Debug, Clone)]
pub struct Draft {
    pub id: i64,
    pub plan: Plan,
    pub version: i64,
    pub created_at: String,
    pub created_by: String,
    /// Reasons given for KPI changes, by measure code.
    pub reasons: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum RevisionError {
    #[error("{0}")]
    Invalid(String),
    #[error(
        "ほかの人が先に改定案を更新しました。画面を読み込み直して、変更内容を確認してからもう一度保存してください"
    )]
    Stale,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for RevisionError {
    fn from(e: sqlx::Error) -> Self {
        RevisionError::Other(e.into())
    }
}

pub async fn draft(db: &Db, plan_id: &str) -> anyhow::Result<Option<Draft>> {
    let row = sqlx::query(
        "SELECT id, document, version, created_at, source, kpi_changes FROM plan_revisions
         WHERE plan_id = $1 AND status = 'draft'",
    )
    .bind(plan_id)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let document: String = r.try_get("document")?;
    let reasons: String = r.try_get("kpi_changes")?;
    Ok(Some(Draft {
        id: r.try_get("id")?,
        plan: Plan::from_json(&document)?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("source")?,
        reasons: serde_json::from_str(&reasons).unwrap_or_default(),
    }))
}

/// Starts a draft from the current approved plan.
pub async fn create_draft(db: &Db, actor: &Actor) -> Result<Draft, RevisionError> {
    let current = store::current(db)
        .await?
        .ok_or_else(|| RevisionError::Invalid("計画がまだ読み込まれていません".into()))?;
    if draft(db, &current.plan.id).await?.is_some() {
        return Err(RevisionError::Invalid(
            "改定案は既にあります。続きを編集するか、破棄してから作り直してください".into(),
        ));
    }
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO plan_revisions (plan_id, number, label, status, document, source, created_at, kpi_changes, version)
         VALUES ($1, 0, '改定案', 'draft', $2, $3, $4, '[]', 1)",
    )
    .bind(&current.plan.id)
    .bind(serde_json::to_string(&current.plan).map_err(anyhow::Error::from)?)
    .bind(&actor.username)
    .bind(now_text())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "plan.draft_create",
            entity: "plan",
            entity_id: &current.plan.id,
            before: None,
            after: None,
            note: &format!("{}をもとに改定案を作成", current.revision.label),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(draft(db, &current.plan.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("draft vanished"))?)
}

/// Saves the draft with one measure changed; `reason` is kept when its KPI changed.
pub async fn save_measure(
    db: &Db,
    draft: &Draft,
    expected_version: i64,
    updated: Plan,
    code: &str,
    reason: &str,
    actor: &Actor,
) -> Result<(), RevisionError> {
    let before = draft.plan.measure(code).cloned();
    let after = updated.measure(code).cloned();
    let mut reasons = draft.reasons.clone();
    reasons.retain(|(c, _)| c != code);
    if !reason.trim().is_empty() {
        reasons.push((code.to_string(), reason.trim().to_string()));
    }
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE plan_revisions SET document = $1, kpi_changes = $2, version = version + 1
         WHERE id = $3 AND status = 'draft' AND version = $4",
    )
    .bind(serde_json::to_string(&updated).map_err(anyhow::Error::from)?)
    .bind(serde_json::to_string(&reasons).map_err(anyhow::Error::from)?)
    .bind(draft.id)
    .bind(expected_version)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(RevisionError::Stale);
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "plan.draft_edit",
            entity: "measure",
            entity_id: code,
            before: before.map(|m| serde_json::to_value(m).unwrap_or_default()),
            after: after.map(|m| serde_json::to_value(m).unwrap_or_default()),
            note: reason,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn discard(db: &Db, draft: &Draft, actor: &Actor) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM plan_revisions WHERE id = $1 AND status = 'draft'")
        .bind(draft.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "plan.draft_discard",
            entity: "plan",
            entity_id: &draft.plan.id,
            before: None,
            after: None,
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn fmt_opt(v: Option<f64>, unit: &str) -> String {
    v.map(|v| super::kpi::format_value(v, unit))
        .unwrap_or_else(|| "(なし)".into())
}

/// The KPI fields that differ between two definitions, as (field, before, after).
pub fn kpi_differences(a: &KpiDefinition, b: &KpiDefinition) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut push = |field: &str, x: String, y: String| {
        if x != y {
            out.push((field.to_string(), x, y));
        }
    };
    push("KPI", a.name.clone(), b.name.clone());
    push(
        "数値目標(文言)",
        a.target_wording.clone(),
        b.target_wording.clone(),
    );
    push(
        "達成時期(文言)",
        a.deadline_wording.clone(),
        b.deadline_wording.clone(),
    );
    push("単位", a.unit.clone(), b.unit.clone());
    push(
        "方向",
        a.direction.label().into(),
        b.direction.label().into(),
    );
    push(
        "測り方",
        a.accumulation.label().into(),
        b.accumulation.label().into(),
    );
    push(
        "目標値",
        fmt_opt(a.target, &a.unit),
        fmt_opt(b.target, &b.unit),
    );
    push(
        "基準値からの増減率",
        a.target_change_percent
            .map(|p| format!("{p}%"))
            .unwrap_or_default(),
        b.target_change_percent
            .map(|p| format!("{p}%"))
            .unwrap_or_default(),
    );
    let base = |k: &KpiDefinition| {
        k.baseline
            .as_ref()
            .map(|b| {
                format!(
                    "{} {}",
                    fmt_opt(b.value, &k.unit),
                    b.fiscal_year.map(|y| y.wareki()).unwrap_or_default()
                )
            })
            .unwrap_or_else(|| "(なし)".into())
    };
    push("基準値", base(a), base(b));
    push("達成年度", a.deadline.wareki(), b.deadline.wareki());
    let yearly = |k: &KpiDefinition| {
        k.yearly_targets
            .iter()
            .map(|t| {
                format!(
                    "{} {}",
                    t.fiscal_year.short(),
                    super::kpi::format_value(t.target, &k.unit)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    push("年度別目標", yearly(a), yearly(b));
    out
}

/// The committee's decision: the draft becomes the next numbered, dated revision.
pub async fn approve(
    db: &Db,
    draft: &Draft,
    expected_version: i64,
    actor: &Actor,
) -> Result<String, RevisionError> {
    let current = store::current(db)
        .await?
        .ok_or_else(|| RevisionError::Invalid("計画がまだ読み込まれていません".into()))?;
    let mut changes = Vec::new();
    for k in draft.plan.kpis() {
        let Some(old) = current.plan.kpi(&k.kpi.key) else {
            continue;
        };
        let owner = k.item.code();
        let reason = draft
            .reasons
            .iter()
            .find(|(c, _)| c == owner)
            .map(|(_, r)| r.clone())
            .unwrap_or_default();
        for (field, before, after) in kpi_differences(old.kpi, k.kpi) {
            changes.push(KpiChange {
                measure_code: k.kpi.key.clone(),
                measure_label: format!("{} {}({})", k.item.label(), k.item.title(), k.kpi.name),
                field,
                before,
                after,
                reason: reason.clone(),
            });
        }
    }
    if let Some(c) = changes.iter().find(|c| c.reason.is_empty()) {
        return Err(RevisionError::Invalid(format!(
            "{} のKPI({})の変更に理由がありません",
            c.measure_label, c.field
        )));
    }
    let numbers: Vec<i64> = sqlx::query_scalar(
        "SELECT number FROM plan_revisions WHERE plan_id = $1 AND status = 'approved'",
    )
    .bind(&draft.plan.id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    let number = numbers.into_iter().max().unwrap_or(0) + 1;
    let label = format!("第{number}版");
    let now = now_text();
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE plan_revisions SET status = 'approved', number = $1, label = $2, approved_at = $3,
           approved_by = $4, kpi_changes = $5, version = version + 1
         WHERE id = $6 AND status = 'draft' AND version = $7",
    )
    .bind(number)
    .bind(&label)
    .bind(&now)
    .bind(&actor.username)
    .bind(serde_json::to_string(&changes).map_err(anyhow::Error::from)?)
    .bind(draft.id)
    .bind(expected_version)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(RevisionError::Stale);
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "plan.approve",
            entity: "plan",
            entity_id: &draft.plan.id,
            before: Some(serde_json::json!({ "revision": current.revision.label })),
            after: Some(serde_json::json!({ "revision": label, "kpi_changes": changes })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(label)
}

/// An approved revision with its KPI changes, oldest first.
#[derive(Debug, Clone)]
pub struct ApprovedRevision {
    pub number: i64,
    pub label: String,
    pub created_at: String,
    pub approved_at: String,
    pub approved_by: String,
    pub kpi_changes: Vec<KpiChange>,
}

pub async fn approved(db: &Db, plan_id: &str) -> anyhow::Result<Vec<ApprovedRevision>> {
    let rows = sqlx::query(
        "SELECT number, label, created_at, approved_at, approved_by, kpi_changes FROM plan_revisions
         WHERE plan_id = $1 AND status = 'approved' ORDER BY number",
    )
    .bind(plan_id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter()
        .map(|r| {
            let changes: String = r.try_get("kpi_changes")?;
            Ok(ApprovedRevision {
                number: r.try_get("number")?,
                label: r.try_get("label")?,
                created_at: r.try_get("created_at")?,
                approved_at: r.try_get("approved_at")?,
                approved_by: r.try_get("approved_by")?,
                kpi_changes: serde_json::from_str(&changes).unwrap_or_default(),
            })
        })
        .collect()
}
