use clap::Parser;
use machi::cli::{Cli, run};

fn cli(dir: &std::path::Path, args: &[&str]) -> Cli {
    let mut all = vec!["machi", "--data-dir", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    Cli::parse_from(all)
}

#[tokio::test]
async fn import_record_and_export_from_the_command_line() {
    let dir = crate::support::temp_dir();
    let plan_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/kami-2023.toml");
    run(cli(&dir, &["plan", "import", plan_path.to_str().unwrap()]))
        .await
        .unwrap();
    run(cli(
        &dir,
        &[
            "kpi",
            "record",
            "1-1-1",
            "R5",
            "32",
            "--note",
            "ぴったりサービス公開数",
        ],
    ))
    .await
    .unwrap();
    let err = run(cli(&dir, &["kpi", "record", "1-1-1", "R5", "三十"]))
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("「三十」は数値として読めません"));
    let out = dir.join("export.toml");
    run(cli(
        &dir,
        &["plan", "export", "--output", out.to_str().unwrap()],
    ))
    .await
    .unwrap();
    let exported = std::fs::read_to_string(&out).unwrap();
    let original = machi::plan::file::parse(machi::plan::file::BUNDLED_PLAN, "b").unwrap();
    assert_eq!(machi::plan::file::parse(&exported, "e").unwrap(), original);
}

#[tokio::test]
async fn a_broken_plan_file_writes_nothing() {
    let dir = crate::support::temp_dir();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        machi::plan::file::BUNDLED_PLAN.replacen("target = 45", "target = \"x\"", 1),
    )
    .unwrap();
    let data = dir.join("data");
    let err = run(cli(&data, &["plan", "import", bad.to_str().unwrap()]))
        .await
        .unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("bad.toml"), "{msg}");
    assert!(msg.contains("行目"), "{msg}");
    assert!(!data.exists(), "no database is created for a refused file");

    // A file that is not UTF-8 is named too.
    std::fs::write(&bad, b"title = \"\x82\xa0\"\n").unwrap();
    let err = run(cli(&data, &["plan", "check", bad.to_str().unwrap()]))
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("UTF-8"));
}

#[tokio::test]
async fn another_town_loads_its_own_procedure_catalog() {
    let dir = crate::support::temp_dir();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/procedures/seed");
    let kami = root.join("kami.toml");
    let form = root.join("forms/kokuho-kanyu.toml");
    run(cli(
        &dir,
        &[
            "procedures",
            "check",
            kami.to_str().unwrap(),
            "--form",
            form.to_str().unwrap(),
        ],
    ))
    .await
    .unwrap();
    let town = dir.join("town.toml");
    std::fs::write(
        &town,
        r#"format = "machi-procedures/1"
[[procedures]]
key = "tennyu"
name = "転入届"
category = "引っ越し"
field = "住民記録"
department = "住民課"
channels = [{ kind = "counter" }]

[[life_events]]
key = "move_in"
title = "転入"
short = "転入"
subject_label = "転入する方"
event_date_label = "転入した日"
questions = [{ key = "card", text = "マイナンバーカードをお持ちですか" }]
steps = [{ procedure = "tennyu", when = "card or kard" }]
"#,
    )
    .unwrap();
    let err = run(cli(&dir, &["procedures", "check", town.to_str().unwrap()]))
        .await
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("質問のキー「kard」がありません"),
        "{err:#}"
    );
    std::fs::write(
        &town,
        std::fs::read_to_string(&town)
            .unwrap()
            .replace(" or kard", ""),
    )
    .unwrap();
    // The form names a procedure the town's file does not have: refused, nothing written.
    let err = run(cli(
        &dir,
        &[
            "procedures",
            "import",
            town.to_str().unwrap(),
            "--form",
            form.to_str().unwrap(),
        ],
    ))
    .await
    .unwrap_err();
    assert!(
        format!("{err:#}").contains("手続き「kokuho-kanyu」が"),
        "{err:#}"
    );
    run(cli(&dir, &["procedures", "import", town.to_str().unwrap()]))
        .await
        .unwrap();
    let db = machi::db::connect(&machi::db::sqlite_url_for_dir(
        &dir.join("towns").join("285854"),
    ))
    .await
    .unwrap();
    let procs = machi::procedures::store::procedures(&db).await.unwrap();
    assert_eq!(procs.len(), 1);
    assert_eq!(procs[0].procedure.department, "住民課");
    assert_eq!(
        machi::procedures::store::life_events(&db)
            .await
            .unwrap()
            .len(),
        1
    );
    // The purge from the command line.
    let v = machi::counter::store::open(
        &db,
        "move_in",
        &machi::audit::Actor::cli(),
        time::OffsetDateTime::now_utc() - time::Duration::days(10),
    )
    .await
    .unwrap();
    run(cli(
        &dir,
        &["counter", "purge", "--counter-retention-days", "7"],
    ))
    .await
    .unwrap();
    let v = machi::counter::store::visit(&db, v.id)
        .await
        .unwrap()
        .unwrap();
    assert!(v.purged_at.is_some());
}

#[tokio::test]
async fn the_faq_is_imported_and_measured_from_the_command_line() {
    let dir = crate::support::temp_dir();
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "番号,質問,回答,分類\n1,ごみの日は?,,ごみ\n1,ごみの日は?,地区ごとです,ごみ\n",
    )
    .unwrap();
    let err = run(cli(&dir, &["faq", "import", bad.to_str().unwrap()]))
        .await
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("何も書き込んでいません"),
        "{err:#}"
    );
    let faq = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/faq/faq.jsonl");
    run(cli(&dir, &["faq", "import", faq.to_str().unwrap()]))
        .await
        .unwrap();
    // Imported again: nothing changes, nothing is versioned twice.
    run(cli(&dir, &["faq", "import", faq.to_str().unwrap()]))
        .await
        .unwrap();
    let queries = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/faq/queries.jsonl");
    run(cli(&dir, &["faq", "eval", queries.to_str().unwrap()]))
        .await
        .unwrap();
    let config = machi::config::Config::for_data_dir(dir.clone());
    let app = machi::app::Application::build_without_listener(&config)
        .await
        .unwrap();
    let town = app
        .platform()
        .towns()
        .only_town()
        .unwrap()
        .state(app.platform())
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM faq_versions")
        .fetch_one(&mut *town.db.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(n, 216);
}

#[tokio::test]
async fn receipt_files_and_konbini_statistics_are_imported_from_the_command_line() {
    let dir = crate::support::temp_dir();
    let terminal = dir.join("terminal.csv");
    std::fs::write(
        &terminal,
        "取引日時,端末名,伝票番号,ブランド,金額\n2025/06/02 10:05,窓口1,0001,PayPay,300\n",
    )
    .unwrap();
    let args = |kind: &'static str, f: &std::path::Path| {
        vec!["receipts", "import", "--kind", kind, f.to_str().unwrap()]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let cli_of = |a: Vec<String>| cli(&dir, &a.iter().map(String::as_str).collect::<Vec<_>>());
    run(cli_of(args("terminal", &terminal))).await.unwrap();
    // Again: nothing added; a wrong kind and a bad file are refused with nothing written.
    run(cli_of(args("terminal", &terminal))).await.unwrap();
    let err = run(cli_of(args("cash", &terminal))).await.unwrap_err();
    assert!(format!("{err:#}").contains("terminal、convenience_store、el_qr"));
    let bad = dir.join("cvs.csv");
    std::fs::write(&bad, "収納日,受付番号,金額\n2025/07/01,C-1,百\n").unwrap();
    let err = run(cli_of(args("convenience_store", &bad)))
        .await
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("何も書き込んでいません"),
        "{err:#}"
    );
    let stats = dir.join("konbini.csv");
    std::fs::write(&stats, "年月,証明書,通数\n2025年4月,住民票の写し,12\n").unwrap();
    run(cli(
        &dir,
        &["certificates", "import", stats.to_str().unwrap()],
    ))
    .await
    .unwrap();

    let db = machi::db::connect(&machi::db::sqlite_url_for_dir(
        &dir.join("towns").join("285854"),
    ))
    .await
    .unwrap();
    let mut conn = db.conn().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM receipts")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(n, 1, "the second import added nothing");
    let copies: i64 =
        sqlx::query_scalar("SELECT CAST(SUM(copies) AS BIGINT) FROM certificate_issues")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(copies, 12);
}
