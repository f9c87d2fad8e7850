//! The search index: FAQ entries, procedures and life events as documents, searched by
//! character bigrams (and single characters, for one-character queries and kanji) of their
//! search keys with BM25 per field — a question weighs most, then its alternative phrasings,
//! the category and the answer. A query is tried as typed and as the synonym dictionary rewrites
//! it; a document scores its best reading. No dictionary download, no model: it builds from the
//! package registry alone and runs in a closed network.

use super::normalize::{key, query_key};
use super::synonyms::Synonyms;
use std::collections::{HashMap, HashSet};

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

const FIELDS: usize = 4;
/// question, keywords, category, answer.
const WEIGHTS: [f64; FIELDS] = [1.0, 0.9, 0.35, 0.3];
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// A single character counts this much of a pair (more for a one-character query).
const UNIGRAM: f64 = 0.25;
/// A reading the synonym dictionary made counts this much of the query as typed.
const REWRITTEN: f64 = 0.92;

#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    field: u8,
    tf: u16,
}

#[derive(Debug, Default)]
pub struct Index {
    docs: Vec<Doc>,
    postings: HashMap<String, Vec<Posting>>,
    /// Documents each gram is in.
    df: HashMap<String, u32>,
    lens: Vec<[u32; FIELDS]>,
    avg: [f64; FIELDS],
    /// The question's key and its alternative phrasings', for whole-phrase matches.
    phrases: Vec<Vec<String>>,
    /// Every field's key, for the check that a document answers the query at all.
    texts: Vec<String>,
    synonyms: Synonyms,
}

/// The bigrams and single characters of a key.
fn grams(k: &str) -> Vec<String> {
    let chars: Vec<char> = k.chars().collect();
    let mut out: Vec<String> = chars.iter().map(|c| c.to_string()).collect();
    out.extend(chars.windows(2).map(|w| w.iter().collect()));
    out
}

fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '々')
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
        let mut totals = [0f64; FIELDS];
        for (d, doc) in docs.iter().enumerate() {
            let texts: [String; FIELDS] = [
                key(&doc.question),
                key(&doc.keywords.join(" ")),
                key(&doc.category),
                key(&doc.answer),
            ];
            let mut len = [0u32; FIELDS];
            let mut seen: HashSet<String> = HashSet::new();
            for (f, t) in texts.iter().enumerate() {
                let mut tf: HashMap<String, u16> = HashMap::new();
                for g in grams(t) {
                    *tf.entry(g).or_default() += 1;
                }
                len[f] = t.chars().count() as u32;
                totals[f] += f64::from(len[f]);
                for (g, n) in tf {
                    ix.postings.entry(g.clone()).or_default().push(Posting {
                        doc: d as u32,
                        field: f as u8,
                        tf: n,
                    });
                    seen.insert(g);
                }
            }
            for g in seen {
                *ix.df.entry(g).or_default() += 1;
            }
            ix.lens.push(len);
            ix.texts.push(texts.join("\u{1}"));
            let mut phrases = vec![texts[0].clone()];
            phrases.extend(doc.keywords.iter().map(|k| key(k)));
            ix.phrases.push(phrases);
        }
        let n = docs.len().max(1) as f64;
        for (avg, total) in ix.avg.iter_mut().zip(totals) {
            *avg = (total / n).max(1.0);
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

    fn idf(&self, g: &str) -> f64 {
        let n = self.docs.len() as f64;
        let df = f64::from(*self.df.get(g).unwrap_or(&0));
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// Scores of every document for one reading of the query.
    fn score_reading(&self, k: &str, scores: &mut [f64]) {
        let short = k.chars().count() <= 2;
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
        let n = self.docs.len() as f64;
        // A longer query must share a pair of characters or a kanji with a document: one kana
        // in common (ヨ of ぴよぴよ) is not an answer.
        let mut matched = vec![short; scores.len()];
        for (g, qw) in tf_query {
            let Some(list) = self.postings.get(&g) else {
                continue;
            };
            let telling = is_pair(&g) || g.chars().next().is_some_and(is_kanji);
            let df = f64::from(*self.df.get(&g).unwrap_or(&0));
            // A single character in most documents says nothing and costs the most.
            if !is_pair(&g) && !short && df > n * 0.3 {
                continue;
            }
            let idf = self.idf(&g);
            for p in list {
                let f = p.field as usize;
                let tf = f64::from(p.tf);
                let len = f64::from(self.lens[p.doc as usize][f]);
                let norm = tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / self.avg[f]));
                scores[p.doc as usize] += qw * WEIGHTS[f] * idf * norm;
                matched[p.doc as usize] |= telling;
            }
        }
        for (s, m) in scores.iter_mut().zip(&matched) {
            if !m {
                *s = 0.0;
            }
        }
        // The whole query inside a question or phrasing, or a phrasing inside the query.
        if k.chars().count() >= 2 {
            for (d, phrases) in self.phrases.iter().enumerate() {
                if scores[d] <= 0.0 {
                    continue;
                }
                let whole = phrases
                    .iter()
                    .any(|p| p.contains(k) || (p.chars().count() >= 2 && k.contains(p.as_str())));
                if whole {
                    scores[d] *= 1.3;
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
        for first in self.synonyms.expand(&k) {
            if out.iter().any(|(r, _)| *r == first) {
                continue;
            }
            out.push((first.clone(), REWRITTEN));
            for second in self.synonyms.expand(&first) {
                if out.len() >= 48 {
                    break;
                }
                if !out.iter().any(|(r, _)| *r == second) {
                    out.push((second, REWRITTEN * REWRITTEN));
                }
            }
        }
        out.truncate(48);
        out
    }

    /// The best documents for a query (of one kind, if given), best first.
    pub fn search(&self, query: &str, kind: Option<Kind>, limit: usize) -> Vec<Hit> {
        let n = self.docs.len();
        if n == 0 || limit == 0 {
            return Vec::new();
        }
        // A resident's question longer than a page is cut: what matters is at its start.
        let query: String = query.chars().take(200).collect();
        let mut best = vec![0f64; n];
        let mut scores = vec![0f64; n];
        for (reading, weight) in self.readings(&query) {
            scores.iter_mut().for_each(|s| *s = 0.0);
            self.score_reading(&reading, &mut scores);
            for ((b, s), d) in best.iter_mut().zip(&scores).zip(&self.docs) {
                let s = s * weight * d.kind.prior();
                if s > *b {
                    *b = s;
                }
            }
        }
        let mut hits: Vec<Hit> = best
            .into_iter()
            .enumerate()
            .filter(|(d, s)| *s > 0.0 && kind.is_none_or(|k| self.docs[*d].kind == k))
            .map(|(doc, score)| Hit { doc, score })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        let words = super::relevance::words(&query, &self.synonyms);
        hits.into_iter()
            .filter(|h| super::relevance::answers(&self.texts[h.doc], &words))
            .take(limit)
            .collect()
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
