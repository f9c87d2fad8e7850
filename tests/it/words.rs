//! Any body's plan in its own words: a city's plan (other level names, bodies, head and residents)
//! is run through the cycle, then every page a resident or a member of staff can reach — every
//! GET route machi registers and every link on the pages — every CSV, JSON and xlsx download is
//! read for words that belong to 香美町's plan.

use crate::support::{Client, PASSWORD, TestTown, each_backend, user};
use machi::auth::model::Role;
use std::collections::{BTreeSet, VecDeque};

const MIZUHO: &str = "189995";
const MIZUHO_HOST: &str = "mizuho.example.jp";

/// Words of 香美町's plan (its body, people, head, bodies, levels and classes) that must not
/// appear under another body's plan.
const KAMI_WORDS: &[&str] = &[
    "香美",
    "町民",
    "町長",
    "町役場",
    "本町",
    "町独自",
    "町DX",
    "町の",
    "企画課",
    "デジタル推進室",
    "情報化推進委員会",
    "業務主管課",
    "基本方針",
    "取組内容",
    "施策",
    "285854",
];

/// Adds a body with its plan file and host, as `machi town add` does.
pub async fn add_body(t: &TestTown, code: &str, plan: &str, host: &str) -> machi::app::AppState {
    let path = t.config.data_dir.join(format!("{code}.toml"));
    std::fs::write(&path, plan).unwrap();
    machi::towns::commands::add(
        &t.config,
        &machi::towns::commands::NewTown {
            code,
            name: None,
            plan: Some(&path),
            host: Some(host),
        },
    )
    .await
    .unwrap();
    t.app.platform().sync().await.unwrap();
    t.town(code)
}

/// Adds みずほ市 (tests/fixtures/mizuho-city-2022.toml).
pub async fn add_mizuho(t: &TestTown) -> machi::app::AppState {
    add_body(t, MIZUHO, crate::plan_file::MIZUHO, MIZUHO_HOST).await
}

/// A browser of a body's site (by its host).
pub fn client_of(t: &TestTown, host: &str) -> Client {
    let mut c = Client::new(t);
    c.host = host.into();
    c
}

fn client(t: &TestTown) -> Client {
    client_of(t, MIZUHO_HOST)
}

/// A signed-in browser of a body's site.
pub async fn staff_of(
    t: &TestTown,
    state: &machi::app::AppState,
    host: &str,
    name: &str,
    role: Role,
    dept: &str,
) -> Client {
    user(&state.db, name, role, dept).await;
    let mut c = client_of(t, host);
    assert_eq!(c.sign_in(name, PASSWORD).await.status, 303);
    c
}

async fn staff(
    t: &TestTown,
    state: &machi::app::AppState,
    name: &str,
    role: Role,
    dept: &str,
) -> Client {
    staff_of(t, state, MIZUHO_HOST, name, role, dept).await
}

/// Every GET route, filled in, as the places a sweep starts from.
fn every_get_route() -> Vec<String> {
    crate::security::routes()
        .into_iter()
        .filter(|r| r.get && !r.path.starts_with("/platform") && !r.path.starts_with("/t/"))
        .map(|r| crate::security::fill(&r.path, None))
        .collect()
}

/// Sweeps with each client; fails listing every Kami word found, and unless every one of
/// `must_read` was read by someone.
async fn sweep_all(clients: &mut [&mut Client], plan: &str, starts: &[String], must_read: &[&str]) {
    let mut problems = Vec::new();
    let mut all_seen = BTreeSet::new();
    let mut read = 0;
    for c in clients.iter_mut() {
        let mut seen = BTreeSet::new();
        problems.extend(
            sweep(c, starts, &mut seen)
                .await
                .into_iter()
                // A word the body's own plan uses is its word (施策 in 施策の方向).
                .filter(|(_, found)| !plan.contains(found.split(':').next().unwrap_or(""))),
        );
        read += seen.len();
        all_seen.extend(seen);
    }
    assert!(read > 150, "read {read} pages and downloads");
    for p in must_read {
        assert!(all_seen.contains(*p), "{p} was not read");
    }
    assert!(
        problems.is_empty(),
        "{} places:\n{}",
        problems.len(),
        problems
            .iter()
            .map(|(p, w)| format!("{p}  {w}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Every text a download holds: the text itself, or an xlsx's strings.
fn texts_of(path: &str, bytes: &[u8]) -> String {
    if bytes.starts_with(b"PK") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut all = String::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            if f.name().is_ok_and(|n| n.ends_with(".xml")) {
                std::io::Read::read_to_string(&mut f, &mut all).unwrap();
            }
        }
        return all;
    }
    let (text, _, _) = if path.contains("shift_jis") {
        encoding_rs::SHIFT_JIS.decode(bytes)
    } else {
        encoding_rs::UTF_8.decode(bytes)
    };
    text.into_owned()
}

/// The site-internal links of a page (href and form-less downloads), without fragments.
fn links(body: &str) -> Vec<String> {
    body.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|h| h.replace("&amp;", "&"))
        .map(|h| h.split('#').next().unwrap_or_default().to_string())
        .filter(|h| h.starts_with('/') && !h.starts_with("//") && !h.starts_with("/static/"))
        .collect()
}

/// Reads every reachable page and download of a client; returns (path, word) for every Kami word.
async fn sweep(
    c: &mut Client,
    starts: &[String],
    seen: &mut BTreeSet<String>,
) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut queue: VecDeque<String> = starts.iter().cloned().collect();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) || path == "/logout" || seen.len() > 900 {
            continue;
        }
        let (status, headers, bytes) = c.get_bytes(&path).await;
        if status >= 500 {
            found.push((path.clone(), format!("HTTP {status}")));
            continue;
        }
        let text = texts_of(&path, &bytes);
        for w in KAMI_WORDS {
            if text.contains(w) {
                let at = text.find(w).unwrap();
                let from = text.floor_char_boundary(at.saturating_sub(60));
                let to = text.ceil_char_boundary((at + 60).min(text.len()));
                found.push((path.clone(), format!("{w}: …{}…", &text[from..to])));
            }
        }
        let html = headers
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"));
        if html {
            queue.extend(links(&text));
        }
    }
    found
}

/// A step of the cycle on a report, with the report's current version.
async fn act(c: &mut Client, id: i64, op: &[(&str, &str)]) {
    let path = format!("/staff/reports/{id}");
    let page = c.get(&path).await;
    let version = crate::support::form_fields(&page.body, &path)
        .into_iter()
        .find(|(k, _)| k == "version")
        .unwrap()
        .1;
    let mut f = op.to_vec();
    f.push(("version", &version));
    let r = c.post(&path, &f).await;
    assert_eq!(r.status, 303, "{op:?}: {}", r.body);
}

#[tokio::test]
async fn a_citys_plan_speaks_its_own_words_on_every_page_and_download() {
    each_backend(|t| async move {
        let city = add_mizuho(&t).await;
        let mut dx = staff(&t, &city, "dxoffice", Role::DxOffice, "デジタル戦略課").await;
        let mut dept = staff(&t, &city, "shimin", Role::DepartmentEditor, "市民課").await;
        let mut iin = staff(&t, &city, "iinkai", Role::Committee, "").await;
        let mut admin = staff(&t, &city, "admin", Role::SystemAdmin, "").await;
        let mut viewer = staff(&t, &city, "etsuran", Role::Viewer, "").await;

        // A year of the cycle: period, a department's report, check, evaluation, 確定.
        dx.get("/staff/periods/new").await;
        let r = dx
            .post(
                "/staff/periods",
                &[
                    ("fiscal_year", "R6"),
                    ("kind", "yearly"),
                    ("due_date", "2025-05-31"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let id: i64 = sqlx::query_scalar("SELECT id FROM reports WHERE measure_code = '1-1-2'")
            .fetch_one(&mut *city.db.conn().await.unwrap())
            .await
            .unwrap();
        let page = dept.get(&format!("/staff/reports/{id}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let v = |b: &str| crate::support::form_fields(b, &format!("/staff/reports/{id}"));
        let mut fields = v(&page.body);
        fields.retain(|(k, _)| k != "csrf" && k != "op");
        fields.retain(|(k, _)| {
            !k.starts_with("actual.")
                && !matches!(k.as_str(), "progress" | "shortfall_reason" | "improvement")
        });
        fields.extend([
            ("actual.1-1-2".to_string(), "８".to_string()),
            (
                "progress".to_string(),
                "市民課と税務課の窓口で導入".to_string(),
            ),
            (
                "shortfall_reason".to_string(),
                "本庁舎の改修で2窓口の導入が遅れた".to_string(),
            ),
            (
                "improvement".to_string(),
                "改修後に残りの窓口へ順に導入する".to_string(),
            ),
            ("op".to_string(), "submit".to_string()),
        ]);
        let all: Vec<(&str, &str)> = fields
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let r = dept.post(&format!("/staff/reports/{id}"), &all).await;
        assert_eq!(r.status, 303, "{}", r.body);
        act(&mut dx, id, &[("op", "confirm")]).await;
        act(&mut iin, id, &[("op", "evaluate"), ("grade", "behind")]).await;
        act(&mut dx, id, &[("op", "finalize")]).await;
        let period: i64 = sqlx::query_scalar("SELECT id FROM reporting_periods")
            .fetch_one(&mut *city.db.conn().await.unwrap())
            .await
            .unwrap();
        dx.get("/staff/snapshots").await;
        for kind in ["committee_material", "mayor_report"] {
            let r = dx
                .post(
                    "/staff/snapshots",
                    &[("kind", kind), ("period", &period.to_string())],
                )
                .await;
            assert_eq!(r.status, 303, "{kind}: {}", r.body);
        }

        // The public pages name the city's levels, bodies and people.
        let mut public = client(&t);
        let home = public.get("/").await.body;
        assert!(home.contains("みずほ市 DX推進計画"), "{home}");
        let overview = public.get("/plan").await.body;
        for w in [
            "基本目標1",
            "暮らしのDX",
            "取組分野",
            "取組事項",
            "みずほ市DX推進委員会",
            "リーディングプロジェクト",
        ] {
            assert!(overview.contains(w), "/plan says {w}");
        }
        // Its labels carry the level name already (「基本目標1」): not said twice; and a plan
        // without a 行程表 offers none in the menu.
        let summary = public.get("/plan/summary").await.body;
        for (path, page) in [
            ("/", &home),
            ("/plan", &overview),
            ("/plan/summary", &summary),
        ] {
            assert!(!page.contains("基本目標基本目標"), "{path}: {page}");
            assert!(!page.contains("/plan/roadmap\""), "{path} links a 行程表");
        }

        // Every GET route and every link, for residents and for each role of staff.
        let mut starts = every_get_route();
        starts.extend([
            format!("/staff/reports/{id}"),
            "/plan/kpis.csv?encoding=shift_jis".into(),
        ]);
        sweep_all(
            &mut [
                &mut public,
                &mut dx,
                &mut dept,
                &mut iin,
                &mut admin,
                &mut viewer,
            ],
            crate::plan_file::MIZUHO,
            &starts,
            &[
                "/plan/kpis.xlsx",
                "/plan/kpis.csv",
                "/plan/kpis/series.json",
                "/api/plan",
                "/staff/snapshots/1/download.xlsx",
                "/staff/snapshots/2/download.xlsx",
                "/staff/import/template.xlsx",
            ],
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn a_prefectures_four_level_plan_speaks_its_own_words() {
    each_backend(|t| async move {
        const HOST: &str = "aoba.example.jp";
        let pref = add_body(&t, "480002", crate::plan_file::AOBA, HOST).await;
        let mut dx = staff_of(
            &t,
            &pref,
            HOST,
            "dxoffice",
            Role::DxOffice,
            "デジタル改革課",
        )
        .await;
        let mut admin = staff_of(&t, &pref, HOST, "admin", Role::SystemAdmin, "").await;
        dx.get("/staff/periods/new").await;
        let r = dx
            .post(
                "/staff/periods",
                &[
                    ("fiscal_year", "R6"),
                    ("kind", "yearly"),
                    ("due_date", "2025-05-31"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mut public = client_of(&t, HOST);
        let overview = public.get("/plan").await.body;
        for w in [
            "Ⅰ-2-(1)-① 観光データの分析と発信",
            "施策の方向",
            "主な事業",
            "あおば県デジタル推進本部",
        ] {
            assert!(overview.contains(w), "/plan says {w}");
        }
        let kpi = public.get("/plan/measures/1-2-1-1").await.body;
        assert!(kpi.contains("令和9年 (2027年)末"), "a KPI by calendar year");
        assert!(
            kpi.contains("Ⅰ-2-(1) デジタルマーケティング"),
            "its ancestors"
        );
        sweep_all(
            &mut [&mut public, &mut dx, &mut admin],
            crate::plan_file::AOBA,
            &every_get_route(),
            &["/plan/kpis.xlsx", "/plan/roadmap.xlsx", "/plan/roadmap"],
        )
        .await;
    })
    .await;
}
