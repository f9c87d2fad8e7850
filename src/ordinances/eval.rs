//! How well the rules find what people found: hand labels (one JSON line per clause and
//! category: file, article, paragraph, item, category) against the findings, at clause level.
//! Only the labelled files count; a clause without a label is one that has no アナログ規制.

use super::parse::ClauseRef;
use super::rules::{CATEGORIES, Rules};
use super::scan::{Finding, scan};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Deserialize)]
struct Label {
    file: String,
    #[serde(default)]
    article: String,
    #[serde(default)]
    paragraph: Option<u32>,
    #[serde(default)]
    item: Option<String>,
    /// Missing or null: the file was read and has nothing (its clauses count as negatives).
    #[serde(default)]
    category: Option<String>,
}

type Key = (String, ClauseRef, String);

/// 第五条 / 第5条 / 第５条の２ → 第5条の2; (3) / ３ → 3.
fn normal_article(a: &str) -> String {
    let a = super::numbers::fold(a.trim());
    let Some(rest) = a.strip_prefix("附則") else {
        return article_digits(&a);
    };
    format!("附則{}", article_digits(rest))
}

fn article_digits(a: &str) -> String {
    let mut out = String::new();
    let mut number = String::new();
    for c in a.chars() {
        if c.is_ascii_digit() || "〇一二三四五六七八九十百千".contains(c) {
            number.push(c);
            continue;
        }
        if !number.is_empty() {
            match super::numbers::kanji_number(&number) {
                Some(n) => out.push_str(&n.to_string()),
                None => out.push_str(&number),
            }
            number.clear();
        }
        out.push(c);
    }
    if !number.is_empty() {
        out.push_str(&super::numbers::kanji_number(&number).map_or(number, |n| n.to_string()));
    }
    out
}

fn normal_item(i: &str) -> String {
    super::numbers::fold(i.trim())
        .trim_matches(|c| c == '(' || c == ')')
        .to_string()
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub labelled: usize,
    pub found: usize,
    pub right: usize,
}

impl Counts {
    pub fn recall(self) -> f64 {
        if self.labelled == 0 {
            1.0
        } else {
            self.right as f64 / self.labelled as f64
        }
    }
    pub fn precision(self) -> f64 {
        if self.found == 0 {
            1.0
        } else {
            self.right as f64 / self.found as f64
        }
    }
}

pub struct Report {
    pub overall: Counts,
    pub by_category: BTreeMap<&'static str, Counts>,
    /// Labelled but not found, and found but not labelled: (file, clause, category, text).
    pub missed: Vec<String>,
    pub wrong: Vec<String>,
    pub files: usize,
    pub clauses: usize,
    /// Files named by the labels that could not be read.
    pub unread: Vec<String>,
}

/// Reads the labels and the files they name (relative to the labels' folder), scans, compares.
pub fn evaluate(labels_path: &Path, rules: &Rules) -> Result<Report, String> {
    let text = std::fs::read_to_string(labels_path)
        .map_err(|e| format!("{}: 読めません: {e}", labels_path.display()))?;
    let dir = labels_path.parent().unwrap_or(Path::new("."));
    let mut labels: BTreeSet<Key> = BTreeSet::new();
    let mut files: BTreeSet<String> = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: Label =
            serde_json::from_str(line).map_err(|e| format!("{}行目: 読めません: {e}", i + 1))?;
        files.insert(l.file.clone());
        let Some(category) = l.category else {
            continue;
        };
        if !CATEGORIES.contains(&category.as_str()) {
            return Err(format!("{}行目: 類型「{category}」はありません", i + 1));
        }
        labels.insert((
            l.file,
            ClauseRef {
                article: normal_article(&l.article),
                paragraph: l.paragraph,
                item: l.item.as_deref().map(normal_item),
            },
            category,
        ));
    }
    let mut found: BTreeMap<Key, Finding> = BTreeMap::new();
    let mut unread = Vec::new();
    let mut clauses = 0;
    let mut texts: BTreeMap<(String, ClauseRef), String> = BTreeMap::new();
    for f in &files {
        let reads = super::input::read_paths(&[dir.join(f)]);
        for r in reads {
            match r {
                super::input::Read::Ok(o) => {
                    for c in o.clauses() {
                        texts.insert((f.clone(), c.at.clone()), c.text.chars().take(80).collect());
                    }
                    clauses += o.clauses().len();
                    for x in scan(&o, rules) {
                        found.insert((f.clone(), x.at(), x.category.to_string()), x);
                    }
                }
                super::input::Read::Refused { file, reason } => {
                    unread.push(format!("{file}: {reason}"))
                }
            }
        }
    }
    let mut report = Report {
        overall: Counts::default(),
        by_category: CATEGORIES.iter().map(|c| (*c, Counts::default())).collect(),
        missed: Vec::new(),
        wrong: Vec::new(),
        files: files.len(),
        clauses,
        unread,
    };
    let describe = |k: &Key| {
        let (f, at, c) = k;
        let text = texts
            .get(&(f.clone(), at.clone()))
            .cloned()
            .unwrap_or_default();
        format!(
            "{f} {}{}{} {c}: {text}",
            at.article,
            at.paragraph.map(|p| format!("第{p}項")).unwrap_or_default(),
            at.item
                .as_ref()
                .map(|i| format!("第{i}号"))
                .unwrap_or_default()
        )
    };
    for k in &labels {
        let cat = CATEGORIES
            .iter()
            .find(|c| **c == k.2)
            .copied()
            .unwrap_or("目視");
        let c = report.by_category.entry(cat).or_default();
        c.labelled += 1;
        report.overall.labelled += 1;
        if found.contains_key(k) {
            c.right += 1;
            report.overall.right += 1;
        } else {
            report.missed.push(describe(k));
        }
    }
    for k in found.keys() {
        let cat = CATEGORIES
            .iter()
            .find(|c| **c == k.2)
            .copied()
            .unwrap_or("目視");
        report.by_category.entry(cat).or_default().found += 1;
        report.overall.found += 1;
        if !labels.contains(k) {
            report.wrong.push(describe(k));
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_read_in_any_numbering() {
        assert_eq!(normal_article("第十二条の四"), "第12条の4");
        assert_eq!(normal_article("第１２条"), "第12条");
        assert_eq!(normal_article("附則第一条"), "附則第1条");
        assert_eq!(normal_item("（３）"), "3");
        assert_eq!(normal_item("三"), "三");
    }
}
