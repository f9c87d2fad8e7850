//! 年度 (Japanese fiscal year, April–March) and 和暦 (era names).
//!
//! Fiscal years are named after the calendar year in which they start, and take the era
//! year of that calendar year: FY2019 is 令和元年度 (the government renamed 平成31年度),
//! FY1989 is 平成元年度, FY1988 is 昭和63年度. Dates switch era on the exact day.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::{Date, Month};

/// A Japanese fiscal year, identified by the calendar year it starts in (FY2025 = 2025-04-01..2026-03-31).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FiscalYear(pub i32);

struct Era {
    name: &'static str,
    letter: char,
    /// First day of the era.
    start: (i32, u8, u8),
}

/// Newest first.
const ERAS: [Era; 4] = [
    Era {
        name: "令和",
        letter: 'R',
        start: (2019, 5, 1),
    },
    Era {
        name: "平成",
        letter: 'H',
        start: (1989, 1, 8),
    },
    Era {
        name: "昭和",
        letter: 'S',
        start: (1926, 12, 25),
    },
    Era {
        name: "大正",
        letter: 'T',
        start: (1912, 7, 30),
    },
];

fn era_year_label(year: i32) -> String {
    if year == 1 {
        "元".to_string()
    } else {
        year.to_string()
    }
}

/// The era of a calendar year as used for fiscal years: the era that started in or before it.
fn era_of_calendar_year(year: i32) -> Option<&'static Era> {
    ERAS.iter().find(|e| year >= e.start.0)
}

impl FiscalYear {
    /// The fiscal year a date falls in.
    pub fn of_date(date: Date) -> Self {
        if u8::from(date.month()) >= 4 {
            FiscalYear(date.year())
        } else {
            FiscalYear(date.year() - 1)
        }
    }

    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.0, Month::April, 1).expect("valid date")
    }

    /// 年度末: March 31 of the following calendar year.
    pub fn last_day(self) -> Date {
        Date::from_calendar_date(self.0 + 1, Month::March, 31).expect("valid date")
    }

    pub fn contains(self, date: Date) -> bool {
        Self::of_date(date) == self
    }

    pub fn next(self) -> Self {
        FiscalYear(self.0 + 1)
    }

    pub fn previous(self) -> Self {
        FiscalYear(self.0 - 1)
    }

    /// 令和7年度
    pub fn wareki(self) -> String {
        match era_of_calendar_year(self.0) {
            Some(era) => format!(
                "{}{}年度",
                era.name,
                era_year_label(self.0 - era.start.0 + 1)
            ),
            None => format!("{}年度", self.0),
        }
    }

    /// R7
    pub fn short(self) -> String {
        match era_of_calendar_year(self.0) {
            Some(era) => format!("{}{}", era.letter, self.0 - era.start.0 + 1),
            None => self.0.to_string(),
        }
    }

    /// 令和7年度 (2025年度): how dates are shown to people.
    pub fn label(self) -> String {
        format!("{} ({}年度)", self.wareki(), self.0)
    }

    /// Reads 2025, "2025", "2025年度", "令和7年度", "令和7", "R7", "r7年度", "令和元年度", "H30",
    /// with full-width digits and letters too. Fiscal years before 1912 are refused.
    pub fn parse(text: &str) -> Result<Self, FiscalYearError> {
        let folded = fold_width(text.trim());
        let s = folded.trim_end_matches("年度末").trim_end_matches("年度");
        let s = s.trim_end_matches('年').trim();
        if s.is_empty() {
            return Err(FiscalYearError(text.to_string()));
        }
        if let Ok(y) = s.parse::<i32>() {
            return if (1912..=9999).contains(&y) {
                Ok(FiscalYear(y))
            } else {
                Err(FiscalYearError(text.to_string()))
            };
        }
        for era in &ERAS {
            let rest = s.strip_prefix(era.name).or_else(|| {
                s.strip_prefix(era.letter)
                    .or_else(|| s.strip_prefix(era.letter.to_ascii_lowercase()))
            });
            if let Some(rest) = rest {
                let n = if rest == "元" {
                    1
                } else {
                    rest.parse::<i32>()
                        .map_err(|_| FiscalYearError(text.to_string()))?
                };
                if n < 1 {
                    return Err(FiscalYearError(text.to_string()));
                }
                let year = era.start.0 + n - 1;
                // An era year past the start of the next era does not exist (平成32年度).
                if ERAS
                    .iter()
                    .any(|e| e.start.0 > era.start.0 && year > e.start.0)
                {
                    return Err(FiscalYearError(text.to_string()));
                }
                return Ok(FiscalYear(year));
            }
        }
        Err(FiscalYearError(text.to_string()))
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("「{0}」は年度として読めません(例: 2025、令和7年度、R7)")]
pub struct FiscalYearError(pub String);

/// Full-width ASCII (０-９, Ａ-Ｚ, ａ-ｚ, －, ．, ，) to half-width: what NFKC does for the
/// characters people type into number and year fields.
pub fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// 和暦 for a date: 令和7年4月1日. Era changes on the exact day (2019-04-30 is 平成31年).
pub fn wareki_date(date: Date) -> String {
    let key = (date.year(), u8::from(date.month()), date.day());
    match ERAS.iter().find(|e| key >= e.start) {
        Some(era) => format!(
            "{}{}年{}月{}日",
            era.name,
            era_year_label(date.year() - era.start.0 + 1),
            u8::from(date.month()),
            date.day()
        ),
        None => format!(
            "{}年{}月{}日",
            date.year(),
            u8::from(date.month()),
            date.day()
        ),
    }
}

/// 令和8年12月25日(金): a date as people read it on a form or a deadline.
/// 令和6年11月20日(水) 10:00〜11:30: a span of time on one day, in Japan time.
pub fn jst_span(start: time::OffsetDateTime, end: time::OffsetDateTime) -> String {
    let jst = time::macros::offset!(+9);
    let (s, e) = (start.to_offset(jst), end.to_offset(jst));
    format!(
        "{} {:02}:{:02}〜{:02}:{:02}",
        wareki_date_weekday(s.date()),
        s.hour(),
        s.minute(),
        e.hour(),
        e.minute()
    )
}

pub fn wareki_date_weekday(date: Date) -> String {
    let day = match date.weekday() {
        time::Weekday::Monday => "月",
        time::Weekday::Tuesday => "火",
        time::Weekday::Wednesday => "水",
        time::Weekday::Thursday => "木",
        time::Weekday::Friday => "金",
        time::Weekday::Saturday => "土",
        time::Weekday::Sunday => "日",
    };
    format!("{}({day})", wareki_date(date))
}

/// A stored "YYYY-MM-DD" as 令和8年12月25日(金); anything else as it is.
pub fn ymd_wareki(text: &str) -> String {
    match time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    ) {
        Ok(d) => wareki_date_weekday(d),
        Err(_) => text.to_string(),
    }
}

/// 令和5年4月 for a year-month.
pub fn wareki_month(year: i32, month: u8) -> String {
    let key = (year, month, 31);
    match ERAS.iter().find(|e| key >= e.start) {
        Some(era) => format!(
            "{}{}年{}月",
            era.name,
            era_year_label(year - era.start.0 + 1),
            month
        ),
        None => format!("{year}年{month}月"),
    }
}

/// A stored UTC timestamp (RFC 3339) as people in Japan read it: 令和8年11月26日 19:39.
pub fn jst(stored: &str) -> String {
    match time::OffsetDateTime::parse(stored, &time::format_description::well_known::Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(time::macros::offset!(+9));
            format!(
                "{} {:02}:{:02}",
                wareki_date(t.date()),
                t.hour(),
                t.minute()
            )
        }
        Err(_) => stored.to_string(),
    }
}

/// The day a moment falls on in Japan (UTC+9; Japan has no daylight saving time).
pub fn jst_day_of(t: time::OffsetDateTime) -> Date {
    t.to_offset(time::macros::offset!(+9)).date()
}

/// The day in Japan of a stored UTC timestamp (RFC 3339).
pub fn jst_day(stored: &str) -> Option<Date> {
    time::OffsetDateTime::parse(stored, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(jst_day_of)
}

/// Today in Japan.
pub fn today_jst() -> Date {
    jst_day_of(time::OffsetDateTime::now_utc())
}

impl Serialize for FiscalYear {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(self.0)
    }
}

impl<'de> Deserialize<'de> for FiscalYear {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(y) => i32::try_from(y)
                .ok()
                .filter(|y| (1912..=9999).contains(y))
                .map(FiscalYear)
                .ok_or_else(|| serde::de::Error::custom(FiscalYearError(y.to_string()))),
            Raw::Text(t) => FiscalYear::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

/// Reads a date as people write it: 令和7年2月28日, R7.2.28, 2025-02-28, 2025/2/28, 2025年2月28日
/// (full-width digits too). Errors say what was wrong, in Japanese.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let t: String = fold_width(text.trim())
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if t.is_empty() {
        return Err("日付を入力してください".into());
    }
    let shown = text.trim();
    let bad = || format!("「{shown}」は日付として読めません(例: 令和7年2月28日、2025-02-28)");
    // Era prefix: a name or a letter.
    let mut era: Option<&Era> = None;
    let mut rest = t.as_str();
    for e in &ERAS {
        if let Some(r) = rest.strip_prefix(e.name) {
            era = Some(e);
            rest = r;
            break;
        }
        if let Some(r) = rest
            .strip_prefix(e.letter)
            .or_else(|| rest.strip_prefix(e.letter.to_ascii_lowercase()))
        {
            era = Some(e);
            rest = r;
            break;
        }
    }
    let rest = rest.replacen("元", "1", 1);
    let parts: Vec<&str> = rest
        .split(['年', '月', '日', '-', '/', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3
        || !parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_digit()) && p.len() <= 4)
    {
        return Err(bad());
    }
    let n: Vec<i32> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
    let year = match era {
        Some(e) => {
            if n[0] < 1 {
                return Err(bad());
            }
            e.start.0 + n[0] - 1
        }
        None if n[0] >= 1000 => n[0],
        None => return Err(bad()),
    };
    let month = u8::try_from(n[1])
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or_else(|| format!("「{shown}」: {}月はありません", n[1]))?;
    let day = u8::try_from(n[2]).map_err(|_| bad())?;
    let date = Date::from_calendar_date(year, month, day).map_err(|_| {
        format!(
            "「{shown}」は存在しない日付です({}月は{}日までです)",
            n[1],
            month.length(year)
        )
    })?;
    if let Some(e) = era {
        let key = (date.year(), u8::from(date.month()), date.day());
        let next_start = ERAS
            .iter()
            .rev()
            .find(|x| x.start > e.start)
            .map(|x| x.start);
        if key < e.start || next_start.is_some_and(|n| key >= n) {
            return Err(format!(
                "「{shown}」は{}の期間にありません(西暦{}年{}月{}日にあたります)",
                e.name,
                date.year(),
                u8::from(date.month()),
                date.day()
            ));
        }
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_in_wareki_and_seireki() {
        use time::macros::date;
        for (t, d) in [
            ("令和7年2月28日", date!(2025 - 02 - 28)),
            ("R7.2.28", date!(2025 - 02 - 28)),
            ("２０２５－０２－２８", date!(2025 - 02 - 28)),
            ("2025/2/28", date!(2025 - 02 - 28)),
            ("令和元年5月1日", date!(2019 - 05 - 01)),
            ("平成31年4月30日", date!(2019 - 04 - 30)),
            ("昭和64年1月7日", date!(1989 - 01 - 07)),
        ] {
            assert_eq!(super::parse_date(t), Ok(d), "{t}");
        }
        let e = super::parse_date("令和7年2月30日").unwrap_err();
        assert!(
            e.contains("存在しない日付") && e.contains("28日まで"),
            "{e}"
        );
        assert!(
            super::parse_date("令和1年4月30日")
                .unwrap_err()
                .contains("令和の期間にありません")
        );
        assert!(
            super::parse_date("平成32年1月1日")
                .unwrap_err()
                .contains("平成の期間にありません")
        );
        assert!(
            super::parse_date("2025年13月1日")
                .unwrap_err()
                .contains("13月はありません")
        );
        assert!(
            super::parse_date("きのう")
                .unwrap_err()
                .contains("日付として読めません")
        );
        assert!(super::parse_date("").is_err());
    }

    use super::*;
    use time::macros::date;

    #[test]
    fn fiscal_year_boundaries() {
        assert_eq!(FiscalYear::of_date(date!(2025 - 04 - 01)), FiscalYear(2025));
        assert_eq!(FiscalYear::of_date(date!(2026 - 03 - 31)), FiscalYear(2025));
        assert_eq!(FiscalYear::of_date(date!(2025 - 03 - 31)), FiscalYear(2024));
        assert_eq!(FiscalYear(2025).first_day(), date!(2025 - 04 - 01));
        assert_eq!(FiscalYear(2025).last_day(), date!(2026 - 03 - 31));
        assert!(FiscalYear(2025).contains(date!(2026 - 01 - 15)));
    }

    #[test]
    fn fiscal_year_names() {
        assert_eq!(FiscalYear(2025).wareki(), "令和7年度");
        assert_eq!(FiscalYear(2025).label(), "令和7年度 (2025年度)");
        assert_eq!(FiscalYear(2025).short(), "R7");
        assert_eq!(FiscalYear(2019).wareki(), "令和元年度");
        assert_eq!(FiscalYear(2018).wareki(), "平成30年度");
        assert_eq!(FiscalYear(1989).wareki(), "平成元年度");
        assert_eq!(FiscalYear(1988).wareki(), "昭和63年度");
        assert_eq!(FiscalYear(2021).wareki(), "令和3年度");
    }

    #[test]
    fn era_changes_on_the_day() {
        assert_eq!(wareki_date(date!(2019 - 04 - 30)), "平成31年4月30日");
        assert_eq!(wareki_date(date!(2019 - 05 - 01)), "令和元年5月1日");
        assert_eq!(wareki_date(date!(1989 - 01 - 07)), "昭和64年1月7日");
        assert_eq!(wareki_date(date!(1989 - 01 - 08)), "平成元年1月8日");
        assert_eq!(wareki_date(date!(2026 - 03 - 31)), "令和8年3月31日");
        assert_eq!(wareki_month(2023, 4), "令和5年4月");
        assert_eq!(wareki_month(2026, 3), "令和8年3月");
    }

    #[test]
    fn stored_times_show_in_japan_time() {
        assert_eq!(jst("2026-11-26T10:39:30.69Z"), "令和8年11月26日 19:39");
        assert_eq!(jst("2019-04-30T15:00:00Z"), "令和元年5月1日 00:00");
        assert_eq!(jst("garbage"), "garbage");
    }

    #[test]
    fn parse_years() {
        for (text, y) in [
            ("2025", 2025),
            ("2025年度", 2025),
            ("令和7年度", 2025),
            ("令和7", 2025),
            ("R7", 2025),
            ("r7年度", 2025),
            ("Ｒ７", 2025),
            ("２０２５", 2025),
            ("令和元年度", 2019),
            ("H30", 2018),
            ("平成31年度", 2019),
            ("令和7年度末", 2025),
        ] {
            assert_eq!(FiscalYear::parse(text), Ok(FiscalYear(y)), "{text}");
        }
        for bad in ["", "令和", "R0", "平成32年度", "abc", "1800", "R-1"] {
            assert!(FiscalYear::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deserializes_from_number_or_text() {
        #[derive(Deserialize)]
        struct T {
            a: FiscalYear,
            b: FiscalYear,
        }
        let t: T = toml::from_str("a = 2025\nb = \"R6\"").unwrap();
        assert_eq!((t.a, t.b), (FiscalYear(2025), FiscalYear(2024)));
    }
}
