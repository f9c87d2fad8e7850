//! The life-event guide's questions, asked again where a procedure depends on them: before the
//! mail address, the resident answers the same yes/no questions the guide asks (葬祭費: 国民健康
//! 保険に加入していましたか), already answered when they come from the guide. A "no" says the
//! procedure is not needed and points back to the guide instead of starting an application; the
//! answers go with the application so the 課 sees what the resident said.

use crate::procedures::cache::Snapshot;
use crate::procedures::model::{LifeEvent, Question};
use crate::procedures::routes::{QuestionView, question_views};
use crate::procedures::rule::{Answers, Applies, Rule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The questions a procedure depends on in one life event.
pub struct Eligibility {
    pub event_key: String,
    pub event_title: String,
    pub questions: Vec<Question>,
    rule: Rule,
}

/// The life event whose guide lists `procedure` under a condition: the one the resident came
/// from (`event`), else the first in the catalog. `None` when no guide asks anything about it.
pub fn for_procedure(snap: &Snapshot, procedure: &str, event: Option<&str>) -> Option<Eligibility> {
    let candidates: Vec<&LifeEvent> = snap
        .life_events
        .iter()
        .filter(|e| {
            e.steps
                .iter()
                .any(|s| s.procedure == procedure && !s.when.trim().is_empty())
        })
        .collect();
    let e = event
        .and_then(|k| candidates.iter().find(|e| e.key == k))
        .or(candidates.first())?;
    let keys = e.question_keys();
    // Listed twice under different conditions: either one makes it needed.
    let rule = e
        .steps
        .iter()
        .filter(|s| s.procedure == procedure)
        .filter_map(|s| Rule::parse(&s.when, &keys).ok())
        .reduce(|a, b| Rule::Or(Box::new(a), Box::new(b)))?;
    let asked = rule.questions();
    if asked.is_empty() {
        return None;
    }
    Some(Eligibility {
        event_key: e.key.clone(),
        event_title: e.title.clone(),
        questions: e
            .questions
            .iter()
            .filter(|q| asked.contains(&q.key.as_str()))
            .cloned()
            .collect(),
        rule,
    })
}

impl Eligibility {
    /// Answers from a form or a query: `q_<key>` = `yes` / `no` (else わからない).
    pub fn answers(&self, input: &BTreeMap<String, String>) -> Answers {
        self.questions
            .iter()
            .filter_map(
                |q| match input.get(&format!("q_{}", q.key)).map(String::as_str) {
                    Some("yes") => Some((q.key.clone(), true)),
                    Some("no") => Some((q.key.clone(), false)),
                    _ => None,
                },
            )
            .collect()
    }

    pub fn applies(&self, answers: &Answers) -> Applies {
        self.rule.applies(answers)
    }

    pub fn views(&self, answers: &Answers) -> Vec<QuestionView> {
        let only = LifeEvent {
            questions: self.questions.clone(),
            ..blank_event()
        };
        question_views(&only, answers)
    }

    /// The guide's page with these answers (to see what is needed instead).
    pub fn guide_path(&self, answers: &Answers) -> String {
        let mut q = vec![("asked".to_string(), "1".to_string())];
        for qu in &self.questions {
            if let Some(a) = answers.get(&qu.key) {
                q.push((
                    format!("q_{}", qu.key),
                    if *a { "yes" } else { "no" }.into(),
                ));
            }
        }
        format!(
            "/life-events/{}?{}",
            self.event_key,
            serde_urlencoded::to_string(&q).unwrap_or_default()
        )
    }

    /// What the application keeps: each question as it was asked, and the answer.
    pub fn record(&self, answers: &Answers) -> Checks {
        Checks {
            event: self.event_title.clone(),
            answers: self
                .questions
                .iter()
                .map(|q| Answered {
                    question: q.text.clone(),
                    answer: match answers.get(&q.key) {
                        Some(true) => "はい",
                        Some(false) => "いいえ",
                        None => "わからない",
                    }
                    .into(),
                })
                .collect(),
        }
    }
}

fn blank_event() -> LifeEvent {
    LifeEvent {
        key: String::new(),
        title: String::new(),
        short: String::new(),
        intro: String::new(),
        subject_label: String::new(),
        event_date_label: String::new(),
        previous_address_label: String::new(),
        questions: Vec::new(),
        steps: Vec::new(),
    }
}

/// The guide's questions as answered when the application was started (kept as JSON with it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Checks {
    pub event: String,
    pub answers: Vec<Answered>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answered {
    pub question: String,
    pub answer: String,
}

impl Checks {
    pub fn to_json(&self) -> String {
        if self.answers.is_empty() {
            return String::new();
        }
        serde_json::to_string(self).unwrap_or_default()
    }
    pub fn from_json(text: &str) -> Checks {
        serde_json::from_str(text).unwrap_or_default()
    }
}
