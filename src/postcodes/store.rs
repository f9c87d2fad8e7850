//! The installation's copy of the postcode data (shared tables): replaced whole by an import,
//! read by the forms.

use super::file::Address;
use crate::db::Db;
use sqlx::Row as _;

/// Rows per INSERT: five values each, well under both backends' limits on parameters.
const BATCH: usize = 400;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub imported_at: String,
    pub file_name: String,
    pub sha256: String,
    pub rows: i64,
}

/// Replaces the data in one transaction: a failed import leaves the previous data in use.
pub async fn replace(
    shared: &Db,
    rows: &[Address],
    file_name: &str,
    sha256: &str,
) -> anyhow::Result<()> {
    let mut tx = shared.begin().await?;
    sqlx::query("DELETE FROM postcodes")
        .execute(&mut *tx)
        .await?;
    for (n, chunk) in rows.chunks(BATCH).enumerate() {
        let mut sql =
            String::from("INSERT INTO postcodes (code, seq, prefecture, city, town) VALUES ");
        for i in 0..chunk.len() {
            let p = i * 5;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5
            ));
        }
        // Only placeholders are formatted in; the values are bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, a) in chunk.iter().enumerate() {
            q = q
                .bind(a.code.clone())
                .bind((n * BATCH + i) as i64)
                .bind(a.prefecture.clone())
                .bind(a.city.clone())
                .bind(a.town.clone());
        }
        q.execute(&mut *tx).await?;
    }
    sqlx::query(
        "INSERT INTO postcode_imports (imported_at, file_name, sha256, rows) VALUES ($1, $2, $3, $4)",
    )
    .bind(crate::db::now_text())
    .bind(file_name)
    .bind(sha256)
    .bind(rows.len() as i64)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The addresses of a 7-digit postcode, in the file's order (one code can cover several 町域,
/// even two prefectures).
pub async fn lookup(shared: &Db, code: &str) -> Result<Vec<Address>, sqlx::Error> {
    let mut conn = shared.conn().await?;
    let rows =
        sqlx::query("SELECT prefecture, city, town FROM postcodes WHERE code = $1 ORDER BY seq")
            .bind(code)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| Address {
            code: code.to_string(),
            prefecture: r.get(0),
            city: r.get(1),
            town: r.get(2),
        })
        .collect())
}

/// The import in use, if any.
pub async fn last_import(shared: &Db) -> Result<Option<Imported>, sqlx::Error> {
    let mut conn = shared.conn().await?;
    let row = sqlx::query(
        "SELECT imported_at, file_name, sha256, rows FROM postcode_imports ORDER BY imported_at DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| Imported {
        imported_at: r.get(0),
        file_name: r.get(1),
        sha256: r.get(2),
        rows: r.get(3),
    }))
}

/// Whether any postcode data is loaded (forms offer the lookup only then).
pub async fn loaded(shared: &Db) -> Result<bool, sqlx::Error> {
    let mut conn = shared.conn().await?;
    Ok(sqlx::query("SELECT 1 FROM postcodes LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}
