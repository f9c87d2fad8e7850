//! How well the ranking finds the right answer for resident-style queries: MRR and recall@1/5/10,
//! per kind of query (colloquial, paraphrase, typo, kana, short …) and overall. Queries are JSON
//! lines `{"query": …, "relevant": [ids], "kind": …}`; `kind` is optional.

use super::index::{Doc, Index, Kind};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
pub struct Query {
    pub query: String,
    pub relevant: Vec<String>,
    #[serde(default)]
    pub kind: Option<String>,
}

/// An FAQ entry as a JSON line: at least id, question, answer, category.
#[derive(Debug, Deserialize)]
pub struct Entry {
    pub id: serde_json::Value,
    pub question: String,
    pub answer: String,
    pub category: String,
    #[serde(default)]
    pub keywords: Keywords,
    #[serde(default)]
    pub url: String,
}

/// Keywords as a list or as one text separated by 、 , or spaces.
#[derive(Debug, Deserialize, Default)]
#[serde(untagged)]
pub enum Keywords {
    #[default]
    None,
    List(Vec<String>),
    Text(String),
}

impl Keywords {
    pub fn words(&self) -> Vec<String> {
        match self {
            Keywords::None => Vec::new(),
            Keywords::List(l) => l.clone(),
            Keywords::Text(t) => t
                .split([',', '、', ' ', '　', ';'])
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(String::from)
                .collect(),
        }
    }
}

fn id_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Reads JSON lines, naming the line of a fault.
pub fn lines<T: for<'de> Deserialize<'de>>(text: &str) -> Result<Vec<T>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l.trim_start_matches('\u{feff}'))
                .map_err(|e| format!("{}行目: {e}", i + 1))
        })
        .collect()
}

/// FAQ entries as documents.
pub fn docs(entries: Vec<Entry>) -> Vec<Doc> {
    entries
        .into_iter()
        .map(|e| Doc {
            id: id_text(&e.id),
            kind: Kind::Faq,
            keywords: e.keywords.words(),
            question: e.question,
            category: e.category,
            answer: e.answer,
            url: e.url,
        })
        .collect()
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Scores {
    pub queries: usize,
    pub reciprocal: f64,
    pub at1: usize,
    pub at5: usize,
    pub at10: usize,
}

impl Scores {
    pub fn mrr(&self) -> f64 {
        self.reciprocal / self.queries.max(1) as f64
    }
    pub fn recall(&self, hits: usize) -> f64 {
        hits as f64 / self.queries.max(1) as f64
    }
    fn add(&mut self, rank: Option<usize>) {
        self.queries += 1;
        if let Some(r) = rank {
            self.reciprocal += 1.0 / r as f64;
            self.at1 += usize::from(r <= 1);
            self.at5 += usize::from(r <= 5);
            self.at10 += usize::from(r <= 10);
        }
    }
}

/// A query whose relevant answer was not first: what came first instead.
#[derive(Debug)]
pub struct Miss {
    pub query: String,
    pub kind: String,
    pub rank: Option<usize>,
    pub first: String,
}

pub struct Report {
    pub overall: Scores,
    pub by_kind: BTreeMap<String, Scores>,
    pub misses: Vec<Miss>,
}

pub fn evaluate(index: &Index, queries: &[Query]) -> Report {
    let mut overall = Scores::default();
    let mut by_kind: BTreeMap<String, Scores> = BTreeMap::new();
    let mut misses = Vec::new();
    for q in queries {
        let hits = index.search(&q.query, None, 100);
        let rank = hits
            .iter()
            .position(|h| q.relevant.contains(&index.docs()[h.doc].id))
            .map(|p| p + 1);
        let kind = q.kind.clone().unwrap_or_else(|| "(なし)".into());
        overall.add(rank);
        by_kind.entry(kind.clone()).or_default().add(rank);
        if rank != Some(1) {
            misses.push(Miss {
                query: q.query.clone(),
                kind,
                rank,
                first: hits
                    .first()
                    .map(|h| {
                        let d = &index.docs()[h.doc];
                        format!("{} {}", d.id, d.question)
                    })
                    .unwrap_or_default(),
            });
        }
    }
    Report {
        overall,
        by_kind,
        misses,
    }
}

impl Report {
    /// The table `machi faq eval` prints.
    pub fn table(&self) -> String {
        let mut out = String::from("kind\tqueries\tMRR\trecall@1\trecall@5\trecall@10\n");
        let line = |name: &str, s: &Scores| {
            format!(
                "{name}\t{}\t{:.3}\t{:.3}\t{:.3}\t{:.3}\n",
                s.queries,
                s.mrr(),
                s.recall(s.at1),
                s.recall(s.at5),
                s.recall(s.at10)
            )
        };
        for (k, s) in &self.by_kind {
            out.push_str(&line(k, s));
        }
        out.push_str(&line("all", &self.overall));
        out
    }
}
