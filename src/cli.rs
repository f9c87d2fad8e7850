//! The command line: `machi [serve]`, `machi plan …`, `machi kpi …`.

use crate::app::{AppState, Application};
use crate::config::Config;
use crate::plan::commands;
use crate::towns::commands as towns;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "machi", version, about = "自治体DX推進計画の進行管理 (machi)")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(flatten)]
    pub listen: crate::config::Listen,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve(crate::config::Listen),
    /// The towns (自治体) this machi serves.
    #[command(subcommand)]
    Town(TownCommand),
    /// Load, check or write out a plan file.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Record KPI actuals.
    #[command(subcommand)]
    Kpi(KpiCommand),
    /// Staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Open data: check files against 自治体標準オープンデータセット or a Table Schema.
    #[command(subcommand)]
    Opendata(OpendataCommand),
    /// The procedure catalog: check a catalog file.
    #[command(subcommand)]
    Procedures(ProceduresCommand),
    /// The 書かない窓口 counter.
    #[command(subcommand)]
    Counter(CounterCommand),
    /// Registers (台帳): check and declare register files, import rows.
    #[command(subcommand)]
    Registers(crate::registers::commands::RegistersCommand),
    /// FAQ: import and export the town's FAQ, measure the search on resident-style queries.
    #[command(subcommand)]
    Faq(crate::faq::commands::FaqCommand),
    /// Receipts: import the terminal's, コンビニ and eL-QR files into the ledger.
    #[command(subcommand)]
    Receipts(crate::receipts::commands::ReceiptsCommand),
    /// Certificates: import the コンビニ交付 monthly statistics.
    #[command(subcommand)]
    Certificates(crate::certificates::commands::CertificatesCommand),
    /// アナログ規制: scan 例規 for candidates, and evaluate the rules against hand labels.
    #[command(subcommand)]
    Ordinances(crate::ordinances::commands::OrdinancesCommand),
    /// Postcodes: load Japan Post's 郵便番号データ (postcode → address on forms).
    #[command(subcommand)]
    Postcodes(crate::postcodes::commands::PostcodesCommand),
    /// Copy the database and uploaded files of a running instance into an empty folder (SQLite;
    /// PostgreSQL uses pg_dump). The folder is a data folder: restore with --data-dir FOLDER.
    Backup { dir: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum TownCommand {
    /// Add a town: machi town add 131016 --name 千代田区 [--plan plan.toml] [--host www.example.lg.jp]
    Add {
        /// 全国地方公共団体コード (6 digits)
        code: String,
        /// The town's name (default: the plan file's)
        #[arg(long)]
        name: Option<String>,
        /// A plan file to load for it
        #[arg(long)]
        plan: Option<PathBuf>,
        /// A host name its pages answer on (otherwise /t/CODE/)
        #[arg(long)]
        host: Option<String>,
    },
    /// List the towns and whether each could be opened.
    List,
    /// Remove a town and all its data (refused without --purge).
    Remove {
        code: String,
        /// Yes, delete its plan, staff, data and files for good.
        #[arg(long)]
        purge: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProceduresCommand {
    /// Replace the catalog with a catalog file and its forms (all or nothing):
    /// machi procedures import town.toml --form forms/kokuho.toml --form …
    Import {
        file: PathBuf,
        /// Form files (machi-form/1)
        #[arg(long = "form")]
        forms: Vec<PathBuf>,
    },
    /// Check a catalog file (machi-procedures/1) and form files (machi-form/1) without writing.
    Check {
        file: PathBuf,
        /// Form files to check with it
        #[arg(long = "form")]
        forms: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CounterCommand {
    /// Delete the personal data of visits older than the retention period (the server also does
    /// this every hour).
    Purge,
}

#[derive(Debug, Subcommand)]
pub enum OpendataCommand {
    /// Validate a CSV (UTF-8, UTF-8 with BOM or Shift_JIS): machi opendata validate toilets.csv --schema public_toilet
    Validate {
        file: PathBuf,
        /// A standard dataset key (public_toilet, evacuation_space, aed, tourism) or a Table Schema JSON file
        #[arg(long)]
        schema: String,
        /// Print the report as JSON (Frictionless's error types, then machi's own checks)
        #[arg(long)]
        json: bool,
        /// Print every finding as CSV (UTF-8 with BOM, for Excel)
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// List at most this many errors (all are counted and grouped)
        #[arg(long, default_value_t = 1000)]
        limit_errors: usize,
        /// How many findings to print one by one after the summary
        #[arg(long, default_value_t = 20)]
        details: usize,
    },
    /// Write a file in an earlier layout of a standard (推奨データセット, before 2021) in the
    /// current layout, as a new file; the original is kept:
    /// machi opendata convert old.csv --schema public_toilet --output new.csv
    Convert {
        file: PathBuf,
        /// The standard's key (public_toilet, evacuation_space, aed, tourism)
        #[arg(long)]
        schema: String,
        /// The new file (must not exist yet)
        #[arg(long)]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input (first line), never from
    /// the command line: `echo 'pass phrase' | machi user add admin --role system_admin`
    Add {
        username: String,
        /// system_admin, dx_office, department_editor, committee, advisor or viewer (a town's
        /// account); platform_admin (an account of the installation that reads every town)
        #[arg(long)]
        role: String,
        /// Name shown on pages (default: the user name)
        #[arg(long)]
        name: Option<String>,
        /// 所属課 (required for department_editor)
        #[arg(long, default_value = "")]
        department: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Load a plan file: a new plan, or a new revision of the plan with the same id.
    Import { file: PathBuf },
    /// Check a plan file without writing anything.
    Check { file: PathBuf },
    /// Write the current plan as a plan file (to standard output unless --output is given).
    Export {
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KpiCommand {
    /// Record the actual of one 施策's KPI for one 年度: machi kpi record 1-1-1 R5 32
    Record {
        /// 施策 code, e.g. 1-1-1
        code: String,
        /// 年度: 2023, R5 or 令和5年度
        fiscal_year: String,
        /// The value, e.g. 32 or 1,000
        value: String,
        /// Where the figure comes from (根拠・出典).
        #[arg(long, default_value = "")]
        note: String,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    {
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        // sqlx reports PostgreSQL's notices ("schema … already exists, skipping") as info.
        let filter = tracing_subscriber::filter::Targets::new()
            .with_default(tracing::Level::INFO)
            .with_target("sqlx", tracing::Level::WARN);
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_target(false)
                    .with_writer(std::io::stderr),
            )
            .with(filter)
            .init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("起動できません: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("エラー: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The town a command works on.
async fn town(config: &Config) -> anyhow::Result<AppState> {
    towns::town_state(config).await
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve(Default::default())) {
        Command::Serve(listen) => {
            let mut config = cli.config.clone();
            listen.apply(&cli.listen, &mut config);
            serve(&config).await
        }
        Command::Town(TownCommand::Add {
            code,
            name,
            plan,
            host,
        }) => {
            let t = towns::add(
                &cli.config,
                &towns::NewTown {
                    code: &code,
                    name: name.as_deref(),
                    plan: plan.as_deref(),
                    host: host.as_deref(),
                },
            )
            .await?;
            println!(
                "{}({})を追加しました。ページ: {}",
                t.name,
                t.code,
                match &t.host {
                    Some(h) => format!("http://{h}/"),
                    None => format!("/t/{}/", t.code),
                }
            );
            Ok(())
        }
        Command::Town(TownCommand::List) => {
            for t in towns::list(&cli.config).await? {
                let place = match &t.host {
                    Some(h) => h.clone(),
                    None => format!("/t/{}/", t.code),
                };
                let state = if t.last_error.is_empty() {
                    if t.migrated_at.is_empty() {
                        "未起動".to_string()
                    } else {
                        format!("利用可(移行 {})", crate::fiscal::jst(&t.migrated_at))
                    }
                } else {
                    format!("開けません: {}", t.last_error)
                };
                println!("{}\t{}\t{place}\t{}\t{state}", t.code, t.name, t.storage);
            }
            Ok(())
        }
        Command::Town(TownCommand::Remove { code, purge }) => {
            let t = towns::remove(&cli.config, &code, purge).await?;
            println!("{}({})とそのデータを削除しました", t.name, t.code);
            Ok(())
        }
        Command::Plan(PlanCommand::Check { file: path }) => {
            let plan = commands::read_plan_file(&path)?;
            println!(
                "{}: 問題ありません({}、基本方針 {}・取組内容 {}・施策 {}・行程表 {}行)",
                path.display(),
                plan.title,
                plan.policies.len(),
                plan.areas.len(),
                plan.measures.len(),
                plan.roadmap.len()
            );
            Ok(())
        }
        Command::Plan(PlanCommand::Import { file: path }) => {
            // Read and check the file before touching the database.
            let plan = commands::read_plan_file(&path)?;
            let town = town(&cli.config).await?;
            let outcome = commands::import(&town.db, &plan, &path.display().to_string()).await?;
            println!("{}", commands::describe_import(&plan, &outcome));
            Ok(())
        }
        Command::Plan(PlanCommand::Export { output }) => {
            let town = town(&cli.config).await?;
            let text = commands::export(&town.db).await?;
            match output {
                Some(path) => {
                    std::fs::write(&path, text)
                        .map_err(|e| anyhow::anyhow!("{} に書き出せません: {e}", path.display()))?;
                    eprintln!("{} に書き出しました", path.display());
                }
                None => print!("{text}"),
            }
            Ok(())
        }
        Command::Kpi(KpiCommand::Record {
            code,
            fiscal_year,
            value,
            note,
        }) => {
            let town = town(&cli.config).await?;
            let message =
                commands::record_actual(&town.db, &code, &fiscal_year, &value, &note, "cli")
                    .await?;
            println!("{message}");
            Ok(())
        }
        Command::Procedures(ProceduresCommand::Check { file, forms }) => {
            let (catalog, forms) = check_procedures(&file, &forms)?;
            println!(
                "{}: 問題ありません(手続き {}件・ライフイベント {}件・様式 {}件)",
                file.display(),
                catalog.procedures.len(),
                catalog.life_events.len(),
                forms.len()
            );
            Ok(())
        }
        Command::Procedures(ProceduresCommand::Import { file, forms }) => {
            let (catalog, forms) = check_procedures(&file, &forms)?;
            let town = town(&cli.config).await?;
            crate::procedures::store::replace_catalog(
                &town.db,
                &catalog,
                &forms,
                &crate::audit::Actor::cli(),
            )
            .await?;
            println!(
                "{}: 手続きカタログを置き換えました(手続き {}件・ライフイベント {}件・様式 {}件)",
                file.display(),
                catalog.procedures.len(),
                catalog.life_events.len(),
                forms.len()
            );
            Ok(())
        }
        Command::Registers(cmd) => crate::registers::commands::run(cmd, || town(&cli.config)).await,
        Command::Faq(cmd) => crate::faq::commands::run(cmd, || town(&cli.config)).await,
        Command::Receipts(cmd) => crate::receipts::commands::run(cmd, || town(&cli.config)).await,
        Command::Certificates(cmd) => {
            crate::certificates::commands::run(cmd, || town(&cli.config)).await
        }
        Command::Postcodes(cmd) => crate::postcodes::commands::run(cmd, &cli.config).await,
        Command::Ordinances(cmd) => {
            crate::ordinances::commands::run(cmd, || town(&cli.config)).await
        }
        Command::Backup { dir } => {
            let s = crate::backup::backup(&cli.config, &dir).await?;
            println!(
                "{} にバックアップしました(自治体 {}、データベース {} KB、ファイル {}件)。復元: machi --data-dir {}",
                dir.display(),
                s.towns,
                s.bytes / 1024,
                s.files,
                dir.display()
            );
            Ok(())
        }
        Command::Counter(CounterCommand::Purge) => {
            let town = town(&cli.config).await?;
            let n = crate::counter::store::purge(
                &town.db,
                cli.config.counter_retention_days,
                time::OffsetDateTime::now_utc(),
            )
            .await?;
            println!(
                "保存期間({}日)を過ぎた{n}件の受付の個人情報を削除しました",
                cli.config.counter_retention_days
            );
            Ok(())
        }
        Command::Opendata(OpendataCommand::Validate {
            file,
            schema,
            json,
            csv,
            limit_errors,
            details,
        }) => {
            let schema = crate::opendata::load_schema(&schema)?;
            let input = std::fs::File::open(&file)
                .map_err(|e| anyhow::anyhow!("{} を開けません: {e}", file.display()))?;
            let report = crate::opendata::validate::validate(
                std::io::BufReader::with_capacity(256 * 1024, input),
                &schema,
                limit_errors,
            )?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if csv {
                use std::io::Write;
                std::io::stdout().write_all(&crate::opendata::validate::render::csv(&report))?;
            } else {
                print!(
                    "{}",
                    crate::opendata::validate::render::text(
                        &file.display().to_string(),
                        &report,
                        details
                    )
                );
            }
            if report.valid {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "検証エラー {}件(machiの追加チェックのエラー {}件)",
                    report.error_count,
                    report.check_errors()
                ))
            }
        }
        Command::Opendata(OpendataCommand::Convert {
            file,
            schema,
            output,
        }) => {
            let schema = crate::opendata::load_schema(&schema)?;
            let input = std::fs::File::open(&file)
                .map_err(|e| anyhow::anyhow!("{} を開けません: {e}", file.display()))?;
            // A new file only: the original and anything already there stay as they are.
            let out = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&output)
                .map_err(|e| anyhow::anyhow!("{} を作れません: {e}", output.display()))?;
            match crate::opendata::legacy::convert(std::io::BufReader::new(input), &schema, out) {
                Ok((note, rows)) => {
                    println!("{}", crate::opendata::legacy::explain(&note));
                    println!(
                        "{}行を今の形式で {} に書きました。machi opendata validate で確かめてください。",
                        rows,
                        output.display()
                    );
                    Ok(())
                }
                Err(m) => {
                    let _ = std::fs::remove_file(&output);
                    Err(anyhow::anyhow!("{}: {m}", file.display()))
                }
            }
        }
        Command::User(UserCommand::Add {
            username,
            role,
            name,
            department,
        }) => {
            use crate::auth::model::Role;
            let role = Role::from_key(&role).ok_or_else(|| {
                anyhow::anyhow!(
                    "役割「{role}」はありません(使える役割: {})",
                    Role::ALL.map(|r| r.key()).join(", ")
                )
            })?;
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            // A platform account lives in the shared tables; a town's in the town's.
            let db = if role == Role::PlatformAdmin {
                towns::shared_db(&cli.config).await?
            } else {
                town(&cli.config).await?.db
            };
            let new = crate::auth::store::NewUser {
                display_name: name.unwrap_or_else(|| username.clone()),
                username,
                role,
                department,
                password,
            };
            let user = crate::auth::store::create_user(&db, &new, &crate::audit::Actor::cli())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "ユーザー {}({})を作成しました",
                user.username,
                user.role.label()
            );
            Ok(())
        }
    }
}

fn read_text(path: &std::path::Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("{} が読めません: {e}", path.display()))
}

fn check_procedures(
    file: &std::path::Path,
    forms: &[PathBuf],
) -> anyhow::Result<(
    crate::procedures::catalog_file::CatalogFile,
    Vec<crate::procedures::form::FormDef>,
)> {
    use crate::procedures::catalog_file::CatalogFile;
    use crate::procedures::form::FormDef;
    let catalog = CatalogFile::parse(&read_text(file)?)
        .map_err(|errors| anyhow::anyhow!("{}:\n  {}", file.display(), errors.join("\n  ")))?;
    let mut defs = Vec::new();
    for f in forms {
        let def = FormDef::parse(&read_text(f)?)
            .map_err(|e| anyhow::anyhow!("{}:\n  {}", f.display(), e.replace('\n', "\n  ")))?;
        for p in &def.procedures {
            if !catalog.procedures.iter().any(|q| &q.key == p) {
                anyhow::bail!(
                    "{}: 手続き「{p}」が {} にありません",
                    f.display(),
                    file.display()
                );
            }
        }
        defs.push(def);
    }
    Ok((catalog, defs))
}

async fn serve(config: &Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    app.run(shutdown_signal()).await
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the server stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
