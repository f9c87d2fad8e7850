//! Kinds of KPI that plans of different bodies share, so a prefecture can compare them across
//! towns (`/towns`): each plan words its KPI its own way, and says which kind it is with `kind`
//! (a KPI fed by a module has the module's kind unless it says otherwise).

/// A comparable kind of KPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KpiKind {
    pub key: &'static str,
    /// A neutral name, for tables across towns.
    pub label: &'static str,
    /// The module source whose KPIs are of this kind unless they say otherwise.
    pub source: Option<&'static str>,
}

const fn kind(key: &'static str, label: &'static str) -> KpiKind {
    KpiKind {
        key,
        label,
        source: None,
    }
}

pub const KINDS: &[KpiKind] = &[
    KpiKind {
        key: "online_procedures",
        label: "オンラインで申請できる手続の数",
        source: Some("procedures.online"),
    },
    KpiKind {
        key: "counter_stay_time",
        label: "窓口での滞在時間",
        source: Some("counter.stay_time"),
    },
    kind("cashless_ratio", "キャッシュレス決済の比率"),
    kind("local_digital_initiatives", "地域社会のデジタル化の施策数"),
    kind("digital_divide_attendees", "スマホ教室などの受講者数"),
    kind("convenience_store_certificates", "証明書のコンビニ交付"),
    kind("mynumber_card_rate", "マイナンバーカードの取得率(保有率)"),
    kind("mynaportal_publicity", "マイナポータルの周知"),
    kind("school_ict_satisfaction", "学校でのICT活用の満足度"),
    KpiKind {
        key: "open_datasets",
        label: "オープンデータの公開数",
        source: Some("opendata.published_datasets"),
    },
    kind("website_satisfaction", "ホームページの満足度"),
    kind("analog_regulation_review", "アナログ規制の点検・見直し"),
    kind(
        "system_standardization",
        "情報システムの標準化・ガバメントクラウド移行",
    ),
    kind("ai_rpa_operations", "AI・RPAを使う業務の数"),
    kind("telework_applicants", "テレワークの実施者数"),
    kind("paper_reduction", "紙の使用量の削減"),
    kind("security_training", "情報セキュリティ研修"),
    kind("ict_literacy_training", "ICTリテラシー研修"),
];

pub fn by_key(key: &str) -> Option<&'static KpiKind> {
    KINDS.iter().find(|k| k.key == key)
}

/// The kind of a KPI: the one it names, or its source's.
pub fn of(kind: &str, source: &str) -> Option<&'static KpiKind> {
    if kind.is_empty() {
        KINDS.iter().find(|k| k.source == Some(source))
    } else {
        by_key(kind)
    }
}
