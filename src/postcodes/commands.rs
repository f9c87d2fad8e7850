//! `machi postcodes import FILE` and `machi postcodes lookup CODE`, for the IT person.

use crate::config::Config;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum PostcodesCommand {
    /// Load Japan Post's 郵便番号データ (utf_all.csv, utf_ken_all.csv or KEN_ALL.CSV, or the
    /// ZIP as downloaded) for the whole installation, replacing what was loaded; all or nothing.
    Import { file: PathBuf },
    /// Show the addresses of a postcode (and which file they came from).
    Lookup { code: String },
}

pub async fn run(cmd: PostcodesCommand, config: &Config) -> anyhow::Result<()> {
    let (_, shared) = crate::towns::commands::open_storage(config).await?;
    match cmd {
        PostcodesCommand::Import { file } => {
            let (bytes, name) = crate::receipts::commands::read_file(&file)?;
            let sha = crate::filetype::sha256_hex(&bytes);
            let rows = super::file::unzip(bytes)
                .and_then(|csv| super::file::parse(&csv))
                .map_err(|e| anyhow::anyhow!("{}: {e}。何も書き込んでいません", file.display()))?;
            super::store::replace(&shared, &rows, &name, &sha).await?;
            println!("郵便番号データを{}件取り込みました({name})", rows.len());
            Ok(())
        }
        PostcodesCommand::Lookup { code } => {
            let digits: String = code.chars().filter(char::is_ascii_digit).collect();
            let Some(last) = super::store::last_import(&shared).await? else {
                anyhow::bail!(
                    "郵便番号データがありません。machi postcodes import で取り込んでください"
                );
            };
            let found = super::store::lookup(&shared, &digits).await?;
            if found.is_empty() {
                println!("{code}: 見つかりません");
            }
            for a in found {
                println!("{}", a.full());
            }
            println!(
                "(データ: {}、{}件、{} に取り込み)",
                last.file_name, last.rows, last.imported_at
            );
            Ok(())
        }
    }
}
