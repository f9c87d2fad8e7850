//! The search index: FAQ entries, procedures and life events as documents, searched by
//! character bigrams (and single characters, for one-character queries and kanji) of their
//! search keys with BM25 per field — a question weighs most, then its alternative phrasings,
//! the category and the answer. A query is tried as typed and as the synonym dictionary rewrites
//! it; a document scores its best reading. A document's question and phrasings are also
//! indexed as read aloud (`yomi`: 引っ越し → ヒッコシ), so kana finds kanji and okurigana
//! variants meet. No dictionary download, no model: it builds from the package registry alone
//! and runs in a closed network.

use super::normalize::{is_kanji, key, query_key};
use super::synonyms::Synonyms;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Faq,
    Procedure,
    LifeEvent,
}

impl Kind {
    /// How much an answer of this kind counts against an FAQ entry that scores the same: an
    /// entry written for the question beats the catalog entry that names its procedure.
    fn prior(self) -> f64 {
        match self {
            Kind::Faq => 1.0,
            Kind::Procedure => PROCEDURE_PRIOR,
            Kind::LifeEvent => LIFE_EVENT_PRIOR,
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "faq" => Some(Kind::Faq),
            "procedure" => Some(Kind::Procedure),
            "life_event" => Some(Kind::LifeEvent),
            _ => None,
        }
    }
}

/// What is searched: an answer of some kind.
#[derive(Debug, Clone)]
pub struct Doc {
    pub id: String,
    pub kind: Kind,
    pub question: String,
    /// Other ways to ask, keywords.
    pub keywords: Vec<String>,
    pub category: String,
    pub answer: String,
    pub url: String,
}

/// A found document, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub doc: usize,
    pub score: f64,
}

const PROCEDURE_PRIOR: f64 = 0.6;
const LIFE_EVENT_PRIOR: f64 = 0.7;

/// How many of the best documents are asked whether they answer the query at all.
const CHECKED: usize = 10;

/// A pair of characters in more than this share of the documents is not searched.
const COMMON_PAIR: f64 = 0.25;

/// A gram in this many documents or fewer is never too common to search.
const FEW: f64 = 3.0;

/// A run of three read characters in more than this share of the documents is not searched.
const COMMON_READ: f64 = 0.05;

/// From this many characters on, a query's single kana are not searched.
const LONG: usize = 5;

/// Readings of one query tried at most (as typed first, then the synonyms' rewritings).
const MAX_READINGS: usize = 16;

const FIELDS: usize = 5;
/// question, keywords, category, answer, and the question and keywords as read.
const WEIGHTS: [f64; FIELDS] = [1.0, 0.9, 0.35, 0.3, READ];
const READ_FIELD: usize = 4;
/// How much the question and keywords as read count: kana typed for kanji is a weaker sign
/// than the kanji themselves (homophones), but often the only one.
const READ: f64 = 0.8;
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// A single character counts this much of a pair (more for a one-character query).
const UNIGRAM: f64 = 0.25;
/// A reading the synonym dictionary made counts this much of the query as typed.
const REWRITTEN: f64 = 0.92;

/// A document holding a gram, with the gram's BM25 weight there (field weight × saturated,
/// length-normalised frequency), summed over its fields.
#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    weight: f32,
}

/// A gram: how rare it is and where it is.
#[derive(Debug, Default)]
struct Term {
    idf: f64,
    df: u32,
    postings: Vec<Posting>,
}

/// Per-search working space: scores of the documents a reading touched.
struct Scratch {
    scores: Vec<f64>,
    matched: Vec<bool>,
    seen: Vec<bool>,
    touched: Vec<u32>,
}

impl Scratch {
    fn new(n: usize) -> Scratch {
        Scratch {
            scores: vec![0.0; n],
            matched: vec![false; n],
            seen: vec![false; n],
            touched: Vec::new(),
        }
    }

    fn clear(&mut self) {
        for d in self.touched.drain(..) {
            let d = d as usize;
            self.scores[d] = 0.0;
            self.matched[d] = false;
            self.seen[d] = false;
        }
    }
}

#[derive(Debug, Default)]
pub struct Index {
    docs: Vec<Doc>,
    terms: HashMap<String, Term>,
    /// The question's key and its alternative phrasings', for whole-phrase matches.
    phrases: Vec<Vec<String>>,
    /// Every field's key, for the check that a document answers the query at all.
    texts: Vec<String>,
    synonyms: Synonyms,
}

/// Marks a gram of the documents' readings: their own terms, apart from the written pairs.
const READ_MARK: char = '\u{2}';

/// A run of three characters as a reading's term.
fn read_term(run: impl Iterator<Item = char>) -> String {
    std::iter::once(READ_MARK).chain(run).collect()
}

/// A text's key as read (`yomi`), and its three-character runs that hold a character read from
/// a kanji. Three, not two: two kana read alike far too often (カキ of 書き and of 雪かき).
fn read_grams(text: &str) -> (String, Vec<String>) {
    let chars: Vec<(char, bool)> = super::yomi::marked(text)
        .into_iter()
        .filter_map(|(c, read)| super::normalize::fold_char(c).map(|c| (c, read)))
        .collect();
    let grams = chars
        .windows(3)
        .filter(|w| w.iter().any(|(_, read)| *read))
        .map(|w| read_term(w.iter().map(|(c, _)| *c)))
        .collect();
    (chars.into_iter().map(|(c, _)| c).collect(), grams)
}

/// A query key's three-character runs, as the documents' readings are searched.
fn read_query_grams(k: &str) -> Vec<String> {
    let chars: Vec<char> = k.chars().collect();
    chars
        .windows(3)
        .map(|w| read_term(w.iter().copied()))
        .collect()
}

/// The bigrams and single characters of a key.
fn grams(k: &str) -> Vec<String> {
    let chars: Vec<char> = k.chars().collect();
    let mut out: Vec<String> = chars.iter().map(|c| c.to_string()).collect();
    out.extend(chars.windows(2).map(|w| w.iter().collect()));
    out
}

fn is_pair(g: &str) -> bool {
    g.chars().nth(1).is_some()
}

impl Index {
    pub fn new(docs: Vec<Doc>, synonyms: Synonyms) -> Index {
        let mut ix = Index {
            synonyms,
            ..Index::default()
        };
        // Keys and lengths first: BM25 needs each field's average length.
        let mut keyed: Vec<([String; FIELDS], Vec<String>)> = Vec::with_capacity(docs.len());
        let mut totals = [0f64; FIELDS];
        for doc in &docs {
            let phrasings = doc.keywords.join(" ");
            // As read: only runs that hold a kanji's reading are searched; the kana around them
            // are in the question already.
            let (read, read_grams) = read_grams(&format!("{} {phrasings}", doc.question));
            let texts: [String; FIELDS] = [
                key(&doc.question),
                key(&phrasings),
                key(&doc.category),
                key(&doc.answer),
                read,
            ];
            for (t, total) in texts.iter().zip(totals.iter_mut()) {
                *total += t.chars().count() as f64;
            }
            keyed.push((texts, read_grams));
        }
        let n = docs.len().max(1) as f64;
        let avg = totals.map(|t| (t / n).max(1.0));
        for (d, (texts, mut read_grams)) in keyed.into_iter().enumerate() {
            let mut weights: HashMap<String, f64> = HashMap::new();
            for (f, t) in texts.iter().enumerate() {
                let mut tf: HashMap<String, u16> = HashMap::new();
                let field_grams = if f == READ_FIELD {
                    std::mem::take(&mut read_grams)
                } else {
                    grams(t)
                };
                for g in field_grams {
                    *tf.entry(g).or_default() += 1;
                }
                let len = t.chars().count() as f64;
                for (g, n) in tf {
                    let tf = f64::from(n);
                    let norm = tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / avg[f]));
                    *weights.entry(g).or_default() += WEIGHTS[f] * norm;
                }
            }
            for (g, w) in weights {
                let term = ix.terms.entry(g).or_default();
                term.df += 1;
                term.postings.push(Posting {
                    doc: d as u32,
                    weight: w as f32,
                });
            }
            ix.texts.push(texts.join("\u{1}"));
            let doc = &docs[d];
            let mut phrases = vec![texts[0].clone()];
            phrases.extend(doc.keywords.iter().map(|k| key(k)));
            ix.phrases.push(phrases);
        }
        for term in ix.terms.values_mut() {
            let df = f64::from(term.df);
            term.idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        }
        ix.docs = docs;
        ix
    }

    pub fn docs(&self) -> &[Doc] {
        &self.docs
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Scores of the documents one reading of the query touches.
    fn score_reading(&self, k: &str, acc: &mut Scratch) {
        acc.clear();
        let short = k.chars().count() <= 2;
        let long = k.chars().count() >= LONG;
        let mut tf_query: HashMap<String, f64> = HashMap::new();
        for g in grams(k) {
            let w = if is_pair(&g) {
                1.0
            } else if short {
                0.8
            } else {
                UNIGRAM
            };
            *tf_query.entry(g).or_default() += w;
        }
        // Kana typed for kanji (じゅうみんひょう) meet the documents' readings.
        for g in read_query_grams(k) {
            *tf_query.entry(g).or_default() += 1.0;
        }
        let n = self.docs.len() as f64;
        // Whether a gram is in more than this share of the documents — never for a gram in
        // only a few: in a small FAQ (a town's first entries) every gram is in a large share.
        let common = |term: &Term, share: f64| f64::from(term.df) > (n * share).max(FEW);
        for (g, qw) in &tf_query {
            let Some(term) = self.terms.get(g) else {
                continue;
            };
            // A single character in most documents says nothing and costs the most; a single
            // kana of a longer query says little its pairs do not.
            if !is_pair(g)
                && !short
                && (common(term, 0.3) || (long && !g.chars().next().is_some_and(is_kanji)))
            {
                continue;
            }
            // A pair in a quarter of all documents (ください, します) is a stop word.
            if is_pair(g) && !short && common(term, COMMON_PAIR) {
                continue;
            }
            // A reading's run of three in many documents (ノテツ of …の手続き) is a phrase of
            // the questions' form, not a word: it says little and costs the most.
            if g.starts_with(READ_MARK) && common(term, COMMON_READ) {
                continue;
            }
            // A longer query must share a pair of characters or a kanji with a document: one
            // kana in common (ヨ of ぴよぴよ) is not an answer.
            let telling = short || is_pair(g) || g.chars().next().is_some_and(is_kanji);
            let factor = qw * term.idf;
            for p in &term.postings {
                let d = p.doc as usize;
                if !acc.seen[d] {
                    acc.seen[d] = true;
                    acc.touched.push(p.doc);
                }
                acc.scores[d] += factor * f64::from(p.weight);
                acc.matched[d] |= telling;
            }
        }
        let mut top = 0f64;
        for &d in &acc.touched {
            let d = d as usize;
            if !acc.matched[d] {
                acc.scores[d] = 0.0;
            }
            top = top.max(acc.scores[d]);
        }
        // The whole query inside a question or phrasing, or a phrasing inside the query: looked
        // for among the documents that could still come first.
        if k.chars().count() >= 2 {
            for &d in &acc.touched {
                let d = d as usize;
                if acc.scores[d] < top * 0.5 {
                    continue;
                }
                let whole = self.phrases[d]
                    .iter()
                    .any(|p| p.contains(k) || (p.chars().count() >= 2 && k.contains(p.as_str())));
                if whole {
                    acc.scores[d] *= 1.3;
                }
            }
        }
    }

    /// The readings of a query: as typed, and as the synonym dictionary rewrites it (twice at
    /// most, so 「マイナカードなくした」 also reads 「マイナンバーカード紛失」).
    pub fn readings(&self, query: &str) -> Vec<(String, f64)> {
        let k = query_key(query);
        if k.is_empty() {
            return Vec::new();
        }
        let mut out = vec![(k.clone(), 1.0)];
        // Said plainly (印鑑のカード → 印鑑カード), the query may hold a dictionary word it did
        // not as typed; the plain reading counts as the query itself.
        let plain = query_key(&super::normalize::plain(query));
        let mut firsts = self.synonyms.expand(&k);
        if !plain.is_empty() && plain != k {
            out.push((plain.clone(), 1.0));
            for v in self.synonyms.expand(&plain) {
                if !firsts.contains(&v) {
                    firsts.push(v);
                }
            }
        }
        // A kana word one kana off (じゅみんぜい) reads as the word it nearly is.
        for v in self.synonyms.mended(&k) {
            if !firsts.contains(&v) {
                firsts.push(v);
            }
        }
        // Breadth first: every word of the query gets its rewrites before any rewrite is
        // rewritten again, so a long dictionary cannot spend the budget on the first word alone.
        for first in &firsts {
            if !out.iter().any(|(r, _)| r == first) {
                out.push((first.clone(), REWRITTEN));
            }
        }
        for first in &firsts {
            if out.len() >= MAX_READINGS {
                break;
            }
            for second in self.synonyms.expand(first) {
                if out.len() >= MAX_READINGS {
                    break;
                }
                if !out.iter().any(|(r, _)| *r == second) {
                    out.push((second, REWRITTEN * REWRITTEN));
                }
            }
        }
        out.truncate(MAX_READINGS);
        out
    }

    /// The best documents for a query (of one kind, if given), best first.
    pub fn search(&self, query: &str, kind: Option<Kind>, limit: usize) -> Vec<Hit> {
        self.search_checked(query, kind, limit).0
    }

    /// The best documents, and whether any of the leaders holds what the query is about (when
    /// none does, they are only near: the question has no answer yet).
    pub fn search_checked(
        &self,
        query: &str,
        kind: Option<Kind>,
        limit: usize,
    ) -> (Vec<Hit>, bool) {
        let n = self.docs.len();
        if n == 0 || limit == 0 {
            return (Vec::new(), false);
        }
        // A resident's question longer than a page is cut: what matters is at its start.
        let query: String = query.chars().take(200).collect();
        let mut best = vec![0f64; n];
        let mut found: Vec<u32> = Vec::new();
        let mut acc = Scratch::new(n);
        let readings = self.readings(&query);
        // The first reading is the query as typed.
        let typed = readings.first().map_or(1, |(k, _)| k.chars().count()) as f64;
        for (reading, weight) in readings {
            self.score_reading(&reading, &mut acc);
            // A rewriting longer than what was typed shares more pairs with any document that
            // holds the longer word (マイナポータル → マイナンバーカードポータル): it counts no
            // more than the query would if it were found as typed.
            let longer = (typed / reading.chars().count().max(1) as f64).min(1.0);
            let weight = weight * longer;
            for &d in &acc.touched {
                let i = d as usize;
                let s = acc.scores[i] * weight * self.docs[i].kind.prior();
                if s > best[i] {
                    if best[i] == 0.0 {
                        found.push(d);
                    }
                    best[i] = s;
                }
            }
        }
        let mut hits: Vec<Hit> = found
            .into_iter()
            .map(|d| d as usize)
            .filter(|d| kind.is_none_or(|k| self.docs[*d].kind == k))
            .map(|doc| Hit {
                doc,
                score: best[doc],
            })
            .collect();
        let order = |a: &Hit, b: &Hit| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc));
        let words = super::relevance::words(&query, &self.synonyms);
        let answers = |h: &Hit| super::relevance::answers(&self.texts[h.doc], &words);
        // The leaders, in order; the rest are never shown.
        let first = (limit * 4).max(40);
        if hits.len() > first {
            hits.select_nth_unstable_by(first, order);
            hits.truncate(first);
        }
        hits.sort_by(order);
        // When none of the leaders holds what the query is about, they are only near (and the
        // question is listed for staff as unanswered). Otherwise those that hold it come first;
        // the others stay — a word a document lacks may be one the dictionary does not know.
        let holds: Vec<bool> = hits.iter().map(answers).collect();
        let answered = holds.iter().take(CHECKED).any(|h| *h);
        if answered {
            let mut tagged: Vec<(bool, Hit)> = holds.into_iter().zip(hits).collect();
            // Stable: each part keeps its order.
            tagged.sort_by_key(|(holds, _)| !*holds);
            hits = tagged.into_iter().map(|(_, h)| h).collect();
        }
        hits.truncate(limit);
        (hits, answered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, question: &str, answer: &str) -> Doc {
        Doc {
            id: id.into(),
            kind: Kind::Faq,
            question: question.into(),
            keywords: Vec::new(),
            category: String::new(),
            answer: answer.into(),
            url: String::new(),
        }
    }

    fn index() -> Index {
        Index::new(
            vec![
                doc(
                    "a",
                    "マイナンバーカードを紛失したときは",
                    "警察に届けてから再交付を申請します。",
                ),
                doc(
                    "b",
                    "住民票の写しを取りたい",
                    "窓口かコンビニ交付で取れます。",
                ),
                doc(
                    "c",
                    "ごみの収集日を知りたい",
                    "地区ごとのごみカレンダーをご覧ください。",
                ),
                doc("d", "犬を飼い始めたとき", "犬の登録をしてください。"),
                doc("e", "固定資産税の納付", "納付書で納めます。"),
            ],
            Synonyms::bundled(),
        )
    }

    fn top(ix: &Index, q: &str) -> String {
        ix.search(q, None, 3)
            .first()
            .map(|h| ix.docs()[h.doc].id.clone())
            .unwrap_or_default()
    }

    #[test]
    fn residents_words_find_the_entry() {
        let ix = index();
        assert_eq!(top(&ix, "マイナカードなくした"), "a");
        assert_eq!(top(&ix, "ｺﾞﾐの日いつ?"), "c");
        assert_eq!(top(&ix, "じゅうみんひょう ほしい"), "b");
        assert_eq!(top(&ix, "犬"), "d");
        assert_eq!(top(&ix, "税"), "e");
        assert_eq!(top(&ix, "マイナンバーカーヅ紛失"), "a", "one wrong kana");
    }

    #[test]
    fn kana_typed_for_kanji_the_dictionary_does_not_know_finds_it() {
        let ix = Index::new(
            vec![
                doc(
                    "a",
                    "償却資産の申告をしたい",
                    "1月末までに申告してください。",
                ),
                doc(
                    "b",
                    "消火器の処分方法",
                    "販売店に引き取りを頼んでください。",
                ),
                doc("c", "書き換えの手続き", "窓口で書き換えます。"),
            ],
            Synonyms::default(),
        );
        assert_eq!(top(&ix, "しょうきゃくしさん"), "a");
        assert_eq!(top(&ix, "しょうかき すてたい"), "b");
        assert!(
            ix.search("雪かき", None, 3).is_empty(),
            "two kana read alike (カキ of 書き) are not an answer"
        );
    }

    #[test]
    fn nothing_sensible_finds_nothing_and_kinds_filter() {
        let ix = index();
        assert!(ix.search("", None, 10).is_empty());
        assert!(ix.search("😀😀😀", None, 10).is_empty());
        assert!(ix.search(&"あ".repeat(2000), None, 10).len() <= 10);
        assert!(ix.search("ごみ", Some(Kind::Procedure), 10).is_empty());
        assert!(
            ix.search("ぴよぴよ", None, 10).is_empty(),
            "one kana in common"
        );
    }
}
