//! The tracker as CSV, one line per 業務 × step — the shape of a PMO tool report (業務, step,
//! status, planned and actual dates): exported for anyone to read, imported all at once so a
//! town can paste what it reported (../../docs/standardization.md says the columns).

use super::model::Cell;
use super::rates::{Business, StepStatus};
use super::store::CellInput;
use std::collections::HashMap;

pub const HEADER: [&str; 8] = [
    "業務番号",
    "業務",
    "ステップ番号",
    "ステップ",
    "状態",
    "予定日",
    "実績日",
    "備考",
];

/// Every cell of the 業務 shown, marked or not (unmarked: 未着手).
pub fn rows(
    businesses: &[&Business],
    steps: &[super::steps::Step],
    cells: &HashMap<(i64, i64), Cell>,
) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for b in businesses {
        for s in steps {
            let c = cells.get(&(i64::from(b.no), s.no));
            let date = |d: Option<time::Date>| d.map(|d| d.to_string()).unwrap_or_default();
            out.push(vec![
                b.no.to_string(),
                b.dashboard_name.to_string(),
                s.no.to_string(),
                s.name.clone(),
                c.map_or(StepStatus::NotStarted, |c| c.status)
                    .label()
                    .to_string(),
                date(c.and_then(|c| c.planned_on)),
                date(c.and_then(|c| c.done_on)),
                c.map(|c| c.note.clone()).unwrap_or_default(),
            ]);
        }
    }
    out
}

/// Reads an import: every line checked first, every fault named with its line.
pub fn read(
    bytes: &[u8],
    businesses: &[&Business],
    steps: usize,
) -> Result<Vec<(i64, i64, CellInput)>, Vec<String>> {
    let text = crate::textfile::decode_text(bytes)
        .map_err(|e| vec![e.to_string()])?
        .0;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|_| vec!["1行目(見出し)を読めません".to_string()])?
        .clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (business_no, business_name) = (col("業務番号"), col("業務"));
    if business_no.is_none() && business_name.is_none() {
        return Err(vec![
            "1行目: 見出しに「業務番号」か「業務」が要ります".into(),
        ]);
    }
    read_with(
        reader,
        businesses,
        steps,
        business_no,
        business_name,
        &header,
    )
}

fn read_with(
    mut reader: csv::Reader<&[u8]>,
    businesses: &[&Business],
    steps: usize,
    business_no: Option<usize>,
    business_name: Option<usize>,
    header: &csv::StringRecord,
) -> Result<Vec<(i64, i64, CellInput)>, Vec<String>> {
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut errors = Vec::new();
    let (Some(step_col), Some(status_col)) = (col("ステップ番号"), col("状態")) else {
        return Err(vec![
            "1行目: 見出しに「ステップ番号」と「状態」が要ります".into(),
        ]);
    };
    let (planned_col, done_col, note_col) = (col("予定日"), col("実績日"), col("備考"));
    let mut out = Vec::new();
    let mut seen = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let Ok(r) = record else {
            errors.push(format!("{line}行目を読めません"));
            continue;
        };
        if r.iter().all(str::is_empty) {
            continue;
        }
        let get = |c: Option<usize>| c.and_then(|c| r.get(c)).unwrap_or("");
        let business = match business_no.map(|c| get(Some(c))).filter(|t| !t.is_empty()) {
            Some(t) => businesses
                .iter()
                .find(|b| crate::input::parse_number(t).ok() == Some(f64::from(b.no))),
            None => {
                let name = get(business_name);
                businesses
                    .iter()
                    .find(|b| b.name == name || b.dashboard_name == name)
            }
        };
        let Some(business) = business else {
            errors.push(format!(
                "{line}行目: 業務「{}」は標準化対象業務にありません",
                [get(business_no), get(business_name)]
                    .into_iter()
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
            continue;
        };
        let step = match crate::input::parse_number(get(Some(step_col))) {
            Ok(n) if n.fract() == 0.0 && n >= 1.0 && n <= steps as f64 => n as i64,
            _ => {
                errors.push(format!(
                    "{line}行目: ステップ番号「{}」は1から{steps}の数で書きます",
                    get(Some(step_col))
                ));
                continue;
            }
        };
        let status = match StepStatus::parse(get(Some(status_col))) {
            Ok(s) => s,
            Err(e) => {
                errors.push(format!("{line}行目: {e}"));
                continue;
            }
        };
        let date = |c: Option<usize>, label: &str, errors: &mut Vec<String>| {
            let t = get(c);
            if t.is_empty() {
                return None;
            }
            match crate::fiscal::parse_date(t) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(format!("{line}行目: {label}: {e}"));
                    None
                }
            }
        };
        let planned_on = date(planned_col, "予定日", &mut errors);
        let done_on = date(done_col, "実績日", &mut errors);
        if let Some(first) = seen.insert((business.no, step), line) {
            errors.push(format!(
                "{line}行目: {}のステップ{step}は{first}行目にもあります",
                business.dashboard_name
            ));
        }
        out.push((
            i64::from(business.no),
            step,
            CellInput {
                status,
                planned_on,
                done_on,
                note: get(note_col).to_string(),
            },
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standardization::rates::businesses_for;

    #[test]
    fn an_import_is_read_whole_and_its_faults_named_by_line() {
        let shown: Vec<_> = businesses_for(false).collect();
        let good = "業務,ステップ番号,状態,予定日,実績日\n住民記録,1,完了済み,,2023-06-30\n戸籍附票,2,作業中,令和7年3月31日,\n";
        let rows = read(good.as_bytes(), &shown, 40).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].0, rows[0].1, rows[0].2.status),
            (1, 1, StepStatus::Done)
        );
        assert_eq!(rows[1].0, 20);
        let bad =
            "業務番号,ステップ番号,状態\n21,1,完了\n1,41,完了\n1,2,済み\n3,5,作業中\n3,5,完了\n";
        let e = read(bad.as_bytes(), &shown, 40).unwrap_err();
        assert_eq!(
            e,
            [
                "2行目: 業務「21」は標準化対象業務にありません",
                "3行目: ステップ番号「41」は1から40の数で書きます",
                "4行目: 「済み」は状態として読めません(未着手・作業中・完了済み・対象外のどれか)",
                "6行目: 固定資産税のステップ5は5行目にもあります",
            ]
        );
        // What is exported imports back.
        let steps = crate::standardization::steps::bundled();
        let out = rows_text(&shown[..1], &steps);
        assert_eq!(read(out.as_bytes(), &shown, 40).unwrap().len(), 40);
    }

    fn rows_text(b: &[&Business], steps: &[crate::standardization::steps::Step]) -> String {
        let bytes = crate::textfile::csv_bytes(
            &HEADER,
            rows(b, steps, &HashMap::new()),
            crate::textfile::CsvEncoding::Utf8Bom,
        )
        .unwrap();
        String::from_utf8(bytes).unwrap()
    }
}
