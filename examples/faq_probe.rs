//! Why a query ranks as it does: its readings (as typed, as the synonyms rewrite it) and the best
//! five documents with their scores.
//!
//!     cargo run --release --example faq_probe -- eval/faq/faq.jsonl "じゅうみんひょう" …

use machi::faq::{eval, index::Index, synonyms::Synonyms};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[1]).unwrap();
    let entries = eval::lines(&text).unwrap();
    let ix = Index::new(eval::docs(entries), Synonyms::bundled());
    for q in &args[2..] {
        println!("== {q}");
        for (r, w) in ix.readings(q) {
            println!("  reading {r} {w:.2}");
        }
        for h in ix.search(q, None, 5) {
            let d = &ix.docs()[h.doc];
            println!("  {:.3} {} {}", h.score, d.id, d.question);
        }
    }
}
