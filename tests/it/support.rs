//! Test databases: a fresh SQLite file per test, and a fresh PostgreSQL schema per test when
//! MACHI_TEST_DATABASE_URL is set (CI sets it; in CI its absence is a failure, not a skip).

use machi::app::{AppState, router};
use machi::db::{self, Db};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(unique("machi_test"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub async fn sqlite() -> Db {
    db::connect(&db::sqlite_url_for_dir(&temp_dir()))
        .await
        .unwrap()
}

/// A database per backend. Run `f` on each; PostgreSQL schemas are dropped afterwards.
pub async fn each_backend<F, Fut>(f: F)
where
    F: Fn(Db) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    f(sqlite().await).await;
    let Ok(base) = std::env::var("MACHI_TEST_DATABASE_URL") else {
        if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
            panic!("MACHI_TEST_DATABASE_URL is not set in CI: PostgreSQL tests cannot be skipped");
        }
        eprintln!("skipped PostgreSQL: MACHI_TEST_DATABASE_URL is not set");
        return;
    };
    let schema = unique("t");
    exec(&base, &format!("CREATE SCHEMA {schema}")).await;
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options[search_path]={schema}");
    let pg = db::connect(&url).await.unwrap();
    f(pg.clone()).await;
    pg.pool.close().await;
    exec(&base, &format!("DROP SCHEMA {schema} CASCADE")).await;
}

async fn exec(url: &str, sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    // Schema names come from `unique`, never from input.
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

/// A database with the bundled plan loaded.
pub async fn with_plan(db: &Db) {
    machi::plan::commands::ensure_plan(db).await.unwrap();
}

/// 令和6年度 (FY2024) — mid-plan, so statuses vary.
pub fn mid_plan_day() -> time::Date {
    time::macros::date!(2024 - 11 - 01)
}

pub struct Response {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

pub async fn get(db: &Db, path: &str) -> Response {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let app = router(AppState::new(db.clone()).with_today(mid_plan_day()));
    let res = app
        .oneshot(
            axum::http::Request::builder()
                .uri(path)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Response {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

pub async fn record(db: &Db, code: &str, fy: &str, value: &str) {
    machi::plan::commands::record_actual(db, code, fy, value, "", "test")
        .await
        .unwrap();
}
