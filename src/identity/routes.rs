//! Staff pages for the body's identity, and the public emblem.

use super::model::{self, Department, Identity, MAX_EMBLEM};
use super::store::{self, SaveError};
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::routes::FieldErrors;
use crate::auth::secret::constant_time_eq;
use crate::auth::session::{csrf_refused, origin_matches};
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The emblem as an image, or 404 when there is none.
pub async fn emblem(State(state): State<AppState>) -> Result<Response, AppError> {
    let (content_type, bytes) = store::emblem(&state.db).await?.ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300".to_string()),
            (header::CONTENT_DISPOSITION, "inline".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct IdentityForm {
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub hours: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub version: i64,
}

impl IdentityForm {
    fn of(i: &Identity) -> IdentityForm {
        IdentityForm {
            postal_code: i.postal_code.clone(),
            address: i.address.clone(),
            phone: i.phone.clone(),
            email: i.email.clone(),
            hours: i.hours.clone(),
            website: i.website.clone(),
            version: i.version,
        }
    }

    /// The fields as they will be kept, or what is wrong with each.
    fn check(&self) -> Result<Identity, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut take = |field: &str, r: Result<String, String>| {
            r.unwrap_or_else(|e| {
                errors.add(field, e);
                String::new()
            })
        };
        let out = Identity {
            postal_code: take("postal_code", model::postal_code(&self.postal_code)),
            address: take("address", limited(&self.address, 200)),
            phone: take("phone", model::phone(&self.phone)),
            email: take("email", model::email(&self.email)),
            hours: take("hours", limited(&self.hours, 200)),
            website: take("website", model::website(&self.website)),
            ..Identity::default()
        };
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// Trimmed text of at most `max` characters, on one line.
fn limited(text: &str, max: usize) -> Result<String, String> {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > max {
        Err(format!(
            "{max}文字以内で入力してください(いま{}文字)",
            t.chars().count()
        ))
    } else {
        Ok(t)
    }
}

/// A department named in the plan, with its contact if one is registered.
pub struct DepartmentLine {
    name: String,
    contact: Option<Department>,
    /// Named in the plan (or the town's words) — shown even without a contact.
    in_plan: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "identity/templates/staff_identity.html")]
struct IdentityPage {
    layout: Layout,
    form: IdentityForm,
    errors: FieldErrors,
    notice: String,
    emblem_error: String,
    has_emblem: bool,
    emblem_word: String,
    departments: Vec<DepartmentLine>,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn notice_of(done: &str) -> String {
    match done {
        "saved" => "保存しました。公開ページの上下に表示されます。",
        "emblem" => "画像を登録しました。",
        "emblem_removed" => "画像を外しました。",
        "department" => "担当課の連絡先を保存しました。手続きのページに表示されます。",
        "department_removed" => "担当課の連絡先を削除しました。",
        _ => "",
    }
    .to_string()
}

/// The departments the plan names, and those with a registered contact.
async fn department_lines(
    state: &AppState,
    identity: &Identity,
) -> Result<Vec<DepartmentLine>, AppError> {
    let mut named: Vec<String> = Vec::new();
    if let Ok(data) = state.plan_data().await {
        named.push(data.words.coordinating.clone());
        named.extend(data.plan.measures.iter().map(|m| m.department.clone()));
    }
    named.retain(|n| !n.trim().is_empty());
    let mut lines: Vec<DepartmentLine> = identity
        .departments
        .iter()
        .map(|d| DepartmentLine {
            name: d.name.clone(),
            contact: Some(d.clone()),
            in_plan: named.contains(&d.name),
        })
        .collect();
    for n in named {
        if !lines.iter().any(|l| l.name == n) {
            lines.push(DepartmentLine {
                name: n,
                contact: None,
                in_plan: true,
            });
        }
    }
    Ok(lines)
}

async fn identity_page(
    state: &AppState,
    staff: &Staff,
    form: Option<IdentityForm>,
    errors: FieldErrors,
    notice: String,
    emblem_error: String,
) -> Result<IdentityPage, AppError> {
    let identity = store::load(&state.db).await?;
    Ok(IdentityPage {
        layout: Layout::staff(staff, "identity"),
        form: form.unwrap_or_else(|| IdentityForm::of(&identity)),
        errors,
        notice,
        emblem_error,
        has_emblem: !identity.emblem_type.is_empty(),
        emblem_word: model::emblem_word(&staff.words.kind),
        departments: department_lines(state, &identity).await?,
    })
}

pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    staff.require(super::EDIT_IDENTITY, Subject::None)?;
    let page = identity_page(
        &state,
        &staff,
        None,
        FieldErrors::default(),
        notice_of(&q.done),
        String::new(),
    )
    .await?;
    Ok(page.into_response())
}

pub async fn save(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<IdentityForm>,
) -> Result<Response, AppError> {
    staff.require(super::EDIT_IDENTITY, Subject::None)?;
    let (status, errors) = match form.check() {
        Ok(new) => match store::save(&state.db, &new, form.version, &staff.actor()).await {
            Ok(()) => {
                state.invalidate_plan();
                return Ok(Redirect::to(&staff.path("/staff/identity?done=saved")).into_response());
            }
            Err(SaveError::Stale) => {
                let mut e = FieldErrors::default();
                e.add("version", SaveError::Stale.to_string());
                (StatusCode::CONFLICT, e)
            }
            Err(SaveError::Other(e)) => return Err(e.into()),
        },
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    let page = identity_page(
        &state,
        &staff,
        Some(form),
        errors,
        String::new(),
        String::new(),
    )
    .await?;
    Ok((status, page).into_response())
}

fn too_large() -> String {
    format!(
        "画像が大きすぎます。{}KB以下にしてください。",
        MAX_EMBLEM / 1024
    )
}

pub async fn upload_emblem(
    State(state): State<AppState>,
    headers: HeaderMap,
    staff: Staff,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    if !origin_matches(&headers) {
        return Err(csrf_refused());
    }
    staff.require(super::EDIT_IDENTITY, Subject::None)?;
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    let mut error = String::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                error = too_large();
                break;
            }
            Err(e) => {
                return Err(AppError::BadRequest(format!(
                    "送信内容を読み取れません: {e}"
                )));
            }
        };
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "emblem" => match field.bytes().await {
                Ok(b) => file = Some(b.to_vec()),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    error = too_large();
                    break;
                }
                Err(e) => {
                    return Err(AppError::BadRequest(format!("画像を読み取れません: {e}")));
                }
            },
            _ => {}
        }
    }
    if error.is_empty() && !constant_time_eq(&csrf, &staff.session.csrf_token) {
        return Err(csrf_refused());
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if error.is_empty() {
        match file.filter(|b| !b.is_empty()) {
            None => error = "画像ファイルを選んでください。".into(),
            Some(b) if b.len() > MAX_EMBLEM => {
                error = too_large();
                status = StatusCode::PAYLOAD_TOO_LARGE;
            }
            Some(b) => match model::emblem_type(&b) {
                Ok(t) => {
                    store::set_emblem(&state.db, Some((t, &b)), &staff.actor()).await?;
                    state.invalidate_plan();
                    return Ok(
                        Redirect::to(&staff.path("/staff/identity?done=emblem")).into_response()
                    );
                }
                Err(e) => error = e,
            },
        }
    } else {
        status = StatusCode::PAYLOAD_TOO_LARGE;
    }
    let page = identity_page(
        &state,
        &staff,
        None,
        FieldErrors::default(),
        String::new(),
        error,
    )
    .await?;
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn remove_emblem(
    State(state): State<AppState>,
    StaffForm(staff, _): StaffForm<Empty>,
) -> Result<Response, AppError> {
    staff.require(super::EDIT_IDENTITY, Subject::None)?;
    store::set_emblem(&state.db, None, &staff.actor()).await?;
    state.invalidate_plan();
    Ok(Redirect::to(&staff.path("/staff/identity?done=emblem_removed")).into_response())
}

#[derive(Deserialize, Default)]
pub struct DepartmentQuery {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize, Default)]
pub struct DepartmentForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// The name it was opened with (empty for a new one): a rename replaces that entry.
    #[serde(default)]
    pub original: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "identity/templates/staff_department.html")]
struct DepartmentPage {
    layout: Layout,
    form: DepartmentForm,
    errors: FieldErrors,
    exists: bool,
}

pub async fn department_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DepartmentQuery>,
) -> Result<Response, AppError> {
    staff.require(super::EDIT_IDENTITY, Subject::None)?;
    let identity = store::load(&state.db).await?;
    let existing = identity.department(&q.name);
    let form = existing.map_or_else(
        || DepartmentForm {
            name: q.name.trim().to_string(),
            ..DepartmentForm::default()
        },
        |d| DepartmentForm {
            name: d.name.clone(),
            place: d.place.clone(),
            phone: d.phone.clone(),
            email: d.email.clone(),
            original: d.name.clone(),
        },
    );
    Ok(DepartmentPage {
        layout: Layout::staff(&staff, "identity"),
        exists: existing.is_some(),
        form,
        errors: FieldErrors::default(),
    }
    .into_response())
}

pub async fn save_department(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<DepartmentForm>,
) -> Result<Response, AppError> {
    staff.require(super::EDIT_IDENTITY, Subject::None)?;
    let mut errors = FieldErrors::default();
    let name = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        errors.add("name", "担当課の名前を入力してください(例: 住民課)");
    } else if name.chars().count() > 60 {
        errors.add("name", "担当課の名前は60文字以内で入力してください");
    }
    let mut field = |f: &str, r: Result<String, String>| {
        r.unwrap_or_else(|e| {
            errors.add(f, e);
            String::new()
        })
    };
    let d = Department {
        name: name.clone(),
        place: field("place", limited(&form.place, 100)),
        phone: field("phone", model::phone(&form.phone)),
        email: field("email", model::email(&form.email)),
    };
    if errors.is_empty() && d.place.is_empty() && d.phone.is_empty() && d.email.is_empty() {
        errors.add(
            "phone",
            "場所・電話番号・メールアドレスのどれか一つは入力してください",
        );
    }
    if !errors.is_empty() {
        let exists = !form.original.is_empty();
        let page = DepartmentPage {
            layout: Layout::staff(&staff, "identity"),
            form,
            errors,
            exists,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let actor = staff.actor();
    store::save_department(&state.db, &d, Some(form.original.trim()), &actor).await?;
    state.invalidate_plan();
    Ok(Redirect::to(&staff.path("/staff/identity?done=department#departments")).into_response())
}

pub async fn remove_department(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<DepartmentQuery>,
) -> Result<Response, AppError> {
    staff.require(super::EDIT_IDENTITY, Subject::None)?;
    if !store::delete_department(&state.db, form.name.trim(), &staff.actor()).await? {
        return Err(AppError::NotFound);
    }
    state.invalidate_plan();
    Ok(
        Redirect::to(&staff.path("/staff/identity?done=department_removed#departments"))
            .into_response(),
    )
}
