//! The 標準化 tracker's arithmetic (施策 2-①-1): the 標準化対象業務, the statuses of their steps,
//! and the rates 総務省's dashboard publishes, computed exactly as it defines them
//! (../shared/reference/registers.md §1.1):
//!
//! - 完了率 = (完了済み + 対象外) ÷ the number of steps
//! - 作業中率 = 作業中 ÷ the number of steps
//! - 未着手率 = 未着手 ÷ the number of steps
//!
//! A step nobody has marked is 未着手. Overall rates count every cell of the 業務 shown, which is
//! the mean of the 業務's rates when every 業務 has the same steps.

/// A 標準化対象業務 as the law lists it, with the dashboard's spelling where it differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Business {
    pub no: u8,
    pub name: &'static str,
    pub dashboard_name: &'static str,
    /// One of the prefectures' 2業務 (shown only for a 県).
    pub prefecture: bool,
}

const fn b(no: u8, name: &'static str, dashboard_name: &'static str) -> Business {
    Business {
        no,
        name,
        dashboard_name,
        prefecture: false,
    }
}

/// The 20 業務 of 市区町村 (the 17 of 2020 and 戸籍, 戸籍の附票, 印鑑登録 added later), then the
/// prefectures' 2.
pub const BUSINESSES: [Business; 22] = [
    b(1, "住民基本台帳", "住民記録"),
    b(2, "選挙人名簿管理", "選挙人名簿管理"),
    b(3, "固定資産税", "固定資産税"),
    b(4, "個人住民税", "個人住民税"),
    b(5, "法人住民税", "法人住民税"),
    b(6, "軽自動車税", "軽自動車税"),
    b(7, "国民健康保険", "国民健康保険"),
    b(8, "国民年金", "国民年金"),
    b(9, "障害者福祉", "障害者福祉"),
    b(10, "後期高齢者医療", "後期高齢者医療"),
    b(11, "介護保険", "介護保険"),
    b(12, "児童手当", "児童手当"),
    b(13, "健康管理", "健康管理"),
    b(14, "就学", "就学"),
    b(15, "児童扶養手当", "児童扶養手当"),
    b(16, "生活保護", "生活保護"),
    b(17, "子ども・子育て支援", "子ども・子育て支援"),
    b(18, "印鑑登録", "印鑑登録"),
    b(19, "戸籍", "戸籍"),
    b(20, "戸籍の附票", "戸籍附票"),
    Business {
        no: 21,
        name: "児童扶養手当(都道府県)",
        dashboard_name: "児童扶養手当",
        prefecture: true,
    },
    Business {
        no: 22,
        name: "生活保護(都道府県)",
        dashboard_name: "生活保護",
        prefecture: true,
    },
];

/// The 業務 a body tracks: a 都道府県 its 2, a 市区町村 the 20.
pub fn businesses_for(prefecture: bool) -> impl Iterator<Item = &'static Business> {
    BUSINESSES
        .iter()
        .filter(move |b| b.prefecture == prefecture)
}

/// A step's status, with the dashboard's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepStatus {
    NotStarted,
    Working,
    Done,
    NotApplicable,
}

impl StepStatus {
    pub const ALL: [StepStatus; 4] = [
        StepStatus::NotStarted,
        StepStatus::Working,
        StepStatus::Done,
        StepStatus::NotApplicable,
    ];

    pub fn label(self) -> &'static str {
        match self {
            StepStatus::NotStarted => "未着手",
            StepStatus::Working => "作業中",
            StepStatus::Done => "完了済み",
            StepStatus::NotApplicable => "対象外",
        }
    }

    /// Reads the dashboard's and the PMO tool's words (「完了」 for 完了済み too).
    pub fn parse(text: &str) -> Result<StepStatus, String> {
        match text.trim() {
            "未着手" | "" => Ok(StepStatus::NotStarted),
            "作業中" => Ok(StepStatus::Working),
            "完了済み" | "完了済" | "完了" => Ok(StepStatus::Done),
            "対象外" => Ok(StepStatus::NotApplicable),
            other => Err(format!(
                "「{other}」は状態として読めません(未着手・作業中・完了済み・対象外のどれか)"
            )),
        }
    }
}

/// The dashboard's three rates, as fractions (0.0–1.0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    pub completed: f64,
    pub working: f64,
    pub not_started: f64,
}

/// The rates of cells over `steps` steps per 業務 (`cells`: the statuses marked; unmarked steps
/// are 未着手). None without steps.
pub fn rates(cells: &[StepStatus], steps: usize) -> Option<Rates> {
    if steps == 0 {
        return None;
    }
    let count = |s: StepStatus| cells.iter().filter(|c| **c == s).count() as f64;
    let total = steps as f64;
    let marked_not_started = count(StepStatus::NotStarted);
    let unmarked = steps.saturating_sub(cells.len()) as f64;
    Some(Rates {
        completed: (count(StepStatus::Done) + count(StepStatus::NotApplicable)) / total,
        working: count(StepStatus::Working) / total,
        not_started: (marked_not_started + unmarked) / total,
    })
}

/// Overall rates over several 業務, each with `steps` steps (every cell of them counted).
pub fn overall(per_business: &[Vec<StepStatus>], steps: usize) -> Option<Rates> {
    let all: Vec<StepStatus> = per_business
        .iter()
        .flat_map(|c| c.iter().take(steps))
        .copied()
        .collect();
    rates(&all, steps * per_business.len())
}

#[cfg(test)]
mod tests {
    use super::StepStatus::*;
    use super::*;

    #[test]
    fn the_dashboard_rates_on_worked_examples() {
        // 40 steps: 24 完了済み, 2 対象外, 3 作業中, the rest unmarked → 完了率 65%, 作業中率 7.5%,
        // 未着手率 27.5% (each step is worth 2.5%).
        let mut cells = vec![Done; 24];
        cells.extend([NotApplicable; 2]);
        cells.extend([Working; 3]);
        let r = rates(&cells, 40).unwrap();
        assert!((r.completed - 0.65).abs() < 1e-12);
        assert!((r.working - 0.075).abs() < 1e-12);
        assert!((r.not_started - 0.275).abs() < 1e-12);
        assert!((r.completed + r.working + r.not_started - 1.0).abs() < 1e-12);
        // Every step 対象外 counts as complete.
        assert_eq!(rates(&[NotApplicable; 40], 40).unwrap().completed, 1.0);
        assert_eq!(rates(&[], 0), None);
        // Overall: one 業務 done, one untouched → half.
        let o = overall(&[vec![Done; 40], vec![]], 40).unwrap();
        assert_eq!((o.completed, o.not_started), (0.5, 0.5));
    }

    #[test]
    fn a_town_tracks_twenty_businesses_and_a_prefecture_two() {
        assert_eq!(businesses_for(false).count(), 20);
        let pref: Vec<&str> = businesses_for(true).map(|b| b.dashboard_name).collect();
        assert_eq!(pref, ["児童扶養手当", "生活保護"]);
        assert_eq!(BUSINESSES[19].dashboard_name, "戸籍附票");
        assert_eq!(StepStatus::parse(" 完了 "), Ok(Done));
        assert!(StepStatus::parse("済").unwrap_err().contains("「済」"));
    }
}
