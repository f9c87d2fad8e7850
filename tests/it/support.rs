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

/// A browser-like client for the in-process router: keeps cookies, reads CSRF tokens from pages.
pub struct Client {
    app: axum::Router,
    pub cookies: std::collections::BTreeMap<String, String>,
    /// The CSRF token from the last page that had one.
    pub csrf: String,
    pub ip: std::net::SocketAddr,
}

fn hidden_value(body: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = body.find(&needle)? + needle.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

impl Client {
    pub fn new(db: &Db) -> Client {
        Client::on_day(db, mid_plan_day())
    }

    /// A client of a server whose calendar says `today`.
    pub fn on_day(db: &Db, today: time::Date) -> Client {
        let mut state = AppState::new(db.clone()).with_today(today);
        state.slow_failed_sign_ins = false;
        state.data_dir = temp_dir();
        Client {
            app: router(state),
            cookies: Default::default(),
            csrf: String::new(),
            ip: "192.0.2.10:50000".parse().unwrap(),
        }
    }

    /// Another browser on the same server process (shares its caches).
    pub fn same_server(&self) -> Client {
        Client {
            app: self.app.clone(),
            cookies: Default::default(),
            csrf: String::new(),
            ip: self.ip,
        }
    }

    /// What every request of this browser carries: its address and its cookies.
    fn prepare(&self, req: &mut axum::http::Request<axum::body::Body>) {
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(self.ip));
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req.headers_mut().insert("cookie", cookie.parse().unwrap());
        }
    }

    async fn send(&mut self, req: axum::http::Request<axum::body::Body>) -> Response {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let mut req = req;
        self.prepare(&mut req);
        let res = self.app.clone().oneshot(req).await.unwrap();
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (kv, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if val.is_empty() || v.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8(bytes.to_vec()).unwrap();
        if let Some(token) = hidden_value(&body, "csrf") {
            self.csrf = token;
        }
        Response {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let req = axum::http::Request::builder()
            .uri(path)
            .body(axum::body::Body::empty())
            .unwrap();
        self.send(req).await
    }

    /// Posts a form with the current CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.post_raw(path, body).await
    }

    pub async fn post_raw(&mut self, path: &str, body: String) -> Response {
        let req = axum::http::Request::builder()
            .method("POST")
            .uri(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("host", "machi.test")
            .body(axum::body::Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Posts a multipart form with the CSRF token and one file.
    pub async fn post_file(&mut self, path: &str, file_name: &str, bytes: &[u8]) -> Response {
        let boundary = "machi-test-boundary-7d1f";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n",
                self.csrf
            )
            .as_bytes(),
        );
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = axum::http::Request::builder()
            .method("POST")
            .uri(path)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("host", "machi.test")
            .body(axum::body::Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// The raw bytes of a download.
    pub async fn get_bytes(&mut self, path: &str) -> (u16, axum::http::HeaderMap, Vec<u8>) {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let mut req = axum::http::Request::builder()
            .uri(path)
            .body(axum::body::Body::empty())
            .unwrap();
        self.prepare(&mut req);
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, headers, bytes)
    }

    /// Any request, answered as bytes (for sweeps over every route, whatever they return).
    pub async fn raw(
        &mut self,
        method: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (u16, axum::http::HeaderMap, Vec<u8>) {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let mut req = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", content_type)
            .header("host", "machi.test")
            .body(axum::body::Body::from(body))
            .unwrap();
        self.prepare(&mut req);
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, headers, bytes)
    }

    pub async fn post_json(&mut self, path: &str, body: &str) -> Response {
        let req = axum::http::Request::builder()
            .method("POST")
            .uri(path)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    pub async fn sign_in(&mut self, username: &str, password: &str) -> Response {
        self.get("/login").await;
        self.post(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("next", "/staff"),
            ],
        )
        .await
    }
}

pub const PASSWORD: &str = "correct horse battery";

/// Creates a user with `PASSWORD`.
pub async fn user(
    db: &Db,
    username: &str,
    role: machi::auth::model::Role,
    department: &str,
) -> machi::auth::model::User {
    machi::auth::store::create_user(
        db,
        &machi::auth::store::NewUser {
            username: username.into(),
            display_name: format!("{username}さん"),
            role,
            department: department.into(),
            password: PASSWORD.into(),
        },
        &machi::audit::Actor::cli(),
    )
    .await
    .unwrap()
}

/// A client signed in as a new user of that role.
pub async fn signed_in(
    db: &Db,
    username: &str,
    role: machi::auth::model::Role,
    department: &str,
) -> Client {
    with_plan(db).await;
    user(db, username, role, department).await;
    let mut c = Client::new(db);
    let r = c.sign_in(username, PASSWORD).await;
    assert_eq!(r.status, 303, "sign-in of {username}: {}", r.body);
    c
}
