//! The FAQ as staff keep it: the list, an entry's form and its versions, import (JSON lines,
//! CSV, Excel; all or nothing) and export.

use super::model::{Entry, Stored, words};
use super::store::{self, SaveError};
use super::{MANAGE_FAQ, import, service};
use crate::app::AppState;
use crate::auth::Staff;
use crate::auth::permissions::Subject;
use crate::auth::routes::FieldErrors;
use crate::auth::session::StaffForm;
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Largest FAQ file accepted.
pub const MAX_FILE: usize = 20 * 1024 * 1024;

#[derive(Template, WebTemplate)]
#[template(path = "faq/templates/staff_list.html")]
struct ListPage {
    layout: Layout,
    entries: Vec<Stored>,
    q: String,
    total: usize,
    due: usize,
    notice: String,
    errors: Vec<String>,
    can_edit_all: bool,
    today: time::Date,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    done: String,
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    q: String,
    notice: String,
    errors: Vec<String>,
) -> Result<ListPage, AppError> {
    let all = store::all(&state.db).await?;
    let today = crate::fiscal::today_jst();
    let total = all.len();
    let due = all.iter().filter(|s| s.entry.review_due(today)).count();
    let needle = super::normalize::key(&q);
    let entries = all
        .into_iter()
        .filter(|s| {
            needle.is_empty()
                || super::normalize::key(&format!(
                    "{} {} {} {}",
                    s.entry.id, s.entry.question, s.entry.category, s.entry.department
                ))
                .contains(&needle)
        })
        .collect();
    Ok(ListPage {
        layout: Layout::staff(staff, "faq"),
        entries,
        q,
        total,
        due,
        notice,
        errors,
        can_edit_all: staff.can(MANAGE_FAQ, Subject::None),
        today,
    })
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_str() {
        "deleted" => "削除しました。".to_string(),
        d if d.starts_with("imported:") => {
            let n: Vec<&str> = d["imported:".len()..].split(',').collect();
            match n.as_slice() {
                [a, u, s] => format!("取り込みました(追加 {a}件、更新 {u}件、変更なし {s}件)。"),
                _ => "取り込みました。".into(),
            }
        }
        _ => String::new(),
    };
    Ok(list_page(&state, &staff, q.q, notice, Vec::new())
        .await?
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "faq/templates/staff_entry.html")]
struct EntryForm {
    layout: Layout,
    /// None for a new entry.
    version: Option<i64>,
    entry: Entry,
    keywords: String,
    related: String,
    errors: FieldErrors,
    departments: Vec<String>,
    versions: Vec<(i64, String, String, Entry)>,
    notes: String,
    saved: bool,
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    question: String,
    #[serde(default)]
    keywords: String,
}

async fn departments(state: &AppState) -> Vec<String> {
    crate::plan::service::frame(state)
        .await
        .1
        .departments
        .iter()
        .map(|d| d.name.clone())
        .collect()
}

pub async fn new_form(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    staff.require(
        MANAGE_FAQ,
        Subject::Department {
            department: &staff.user.department,
        },
    )?;
    Ok(EntryForm {
        layout: Layout::staff(&staff, "faq"),
        version: None,
        entry: Entry {
            question: q.question.chars().take(500).collect(),
            department: staff.user.department.clone(),
            published: true,
            ..Entry::default()
        },
        keywords: q.keywords.chars().take(2000).collect(),
        related: String::new(),
        errors: FieldErrors::default(),
        departments: departments(&state).await,
        versions: Vec::new(),
        notes: String::new(),
        saved: false,
    }
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

/// An entry this person may edit (its department's, or any for the coordinating department).
async fn editable(state: &AppState, staff: &Staff, id: &str) -> Result<Stored, AppError> {
    let s = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    staff.require(
        MANAGE_FAQ,
        Subject::Department {
            department: &s.entry.department,
        },
    )?;
    Ok(s)
}

pub async fn edit_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let s = editable(&state, &staff, &id).await?;
    Ok(EntryForm {
        layout: Layout::staff(&staff, "faq"),
        version: Some(s.version),
        keywords: s.entry.keywords.join("\n"),
        related: s.entry.related.join("\n"),
        notes: notes_text(&s.entry),
        entry: s.entry,
        errors: FieldErrors::default(),
        departments: departments(&state).await,
        versions: store::versions(&state.db, &id).await?,
        saved: !q.saved.is_empty(),
    }
    .into_response())
}

fn notes_text(e: &Entry) -> String {
    e.notes
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}: {}",
                v.as_str().map_or_else(|| v.to_string(), str::to_string)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Deserialize)]
pub struct EntryFields {
    #[serde(default)]
    id: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    question: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    related: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    review_on: String,
}

/// `POST /staff/faq/new` and `POST /staff/faq/{id}`.
async fn save(
    state: &AppState,
    staff: Staff,
    id: Option<String>,
    f: EntryFields,
) -> Result<Response, AppError> {
    let before = match &id {
        Some(id) => Some(editable(state, &staff, id).await?),
        None => None,
    };
    staff.require(
        MANAGE_FAQ,
        Subject::Department {
            department: f.department.trim(),
        },
    )?;
    let entry = Entry {
        id: id.clone().unwrap_or(f.id),
        question: f.question,
        answer: f.answer,
        category: f.category,
        keywords: words(&f.keywords),
        department: f.department,
        url: f.url,
        related: words(&f.related),
        published: f.published.is_some(),
        review_on: f.review_on,
        notes: before
            .as_ref()
            .map(|b| b.entry.notes.clone())
            .unwrap_or_default(),
    };
    let mut errors = FieldErrors::default();
    let result = match entry.clone().checked() {
        Ok(e) => store::save(
            &state.db,
            &e,
            f.version.filter(|_| id.is_some()),
            &staff.actor(),
        )
        .await
        .map(|_| e),
        Err(list) => {
            for (k, m) in list {
                errors.add(k, m);
            }
            Err(SaveError::Db(anyhow::anyhow!("invalid")))
        }
    };
    match result {
        Ok(e) => {
            service::invalidate(state);
            Ok(Redirect::to(
                &staff.path(&format!("/staff/faq/{}?saved=1", service::id_path(&e.id))),
            )
            .into_response())
        }
        Err(err) => {
            match err {
                SaveError::Stale => errors.add("version", err.to_string()),
                SaveError::Taken(_) => errors.add("id", err.to_string()),
                SaveError::Db(e) if errors.0.is_empty() => return Err(AppError::Internal(e)),
                SaveError::Db(_) => {}
            }
            let page = EntryForm {
                layout: Layout::staff(&staff, "faq"),
                version: before.as_ref().map(|b| b.version),
                keywords: entry.keywords.join("\n"),
                related: entry.related.join("\n"),
                notes: notes_text(&entry),
                entry,
                errors,
                departments: departments(state).await,
                versions: match &id {
                    Some(id) => store::versions(&state.db, id).await?,
                    None => Vec::new(),
                },
                saved: false,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<EntryFields>,
) -> Result<Response, AppError> {
    save(&state, staff, None, f).await
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(staff, f): StaffForm<EntryFields>,
) -> Result<Response, AppError> {
    save(&state, staff, Some(id), f).await
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(staff, _): StaffForm<crate::auth::routes::Empty>,
) -> Result<Response, AppError> {
    editable(&state, &staff, &id).await?;
    store::delete(&state.db, &id, &staff.actor()).await?;
    service::invalidate(&state);
    Ok(Redirect::to(&staff.path("/staff/faq?done=deleted")).into_response())
}

/// Reads and writes a file, all or nothing. Shared by the page and `machi faq import`.
pub async fn import_file(
    state: &AppState,
    name: &str,
    bytes: &[u8],
    actor: &crate::audit::Actor,
) -> Result<store::Imported, Vec<String>> {
    let entries = import::read(name, bytes).map_err(|list| {
        list.iter()
            .map(|e| {
                if e.row == 0 {
                    e.message.clone()
                } else {
                    e.to_string()
                }
            })
            .collect::<Vec<_>>()
    })?;
    let done = store::import(&state.db, &entries, name, actor)
        .await
        .map_err(|e| vec![format!("保存できませんでした: {e}")])?;
    service::invalidate(state);
    Ok(done)
}

pub async fn import_upload(
    State(state): State<AppState>,
    staff: Staff,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = crate::opendata::upload::read(&staff, multipart, MAX_FILE).await?;
    staff.require(MANAGE_FAQ, Subject::None)?;
    let result = match &upload.file {
        None => Err(vec!["ファイルを選んでください。".to_string()]),
        Some((name, bytes)) => import_file(&state, name, bytes, &staff.actor()).await,
    };
    match result {
        Ok(d) => Ok(Redirect::to(&staff.path(&format!(
            "/staff/faq?done=imported:{},{},{}",
            d.added, d.updated, d.unchanged
        )))
        .into_response()),
        Err(errors) => {
            let page = list_page(&state, &staff, String::new(), String::new(), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn export_csv(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    export(&state, &staff, "export.csv").await
}

pub async fn export_jsonl(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Response, AppError> {
    export(&state, &staff, "export.jsonl").await
}

/// `/staff/faq/export.jsonl` and `/staff/faq/export.csv`: every entry, drafts too.
async fn export(state: &AppState, staff: &Staff, file: &str) -> Result<Response, AppError> {
    staff.require(super::READ_VOICES, Subject::None)?;
    let entries: Vec<Entry> = store::all(&state.db)
        .await?
        .into_iter()
        .map(|s| s.entry)
        .collect();
    let (bytes, ct) = match file {
        "export.jsonl" => (
            import::to_jsonl(&entries).into_bytes(),
            "application/jsonl; charset=utf-8",
        ),
        "export.csv" => (import::to_csv(&entries)?, "text/csv; charset=utf-8"),
        _ => return Err(AppError::NotFound),
    };
    let name = file.replace("export", "faq");
    Ok((
        [
            (header::CONTENT_TYPE, ct.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
