//! The validator against frictionless-py, case by case (tests/fixtures/validate: each case's
//! data.csv and schema.json, and frictionless.json = what frictionless-py 5.21 found, recorded
//! by `bench/validate_cases.py write`), machi's own checks apart, and the report people read.

use machi::opendata::schema::TableSchema;
use machi::opendata::validate::{Severity, report, validate};
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
    assert!(dirs.len() >= 40, "{} cases", dirs.len());
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
    let text = report::text("toilets.csv", &r, 10);
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
    let csv_out = String::from_utf8(report::csv(&r)).unwrap();
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
