//! Files attached to a register row — a flyer, a screenshot of a post, a plan as PDF — for the
//! registers whose file says `attachments = true`. The bytes are kept in the town's database with
//! the row (deleted, backed up and restored with it); the type is sniffed from the bytes and only
//! images and PDF are taken; each file keeps its SHA-256.

use super::definition::RegisterDef;
use super::store::StoreError;
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use crate::filetype;
use serde_json::json;
use sqlx::Row as _;

/// Largest file attached to a row.
pub const MAX_FILE: usize = 10 * 1024 * 1024;
/// Most files one row holds.
pub const MAX_PER_ROW: i64 = 20;

/// A stored file, without its bytes.
#[derive(Debug, Clone)]
pub struct Attached {
    pub id: i64,
    pub row_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub public: bool,
    pub created_at: String,
    pub created_by: String,
}

impl Attached {
    pub fn size_words(&self) -> String {
        filetype::size_words(self.size)
    }
    /// 画像 or PDF, as a clerk says it.
    pub fn kind_words(&self) -> &'static str {
        if self.content_type == "application/pdf" {
            "PDF"
        } else {
            "画像"
        }
    }
}

/// The columns of a file without its bytes (a macro, so queries stay literal text).
macro_rules! columns {
    () => {
        "id, row_id, file_name, content_type, size, sha256, public, created_at, created_by"
    };
}

fn attached(r: &sqlx::any::AnyRow) -> Result<Attached, sqlx::Error> {
    Ok(Attached {
        id: r.try_get("id")?,
        row_id: r.try_get("row_id")?,
        file_name: r.try_get("file_name")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        public: r.try_get::<i64, _>("public")? != 0,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
    })
}

/// The files of every row of a register, oldest first.
pub async fn of_register(db: &Db, def: &RegisterDef) -> Result<Vec<Attached>, StoreError> {
    let found = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM register_files WHERE register_key = $1 ORDER BY id"
    ))
    .bind(&def.key)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    Ok(found.iter().map(attached).collect::<Result<_, _>>()?)
}

/// The files of one row, oldest first.
pub async fn of_row(db: &Db, def: &RegisterDef, row_id: i64) -> Result<Vec<Attached>, StoreError> {
    let found = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM register_files WHERE register_key = $1 AND row_id = $2 ORDER BY id"
    ))
    .bind(&def.key)
    .bind(row_id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    Ok(found.iter().map(attached).collect::<Result<_, _>>()?)
}

/// A file with its bytes.
pub async fn get(
    db: &Db,
    def: &RegisterDef,
    row_id: i64,
    id: i64,
) -> Result<(Attached, Vec<u8>), StoreError> {
    let r = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        ", content FROM register_files
         WHERE register_key = $1 AND row_id = $2 AND id = $3"
    ))
    .bind(&def.key)
    .bind(row_id)
    .bind(id)
    .fetch_optional(&mut *db.conn().await?)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok((attached(&r)?, r.try_get("content")?))
}

/// The file name kept and offered back: no folders, no control or reserved characters.
fn clean_name(name: &str, ext: &str) -> String {
    let name = filetype::clean_file_name(name);
    if name == "file" {
        format!("添付.{ext}")
    } else {
        name
    }
}

/// Attaches a file to a row. Refused, with the reason in Japanese: a register that takes no
/// files, a type other than an image or PDF, an empty or too large file, a full row.
pub async fn attach(
    db: &Db,
    def: &RegisterDef,
    row_id: i64,
    (name, bytes): (&str, &[u8]),
    public: bool,
    actor: &Actor,
) -> Result<Attached, StoreError> {
    let refuse = |m: String| Err(StoreError::Invalid(vec![m]));
    if !def.attachments {
        return refuse("この台帳にはファイルを添付できません".into());
    }
    if bytes.is_empty() {
        return refuse("添付するファイルを選んでください".into());
    }
    if bytes.len() > MAX_FILE {
        return refuse(format!(
            "「{}」は大きすぎます({})。{}MBまでにしてください",
            clean_name(name, "bin"),
            filetype::size_words(bytes.len() as i64),
            MAX_FILE / 1024 / 1024
        ));
    }
    let Some(kind) = filetype::image_or_pdf(bytes) else {
        return refuse(format!(
            "「{}」は添付できない種類のファイルです。PDF か画像(PNG・JPEG・GIF・WebP)にしてください",
            clean_name(name, "bin")
        ));
    };
    let file_name = clean_name(name, kind.ext);
    let sha256 = filetype::sha256_hex(bytes);
    let now = now_text();
    let mut tx = db.begin().await?;
    // The row must still be there, and not already full.
    let there: Option<i64> =
        sqlx::query_scalar("SELECT id FROM register_rows WHERE id = $1 AND register_key = $2")
            .bind(row_id)
            .bind(&def.key)
            .fetch_optional(&mut *tx)
            .await?;
    if there.is_none() {
        return Err(StoreError::NotFound);
    }
    let held: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM register_files WHERE register_key = $1 AND row_id = $2",
    )
    .bind(&def.key)
    .bind(row_id)
    .fetch_one(&mut *tx)
    .await?;
    if held >= MAX_PER_ROW {
        return refuse(format!(
            "1行に添付できるファイルは{MAX_PER_ROW}件までです。不要なファイルを外してから添付してください"
        ));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO register_files (register_key, row_id, file_name, content_type, size, sha256, public, content, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&def.key)
    .bind(row_id)
    .bind(&file_name)
    .bind(kind.mime)
    .bind(bytes.len() as i64)
    .bind(&sha256)
    .bind(i64::from(public))
    .bind(bytes)
    .bind(&now)
    .bind(&actor.username)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let record = json!({
        "file_name": file_name, "content_type": kind.mime, "size": bytes.len(),
        "sha256": sha256, "public": public,
    });
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "register.attach",
            entity: "register",
            entity_id: &format!("{}/{row_id}", def.key),
            before: None,
            after: Some(record),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Attached {
        id,
        row_id,
        file_name,
        content_type: kind.mime.into(),
        size: bytes.len() as i64,
        sha256,
        public,
        created_at: now,
        created_by: actor.username.clone(),
    })
}

/// Removes a file from a row (the audit log keeps its name and digest).
pub async fn detach(
    db: &Db,
    def: &RegisterDef,
    row_id: i64,
    id: i64,
    actor: &Actor,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let r = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM register_files WHERE register_key = $1 AND row_id = $2 AND id = $3"
    ))
    .bind(&def.key)
    .bind(row_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let gone = attached(&r)?;
    sqlx::query("DELETE FROM register_files WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "register.detach",
            entity: "register",
            entity_id: &format!("{}/{row_id}", def.key),
            before: Some(json!({
                "file_name": gone.file_name, "content_type": gone.content_type,
                "size": gone.size, "sha256": gone.sha256, "public": gone.public,
            })),
            after: None,
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a row's files with the row (inside the row's delete transaction).
pub async fn delete_with_row(
    tx: &mut sqlx::AnyConnection,
    def: &RegisterDef,
    row_id: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM register_files WHERE register_key = $1 AND row_id = $2")
            .bind(&def.key)
            .bind(row_id)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
    )
}

/// A file marked public, with its bytes.
pub async fn get_public(
    db: &Db,
    def: &RegisterDef,
    id: i64,
) -> Result<(Attached, Vec<u8>), StoreError> {
    let r = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        ", content FROM register_files
         WHERE register_key = $1 AND id = $2 AND public = 1"
    ))
    .bind(&def.key)
    .bind(id)
    .fetch_optional(&mut *db.conn().await?)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok((attached(&r)?, r.try_get("content")?))
}
