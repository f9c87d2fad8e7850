//! `machi ordinances import PATH…` and `rescan` (the town's 例規 and their candidates),
//! `machi ordinances scan PATH… [--json]` and `machi ordinances eval LABELS.jsonl`: the
//! アナログ規制 candidates of 例規 files, and how well the rules do against hand labels.

use super::input::{Read, read_paths};
use super::rules::Rules;
use super::scan::scan;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum OrdinancesCommand {
    /// Import the town's 例規 (text or HTML files, folders, zips of a 例規集) and record the
    /// scan's candidates. A newer version of a 例規 (same title) keeps unchanged clauses and what
    /// was decided about them, and marks changed and removed ones. Each file on its own.
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Read every imported 例規 again with the rules in force (the town's saved version, or the
    /// bundled rules after an upgrade of machi): new candidates are added, undecided ones no
    /// longer proposed are withdrawn, decided ones are kept. Prints what changed.
    Rescan,
    /// Propose アナログ規制 candidates for every clause of the 例規 given (text or HTML files,
    /// folders, zips of a 例規集). Files that cannot be read are listed with the reason.
    Scan {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// One JSON object per finding (file, title, article, paragraph, item, category, phrase,
        /// reason, confidence).
        #[arg(long)]
        json: bool,
        /// Rules other than the bundled ones (the same TOML format).
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Print every clause (file, article, paragraph, item, text) as JSON instead of the
        /// findings: the sheet to label by hand.
        #[arg(long)]
        clauses: bool,
    },
    /// Compare the findings with hand labels (JSON lines: file, article, paragraph, item,
    /// category; files relative to the labels' folder): recall and precision, overall and per
    /// category. Fails below the floors given.
    Eval {
        labels: PathBuf,
        #[arg(long)]
        rules: Option<PathBuf>,
        #[arg(long, default_value_t = 0.0)]
        min_recall: f64,
        #[arg(long, default_value_t = 0.0)]
        min_precision: f64,
        /// Also list what was missed and what was found wrongly.
        #[arg(long)]
        verbose: bool,
    },
}

fn rules_of(path: &Option<PathBuf>) -> anyhow::Result<std::borrow::Cow<'static, Rules>> {
    Ok(match path {
        None => std::borrow::Cow::Borrowed(Rules::bundled()),
        Some(p) => {
            let text = std::fs::read_to_string(p)?;
            std::borrow::Cow::Owned(
                Rules::read(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
            )
        }
    })
}

pub async fn run<F, Fut>(cmd: OrdinancesCommand, town: F) -> anyhow::Result<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<crate::app::AppState>>,
{
    match cmd {
        OrdinancesCommand::Import { paths } => {
            let town = town().await?;
            // The town's own rules when it saved any.
            let rules = super::rescan::current(&town.db).await?.rules;
            let (mut ok, mut refused) = (0, 0);
            for r in read_paths(&paths) {
                match r {
                    Read::Ok(o) => {
                        for p in &o.problems {
                            eprintln!("{}: {p}", o.file);
                        }
                        let sha = o.digest();
                        let n = super::store::import(
                            &town.db,
                            &o,
                            &sha,
                            &rules,
                            &crate::audit::Actor::cli(),
                        )
                        .await?;
                        ok += 1;
                        println!(
                            "{}: {}({}) 変わらない項・号 {}、変わった {}、新しい {}、なくなった {}、新しい候補 {}",
                            o.file,
                            n.title,
                            if n.new { "新規" } else { "更新" },
                            n.unchanged,
                            n.changed,
                            n.added,
                            n.removed,
                            n.found
                        );
                    }
                    Read::Refused { file, reason } => {
                        refused += 1;
                        eprintln!("{file}: 読めませんでした: {reason}");
                    }
                }
            }
            super::progress::record_year(&town.db, town.today()).await?;
            eprintln!("{ok}件の例規を取り込みました(読めなかったファイル {refused}件)");
            Ok(())
        }
        OrdinancesCommand::Rescan => {
            let town = town().await?;
            let started = std::time::Instant::now();
            let id = super::rescan::rescan_now(&town.db, &crate::audit::Actor::cli()).await?;
            super::progress::record_year(&town.db, town.today()).await?;
            let r = super::rescans::recorded(&town.db, id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the re-scan {id} was not recorded"))?;
            for c in &r.changes {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    c.kind.label(),
                    c.title,
                    c.place,
                    c.category,
                    c.phrase
                );
            }
            let count = |k| r.changes.iter().filter(|c| c.kind == k).count();
            eprintln!(
                "規則 第{}版で読み直しました: 新しい候補 {}、取り下げ {}、判断済みで提案されなくなった {}({:.2}秒)",
                r.rules_version,
                count(super::rescan::ChangeKind::Added),
                count(super::rescan::ChangeKind::Withdrawn),
                count(super::rescan::ChangeKind::Kept),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        OrdinancesCommand::Scan {
            paths,
            json,
            rules,
            clauses: dump,
        } => {
            let rules = rules_of(&rules)?;
            let started = std::time::Instant::now();
            let (mut files, mut clauses, mut findings, mut refused) = (0, 0, 0, 0);
            for r in read_paths(&paths) {
                match r {
                    Read::Ok(o) => {
                        files += 1;
                        clauses += o.clauses().len();
                        for p in &o.problems {
                            eprintln!("{}: {p}", o.file);
                        }
                        if dump {
                            for c in o.clauses() {
                                println!(
                                    "{}",
                                    serde_json::json!({
                                        "file": o.file, "article": c.at.article,
                                        "paragraph": c.at.paragraph, "item": c.at.item,
                                        "text": c.text
                                    })
                                );
                            }
                            continue;
                        }
                        for f in scan(&o, &rules) {
                            findings += 1;
                            if json {
                                println!("{}", serde_json::to_string(&f)?);
                            } else {
                                println!(
                                    "{} {} {}{}{} [{}] 「{}」 {}(確からしさ {:.2})",
                                    f.file,
                                    f.title,
                                    f.article,
                                    f.paragraph.map(|p| format!("第{p}項")).unwrap_or_default(),
                                    f.item
                                        .as_ref()
                                        .map(|i| format!("第{i}号"))
                                        .unwrap_or_default(),
                                    f.category,
                                    f.phrase,
                                    f.reason,
                                    f.confidence
                                );
                            }
                        }
                    }
                    Read::Refused { file, reason } => {
                        refused += 1;
                        eprintln!("{file}: 読めませんでした: {reason}");
                    }
                }
            }
            eprintln!(
                "{files}件の例規({clauses}の項・号)から{findings}件の候補(読めなかったファイル {refused}件、{:.2}秒)",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        OrdinancesCommand::Eval {
            labels,
            rules,
            min_recall,
            min_precision,
            verbose,
        } => {
            let rules = rules_of(&rules)?;
            let r = super::eval::evaluate(&labels, &rules).map_err(|e| anyhow::anyhow!(e))?;
            for u in &r.unread {
                eprintln!("読めませんでした: {u}");
            }
            println!(
                "{}ファイル、{}の項・号、規則 第{}版",
                r.files, r.clauses, rules.version
            );
            println!("類型\tラベル\t候補\t一致\t再現率\t適合率");
            for (c, n) in &r.by_category {
                println!(
                    "{c}\t{}\t{}\t{}\t{:.1}%\t{:.1}%",
                    n.labelled,
                    n.found,
                    n.right,
                    n.recall() * 100.0,
                    n.precision() * 100.0
                );
            }
            let o = r.overall;
            println!(
                "全体\t{}\t{}\t{}\t{:.1}%\t{:.1}%",
                o.labelled,
                o.found,
                o.right,
                o.recall() * 100.0,
                o.precision() * 100.0
            );
            if verbose {
                for m in &r.missed {
                    println!("見落とし: {m}");
                }
                for w in &r.wrong {
                    println!("誤検出: {w}");
                }
            }
            if o.recall() < min_recall || o.precision() < min_precision {
                anyhow::bail!(
                    "再現率 {:.1}% / 適合率 {:.1}% が下限(再現率 {:.1}% / 適合率 {:.1}%)を下回りました",
                    o.recall() * 100.0,
                    o.precision() * 100.0,
                    min_recall * 100.0,
                    min_precision * 100.0
                );
            }
            Ok(())
        }
    }
}
