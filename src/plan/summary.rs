//! The 総括 of a plan: once its period is over, every KPI's 最終評価 with its figure and where
//! it comes from, the committee's grade and the last year's 未達成理由・改善策 per 施策, and the
//! roll-up of the whole plan — as a page (printable on A4) and as a workbook.

use super::browse::PlanView;
use super::kpi::Status;
use super::service::PlanData;
use super::views::{self, KpiRow, RollupView};
use crate::app::AppState;
use crate::error::AppError;
use crate::fiscal::FiscalYear;
use crate::reporting::model::Report;
use crate::web::Layout;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

/// One item of the 総括: a 施策 with its KPIs and the last word of the reporting cycle, or a
/// higher item with its KGIs.
pub struct SummaryItem {
    pub code: String,
    pub label: String,
    pub title: String,
    pub department: String,
    pub on_measure: bool,
    pub kpis: Vec<KpiRow>,
    /// 令和7年度 — the last year a report on it was finalized (empty: none).
    pub report_year: String,
    /// The committee's grade that year, in the status words.
    pub grade: String,
    pub grade_reason: String,
    pub shortfall_reason: String,
    pub improvement: String,
}

/// A top-level item with its roll-up and the items below it.
pub struct SummarySection {
    pub label: String,
    pub title: String,
    pub rollup: RollupView,
    pub items: Vec<SummaryItem>,
}

#[derive(Template)]
#[template(path = "plan/templates/summary.html")]
pub struct SummaryPage {
    layout: Layout,
    title: String,
    period: String,
    ended: bool,
    as_of: String,
    total: RollupView,
    sections: Vec<SummarySection>,
    /// The committee's grades of the last year, counted: (status word, count).
    grades: Vec<(String, usize)>,
}

/// The last finalized yearly report of each 施策.
fn last_reports(finalized: &[(FiscalYear, Report)]) -> Vec<(FiscalYear, &Report)> {
    let mut out: Vec<(FiscalYear, &Report)> = Vec::new();
    for (fy, r) in finalized {
        match out
            .iter_mut()
            .find(|(_, o)| o.measure_code == r.measure_code)
        {
            Some(slot) if slot.0 < *fy => *slot = (*fy, r),
            Some(_) => {}
            None => out.push((*fy, r)),
        }
    }
    out
}

pub fn sections(data: &PlanData, finalized: &[(FiscalYear, Report)]) -> Vec<SummarySection> {
    let last = last_reports(finalized);
    let item = |it: super::model::Item<'_>| -> SummaryItem {
        let code = it.code().to_string();
        let report = last.iter().find(|(_, r)| r.measure_code == code);
        let kpis = it
            .kpis()
            .iter()
            .filter_map(|k| data.plan.kpi(&k.key))
            .map(|k| views::kpi_row(data, &k))
            .collect();
        SummaryItem {
            label: it.label().to_string(),
            title: it.title().to_string(),
            department: match it {
                super::model::Item::Measure(m) => m.department.clone(),
                _ => String::new(),
            },
            on_measure: matches!(it, super::model::Item::Measure(_)),
            kpis,
            report_year: report.map(|(fy, _)| fy.wareki()).unwrap_or_default(),
            grade: report
                .map(|(_, r)| Status::label_of_key(&r.grade).to_string())
                .unwrap_or_default(),
            grade_reason: report
                .map(|(_, r)| r.grade_reason.clone())
                .unwrap_or_default(),
            shortfall_reason: report
                .map(|(_, r)| r.shortfall_reason.clone())
                .unwrap_or_default(),
            improvement: report
                .map(|(_, r)| r.improvement.clone())
                .unwrap_or_default(),
            code,
        }
    };
    data.plan
        .policies
        .iter()
        .map(|p| SummarySection {
            label: p.label.clone(),
            title: p.title.clone(),
            rollup: data.rollup_policy(p).into(),
            items: data
                .plan
                .items()
                .into_iter()
                .filter(|i| super::model::is_within(i.code(), &p.code))
                .filter(|i| !i.kpis().is_empty() || matches!(i, super::model::Item::Measure(_)))
                .map(item)
                .collect(),
        })
        .collect()
}

fn grade_counts(sections: &[SummarySection]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for g in sections
        .iter()
        .flat_map(|s| &s.items)
        .map(|i| i.grade.as_str())
        .filter(|g| !g.is_empty())
    {
        match out.iter_mut().find(|(k, _)| k == g) {
            Some(slot) => slot.1 += 1,
            None => out.push((g.to_string(), 1)),
        }
    }
    out
}

pub async fn page(State(state): State<AppState>, view: PlanView) -> Result<Response, AppError> {
    let finalized = crate::reporting::store::finalized_yearly(&state.db, &view.0.plan.id).await?;
    view.page(&state, "/plan/summary".into(), |data| {
        let sections = sections(data, &finalized);
        Ok(SummaryPage {
            layout: views::layout(&state, data, "plan"),
            title: data.plan.title.clone(),
            period: format!(
                "{}〜{}",
                data.plan.period.start.wareki(),
                data.plan.period.end.wareki()
            ),
            ended: data.ended(),
            as_of: data.as_of.wareki(),
            total: data.rollup_all().into(),
            grades: grade_counts(&sections),
            sections,
        })
    })
    .await
}

pub async fn xlsx(State(state): State<AppState>, view: PlanView) -> Result<Response, AppError> {
    let data = view.0.clone();
    let finalized = crate::reporting::store::finalized_yearly(&state.db, &data.plan.id).await?;
    let bytes = workbook(&data, &sections(&data, &finalized))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("workbook: {e}")))?;
    Ok(super::exports::download(
        bytes,
        super::exports::XLSX,
        "summary.xlsx",
        &format!("{}_総括.xlsx", data.plan.title),
    ))
}

/// The 総括 as one A4 landscape sheet: the roll-up on top, then a row per KPI.
fn workbook(
    data: &PlanData,
    sections: &[SummarySection],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use super::xlsx::{Styles, a4};
    let st = Styles::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("総括")?;
    let w = &data.words;
    let title = if data.ended() {
        format!("{} 総括", data.plan.title)
    } else {
        format!(
            "{} 中間のまとめ({}時点)",
            data.plan.title,
            data.as_of.wareki()
        )
    };
    ws.write_string_with_format(0, 0, &title, &st.title)?;
    let total = data.rollup_all();
    let counts: Vec<String> = total
        .counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{} {n}", s.label()))
        .collect();
    ws.write_string(
        1,
        0,
        format!(
            "計画期間: {}〜{} ・ KPI {} ・ {}",
            data.plan.period.start.wareki(),
            data.plan.period.end.wareki(),
            total.total,
            counts.join(" ・ ")
        ),
    )?;
    let heads = [
        "コード",
        w.measure(),
        "担当",
        "KPI",
        "数値目標",
        "達成時期",
        "実績",
        "値の種類",
        "達成率",
        "評価",
        "その後の実績",
        "委員会の評価",
        "評価の年度",
        "未達成の理由",
        "改善策",
    ];
    let widths = [
        9.0, 26.0, 12.0, 26.0, 18.0, 11.0, 16.0, 9.0, 8.0, 11.0, 16.0, 11.0, 11.0, 30.0, 30.0,
    ];
    let mut r = 3;
    for (c, (h, wdt)) in heads.iter().zip(widths).enumerate() {
        ws.write_string_with_format(r, c as u16, *h, &st.head)?;
        ws.set_column_width(c as u16, wdt)?;
    }
    for s in sections {
        r += 1;
        let line = format!("{} {} — {}", s.label, s.title, rollup_words(&s.rollup));
        ws.merge_range(r, 0, r, (heads.len() - 1) as u16, &line, &st.on)?;
        for it in &s.items {
            let rows: Vec<Option<&KpiRow>> = if it.kpis.is_empty() {
                vec![None]
            } else {
                it.kpis.iter().map(Some).collect()
            };
            for k in rows {
                r += 1;
                let status = k.map(|k| {
                    if k.final_evaluation {
                        format!("最終評価 {}", k.status.label)
                    } else {
                        k.status.label.to_string()
                    }
                });
                let cells = [
                    it.label.clone(),
                    it.title.clone(),
                    it.department.clone(),
                    k.map(|k| k.name.clone()).unwrap_or_default(),
                    k.map(|k| k.target_wording.clone()).unwrap_or_default(),
                    k.map(|k| k.deadline_wording.clone()).unwrap_or_default(),
                    k.map(|k| k.latest.clone()).unwrap_or_default(),
                    k.map(|k| k.provenance.to_string()).unwrap_or_default(),
                    k.map(|k| k.achievement.clone()).unwrap_or_default(),
                    status.unwrap_or_default(),
                    k.map(|k| k.later.clone()).unwrap_or_default(),
                    it.grade.clone(),
                    it.report_year.clone(),
                    it.shortfall_reason.clone(),
                    it.improvement.clone(),
                ];
                for (c, v) in cells.iter().enumerate() {
                    ws.write_string_with_format(r, c as u16, v, &st.wrap)?;
                }
            }
        }
    }
    ws.set_freeze_panes(4, 0)?;
    a4(ws, true, r, (heads.len() - 1) as u16)?;
    wb.save_to_buffer()
}

/// 「KPI 5(達成 3・未達成 2)、平均達成率 80.0%」
pub fn rollup_words(r: &RollupView) -> String {
    let counts: Vec<String> = r
        .counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{} {n}", s.label))
        .collect();
    format!(
        "KPI {}({})、平均達成率 {}",
        r.total,
        if counts.is_empty() {
            "実績なし".to_string()
        } else {
            counts.join("・")
        },
        r.mean
    )
}
