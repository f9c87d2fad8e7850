//! An attacker's view, swept over every route machi registers (read from the source, so a new
//! route is covered the day it is added): CSRF on every state-changing route, every staff route
//! without a session and with a too-weak role, SQL injection and XSS payloads in parameters and
//! fields, session fixation, open redirects, path traversal, oversized bodies, security headers.

use crate::support::{Client, each_backend, signed_in};
use machi::auth::model::Role;

#[derive(Debug, Clone)]
pub struct Route {
    pub path: String,
    pub get: bool,
    pub post: bool,
    pub multipart: bool,
}

/// Every `.route("…", …)` in src/, with its methods.
pub fn routes() -> Vec<Route> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![root];
    let mut out = Vec::new();
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if p.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        for part in text.split(".route(").skip(1) {
            let part = part.trim_start();
            let Some(rest) = part.strip_prefix('"') else {
                continue;
            };
            let (path, after) = rest.split_once('"').unwrap();
            let handlers = after.split(".route(").next().unwrap();
            let handlers = &handlers[..handlers.len().min(400)];
            out.push(Route {
                path: path.to_string(),
                get: handlers.contains("get("),
                post: handlers.contains("post("),
                multipart: handlers.contains("DefaultBodyLimit")
                    || path == "/staff/import"
                    || path.ends_with("/resources"),
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    assert!(out.len() > 80, "found {} routes", out.len());
    out
}

/// A route with its parameters filled in with `value` (or realistic ones when None).
pub fn fill(path: &str, value: Option<&str>) -> String {
    let mut out = String::new();
    for seg in path.split('/').skip(1) {
        out.push('/');
        if seg.starts_with('{') {
            let v = value.map(str::to_string).unwrap_or_else(|| {
                match seg {
                    "{code}" => "1-1-1",
                    "{key}" => "kokuho-kanyu",
                    "{form}" => "kokuho-kanyu",
                    "{action}" => "package_search",
                    "{name}" => "kami-toilets",
                    _ => "1",
                }
                .to_string()
            });
            out.push_str(&urlencode(&v));
        } else {
            out.push_str(seg);
        }
    }
    if out.is_empty() { "/".into() } else { out }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn audit_count(db: &machi::db::Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&mut *db.conn().await.unwrap())
        .await
        .unwrap()
}

/// Routes that take POST but change nothing: the CKAN API answers read-only actions by POST too.
const READ_ONLY_POSTS: [&str; 2] = ["/api/3/action/{action}", "/api/action/{action}"];

#[tokio::test]
async fn every_state_changing_route_refuses_a_request_without_the_csrf_token() {
    each_backend(|db| async move {
        let mut c = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        machi::procedures::store::ensure_catalog(&db).await.unwrap();
        // Real targets, so that the token check itself is what refuses.
        let input = machi::opendata::catalog::DatasetInput {
            title: "t".into(),
            name: "kami-toilets".into(),
            license_id: "cc-by".into(),
            ..Default::default()
        };
        let dataset = machi::opendata::catalog::create(&db, &input, &machi::audit::Actor::cli())
            .await
            .unwrap();
        let before = audit_count(&db).await;
        let mut checked = 0;
        for r in routes().into_iter().filter(|r| r.post) {
            if READ_ONLY_POSTS.contains(&r.path.as_str()) {
                continue;
            }
            let mut path = fill(&r.path, None);
            if r.path.starts_with("/staff/opendata/{id}") {
                path = path.replacen(
                    "/staff/opendata/1",
                    &format!("/staff/opendata/{}", dataset.id),
                    1,
                );
            }
            // A forged form: the session cookie goes along (as a browser would send it), the
            // token does not.
            let (status, _, body) = if r.multipart {
                let b =
                    "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--x--\r\n";
                c.raw(
                    "POST",
                    &path,
                    "multipart/form-data; boundary=x",
                    b.as_bytes().to_vec(),
                )
                .await
            } else {
                c.raw(
                    "POST",
                    &path,
                    "application/x-www-form-urlencoded",
                    b"name=x&version=1&life_event=death".to_vec(),
                )
                .await
            };
            assert_eq!(status, 403, "{path}: {}", String::from_utf8_lossy(&body));
            checked += 1;
        }
        assert!(checked >= 35, "{checked}");
        assert_eq!(audit_count(&db).await, before, "nothing was written");
        // A token from another session does not help either.
        let mut other = signed_in(&db, "hoka", Role::DxOffice, "企画課").await;
        other.get("/staff").await;
        let stolen = other.csrf.clone();
        let r = c
            .post_raw(
                "/staff/counter/visits",
                format!("csrf={stolen}&life_event=death"),
            )
            .await;
        assert_eq!(r.status, 403);
    })
    .await;
}

#[tokio::test]
async fn every_staff_route_needs_a_session_and_the_right_role() {
    each_backend(|db| async move {
        let mut anon = Client::new(&db);
        crate::support::with_plan(&db).await;
        machi::procedures::store::ensure_catalog(&db).await.unwrap();
        let staff: Vec<Route> = routes().into_iter().filter(|r| r.path.starts_with("/staff")).collect();
        for r in &staff {
            let path = fill(&r.path, None);
            if r.get {
                let (status, headers, _) = anon.get_bytes(&path).await;
                assert_eq!(status, 303, "GET {path}");
                let to = headers["location"].to_str().unwrap();
                assert!(to.starts_with("/login?next="), "{path} → {to}");
            }
            if r.post {
                let (status, _, _) = anon.raw("POST", &path, "application/x-www-form-urlencoded", b"x=1".to_vec()).await;
                assert!(status == 303 || status == 403, "POST {path}: {status}");
            }
        }
        // A viewer (町長, other staff) reads; changes nothing, and sees no personal data.
        let mut viewer = signed_in(&db, "etsuran", Role::Viewer, "").await;
        machi::counter::store::open(&db, "death", &machi::audit::Actor::cli(), time::OffsetDateTime::now_utc()).await.unwrap();
        let must_refuse_get = [
            "/staff/users", "/staff/users/new", "/staff/users/1", "/staff/audit", "/staff/audit.csv",
            "/staff/counter", "/staff/counter/visits/1", "/staff/counter/visits/1/print",
            "/staff/counter/visits/1/print/kokuho-kanyu", "/staff/counter/visits/1/forms/kokuho-kanyu",
            "/staff/import", "/staff/opendata", "/staff/opendata/new", "/staff/procedures/new",
            "/staff/procedures/kokuho-kanyu", "/staff/life-events/death", "/staff/forms/kokuho-kanyu",
            "/staff/periods/new",
        ];
        for path in must_refuse_get {
            let (status, _, _) = viewer.get_bytes(path).await;
            assert_eq!(status, 403, "viewer GET {path}");
        }
        viewer.get("/staff").await;
        let csrf = viewer.csrf.clone();
        let before = audit_count(&db).await;
        let allowed_posts = ["/logout", "/staff/password"];
        for r in staff.iter().filter(|r| r.post && !r.multipart) {
            if allowed_posts.contains(&r.path.as_str()) {
                continue;
            }
            let path = fill(&r.path, None);
            let body = format!("csrf={csrf}&name=x&version=1&life_event=death&kind=mayor_report&period=1&op=submit&body=x&username=xx&role=system_admin");
            let (status, _, b) = viewer.raw("POST", &path, "application/x-www-form-urlencoded", body.into_bytes()).await;
            assert!(status == 403 || status == 404, "viewer POST {path}: {status} {}", String::from_utf8_lossy(&b));
        }
        for r in staff.iter().filter(|r| r.multipart) {
            let path = fill(&r.path, None);
            let b = format!("--x\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--x--\r\n");
            let (status, _, _) = viewer.raw("POST", &path, "multipart/form-data; boundary=x", b.into_bytes()).await;
            assert!(status == 403 || status == 404, "viewer multipart POST {path}: {status}");
        }
        assert_eq!(audit_count(&db).await, before, "a viewer changed nothing");
    })
    .await;
}

const SQL: [&str; 4] = [
    "' OR '1'='1",
    "1; DROP TABLE users; --",
    "x\" UNION SELECT password_hash FROM users --",
    "%' AND 1=1 --",
];

#[tokio::test]
async fn sql_injection_in_parameters_and_fields_is_just_text() {
    each_backend(|db| async move {
        let mut c = signed_in(&db, "kanri", Role::SystemAdmin, "").await;
        let mut dx = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        machi::procedures::store::ensure_catalog(&db).await.unwrap();
        let params = [
            "q",
            "status",
            "policy",
            "tag",
            "department",
            "format",
            "license",
            "standard",
            "category",
            "desk",
            "online",
            "next",
            "encoding",
            "fq",
            "sort",
            "rows",
            "start",
            "id",
            "action",
            "user",
            "from",
            "to",
            "modified_since",
            "page",
            "asked",
            "q_kokuho",
            "done",
        ];
        for r in routes().into_iter().filter(|r| r.get) {
            for payload in SQL {
                // In the path …
                let path = fill(&r.path, Some(payload));
                for client in [&mut c, &mut dx] {
                    let (status, _, body) = client.get_bytes(&path).await;
                    assert!(status < 500, "GET {path}: {status}");
                    let text = String::from_utf8_lossy(&body).to_lowercase();
                    assert!(
                        !text.contains("syntax error") && !text.contains("sqlx"),
                        "{path}"
                    );
                }
                // … and in every query parameter the pages read.
                let query: Vec<String> = params
                    .iter()
                    .map(|p| format!("{p}={}", urlencode(payload)))
                    .collect();
                let path = format!("{}?{}", fill(&r.path, None), query.join("&"));
                let (status, _, _) = dx.get_bytes(&path).await;
                assert!(status < 500, "GET {path}: {status}");
            }
        }
        // Fields are stored as written.
        dx.get("/staff/procedures/new").await;
        let r = dx
            .post(
                "/staff/procedures",
                &[
                    ("key", "sql-test"),
                    ("name", SQL[1]),
                    ("category", SQL[0]),
                    ("field", SQL[2]),
                    ("ch_counter", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let p = machi::procedures::store::procedure(&db, "sql-test")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.procedure.name, SQL[1]);
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(users, 2, "the users table is still there");
        let r = c.sign_in("' OR '1'='1", "' OR '1'='1").await;
        assert_ne!(r.status, 303);
    })
    .await;
}

const XSS: &str = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>";

#[tokio::test]
async fn stored_and_reflected_markup_is_escaped() {
    each_backend(|db| async move {
        let mut dx = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        machi::procedures::store::ensure_catalog(&db).await.unwrap();
        // Stored: a procedure, a dataset, a user's display name, a resident's name at the counter.
        dx.get("/staff/procedures/new").await;
        let r = dx
            .post(
                "/staff/procedures",
                &[
                    ("key", "xss"),
                    ("name", XSS),
                    ("category", XSS),
                    ("field", XSS),
                    ("who", XSS),
                    ("note", XSS),
                    ("bring", XSS),
                    ("ch_counter", "1"),
                    ("ch_town_form", "1"),
                    ("ch_town_form_url", "https://example.jp/\"><script>"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        dx.get("/staff/opendata/new").await;
        let r = dx
            .post(
                "/staff/opendata",
                &[
                    ("title", XSS),
                    ("name", "xss-data"),
                    ("notes", XSS),
                    ("department", XSS),
                    ("tags", XSS),
                    ("license_id", "cc-by"),
                    ("contact", XSS),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        crate::support::user(&db, "xssuser", Role::Viewer, "").await;
        sqlx::query("UPDATE users SET display_name = $1 WHERE username = 'xssuser'")
            .bind(XSS)
            .execute(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        let v = machi::counter::store::open(
            &db,
            "death",
            &machi::audit::Actor::cli(),
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
        let person = std::collections::BTreeMap::from([
            ("p1.name".to_string(), "<b>名前</b>".to_string()),
            ("applicant.address".to_string(), XSS.to_string()),
        ]);
        machi::counter::store::save_details(
            &db,
            v.id,
            &person,
            Some(1),
            &machi::audit::Actor::cli(),
        )
        .await
        .unwrap();
        let mut anon = Client::new(&db);
        let pages = [
            "/procedures",
            "/procedures/xss",
            "/procedures?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            "/opendata?q=%3Cscript%3E&tag=%3Cscript%3E",
            "/plan/kpis?status=%3Cscript%3E&policy=%3Cscript%3E",
            "/life-events/death?q_kokuho=%3Cscript%3E",
            "/login?next=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        ];
        for path in pages {
            let r = anon.get(path).await;
            assert!(!r.body.contains("<script>"), "{path}");
            assert!(!r.body.contains("<img src=x"), "{path}");
        }
        let mut admin = signed_in(&db, "kanri", Role::SystemAdmin, "").await;
        for path in [
            "/staff/procedures",
            "/staff/procedures/xss",
            "/staff/opendata",
            "/staff/users",
            "/staff/audit",
            &format!("/staff/counter/visits/{}", v.id),
            &format!("/staff/counter/visits/{}/print", v.id),
        ] {
            let client = if path.contains("users") || path.contains("audit") {
                &mut admin
            } else {
                &mut dx
            };
            let r = client.get(path).await;
            assert_eq!(r.status, 200, "{path}");
            assert!(!r.body.contains("<script>alert"), "{path}");
            assert!(!r.body.contains("<img src=x"), "{path}");
            assert!(!r.body.contains("<b>名前</b>"), "{path}");
        }
    })
    .await;
}

#[tokio::test]
async fn sessions_redirects_traversal_sizes_and_headers() {
    each_backend(|db| async move {
        crate::support::with_plan(&db).await;
        crate::support::user(&db, "kikaku", Role::DxOffice, "企画課").await;
        // Session fixation: a session id chosen by an attacker is neither used nor kept.
        let mut c = Client::new(&db);
        c.cookies
            .insert("machi_session".into(), "attacker-chosen".into());
        assert_eq!(c.get("/staff").await.status, 303);
        c.sign_in("kikaku", crate::support::PASSWORD).await;
        assert_ne!(c.cookies["machi_session"], "attacker-chosen");
        let mut attacker = Client::new(&db);
        attacker
            .cookies
            .insert("machi_session".into(), "attacker-chosen".into());
        assert_eq!(attacker.get("/staff").await.status, 303);
        // Open redirects after sign-in.
        for next in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "/%0d%0aLocation:%20https://evil",
        ] {
            let mut c = Client::new(&db);
            c.get(&format!("/login?next={}", urlencode(next))).await;
            let r = c
                .post(
                    "/login",
                    &[
                        ("username", "kikaku"),
                        ("password", crate::support::PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            assert_eq!(r.status, 303);
            let to = r.headers["location"].to_str().unwrap();
            assert!(
                to == "/staff"
                    || (to.starts_with('/')
                        && !to.starts_with("//")
                        && !to.contains("evil.example")),
                "{next} → {to}"
            );
        }
        // Path traversal in every file-serving route.
        let mut anon = Client::new(&db);
        for path in [
            "/opendata/datasets/x/resources/..%2F..%2F..%2Fetc%2Fpasswd/download",
            "/opendata/datasets/..%2F..%2Fmachi.db/resources/1/download",
            "/dataset/..%2F..%2Fmachi.db",
            "/static/..%2F..%2FCargo.toml",
            "/static/../Cargo.toml",
            "/staff/opendata/templates/..%2F..%2F..%2Fetc%2Fpasswd",
        ] {
            let (status, _, body) = anon.get_bytes(path).await;
            assert!(matches!(status, 303 | 400 | 404), "{path}: {status}");
            assert!(!String::from_utf8_lossy(&body).contains("root:"), "{path}");
        }
        // Oversized bodies: refused with 413 before being read whole.
        let big = vec![b'a'; 2 * 1024 * 1024];
        let (status, _, _) = anon
            .raw(
                "POST",
                "/login",
                "application/x-www-form-urlencoded",
                big.clone(),
            )
            .await;
        assert_eq!(status, 413);
        let bigger = vec![b'a'; 3 * 1024 * 1024];
        let (status, _, _) = anon
            .raw(
                "POST",
                "/api/3/action/package_search",
                "application/json",
                bigger,
            )
            .await;
        assert_eq!(status, 413);
        drop(big);
        // Security headers on every kind of response.
        let mut dx = Client::new(&db);
        dx.sign_in("kikaku", crate::support::PASSWORD).await;
        machi::procedures::store::ensure_catalog(&db).await.unwrap();
        for r in routes().into_iter().filter(|r| r.get) {
            let path = fill(&r.path, None);
            for client in [&mut anon, &mut dx] {
                let (status, h, _) = client.get_bytes(&path).await;
                let csp = h
                    .get("content-security-policy")
                    .map(|v| v.to_str().unwrap().to_string())
                    .unwrap_or_default();
                assert!(
                    csp.contains("default-src 'none'") || csp.contains("default-src 'self'"),
                    "{path} {status}: CSP {csp}"
                );
                assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
                assert!(
                    !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
                    "{path}: {csp}"
                );
                assert_eq!(
                    h.get("x-content-type-options").map(|v| v.to_str().unwrap()),
                    Some("nosniff"),
                    "{path}"
                );
                assert!(h.contains_key("referrer-policy"), "{path}");
            }
        }
    })
    .await;
}

/// Another town's staff routes, every one, with a signed-in session of this town: by the path
/// prefix and by the other town's host name, reading and writing, the answer is the other town's
/// sign-in page — never its data, never a change.
#[tokio::test]
async fn a_session_of_one_town_opens_nothing_of_another() {
    each_backend(|db| async move {
        db.add_town("131016", "テスト区", Some("b.example.jp"))
            .await;
        let b = db.town("131016");
        crate::support::user(&b.db, "kikaku", Role::DxOffice, "企画課").await;
        let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&mut *b.db.conn().await.unwrap())
            .await
            .unwrap();
        // The same user name and role in town A: a different account.
        let mut a = Client::new(&db);
        crate::support::user(&db, "kikaku", Role::DxOffice, "企画課").await;
        assert_eq!(
            a.sign_in_at("/t/285854", "kikaku", crate::support::PASSWORD)
                .await
                .status,
            303
        );
        assert_eq!(a.get("/t/285854/staff").await.status, 200);
        let mut checked = 0;
        for r in routes()
            .iter()
            .filter(|r| r.path.starts_with("/staff") || r.path == "/logout")
        {
            let path = fill(&r.path, None);
            for (host, prefixed) in [
                ("machi.test", format!("/t/131016{path}")),
                ("b.example.jp", path.clone()),
            ] {
                a.host = host.into();
                let mut answers = Vec::new();
                if r.get {
                    answers.push(a.get(&prefixed).await);
                }
                if r.post {
                    answers.push(a.post(&prefixed, &[("name", "x")]).await);
                }
                for res in answers {
                    assert_eq!(res.status, 303, "{host}{prefixed}: {}", res.status);
                    assert!(
                        res.location().contains("/login"),
                        "{host}{prefixed} → {}",
                        res.location()
                    );
                    assert!(!res.body.contains("テスト区"), "{host}{prefixed}");
                    checked += 1;
                }
            }
        }
        a.host = "machi.test".into();
        assert!(checked > 100, "{checked}");
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&mut *b.db.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(before, after, "nothing was written in town B");
        // A is still signed in to A.
        assert_eq!(a.get("/t/285854/staff").await.status, 200);
    })
    .await;
}
