//! Visits of the 書かない窓口: opening (受付), answers (案内開始), the resident's common items, each
//! desk done, closing (完了), and the purge that deletes personal data after the retention period
//! while keeping the anonymous timings. Each write is one transaction with its audit entry; the
//! audit never holds personal data, only the visit's number.

use crate::audit::{self, Actor, Change};
use crate::db::Db;
use crate::procedures::people::{self, Person};
use crate::procedures::rule::Answers;
use sqlx::Row;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How long a tablet entry link stays valid.
pub const ENTRY_MINUTES: i64 = 120;

pub type Values = BTreeMap<String, String>;

#[derive(Debug, Clone)]
pub struct Visit {
    pub id: i64,
    pub opened_on: String,
    pub receipt_no: i64,
    pub life_event: String,
    pub opened_at: String,
    pub guidance_at: Option<String>,
    pub closed_at: Option<String>,
    pub stay_seconds: Option<i64>,
    pub answers: Answers,
    /// The common items typed once (addresses, phone, the event's date …).
    pub person: Values,
    /// The people the visit concerns, each entered once.
    pub people: Vec<Person>,
    /// Values typed per form: form key → field key → value.
    pub form_values: BTreeMap<String, Values>,
    pub entry_expires_at: Option<String>,
    pub purged_at: Option<String>,
    pub version: i64,
    /// Desks done: (desk, when).
    pub steps: Vec<(String, String)>,
}

impl Visit {
    pub fn receipt(&self) -> String {
        format!("{:03}", self.receipt_no)
    }
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }
    pub fn is_purged(&self) -> bool {
        self.purged_at.is_some()
    }
    pub fn desk_done(&self, desk: &str) -> Option<&str> {
        self.steps
            .iter()
            .find(|s| s.0 == desk)
            .map(|s| s.1.as_str())
    }
    pub fn stay_minutes(&self) -> Option<i64> {
        self.stay_seconds.map(|s| (s + 30) / 60)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VisitError {
    #[error("受付番号{0}はすでに完了しています({1}に完了)。")]
    Closed(String, String),
    #[error(
        "受付番号{0}の個人情報は保存期間を過ぎたため削除されました。申請書の印刷や入力はできません。"
    )]
    Purged(String),
    #[error(
        "ほかの職員が先にこの受付を更新しました。画面を読み込み直してからもう一度操作してください。"
    )]
    Stale,
    #[error("入力に誤りがあります")]
    Invalid(Vec<(String, String)>),
    #[error("受付が見つかりません")]
    NotFound,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for VisitError {
    fn from(e: sqlx::Error) -> Self {
        VisitError::Other(e.into())
    }
}

pub fn stamp(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).expect("formatting a timestamp")
}

fn parse_stamp(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

fn json<T: serde::de::DeserializeOwned + Default>(v: Option<String>) -> T {
    v.and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

const COLUMNS: &str = "id, opened_on, receipt_no, life_event, opened_at, guidance_at, closed_at, stay_seconds, answers, person, people, form_values, entry_expires_at, purged_at, version";

fn visit_of(r: &sqlx::any::AnyRow) -> Result<Visit, sqlx::Error> {
    let person: Values = json(r.try_get("person")?);
    let mut people: Vec<Person> = json(r.try_get("people")?);
    if people.is_empty() {
        people = people::from_legacy(&person);
    }
    Ok(Visit {
        id: r.try_get("id")?,
        opened_on: r.try_get("opened_on")?,
        receipt_no: r.try_get("receipt_no")?,
        life_event: r.try_get("life_event")?,
        opened_at: r.try_get("opened_at")?,
        guidance_at: r.try_get("guidance_at")?,
        closed_at: r.try_get("closed_at")?,
        stay_seconds: r.try_get("stay_seconds")?,
        answers: json(r.try_get("answers")?),
        person,
        people,
        form_values: json(r.try_get("form_values")?),
        entry_expires_at: r.try_get("entry_expires_at")?,
        purged_at: r.try_get("purged_at")?,
        version: r.try_get("version")?,
        steps: vec![],
    })
}

async fn steps_of(db: &Db, id: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT desk, done_at FROM counter_steps WHERE visit_id = $1 ORDER BY done_at")
            .bind(id)
            .fetch_all(&mut *db.conn().await?)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("desk")?, r.try_get("done_at")?)))
        .collect()
}

pub async fn visit(db: &Db, id: i64) -> Result<Option<Visit>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM counter_visits WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *db.conn().await?)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut v = visit_of(&row)?;
    v.steps = steps_of(db, v.id).await?;
    Ok(Some(v))
}

/// The visits opened on a day (JST), newest first.
pub async fn visits_on(db: &Db, day: time::Date) -> Result<Vec<Visit>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM counter_visits WHERE opened_on = $1 ORDER BY id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(day.to_string())
        .fetch_all(&mut *db.conn().await?)
        .await?;
    rows.iter().map(visit_of).collect()
}

async fn audit_visit(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    action: &str,
    v: &Visit,
    note: &str,
) -> Result<(), sqlx::Error> {
    audit::record(
        conn,
        actor,
        Change {
            action,
            entity: "visit",
            entity_id: &v.id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "receipt": format!("{} {}", v.opened_on, v.receipt()),
                "life_event": v.life_event,
            })),
            note,
        },
    )
    .await
}

/// Opens a visit (受付) and gives it the day's next receipt number. Two clerks pressing 受付 at
/// the same moment may read the same number; the unique index refuses the second, which tries
/// again with the next number.
pub async fn open(
    db: &Db,
    life_event: &str,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Visit, VisitError> {
    let mut attempt = 0;
    loop {
        match try_open(db, life_event, actor, now).await {
            Err(VisitError::Other(e))
                if attempt < 10
                    && e.downcast_ref::<sqlx::Error>().is_some_and(
                        |e| matches!(e, sqlx::Error::Database(d) if d.is_unique_violation()),
                    ) =>
            {
                attempt += 1;
            }
            r => return r,
        }
    }
}

async fn try_open(
    db: &Db,
    life_event: &str,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Visit, VisitError> {
    let day = crate::fiscal::jst_day_of(now).to_string();
    let mut tx = db.begin().await?;
    let next: i64 = sqlx::query(
        "SELECT COALESCE(MAX(receipt_no), 0) + 1 AS n FROM counter_visits WHERE opened_on = $1",
    )
    .bind(&day)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    let row = sqlx::query(
        "INSERT INTO counter_visits (opened_on, receipt_no, life_event, opened_at, answers, person, form_values, opened_by, version)
         VALUES ($1, $2, $3, $4, '{}', '{}', '{}', $5, 1) RETURNING id",
    )
    .bind(&day)
    .bind(next)
    .bind(life_event)
    .bind(stamp(now))
    .bind(&actor.username)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    let v = Visit {
        id,
        opened_on: day,
        receipt_no: next,
        life_event: life_event.to_string(),
        opened_at: stamp(now),
        guidance_at: None,
        closed_at: None,
        stay_seconds: None,
        answers: Answers::new(),
        person: Values::new(),
        people: Vec::new(),
        form_values: BTreeMap::new(),
        entry_expires_at: None,
        purged_at: None,
        version: 1,
        steps: vec![],
    };
    audit_visit(&mut tx, actor, "visit.open", &v, "").await?;
    tx.commit().await?;
    Ok(v)
}

/// A visit that may still be changed: not closed, not purged.
pub fn writable(v: &Visit) -> Result<(), VisitError> {
    if v.purged_at.is_some() {
        return Err(VisitError::Purged(v.receipt()));
    }
    if let Some(c) = &v.closed_at {
        return Err(VisitError::Closed(v.receipt(), crate::fiscal::jst(c)));
    }
    Ok(())
}

async fn load_writable(db: &Db, id: i64) -> Result<Visit, VisitError> {
    let v = visit(db, id).await?.ok_or(VisitError::NotFound)?;
    writable(&v)?;
    Ok(v)
}

/// Runs one UPDATE guarded by the version, with its audit entry.
async fn update(
    db: &Db,
    v: &Visit,
    version: i64,
    set: &'static str,
    binds: Vec<Option<String>>,
    actor: &Actor,
    action: &str,
) -> Result<(), VisitError> {
    let mut tx = db.begin().await?;
    let n = binds.len();
    let sql = format!(
        "UPDATE counter_visits SET {set}, version = version + 1 WHERE id = ${} AND version = ${} AND closed_at IS NULL AND purged_at IS NULL",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    let done = q.bind(v.id).bind(version).execute(&mut *tx).await?;
    if done.rows_affected() == 0 {
        return Err(VisitError::Stale);
    }
    audit_visit(&mut tx, actor, action, v, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Saves the guide's answers; the first save marks 案内開始.
pub async fn save_answers(
    db: &Db,
    id: i64,
    answers: &Answers,
    version: i64,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<(), VisitError> {
    let v = load_writable(db, id).await?;
    let guidance = v.guidance_at.clone().unwrap_or_else(|| stamp(now));
    update(
        db,
        &v,
        version,
        "answers = $1, guidance_at = $2",
        vec![
            Some(serde_json::to_string(answers).map_err(anyhow::Error::from)?),
            Some(guidance),
        ],
        actor,
        "visit.answers",
    )
    .await
}

/// The resident's details as posted: the common items and the people rows, checked together so
/// every mistake is listed at once.
pub fn check_details(input: &Values) -> Result<(Values, Vec<Person>), VisitError> {
    let common = crate::procedures::form_check::check_common(input);
    let people = people::check_people(input);
    match (common, people) {
        (Ok(c), Ok(p)) => Ok((c, p)),
        (c, p) => Err(VisitError::Invalid(
            c.err()
                .unwrap_or_default()
                .into_iter()
                .chain(p.err().unwrap_or_default())
                .collect(),
        )),
    }
}

/// Saves the resident's details (common items and people), checked. `version` None = from the
/// resident's tablet (no version on that form; the last save wins there).
pub async fn save_details(
    db: &Db,
    id: i64,
    input: &Values,
    version: Option<i64>,
    actor: &Actor,
) -> Result<(), VisitError> {
    let v = load_writable(db, id).await?;
    let (person, people) = check_details(input)?;
    update(
        db,
        &v,
        version.unwrap_or(v.version),
        "person = $1, people = $2",
        vec![
            Some(serde_json::to_string(&person).map_err(anyhow::Error::from)?),
            Some(serde_json::to_string(&people).map_err(anyhow::Error::from)?),
        ],
        actor,
        if version.is_some() {
            "visit.person"
        } else {
            "visit.person_by_resident"
        },
    )
    .await
}

/// Saves the values typed for one form's own fields.
pub async fn save_form_values(
    db: &Db,
    id: i64,
    def: &crate::procedures::form::FormDef,
    input: &Values,
    version: i64,
    actor: &Actor,
) -> Result<(), VisitError> {
    let v = load_writable(db, id).await?;
    let checked = crate::procedures::form_check::check_form_values(def, input)
        .map_err(VisitError::Invalid)?;
    let mut all = v.form_values.clone();
    all.insert(def.key.clone(), checked);
    update(
        db,
        &v,
        version,
        "form_values = $1",
        vec![Some(
            serde_json::to_string(&all).map_err(anyhow::Error::from)?,
        )],
        actor,
        "visit.form_values",
    )
    .await
}

/// Records that a desk finished its procedures for this visit (once per desk).
pub async fn desk_done(
    db: &Db,
    id: i64,
    desk: &str,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<(), VisitError> {
    let v = load_writable(db, id).await?;
    if v.desk_done(desk).is_some() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO counter_steps (visit_id, desk, done_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(desk)
        .bind(stamp(now))
        .execute(&mut *tx)
        .await?;
    audit_visit(&mut tx, actor, "visit.desk_done", &v, desk).await?;
    tx.commit().await?;
    Ok(())
}

/// Closes a visit (完了) and records its stay. Closing twice is refused, saying when it closed.
pub async fn close(
    db: &Db,
    id: i64,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Visit, VisitError> {
    let v = visit(db, id).await?.ok_or(VisitError::NotFound)?;
    if let Some(c) = &v.closed_at {
        return Err(VisitError::Closed(v.receipt(), crate::fiscal::jst(c)));
    }
    let opened = parse_stamp(&v.opened_at).unwrap_or(now);
    let seconds = (now - opened).whole_seconds().max(0);
    let mut tx = db.begin().await?;
    // Closing does not need the resident's data, so a purged visit can still be closed.
    let done = sqlx::query(
        "UPDATE counter_visits SET closed_at = $1, stay_seconds = $2, entry_token_hash = NULL, entry_expires_at = NULL, version = version + 1 WHERE id = $3 AND closed_at IS NULL",
    )
    .bind(stamp(now))
    .bind(seconds)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(VisitError::Stale);
    }
    audit_visit(&mut tx, actor, "visit.close", &v, "").await?;
    tx.commit().await?;
    visit(db, id).await?.ok_or(VisitError::NotFound)
}

/// Issues a link for the resident's tablet; only its hash is kept. Valid for ENTRY_MINUTES.
pub async fn issue_entry(
    db: &Db,
    id: i64,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<String, VisitError> {
    let v = load_writable(db, id).await?;
    let token = crate::auth::secret::random_token();
    let expires = now + time::Duration::minutes(ENTRY_MINUTES);
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE counter_visits SET entry_token_hash = $1, entry_expires_at = $2 WHERE id = $3",
    )
    .bind(crate::auth::secret::token_hash(&token))
    .bind(stamp(expires))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit_visit(&mut tx, actor, "visit.entry_link", &v, "").await?;
    tx.commit().await?;
    Ok(token)
}

/// The open visit a tablet link belongs to, if the link is still valid.
pub async fn visit_by_entry(
    db: &Db,
    token: &str,
    now: OffsetDateTime,
) -> Result<Option<Visit>, sqlx::Error> {
    let row = sqlx::query("SELECT id, entry_expires_at FROM counter_visits WHERE entry_token_hash = $1 AND closed_at IS NULL AND purged_at IS NULL")
        .bind(crate::auth::secret::token_hash(token))
        .fetch_optional(&mut *db.conn().await?)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let expires: Option<String> = row.try_get("entry_expires_at")?;
    if expires
        .as_deref()
        .and_then(parse_stamp)
        .is_none_or(|e| e < now)
    {
        return Ok(None);
    }
    visit(db, row.try_get("id")?).await
}

/// Deletes the personal data (answers, common items, typed values, tablet link) of visits opened
/// more than `days` days ago. Timings, the life event and the desks done stay.
pub async fn purge(db: &Db, days: i64, now: OffsetDateTime) -> anyhow::Result<u64> {
    let cutoff = stamp(now - time::Duration::days(days));
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE counter_visits SET answers = NULL, person = NULL, people = NULL, form_values = NULL, entry_token_hash = NULL, entry_expires_at = NULL, purged_at = $1
         WHERE purged_at IS NULL AND opened_at < $2",
    )
    .bind(stamp(now))
    .bind(&cutoff)
    .execute(&mut *tx)
    .await?;
    let n = done.rows_affected();
    if n > 0 {
        audit::record(
            &mut tx,
            &Actor {
                user_id: None,
                username: "(保存期間の経過)".into(),
                ip: "local".into(),
            },
            Change {
                action: "visit.purge",
                entity: "visit",
                entity_id: "",
                before: None,
                after: Some(serde_json::json!({ "visits": n, "retention_days": days })),
                note: "",
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// A completed visit's timing, for the statistics and the KPI.
#[derive(Debug, Clone)]
pub struct Timing {
    pub life_event: String,
    pub opened_on: time::Date,
    pub stay_seconds: i64,
}

pub async fn timings(db: &Db) -> anyhow::Result<Vec<Timing>> {
    let rows = sqlx::query(
        "SELECT life_event, opened_at, stay_seconds FROM counter_visits WHERE stay_seconds IS NOT NULL ORDER BY opened_at",
    )
    .fetch_all(&mut *db.conn().await?)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let at: String = r.try_get("opened_at")?;
        let Some(opened_on) = crate::fiscal::jst_day(&at) else {
            continue;
        };
        out.push(Timing {
            life_event: r.try_get("life_event")?,
            opened_on,
            stay_seconds: r.try_get("stay_seconds")?,
        });
    }
    Ok(out)
}

/// When the first visit was opened (any visit: the counter ran from then).
pub async fn first_visit_day(db: &Db) -> anyhow::Result<Option<time::Date>> {
    let row = sqlx::query("SELECT MIN(opened_at) AS first FROM counter_visits")
        .fetch_one(&mut *db.conn().await?)
        .await?;
    let first: Option<String> = row.try_get("first")?;
    Ok(first.as_deref().and_then(crate::fiscal::jst_day))
}
