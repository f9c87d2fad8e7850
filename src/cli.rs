//! The command line: `machi [serve]`, `machi plan …`, `machi kpi …`.

use crate::app::{AppState, router};
use crate::config::Config;
use crate::db::{self, Db};
use crate::plan::{commands, file};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "machi", version, about = "自治体DX推進計画の進行管理 (machi)")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
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
    /// Copy the database and uploaded files of a running instance into an empty folder (SQLite;
    /// PostgreSQL uses pg_dump). The folder is a data folder: restore with --data-dir FOLDER.
    Backup { dir: PathBuf },
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
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
        /// List at most this many errors (all are counted)
        #[arg(long, default_value_t = 1000)]
        limit_errors: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input (first line), never from
    /// the command line: `echo 'pass phrase' | machi user add admin --role system_admin`
    Add {
        username: String,
        /// system_admin, dx_office, department_editor, committee, advisor or viewer
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
    tracing_subscriber::fmt()
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
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

async fn open(config: &Config) -> anyhow::Result<Db> {
    db::connect(&config.database_url()?).await
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.config).await,
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
            let db = open(&cli.config).await?;
            let outcome = commands::import(&db, &plan, &path.display().to_string()).await?;
            println!("{}", commands::describe_import(&plan, &outcome));
            Ok(())
        }
        Command::Plan(PlanCommand::Export { output }) => {
            let db = open(&cli.config).await?;
            let text = commands::export(&db).await?;
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
            let db = open(&cli.config).await?;
            let message =
                commands::record_actual(&db, &code, &fiscal_year, &value, &note, "cli").await?;
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
            let db = open(&cli.config).await?;
            crate::procedures::store::replace_catalog(
                &db,
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
        Command::Backup { dir } => {
            let s = crate::backup::backup(&cli.config, &dir).await?;
            println!(
                "{} にバックアップしました(データベース {} KB、ファイル {}件)。復元: machi --data-dir {}",
                dir.display(),
                s.bytes / 1024,
                s.files,
                dir.display()
            );
            Ok(())
        }
        Command::Counter(CounterCommand::Purge) => {
            let db = open(&cli.config).await?;
            let n = crate::counter::store::purge(
                &db,
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
            limit_errors,
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
            } else {
                print!(
                    "{}",
                    crate::opendata::report_text(&file.display().to_string(), &report)
                );
            }
            if report.valid {
                Ok(())
            } else {
                Err(anyhow::anyhow!("検証エラー {}件", report.error_count))
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
            let db = open(&cli.config).await?;
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
    let url = config.database_url()?;
    let db = db::connect(&url).await?;
    tracing::info!("database: {} ({})", db.backend.name(), db::redact(&url));
    if let Some((plan, outcome)) = commands::ensure_plan(&db).await? {
        tracing::info!(
            "{}: {}",
            file::BUNDLED_KAMI_NAME,
            commands::describe_import(&plan, &outcome)
        );
    }
    if crate::procedures::store::ensure_catalog(&db).await? {
        tracing::info!("手続きカタログ: 香美町の初期データを読み込みました");
    }
    let mut state = AppState::new(db.clone());
    state.secure_cookies = config.secure_cookies;
    state.counter_retention_days = config.counter_retention_days;
    // Personal data of counter visits is deleted hourly once past its retention.
    let days = config.counter_retention_days;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match crate::counter::store::purge(&db, days, time::OffsetDateTime::now_utc()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("書かない窓口: {n}件の受付の個人情報を削除しました"),
                Err(e) => tracing::error!("counter purge failed: {e:#}"),
            }
        }
    });
    // Uploaded files are found by absolute path, whatever folder machi is started from later.
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        anyhow::anyhow!(
            "データフォルダ {} を作れません: {e}",
            config.data_dir.display()
        )
    })?;
    state.data_dir = std::fs::canonicalize(&config.data_dir)?;
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let addr = format!("{}:{}", config.host, config.port);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| anyhow::anyhow!("{addr} で待ち受けできません: {e}"))?;
    tracing::info!("machi: http://{addr}/");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
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
