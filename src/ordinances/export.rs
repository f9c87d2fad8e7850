//! 点検・見直し結果一覧 as xlsx: one row per clause with candidates, in the columns of the
//! national 工程表 (法令名, 条項, 規制等の内容概要, 規制の類型, 現在 Phase, 見直し後 Phase,
//! 見直し完了時期, 見直しの概要) and the town's own (判断, 担当課, 改正, 候補の語句).

use super::review::{Direction, State};
use super::store;
use crate::db::Db;

fn joined<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = items.filter(|s| !s.is_empty()).collect();
    v.dedup();
    v.join("、")
}

pub async fn workbook(db: &Db) -> anyhow::Result<Vec<u8>> {
    use crate::plan::xlsx::{Styles, a4};
    let st = Styles::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("点検・見直し結果一覧")?;
    ws.write_string_with_format(0, 0, "アナログ規制の点検・見直し結果一覧", &st.title)?;
    let heads = [
        "例規名",
        "条項",
        "規制等の内容概要(条文)",
        "規制の類型",
        "現在Phase",
        "見直し後Phase",
        "見直し完了時期(改正予定)",
        "見直しの概要",
        "判断",
        "担当課",
        "改正した例規・改正日",
        "候補の語句(確からしさ)",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &st.head)?;
    }
    let mut row = 3u32;
    for o in store::ordinances(db).await? {
        let Some((head, clauses)) = store::ordinance(db, o.id).await? else {
            continue;
        };
        for c in clauses
            .iter()
            .filter(|c| !c.findings.is_empty() && c.status != "removed")
        {
            let f = &c.findings;
            let at = super::rescan::place(&c.article, c.paragraph, &c.item);
            let overview = joined(
                f.iter()
                    .map(|x| Direction::parse(&x.direction).map_or("", Direction::label)),
            );
            let reasons = joined(f.iter().map(|x| x.decision_reason.as_str()));
            let overview = match (overview.is_empty(), reasons.is_empty()) {
                (false, false) => format!("{overview}({reasons})"),
                (true, false) => reasons,
                _ => overview,
            };
            let amended = joined(f.iter().map(|x| x.amended_number.as_str()));
            let amended_on = joined(f.iter().map(|x| x.amended_on.as_str()));
            let cells = [
                head.title.clone(),
                at,
                c.text.clone(),
                joined(f.iter().map(|x| x.category.as_str())),
                joined(f.iter().map(|x| x.phase_now.as_str())),
                joined(f.iter().map(|x| x.phase_target.as_str())),
                joined(f.iter().map(|x| x.planned.as_str())),
                overview,
                joined(
                    f.iter()
                        .map(|x| State::parse(&x.state).map_or("", State::label)),
                ),
                joined(f.iter().map(|x| x.department.as_str())),
                if amended.is_empty() {
                    String::new()
                } else {
                    format!("{amended} {amended_on}")
                },
                f.iter()
                    .map(|x| format!("{}「{}」({:.2})", x.category, x.phrase, x.confidence))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ];
            for (col, v) in cells.iter().enumerate() {
                let format = if col == 2 || col == 11 {
                    &st.wrap
                } else {
                    &st.cell
                };
                ws.write_string_with_format(row, col as u16, v, format)?;
            }
            row += 1;
        }
    }
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 14)?;
    ws.set_column_width(2, 60)?;
    ws.set_column_width(3, 12)?;
    ws.set_column_width(7, 24)?;
    ws.set_column_width(11, 30)?;
    ws.set_freeze_panes(3, 0)?;
    a4(ws, true, row.max(4) - 1, heads.len() as u16 - 1)?;
    Ok(wb.save_to_buffer()?)
}
