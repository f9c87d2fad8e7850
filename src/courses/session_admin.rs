//! A session after it was planned: its details changed (a larger room offers the new places to
//! the waiting list), the whole session cancelled (snow, an instructor ill) with everyone's
//! booking released, the questionnaire afterwards, the purge of names and phone numbers after
//! the retention period, and the figures the KPI page shows beside 延べ受講者.

use super::store::{CourseError, lock_session, pass_on, stamp};
use crate::audit::{self, Actor, Change};
use crate::db::Db;
use crate::fiscal::FiscalYear;
use sqlx::Row as _;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A session's details as staff edit them.
#[derive(Debug, Clone, Default)]
pub struct Details {
    pub place: String,
    pub access: String,
    pub map_url: String,
    pub capacity: i64,
    pub organiser: String,
    pub partner: String,
    pub instructor: String,
    pub bring: String,
    pub lends_phones: bool,
}

/// Saves the details. A larger capacity offers the new places to the waiting list in turn; a
/// smaller one may not leave fewer places than are taken.
pub async fn update(
    db: &Db,
    session_id: i64,
    d: &Details,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<usize, CourseError> {
    let web = |u: &str| u.starts_with("https://") || u.starts_with("http://");
    if !d.map_url.is_empty() && !web(&d.map_url) {
        return Err(CourseError::Refused(
            "地図のリンクは https:// で始まるアドレスにしてください".into(),
        ));
    }
    if d.capacity < 1 {
        return Err(CourseError::Refused("定員は1人以上にしてください".into()));
    }
    let mut tx = db.begin().await?;
    lock_session(&mut tx, session_id).await?;
    let r = sqlx::query("SELECT capacity, taken, status FROM course_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_one(&mut *tx)
        .await?;
    let (capacity, taken): (i64, i64) = (r.try_get("capacity")?, r.try_get("taken")?);
    if r.try_get::<String, _>("status")? == "cancelled" {
        return Err(CourseError::Refused("中止した回は変更できません".into()));
    }
    if d.capacity < taken {
        return Err(CourseError::Refused(format!(
            "予約が{taken}人あるため、定員を{taken}人より少なくはできません"
        )));
    }
    let more = (d.capacity - capacity).max(0);
    sqlx::query(
        "UPDATE course_sessions SET place = $1, access = $2, map_url = $3, capacity = $4,
         taken = taken + $5, organiser = $6, partner = $7, instructor = $8, bring = $9,
         lends_phones = $10 WHERE id = $11",
    )
    .bind(d.place.trim())
    .bind(d.access.trim())
    .bind(d.map_url.trim())
    .bind(d.capacity)
    .bind(more)
    .bind(d.organiser.trim())
    .bind(d.partner.trim())
    .bind(d.instructor.trim())
    .bind(d.bring.trim())
    .bind(i64::from(d.lends_phones))
    .bind(session_id)
    .execute(&mut *tx)
    .await?;
    // Each new place is held for a moment and passed on: offered to the next on the waiting
    // list, or given back.
    let mut offered = 0;
    for _ in 0..more {
        if pass_on(&mut tx, session_id, now, actor).await?.is_some() {
            offered += 1;
        }
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "course.session_edit",
            entity: "course_session",
            entity_id: &session_id.to_string(),
            before: Some(serde_json::json!({ "capacity": capacity })),
            after: Some(serde_json::json!({
                "capacity": d.capacity, "place": d.place, "partner": d.partner,
                "instructor": d.instructor, "offered": offered
            })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(offered)
}

/// Cancels the whole session: every booking, offer and place on the waiting list is released
/// (nobody is counted). Returns how many people to tell.
pub async fn cancel(
    db: &Db,
    session_id: i64,
    reason: &str,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<usize, CourseError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CourseError::Refused(
            "中止の理由を入力してください(例: 大雪のため)".into(),
        ));
    }
    let mut tx = db.begin().await?;
    lock_session(&mut tx, session_id).await?;
    let r = sqlx::query("SELECT status FROM course_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_one(&mut *tx)
        .await?;
    let status: String = r.try_get("status")?;
    if status != "planned" {
        return Err(CourseError::Refused(if status == "cancelled" {
            "この回はもう中止になっています".into()
        } else {
            "出欠をつけた回は中止にできません".into()
        }));
    }
    let n = sqlx::query(
        "UPDATE course_bookings SET state = 'cancelled', offer_expires_at = NULL, updated_at = $1
         WHERE session_id = $2 AND state IN ('booked', 'waiting', 'offered')",
    )
    .bind(stamp(now))
    .bind(session_id)
    .execute(&mut *tx)
    .await?
    .rows_affected() as usize;
    sqlx::query(
        "UPDATE course_sessions SET status = 'cancelled', cancel_reason = $1, taken = 0 WHERE id = $2",
    )
    .bind(reason)
    .bind(session_id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "course.session_cancel",
            entity: "course_session",
            entity_id: &session_id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "reason": reason, "bookings": n })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// 分かりやすさ, from the best.
pub const CLARITY: [(i64, &str); 4] = [
    (4, "よく分かった"),
    (3, "だいたい分かった"),
    (2, "少し難しかった"),
    (1, "分からなかった"),
];

/// できるようになったこと: what a resident may tick.
pub const LEARNED: [(&str, &str); 8] = [
    ("call", "電話をかける・受ける"),
    ("camera", "写真を撮る・見る"),
    ("line", "LINEでやりとりする"),
    ("search", "インターネットで調べる"),
    ("map", "地図アプリを使う"),
    ("mynumber", "マイナンバーカード・マイナポータル"),
    ("cashless", "キャッシュレス決済"),
    ("safety", "詐欺やウイルスに気をつける"),
];

/// One questionnaire, as a resident filled it in (no name).
pub struct Answer<'a> {
    pub clarity: i64,
    pub learned: Vec<&'a str>,
    pub comment: &'a str,
    /// `paper` (entered by staff) or `tablet`.
    pub via: &'a str,
}

pub async fn add_feedback(
    db: &Db,
    session_id: i64,
    a: &Answer<'_>,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<i64, CourseError> {
    if !CLARITY.iter().any(|(v, _)| *v == a.clarity) {
        return Err(CourseError::Refused("分かりやすさを選んでください".into()));
    }
    if let Some(x) = a
        .learned
        .iter()
        .find(|x| !LEARNED.iter().any(|(k, _)| k == *x))
    {
        return Err(CourseError::Refused(format!("「{x}」は選べません")));
    }
    if a.comment.chars().count() > 1000 {
        return Err(CourseError::Refused(
            "ご意見は1000文字までにしてください".into(),
        ));
    }
    let via = if a.via == "tablet" { "tablet" } else { "paper" };
    let mut tx = db.begin().await?;
    let s = sqlx::query("SELECT starts_at, status FROM course_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(CourseError::NotFound)?;
    let starts: String = s.try_get("starts_at")?;
    if starts > stamp(now) || s.try_get::<String, _>("status")? == "cancelled" {
        return Err(CourseError::Refused(
            "アンケートは教室が始まってから入力してください(中止した回には入力できません)".into(),
        ));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO course_feedback (session_id, clarity, learned, comment, entered_via, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(session_id)
    .bind(a.clarity)
    .bind(a.learned.join(" "))
    .bind(a.comment.trim())
    .bind(via)
    .bind(crate::db::now_text())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "course.feedback",
            entity: "course_feedback",
            entity_id: &id.to_string(),
            before: None,
            after: Some(
                serde_json::json!({ "session": session_id, "clarity": a.clarity, "via": via }),
            ),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The questionnaires of some sessions, summed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedbackSummary {
    pub answers: usize,
    /// Count per CLARITY entry, in its order.
    pub clarity: [usize; 4],
    /// Count per LEARNED entry, in its order.
    pub learned: [usize; 8],
    pub comments: Vec<String>,
}

impl FeedbackSummary {
    fn add(&mut self, clarity: i64, learned: &str, comment: String) {
        self.answers += 1;
        if let Some(i) = CLARITY.iter().position(|(v, _)| *v == clarity) {
            self.clarity[i] += 1;
        }
        for code in learned.split_whitespace() {
            if let Some(i) = LEARNED.iter().position(|(k, _)| *k == code) {
                self.learned[i] += 1;
            }
        }
        if !comment.is_empty() {
            self.comments.push(comment);
        }
    }
    /// 「よく分かった」「だいたい分かった」の割合, in words.
    pub fn understood(&self) -> String {
        if self.answers == 0 {
            return "回答なし".into();
        }
        let n = self.clarity[0] + self.clarity[1];
        format!(
            "{:.0}%(回答{}人中{}人)",
            n as f64 * 100.0 / self.answers as f64,
            self.answers,
            n
        )
    }
    pub fn clarity_lines(&self) -> Vec<(&'static str, usize)> {
        CLARITY.iter().map(|c| c.1).zip(self.clarity).collect()
    }
    pub fn learned_lines(&self) -> Vec<(&'static str, usize)> {
        LEARNED.iter().map(|c| c.1).zip(self.learned).collect()
    }
}

pub async fn feedback(db: &Db, session_id: i64) -> Result<FeedbackSummary, CourseError> {
    let rows = sqlx::query(
        "SELECT clarity, learned, comment FROM course_feedback WHERE session_id = $1 ORDER BY id",
    )
    .bind(session_id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    let mut out = FeedbackSummary::default();
    for r in rows {
        out.add(
            r.try_get("clarity")?,
            &r.try_get::<String, _>("learned")?,
            r.try_get("comment")?,
        );
    }
    Ok(out)
}

/// Empties names, kana and phone numbers of bookings whose session ended more than `days` ago.
/// The rows, their states and every count stay.
pub async fn purge(
    db: &Db,
    now: OffsetDateTime,
    days: i64,
    actor: &Actor,
) -> Result<usize, CourseError> {
    let before = stamp(now - time::Duration::days(days));
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE course_bookings SET name = '', kana = '', phone = '', purged_at = $1
         WHERE purged_at IS NULL
           AND session_id IN (SELECT id FROM course_sessions WHERE ends_at < $2)",
    )
    .bind(stamp(now))
    .bind(&before)
    .execute(&mut *tx)
    .await?
    .rows_affected() as usize;
    if n > 0 {
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "course.purge",
                entity: "course_booking",
                entity_id: "",
                before: None,
                after: Some(serde_json::json!({ "bookings": n, "retention_days": days })),
                note: "",
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// A 年度 of residents' sessions, for the KPI page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct YearFigures {
    /// Sessions held (someone marked), and cancelled.
    pub held: usize,
    pub cancelled: usize,
    pub capacity: i64,
    /// Places booked at held sessions (came or not).
    pub booked: i64,
    pub attended: i64,
    pub absent: i64,
    pub walk_ins: i64,
    pub feedback: FeedbackSummary,
}

impl YearFigures {
    /// 定員充足率: places booked ÷ capacity, at sessions held.
    pub fn fill_rate(&self) -> String {
        percent(self.booked, self.capacity)
    }
    /// 無断欠席率: booked but not there ÷ booked.
    pub fn no_show_rate(&self) -> String {
        percent(self.absent, self.booked)
    }
}

fn percent(n: i64, d: i64) -> String {
    if d <= 0 {
        "—".into()
    } else {
        format!("{:.0}%", n as f64 * 100.0 / d as f64)
    }
}

pub async fn by_year(db: &Db) -> Result<BTreeMap<FiscalYear, YearFigures>, CourseError> {
    let mut conn = db.conn().await?;
    let sessions = sqlx::query(
        "SELECT s.id, s.starts_at, s.status, s.capacity FROM course_sessions s
         JOIN courses c ON c.id = s.course_id WHERE c.audience = 'residents'",
    )
    .fetch_all(&mut *conn)
    .await?;
    let bookings = sqlx::query(
        "SELECT b.session_id, b.state, b.booked_via FROM course_bookings b
         WHERE b.state IN ('attended', 'absent')",
    )
    .fetch_all(&mut *conn)
    .await?;
    let answers = sqlx::query("SELECT session_id, clarity, learned, comment FROM course_feedback")
        .fetch_all(&mut *conn)
        .await?;
    let mut year_of: BTreeMap<i64, FiscalYear> = BTreeMap::new();
    let mut out: BTreeMap<FiscalYear, YearFigures> = BTreeMap::new();
    for s in &sessions {
        let starts: String = s.try_get("starts_at")?;
        let Some(day) = crate::fiscal::jst_day(&starts) else {
            continue;
        };
        let y = FiscalYear::of_date(day);
        let f = out.entry(y).or_default();
        match s.try_get::<String, _>("status")?.as_str() {
            "held" => {
                f.held += 1;
                f.capacity += s.try_get::<i64, _>("capacity")?;
                year_of.insert(s.try_get("id")?, y);
            }
            "cancelled" => f.cancelled += 1,
            _ => {}
        }
    }
    for b in &bookings {
        let Some(y) = year_of.get(&b.try_get::<i64, _>("session_id")?) else {
            continue;
        };
        let f = out.entry(*y).or_default();
        // A walk-in came without a booking, outside the capacity.
        let walk_in = b.try_get::<String, _>("booked_via")? == "walk_in";
        match b.try_get::<String, _>("state")?.as_str() {
            "attended" if walk_in => {
                f.attended += 1;
                f.walk_ins += 1;
            }
            "attended" => {
                f.attended += 1;
                f.booked += 1;
            }
            _ => {
                f.absent += 1;
                f.booked += 1;
            }
        }
    }
    for a in answers {
        let Some(y) = year_of.get(&a.try_get::<i64, _>("session_id")?) else {
            continue;
        };
        out.entry(*y).or_default().feedback.add(
            a.try_get("clarity")?,
            &a.try_get::<String, _>("learned")?,
            String::new(),
        );
    }
    out.retain(|_, f| f.held > 0 || f.cancelled > 0);
    Ok(out)
}
