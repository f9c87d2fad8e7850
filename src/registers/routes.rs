//! Staff pages of the registers: the list, a register's rows with its KPI, the row form (add,
//! change, delete), CSV import, and the register's file (its definition).

use super::definition::RegisterDef;
use super::defs::{self, StoredDef};
use super::files::{self, Attached};
use super::form::{self, Input};
use super::store::{self, StoreError, Stored};
use super::{DEFINE_REGISTERS, EDIT_REGISTERS, VIEW_REGISTERS, aggregate};
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::fiscal::FiscalYear;
use crate::plan::kpi::format_value;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// A register by key, or 404.
pub async fn register_def(state: &AppState, key: &str) -> Result<StoredDef, AppError> {
    defs::load(&state.db, key).await?.ok_or(AppError::NotFound)
}

/// A KPI of the plan fed by a register, with what the register counts per 年度.
pub struct FedKpi {
    pub label: String,
    pub name: String,
    pub target: String,
    /// (年度, figure), oldest first.
    pub figures: Vec<(String, String)>,
}

/// The plan's KPIs that name this register, with the register's figures.
pub async fn fed_kpis(
    state: &AppState,
    def: &RegisterDef,
    rows: &[Stored],
) -> Result<Vec<FedKpi>, AppError> {
    let Some(kpi) = &def.kpi else {
        return Ok(Vec::new());
    };
    let Ok(data) = state.plan_data().await else {
        return Ok(Vec::new());
    };
    let today = state.today();
    let current = FiscalYear::of_date(today);
    let years: Vec<FiscalYear> = (current.0 - 9..=current.0).map(FiscalYear).collect();
    let cells: Vec<_> = rows.iter().map(|r| r.cells.clone()).collect();
    let counted = aggregate::figures(kpi, &cells, &years, today);
    Ok(data
        .plan
        .kpis()
        .into_iter()
        .filter(|k| k.kpi.source == def.source_key())
        .map(|k| FedKpi {
            label: k.item.label().to_string(),
            name: k.kpi.name.clone(),
            target: format!("{}({})", k.kpi.target_wording, k.kpi.deadline_wording),
            figures: counted
                .iter()
                .map(|(y, v)| (y.wareki(), format_value(*v, &k.kpi.unit)))
                .collect(),
        })
        .collect())
}

// ───────────── the list ─────────────

struct Line {
    key: String,
    title: String,
    description: String,
    rows: usize,
    public: bool,
    kpis: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "registers/templates/index.html")]
struct IndexPage {
    layout: Layout,
    lines: Vec<Line>,
    may_define: bool,
    /// Bundled registers this town does not have yet: (key, title).
    bundled: Vec<(String, String)>,
}

pub async fn index(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    staff.require(VIEW_REGISTERS, Subject::None)?;
    let all = defs::all(&state.db).await?;
    let data = state.plan_data().await.ok();
    let mut lines = Vec::new();
    for d in &all {
        let kpis = data
            .as_ref()
            .map(|data| {
                data.plan
                    .kpis()
                    .into_iter()
                    .filter(|k| k.kpi.source == d.def.source_key())
                    .map(|k| format!("{} {}", k.item.label(), k.kpi.name))
                    .collect()
            })
            .unwrap_or_default();
        lines.push(Line {
            key: d.def.key.clone(),
            title: d.def.title.clone(),
            description: d.def.description.clone().unwrap_or_default(),
            rows: store::rows(&state.db, &d.def).await?.len(),
            public: d.def.public,
            kpis,
        });
    }
    let bundled = super::bundled()
        .map_err(|e| AppError::Internal(e.into()))?
        .into_iter()
        .filter(|b| !all.iter().any(|d| d.def.key == b.key))
        .map(|b| (b.key, b.title))
        .collect();
    Ok(IndexPage {
        layout: Layout::staff(&staff, "registers"),
        lines,
        may_define: staff.can(DEFINE_REGISTERS, Subject::None),
        bundled,
    }
    .into_response())
}

// ───────────── a register ─────────────

struct Column {
    label: String,
}

struct RowLine {
    id: i64,
    cells: Vec<String>,
    editable: bool,
    /// The row's files this person may open: (id, name).
    files: Vec<(i64, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "registers/templates/register.html")]
struct RegisterPage {
    layout: Layout,
    def: RegisterDef,
    columns: Vec<Column>,
    rows: Vec<RowLine>,
    kpis: Vec<FedKpi>,
    may_add: bool,
    may_define: bool,
    notice: String,
    import_errors: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn notice_of(done: &str) -> String {
    match done {
        "added" => "行を追加しました。".into(),
        "saved" => "行を保存しました。".into(),
        "deleted" => "行を削除しました。".into(),
        "attached" => "ファイルを添付しました。".into(),
        "detached" => "ファイルを外しました。".into(),
        "defined" => "台帳の定義を登録しました。".into(),
        d if d.starts_with("imported-") => {
            format!("CSVから{}行を取り込みました。", &d["imported-".len()..])
        }
        _ => String::new(),
    }
}

/// The shown text of a cell: personal ones hidden unless this person may see them.
fn shown(def: &RegisterDef, row: &Stored, personal: bool) -> Vec<String> {
    def.fields
        .iter()
        .map(|f| {
            if f.personal && !personal {
                "(非公開)".to_string()
            } else {
                row.cells
                    .get(&f.key)
                    .map(|v| v.shown(f.kind))
                    .unwrap_or_default()
            }
        })
        .collect()
}

async fn register_page(
    state: &AppState,
    staff: &Staff,
    key: &str,
    notice: String,
    import_errors: Vec<String>,
) -> Result<RegisterPage, AppError> {
    let def = register_def(state, key).await?.def;
    let mut stored = store::rows(&state.db, &def).await?;
    let kpis = fed_kpis(state, &def, &stored).await?;
    stored.reverse();
    let attached = if def.attachments {
        files::of_register(&state.db, &def).await?
    } else {
        Vec::new()
    };
    let has_personal = def.fields.iter().any(|f| f.personal);
    let rows = stored
        .iter()
        .map(|r| {
            let personal = form::sees_personal(staff, Some(r));
            RowLine {
                id: r.id,
                cells: shown(&def, r, personal),
                editable: form::may_edit(staff, &def, r),
                files: attached
                    .iter()
                    .filter(|f| f.row_id == r.id && (personal || !has_personal))
                    .map(|f| (f.id, f.file_name.clone()))
                    .collect(),
            }
        })
        .collect();
    Ok(RegisterPage {
        layout: Layout::staff(staff, "registers"),
        columns: def
            .fields
            .iter()
            .map(|f| Column {
                label: f.label.clone(),
            })
            .collect(),
        rows,
        kpis,
        may_add: form::may_add(staff, &def),
        may_define: staff.can(DEFINE_REGISTERS, Subject::None),
        notice,
        import_errors,
        def,
    })
}

pub async fn register(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    staff.require(VIEW_REGISTERS, Subject::None)?;
    Ok(
        register_page(&state, &staff, &key, notice_of(&q.done), Vec::new())
            .await?
            .into_response(),
    )
}

// ───────────── the row form ─────────────

#[derive(Template, WebTemplate)]
#[template(path = "registers/templates/row.html")]
pub(super) struct RowPage {
    layout: Layout,
    def: RegisterDef,
    inputs: Vec<Input>,
    /// The row changed (None: a new row).
    id: Option<i64>,
    version: i64,
    errors: Vec<String>,
    /// Some fields are personal and not shown to this person.
    hidden_personal: bool,
    entered: String,
    notice: String,
    /// The row's files (a register that takes them, a row already saved).
    files: Vec<Attached>,
    /// Why a file was not attached.
    pub file_errors: Vec<String>,
}

/// The row form; for a saved row of a register that takes files, its files too.
pub(super) async fn row_page(
    state: &AppState,
    staff: &Staff,
    def: RegisterDef,
    row: Option<&Stored>,
    values: &BTreeMap<String, String>,
    errors: Vec<String>,
) -> Result<RowPage, AppError> {
    let personal = form::sees_personal(staff, row) || row.is_none();
    let by_field = form::errors_by_field(&def, errors.clone());
    let files = match row {
        Some(r) if def.attachments => files::of_row(&state.db, &def, r.id).await?,
        _ => Vec::new(),
    };
    Ok(RowPage {
        layout: Layout::staff(staff, "registers"),
        inputs: form::inputs(&def, values, &by_field, personal),
        id: row.map(|r| r.id),
        version: row.map_or(0, |r| r.version),
        errors,
        hidden_personal: !personal && def.fields.iter().any(|f| f.personal),
        entered: row
            .map(|r| {
                format!(
                    "記入: {} ・ 最終更新: {}({})",
                    r.created_by,
                    crate::fiscal::jst(&r.updated_at),
                    r.updated_by
                )
            })
            .unwrap_or_default(),
        notice: String::new(),
        files,
        file_errors: Vec::new(),
        def,
    })
}

pub async fn new_row(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let def = register_def(&state, &key).await?.def;
    if !form::may_add(&staff, &def) {
        staff.require(EDIT_REGISTERS, Subject::None)?;
    }
    let mut values: BTreeMap<String, String> = def
        .fields
        .iter()
        .filter_map(|f| Some((f.key.clone(), f.default.clone()?)))
        .collect();
    // A 課 enters its own rows: its name is filled in.
    if let Some(owner) = &def.owner_field {
        values.insert(owner.clone(), staff.user.department.clone());
    }
    Ok(row_page(&state, &staff, def, None, &values, Vec::new())
        .await?
        .into_response())
}

fn owner_error(def: &RegisterDef, owner: &str) -> String {
    let label = def
        .owner_field
        .as_deref()
        .and_then(|f| def.field(f))
        .map_or("課", |f| f.label.as_str());
    format!("「{label}」: 「{owner}」の行は記入できません(自分の課の行だけ記入できます)")
}

pub async fn add_row(
    State(state): State<AppState>,
    Path(key): Path<String>,
    StaffForm(staff, posted): StaffForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let def = register_def(&state, &key).await?.def;
    if !form::may_add(&staff, &def) {
        staff.require(EDIT_REGISTERS, Subject::None)?;
    }
    let values = form::posted(&def, &posted, None, true);
    let owner = def
        .owner_field
        .as_ref()
        .map(|f| values.get(f).map_or("", |v| v.trim()).to_string())
        .unwrap_or_default();
    let result = if form::may_edit_owned_by(&staff, &def, &owner) {
        store::add(&state.db, &def, &values, &staff.actor()).await
    } else {
        Err(StoreError::Invalid(vec![owner_error(&def, &owner)]))
    };
    match result {
        Ok(_) => {
            state.invalidate_plan();
            Ok(
                Redirect::to(&staff.path(&format!("/staff/registers/{key}?done=added")))
                    .into_response(),
            )
        }
        Err(StoreError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            row_page(&state, &staff, def, None, &values, errors).await?,
        )
            .into_response()),
        Err(e) => Err(store_error(e)),
    }
}

fn store_error(e: StoreError) -> AppError {
    e.into()
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Db(e) => AppError::Internal(e.into()),
            e => AppError::BadRequest(e.to_string()),
        }
    }
}

pub(super) async fn row_of(
    state: &AppState,
    def: &RegisterDef,
    id: i64,
) -> Result<Stored, AppError> {
    store::row(&state.db, def, id).await.map_err(store_error)
}

pub async fn edit_row(
    State(state): State<AppState>,
    staff: Staff,
    Path((key, id)): Path<(String, i64)>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    staff.require(VIEW_REGISTERS, Subject::None)?;
    let def = register_def(&state, &key).await?.def;
    let row = row_of(&state, &def, id).await?;
    if !form::may_edit(&staff, &def, &row) {
        staff.require(EDIT_REGISTERS, Subject::None)?;
    }
    let values = form::values_of(&row);
    let mut page = row_page(&state, &staff, def, Some(&row), &values, Vec::new()).await?;
    page.notice = notice_of(&q.done);
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct Version {
    #[serde(default)]
    version: i64,
}

fn version_of(posted: &HashMap<String, String>) -> i64 {
    posted
        .get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub async fn update_row(
    State(state): State<AppState>,
    Path((key, id)): Path<(String, i64)>,
    StaffForm(staff, posted): StaffForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let def = register_def(&state, &key).await?.def;
    let row = row_of(&state, &def, id).await?;
    if !form::may_edit(&staff, &def, &row) {
        staff.require(EDIT_REGISTERS, Subject::None)?;
    }
    let personal = form::sees_personal(&staff, Some(&row));
    let values = form::posted(&def, &posted, Some(&row), personal);
    let owner = def
        .owner_field
        .as_ref()
        .map(|f| values.get(f).map_or("", |v| v.trim()).to_string())
        .unwrap_or_default();
    let result = if form::may_edit_owned_by(&staff, &def, &owner) {
        store::update(
            &state.db,
            &def,
            id,
            version_of(&posted),
            &values,
            &staff.actor(),
        )
        .await
    } else {
        Err(StoreError::Invalid(vec![owner_error(&def, &owner)]))
    };
    match result {
        Ok(()) => {
            state.invalidate_plan();
            Ok(
                Redirect::to(&staff.path(&format!("/staff/registers/{key}?done=saved")))
                    .into_response(),
            )
        }
        Err(e @ (StoreError::Invalid(_) | StoreError::Stale)) => {
            let status = if matches!(e, StoreError::Stale) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let errors = match e {
                StoreError::Invalid(es) => es,
                e => vec![e.to_string()],
            };
            let page = row_page(&state, &staff, def, Some(&row), &values, errors).await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(store_error(e)),
    }
}

pub async fn delete_row(
    State(state): State<AppState>,
    Path((key, id)): Path<(String, i64)>,
    StaffForm(staff, v): StaffForm<Version>,
) -> Result<Response, AppError> {
    let def = register_def(&state, &key).await?.def;
    let row = row_of(&state, &def, id).await?;
    if !form::may_edit(&staff, &def, &row) {
        staff.require(EDIT_REGISTERS, Subject::None)?;
    }
    match store::delete(&state.db, &def, id, v.version, &staff.actor()).await {
        Ok(()) => {
            state.invalidate_plan();
            Ok(
                Redirect::to(&staff.path(&format!("/staff/registers/{key}?done=deleted")))
                    .into_response(),
            )
        }
        Err(StoreError::Stale) => {
            let values = form::values_of(&row);
            Ok((
                StatusCode::CONFLICT,
                row_page(
                    &state,
                    &staff,
                    def,
                    Some(&row),
                    &values,
                    vec![StoreError::Stale.to_string()],
                )
                .await?,
            )
                .into_response())
        }
        Err(e) => Err(store_error(e)),
    }
}

// ───────────── CSV import ─────────────

pub async fn import(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    // The form's token is checked before anything else is looked at.
    let upload = crate::opendata::upload::read(&staff, multipart, super::MAX_IMPORT).await?;
    let def = register_def(&state, &key).await?.def;
    if !form::may_add(&staff, &def) {
        staff.require(EDIT_REGISTERS, Subject::None)?;
    }
    let errors = match &upload.file {
        None => vec!["CSVファイルを選んでください。".to_string()],
        Some((_, bytes)) => {
            let may_own = |owner: &str| form::may_edit_owned_by(&staff, &def, owner);
            match store::import_csv(&state.db, &def, bytes, &may_own, &staff.actor()).await {
                Ok(n) => {
                    state.invalidate_plan();
                    return Ok(Redirect::to(
                        &staff.path(&format!("/staff/registers/{key}?done=imported-{n}")),
                    )
                    .into_response());
                }
                Err(StoreError::Invalid(es)) => es,
                Err(e) => return Err(store_error(e)),
            }
        }
    };
    let page = register_page(&state, &staff, &key, String::new(), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
