//! `machi backup`: a consistent copy of a running instance, and a restore that gives the same data.

use clap::Parser;
use machi::audit::Actor;
use machi::cli::{Cli, run};
use machi::db::Db;

/// Every table's rows, as SQLite quotes them, in rowid order.
async fn contents(db: &Db) -> Vec<(String, String)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut *db.conn().await.unwrap())
    .await
    .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{t}')"
        )))
        .fetch_all(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
        let row = cols
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join("||','||");
        // Table and column names come from the schema, not from input.
        let all: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT group_concat(r, char(10)) FROM (SELECT {row} AS r FROM \"{t}\" ORDER BY rowid)"
        )))
        .fetch_one(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
        out.push((t, all.unwrap_or_default()));
    }
    out
}

#[tokio::test]
async fn a_backup_of_a_running_instance_restores_to_the_same_data() {
    let db = crate::support::sqlite_town().await;
    let dir = db.config.data_dir.clone();
    let town_files = db.state.data_dir.to_path_buf();
    crate::support::with_plan(&db).await;
    machi::procedures::store::ensure_catalog(&db).await.unwrap();
    crate::support::record(&db, "2-2-3", "R6", "900000").await;
    let actor = Actor::cli();
    let input = machi::opendata::catalog::DatasetInput {
        title: "公衆トイレ一覧".into(),
        name: "toilets".into(),
        license_id: "cc-by".into(),
        ..Default::default()
    };
    let d = machi::opendata::catalog::create(&db, &input, &actor)
        .await
        .unwrap();
    machi::opendata::files::add_resource(
        &db,
        &town_files,
        &d,
        machi::opendata::files::NewResource {
            name: "一覧".into(),
            description: String::new(),
            format: String::new(),
            url: String::new(),
            file: Some(("toilets.csv", "名称\n香住駅\n".as_bytes())),
        },
        &actor,
    )
    .await
    .unwrap();

    // Writes go on while the backup is taken.
    let writer_db = db.db.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let writer = tokio::spawn(async move {
        let mut n = 0;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            machi::counter::store::open(
                &writer_db,
                "death",
                &Actor::cli(),
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
            n += 1;
            tokio::task::yield_now().await;
        }
        n
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let backup_dir = dir.join("backup");
    let cli = Cli::parse_from([
        "machi",
        "--data-dir",
        dir.to_str().unwrap(),
        "backup",
        backup_dir.to_str().unwrap(),
    ]);
    run(cli).await.unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(written > 0);

    // The same layout: the shared file, and the town's folder with its database and files.
    assert!(backup_dir.join("platform.db").exists());
    let copy = machi::db::connect(&machi::db::sqlite_url_for_dir(
        &backup_dir.join("towns").join("285854"),
    ))
    .await
    .unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut *copy.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(check, "ok");
    // Consistent: every visit in the copy has its audit entry, and no entry lacks its visit.
    let visits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM counter_visits")
        .fetch_one(&mut *copy.conn().await.unwrap())
        .await
        .unwrap();
    let opened: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'visit.open'")
            .fetch_one(&mut *copy.conn().await.unwrap())
            .await
            .unwrap();
    assert_eq!(visits, opened);
    // The uploaded file came along, under the same name.
    let files: Vec<_> = walk(&backup_dir.join("towns").join("285854").join("opendata"));
    assert_eq!(files.len(), 1);
    assert_eq!(
        std::fs::read_to_string(&files[0]).unwrap(),
        "名称\n香住駅\n"
    );

    // Quiet now: a second backup equals the original exactly, table by table.
    let again = dir.join("backup2");
    run(Cli::parse_from([
        "machi",
        "--data-dir",
        dir.to_str().unwrap(),
        "backup",
        again.to_str().unwrap(),
    ]))
    .await
    .unwrap();
    // Restored by starting machi on the backup folder.
    let restored = crate::support::sqlite_town_in(again.clone()).await;
    assert_eq!(contents(&db).await, contents(&restored).await);
    // And serves the same pages.
    let mut a = crate::support::Client::new(&db);
    let mut b = crate::support::Client::new(&restored);
    for path in ["/api/plan", "/procedures", "/opendata/datasets/toilets"] {
        assert_eq!(a.get(path).await.body, b.get(path).await.body, "{path}");
    }
    // A non-empty target is refused; PostgreSQL points to pg_dump.
    let err = run(Cli::parse_from([
        "machi",
        "--data-dir",
        dir.to_str().unwrap(),
        "backup",
        again.to_str().unwrap(),
    ]))
    .await
    .unwrap_err();
    assert!(format!("{err:#}").contains("既にあります"));
    let err = run(Cli::parse_from([
        "machi",
        "--database-url",
        "postgres://postgres@127.0.0.1:1/x",
        "backup",
        dir.join("pg").to_str().unwrap(),
    ]))
    .await
    .unwrap_err();
    assert!(format!("{err:#}").contains("pg_dump"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
