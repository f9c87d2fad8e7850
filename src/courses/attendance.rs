//! Attendance at the door: 出席 / 欠席 for bookings, 当日参加 for people who came without one,
//! and the 延べ出席者 per 年度 that KPI 1-①-5 counts (attended, not booked).

use super::model::{BookingState, Person, Via};
use super::store::{
    Booking, CourseError, insert_booking, lock_session, locked, read, set_state, stamp,
};
use crate::audit::{self, Actor, Change};
use crate::db::Db;
use sqlx::Row as _;
use time::OffsetDateTime;

/// Marks a booking 出席 or 欠席 at the door (again to correct a mistake); the session counts as
/// held from then on.
pub async fn mark(
    db: &Db,
    number: &str,
    to: BookingState,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<Booking, CourseError> {
    if !matches!(to, BookingState::Attended | BookingState::Absent) {
        return Err(CourseError::Refused("出席か欠席を選んでください".into()));
    }
    let mut tx = db.begin().await?;
    let b = locked(&mut tx, number).await?;
    let (id, session_id) = (b.id, b.session_id);
    if !matches!(
        b.state,
        BookingState::Booked
            | BookingState::Offered
            | BookingState::Attended
            | BookingState::Absent
    ) {
        return Err(CourseError::Refused(format!(
            "予約番号 {} は「{}」のため、出欠をつけられません",
            b.number,
            b.state.label()
        )));
    }
    let starts: String = sqlx::query("SELECT starts_at FROM course_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("starts_at")?;
    // The door opens shortly before the start; not days ahead.
    if stamp(now + time::Duration::hours(2)) < starts {
        return Err(CourseError::Refused(
            "出欠は教室の当日(始まる2時間前から)につけてください".into(),
        ));
    }
    set_state(&mut tx, &b, to, None, now, actor).await?;
    sqlx::query("UPDATE course_sessions SET status = 'held' WHERE id = $1 AND status = 'planned'")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    let b = read(&mut tx, id).await?;
    tx.commit().await?;
    Ok(b)
}

/// Someone who came without booking (当日参加): recorded as attended, outside the capacity.
pub async fn walk_in(
    db: &Db,
    session_id: i64,
    name: &str,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<Booking, CourseError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(CourseError::Refused(
            "当日参加の方のお名前を入力してください(40文字まで)".into(),
        ));
    }
    let mut tx = db.begin().await?;
    lock_session(&mut tx, session_id).await?;
    let walk_in = Person {
        name: name.to_string(),
        ..Person::default()
    };
    let (id, _) = insert_booking(
        &mut tx,
        session_id,
        &walk_in,
        Via::WalkIn,
        BookingState::Attended,
        now,
    )
    .await?;
    sqlx::query("UPDATE course_sessions SET status = 'held' WHERE id = $1 AND status = 'planned'")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "course.walk_in",
            entity: "course_booking",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "session": session_id, "state": "attended" })),
            note: "",
        },
    )
    .await?;
    let b = read(&mut tx, id).await?;
    tx.commit().await?;
    Ok(b)
}

/// 延べ出席者 of residents' sessions per 年度 (attended, not booked; walk-ins included).
pub async fn attendees_by_year(
    db: &Db,
) -> Result<Vec<(crate::fiscal::FiscalYear, i64)>, CourseError> {
    let rows = sqlx::query(
        "SELECT s.starts_at FROM course_bookings b JOIN course_sessions s ON s.id = b.session_id
         JOIN courses c ON c.id = s.course_id
         WHERE b.state = 'attended' AND c.audience = 'residents'",
    )
    .fetch_all(&mut *db.conn().await?)
    .await?;
    let mut out: std::collections::BTreeMap<crate::fiscal::FiscalYear, i64> = Default::default();
    for r in rows {
        let s: String = r.try_get("starts_at")?;
        if let Some(day) = crate::fiscal::jst_day(&s) {
            *out.entry(crate::fiscal::FiscalYear::of_date(day))
                .or_default() += 1;
        }
    }
    Ok(out.into_iter().collect())
}
