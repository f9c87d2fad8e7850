//! An FAQ entry as staff keep it, checked where it comes in (the edit form, an import), and its
//! answer as residents read it (links made clickable, everything else escaped).

use serde::{Deserialize, Serialize};

/// Longest id, question, answer (characters).
const MAX_ID: usize = 100;
const MAX_QUESTION: usize = 500;
const MAX_ANSWER: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Entry {
    /// The town's own id (cert-01, 123): kept as the town wrote it.
    pub id: String,
    pub question: String,
    pub answer: String,
    pub category: String,
    /// Other ways residents ask, keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// 担当課 (its contact comes from the body's identity).
    #[serde(default)]
    pub department: String,
    /// A page with more (the town's site, a procedure).
    #[serde(default)]
    pub url: String,
    /// Related procedures (their catalog key) and pages (an address), one each.
    #[serde(default)]
    pub related: Vec<String>,
    #[serde(default = "yes")]
    pub published: bool,
    /// 次回見直し日 (YYYY-MM-DD), empty when not set.
    #[serde(default)]
    pub review_on: String,
    /// Fields an import brought that machi does not know, kept as they came.
    #[serde(default)]
    pub notes: serde_json::Map<String, serde_json::Value>,
}

fn yes() -> bool {
    true
}

/// An entry as stored, with its version.
#[derive(Debug, Clone)]
pub struct Stored {
    pub entry: Entry,
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
}

/// An id as the town wrote it: trimmed, without slashes or control characters.
pub fn check_id(id: &str) -> Result<String, String> {
    let id = id.trim();
    if id.is_empty() {
        return Err("番号(id)が空です".into());
    }
    if id.chars().count() > MAX_ID {
        return Err(format!("番号(id)は{MAX_ID}文字までです"));
    }
    // Addresses of the staff pages beside /staff/faq/{id}.
    if [
        "new",
        "import",
        "queries",
        "synonyms",
        "messages",
        "export.csv",
        "export.jsonl",
    ]
    .contains(&id)
    {
        return Err(format!(
            "番号(id)「{id}」は使えません(ほかの画面の名前です)"
        ));
    }
    if id.chars().any(|c| c == '/' || c == '\\' || c.is_control()) {
        return Err(format!(
            "番号(id)「{id}」に使えない文字(/ \\ や制御文字)があります"
        ));
    }
    Ok(id.to_string())
}

impl Entry {
    /// Trims every field and says what is wrong, by field name (id, question …).
    pub fn checked(mut self) -> Result<Entry, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        match check_id(&self.id) {
            Ok(id) => self.id = id,
            Err(e) => errors.push(("id", e)),
        }
        for (name, label, value, max) in [
            ("question", "質問", &mut self.question, MAX_QUESTION),
            ("answer", "回答", &mut self.answer, MAX_ANSWER),
            ("category", "分類", &mut self.category, 100),
            ("department", "担当課", &mut self.department, 100),
            ("url", "関連ページ", &mut self.url, 1000),
        ] {
            *value = value.trim().replace("\r\n", "\n");
            if value.is_empty() && matches!(name, "question" | "answer" | "category") {
                errors.push((name, format!("{label}が空です")));
            } else if value.chars().count() > max {
                errors.push((name, format!("{label}は{max}文字までです")));
            }
        }
        let linkable = self.url.is_empty()
            || self.url.starts_with('/')
            || self.url.starts_with("https://")
            || self.url.starts_with("http://");
        if !linkable {
            errors.push((
                "url",
                format!(
                    "関連ページ「{}」は https:// で始まるアドレスか / で始まるこのサイトのページです",
                    self.url
                ),
            ));
        }
        self.keywords = tidy(&self.keywords);
        self.related = tidy(&self.related);
        self.review_on = self.review_on.trim().to_string();
        if !self.review_on.is_empty() {
            match crate::fiscal::parse_date(&self.review_on) {
                Ok(d) => self.review_on = d.to_string(),
                Err(e) => errors.push(("review_on", format!("次回見直し日: {e}"))),
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    /// Whether the review day has come (an entry nobody looked at again).
    pub fn review_due(&self, today: time::Date) -> bool {
        crate::procedures::model::parse_day(&self.review_on).is_some_and(|d| d <= today)
    }
}

/// Words split from a list or a text (、 , ; and new lines), trimmed, without repeats.
pub fn words(text: &str) -> Vec<String> {
    tidy(
        &text
            .split([',', '、', ';', '；', '\n', '，'])
            .map(String::from)
            .collect::<Vec<_>>(),
    )
}

fn tidy(list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in list.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
        if !out.iter().any(|o| o == w) {
            out.push(w.to_string());
        }
    }
    out
}

/// An answer as HTML: escaped, line breaks kept, http(s) addresses made into links.
pub fn answer_html(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        let mut rest = line;
        while let Some(at) = rest.find("https://").or_else(|| rest.find("http://")) {
            out.push_str(&escape(&rest[..at]));
            let tail = &rest[at..];
            let end = tail
                .find(|c: char| c.is_whitespace() || "<>\"'「」()（）、。".contains(c))
                .unwrap_or(tail.len());
            let href = &tail[..end];
            out.push_str(&format!(
                r#"<a href="{0}">{0}</a>"#,
                escape(href).replace('"', "&quot;")
            ));
            rest = &tail[end..];
        }
        out.push_str(&escape(rest));
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            id: " a-1 ".into(),
            question: " 質問 ".into(),
            answer: "答え".into(),
            category: "分類".into(),
            keywords: vec!["x".into(), " x ".into(), "".into()],
            published: true,
            ..Entry::default()
        }
    }

    #[test]
    fn checking_trims_and_names_the_field() {
        let e = entry().checked().unwrap();
        assert_eq!((e.id.as_str(), e.question.as_str()), ("a-1", "質問"));
        assert_eq!(e.keywords, vec!["x"]);
        let bad = Entry {
            answer: "  ".into(),
            id: "a/b".into(),
            review_on: "そのうち".into(),
            url: "javascript:alert(1)".into(),
            ..entry()
        };
        let errors = bad.checked().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.0).collect();
        assert_eq!(fields, vec!["id", "answer", "url", "review_on"]);
        let e = Entry {
            review_on: "令和8年3月31日".into(),
            ..entry()
        };
        assert_eq!(e.checked().unwrap().review_on, "2026-03-31");
    }

    #[test]
    fn answers_link_addresses_and_escape_the_rest() {
        let html = answer_html("詳しくは https://example.jp/a?b=1&c=2 をご覧ください。\n<script>");
        assert_eq!(
            html,
            r#"詳しくは <a href="https://example.jp/a?b=1&amp;c=2">https://example.jp/a?b=1&amp;c=2</a> をご覧ください。<br>&lt;script&gt;"#
        );
    }

    #[test]
    fn words_split_on_japanese_commas() {
        assert_eq!(
            words("ごみ、 ゴミ,ごみ\n廃棄物"),
            vec!["ごみ", "ゴミ", "廃棄物"]
        );
    }
}
