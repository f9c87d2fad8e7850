//! The town's own detection rules, versioned, and the re-scan of every imported 例規 after a
//! change: what the new rules would add and withdraw is shown before saving, and recorded
//! clause by clause when saved. A candidate someone already decided is never withdrawn: it is
//! kept and listed, so the person can look at it again.

use super::parse::{Article, Item, Ordinance, Paragraph};
use super::reconcile::{self, Step};
use super::rules::{BUNDLED, Rules};
use super::scan::scan;
use crate::audit::{self, Actor, Change};
use crate::db::Db;
use sqlx::Row as _;
use std::collections::{BTreeMap, HashMap};

/// The rules in force for this town: its latest saved version, or the bundled rules.
#[derive(Clone)]
pub struct Current {
    pub rules: Rules,
    pub text: String,
    /// None for the bundled rules.
    pub saved: Option<Saved>,
}

#[derive(Debug, Clone, Default)]
pub struct Saved {
    pub version: i64,
    pub note: String,
    pub saved_by: String,
    pub saved_at: String,
}

pub async fn current(db: &Db) -> anyhow::Result<Current> {
    let row = sqlx::query(
        "SELECT version, text, note, saved_by, saved_at FROM ordinance_rules ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    let Some(r) = row else {
        return Ok(Current {
            rules: Rules::bundled().clone(),
            text: BUNDLED.to_string(),
            saved: None,
        });
    };
    let text: String = r.try_get("text")?;
    let mut rules = Rules::read(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let version: i64 = r.try_get("version")?;
    rules.version = version as u32;
    Ok(Current {
        rules,
        text,
        saved: Some(Saved {
            version,
            note: r.try_get("note")?,
            saved_by: r.try_get("saved_by")?,
            saved_at: r.try_get("saved_at")?,
        }),
    })
}

/// The version of the rules in force, without reading them (for pages that only name it).
pub async fn current_version(db: &Db) -> Result<u32, sqlx::Error> {
    let saved: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM ordinance_rules")
        .fetch_one(&mut *db.conn().await?)
        .await?;
    Ok(saved.map_or(Rules::bundled().version, |v| v as u32))
}

/// Every saved version, newest first.
pub async fn versions(db: &Db) -> Result<Vec<Saved>, sqlx::Error> {
    sqlx::query(
        "SELECT version, note, saved_by, saved_at FROM ordinance_rules ORDER BY version DESC",
    )
    .fetch_all(&mut *db.conn().await?)
    .await?
    .into_iter()
    .map(|r| {
        Ok(Saved {
            version: r.try_get("version")?,
            note: r.try_get("note")?,
            saved_by: r.try_get("saved_by")?,
            saved_at: r.try_get("saved_at")?,
        })
    })
    .collect()
}

/// What a re-scan does to one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Newly proposed (or proposed again after being withdrawn).
    Added,
    /// No longer proposed, and nobody had decided it: withdrawn.
    Withdrawn,
    /// No longer proposed, but a person decided it: kept as decided.
    Kept,
}

impl ChangeKind {
    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Withdrawn => "withdrawn",
            ChangeKind::Kept => "kept",
        }
    }
    pub fn parse(s: &str) -> Option<ChangeKind> {
        [ChangeKind::Added, ChangeKind::Withdrawn, ChangeKind::Kept]
            .into_iter()
            .find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Added => "新しい候補",
            ChangeKind::Withdrawn => "取り下げ",
            ChangeKind::Kept => "提案されなくなった(判断済みのため残す)",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ChangeLine {
    pub ordinance_id: i64,
    pub title: String,
    pub clause_id: i64,
    /// 第5条第2項第三号, as the pages write it.
    pub place: String,
    pub category: String,
    pub phrase: String,
    pub kind: ChangeKind,
}

#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// What people are shown: candidates added, withdrawn, and decided ones no longer proposed.
    pub changes: Vec<ChangeLine>,
    /// Every change to write, by clause (the listed ones, new wordings, marks).
    steps: Vec<(i64, Step)>,
    pub ordinances: usize,
    pub clauses: usize,
}

impl Diff {
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.kind == kind).count()
    }
    /// Candidates still proposed whose phrase or reason the new rules word differently.
    pub fn reworded(&self) -> usize {
        self.steps
            .iter()
            .filter(|(_, s)| matches!(s, Step::Reword(..)))
            .count()
    }
}

pub fn place(article: &str, paragraph: i64, item: &str) -> String {
    let mut s = article.to_string();
    if paragraph > 0 {
        s.push_str(&format!("第{paragraph}項"));
    }
    if !item.is_empty() {
        s.push_str(&format!("第{item}号"));
    }
    s
}

struct StoredClause {
    id: i64,
    article: String,
    caption: String,
    paragraph: i64,
    item: String,
    text: String,
}

/// A 例規 as stored, back into 条 → 項 → 号 for the scan (which follows 準用 between clauses).
fn rebuild(title: &str, clauses: &[StoredClause]) -> Ordinance {
    let mut articles: Vec<Article> = Vec::new();
    for c in clauses {
        if articles.last().is_none_or(|a| a.label != c.article) {
            articles.push(Article {
                label: c.article.clone(),
                caption: c.caption.clone(),
                ..Article::default()
            });
        }
        let a = articles.last_mut().expect("pushed above");
        let number = c.paragraph.max(1) as u32;
        if a.paragraphs.last().is_none_or(|p| p.number != number) {
            a.paragraphs.push(Paragraph {
                number,
                ..Paragraph::default()
            });
        }
        let p = a.paragraphs.last_mut().expect("pushed above");
        if c.item.is_empty() {
            p.text = c.text.clone();
        } else {
            p.items.push(Item {
                label: c.item.clone(),
                text: c.text.clone(),
                line: 0,
            });
        }
    }
    Ordinance {
        title: title.to_string(),
        articles,
        ..Ordinance::default()
    }
}

/// What these rules would change, read through the caller's connection (inside the saving
/// transaction, so nothing decided in between is missed).
pub async fn diff(conn: &mut sqlx::AnyConnection, rules: &Rules) -> Result<Diff, sqlx::Error> {
    let mut ordinances: BTreeMap<i64, (String, Vec<StoredClause>)> =
        sqlx::query("SELECT id, title FROM ordinances ORDER BY title")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|r| Ok((r.try_get("id")?, (r.try_get("title")?, Vec::new()))))
            .collect::<Result<_, sqlx::Error>>()?;
    let mut out = Diff {
        ordinances: ordinances.len(),
        ..Diff::default()
    };
    for r in sqlx::query(
        "SELECT id, ordinance_id, article, caption, paragraph, item, text FROM ordinance_clauses
         WHERE status <> 'removed' ORDER BY ordinance_id, position",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        if let Some((_, cs)) = ordinances.get_mut(&r.try_get::<i64, _>("ordinance_id")?) {
            cs.push(StoredClause {
                id: r.try_get("id")?,
                article: r.try_get("article")?,
                caption: r.try_get("caption")?,
                paragraph: r.try_get("paragraph")?,
                item: r.try_get("item")?,
                text: r.try_get("text")?,
            });
        }
    }
    let findings = reconcile::have(&mut *conn, None).await?;
    for (ordinance_id, (title, clauses)) in &ordinances {
        out.clauses += clauses.len();
        let o = rebuild(title, clauses);
        let mut proposed: HashMap<(String, i64, String), Vec<super::scan::Finding>> =
            HashMap::new();
        for f in scan(&o, rules) {
            let key = (
                f.article.clone(),
                f.paragraph.map_or(0, i64::from),
                f.item.clone().unwrap_or_default(),
            );
            proposed.entry(key).or_default().push(f);
        }
        for c in clauses {
            let key = (c.article.clone(), c.paragraph, c.item.clone());
            let new = proposed.get(&key).map_or(&[][..], Vec::as_slice);
            let have = findings.get(&c.id).map_or(&[][..], Vec::as_slice);
            for step in reconcile::steps(have, new) {
                let listed = match &step {
                    Step::Insert(f) | Step::Repropose(_, f) => {
                        Some((f.category.to_string(), f.phrase.clone(), ChangeKind::Added))
                    }
                    Step::Withdraw(_, category, phrase) => {
                        Some((category.clone(), phrase.clone(), ChangeKind::Withdrawn))
                    }
                    Step::Unpropose(_, category, phrase) => {
                        Some((category.clone(), phrase.clone(), ChangeKind::Kept))
                    }
                    Step::Reword(..) | Step::ProposeAgain(_) => None,
                };
                if let Some((category, phrase, kind)) = listed {
                    out.changes.push(ChangeLine {
                        ordinance_id: *ordinance_id,
                        title: title.clone(),
                        clause_id: c.id,
                        place: place(&c.article, c.paragraph, &c.item),
                        category,
                        phrase,
                        kind,
                    });
                }
                out.steps.push((c.id, step));
            }
        }
    }
    Ok(out)
}

#[derive(Debug, thiserror::Error)]
pub enum RescanError {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The rules a person typed, checked; the version line is the one they will be saved under.
pub fn read_rules(text: &str, version: u32) -> Result<(Rules, String), RescanError> {
    static VERSION: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = VERSION.get_or_init(|| regex::Regex::new(r"(?m)^version\s*=\s*[0-9]+\s*$").unwrap());
    let text = text.replace("\r\n", "\n");
    let text = if re.is_match(&text) {
        re.replace(&text, format!("version = {version}").as_str())
            .into_owned()
    } else {
        format!("version = {version}\n{text}")
    };
    let mut rules = Rules::read(&text).map_err(RescanError::Refused)?;
    rules.version = version;
    Ok((rules, text))
}

/// The number the next saved version gets (after the bundled rules' own).
pub async fn next_version(conn: &mut sqlx::AnyConnection) -> Result<u32, sqlx::Error> {
    let max: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM ordinance_rules")
        .fetch_one(&mut *conn)
        .await?;
    Ok(max.unwrap_or(0).max(i64::from(Rules::bundled().version)) as u32 + 1)
}

/// What the typed rules would change, nothing saved.
pub async fn preview(db: &Db, text: &str) -> Result<(Diff, u32), RescanError> {
    let mut conn = db.conn().await?;
    let version = next_version(&mut conn).await?;
    let (rules, _) = read_rules(text, version)?;
    Ok((diff(&mut conn, &rules).await?, version))
}

/// Saves the rules as a new version and re-scans every 例規 with them, in one transaction.
/// Returns the re-scan's id.
pub async fn save(db: &Db, text: &str, note: &str, actor: &Actor) -> Result<i64, RescanError> {
    if note.trim().is_empty() {
        return Err(RescanError::Refused(
            "何をなぜ変えたかを書いてください(版の記録に残ります)".into(),
        ));
    }
    let mut tx = db.begin().await?;
    let version = next_version(&mut tx).await?;
    let (rules, text) = read_rules(text, version)?;
    let now = crate::db::now_text();
    sqlx::query(
        "INSERT INTO ordinance_rules (version, text, note, saved_by, saved_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(i64::from(version))
    .bind(&text)
    .bind(note.trim())
    .bind(&actor.username)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    let d = diff(&mut tx, &rules).await?;
    let id = apply(&mut tx, &d, version, &now, actor).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "ordinance.rules",
            entity: "ordinance_rules",
            entity_id: &version.to_string(),
            before: None,
            after: Some(
                serde_json::json!({ "version": version, "note": note.trim(), "rescan": id }),
            ),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Re-scans with the rules in force (after an import with older rules, or to see that nothing
/// changes). Returns the re-scan's id.
pub async fn rescan_now(db: &Db, actor: &Actor) -> anyhow::Result<i64> {
    let current = current(db).await?;
    let mut tx = db.begin().await?;
    let d = diff(&mut tx, &current.rules).await?;
    let id = apply(
        &mut tx,
        &d,
        current.rules.version,
        &crate::db::now_text(),
        actor,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn apply(
    tx: &mut sqlx::AnyConnection,
    d: &Diff,
    version: u32,
    now: &str,
    actor: &Actor,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query(
        "INSERT INTO ordinance_rescans (rules_version, at, username, added, withdrawn, kept)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(i64::from(version))
    .bind(now)
    .bind(&actor.username)
    .bind(d.count(ChangeKind::Added) as i64)
    .bind(d.count(ChangeKind::Withdrawn) as i64)
    .bind(d.count(ChangeKind::Kept) as i64)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for (clause_id, step) in &d.steps {
        reconcile::apply(tx, *clause_id, step, version, now).await?;
    }
    for c in &d.changes {
        sqlx::query(
            "INSERT INTO ordinance_rescan_changes (rescan_id, clause_id, category, change, phrase)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(c.clause_id)
        .bind(&c.category)
        .bind(c.kind.code())
        .bind(&c.phrase)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE ordinances SET rules_version = $1")
        .bind(i64::from(version))
        .execute(&mut *tx)
        .await?;
    audit::record(
        tx,
        actor,
        Change {
            action: "ordinance.rescan",
            entity: "ordinance_rescan",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "rules_version": version, "added": d.count(ChangeKind::Added),
                "withdrawn": d.count(ChangeKind::Withdrawn), "kept": d.count(ChangeKind::Kept),
                "reworded": d.reworded()
            })),
            note: "",
        },
    )
    .await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_version_line_is_the_saved_version() {
        let (r, text) = super::read_rules(super::BUNDLED, 7).unwrap();
        assert_eq!(r.version, 7);
        assert!(text.contains("\nversion = 7\n"));
        assert!(super::read_rules("[[category]]\nname = \"押印\"\n", 2).is_err());
    }
}
