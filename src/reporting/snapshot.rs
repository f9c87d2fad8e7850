//! Issued reports (to the head of the body, and the committee's material): an immutable, dated copy of every KPI, status, grade,
//! narrative and 行程表 state at the moment of issue, and the comparison with earlier ones.

use super::model::{Period, Report};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use crate::fiscal::FiscalYear;
use crate::plan::kpi::{Status, format_percent, format_value};
use crate::plan::service::PlanData;
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotKind {
    /// The report to the head of the body (首長への報告, about every three months)
    MayorReport,
    /// 委員会資料 (once or twice a year)
    CommitteeMaterial,
}

impl SnapshotKind {
    pub fn key(self) -> &'static str {
        match self {
            SnapshotKind::MayorReport => "mayor_report",
            SnapshotKind::CommitteeMaterial => "committee_material",
        }
    }
    /// As the body calls it: 〇〇長報告 / 知事報告; 〇〇委員会資料.
    pub fn label(self, words: &crate::plan::model::Words) -> String {
        match self {
            SnapshotKind::MayorReport => words.head_report(),
            SnapshotKind::CommitteeMaterial => format!("{}資料", words.committee),
        }
    }
    pub fn from_key(k: &str) -> Option<Self> {
        match k {
            "mayor_report" => Some(SnapshotKind::MayorReport),
            "committee_material" => Some(SnapshotKind::CommitteeMaterial),
            _ => None,
        }
    }
}

/// One KPI (of a 施策, or of a higher level) as it stood when the snapshot was issued. `code`
/// is the KPI's key (a 施策 with one KPI: the 施策's code, as snapshots before several KPIs had).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureState {
    pub code: String,
    /// The item the KPI belongs to (empty in older snapshots: `code` then).
    #[serde(default)]
    pub owner: String,
    pub label: String,
    pub title: String,
    pub department: String,
    pub kpi_name: String,
    pub target_wording: String,
    pub unit: String,
    /// Confirmed actuals by 年度.
    pub actuals: Vec<(i32, f64)>,
    /// The value judged, as text with its unit and 年度.
    pub value: String,
    pub status: String,
    pub status_label: String,
    pub achievement: String,
    /// The period's report at issue time.
    pub report_state: String,
    pub report_actual: String,
    pub progress: String,
    pub roadmap_progress: String,
    pub shortfall_reason: String,
    pub improvement: String,
    pub computed_grade: String,
    pub grade: String,
    pub grade_reason: String,
    /// 行程表 items planned for the snapshot's 年度.
    pub roadmap_items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotDocument {
    pub kind: SnapshotKind,
    pub title: String,
    pub fiscal_year: i32,
    pub period_title: String,
    pub plan_title: String,
    pub plan_revision: String,
    pub issued_at: String,
    pub issued_by: String,
    pub status_counts: Vec<(String, usize)>,
    pub mean_achievement: String,
    pub measures: Vec<MeasureState>,
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub id: i64,
    pub kind: SnapshotKind,
    pub title: String,
    pub fiscal_year: FiscalYear,
    pub issued_at: String,
    pub issued_by: String,
    pub document: SnapshotDocument,
}

fn status_label(key: &str) -> String {
    Status::label_of_key(key)
}

/// Builds the document from the plan as it is now and the period's reports.
pub fn build(
    data: &PlanData,
    kind: SnapshotKind,
    period: &Period,
    reports: &[Report],
    issued_by: &str,
) -> SnapshotDocument {
    let fy = period.fiscal_year;
    let measures = data
        .plan
        .kpis()
        .into_iter()
        .map(|k| {
            let ev = data.evaluation(&k.kpi.key);
            let owner = k.item.code();
            let r = reports.iter().find(|r| r.measure_code == owner);
            let unit = &k.kpi.unit;
            MeasureState {
                code: k.kpi.key.clone(),
                owner: owner.to_string(),
                label: k.item.label().to_string(),
                title: k.item.title().to_string(),
                department: k
                    .measure()
                    .map(|m| m.department.clone())
                    .unwrap_or_default(),
                kpi_name: k.kpi.name.clone(),
                target_wording: k.kpi.target_wording.clone(),
                unit: unit.clone(),
                actuals: data
                    .actuals_of(&k.kpi.key)
                    .iter()
                    .map(|a| (a.fiscal_year.0, a.value))
                    .collect(),
                value: ev
                    .and_then(|e| Some((e.value?, e.value_year?)))
                    .map(|(v, y)| format!("{}({})", format_value(v, unit), k.kpi.years.wareki(y)))
                    .unwrap_or_else(|| "—".into()),
                status: ev.map(|e| e.status.key()).unwrap_or("no_data").into(),
                status_label: ev
                    .map(|e| e.status.label())
                    .unwrap_or(Status::NoData.label())
                    .into(),
                achievement: ev
                    .and_then(|e| e.achievement)
                    .map(format_percent)
                    .unwrap_or_else(|| "—".into()),
                report_state: r.map(|r| r.state.label()).unwrap_or("").into(),
                report_actual: r
                    .and_then(|r| r.value(&k.kpi.key)?.value)
                    .map(|v| format_value(v, unit))
                    .unwrap_or_default(),
                progress: r.map(|r| r.progress.clone()).unwrap_or_default(),
                roadmap_progress: r.map(|r| r.roadmap_progress.clone()).unwrap_or_default(),
                shortfall_reason: r.map(|r| r.shortfall_reason.clone()).unwrap_or_default(),
                improvement: r.map(|r| r.improvement.clone()).unwrap_or_default(),
                computed_grade: r
                    .map(|r| status_label(&r.computed_status))
                    .unwrap_or_default(),
                grade: r.map(|r| status_label(&r.grade)).unwrap_or_default(),
                grade_reason: r.map(|r| r.grade_reason.clone()).unwrap_or_default(),
                roadmap_items: data
                    .plan
                    .roadmap_of(owner)
                    .flat_map(|row| row.items.iter())
                    .filter(|i| i.from <= fy && fy <= i.to)
                    .map(|i| i.text.clone())
                    .collect(),
            }
        })
        .collect();
    let rollup = data.rollup_all();
    SnapshotDocument {
        kind,
        title: format!("{} {}", period.title, kind.label(&data.words)),
        fiscal_year: fy.0,
        period_title: period.title.clone(),
        plan_title: data.plan.title.clone(),
        plan_revision: data.revision.label.clone(),
        issued_at: now_text(),
        issued_by: issued_by.to_string(),
        status_counts: rollup
            .counts
            .iter()
            .map(|(s, n)| (s.label().to_string(), *n))
            .collect(),
        mean_achievement: rollup
            .mean_achievement
            .map(format_percent)
            .unwrap_or_else(|| "—".into()),
        measures,
    }
}

pub async fn issue(
    db: &Db,
    plan_id: &str,
    doc: &SnapshotDocument,
    actor: &Actor,
) -> anyhow::Result<i64> {
    let mut tx = db.begin().await?;
    let json = serde_json::to_string(doc)?;
    sqlx::query(
        "INSERT INTO snapshots (plan_id, kind, title, fiscal_year, issued_at, issued_by, document)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(plan_id)
    .bind(doc.kind.key())
    .bind(&doc.title)
    .bind(i64::from(doc.fiscal_year))
    .bind(&doc.issued_at)
    .bind(&doc.issued_by)
    .bind(&json)
    .execute(&mut *tx)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM snapshots WHERE plan_id = $1 AND issued_at = $2 AND kind = $3 ORDER BY id DESC LIMIT 1",
    )
    .bind(plan_id)
    .bind(&doc.issued_at)
    .bind(doc.kind.key())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "snapshot.issue",
            entity: "snapshot",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "title": doc.title, "kind": doc.kind.key() })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn row_to_snapshot(r: &sqlx::any::AnyRow) -> anyhow::Result<Snapshot> {
    let kind: String = r.try_get("kind")?;
    let document: String = r.try_get("document")?;
    Ok(Snapshot {
        id: r.try_get("id")?,
        kind: SnapshotKind::from_key(&kind).unwrap_or(SnapshotKind::MayorReport),
        title: r.try_get("title")?,
        fiscal_year: FiscalYear(r.try_get::<i64, _>("fiscal_year")? as i32),
        issued_at: r.try_get("issued_at")?,
        issued_by: r.try_get("issued_by")?,
        document: serde_json::from_str(&document)?,
    })
}

pub async fn list(db: &Db, plan_id: &str) -> anyhow::Result<Vec<Snapshot>> {
    let rows = sqlx::query(
        "SELECT id, kind, title, fiscal_year, issued_at, issued_by, document FROM snapshots
         WHERE plan_id = $1 ORDER BY id DESC",
    )
    .bind(plan_id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter().map(row_to_snapshot).collect()
}

pub async fn get(db: &Db, id: i64) -> anyhow::Result<Option<Snapshot>> {
    let row = sqlx::query(
        "SELECT id, kind, title, fiscal_year, issued_at, issued_by, document FROM snapshots WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    row.map(|r| row_to_snapshot(&r)).transpose()
}

/// The snapshot of the same kind issued just before this one.
pub async fn previous(db: &Db, s: &Snapshot, plan_id: &str) -> anyhow::Result<Option<Snapshot>> {
    let row = sqlx::query(
        "SELECT id, kind, title, fiscal_year, issued_at, issued_by, document FROM snapshots
         WHERE plan_id = $1 AND kind = $2 AND id < $3 ORDER BY id DESC LIMIT 1",
    )
    .bind(plan_id)
    .bind(s.kind.key())
    .bind(s.id)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    row.map(|r| row_to_snapshot(&r)).transpose()
}

/// The latest snapshot of the same kind from the previous 年度.
pub async fn previous_year(
    db: &Db,
    s: &Snapshot,
    plan_id: &str,
) -> anyhow::Result<Option<Snapshot>> {
    let row = sqlx::query(
        "SELECT id, kind, title, fiscal_year, issued_at, issued_by, document FROM snapshots
         WHERE plan_id = $1 AND kind = $2 AND fiscal_year = $3 AND id < $4 ORDER BY id DESC LIMIT 1",
    )
    .bind(plan_id)
    .bind(s.kind.key())
    .bind(i64::from(s.fiscal_year.0 - 1))
    .bind(s.id)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    row.map(|r| row_to_snapshot(&r)).transpose()
}

/// One difference between two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub measure: String,
    pub what: &'static str,
    pub before: String,
    pub after: String,
}

/// What changed from `old` to `new`: values, statuses, grades, achievement, report state.
pub fn compare(old: &SnapshotDocument, new: &SnapshotDocument) -> Vec<Difference> {
    let mut out = Vec::new();
    if old.plan_revision != new.plan_revision {
        // KPIs may have been redefined in between: say so rather than compare silently.
        out.push(Difference {
            measure: "計画".into(),
            what: "計画の版(KPIの定義が変わっている場合があります)",
            before: old.plan_revision.clone(),
            after: new.plan_revision.clone(),
        });
    }
    for m in &new.measures {
        let Some(o) = old.measures.iter().find(|o| o.code == m.code) else {
            out.push(Difference {
                measure: format!("{} {}", m.label, m.title),
                what: "施策",
                before: "(なし)".into(),
                after: "追加".into(),
            });
            continue;
        };
        let fields: [(&'static str, &String, &String); 5] = [
            ("実績", &o.value, &m.value),
            ("状況", &o.status_label, &m.status_label),
            ("達成率", &o.achievement, &m.achievement),
            ("委員会の評価", &o.grade, &m.grade),
            ("報告の状態", &o.report_state, &m.report_state),
        ];
        for (what, before, after) in fields {
            if before != after {
                out.push(Difference {
                    measure: format!("{} {}", m.label, m.title),
                    what,
                    before: before.clone(),
                    after: after.clone(),
                });
            }
        }
    }
    out
}

/// The issued snapshot as a workbook (landscape A4), exactly as stored.
pub fn workbook(
    doc: &SnapshotDocument,
    words: &crate::plan::model::Words,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use crate::plan::xlsx::{Styles, a4, sheet_name};
    let st = Styles::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(&doc.kind.label(words)))?;
    ws.write_string_with_format(0, 0, &doc.title, &st.title)?;
    ws.write_string(
        1,
        0,
        format!(
            "{}({}) 発行 {} 発行者 {} 平均達成率 {}",
            doc.plan_title,
            doc.plan_revision,
            crate::fiscal::jst(&doc.issued_at),
            doc.issued_by,
            doc.mean_achievement
        ),
    )?;
    let committee_grade = format!("{}の評価", words.committee);
    let headers = [
        words.measure(),
        "KPI",
        "実績",
        "状況",
        "達成率",
        "報告の状態",
        "報告された実績",
        "計算上の評価",
        committee_grade.as_str(),
        "評価の理由",
        "取組状況",
        "行程表の進捗",
        "未達成の原因・理由",
        "改善策",
    ];
    let widths = [
        22.0, 24.0, 16.0, 8.0, 8.0, 10.0, 12.0, 10.0, 10.0, 18.0, 28.0, 20.0, 22.0, 22.0,
    ];
    for (c, (h, w)) in headers.iter().zip(widths).enumerate() {
        ws.write_string_with_format(3, c as u16, *h, &st.head)?;
        ws.set_column_width(c as u16, w)?;
    }
    let mut r = 4;
    for m in &doc.measures {
        let values = [
            format!("{} {}", m.label, m.title),
            format!("{}({})", m.kpi_name, m.target_wording),
            m.value.clone(),
            m.status_label.clone(),
            m.achievement.clone(),
            m.report_state.clone(),
            m.report_actual.clone(),
            m.computed_grade.clone(),
            m.grade.clone(),
            m.grade_reason.clone(),
            m.progress.clone(),
            m.roadmap_progress.clone(),
            m.shortfall_reason.clone(),
            m.improvement.clone(),
        ];
        for (c, v) in values.iter().enumerate() {
            ws.write_string_with_format(r, c as u16, v, &st.wrap)?;
        }
        r += 1;
    }
    ws.set_repeat_rows(3, 3)?;
    a4(ws, true, r, headers.len() as u16 - 1)?;
    wb.save_to_buffer()
}
