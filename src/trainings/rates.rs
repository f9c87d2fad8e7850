//! 受講率 and what is still to be taken, computed from the directory and the attendance. The
//! rules (docs/trainings.md): the target is the directory's current staff that the training's
//! target group names; 免除 takes a person out of it; 出席 and 遅刻 (or an e-learning completion)
//! count as taken; a person outside the target who attended is listed but not counted.

use super::directory::Member;
use super::model::{Category, Status, Target};
use super::store::{Attendance, Training};
use crate::fiscal::FiscalYear;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Whether the training's target group includes the person.
pub fn in_target(m: &Member, t: &Training) -> bool {
    m.active
        && match &t.target {
            Target::AllStaff => true,
            Target::Department(d) => &m.department == d,
            Target::Job(j) => &m.job == j,
            Target::NewStaff => time::Date::parse(
                &m.joined_on,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .is_ok_and(|d| t.fiscal_year.contains(d)),
        }
}

/// 受講率's parts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rate {
    pub target: usize,
    pub excused: usize,
    pub taken: usize,
}

impl Rate {
    /// Percent of the target (less those excused) who took it; `None` with nobody to count.
    pub fn percent(self) -> Option<f64> {
        let d = self.target.saturating_sub(self.excused);
        (d > 0).then(|| self.taken as f64 * 100.0 / d as f64)
    }
    /// 「82.2%(対象45人中37人。免除2人)」
    pub fn words(self) -> String {
        let excused = if self.excused > 0 {
            format!("。免除{}人", self.excused)
        } else {
            String::new()
        };
        match self.percent() {
            Some(p) => format!(
                "{:.1}%(対象{}人中{}人{excused})",
                p,
                self.target - self.excused,
                self.taken
            ),
            None => "対象者がいません".into(),
        }
    }
    pub fn still(self) -> usize {
        self.target - self.excused - self.taken
    }
}

fn statuses<'a>(t: &Training, atts: &'a [Attendance]) -> HashMap<i64, &'a Attendance> {
    atts.iter()
        .filter(|a| a.training_id == t.id)
        .map(|a| (a.staff_id, a))
        .collect()
}

fn count<'a>(t: &Training, members: impl Iterator<Item = &'a Member>, atts: &[Attendance]) -> Rate {
    let status = statuses(t, atts);
    let mut r = Rate::default();
    for m in members.filter(|m| in_target(m, t)) {
        r.target += 1;
        match status.get(&m.id).map(|a| a.status) {
            Some(Status::Excused) => r.excused += 1,
            Some(s) if s.taken() => r.taken += 1,
            _ => {}
        }
    }
    r
}

pub fn rate(t: &Training, members: &[Member], atts: &[Attendance]) -> Rate {
    count(t, members.iter(), atts)
}

/// 受講率 per 課 (課 with someone in the target).
pub fn by_department(t: &Training, members: &[Member], atts: &[Attendance]) -> Vec<(String, Rate)> {
    let depts: BTreeSet<&str> = members
        .iter()
        .filter(|m| in_target(m, t))
        .map(|m| m.department.as_str())
        .collect();
    depts
        .into_iter()
        .map(|d| {
            (
                d.to_string(),
                count(t, members.iter().filter(|m| m.department == d), atts),
            )
        })
        .collect()
}

/// A line of a training's list: everyone in the target, and anyone else who attended.
pub struct RosterLine<'a> {
    pub member: &'a Member,
    pub attendance: Option<&'a Attendance>,
    pub in_target: bool,
}

pub fn roster<'a>(
    t: &Training,
    members: &'a [Member],
    atts: &'a [Attendance],
) -> Vec<RosterLine<'a>> {
    let status = statuses(t, atts);
    members
        .iter()
        .filter_map(|m| {
            let a = status.get(&m.id).copied();
            let target = in_target(m, t);
            (target || a.is_some()).then_some(RosterLine {
                member: m,
                attendance: a,
                in_target: target,
            })
        })
        .collect()
}

/// Who in the target has neither taken the training nor been excused.
pub fn still_to_take<'a>(
    t: &Training,
    members: &'a [Member],
    atts: &[Attendance],
) -> Vec<&'a Member> {
    let status = statuses(t, atts);
    members
        .iter()
        .filter(|m| in_target(m, t))
        .filter(|m| {
            !status
                .get(&m.id)
                .is_some_and(|a| a.status.taken() || a.status == Status::Excused)
        })
        .collect()
}

/// 実施回数: the sessions at which someone took the training; completions outside any session
/// (e-learning) count as one.
pub fn held(t: &Training, atts: &[Attendance]) -> usize {
    let occasions: BTreeSet<Option<i64>> = atts
        .iter()
        .filter(|a| a.training_id == t.id && a.status.taken())
        .map(|a| a.session_id)
        .collect();
    occasions.len()
}

/// A category's 年度: trainings held and the staff reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct YearFigures {
    pub trainings: usize,
    pub held: usize,
    /// Distinct people: in the target of one of the category's trainings (and not excused
    /// from all of them), and of those, who took one.
    pub reached: Rate,
}

pub fn by_year(
    category: Category,
    trainings: &[Training],
    members: &[Member],
    atts: &[Attendance],
) -> BTreeMap<FiscalYear, YearFigures> {
    let mut out: BTreeMap<FiscalYear, YearFigures> = BTreeMap::new();
    let mut targeted: BTreeMap<FiscalYear, BTreeSet<i64>> = BTreeMap::new();
    let mut excused_all: BTreeMap<FiscalYear, HashMap<i64, bool>> = BTreeMap::new();
    let mut took: BTreeMap<FiscalYear, BTreeSet<i64>> = BTreeMap::new();
    for t in trainings.iter().filter(|t| t.category == category) {
        let y = out.entry(t.fiscal_year).or_default();
        y.trainings += 1;
        y.held += held(t, atts);
        let status = statuses(t, atts);
        for m in members.iter().filter(|m| in_target(m, t)) {
            targeted.entry(t.fiscal_year).or_default().insert(m.id);
            let s = status.get(&m.id).map(|a| a.status);
            let ex = excused_all
                .entry(t.fiscal_year)
                .or_default()
                .entry(m.id)
                .or_insert(true);
            *ex &= s == Some(Status::Excused);
            if s.is_some_and(Status::taken) {
                took.entry(t.fiscal_year).or_default().insert(m.id);
            }
        }
    }
    for (year, y) in out.iter_mut() {
        y.reached = Rate {
            target: targeted.get(year).map_or(0, BTreeSet::len),
            excused: excused_all
                .get(year)
                .map_or(0, |e| e.values().filter(|x| **x).count()),
            taken: took.get(year).map_or(0, BTreeSet::len),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trainings::model::Kind;

    fn m(id: i64, dept: &str, joined: &str) -> Member {
        Member {
            id,
            code: id.to_string(),
            department: dept.into(),
            joined_on: joined.into(),
            active: true,
            ..Member::default()
        }
    }
    fn t(id: i64, target: Target) -> Training {
        Training {
            id,
            title: "研修".into(),
            category: Category::Security,
            kind: Kind::Classroom,
            fiscal_year: FiscalYear(2024),
            target,
            required: true,
            description: String::new(),
        }
    }
    fn a(training: i64, staff: i64, session: Option<i64>, status: Status) -> Attendance {
        Attendance {
            training_id: training,
            staff_id: staff,
            session_id: session,
            status,
            reason: String::new(),
            via: "staff".into(),
            completed_on: String::new(),
        }
    }

    #[test]
    fn the_rate_counts_the_target_less_those_excused() {
        let mut left = m(4, "B課", "");
        left.active = false;
        let members = [
            m(1, "A課", ""),
            m(2, "A課", ""),
            m(3, "B課", ""),
            left,
            m(5, "B課", ""),
        ];
        let tr = t(1, Target::AllStaff);
        let atts = [
            a(1, 1, Some(10), Status::Present),
            a(1, 2, Some(11), Status::Late),
            a(1, 3, None, Status::Excused),
            a(1, 4, Some(10), Status::Present),
        ];
        let r = rate(&tr, &members, &atts);
        assert_eq!(
            r,
            Rate {
                target: 4,
                excused: 1,
                taken: 2
            }
        );
        assert_eq!(r.words(), "66.7%(対象3人中2人。免除1人)");
        assert_eq!(held(&tr, &atts), 2);
        let by = by_department(&tr, &members, &atts);
        assert_eq!(
            by[0],
            (
                "A課".into(),
                Rate {
                    target: 2,
                    excused: 0,
                    taken: 2
                }
            )
        );
        assert_eq!(still_to_take(&tr, &members, &atts)[0].id, 5);
        // The person who left is listed (they attended) but not in the target.
        assert!(
            roster(&tr, &members, &atts)
                .iter()
                .any(|l| l.member.id == 4 && !l.in_target)
        );
    }

    #[test]
    fn new_staff_are_those_who_joined_in_the_year() {
        let members = [m(1, "A課", "2024-04-01"), m(2, "A課", "2023-04-01")];
        let r = rate(&t(1, Target::NewStaff), &members, &[]);
        assert_eq!(r.target, 1);
        let y = by_year(Category::Security, &[t(1, Target::NewStaff)], &members, &[]);
        assert_eq!(y[&FiscalYear(2024)].held, 0);
        assert_eq!(y[&FiscalYear(2024)].reached.target, 1);
    }
}
