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
    let original = machi::plan::file::parse(machi::plan::file::BUNDLED_KAMI, "b").unwrap();
    assert_eq!(machi::plan::file::parse(&exported, "e").unwrap(), original);
}

#[tokio::test]
async fn a_broken_plan_file_writes_nothing() {
    let dir = crate::support::temp_dir();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        machi::plan::file::BUNDLED_KAMI.replacen("target = 45", "target = \"x\"", 1),
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
