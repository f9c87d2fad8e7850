//! The plan's documents as Excel workbooks in the town's own layouts, set to print on A4.

use super::kpi::format_value;
use super::service::PlanData;
use super::sheet::SheetView;
use crate::fiscal::FiscalYear;
use crate::reporting::model::Report;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// A4 in Excel's paper size codes.
const A4: u8 = 9;

pub struct Styles {
    pub title: Format,
    pub head: Format,
    pub cell: Format,
    pub wrap: Format,
    pub num: Format,
    pub on: Format,
    pub section: Format,
    pub percent: Format,
}

impl Styles {
    pub fn new() -> Styles {
        let font = "游ゴシック";
        let base = Format::new()
            .set_font_name(font)
            .set_font_size(10.5)
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        Styles {
            title: Format::new()
                .set_font_name(font)
                .set_font_size(14)
                .set_bold(),
            section: Format::new()
                .set_font_name(font)
                .set_font_size(11.5)
                .set_bold(),
            head: base
                .clone()
                .set_bold()
                .set_background_color(Color::RGB(0xF3F4F6))
                .set_text_wrap(),
            cell: base.clone(),
            wrap: base.clone().set_text_wrap().set_align(FormatAlign::Top),
            num: base.clone().set_align(FormatAlign::Right),
            on: base
                .clone()
                .set_background_color(Color::RGB(0xDBE7F3))
                .set_text_wrap(),
            percent: base.set_num_format("0.0%").set_align(FormatAlign::Right),
        }
    }
}

impl Default for Styles {
    fn default() -> Self {
        Styles::new()
    }
}

pub fn a4(
    ws: &mut Worksheet,
    landscape: bool,
    last_row: u32,
    last_col: u16,
) -> Result<(), XlsxError> {
    ws.set_paper_size(A4);
    if landscape {
        ws.set_landscape();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_print_area(0, 0, last_row, last_col)?;
    Ok(())
}

/// Sheet names: at most 31 characters, none of `[]:*?/\`.
pub fn sheet_name(s: &str) -> String {
    s.chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect()
}

/// Writes one アクションプラン sheet, laid out like the plan's example.
pub fn write_action_plan(
    ws: &mut Worksheet,
    st: &Styles,
    words: &super::model::Words,
    label: &str,
    s: &SheetView,
) -> Result<(), XlsxError> {
    let years = s.years.len().max(1) as u16;
    let last = years; // columns 0..=years
    ws.set_column_width(0, 16)?;
    for c in 1..=years {
        ws.set_column_width(c, 15)?;
    }
    let merge = |ws: &mut Worksheet, row: u32, text: &str, f: &Format| -> Result<(), XlsxError> {
        if last > 1 {
            ws.merge_range(row, 1, row, last, text, f)?;
        } else {
            ws.write_string_with_format(row, 1, text, f)?;
        }
        Ok(())
    };
    ws.write_string_with_format(0, 0, format!("アクションプラン {label}"), &st.title)?;
    let mut r = 2;
    let number_label = format!("{}NO.", words.measure());
    for (k, v) in [
        (number_label.as_str(), s.number.as_str()),
        ("担当課", s.department.as_str()),
        ("新規・継続", s.new_or_continuing.as_str()),
        ("事業名", s.project_name.as_str()),
    ] {
        ws.write_string_with_format(r, 0, k, &st.head)?;
        merge(ws, r, v, &st.cell)?;
        r += 1;
    }
    r += 1;
    if let Some(c) = &s.comprehensive {
        ws.merge_range(r, 0, r, last, &c.plan, &st.head)?;
        r += 1;
        for (k, v) in [("基本方針名", &c.policy), ("主要施策名", &c.main_measure)] {
            ws.write_string_with_format(r, 0, k, &st.head)?;
            merge(ws, r, v, &st.cell)?;
            r += 1;
        }
    }
    ws.merge_range(r, 0, r, last, &s.plan_title, &st.head)?;
    r += 1;
    for (k, v) in &s.dx_path {
        ws.write_string_with_format(r, 0, k, &st.head)?;
        merge(ws, r, v, &st.cell)?;
        r += 1;
    }
    for (title, text) in [("1. 事業の概要", &s.overview), ("2. 事業の効果", &s.effect)] {
        r += 1;
        ws.write_string_with_format(r, 0, title, &st.section)?;
        r += 1;
        ws.merge_range(r, 0, r, last, text, &st.wrap)?;
        ws.set_row_height(r, 15.0 * (1 + text.chars().count() / 60) as f64 + 6.0)?;
        r += 1;
    }
    r += 1;
    ws.write_string_with_format(r, 0, "3. 成果目標・スケジュール", &st.section)?;
    r += 1;
    for (kpi, targets) in &s.kpis {
        for (k, v) in [("KPI", &kpi.name), ("数値目標", &kpi.target_wording)] {
            ws.write_string_with_format(r, 0, k, &st.head)?;
            merge(ws, r, v, &st.cell)?;
            r += 1;
        }
        ws.write_string_with_format(r, 0, "年度別数値目標", &st.head)?;
        for (i, y) in s.years.iter().enumerate() {
            ws.write_string_with_format(r, 1 + i as u16, y, &st.head)?;
            ws.write_string_with_format(r + 1, 1 + i as u16, &targets[i], &st.num)?;
        }
        ws.write_string_with_format(r + 1, 0, "", &st.head)?;
        r += 2;
        ws.write_string_with_format(r, 0, "達成時期", &st.head)?;
        merge(ws, r, &kpi.deadline_wording, &st.cell)?;
        r += 1;
    }
    let first_schedule = r;
    for row in &s.schedule {
        for (i, c) in row.cells.iter().enumerate() {
            let f = if c.on { &st.on } else { &st.cell };
            ws.write_string_with_format(r, 1 + i as u16, &c.text, f)?;
        }
        r += 1;
    }
    if r > first_schedule + 1 {
        ws.merge_range(first_schedule, 0, r - 1, 0, "スケジュール", &st.head)?;
    } else if r == first_schedule + 1 {
        ws.write_string_with_format(first_schedule, 0, "スケジュール", &st.head)?;
    }
    ws.write_string_with_format(r, 0, "備考", &st.head)?;
    merge(ws, r, &s.remarks, &st.cell)?;
    r += 2;
    ws.write_string_with_format(r, 0, format!("4. {}の評価", words.measure()), &st.section)?;
    r += 1;
    let mid = (last / 2).max(1);
    ws.write_string_with_format(r, 0, "年度", &st.head)?;
    if mid > 1 {
        ws.merge_range(r, 1, r, mid, "目標の達成度", &st.head)?;
    } else {
        ws.write_string_with_format(r, 1, "目標の達成度", &st.head)?;
    }
    ws.merge_range(
        r,
        mid + 1,
        r,
        last.max(mid + 1),
        "未達成の場合原因・理由等を記入",
        &st.head,
    )?;
    r += 1;
    for (year, grade, reason) in &s.evaluations {
        ws.write_string_with_format(r, 0, year, &st.head)?;
        if mid > 1 {
            ws.merge_range(r, 1, r, mid, grade, &st.wrap)?;
        } else {
            ws.write_string_with_format(r, 1, grade, &st.wrap)?;
        }
        ws.merge_range(r, mid + 1, r, last.max(mid + 1), reason, &st.wrap)?;
        ws.set_row_height(r, 30)?;
        r += 1;
    }
    a4(ws, false, r, last)
}

fn measure_label(data: &PlanData, code: &str) -> String {
    data.plan
        .measure(code)
        .map(|m| format!("{} {}", m.label(), m.title))
        .unwrap_or_default()
}

/// One sheet per 施策 (or just the one asked for).
pub fn action_plans(
    data: &PlanData,
    only: Option<&str>,
    finalized: &[(FiscalYear, Report)],
) -> Result<Vec<u8>, XlsxError> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    for m in data
        .plan
        .measures
        .iter()
        .filter(|m| only.is_none_or(|c| c == m.code))
    {
        let view = super::sheet::sheet(data, m, finalized);
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&m.code))?;
        write_action_plan(ws, &st, &data.words, &measure_label(data, &m.code), &view)?;
    }
    wb.save_to_buffer()
}

/// The KPI list: every 施策's KPI, target, deadline, each 年度's target and actual, achievement,
/// status and the committee's latest grade.
pub fn kpi_list(data: &PlanData, finalized: &[(FiscalYear, Report)]) -> Result<Vec<u8>, XlsxError> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("KPI一覧")?;
    let years = data.table_years();
    ws.write_string_with_format(
        0,
        0,
        format!("{} KPI一覧({}時点)", data.plan.title, data.as_of.wareki()),
        &st.title,
    )?;
    let mut headers: Vec<String> = vec![
        "番号".into(),
        "項目".into(),
        "KPI".into(),
        "数値目標".into(),
        "達成時期".into(),
    ];
    for fy in &years {
        headers.push(format!("{} 目標", fy.short()));
        headers.push(format!("{} 実績", fy.short()));
    }
    headers.extend([
        "値の種類".to_string(),
        "達成率".to_string(),
        "状況".to_string(),
        format!("{}の評価", data.words.committee),
    ]);
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, h, &st.head)?;
    }
    ws.set_column_width(0, 8)?;
    ws.set_column_width(1, 24)?;
    ws.set_column_width(2, 26)?;
    ws.set_column_width(3, 24)?;
    ws.set_column_width(4, 12)?;
    let mut r = 3;
    for k in data.plan.kpis() {
        let ev = data.evaluation(&k.kpi.key);
        let mut c = 0u16;
        for v in [
            k.item.label().to_string(),
            k.item.title().to_string(),
            k.kpi.name.clone(),
            k.kpi.target_wording.clone(),
            k.kpi.deadline_wording.clone(),
        ] {
            ws.write_string_with_format(r, c, &v, &st.wrap)?;
            c += 1;
        }
        for fy in &years {
            let target = k.kpi.yearly_target(*fy);
            let actual = data
                .actuals_of(&k.kpi.key)
                .iter()
                .find(|a| a.fiscal_year == *fy)
                .map(|a| a.value);
            for v in [target, actual] {
                match v {
                    Some(v) => ws.write_number_with_format(r, c, v, &st.num)?,
                    None => ws.write_string_with_format(r, c, "", &st.num)?,
                };
                c += 1;
            }
        }
        ws.write_string_with_format(
            r,
            c,
            ev.and_then(|e| e.provenance).map_or("", |p| p.label()),
            &st.cell,
        )?;
        c += 1;
        match ev.and_then(|e| e.achievement) {
            Some(a) => ws.write_number_with_format(r, c, a, &st.percent)?,
            None => ws.write_string_with_format(r, c, "—", &st.num)?,
        };
        c += 1;
        let status = match ev {
            Some(e) if e.final_evaluation => format!("最終評価 {}", e.status.label()),
            Some(e) => e.status.label().to_string(),
            None => "未入力".to_string(),
        };
        ws.write_string_with_format(r, c, &status, &st.cell)?;
        c += 1;
        let owner = k.item.code();
        let grade = finalized
            .iter()
            .filter(|(_, r)| r.measure_code == owner)
            .filter_map(|(fy, r)| {
                super::kpi::Status::from_key(&r.grade)
                    .map(|s| format!("{} {}", fy.short(), s.label()))
            })
            .next_back()
            .unwrap_or_default();
        ws.write_string_with_format(r, c, &grade, &st.cell)?;
        r += 1;
    }
    ws.write_string(r + 1, 0, format!("単位は各KPIによる(例: {})。達成率は (実績−基準値)÷(目標−基準値)、基準値がないときは 実績÷目標。値の種類: 確定=報告で確定、記録=計画の取りまとめ担当が記録、自動集計=業務のデータから集計。", format_value(45.0, "件")))?;
    ws.set_repeat_rows(2, 2)?;
    ws.set_freeze_panes(3, 2)?;
    a4(ws, true, r + 1, headers.len() as u16 - 1)?;
    wb.save_to_buffer()
}

/// The 行程表 as a fiscal-year grid: one row per bar, the years it runs shaded.
pub fn roadmap(data: &PlanData) -> Result<Vec<u8>, XlsxError> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("行程表")?;
    let years: Vec<FiscalYear> = data
        .plan
        .roadmap_years
        .map(|r| r.years().collect())
        .unwrap_or_default();
    ws.write_string_with_format(
        0,
        0,
        format!("{} 行程表", data.plan.municipality.name),
        &st.title,
    )?;
    ws.write_string_with_format(2, 0, data.words.measure(), &st.head)?;
    ws.write_string_with_format(2, 1, "取組事項", &st.head)?;
    for (i, fy) in years.iter().enumerate() {
        ws.write_string_with_format(
            2,
            2 + i as u16,
            format!("{}\n({}年度)", fy.wareki(), fy.0),
            &st.head,
        )?;
        ws.set_column_width(2 + i as u16, 16)?;
    }
    let last = 2 + years.len() as u16;
    ws.write_string_with_format(2, last, "目標時期", &st.head)?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 22)?;
    ws.set_column_width(last, 12)?;
    ws.set_row_height(2, 30)?;
    let mut r = 3;
    for row in &data.plan.roadmap {
        let measure = if row.measure.is_empty() {
            "計画全体".to_string()
        } else {
            measure_label(data, &row.measure)
        };
        for item in &row.items {
            ws.write_string_with_format(r, 0, &measure, &st.wrap)?;
            ws.write_string_with_format(r, 1, &row.label, &st.wrap)?;
            for (i, fy) in years.iter().enumerate() {
                let on = item.from <= *fy && *fy <= item.to;
                let text = if *fy == item.from {
                    item.text.as_str()
                } else {
                    ""
                };
                ws.write_string_with_format(
                    r,
                    2 + i as u16,
                    text,
                    if on { &st.on } else { &st.cell },
                )?;
            }
            let target = format!("{} {}", row.target_time, row.notes.join(" "));
            ws.write_string_with_format(r, last, target.trim(), &st.cell)?;
            ws.set_row_height(r, 30)?;
            r += 1;
        }
    }
    r += 1;
    for n in &data.plan.roadmap_notes {
        ws.write_string(r, 0, format!("{} {}", n.mark, n.text))?;
        r += 1;
    }
    ws.set_repeat_rows(2, 2)?;
    a4(ws, true, r, last)?;
    wb.save_to_buffer()
}
