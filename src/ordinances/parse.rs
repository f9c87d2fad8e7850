//! A 例規 as it is published, read into 例規 → 条 → 項 → 号 with the numbers as printed.
//! Two layouts are read: e-Gov's (第十八条, ２, 一) and the 例規集's (第18条, 2, (1)), with
//! full-width or half-width digits, 枝番号 (第2条の2), 削除 articles, 附則 (with their own
//! articles or paragraphs) and 別表 (kept as text). HTML pages are read as their text.

use super::numbers::{fold, kanji_number};
use regex::Regex;
use std::sync::OnceLock;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ordinance {
    /// The input file's name.
    pub file: String,
    pub title: String,
    /// 条例第20号, 昭和五十八年法律第四十三号 …
    pub number: String,
    /// 昭和40年6月27日, as printed.
    pub enacted: String,
    pub articles: Vec<Article>,
    /// What could not be read, by line; the rest is still read.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Article {
    /// 第5条, 第2条の2, 附則第1条, 附則, 別表第1 …
    pub label: String,
    /// 見出し: (目的) …
    pub caption: String,
    pub line: usize,
    pub deleted: bool,
    pub paragraphs: Vec<Paragraph>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paragraph {
    /// 1 for the first (unnumbered) paragraph.
    pub number: u32,
    pub text: String,
    pub line: usize,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    /// 三, 一の二, 3 (the 例規集's (3)): as printed, without brackets.
    pub label: String,
    /// The item's text with its sub-items (イ, ロ …).
    pub text: String,
    pub line: usize,
}

/// A place in a 例規 findings and labels refer to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClauseRef {
    pub article: String,
    /// `None` when the article has one paragraph.
    pub paragraph: Option<u32>,
    pub item: Option<String>,
}

/// A clause to judge: a paragraph's own sentences, or one item.
pub struct Clause<'a> {
    pub at: ClauseRef,
    pub text: &'a str,
    pub line: usize,
}

impl Ordinance {
    /// SHA-256 of the text as read (title and clauses): the same 例規 gives the same digest in
    /// any encoding or layout.
    pub fn digest(&self) -> String {
        let mut s = self.title.clone();
        for c in self.clauses() {
            s.push('\n');
            s.push_str(&format!("{:?}", c.at));
            s.push('\t');
            s.push_str(c.text);
        }
        crate::filetype::sha256_hex(s.as_bytes())
    }

    pub fn clauses(&self) -> Vec<Clause<'_>> {
        let mut out = Vec::new();
        for a in &self.articles {
            let single = a.paragraphs.len() == 1;
            for p in &a.paragraphs {
                let paragraph = (!single).then_some(p.number);
                out.push(Clause {
                    at: ClauseRef {
                        article: a.label.clone(),
                        paragraph,
                        item: None,
                    },
                    text: &p.text,
                    line: p.line,
                });
                for i in &p.items {
                    out.push(Clause {
                        at: ClauseRef {
                            article: a.label.clone(),
                            paragraph,
                            item: Some(i.label.clone()),
                        },
                        text: &i.text,
                        line: i.line,
                    });
                }
            }
        }
        out
    }
}

struct Patterns {
    article: Regex,
    deleted_range: Regex,
    paragraph: Regex,
    item: Regex,
    sub_item: Regex,
    caption: Regex,
    division: Regex,
    number: Regex,
    date: Regex,
    supplementary: Regex,
    table: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let n = "[0-9一二三四五六七八九十百千]+";
        Patterns {
            article: Regex::new(&format!(r"^第({n})条((?:の{n})*)(?:\s+(.*))?$")).unwrap(),
            deleted_range: Regex::new(&format!(r"^第({n})条(?:の{n})*(?:から|―|-|～)第{n}条(?:の{n})*まで\s*削除")).unwrap(),
            paragraph: Regex::new(r"^([0-9]+)\s+(.+)$").unwrap(),
            item: Regex::new(&format!(r"^(?:\(({n}(?:の{n})*)\)|({n}(?:の{n})*))\s+(.+)$")).unwrap(),
            sub_item: Regex::new(r"^(?:\(?[アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ]\)?|[イロハニホヘトチリヌルヲワカヨタレソツネナラム])\s+").unwrap(),
            caption: Regex::new(r"^\(([^()]{1,60})\)$").unwrap(),
            division: Regex::new(&format!(r"^第{n}[編章節款目](?:の{n})*(?:\s|$)")).unwrap(),
            number: Regex::new(r"(?:条例|規則|法律|政令|省令|規程|告示|訓令)第[0-9一二三四五六七八九十百千]+号").unwrap(),
            date: Regex::new(r"^(?:明治|大正|昭和|平成|令和)[0-9一二三四五六七八九十元]+年[0-9一二三四五六七八九十]+月[0-9一二三四五六七八九十]+日").unwrap(),
            supplementary: Regex::new(r"^附\s*則(?:\s*(\(.*\)))?\s*(?:抄)?$").unwrap(),
            table: Regex::new(r"^別表(第?[0-9一二三四五六七八九十]*)").unwrap(),
        }
    })
}

/// 第十二条の四 → 第12条の4.
pub(super) fn article_label(main: &str, branches: &str) -> String {
    let mut out = format!("第{}条", kanji_number(main).unwrap_or(0));
    for b in branches.split('の').filter(|b| !b.is_empty()) {
        out.push_str(&format!("の{}", kanji_number(b).unwrap_or(0)));
    }
    out
}

/// The 例規番号 in a line (「(昭和五十八年法律第四十三号)」 → 法律第四十三号).
pub(super) fn ordinance_number(line: &str) -> Option<&str> {
    patterns().number.find(line).map(|m| m.as_str())
}

/// A 別表's heading as its label: 「別表第一(第二条関係)」 → 別表第1, 「別表(第3条関係)」 → 別表.
pub(super) fn table_label(line: &str) -> Option<String> {
    let c = patterns().table.captures(line)?;
    let n = c.get(1).map_or("", |m| m.as_str()).trim_start_matches('第');
    Some(match kanji_number(n) {
        Some(v) => format!("別表第{v}"),
        None => "別表".to_string(),
    })
}

/// Where the reader is.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Part {
    Head,
    Main,
    Supplementary,
    Table,
}

/// Some 例規集 pages put a 項 or 号 number in its own block, apart from its text (「2」 then the
/// sentence on the next line): the number is joined to the line after it, as a text layout
/// prints it. Line numbers stay where they were (the joined line becomes empty).
fn join_lone_numbers(text: &str) -> String {
    static LONE: OnceLock<Regex> = OnceLock::new();
    let lone = LONE.get_or_init(|| {
        Regex::new(
            r"^(?:[0-9０-９]+|[(（][0-9０-９一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+)$",
        )
        .unwrap()
    });
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let here = lines[i].trim();
        // The next line with something on it.
        let next = (i + 1..lines.len()).find(|j| !lines[*j].trim().is_empty());
        match next {
            Some(j) if lone.is_match(here) && !lone.is_match(lines[j].trim()) => {
                out.push(format!("{here} {}", lines[j].trim()));
                out.extend((i + 1..=j).map(|_| String::new()));
                i = j + 1;
            }
            _ => {
                out.push(lines[i].to_string());
                i += 1;
            }
        }
    }
    out.join("\n")
}

/// Reads a 例規's text (HTML already turned into text). Problems are listed, never fatal; a
/// text with no article at all is refused.
pub fn parse(file: &str, text: &str) -> Result<Ordinance, String> {
    let p = patterns();
    let mut o = Ordinance {
        file: file.to_string(),
        ..Ordinance::default()
    };
    let mut part = Part::Head;
    let mut caption = String::new();
    let mut supplement = String::new();
    let mut seen_article = false;
    let text = join_lone_numbers(text);
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        if raw.starts_with("# ") {
            continue;
        }
        let indented = raw.starts_with(['\u{3000}', ' ', '\t']);
        let line = fold(raw.trim());
        if line.is_empty() {
            continue;
        }
        let line = line.trim_start_matches('○').trim().to_string();
        if o.title.is_empty() {
            o.title = line;
            continue;
        }
        if o.number.is_empty()
            && !seen_article
            && let Some(m) = ordinance_number(&line)
        {
            o.number = m.to_string();
            if let Some(d) = p.date.find(&line) {
                o.enacted = d.as_str().to_string();
            }
            continue;
        }
        if o.enacted.is_empty() && !seen_article && p.date.is_match(&line) {
            o.enacted = line;
            continue;
        }
        // 附則 in the 目次 (before any article, or indented) is not the 附則.
        if let Some(c) = p.supplementary.captures(&line) {
            if seen_article && !(indented && part == Part::Main && o.articles.is_empty()) {
                part = Part::Supplementary;
                supplement = c.get(1).map_or(String::new(), |m| m.as_str().to_string());
                o.articles.push(Article {
                    label: format!("附則{supplement}"),
                    line: line_no,
                    ..Article::default()
                });
                caption.clear();
            }
            continue;
        }
        if seen_article && let Some(label) = table_label(&line) {
            part = Part::Table;
            o.articles.push(Article {
                label,
                line: line_no,
                paragraphs: vec![Paragraph {
                    number: 1,
                    line: line_no,
                    ..Paragraph::default()
                }],
                ..Article::default()
            });
            continue;
        }
        if part == Part::Table {
            if let Some(par) = o.articles.last_mut().and_then(|a| a.paragraphs.last_mut()) {
                if !par.text.is_empty() {
                    par.text.push('\n');
                }
                par.text.push_str(&line);
            }
            continue;
        }
        if p.division.is_match(&line) || line == "目次" {
            continue;
        }
        if let Some(c) = p.caption.captures(&line) {
            caption = c[1].to_string();
            continue;
        }
        if p.deleted_range.is_match(&line) {
            seen_article = true;
            continue;
        }
        if let Some(c) = p.article.captures(&line) {
            seen_article = true;
            if part == Part::Head {
                part = Part::Main;
            }
            let mut label = article_label(&c[1], c.get(2).map_or("", |m| m.as_str()));
            if part == Part::Supplementary {
                label = format!("附則{supplement}{label}");
                // The 附則 had articles: the empty heading entry goes.
                if o.articles.last().is_some_and(|a| {
                    a.paragraphs.is_empty()
                        && a.label.starts_with("附則")
                        && !a.label.contains('第')
                }) {
                    o.articles.pop();
                }
            }
            let body = c.get(3).map_or("", |m| m.as_str()).trim().to_string();
            let deleted = body == "削除";
            o.articles.push(Article {
                label,
                caption: std::mem::take(&mut caption),
                line: line_no,
                deleted,
                paragraphs: if deleted {
                    Vec::new()
                } else {
                    vec![Paragraph {
                        number: 1,
                        text: body,
                        line: line_no,
                        items: Vec::new(),
                    }]
                },
            });
            continue;
        }
        let Some(article) = o.articles.last_mut() else {
            // Before the first article: 前文, notes; not clauses.
            continue;
        };
        if let Some(c) = p
            .paragraph
            .captures(&line)
            .filter(|_| !indented || part == Part::Supplementary)
        {
            let n: u32 = c[1].parse().unwrap_or(0);
            let expected = article.paragraphs.last().map_or(1, |p| p.number + 1);
            if n != expected && !(article.paragraphs.is_empty() && n == 1) {
                o.problems.push(format!(
                    "{line_no}行目: {}の項番号が{}の次に{n}になっています",
                    article.label,
                    expected - 1
                ));
            }
            article.paragraphs.push(Paragraph {
                number: n,
                text: c[2].to_string(),
                line: line_no,
                items: Vec::new(),
            });
            continue;
        }
        if p.sub_item.is_match(&line)
            && let Some(item) = article
                .paragraphs
                .last_mut()
                .and_then(|p| p.items.last_mut())
        {
            item.text.push('\n');
            item.text.push_str(&line);
            continue;
        }
        if let Some(c) = p.item.captures(&line) {
            let label = c.get(1).or(c.get(2)).map_or("", |m| m.as_str()).to_string();
            if article.paragraphs.is_empty() {
                article.paragraphs.push(Paragraph {
                    number: 1,
                    line: line_no,
                    ..Paragraph::default()
                });
            }
            if let Some(par) = article.paragraphs.last_mut() {
                par.items.push(Item {
                    label,
                    text: c[3].to_string(),
                    line: line_no,
                });
            }
            continue;
        }
        // A paragraph of a 附則 without number, or a line that continues the last one.
        match article.paragraphs.last_mut() {
            Some(par) => match par.items.last_mut() {
                Some(item) => item.text.push_str(&line),
                None if par.text.is_empty() => par.text = line,
                None => par.text.push_str(&line),
            },
            None => article.paragraphs.push(Paragraph {
                number: 1,
                text: line,
                line: line_no,
                items: Vec::new(),
            }),
        }
    }
    // A 附則 heading with nothing under it says nothing.
    o.articles.retain(|a| a.deleted || !a.paragraphs.is_empty());
    if o.articles
        .iter()
        .all(|a| a.label.starts_with("附則") || a.label.starts_with("別表"))
    {
        return Err("条文(第1条、第一条 …)が見つかりません。例規の本文ではないようです".into());
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_egov_text_reads_into_articles_paragraphs_and_items() {
        let text = "浄化槽法\n（昭和五十八年法律第四十三号）\n\n目次\n　第一章　総則（第一条―第四条）\n　附則\n\n第一章　総則\n\n（目的）\n第一条　この法律は、目的とする。\n\n第二十九条　浄化槽工事業者は、営業所ごとに、浄化槽設備士を置かなければならない。\n２　前項の規定に抵触する営業所が生じたときは、必要な措置をとらなければならない。\n第十条　次に掲げる事項を定める。\n　一　登録の有効期間\n　一の二　公共浄化槽\n　二　登録の要件\n　　イ　罰金以上の刑に処せられた者\n第十二条の四　削除\n第十三条から第十五条まで　削除\n\n附　則\n\n第一条　この法律は、昭和六十年十月一日から施行する。\n";
        let o = parse("jokaso.txt", text).unwrap();
        assert_eq!(o.title, "浄化槽法");
        assert_eq!(o.number, "法律第四十三号");
        let labels: Vec<&str> = o.articles.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(
            labels,
            ["第1条", "第29条", "第10条", "第12条の4", "附則第1条"]
        );
        assert_eq!(o.articles[0].caption, "目的");
        assert_eq!(o.articles[1].paragraphs.len(), 2);
        let items: Vec<&str> = o.articles[2].paragraphs[0]
            .items
            .iter()
            .map(|i| i.label.as_str())
            .collect();
        assert_eq!(items, ["一", "一の二", "二"]);
        assert!(
            o.articles[2].paragraphs[0].items[2]
                .text
                .contains("イ 罰金")
        );
        assert!(o.articles[3].deleted);
        let c = o.clauses();
        assert_eq!(
            c[2].at,
            ClauseRef {
                article: "第29条".into(),
                paragraph: Some(2),
                item: None
            }
        );
        assert_eq!(c[5].at.item.as_deref(), Some("一の二"));
    }

    #[test]
    fn a_reiki_page_reads_with_its_own_numbers() {
        let text = "○牟岐町公告式条例\n昭和40年6月27日\n条例第20号\n(条例の公布)\n第2条 条例を公布しようとするときは、署名しなければならない。\n2 条例の公布は、別表の掲示場に掲示してこれを行う。\n第2条の2 次に掲げるもの\n(1) 実施機関 管理者をいう。\n(2) 行政文書 文書をいう。\n附則\n1 この条例は、公布の日から施行する。\n2 なお従前の例による。\n附則(昭和43年7月2日条例第12号)\nこの条例は、公布の日から施行する。\n別表(第2条関係)\n掲示場の位置\n1 牟岐町大字中村字本村7番地の4\n";
        let o = parse("mugi.txt", text).unwrap();
        assert_eq!(
            (o.title.as_str(), o.number.as_str(), o.enacted.as_str()),
            ("牟岐町公告式条例", "条例第20号", "昭和40年6月27日")
        );
        let labels: Vec<&str> = o.articles.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "第2条",
                "第2条の2",
                "附則",
                "附則(昭和43年7月2日条例第12号)",
                "別表"
            ]
        );
        assert_eq!(o.articles[0].caption, "条例の公布");
        assert_eq!(o.articles[1].paragraphs[0].items[1].label, "2");
        assert_eq!(o.articles[2].paragraphs.len(), 2);
        assert!(o.articles[4].paragraphs[0].text.contains("牟岐町大字中村"));
        assert!(o.problems.is_empty(), "{:?}", o.problems);
    }

    #[test]
    fn numbers_in_their_own_block_are_joined_to_their_text() {
        let text = "○試験条例\n条例第1号\n第1条\nこの条例は、目的とする。\n2\n\n条例の公布は、掲示場に掲示してこれを行う。\n(1)\n町長\n";
        let o = parse("t.txt", text).unwrap();
        let a = &o.articles[0];
        assert_eq!(a.paragraphs.len(), 2, "{a:?}");
        assert_eq!(
            a.paragraphs[1].text,
            "条例の公布は、掲示場に掲示してこれを行う。"
        );
        assert_eq!(a.paragraphs[1].items[0].label, "1");
        assert_eq!(a.paragraphs[1].line, 5);
    }

    #[test]
    fn a_text_without_articles_is_refused() {
        let e = parse("memo.txt", "会議のお知らせ\n12月5日 14時から\n").unwrap_err();
        assert!(e.contains("条文"));
    }
}
