//! The next plan, drafted in the browser: it starts as a copy of the current plan (its items,
//! KPIs continuing the current ones, their last figures as 現状値), the coordinating department
//! edits it like a revision, and the committee's approval makes it the town's current plan. The
//! plan it succeeds stays readable at /plans/{id}/….

use super::model::{Baseline, Period, Plan, YearMonth};
use super::revision::{Draft, RevisionError, draft};
use super::store;
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use crate::fiscal::FiscalYear;

/// What the coordinating department types to start the next plan.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NextPlanForm {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub title: String,
    /// 2026-04
    #[serde(default)]
    pub start: String,
    /// 2029-03
    #[serde(default)]
    pub end: String,
}

/// The field and message of each problem of the form.
pub type FormProblems = Vec<(&'static str, String)>;

fn year_month(text: &str) -> Option<YearMonth> {
    let t = crate::fiscal::fold_width(text.trim()).replace(['/', '年', '.'], "-");
    let t = t.trim_end_matches('月');
    let (y, m) = t.split_once('-')?;
    YearMonth::parse(&format!("{}-{:02}", y.trim(), m.trim().parse::<u8>().ok()?))
}

/// The draft of the next plan of the current one, if one is open.
pub async fn next_draft(db: &Db, current: &Plan) -> anyhow::Result<Option<Draft>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT plan_id FROM plan_revisions WHERE status = 'draft' AND plan_id <> $1",
    )
    .bind(&current.id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    for id in ids {
        if let Some(d) = draft(db, &id).await?
            && d.plan.succeeds == current.id
        {
            return Ok(Some(d));
        }
    }
    Ok(None)
}

/// The next plan as first drafted: the current plan's items and KPIs over the new period. Each
/// KPI continues the current one (`follows`), takes its last figure as 現状値, and its target
/// falls due at the end of the new period; yearly targets and the 行程表 are written anew.
pub fn successor(
    current: &Plan,
    form: &NextPlanForm,
    last_figures: &dyn Fn(&str) -> Option<(FiscalYear, f64)>,
) -> Result<Plan, FormProblems> {
    let mut problems: FormProblems = Vec::new();
    let id = form.id.trim();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        problems.push((
            "id",
            "計画IDは半角英小文字・数字・ハイフンで書いてください(例: plan-2026)".into(),
        ));
    } else if id == current.id {
        problems.push((
            "id",
            format!("「{id}」はいまの計画のIDです。別のIDにしてください"),
        ));
    }
    let title = form.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        problems.push(("title", "計画の名前を入力してください".into()));
    }
    let start = year_month(&form.start);
    let end = year_month(&form.end);
    if start.is_none() {
        problems.push((
            "start",
            format!(
                "「{}」は年月として読めません(例: 2026-04)",
                form.start.trim()
            ),
        ));
    }
    if end.is_none() {
        problems.push((
            "end",
            format!("「{}」は年月として読めません(例: 2029-03)", form.end.trim()),
        ));
    }
    if let (Some(s), Some(e)) = (start, end) {
        if (e.year, e.month) <= (s.year, s.month) {
            problems.push(("end", "終わりは始まりより後にしてください".into()));
        } else if (s.year, s.month) <= (current.period.start.year, current.period.start.month) {
            problems.push((
                "start",
                format!(
                    "次の計画は、いまの計画の始まり({})より後に始めてください",
                    current.period.start.wareki()
                ),
            ));
        }
    }
    let (Some(start), Some(end)) = (start, end) else {
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut plan = current.clone();
    plan.id = id.to_string();
    plan.title = title;
    plan.subtitle = String::new();
    plan.succeeds = current.id.clone();
    plan.adopted = start;
    plan.adopted_wording = format!("{}策定(案)", start.wareki());
    plan.period = Period {
        start,
        end,
        wording: format!("{}から{}まで", start.wareki(), end.wareki()),
    };
    plan.roadmap_years = None;
    plan.roadmap.clear();
    plan.roadmap_notes.clear();
    let last = plan.period.last_fiscal_year();
    let wording = plan.period.end.fiscal_year().wareki();
    let lists = plan
        .policies
        .iter_mut()
        .map(|p| &mut p.kpis)
        .chain(plan.areas.iter_mut().map(|a| &mut a.kpis))
        .chain(plan.measures.iter_mut().map(|m| &mut m.kpis));
    for k in lists.flatten() {
        if let Some((fy, value)) = last_figures(&k.key) {
            k.baseline = Some(Baseline {
                value: Some(value),
                fiscal_year: Some(fy),
            });
        }
        k.follows = k.key.clone();
        k.deadline = last;
        k.deadline_wording = wording.clone();
        k.yearly_targets.clear();
    }
    let checked = super::file::check(&plan);
    if checked.is_empty() {
        Ok(plan)
    } else {
        Err(checked
            .into_iter()
            .map(|(path, m)| ("form", format!("{path}: {m}")))
            .collect())
    }
}

/// Stores the first draft of the next plan.
pub async fn create(db: &Db, plan: &Plan, actor: &Actor) -> Result<Draft, RevisionError> {
    if store::stored(db, &plan.id).await?.is_some()
        || sqlx::query_scalar::<_, String>("SELECT id FROM plans WHERE id = $1")
            .bind(&plan.id)
            .fetch_optional(&mut *db.conn().await?)
            .await?
            .is_some()
    {
        return Err(RevisionError::Invalid(format!(
            "計画ID「{}」はすでに使われています。別のIDにしてください",
            plan.id
        )));
    }
    let now = now_text();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO plans (id, title, municipality_code, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&plan.id)
    .bind(&plan.title)
    .bind(&plan.municipality.code)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO plan_revisions (plan_id, number, label, status, document, source, created_at, kpi_changes, version)
         VALUES ($1, 0, '次期計画案', 'draft', $2, $3, $4, '[]', 1)",
    )
    .bind(&plan.id)
    .bind(serde_json::to_string(plan).map_err(anyhow::Error::from)?)
    .bind(&actor.username)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "plan.next_create",
            entity: "plan",
            entity_id: &plan.id,
            before: None,
            after: Some(serde_json::json!({ "title": plan.title, "succeeds": plan.succeeds })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(draft(db, &plan.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("draft vanished"))?)
}

/// Drops the draft of the next plan and its empty plan entry.
pub async fn discard(db: &Db, d: &Draft, actor: &Actor) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM plan_revisions WHERE id = $1 AND status = 'draft'")
        .bind(d.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM plans WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM plan_revisions WHERE plan_id = $1)",
    )
    .bind(&d.plan.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "plan.next_discard",
            entity: "plan",
            entity_id: &d.plan.id,
            before: None,
            after: None,
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The committee's decision: the draft becomes the first version of the next plan, and the
/// town's current plan.
pub async fn approve(
    db: &Db,
    d: &Draft,
    expected_version: i64,
    actor: &Actor,
) -> Result<String, RevisionError> {
    if let Some((path, m)) = super::file::check(&d.plan).into_iter().next() {
        return Err(RevisionError::Invalid(format!("{path}: {m}")));
    }
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE plan_revisions SET status = 'approved', number = 1, label = '第1版', approved_at = $1,
           approved_by = $2, version = version + 1
         WHERE id = $3 AND status = 'draft' AND version = $4",
    )
    .bind(now_text())
    .bind(&actor.username)
    .bind(d.id)
    .bind(expected_version)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(RevisionError::Stale);
    }
    sqlx::query("UPDATE plans SET title = $1 WHERE id = $2")
        .bind(&d.plan.title)
        .bind(&d.plan.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('current_plan', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(&d.plan.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "plan.next_approve",
            entity: "plan",
            entity_id: &d.plan.id,
            before: Some(serde_json::json!({ "current": d.plan.succeeds })),
            after: Some(serde_json::json!({ "current": d.plan.id, "revision": "第1版" })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(d.plan.title.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_months_as_people_write_them() {
        for t in [
            "2026-04",
            "2026-4",
            "２０２６－０４",
            "2026年4月",
            "2026/04",
        ] {
            assert_eq!(
                year_month(t),
                Some(YearMonth {
                    year: 2026,
                    month: 4
                }),
                "{t}"
            );
        }
        assert_eq!(year_month("令和8年4月"), None);
        assert_eq!(year_month("2026-13"), None);
    }
}
