//! Procedures (手続き), their channels, and the life events that group them. The same types are
//! read from the catalog file (`machi-procedures/1`) and stored in the database.

use super::rule::{Answers, Applies, Rule};
use serde::{Deserialize, Serialize};

/// Channel kinds: key, label, whether it is an online channel (counts for the KPI).
pub const CHANNEL_KINDS: [(&str, &str, bool); 5] = [
    ("counter", "窓口", false),
    ("pittari", "マイナポータル(ぴったりサービス)", true),
    ("town_form", "自治体独自のオンライン申請", true),
    ("mail", "郵送", false),
    ("konbini", "コンビニ交付", false),
];

pub fn channel_label(kind: &str) -> &'static str {
    CHANNEL_KINDS
        .iter()
        .find(|c| c.0 == kind)
        .map_or("その他", |c| c.1)
}

pub fn is_online_kind(kind: &str) -> bool {
    CHANNEL_KINDS.iter().any(|c| c.0 == kind && c.2)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// First day it can be used (YYYY-MM-DD); empty when not known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub since: String,
    /// Last day it could be used, when it was stopped.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub until: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Channel {
    pub fn label(&self) -> &'static str {
        channel_label(&self.kind)
    }
    pub fn is_online(&self) -> bool {
        is_online_kind(&self.kind)
    }
    /// Whether it can be used on `day`. A channel with no start date counts from `known_from`
    /// (the day machi learnt of it), so it never fills years before anyone recorded it.
    pub fn available_on(&self, day: time::Date, known_from: time::Date) -> bool {
        let since = parse_day(&self.since).unwrap_or(known_from);
        let until_ok = parse_day(&self.until).is_none_or(|u| day <= u);
        since <= day && until_ok
    }
}

pub fn parse_day(s: &str) -> Option<time::Date> {
    time::Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// Address in URLs: lower-case letters, digits and hyphens.
    pub key: String,
    pub name: String,
    pub category: String,
    /// 分野 (e.g. 国民健康保険): what the procedure is about, whoever handles it.
    pub field: String,
    /// 担当課; empty until the town sets it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub department: String,
    /// One of the national priority procedures (特に国民の利便性向上に資する手続).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub priority: bool,
    /// Who needs it (対象).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub who: String,
    /// What to bring.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bring: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fee: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub deadline: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub legal_basis: String,
    /// False where the source could not confirm the procedure's name or facts.
    #[serde(default)]
    pub verified: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    #[serde(default)]
    pub channels: Vec<Channel>,
}

impl Procedure {
    /// Where a resident goes: the 担当課 when set, else the 分野.
    pub fn desk(&self) -> &str {
        if self.department.is_empty() {
            &self.field
        } else {
            &self.department
        }
    }
    pub fn online_channels(&self) -> Vec<&Channel> {
        self.channels.iter().filter(|c| c.is_online()).collect()
    }
    /// The sources a resident may be shown: pages of the body's own site (`own_site`, its
    /// website) or of the national government (`*.go.jp`). The rest of `source` records where
    /// staff found the facts (another city's page, an archive) and stays on the staff pages.
    pub fn public_sources(&self, own_site: &str) -> Vec<url::Url> {
        let own_host = url::Url::parse(own_site.trim())
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        self.source
            .split(|c: char| c.is_whitespace() || matches!(c, ';' | '；' | '、' | ','))
            .map(|s| s.trim_matches(|c: char| "()（）「」<>[]".contains(c)))
            .filter_map(|s| url::Url::parse(s).ok())
            .filter(|u| matches!(u.scheme(), "https" | "http"))
            .filter(|u| {
                let Some(url::Host::Domain(host)) = u.host() else {
                    return false; // raw IP addresses are never an official page
                };
                let host = host.to_ascii_lowercase();
                host.ends_with(".go.jp") || own_host.as_deref() == Some(host.as_str())
            })
            .collect()
    }
    pub fn is_online_on(&self, day: time::Date, known_from: time::Date) -> bool {
        self.channels
            .iter()
            .any(|c| c.is_online() && c.available_on(day, known_from))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub key: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub procedure: String,
    /// Rule over the questions; empty = always.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub when: String,
    /// What to say about this procedure in this life event.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifeEvent {
    pub key: String,
    pub title: String,
    /// Short name for tables: お悔やみ, 出生 …
    pub short: String,
    #[serde(default)]
    pub intro: String,
    /// Who the visit is about: 亡くなられた方, 生まれたお子さん …
    pub subject_label: String,
    pub event_date_label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub previous_address_label: String,
    #[serde(default)]
    pub questions: Vec<Question>,
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// One procedure the guide lists for the answers given.
#[derive(Debug, Clone)]
pub struct GuideItem {
    pub procedure: Procedure,
    pub note: String,
    /// Depends on a question answered わからない.
    pub maybe: bool,
    /// The guide's answers, carried by the link to the procedure (and on to its online
    /// application, which asks the same questions): `?event=death&q_kokuho=yes`, or ''.
    pub link_query: String,
}

impl LifeEvent {
    pub fn question_keys(&self) -> Vec<&str> {
        self.questions.iter().map(|q| q.key.as_str()).collect()
    }

    /// Problems that would make the guide wrong: duplicate questions, rules that do not parse,
    /// steps naming procedures that do not exist.
    pub fn problems(&self, procedure_exists: &dyn Fn(&str) -> bool) -> Vec<String> {
        let mut out = Vec::new();
        if !valid_key(&self.key) {
            out.push(format!(
                "キー「{}」は半角英小文字・数字・_ で書いてください",
                self.key
            ));
        }
        for (label, v) in [
            ("title", &self.title),
            ("short", &self.short),
            ("subject_label", &self.subject_label),
            ("event_date_label", &self.event_date_label),
        ] {
            if v.trim().is_empty() {
                out.push(format!("{label} が空です"));
            }
        }
        let keys = self.question_keys();
        for (i, q) in self.questions.iter().enumerate() {
            if !valid_key(&q.key) {
                out.push(format!(
                    "{}番目の質問: キー「{}」は半角英小文字・数字・_ で書いてください",
                    i + 1,
                    q.key
                ));
            }
            if keys[..i].contains(&q.key.as_str()) {
                out.push(format!("質問のキー「{}」が重複しています", q.key));
            }
            if q.text.trim().is_empty() {
                out.push(format!("質問「{}」の文が空です", q.key));
            }
        }
        for (i, s) in self.steps.iter().enumerate() {
            if !procedure_exists(&s.procedure) {
                out.push(format!(
                    "{}番目の手続き: 手続き「{}」がカタログにありません",
                    i + 1,
                    s.procedure
                ));
            }
            if let Err(e) = Rule::parse(&s.when, &keys) {
                out.push(format!("{}番目の手続き({}): {e}", i + 1, s.procedure));
            }
        }
        out
    }

    /// The procedures that apply, in the order of the steps. Steps whose rule does not parse are
    /// kept (a broken rule must not hide a procedure from a resident).
    pub fn guide(
        &self,
        answers: &Answers,
        find: &dyn Fn(&str) -> Option<Procedure>,
    ) -> Vec<GuideItem> {
        let keys = self.question_keys();
        let mut out: Vec<GuideItem> = Vec::new();
        for s in &self.steps {
            let applies =
                Rule::parse(&s.when, &keys).map_or(Applies::Maybe, |r| r.applies(answers));
            if applies == Applies::No || out.iter().any(|i| i.procedure.key == s.procedure) {
                continue;
            }
            if let Some(p) = find(&s.procedure) {
                out.push(GuideItem {
                    procedure: p,
                    note: s.note.clone(),
                    maybe: applies == Applies::Maybe,
                    link_query: String::new(),
                });
            }
        }
        out
    }
}

/// Keys of procedures, questions and forms: ASCII lower case, digits, '-' and '_'.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 60
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Groups guide items by where the resident goes, keeping the order of first appearance.
pub fn by_desk(items: &[GuideItem]) -> Vec<(String, Vec<GuideItem>)> {
    let mut groups: Vec<(String, Vec<GuideItem>)> = Vec::new();
    for i in items {
        let desk = i.procedure.desk().to_string();
        match groups.iter_mut().find(|g| g.0 == desk) {
            Some(g) => g.1.push(i.clone()),
            None => groups.push((desk, vec![i.clone()])),
        }
    }
    groups
}

impl Procedure {
    /// Problems with a procedure as entered, by field.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !valid_key(&self.key) {
            out.push((
                "key",
                "キーは半角英小文字・数字・- で60文字以内にしてください(例: kokuho-kanyu)".into(),
            ));
        }
        if self.name.trim().is_empty() {
            out.push(("name", "手続き名を入力してください".into()));
        }
        if self.category.trim().is_empty() {
            out.push(("category", "分類を入力してください".into()));
        }
        if self.field.trim().is_empty() {
            out.push(("field", "分野を入力してください".into()));
        }
        for (name, value, max) in [
            ("name", &self.name, 200),
            ("who", &self.who, 1000),
            ("fee", &self.fee, 200),
            ("deadline", &self.deadline, 300),
            ("legal_basis", &self.legal_basis, 300),
            ("note", &self.note, 2000),
            ("department", &self.department, 60),
        ] {
            if value.chars().count() > max {
                out.push((name, format!("{max}文字以内にしてください")));
            }
        }
        for c in &self.channels {
            if !CHANNEL_KINDS.iter().any(|k| k.0 == c.kind) {
                out.push((
                    "channels",
                    format!("窓口・申請方法「{}」は使えません", c.kind),
                ));
            }
            for (label, d) in [("開始日", &c.since), ("終了日", &c.until)] {
                if !d.is_empty() && parse_day(d).is_none() {
                    out.push((
                        "channels",
                        format!(
                            "{}の{label}「{d}」は 2025-04-01 の形で入力してください",
                            c.label()
                        ),
                    ));
                }
            }
            if !(c.url.is_empty() || c.url.starts_with("https://") || c.url.starts_with("http://"))
            {
                out.push((
                    "channels",
                    format!(
                        "{}のURL「{}」は http:// か https:// で始めてください",
                        c.label(),
                        c.url
                    ),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_source(source: &str) -> Procedure {
        let mut p: Procedure =
            toml::from_str("key = \"x\"\nname = \"x\"\nfield = \"x\"\ncategory = \"x\"").unwrap();
        p.source = source.into();
        p
    }

    #[test]
    fn residents_see_only_the_bodys_own_and_national_sources() {
        let p = with_source(
            "https://www.town.example.lg.jp/a.html ; https://www.city.other.lg.jp/b.html \
             (https://www.soumu.go.jp/c.html)、http://133.242.30.231/d https://www.homes.co.jp/e \
             HTTPS://WWW.TOWN.EXAMPLE.LG.JP/f javascript:alert(1)",
        );
        let shown: Vec<String> = p
            .public_sources("https://www.town.example.lg.jp/")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            [
                "https://www.town.example.lg.jp/a.html",
                "https://www.soumu.go.jp/c.html",
                "https://www.town.example.lg.jp/f"
            ]
        );
        // Without the body's website only national pages are shown.
        assert_eq!(p.public_sources("").len(), 1);
    }
}
