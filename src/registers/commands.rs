//! `machi registers …`: check register files, declare one for a town, import rows from CSV —
//! the same checks and audit as the staff pages.

use super::definition::RegisterDef;
use super::{defs, store};
use crate::app::AppState;
use crate::audit::Actor;
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum RegistersCommand {
    /// Check register files (TOML) without writing: machi registers check ai_rpa.toml …
    Check { files: Vec<PathBuf> },
    /// Add a register to the town, or replace the file of the register with the same key.
    Define { file: PathBuf },
    /// Add rows from a CSV (header: the fields' labels or keys), all or nothing:
    /// machi registers import ai_rpa rows.csv
    Import { key: String, file: PathBuf },
    /// List the town's registers and how many rows each holds.
    List,
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{} を読めません", path.display()))
}

/// Checks files without a town; the other commands open it with `town`.
pub async fn run<F, Fut>(cmd: RegistersCommand, town: F) -> anyhow::Result<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<AppState>>,
{
    match cmd {
        RegistersCommand::Check { files } => {
            let mut failed = 0;
            for f in &files {
                match RegisterDef::parse(&read(f)?) {
                    Ok(d) => println!(
                        "{}: 問題ありません(台帳「{}」、項目 {}、KPIの出どころ {})",
                        f.display(),
                        d.title,
                        d.fields.len(),
                        if d.kpi.is_some() {
                            d.source_key()
                        } else {
                            "なし".into()
                        }
                    ),
                    Err(e) => {
                        failed += 1;
                        eprintln!("{}: {e}", f.display());
                    }
                }
            }
            anyhow::ensure!(failed == 0, "{failed}件のファイルに誤りがあります");
            Ok(())
        }
        RegistersCommand::Define { file } => {
            let source = read(&file)?;
            let def = RegisterDef::parse(&source)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let town = town().await?;
            let version = defs::load(&town.db, &def.key).await?.map(|d| d.version);
            defs::save(&town.db, &source, version, &Actor::cli()).await?;
            println!(
                "台帳「{}」を{}しました(KPIの出どころ: {})",
                def.title,
                if version.is_some() {
                    "置き換え"
                } else {
                    "追加"
                },
                def.source_key()
            );
            Ok(())
        }
        RegistersCommand::Import { key, file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("{} を読めません", file.display()))?;
            let town = town().await?;
            let def = defs::load(&town.db, &key)
                .await?
                .with_context(|| format!("台帳「{key}」はありません"))?
                .def;
            let n = store::import_csv(&town.db, &def, &bytes, &|_| true, &Actor::cli())
                .await
                .map_err(|e| anyhow::anyhow!("{}: 取り込みませんでした\n{e}", file.display()))?;
            println!(
                "{}: 台帳「{}」に{n}行を取り込みました",
                file.display(),
                def.title
            );
            Ok(())
        }
        RegistersCommand::List => {
            let town = town().await?;
            for d in defs::all(&town.db).await? {
                let n = store::rows(&town.db, &d.def).await?.len();
                println!(
                    "{}\t{}\t{n}行\t{}",
                    d.def.key,
                    d.def.title,
                    d.def.source_key()
                );
            }
            Ok(())
        }
    }
}
