//! The life-event guide's rules: when a procedure applies, written over the guide's yes/no
//! questions, e.g. `kokuho or kouki`, `dai1go and not nenkin`. Rules are data that staff edit, so
//! they are parsed with errors a person can act on, and evaluated with three values: an
//! unanswered question (わからない) may make a procedure "possibly needed".

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    Always,
    Question(String),
    Not(Box<Rule>),
    And(Box<Rule>, Box<Rule>),
    Or(Box<Rule>, Box<Rule>),
}

/// An answer to a yes/no question; a missing answer means わからない.
pub type Answers = HashMap<String, bool>;

/// Whether a procedure applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    Yes,
    No,
    /// Depends on a question left unanswered.
    Maybe,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("条件「{rule}」: {message}")]
pub struct RuleError {
    pub rule: String,
    pub message: String,
}

fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c == '(' || c == ')' || c.is_whitespace() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

struct Parser<'a> {
    tokens: Vec<String>,
    at: usize,
    known: &'a [&'a str],
    text: &'a str,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> RuleError {
        RuleError {
            rule: self.text.to_string(),
            message: message.into(),
        }
    }
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }
    fn or(&mut self) -> Result<Rule, RuleError> {
        let mut left = self.and()?;
        while self.peek() == Some("or") {
            self.at += 1;
            left = Rule::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Rule, RuleError> {
        let mut left = self.not()?;
        while self.peek() == Some("and") {
            self.at += 1;
            left = Rule::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }
    fn not(&mut self) -> Result<Rule, RuleError> {
        if self.peek() == Some("not") {
            self.at += 1;
            return Ok(Rule::Not(Box::new(self.not()?)));
        }
        self.atom()
    }
    fn atom(&mut self) -> Result<Rule, RuleError> {
        let Some(t) = self.peek().map(str::to_string) else {
            return Err(self.error("式が途中で終わっています"));
        };
        self.at += 1;
        match t.as_str() {
            "(" => {
                let inner = self.or()?;
                if self.peek() != Some(")") {
                    return Err(self.error("「(」に対応する「)」がありません"));
                }
                self.at += 1;
                Ok(inner)
            }
            ")" | "and" | "or" => Err(self.error(format!("「{t}」の前に質問のキーが必要です"))),
            key => {
                if !self.known.contains(&key) {
                    return Err(self.error(format!(
                        "質問のキー「{key}」がありません(このライフイベントの質問: {})",
                        self.known.join(", ")
                    )));
                }
                Ok(Rule::Question(key.to_string()))
            }
        }
    }
}

impl Rule {
    /// Parses a rule; `known` are the question keys of the life event. Empty text = always.
    pub fn parse(text: &str, known: &[&str]) -> Result<Rule, RuleError> {
        let tokens = tokens(text);
        if tokens.is_empty() {
            return Ok(Rule::Always);
        }
        let mut p = Parser {
            tokens,
            at: 0,
            known,
            text,
        };
        let rule = p.or()?;
        if let Some(rest) = p.peek() {
            return Err(p.error(format!(
                "「{rest}」の前に and か or が必要です(使えるのは and, or, not, 括弧と質問のキーです)"
            )));
        }
        Ok(rule)
    }

    /// Three-valued: Some(true/false) when decided, None when it depends on an unanswered question.
    fn value(&self, answers: &Answers) -> Option<bool> {
        match self {
            Rule::Always => Some(true),
            Rule::Question(k) => answers.get(k).copied(),
            Rule::Not(r) => r.value(answers).map(|v| !v),
            Rule::And(a, b) => match (a.value(answers), b.value(answers)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            Rule::Or(a, b) => match (a.value(answers), b.value(answers)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
        }
    }

    /// The question keys the rule asks about, in order of first use.
    pub fn questions(&self) -> Vec<&str> {
        fn walk<'a>(r: &'a Rule, out: &mut Vec<&'a str>) {
            match r {
                Rule::Always => {}
                Rule::Question(k) => {
                    if !out.contains(&k.as_str()) {
                        out.push(k);
                    }
                }
                Rule::Not(a) => walk(a, out),
                Rule::And(a, b) | Rule::Or(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    pub fn applies(&self, answers: &Answers) -> Applies {
        match self.value(answers) {
            Some(true) => Applies::Yes,
            Some(false) => Applies::No,
            None => Applies::Maybe,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: [&str; 3] = ["kokuho", "kouki", "nenkin"];

    fn answers(pairs: &[(&str, bool)]) -> Answers {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn precedence_and_three_values() {
        let r = Rule::parse("kokuho or kouki and not nenkin", &KEYS).unwrap();
        assert_eq!(r.questions(), ["kokuho", "kouki", "nenkin"]);
        // and binds tighter than or
        assert_eq!(r.applies(&answers(&[("kokuho", true)])), Applies::Yes);
        assert_eq!(
            r.applies(&answers(&[
                ("kokuho", false),
                ("kouki", true),
                ("nenkin", true)
            ])),
            Applies::No
        );
        assert_eq!(
            r.applies(&answers(&[("kokuho", false), ("kouki", true)])),
            Applies::Maybe
        );
        let r = Rule::parse("(kokuho or kouki) and not nenkin", &KEYS).unwrap();
        assert_eq!(
            r.applies(&answers(&[("kokuho", true), ("nenkin", true)])),
            Applies::No
        );
        assert_eq!(Rule::parse("  ", &KEYS).unwrap(), Rule::Always);
    }

    #[test]
    fn errors_name_the_problem() {
        let e = Rule::parse("kokuho or kaigo", &KEYS).unwrap_err();
        assert!(e.message.contains("「kaigo」がありません"), "{e}");
        assert!(
            Rule::parse("(kokuho", &KEYS)
                .unwrap_err()
                .message
                .contains("「)」")
        );
        assert!(
            Rule::parse("kokuho kouki", &KEYS)
                .unwrap_err()
                .message
                .contains("and か or")
        );
        assert!(
            Rule::parse("kokuho and", &KEYS)
                .unwrap_err()
                .message
                .contains("途中")
        );
    }
}
