//! `machi faq …`: import and export the town's FAQ (the same checks and audit as the staff
//! page), and measure the ranking on resident-style queries.

use super::eval;
use super::index::Index;
use super::synonyms::{self, Synonyms};
use crate::app::AppState;
use crate::audit::Actor;
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum FaqCommand {
    /// Add or update FAQ entries from a file (JSON lines, CSV or xlsx), all or nothing.
    Import { file: PathBuf },
    /// Write the town's FAQ as JSON lines to standard output (or CSV with --csv).
    Export {
        #[arg(long)]
        csv: bool,
    },
    /// MRR and recall@1/5/10 per kind of query, and the queries whose answer was not first.
    Eval {
        /// JSON lines: {"query": …, "relevant": [ids], "kind": …}
        queries: PathBuf,
        /// The FAQ to search, as JSON lines; without it, the town's own search (its published
        /// FAQ, procedures, life events and synonyms).
        #[arg(long)]
        faq: Option<PathBuf>,
        /// Also list the queries whose answer was not first.
        #[arg(long)]
        misses: bool,
        /// Synonym groups (the dictionary's file format) added to the bundled ones, as a town's
        /// own are: try a change to the dictionary before it is made. Only with --faq.
        #[arg(long, requires = "faq")]
        synonyms: Option<PathBuf>,
    },
}

fn read(p: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(p).with_context(|| format!("{} を読めません", p.display()))
}

pub async fn run<F, Fut>(cmd: FaqCommand, town: F) -> anyhow::Result<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<AppState>>,
{
    match cmd {
        FaqCommand::Import { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("{} を読めません", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let town = town().await?;
            match super::staff::import_file(&town, &name, &bytes, &Actor::cli()).await {
                Ok(d) => {
                    println!(
                        "取り込みました(追加 {}件、更新 {}件、変更なし {}件)",
                        d.added, d.updated, d.unchanged
                    );
                    Ok(())
                }
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{}: {e}", file.display());
                    }
                    anyhow::bail!("{}件の誤りがあります。何も書き込んでいません", errors.len())
                }
            }
        }
        FaqCommand::Export { csv } => {
            let town = town().await?;
            let entries: Vec<_> = super::store::all(&town.db)
                .await?
                .into_iter()
                .map(|s| s.entry)
                .collect();
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            if csv {
                out.write_all(&super::import::to_csv(&entries)?)?;
            } else {
                out.write_all(super::import::to_jsonl(&entries).as_bytes())?;
            }
            Ok(())
        }
        FaqCommand::Eval {
            queries,
            faq,
            misses,
            synonyms,
        } => {
            let queries: Vec<eval::Query> = eval::lines(&read(&queries)?)
                .map_err(|e| anyhow::anyhow!("{}: {e}", queries.display()))?;
            let report = match faq {
                Some(faq) => {
                    let entries = eval::lines(&read(&faq)?)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", faq.display()))?;
                    let mut groups = synonyms::parse(synonyms::BUNDLED)
                        .map_err(|e| anyhow::anyhow!("synonyms.txt: {e}"))?;
                    if let Some(extra) = synonyms {
                        groups.extend(
                            synonyms::parse(&read(&extra)?)
                                .map_err(|e| anyhow::anyhow!("{}: {e}", extra.display()))?,
                        );
                    }
                    let index = Index::new(eval::docs(entries), Synonyms::new(groups));
                    eval::evaluate(&index, &queries)
                }
                None => {
                    let town = town().await?;
                    let searcher = super::service::searcher(&town).await?;
                    eval::evaluate(&searcher.index, &queries)
                }
            };
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
