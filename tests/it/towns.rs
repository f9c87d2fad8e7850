//! Many towns on one machi: each town is found by host or by /t/CODE/, keeps its own storage,
//! staff and data, and no session, id, search, export, audit or KPI of one town reaches another.
//! The town commands, a town that cannot be opened, the platform administrator, the cross-town
//! view, an install from before towns, and (PostgreSQL) the schema layout Citus needs.

use crate::support::{Client, PASSWORD, TestTown, each_backend, user, with_plan};
use clap::Parser;
use machi::auth::model::Role;
use machi::cli::{Cli, run};

const B: &str = "131016";
const B_NAME: &str = "テスト区";

/// Another body's plan file: the bundled structure under another code, name and id.
fn plan_b(dir: &std::path::Path) -> std::path::PathBuf {
    let text = machi::plan::file::BUNDLED_PLAN
        .replace("id = \"kami-2023\"", "id = \"test-2024\"")
        .replace("code = \"285854\"", &format!("code = \"{B}\""))
        .replace("name = \"香美町\"", &format!("name = \"{B_NAME}\""))
        .replace(
            "title = \"香美町 デジタル・トランスフォーメーション(DX) 推進計画\"",
            "title = \"テスト区 DX推進計画\"",
        );
    let path = dir.join("plan-b.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Adds town B with its plan file and a host.
async fn add_b(t: &TestTown) {
    let plan = plan_b(&t.config.data_dir);
    machi::towns::commands::add(
        &t.config,
        &machi::towns::commands::NewTown {
            code: B,
            name: None,
            plan: Some(&plan),
            host: Some("b.example.jp"),
        },
    )
    .await
    .unwrap();
    t.app.platform().sync().await.unwrap();
}

#[tokio::test]
async fn two_towns_are_served_apart() {
    each_backend(|a| async move {
        with_plan(&a).await;
        add_b(&a).await;
        let b = a.town(B);
        assert_eq!(&*b.base, "", "B has a host of its own");

        // With two towns, plain addresses are the installation's: the list of towns.
        let mut anon = Client::new(&a);
        let home = anon.get("/").await;
        assert_eq!(home.status, 200);
        assert!(home.body.contains("香美町") && home.body.contains(B_NAME));
        assert_eq!(anon.get("/plan").await.status, 404);
        // Each town at its prefix, with its own words and links that stay below it.
        let ka = anon.get("/t/285854/plan").await;
        assert_eq!(ka.status, 200);
        assert!(ka.body.contains("香美町"));
        assert!(ka.body.contains("href=\"/t/285854/plan/kpis\""));
        assert!(!ka.body.contains(B_NAME));
        let kb = anon.get("/t/131016/plan").await;
        assert!(kb.body.contains("テスト区 DX推進計画"), "{}", kb.body);
        assert!(
            !kb.body.contains("href=\"/plan"),
            "links below the prefix only"
        );
        assert_eq!(anon.get("/t/131016").await.status, 308);
        // …and by its host, with plain addresses.
        anon.host = "b.example.jp".into();
        let hb = anon.get("/plan").await;
        assert!(hb.body.contains("テスト区 DX推進計画"));
        assert!(hb.body.contains("href=\"/plan/kpis\""));
        anon.host = "machi.test".into();
        // Unknown or malformed town codes: a 404 in the site frame, never a town's page.
        for path in ["/t/999999/plan", "/t/285855/", "/t/28585/plan", "/t/abc/"] {
            let r = anon.get(path).await;
            assert_eq!(r.status, 404, "{path}");
            assert!(r.body.contains("自治体一覧"), "{path}: {}", r.body);
            assert!(!r.body.contains("香美町 DX推進計画"), "{path}");
        }

        // Staff: the same user name in both towns is two different accounts.
        user(&a, "kikaku", Role::DxOffice, "企画課").await;
        user(&b.db, "kikaku_b", Role::DxOffice, "企画課").await;
        let mut ca = Client::new(&a);
        assert_eq!(
            ca.sign_in_at("/t/285854", "kikaku", PASSWORD).await.status,
            303
        );
        assert_eq!(ca.get("/t/285854/staff").await.status, 200);
        // A's session does not open B, by path or by host: B asks to sign in, shows nothing.
        let r = ca.get("/t/131016/staff").await;
        assert_eq!(r.status, 303);
        assert_eq!(r.location(), "/t/131016/login?next=%2Ft%2F131016%2Fstaff");
        ca.host = "b.example.jp".into();
        let r = ca.get("/staff/opendata").await;
        assert_eq!(r.status, 303);
        assert!(r.location().starts_with("/login"));
        ca.host = "machi.test".into();
        // B's user cannot sign in to A.
        let mut cb = Client::new(&a);
        let r = cb.sign_in_at("/t/285854", "kikaku_b", PASSWORD).await;
        assert_eq!(r.status, 401);

        // Open data: a dataset published in B is nowhere in A.
        let actor = machi::audit::Actor::cli();
        let d = machi::opendata::catalog::create(
            &b.db,
            &machi::opendata::catalog::DatasetInput {
                title: "B区の秘密でないデータ".into(),
                name: "b-only".into(),
                license_id: "cc-by".into(),
                ..Default::default()
            },
            &actor,
        )
        .await
        .unwrap();
        machi::opendata::files::add_resource(
            &b.db,
            &b.data_dir,
            &d,
            machi::opendata::files::NewResource {
                name: "一覧".into(),
                description: String::new(),
                format: String::new(),
                url: String::new(),
                file: Some(("b.csv", "名称\nB区役所\n".as_bytes())),
            },
            &actor,
        )
        .await
        .unwrap();
        let d = machi::opendata::catalog::dataset(&b.db, &d.id)
            .await
            .unwrap()
            .unwrap();
        machi::opendata::catalog::set_state(
            &b.db,
            &d,
            machi::opendata::catalog::State::Published,
            &actor,
        )
        .await
        .unwrap();
        let r = anon.get("/t/131016/opendata/datasets/b-only").await;
        assert_eq!(r.status, 200);
        assert_eq!(
            anon.get("/t/285854/opendata/datasets/b-only").await.status,
            404
        );
        let search = anon
            .get("/t/285854/api/3/action/package_search?q=B区")
            .await;
        assert!(search.body.contains("\"count\":0"), "{}", search.body);
        let show = anon
            .get(&format!("/t/285854/api/3/action/package_show?id={}", d.id))
            .await;
        assert_eq!(show.status, 404);
        let list = anon.get("/t/131016/api/3/action/package_list").await;
        assert!(list.body.contains("b-only"));
        let dcat = anon.get("/t/131016/catalog.jsonld").await;
        assert!(
            dcat.body.contains("http://machi.test/t/131016/dataset/"),
            "DCAT addresses carry the town's prefix: {}",
            dcat.body
        );
        assert!(
            !anon
                .get("/t/285854/catalog.jsonld")
                .await
                .body
                .contains("b-only")
        );

        // KPI figures and exports: B's actual is B's.
        machi::plan::commands::record_actual(&b.db, "1-1-1", "R6", "41", "", "test")
            .await
            .unwrap();
        b.invalidate_plan();
        let api_b = anon.get("/t/131016/api/plan").await;
        assert!(api_b.body.contains("41.0"), "{}", api_b.body);
        let api_a = anon.get("/t/285854/api/plan").await;
        assert!(!api_a.body.contains("41.0"));
        let csv_a = anon.get("/t/285854/plan/kpis/series.csv").await;
        assert!(!csv_a.body.contains(",41"), "{}", csv_a.body);

        // Audit: B's changes are in B's log only.
        let audit = ca.get("/t/285854/staff/audit.csv").await;
        assert_eq!(audit.status, 200);
        assert!(!audit.body.contains("b-only"), "{}", audit.body);
    })
    .await;
}

#[tokio::test]
async fn the_single_town_default_keeps_plain_addresses() {
    let t = crate::support::sqlite_town().await;
    let mut c = Client::new(&t);
    let home = c.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("香美町"));
    assert!(home.body.contains("href=\"/plan\""));
    // The prefix works too, its links staying below it.
    let p = c.get("/t/285854/plan/kpis").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("href=\"/t/285854/plan/roadmap\""));
    // The list of towns, and its data.
    let towns = c.get("/towns").await;
    assert!(towns.body.contains("香美町"));
    let api = c.get("/api/towns").await;
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["towns"][0]["code"], "285854");
    assert_eq!(v["towns"][0]["url"], "/");
    // The 404 page is in the town's frame.
    let r = c.get("/no/such/page").await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("香美町"), "{}", r.body);
    assert!(r.body.contains("href=\"/plan\""), "the town's menu");
}

#[tokio::test]
async fn the_cross_town_view_compares_shared_kpis() {
    each_backend(|a| async move {
        with_plan(&a).await;
        add_b(&a).await;
        crate::support::record(&a, "1-4-1", "R6", "10").await;
        machi::plan::commands::record_actual(&a.town(B).db, "1-4-1", "R6", "18", "", "t")
            .await
            .unwrap();
        let mut c = Client::new(&a);
        let page = c.get("/towns").await;
        assert_eq!(page.status, 200);
        let b = &page.body;
        assert!(b.contains("テスト区 DX推進計画"));
        assert!(b.contains("基本方針"));
        assert!(
            b.contains("オープンデータの公開数"),
            "a kind both plans share"
        );
        assert!(
            b.contains("10セット(令和6年度)") && b.contains("18セット(令和6年度)"),
            "{b}"
        );
        let api: serde_json::Value = serde_json::from_str(&c.get("/api/towns").await.body).unwrap();
        let towns = api["towns"].as_array().unwrap();
        assert_eq!(towns.len(), 2);
        // In code order; links from the list work on this host whatever DNS says: /t/CODE/.
        assert_eq!(towns[0]["code"], B);
        assert_eq!(towns[0]["url"], "/t/131016/");
        let od = api["comparisons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == "open_datasets")
            .unwrap();
        let values: Vec<f64> = od["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["figure"]["value"].as_f64().unwrap())
            .collect();
        assert_eq!(values, [18.0, 10.0]);
        // Each town's progress per 基本方針, by the same roll-up rules as its own page.
        assert_eq!(towns[0]["plan"]["policies"].as_array().unwrap().len(), 2);
    })
    .await;
}

fn cli(dir: &std::path::Path, url: Option<&str>, args: &[&str]) -> Cli {
    let mut all = vec!["machi", "--data-dir", dir.to_str().unwrap()];
    if let Some(u) = url {
        all.extend(["--database-url", u]);
    }
    all.extend_from_slice(args);
    Cli::parse_from(all)
}

#[tokio::test]
async fn town_commands_check_everything_and_never_lose_data_silently() {
    each_backend(|a| async move {
        let dir = a.config.data_dir.clone();
        let url = a.config.database_url.clone();
        let url = url.as_deref();
        let err = |r: anyhow::Result<()>| format!("{:#}", r.unwrap_err());
        // Malformed code, bad check digit, duplicate code, bad and duplicate host.
        let e = err(run(cli(&dir, url, &["town", "add", "12345", "--name", "x"])).await);
        assert!(e.contains("6桁の数字ではありません"), "{e}");
        let e = err(run(cli(&dir, url, &["town", "add", "131017", "--name", "x"])).await);
        assert!(e.contains("検査数字"), "{e}");
        let e = err(run(cli(&dir, url, &["town", "add", "285854", "--name", "x"])).await);
        assert!(e.contains("すでに登録されています"), "{e}");
        run(cli(
            &dir,
            url,
            &[
                "town",
                "add",
                "011002",
                "--name",
                "札幌市",
                "--host",
                "sapporo.example.jp",
            ],
        ))
        .await
        .unwrap();
        let e = err(run(cli(
            &dir,
            url,
            &[
                "town",
                "add",
                "012025",
                "--name",
                "x",
                "--host",
                "sapporo.example.jp",
            ],
        ))
        .await);
        assert!(e.contains("別の自治体が使っています"), "{e}");
        let e = err(run(cli(
            &dir,
            url,
            &["town", "add", "012025", "--name", "x", "--host", "bad_host"],
        ))
        .await);
        assert!(e.contains("使えません"), "{e}");
        // A plan file of another body is refused for this code, and nothing is left behind.
        let plan = plan_b(&dir);
        let e = err(run(cli(
            &dir,
            url,
            &["town", "add", "012025", "--plan", plan.to_str().unwrap()],
        ))
        .await);
        assert!(e.contains("団体コード"), "{e}");
        let towns = machi::towns::commands::list(&a.config).await.unwrap();
        assert_eq!(
            towns.iter().map(|t| t.code.to_string()).collect::<Vec<_>>(),
            ["011002", "285854"]
        );
        assert!(!dir.join("towns").join("012025").exists());
        // Commands ask which town once there are two.
        let e = err(run(cli(&dir, url, &["kpi", "record", "1-1-1", "R6", "3"])).await);
        assert!(e.contains("--town"), "{e}");
        run(cli(
            &dir,
            url,
            &["--town", "285854", "kpi", "record", "1-1-1", "R6", "3"],
        ))
        .await
        .unwrap();
        // Removing needs --purge; with it the town and its storage are gone.
        let e = err(run(cli(&dir, url, &["town", "remove", "011002"])).await);
        assert!(e.contains("--purge"), "{e}");
        assert_eq!(
            machi::towns::commands::list(&a.config).await.unwrap().len(),
            2
        );
        run(cli(&dir, url, &["town", "remove", "011002", "--purge"]))
            .await
            .unwrap();
        assert_eq!(
            machi::towns::commands::list(&a.config).await.unwrap().len(),
            1
        );
        if url.is_none() {
            assert!(!dir.join("towns").join("011002").exists());
        } else {
            let schemas: Vec<String> = sqlx::query_scalar(
                "SELECT nspname::text FROM pg_namespace WHERE nspname = 't_011002'",
            )
            .fetch_all(&mut *a.app.platform().shared.conn().await.unwrap())
            .await
            .unwrap();
            assert!(schemas.is_empty());
        }
    })
    .await;
}

#[tokio::test]
async fn a_town_that_cannot_be_opened_does_not_stop_the_others() {
    each_backend(|a| async move {
        add_b(&a).await;
        // Break B's migration history (as a hand-edited database would).
        sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = 1")
            .bind(vec![0u8; 4])
            .execute(&mut *a.town(B).db.conn().await.unwrap())
            .await
            .unwrap();
        // A new server start: A serves, B says it is unavailable.
        let again = a.on_day(crate::support::mid_plan_day()).await;
        let mut c = Client::new(&again);
        assert_eq!(c.get("/t/285854/plan").await.status, 200);
        let r = c.get("/t/131016/plan").await;
        assert_eq!(r.status, 503);
        assert!(r.body.contains("ただいま表示できません"));
        assert!(
            !r.body.contains("migrat"),
            "no internals shown to residents"
        );
        let towns = machi::towns::commands::list(&a.config).await.unwrap();
        let b = towns.iter().find(|t| t.code.to_string() == B).unwrap();
        assert!(b.last_error.contains("移行"), "{}", b.last_error);
        // The platform administrator sees it.
        user(
            &again.app.platform().shared,
            "pref",
            Role::PlatformAdmin,
            "",
        )
        .await;
        let mut admin = Client::new(&again);
        assert_eq!(
            admin.sign_in_at("/platform", "pref", PASSWORD).await.status,
            303
        );
        let page = admin.get("/platform/staff").await;
        assert!(page.body.contains("開けません"), "{}", page.body);
        assert!(page.body.contains("移行"));
    })
    .await;
}

#[tokio::test]
async fn a_platform_administrator_reads_every_town_and_changes_nothing() {
    each_backend(|a| async move {
        with_plan(&a).await;
        add_b(&a).await;
        user(&a.app.platform().shared, "pref", Role::PlatformAdmin, "").await;
        let mut admin = Client::new(&a);
        let r = admin.sign_in_at("/platform", "pref", PASSWORD).await;
        assert_eq!(r.status, 303);
        assert_eq!(r.location(), "/platform/staff");
        let page = admin.get("/platform/staff").await;
        assert!(page.body.contains("285854") && page.body.contains(B_NAME));
        for town in ["285854", B] {
            let staff = admin.get(&format!("/t/{town}/staff")).await;
            assert_eq!(staff.status, 200, "{town}: {}", staff.body);
            assert!(staff.body.contains("全団体の閲覧"));
            // Reading only: no period, no user list, no password change here.
            let r = admin
                .post(
                    &format!("/t/{town}/staff/periods"),
                    &[("fiscal_year", "2024")],
                )
                .await;
            assert_eq!(r.status, 403, "{town}");
            assert_eq!(
                admin.get(&format!("/t/{town}/staff/users")).await.status,
                403
            );
            assert_eq!(
                admin.get(&format!("/t/{town}/staff/password")).await.status,
                403
            );
        }
        // A town's own user is no platform administrator.
        user(&a, "kikaku", Role::DxOffice, "企画課").await;
        let mut k = Client::new(&a);
        assert_eq!(
            k.sign_in_at("/platform", "kikaku", PASSWORD).await.status,
            401
        );
        let mut k2 = Client::new(&a);
        k2.sign_in_at("/t/285854", "kikaku", PASSWORD).await;
        assert_eq!(k2.get("/platform/staff").await.status, 303);
    })
    .await;
}

#[tokio::test]
async fn an_install_from_before_towns_is_adopted_as_its_town() {
    // A data folder as machi left it before it served many towns: one machi.db.
    let dir = crate::support::temp_dir();
    let old = machi::db::connect(&machi::db::sqlite_url_for_dir(&dir))
        .await
        .unwrap();
    with_plan(&old).await;
    crate::support::record(&old, "1-1-1", "R5", "32").await;
    old.close().await;
    let t = crate::support::sqlite_town_in(dir.clone()).await;
    let towns = machi::towns::commands::list(&t.config).await.unwrap();
    assert_eq!(towns.len(), 1);
    assert_eq!(towns[0].code.to_string(), "285854");
    assert_eq!(towns[0].storage, ".");
    assert!(
        !dir.join("towns").exists(),
        "the old file is used where it is"
    );
    let mut c = Client::new(&t);
    let page = c.get("/plan/measures/1-1-1").await;
    assert!(page.body.contains("32手続"), "{}", page.body);
}

/// The layout Citus 12's schema-based sharding needs, checked on plain PostgreSQL.
#[tokio::test]
async fn postgres_towns_are_schemas_citus_can_distribute() {
    let Some(base) = crate::support::postgres_base() else {
        return;
    };
    let (name, url) = crate::support::create_database(&base).await;
    let mut config = machi::config::Config::for_data_dir(crate::support::temp_dir());
    config.database_url = Some(url);
    let app = machi::app::Application::build_without_listener(&config)
        .await
        .unwrap();
    machi::towns::commands::add(
        &config,
        &machi::towns::commands::NewTown {
            code: B,
            name: Some(B_NAME),
            plan: None,
            host: None,
        },
    )
    .await
    .unwrap();
    let shared = app.platform().shared.clone();
    let q = |sql: &'static str| {
        let shared = shared.clone();
        async move {
            sqlx::query_scalar::<_, String>(sql)
                .fetch_all(&mut *shared.conn().await.unwrap())
                .await
                .unwrap()
        }
    };
    let schemas = q("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 't\\_%' OR nspname = 'machi' ORDER BY 1").await;
    assert_eq!(schemas, ["machi", "t_131016", "t_285854"]);
    // Town tables are only in town schemas; the shared schema has the registry and accounts.
    let shared_tables =
        q("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'machi' ORDER BY 1").await;
    assert!(shared_tables.contains(&"towns".to_string()));
    assert!(!shared_tables.contains(&"plan_revisions".to_string()));
    // No foreign key crosses schemas.
    let cross = q("SELECT c.conname::text FROM pg_constraint c
                   JOIN pg_class a ON a.oid = c.conrelid JOIN pg_namespace na ON na.oid = a.relnamespace
                   JOIN pg_class b ON b.oid = c.confrelid JOIN pg_namespace nb ON nb.oid = b.relnamespace
                   WHERE c.contype = 'f' AND na.nspname <> nb.nspname").await;
    assert!(cross.is_empty(), "{cross:?}");
    // No int4 sequences (Citus encodes the node in sequence values).
    let small = q("SELECT sequence_schema || '.' || sequence_name FROM information_schema.sequences
                   WHERE (sequence_schema LIKE 't\\_%' OR sequence_schema = 'machi') AND data_type <> 'bigint'").await;
    assert!(small.is_empty(), "{small:?}");
    // Migrations never create a schema and its tables in one statement.
    for f in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres")).unwrap()
    {
        let text = std::fs::read_to_string(f.unwrap().path())
            .unwrap()
            .to_uppercase();
        assert!(!text.contains("CREATE SCHEMA"));
    }
    // One pooled connection, two towns in turn: each sees only its own rows.
    let a_db = shared.with_schema("t_285854");
    let b_db = shared.with_schema("t_131016");
    machi::plan::commands::ensure_plan(&a_db).await.unwrap();
    let count = |db: machi::db::Db| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM plan_revisions")
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap()
    };
    for _ in 0..3 {
        assert_eq!(count(a_db.clone()).await, 1);
        assert_eq!(count(b_db.clone()).await, 0);
    }
    shared.close().await;
    crate::support::drop_database(&base, &name).await;
}
