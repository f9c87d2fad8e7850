//! The review of a candidate (該非判断 and what follows): 候補 → 該当 / 非該当 (with the reason)
//! → for 該当, 類型's current and target PHASE, 見直しの方向, 担当課 and 改正予定 → 改正済 (the
//! amending 例規's number and date). Every step is kept (history) and in the audit log. The same
//! wording in many 例規 can be decided once: each clause still gets its own decision and history.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use sqlx::Row as _;

/// Where a candidate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Candidate,
    Applies,
    NotApplicable,
    Amended,
    /// No longer proposed after a re-scan or a newer text (never decided).
    Withdrawn,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Candidate,
        State::Applies,
        State::NotApplicable,
        State::Amended,
        State::Withdrawn,
    ];
    pub fn code(self) -> &'static str {
        match self {
            State::Candidate => "candidate",
            State::Applies => "applies",
            State::NotApplicable => "not_applicable",
            State::Amended => "amended",
            State::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<State> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            State::Candidate => "候補",
            State::Applies => "該当",
            State::NotApplicable => "非該当",
            State::Amended => "改正済",
            State::Withdrawn => "取り下げ",
        }
    }
}

/// 見直しの方向.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// デジタル化で代替 (オンライン化、映像・センサー等)
    Digitise,
    /// 規制を廃止
    Abolish,
    /// 規制の見直し不要 (理由が要る)
    NoChange,
    /// 国の法令改正を待つ
    AwaitNational,
}

impl Direction {
    pub const ALL: [Direction; 4] = [
        Direction::Digitise,
        Direction::Abolish,
        Direction::NoChange,
        Direction::AwaitNational,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Direction::Digitise => "digitise",
            Direction::Abolish => "abolish",
            Direction::NoChange => "no_change",
            Direction::AwaitNational => "await_national",
        }
    }
    pub fn parse(s: &str) -> Option<Direction> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Direction::Digitise => "デジタル化で代替",
            Direction::Abolish => "廃止",
            Direction::NoChange => "規制の見直し不要",
            Direction::AwaitNational => "国の法令改正を待って見直し",
        }
    }
}

/// A decision about one candidate.
#[derive(Debug, Clone, Default)]
pub struct Decision {
    /// 該当, 非該当, 改正済, or 候補 (to reopen).
    pub to: Option<State>,
    /// Required for 非該当, and for 規制の見直し不要.
    pub reason: String,
    /// 現在の PHASE and the target, as the national 工程表 writes them (1, 1-②, 2, 3).
    pub phase_now: String,
    pub phase_target: String,
    pub direction: Option<Direction>,
    /// 担当課.
    pub department: String,
    /// 改正予定 (年度 or 時期, as people say it: 令和7年度、令和7年12月議会).
    pub planned: String,
    /// 改正済: the amending 例規 and its date.
    pub amended_number: String,
    pub amended_on: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{0}")]
    Refused(String),
    #[error("見つかりません")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Checks a decision against where the candidate stands; errors in Japanese.
pub fn check(from: State, d: &Decision) -> Result<State, ReviewError> {
    let refuse = |m: &str| Err(ReviewError::Refused(m.to_string()));
    let Some(to) = d.to else {
        return refuse("判断(該当・非該当・改正済)を選んでください");
    };
    if from == State::Withdrawn {
        return refuse(
            "この候補は取り下げられています(条文が変わったか、規則で提案されなくなりました)",
        );
    }
    match to {
        State::NotApplicable if d.reason.trim().is_empty() => refuse(
            "非該当の理由を入力してください(例: 実物の検査そのものが目的で、物理的に行う必要がある)",
        ),
        State::Applies
            if d.direction == Some(Direction::NoChange) && d.reason.trim().is_empty() =>
        {
            refuse("「規制の見直し不要」には理由を入力してください")
        }
        State::Amended if !matches!(from, State::Applies | State::Amended) => {
            refuse("改正済にできるのは、該当と判断した候補だけです")
        }
        State::Amended if d.amended_number.trim().is_empty() || d.amended_on.trim().is_empty() => {
            refuse("改正済には、改正した例規の番号(例: 令和7年条例第12号)と日付を入力してください")
        }
        State::Withdrawn => refuse("取り下げは選べません"),
        _ => Ok(to),
    }
}

/// Records a decision about one candidate (in the caller's transaction), with its history.
async fn apply(
    tx: &mut Tx,
    finding_id: i64,
    d: &Decision,
    via: Option<i64>,
    actor: &Actor,
) -> Result<State, ReviewError> {
    let row = sqlx::query("SELECT state FROM ordinance_findings WHERE id = $1")
        .bind(finding_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(ReviewError::NotFound)?;
    let from = State::parse(&row.try_get::<String, _>("state")?).unwrap_or(State::Candidate);
    let to = check(from, d)?;
    let amended_on = if d.amended_on.trim().is_empty() {
        String::new()
    } else {
        crate::fiscal::parse_date(&d.amended_on)
            .map_err(|e| ReviewError::Refused(format!("改正日: {e}")))?
            .to_string()
    };
    let now = crate::db::now_text();
    sqlx::query(
        // A field left empty keeps what an earlier decision said (改正済 after 該当 keeps the
        // PHASE and the direction).
        "UPDATE ordinance_findings SET state = $1,
         decision_reason = COALESCE(NULLIF($2, ''), decision_reason),
         phase_now = COALESCE(NULLIF($3, ''), phase_now),
         phase_target = COALESCE(NULLIF($4, ''), phase_target),
         direction = COALESCE(NULLIF($5, ''), direction),
         department = COALESCE(NULLIF($6, ''), department),
         planned = COALESCE(NULLIF($7, ''), planned),
         amended_number = COALESCE(NULLIF($8, ''), amended_number),
         amended_on = COALESCE(NULLIF($9, ''), amended_on),
         decided_by = $10, decided_at = $11 WHERE id = $12",
    )
    .bind(to.code())
    .bind(d.reason.trim())
    .bind(d.phase_now.trim())
    .bind(d.phase_target.trim())
    .bind(d.direction.map_or("", Direction::code))
    .bind(d.department.trim())
    .bind(d.planned.trim())
    .bind(d.amended_number.trim())
    .bind(&amended_on)
    .bind(&actor.username)
    .bind(&now)
    .bind(finding_id)
    .execute(&mut **tx)
    .await?;
    let detail = serde_json::json!({
        "from": from.code(), "to": to.code(), "reason": d.reason.trim(),
        "phase_now": d.phase_now.trim(), "phase_target": d.phase_target.trim(),
        "direction": d.direction.map_or("", Direction::code), "department": d.department.trim(),
        "planned": d.planned.trim(), "amended_number": d.amended_number.trim(),
        "amended_on": amended_on,
    });
    sqlx::query(
        "INSERT INTO ordinance_finding_events (finding_id, at, username, state, detail, via_finding)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(finding_id)
    .bind(&now)
    .bind(&actor.username)
    .bind(to.code())
    .bind(detail.to_string())
    .bind(via)
    .execute(&mut **tx)
    .await?;
    audit::record(
        tx,
        actor,
        Change {
            action: "ordinance.decide",
            entity: "ordinance_finding",
            entity_id: &finding_id.to_string(),
            before: Some(serde_json::json!({ "state": from.code() })),
            after: Some(detail),
            note: &via
                .map(|v| format!("同じ文言の判断(候補{v})から"))
                .unwrap_or_default(),
        },
    )
    .await?;
    Ok(to)
}

pub async fn decide(
    db: &Db,
    finding_id: i64,
    d: &Decision,
    actor: &Actor,
) -> Result<State, ReviewError> {
    let mut tx = db.begin().await?;
    let to = apply(&mut tx, finding_id, d, None, actor).await?;
    tx.commit().await?;
    Ok(to)
}

/// The same category on the same wording elsewhere, still 候補: what a bulk decision would
/// cover (the finding itself excluded).
pub async fn same_wording(db: &Db, finding_id: i64) -> Result<Vec<i64>, ReviewError> {
    let mut conn = db.conn().await?;
    let r = sqlx::query(
        "SELECT f.category, c.text FROM ordinance_findings f JOIN ordinance_clauses c ON c.id = f.clause_id WHERE f.id = $1",
    )
    .bind(finding_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ReviewError::NotFound)?;
    let (category, text): (String, String) = (r.try_get("category")?, r.try_get("text")?);
    let ids = sqlx::query(
        "SELECT f.id FROM ordinance_findings f JOIN ordinance_clauses c ON c.id = f.clause_id
         WHERE f.category = $1 AND c.text = $2 AND f.state = 'candidate' AND c.status <> 'removed'
           AND f.id <> $3 ORDER BY f.id",
    )
    .bind(&category)
    .bind(&text)
    .bind(finding_id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

/// For each 候補 of a 例規, how many 候補 elsewhere share its category and wording (one query,
/// for the review page).
pub async fn same_wording_counts(
    db: &Db,
    ordinance_id: i64,
) -> Result<std::collections::HashMap<i64, usize>, ReviewError> {
    sqlx::query(
        "SELECT f.id, (SELECT CAST(COUNT(*) AS BIGINT) FROM ordinance_findings g
                       JOIN ordinance_clauses d ON d.id = g.clause_id
                       WHERE g.category = f.category AND d.text = c.text AND g.state = 'candidate'
                         AND d.status <> 'removed' AND g.id <> f.id) AS n
         FROM ordinance_findings f JOIN ordinance_clauses c ON c.id = f.clause_id
         WHERE c.ordinance_id = $1 AND f.state = 'candidate'",
    )
    .bind(ordinance_id)
    .fetch_all(&mut *db.conn().await?)
    .await?
    .into_iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get::<i64, _>("n")? as usize)))
    .collect()
}

/// One decision for a candidate and every 候補 with the same wording and category: each gets
/// its own decision and history (saying where it came from). All or nothing.
pub async fn decide_same(
    db: &Db,
    finding_id: i64,
    d: &Decision,
    actor: &Actor,
) -> Result<usize, ReviewError> {
    let others = same_wording(db, finding_id).await?;
    let mut tx = db.begin().await?;
    apply(&mut tx, finding_id, d, None, actor).await?;
    for id in &others {
        apply(&mut tx, *id, d, Some(finding_id), actor).await?;
    }
    tx.commit().await?;
    Ok(others.len() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_are_checked_before_anything_is_written() {
        let d = |to, reason: &str| Decision {
            to: Some(to),
            reason: reason.into(),
            ..Decision::default()
        };
        assert!(check(State::Candidate, &d(State::NotApplicable, "")).is_err());
        assert_eq!(
            check(
                State::Candidate,
                &d(State::NotApplicable, "物理的な検査が目的")
            )
            .unwrap(),
            State::NotApplicable
        );
        assert!(check(State::Candidate, &d(State::Amended, "")).is_err());
        let mut amended = d(State::Amended, "");
        amended.amended_number = "令和7年条例第12号".into();
        amended.amended_on = "令和7年12月20日".into();
        assert_eq!(check(State::Applies, &amended).unwrap(), State::Amended);
        let mut keep = d(State::Applies, "");
        keep.direction = Some(Direction::NoChange);
        assert!(check(State::Candidate, &keep).is_err());
        assert!(check(State::Withdrawn, &d(State::Applies, "")).is_err());
        for s in State::ALL {
            assert_eq!(State::parse(s.code()), Some(s));
        }
    }
}
