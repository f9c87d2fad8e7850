//! What the scan's proposals mean for one clause's candidates as stored — one rule for imports
//! and re-scans: a new category is added; a withdrawn one proposed again is 候補 again; an
//! undecided one no longer proposed is withdrawn; a decided one is never touched by the rules,
//! only marked when they stop (or start again) proposing it.

use super::scan::Finding;
use sqlx::Row as _;

/// A candidate the clause has.
pub struct Have {
    pub id: i64,
    pub category: String,
    pub phrase: String,
    pub reason: String,
    pub state: String,
    /// The rules proposed it when last read.
    pub proposed: bool,
}

/// One change to a clause's candidates.
#[derive(Debug, Clone)]
pub enum Step {
    /// A category the clause had no candidate for.
    Insert(Finding),
    /// Withdrawn earlier and proposed again: back to 候補.
    Repropose(i64, Finding),
    /// Undecided and still proposed, in other words (a new phrase or reason).
    Reword(i64, Finding),
    /// Decided, and proposed again after rules that did not.
    ProposeAgain(i64),
    /// Undecided and no longer proposed: (id, category, phrase).
    Withdraw(i64, String, String),
    /// Decided and no longer proposed: kept as decided, marked (id, category, phrase).
    Unpropose(i64, String, String),
}

pub fn steps(have: &[Have], found: &[Finding]) -> Vec<Step> {
    let mut out = Vec::new();
    for f in found {
        match have.iter().find(|h| h.category == f.category) {
            None => out.push(Step::Insert(f.clone())),
            Some(h) if h.state == "withdrawn" => out.push(Step::Repropose(h.id, f.clone())),
            Some(h) => {
                if !h.proposed {
                    out.push(Step::ProposeAgain(h.id));
                }
                if h.state == "candidate" && (h.phrase != f.phrase || h.reason != f.reason) {
                    out.push(Step::Reword(h.id, f.clone()));
                }
            }
        }
    }
    for h in have {
        if h.state == "withdrawn" || found.iter().any(|f| f.category == h.category) {
            continue;
        }
        if h.state == "candidate" {
            out.push(Step::Withdraw(h.id, h.category.clone(), h.phrase.clone()));
        } else if h.proposed {
            // Listed once, when the rules stopped proposing it.
            out.push(Step::Unpropose(h.id, h.category.clone(), h.phrase.clone()));
        }
    }
    out
}

/// The candidates of every clause given (or of all clauses), by clause.
pub async fn have(
    conn: &mut sqlx::AnyConnection,
    clause_id: Option<i64>,
) -> Result<std::collections::HashMap<i64, Vec<Have>>, sqlx::Error> {
    let rows = match clause_id {
        Some(id) => sqlx::query(
            "SELECT id, clause_id, category, phrase, reason, state, proposed FROM ordinance_findings WHERE clause_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?,
        None => sqlx::query(
            "SELECT id, clause_id, category, phrase, reason, state, proposed FROM ordinance_findings",
        )
        .fetch_all(&mut *conn)
        .await?,
    };
    let mut out: std::collections::HashMap<i64, Vec<Have>> = Default::default();
    for r in rows {
        out.entry(r.try_get("clause_id")?).or_default().push(Have {
            id: r.try_get("id")?,
            category: r.try_get("category")?,
            phrase: r.try_get("phrase")?,
            reason: r.try_get("reason")?,
            state: r.try_get("state")?,
            proposed: r.try_get::<i64, _>("proposed")? != 0,
        });
    }
    Ok(out)
}

/// Writes one step (in the caller's transaction).
pub async fn apply(
    tx: &mut sqlx::AnyConnection,
    clause_id: i64,
    step: &Step,
    rules_version: u32,
    now: &str,
) -> Result<(), sqlx::Error> {
    let version = i64::from(rules_version);
    match step {
        Step::Insert(f) => {
            sqlx::query(
                "INSERT INTO ordinance_findings (clause_id, category, phrase, reason, confidence, rules_version, found_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(clause_id)
            .bind(f.category)
            .bind(&f.phrase)
            .bind(&f.reason)
            .bind(f.confidence)
            .bind(version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        Step::Repropose(id, f) => {
            sqlx::query(
                "UPDATE ordinance_findings SET state = 'candidate', proposed = 1, phrase = $1,
                 reason = $2, confidence = $3, rules_version = $4, found_at = $5 WHERE id = $6",
            )
            .bind(&f.phrase)
            .bind(&f.reason)
            .bind(f.confidence)
            .bind(version)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        Step::Reword(id, f) => {
            sqlx::query(
                "UPDATE ordinance_findings SET phrase = $1, reason = $2, confidence = $3, rules_version = $4 WHERE id = $5",
            )
            .bind(&f.phrase)
            .bind(&f.reason)
            .bind(f.confidence)
            .bind(version)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        Step::ProposeAgain(id) | Step::Withdraw(id, ..) | Step::Unpropose(id, ..) => {
            let set = match step {
                Step::ProposeAgain(_) => "proposed = 1",
                Step::Withdraw(..) => "state = 'withdrawn'",
                _ => "proposed = 0",
            };
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE ordinance_findings SET {set} WHERE id = $1"
            )))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn have(id: i64, category: &str, state: &str, proposed: bool) -> Have {
        Have {
            id,
            category: category.into(),
            phrase: "掲示場に掲示".into(),
            reason: "書面を掲示することを求めています".into(),
            state: state.into(),
            proposed,
        }
    }

    fn found(category: &'static str) -> Finding {
        Finding {
            file: String::new(),
            title: String::new(),
            article: "第2条".into(),
            paragraph: None,
            item: None,
            category,
            phrase: "掲示場に掲示".into(),
            reason: "書面を掲示することを求めています".into(),
            confidence: 0.85,
            line: 1,
        }
    }

    #[test]
    fn a_decision_is_never_undone_by_the_rules() {
        let kinds = |h: &[Have], f: &[Finding]| -> Vec<String> {
            steps(h, f)
                .iter()
                .map(|s| {
                    format!("{s:?}")
                        .split(['(', ' '])
                        .next()
                        .unwrap()
                        .to_string()
                })
                .collect()
        };
        // Nothing had, something found: added. Withdrawn and found again: 候補 again.
        assert_eq!(kinds(&[], &[found("書面掲示")]), ["Insert"]);
        assert_eq!(
            kinds(
                &[have(1, "書面掲示", "withdrawn", true)],
                &[found("書面掲示")]
            ),
            ["Repropose"]
        );
        // No longer found: an undecided one is withdrawn, a decided one only marked, once.
        assert_eq!(
            kinds(&[have(1, "目視", "candidate", true)], &[]),
            ["Withdraw"]
        );
        assert_eq!(
            kinds(&[have(1, "目視", "applies", true)], &[]),
            ["Unpropose"]
        );
        assert!(kinds(&[have(1, "目視", "applies", false)], &[]).is_empty());
        // Found again after that: the mark goes; the decision stays.
        assert_eq!(
            kinds(
                &[have(1, "書面掲示", "applies", false)],
                &[found("書面掲示")]
            ),
            ["ProposeAgain"]
        );
        // Still found: nothing to do, unless an undecided one is worded differently.
        assert!(
            kinds(
                &[have(1, "書面掲示", "candidate", true)],
                &[found("書面掲示")]
            )
            .is_empty()
        );
        let mut other = found("書面掲示");
        other.phrase = "掲示板に".into();
        assert_eq!(
            kinds(&[have(1, "書面掲示", "candidate", true)], &[other]),
            ["Reword"]
        );
    }
}
