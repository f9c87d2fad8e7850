//! Files in the layout of the 推奨データセット published before the 自治体標準オープンデータセット
//! (2021): recognised from their header, mapped column by column to the current layout, and
//! converted to a new file (the original is kept). The old column lists come from
//! `schemas/legacy.json` (see its description for the source).

use super::schema::TableSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const LEGACY: &str = include_str!("schemas/legacy.json");

/// Old names whose column has another name now.
const RENAMES: [(&str, &str); 7] = [
    ("都道府県名", "地方公共団体名"),
    ("都道府県コード又は市区町村コード", "全国地方公共団体コード"),
    ("NO", "ID"),
    ("住所", "所在地_連結表記"),
    ("方書", "建物名等(方書)"),
    ("多機能トイレ数", "バリアフリートイレ数"),
    ("市区町村名", "地方公共団体名"),
];

#[derive(Deserialize)]
struct LegacyFile {
    layouts: BTreeMap<String, OldLayout>,
}

#[derive(Deserialize)]
struct OldLayout {
    name: String,
    columns: Vec<String>,
}

/// What the report says about an old layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegacyNote {
    /// The dataset's name (公衆トイレ一覧) and the standard's key (public_toilet).
    pub dataset: String,
    pub key: String,
    /// Each label of the file and the current column it goes to (None: no place now).
    pub mapping: Vec<(String, Option<String>)>,
    /// Current columns nothing in the file fills (left empty by a conversion).
    pub unfilled: Vec<String>,
}

fn standard_key(schema: &TableSchema) -> Option<String> {
    schema.extra.get("machi:standard")?["file_key"]
        .as_str()
        .map(str::to_string)
}

fn old_layout(key: &str) -> Option<OldLayout> {
    let mut file: LegacyFile = serde_json::from_str(LEGACY).ok()?;
    file.layouts.remove(key)
}

/// The current column an old label goes to.
fn current_of(label: &str, schema: &TableSchema) -> Option<String> {
    let has = |n: &str| schema.fields.iter().any(|f| f.name == n);
    let normal = label.replace('（', "(").replace('）', ")");
    if has(label) {
        return Some(label.to_string());
    }
    if has(&normal) {
        return Some(normal);
    }
    RENAMES
        .iter()
        .find(|(old, _)| *old == label)
        .map(|(_, new)| new.to_string())
        .filter(|n| has(n))
}

/// Whether a header is the old layout of the schema's standard: most labels are old column names,
/// and at least two of them exist only in the old layout.
pub fn recognise(labels: &[String], schema: &TableSchema) -> Option<LegacyNote> {
    let key = standard_key(schema)?;
    let old = old_layout(&key)?;
    let current = |l: &str| schema.fields.iter().any(|f| f.name == l);
    let named: Vec<&String> = labels.iter().filter(|l| !l.is_empty()).collect();
    let in_old = named.iter().filter(|l| old.columns.contains(l)).count();
    let old_only = named
        .iter()
        .filter(|l| old.columns.contains(l) && !current(l))
        .count();
    if named.is_empty() || in_old * 4 < named.len() * 3 || old_only < 2 {
        return None;
    }
    let mapping: Vec<(String, Option<String>)> = labels
        .iter()
        .map(|l| (l.clone(), current_of(l, schema)))
        .collect();
    let filled: Vec<&str> = mapping.iter().filter_map(|(_, n)| n.as_deref()).collect();
    Some(LegacyNote {
        dataset: old.name,
        key,
        unfilled: schema
            .fields
            .iter()
            .map(|f| f.name.clone())
            .filter(|n| !filled.contains(&n.as_str()))
            .collect(),
        mapping,
    })
}

/// The note as a person reads it.
pub fn explain(n: &LegacyNote) -> String {
    let moved: Vec<String> = n
        .mapping
        .iter()
        .filter_map(|(old, new)| {
            new.as_ref()
                .filter(|x| *x != old)
                .map(|x| format!("{old} → {x}"))
        })
        .collect();
    let dropped: Vec<&str> = n
        .mapping
        .iter()
        .filter(|(_, new)| new.is_none())
        .map(|(old, _)| old.as_str())
        .collect();
    let mut out = format!(
        "このファイルは「{}」の以前の形式(2021年より前の推奨データセット)の見出しです。",
        n.dataset
    );
    if !moved.is_empty() {
        out.push_str(&format!("名前の変わった列: {}。", moved.join("、")));
    }
    if !dropped.is_empty() {
        out.push_str(&format!("今の形式にない列: {}。", dropped.join("、")));
    }
    if !n.unfilled.is_empty() {
        out.push_str(&format!(
            "今の形式で新しく加わった列({}列)は空欄になります。",
            n.unfilled.len()
        ));
    }
    out.push_str(&format!(
        "「machi opendata convert ファイル --schema {} --output 新しいファイル.csv」で今の形式のファイルを作れます(元のファイルはそのまま残ります)。",
        n.key
    ));
    out
}

/// Writes `input` (an old-layout CSV) in the current layout: UTF-8 with BOM, the schema's header,
/// each value under its new column; 地方公共団体名 joins 都道府県名 and 市区町村名. Returns the
/// note and the number of rows written.
pub fn convert(
    input: impl std::io::Read,
    schema: &TableSchema,
    output: impl std::io::Write,
) -> Result<(LegacyNote, usize), String> {
    let decoded = super::validate::decode::AutoDecode::new(input);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded);
    let mut rec = csv::StringRecord::new();
    if !reader
        .read_record(&mut rec)
        .map_err(|_| "見出し行を読めません".to_string())?
    {
        return Err("ファイルが空です".into());
    }
    let labels: Vec<String> = rec.iter().map(str::to_string).collect();
    let note = recognise(&labels, schema)
        .ok_or("以前の形式の見出しとして認識できません(見出しを確かめてください)")?;
    let source: Vec<Option<usize>> = schema
        .fields
        .iter()
        .map(|f| {
            note.mapping
                .iter()
                .position(|(_, n)| n.as_deref() == Some(&f.name))
        })
        .collect();
    let pref = labels.iter().position(|l| l == "都道府県名");
    let city = labels.iter().position(|l| l == "市区町村名");
    let mut out = std::io::BufWriter::new(output);
    std::io::Write::write_all(&mut out, b"\xEF\xBB\xBF").map_err(|e| e.to_string())?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(schema.fields.iter().map(|f| f.name.as_str()))
        .map_err(|e| e.to_string())?;
    let mut rows = 0;
    let mut line = 1;
    loop {
        match reader.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => return Err(format!("{}行目を読めません", line + 1)),
        }
        line += 1;
        let values: Vec<String> = schema
            .fields
            .iter()
            .zip(&source)
            .map(|(f, s)| {
                if f.name == "地方公共団体名" {
                    let part = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("");
                    format!("{}{}", part(pref), part(city))
                } else {
                    s.and_then(|i| rec.get(i)).unwrap_or("").to_string()
                }
            })
            .collect();
        w.write_record(&values).map_err(|e| e.to_string())?;
        rows += 1;
    }
    w.flush().map_err(|e| e.to_string())?;
    Ok((note, rows))
}
