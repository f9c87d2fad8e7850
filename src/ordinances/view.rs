//! A 例規's clauses as the review page and the print show them: the text cut where the
//! candidates' phrases are (to mark them), each candidate with its comments and whether the
//! person looking may decide it.

use super::comments::{Comment, Event};
use super::review::{Direction, State};
use super::store::{ClauseView, FindingView};

/// A candidate as the pages show it.
pub struct FindingLine {
    pub f: FindingView,
    /// How many 候補 elsewhere share its wording and category.
    pub same: usize,
    pub may_decide: bool,
    pub comments: Vec<Comment>,
    pub history: Vec<Event>,
}

impl FindingLine {
    pub fn state_label(&self) -> &'static str {
        State::parse(&self.f.state).map_or("", State::label)
    }
    pub fn direction_label(&self) -> &'static str {
        Direction::parse(&self.f.direction).map_or("", Direction::label)
    }
}

/// A clause's text cut where its candidates' phrases are.
pub struct ClauseLine {
    pub c: ClauseView,
    pub parts: Vec<(String, bool)>,
    pub findings: Vec<FindingLine>,
}

impl ClauseLine {
    /// 第5条第2項第三号
    pub fn place(&self) -> String {
        super::rescan::place(&self.c.article, self.c.paragraph, &self.c.item)
    }
}

pub fn parts_of(text: &str, phrases: &[&str]) -> Vec<(String, bool)> {
    let mut cuts: Vec<(usize, usize)> = phrases
        .iter()
        .filter(|p| !p.is_empty())
        .filter_map(|p| text.find(*p).map(|i| (i, i + p.len())))
        .collect();
    cuts.sort();
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e) in cuts {
        if s < at {
            continue;
        }
        if s > at {
            out.push((text[at..s].to_string(), false));
        }
        out.push((text[s..e].to_string(), true));
        at = e;
    }
    if at < text.len() {
        out.push((text[at..].to_string(), false));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn phrases_are_cut_out_to_be_marked() {
        let p = super::parts_of(
            "条例の公布は、掲示場に掲示してこれを行う。",
            &["掲示場に掲示"],
        );
        assert_eq!(
            p,
            [
                ("条例の公布は、".to_string(), false),
                ("掲示場に掲示".to_string(), true),
                ("してこれを行う。".to_string(), false)
            ]
        );
    }
}
