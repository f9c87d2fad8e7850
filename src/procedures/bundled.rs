//! Keeping a town on the bundled catalog up to date with the forms machi ships: new bundled
//! forms are added, and forms still exactly as an earlier release shipped them are replaced.

use super::catalog_file::bundled_forms;
use super::form::FormDef;
use super::store::{form_docs, procedures};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};

/// Brings a town that runs the bundled catalog up to the bundled forms: a form it does not have
/// yet is added when the catalog has its procedures, and a form still exactly as an earlier
/// release shipped it is replaced. Forms staff edited stay as they are. One transaction, audited.
pub async fn upgrade_bundled_forms(db: &Db) -> anyhow::Result<Vec<String>> {
    let previous: Vec<FormDef> = super::catalog_file::PREVIOUS_BUNDLED_FORMS
        .iter()
        .filter_map(|t| FormDef::parse(t).ok())
        .collect();
    let stored: Vec<(String, Option<FormDef>)> = form_docs(db)
        .await?
        .into_iter()
        .map(|d| {
            let def = FormDef::parse(&d.body).ok();
            (d.key, def)
        })
        .collect();
    let keys: Vec<String> = procedures(db)
        .await?
        .into_iter()
        .map(|p| p.procedure.key)
        .collect();
    let mut tx = db.begin().await?;
    let now = now_text();
    let mut changed = Vec::new();
    for f in bundled_forms() {
        match stored.iter().find(|s| s.0 == f.key) {
            None if f.procedures.iter().all(|p| keys.contains(p)) => {
                sqlx::query(
                    "INSERT INTO forms (key, body, updated_at, version) VALUES ($1, $2, $3, 1)",
                )
                .bind(&f.key)
                .bind(f.to_toml())
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                changed.push(f.title.clone());
            }
            Some((_, Some(old))) if *old != f && previous.contains(old) => {
                sqlx::query(
                    "UPDATE forms SET body = $1, updated_at = $2, version = version + 1 WHERE key = $3",
                )
                .bind(f.to_toml())
                .bind(&now)
                .bind(&f.key)
                .execute(&mut *tx)
                .await?;
                changed.push(f.title.clone());
            }
            _ => {}
        }
    }
    if !changed.is_empty() {
        audit::record(
            &mut tx,
            &Actor::cli(),
            Change {
                action: "procedures.forms_upgrade",
                entity: "form",
                entity_id: "",
                before: None,
                after: Some(serde_json::json!({ "forms": changed })),
                note: "",
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(changed)
}
