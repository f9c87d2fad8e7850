//! The 自治体標準オープンデータセット schemas bundled with machi. Only 13 公衆トイレ一覧 has every
//! column verified against the definition book; the others are provisional (the columns confirmed
//! so far; `fieldsMatch: subset` lets a file carry the columns not yet confirmed) until staff
//! check them.

use super::schema::TableSchema;

pub struct Standard {
    /// The file key used by BODIK and in file names (public_toilet …).
    pub key: &'static str,
    pub json: &'static str,
}

pub const STANDARDS: [Standard; 4] = [
    Standard {
        key: "public_toilet",
        json: include_str!("schemas/public_toilet.json"),
    },
    Standard {
        key: "evacuation_space",
        json: include_str!("schemas/evacuation_space.json"),
    },
    Standard {
        key: "aed",
        json: include_str!("schemas/aed.json"),
    },
    Standard {
        key: "tourism",
        json: include_str!("schemas/tourism.json"),
    },
];

pub fn by_key(key: &str) -> Option<&'static Standard> {
    STANDARDS.iter().find(|s| s.key == key)
}

/// The schema in force for a standard: the staff's edited version if there is one, else the bundled.
pub async fn schema_for(db: &crate::db::Db, key: &str) -> anyhow::Result<Option<TableSchema>> {
    let Some(standard) = by_key(key) else {
        return Ok(None);
    };
    let edited: Option<String> =
        sqlx::query_scalar("SELECT schema_json FROM od_schemas WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *db.conn().await?)
            .await?;
    Ok(Some(match edited {
        Some(json) => TableSchema::from_json(&json).map_err(|e| anyhow::anyhow!(e))?,
        None => standard.schema(),
    }))
}

/// Checks a schema someone typed: JSON, Table Schema, fields that compile. The message names the
/// line and column of a JSON mistake.
pub fn check_schema_text(text: &str) -> Result<TableSchema, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "{}行目 {}列目: JSONとして読めません({e})",
            e.line(),
            e.column()
        )
    })?;
    let schema: TableSchema =
        serde_json::from_value(value).map_err(|e| format!("Table Schema として読めません: {e}"))?;
    if schema.fields.is_empty() {
        return Err("fields が空です".into());
    }
    schema.compile().map_err(|e| e.to_string())?;
    let mut names = std::collections::HashSet::new();
    for f in &schema.fields {
        if f.name.trim().is_empty() {
            return Err("名前(name)が空の項目があります".into());
        }
        if !names.insert(f.name.as_str()) {
            return Err(format!("項目「{}」が二度あります", f.name));
        }
    }
    Ok(schema)
}

/// Saves the staff's version of a standard's schema (audited), or goes back to the bundled one.
pub async fn save_schema(
    db: &crate::db::Db,
    key: &str,
    schema: Option<&TableSchema>,
    actor: &crate::audit::Actor,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let before: Option<String> =
        sqlx::query_scalar("SELECT schema_json FROM od_schemas WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
    match schema {
        Some(s) => {
            sqlx::query(
                "INSERT INTO od_schemas (key, schema_json, updated_at, updated_by, version) VALUES ($1, $2, $3, $4, 1)
                 ON CONFLICT (key) DO UPDATE SET schema_json = excluded.schema_json, updated_at = excluded.updated_at,
                   updated_by = excluded.updated_by, version = od_schemas.version + 1",
            )
            .bind(key)
            .bind(serde_json::to_string_pretty(s)?)
            .bind(crate::db::now_text())
            .bind(&actor.username)
            .execute(&mut *tx)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM od_schemas WHERE key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
    }
    crate::audit::record(
        &mut tx,
        actor,
        crate::audit::Change {
            action: if schema.is_some() {
                "schema.update"
            } else {
                "schema.reset"
            },
            entity: "schema",
            entity_id: key,
            before: before.map(|b| serde_json::json!({ "edited": b.len() })),
            after: schema.map(|s| serde_json::json!({ "fields": s.fields.len() })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

impl Standard {
    pub fn schema(&self) -> TableSchema {
        TableSchema::from_json(self.json).expect("bundled schemas are valid")
    }

    /// Dataset number and name, and whether the columns are verified.
    pub fn info(&self) -> (String, String, bool) {
        let s = self.schema();
        let meta = s.extra.get("machi:standard").cloned().unwrap_or_default();
        (
            meta["number"].as_str().unwrap_or("").to_string(),
            meta["name"].as_str().unwrap_or("").to_string(),
            meta["status"].as_str() == Some("verified"),
        )
    }

    /// An empty CSV with the bundled schema's header row, UTF-8 with BOM.
    pub fn template_csv(&self) -> Vec<u8> {
        template_csv(&self.schema())
    }
}

/// An empty CSV with a schema's header row, UTF-8 with BOM.
pub fn template_csv(schema: &TableSchema) -> Vec<u8> {
    let header: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
    crate::textfile::csv_bytes(
        &header,
        Vec::<Vec<String>>::new(),
        crate::textfile::CsvEncoding::Utf8Bom,
    )
    .expect("a header row always writes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_schemas_load_and_compile() {
        for s in STANDARDS {
            let schema = s.schema();
            schema.compile().unwrap();
            let (number, name, verified) = s.info();
            assert!(!number.is_empty() && !name.is_empty(), "{}", s.key);
            assert_eq!(verified, s.key == "public_toilet");
        }
        let toilet = by_key("public_toilet").unwrap().schema();
        assert_eq!(toilet.fields.len(), 39);
        assert_eq!(toilet.fields[0].name, "全国地方公共団体コード");
        let template = String::from_utf8(by_key("public_toilet").unwrap().template_csv()).unwrap();
        assert!(template.starts_with("\u{feff}全国地方公共団体コード,ID,地方公共団体名,名称,"));
    }
}
