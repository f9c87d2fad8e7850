//! Storage of the body's identity and its departments' contacts; every change audited.

use super::model::{Department, Identity};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use sqlx::Row;

pub async fn load(db: &Db) -> anyhow::Result<Identity> {
    let mut conn = db.conn().await?;
    let row = sqlx::query(
        "SELECT postal_code, address, phone, email, hours, website, emblem_type, version
         FROM town_identity WHERE id = 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let mut identity = Identity::default();
    if let Some(r) = row {
        identity = Identity {
            postal_code: r.try_get("postal_code")?,
            address: r.try_get("address")?,
            phone: r.try_get("phone")?,
            email: r.try_get("email")?,
            hours: r.try_get("hours")?,
            website: r.try_get("website")?,
            emblem_type: r.try_get("emblem_type")?,
            version: r.try_get("version")?,
            departments: Vec::new(),
        };
    }
    identity.departments =
        sqlx::query("SELECT name, place, phone, email FROM departments ORDER BY name")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok(Department {
                    name: r.try_get("name")?,
                    place: r.try_get("place")?,
                    phone: r.try_get("phone")?,
                    email: r.try_get("email")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
    Ok(identity)
}

/// The emblem's bytes and type, if there is one.
pub async fn emblem(db: &Db) -> anyhow::Result<Option<(String, Vec<u8>)>> {
    let row = sqlx::query("SELECT emblem_type, emblem FROM town_identity WHERE id = 1")
        .fetch_optional(&mut *db.conn().await?)
        .await?;
    Ok(row.and_then(|r| {
        let t: String = r.try_get("emblem_type").ok()?;
        let b: Option<Vec<u8>> = r.try_get("emblem").ok()?;
        (!t.is_empty()).then_some((t, b?))
    }))
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("ほかの人が先に更新しました。最新の内容を確かめてから、もう一度保存してください")]
    Stale,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for SaveError {
    fn from(e: sqlx::Error) -> Self {
        SaveError::Other(e.into())
    }
}

/// Saves the contact fields (already checked), if nobody saved since `version` was read.
pub async fn save(db: &Db, new: &Identity, version: i64, actor: &Actor) -> Result<(), SaveError> {
    let before = load(db).await?;
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE town_identity SET postal_code = $1, address = $2, phone = $3, email = $4,
            hours = $5, website = $6, updated_at = $7, updated_by = $8, version = version + 1
         WHERE id = 1 AND version = $9",
    )
    .bind(&new.postal_code)
    .bind(&new.address)
    .bind(&new.phone)
    .bind(&new.email)
    .bind(&new.hours)
    .bind(&new.website)
    .bind(now_text())
    .bind(&actor.username)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(SaveError::Stale);
    }
    let fields = |i: &Identity| {
        serde_json::json!({
            "postal_code": i.postal_code, "address": i.address, "phone": i.phone,
            "email": i.email, "hours": i.hours, "website": i.website,
        })
    };
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "identity.update",
            entity: "identity",
            entity_id: "1",
            before: Some(fields(&before)),
            after: Some(fields(new)),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the emblem (None removes it).
pub async fn set_emblem(
    db: &Db,
    emblem: Option<(&str, &[u8])>,
    actor: &Actor,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE town_identity SET emblem = $1, emblem_type = $2, updated_at = $3, updated_by = $4,
            version = version + 1 WHERE id = 1",
    )
    .bind(emblem.map(|(_, b)| b.to_vec()))
    .bind(emblem.map_or("", |(t, _)| t))
    .bind(now_text())
    .bind(&actor.username)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: if emblem.is_some() {
                "identity.emblem"
            } else {
                "identity.emblem_remove"
            },
            entity: "identity",
            entity_id: "1",
            before: None,
            after: emblem.map(|(t, b)| serde_json::json!({ "type": t, "bytes": b.len() })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds or replaces a department's contact; `renamed_from` (another name) is removed in the same
/// transaction, so a rename never leaves both or neither.
pub async fn save_department(
    db: &Db,
    d: &Department,
    renamed_from: Option<&str>,
    actor: &Actor,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    if let Some(old) = renamed_from.filter(|o| !o.is_empty() && *o != d.name) {
        sqlx::query("DELETE FROM departments WHERE name = $1")
            .bind(old)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "department.rename",
                entity: "department",
                entity_id: old,
                before: None,
                after: Some(serde_json::json!({ "name": d.name })),
                note: "",
            },
        )
        .await?;
    }
    let before = sqlx::query("SELECT place, phone, email FROM departments WHERE name = $1")
        .bind(&d.name)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| -> Result<serde_json::Value, sqlx::Error> {
            Ok(serde_json::json!({
                "place": r.try_get::<String, _>("place")?,
                "phone": r.try_get::<String, _>("phone")?,
                "email": r.try_get::<String, _>("email")?,
            }))
        })
        .transpose()?;
    sqlx::query(
        "INSERT INTO departments (name, place, phone, email, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (name) DO UPDATE SET place = excluded.place, phone = excluded.phone,
            email = excluded.email, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&d.name)
    .bind(&d.place)
    .bind(&d.phone)
    .bind(&d.email)
    .bind(now_text())
    .bind(&actor.username)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "department.save",
            entity: "department",
            entity_id: &d.name,
            before,
            after: Some(serde_json::to_value(d)?),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a department's contact; false when there was none.
pub async fn delete_department(db: &Db, name: &str, actor: &Actor) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let done = sqlx::query("DELETE FROM departments WHERE name = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "department.delete",
            entity: "department",
            entity_id: name,
            before: None,
            after: None,
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
