//! The CSV validator: every error type with a fixture, encodings, and the command line.

use machi::opendata::schema::TableSchema;
use machi::opendata::standard;
use machi::opendata::validate::{Report, validate};

fn small_schema() -> TableSchema {
    TableSchema::from_json(
        r#"{
        "fields": [
            {"name": "全国地方公共団体コード", "type": "string", "constraints": {"required": true, "pattern": "\\d{6}"}, "machi:check": "local-government-code"},
            {"name": "ID", "type": "string", "constraints": {"unique": true}},
            {"name": "名称", "type": "string", "constraints": {"required": true, "maxLength": 10}},
            {"name": "緯度", "type": "number", "constraints": {"minimum": 20, "maximum": 46}},
            {"name": "有無", "type": "string", "constraints": {"enum": ["有", "無"]}},
            {"name": "開始", "type": "time", "format": "%H:%M"},
            {"name": "日付", "type": "date"}
        ]
    }"#,
    )
    .unwrap()
}

const HEADER: &str = "全国地方公共団体コード,ID,名称,緯度,有無,開始,日付";

fn run(csv: &[u8]) -> Report {
    validate(csv, &small_schema(), 1000).unwrap()
}

fn kinds(r: &Report) -> Vec<(&str, Option<usize>, Option<usize>)> {
    r.errors
        .iter()
        .map(|e| (e.kind.as_str(), e.row_number, e.field_number))
        .collect()
}

#[test]
fn a_clean_file_is_valid_in_every_encoding() {
    let text =
        format!("{HEADER}\n285854,A1,香住駅,35.63,有,06:00,2025-04-01\n285854,A2,村岡,35.5,無,,\n");
    for (label, bytes) in [
        ("UTF-8", text.clone().into_bytes()),
        ("UTF-8 (BOM付き)", format!("\u{feff}{text}").into_bytes()),
        (
            "Shift_JIS",
            encoding_rs::SHIFT_JIS.encode(&text).0.into_owned(),
        ),
    ] {
        let r = run(&bytes);
        assert!(r.valid, "{label}: {:?}", r.errors);
        assert_eq!(r.encoding, label);
        assert_eq!(r.rows, 2);
    }
}

#[test]
fn cell_errors_name_row_column_and_value() {
    let csv = format!(
        "{HEADER}\n\
         285855,A1,香住駅,35.6,有,06:00,2025-04-01\n\
         285854,A1,香住駅,35.6,有,06:00,2025-04-01\n\
         285854,A3,,35.6,有,06:00,2025-04-01\n\
         285854,A4,とても長い名前の施設です,135.6,あり,6時,2025-02-30\n\
         28585,A5,x,北緯35,有,06:00,2025-04-01\n"
    );
    let r = run(csv.as_bytes());
    assert_eq!(
        kinds(&r),
        vec![
            ("unique-error", Some(3), Some(2)),
            ("constraint-error", Some(4), Some(3)), // required
            ("constraint-error", Some(5), Some(3)), // maxLength
            ("constraint-error", Some(5), Some(4)), // maximum
            ("constraint-error", Some(5), Some(5)), // enum
            ("type-error", Some(5), Some(6)),
            ("type-error", Some(5), Some(7)),
            ("constraint-error", Some(6), Some(1)), // pattern
            ("type-error", Some(6), Some(4)),
        ]
    );
    // The check digit is machi's own check, apart from Frictionless's findings.
    assert_eq!(r.checks[0].check, "check-digit");
    assert_eq!(
        (r.checks[0].row_number, r.checks[0].field_number),
        (Some(2), Some(1))
    );
    assert!(r.checks[0].message.contains("検査数字"));
    let msgs: Vec<&str> = r.errors.iter().map(|e| e.message.as_str()).collect();
    assert!(msgs[0].contains("「A1」が前の行と重複"));
    assert!(msgs[1].contains("「名称」は必須です"));
    assert!(msgs[4].contains("使える値: 有、無"));
    assert!(
        msgs[5].contains("「6時」は時刻(09:00 の形)として読めません"),
        "{}",
        msgs[5]
    );
    assert_eq!(r.errors[6].cell.as_deref(), Some("2025-02-30"));
}

#[test]
fn header_errors() {
    // Misordered, extra and missing columns with an exact match.
    let r = run("ID,全国地方公共団体コード,名称,緯度,有無,開始,日付,余分\n".as_bytes());
    assert_eq!(
        kinds(&r),
        vec![
            ("incorrect-label", None, Some(1)),
            ("incorrect-label", None, Some(2)),
            ("extra-label", None, Some(8)),
        ]
    );
    let r = run("全国地方公共団体コード,ID,名称,名称,,開始\n".as_bytes());
    let k: Vec<&str> = r.errors.iter().map(|e| e.kind.as_str()).collect();
    assert!(k.contains(&"duplicate-label"));
    assert!(k.contains(&"blank-label"));
    assert!(k.contains(&"missing-label"));
}

#[test]
fn row_shape_errors() {
    let csv = format!(
        "{HEADER}\n285854,A1,香住駅,35.6,有,06:00,2025-04-01,余分\n,,,,,,\n\n285854,A2,村岡\n"
    );
    let expected = vec![
        ("extra-cell", Some(2), Some(8)),
        ("blank-row", Some(3), None),
        ("blank-row", Some(4), None),
        ("missing-cell", Some(5), Some(4)),
        ("missing-cell", Some(5), Some(5)),
        ("missing-cell", Some(5), Some(6)),
        ("missing-cell", Some(5), Some(7)),
    ];
    assert_eq!(
        kinds(&run(csv.replace('\n', "\r\n").as_bytes())),
        expected,
        "CRLF"
    );
    let r = run(csv.as_bytes());
    assert_eq!(
        kinds(&r),
        vec![
            ("extra-cell", Some(2), Some(8)),
            ("blank-row", Some(3), None),
            ("blank-row", Some(4), None),
            ("missing-cell", Some(5), Some(4)),
            ("missing-cell", Some(5), Some(5)),
            ("missing-cell", Some(5), Some(6)),
            ("missing-cell", Some(5), Some(7)),
        ]
    );
}

#[test]
fn undecodable_files_are_an_encoding_error() {
    let r = run(b"\xff\xfe\x81\x20\x82");
    assert!(!r.valid);
    assert_eq!(r.errors[0].kind, "encoding-error");
    assert!(
        r.errors[0].message.contains("読めない文字"),
        "{}",
        r.errors[0].message
    );
    let r = run(b"");
    assert_eq!(r.errors[0].kind, "source-error");
}

#[test]
fn ragged_quotes_and_limits() {
    let mut csv = String::from(HEADER);
    csv.push('\n');
    for i in 0..50 {
        csv.push_str(&format!(
            "285854,A{i},\"改行を含む\n名称\",35.6,有,06:00,2025-04-01\n"
        ));
    }
    csv.push_str("285854,B1,x,abc,有,06:00,2025-04-01\n");
    let r = run(csv.as_bytes());
    assert_eq!(r.rows, 51);
    assert_eq!(
        kinds(&r),
        vec![("type-error", Some(52), Some(4))],
        "rows count records, not lines"
    );
    let many: String = std::iter::once(format!("{HEADER}\n"))
        .chain((0..30).map(|i| format!("285854,C{i},x,abc,有,06:00,2025-04-01\n")))
        .collect();
    let r = validate(many.as_bytes(), &small_schema(), 5).unwrap();
    assert_eq!(r.errors.len(), 5);
    assert_eq!(r.error_count, 30);
}

#[test]
fn the_public_toilet_standard_and_its_template() {
    let s = standard::by_key("public_toilet").unwrap();
    let template = s.template_csv();
    let r = validate(template.as_slice(), &s.schema(), 100).unwrap();
    assert!(r.valid, "the empty template passes: {:?}", r.errors);
    assert_eq!(r.rows, 0);
}

#[tokio::test]
async fn the_command_line_validates_with_json_output() {
    use clap::Parser;
    let dir = crate::support::temp_dir();
    let file = dir.join("toilets.csv");
    std::fs::write(
        &file,
        format!("{HEADER}\n285854,A1,香住駅,35.6,有,06:00,2025-04-01\n"),
    )
    .unwrap();
    let schema = dir.join("schema.json");
    std::fs::write(&schema, serde_json::to_string(&small_schema()).unwrap()).unwrap();
    let cli = machi::cli::Cli::parse_from([
        "machi",
        "opendata",
        "validate",
        file.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
    ]);
    machi::cli::run(cli).await.unwrap();
    std::fs::write(
        &file,
        format!("{HEADER}\n285854,A1,香住駅,135.6,有,06:00,2025-04-01\n"),
    )
    .unwrap();
    let cli = machi::cli::Cli::parse_from([
        "machi",
        "opendata",
        "validate",
        file.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
        "--json",
    ]);
    let err = machi::cli::run(cli).await.unwrap_err();
    assert!(err.to_string().contains("検証エラー 1件"));
    let cli = machi::cli::Cli::parse_from([
        "machi",
        "opendata",
        "validate",
        file.to_str().unwrap(),
        "--schema",
        "no_such_standard",
    ]);
    let err = machi::cli::run(cli).await.unwrap_err();
    assert!(
        format!("{err:#}").contains("public_toilet"),
        "lists the standard keys"
    );
}
