//! `machi faq eval QUERIES.jsonl --faq FAQ.jsonl`: the ranking measured on resident-style queries.

use super::eval;
use super::index::Index;
use super::synonyms::Synonyms;
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum FaqCommand {
    /// MRR and recall@1/5/10 per kind of query, and the queries whose answer was not first.
    Eval {
        /// JSON lines: {"query": …, "relevant": [ids], "kind": …}
        queries: PathBuf,
        /// The FAQ to search, as JSON lines (id, question, answer, category, keywords …).
        #[arg(long)]
        faq: PathBuf,
        /// Also list the queries whose answer was not first.
        #[arg(long)]
        misses: bool,
    },
}

pub fn run(cmd: FaqCommand) -> anyhow::Result<()> {
    match cmd {
        FaqCommand::Eval {
            queries,
            faq,
            misses,
        } => {
            let read = |p: &PathBuf| {
                std::fs::read_to_string(p).with_context(|| format!("{} を読めません", p.display()))
            };
            let entries =
                eval::lines(&read(&faq)?).map_err(|e| anyhow::anyhow!("{}: {e}", faq.display()))?;
            let queries: Vec<eval::Query> = eval::lines(&read(&queries)?)
                .map_err(|e| anyhow::anyhow!("{}: {e}", queries.display()))?;
            let index = Index::new(eval::docs(entries), Synonyms::bundled());
            let report = eval::evaluate(&index, &queries);
            print!("{}", report.table());
            if misses {
                for m in &report.misses {
                    println!(
                        "{}\t{}\t{}\t{}",
                        m.kind,
                        m.rank.map_or("-".into(), |r| r.to_string()),
                        m.query,
                        m.first
                    );
                }
            }
            Ok(())
        }
    }
}
