//! How a KPI's baseline, target and source read on its card.

use super::kpi::{Evaluation, format_value};
use super::model::KpiDefinition;

pub fn baseline_text(kpi: &KpiDefinition, ev: Option<&Evaluation>) -> String {
    match (ev.and_then(|e| e.baseline), kpi.baseline.as_ref()) {
        (Some(v), b) => {
            let year = b
                .and_then(|b| b.fiscal_year)
                .map(|fy| format!("({})", kpi.years.wareki(fy)))
                .unwrap_or_default();
            format!("{}{year}", format_value(v, &kpi.unit))
        }
        (None, Some(b)) => match b.fiscal_year {
            Some(fy) => format!("{}の実績(未入力)", kpi.years.wareki(fy)),
            None => "未設定".to_string(),
        },
        (None, None) => "計画に記載なし".to_string(),
    }
}

pub fn target_text(kpi: &KpiDefinition, ev: Option<&Evaluation>) -> String {
    match (kpi.target, kpi.target_change_percent) {
        (Some(t), _) => format_value(t, &kpi.unit),
        (None, Some(p)) => {
            let change = if p < 0.0 {
                format!("基準値から{}%削減", -p)
            } else {
                format!("基準値から{p}%増加")
            };
            match ev.and_then(|e| e.target) {
                Some(t) => format!("{}({change})", format_value(t, &kpi.unit)),
                None => format!("{change}(基準値が決まると値が決まります)"),
            }
        }
        (None, None) => "—".to_string(),
    }
}

/// Where a KPI's figures come from, as a resident reads it.
pub fn source_text(kpi: &KpiDefinition, data: &super::service::PlanData) -> String {
    match data.source_label(kpi).as_str() {
        "" => format!("担当課が報告し、{}が確認した値", data.words.coordinating),
        label => format!("自動集計: {label}。報告で確定した年度は確定した値を示します"),
    }
}
