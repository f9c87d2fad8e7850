//! Test installations built through the production composition root (`Application`): a fresh
//! data folder per test on SQLite, and a fresh PostgreSQL database per test when
//! MACHI_TEST_DATABASE_URL is set (CI sets it; in CI its absence is a failure, not a skip).

use machi::app::{AppState, Application};
use machi::config::Config;
use machi::db::Db;
use std::sync::Arc;
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

/// 令和6年度 (FY2024) — mid-plan, so statuses vary.
pub fn mid_plan_day() -> time::Date {
    time::macros::date!(2024 - 11 - 01)
}

/// An installation for one test: its configuration, the running application (in-process), and
/// its first town (the bundled 香美町). Derefs to that town's database, so store functions take
/// `&db` as before.
pub struct TestTown {
    pub config: Config,
    pub app: Arc<Application>,
    /// The bundled town's context (plain addresses while it is the only town).
    pub state: AppState,
    pub db: Db,
}

impl std::ops::Deref for TestTown {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

impl TestTown {
    async fn start(config: Config) -> TestTown {
        let app = Application::build_without_listener(&config).await.unwrap();
        let bundled = machi::towns::code::TownCode::parse("285854").unwrap();
        let town = app.platform().town(bundled).expect("the bundled town");
        let state = town.state(app.platform()).expect("the town opens");
        TestTown {
            db: state.db.clone(),
            state,
            config,
            app: Arc::new(app),
        }
    }

    /// The whole site as one service.
    pub fn router(&self) -> axum::Router {
        self.app.router()
    }

    /// The same installation seen by a server whose calendar says `today`.
    pub async fn on_day(&self, today: time::Date) -> TestTown {
        let mut config = self.config.clone();
        config.today = Some(today);
        TestTown::start(config).await
    }

    /// The same installation started with other settings (mail, payments …).
    pub async fn reconfigured(&self, change: impl FnOnce(&mut Config)) -> TestTown {
        let mut config = self.config.clone();
        change(&mut config);
        TestTown::start(config).await
    }

    /// The bundled town's context with the calendar at `today`.
    pub async fn state_on(&self, today: time::Date) -> AppState {
        self.on_day(today).await.state
    }

    /// Registers another town (as `machi town add` does) and lets the server see it.
    pub async fn add_town(&self, code: &str, name: &str, host: Option<&str>) {
        machi::towns::commands::add(
            &self.config,
            &machi::towns::commands::NewTown {
                code,
                name: Some(name),
                plan: None,
                host,
            },
        )
        .await
        .unwrap();
        self.app.platform().sync().await.unwrap();
    }

    /// A town's context by code.
    pub fn town(&self, code: &str) -> AppState {
        let code = machi::towns::code::TownCode::parse(code).unwrap();
        self.app
            .platform()
            .town(code)
            .expect("registered")
            .state(self.app.platform())
            .expect("opens")
    }
}

fn test_config(dir: std::path::PathBuf, database_url: Option<String>) -> Config {
    let mut config = Config::for_data_dir(dir);
    config.database_url = database_url;
    config.today = Some(mid_plan_day());
    config.slow_failed_sign_ins = false;
    config
}

/// A fresh installation on SQLite.
pub async fn sqlite_town() -> TestTown {
    sqlite_town_in(temp_dir()).await
}

/// An installation on SQLite in a data folder (new, or one made before).
pub async fn sqlite_town_in(dir: std::path::PathBuf) -> TestTown {
    TestTown::start(test_config(dir, None)).await
}

/// The PostgreSQL server tests use, if any (a failure in CI when missing).
pub fn postgres_base() -> Option<String> {
    match std::env::var("MACHI_TEST_DATABASE_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
                panic!(
                    "MACHI_TEST_DATABASE_URL is not set in CI: PostgreSQL tests cannot be skipped"
                );
            }
            eprintln!("skipped PostgreSQL: MACHI_TEST_DATABASE_URL is not set");
            None
        }
    }
}

/// A new, empty PostgreSQL database; dropped by [`drop_database`].
pub async fn create_database(base: &str) -> (String, String) {
    let name = unique("machi_t").to_lowercase();
    exec(base, &format!("CREATE DATABASE {name}")).await;
    let mut url = url::Url::parse(base).unwrap();
    url.set_path(&format!("/{name}"));
    (name, url.to_string())
}

pub async fn drop_database(base: &str, name: &str) {
    exec(
        base,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await;
}

/// A town per backend. Runs `f` on each; a PostgreSQL test database is dropped afterwards.
pub async fn each_backend<F, Fut>(f: F)
where
    F: Fn(TestTown) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let town = sqlite_town().await;
    let app = town.app.clone();
    f(town).await;
    assert_audit_in_words(&app).await;
    let Some(base) = postgres_base() else {
        return;
    };
    let (name, url) = create_database(&base).await;
    let town = TestTown::start(test_config(temp_dir(), Some(url))).await;
    let shared = town.app.platform().shared.clone();
    let app = town.app.clone();
    f(town).await;
    assert_audit_in_words(&app).await;
    shared.close().await;
    drop_database(&base, &name).await;
}

/// Every action and entity any test wrote to a town's audit log has a label the audit page shows
/// (a clerk never reads a raw code such as `visit.desk_done`).
async fn assert_audit_in_words(app: &Application) {
    use machi::audit::labels;
    for town in app.platform().towns().all() {
        let Ok(rt) = &town.ready else { continue };
        let rows = sqlx::query("SELECT DISTINCT action, entity FROM audit_log")
            .fetch_all(&mut *rt.db.conn().await.unwrap())
            .await
            .unwrap();
        for r in rows {
            let action: String = sqlx::Row::get(&r, "action");
            let entity: String = sqlx::Row::get(&r, "entity");
            assert!(
                labels::action(&action).is_some(),
                "audit action {action} has no label"
            );
            assert!(
                labels::entity(&entity).is_some(),
                "audit entity {entity} has no label"
            );
        }
    }
}

async fn exec(url: &str, sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    // Names come from `unique`, never from input.
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

pub struct Response {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Response {
    pub fn location(&self) -> String {
        self.headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

pub async fn get(db: &TestTown, path: &str) -> Response {
    Client::new(db).get(path).await
}

pub async fn record(db: &Db, code: &str, fy: &str, value: &str) {
    machi::plan::commands::record_actual(db, code, fy, value, "", "test")
        .await
        .unwrap();
}

/// A browser-like client for the in-process router: keeps cookies (by name; paths ignored),
/// reads CSRF tokens from pages.
pub struct Client {
    app: axum::Router,
    pub cookies: std::collections::BTreeMap<String, String>,
    /// The CSRF token from the last page that had one.
    pub csrf: String,
    pub ip: std::net::SocketAddr,
    /// The Host header sent.
    pub host: String,
}

fn hidden_value(body: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = body.find(&needle)? + needle.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

impl Client {
    pub fn new(town: &TestTown) -> Client {
        Client::of(town.router())
    }

    /// A browser of a server.
    pub fn of(app: axum::Router) -> Client {
        Client {
            app,
            cookies: Default::default(),
            csrf: String::new(),
            ip: "192.0.2.10:50000".parse().unwrap(),
            host: "machi.test".into(),
        }
    }

    /// A client of a server whose calendar says `today`.
    pub async fn on_day(town: &TestTown, today: time::Date) -> Client {
        Client::of(town.on_day(today).await.router())
    }

    /// Another browser on the same server process (shares its caches).
    pub fn same_server(&self) -> Client {
        Client {
            app: self.app.clone(),
            cookies: Default::default(),
            csrf: String::new(),
            ip: self.ip,
            host: self.host.clone(),
        }
    }

    /// What every request of this browser carries: its address, host and cookies.
    fn prepare(&self, req: &mut axum::http::Request<axum::body::Body>) {
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(self.ip));
        if !req.headers().contains_key("host") {
            req.headers_mut().insert("host", self.host.parse().unwrap());
        }
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
            .body(axum::body::Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Posts a multipart form with the CSRF token and one file.
    pub async fn post_file(&mut self, path: &str, file_name: &str, bytes: &[u8]) -> Response {
        self.post_file_as(path, "file", file_name, bytes).await
    }

    /// Posts a multipart form with the CSRF token and one file in the field `field`.
    pub async fn post_file_as(
        &mut self,
        path: &str,
        field: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Response {
        self.post_multipart(path, &[], Some((field, file_name, bytes)))
            .await
    }

    /// Posts a multipart form: the CSRF token, text fields and at most one file.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> Response {
        let boundary = "machi-test-boundary-7d1f";
        let mut body = Vec::new();
        let csrf = self.csrf.clone();
        for (name, value) in std::iter::once(("csrf", csrf.as_str())).chain(fields.iter().copied())
        {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((field, file_name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = axum::http::Request::builder()
            .method("POST")
            .uri(path)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
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
        self.sign_in_at("", username, password).await
    }

    /// Signs in on the pages below `base` ("" or "/t/CODE").
    pub async fn sign_in_at(&mut self, base: &str, username: &str, password: &str) -> Response {
        self.get(&format!("{base}/login")).await;
        let next = format!("{base}/staff");
        self.post(
            &format!("{base}/login"),
            &[
                ("username", username),
                ("password", password),
                ("next", &next),
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
    db: &TestTown,
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

/// What a browser would send for the form posting to `action`: its inputs (checked boxes only),
/// textareas and selected options, unescaped. Enough for the server-rendered forms of machi.
pub fn form_fields(body: &str, action: &str) -> Vec<(String, String)> {
    let start = body
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let form = &body[start..start + body[start..].find("</form>").unwrap()];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let needle = format!(" {name}=\"");
        let i = tag.find(&needle)? + needle.len();
        Some(unescape(&tag[i..i + tag[i..].find('"')?]))
    };
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let end = rest.find('>').unwrap() + 1;
        let tag = &rest[..end];
        if tag.starts_with("<input") {
            let kind = attr(tag, "type").unwrap_or_default();
            let checkable = kind == "checkbox" || kind == "radio";
            if let Some(name) = attr(tag, "name")
                && kind != "submit"
                && (!checkable || tag.contains(" checked"))
            {
                out.push((name, attr(tag, "value").unwrap_or_default()));
            }
        } else if tag.starts_with("<textarea") {
            let close = rest.find("</textarea>").unwrap();
            if let Some(name) = attr(tag, "name") {
                out.push((name, unescape(&rest[end..close])));
            }
        } else if tag.starts_with("<select") {
            let close = rest.find("</select>").unwrap();
            let options = &rest[end..close];
            if let Some(name) = attr(tag, "name") {
                let chosen = options
                    .split("<option")
                    .skip(1)
                    .find(|o| o[..o.find('>').unwrap()].contains(" selected"))
                    .or_else(|| options.split("<option").nth(1));
                if let Some(o) = chosen {
                    out.push((name, attr(o, "value").unwrap_or_default()));
                }
            }
        }
        rest = &rest[end..];
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
