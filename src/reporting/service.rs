//! Checking what people type into a report, per event, and judging the KPI from it.

use super::model::{Event, Period, PeriodKind, Report, ReportValue};
use super::store::ReportChanges;
use crate::auth::routes::FieldErrors;
use crate::fiscal::FiscalYear;
use crate::plan::kpi::{self, Actual, Context, Status};
use crate::plan::model::{KpiDefinition, Measure, Plan};
use crate::plan::service::{ActualError, check_actual};
use serde::Deserialize;

/// Longest text accepted in one field.
pub const MAX_TEXT: usize = 4000;

/// The report form as posted. Each KPI's figure and its source come as `actual.<KPIコード>` and
/// `note.<KPIコード>`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportInput {
    #[serde(default)]
    pub op: String,
    #[serde(default, deserialize_with = "crate::input::form_i64")]
    pub version: i64,
    #[serde(flatten)]
    pub figures: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub progress: String,
    #[serde(default)]
    pub roadmap_progress: String,
    #[serde(default)]
    pub shortfall_reason: String,
    #[serde(default)]
    pub improvement: String,
    #[serde(default)]
    pub improvement_followup: String,
    #[serde(default)]
    pub check_comment: String,
    #[serde(default)]
    pub grade: String,
    #[serde(default)]
    pub grade_reason: String,
    #[serde(default)]
    pub reason: String,
}

impl ReportInput {
    /// The field names of a KPI's figure and its source.
    pub fn actual_field(key: &str) -> String {
        format!("actual.{key}")
    }
    pub fn note_field(key: &str) -> String {
        format!("note.{key}")
    }
    pub fn actual(&self, key: &str) -> &str {
        self.figures
            .get(&Self::actual_field(key))
            .map_or("", String::as_str)
    }
    pub fn note(&self, key: &str) -> &str {
        self.figures
            .get(&Self::note_field(key))
            .map_or("", String::as_str)
    }
    pub fn set_actual(&mut self, key: &str, value: String) {
        self.figures.insert(Self::actual_field(key), value);
    }
    pub fn set_note(&mut self, key: &str, value: String) {
        self.figures.insert(Self::note_field(key), value);
    }
}

/// The least advanced of several statuses: what a 施策 with several KPIs is judged by.
pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Option<Status> {
    let rank = |s: &Status| match s {
        Status::Missed => 0,
        Status::Behind => 1,
        Status::NotEvaluable => 2,
        Status::NoData => 3,
        Status::OnTrack => 4,
        Status::Achieved => 5,
        Status::Discontinued => 6,
    };
    statuses.into_iter().min_by_key(rank)
}

/// What a KPI says for the period's year with this figure: the figures of other years plus the
/// one being reported. Computed by the same rule as the public pages, so both use one word for one
/// state.
pub fn computed_status(
    plan: &Plan,
    kpi: &KpiDefinition,
    confirmed: &[Actual],
    fy: FiscalYear,
    value: Option<f64>,
) -> Option<Status> {
    let v = value?;
    let mut actuals: Vec<Actual> = confirmed
        .iter()
        .copied()
        .filter(|a| a.fiscal_year != fy)
        .collect();
    actuals.push(Actual::new(fy, v));
    Some(
        kpi::evaluate(
            kpi,
            &actuals,
            Context {
                as_of: fy,
                plan_start: plan.period.first_fiscal_year(),
                plan_end: plan.period.last_fiscal_year(),
                discontinued: false,
            },
        )
        .status,
    )
}

pub struct Checked {
    pub changes: ReportChanges,
    /// The department's fields are required again on submit when the KPI is behind.
    pub behind: bool,
}

/// Validates input for `event`. Department fields are taken only for Save/Submit; everything
/// else keeps the stored values.
#[allow(clippy::too_many_arguments)]
pub fn check(
    event: Event,
    input: &ReportInput,
    report: &Report,
    period: &Period,
    plan: &Plan,
    measure: &Measure,
    figures: &dyn Fn(&str) -> Vec<Actual>,
    previous_improvement: Option<&str>,
) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut changes = ReportChanges {
        values: report.values.clone(),
        progress: report.progress.clone(),
        roadmap_progress: report.roadmap_progress.clone(),
        shortfall_reason: report.shortfall_reason.clone(),
        improvement: report.improvement.clone(),
        improvement_followup: report.improvement_followup.clone(),
        check_comment: report.check_comment.clone(),
        computed_status: report.computed_status.clone(),
        grade: report.grade.clone(),
        grade_reason: report.grade_reason.clone(),
        reason: String::new(),
    };
    let text = |errors: &mut FieldErrors, field: &str, value: &str| -> String {
        if value.chars().count() > MAX_TEXT {
            errors.add(field, format!("{MAX_TEXT}文字以内で入力してください"));
        }
        value.trim().to_string()
    };
    let mut behind = false;
    match event {
        Event::Save | Event::Submit => {
            changes.progress = text(&mut errors, "progress", &input.progress);
            changes.roadmap_progress =
                text(&mut errors, "roadmap_progress", &input.roadmap_progress);
            changes.shortfall_reason =
                text(&mut errors, "shortfall_reason", &input.shortfall_reason);
            changes.improvement = text(&mut errors, "improvement", &input.improvement);
            changes.improvement_followup = text(
                &mut errors,
                "improvement_followup",
                &input.improvement_followup,
            );
            let mut statuses = Vec::new();
            changes.values = measure
                .kpis
                .iter()
                .map(|k| {
                    let field = ReportInput::actual_field(&k.key);
                    let typed = input.actual(&k.key);
                    let value = if typed.trim().is_empty() {
                        None
                    } else {
                        match check_actual(plan, &k.key, &period.fiscal_year.0.to_string(), typed) {
                            Ok((_, v)) => Some(v),
                            Err(ActualError::Number(e)) => {
                                errors.add(&field, e.to_string());
                                None
                            }
                            Err(e) => {
                                errors.add(&field, e.to_string());
                                None
                            }
                        }
                    };
                    let status =
                        computed_status(plan, k, &figures(&k.key), period.fiscal_year, value);
                    statuses.extend(status);
                    ReportValue {
                        kpi_key: k.key.clone(),
                        value,
                        note: text(
                            &mut errors,
                            &ReportInput::note_field(&k.key),
                            input.note(&k.key),
                        ),
                        computed_status: status.map(|s| s.key().to_string()).unwrap_or_default(),
                    }
                })
                .collect();
            let status = worst(statuses);
            changes.computed_status = status.map(|s| s.key().to_string()).unwrap_or_default();
            behind = matches!(status, Some(Status::Behind | Status::Missed));
            if event == Event::Submit {
                if changes.progress.is_empty() {
                    errors.add("progress", "取組状況を入力してください");
                }
                if period.kind == PeriodKind::Yearly {
                    for v in &changes.values {
                        let field = ReportInput::actual_field(&v.kpi_key);
                        if v.value.is_none() && errors.get(&field).is_none() {
                            errors.add(&field, "年次報告にはKPIの実績値が必要です");
                        }
                    }
                }
                if behind {
                    if changes.shortfall_reason.is_empty() {
                        errors.add(
                            "shortfall_reason",
                            "目標に届いていないため、未達成の原因・理由を入力してください",
                        );
                    }
                    if changes.improvement.is_empty() {
                        errors.add(
                            "improvement",
                            "目標に届いていないため、改善策を入力してください",
                        );
                    }
                }
                if previous_improvement.is_some_and(|p| !p.is_empty())
                    && changes.improvement_followup.is_empty()
                {
                    errors.add(
                        "improvement_followup",
                        "前年度の改善策がどうなったかを入力してください",
                    );
                }
            }
        }
        Event::Return => {
            changes.check_comment = text(&mut errors, "check_comment", &input.check_comment);
            if changes.check_comment.is_empty() {
                errors.add(
                    "check_comment",
                    "差し戻す理由(直してほしい点)を入力してください",
                );
            }
        }
        Event::Confirm => {
            changes.check_comment = text(&mut errors, "check_comment", &input.check_comment);
        }
        Event::Evaluate => {
            changes.grade = input.grade.trim().to_string();
            changes.grade_reason = text(&mut errors, "grade_reason", &input.grade_reason);
            match Status::from_key(&changes.grade) {
                None => errors.add("grade", "評価を選んでください"),
                Some(_)
                    if changes.grade != report.computed_status
                        && changes.grade_reason.is_empty() =>
                {
                    errors.add(
                        "grade_reason",
                        "計算上の評価と異なる評価にする場合は、その理由を入力してください",
                    );
                }
                Some(_) => {}
            }
        }
        Event::Reopen => {
            changes.reason = text(&mut errors, "reason", &input.reason);
            if changes.reason.is_empty() {
                errors.add(
                    "reason",
                    "確定を解除する理由を入力してください(監査ログに残ります)",
                );
            }
        }
        Event::Finalize => {}
    }
    if errors.is_empty() {
        Ok(Checked { changes, behind })
    } else {
        Err(errors)
    }
}
