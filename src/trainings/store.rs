//! Trainings, their sessions, attendance and materials.

use super::directory::Member;
use super::model::{Category, Kind, Status, Target, Via};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use crate::fiscal::FiscalYear;
use sqlx::Row as _;
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum TrainingError {
    #[error("{0}")]
    Refused(String),
    #[error("見つかりません")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<TrainingError> for crate::error::AppError {
    fn from(e: TrainingError) -> Self {
        match e {
            TrainingError::NotFound => crate::error::AppError::NotFound,
            TrainingError::Refused(m) => crate::error::AppError::BadRequest(m),
            TrainingError::Db(e) => crate::error::AppError::Internal(e.into()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Training {
    pub id: i64,
    pub title: String,
    pub category: Category,
    pub kind: Kind,
    pub fiscal_year: FiscalYear,
    pub target: Target,
    pub required: bool,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub training_id: i64,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub place: String,
    pub self_code: String,
}

/// A person's recorded status for a training.
#[derive(Debug, Clone)]
pub struct Attendance {
    pub training_id: i64,
    pub staff_id: i64,
    pub session_id: Option<i64>,
    pub status: Status,
    pub reason: String,
    pub via: String,
    pub completed_on: String,
}

fn training(r: &sqlx::any::AnyRow) -> Result<Training, sqlx::Error> {
    let bad = |what: &str, v: String| sqlx::Error::Decode(format!("{what}: {v}").into());
    let category: String = r.try_get("category")?;
    let kind: String = r.try_get("kind")?;
    let target: String = r.try_get("target")?;
    let value: String = r.try_get("target_value")?;
    Ok(Training {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        category: Category::parse(&category).ok_or_else(|| bad("category", category))?,
        kind: Kind::parse(&kind).ok_or_else(|| bad("kind", kind))?,
        fiscal_year: FiscalYear(r.try_get::<i64, _>("fiscal_year")? as i32),
        target: Target::parse(&target, &value).ok_or_else(|| bad("target", target))?,
        required: r.try_get::<i64, _>("required")? != 0,
        description: r.try_get("description")?,
    })
}

const TRAINING: &str = "SELECT id, title, category, kind, fiscal_year, target, target_value, required, description FROM trainings";

pub async fn trainings(db: &Db, year: Option<FiscalYear>) -> Result<Vec<Training>, sqlx::Error> {
    let mut conn = db.conn().await?;
    let rows = match year {
        Some(y) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{TRAINING} WHERE fiscal_year = $1 ORDER BY id"
            )))
            .bind(i64::from(y.0))
            .fetch_all(&mut *conn)
            .await?
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{TRAINING} ORDER BY fiscal_year DESC, id"
            )))
            .fetch_all(&mut *conn)
            .await?
        }
    };
    rows.iter().map(training).collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Training, TrainingError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{TRAINING} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *db.conn().await?)
        .await?
        .ok_or(TrainingError::NotFound)?;
    Ok(training(&row)?)
}

pub struct NewTraining<'a> {
    pub title: &'a str,
    pub category: Category,
    pub kind: Kind,
    pub fiscal_year: FiscalYear,
    pub target: Target,
    pub required: bool,
    pub description: &'a str,
}

pub async fn create(db: &Db, t: &NewTraining<'_>, actor: &Actor) -> Result<i64, TrainingError> {
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO trainings (title, category, kind, fiscal_year, target, target_value, required,
         description, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(t.title.trim())
    .bind(t.category.code())
    .bind(t.kind.code())
    .bind(i64::from(t.fiscal_year.0))
    .bind(t.target.code())
    .bind(t.target.value())
    .bind(i64::from(t.required))
    .bind(t.description.trim())
    .bind(crate::db::now_text())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "training.create",
            entity: "training",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "title": t.title, "category": t.category.code(), "kind": t.kind.code(),
                "fiscal_year": t.fiscal_year.0, "target": t.target.describe(), "required": t.required
            })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn session(r: &sqlx::any::AnyRow) -> Result<Session, sqlx::Error> {
    let at = |c: &str| -> Result<OffsetDateTime, sqlx::Error> {
        let s: String = r.try_get(c)?;
        OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339)
            .map_err(|e| sqlx::Error::Decode(e.into()))
    };
    Ok(Session {
        id: r.try_get("id")?,
        training_id: r.try_get("training_id")?,
        starts_at: at("starts_at")?,
        ends_at: at("ends_at")?,
        place: r.try_get("place")?,
        self_code: r.try_get("self_code")?,
    })
}

const SESSION: &str =
    "SELECT id, training_id, starts_at, ends_at, place, self_code FROM training_sessions";

pub async fn sessions(db: &Db, training_id: i64) -> Result<Vec<Session>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SESSION} WHERE training_id = $1 ORDER BY starts_at"
    )))
    .bind(training_id)
    .fetch_all(&mut *db.conn().await?)
    .await?
    .iter()
    .map(session)
    .collect()
}

/// How many sessions each training of a 年度 has (one query, for the list).
pub async fn session_counts(
    db: &Db,
    year: FiscalYear,
) -> Result<std::collections::HashMap<i64, usize>, sqlx::Error> {
    sqlx::query(
        "SELECT s.training_id, CAST(COUNT(*) AS BIGINT) AS n FROM training_sessions s
         JOIN trainings t ON t.id = s.training_id WHERE t.fiscal_year = $1 GROUP BY s.training_id",
    )
    .bind(i64::from(year.0))
    .fetch_all(&mut *db.conn().await?)
    .await?
    .into_iter()
    .map(|r| {
        Ok((
            r.try_get("training_id")?,
            r.try_get::<i64, _>("n")? as usize,
        ))
    })
    .collect()
}

pub async fn session_by_code(db: &Db, code: &str) -> Result<Session, TrainingError> {
    session_where(db, "self_code = $1", code.to_string()).await
}

/// One session by a column of its own.
async fn session_where<T>(
    db: &Db,
    condition: &'static str,
    value: T,
) -> Result<Session, TrainingError>
where
    T: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SESSION} WHERE {condition}")))
        .bind(value)
        .fetch_optional(&mut *db.conn().await?)
        .await?
        .ok_or(TrainingError::NotFound)?;
    Ok(session(&row)?)
}

pub async fn add_session(
    db: &Db,
    training: &Training,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    place: &str,
    actor: &Actor,
) -> Result<i64, TrainingError> {
    if ends_at <= starts_at {
        return Err(TrainingError::Refused(
            "終わりの時刻は始まりより後にしてください".into(),
        ));
    }
    let day = crate::fiscal::jst_day_of(starts_at);
    if FiscalYear::of_date(day) != training.fiscal_year {
        return Err(TrainingError::Refused(format!(
            "この研修は{}の研修です。{}の日付にしてください",
            training.fiscal_year.wareki(),
            training.fiscal_year.wareki()
        )));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO training_sessions (training_id, starts_at, ends_at, place, self_code, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(training.id)
    .bind(crate::applications::store::stamp(starts_at))
    .bind(crate::applications::store::stamp(ends_at))
    .bind(place.trim())
    .bind(crate::auth::secret::random_token())
    .bind(crate::db::now_text())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "training.session",
            entity: "training_session",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "training": training.id, "place": place })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn attendance(r: &sqlx::any::AnyRow) -> Result<Attendance, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(Attendance {
        training_id: r.try_get("training_id")?,
        staff_id: r.try_get("staff_id")?,
        session_id: r.try_get("session_id")?,
        status: Status::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("status: {status}").into()))?,
        reason: r.try_get("reason")?,
        via: r.try_get("via")?,
        completed_on: r.try_get("completed_on")?,
    })
}

/// Every attendance of the trainings of a 年度 (all 年度 when `None`).
pub async fn attendances(
    db: &Db,
    year: Option<FiscalYear>,
) -> Result<Vec<Attendance>, sqlx::Error> {
    let sql =
        "SELECT a.training_id, a.staff_id, a.session_id, a.status, a.reason, a.via, a.completed_on
               FROM training_attendance a JOIN trainings t ON t.id = a.training_id";
    let mut conn = db.conn().await?;
    let rows = match year {
        Some(y) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{sql} WHERE t.fiscal_year = $1"
            )))
            .bind(i64::from(y.0))
            .fetch_all(&mut *conn)
            .await?
        }
        None => sqlx::query(sql).fetch_all(&mut *conn).await?,
    };
    rows.iter().map(attendance).collect()
}

/// One status to record.
pub struct Mark<'a> {
    pub training: &'a Training,
    pub staff_id: i64,
    pub session_id: Option<i64>,
    pub status: Status,
    pub reason: &'a str,
    pub via: Via,
    pub completed_on: &'a str,
}

/// Records (or corrects) a person's status for a training, inside a transaction. Someone who
/// took the training at one session is not made absent by another session's list.
pub(super) async fn put(tx: &mut Tx, m: &Mark<'_>, actor: &Actor) -> Result<bool, TrainingError> {
    if m.status == Status::Excused && m.reason.trim().is_empty() {
        return Err(TrainingError::Refused(
            "免除には理由を入力してください(例: 育児休業中、他の研修で代替)".into(),
        ));
    }
    let before = sqlx::query(
        "SELECT training_id, staff_id, session_id, status, reason, via, completed_on
         FROM training_attendance WHERE training_id = $1 AND staff_id = $2",
    )
    .bind(m.training.id)
    .bind(m.staff_id)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| attendance(&r))
    .transpose()?;
    if let Some(b) = &before {
        if b.status == m.status && b.session_id == m.session_id && b.reason == m.reason.trim() {
            return Ok(false);
        }
        if b.status.taken() && !m.status.taken() && b.session_id != m.session_id {
            return Ok(false);
        }
    }
    let now = crate::db::now_text();
    if before.is_some() {
        sqlx::query(
            "UPDATE training_attendance SET session_id = $1, status = $2, reason = $3, via = $4,
             completed_on = $5, recorded_by = $6, recorded_at = $7
             WHERE training_id = $8 AND staff_id = $9",
        )
        .bind(m.session_id)
        .bind(m.status.code())
        .bind(m.reason.trim())
        .bind(m.via.code())
        .bind(m.completed_on)
        .bind(&actor.username)
        .bind(&now)
        .bind(m.training.id)
        .bind(m.staff_id)
        .execute(&mut **tx)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO training_attendance (training_id, staff_id, session_id, status, reason, via,
             completed_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(m.training.id)
        .bind(m.staff_id)
        .bind(m.session_id)
        .bind(m.status.code())
        .bind(m.reason.trim())
        .bind(m.via.code())
        .bind(m.completed_on)
        .bind(&actor.username)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    }
    audit::record(
        tx,
        actor,
        Change {
            action: "training.attendance",
            entity: "training_attendance",
            entity_id: &format!("{}:{}", m.training.id, m.staff_id),
            before: before.map(|b| serde_json::json!({ "status": b.status.code() })),
            after: Some(serde_json::json!({
                "status": m.status.code(), "session": m.session_id, "via": m.via.code(),
                "reason": m.reason.trim()
            })),
            note: "",
        },
    )
    .await?;
    Ok(true)
}

/// Records the statuses given for a session's list, all or nothing.
pub async fn mark_all(db: &Db, marks: &[Mark<'_>], actor: &Actor) -> Result<usize, TrainingError> {
    let mut tx = db.begin().await?;
    let mut n = 0;
    for m in marks {
        if put(&mut tx, m, actor).await? {
            n += 1;
        }
    }
    tx.commit().await?;
    Ok(n)
}

/// A member of staff marks themselves present by the session's QR code: from 30 minutes before
/// the start to the end; 遅刻 after the first 15 minutes.
pub async fn mark_self(
    db: &Db,
    session: &Session,
    me: &Member,
    now: OffsetDateTime,
    actor: &Actor,
) -> Result<Status, TrainingError> {
    let opens = session.starts_at - time::Duration::minutes(30);
    if now < opens {
        return Err(TrainingError::Refused(
            "出席の記録は研修の始まる30分前からできます".into(),
        ));
    }
    if now > session.ends_at {
        return Err(TrainingError::Refused(
            "この研修の回は終わっています。出席の記録は担当者に伝えてください".into(),
        ));
    }
    let status = if now > session.starts_at + time::Duration::minutes(15) {
        Status::Late
    } else {
        Status::Present
    };
    let training = get(db, session.training_id).await?;
    let mut tx = db.begin().await?;
    put(
        &mut tx,
        &Mark {
            training: &training,
            staff_id: me.id,
            session_id: Some(session.id),
            status,
            reason: "",
            via: Via::SelfMarked,
            completed_on: "",
        },
        actor,
    )
    .await?;
    tx.commit().await?;
    Ok(status)
}

/// A material attached to a training.
#[derive(Debug, Clone)]
pub struct Material {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

pub const MAX_MATERIAL: usize = 20 * 1024 * 1024;

pub async fn attach(
    db: &Db,
    training_id: i64,
    file_name: &str,
    bytes: &[u8],
    actor: &Actor,
) -> Result<i64, TrainingError> {
    let name = crate::filetype::clean_file_name(file_name);
    if bytes.is_empty() || name.is_empty() {
        return Err(TrainingError::Refused(
            "添付する資料のファイルを選んでください".into(),
        ));
    }
    let content_type = material_type(&name, bytes).ok_or_else(|| {
        TrainingError::Refused(format!(
            "「{name}」は資料として添付できない種類のファイルです(PDF、画像、Word・Excel・PowerPoint、テキストにしてください)"
        ))
    })?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO training_materials (training_id, file_name, content_type, size, content,
         uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(training_id)
    .bind(&name)
    .bind(content_type)
    .bind(bytes.len() as i64)
    .bind(bytes)
    .bind(crate::db::now_text())
    .bind(&actor.username)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "training.material",
            entity: "training_material",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "training": training_id, "file": name,
                "sha256": crate::filetype::sha256_hex(bytes)
            })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The type a material is served as: sniffed for PDF and images, by name for office files and
/// text (which are downloaded, never shown in the page).
fn material_type(name: &str, bytes: &[u8]) -> Option<&'static str> {
    if let Some(s) = crate::filetype::image_or_pdf(bytes) {
        return Some(s.mime);
    }
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    let zip = bytes.starts_with(b"PK\x03\x04");
    match ext.as_str() {
        "docx" if zip => {
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        }
        "xlsx" if zip => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "pptx" if zip => {
            Some("application/vnd.openxmlformats-officedocument.presentationml.presentation")
        }
        "txt" | "csv" if std::str::from_utf8(bytes).is_ok() => Some("text/plain; charset=utf-8"),
        _ => None,
    }
}

pub async fn materials(db: &Db, training_id: i64) -> Result<Vec<Material>, sqlx::Error> {
    sqlx::query(
        "SELECT id, file_name, content_type, size FROM training_materials WHERE training_id = $1 ORDER BY id",
    )
    .bind(training_id)
    .fetch_all(&mut *db.conn().await?)
    .await?
    .into_iter()
    .map(|r| {
        Ok(Material {
            id: r.try_get("id")?,
            file_name: r.try_get("file_name")?,
            content_type: r.try_get("content_type")?,
            size: r.try_get("size")?,
        })
    })
    .collect()
}

pub async fn material(
    db: &Db,
    training_id: i64,
    id: i64,
) -> Result<(Material, Vec<u8>), TrainingError> {
    let r = sqlx::query(
        "SELECT id, file_name, content_type, size, content FROM training_materials
         WHERE id = $1 AND training_id = $2",
    )
    .bind(id)
    .bind(training_id)
    .fetch_optional(&mut *db.conn().await?)
    .await?
    .ok_or(TrainingError::NotFound)?;
    Ok((
        Material {
            id: r.try_get("id")?,
            file_name: r.try_get("file_name")?,
            content_type: r.try_get("content_type")?,
            size: r.try_get("size")?,
        },
        r.try_get("content")?,
    ))
}

pub async fn session_by_id(db: &Db, id: i64) -> Result<Session, TrainingError> {
    session_where(db, "id = $1", id).await
}
