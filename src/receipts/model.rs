//! The receipts ledger's values (#17): what was paid (科目, procedure, 円), through which channel
//! and means, and the two figures made of them — the cashless share (KPI 1-①-3) and the 日計 a
//! counter closes each day. Entries are never edited: a correction is a reversing entry that
//! names the entry it cancels, and every total nets the two.
//!
//! Which channels count as cashless follows `shared/reference/payments.md` §1.2: card, e-money,
//! QR and online payments do; cash at the counter, a convenience store or a bank counter does not;
//! 口座振替 handles no cash but is not 「キャッシュレス決済」 in METI's sense, so it is its own column
//! and the town chooses (default: not counted as cashless, counted among all receipts).

use std::fmt;

/// An amount in 円. Receipts are whole yen; never floating point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Yen(pub i64);

impl Yen {
    /// Reads an amount as people write it (3,000円, ３０００, 300 円). Only whole, non-negative yen.
    pub fn parse(text: &str) -> Result<Yen, String> {
        let bare = text.trim().trim_end_matches('円').trim();
        match crate::input::parse_number(bare) {
            Ok(v) if v >= 0.0 && v.fract() == 0.0 && v < 1e15 => Ok(Yen(v as i64)),
            _ => Err(format!(
                "金額「{text}」は0以上の円単位の整数で書いてください(例: 300、1,000円)"
            )),
        }
    }
}

impl fmt::Display for Yen {
    /// 1,234円
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{out}円")
    }
}

/// What a receipt is for (科目).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// 手数料: certificates, registrations.
    Fee,
    /// 使用料: facilities, water.
    UsageFee,
    /// 税
    Tax,
    /// 保険料 (国民健康保険, 介護保険 …).
    Premium,
    Other,
}

impl Subject {
    pub const ALL: [Subject; 5] = [
        Subject::Fee,
        Subject::UsageFee,
        Subject::Tax,
        Subject::Premium,
        Subject::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Subject::Fee => "fee",
            Subject::UsageFee => "usage_fee",
            Subject::Tax => "tax",
            Subject::Premium => "premium",
            Subject::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Subject::Fee => "手数料",
            Subject::UsageFee => "使用料",
            Subject::Tax => "税",
            Subject::Premium => "保険料",
            Subject::Other => "その他",
        }
    }

    /// Reads a stored code or a label.
    pub fn parse(text: &str) -> Result<Subject, String> {
        let t = text.trim();
        Subject::ALL
            .into_iter()
            .find(|s| s.code() == t || s.label() == t)
            .ok_or_else(|| format!("科目「{t}」がわかりません(手数料、使用料、税、保険料、その他)"))
    }
}

/// How a receipt reached the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Recorded by the clerk at the end of a counter visit.
    Counter,
    /// Entered by staff on the ledger page.
    Manual,
    /// Brought by a file (a terminal's daily CSV, a コンビニ or eL-QR 収納 file).
    Import,
    /// Confirmed by a payment provider.
    Online,
}

impl Source {
    pub const ALL: [Source; 4] = [
        Source::Counter,
        Source::Manual,
        Source::Import,
        Source::Online,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Source::Counter => "counter",
            Source::Manual => "manual",
            Source::Import => "import",
            Source::Online => "online",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Source::Counter => "窓口の受付",
            Source::Manual => "手入力",
            Source::Import => "ファイル取込",
            Source::Online => "オンライン決済",
        }
    }

    pub fn parse(code: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// How a cashless payment at the counter was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Means {
    Credit,
    EMoney,
    QrCode,
}

impl Means {
    pub const ALL: [Means; 3] = [Means::Credit, Means::EMoney, Means::QrCode];

    pub fn label(self) -> &'static str {
        match self {
            Means::Credit => "クレジット",
            Means::EMoney => "電子マネー",
            Means::QrCode => "QRコード決済",
        }
    }
}

/// Through which channel a receipt came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// 窓口現金
    CounterCash,
    /// 窓口キャッシュレス, with the means the clerk picked.
    CounterCashless(Means),
    /// コンビニ納付 (barcode): cash unless the store reports the tender.
    ConvenienceStore,
    /// eL-QR / eL番号 paid on 地方税お支払サイト or an app.
    ElQr,
    /// Paid in cash at a bank's counter (including an eL-QR slip).
    BankCounter,
    /// 口座振替
    DirectDebit,
    /// Paid through a payment provider with an online application.
    Online,
}

/// Whether 口座振替 counts as cashless: the town decides (payments.md §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DirectDebitRule {
    /// Not cashless in METI's sense: among all receipts, not among the cashless ones.
    #[default]
    NotCashless,
    Cashless,
}

impl Channel {
    /// Every channel, in the order pages and files list them.
    pub fn all() -> Vec<Channel> {
        let mut all = vec![Channel::CounterCash];
        all.extend(Means::ALL.map(Channel::CounterCashless));
        all.extend([
            Channel::ConvenienceStore,
            Channel::ElQr,
            Channel::BankCounter,
            Channel::DirectDebit,
            Channel::Online,
        ]);
        all
    }

    /// The stored code; stable across versions.
    pub fn code(self) -> &'static str {
        match self {
            Channel::CounterCash => "counter_cash",
            Channel::CounterCashless(Means::Credit) => "counter_credit",
            Channel::CounterCashless(Means::EMoney) => "counter_emoney",
            Channel::CounterCashless(Means::QrCode) => "counter_qr",
            Channel::ConvenienceStore => "convenience_store",
            Channel::ElQr => "el_qr",
            Channel::BankCounter => "bank_counter",
            Channel::DirectDebit => "direct_debit",
            Channel::Online => "online",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::CounterCash => "窓口現金",
            Channel::CounterCashless(Means::Credit) => "窓口キャッシュレス(クレジット)",
            Channel::CounterCashless(Means::EMoney) => "窓口キャッシュレス(電子マネー)",
            Channel::CounterCashless(Means::QrCode) => "窓口キャッシュレス(QRコード決済)",
            Channel::ConvenienceStore => "コンビニ",
            Channel::ElQr => "eL-QR",
            Channel::BankCounter => "金融機関窓口",
            Channel::DirectDebit => "口座振替",
            Channel::Online => "オンライン決済",
        }
    }

    /// Reads a stored code or a label as files and people write it.
    pub fn parse(text: &str) -> Result<Channel, String> {
        let t = text.trim();
        let folded: String = t
            .chars()
            .filter(|c| {
                !c.is_whitespace() && !matches!(c, '(' | ')' | '\u{FF08}' | '\u{FF09}' | '・')
            })
            .collect::<String>()
            .to_lowercase();
        let found = Channel::all().into_iter().find(|c| {
            c.code() == t
                || c.label()
                    .chars()
                    .filter(|c| !matches!(c, '(' | ')' | '\u{FF08}' | '\u{FF09}'))
                    .collect::<String>()
                    .to_lowercase()
                    == folded
        });
        if let Some(c) = found {
            return Ok(c);
        }
        let alias = match folded.as_str() {
            "現金" | "窓口" => Some(Channel::CounterCash),
            "クレジット" | "クレジットカード" => {
                Some(Channel::CounterCashless(Means::Credit))
            }
            "電子マネー" => Some(Channel::CounterCashless(Means::EMoney)),
            "qr" | "qrコード" | "qrコード決済" | "コード決済" => {
                Some(Channel::CounterCashless(Means::QrCode))
            }
            "コンビニ納付" | "コンビニ収納" => Some(Channel::ConvenienceStore),
            "elqr" | "el-qr" | "地方税お支払サイト" => Some(Channel::ElQr),
            "金融機関" | "銀行窓口" => Some(Channel::BankCounter),
            "オンライン" => Some(Channel::Online),
            _ => None,
        };
        alias.ok_or_else(|| {
            let known: Vec<&str> = Channel::all().into_iter().map(Channel::label).collect();
            format!(
                "納付の方法「{t}」がわかりません(使えるもの: {})",
                known.join("、")
            )
        })
    }

    /// Whether a receipt through this channel counts as cashless for KPI 1-①-3.
    pub fn is_cashless(self, rule: DirectDebitRule) -> bool {
        match self {
            Channel::CounterCashless(_) | Channel::ElQr | Channel::Online => true,
            Channel::DirectDebit => rule == DirectDebitRule::Cashless,
            Channel::CounterCash | Channel::ConvenienceStore | Channel::BankCounter => false,
        }
    }

    /// Whether cash passed through the town's own counter (the 日計's cash column).
    pub fn is_counter_cash(self) -> bool {
        self == Channel::CounterCash
    }
}

/// An entry of the ledger as the totals need it: a receipt, or the reversal of one.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub channel: Channel,
    pub amount: Yen,
    /// The entry this one cancels; its amount is then counted negative.
    pub reverses: Option<i64>,
}

impl Entry {
    /// The amount as it counts in a total: negative for a reversal.
    pub fn signed(&self) -> i64 {
        if self.reverses.is_some() {
            -self.amount.0
        } else {
            self.amount.0
        }
    }

    /// How many payments it counts as: a reversal takes one back.
    pub fn count(&self) -> i64 {
        if self.reverses.is_some() { -1 } else { 1 }
    }
}

/// A reversal must cancel a receipt that is not a reversal and not reversed already, by the
/// same amount and channel.
pub fn check_reversal(of: &Entry, already_reversed: bool, reversal: &Entry) -> Result<(), String> {
    if of.reverses.is_some() {
        return Err(format!("取消の記録(番号 {})は取り消せません", of.id));
    }
    if already_reversed {
        return Err(format!("番号 {} はすでに取り消されています", of.id));
    }
    if of.amount != reversal.amount || of.channel != reversal.channel {
        return Err(format!(
            "取消は元の記録(番号 {}: {} {})と同じ金額・方法でなければなりません",
            of.id,
            of.channel.label(),
            of.amount
        ));
    }
    Ok(())
}

/// Counts and yen of some receipts, cashless beside all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Share {
    pub count: i64,
    pub yen: i64,
    pub cashless_count: i64,
    pub cashless_yen: i64,
    /// 口座振替, shown as its own column whatever the rule.
    pub direct_debit_count: i64,
}

impl Share {
    pub fn of<'a>(entries: impl IntoIterator<Item = &'a Entry>, rule: DirectDebitRule) -> Share {
        let mut s = Share::default();
        for e in entries {
            s.count += e.count();
            s.yen += e.signed();
            if e.channel.is_cashless(rule) {
                s.cashless_count += e.count();
                s.cashless_yen += e.signed();
            }
            if e.channel == Channel::DirectDebit {
                s.direct_debit_count += e.count();
            }
        }
        s
    }

    /// Cashless receipts ÷ all receipts × 100, by count (the KPI's headline); none when nothing
    /// was received.
    pub fn by_count(&self) -> Option<f64> {
        (self.count > 0).then(|| self.cashless_count as f64 * 100.0 / self.count as f64)
    }

    /// The same by amount, shown beside it.
    pub fn by_yen(&self) -> Option<f64> {
        (self.yen > 0).then(|| self.cashless_yen as f64 * 100.0 / self.yen as f64)
    }
}

/// A counter's 日計: cash and cashless counts and totals of one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayTotal {
    pub cash_count: i64,
    pub cash_yen: i64,
    pub cashless_count: i64,
    pub cashless_yen: i64,
}

impl DayTotal {
    /// Only what went through the counter itself: cash and the counter's terminal.
    pub fn of<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> DayTotal {
        let mut t = DayTotal::default();
        for e in entries {
            match e.channel {
                Channel::CounterCash => {
                    t.cash_count += e.count();
                    t.cash_yen += e.signed();
                }
                Channel::CounterCashless(_) => {
                    t.cashless_count += e.count();
                    t.cashless_yen += e.signed();
                }
                _ => {}
            }
        }
        t
    }

    pub fn total_yen(&self) -> i64 {
        self.cash_yen + self.cashless_yen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, channel: Channel, yen: i64, reverses: Option<i64>) -> Entry {
        Entry {
            id,
            channel,
            amount: Yen(yen),
            reverses,
        }
    }

    #[test]
    fn amounts_read_as_written_and_print_with_commas() {
        assert_eq!(Yen::parse("3,000円"), Ok(Yen(3000)));
        assert_eq!(Yen::parse("３００"), Ok(Yen(300)));
        assert_eq!(Yen::parse(" 450 円"), Ok(Yen(450)));
        assert!(Yen::parse("-300").is_err());
        assert!(Yen::parse("12.5").is_err());
        assert!(Yen::parse("").unwrap_err().contains("整数"));
        assert_eq!(Yen(1_234_567).to_string(), "1,234,567円");
        assert_eq!(Yen(-300).to_string(), "-300円");
        assert_eq!(Yen(0).to_string(), "0円");
    }

    #[test]
    fn subjects_round_trip() {
        for s in Subject::ALL {
            assert_eq!(Subject::parse(s.code()), Ok(s));
            assert_eq!(Subject::parse(s.label()), Ok(s));
        }
        assert!(Subject::parse("寄付").unwrap_err().contains("寄付"));
    }

    #[test]
    fn channels_round_trip_and_read_as_people_write_them() {
        for c in Channel::all() {
            assert_eq!(Channel::parse(c.code()), Ok(c));
            assert_eq!(Channel::parse(c.label()), Ok(c), "{}", c.label());
        }
        assert_eq!(
            Channel::parse("クレジットカード"),
            Ok(Channel::CounterCashless(Means::Credit))
        );
        assert_eq!(Channel::parse(" 現金 "), Ok(Channel::CounterCash));
        let err = Channel::parse("小切手").unwrap_err();
        assert!(err.contains("小切手") && err.contains("窓口現金"), "{err}");
    }

    #[test]
    fn the_cashless_share_nets_reversals_and_leaves_direct_debit_to_the_town() {
        let entries = vec![
            entry(1, Channel::CounterCash, 300, None),
            entry(2, Channel::CounterCashless(Means::QrCode), 450, None),
            entry(3, Channel::DirectDebit, 1000, None),
            entry(4, Channel::Online, 300, None),
            entry(5, Channel::CounterCashless(Means::Credit), 750, None),
            entry(6, Channel::CounterCashless(Means::Credit), 750, Some(5)),
        ];
        let s = Share::of(&entries, DirectDebitRule::NotCashless);
        assert_eq!(s.count, 4, "the reversed payment is taken back");
        assert_eq!(s.yen, 2050);
        assert_eq!(s.cashless_count, 2);
        assert_eq!(s.cashless_yen, 750);
        assert_eq!(s.direct_debit_count, 1);
        assert_eq!(s.by_count(), Some(50.0));
        let s = Share::of(&entries, DirectDebitRule::Cashless);
        assert_eq!(s.by_count(), Some(75.0));
        assert_eq!(
            Share::default().by_count(),
            None,
            "nothing received: no figure"
        );
    }

    #[test]
    fn a_day_total_holds_only_the_counter_and_a_reversal_is_checked() {
        let entries = vec![
            entry(1, Channel::CounterCash, 300, None),
            entry(2, Channel::CounterCash, 450, None),
            entry(3, Channel::CounterCashless(Means::EMoney), 300, None),
            entry(4, Channel::ConvenienceStore, 300, None),
            entry(5, Channel::CounterCash, 450, Some(2)),
        ];
        let t = DayTotal::of(&entries);
        assert_eq!((t.cash_count, t.cash_yen), (1, 300));
        assert_eq!((t.cashless_count, t.cashless_yen), (1, 300));
        assert_eq!(t.total_yen(), 600);

        let paid = entry(2, Channel::CounterCash, 450, None);
        assert!(check_reversal(&paid, false, &entries[4]).is_ok());
        assert!(check_reversal(&paid, true, &entries[4]).is_err());
        let wrong = entry(6, Channel::CounterCash, 300, Some(2));
        assert!(
            check_reversal(&paid, false, &wrong)
                .unwrap_err()
                .contains("同じ金額")
        );
        assert!(check_reversal(&entries[4], false, &entries[4]).is_err());
    }
}
