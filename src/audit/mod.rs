//! The audit log: every change (who, when, from where, what before and after) is appended in the
//! same transaction as the change itself. The table refuses UPDATE and DELETE (triggers).

pub mod labels;
pub mod routes;

use crate::app::AppState;
use crate::db::now_text;
use axum::Router;
use axum::routing::get;
use serde::Serialize;
use sqlx::Row;

/// Who did something.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub ip: String,
}

impl Actor {
    /// Changes made from the command line on the server itself.
    pub fn cli() -> Actor {
        Actor {
            user_id: None,
            username: "(cli)".into(),
            ip: "local".into(),
        }
    }
}

/// One change to record.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub note: &'a str,
}

pub async fn record(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    change: Change<'_>,
) -> Result<(), sqlx::Error> {
    let json = |v: Option<serde_json::Value>| v.map(|v| v.to_string()).unwrap_or_default();
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, username, ip, action, entity, entity_id, before_json, after_json, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(now_text())
    .bind(actor.user_id)
    .bind(&actor.username)
    .bind(&actor.ip)
    .bind(change.action)
    .bind(change.entity)
    .bind(change.entity_id)
    .bind(json(change.before))
    .bind(json(change.after))
    .bind(change.note)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: i64,
    pub at: String,
    pub username: String,
    pub ip: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: String,
    pub after: String,
    pub note: String,
}

impl Entry {
    /// The action as a clerk reads it (the code when machi has no label for it).
    pub fn action_label(&self) -> &str {
        labels::action(&self.action).unwrap_or(&self.action)
    }
    pub fn entity_label(&self) -> &str {
        labels::entity(&self.entity).unwrap_or(&self.entity)
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub entity: String,
    /// YYYY-MM-DD, inclusive (UTC date of the entry).
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// Entries matching the filter, newest first. Every value is bound, never spliced into SQL.
pub async fn list(db: &crate::db::Db, f: &Filter, limit: i64) -> anyhow::Result<Vec<Entry>> {
    let like = |s: &str| format!("%{}%", s.trim());
    let to = if f.to.trim().is_empty() {
        String::new()
    } else {
        format!("{}T99", f.to.trim())
    };
    let rows = sqlx::query(
        "SELECT id, at, username, ip, action, entity, entity_id, before_json, after_json, note
         FROM audit_log
         WHERE ($1 = '' OR username LIKE $2)
           AND ($3 = '' OR action LIKE $4)
           AND ($5 = '' OR entity LIKE $6)
           AND ($7 = '' OR at >= $7)
           AND ($8 = '' OR at <= $8)
         ORDER BY id DESC LIMIT $9",
    )
    .bind(f.user.trim())
    .bind(like(&f.user))
    .bind(f.action.trim())
    .bind(like(&f.action))
    .bind(f.entity.trim())
    .bind(like(&f.entity))
    .bind(f.from.trim())
    .bind(to)
    .bind(limit)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Entry {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                username: r.try_get("username")?,
                ip: r.try_get("ip")?,
                action: r.try_get("action")?,
                entity: r.try_get("entity")?,
                entity_id: r.try_get("entity_id")?,
                before: r.try_get("before_json")?,
                after: r.try_get("after_json")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

/// Read the audit log.
pub const VIEW_AUDIT: crate::auth::permissions::Action =
    crate::auth::permissions::Action::new("audit.view", "監査ログを見る");

pub struct AuditModule;

impl crate::modules::Module for AuditModule {
    fn name(&self) -> &'static str {
        "audit"
    }
    fn navigation(&self) -> Vec<crate::modules::NavEntry> {
        vec![crate::modules::NavEntry::staff(
            "監査ログ",
            "/staff/audit",
            "audit",
            &[VIEW_AUDIT],
            90,
        )]
    }
    fn permissions(&self) -> Vec<crate::auth::permissions::Grant> {
        use crate::auth::model::Role;
        vec![crate::auth::permissions::Grant::any(
            VIEW_AUDIT,
            &[Role::SystemAdmin, Role::DxOffice],
        )]
    }
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
            .route("/staff/audit", get(routes::page))
            .route("/staff/audit.csv", get(routes::csv_export))
    }
}
