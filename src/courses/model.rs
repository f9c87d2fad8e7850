//! Courses' typed values: who a course is for, where a booking is, how it was made, and the
//! person booking (only what is needed to call them back).

use crate::procedures::form::FieldType;
use crate::procedures::form_check::check_value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Residents,
    Staff,
}

impl Audience {
    pub fn code(self) -> &'static str {
        match self {
            Audience::Residents => "residents",
            Audience::Staff => "staff",
        }
    }
    pub fn parse(s: &str) -> Option<Audience> {
        [Audience::Residents, Audience::Staff]
            .into_iter()
            .find(|a| a.code() == s)
    }
}

/// Where a booking is. A place is held while booked, offered or attended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingState {
    Booked,
    /// On the waiting list.
    Waiting,
    /// A freed place offered to someone on the waiting list, until it expires.
    Offered,
    Cancelled,
    /// The offer expired unanswered.
    Lapsed,
    Attended,
    Absent,
}

impl BookingState {
    pub const ALL: [BookingState; 7] = [
        BookingState::Booked,
        BookingState::Waiting,
        BookingState::Offered,
        BookingState::Cancelled,
        BookingState::Lapsed,
        BookingState::Attended,
        BookingState::Absent,
    ];
    pub fn code(self) -> &'static str {
        match self {
            BookingState::Booked => "booked",
            BookingState::Waiting => "waiting",
            BookingState::Offered => "offered",
            BookingState::Cancelled => "cancelled",
            BookingState::Lapsed => "lapsed",
            BookingState::Attended => "attended",
            BookingState::Absent => "absent",
        }
    }
    pub fn parse(s: &str) -> Option<BookingState> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            BookingState::Booked => "予約済み",
            BookingState::Waiting => "キャンセル待ち",
            BookingState::Offered => "空きのご案内中",
            BookingState::Cancelled => "取り消し",
            BookingState::Lapsed => "案内の期限切れ",
            BookingState::Attended => "出席",
            BookingState::Absent => "欠席",
        }
    }
    pub fn holds_place(self) -> bool {
        matches!(
            self,
            BookingState::Booked | BookingState::Offered | BookingState::Attended
        )
    }
    /// Still expecting the person (may be cancelled).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            BookingState::Booked | BookingState::Waiting | BookingState::Offered
        )
    }
}

/// How the booking reached the town: a resident on the web, or staff taking a call or a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Web,
    Phone,
    Counter,
    /// 当日参加: came without booking, recorded at the door.
    WalkIn,
}

impl Via {
    pub fn code(self) -> &'static str {
        match self {
            Via::Web => "web",
            Via::Phone => "phone",
            Via::Counter => "counter",
            Via::WalkIn => "walk_in",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Via::Web => "ウェブ",
            Via::Phone => "電話",
            Via::Counter => "窓口",
            Via::WalkIn => "当日参加",
        }
    }
    pub fn parse(s: &str) -> Option<Via> {
        [Via::Web, Via::Phone, Via::Counter, Via::WalkIn]
            .into_iter()
            .find(|v| v.code() == s)
    }
}

/// The person booking, checked: name (any characters, 外字 kept as typed), kana, a phone number
/// to call back, an optional age band.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    pub name: String,
    pub kana: String,
    pub phone: String,
    pub age_band: String,
}

pub const AGE_BANDS: [&str; 5] = ["60歳未満", "60歳代", "70歳代", "80歳代", "90歳以上"];

impl Person {
    /// Checks what was typed; errors by field (`name`, `kana`, `phone`, `age_band`), in Japanese.
    pub fn parse(
        name: &str,
        kana: &str,
        phone: &str,
        age_band: &str,
    ) -> Result<Person, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let name = name.trim();
        if name.is_empty() {
            errors.push(("name", "お名前を入力してください".to_string()));
        } else if name.chars().count() > 40 {
            errors.push(("name", "お名前は40文字までにしてください".to_string()));
        }
        let kana = match check_value(FieldType::Kana, kana, 60, None, &[]) {
            Ok(k) => k,
            Err(e) => {
                errors.push(("kana", format!("フリガナ: {e}")));
                String::new()
            }
        };
        let phone = match check_value(FieldType::Phone, phone, 0, None, &[]) {
            Ok(p) if p.is_empty() => {
                errors.push((
                    "phone",
                    "電話番号を入力してください(変更があったときにお電話します)".to_string(),
                ));
                p
            }
            Ok(p) => p,
            Err(e) => {
                errors.push(("phone", format!("電話番号: {e}")));
                String::new()
            }
        };
        let age_band = age_band.trim();
        if !age_band.is_empty() && !AGE_BANDS.contains(&age_band) {
            errors.push(("age_band", format!("年代「{age_band}」は選べません")));
        }
        if errors.is_empty() {
            Ok(Person {
                name: name.to_string(),
                kana,
                phone,
                age_band: age_band.to_string(),
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_checked_field_by_field() {
        let p = Person::parse("𠮷田 はな", "よしだ はな", "0796-36-1111", "70歳代").unwrap();
        assert_eq!(p.name, "𠮷田 はな");
        assert_eq!(p.kana, "ヨシダ\u{3000}ハナ");
        let e = Person::parse("", "", "12", "百歳").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|x| x.0).collect();
        assert_eq!(fields, ["name", "phone", "age_band"]);
        assert!(BookingState::Offered.holds_place() && !BookingState::Waiting.holds_place());
        for s in BookingState::ALL {
            assert_eq!(BookingState::parse(s.code()), Some(s));
        }
    }
}
