//! An online application's states and who moves it between them.

/// Where an application is. The resident moves it out of 入力中 (submitting) and out of 補正依頼
/// (answering); the payment moves it out of 支払い待ち; the 課 does the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Draft,
    AwaitingPayment,
    New,
    Accepted,
    Reviewing,
    Correction,
    Completed,
    Rejected,
}

impl State {
    pub const ALL: [State; 8] = [
        State::Draft,
        State::AwaitingPayment,
        State::New,
        State::Accepted,
        State::Reviewing,
        State::Correction,
        State::Completed,
        State::Rejected,
    ];

    pub fn code(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::AwaitingPayment => "awaiting_payment",
            State::New => "new",
            State::Accepted => "accepted",
            State::Reviewing => "reviewing",
            State::Correction => "correction",
            State::Completed => "completed",
            State::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "入力中",
            State::AwaitingPayment => "支払い待ち",
            State::New => "新規",
            State::Accepted => "受付",
            State::Reviewing => "審査中",
            State::Correction => "補正依頼",
            State::Completed => "完了",
            State::Rejected => "却下",
        }
    }

    pub fn parse(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Submitted and in the 課's hands (or done).
    pub fn is_submitted(self) -> bool {
        !matches!(self, State::Draft | State::AwaitingPayment)
    }

    pub fn is_closed(self) -> bool {
        matches!(self, State::Completed | State::Rejected)
    }

    /// Whether the resident may change the answers and files now.
    pub fn applicant_may_edit(self) -> bool {
        matches!(self, State::Draft | State::Correction)
    }

    /// The states the 課 may move an application to from this one.
    pub fn staff_next(self) -> &'static [State] {
        match self {
            State::New => &[State::Accepted, State::Rejected],
            State::Accepted => &[
                State::Reviewing,
                State::Correction,
                State::Completed,
                State::Rejected,
            ],
            State::Reviewing => &[State::Correction, State::Completed, State::Rejected],
            // The 課 can take a request back (the resident is told) or reject.
            State::Correction => &[State::Reviewing, State::Rejected],
            _ => &[],
        }
    }

    /// Moving here needs a message to the applicant (what to correct; why rejected).
    pub fn needs_message(self) -> bool {
        matches!(self, State::Correction | State::Rejected)
    }
}

/// The number a resident quotes: the 年度 and the application's number in the town.
pub fn receipt_no(fiscal_year: i32, id: i64) -> String {
    format!("{fiscal_year}-{id:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.code()), Some(s));
        }
        assert_eq!(State::parse("x"), None);
    }

    #[test]
    fn closed_applications_do_not_move() {
        for s in [
            State::Completed,
            State::Rejected,
            State::Draft,
            State::AwaitingPayment,
        ] {
            assert!(s.staff_next().is_empty(), "{s:?}");
        }
        assert!(State::Reviewing.staff_next().contains(&State::Correction));
        assert!(!State::New.staff_next().contains(&State::Completed));
    }
}
