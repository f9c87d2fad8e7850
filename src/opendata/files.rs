//! Resources of the catalog: uploaded files kept in the data folder under names machi makes,
//! their digest and validation, and the rows that describe them.

use super::catalog::{
    CatalogError, Dataset, Resource, bump_version, new_id, resource, resources_changed,
};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use std::path::{Path, PathBuf};

/// Where an upload is kept: data/opendata/{dataset id}/{resource id}.{ext}. Names come from ids
/// machi made, never from the uploaded file name.
pub fn stored_path(data_dir: &Path, dataset_id: &str, resource_id: &str, ext: &str) -> PathBuf {
    data_dir
        .join("opendata")
        .join(dataset_id)
        .join(format!("{resource_id}.{ext}"))
}

/// The file extension of an uploaded name, if it is a plain one (csv, xlsx, json …).
pub fn safe_extension(file_name: &str) -> String {
    let ext = Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if (1..=8).contains(&ext.len()) && ext.chars().all(|c| c.is_ascii_alphanumeric()) {
        ext
    } else {
        "bin".into()
    }
}

pub use crate::filetype::clean_file_name;

pub struct NewResource<'a> {
    pub name: String,
    pub description: String,
    pub format: String,
    pub url: String,
    pub file: Option<(&'a str, &'a [u8])>,
}

/// An uploaded file as stored: where, its digest and type, and (a CSV of a dataset that follows
/// a standard) what validation found.
pub(crate) struct StoredFile {
    pub file_name: String,
    pub ext: String,
    pub stored: String,
    pub size: i64,
    pub sha256: String,
    pub mime: String,
    pub validation: String,
    pub report: String,
}

/// Writes an upload under a name machi makes (`file_id`), and validates it.
pub(crate) async fn store_file(
    db: &Db,
    data_dir: &Path,
    ds: &Dataset,
    file_id: &str,
    name: &str,
    bytes: &[u8],
) -> Result<StoredFile, CatalogError> {
    let file_name = clean_file_name(name);
    let ext = safe_extension(&file_name);
    let path = stored_path(data_dir, &ds.id, file_id, &ext);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(anyhow::Error::from)?;
    }
    std::fs::write(&path, bytes).map_err(anyhow::Error::from)?;
    let mime = match ext.as_str() {
        "csv" => "text/csv",
        "xlsx" => crate::plan::exports::XLSX,
        "json" => "application/json",
        "geojson" => "application/geo+json",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    };
    let (mut validation, mut report) = ("not_checked".to_string(), String::new());
    if ext == "csv"
        && let Some(schema) = super::standard::schema_for(db, &ds.standard).await?
    {
        let r =
            super::validate::validate(bytes, &schema, 1000).map_err(|e| anyhow::anyhow!("{e}"))?;
        validation = if r.valid { "valid" } else { "invalid" }.into();
        report = serde_json::to_string(&r).map_err(anyhow::Error::from)?;
    }
    Ok(StoredFile {
        file_name,
        stored: path.display().to_string(),
        size: bytes.len() as i64,
        sha256: crate::filetype::sha256_hex(bytes),
        mime: mime.to_string(),
        ext,
        validation,
        report,
    })
}

/// Adds a resource; an uploaded CSV of a dataset that follows a standard is validated now.
pub async fn add_resource(
    db: &Db,
    data_dir: &Path,
    ds: &Dataset,
    new: NewResource<'_>,
    actor: &Actor,
) -> Result<Resource, CatalogError> {
    let id = new_id();
    let now = now_text();
    let (mut file_name, mut stored, mut size, mut sha, mut mime) = (
        String::new(),
        String::new(),
        0i64,
        String::new(),
        String::new(),
    );
    let mut format = new.format.trim().to_uppercase();
    let (mut validation, mut report) = ("not_checked".to_string(), String::new());
    if let Some((name, bytes)) = new.file {
        let f = store_file(db, data_dir, ds, &id, name, bytes).await?;
        if format.is_empty() {
            format = f.ext.to_uppercase();
        }
        (file_name, stored, size, sha, mime) = (f.file_name, f.stored, f.size, f.sha256, f.mime);
        (validation, report) = (f.validation, f.report);
    } else {
        let url = new.url.trim();
        let ok = (url.starts_with("https://") || url.starts_with("http://"))
            && url.len() > 10
            && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            return Err(CatalogError::Invalid(
                "url",
                "ファイルを選ぶか、http:// または https:// で始まるURLを入力してください".into(),
            ));
        }
    }
    if new.name.trim().is_empty() && file_name.is_empty() {
        return Err(CatalogError::Invalid(
            "name",
            "リソース名を入力してください".into(),
        ));
    }
    let position: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM od_resources WHERE dataset_id = $1")
            .bind(&ds.id)
            .fetch_one(&mut *db.conn().await?)
            .await?;
    let name = if new.name.trim().is_empty() {
        file_name.clone()
    } else {
        new.name.trim().to_string()
    };
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO od_resources (id, dataset_id, position, name, description, format, url, file_name, stored_path, size, sha256, mimetype, validation, validation_report, created_at, modified_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
    )
    .bind(&id)
    .bind(&ds.id)
    .bind(position)
    .bind(&name)
    .bind(new.description.trim())
    .bind(&format)
    .bind(new.url.trim())
    .bind(&file_name)
    .bind(&stored)
    .bind(size)
    .bind(&sha)
    .bind(&mime)
    .bind(&validation)
    .bind(&report)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    resources_changed(&mut tx, &ds.id, &now).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "resource.create",
            entity: "dataset",
            entity_id: &ds.name,
            before: None,
            after: Some(serde_json::json!({ "resource": name, "format": format, "sha256": sha, "validation": validation })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(resource(db, &id).await?.expect("just added"))
}

pub async fn override_validation(
    db: &Db,
    res: &Resource,
    reason: &str,
    actor: &Actor,
) -> Result<(), CatalogError> {
    if reason.trim().is_empty() {
        return Err(CatalogError::Invalid(
            "reason",
            "公開を許可する理由を入力してください".into(),
        ));
    }
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE od_resources SET validation = 'overridden', override_reason = $1, modified_at = $2 WHERE id = $3 AND validation = 'invalid'")
        .bind(reason.trim())
        .bind(now_text())
        .bind(&res.id)
        .execute(&mut *tx)
        .await?;
    bump_version(&mut tx).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "resource.override_validation",
            entity: "resource",
            entity_id: &res.id,
            before: Some(serde_json::json!({ "validation": res.validation })),
            after: Some(serde_json::json!({ "validation": "overridden" })),
            note: reason.trim(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
