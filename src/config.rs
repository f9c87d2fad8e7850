//! Settings from the command line and the environment (MACHI_*).

use std::path::PathBuf;

/// Days the counter keeps a visit's personal data unless configured otherwise.
pub const DEFAULT_RETENTION_DAYS: i64 = 30;
/// Days a closed online application keeps its personal data unless configured otherwise.
pub const DEFAULT_APPLICATION_RETENTION_DAYS: i64 = 90;
/// Days after a スマホ教室 that its bookings keep names and phone numbers unless configured
/// otherwise.
pub const DEFAULT_COURSE_RETENTION_DAYS: i64 = 90;

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on (from [`Listen`]).
    #[arg(skip = String::from("127.0.0.1"))]
    pub host: String,
    /// Port to listen on (0: any free port; from [`Listen`]).
    #[arg(skip = 8080u16)]
    pub port: u16,
    /// Folder for the SQLite databases (one per town) and uploaded files.
    #[arg(long, env = "MACHI_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// postgres://… to keep every town in one PostgreSQL database (a schema per town);
    /// default: SQLite files in the data folder.
    #[arg(long, env = "MACHI_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// The town a command works on (団体コード), when this machi serves more than one.
    #[arg(long, env = "MACHI_TOWN", global = true)]
    pub town: Option<String>,
    /// Always mark cookies Secure (set when machi is served over HTTPS without a proxy that
    /// sends X-Forwarded-Proto).
    #[arg(long, env = "MACHI_SECURE_COOKIES", global = true)]
    pub secure_cookies: bool,
    /// Days the 書かない窓口 keeps a visit's personal data (names, answers, form entries); the
    /// anonymous timings stay.
    #[arg(long, env = "MACHI_COUNTER_RETENTION_DAYS", default_value_t = DEFAULT_RETENTION_DAYS, value_parser = clap::value_parser!(i64).range(1..=3650), global = true)]
    pub counter_retention_days: i64,
    /// smtp://host:port of the mail server machi sends through (an internal relay; TLS is the
    /// relay's job). Without it, online applications are off.
    #[arg(long, env = "MACHI_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// The sender of machi's mail.
    #[arg(
        long,
        env = "MACHI_MAIL_FROM",
        default_value = "machi@localhost",
        global = true
    )]
    pub mail_from: String,
    /// The address residents reach machi at (https://machi.example.jp), for links in mail;
    /// default: the address it listens on.
    #[arg(long, env = "MACHI_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Days an online application's personal data (answers, e-mail, attachments) is kept after
    /// it was completed or rejected; the counts stay.
    #[arg(long, env = "MACHI_APPLICATION_RETENTION_DAYS", default_value_t = DEFAULT_APPLICATION_RETENTION_DAYS, value_parser = clap::value_parser!(i64).range(1..=3650), global = true)]
    pub application_retention_days: i64,
    /// Days after a class that its bookings keep names and phone numbers (the counts, states and
    /// questionnaires stay).
    #[arg(long, env = "MACHI_COURSE_RETENTION_DAYS", default_value_t = DEFAULT_COURSE_RETENTION_DAYS, value_parser = clap::value_parser!(i64).range(1..=3650), global = true)]
    pub course_retention_days: i64,
    /// The payment provider for fees of online applications: `sandbox` (machi's own test
    /// provider, for trials and demonstrations). Without it, forms with a fee cannot be applied for online.
    #[arg(long, env = "MACHI_PAYMENTS", value_parser = ["sandbox"], global = true)]
    pub payments: Option<String>,
    /// The secret the provider signs its callbacks with (HMAC-SHA256).
    #[arg(
        long,
        env = "MACHI_PAYMENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub payment_secret: Option<String>,
    /// Seconds machi waits for the payment provider before telling the resident to try again.
    #[arg(
        long,
        env = "MACHI_PAYMENT_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub payment_timeout_secs: u64,
    /// The sandbox provider answers this many milliseconds late (to try timeouts).
    #[arg(
        long,
        env = "MACHI_PAYMENT_SANDBOX_DELAY_MS",
        default_value_t = 0,
        global = true,
        hide = true
    )]
    pub payment_sandbox_delay_ms: u64,
    /// Pretend today is this date (YYYY-MM-DD), for demonstrations and tests: 年度 and KPI
    /// statuses are judged as of it.
    #[arg(long, env = "MACHI_TODAY", value_parser = parse_day, global = true, hide = true)]
    pub today: Option<time::Date>,
    /// Hold back answers to failed sign-ins (tests turn it off to measure the delay itself).
    #[arg(skip = true)]
    pub slow_failed_sign_ins: bool,
}

/// Where the server listens: given before the command (`machi --port 9000`) or to `serve`
/// (`machi serve --port 9000`). Not global, so `town add --host` can name a town's host.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Listen {
    /// Address to listen on (default 127.0.0.1).
    #[arg(long, env = "MACHI_HOST")]
    pub host: Option<String>,
    /// Port to listen on (default 8080; 0: any free port).
    #[arg(long, env = "MACHI_PORT")]
    pub port: Option<u16>,
}

impl Listen {
    /// This, where given, else `other`, else the defaults.
    pub fn apply(&self, other: &Listen, config: &mut Config) {
        config.host = self
            .host
            .clone()
            .or_else(|| other.host.clone())
            .unwrap_or_else(|| "127.0.0.1".into());
        config.port = self.port.or(other.port).unwrap_or(8080);
    }
}

fn parse_day(s: &str) -> Result<time::Date, String> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("「{s}」は日付として読めません(例: 2025-04-01)"))
}

impl Config {
    /// The settings of a fresh data folder with everything else at its default (tests, tools).
    pub fn for_data_dir(data_dir: PathBuf) -> Config {
        Config {
            host: "127.0.0.1".into(),
            port: 0,
            data_dir,
            database_url: None,
            town: None,
            secure_cookies: false,
            counter_retention_days: DEFAULT_RETENTION_DAYS,
            today: None,
            slow_failed_sign_ins: true,
            smtp_url: None,
            mail_from: "machi@localhost".into(),
            public_url: None,
            application_retention_days: DEFAULT_APPLICATION_RETENTION_DAYS,
            course_retention_days: DEFAULT_COURSE_RETENTION_DAYS,
            payments: None,
            payment_secret: None,
            payment_timeout_secs: 10,
            payment_sandbox_delay_ms: 0,
        }
    }
}
