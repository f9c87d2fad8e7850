//! The tracker as an Excel workbook for the 庁内 meeting and the prefecture: the 業務 × step grid
//! on one A3 landscape page (rates as numbers, so they can be checked with a formula), each
//! 業務's record, and the step list with which names are confirmed.

use super::model::{BusinessRecord, Cell};
use super::rates::{self, Business, StepStatus};
use super::routes::{Grid, statuses_of};
use crate::plan::xlsx::Styles;
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use std::collections::HashMap;
use time::Date;

/// A3 in Excel's paper size codes.
const A3: u8 = 8;

/// What the workbook is made from.
pub struct Tracker<'a> {
    pub grid: &'a Grid,
    pub businesses: &'a [&'static Business],
    pub records: &'a HashMap<i64, BusinessRecord>,
    pub cells: &'a HashMap<(i64, i64), Cell>,
    /// 基準日 as words (令和7年4月1日).
    pub as_of: String,
}

struct Marks {
    done: Format,
    working: Format,
    na: Format,
    none: Format,
}

fn marks() -> Marks {
    let base = Format::new()
        .set_font_name("游ゴシック")
        .set_font_size(10)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    Marks {
        done: base.clone().set_background_color(Color::RGB(0xC8E6C9)),
        working: base.clone().set_background_color(Color::RGB(0xFFF3C4)),
        na: base.clone().set_background_color(Color::RGB(0xE0E0E0)),
        none: base,
    }
}

fn mark(m: &Marks, s: StepStatus) -> (&'static str, &Format) {
    match s {
        StepStatus::Done => ("済", &m.done),
        StepStatus::Working => ("中", &m.working),
        StepStatus::NotApplicable => ("外", &m.na),
        StepStatus::NotStarted => ("・", &m.none),
    }
}

fn excel_date(d: Date) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day())
}

pub fn workbook(t: &Tracker) -> Result<Vec<u8>, XlsxError> {
    let st = Styles::new();
    let mut book = Workbook::new();
    grid_sheet(book.add_worksheet(), &st, t)?;
    records_sheet(book.add_worksheet(), &st, t)?;
    steps_sheet(book.add_worksheet(), &st, t.grid)?;
    book.save_to_buffer()
}

fn grid_sheet(ws: &mut Worksheet, st: &Styles, t: &Tracker) -> Result<(), XlsxError> {
    let m = marks();
    let steps = &t.grid.steps;
    let n = steps.len() as u16;
    // Columns: No, 業務, 担当課, one per step, 完了率, 作業中率, 未着手率, 移行.
    let first_step = 3u16;
    let rate_col = first_step + n;
    let last_col = rate_col + 3;
    ws.set_name("進み具合")?;
    ws.write_string_with_format(0, 0, "標準化・ガバメントクラウド移行の進み具合", &st.title)?;
    ws.write_string(
        1,
        0,
        format!(
            "基準日 {} ・ 移行済み {}/{}業務 ・ 完了率 = (完了済み + 対象外) ÷ ステップ数",
            t.as_of, t.grid.migrated, t.grid.total
        ),
    )?;
    let vertical = st
        .head
        .clone()
        .set_rotation(90)
        .set_align(FormatAlign::Center);
    let head = 3u32;
    for (c, label) in [(0, "No"), (1, "業務"), (2, "担当課")] {
        ws.merge_range(head, c, head + 1, c, label, &st.head)?;
    }
    for (i, s) in steps.iter().enumerate() {
        let c = first_step + i as u16;
        let name = if s.verified {
            s.name.clone()
        } else {
            format!("{}(未確認)", s.name)
        };
        ws.write_string_with_format(head, c, &name, &vertical)?;
        ws.write_number_with_format(head + 1, c, s.no as f64, &st.head)?;
        ws.set_column_width(c, 3.2)?;
    }
    for (c, label) in [
        (rate_col, "完了率"),
        (rate_col + 1, "作業中率"),
        (rate_col + 2, "未着手率"),
        (rate_col + 3, "移行"),
    ] {
        ws.merge_range(head, c, head + 1, c, label, &st.head)?;
        ws.set_column_width(c, 8)?;
    }
    ws.set_row_height(head, 150)?;
    ws.set_column_width(0, 4)?;
    ws.set_column_width(1, 16)?;
    ws.set_column_width(2, 12)?;
    let mut r = head + 2;
    let mut all = Vec::new();
    for b in t.businesses {
        let no = i64::from(b.no);
        let statuses = statuses_of(no, steps, t.cells);
        let record = t.records.get(&no);
        ws.write_number_with_format(r, 0, f64::from(b.no), &st.num)?;
        ws.write_string_with_format(r, 1, b.dashboard_name, &st.cell)?;
        ws.write_string_with_format(r, 2, record.map_or("", |x| &x.department), &st.cell)?;
        for (i, s) in statuses.iter().enumerate() {
            let (text, f) = mark(&m, *s);
            ws.write_string_with_format(r, first_step + i as u16, text, f)?;
        }
        write_rates(ws, st, r, rate_col, rates::rates(&statuses, steps.len()))?;
        let migrated = t.grid.rows.iter().any(|g| g.no == b.no && g.migrated);
        ws.write_string_with_format(r, rate_col + 3, if migrated { "済" } else { "" }, &st.cell)?;
        all.push(statuses);
        r += 1;
    }
    ws.merge_range(r, 0, r, rate_col - 1, "全体", &st.head)?;
    write_rates(ws, st, r, rate_col, rates::overall(&all, steps.len()))?;
    ws.write_string_with_format(
        r,
        rate_col + 3,
        format!("{}/{}", t.grid.migrated, t.grid.total),
        &st.head,
    )?;
    r += 2;
    ws.write_string(
        r,
        0,
        "済 = 完了済み ・ 中 = 作業中 ・ 外 = 対象外 ・ ・ = 未着手(記録なしを含む)",
    )?;
    if !t.grid.held_back.is_empty() {
        r += 1;
        ws.write_string_with_format(r, 0, "移行が済んでいない業務", &st.section)?;
        for (name, why) in &t.grid.held_back {
            r += 1;
            ws.write_string(r, 1, name)?;
            ws.write_string(r, 3, why.join("、"))?;
        }
    }
    if !t.grid.unrecorded.is_empty() {
        r += 1;
        ws.write_string(
            r,
            0,
            format!("記録のない業務: {}", t.grid.unrecorded.join("、")),
        )?;
    }
    ws.set_freeze_panes(head + 2, first_step)?;
    ws.set_repeat_rows(head, head + 1)?;
    ws.set_paper_size(A3);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 1);
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3);
    ws.set_print_area(0, 0, r, last_col)?;
    Ok(())
}

fn write_rates(
    ws: &mut Worksheet,
    st: &Styles,
    r: u32,
    c: u16,
    rates: Option<rates::Rates>,
) -> Result<(), XlsxError> {
    match rates {
        Some(x) => {
            ws.write_number_with_format(r, c, x.completed, &st.percent)?;
            ws.write_number_with_format(r, c + 1, x.working, &st.percent)?;
            ws.write_number_with_format(r, c + 2, x.not_started, &st.percent)?;
        }
        None => {
            for i in 0..3 {
                ws.write_blank(r, c + i, &st.cell)?;
            }
        }
    }
    Ok(())
}

fn records_sheet(ws: &mut Worksheet, st: &Styles, t: &Tracker) -> Result<(), XlsxError> {
    ws.set_name("業務の記録")?;
    let date = st.cell.clone().set_num_format("yyyy/mm/dd");
    let header = [
        ("No", 4.0),
        ("業務", 16.0),
        ("担当課", 12.0),
        ("ベンダ", 14.0),
        ("現行システム", 16.0),
        ("移行先システム", 16.0),
        ("標準準拠", 8.0),
        ("ガバメントクラウド", 14.0),
        ("移行予定日", 11.0),
        ("移行日", 11.0),
        ("特定移行支援システム", 10.0),
        ("その理由", 16.0),
        ("その期限", 11.0),
        ("移行済み", 8.0),
        ("まだの理由", 30.0),
        ("備考", 24.0),
        ("最終更新", 18.0),
    ];
    for (c, (label, width)) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *label, &st.head)?;
        ws.set_column_width(c as u16, *width)?;
    }
    let empty = BusinessRecord::default();
    for (i, b) in t.businesses.iter().enumerate() {
        let r = i as u32 + 1;
        let rec = t.records.get(&i64::from(b.no)).unwrap_or(&empty);
        let flag = |on: bool| if on { "はい" } else { "" };
        ws.write_number_with_format(r, 0, f64::from(b.no), &st.num)?;
        let texts: [(u16, String); 8] = [
            (1, b.dashboard_name.to_string()),
            (2, rec.department.clone()),
            (3, rec.vendor.clone()),
            (4, rec.current_system.clone()),
            (5, rec.target_system.clone()),
            (6, flag(rec.compliant).into()),
            (
                7,
                rec.gov_cloud
                    .map(|g| g.label().to_string())
                    .unwrap_or_default(),
            ),
            (10, flag(rec.tokutei).into()),
        ];
        for (c, text) in texts {
            ws.write_string_with_format(r, c, &text, &st.cell)?;
        }
        for (c, d) in [
            (8u16, rec.planned_cutover),
            (9, rec.actual_cutover),
            (12, rec.tokutei_deadline),
        ] {
            match d {
                Some(d) => {
                    ws.write_datetime_with_format(r, c, excel_date(d)?, &date)?;
                }
                None => {
                    ws.write_blank(r, c, &st.cell)?;
                }
            }
        }
        ws.write_string_with_format(r, 11, &rec.tokutei_reason, &st.cell)?;
        let row = t.grid.rows.iter().find(|g| g.no == b.no);
        let migrated = row.is_some_and(|g| g.migrated);
        ws.write_string_with_format(r, 13, flag(migrated), &st.cell)?;
        let why = t
            .grid
            .held_back
            .iter()
            .find(|(name, _)| name == b.dashboard_name)
            .map(|(_, w)| w.join("、"))
            .unwrap_or_else(|| {
                if t.records.contains_key(&i64::from(b.no)) || migrated {
                    String::new()
                } else {
                    "記録なし".into()
                }
            });
        ws.write_string_with_format(r, 14, &why, &st.wrap)?;
        ws.write_string_with_format(r, 15, &rec.note, &st.wrap)?;
        let updated = if rec.updated_at.is_empty() {
            String::new()
        } else {
            format!(
                "{}({})",
                crate::fiscal::jst(&rec.updated_at),
                rec.updated_by
            )
        };
        ws.write_string_with_format(r, 16, &updated, &st.cell)?;
    }
    let last = t.businesses.len() as u32;
    ws.autofilter(0, 0, last, header.len() as u16 - 1)?;
    ws.set_freeze_panes(1, 2)?;
    ws.set_repeat_rows(0, 0)?;
    ws.set_paper_size(A3);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn steps_sheet(ws: &mut Worksheet, st: &Styles, grid: &Grid) -> Result<(), XlsxError> {
    ws.set_name("ステップ")?;
    ws.write_string(0, 0, format!("ステップの一覧: {}", grid.edition))?;
    for (c, (label, width)) in [("No", 5.0), ("区分", 16.0), ("名前", 44.0), ("確認", 12.0)]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(2, c as u16, *label, &st.head)?;
        ws.set_column_width(c as u16, *width)?;
    }
    for (i, s) in grid.steps.iter().enumerate() {
        let r = i as u32 + 3;
        ws.write_number_with_format(r, 0, s.no as f64, &st.num)?;
        ws.write_string_with_format(r, 1, &s.phase, &st.cell)?;
        ws.write_string_with_format(r, 2, &s.name, &st.cell)?;
        let checked = if s.verified {
            "確認済み"
        } else {
            "未確認"
        };
        ws.write_string_with_format(r, 3, checked, &st.cell)?;
    }
    Ok(())
}
