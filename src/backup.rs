//! `machi backup DIR`: a consistent copy of a running instance. SQLite is copied with
//! `VACUUM INTO` (one read transaction, so every write is either wholly in the copy or not at
//! all, while the server keeps serving); uploaded files are copied after it, so every file the
//! copied database names is there. The backup folder is itself a data folder: restore by starting
//! machi with `--data-dir` pointing at it (or copying it in place). PostgreSQL is backed up with
//! `pg_dump` (docs/operations.md).

use crate::config::Config;
use crate::db::{self, Backend};
use anyhow::Context;
use std::path::Path;

pub struct Summary {
    pub bytes: u64,
    pub files: usize,
}

pub async fn backup(config: &Config, dir: &Path) -> anyhow::Result<Summary> {
    let url = config.database_url()?;
    if Backend::of_url(&url)? == Backend::Postgres {
        anyhow::bail!(
            "PostgreSQL のデータベースは pg_dump でバックアップしてください(例: pg_dump -Fc -f machi.dump 'postgres://…')。手順は docs/operations.md にあります。アップロードされたファイルはデータフォルダ {} の opendata/ をコピーしてください。",
            config.data_dir.display()
        );
    }
    let target = dir.join("machi.db");
    if target.exists() {
        anyhow::bail!(
            "{} は既にあります。空のフォルダを指定してください",
            target.display()
        );
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("フォルダ {} を作れません", dir.display()))?;
    let source = db::connect(&url).await?;
    let path = target
        .to_str()
        .context("バックアップ先のパスが UTF-8 ではありません")?
        .to_string();
    sqlx::query("VACUUM INTO $1")
        .bind(&path)
        .execute(&source.pool)
        .await
        .with_context(|| format!("{} へコピーできません", target.display()))?;
    source.pool.close().await;
    // Check the copy before saying it is good.
    let copy = db::connect(&db::sqlite_url_for_dir(&std::fs::canonicalize(dir)?)).await?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&copy.pool)
        .await?;
    copy.pool.close().await;
    if check != "ok" {
        anyhow::bail!("コピーの検査に失敗しました: {check}");
    }
    let files = copy_tree(&config.data_dir.join("opendata"), &dir.join("opendata"))?;
    Ok(Summary {
        bytes: std::fs::metadata(&target)?.len(),
        files,
    })
}

/// Copies a folder of uploads (files are written once under new names, never changed).
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<usize> {
    if !from.exists() {
        return Ok(0);
    }
    let mut n = 0;
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            n += copy_tree(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), &dest)
                .with_context(|| format!("{} をコピーできません", entry.path().display()))?;
            n += 1;
        }
    }
    Ok(n)
}
