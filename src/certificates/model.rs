//! Certificates issued (#17): which kind (住民票の写し, 印鑑登録証明書 …), through which channel
//! (窓口, コンビニ交付, 郵送, オンライン), how many copies (通). KPI 1-①-6 is the コンビニ交付 share
//! of all copies per 年度; the share over the same kinds (those issued at a コンビニ at all that
//! 年度) is shown beside it, because 除籍・改製原戸籍 and some tax certificates cannot be issued
//! there (`shared/reference/payments.md` §5). Free and official (公用) issues are kept apart and
//! count in neither.

/// A kind of certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    ResidentCopy,
    ResidentItems,
    Seal,
    FamilyRegister,
    FamilyAttached,
    ClosedRegister,
    Income,
    TaxPaid,
    Identity,
    Other,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::ResidentCopy,
        Kind::ResidentItems,
        Kind::Seal,
        Kind::FamilyRegister,
        Kind::FamilyAttached,
        Kind::ClosedRegister,
        Kind::Income,
        Kind::TaxPaid,
        Kind::Identity,
        Kind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::ResidentCopy => "resident_copy",
            Kind::ResidentItems => "resident_items",
            Kind::Seal => "seal",
            Kind::FamilyRegister => "family_register",
            Kind::FamilyAttached => "family_attached",
            Kind::ClosedRegister => "closed_register",
            Kind::Income => "income",
            Kind::TaxPaid => "tax_paid",
            Kind::Identity => "identity",
            Kind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::ResidentCopy => "住民票の写し",
            Kind::ResidentItems => "住民票記載事項証明書",
            Kind::Seal => "印鑑登録証明書",
            Kind::FamilyRegister => "戸籍証明書(全部・個人事項)",
            Kind::FamilyAttached => "戸籍の附票の写し",
            Kind::ClosedRegister => "除籍・改製原戸籍",
            Kind::Income => "所得・課税証明書",
            Kind::TaxPaid => "納税証明書",
            Kind::Identity => "身分証明書",
            Kind::Other => "その他",
        }
    }

    /// Reads a code, a label or the names statistics and clerks use.
    pub fn parse(text: &str) -> Result<Kind, String> {
        let t: String = crate::fiscal::fold_width(text.trim())
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '・' | '、'))
            .collect();
        if let Some(k) = Kind::ALL.into_iter().find(|k| {
            k.code() == t
                || k.label()
                    .chars()
                    .filter(|c| !matches!(c, '(' | ')' | '・' | '、'))
                    .collect::<String>()
                    == t
        }) {
            return Ok(k);
        }
        let k = match t.as_str() {
            "住民票" | "住民票写し" | "住民票の写し等" => Kind::ResidentCopy,
            "記載事項証明書" | "住民票記載事項証明" => Kind::ResidentItems,
            "印鑑証明" | "印鑑証明書" | "印鑑登録証明" => Kind::Seal,
            "戸籍"
            | "戸籍謄本"
            | "戸籍抄本"
            | "戸籍謄抄本"
            | "戸籍全部事項証明書"
            | "戸籍個人事項証明書"
            | "戸籍証明書"
            | "戸籍謄本抄本" => Kind::FamilyRegister,
            "戸籍の附票" | "附票" | "戸籍附票" | "戸籍附票の写し" => {
                Kind::FamilyAttached
            }
            "除籍" | "除籍謄本" | "改製原戸籍" | "除籍謄抄本" | "原戸籍" => {
                Kind::ClosedRegister
            }
            "所得証明書"
            | "課税証明書"
            | "所得課税証明書"
            | "所得証明"
            | "課税証明"
            | "所得課税証明"
            | "非課税証明書"
            | "所得課税非課税証明書" => Kind::Income,
            "納税証明" | "納税証明書" => Kind::TaxPaid,
            "身分証明" => Kind::Identity,
            _ => {
                return Err(format!(
                    "証明書の種類「{}」がわかりません(例: {})",
                    text.trim(),
                    Kind::ALL.map(Kind::label)[..9].join("、")
                ));
            }
        };
        Ok(k)
    }
}

/// Through which channel a certificate was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Counter,
    ConvenienceStore,
    Mail,
    Online,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Counter,
        Channel::ConvenienceStore,
        Channel::Mail,
        Channel::Online,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Counter => "counter",
            Channel::ConvenienceStore => "convenience_store",
            Channel::Mail => "mail",
            Channel::Online => "online",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Counter => "窓口",
            Channel::ConvenienceStore => "コンビニ交付",
            Channel::Mail => "郵送",
            Channel::Online => "オンライン",
        }
    }

    pub fn parse(text: &str) -> Result<Channel, String> {
        let t = text.trim();
        Channel::ALL
            .into_iter()
            .find(|c| c.code() == t || c.label() == t)
            .or(match t {
                "コンビニ" | "コンビニエンスストア" | "証明書コンビニ交付" => {
                    Some(Channel::ConvenienceStore)
                }
                "窓口交付" | "本庁" => Some(Channel::Counter),
                "郵便" | "郵送請求" => Some(Channel::Mail),
                _ => None,
            })
            .ok_or_else(|| {
                format!("交付の方法「{t}」がわかりません(窓口、コンビニ交付、郵送、オンライン)")
            })
    }
}

/// One recorded issue as the figures need it (a cancellation counts negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Issue {
    pub kind: Kind,
    pub channel: Channel,
    pub copies: i64,
    pub free: bool,
}

/// Copies of a period: コンビニ beside all, and over the kinds a コンビニ issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub all: i64,
    pub convenience: i64,
    /// All copies of the kinds that were issued at a コンビニ in the period.
    pub same_kinds: i64,
    /// Free and official copies, outside both numbers.
    pub free: i64,
}

impl Tally {
    pub fn of(issues: &[Issue]) -> Tally {
        let konbini_kinds: std::collections::HashSet<Kind> = issues
            .iter()
            .filter(|i| i.channel == Channel::ConvenienceStore && !i.free && i.copies > 0)
            .map(|i| i.kind)
            .collect();
        let mut t = Tally::default();
        for i in issues {
            if i.free {
                t.free += i.copies;
                continue;
            }
            t.all += i.copies;
            if i.channel == Channel::ConvenienceStore {
                t.convenience += i.copies;
            }
            if konbini_kinds.contains(&i.kind) {
                t.same_kinds += i.copies;
            }
        }
        t
    }

    /// コンビニ交付 ÷ all copies × 100 (KPI 1-①-6); none when nothing was issued.
    pub fn share(&self) -> Option<f64> {
        (self.all > 0).then(|| self.convenience as f64 * 100.0 / self.all as f64)
    }

    /// The same over the kinds a コンビニ can issue.
    pub fn same_kind_share(&self) -> Option<f64> {
        (self.same_kinds > 0).then(|| self.convenience as f64 * 100.0 / self.same_kinds as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_as_statistics_and_clerks_write_them() {
        assert_eq!(Kind::parse("住民票の写し"), Ok(Kind::ResidentCopy));
        assert_eq!(Kind::parse("住民票"), Ok(Kind::ResidentCopy));
        assert_eq!(Kind::parse("印鑑証明書"), Ok(Kind::Seal));
        assert_eq!(Kind::parse("戸籍全部事項証明書"), Ok(Kind::FamilyRegister));
        assert_eq!(Kind::parse("所得・課税証明書"), Ok(Kind::Income));
        assert_eq!(
            Kind::parse("戸籍証明書(全部・個人事項)"),
            Ok(Kind::FamilyRegister)
        );
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.code()), Ok(k));
            assert_eq!(Kind::parse(k.label()), Ok(k));
        }
        assert!(
            Kind::parse("運転免許")
                .unwrap_err()
                .contains("住民票の写し")
        );
        assert_eq!(Channel::parse("コンビニ"), Ok(Channel::ConvenienceStore));
        assert!(Channel::parse("FAX").is_err());
    }

    #[test]
    fn the_share_counts_paid_copies_and_the_same_kinds_beside_all() {
        let i = |kind, channel, copies, free| Issue {
            kind,
            channel,
            copies,
            free,
        };
        let t = Tally::of(&[
            i(Kind::ResidentCopy, Channel::Counter, 60, false),
            i(Kind::ResidentCopy, Channel::ConvenienceStore, 10, false),
            i(Kind::ClosedRegister, Channel::Counter, 30, false),
            i(Kind::ResidentCopy, Channel::Counter, 5, true),
            // A cancelled コンビニ row.
            i(Kind::ResidentCopy, Channel::ConvenienceStore, -2, false),
        ]);
        assert_eq!(t.all, 98);
        assert_eq!(t.convenience, 8);
        assert_eq!(t.same_kinds, 68);
        assert_eq!(t.free, 5);
        assert!((t.share().unwrap() - 800.0 / 98.0).abs() < 1e-9);
        assert!((t.same_kind_share().unwrap() - 800.0 / 68.0).abs() < 1e-9);
        assert_eq!(Tally::default().share(), None);
    }
}
