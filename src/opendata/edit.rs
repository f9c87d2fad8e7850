//! Correcting what was added: a corrected file uploaded over a resource (the earlier file kept as
//! a version), and deleting a resource or a dataset that was never published. A dataset that
//! was published is withdrawn (公開停止), never deleted: people and harvesters may have its URL.

use super::catalog::{self, CatalogError, Dataset, Resource, bump_version, new_id};
use super::files::store_file;
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use sqlx::Row;
use std::path::Path as FsPath;

/// An earlier file of a resource.
#[derive(Debug, Clone)]
pub struct Version {
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub validation: String,
    pub replaced_at: String,
    pub replaced_by: String,
}

pub async fn versions(db: &Db, resource_id: &str) -> anyhow::Result<Vec<Version>> {
    let rows = sqlx::query(
        "SELECT file_name, size, sha256, validation, replaced_at, replaced_by
         FROM od_resource_versions WHERE resource_id = $1 ORDER BY id DESC",
    )
    .bind(resource_id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Version {
                file_name: r.try_get("file_name")?,
                size: r.try_get("size")?,
                sha256: r.try_get("sha256")?,
                validation: r.try_get("validation")?,
                replaced_at: r.try_get("replaced_at")?,
                replaced_by: r.try_get("replaced_by")?,
            })
        })
        .collect()
}

/// Whether the dataset was ever published (then it is withdrawn, not deleted).
pub async fn ever_published(db: &Db, dataset_id: &str) -> anyhow::Result<bool> {
    Ok(published_in(&mut *db.conn().await?, dataset_id).await?)
}

async fn published_in(
    conn: &mut sqlx::AnyConnection,
    dataset_id: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM od_publications WHERE dataset_id = $1 AND event = 'published'",
    )
    .bind(dataset_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Replaces an uploaded resource's file with a corrected one, validated again; the file it
/// replaces stays on disk and is listed as a version.
pub async fn replace_file(
    db: &Db,
    data_dir: &FsPath,
    ds: &Dataset,
    res: &Resource,
    (name, bytes): (&str, &[u8]),
    actor: &Actor,
) -> Result<(), CatalogError> {
    if !res.is_upload() {
        return Err(CatalogError::Invalid(
            "file",
            "外部のURLのリソースには、ファイルを差し替えられません".into(),
        ));
    }
    // A new name for every file: the earlier one is kept as it was.
    let file_id = format!("{}-{}", res.id, &new_id()[..8]);
    let f = store_file(db, data_dir, ds, &file_id, name, bytes).await?;
    let now = now_text();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO od_resource_versions (resource_id, file_name, stored_path, size, sha256, validation, replaced_at, replaced_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&res.id)
    .bind(&res.file_name)
    .bind(&res.stored_path)
    .bind(res.size)
    .bind(&res.sha256)
    .bind(&res.validation)
    .bind(&now)
    .bind(&actor.username)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE od_resources SET file_name = $1, stored_path = $2, size = $3, sha256 = $4,
         mimetype = $5, validation = $6, validation_report = $7, override_reason = '', modified_at = $8
         WHERE id = $9",
    )
    .bind(&f.file_name)
    .bind(&f.stored)
    .bind(f.size)
    .bind(&f.sha256)
    .bind(&f.mime)
    .bind(&f.validation)
    .bind(&f.report)
    .bind(&now)
    .bind(&res.id)
    .execute(&mut *tx)
    .await?;
    catalog::resources_changed(&mut tx, &ds.id, &now).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "resource.replace",
            entity: "resource",
            entity_id: &res.id,
            before: Some(serde_json::json!({ "file": res.file_name, "sha256": res.sha256, "validation": res.validation })),
            after: Some(serde_json::json!({ "file": f.file_name, "sha256": f.sha256, "validation": f.validation })),
            note: &ds.name,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn published_refusal(what: &str) -> CatalogError {
    CatalogError::Invalid(
        "state",
        format!(
            "一度公開したデータセットの{what}は削除できません(利用者がURLを使っているかもしれません)。公開を停止してください"
        ),
    )
}

/// Files of a resource, the current one and its versions, to remove once the rows are gone.
async fn files_of(db: &Db, res: &Resource) -> anyhow::Result<Vec<String>> {
    let mut files: Vec<String> =
        sqlx::query_scalar("SELECT stored_path FROM od_resource_versions WHERE resource_id = $1")
            .bind(&res.id)
            .fetch_all(&mut *db.conn().await?)
            .await?;
    files.push(res.stored_path.clone());
    files.retain(|f| !f.is_empty());
    Ok(files)
}

async fn delete_rows(conn: &mut sqlx::AnyConnection, res: &Resource) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM od_resource_versions WHERE resource_id = $1")
        .bind(&res.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM od_resources WHERE id = $1")
        .bind(&res.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes a resource of a dataset that was never published.
pub async fn delete_resource(
    db: &Db,
    ds: &Dataset,
    res: &Resource,
    actor: &Actor,
) -> Result<(), CatalogError> {
    let files = files_of(db, res).await?;
    let mut tx = db.begin().await?;
    // Checked in the transaction: a publication at the same moment cannot slip between.
    if published_in(&mut tx, &ds.id).await? {
        return Err(published_refusal("リソース"));
    }
    delete_rows(&mut tx, res).await?;
    bump_version(&mut tx).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "resource.delete",
            entity: "resource",
            entity_id: &res.id,
            before: Some(serde_json::json!({ "resource": res.name, "file": res.file_name, "url": res.url, "sha256": res.sha256 })),
            after: None,
            note: &ds.name,
        },
    )
    .await?;
    tx.commit().await?;
    remove_files(&files);
    Ok(())
}

/// Deletes a dataset that was never published, with its resources.
pub async fn delete_dataset(db: &Db, ds: &Dataset, actor: &Actor) -> Result<(), CatalogError> {
    let resources = catalog::resources(db, &ds.id).await?;
    let mut files = Vec::new();
    for r in &resources {
        files.extend(files_of(db, r).await?);
    }
    let mut tx = db.begin().await?;
    if published_in(&mut tx, &ds.id).await? {
        return Err(published_refusal("データセット"));
    }
    for r in &resources {
        delete_rows(&mut tx, r).await?;
    }
    sqlx::query("DELETE FROM od_publications WHERE dataset_id = $1")
        .bind(&ds.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM od_datasets WHERE id = $1")
        .bind(&ds.id)
        .execute(&mut *tx)
        .await?;
    bump_version(&mut tx).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "dataset.delete",
            entity: "dataset",
            entity_id: &ds.name,
            before: Some(serde_json::json!({ "title": ds.title, "resources": resources.len() })),
            after: None,
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    remove_files(&files);
    Ok(())
}

/// Files go after the rows are committed: a failed removal leaves a stray file, never a row
/// pointing at nothing.
fn remove_files(files: &[String]) {
    for f in files {
        if let Err(e) = std::fs::remove_file(f) {
            tracing::warn!("削除したリソースのファイル {f} を消せませんでした: {e}");
        }
    }
}
