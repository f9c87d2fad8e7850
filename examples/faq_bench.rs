//! FAQ search speed: the index over N entries (default 10,000) made from the evaluation FAQ's
//! 216 entries, each repeated under place names (so words repeat as in a real FAQ of that size),
//! with the bundled synonyms; then every evaluation query searched many times. Prints the time
//! to make the index (what an edit costs before it is found) and the per-query p50/p99/max.
//!
//!     cargo run --release --example faq_bench -- [entries] [--write faq-10000.jsonl]

use machi::faq::eval::{self, Query};
use machi::faq::index::Index;
use machi::faq::synonyms::Synonyms;
use std::time::{Duration, Instant};

const PLACES: [&str; 12] = [
    "東地区",
    "西地区",
    "南地区",
    "北地区",
    "中央地区",
    "山間地区",
    "海岸地区",
    "川沿い地区",
    "本庁管内",
    "第一支所管内",
    "第二支所管内",
    "第三支所管内",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let write = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).expect("the evaluation files");
    let base = eval::docs(eval::lines(&read("eval/faq/faq.jsonl")).expect("faq.jsonl"));
    let queries: Vec<Query> = eval::lines(&read("eval/faq/queries.jsonl")).expect("queries");
    let mut docs = Vec::with_capacity(n);
    let mut round = 0;
    while docs.len() < n {
        for d in &base {
            if docs.len() == n {
                break;
            }
            let mut d = d.clone();
            if round > 0 {
                let place = PLACES[round % PLACES.len()];
                d.id = format!("{}-{round}", d.id);
                d.question = format!("{place}の{}", d.question);
                d.answer = format!("{}({place}の方は、第{round}係へ)", d.answer);
            }
            docs.push(d);
        }
        round += 1;
    }
    if let Some(path) = write {
        let lines: Vec<String> = docs
            .iter()
            .map(|d| {
                serde_json::json!({
                    "id": d.id, "question": d.question, "answer": d.answer,
                    "category": d.category, "keywords": d.keywords,
                })
                .to_string()
            })
            .collect();
        std::fs::write(path, lines.join("\n") + "\n").expect("writing the FAQ");
        eprintln!("{} entries written to {path}", docs.len());
    }
    // The reading table is read once per process, on first use: timed apart from the index.
    let t = Instant::now();
    machi::faq::yomi::reading("住民票");
    let table = t.elapsed();
    let t = Instant::now();
    let index = Index::new(docs, Synonyms::bundled());
    let build = t.elapsed();
    for q in &queries {
        index.search(&q.query, None, 10);
    }
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..20 {
        for q in &queries {
            let t = Instant::now();
            let hits = index.search(&q.query, None, 10);
            times.push(t.elapsed());
            std::hint::black_box(hits);
        }
    }
    if std::env::var("SLOWEST").is_ok() {
        let mut per: Vec<(Duration, &str)> = queries
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let total: Duration = (0..20).map(|r| times[r * queries.len() + i]).sum();
                (total / 20, q.query.as_str())
            })
            .collect();
        per.sort();
        for (t, q) in per.iter().rev().take(8) {
            println!(
                "{:.2} ms  {q}  ({} readings)",
                t.as_secs_f64() * 1000.0,
                index.readings(q).len()
            );
        }
    }
    times.sort();
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "reading table read in {:.0} ms  entries {}  index made in {:.0} ms  queries {}  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        table.as_secs_f64() * 1000.0,
        index.len(),
        build.as_secs_f64() * 1000.0,
        times.len(),
        at(0.5).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0,
        times.last().expect("timed").as_secs_f64() * 1000.0
    );
}
