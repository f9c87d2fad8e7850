//! Proposes アナログ規制 candidates clause by clause: for each category, the first rule whose
//! pattern matches (and whose `unless` does not) gives the phrase, the reason and a confidence.
//! One finding per clause and category. 罰則 articles and definitions are not judged. A clause
//! that applies another clause of the same 例規 (「第2条第2項の規定は、…準用する」「前条の
//! 規定は…」) gets that clause's categories, saying so.

use super::numbers::kanji_number;
use super::parse::{ClauseRef, Ordinance};
use super::rules::Rules;
use regex::Regex;
use serde::Serialize;
use std::sync::OnceLock;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    pub file: String,
    pub title: String,
    pub article: String,
    pub paragraph: Option<u32>,
    pub item: Option<String>,
    pub category: &'static str,
    pub phrase: String,
    pub reason: String,
    pub confidence: f64,
    /// The clause's line in the file.
    #[serde(skip)]
    pub line: usize,
}

impl Finding {
    pub fn at(&self) -> ClauseRef {
        ClauseRef {
            article: self.article.clone(),
            paragraph: self.paragraph,
            item: self.item.clone(),
        }
    }
}

/// 「第2条第2項の規定は、…準用する」, 「前条の規定は」, 「前項の規定は」: one clause named
/// (not a range 「第3条から第17条まで」).
fn applies() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        let n = "[0-9一二三四五六七八九十百千]+";
        Regex::new(&format!(
            r"^(?:(前条|前項)|第({n})条((?:の{n})*)(?:第({n})項)?)の規定は、?.*?準用する"
        ))
        .unwrap()
    })
}

/// 「第3条から第5条までの規定は」「前各条の規定は」「前2条の規定は」 … 準用する: a range.
fn applies_range() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        let n = "[0-9一二三四五六七八九十百千]+";
        Regex::new(&format!(
            r"^(?:第({n})条(?:の{n})*から第({n})条(?:の{n})*まで|(前各条)|前({n})条)の規定は、?.*?準用する"
        ))
        .unwrap()
    })
}

/// 第12条の4 → 12, for articles of the 本則 (not 附則 or 別表).
fn main_number(label: &str) -> Option<u32> {
    let rest = label.strip_prefix('第')?;
    let end = rest.find('条')?;
    rest[..end].parse().ok()
}

/// An article (and a paragraph of it, or all of it) that a clause applies.
type Target = (String, Option<u32>);

/// The clauses the i-th clause applies (準用), and the words that say so.
fn applied_targets(
    clauses: &[super::parse::Clause<'_>],
    i: usize,
    main_numbers: &[(String, u32)],
) -> Option<(Vec<Target>, String)> {
    let clause = &clauses[i];
    if let Some(c) = applies().captures(clause.text) {
        let target = match c.get(1).map(|m| m.as_str()) {
            Some("前項") => (
                clause.at.article.clone(),
                clause.at.paragraph.map(|p| p.saturating_sub(1)),
            ),
            Some(_) => {
                // The article before this one.
                let prev = clauses[..i]
                    .iter()
                    .rev()
                    .map(|c| &c.at.article)
                    .find(|a| **a != clause.at.article)?;
                (prev.clone(), None)
            }
            None => (
                super::parse::article_label(&c[2], c.get(3).map_or("", |m| m.as_str())),
                c.get(4).and_then(|m| kanji_number(m.as_str())),
            ),
        };
        return Some((vec![target], c[0].chars().take(40).collect()));
    }
    let c = applies_range().captures(clause.text)?;
    // Where this article stands among the 本則's articles (前各条, 前2条 count them in order:
    // 前二条 of 第12条の10 are 第12条の8 and 第12条の9).
    let at = main_numbers
        .iter()
        .position(|(label, _)| *label == clause.at.article)?;
    let before = &main_numbers[..at];
    let targets: Vec<&(String, u32)> = if let (Some(a), Some(b)) = (c.get(1), c.get(2)) {
        let (from, to) = (kanji_number(a.as_str())?, kanji_number(b.as_str())?);
        main_numbers
            .iter()
            .filter(|(label, n)| (from..=to).contains(n) && *label != clause.at.article)
            .collect()
    } else if c.get(3).is_some() {
        before.iter().collect()
    } else {
        let n = kanji_number(c.get(4)?.as_str())? as usize;
        before[before.len().saturating_sub(n)..].iter().collect()
    };
    let targets = targets
        .into_iter()
        .map(|(label, _)| (label.clone(), None))
        .collect();
    Some((targets, c[0].chars().take(40).collect()))
}

pub fn scan(o: &Ordinance, rules: &Rules) -> Vec<Finding> {
    let penal: Vec<&str> = o
        .articles
        .iter()
        .filter(|a| {
            (rules.skip_amending_provisions && a.label.starts_with("附則("))
                || rules
                    .skip_article
                    .as_ref()
                    .is_some_and(|r| a.paragraphs.iter().any(|p| r.is_match(&p.text)))
        })
        .map(|a| a.label.as_str())
        .collect();
    let clauses = o.clauses();
    let mut out: Vec<Finding> = Vec::new();
    for clause in &clauses {
        if penal.contains(&clause.at.article.as_str())
            || rules
                .skip_clause
                .as_ref()
                .is_some_and(|r| r.is_match(clause.text))
        {
            continue;
        }
        let text = clause.text;
        let mut done: Vec<&str> = Vec::new();
        for r in &rules.rules {
            if done.contains(&r.category) {
                continue;
            }
            let Some(m) = r.pattern.find(text) else {
                continue;
            };
            if r.unless.as_ref().is_some_and(|u| u.is_match(text)) {
                continue;
            }
            done.push(r.category);
            out.push(Finding {
                file: o.file.clone(),
                title: o.title.clone(),
                article: clause.at.article.clone(),
                paragraph: clause.at.paragraph,
                item: clause.at.item.clone(),
                category: r.category,
                phrase: m.as_str().to_string(),
                reason: r.reason.clone(),
                confidence: r.confidence,
                line: clause.line,
            });
        }
    }
    // Applied clauses, followed through a chain (前条 that itself applies 第2条 …).
    let main_numbers: Vec<(String, u32)> = o
        .articles
        .iter()
        .filter_map(|a| main_number(&a.label).map(|n| (a.label.clone(), n)))
        .collect();
    for _ in 0..3 {
        let mut added = Vec::new();
        for (i, clause) in clauses.iter().enumerate() {
            if clause.at.item.is_some() || penal.contains(&clause.at.article.as_str()) {
                continue;
            }
            let Some((targets, applied)) = applied_targets(&clauses, i, &main_numbers) else {
                continue;
            };
            let sources: Vec<&Finding> = out
                .iter()
                .filter(|f| f.article != clause.at.article || f.paragraph != clause.at.paragraph)
                .filter(|f| {
                    targets.iter().any(|(article, paragraph)| {
                        f.article == *article
                            && (paragraph.is_none() || f.paragraph.or(Some(1)) == *paragraph)
                    })
                })
                .collect();
            for s in sources {
                let exists = out
                    .iter()
                    .chain(added.iter())
                    .any(|f: &Finding| f.at() == clause.at && f.category == s.category);
                if exists {
                    continue;
                }
                let named = format!(
                    "{}{}",
                    s.article,
                    s.paragraph.map(|p| format!("第{p}項")).unwrap_or_default()
                );
                added.push(Finding {
                    file: o.file.clone(),
                    title: o.title.clone(),
                    article: clause.at.article.clone(),
                    paragraph: clause.at.paragraph,
                    item: None,
                    category: s.category,
                    phrase: applied.clone(),
                    reason: format!("{named}(「{}」)を準用しています", s.phrase),
                    confidence: (s.confidence - 0.1).max(0.5),
                    line: clause.line,
                });
            }
        }
        if added.is_empty() {
            break;
        }
        out.extend(added);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ordinances::parse::parse;

    fn findings(text: &str) -> Vec<(String, Option<u32>, &'static str)> {
        let o = parse("t.txt", text).unwrap();
        scan(&o, Rules::bundled())
            .into_iter()
            .map(|f| (f.article, f.paragraph, f.category))
            .collect()
    }

    #[test]
    fn posting_is_found_and_followed_where_it_is_applied() {
        let f = findings(
            "○公告式条例\n条例第1号\n第2条 条例を公布しようとするときは、署名しなければならない。\n2 条例の公布は、役場前の掲示場に掲示してこれを行う。\n第3条 前条の規定は、規則にこれを準用する。\n第4条 規程を公表しようとするときは、記入しなければならない。\n2 第2条第2項の規定は、前項の規程にこれを準用する。\n",
        );
        assert_eq!(
            f,
            [
                ("第2条".into(), Some(2), "書面掲示"),
                ("第3条".into(), None, "書面掲示"),
                ("第4条".into(), Some(2), "書面掲示"),
            ]
        );
    }

    #[test]
    fn unrelated_senses_and_penalties_are_not_findings() {
        // 「掲示」 of an advertisement is what is regulated, not a posting the law requires;
        // 「書面により」 alone is not one of the categories; 罰則 repeat the duty.
        let f = findings(
            "○規則\n規則第1号\n第1条 広告物を掲示しようとする者は、許可を受けなければならない。\n第2条 申請は、書面により行わなければならない。\n第3条 次の各号のいずれかに該当する者は、十万円以下の罰金に処する。\n一 第5条の規定に違反して帳簿を備えなかつた者\n第4条 この規則において「監視員」とは、巡視を行う職員をいう。\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    /// The ways 例規 commonly word each category (one clause per category), and the ways that
    /// look alike and are not regulations.
    #[test]
    fn common_wordings_of_each_category() {
        let f = findings(
            "○試験条例\n条例第1号\n\
第1条 管理者は、施設を巡回し、その状況を監視しなければならない。\n\
第2条 町長は、必要があると認めるときは、職員に、当該施設に立ち入つて検査させることができる。\n\
第3条 町長は、当該職員に、当該土地に立ち入り、測量又は調査をさせることができる。\n\
第4条 設置者は、毎年1回以上、当該施設の点検を行わなければならない。\n\
第5条 許可を受けた者は、許可証を施設の見やすい箇所に標示しなければならない。\n\
第6条 調理に従事する者は、町長が行う研修を受けなければならない。\n\
第7条 事業者は、規則で定めるところにより、施設の管理人を置かなければならない。\n\
第8条 何人も、町長に対し、台帳を閲覧することができる。\n\
第9条 届出は、届出事項を記録した電磁的記録媒体を提出して行うことができる。\n\
第10条 前条の規定により立入検査をする職員は、その身分を示す証明書を携帯しなければならない。\n\
第11条 立入検査証の様式は、別記様式のとおりとする。\n\
第12条 研修の内容は、町長が別に定める。\n\
第13条 委員会は、必要に応じて現地調査を行うことができる。\n\
第14条 管理者は、年2回以上、貯水槽の清掃を行わなければならない。\n\
第15条 事業者は、施設に管理責任者を常時置かなければならない。\n\
第16条 常時勤務を要する職員の給与は、別に定める。\n",
        );
        let got: Vec<(&str, &str)> = f.iter().map(|(a, _, c)| (a.as_str(), *c)).collect();
        assert_eq!(
            got,
            [
                ("第1条", "目視"),
                ("第2条", "実地監査"),
                ("第3条", "実地監査"),
                ("第4条", "定期検査"),
                ("第5条", "書面掲示"),
                ("第6条", "対面講習"),
                ("第7条", "常駐専任"),
                ("第8条", "往訪閲覧"),
                ("第9条", "記録媒体"),
                ("第13条", "実地監査"),
                ("第14条", "定期検査"),
                ("第15条", "常駐専任"),
            ]
        );
    }

    #[test]
    fn ranges_of_articles_are_followed_where_applied() {
        let f = findings(
            "○公告式条例\n条例第1号\n第2条 条例の公布は、役場前の掲示場に掲示してこれを行う。\n第3条 規則は、町長が署名する。\n第4条 第2条から第3条までの規定は、規程に準用する。\n第5条 前各条の規定は、告示について準用する。\n第6条 前2条の規定は、訓令について準用する。\n第7条 この条例の施行に関し必要な事項は、規則で定める。\n",
        );
        let got: Vec<(&str, &str)> = f.iter().map(|(a, _, c)| (a.as_str(), *c)).collect();
        assert_eq!(
            got,
            [
                ("第2条", "書面掲示"),
                ("第4条", "書面掲示"),
                ("第5条", "書面掲示"),
                ("第6条", "書面掲示"),
            ]
        );
    }
}
