//! Files an applicant attaches: images or PDF only (the type is read from the bytes, never from
//! the name), size-limited, kept with their SHA-256 in the town's database, and shown only to
//! staff who handle the application — never served back to the public.

use super::model::State;
use super::store::{AppStoreError, stamp};
use crate::db::Db;
use sqlx::Row;

/// The largest file an applicant can attach (a phone photo or a scanned page).
pub const MAX_FILE: usize = 10 * 1024 * 1024;
/// Files per application.
pub const MAX_FILES: i64 = 10;

#[derive(Debug, Clone)]
pub struct FileInfo {
    pub id: i64,
    pub slot: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

impl FileInfo {
    pub fn size_words(&self) -> String {
        crate::filetype::size_words(self.size)
    }
}

/// The name as the applicant's device called it, kept only as a label.
fn clean_name(name: &str, ext: &str) -> String {
    match crate::filetype::clean_file_name(name).as_str() {
        "file" => format!("添付ファイル.{ext}"),
        n => n.to_string(),
    }
}

/// Checks and stores one file for `slot` (an attachment of the form), replacing none.
pub async fn attach(
    db: &Db,
    id: i64,
    slot: &str,
    name: &str,
    bytes: &[u8],
) -> Result<i64, AppStoreError> {
    if bytes.len() > MAX_FILE {
        return Err(AppStoreError::Refused(format!(
            "ファイルが大きすぎます(このファイルは{})。{}MBまでにしてください(写真は画質を下げるか、1ページずつ送ってください)。",
            crate::filetype::size_words(bytes.len() as i64),
            MAX_FILE / 1024 / 1024
        )));
    }
    let Some(kind) = crate::filetype::image_or_pdf(bytes) else {
        return Err(AppStoreError::Refused(format!(
            "「{}」は画像(JPEG・PNG・GIF・WebP)またはPDFではありません。写真やPDFにして送ってください。",
            clean_name(name, "bin")
        )));
    };
    let mut tx = db.begin().await?;
    let row = sqlx::query("SELECT state, purged_at FROM applications WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppStoreError::Refused("申請が見つかりません".into()))?;
    let state = State::parse(&row.try_get::<String, _>("state")?).unwrap_or(State::Draft);
    if !state.applicant_may_edit() || row.try_get::<Option<String>, _>("purged_at")?.is_some() {
        return Err(AppStoreError::Refused(
            "この申請にはいまファイルを追加できません".into(),
        ));
    }
    let n: i64 = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM application_files WHERE application_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if n >= MAX_FILES {
        return Err(AppStoreError::Refused(format!(
            "添付できるファイルは{MAX_FILES}個までです。不要なものを削除してください。"
        )));
    }
    let file_id: i64 = sqlx::query(
        "INSERT INTO application_files (application_id, slot, file_name, content_type, size, sha256, content, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(id)
    .bind(slot)
    .bind(clean_name(name, kind.ext))
    .bind(kind.mime)
    .bind(bytes.len() as i64)
    .bind(crate::filetype::sha256_hex(bytes))
    .bind(bytes.to_vec())
    .bind(stamp(time::OffsetDateTime::now_utc()))
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    tx.commit().await?;
    Ok(file_id)
}

/// Removes a file while the applicant may still edit.
pub async fn remove(db: &Db, id: i64, file_id: i64) -> Result<(), AppStoreError> {
    let mut tx = db.begin().await?;
    let state: Option<String> = sqlx::query("SELECT state FROM applications WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("state"))
        .transpose()?;
    if !state
        .and_then(|s| State::parse(&s))
        .is_some_and(State::applicant_may_edit)
    {
        return Err(AppStoreError::Refused(
            "この申請のファイルはいま削除できません".into(),
        ));
    }
    sqlx::query("DELETE FROM application_files WHERE id = $1 AND application_id = $2")
        .bind(file_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

fn info(r: &sqlx::any::AnyRow) -> Result<FileInfo, sqlx::Error> {
    Ok(FileInfo {
        id: r.try_get("id")?,
        slot: r.try_get("slot")?,
        file_name: r.try_get("file_name")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
    })
}

pub async fn of_application(db: &Db, id: i64) -> Result<Vec<FileInfo>, sqlx::Error> {
    sqlx::query(
        "SELECT id, slot, file_name, content_type, size, sha256 FROM application_files WHERE application_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *db.conn().await?)
    .await?
    .iter()
    .map(info)
    .collect()
}

/// A file with its bytes, for staff.
pub async fn content(
    db: &Db,
    id: i64,
    file_id: i64,
) -> Result<Option<(FileInfo, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, slot, file_name, content_type, size, sha256, content FROM application_files WHERE id = $1 AND application_id = $2",
    )
    .bind(file_id)
    .bind(id)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    row.map(|r| Ok((info(&r)?, r.try_get("content")?)))
        .transpose()
}
