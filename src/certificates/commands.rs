//! `machi certificates import FILE`: the コンビニ交付 monthly statistics from a script, with
//! the staff page's checks, all-or-nothing write and audit.

use crate::app::AppState;
use crate::audit::Actor;
use crate::receipts::commands::{read_file, refuse};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum CertificatesCommand {
    /// Import the コンビニ交付 monthly statistics (年月, 証明書, 通数; or 年月 and a column per
    /// kind), all or nothing; a month and kind already recorded is refused.
    Import { file: PathBuf },
}

pub async fn run<F, Fut>(cmd: CertificatesCommand, town: F) -> anyhow::Result<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<AppState>>,
{
    match cmd {
        CertificatesCommand::Import { file } => {
            let (bytes, name) = read_file(&file)?;
            let town = town().await?;
            match super::import::apply(&town.db, &name, &bytes, &Actor::cli()).await {
                Ok(n) => {
                    println!("{n}件(月・種類)を取り込みました");
                    Ok(())
                }
                Err(errors) => Err(refuse(&file, &errors)),
            }
        }
    }
}
