//! The validator against frictionless-py, case by case (tests/fixtures/validate: each case's
//! data.csv and schema.json, and frictionless.json = what frictionless-py 5.21 found, recorded
//! by `bench/validate_cases.py write`), machi's own checks apart, and the report people read.

use machi::opendata::schema::TableSchema;
use machi::opendata::validate::{Severity, render, validate};
use std::path::Path;

/// An error as (type, row, column).
type Finding = (String, Option<usize>, Option<usize>);

fn case(dir: &Path) -> (Vec<u8>, TableSchema, Vec<Finding>) {
    let data = std::fs::read(dir.join("data.csv")).unwrap();
    let schema =
        TableSchema::from_json(&std::fs::read_to_string(dir.join("schema.json")).unwrap()).unwrap();
    let expected: Vec<Finding> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("frictionless.json")).unwrap())
            .unwrap();
    (data, schema, expected)
}

#[test]
fn every_case_gives_frictionless_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validate");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 50, "{} cases", dirs.len());
    let mut differ = Vec::new();
    for dir in &dirs {
        let (data, schema, expected) = case(dir);
        let r = validate(data.as_slice(), &schema, 100_000).unwrap();
        let mut got: Vec<Finding> = r
            .errors
            .iter()
            .map(|e| (e.kind.clone(), e.row_number, e.field_number))
            .collect();
        got.sort();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("standard-") && name.ends_with("-valid") && !r.valid {
            differ.push(format!(
                "{name}: a valid file of a bundled standard: {:?}",
                r.checks
            ));
        }
        if got != expected {
            differ.push(format!(
                "{}: machi {got:?}\n  frictionless {expected:?}",
                dir.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

#[test]
fn machis_own_checks_come_apart_with_a_severity() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validate");
    let (data, schema, _) = case(&root.join("codes-full-width-and-check-digit"));
    let r = validate(data.as_slice(), &schema, 100).unwrap();
    let checks: Vec<(&str, Option<usize>, Severity)> = r
        .checks
        .iter()
        .map(|c| (c.check.as_str(), c.row_number, c.severity))
        .collect();
    assert_eq!(
        checks,
        [
            ("full-width-digits", Some(3), Severity::Error),
            ("check-digit", Some(4), Severity::Error),
        ]
    );
    assert!(
        r.checks[0].message.contains("半角で「285854」"),
        "{}",
        r.checks[0].message
    );
    assert!(
        r.checks[1].message.contains("検査数字は 4"),
        "{}",
        r.checks[1].message
    );
    assert!(!r.valid);

    // Coordinates, placeholders and lenient forms, on a 公衆トイレ-like file.
    let schema = TableSchema::from_json(
        r#"{"fields": [
            {"name": "名称", "type": "string"},
            {"name": "緯度", "type": "number"},
            {"name": "経度", "type": "number"},
            {"name": "開始", "type": "time", "format": "%H:%M"},
            {"name": "設置日", "type": "date"}
        ]}"#,
    )
    .unwrap();
    let csv = "名称,緯度,経度,開始,設置日\n\
               香住駅,35.633,134.629,06:00,2023-04-01\n\
               入替,134.629,35.633,6:00,2023-4-1\n\
               未入力,0,0,06:00,2023-04-01\n\
               確認中,35.6,134.6,06:00,令和5年4月1日\n";
    let r = validate(csv.as_bytes(), &schema, 100).unwrap();
    let checks: Vec<(&str, usize)> = r
        .checks
        .iter()
        .map(|c| (c.check.as_str(), c.row_number.unwrap()))
        .collect();
    assert_eq!(
        checks,
        [
            ("outside-japan", 3),
            ("outside-japan", 3),
            ("non-iso-date", 3),
            ("non-iso-date", 3),
            ("zero-coordinates", 4),
            ("placeholder-text", 5),
        ]
    );
    // Frictionless's findings: only the 和暦 date, with the form to write instead.
    assert_eq!(r.error_count, 1);
    assert!(
        r.errors[0]
            .message
            .contains("和暦です。西暦で「2023-04-01」と書きます"),
        "{}",
        r.errors[0].message
    );
    assert_eq!(r.check_errors(), 3);
}

#[test]
fn the_report_groups_counts_and_cuts_long_values() {
    let schema = TableSchema::from_json(
        r#"{"fields": [{"name": "ID", "type": "integer"}, {"name": "名称", "type": "string"},
            {"name": "緯度", "type": "number"}]}"#,
    )
    .unwrap();
    let mut csv = String::from("ID,名称,緯度\n");
    for i in 0..600 {
        csv.push_str(&format!("{i},駅{i},北緯35\n"));
    }
    let long = "あ".repeat(1_000_000);
    csv.push_str(&format!("x,{long},35\n"));
    let r = validate(csv.as_bytes(), &schema, 50).unwrap();
    assert_eq!(r.error_count, 601);
    assert_eq!(r.errors.len(), 50, "the list is capped; the count is not");
    let g = &r.groups[0];
    assert_eq!(
        (g.kind.as_str(), g.field_name.as_deref(), g.count),
        ("type-error", Some("緯度"), 600)
    );
    assert_eq!(g.rows, [2, 3, 4, 5, 6]);
    let text = render::text("toilets.csv", &r, 10);
    assert!(
        text.contains("「緯度」(3列目) 型の誤り: 600件 2・3・4・5・6行目 ほか"),
        "{text}"
    );
    assert!(text.contains("→ 直し方:"));
    assert!(!text.contains("[type-error]"), "kinds in Japanese");
    assert!(
        text.len() < 10_000,
        "a 1 MB cell does not make a 1 MB report"
    );
    let csv_out = String::from_utf8(render::csv(&r)).unwrap();
    assert!(csv_out.starts_with("\u{feff}種類,種類(名前),重さ,行,列,項目,値,内容"));
    assert_eq!(csv_out.lines().count(), 51);
}

#[test]
fn a_shift_jis_file_ascii_for_its_first_100_kb_is_read_as_shift_jis() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validate");
    let (data, schema, _) = case(&root.join("encoding-shift-jis-late"));
    assert!(data.iter().take(100_000).all(u8::is_ascii));
    let r = validate(data.as_slice(), &schema, 100).unwrap();
    assert!(r.valid, "{:?}", r.errors);
    assert_eq!(r.encoding, "Shift_JIS");
    // A broken file: a Japanese message, never the parser's own words.
    let r = validate(&b"id,name\n1,\"unclosed\n2,x\n"[..], &schema, 100).unwrap();
    assert!(
        r.errors.iter().all(|e| !e.message.contains("error")),
        "{:?}",
        r.errors
    );
}

/// A 公衆トイレ file in the layout published before 2021 (the column list of the 推奨データセット,
/// ../shared/reference/standard-datasets.json), saved by Excel as Shift_JIS.
fn old_toilet_file() -> Vec<u8> {
    let header = "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,名称_英語,住所,方書,設置位置,緯度,経度,男性トイレ総数,男性トイレ数（小便器）,男性トイレ数（和式）,男性トイレ数（洋式）,女性トイレ総数,女性トイレ数（和式）,女性トイレ数（洋式）,男女共用トイレ総数,男女共用トイレ数（和式）,男女共用トイレ数（洋式）,多機能トイレ数,車椅子使用者用トイレ有無,乳幼児用設備設置トイレ有無,オストメイト設置トイレ有無,利用開始時間,利用終了時間,利用可能時間特記事項,画像,画像_ライセンス,備考";
    let row = "285854,1,兵庫県,香美町,香住駅トイレ,カスミエキトイレ,,兵庫県美方郡香美町香住区若松,,駅舎内,35.633,134.629,3,1,0,2,2,0,2,0,0,0,1,有,無,無,06:00,22:00,,,,";
    encoding_rs::SHIFT_JIS
        .encode(&format!("{header}\r\n{row}\r\n"))
        .0
        .into_owned()
}

#[tokio::test]
async fn an_old_layout_is_recognised_mapped_and_converted_to_a_new_file() {
    let schema = machi::opendata::standard::by_key("public_toilet")
        .unwrap()
        .schema();
    let r = validate(old_toilet_file().as_slice(), &schema, 1000).unwrap();
    let note = r.legacy.as_ref().expect("recognised as the old layout");
    assert_eq!(note.dataset, "公衆トイレ一覧");
    assert!(note.mapping.contains(&("NO".into(), Some("ID".into()))));
    assert!(
        note.mapping
            .contains(&("住所".into(), Some("所在地_連結表記".into())))
    );
    let text = render::text("old.csv", &r, 0);
    assert!(
        text.contains("以前の形式") && text.contains("NO → ID"),
        "{text}"
    );
    assert!(text.contains("machi opendata convert"));
    // Converted to a new file; the original stays; converting onto an existing file is refused.
    let dir = crate::support::temp_dir();
    let old = dir.join("old.csv");
    std::fs::write(&old, old_toilet_file()).unwrap();
    let new = dir.join("new.csv");
    let run = |out: &Path| {
        use clap::Parser;
        machi::cli::run(machi::cli::Cli::parse_from([
            "machi",
            "opendata",
            "convert",
            old.to_str().unwrap(),
            "--schema",
            "public_toilet",
            "--output",
            out.to_str().unwrap(),
        ]))
    };
    run(&new).await.unwrap();
    assert_eq!(std::fs::read(&old).unwrap(), old_toilet_file());
    assert!(run(&new).await.is_err(), "never overwrites");
    let converted = std::fs::read(&new).unwrap();
    let r = validate(converted.as_slice(), &schema, 1000).unwrap();
    assert!(r.valid, "{:?}", r.errors);
    let text = String::from_utf8(converted).unwrap();
    assert!(
        text.contains(",兵庫県香美町,"),
        "地方公共団体名 joins 都道府県名 and 市区町村名: {text}"
    );
    assert!(text.contains("兵庫県美方郡香美町香住区若松"));
}
