//! e-Gov 法令標準XML (the schema e-Gov publishes laws in, v3; also inside the API's
//! `DataRoot/ApplData/LawFullText`) read into the same 例規 → 条 → 項 → 号 as a text page: the
//! same labels (第12条の4, 附則(…)第1条, 別表第1), the same width folding, so a law read from
//! its XML and from its text has the same clauses.

use super::numbers::fold;
use super::parse::{Article, Item, Ordinance, Paragraph};
use quick_xml::events::Event;

/// An element with its attributes and children, as far as the reader needs them.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Child>,
    /// The line the element starts on, for problems.
    line: usize,
}

#[derive(Debug)]
enum Child {
    Node(Node),
    Text(String),
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.children.iter().filter_map(|c| match c {
            Child::Node(n) => Some(n),
            Child::Text(_) => None,
        })
    }
    fn child(&self, name: &str) -> Option<&Node> {
        self.nodes().find(|n| n.name == name)
    }
    /// The text inside, ruby readings (Rt) and figures left out.
    fn text(&self) -> String {
        let mut s = String::new();
        self.text_into(&mut s);
        s
    }
    /// Columns spaced, table rows on their own lines.
    fn text_into(&self, out: &mut String) {
        for c in &self.children {
            match c {
                Child::Text(t) => out.push_str(t),
                Child::Node(n) if n.name == "Rt" || n.name == "Fig" => {}
                Child::Node(n) if n.name == "Column" || n.name == "TableColumn" => {
                    if !out.is_empty() && !out.ends_with(['\n', ' ']) {
                        out.push(' ');
                    }
                    n.text_into(out);
                }
                Child::Node(n) if n.name == "TableRow" => {
                    if !out.is_empty() && !out.ends_with('\n') {
                        out.push('\n');
                    }
                    n.text_into(out);
                }
                Child::Node(n) => n.text_into(out),
            }
        }
    }
}

fn tree(xml: &str) -> Result<Node, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node::default()];
    let line_of = |pos: u64| xml[..(pos as usize).min(xml.len())].matches('\n').count() + 1;
    let element = |e: &quick_xml::events::BytesStart, line: usize| -> Result<Node, String> {
        let mut attrs = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|e| format!("{line}行目: 属性を読めません: {e}"))?;
            attrs.push((
                a.key.as_ref().to_string(),
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|e| format!("{line}行目: 属性を読めません: {e}"))?
                    .into_owned(),
            ));
        }
        Ok(Node {
            name: e.local_name().as_ref().to_string(),
            attrs,
            children: Vec::new(),
            line,
        })
    };
    loop {
        let pos = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| format!("{}行目: XMLとして読めません: {e}", line_of(pos)))?;
        match event {
            Event::Start(e) => stack.push(element(&e, line_of(pos))?),
            Event::Empty(e) => {
                let n = element(&e, line_of(pos))?;
                if let Some(top) = stack.last_mut() {
                    top.children.push(Child::Node(n));
                }
            }
            Event::End(_) => {
                let n = stack.pop().filter(|_| !stack.is_empty()).ok_or_else(|| {
                    format!(
                        "{}行目: 閉じタグが開いていない要素を閉じています",
                        line_of(pos)
                    )
                })?;
                if let Some(top) = stack.last_mut() {
                    top.children.push(Child::Node(n));
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.children
                        .push(Child::Text(t.xml10_content().into_owned()));
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.children
                        .push(Child::Text(t.xml10_content().into_owned()));
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match r.xml10_content().as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                if let (Some(c), Some(top)) = (c, stack.last_mut()) {
                    top.children.push(Child::Text(c.to_string()));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err("XMLが途中で終わっています(閉じていない要素があります)".into());
    }
    Ok(stack.pop().unwrap_or_default())
}

/// Finds the `Law` element (the file's root, or inside the API's envelope).
fn find_law(n: &Node) -> Option<&Node> {
    if n.name == "Law" {
        return Some(n);
    }
    n.nodes().find_map(find_law)
}

/// 「（目的）」 → 目的
fn caption(n: Option<&Node>) -> String {
    let t = fold(n.map(Node::text).unwrap_or_default().trim());
    t.strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(&t)
        .to_string()
}

/// Num="12_4" → 第12条の4 (as the text layout labels it); None for a range of deleted articles
/// (Num="13:15").
fn article_label(num: &str) -> Option<String> {
    if num.contains(':') || num.is_empty() {
        return None;
    }
    let mut parts = num.split('_');
    let main = parts.next()?;
    let branches: String = parts.map(|p| format!("の{p}")).collect();
    Some(super::parse::article_label(main, &branches))
}

/// The sentences of a paragraph or item, with its columns spaced as the text layout prints them.
fn sentences(n: Option<&Node>) -> String {
    let mut s = String::new();
    if let Some(n) = n {
        n.text_into(&mut s);
    }
    fold(s.trim())
}

fn item_label(n: &Node) -> String {
    let t = fold(
        n.child("ItemTitle")
            .map(Node::text)
            .unwrap_or_default()
            .trim(),
    );
    let t = t
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(&t);
    if t.is_empty() {
        n.attr("Num").unwrap_or("").replace('_', "の")
    } else {
        t.to_string()
    }
}

/// イ, ロ … (Subitem1, and deeper) as the text layout keeps them: each on its own line in the item.
fn subitems(n: &Node, out: &mut String) {
    for s in n.nodes().filter(|s| {
        s.name.starts_with("Subitem") && !s.name.contains("Title") && !s.name.contains("Sentence")
    }) {
        let title = s
            .nodes()
            .find(|c| c.name.ends_with("Title"))
            .map(|c| fold(c.text().trim()))
            .unwrap_or_default();
        let text = sentences(s.nodes().find(|c| c.name.ends_with("Sentence")));
        out.push('\n');
        out.push_str(format!("{title} {text}").trim());
        subitems(s, out);
    }
}

fn paragraph(p: &Node) -> Paragraph {
    let mut text = sentences(p.child("ParagraphSentence"));
    // A table inside the paragraph continues its text.
    for t in p.nodes().filter(|c| c.name == "TableStruct") {
        text.push('\n');
        text.push_str(&fold(t.text().trim()));
    }
    let items = p
        .nodes()
        .filter(|c| c.name == "Item")
        .map(|i| {
            let mut text = sentences(i.child("ItemSentence"));
            // Lists and tables under an item continue it.
            for t in i
                .nodes()
                .filter(|c| c.name == "List" || c.name == "TableStruct")
            {
                text.push('\n');
                text.push_str(&fold(t.text().trim()));
            }
            subitems(i, &mut text);
            Item {
                label: item_label(i),
                text,
                line: i.line,
            }
        })
        .collect();
    Paragraph {
        number: p.attr("Num").and_then(|n| n.parse().ok()).unwrap_or(1),
        text,
        line: p.line,
        items,
    }
}

fn article(a: &Node, prefix: &str) -> Option<Article> {
    let label = article_label(a.attr("Num").unwrap_or(""))?;
    let paragraphs: Vec<Paragraph> = a
        .nodes()
        .filter(|c| c.name == "Paragraph")
        .map(paragraph)
        .collect();
    let deleted =
        paragraphs.len() == 1 && paragraphs[0].items.is_empty() && paragraphs[0].text == "削除";
    Some(Article {
        label: format!("{prefix}{label}"),
        caption: caption(a.child("ArticleCaption")),
        line: a.line,
        deleted,
        paragraphs: if deleted { Vec::new() } else { paragraphs },
    })
}

/// Articles wherever they are (章, 節, 款, 目 only group them).
fn articles(n: &Node, prefix: &str, out: &mut Vec<Article>) {
    for c in n.nodes() {
        match c.name.as_str() {
            "Article" => out.extend(article(c, prefix)),
            "Chapter" | "Section" | "Subsection" | "Division" | "Part" => articles(c, prefix, out),
            _ => {}
        }
    }
}

/// 「別表第一(第二条関係)」 → 別表第1
fn table_label(title: &str) -> String {
    super::parse::table_label(&fold(title.trim())).unwrap_or_else(|| "別表".to_string())
}

/// Reads a 法令標準XML text. Refused when it is not XML or has no `Law` with articles.
pub fn parse(file: &str, xml: &str) -> Result<Ordinance, String> {
    let root = tree(xml)?;
    let law = find_law(&root)
        .ok_or("法令標準XMLの Law 要素がありません(e-Gov の法令XMLではないようです)")?;
    let body = law
        .child("LawBody")
        .ok_or("LawBody 要素がありません(法令標準XMLの本文がありません)")?;
    let title = fold(
        body.child("LawTitle")
            .map(Node::text)
            .unwrap_or_default()
            .trim(),
    );
    if title.is_empty() {
        return Err("LawTitle(法令名)がありません".into());
    }
    let law_num = fold(
        law.child("LawNum")
            .map(Node::text)
            .unwrap_or_default()
            .trim(),
    );
    let number = super::parse::ordinance_number(&law_num).map_or(law_num.clone(), str::to_string);
    let era = match law.attr("Era").unwrap_or("") {
        "Meiji" => "明治",
        "Taisho" => "大正",
        "Showa" => "昭和",
        "Heisei" => "平成",
        "Reiwa" => "令和",
        _ => "",
    };
    let enacted = match (
        law.attr("Year").and_then(|y| y.parse::<u32>().ok()),
        law.attr("PromulgateMonth")
            .and_then(|m| m.parse::<u32>().ok()),
        law.attr("PromulgateDay")
            .and_then(|d| d.parse::<u32>().ok()),
    ) {
        (Some(y), Some(m), Some(d)) if !era.is_empty() => format!("{era}{y}年{m}月{d}日"),
        _ => String::new(),
    };
    let mut o = Ordinance {
        file: file.to_string(),
        title,
        number,
        enacted,
        ..Ordinance::default()
    };
    if let Some(main) = body.child("MainProvision") {
        articles(main, "", &mut o.articles);
        // A law of paragraphs only (no articles): each paragraph under 第1条's place.
        let loose: Vec<Paragraph> = main
            .nodes()
            .filter(|c| c.name == "Paragraph")
            .map(paragraph)
            .collect();
        if o.articles.is_empty() && !loose.is_empty() {
            o.problems
                .push("本則に条がありません(項だけの法令)。第1条として読みました".into());
            o.articles.push(Article {
                label: "第1条".into(),
                line: main.line,
                paragraphs: loose,
                ..Article::default()
            });
        }
    }
    for s in body.nodes().filter(|c| c.name == "SupplProvision") {
        let prefix = match s.attr("AmendLawNum") {
            Some(n) if !n.is_empty() => format!("附則({})", fold(n)),
            _ => "附則".to_string(),
        };
        let before = o.articles.len();
        articles(s, &prefix, &mut o.articles);
        if o.articles.len() == before {
            let paragraphs: Vec<Paragraph> = s
                .nodes()
                .filter(|c| c.name == "Paragraph")
                .map(paragraph)
                .collect();
            if !paragraphs.is_empty() {
                o.articles.push(Article {
                    label: prefix,
                    line: s.line,
                    paragraphs,
                    ..Article::default()
                });
            }
        }
    }
    for t in body.nodes().filter(|c| c.name == "AppdxTable") {
        let label = table_label(
            &t.child("AppdxTableTitle")
                .map(Node::text)
                .unwrap_or_default(),
        );
        let mut text = String::new();
        for c in t
            .nodes()
            .filter(|c| !c.name.ends_with("Title") && c.name != "RelatedArticleNum")
        {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&fold(c.text().trim()));
        }
        o.articles.push(Article {
            label,
            line: t.line,
            paragraphs: vec![Paragraph {
                number: 1,
                text,
                line: t.line,
                items: Vec::new(),
            }],
            ..Article::default()
        });
    }
    o.articles.retain(|a| a.deleted || !a.paragraphs.is_empty());
    if !o
        .articles
        .iter()
        .any(|a| !a.label.starts_with("附則") && !a.label.starts_with("別表"))
    {
        return Err("条文(Article)が見つかりません。法令の本文ではないようです".into());
    }
    Ok(o)
}

/// Whether a text is e-Gov 法令標準XML (and not an HTML page or another XML).
pub fn looks_like(text: &str) -> bool {
    let head: String = text.trim_start().chars().take(2000).collect();
    (head.starts_with("<?xml") || head.starts_with("<Law") || head.starts_with("<DataRoot"))
        && (head.contains("<Law ") || head.contains("<Law>") || head.contains("<DataRoot"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_as_the_text_layout_writes_them() {
        assert_eq!(super::article_label("12_4").as_deref(), Some("第12条の4"));
        assert_eq!(super::article_label("13:15"), None);
        assert_eq!(super::table_label("別表第一（第二条関係）"), "別表第1");
        assert_eq!(super::table_label("別表（第十三条関係）"), "別表");
    }

    #[test]
    fn broken_xml_names_the_line() {
        let e =
            super::parse("x.xml", "<?xml version=\"1.0\"?>\n<Law>\n<LawBody>\n</Law>").unwrap_err();
        assert!(e.contains("行目"), "{e}");
        let e = super::parse("x.xml", "<?xml version=\"1.0\"?><Other/>").unwrap_err();
        assert!(e.contains("Law 要素がありません"), "{e}");
    }

    #[test]
    fn the_api_envelope_ruby_subitems_deletions_and_tables() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<DataRoot><Result><Code>0</Code></Result><ApplData><LawFullText>
<Law Era="Reiwa" Year="3" Num="1" LawType="Ordinance">
<LawNum>令和三年条例第一号</LawNum>
<LawBody><LawTitle>試験条例</LawTitle>
<MainProvision>
<Article Num="1"><ArticleCaption>（趣旨）</ArticleCaption><ArticleTitle>第一条</ArticleTitle>
<Paragraph Num="1"><ParagraphNum/><ParagraphSentence><Sentence Num="1">町長は、<Ruby>掲<Rt>けい</Rt></Ruby>示場に掲示しなければならない。</Sentence><Sentence Num="2">ただし、A&amp;B&#12354;はこの限りでない。</Sentence></ParagraphSentence>
<Item Num="1"><ItemTitle>（１）</ItemTitle><ItemSentence><Column Num="1"><Sentence>浄化槽</Sentence></Column><Column Num="2"><Sentence>設備をいう。</Sentence></Column></ItemSentence>
<Subitem1 Num="1"><Subitem1Title>ア</Subitem1Title><Subitem1Sentence><Sentence>目視による点検</Sentence></Subitem1Sentence></Subitem1>
</Item></Paragraph></Article>
<Article Num="2"><ArticleTitle>第二条</ArticleTitle><Paragraph Num="1"><ParagraphNum/><ParagraphSentence><Sentence>削除</Sentence></ParagraphSentence></Paragraph></Article>
<Article Num="3:5"><ArticleTitle>第三条から第五条まで</ArticleTitle><Paragraph Num="1"><ParagraphNum/><ParagraphSentence><Sentence>削除</Sentence></ParagraphSentence></Paragraph></Article>
</MainProvision>
<SupplProvision><SupplProvisionLabel>附　則</SupplProvisionLabel><Paragraph Num="1"><ParagraphNum/><ParagraphSentence><Sentence>この条例は、公布の日から施行する。</Sentence></ParagraphSentence></Paragraph></SupplProvision>
<AppdxTable Num="1"><AppdxTableTitle>別表第一（第一条関係）</AppdxTableTitle><TableStruct><Table><TableRow><TableColumn><Sentence>掲示場</Sentence></TableColumn><TableColumn><Sentence>役場前</Sentence></TableColumn></TableRow><TableRow><TableColumn><Sentence>掲示場</Sentence></TableColumn><TableColumn><Sentence>支所前</Sentence></TableColumn></TableRow></Table></TableStruct></AppdxTable>
</LawBody></Law></LawFullText></ApplData></DataRoot>"#;
        assert!(super::looks_like(xml));
        let o = super::parse("api.xml", xml).unwrap();
        assert_eq!(
            (o.title.as_str(), o.number.as_str(), o.enacted.as_str()),
            ("試験条例", "条例第一号", "")
        );
        let labels: Vec<&str> = o.articles.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(labels, ["第1条", "第2条", "附則", "別表第1"]);
        let a = &o.articles[0];
        assert_eq!(a.caption, "趣旨");
        assert_eq!(
            a.paragraphs[0].text,
            "町長は、掲示場に掲示しなければならない。ただし、A&Bあはこの限りでない。"
        );
        assert_eq!(a.paragraphs[0].items[0].label, "1");
        assert_eq!(
            a.paragraphs[0].items[0].text,
            "浄化槽 設備をいう。\nア 目視による点検"
        );
        assert!(o.articles[1].deleted);
        assert_eq!(
            o.articles[3].paragraphs[0].text,
            "掲示場 役場前\n掲示場 支所前"
        );
    }
}
