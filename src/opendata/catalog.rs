//! Datasets and resources of the catalog, in the database; uploaded files in the data folder.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// Licences offered, with CKAN's ids so harvesters understand them.
pub const LICENSES: [(&str, &str, &str); 6] = [
    (
        "cc-by",
        "クリエイティブ・コモンズ 表示 4.0 国際(CC BY 4.0)",
        "https://creativecommons.org/licenses/by/4.0/deed.ja",
    ),
    (
        "cc-by-sa",
        "クリエイティブ・コモンズ 表示-継承 4.0 国際(CC BY-SA 4.0)",
        "https://creativecommons.org/licenses/by-sa/4.0/deed.ja",
    ),
    (
        "cc-zero",
        "CC0 1.0 全世界 パブリック・ドメイン提供",
        "https://creativecommons.org/publicdomain/zero/1.0/deed.ja",
    ),
    (
        "odc-by",
        "Open Data Commons Attribution License",
        "https://opendatacommons.org/licenses/by/",
    ),
    ("other-open", "その他(オープンライセンス)", ""),
    ("notspecified", "ライセンス未指定", ""),
];

pub fn license_title(id: &str) -> &'static str {
    LICENSES
        .iter()
        .find(|l| l.0 == id)
        .map(|l| l.1)
        .unwrap_or("ライセンス未指定")
}

/// 更新頻度, with the DCAT frequency each maps to.
pub const FREQUENCIES: [(&str, &str); 7] = [
    ("", ""),
    ("随時", "http://purl.org/cld/freq/irregular"),
    ("毎日", "http://purl.org/cld/freq/daily"),
    ("毎月", "http://purl.org/cld/freq/monthly"),
    ("四半期ごと", "http://purl.org/cld/freq/quarterly"),
    ("毎年", "http://purl.org/cld/freq/annual"),
    ("更新なし", ""),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    Published,
    Withdrawn,
}

impl State {
    pub fn key(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Published => "published",
            State::Withdrawn => "withdrawn",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "下書き",
            State::Published => "公開中",
            State::Withdrawn => "公開停止",
        }
    }
    fn from_key(k: &str) -> State {
        match k {
            "published" => State::Published,
            "withdrawn" => State::Withdrawn,
            _ => State::Draft,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Dataset {
    pub id: String,
    pub name: String,
    pub title: String,
    pub notes: String,
    pub department: String,
    pub tags: Vec<String>,
    pub license_id: String,
    pub frequency: String,
    pub standard: String,
    pub contact: String,
    pub state: State,
    pub created_at: String,
    pub modified_at: String,
    pub version: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Resource {
    pub id: String,
    pub dataset_id: String,
    pub position: i64,
    pub name: String,
    pub description: String,
    pub format: String,
    pub url: String,
    pub file_name: String,
    pub stored_path: String,
    pub size: i64,
    pub sha256: String,
    pub mimetype: String,
    /// not_checked, valid, invalid, overridden
    pub validation: String,
    pub validation_report: String,
    pub override_reason: String,
    pub downloads: i64,
    pub created_at: String,
    pub modified_at: String,
}

impl Resource {
    /// 「公衆トイレ一覧(CSV)」: the name with its format, unless the name already says it.
    pub fn heading(&self) -> String {
        let format = self.format.trim();
        let folded = |s: &str| crate::fiscal::fold_width(s).to_uppercase();
        if format.is_empty() || folded(&self.name).contains(&folded(format)) {
            self.name.clone()
        } else {
            format!("{}({format})", self.name)
        }
    }
    pub fn is_upload(&self) -> bool {
        !self.stored_path.is_empty()
    }
    pub fn validation_label(&self) -> &'static str {
        match self.validation.as_str() {
            "valid" => "検証済み(問題なし)",
            "invalid" => "検証エラーあり",
            "overridden" => "検証エラーあり(理由を付けて公開)",
            _ => "未検証",
        }
    }
}

/// Every published dataset with its resources, indexed: what the API and DCAT read. Cached per
/// process and reloaded when the catalog version (bumped by every write) changes.
pub struct Snapshot {
    pub datasets: Vec<Dataset>,
    pub resources: Vec<Resource>,
    pub by_dataset: std::collections::HashMap<String, Vec<usize>>,
    /// Each dataset's searchable text, folded once (name, title, notes, tags, department).
    pub folded: std::collections::HashMap<String, String>,
}

impl Snapshot {
    pub fn resources_of(&self, id: &str) -> Vec<&Resource> {
        self.by_dataset
            .get(id)
            .map(|ix| ix.iter().map(|i| &self.resources[*i]).collect())
            .unwrap_or_default()
    }
}

/// A town's snapshot and the catalog version it was read at.
#[derive(Clone, Default)]
pub struct SnapshotCache(crate::modules::Kept<String, Snapshot>);

const VERSION_KEY: &str = "catalog_version";

/// Marks the catalog changed, inside the writing transaction.
/// A dataset's files changed: its modified time, and the catalog's version (caches, CKAN).
pub(crate) async fn resources_changed(
    conn: &mut sqlx::AnyConnection,
    dataset_id: &str,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE od_datasets SET modified_at = $1 WHERE id = $2")
        .bind(now)
        .bind(dataset_id)
        .execute(&mut *conn)
        .await?;
    bump_version(conn).await
}

pub(crate) async fn bump_version(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(VERSION_KEY)
    .bind(new_id())
    .execute(conn)
    .await?;
    Ok(())
}

/// The published catalog, from the process cache when nothing changed since it was read.
pub async fn snapshot(state: &crate::app::AppState) -> anyhow::Result<std::sync::Arc<Snapshot>> {
    let version: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(VERSION_KEY)
        .fetch_optional(&mut *state.db.conn().await?)
        .await?;
    let version = version.unwrap_or_default();
    let cache = state.cache::<SnapshotCache>();
    if let Some(snap) = cache.0.get(|v| *v == version) {
        return Ok(snap);
    }
    let datasets = datasets(&state.db, true).await?;
    let published: std::collections::HashSet<&str> =
        datasets.iter().map(|d| d.id.as_str()).collect();
    let resources: Vec<Resource> = all_resources(&state.db)
        .await?
        .into_iter()
        .filter(|r| published.contains(r.dataset_id.as_str()))
        .collect();
    let mut by_dataset: std::collections::HashMap<String, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, r) in resources.iter().enumerate() {
        by_dataset.entry(r.dataset_id.clone()).or_default().push(i);
    }
    let folded = datasets
        .iter()
        .map(|d| {
            let text = format!(
                "{} {} {} {} {}",
                d.name,
                d.title,
                d.notes,
                d.tags.join(" "),
                d.department
            );
            (d.id.clone(), super::routes::fold(&text))
        })
        .collect();
    let snap = std::sync::Arc::new(Snapshot {
        datasets,
        resources,
        by_dataset,
        folded,
    });
    cache.0.put(version, snap.clone());
    Ok(snap)
}

/// A random id in the UUID v4 layout CKAN clients expect.
pub fn new_id() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS random number generator");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn row_to_dataset(r: &sqlx::any::AnyRow) -> Result<Dataset, sqlx::Error> {
    let tags: String = r.try_get("tags")?;
    let state: String = r.try_get("state")?;
    Ok(Dataset {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        title: r.try_get("title")?,
        notes: r.try_get("notes")?,
        department: r.try_get("department")?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        license_id: r.try_get("license_id")?,
        frequency: r.try_get("frequency")?,
        standard: r.try_get("standard")?,
        contact: r.try_get("contact")?,
        state: State::from_key(&state),
        created_at: r.try_get("created_at")?,
        modified_at: r.try_get("modified_at")?,
        version: r.try_get("version")?,
    })
}

fn row_to_resource(r: &sqlx::any::AnyRow) -> Result<Resource, sqlx::Error> {
    Ok(Resource {
        id: r.try_get("id")?,
        dataset_id: r.try_get("dataset_id")?,
        position: r.try_get("position")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        format: r.try_get("format")?,
        url: r.try_get("url")?,
        file_name: r.try_get("file_name")?,
        stored_path: r.try_get("stored_path")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        mimetype: r.try_get("mimetype")?,
        validation: r.try_get("validation")?,
        validation_report: r.try_get("validation_report")?,
        override_reason: r.try_get("override_reason")?,
        downloads: r.try_get("downloads")?,
        created_at: r.try_get("created_at")?,
        modified_at: r.try_get("modified_at")?,
    })
}

const DATASET_COLUMNS: &str = "id, name, title, notes, department, tags, license_id, frequency, standard, contact, state, created_at, modified_at, version";
const RESOURCE_COLUMNS: &str = "id, dataset_id, position, name, description, format, url, file_name, stored_path, size, sha256, mimetype, validation, validation_report, override_reason, downloads, created_at, modified_at";

fn q(sql: String) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    // Column lists are constants of this file; every value is bound.
    sqlx::query(sqlx::AssertSqlSafe(sql))
}

pub async fn datasets(db: &Db, published_only: bool) -> anyhow::Result<Vec<Dataset>> {
    let sql = if published_only {
        format!("SELECT {DATASET_COLUMNS} FROM od_datasets WHERE state = 'published' ORDER BY name")
    } else {
        format!("SELECT {DATASET_COLUMNS} FROM od_datasets ORDER BY modified_at DESC")
    };
    let rows = q(sql).fetch_all(&mut *db.conn().await?).await?;
    Ok(rows.iter().map(row_to_dataset).collect::<Result<_, _>>()?)
}

/// A dataset by id or name.
pub async fn dataset(db: &Db, id_or_name: &str) -> anyhow::Result<Option<Dataset>> {
    let row = q(format!(
        "SELECT {DATASET_COLUMNS} FROM od_datasets WHERE id = $1 OR name = $1"
    ))
    .bind(id_or_name)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    Ok(row.map(|r| row_to_dataset(&r)).transpose()?)
}

pub async fn resources(db: &Db, dataset_id: &str) -> anyhow::Result<Vec<Resource>> {
    let rows = q(format!(
        "SELECT {RESOURCE_COLUMNS} FROM od_resources WHERE dataset_id = $1 ORDER BY position"
    ))
    .bind(dataset_id)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    Ok(rows.iter().map(row_to_resource).collect::<Result<_, _>>()?)
}

/// Every resource, for listing many datasets at once.
pub async fn all_resources(db: &Db) -> anyhow::Result<Vec<Resource>> {
    let rows = q(format!(
        "SELECT {RESOURCE_COLUMNS} FROM od_resources ORDER BY dataset_id, position"
    ))
    .fetch_all(&mut *db.conn().await?)
    .await?;
    Ok(rows.iter().map(row_to_resource).collect::<Result<_, _>>()?)
}

pub async fn resource(db: &Db, id: &str) -> anyhow::Result<Option<Resource>> {
    let row = q(format!(
        "SELECT {RESOURCE_COLUMNS} FROM od_resources WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    Ok(row.map(|r| row_to_resource(&r)).transpose()?)
}

pub async fn count_download(db: &Db, id: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE od_resources SET downloads = downloads + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

/// What a person typed for a dataset, checked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DatasetInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub license_id: String,
    #[serde(default)]
    pub frequency: String,
    #[serde(default)]
    pub standard: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub version: i64,
}

impl DatasetInput {
    /// Field-by-field problems, in Japanese.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        let name = self.name.trim();
        if name.len() < 2
            || name.len() > 100
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            p.push((
                "name",
                "URL名は半角英小文字・数字・- _ で2〜100文字にしてください(例: kami-public-toilets)".into(),
            ));
        }
        if self.title.trim().is_empty() || self.title.chars().count() > 200 {
            p.push(("title", "タイトルを200文字以内で入力してください".into()));
        }
        if self.notes.chars().count() > 20_000 {
            p.push(("notes", "説明は20,000文字以内にしてください".into()));
        }
        if !LICENSES.iter().any(|l| l.0 == self.license_id) {
            p.push(("license_id", "ライセンスを選んでください".into()));
        }
        if !FREQUENCIES.iter().any(|f| f.0 == self.frequency) {
            p.push(("frequency", "更新頻度を選んでください".into()));
        }
        if !self.standard.is_empty() && super::standard::by_key(&self.standard).is_none() {
            p.push(("standard", "標準データセットを選び直してください".into()));
        }
        for t in self.tag_list() {
            if t.chars().count() > 100 {
                p.push(("tags", format!("タグ「{t}」が長すぎます")));
            }
        }
        p
    }

    /// Tags as typed, separated by commas (、 too), trimmed, without repeats.
    pub fn tag_list(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in self.tags.split([',', '、', '，']) {
            let t = t.trim();
            if !t.is_empty() && !out.iter().any(|o| o == t) {
                out.push(t.to_string());
            }
        }
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{1}")]
    Invalid(&'static str, String),
    #[error(
        "ほかの人が先にこのデータセットを更新しました。画面を読み込み直してからもう一度保存してください"
    )]
    Stale,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for CatalogError {
    fn from(e: sqlx::Error) -> Self {
        CatalogError::Other(e.into())
    }
}

fn tags_with_standard(input: &DatasetInput) -> Vec<String> {
    let mut tags = input.tag_list();
    // Aggregators (BODIK) find standard datasets by these two tags.
    if let Some(s) = super::standard::by_key(&input.standard) {
        let (_, name, _) = s.info();
        let short = name.trim_end_matches("一覧").to_string();
        for t in ["自治体標準ODS".to_string(), short] {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
    }
    tags
}

pub async fn create(db: &Db, input: &DatasetInput, actor: &Actor) -> Result<Dataset, CatalogError> {
    if let Some((f, m)) = input.problems().into_iter().next() {
        return Err(CatalogError::Invalid(f, m));
    }
    if dataset(db, input.name.trim()).await?.is_some() {
        return Err(CatalogError::Invalid(
            "name",
            format!("URL名「{}」は既に使われています", input.name.trim()),
        ));
    }
    let id = new_id();
    let now = now_text();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO od_datasets (id, name, title, notes, department, tags, license_id, frequency, standard, contact, state, created_at, modified_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $11, 1)",
    )
    .bind(&id)
    .bind(input.name.trim())
    .bind(input.title.trim())
    .bind(input.notes.trim())
    .bind(input.department.trim())
    .bind(serde_json::to_string(&tags_with_standard(input)).map_err(anyhow::Error::from)?)
    .bind(&input.license_id)
    .bind(&input.frequency)
    .bind(&input.standard)
    .bind(input.contact.trim())
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    bump_version(&mut tx).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "dataset.create",
            entity: "dataset",
            entity_id: input.name.trim(),
            before: None,
            after: Some(serde_json::json!({ "title": input.title.trim() })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(dataset(db, &id).await?.expect("just created"))
}

pub async fn update(
    db: &Db,
    before: &Dataset,
    input: &DatasetInput,
    actor: &Actor,
) -> Result<Dataset, CatalogError> {
    if let Some((f, m)) = input.problems().into_iter().next() {
        return Err(CatalogError::Invalid(f, m));
    }
    if input.name.trim() != before.name && dataset(db, input.name.trim()).await?.is_some() {
        return Err(CatalogError::Invalid(
            "name",
            format!("URL名「{}」は既に使われています", input.name.trim()),
        ));
    }
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE od_datasets SET name = $1, title = $2, notes = $3, department = $4, tags = $5, license_id = $6,
           frequency = $7, standard = $8, contact = $9, modified_at = $10, version = version + 1
         WHERE id = $11 AND version = $12",
    )
    .bind(input.name.trim())
    .bind(input.title.trim())
    .bind(input.notes.trim())
    .bind(input.department.trim())
    .bind(serde_json::to_string(&tags_with_standard(input)).map_err(anyhow::Error::from)?)
    .bind(&input.license_id)
    .bind(&input.frequency)
    .bind(&input.standard)
    .bind(input.contact.trim())
    .bind(now_text())
    .bind(&before.id)
    .bind(input.version)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(CatalogError::Stale);
    }
    bump_version(&mut tx).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "dataset.update",
            entity: "dataset",
            entity_id: &before.name,
            before: Some(serde_json::to_value(before).map_err(anyhow::Error::from)?),
            after: Some(serde_json::json!({ "name": input.name.trim(), "title": input.title.trim(), "license_id": input.license_id })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(dataset(db, &before.id).await?.expect("exists"))
}

/// Publishes or withdraws; publishing needs a resource and no unresolved validation errors.
pub async fn set_state(
    db: &Db,
    ds: &Dataset,
    to: State,
    actor: &Actor,
) -> Result<(), CatalogError> {
    if to == State::Published {
        let res = resources(db, &ds.id).await?;
        if res.is_empty() {
            return Err(CatalogError::Invalid(
                "state",
                "リソース(ファイルかURL)がないデータセットは公開できません".into(),
            ));
        }
        if let Some(r) = res.iter().find(|r| r.validation == "invalid") {
            return Err(CatalogError::Invalid(
                "state",
                format!(
                    "リソース「{}」に検証エラーがあります。ファイルを直すか、理由を書いて公開を許可してください",
                    r.name
                ),
            ));
        }
    }
    let now = now_text();
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE od_datasets SET state = $1, modified_at = $2, version = version + 1 WHERE id = $3",
    )
    .bind(to.key())
    .bind(&now)
    .bind(&ds.id)
    .execute(&mut *tx)
    .await?;
    if matches!(to, State::Published | State::Withdrawn) && ds.state != to {
        sqlx::query("INSERT INTO od_publications (dataset_id, event, at) VALUES ($1, $2, $3)")
            .bind(&ds.id)
            .bind(to.key())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
    }
    bump_version(&mut tx).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: if to == State::Published {
                "dataset.publish"
            } else {
                "dataset.withdraw"
            },
            entity: "dataset",
            entity_id: &ds.name,
            before: Some(serde_json::json!({ "state": ds.state.key() })),
            after: Some(serde_json::json!({ "state": to.key() })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Published datasets at the end of each 年度 (or now, for the current one): the KPI source.
pub async fn published_count_by_year(
    db: &Db,
    years: &[crate::fiscal::FiscalYear],
    today: time::Date,
) -> anyhow::Result<Vec<(crate::fiscal::FiscalYear, f64)>> {
    let rows = sqlx::query("SELECT dataset_id, event, at FROM od_publications ORDER BY id")
        .fetch_all(&mut *db.conn().await?)
        .await?;
    let events: Vec<(String, String, time::Date)> = rows
        .iter()
        .filter_map(|r| {
            let at: String = r.try_get("at").ok()?;
            let date = crate::fiscal::jst_day(&at)?;
            Some((
                r.try_get("dataset_id").ok()?,
                r.try_get("event").ok()?,
                date,
            ))
        })
        .collect();
    if events.is_empty() {
        return Ok(vec![]);
    }
    let first = crate::fiscal::FiscalYear::of_date(events[0].2);
    let current = crate::fiscal::FiscalYear::of_date(today);
    Ok(years
        .iter()
        .filter(|fy| **fy >= first && **fy <= current)
        .map(|fy| {
            let until = if *fy == current { today } else { fy.last_day() };
            let mut published = std::collections::HashSet::new();
            for (id, event, date) in &events {
                if *date > until {
                    break;
                }
                if event == "published" {
                    published.insert(id.clone());
                } else {
                    published.remove(id);
                }
            }
            (*fy, published.len() as f64)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opendata::files::{clean_file_name, safe_extension};

    #[test]
    fn ids_and_names() {
        let id = new_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(id, new_id());
        assert_eq!(safe_extension("トイレ.CSV"), "csv");
        assert_eq!(safe_extension("../../etc/passwd"), "bin");
        assert_eq!(safe_extension("a.tar.gz"), "gz");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            clean_file_name("C:\\x\\..\\公衆トイレ.csv"),
            "公衆トイレ.csv"
        );
        assert_eq!(clean_file_name("..."), "file");
    }

    #[test]
    fn a_resource_heading_says_its_format_once() {
        let r = |name: &str, format: &str| Resource {
            name: name.into(),
            format: format.into(),
            ..Resource::default()
        };
        assert_eq!(r("公衆トイレ一覧", "CSV").heading(), "公衆トイレ一覧(CSV)");
        assert_eq!(
            r("公衆トイレ一覧(CSV)", "CSV").heading(),
            "公衆トイレ一覧(CSV)"
        );
        assert_eq!(
            r("公衆トイレ一覧（ＣＳＶ）", "csv").heading(),
            "公衆トイレ一覧（ＣＳＶ）"
        );
        assert_eq!(r("一覧", "").heading(), "一覧");
    }
}
