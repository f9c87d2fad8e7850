//! Courses, sessions and bookings. The capacity holds under concurrent bookings on both
//! backends: a place is taken by one conditional UPDATE (`taken < capacity`), which SQLite runs
//! one writer at a time and PostgreSQL re-checks on the row the other transaction committed.
//! A freed place goes to the first on the waiting list as an offer that expires; it never
//! returns to the pool while someone waits.

pub use super::attendance::{attendees_by_year, mark, walk_in};
use super::model::{Audience, BookingState, Person, Via};
pub use super::sessions::{SessionView, courses, session, sessions};
pub(super) use crate::applications::store::stamp;
use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use sqlx::Row as _;
use time::OffsetDateTime;

/// How long an offered place waits for an answer (shorter when the session is sooner).
pub const OFFER_HOURS: i64 = 24;

impl From<CourseError> for crate::error::AppError {
    fn from(e: CourseError) -> Self {
        match e {
            CourseError::NotFound => crate::error::AppError::NotFound,
            CourseError::Refused(m) => crate::error::AppError::BadRequest(m),
            CourseError::Db(e) => crate::error::AppError::Internal(e.into()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    #[error("{0}")]
    Refused(String),
    #[error("見つかりません")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

pub struct NewCourse<'a> {
    pub title: &'a str,
    pub audience: Audience,
    pub topic: &'a str,
    /// はじめての方 / 少し使える方 … (free text, may be empty).
    pub level: &'a str,
}

pub struct NewSession<'a> {
    pub course_id: i64,
    /// RFC 3339 (JST offsets as typed by staff).
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub place: &'a str,
    pub capacity: i64,
}

#[derive(Debug, Clone)]
pub struct Booking {
    pub id: i64,
    pub session_id: i64,
    pub number: String,
    pub state: BookingState,
    pub name: String,
    pub kana: String,
    pub phone: String,
    pub age_band: String,
    pub via: Via,
    pub offer_expires_at: String,
    /// On the waiting list: 1 for the next in line.
    pub position: Option<i64>,
}

pub async fn create_course(db: &Db, c: &NewCourse<'_>, actor: &Actor) -> Result<i64, CourseError> {
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO courses (title, audience, topic, level, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(c.title.trim())
    .bind(c.audience.code())
    .bind(c.topic.trim())
    .bind(c.level.trim())
    .bind(crate::db::now_text())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "course.create",
            entity: "course",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "title": c.title, "audience": c.audience.code() })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn create_session(
    db: &Db,
    s: &NewSession<'_>,
    actor: &Actor,
) -> Result<i64, CourseError> {
    if s.capacity < 1 {
        return Err(CourseError::Refused("定員は1人以上にしてください".into()));
    }
    if s.ends_at <= s.starts_at {
        return Err(CourseError::Refused(
            "終わりの時刻は始まりより後にしてください".into(),
        ));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO course_sessions (course_id, starts_at, ends_at, place, capacity) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(s.course_id)
    .bind(stamp(s.starts_at))
    .bind(stamp(s.ends_at))
    .bind(s.place.trim())
    .bind(s.capacity)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "course.session",
            entity: "course_session",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "course": s.course_id, "capacity": s.capacity })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Places taken and the capacity of a session.
pub async fn places(db: &Db, session_id: i64) -> Result<(i64, i64), CourseError> {
    let r = sqlx::query("SELECT taken, capacity FROM course_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_optional(&mut *db.conn().await?)
        .await?
        .ok_or(CourseError::NotFound)?;
    Ok((r.try_get("taken")?, r.try_get("capacity")?))
}

/// Books a place, or a place on the waiting list when the session is full. Returns the booking
/// and the token for its cancellation link.
pub async fn book(
    db: &Db,
    session_id: i64,
    person: &Person,
    via: Via,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<(Booking, String), CourseError> {
    let mut tx = db.begin().await?;
    lock_session(&mut tx, session_id).await?;
    let s = sqlx::query("SELECT starts_at, status FROM course_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(CourseError::NotFound)?;
    let status: String = s.try_get("status")?;
    let starts_at: String = s.try_get("starts_at")?;
    if status == "cancelled" {
        return Err(CourseError::Refused(
            "この回は中止になりました。ほかの日の回をお選びください".into(),
        ));
    }
    if starts_at <= stamp(now) || status == "held" {
        return Err(CourseError::Refused(
            "この回はもう始まっているか、終わっています。ほかの日の回をお選びください".into(),
        ));
    }
    let same = sqlx::query(
        "SELECT number FROM course_bookings WHERE session_id = $1 AND REPLACE(phone, '-', '') = $2 AND state IN ('booked', 'waiting', 'offered')",
    )
    .bind(session_id)
    // The same number however it was written (090-1111-2222, 09011112222).
    .bind(person.phone.chars().filter(char::is_ascii_digit).collect::<String>())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(r) = same {
        let n: String = r.try_get("number")?;
        return Err(CourseError::Refused(format!(
            "この電話番号で、この回の予約がすでにあります(予約番号 {n})"
        )));
    }
    let placed = sqlx::query(
        "UPDATE course_sessions SET taken = taken + 1 WHERE id = $1 AND taken < capacity AND status = 'planned'",
    )
    .bind(session_id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    let state = if placed {
        BookingState::Booked
    } else {
        BookingState::Waiting
    };
    let (id, token) = insert_booking(&mut tx, session_id, person, via, state, now).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "course.book",
            entity: "course_booking",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "session": session_id, "state": state.code(), "via": via.code() })),
            note: "",
        },
    )
    .await?;
    let booking = read(&mut tx, id).await?;
    tx.commit().await?;
    Ok((booking, token))
}

/// Writes a booking row; its number comes from its id (short enough to say on the phone).
/// Returns the id and the token for the booking's own page.
pub(super) async fn insert_booking(
    tx: &mut Tx,
    session_id: i64,
    person: &Person,
    via: Via,
    state: BookingState,
    now: OffsetDateTime,
) -> Result<(i64, String), CourseError> {
    let token = crate::auth::secret::random_token();
    let id: i64 = sqlx::query(
        "INSERT INTO course_bookings (session_id, number, token_hash, name, kana, phone, age_band, booked_via, state, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(session_id)
    // A unique placeholder until the id is known.
    .bind(format!("pending-{token}"))
    .bind(crate::auth::secret::token_hash(&token))
    .bind(&person.name)
    .bind(&person.kana)
    .bind(&person.phone)
    .bind(&person.age_band)
    .bind(via.code())
    .bind(state.code())
    .bind(stamp(now))
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    sqlx::query("UPDATE course_bookings SET number = $1 WHERE id = $2")
        .bind(format!("{id:05}"))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok((id, token))
}

/// A booking by number, read under its session's lock (what it is now, not before another
/// change to the session finished).
pub(super) async fn locked(tx: &mut Tx, number: &str) -> Result<Booking, CourseError> {
    let id = id_of(tx, number).await?;
    locked_by_id(tx, id).await
}

async fn locked_by_id(tx: &mut Tx, id: i64) -> Result<Booking, CourseError> {
    let session_id = read(tx, id).await?.session_id;
    lock_session(tx, session_id).await?;
    read(tx, id).await
}

/// Takes the session's row lock for the rest of the transaction, so that one session's bookings
/// are decided one at a time on PostgreSQL too (SQLite's writers already are): the waiting list's
/// positions, the same-phone check and the offers then see every earlier booking.
pub(super) async fn lock_session(tx: &mut Tx, session_id: i64) -> Result<(), CourseError> {
    let n = sqlx::query("UPDATE course_sessions SET version = version + 1 WHERE id = $1")
        .bind(session_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n == 1 {
        Ok(())
    } else {
        Err(CourseError::NotFound)
    }
}

pub(super) async fn id_of(tx: &mut Tx, number: &str) -> Result<i64, CourseError> {
    Ok(
        sqlx::query("SELECT id FROM course_bookings WHERE number = $1")
            .bind(number)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(CourseError::NotFound)?
            .try_get("id")?,
    )
}

pub(super) async fn read(tx: &mut Tx, id: i64) -> Result<Booking, CourseError> {
    let r = sqlx::query(
        "SELECT id, session_id, number, state, name, kana, phone, age_band, booked_via, offer_expires_at FROM course_bookings WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(CourseError::NotFound)?;
    let state =
        BookingState::parse(&r.try_get::<String, _>("state")?).unwrap_or(BookingState::Cancelled);
    let session_id: i64 = r.try_get("session_id")?;
    let position = if state == BookingState::Waiting {
        let n: i64 = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM course_bookings WHERE session_id = $1 AND state = 'waiting' AND id <= $2",
        )
        .bind(session_id)
        .bind(id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?;
        Some(n)
    } else {
        None
    };
    Ok(Booking {
        id,
        session_id,
        number: r.try_get("number")?,
        state,
        name: r.try_get("name")?,
        kana: r.try_get("kana")?,
        phone: r.try_get("phone")?,
        age_band: r.try_get("age_band")?,
        via: Via::parse(&r.try_get::<String, _>("booked_via")?).unwrap_or(Via::Web),
        offer_expires_at: r
            .try_get::<Option<String>, _>("offer_expires_at")?
            .unwrap_or_default(),
        position,
    })
}

pub async fn booking(db: &Db, number: &str) -> Result<Booking, CourseError> {
    let mut tx = db.begin().await?;
    let id = id_of(&mut tx, number).await?;
    let b = read(&mut tx, id).await?;
    tx.commit().await?;
    Ok(b)
}

/// Moves a booking to `to` and records it.
pub(super) async fn set_state(
    tx: &mut Tx,
    b: &Booking,
    to: BookingState,
    expires: Option<String>,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<(), CourseError> {
    sqlx::query(
        "UPDATE course_bookings SET state = $1, offer_expires_at = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(to.code())
    .bind(expires)
    .bind(stamp(now))
    .bind(b.id)
    .execute(&mut **tx)
    .await?;
    audit::record(
        tx,
        actor,
        Change {
            action: "course.booking_state",
            entity: "course_booking",
            entity_id: &b.id.to_string(),
            before: Some(serde_json::json!({ "state": b.state.code() })),
            after: Some(serde_json::json!({ "state": to.code() })),
            note: "",
        },
    )
    .await?;
    Ok(())
}

/// A place was freed: offer it to the first on the waiting list, or give it back.
pub(super) async fn pass_on(
    tx: &mut Tx,
    session_id: i64,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<Option<Booking>, CourseError> {
    let next = sqlx::query(
        "SELECT id FROM course_bookings WHERE session_id = $1 AND state = 'waiting' ORDER BY id LIMIT 1",
    )
    .bind(session_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(next) = next else {
        sqlx::query("UPDATE course_sessions SET taken = taken - 1 WHERE id = $1 AND taken > 0")
            .bind(session_id)
            .execute(&mut **tx)
            .await?;
        return Ok(None);
    };
    let b = read(tx, next.try_get("id")?).await?;
    let starts: String = sqlx::query("SELECT starts_at FROM course_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("starts_at")?;
    // The offer ends a day later, or two hours before the session, whichever is first.
    let mut expires = stamp(now + time::Duration::hours(OFFER_HOURS));
    if let Ok(s) = OffsetDateTime::parse(&starts, &time::format_description::well_known::Rfc3339) {
        expires = expires.min(stamp(s - time::Duration::hours(2)));
    }
    set_state(tx, &b, BookingState::Offered, Some(expires), now, actor).await?;
    read(tx, b.id).await.map(Some)
}

/// Cancels a booking or a place on the waiting list; a freed place is offered to the next.
/// Returns the booking offered the place, if any (staff phone them).
pub async fn cancel(
    db: &Db,
    number: &str,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<Option<Booking>, CourseError> {
    let mut tx = db.begin().await?;
    let b = locked(&mut tx, number).await?;
    if !b.state.is_active() {
        return Err(CourseError::Refused(format!(
            "予約番号 {} は「{}」のため、取り消せません",
            b.number,
            b.state.label()
        )));
    }
    set_state(&mut tx, &b, BookingState::Cancelled, None, now, actor).await?;
    let offered = if b.state.holds_place() {
        pass_on(&mut tx, b.session_id, now, actor).await?
    } else {
        None
    };
    tx.commit().await?;
    Ok(offered)
}

/// The offered person takes the place (by the link, or staff on the phone).
pub async fn accept(
    db: &Db,
    number: &str,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<Booking, CourseError> {
    let mut tx = db.begin().await?;
    let b = locked(&mut tx, number).await?;
    let id = b.id;
    if b.state != BookingState::Offered || b.offer_expires_at <= stamp(now) {
        return Err(CourseError::Refused(
            "空きのご案内の期限が過ぎたか、ご案内していない予約です".into(),
        ));
    }
    set_state(&mut tx, &b, BookingState::Booked, None, now, actor).await?;
    let b = read(&mut tx, id).await?;
    tx.commit().await?;
    Ok(b)
}

/// Offers nobody answered in time lapse, and their places go to the next in line (the job).
pub async fn lapse_offers(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<usize, CourseError> {
    let mut tx = db.begin().await?;
    let ids: Vec<i64> = sqlx::query(
        "SELECT id FROM course_bookings WHERE state = 'offered' AND offer_expires_at <= $1 ORDER BY id",
    )
    .bind(stamp(now))
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<_, _>>()?;
    let mut lapsed = 0;
    for id in &ids {
        let b = locked_by_id(&mut tx, *id).await?;
        if b.state != BookingState::Offered {
            continue;
        }
        set_state(&mut tx, &b, BookingState::Lapsed, None, now, actor).await?;
        pass_on(&mut tx, b.session_id, now, actor).await?;
        lapsed += 1;
    }
    tx.commit().await?;
    Ok(lapsed)
}

/// A session's bookings in the order they came (the waiting list's order).
pub async fn bookings(db: &Db, session_id: i64) -> Result<Vec<Booking>, CourseError> {
    let mut tx = db.begin().await?;
    let ids: Vec<i64> =
        sqlx::query("SELECT id FROM course_bookings WHERE session_id = $1 ORDER BY id")
            .bind(session_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for id in ids {
        out.push(read(&mut tx, id).await?);
    }
    tx.commit().await?;
    Ok(out)
}

/// The booking a cancellation link opens.
pub async fn by_token(db: &Db, token: &str) -> Result<Booking, CourseError> {
    let row = sqlx::query("SELECT number FROM course_bookings WHERE token_hash = $1")
        .bind(crate::auth::secret::token_hash(token))
        .fetch_optional(&mut *db.conn().await?)
        .await?
        .ok_or(CourseError::NotFound)?;
    booking(db, &row.try_get::<String, _>("number")?).await
}
