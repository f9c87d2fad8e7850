//! The people a visit concerns, each entered once: 届出人, the people the life event is about
//! (転入する方, 亡くなられた方, 生まれたお子さん), and the rest of the household. A form picks the
//! person a field is about by role (`applicant.name`, `subject.birth`, `spouse.name`) or lists
//! a group (`subjects.name`, `children.birth`), so a 児童手当 form prints the children as
//! children and the parent as 請求者, whoever sat down at the counter.

use super::form::FieldType;
use super::form_check::check_value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;

/// How many people one visit can list (a household and then some).
pub const MAX_PEOPLE: usize = 20;

/// The 続柄 that make a person the household's child (as 住民票 writes them, and as clerks
/// often type them from the 戸籍).
const CHILD_RELATIONS: [&str; 13] = [
    "子", "長男", "長女", "次男", "次女", "二男", "二女", "三男", "三女", "四男", "四女", "養子",
    "養女",
];

/// The 続柄 that head a household, and those of the head's spouse.
const HEAD: &str = "世帯主";
const SPOUSES: [&str; 3] = ["妻", "夫", "妻(未届)"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kana: String,
    /// YYYY-MM-DD.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub birth: String,
    /// 男, 女 or empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sex: String,
    /// 世帯主との続柄 (世帯主, 妻, 子 …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub head_relation: String,
    /// The 届出人 (one per visit).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub applicant: bool,
    /// The life event is about this person (moves, was born, died).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub subject: bool,
}

impl Person {
    pub fn birth_day(&self) -> Option<Date> {
        super::model::parse_day(&self.birth)
    }

    /// 児童 as 児童手当法 第3条 counts them: until the first 31 March after the 18th birthday.
    /// Someone whose birth date is not known yet is not left off.
    pub fn is_child_on(&self, day: Date) -> bool {
        let relation = self.head_relation.trim();
        let by_relation = CHILD_RELATIONS.contains(&relation) || relation.ends_with("の子");
        if !(by_relation || relation.is_empty() && !self.applicant) {
            return false;
        }
        match self.birth_day() {
            Some(b) => b <= day && day <= child_until(b),
            None => by_relation,
        }
    }
}

/// The last day someone born on `birth` is a 児童: the first 31 March on or after the day they
/// reach 18 (the day before the 18th birthday, 年齢計算ニ関スル法律).
pub fn child_until(birth: Date) -> Date {
    let reach = birthday_in(birth, birth.year() + 18)
        .previous_day()
        .unwrap_or(birth);
    let march = Date::from_calendar_date(reach.year(), time::Month::March, 31).unwrap_or(reach);
    if reach <= march {
        march
    } else {
        Date::from_calendar_date(reach.year() + 1, time::Month::March, 31).unwrap_or(reach)
    }
}

/// The birthday in a given year (29 February falls on 1 March in other years).
fn birthday_in(birth: Date, year: i32) -> Date {
    birth
        .replace_year(year)
        .unwrap_or_else(|_| Date::from_calendar_date(year, time::Month::March, 1).unwrap_or(birth))
}

/// Age in whole years on `day`, counted as the law does: a year is reached the day before the
/// birthday.
pub fn age_on(birth: Date, day: Date) -> i32 {
    let years = day.year() - birth.year();
    let reached = day
        .next_day()
        .is_some_and(|d| d >= birthday_in(birth, day.year()));
    if reached { years } else { years - 1 }
}

/// What a field shows of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Name,
    Kana,
    Birth,
    Sex,
    HeadRelation,
}

impl Item {
    pub const ALL: [Item; 5] = [
        Item::Name,
        Item::Kana,
        Item::Birth,
        Item::Sex,
        Item::HeadRelation,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Item::Name => "name",
            Item::Kana => "kana",
            Item::Birth => "birth",
            Item::Sex => "sex",
            Item::HeadRelation => "head_relation",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Item::Name => "氏名",
            Item::Kana => "フリガナ",
            Item::Birth => "生年月日",
            Item::Sex => "性別",
            Item::HeadRelation => "世帯主との続柄",
        }
    }

    pub fn kind(self) -> FieldType {
        match self {
            Item::Kana => FieldType::Kana,
            Item::Birth => FieldType::Date,
            Item::Sex => FieldType::Select,
            _ => FieldType::Text,
        }
    }

    fn max(self) -> usize {
        match self {
            Item::Name => 40,
            Item::Kana => 60,
            Item::HeadRelation => 20,
            _ => 0,
        }
    }

    pub fn of(self, p: &Person) -> &str {
        match self {
            Item::Name => &p.name,
            Item::Kana => &p.kana,
            Item::Birth => &p.birth,
            Item::Sex => &p.sex,
            Item::HeadRelation => &p.head_relation,
        }
    }

    fn set(self, p: &mut Person, v: String) {
        match self {
            Item::Name => p.name = v,
            Item::Kana => p.kana = v,
            Item::Birth => p.birth = v,
            Item::Sex => p.sex = v,
            Item::HeadRelation => p.head_relation = v,
        }
    }
}

/// One person a field is about, by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// 届出人 (申請者, 請求者).
    Applicant,
    /// The first person the life event is about.
    Subject,
    /// 世帯主.
    Householder,
    /// The 届出人's spouse: the head's spouse when the 届出人 heads the household, the head
    /// when the 届出人 is the head's spouse.
    Spouse,
}

/// Several people a table section lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Everyone the life event is about (every person moving, the newborn, the deceased).
    Subjects,
    /// The household's 児童 (see `Person::is_child_on`).
    Children,
    /// Everyone on the visit.
    Members,
}

impl Who {
    const ALL: [(Who, &'static str); 4] = [
        (Who::Applicant, "applicant"),
        (Who::Subject, "subject"),
        (Who::Householder, "householder"),
        (Who::Spouse, "spouse"),
    ];
}

impl Group {
    const ALL: [(Group, &'static str); 3] = [
        (Group::Subjects, "subjects"),
        (Group::Children, "children"),
        (Group::Members, "members"),
    ];
}

/// Where a form field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// A visit item typed once (住所, 電話番号, 転入した日 …): a key of `COMMON_ITEMS`.
    Common(&'static str),
    Today,
    One(Who, Item),
    Many(Group, Item),
}

impl Fill {
    pub fn parse(s: &str) -> Option<Fill> {
        if s == "today" {
            return Some(Fill::Today);
        }
        if let Some(c) = super::form::COMMON_ITEMS.iter().find(|c| c.0 == s) {
            return Some(Fill::Common(c.0));
        }
        let (role, item) = s.split_once('.')?;
        let item = Item::ALL.into_iter().find(|i| i.key() == item)?;
        if let Some((w, _)) = Who::ALL.iter().find(|w| w.1 == role) {
            return Some(Fill::One(*w, item));
        }
        Group::ALL
            .iter()
            .find(|g| g.1 == role)
            .map(|(g, _)| Fill::Many(*g, item))
    }

    /// What a form may fill from, as an error message says it.
    pub fn explain() -> String {
        let roles: Vec<&str> = Who::ALL
            .iter()
            .map(|w| w.1)
            .chain(Group::ALL.iter().map(|g| g.1))
            .collect();
        let items: Vec<String> = Item::ALL.iter().map(|i| format!(".{}", i.key())).collect();
        format!(
            "{}, today。人の項目は {} に {} を付けます",
            super::form::COMMON_ITEMS.map(|c| c.0).join(", "),
            roles.join("・"),
            items.join(" ")
        )
    }
}

impl Group {
    pub fn key(self) -> &'static str {
        Group::ALL.iter().find(|g| g.0 == self).map_or("", |g| g.1)
    }
}

pub fn pick(people: &[Person], who: Who) -> Option<&Person> {
    let head = || people.iter().find(|p| p.head_relation.trim() == HEAD);
    match who {
        Who::Applicant => people.iter().find(|p| p.applicant),
        Who::Subject => people.iter().find(|p| p.subject),
        Who::Householder => head(),
        Who::Spouse => {
            let applicant = pick(people, Who::Applicant)?;
            let relation = applicant.head_relation.trim();
            if relation == HEAD {
                people
                    .iter()
                    .find(|p| SPOUSES.contains(&p.head_relation.trim()))
            } else if SPOUSES.contains(&relation) {
                head()
            } else {
                None
            }
        }
    }
}

/// The people of a group on `day`, in the order they were entered.
pub fn group(people: &[Person], g: Group, day: Date) -> Vec<&Person> {
    people
        .iter()
        .filter(|p| match g {
            Group::Subjects => p.subject,
            Group::Children => p.is_child_on(day),
            Group::Members => true,
        })
        .collect()
}

/// Reads the people rows of a posted form: `p1.name`, `p1.kana`, `p1.birth`, `p1.sex`,
/// `p1.head_relation`, `p1.subject` (a checkbox) … and `applicant` = the row number of the
/// 届出人. Rows left empty are dropped; a row with anything in it needs a name.
pub fn check_people(
    input: &BTreeMap<String, String>,
) -> Result<Vec<Person>, Vec<(String, String)>> {
    let mut people = Vec::new();
    let mut errors = Vec::new();
    let applicant_row = input.get("applicant").map(|s| s.trim()).unwrap_or("");
    let sexes = ["男".to_string(), "女".to_string()];
    for row in 1..=MAX_PEOPLE {
        let mut p = Person {
            subject: input
                .get(&format!("p{row}.subject"))
                .is_some_and(|v| !v.is_empty()),
            applicant: applicant_row == row.to_string(),
            ..Person::default()
        };
        for item in Item::ALL {
            let key = format!("p{row}.{}", item.key());
            let raw = input.get(&key).map(String::as_str).unwrap_or("");
            let options: &[String] = if item == Item::Sex { &sexes } else { &[] };
            match check_value(item.kind(), raw, item.max(), None, options) {
                Ok(v) => item.set(&mut p, v),
                Err(m) => errors.push((key, format!("{row}人目の{}: {m}", item.label()))),
            }
        }
        let blank = Item::ALL.iter().all(|i| i.of(&p).is_empty());
        if blank && !p.subject && !p.applicant {
            continue;
        }
        if p.name.is_empty() {
            let what = if p.applicant {
                "届出人に選んだ"
            } else {
                "入力のある"
            };
            errors.push((
                format!("p{row}.name"),
                format!(
                    "{row}人目: {what}行に氏名がありません。氏名を入力するか、行を空にしてください"
                ),
            ));
        }
        people.push(p);
    }
    if !applicant_row.is_empty() && !people.iter().any(|p| p.applicant) && errors.is_empty() {
        errors.push((
            "applicant".into(),
            "届出人に選んだ行が空です。届出人の行に氏名を入力してください".into(),
        ));
    }
    if errors.is_empty() {
        Ok(people)
    } else {
        Err(errors)
    }
}

/// Visits saved before people were kept had one 届出人 and one subject in the common items.
pub fn from_legacy(values: &BTreeMap<String, String>) -> Vec<Person> {
    let mut out = Vec::new();
    for (role, applicant) in [("applicant", true), ("subject", false)] {
        let get = |k: &str| {
            values
                .get(&format!("{role}.{k}"))
                .cloned()
                .unwrap_or_default()
        };
        let p = Person {
            name: get("name"),
            kana: get("kana"),
            birth: get("birth"),
            applicant,
            subject: !applicant,
            ..Person::default()
        };
        if !p.name.is_empty() || !p.kana.is_empty() || !p.birth.is_empty() {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn person(name: &str, relation: &str, birth: &str) -> Person {
        Person {
            name: name.into(),
            head_relation: relation.into(),
            birth: birth.into(),
            ..Person::default()
        }
    }

    #[test]
    fn a_child_is_a_child_until_the_march_after_turning_18() {
        // Born 1 April: reaches 18 on 31 March, so that March is the last.
        assert_eq!(child_until(date!(2008 - 04 - 01)), date!(2026 - 03 - 31));
        // Born 2 April: reaches 18 on 1 April 2026, so the next March.
        assert_eq!(child_until(date!(2008 - 04 - 02)), date!(2027 - 03 - 31));
        assert_eq!(child_until(date!(2008 - 02 - 29)), date!(2026 - 03 - 31));
        let day = date!(2026 - 12 - 04);
        assert!(person("a", "子", "2010-05-05").is_child_on(day));
        assert!(!person("a", "子", "2007-05-05").is_child_on(day));
        assert!(!person("a", "世帯主", "1985-04-01").is_child_on(day));
        assert!(person("a", "妻の子", "").is_child_on(day));
        assert!(person("a", "", "2026-11-30").is_child_on(day));
        assert_eq!(age_on(date!(1960 - 04 - 01), date!(2025 - 03 - 31)), 65);
        assert_eq!(age_on(date!(1960 - 04 - 02), date!(2025 - 03 - 31)), 64);
    }

    #[test]
    fn roles_pick_the_right_person() {
        let mut father = person("父", "世帯主", "1985-04-01");
        father.applicant = true;
        father.subject = true;
        let mut mother = person("母", "妻", "1987-06-01");
        mother.subject = true;
        let mut child = person("子", "子", "2018-08-08");
        child.subject = true;
        let people = vec![father, mother, child];
        assert_eq!(pick(&people, Who::Applicant).unwrap().name, "父");
        assert_eq!(pick(&people, Who::Spouse).unwrap().name, "母");
        assert_eq!(pick(&people, Who::Householder).unwrap().name, "父");
        let kids = group(&people, Group::Children, date!(2026 - 12 - 04));
        assert_eq!(kids.len(), 1);
        assert_eq!(kids[0].name, "子");
        assert_eq!(
            group(&people, Group::Subjects, date!(2026 - 12 - 04)).len(),
            3
        );
        assert_eq!(
            Fill::parse("children.birth"),
            Some(Fill::Many(Group::Children, Item::Birth))
        );
        assert_eq!(
            Fill::parse("subject.event_date"),
            Some(Fill::Common("subject.event_date"))
        );
        assert_eq!(Fill::parse("child.name"), None);
    }

    #[test]
    fn rows_are_read_checked_and_empty_ones_dropped() {
        let input: BTreeMap<String, String> = [
            ("p1.name", "但馬 一郎"),
            ("p1.kana", "たじま いちろう"),
            ("p1.birth", "昭和60年4月1日"),
            ("p1.head_relation", "世帯主"),
            ("p1.subject", "on"),
            ("p2.name", ""),
            ("p3.name", "但馬 花"),
            ("p3.birth", "R2.5.5"),
            ("applicant", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let people = check_people(&input).unwrap();
        assert_eq!(people.len(), 2);
        assert_eq!(people[0].kana, "タジマ\u{3000}イチロウ");
        assert_eq!(people[0].birth, "1985-04-01");
        assert!(people[0].applicant && people[0].subject);
        assert_eq!(people[1].birth, "2020-05-05");
        let bad: BTreeMap<String, String> = [("p2.kana", "ヤマダ"), ("p3.birth", "令和7年2月30日")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let errors = check_people(&bad).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.0 == "p2.name" && e.1.contains("2人目")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.0 == "p3.birth" && e.1.contains("存在しない")),
            "{errors:?}"
        );
    }
}
