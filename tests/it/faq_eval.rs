//! The FAQ ranking against the evaluation set in eval/faq/ (an FAQ of 216 municipal entries and
//! 126 queries written as residents ask: colloquial, paraphrase, typo, kana, short). A regression
//! check with floors a little under what the ranking reaches today, not a timing.

use machi::faq::eval::{self, Query};
use machi::faq::index::Index;
use machi::faq::synonyms::Synonyms;

fn read(name: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

#[test]
fn the_ranking_finds_residents_answers() {
    let docs = eval::docs(eval::lines(&read("eval/faq/faq.jsonl")).unwrap());
    let queries: Vec<Query> = eval::lines(&read("eval/faq/queries.jsonl")).unwrap();
    assert!(docs.len() >= 200 && queries.len() >= 100);
    let index = Index::new(docs, Synonyms::bundled());
    let report = eval::evaluate(&index, &queries);
    let table = report.table();
    assert!(report.overall.mrr() >= 0.85, "{table}");
    assert!(report.overall.recall(report.overall.at5) >= 0.95, "{table}");
    for (kind, s) in &report.by_kind {
        assert!(s.mrr() >= 0.70, "{kind}: {table}");
        assert!(s.recall(s.at10) >= 0.90, "{kind}: {table}");
    }
}
