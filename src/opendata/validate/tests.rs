//! The joins between blocks: a file cut into many blocks gives the same report as in one block.

use super::split::Splitter;
use super::{Report, validate_in_blocks};
use crate::opendata::schema::TableSchema;

fn schema() -> TableSchema {
    serde_json::from_str(
        r#"{"fields": [
            {"name": "ID", "type": "string", "constraints": {"required": true, "unique": true}},
            {"name": "名称", "type": "string", "constraints": {"required": true}},
            {"name": "件数", "type": "integer"},
            {"name": "日付", "type": "date"}
        ], "primaryKey": ["名称", "件数"]}"#,
    )
    .unwrap()
}

/// About 600 KB: CRLF, blank lines, quoted cells over several lines, duplicates far apart,
/// rows too short and too long, text where numbers belong.
fn file() -> String {
    let mut s = String::from("\r\nID,名称,件数,日付\r\n\r\n");
    for i in 0..9_000 {
        match i % 1000 {
            7 => s.push_str("A00000003,\"改行の\r\nある\"\"名称\"\"\",1,2024-04-01\r\n"),
            8 => s.push_str("\r\n\r\n"),
            9 => s.push_str(",,,\r\n"),
            10 => s.push_str(&format!("A{i:08},公民館,十,2024-13-01\r\n")),
            11 => s.push_str(&format!("A{i:08},図書館\r\n")),
            12 => s.push_str(&format!("A{i:08},体育館,3,2024-04-01,余分\r\n")),
            _ => s.push_str(&format!("A{i:08},\"施設{i}\",{i},2024-04-01\r\n")),
        }
    }
    s.push_str("\r\n\r\n");
    s
}

fn report(text: &str, block: usize) -> Report {
    validate_in_blocks(
        Splitter::with_block(text.as_bytes(), block),
        &schema(),
        100_000,
    )
    .unwrap()
}

#[test]
fn a_file_cut_into_blocks_reads_as_one() {
    let text = file();
    let whole = report(&text, usize::MAX);
    let cut = report(&text, 1);
    assert_eq!(
        serde_json::to_value(&cut).unwrap(),
        serde_json::to_value(&whole).unwrap()
    );
    let found = |kind: &str| -> Vec<usize> {
        whole
            .errors
            .iter()
            .filter(|e| e.kind == kind)
            .filter_map(|e| e.row_number)
            .collect()
    };
    // Rows as Frictionless numbers them (checked with frictionless-py 5.21 on this file): the
    // empty line before the header and each blank line count, a quoted cell over two lines is
    // one row.
    let blank = found("blank-row");
    assert_eq!(&blank[..5], [3, 12, 13, 14, 1013]);
    assert_eq!(blank.len(), 9 * 3 + 1 + 2);
    let unique = found("unique-error");
    assert_eq!(unique.len(), 9, "{unique:?}");
    assert_eq!(unique[..2], [11, 1012]);
    assert_eq!(found("missing-cell").len(), 9 * 2);
    assert_eq!(found("extra-cell").len(), 9);
    assert_eq!(found("type-error").len(), 9 * 2);
    // Blank rows have a key with no value; four keys repeat every thousand rows.
    assert_eq!(found("primary-key").len(), 30 + 4 * 8);
    assert_eq!(found("constraint-error").len(), 0);
    assert_eq!(whole.error_count, 146);
    assert_eq!(whole.rows, 9_000 - 9);
}
