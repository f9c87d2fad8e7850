//! A 標準化対象業務 as the town tracks it: its systems, dates and the 特定移行支援システム
//! exception, and when it counts as migrated for the plan's KPI.

use super::rates::StepStatus;
use time::Date;

/// Whether the 業務's standard system runs on ガバメントクラウド.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GovCloud {
    Undecided,
    Uses,
    /// Allowed not to (the 基本方針's conditional exception).
    Exempt,
}

impl GovCloud {
    pub const ALL: [GovCloud; 3] = [GovCloud::Undecided, GovCloud::Uses, GovCloud::Exempt];
    pub fn label(self) -> &'static str {
        match self {
            GovCloud::Undecided => "未定",
            GovCloud::Uses => "利用する",
            GovCloud::Exempt => "利用しない(例外として認められた)",
        }
    }
    pub fn parse(text: &str) -> Result<GovCloud, String> {
        match text.trim() {
            "" | "未定" => Ok(GovCloud::Undecided),
            "利用する" | "利用" | "はい" => Ok(GovCloud::Uses),
            t if t.starts_with("利用しない") || t == "例外" => Ok(GovCloud::Exempt),
            other => Err(format!(
                "ガバメントクラウド「{other}」は、未定・利用する・利用しない のどれかで書きます"
            )),
        }
    }
}

/// Why a system is a 特定移行支援システム (デジタル庁's categories).
pub const TOKUTEI_REASONS: [&str; 5] = [
    "メインフレーム",
    "独自開発(個別開発)",
    "標準準拠の製品がない",
    "事業者のリソース不足",
    "その他",
];

/// One 業務's record (empty until someone saves it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BusinessRecord {
    pub department: String,
    pub vendor: String,
    pub current_system: String,
    pub target_system: String,
    /// The target system is a 標準準拠システム.
    pub compliant: bool,
    pub gov_cloud: Option<GovCloud>,
    pub planned_cutover: Option<Date>,
    pub actual_cutover: Option<Date>,
    pub tokutei: bool,
    pub tokutei_reason: String,
    pub tokutei_deadline: Option<Date>,
    pub note: String,
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
}

impl BusinessRecord {
    /// Migrated by `day`: switched over to a 標準準拠システム on or before it, on ガバメントクラウド
    /// or exempted from it. A 特定移行支援システム is migrated only once it switches over.
    pub fn migrated_by(&self, day: Date) -> bool {
        self.compliant
            && self.actual_cutover.is_some_and(|d| d <= day)
            && matches!(self.gov_cloud, Some(GovCloud::Uses | GovCloud::Exempt))
    }

    /// What keeps a 業務 from counting as migrated by `deadline`, in words (empty when migrated).
    pub fn held_back(&self, deadline: Date, today: Date) -> Vec<String> {
        if self.migrated_by(today) {
            return Vec::new();
        }
        let mut why = Vec::new();
        if self.tokutei {
            why.push(match self.tokutei_deadline {
                Some(d) => format!(
                    "特定移行支援システム({})・期限 {}",
                    if self.tokutei_reason.is_empty() {
                        "理由未記入"
                    } else {
                        &self.tokutei_reason
                    },
                    crate::fiscal::wareki_date(d)
                ),
                None => "特定移行支援システム(期限未記入)".into(),
            });
        }
        match (self.actual_cutover, self.planned_cutover) {
            (Some(_), _) => {}
            (None, None) => why.push("移行予定日が未記入".into()),
            (None, Some(p)) if p > deadline => why.push(format!(
                "移行予定 {} は期限より後",
                crate::fiscal::wareki_date(p)
            )),
            (None, Some(p)) => why.push(format!("移行予定 {}", crate::fiscal::wareki_date(p))),
        }
        if !self.compliant {
            why.push("移行先が標準準拠システムと記録されていない".into());
        }
        if !matches!(self.gov_cloud, Some(GovCloud::Uses | GovCloud::Exempt)) {
            why.push("ガバメントクラウドの利用が未定".into());
        }
        why
    }
}

/// A 業務 × step cell as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub status: StepStatus,
    pub planned_on: Option<Date>,
    pub done_on: Option<Date>,
    pub note: String,
    pub updated_at: String,
    pub updated_by: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_business_counts_once_switched_over_to_a_standard_system_on_the_cloud() {
        let deadline = date!(2026 - 03 - 31);
        let mut r = BusinessRecord {
            compliant: true,
            gov_cloud: Some(GovCloud::Uses),
            planned_cutover: Some(date!(2026 - 01 - 05)),
            ..BusinessRecord::default()
        };
        assert!(!r.migrated_by(deadline));
        assert_eq!(
            r.held_back(deadline, date!(2025 - 12 - 01)),
            ["移行予定 令和8年1月5日"]
        );
        r.actual_cutover = Some(date!(2026 - 01 - 05));
        assert!(r.migrated_by(deadline) && !r.migrated_by(date!(2026 - 01 - 04)));
        r.gov_cloud = Some(GovCloud::Undecided);
        assert!(!r.migrated_by(deadline));
        let late = BusinessRecord {
            tokutei: true,
            tokutei_reason: TOKUTEI_REASONS[3].into(),
            tokutei_deadline: Some(date!(2028 - 03 - 31)),
            planned_cutover: Some(date!(2027 - 10 - 01)),
            ..BusinessRecord::default()
        };
        let why = late.held_back(deadline, date!(2025 - 12 - 01));
        assert_eq!(
            why[0],
            "特定移行支援システム(事業者のリソース不足)・期限 令和10年3月31日"
        );
        assert_eq!(why[1], "移行予定 令和9年10月1日 は期限より後");
        assert_eq!(GovCloud::parse("利用しない"), Ok(GovCloud::Exempt));
        assert!(GovCloud::parse("たぶん").is_err());
    }
}
