//! Checking what people type into a report, per event, and judging the KPI from it.

use super::model::{Event, Period, PeriodKind, Report};
use super::store::ReportChanges;
use crate::auth::routes::FieldErrors;
use crate::fiscal::FiscalYear;
use crate::plan::kpi::{self, Actual, Context, Status};
use crate::plan::model::{Measure, Plan};
use crate::plan::service::{ActualError, check_actual};
use serde::Deserialize;

/// Longest text accepted in one field.
pub const MAX_TEXT: usize = 4000;

/// The report form as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportInput {
    #[serde(default)]
    pub op: String,
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub actual: String,
    #[serde(default)]
    pub actual_note: String,
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

/// What the KPI says for the period's 年度 with this actual: confirmed actuals of other years
/// plus the one being reported.
pub fn computed_status(
    plan: &Plan,
    measure: &Measure,
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
    actuals.push(Actual {
        fiscal_year: fy,
        value: v,
    });
    Some(
        kpi::evaluate(
            &measure.kpi,
            &actuals,
            Context {
                as_of: fy,
                plan_start: plan.period.first_fiscal_year(),
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
    confirmed: &[Actual],
    previous_improvement: Option<&str>,
) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut changes = ReportChanges {
        actual_value: report.actual_value,
        actual_note: report.actual_note.clone(),
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
            changes.actual_note = text(&mut errors, "actual_note", &input.actual_note);
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
            changes.actual_value = if input.actual.trim().is_empty() {
                None
            } else {
                match check_actual(
                    plan,
                    &measure.code,
                    &period.fiscal_year.0.to_string(),
                    &input.actual,
                ) {
                    Ok((_, v)) => Some(v),
                    Err(ActualError::Number(e)) => {
                        errors.add("actual", e.to_string());
                        None
                    }
                    Err(e) => {
                        errors.add("actual", e.to_string());
                        None
                    }
                }
            };
            let status = computed_status(
                plan,
                measure,
                confirmed,
                period.fiscal_year,
                changes.actual_value,
            );
            changes.computed_status = status.map(|s| s.key().to_string()).unwrap_or_default();
            behind = matches!(status, Some(Status::Behind | Status::Missed));
            if event == Event::Submit {
                if changes.progress.is_empty() {
                    errors.add("progress", "取組状況を入力してください");
                }
                if period.kind == PeriodKind::Yearly
                    && changes.actual_value.is_none()
                    && errors.get("actual").is_none()
                {
                    errors.add("actual", "年次報告にはKPIの実績値が必要です");
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
