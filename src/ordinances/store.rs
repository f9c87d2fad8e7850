//! The town's 例規, clause by clause, and the scan's candidates. An import is all or nothing per
//! 例規. Importing a newer version of a 例規 (the same title) keeps every clause whose text is
//! unchanged with its findings and their review, marks a clause whose text changed (its findings
//! go back to 候補 and say so), adds new clauses, and marks the ones gone as removed.

use super::parse::Ordinance;
use super::rules::Rules;
use super::scan::scan;
use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use sqlx::Row as _;
use std::collections::{HashMap, HashSet};

/// What one import did to one 例規.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    pub title: String,
    /// First import of this title.
    pub new: bool,
    pub unchanged: usize,
    pub changed: usize,
    pub added: usize,
    pub removed: usize,
    /// Candidates newly proposed.
    pub found: usize,
}

type Key = (String, i64, String);

fn key_of(article: &str, paragraph: Option<u32>, item: Option<&str>) -> Key {
    (
        article.to_string(),
        paragraph.map_or(0, i64::from),
        item.unwrap_or("").to_string(),
    )
}

pub async fn import(
    db: &Db,
    o: &Ordinance,
    sha256: &str,
    rules: &Rules,
    actor: &Actor,
) -> anyhow::Result<Imported> {
    let mut tx = db.begin().await?;
    let now = crate::db::now_text();
    let existing = sqlx::query("SELECT id FROM ordinances WHERE title = $1")
        .bind(&o.title)
        .fetch_optional(&mut *tx)
        .await?;
    let mut done = Imported {
        title: o.title.clone(),
        new: existing.is_none(),
        ..Imported::default()
    };
    let id: i64 = match existing {
        Some(r) => {
            let id: i64 = r.try_get("id")?;
            sqlx::query(
                "UPDATE ordinances SET number = $1, enacted = $2, file_name = $3, sha256 = $4,
                 imported_at = $5, imports = imports + 1 WHERE id = $6",
            )
            .bind(&o.number)
            .bind(&o.enacted)
            .bind(&o.file)
            .bind(sha256)
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            id
        }
        None => sqlx::query(
            "INSERT INTO ordinances (title, number, enacted, file_name, sha256, imported_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&o.title)
        .bind(&o.number)
        .bind(&o.enacted)
        .bind(&o.file)
        .bind(sha256)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?,
    };
    // The clauses as they stand: key → (id, text, status).
    let mut standing: HashMap<Key, (i64, String, String)> = HashMap::new();
    for r in sqlx::query(
        "SELECT id, article, paragraph, item, text, status FROM ordinance_clauses WHERE ordinance_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?
    {
        standing.insert(
            (r.try_get("article")?, r.try_get("paragraph")?, r.try_get("item")?),
            (r.try_get("id")?, r.try_get("text")?, r.try_get("status")?),
        );
    }
    let captions: HashMap<&str, &str> = o
        .articles
        .iter()
        .map(|a| (a.label.as_str(), a.caption.as_str()))
        .collect();
    // The scan's candidates by clause, looked up once per clause.
    let mut findings: HashMap<super::parse::ClauseRef, Vec<super::scan::Finding>> = HashMap::new();
    for f in scan(o, rules) {
        findings.entry(f.at()).or_default().push(f);
    }
    let mut seen: HashSet<Key> = HashSet::new();
    for (position, c) in o.clauses().iter().enumerate() {
        let key = key_of(&c.at.article, c.at.paragraph, c.at.item.as_deref());
        if !seen.insert(key.clone()) {
            // The same number twice (a page's mistake): the first stands.
            continue;
        }
        let caption = captions.get(c.at.article.as_str()).copied().unwrap_or("");
        let clause_id = match standing.get(&key) {
            Some((cid, text, status)) if text == c.text && status != "removed" => {
                sqlx::query(
                    "UPDATE ordinance_clauses SET position = $1, status = 'current' WHERE id = $2",
                )
                .bind(position as i64)
                .bind(cid)
                .execute(&mut *tx)
                .await?;
                done.unchanged += 1;
                *cid
            }
            Some((cid, _, _)) => {
                sqlx::query(
                    "UPDATE ordinance_clauses SET position = $1, caption = $2, text = $3,
                     status = 'changed', updated_at = $4 WHERE id = $5",
                )
                .bind(position as i64)
                .bind(caption)
                .bind(c.text)
                .bind(&now)
                .bind(cid)
                .execute(&mut *tx)
                .await?;
                // What was decided was decided about other words: back to 候補 (an amended one
                // stays amended: the amendment is why the words changed).
                sqlx::query(
                    "UPDATE ordinance_findings SET state = 'candidate' WHERE clause_id = $1 AND state NOT IN ('withdrawn', 'amended')",
                )
                .bind(cid)
                .execute(&mut *tx)
                .await?;
                done.changed += 1;
                *cid
            }
            None => {
                done.added += 1;
                sqlx::query(
                    "INSERT INTO ordinance_clauses (ordinance_id, position, article, caption, paragraph, item, text, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(id)
                .bind(position as i64)
                .bind(&key.0)
                .bind(caption)
                .bind(key.1)
                .bind(&key.2)
                .bind(c.text)
                .bind(&now)
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?
            }
        };
        let here = findings.get(&c.at).map_or(&[][..], Vec::as_slice);
        done.found += record_findings(&mut tx, clause_id, here, rules.version, &now).await?;
    }
    for (key, (cid, _, status)) in &standing {
        if !seen.contains(key) && status != "removed" {
            sqlx::query(
                "UPDATE ordinance_clauses SET status = 'removed', updated_at = $1 WHERE id = $2",
            )
            .bind(&now)
            .bind(cid)
            .execute(&mut *tx)
            .await?;
            done.removed += 1;
        }
    }
    sqlx::query("UPDATE ordinances SET rules_version = $1 WHERE id = $2")
        .bind(i64::from(rules.version))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if !done.new && done.changed + done.added + done.removed > 0 {
        // The words changed: whoever marked it 点検済 read other words.
        sqlx::query("UPDATE ordinances SET checked_by = '', checked_at = '' WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "ordinance.import",
            entity: "ordinance",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "title": o.title, "file": o.file, "sha256": sha256,
                "unchanged": done.unchanged, "changed": done.changed, "added": done.added,
                "removed": done.removed, "found": done.found, "rules_version": rules.version
            })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(done)
}

/// Brings a clause's candidates in line with what the scan found (`reconcile`). Returns how
/// many were newly proposed.
async fn record_findings(
    tx: &mut Tx,
    clause_id: i64,
    found: &[super::scan::Finding],
    rules_version: u32,
    now: &str,
) -> Result<usize, sqlx::Error> {
    let mut have = super::reconcile::have(tx, Some(clause_id)).await?;
    let have = have.remove(&clause_id).unwrap_or_default();
    let mut added = 0;
    for step in super::reconcile::steps(&have, found) {
        if matches!(
            step,
            super::reconcile::Step::Insert(_) | super::reconcile::Step::Repropose(..)
        ) {
            added += 1;
        }
        super::reconcile::apply(tx, clause_id, &step, rules_version, now).await?;
    }
    Ok(added)
}

/// A stored finding with where it is (for pages, exports and tests).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFinding {
    pub id: i64,
    pub title: String,
    pub article: String,
    pub paragraph: i64,
    pub item: String,
    pub clause_status: String,
    pub category: String,
    pub phrase: String,
    pub state: String,
}

pub async fn findings(db: &Db) -> Result<Vec<StoredFinding>, sqlx::Error> {
    sqlx::query(
        "SELECT f.id, o.title, c.article, c.paragraph, c.item, c.status AS clause_status,
                f.category, f.phrase, f.state
         FROM ordinance_findings f JOIN ordinance_clauses c ON c.id = f.clause_id
         JOIN ordinances o ON o.id = c.ordinance_id
         ORDER BY o.title, c.position, f.category",
    )
    .fetch_all(&mut *db.conn().await?)
    .await?
    .into_iter()
    .map(|r| {
        Ok(StoredFinding {
            id: r.try_get("id")?,
            title: r.try_get("title")?,
            article: r.try_get("article")?,
            paragraph: r.try_get("paragraph")?,
            item: r.try_get("item")?,
            clause_status: r.try_get("clause_status")?,
            category: r.try_get("category")?,
            phrase: r.try_get("phrase")?,
            state: r.try_get("state")?,
        })
    })
    .collect()
}

/// An imported 例規 with its candidates counted by state, for the staff list.
#[derive(Debug, Clone, Default)]
pub struct OrdinanceLine {
    pub id: i64,
    pub title: String,
    pub number: String,
    pub file_name: String,
    pub imported_at: String,
    pub checked_at: String,
    pub candidate: i64,
    pub applies: i64,
    pub not_applicable: i64,
    pub amended: i64,
    /// 該当 without a 見直しの方向.
    pub undirected: i64,
}

impl OrdinanceLine {
    pub fn checked(&self) -> bool {
        !self.checked_at.is_empty()
    }
    /// Nothing left to decide: it may be marked 点検済.
    pub fn ready(&self) -> bool {
        self.candidate == 0 && self.undirected == 0
    }
}

pub async fn ordinances(db: &Db) -> Result<Vec<OrdinanceLine>, sqlx::Error> {
    let mut conn = db.conn().await?;
    let mut out: Vec<OrdinanceLine> = sqlx::query(
        "SELECT id, title, number, file_name, imported_at, checked_at FROM ordinances ORDER BY title",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| {
        Ok(OrdinanceLine {
            id: r.try_get("id")?,
            title: r.try_get("title")?,
            number: r.try_get("number")?,
            file_name: r.try_get("file_name")?,
            imported_at: r.try_get("imported_at")?,
            checked_at: r.try_get("checked_at")?,
            ..OrdinanceLine::default()
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    for r in sqlx::query(
        "SELECT c.ordinance_id, f.state, CAST(COUNT(*) AS BIGINT) AS n,
                CAST(SUM(CASE WHEN f.direction = '' THEN 1 ELSE 0 END) AS BIGINT) AS undirected
         FROM ordinance_findings f
         JOIN ordinance_clauses c ON c.id = f.clause_id WHERE c.status <> 'removed'
         GROUP BY c.ordinance_id, f.state",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let id: i64 = r.try_get("ordinance_id")?;
        let n: i64 = r.try_get("n")?;
        if let Some(o) = out.iter_mut().find(|o| o.id == id) {
            match r.try_get::<String, _>("state")?.as_str() {
                "candidate" => o.candidate += n,
                "applies" => {
                    o.applies += n;
                    o.undirected += r.try_get::<i64, _>("undirected")?;
                }
                "not_applicable" => o.not_applicable += n,
                "amended" => o.amended += n,
                _ => {}
            }
        }
    }
    Ok(out)
}

/// A clause of a 例規 with its candidates, for the review page.
#[derive(Debug, Clone, Default)]
pub struct ClauseView {
    pub article: String,
    pub caption: String,
    pub paragraph: i64,
    pub item: String,
    pub text: String,
    pub status: String,
    pub findings: Vec<FindingView>,
}

#[derive(Debug, Clone, Default)]
pub struct FindingView {
    pub id: i64,
    pub category: String,
    pub phrase: String,
    pub reason: String,
    pub confidence: f64,
    pub state: String,
    pub decision_reason: String,
    pub phase_now: String,
    pub phase_target: String,
    pub direction: String,
    pub department: String,
    pub planned: String,
    pub amended_number: String,
    pub amended_on: String,
    /// The rules in force still propose it.
    pub proposed: bool,
}

/// What is known of a 例規 besides its clauses.
#[derive(Debug, Clone, Default)]
pub struct Head {
    pub id: i64,
    pub title: String,
    pub number: String,
    pub enacted: String,
    pub file_name: String,
    pub imported_at: String,
    pub checked_by: String,
    pub checked_at: String,
}

/// The 例規 and its clauses in order, each with its candidates.
pub async fn ordinance(db: &Db, id: i64) -> Result<Option<(Head, Vec<ClauseView>)>, sqlx::Error> {
    let mut conn = db.conn().await?;
    let Some(o) = sqlx::query(
        "SELECT id, title, number, enacted, file_name, imported_at, checked_by, checked_at
         FROM ordinances WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let head = Head {
        id: o.try_get("id")?,
        title: o.try_get("title")?,
        number: o.try_get("number")?,
        enacted: o.try_get("enacted")?,
        file_name: o.try_get("file_name")?,
        imported_at: o.try_get("imported_at")?,
        checked_by: o.try_get("checked_by")?,
        checked_at: o.try_get("checked_at")?,
    };
    let mut clauses: Vec<(i64, ClauseView)> = sqlx::query(
        "SELECT id, article, caption, paragraph, item, text, status FROM ordinance_clauses
         WHERE ordinance_id = $1 ORDER BY status = 'removed', position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| {
        Ok((
            r.try_get("id")?,
            ClauseView {
                article: r.try_get("article")?,
                caption: r.try_get("caption")?,
                paragraph: r.try_get("paragraph")?,
                item: r.try_get("item")?,
                text: r.try_get("text")?,
                status: r.try_get("status")?,
                findings: Vec::new(),
            },
        ))
    })
    .collect::<Result<_, sqlx::Error>>()?;
    for r in sqlx::query(
        "SELECT f.id, f.clause_id, f.category, f.phrase, f.reason, f.confidence, f.state,
                f.decision_reason, f.phase_now, f.phase_target, f.direction, f.department,
                f.planned, f.amended_number, f.amended_on, f.proposed
         FROM ordinance_findings f JOIN ordinance_clauses c ON c.id = f.clause_id
         WHERE c.ordinance_id = $1 AND f.state <> 'withdrawn' ORDER BY f.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    {
        let clause: i64 = r.try_get("clause_id")?;
        if let Some((_, c)) = clauses.iter_mut().find(|(cid, _)| *cid == clause) {
            c.findings.push(FindingView {
                id: r.try_get("id")?,
                category: r.try_get("category")?,
                phrase: r.try_get("phrase")?,
                reason: r.try_get("reason")?,
                confidence: r.try_get("confidence")?,
                state: r.try_get("state")?,
                decision_reason: r.try_get("decision_reason")?,
                phase_now: r.try_get("phase_now")?,
                phase_target: r.try_get("phase_target")?,
                direction: r.try_get("direction")?,
                department: r.try_get("department")?,
                planned: r.try_get("planned")?,
                amended_number: r.try_get("amended_number")?,
                amended_on: r.try_get("amended_on")?,
                proposed: r.try_get::<i64, _>("proposed")? != 0,
            });
        }
    }
    Ok(Some((head, clauses.into_iter().map(|(_, c)| c).collect())))
}

/// The 例規 a candidate belongs to.
pub async fn ordinance_of(db: &Db, finding_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT c.ordinance_id FROM ordinance_findings f JOIN ordinance_clauses c ON c.id = f.clause_id WHERE f.id = $1",
    )
    .bind(finding_id)
    .fetch_optional(&mut *db.conn().await?)
    .await
}
