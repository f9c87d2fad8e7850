//! Catalog pages: public search, dataset and resource pages with preview and download; staff
//! editing, uploads with validation, publishing.

use super::catalog::{self, CatalogError, Dataset, DatasetInput, Resource, State as DsState};
use super::standard::STANDARDS;
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::routes::FieldErrors;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::imports::read::{Cell, read};
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Largest upload accepted for a resource.
pub const MAX_RESOURCE: usize = 100 * 1024 * 1024;

/// Text folded for search: full-width to half-width, lower case, katakana to hiragana.
pub fn fold(s: &str) -> String {
    crate::fiscal::fold_width(s)
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            c => c,
        })
        .collect()
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub license: String,
    #[serde(default)]
    pub standard: String,
    /// The town's base address, for links (not from the query string).
    #[serde(skip)]
    pub base: String,
}

pub struct Facet {
    title: &'static str,
    param: &'static str,
    items: Vec<(String, String, usize, bool)>,
}

pub struct Hit {
    dataset: Dataset,
    formats: Vec<String>,
    license: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "opendata/templates/index.html")]
struct IndexPage {
    layout: Layout,
    query: SearchQuery,
    hits: Vec<Hit>,
    facets: Vec<Facet>,
    total: usize,
    filtered: bool,
}

fn with_param(q: &SearchQuery, param: &str, value: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("q", &q.q),
        ("tag", &q.tag),
        ("department", &q.department),
        ("format", &q.format),
        ("license", &q.license),
        ("standard", &q.standard),
    ];
    for p in pairs.iter_mut() {
        if p.0 == param {
            p.1 = value;
        }
    }
    let kept: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    format!(
        "{}/opendata?{}",
        q.base,
        serde_urlencoded::to_string(kept).unwrap_or_default()
    )
}

pub async fn index(
    State(state): State<AppState>,
    Query(mut q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    q.base = state.base.to_string();
    let snap = catalog::snapshot(&state).await?;
    let all: Vec<Dataset> = snap.datasets.clone();
    let formats_of = |d: &Dataset| -> Vec<String> {
        let mut f: Vec<String> = snap
            .resources_of(&d.id)
            .iter()
            .map(|r| r.format.clone())
            .filter(|f| !f.is_empty())
            .collect();
        f.sort();
        f.dedup();
        f
    };
    let terms: Vec<String> = fold(&q.q).split_whitespace().map(str::to_string).collect();
    let total = all.len();
    let hits: Vec<Hit> = all
        .into_iter()
        .filter(|d| {
            let hay = snap.folded.get(&d.id).map(String::as_str).unwrap_or("");
            terms.iter().all(|t| hay.contains(t.as_str()))
        })
        .filter(|d| q.tag.is_empty() || d.tags.contains(&q.tag))
        .filter(|d| q.department.is_empty() || d.department == q.department)
        .filter(|d| q.license.is_empty() || d.license_id == q.license)
        .filter(|d| q.standard.is_empty() || d.standard == q.standard)
        .filter(|d| q.format.is_empty() || formats_of(d).contains(&q.format))
        .map(|d| Hit {
            formats: formats_of(&d),
            license: catalog::license_title(&d.license_id),
            dataset: d,
        })
        .collect();
    let facet =
        |title: &'static str, param: &'static str, values: Vec<(String, String)>, current: &str| {
            let mut items: Vec<(String, String, usize, bool)> = Vec::new();
            for (v, label) in values {
                if v.is_empty() {
                    continue;
                }
                match items.iter_mut().find(|i| i.0 == v) {
                    Some(i) => i.2 += 1,
                    None => items.push((v.clone(), label, 1, v == current)),
                }
            }
            items.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
            Facet {
                title,
                param,
                items,
            }
        };
    let facets = vec![
        facet(
            "タグ",
            "tag",
            hits.iter()
                .flat_map(|h| h.dataset.tags.iter().map(|t| (t.clone(), t.clone())))
                .collect(),
            &q.tag,
        ),
        facet(
            "担当課",
            "department",
            hits.iter()
                .map(|h| (h.dataset.department.clone(), h.dataset.department.clone()))
                .collect(),
            &q.department,
        ),
        facet(
            "形式",
            "format",
            hits.iter()
                .flat_map(|h| h.formats.iter().map(|f| (f.clone(), f.clone())))
                .collect(),
            &q.format,
        ),
        facet(
            "ライセンス",
            "license",
            hits.iter()
                .map(|h| (h.dataset.license_id.clone(), h.license.to_string()))
                .collect(),
            &q.license,
        ),
        facet(
            "標準データセット",
            "standard",
            hits.iter()
                .map(|h| {
                    let label = super::standard::by_key(&h.dataset.standard)
                        .map(|s| s.info().1)
                        .unwrap_or_default();
                    (h.dataset.standard.clone(), label)
                })
                .collect(),
            &q.standard,
        ),
    ];
    let filtered = !(q.q.is_empty()
        && q.tag.is_empty()
        && q.department.is_empty()
        && q.format.is_empty()
        && q.license.is_empty()
        && q.standard.is_empty());
    Ok(IndexPage {
        layout: Layout::public(&state, "opendata").await,
        query: q,
        hits,
        facets,
        total,
        filtered,
    }
    .into_response())
}

impl IndexPage {
    fn link(&self, param: &str, value: &str) -> String {
        with_param(&self.query, param, value)
    }
}

async fn published(state: &AppState, name: &str) -> Result<Dataset, AppError> {
    catalog::dataset(&state.db, name)
        .await?
        .filter(|d| d.state == DsState::Published)
        .ok_or(AppError::NotFound)
}

#[derive(Template, WebTemplate)]
#[template(path = "opendata/templates/dataset.html")]
struct DatasetPage {
    layout: Layout,
    d: Dataset,
    resources: Vec<Resource>,
    license: &'static str,
    license_url: &'static str,
    standard: String,
}

pub async fn dataset_page(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    let d = published(&state, &name).await?;
    let resources = catalog::resources(&state.db, &d.id).await?;
    let license = catalog::LICENSES.iter().find(|l| l.0 == d.license_id);
    Ok(DatasetPage {
        layout: Layout::public(&state, "opendata").await,
        license: license.map(|l| l.1).unwrap_or("ライセンス未指定"),
        license_url: license.map(|l| l.2).unwrap_or(""),
        standard: super::standard::by_key(&d.standard)
            .map(|s| {
                let (n, name, verified) = s.info();
                format!(
                    "自治体標準オープンデータセット {n} {name}{}",
                    if verified {
                        ""
                    } else {
                        "(列の定義は暫定)"
                    }
                )
            })
            .unwrap_or_default(),
        resources,
        d,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "opendata/templates/resource.html")]
struct ResourcePage {
    layout: Layout,
    d: Dataset,
    r: Resource,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    preview_note: String,
}

const PREVIEW_ROWS: usize = 20;

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(t) | Cell::Date(t) | Cell::Error(t) => t.clone(),
        Cell::Number(n) => crate::plan::kpi::format_value(*n, "").replace(',', ""),
    }
}

pub async fn resource_page(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let d = published(&state, &name).await?;
    let r = catalog::resource(&state.db, &id)
        .await?
        .filter(|r| r.dataset_id == d.id)
        .ok_or(AppError::NotFound)?;
    let (mut header, mut rows, mut note) = (Vec::new(), Vec::new(), String::new());
    if r.is_upload() && matches!(r.format.as_str(), "CSV" | "XLSX" | "XLS" | "ODS") {
        match std::fs::read(&r.stored_path) {
            Ok(bytes) => match read(&bytes, &r.file_name) {
                Ok(table) => {
                    let mut it = table
                        .rows
                        .into_iter()
                        .map(|(_, cells)| cells.iter().map(cell_text).collect::<Vec<_>>());
                    header = it.next().unwrap_or_default();
                    rows = it.by_ref().take(PREVIEW_ROWS).collect();
                    note = format!(
                        "{}として読み込み、先頭{}行を表示しています。",
                        table.read_as,
                        rows.len()
                    );
                }
                Err(e) => note = format!("プレビューできません: {e}"),
            },
            Err(_) => note = "ファイルが見つかりません。管理者に連絡してください。".into(),
        }
    }
    Ok(ResourcePage {
        layout: Layout::public(&state, "opendata").await,
        d,
        r,
        header,
        rows,
        preview_note: note,
    }
    .into_response())
}

pub async fn download(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let d = published(&state, &name).await?;
    let r = catalog::resource(&state.db, &id)
        .await?
        .filter(|r| r.dataset_id == d.id)
        .ok_or(AppError::NotFound)?;
    catalog::count_download(&state.db, &r.id).await?;
    if !r.is_upload() {
        return Ok(Redirect::to(&r.url).into_response());
    }
    let bytes = std::fs::read(&r.stored_path).map_err(|_| AppError::NotFound)?;
    let ascii: String = format!("{}.{}", r.id, super::files::safe_extension(&r.file_name));
    Ok(crate::plan::exports::download(
        bytes,
        &r.mimetype,
        &ascii,
        &r.file_name,
    ))
}

// ───────────── staff ─────────────

pub(crate) fn require(staff: &Staff) -> Result<(), AppError> {
    staff.require(crate::opendata::MANAGE_OPEN_DATA, Subject::None)
}

#[derive(Template, WebTemplate)]
#[template(path = "opendata/templates/staff_list.html")]
struct StaffListPage {
    layout: Layout,
    notice: String,
    datasets: Vec<Dataset>,
    standards: Vec<(String, String, String, bool)>,
}

pub async fn staff_list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    require(&staff)?;
    Ok(StaffListPage {
        notice: if q.done == "deleted" {
            "データセットを削除しました。".into()
        } else {
            String::new()
        },
        layout: Layout::staff(&staff, "opendata"),
        datasets: catalog::datasets(&state.db, false).await?,
        standards: STANDARDS
            .iter()
            .map(|s| {
                let (n, name, verified) = s.info();
                (s.key.to_string(), n, name, verified)
            })
            .collect(),
    }
    .into_response())
}

pub async fn template_csv(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let s = super::standard::by_key(&key).ok_or(AppError::NotFound)?;
    let schema = super::standard::schema_for(&state.db, &key)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, name, _) = s.info();
    Ok(crate::plan::exports::download(
        super::standard::template_csv(&schema),
        "text/csv; charset=utf-8",
        &format!("{key}.csv"),
        &format!("{name}_テンプレート.csv"),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "opendata/templates/staff_schema.html")]
struct SchemaPage {
    layout: Layout,
    key: String,
    title: String,
    verified: bool,
    edited: bool,
    text: String,
    error: String,
    notice: String,
}

async fn schema_page(
    state: &AppState,
    staff: &Staff,
    key: &str,
    text: Option<String>,
    error: String,
    notice: String,
) -> Result<SchemaPage, AppError> {
    let s = super::standard::by_key(key).ok_or(AppError::NotFound)?;
    let (n, name, verified) = s.info();
    let edited: Option<String> =
        sqlx::query_scalar("SELECT schema_json FROM od_schemas WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *state.db.conn().await?)
            .await?;
    let current = match &edited {
        Some(j) => j.clone(),
        None => s.json.to_string(),
    };
    Ok(SchemaPage {
        layout: Layout::staff(staff, "opendata"),
        key: key.to_string(),
        title: format!("{n} {name}"),
        verified,
        edited: edited.is_some(),
        text: text.unwrap_or(current),
        error,
        notice,
    })
}

pub async fn schema_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let notice = match q.done.as_str() {
        "saved" => "保存しました。これからアップロードされるCSVはこのスキーマで検証します。",
        "reset" => "同梱のスキーマに戻しました。",
        _ => "",
    };
    Ok(
        schema_page(&state, &staff, &key, None, String::new(), notice.into())
            .await?
            .into_response(),
    )
}

#[derive(Deserialize)]
pub struct SchemaForm {
    #[serde(default)]
    schema: String,
    #[serde(default)]
    reset: Option<String>,
}

pub async fn save_schema(
    State(state): State<AppState>,
    Path(key): Path<String>,
    StaffForm(staff, form): StaffForm<SchemaForm>,
) -> Result<Response, AppError> {
    require(&staff)?;
    super::standard::by_key(&key).ok_or(AppError::NotFound)?;
    if form.reset.is_some() {
        super::standard::save_schema(&state.db, &key, None, &staff.actor()).await?;
        return Ok(
            Redirect::to(&staff.path(&format!("/staff/opendata/schemas/{key}?done=reset")))
                .into_response(),
        );
    }
    match super::standard::check_schema_text(&form.schema) {
        Ok(schema) => {
            super::standard::save_schema(&state.db, &key, Some(&schema), &staff.actor()).await?;
            Ok(
                Redirect::to(&staff.path(&format!("/staff/opendata/schemas/{key}?done=saved")))
                    .into_response(),
            )
        }
        Err(e) => {
            let page =
                schema_page(&state, &staff, &key, Some(form.schema), e, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "opendata/templates/staff_dataset.html")]
struct StaffDatasetPage {
    layout: Layout,
    d: Option<Dataset>,
    f: DatasetInput,
    resources: Vec<Resource>,
    /// Earlier files of each resource (same order as `resources`).
    versions: Vec<Vec<super::edit::Version>>,
    /// Never published: it and its resources may be deleted (else withdrawn).
    deletable: bool,
    errors: FieldErrors,
    licenses: Vec<(&'static str, &'static str)>,
    frequencies: Vec<&'static str>,
    standards: Vec<(String, String)>,
    notice: String,
}

fn input_of(d: &Dataset) -> DatasetInput {
    let auto = ["自治体標準ODS"];
    DatasetInput {
        name: d.name.clone(),
        title: d.title.clone(),
        notes: d.notes.clone(),
        department: d.department.clone(),
        tags: d
            .tags
            .iter()
            .filter(|t| !auto.contains(&t.as_str()))
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        license_id: d.license_id.clone(),
        frequency: d.frequency.clone(),
        standard: d.standard.clone(),
        contact: d.contact.clone(),
        version: d.version,
    }
}

async fn dataset_form(
    state: &AppState,
    staff: &Staff,
    d: Option<Dataset>,
    f: DatasetInput,
    errors: FieldErrors,
    notice: String,
) -> Result<StaffDatasetPage, AppError> {
    let resources = match &d {
        Some(d) => catalog::resources(&state.db, &d.id).await?,
        None => vec![],
    };
    let mut versions = Vec::new();
    for r in &resources {
        versions.push(super::edit::versions(&state.db, &r.id).await?);
    }
    let deletable = match &d {
        Some(d) => !super::edit::ever_published(&state.db, &d.id).await?,
        None => false,
    };
    Ok(StaffDatasetPage {
        versions,
        deletable,
        layout: Layout::staff(staff, "opendata"),
        d,
        f,
        resources,
        errors,
        licenses: catalog::LICENSES.iter().map(|l| (l.0, l.1)).collect(),
        frequencies: catalog::FREQUENCIES.iter().map(|f| f.0).collect(),
        standards: STANDARDS
            .iter()
            .map(|s| {
                let (n, name, _) = s.info();
                (s.key.to_string(), format!("{n} {name}"))
            })
            .collect(),
        notice,
    })
}

pub async fn new_form(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    require(&staff)?;
    let f = DatasetInput {
        license_id: "cc-by".into(),
        ..Default::default()
    };
    Ok(dataset_form(
        &state,
        &staff,
        None,
        f,
        FieldErrors::default(),
        String::new(),
    )
    .await?
    .into_response())
}

/// The dataset's staff page showing why a change was refused.
pub async fn dataset_page_with_errors(
    state: &AppState,
    staff: &Staff,
    d: Dataset,
    e: CatalogError,
) -> Result<Response, AppError> {
    let errors = catalog_error(e)?;
    let f = input_of(&d);
    Ok(
        dataset_form(state, staff, Some(d), f, errors, String::new())
            .await?
            .into_response(),
    )
}

fn catalog_error(e: CatalogError) -> Result<FieldErrors, AppError> {
    let mut errors = FieldErrors::default();
    match e {
        CatalogError::Invalid(f, m) => errors.add(f, m),
        e @ CatalogError::Stale => errors.add("form", e.to_string()),
        CatalogError::Other(e) => return Err(AppError::Internal(e)),
    }
    Ok(errors)
}

pub async fn create(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<DatasetInput>,
) -> Result<Response, AppError> {
    require(&staff)?;
    match catalog::create(&state.db, &f, &staff.actor()).await {
        Ok(d) => Ok(
            Redirect::to(&staff.path(&format!("/staff/opendata/{}?done=created", d.id)))
                .into_response(),
        ),
        Err(e) => {
            let errors = catalog_error(e)?;
            let page = dataset_form(&state, &staff, None, f, errors, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub(crate) async fn staff_dataset(state: &AppState, id: &str) -> Result<Dataset, AppError> {
    catalog::dataset(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn edit_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let d = staff_dataset(&state, &id).await?;
    let notice = match q.done.as_str() {
        "created" => {
            "データセットを作成しました。リソース(ファイルかURL)を追加してから公開してください。"
        }
        "saved" => "保存しました。",
        "published" => "公開しました。",
        "withdrawn" => "公開を停止しました。",
        "resource" => "リソースを追加しました。",
        "override" => "理由を付けて公開を許可しました。",
        "replaced" => "ファイルを差し替えました(前のファイルは版として残しています)。",
        "converted" => {
            "今の形式に変換したファイルに差し替えました(元のファイルは版として残しています)。もう一度検証した結果をご覧ください。"
        }
        "resource_deleted" => "リソースを削除しました。",
        _ => "",
    };
    let f = input_of(&d);
    Ok(dataset_form(
        &state,
        &staff,
        Some(d),
        f,
        FieldErrors::default(),
        notice.into(),
    )
    .await?
    .into_response())
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(staff, f): StaffForm<DatasetInput>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let d = staff_dataset(&state, &id).await?;
    match catalog::update(&state.db, &d, &f, &staff.actor()).await {
        Ok(_) => Ok(
            Redirect::to(&staff.path(&format!("/staff/opendata/{id}?done=saved"))).into_response(),
        ),
        Err(e) => {
            let stale = matches!(e, CatalogError::Stale);
            let errors = catalog_error(e)?;
            let page = dataset_form(&state, &staff, Some(d), f, errors, String::new()).await?;
            let status = if stale {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((status, page).into_response())
        }
    }
}

async fn change_state(
    state: &AppState,
    staff: &Staff,
    id: &str,
    to: DsState,
) -> Result<Response, AppError> {
    require(staff)?;
    let d = staff_dataset(state, id).await?;
    match catalog::set_state(&state.db, &d, to, &staff.actor()).await {
        Ok(()) => {
            state.invalidate_plan();
            let done = if to == DsState::Published {
                "published"
            } else {
                "withdrawn"
            };
            Ok(
                Redirect::to(&staff.path(&format!("/staff/opendata/{id}?done={done}")))
                    .into_response(),
            )
        }
        Err(e) => {
            let errors = catalog_error(e)?;
            let f = input_of(&d);
            let page = dataset_form(state, staff, Some(d), f, errors, String::new()).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

pub async fn publish(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(staff, _): StaffForm<crate::auth::routes::Empty>,
) -> Result<Response, AppError> {
    change_state(&state, &staff, &id, DsState::Published).await
}

pub async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(staff, _): StaffForm<crate::auth::routes::Empty>,
) -> Result<Response, AppError> {
    change_state(&state, &staff, &id, DsState::Withdrawn).await
}
