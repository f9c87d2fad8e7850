//! Where the review stands: KPI 1-⑤-1's parts (a 例規 is done when a person marked it 点検済 and
//! every candidate in it is decided, 該当 with a 見直しの方向), the figures by category and by
//! 担当課, the 点検済 mark itself and the assignment of a 例規's candidates to a 課.

use super::review::ReviewError;
use super::rules::CATEGORIES;
use crate::audit::{self, Actor, Change};
use crate::db::Db;
use sqlx::Row as _;
use std::collections::{BTreeMap, BTreeSet};

/// KPI 1-⑤-1's parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completion {
    pub ordinances: usize,
    /// Marked 点検済, with every candidate decided.
    pub complete: usize,
    /// Every candidate decided, but nobody has marked the 例規 点検済 yet.
    pub unchecked: usize,
    /// Candidates still undecided, and 該当 without a direction.
    pub open_candidates: usize,
    pub open_directions: usize,
}

impl Completion {
    pub fn percent(&self) -> Option<f64> {
        (self.ordinances > 0).then(|| self.complete as f64 * 100.0 / self.ordinances as f64)
    }
}

/// The 例規 with something still to decide (undecided candidates, 該当 without a direction),
/// and the counts of both.
async fn open_ordinances(
    conn: &mut sqlx::AnyConnection,
) -> Result<(BTreeSet<i64>, usize, usize), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.ordinance_id, f.state, f.direction FROM ordinance_findings f
         JOIN ordinance_clauses c ON c.id = f.clause_id
         WHERE c.status <> 'removed' AND (f.state = 'candidate' OR (f.state = 'applies' AND f.direction = ''))",
    )
    .fetch_all(&mut *conn)
    .await?;
    let (mut open, mut candidates, mut directions) = (BTreeSet::new(), 0, 0);
    for r in rows {
        open.insert(r.try_get::<i64, _>("ordinance_id")?);
        if r.try_get::<String, _>("state")? == "candidate" {
            candidates += 1;
        } else {
            directions += 1;
        }
    }
    Ok((open, candidates, directions))
}

pub async fn completion(db: &Db) -> Result<Completion, sqlx::Error> {
    let mut conn = db.conn().await?;
    let (open, open_candidates, open_directions) = open_ordinances(&mut conn).await?;
    let mut out = Completion {
        open_candidates,
        open_directions,
        ..Completion::default()
    };
    for r in sqlx::query("SELECT id, checked_at FROM ordinances")
        .fetch_all(&mut *conn)
        .await?
    {
        out.ordinances += 1;
        let id: i64 = r.try_get("id")?;
        let checked = !r.try_get::<String, _>("checked_at")?.is_empty();
        match (open.contains(&id), checked) {
            (false, true) => out.complete += 1,
            (false, false) => out.unchecked += 1,
            _ => {}
        }
    }
    Ok(out)
}

/// Candidates counted one way (a category, or a 担当課).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub name: String,
    /// Every candidate the rules proposed and that still stands (not withdrawn).
    pub found: i64,
    pub candidate: i64,
    pub applies: i64,
    pub not_applicable: i64,
    pub amended: i64,
    /// 該当 (or 改正済) with a 見直しの方向.
    pub directed: i64,
}

impl Tally {
    pub fn decided(&self) -> i64 {
        self.applies + self.not_applicable + self.amended
    }
    fn add(&mut self, state: &str, directed: bool, n: i64) {
        self.found += n;
        match state {
            "candidate" => self.candidate += n,
            "applies" => self.applies += n,
            "not_applicable" => self.not_applicable += n,
            "amended" => self.amended += n,
            _ => {}
        }
        if directed && matches!(state, "applies" | "amended") {
            self.directed += n;
        }
    }
}

/// The whole review in figures, for the list page and the public summary.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub completion: Completion,
    /// Clauses (条・項・号) of the imported 例規, and of those marked 点検済.
    pub clauses: i64,
    pub clauses_checked: i64,
    pub total: Tally,
    /// Every category, in the review's order (a category with nothing found is still shown).
    pub by_category: Vec<Tally>,
    /// By 担当課; candidates not assigned yet under 「未割り当て」 (last).
    pub by_department: Vec<Tally>,
    /// When the latest decision or import was recorded ('' before any).
    pub as_of: String,
}

pub const UNASSIGNED: &str = "未割り当て";

pub async fn summary(db: &Db) -> Result<Summary, sqlx::Error> {
    let completion = completion(db).await?;
    let mut conn = db.conn().await?;
    let clauses: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ordinance_clauses WHERE status <> 'removed'",
    )
    .fetch_one(&mut *conn)
    .await?;
    let clauses_checked: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ordinance_clauses c JOIN ordinances o ON o.id = c.ordinance_id
         WHERE c.status <> 'removed' AND o.checked_at <> ''",
    )
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query(
        "SELECT f.category, f.department, f.state, f.direction <> '' AS directed, CAST(COUNT(*) AS BIGINT) AS n
         FROM ordinance_findings f JOIN ordinance_clauses c ON c.id = f.clause_id
         WHERE c.status <> 'removed' AND f.state <> 'withdrawn'
         GROUP BY f.category, f.department, f.state, f.direction <> ''",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut total = Tally {
        name: "計".into(),
        ..Tally::default()
    };
    let mut by_category: Vec<Tally> = CATEGORIES
        .iter()
        .map(|c| Tally {
            name: (*c).into(),
            ..Tally::default()
        })
        .collect();
    let mut by_department: BTreeMap<String, Tally> = BTreeMap::new();
    for r in rows {
        let category: String = r.try_get("category")?;
        let department: String = r.try_get("department")?;
        let state: String = r.try_get("state")?;
        // A boolean comes back as an integer on SQLite and a bool on PostgreSQL.
        let directed = r
            .try_get::<bool, _>("directed")
            .or_else(|_| r.try_get::<i64, _>("directed").map(|v| v != 0))?;
        let n: i64 = r.try_get("n")?;
        total.add(&state, directed, n);
        if let Some(t) = by_category.iter_mut().find(|t| t.name == category) {
            t.add(&state, directed, n);
        }
        let name = if department.is_empty() {
            UNASSIGNED.to_string()
        } else {
            department
        };
        by_department
            .entry(name.clone())
            .or_insert_with(|| Tally {
                name,
                ..Tally::default()
            })
            .add(&state, directed, n);
    }
    let unassigned = by_department.remove(UNASSIGNED);
    let mut by_department: Vec<Tally> = by_department.into_values().collect();
    by_department.extend(unassigned);
    let as_of: Option<String> = sqlx::query_scalar(
        "SELECT MAX(at) FROM audit_log WHERE action IN ('ordinance.import', 'ordinance.decide', 'ordinance.check', 'ordinance.rescan')",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Summary {
        completion,
        clauses,
        clauses_checked,
        total,
        by_category,
        by_department,
        as_of: as_of.unwrap_or_default(),
    })
}

/// Marks 例規 点検済 (a person read every clause, not only the candidates). All or nothing: a
/// 例規 with something still to decide is refused, naming it.
pub async fn mark_checked(db: &Db, ids: &[i64], actor: &Actor) -> Result<usize, ReviewError> {
    let mut tx = db.begin().await?;
    let (open, _, _) = open_ordinances(&mut tx).await?;
    let now = crate::db::now_text();
    let mut refused = Vec::new();
    let mut marked = 0;
    for id in ids {
        let title: Option<String> =
            sqlx::query_scalar("SELECT title FROM ordinances WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(title) = title else {
            return Err(ReviewError::NotFound);
        };
        if open.contains(id) {
            refused.push(title);
            continue;
        }
        sqlx::query("UPDATE ordinances SET checked_by = $1, checked_at = $2 WHERE id = $3")
            .bind(&actor.username)
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "ordinance.check",
                entity: "ordinance",
                entity_id: &id.to_string(),
                before: None,
                after: Some(serde_json::json!({ "title": title, "checked": true })),
                note: "",
            },
        )
        .await?;
        marked += 1;
    }
    if !refused.is_empty() {
        return Err(ReviewError::Refused(format!(
            "判断していない候補か、見直しの方向が決まっていない該当がある例規は、点検済にできません: {}(何も記録していません)",
            refused.join("、")
        )));
    }
    tx.commit().await?;
    Ok(marked)
}

/// Takes the 点検済 mark back (someone noticed a clause was not read).
pub async fn unmark_checked(db: &Db, id: i64, actor: &Actor) -> Result<(), ReviewError> {
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE ordinances SET checked_by = '', checked_at = '' WHERE id = $1 AND checked_at <> ''",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(ReviewError::NotFound);
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "ordinance.check",
            entity: "ordinance",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "checked": false })),
            note: "点検済を取り消し",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Assigns a 例規's candidates that still need work (候補, and 該当 not yet amended) to a 課.
pub async fn assign(
    db: &Db,
    ordinance_id: i64,
    department: &str,
    actor: &Actor,
) -> Result<usize, ReviewError> {
    let department = department.trim();
    if department.is_empty() {
        return Err(ReviewError::Refused("担当課を選んでください".into()));
    }
    let mut tx = db.begin().await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT f.id FROM ordinance_findings f JOIN ordinance_clauses c ON c.id = f.clause_id
         WHERE c.ordinance_id = $1 AND c.status <> 'removed' AND f.state IN ('candidate', 'applies')
         ORDER BY f.id",
    )
    .bind(ordinance_id)
    .fetch_all(&mut *tx)
    .await?;
    for id in &ids {
        sqlx::query("UPDATE ordinance_findings SET department = $1 WHERE id = $2")
            .bind(department)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "ordinance.assign",
            entity: "ordinance",
            entity_id: &ordinance_id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "department": department, "findings": ids })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ids.len())
}

/// Records where the review stands for the 年度 a day falls in (called after every change and
/// by the hourly job): the last record of a 年度 is its figure once the 年度 is over.
pub async fn record_year(db: &Db, today: time::Date) -> Result<Option<Completion>, sqlx::Error> {
    let c = completion(db).await?;
    if c.ordinances == 0 {
        return Ok(None);
    }
    let year = crate::fiscal::FiscalYear::of_date(today);
    sqlx::query(
        "INSERT INTO ordinance_progress (fiscal_year, ordinances, complete, recorded_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (fiscal_year) DO UPDATE SET ordinances = excluded.ordinances,
           complete = excluded.complete, recorded_at = excluded.recorded_at",
    )
    .bind(i64::from(year.0))
    .bind(c.ordinances as i64)
    .bind(c.complete as i64)
    .bind(crate::db::now_text())
    .execute(&mut *db.conn().await?)
    .await?;
    Ok(Some(c))
}

/// The figure recorded for each 年度: (年度, 例規, done).
pub async fn recorded_years(
    db: &Db,
) -> Result<Vec<(crate::fiscal::FiscalYear, i64, i64)>, sqlx::Error> {
    sqlx::query(
        "SELECT fiscal_year, ordinances, complete FROM ordinance_progress ORDER BY fiscal_year",
    )
    .fetch_all(&mut *db.conn().await?)
    .await?
    .into_iter()
    .map(|r| {
        Ok((
            crate::fiscal::FiscalYear(r.try_get::<i64, _>("fiscal_year")? as i32),
            r.try_get("ordinances")?,
            r.try_get("complete")?,
        ))
    })
    .collect()
}

/// After a change to the review: the plan's KPI figures are read again, and the 年度's record
/// follows (a failure to record is logged; the next change or the hourly job records again).
pub async fn changed(state: &crate::app::AppState) {
    state.invalidate_plan();
    if let Err(e) = record_year(&state.db, state.today()).await {
        tracing::warn!("ordinances: recording the 年度's progress failed: {e}");
    }
}
