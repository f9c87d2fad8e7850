//! The コンビニ交付 monthly statistics (from the vendor's or J-LIS's report), one of two shapes:
//!
//! - long: 年月, 証明書 (the kind), 通数 — one row per month and kind;
//! - wide: 年月 and one column per kind (住民票の写し, 印鑑登録証明書 …) holding the copies.
//!
//! CSV (UTF-8 or Shift_JIS) or xlsx. Every row is checked, then all are written in one
//! transaction or none; a month and kind already recorded is refused (cancel it first).

use super::model::{Channel, Kind};
use super::store::{self, FROM_IMPORT, NewIssue};
use crate::audit::{self, Actor, Change};
use crate::db::Db;
use crate::imports::read::Cell;
use time::Date;

fn fold(h: &str) -> String {
    crate::fiscal::fold_width(h.trim().trim_start_matches('\u{feff}'))
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

const MONTH: &[&str] = &["年月", "対象月", "交付月", "月", "対象年月", "集計月"];
const KIND: &[&str] = &["証明書", "証明書の種類", "種類", "証明書種別", "種別"];
const COPIES: &[&str] = &[
    "通数",
    "交付通数",
    "件数",
    "発行件数",
    "発行通数",
    "交付件数",
];

/// Reads a month as reports write it: 2025年4月, 令和7年4月, 2025/4, 2025-04, 202504, R7.4, or
/// a date in the month.
pub fn parse_month(text: &str) -> Result<Date, String> {
    let t = crate::fiscal::fold_width(text.trim());
    let bad = || {
        format!(
            "年月「{}」が読めません(例: 2025年4月、令和7年4月、2025/04)",
            text.trim()
        )
    };
    if t.len() == 6 && t.chars().all(|c| c.is_ascii_digit()) {
        return crate::fiscal::parse_date(&format!("{}-{}-01", &t[..4], &t[4..]))
            .map_err(|_| bad());
    }
    let candidates = [
        t.clone(),
        format!("{t}1日"),
        format!("{t}/1"),
        format!("{t}-01"),
        format!("{t}.1"),
    ];
    candidates
        .iter()
        .find_map(|c| crate::fiscal::parse_date(c).ok())
        .and_then(|d| d.replace_day(1).ok())
        .ok_or_else(bad)
}

/// One month's copies of one kind, with its row.
pub type Row = (usize, Date, Kind, i64);

pub fn read(name: &str, bytes: &[u8]) -> Result<Vec<Row>, Vec<String>> {
    let table = crate::imports::read::read(bytes, name).map_err(|e| vec![e.to_string()])?;
    let mut rows = table
        .rows
        .into_iter()
        .filter(|(_, r)| r.iter().any(|c| !c.is_empty()));
    let Some((header_line, headers)) = rows.next() else {
        return Err(vec!["ファイルに行がありません".into()]);
    };
    let headers: Vec<String> = headers.iter().map(|h| fold(&h.text())).collect();
    let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let Some(month_col) = find(MONTH) else {
        return Err(vec![format!(
            "{header_line}行目(見出し): 「年月」の列がありません"
        )]);
    };
    let long = find(KIND).zip(find(COPIES));
    let wide: Vec<(usize, Kind)> = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != month_col)
        .filter_map(|(i, h)| Kind::parse(h).ok().map(|k| (i, k)))
        .collect();
    if long.is_none() && wide.is_empty() {
        return Err(vec![format!(
            "{header_line}行目(見出し): 「証明書」と「通数」の列、または証明書の種類ごとの列(住民票の写し、印鑑登録証明書 など)がありません"
        )]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (line, cells) in rows {
        let get = |i: usize| cells.get(i).map(Cell::text).unwrap_or_default();
        let month = match parse_month(&get(month_col)) {
            Ok(m) => m,
            Err(e) => {
                errors.push(format!("{line}行目: {e}"));
                continue;
            }
        };
        let pairs: Vec<(Result<Kind, String>, String)> = match long {
            Some((k, c)) => vec![(Kind::parse(&get(k)), get(c))],
            None => wide.iter().map(|(i, k)| (Ok(*k), get(*i))).collect(),
        };
        for (kind, copies) in pairs {
            let kind = match kind {
                Ok(k) => k,
                Err(e) => {
                    errors.push(format!("{line}行目: {e}"));
                    continue;
                }
            };
            if copies.trim().is_empty() && long.is_none() {
                continue;
            }
            match crate::input::parse_number(copies.trim().trim_end_matches('通')) {
                Ok(n) if n >= 0.0 && n.fract() == 0.0 => {
                    if !seen.insert((month, kind)) {
                        errors.push(format!(
                            "{line}行目: {}の{}が前の行と重なっています",
                            crate::fiscal::wareki_month(month.year(), month.month() as u8),
                            kind.label()
                        ));
                    } else if n > 0.0 {
                        out.push((line, month, kind, n as i64));
                    }
                }
                _ => errors.push(format!(
                    "{line}行目: {}の通数「{copies}」は0以上の整数で書いてください",
                    kind.label()
                )),
            }
        }
    }
    if errors.is_empty() && out.is_empty() {
        errors.push("取り込む通数がありません".into());
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Writes the file's months, all or nothing; the number of rows recorded.
pub async fn apply(db: &Db, name: &str, bytes: &[u8], actor: &Actor) -> Result<usize, Vec<String>> {
    let rows = read(name, bytes)?;
    let storage = |e: sqlx::Error| vec![format!("保存できませんでした: {e}")];
    let mut tx = db.begin().await.map_err(storage)?;
    let total: i64 = rows.iter().map(|r| r.3).sum();
    let import_id = crate::receipts::import::note_file(
        &mut tx,
        "certificates",
        name,
        bytes,
        rows.len(),
        total,
        actor,
    )
    .await
    .map_err(storage)?;
    let mut errors = Vec::new();
    for (line, month, kind, copies) in &rows {
        if store::month_known(&mut tx, *kind, *month)
            .await
            .map_err(storage)?
        {
            errors.push(format!(
                "{line}行目: {}の{}(コンビニ交付)はすでに記録されています。直すときは、その記録を取り消してから取り込みます",
                crate::fiscal::wareki_month(month.year(), month.month() as u8),
                kind.label()
            ));
            continue;
        }
        store::record_in(
            &mut tx,
            &NewIssue {
                kind: *kind,
                channel: Channel::ConvenienceStore,
                copies: *copies,
                free: false,
                issued_on: *month,
                month_total: true,
                office: String::new(),
                source: FROM_IMPORT,
                receipt: None,
                visit: None,
                note: name.to_string(),
            },
            Some(import_id),
            actor,
        )
        .await
        .map_err(storage)?;
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "certificate.import",
            entity: "receipt_import",
            entity_id: &import_id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "file": name, "rows": rows.len(), "copies": total })),
            note: "",
        },
    )
    .await
    .map_err(storage)?;
    tx.commit().await.map_err(storage)?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_read_as_reports_write_them() {
        for t in [
            "2025年4月",
            "令和7年4月",
            "2025/4",
            "2025-04",
            "202504",
            "R7.4",
            "2025/04/30",
        ] {
            assert_eq!(parse_month(t), Ok(date!(2025 - 04 - 01)), "{t}");
        }
        assert!(parse_month("4月").is_err());
    }

    #[test]
    fn long_and_wide_reports_read_alike() {
        let long = "年月,証明書,通数\n2025年4月,住民票の写し,41\n2025年4月,印鑑登録証明書,23\n";
        let wide = "年月,住民票の写し,印鑑登録証明書,戸籍証明書\n2025年4月,41,23,\n";
        let a = read("a.csv", long.as_bytes()).unwrap();
        let b = read("b.csv", wide.as_bytes()).unwrap();
        let strip = |v: Vec<Row>| v.into_iter().map(|r| (r.1, r.2, r.3)).collect::<Vec<_>>();
        assert_eq!(strip(a), strip(b));
        let e = read(
            "c.csv",
            "年月,証明書,通数\n2025年4月,住民票,x\n2025年13月,住民票,1\n2025年5月,免許,1\n"
                .as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].starts_with("2行目") && e[0].contains("通数"));
        assert!(e[1].starts_with("3行目") && e[1].contains("年月"));
        assert!(e[2].starts_with("4行目") && e[2].contains("免許"));
    }
}
