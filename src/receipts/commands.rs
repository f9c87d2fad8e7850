//! `machi receipts import --kind KIND FILE`: the files of the ledger page from a script (a
//! nightly job that picks up the terminal's or the agent's file), with the same checks, the
//! same all-or-nothing write and the same audit.

use super::import::{self, Kind};
use crate::app::AppState;
use crate::audit::Actor;
use anyhow::Context;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum ReceiptsCommand {
    /// Import a file, all or nothing: --kind terminal (決済端末の日次データ), convenience_store
    /// (コンビニ収納データ) or el_qr (eL-QR 納付情報). Rows already recorded are not counted twice.
    Import {
        #[arg(long)]
        kind: String,
        file: PathBuf,
    },
}

/// The file's bytes and its name as the import records it.
pub fn read_file(file: &Path) -> anyhow::Result<(Vec<u8>, String)> {
    let bytes = std::fs::read(file).with_context(|| format!("{} を読めません", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok((bytes, name))
}

/// Prints every fault with the file's name and fails.
pub fn refuse(file: &Path, errors: &[String]) -> anyhow::Error {
    for e in errors {
        eprintln!("{}: {e}", file.display());
    }
    anyhow::anyhow!("{}件の誤りがあります。何も書き込んでいません", errors.len())
}

pub async fn run<F, Fut>(cmd: ReceiptsCommand, town: F) -> anyhow::Result<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<AppState>>,
{
    match cmd {
        ReceiptsCommand::Import { kind, file } => {
            let kind = Kind::parse(&kind)
                .map_err(|e| anyhow::anyhow!("{e}(terminal、convenience_store、el_qr のどれか)"))?;
            let (bytes, name) = read_file(&file)?;
            let town = town().await?;
            let started = std::time::Instant::now();
            match import::apply(&town.db, kind, &name, &bytes, &Actor::cli()).await {
                Ok(d) => {
                    println!(
                        "取り込みました: 追加 {}件、窓口の記録と照合(消込) {}件、記録済み {}件、取消 {}件({:.2}秒)",
                        d.added,
                        d.matched,
                        d.known,
                        d.cancelled,
                        started.elapsed().as_secs_f64()
                    );
                    Ok(())
                }
                Err(errors) => Err(refuse(&file, &errors)),
            }
        }
    }
}
