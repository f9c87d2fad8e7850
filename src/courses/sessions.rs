//! Sessions as the schedule and the staff pages show them (with the course, places and the
//! waiting list's length).

use super::model::Audience;
use super::store::{CourseError, stamp};
use crate::db::Db;
use sqlx::Row as _;
use time::OffsetDateTime;

/// A session as the pages show it.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub id: i64,
    pub course_id: i64,
    pub title: String,
    pub topic: String,
    pub level: String,
    pub audience: Audience,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub place: String,
    pub capacity: i64,
    pub taken: i64,
    pub status: String,
    pub waiting: i64,
    /// How to get there (bus stop, parking), and a map's address (http or https only).
    pub access: String,
    pub map_url: String,
    /// Who holds the class: the town, 社会福祉協議会, a carrier's shop …
    pub organiser: String,
    pub partner: String,
    pub instructor: String,
    pub bring: String,
    pub lends_phones: bool,
    pub cancel_reason: String,
}

impl SessionView {
    pub fn left(&self) -> i64 {
        (self.capacity - self.taken).max(0)
    }
    /// 令和6年11月20日(水) 10:00〜11:30, in Japan time.
    pub fn when(&self) -> String {
        crate::fiscal::jst_span(self.starts_at, self.ends_at)
    }
}

const SESSION_SQL: &str = "SELECT s.id, s.course_id, c.title, c.topic, c.level, c.audience, s.starts_at, s.ends_at, s.place, s.capacity, s.taken, s.status,
    s.access, s.map_url, s.organiser, s.partner, s.instructor, s.bring, s.lends_phones, s.cancel_reason,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM course_bookings b WHERE b.session_id = s.id AND b.state = 'waiting') AS waiting
    FROM course_sessions s JOIN courses c ON c.id = s.course_id";

fn session_view(r: &sqlx::any::AnyRow) -> Result<SessionView, CourseError> {
    let t = |col: &str| -> Result<OffsetDateTime, CourseError> {
        let s: String = r.try_get(col)?;
        OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339)
            .map_err(|e| CourseError::Refused(format!("日時「{s}」を読めません: {e}")))
    };
    Ok(SessionView {
        id: r.try_get("id")?,
        course_id: r.try_get("course_id")?,
        title: r.try_get("title")?,
        topic: r.try_get("topic")?,
        level: r.try_get("level")?,
        audience: Audience::parse(&r.try_get::<String, _>("audience")?)
            .unwrap_or(Audience::Residents),
        starts_at: t("starts_at")?,
        ends_at: t("ends_at")?,
        place: r.try_get("place")?,
        capacity: r.try_get("capacity")?,
        taken: r.try_get("taken")?,
        status: r.try_get("status")?,
        waiting: r.try_get("waiting")?,
        access: r.try_get("access")?,
        map_url: r.try_get("map_url")?,
        organiser: r.try_get("organiser")?,
        partner: r.try_get("partner")?,
        instructor: r.try_get("instructor")?,
        bring: r.try_get("bring")?,
        lends_phones: r.try_get::<i64, _>("lends_phones")? != 0,
        cancel_reason: r.try_get("cancel_reason")?,
    })
}

/// Sessions for an audience starting after `from` (all when `None`), soonest first.
pub async fn sessions(
    db: &Db,
    audience: Audience,
    from: Option<OffsetDateTime>,
) -> Result<Vec<SessionView>, CourseError> {
    let sql = format!(
        "{SESSION_SQL} WHERE c.audience = $1 AND s.starts_at > $2 ORDER BY s.starts_at, s.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(audience.code())
        .bind(from.map(stamp).unwrap_or_default())
        .fetch_all(&mut *db.conn().await?)
        .await?;
    rows.iter().map(session_view).collect()
}

pub async fn session(db: &Db, id: i64) -> Result<SessionView, CourseError> {
    let sql = format!("{SESSION_SQL} WHERE s.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *db.conn().await?)
        .await?
        .ok_or(CourseError::NotFound)?;
    session_view(&row)
}

/// The courses (for the staff page's session form).
pub async fn courses(db: &Db) -> Result<Vec<(i64, String, Audience)>, CourseError> {
    let rows = sqlx::query("SELECT id, title, audience FROM courses ORDER BY id")
        .fetch_all(&mut *db.conn().await?)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("title")?,
                Audience::parse(&r.try_get::<String, _>("audience")?)
                    .unwrap_or(Audience::Residents),
            ))
        })
        .collect()
}
