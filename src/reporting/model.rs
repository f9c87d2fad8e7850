//! Reporting periods, reports and the report state machine (pure).

use crate::auth::permissions::Action;
use crate::fiscal::FiscalYear;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// The yearly report to the committee (departments → the committee, as the plan prescribes).
    Yearly,
    /// The quarter reports behind the report to the head of the body.
    Quarterly,
}

impl PeriodKind {
    pub fn key(self) -> &'static str {
        match self {
            PeriodKind::Yearly => "yearly",
            PeriodKind::Quarterly => "quarterly",
        }
    }
    pub fn from_key(k: &str) -> Option<Self> {
        match k {
            "yearly" => Some(PeriodKind::Yearly),
            "quarterly" => Some(PeriodKind::Quarterly),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    pub id: i64,
    pub plan_id: String,
    pub fiscal_year: FiscalYear,
    pub kind: PeriodKind,
    /// 1–4 for quarterly periods (第1四半期 = 4–6月), 0 for yearly.
    pub quarter: i64,
    pub title: String,
    /// YYYY-MM-DD
    pub due_date: String,
}

impl Period {
    pub fn default_title(fy: FiscalYear, kind: PeriodKind, quarter: i64) -> String {
        match kind {
            PeriodKind::Yearly => format!("{} 年次報告", fy.wareki()),
            PeriodKind::Quarterly => format!("{} 第{quarter}四半期", fy.wareki()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// 未着手
    NotStarted,
    /// 入力中
    Draft,
    /// 提出済
    Submitted,
    /// 確認済 (by the coordinating department)
    Checked,
    /// 差戻し
    Returned,
    /// 委員会評価済
    Evaluated,
    /// 確定 (locked)
    Finalized,
}

impl Report {
    pub fn value(&self, kpi_key: &str) -> Option<&ReportValue> {
        self.values.iter().find(|v| v.kpi_key == kpi_key)
    }
}

impl ReportState {
    pub const ALL: [ReportState; 7] = [
        ReportState::NotStarted,
        ReportState::Draft,
        ReportState::Submitted,
        ReportState::Checked,
        ReportState::Returned,
        ReportState::Evaluated,
        ReportState::Finalized,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ReportState::NotStarted => "not_started",
            ReportState::Draft => "draft",
            ReportState::Submitted => "submitted",
            ReportState::Checked => "checked",
            ReportState::Returned => "returned",
            ReportState::Evaluated => "evaluated",
            ReportState::Finalized => "finalized",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportState::NotStarted => "未着手",
            ReportState::Draft => "入力中",
            ReportState::Submitted => "提出済",
            ReportState::Checked => "確認済",
            ReportState::Returned => "差戻し",
            ReportState::Evaluated => "委員会評価済",
            ReportState::Finalized => "確定",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        ReportState::ALL.into_iter().find(|s| s.key() == k)
    }

    /// Whether the department's fields can be changed in this state.
    pub fn is_editable(self) -> bool {
        matches!(
            self,
            ReportState::NotStarted | ReportState::Draft | ReportState::Returned
        )
    }
}

/// What someone does to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// 保存 (一時保存)
    Save,
    /// 提出
    Submit,
    /// 確認 (the coordinating department)
    Confirm,
    /// 差戻し (the coordinating department, with a comment)
    Return,
    /// 評価 (委員会 grade)
    Evaluate,
    /// 確定
    Finalize,
    /// 修正のため再開 (with a reason)
    Reopen,
}

impl Event {
    pub const ALL: [Event; 7] = [
        Event::Save,
        Event::Submit,
        Event::Confirm,
        Event::Return,
        Event::Evaluate,
        Event::Finalize,
        Event::Reopen,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Event::Save => "save",
            Event::Submit => "submit",
            Event::Confirm => "confirm",
            Event::Return => "return",
            Event::Evaluate => "evaluate",
            Event::Finalize => "finalize",
            Event::Reopen => "reopen",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        Event::ALL.into_iter().find(|e| e.key() == k)
    }

    pub fn label(self) -> &'static str {
        match self {
            Event::Save => "一時保存",
            Event::Submit => "提出する",
            Event::Confirm => "確認済にする",
            Event::Return => "差し戻す",
            Event::Evaluate => "評価を記録する",
            Event::Finalize => "確定する",
            Event::Reopen => "修正のため再開する",
        }
    }

    /// What the page says after it: 提出しました …
    pub fn done(self) -> &'static str {
        match self {
            Event::Save => "一時保存しました。",
            Event::Submit => "提出しました。",
            Event::Confirm => "確認済にしました。",
            Event::Return => "差し戻しました。",
            Event::Evaluate => "評価を記録しました。",
            Event::Finalize => "確定しました。実績を公開ページに反映しました。",
            Event::Reopen => "確定を解除して再開しました。",
        }
    }

    /// The permission the event needs.
    pub fn action(self) -> Action {
        match self {
            Event::Save | Event::Submit => crate::reporting::EDIT_REPORT,
            Event::Confirm | Event::Return => crate::reporting::CHECK_REPORT,
            Event::Evaluate => crate::reporting::EVALUATE_REPORT,
            Event::Finalize | Event::Reopen => crate::reporting::FINALIZE_REPORT,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("「{}」の報告は「{}」できません", .from.label(), .event.label())]
pub struct TransitionError {
    pub from: ReportState,
    pub event: Event,
}

/// The state after `event`, or why it cannot happen. Quarterly reports are not evaluated by the
/// committee, so they are finalized straight after the coordinating department's check.
pub fn transition(
    from: ReportState,
    event: Event,
    kind: PeriodKind,
) -> Result<ReportState, TransitionError> {
    use ReportState::*;
    let to = match (from, event) {
        (NotStarted | Draft | Returned, Event::Save) => Some(Draft),
        (NotStarted | Draft | Returned, Event::Submit) => Some(Submitted),
        (Submitted, Event::Confirm) => Some(Checked),
        (Submitted | Checked, Event::Return) => Some(Returned),
        (Checked | Evaluated, Event::Evaluate) if kind == PeriodKind::Yearly => Some(Evaluated),
        (Evaluated, Event::Finalize) => Some(Finalized),
        (Checked, Event::Finalize) if kind == PeriodKind::Quarterly => Some(Finalized),
        (Finalized, Event::Reopen) => Some(Draft),
        _ => None,
    };
    to.ok_or(TransitionError { from, event })
}

/// One KPI's figure in a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportValue {
    pub kpi_key: String,
    pub value: Option<f64>,
    /// Evidence or source of the figure (根拠・出典).
    pub note: String,
    /// The KPI's status with this figure.
    pub computed_status: String,
}

/// One report as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub id: i64,
    pub period_id: i64,
    pub measure_code: String,
    pub state: ReportState,
    /// The figures of the 施策's KPIs.
    pub values: Vec<ReportValue>,
    /// 取組状況
    pub progress: String,
    /// 行程表の進捗
    pub roadmap_progress: String,
    /// 未達成の場合原因・理由
    pub shortfall_reason: String,
    /// 改善策
    pub improvement: String,
    /// How last year's 改善策 went.
    pub improvement_followup: String,
    /// The coordinating department's comment when returning.
    pub check_comment: String,
    /// Status computed from the KPIs when submitted (the least advanced of them).
    pub computed_status: String,
    /// The committee's grade (a status key) and, when it differs from the computed one, why.
    pub grade: String,
    pub grade_reason: String,
    pub updated_at: String,
    pub updated_by: String,
    pub version: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportState::*;

    /// Every state × event for a yearly period: the resulting state, or refused.
    #[test]
    fn every_transition_for_a_yearly_report() {
        let expected: [(ReportState, [Option<ReportState>; 7]); 7] = [
            // Save, Submit, Confirm, Return, Evaluate, Finalize, Reopen
            (
                NotStarted,
                [Some(Draft), Some(Submitted), None, None, None, None, None],
            ),
            (
                Draft,
                [Some(Draft), Some(Submitted), None, None, None, None, None],
            ),
            (
                Submitted,
                [None, None, Some(Checked), Some(Returned), None, None, None],
            ),
            (
                Checked,
                [
                    None,
                    None,
                    None,
                    Some(Returned),
                    Some(Evaluated),
                    None,
                    None,
                ],
            ),
            (
                Returned,
                [Some(Draft), Some(Submitted), None, None, None, None, None],
            ),
            (
                Evaluated,
                [
                    None,
                    None,
                    None,
                    None,
                    Some(Evaluated),
                    Some(Finalized),
                    None,
                ],
            ),
            (Finalized, [None, None, None, None, None, None, Some(Draft)]),
        ];
        for (from, row) in expected {
            for (event, to) in Event::ALL.into_iter().zip(row) {
                let got = transition(from, event, PeriodKind::Yearly).ok();
                assert_eq!(got, to, "{from:?} + {event:?}");
            }
        }
    }

    #[test]
    fn quarterly_reports_skip_the_committee() {
        assert!(transition(Checked, Event::Evaluate, PeriodKind::Quarterly).is_err());
        assert_eq!(
            transition(Checked, Event::Finalize, PeriodKind::Quarterly),
            Ok(Finalized)
        );
        assert!(transition(Checked, Event::Finalize, PeriodKind::Yearly).is_err());
    }

    #[test]
    fn refusals_say_what_and_why() {
        let e = transition(Finalized, Event::Save, PeriodKind::Yearly).unwrap_err();
        assert_eq!(e.to_string(), "「確定」の報告は「一時保存」できません");
    }

    #[test]
    fn keys_round_trip() {
        for s in ReportState::ALL {
            assert_eq!(ReportState::from_key(s.key()), Some(s));
        }
        for e in Event::ALL {
            assert_eq!(Event::from_key(e.key()), Some(e));
        }
    }
}
