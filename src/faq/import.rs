//! FAQ files: JSON lines (one object per line), CSV (UTF-8 or Shift_JIS) or an Excel workbook
//! (its first sheet), with the columns id, question, answer, category and optionally keywords,
//! department, url, related, published, review_on — in English or as Japanese headers (質問,
//! 回答, 分類 …). Columns machi does not know are kept as notes. Every row is checked before
//! anything is written; the errors name the row and the field.

use super::model::{Entry, words};
use serde_json::Value;
use std::collections::HashSet;

/// Header names accepted for each field (compared after trimming, case-insensitively).
const HEADERS: &[(&str, &[&str])] = &[
    (
        "id",
        &["id", "番号", "管理番号", "faq番号", "質問番号", "no", "no."],
    ),
    (
        "question",
        &["question", "質問", "質問文", "問い", "q", "よくある質問"],
    ),
    ("answer", &["answer", "回答", "回答文", "答え", "a"]),
    (
        "category",
        &["category", "分類", "カテゴリ", "カテゴリー", "区分", "分野"],
    ),
    (
        "keywords",
        &[
            "keywords",
            "keyword",
            "キーワード",
            "別の聞き方",
            "言い換え",
            "検索語",
        ],
    ),
    (
        "department",
        &[
            "department",
            "担当課",
            "担当",
            "担当部署",
            "所管課",
            "問い合わせ先",
        ],
    ),
    (
        "url",
        &["url", "リンク", "関連ページ", "詳細url", "参考url"],
    ),
    ("related", &["related", "関連手続き", "関連", "関連項目"]),
    (
        "published",
        &["published", "公開", "公開状態", "status", "状態"],
    ),
    (
        "review_on",
        &["review_on", "次回見直し日", "見直し日", "見直し予定日"],
    ),
    ("notes", &["notes", "備考"]),
];

/// The field a header names, if machi knows it.
fn field_of(header: &str) -> Option<&'static str> {
    let h = crate::fiscal::fold_width(header.trim().trim_start_matches('\u{feff}')).to_lowercase();
    HEADERS
        .iter()
        .find(|(_, names)| names.contains(&h.as_str()))
        .map(|(f, _)| *f)
}

/// A row's fault: its line (or row) number as the file counts it, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}行目: {}", self.row, self.message)
    }
}

/// Reads a file into checked entries, or every fault found.
pub fn read(name: &str, bytes: &[u8]) -> Result<Vec<Entry>, Vec<RowError>> {
    let whole = |m: String| vec![RowError { row: 0, message: m }];
    let lower = name.to_lowercase();
    let table = |bytes: &[u8]| {
        crate::imports::read::read(bytes, name)
            .map_err(|e| whole(e.to_string()))
            .and_then(table_rows)
    };
    let rows: Rows = if bytes.starts_with(b"PK") {
        table(bytes)?
    } else {
        let text = crate::textfile::decode_text(bytes)
            .map_err(|e| whole(e.to_string()))?
            .0;
        let text = text.trim_start_matches('\u{feff}');
        if lower.ends_with(".jsonl")
            || lower.ends_with(".ndjson")
            || lower.ends_with(".json")
            || text.trim_start().starts_with('{')
        {
            json_rows(text)?
        } else {
            table(bytes)?
        }
    };
    if rows.is_empty() {
        return Err(whole("FAQ の行がありません".into()));
    }
    let mut errors = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (row, fields) in rows {
        match entry(fields) {
            Ok(e) => match e.checked() {
                Ok(e) => {
                    if !seen.insert(e.id.clone()) {
                        errors.push(RowError {
                            row,
                            message: format!("番号(id)「{}」が前の行と重なっています", e.id),
                        });
                    }
                    out.push(e);
                }
                Err(list) => {
                    errors.extend(list.into_iter().map(|(_, m)| RowError { row, message: m }))
                }
            },
            Err(m) => errors.push(RowError { row, message: m }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Rows by their number in the file, each its (header, value) pairs.
type Rows = Vec<(usize, Vec<(String, Value)>)>;

fn json_rows(text: &str) -> Result<Rows, Vec<RowError>> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Map<String, Value>>(line.trim()) {
            Ok(map) => rows.push((i + 1, map.into_iter().collect())),
            Err(e) => errors.push(RowError {
                row: i + 1,
                message: format!("JSON として読めません({e})。1行に1つの {{…}} を書きます"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// A table's rows (the first that is not empty holds the headers), numbered as the file counts
/// them.
fn table_rows(table: crate::imports::read::Table) -> Result<Rows, Vec<RowError>> {
    use crate::imports::read::Cell;
    let cell = |c: &Cell| match c {
        Cell::Empty => String::new(),
        Cell::Text(t) | Cell::Date(t) | Cell::Error(t) => t.clone(),
        Cell::Number(n) => n.to_string(),
    };
    let mut it = table
        .rows
        .into_iter()
        .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
        .map(|(line, r)| (line, r.iter().map(cell).collect::<Vec<String>>()));
    let Some((header_line, headers)) = it.next() else {
        return Ok(Vec::new());
    };
    let known: Vec<Option<&str>> = headers.iter().map(|h| field_of(h)).collect();
    for needed in ["id", "question", "answer", "category"] {
        if !known.contains(&Some(needed)) {
            return Err(vec![RowError {
                row: header_line,
                message: format!(
                    "見出しに「{needed}」({})の列がありません",
                    HEADERS
                        .iter()
                        .find(|h| h.0 == needed)
                        .map_or(String::new(), |h| h.1[1].to_string())
                ),
            }]);
        }
    }
    Ok(it
        .map(|(line, r)| {
            let fields = headers
                .iter()
                .zip(r.iter().chain(std::iter::repeat(&String::new())))
                .filter(|(h, _)| !h.trim().is_empty())
                .map(|(h, v)| (h.trim().to_string(), Value::String(v.clone())))
                .collect();
            (line, fields)
        })
        .collect())
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().map(text).collect(),
        other => words(&text(other)),
    }
}

fn flag(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(true),
        other => match text(other).trim().to_lowercase().as_str() {
            "" | "1" | "true" | "yes" | "公開" | "公開中" | "published" | "○" | "はい" => {
                Ok(true)
            }
            "0" | "false" | "no" | "非公開" | "下書き" | "draft" | "×" | "いいえ" => {
                Ok(false)
            }
            t => Err(format!(
                "公開の欄「{t}」が読めません(公開・非公開、true・false のどれか)"
            )),
        },
    }
}

/// One row's fields as an entry; unknown fields go to notes.
fn entry(fields: Vec<(String, Value)>) -> Result<Entry, String> {
    let mut e = Entry {
        published: true,
        ..Entry::default()
    };
    for (name, value) in fields {
        match field_of(&name) {
            Some("id") => e.id = text(&value),
            Some("question") => e.question = text(&value),
            Some("answer") => e.answer = text(&value),
            Some("category") => e.category = text(&value),
            Some("keywords") => e.keywords = list(&value),
            Some("department") => e.department = text(&value),
            Some("url") => e.url = text(&value),
            Some("related") => e.related = list(&value),
            Some("published") => e.published = flag(&value)?,
            Some("review_on") => e.review_on = text(&value),
            // Notes machi wrote out come back as they were; a town's own 備考 stays one note.
            Some("notes") => {
                match serde_json::from_str::<serde_json::Map<String, Value>>(&text(&value)) {
                    Ok(map) => e.notes.extend(map),
                    Err(_) if text(&value).trim().is_empty() => {}
                    Err(_) => {
                        e.notes.insert(name, value);
                    }
                }
            }
            _ => {
                if value != Value::Null && value != Value::String(String::new()) {
                    e.notes.insert(name, value);
                }
            }
        }
    }
    Ok(e)
}

/// The FAQ as JSON lines, in the form `read` accepts.
pub fn to_jsonl(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str(&serde_json::to_string(e).expect("an entry serializes"));
        out.push('\n');
    }
    out
}

/// The FAQ as CSV (UTF-8 with BOM, Japanese headers): what `read` accepts back.
pub fn to_csv(entries: &[Entry]) -> anyhow::Result<Vec<u8>> {
    let rows = entries.iter().map(|e| {
        vec![
            e.id.clone(),
            e.question.clone(),
            e.answer.clone(),
            e.category.clone(),
            e.keywords.join("、"),
            e.department.clone(),
            e.url.clone(),
            e.related.join("、"),
            if e.published { "公開" } else { "非公開" }.to_string(),
            e.review_on.clone(),
            if e.notes.is_empty() {
                String::new()
            } else {
                Value::Object(e.notes.clone()).to_string()
            },
        ]
    });
    crate::textfile::csv_bytes(
        &[
            "番号",
            "質問",
            "回答",
            "分類",
            "キーワード",
            "担当課",
            "関連ページ",
            "関連手続き",
            "公開",
            "次回見直し日",
            "備考",
        ],
        rows,
        crate::textfile::CsvEncoding::Utf8Bom,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_keep_unknown_fields_as_notes() {
        let text = r#"{"id": 7, "question": "Q", "answer": "A", "category": "C", "keywords": ["a", "b"], "source_page": "p1"}
{"id": "x-2", "question": "Q2", "answer": "A2", "category": "C", "keywords": "い、ろ", "published": false}"#;
        let e = read("faq.jsonl", text.as_bytes()).unwrap();
        assert_eq!(e[0].id, "7");
        assert_eq!(e[0].notes["source_page"], "p1");
        assert_eq!(e[1].keywords, vec!["い", "ろ"]);
        assert!(!e[1].published);
    }

    #[test]
    fn faults_name_their_row_and_nothing_is_half_read() {
        let text = "{\"id\": \"a\", \"question\": \"Q\", \"answer\": \"A\", \"category\": \"C\"}\n\n{\"id\": \"a\", \"question\": \"Q\", \"answer\": \"\", \"category\": \"C\"}\nnot json\n";
        let errors = read("faq.jsonl", text.as_bytes()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].row, 4);
        let text = "{\"id\": \"a\", \"question\": \"Q\", \"answer\": \"A\", \"category\": \"C\"}\n{\"id\": \"a\", \"question\": \"Q\", \"answer\": \"\", \"category\": \"C\"}\n";
        let errors = read("faq.jsonl", text.as_bytes()).unwrap_err();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec!["2行目: 回答が空です",],
            "the empty answer is named; the row with it is not counted as a duplicate"
        );
    }

    #[test]
    fn csv_with_japanese_headers_round_trips() {
        let entries = read(
            "faq.csv",
            "番号,質問,回答,分類,キーワード,担当課,メモ\nq1,ごみの日は?,地区ごとに違います。,ごみ,\"ゴミ、収集日\",環境課,旧FAQから\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(entries[0].keywords, vec!["ゴミ", "収集日"]);
        assert_eq!(entries[0].notes["メモ"], "旧FAQから");
        let bytes = to_csv(&entries).unwrap();
        assert_eq!(read("back.csv", &bytes).unwrap(), entries);
        let missing = read("x.csv", "番号,質問,回答\n1,a,b\n".as_bytes()).unwrap_err();
        assert!(missing[0].message.contains("分類"), "{missing:?}");
    }
}
