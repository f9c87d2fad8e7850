//! Turning a read table into checked rows: which column is which, and every problem of every
//! row named by line and column in Japanese.

use super::read::{Cell, Table};
use crate::auth::Staff;
use crate::auth::permissions::Subject;
use crate::fiscal::{FiscalYear, fold_width};
use crate::plan::kpi::format_value;
use crate::plan::model::Plan;
use crate::plan::service::{ActualError, check_actual};
use crate::reporting::model::ReportState;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The import's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Code,
    FiscalYear,
    Value,
    Note,
}

impl Column {
    pub fn label(self) -> &'static str {
        match self {
            Column::Code => "KPIコード",
            Column::FiscalYear => "年度",
            Column::Value => "実績",
            Column::Note => "根拠・出典",
        }
    }
}

/// Header texts people use for each column.
fn column_of(header: &str) -> Option<Column> {
    let h: String = fold_width(header)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    match h.as_str() {
        "kpiコード" | "施策コード" | "施策番号" | "コード" | "施策no." | "施策no" | "code"
        | "measure_code" | "kpi_key" => Some(Column::Code),
        "年度" | "fiscal_year" | "年" => Some(Column::FiscalYear),
        "実績" | "実績値" | "値" | "value" | "actual" => Some(Column::Value),
        "根拠・出典" | "根拠" | "出典" | "備考" | "note" => Some(Column::Note),
        _ => None,
    }
}

/// Columns the template carries for people's reference; silently ignored.
const REFERENCE_COLUMNS: [&str; 4] = ["施策名", "施策", "kpi", "名称"];

/// The current report a row would change.
#[derive(Debug, Clone)]
pub struct Target {
    pub state: ReportState,
    pub actual: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub line: usize,
    /// The KPI's key.
    pub code: String,
    /// The 施策 whose report it goes into.
    #[serde(default)]
    pub owner: String,
    pub measure: String,
    pub fiscal_year: Option<i32>,
    pub value: Option<f64>,
    pub note: String,
    pub old_value: String,
    pub new_value: String,
    /// (column, message)
    pub errors: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Checked {
    pub rows: Vec<Row>,
    /// Problems with the file as a whole (missing columns …).
    pub file_errors: Vec<String>,
    pub notices: Vec<String>,
    pub read_as: String,
}

impl Checked {
    pub fn error_count(&self) -> usize {
        self.file_errors.len() + self.rows.iter().filter(|r| !r.errors.is_empty()).count()
    }
}

fn text_of(c: &Cell) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(t) => t.trim().to_string(),
        Cell::Number(n) => format_value(*n, "").replace(',', ""),
        Cell::Date(d) => d.clone(),
        Cell::Error(e) => e.clone(),
    }
}

pub fn check(
    table: &Table,
    plan: &Plan,
    staff: &Staff,
    targets: &HashMap<(String, i32), Target>,
) -> Checked {
    let mut out = Checked {
        read_as: table.read_as.clone(),
        ..Default::default()
    };
    let coordinating = crate::plan::model::Words::of(plan).coordinating;
    let mut rows = table
        .rows
        .iter()
        .filter(|(_, cells)| !cells.iter().all(Cell::is_empty));
    let Some((header_line, header)) = rows.next() else {
        out.file_errors.push("表に行がありません".into());
        return out;
    };
    let mut columns: HashMap<usize, Column> = HashMap::new();
    for (i, cell) in header.iter().enumerate() {
        let name = text_of(cell);
        if name.is_empty() {
            continue;
        }
        match column_of(&name) {
            Some(col) if columns.values().any(|c| *c == col) => out.file_errors.push(format!(
                "{header_line}行目: 列「{}」が二つあります",
                col.label()
            )),
            Some(col) => {
                columns.insert(i, col);
            }
            None if REFERENCE_COLUMNS
                .iter()
                .any(|r| name.to_lowercase().starts_with(r)) => {}
            None => out
                .notices
                .push(format!("列「{name}」は読み込みに使いません(無視しました)")),
        }
    }
    for required in [Column::Code, Column::FiscalYear, Column::Value] {
        if !columns.values().any(|c| *c == required) {
            out.file_errors.push(format!(
                "{header_line}行目(見出し)に列「{}」がありません。テンプレートの見出しを使ってください",
                required.label()
            ));
        }
    }
    if !out.file_errors.is_empty() {
        return out;
    }
    let cell_of = |cells: &[Cell], col: Column| -> Cell {
        columns
            .iter()
            .find(|(_, c)| **c == col)
            .and_then(|(i, _)| cells.get(*i).cloned())
            .unwrap_or(Cell::Empty)
    };
    let mut seen: HashMap<(String, i32), usize> = HashMap::new();
    for (line, cells) in rows {
        let mut row = Row {
            line: *line,
            code: String::new(),
            owner: String::new(),
            measure: String::new(),
            fiscal_year: None,
            value: None,
            note: text_of(&cell_of(cells, Column::Note)),
            old_value: String::new(),
            new_value: String::new(),
            errors: vec![],
        };
        macro_rules! err {
            ($col:expr, $m:expr $(,)?) => {
                row.errors.push(($col.label().to_string(), $m))
            };
        }
        // KPIコード (a 施策 with one KPI: the 施策's code)
        let measure = match cell_of(cells, Column::Code) {
            Cell::Empty => {
                err!(Column::Code, "空です".into());
                None
            }
            Cell::Date(d) => {
                err!(
                    Column::Code,
                    format!(
                        "日付({d})として保存されています。セルの書式を「文字列」にして 1-1-1 の形で入力してください"
                    ),
                );
                None
            }
            c => {
                let code = fold_width(&text_of(&c)).replace(['‐', '－', 'ー', '―'], "-");
                match plan.kpi(&code) {
                    Some(k) => match k.measure() {
                        Some(m) => Some((m, k.kpi)),
                        None => {
                            err!(
                                Column::Code,
                                format!(
                                    "「{code}」は{}のKPIではないため、報告では取り込めません",
                                    plan.measure_level()
                                )
                            );
                            None
                        }
                    },
                    None => {
                        err!(
                            Column::Code,
                            format!(
                                "「{code}」というKPIはありません({}のKPIが一つならその{}の番号。例: 1-1-1)",
                                plan.measure_level(),
                                plan.measure_level()
                            )
                        );
                        None
                    }
                }
            }
        };
        // 年度
        let fy = match cell_of(cells, Column::FiscalYear) {
            Cell::Empty => {
                err!(Column::FiscalYear, "空です".into());
                None
            }
            Cell::Number(n) if n.fract() == 0.0 && (1912.0..=9999.0).contains(&n) => {
                Some(FiscalYear(n as i32))
            }
            Cell::Error(e) => {
                err!(Column::FiscalYear, format!("数式のエラー({e})です"));
                None
            }
            c => match FiscalYear::parse(&text_of(&c)) {
                Ok(fy) => Some(fy),
                Err(e) => {
                    err!(Column::FiscalYear, e.to_string());
                    None
                }
            },
        };
        // 実績
        let raw = match cell_of(cells, Column::Value) {
            Cell::Empty => {
                err!(
                    Column::Value,
                    "空です(数式の場合は計算結果を保存したファイルを使ってください)".into(),
                );
                None
            }
            Cell::Error(e) => {
                err!(Column::Value, format!("数式のエラー({e})です"));
                None
            }
            Cell::Date(d) => {
                err!(
                    Column::Value,
                    format!("日付({d})になっています。数値を入力してください")
                );
                None
            }
            c => Some(text_of(&c)),
        };
        if let (Some((m, kpi)), Some(fy), Some(raw)) = (measure, fy, raw) {
            row.code = kpi.key.clone();
            row.owner = m.code.clone();
            row.measure = if m.kpis.len() > 1 {
                format!("{} {}({})", m.label(), m.title, kpi.name)
            } else {
                format!("{} {}", m.label(), m.title)
            };
            row.fiscal_year = Some(fy.0);
            match check_actual(plan, &kpi.key, &fy.0.to_string(), &raw) {
                Ok((_, v)) => {
                    row.value = Some(v);
                    row.new_value = format_value(v, &kpi.unit);
                }
                Err(ActualError::YearOutOfRange { first, last, .. }) => err!(
                    Column::FiscalYear,
                    format!(
                        "{}は実績を入力できる年度({first}〜{last})の外です",
                        fy.wareki()
                    ),
                ),
                Err(e) => err!(
                    Column::Value,
                    e.to_string().trim_start_matches("値: ").to_string()
                ),
            }
            if !staff.can(
                crate::reporting::EDIT_REPORT,
                Subject::Measure {
                    department: &m.department,
                },
            ) {
                err!(
                    Column::Code,
                    format!(
                        "{} はあなたの担当課({})の{}ではありません",
                        m.label(),
                        staff.user.department,
                        plan.measure_level()
                    ),
                );
            }
            let key = (kpi.key.clone(), fy.0);
            let year_ok = !row
                .errors
                .iter()
                .any(|(c, _)| c == Column::FiscalYear.label());
            match targets.get(&key).filter(|_| year_ok) {
                None if !year_ok => {}
                None => err!(
                    Column::FiscalYear,
                    format!(
                        "{}の年次報告期間がありません。{}に作成を依頼してください",
                        fy.wareki(),
                        coordinating
                    ),
                ),
                Some(t) if !t.state.is_editable() => err!(
                    Column::FiscalYear,
                    format!("この報告は「{}」のため変更できません", t.state.label()),
                ),
                Some(t) => {
                    row.old_value = t
                        .actual
                        .map(|v| format_value(v, &kpi.unit))
                        .unwrap_or_else(|| "(未入力)".into());
                }
            }
            if let Some(first) = seen.insert(key, *line) {
                err!(
                    Column::Code,
                    format!("{first}行目と同じKPI・年度です。1行にまとめてください"),
                );
            }
        }
        if row.note.chars().count() > crate::reporting::service::MAX_TEXT {
            row.errors
                .push((Column::Note.label().into(), "長すぎます".into()));
        }
        out.rows.push(row);
    }
    if out.rows.is_empty() {
        out.file_errors
            .push("見出しの下にデータの行がありません".into());
    }
    out
}
