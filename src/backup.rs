//! `machi backup DIR`: a consistent copy of a running instance. Each SQLite file (the shared one
//! and every town's) is copied with `VACUUM INTO` (one read transaction, so every write is either
//! wholly in the copy or not at all, while the server keeps serving); a town's uploaded files are
//! copied after its database, so every file the copied database names is there. The backup
//! folder is itself a data folder with the same layout: restore by starting machi with
//! `--data-dir` pointing at it (or copying it in place). PostgreSQL is backed up with `pg_dump`
//! (docs/operations.md).

use crate::config::Config;
use crate::db::{self, Backend, Db};
use crate::towns::registry;
use crate::towns::storage::{SHARED_FILE, Storage, TOWN_FILE};
use anyhow::Context;
use std::path::Path;

pub struct Summary {
    pub towns: usize,
    pub bytes: u64,
    pub files: usize,
}

pub async fn backup(config: &Config, dir: &Path) -> anyhow::Result<Summary> {
    if let Some(url) = &config.database_url
        && Backend::of_url(url)? == Backend::Postgres
    {
        anyhow::bail!(
            "PostgreSQL のデータベースは pg_dump でバックアップしてください(例: pg_dump -Fc -f machi.dump 'postgres://…'。自治体ごとのスキーマ t_<団体コード> と共有スキーマ machi がすべて入ります)。手順は docs/operations.md にあります。アップロードされたファイルはデータフォルダ {} の towns/ をコピーしてください。",
            config.data_dir.display()
        );
    }
    for existing in [dir.join(SHARED_FILE), dir.join(TOWN_FILE)] {
        if existing.exists() {
            anyhow::bail!(
                "{} は既にあります。空のフォルダを指定してください",
                existing.display()
            );
        }
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("フォルダ {} を作れません", dir.display()))?;
    let dir = std::fs::canonicalize(dir)?;
    let data_dir = std::fs::canonicalize(&config.data_dir)
        .with_context(|| format!("データフォルダ {} がありません", config.data_dir.display()))?;
    let (storage, shared) = Storage::open(None, &data_dir).await?;
    let mut summary = Summary {
        towns: 0,
        bytes: copy_db(&shared, &dir.join(SHARED_FILE)).await?,
        files: 0,
    };
    for town in registry::list(&shared).await? {
        let source = storage.open_town(&town).await?;
        let target_dir = dir.join(&town.storage);
        std::fs::create_dir_all(&target_dir)?;
        summary.bytes += copy_db(&source, &target_dir.join(TOWN_FILE)).await?;
        source.close().await;
        summary.files += copy_tree(
            &storage.files_dir(&town).join("opendata"),
            &target_dir.join("opendata"),
        )?;
        summary.towns += 1;
    }
    shared.close().await;
    Ok(summary)
}

/// Copies one SQLite database and checks the copy before saying it is good.
async fn copy_db(source: &Db, target: &Path) -> anyhow::Result<u64> {
    let path = target
        .to_str()
        .context("バックアップ先のパスが UTF-8 ではありません")?
        .to_string();
    sqlx::query("VACUUM INTO $1")
        .bind(&path)
        .execute(&mut *source.conn().await?)
        .await
        .with_context(|| format!("{} へコピーできません", target.display()))?;
    let copy = db::open_sqlite(&db::sqlite_url(target)).await?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut *copy.conn().await?)
        .await?;
    copy.close().await;
    if check != "ok" {
        anyhow::bail!("{} の検査に失敗しました: {check}", target.display());
    }
    Ok(std::fs::metadata(target)?.len())
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
