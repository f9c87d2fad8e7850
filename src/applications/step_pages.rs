//! The form's steps as pages: each saved at 次へ, checked field by field, and the postcode →
//! address lookup, which works without JavaScript (a button that sends the step back with the
//! address filled in, or the addresses to choose from).

use super::apply::{Mine, csrf_of, mine, with_csrf};
use super::model::State as AppState_;
use super::steps;
use super::store;
use crate::app::AppState;
use crate::auth::routes::FieldErrors;
use crate::auth::session::AnonForm;
use crate::counter::forms::FormInput;
use crate::error::AppError;
use crate::procedures::form::{FieldDef, FieldType};
use crate::procedures::form_check::check_value;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;

#[derive(Template, WebTemplate)]
#[template(path = "applications/templates/step.html")]
struct StepPage {
    layout: Layout,
    id: i64,
    version: i64,
    procedure_name: String,
    /// 0-based; of `count` steps (the attachments and the confirmation come after).
    index: usize,
    count: usize,
    title: String,
    inputs: Vec<FormInput>,
    errors: FieldErrors,
    csrf: String,
    correcting: bool,
    /// Postcode fields with a 住所を検索 button (postcode data is loaded and the step has the
    /// address field it fills).
    lookups: Vec<String>,
    found: Option<Found>,
}

/// What a postcode lookup found, shown under the postcode.
struct Found {
    postal: String,
    address: String,
    message: String,
    /// Several addresses share the code: one button each, filling the address field.
    choices: Vec<String>,
}

impl StepPage {
    fn number(&self) -> usize {
        self.index + 1
    }
    fn has_lookup(&self, key: &str) -> bool {
        self.lookups.iter().any(|k| k == key)
    }
}

pub(super) fn total_steps(m: &Mine) -> usize {
    steps::steps(&m.form).len() + usize::from(!m.form.attachments.is_empty()) + 1
}

async fn lookups(state: &AppState, fields: &[&FieldDef]) -> Result<Vec<String>, AppError> {
    let paired: Vec<String> = fields
        .iter()
        .filter(|f| steps::address_after(fields, &f.key).is_some())
        .map(|f| f.key.clone())
        .collect();
    if paired.is_empty() || !crate::postcodes::store::loaded(&state.shared).await? {
        return Ok(Vec::new());
    }
    Ok(paired)
}

async fn page(
    state: &AppState,
    headers: &HeaderMap,
    m: &Mine,
    n: usize,
    values: &BTreeMap<String, String>,
    errors: FieldErrors,
    found: Option<Found>,
) -> Result<(StepPage, String), AppError> {
    let all = steps::steps(&m.form);
    let s = &all[n - 1];
    let csrf = csrf_of(headers);
    Ok((
        StepPage {
            layout: Layout::public(state, "").await,
            id: m.app.id,
            version: m.app.version,
            index: n - 1,
            count: total_steps(m),
            title: s.title.clone(),
            inputs: steps::inputs(&s.fields, values),
            errors,
            csrf: csrf.clone(),
            correcting: m.app.state == AppState_::Correction,
            procedure_name: m.procedure_name.clone(),
            lookups: lookups(state, &s.fields).await?,
            found,
        },
        csrf,
    ))
}

pub async fn step(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, n)): Path<(i64, usize)>,
) -> Result<Response, AppError> {
    let m = mine(&state, &headers, id).await?;
    if !m.app.state.applicant_may_edit() {
        return Ok(Redirect::to(&format!("{}/apply/a/{id}", state.base)).into_response());
    }
    if n == 0 || n > steps::steps(&m.form).len() {
        return Err(AppError::NotFound);
    }
    let (p, csrf) = page(
        &state,
        &headers,
        &m,
        n,
        &m.app.answers,
        FieldErrors::default(),
        None,
    )
    .await?;
    Ok(with_csrf(&state, &headers, &csrf, p, StatusCode::OK))
}

pub async fn save_step(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, n)): Path<(i64, usize)>,
    AnonForm { form, .. }: AnonForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let m = mine(&state, &headers, id).await?;
    let all = steps::steps(&m.form);
    if n == 0 || n > all.len() {
        return Err(AppError::NotFound);
    }
    let s = &all[n - 1];
    if form.contains_key("lookup") || form.keys().any(|k| k.starts_with("fill.")) {
        return lookup(&state, &headers, &m, n, &s.fields, form).await;
    }
    let version: i64 = form
        .get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let back = form.contains_key("back");
    let result = match steps::check(&s.fields, &form) {
        Ok(values) => {
            let keys: Vec<String> = s.fields.iter().map(|f| f.key.clone()).collect();
            store::save_answers(&state.db, id, version, &values, &keys)
                .await
                .map_err(|e| vec![("form".to_string(), e.to_string())])
        }
        // Going back keeps nothing half-checked, and asks nothing.
        Err(_) if back => Ok(()),
        Err(list) => Err(list),
    };
    match result {
        Ok(()) => {
            let to = if back && n > 1 {
                format!("{}/apply/a/{id}/step/{}", state.base, n - 1)
            } else if back {
                format!("{}/apply/a/{id}", state.base)
            } else if n < all.len() {
                format!("{}/apply/a/{id}/step/{}", state.base, n + 1)
            } else if !m.form.attachments.is_empty() {
                format!("{}/apply/a/{id}/files", state.base)
            } else {
                format!("{}/apply/a/{id}/confirm", state.base)
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(list) => {
            let mut errors = FieldErrors::default();
            for (k, msg) in list {
                errors.add(&k, msg);
            }
            // What was typed stays, to be corrected in place.
            let (p, csrf) = page(&state, &headers, &m, n, &form, errors, None).await?;
            Ok(with_csrf(
                &state,
                &headers,
                &csrf,
                p,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

/// 住所を検索 (`lookup` = the postcode field) or a chosen address (`fill.<address field>`): the
/// same step again with everything typed kept, nothing saved until 次へ.
async fn lookup(
    state: &AppState,
    headers: &HeaderMap,
    m: &Mine,
    n: usize,
    fields: &[&FieldDef],
    mut form: BTreeMap<String, String>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let mut found = None;
    let chosen = form
        .iter()
        .find_map(|(k, v)| Some((k.strip_prefix("fill.")?.to_string(), v.clone())));
    if let Some((address, value)) = chosen {
        let postal = fields
            .iter()
            .find(|f| steps::address_after(fields, &f.key).is_some_and(|a| a.key == address))
            .ok_or(AppError::NotFound)?;
        form.insert(address.clone(), value.clone());
        found = Some(Found {
            postal: postal.key.clone(),
            address,
            message: format!("住所に「{value}」を入れました。番地などを続けて入力してください。"),
            choices: Vec::new(),
        });
    } else {
        let key = form.get("lookup").cloned().unwrap_or_default();
        let postal = fields
            .iter()
            .find(|f| f.key == key && f.kind == FieldType::Postal)
            .ok_or(AppError::NotFound)?;
        let address = steps::address_after(fields, &key).ok_or(AppError::NotFound)?;
        let raw = form.get(&key).cloned().unwrap_or_default();
        match check_value(FieldType::Postal, &raw, 0, None, &[]) {
            Ok(v) if v.is_empty() => errors.add(
                &key,
                format!(
                    "{}を入力してから「住所を検索」を押してください",
                    postal.label
                ),
            ),
            Err(e) => errors.add(&key, format!("{}: {e}", postal.label)),
            Ok(code) => {
                let digits: String = code.chars().filter(char::is_ascii_digit).collect();
                let list = crate::postcodes::store::lookup(&state.shared, &digits).await?;
                let current = form.get(&address.key).cloned().unwrap_or_default();
                let message = match list.as_slice() {
                    [] => format!(
                        "郵便番号 {code} の住所は見つかりませんでした。番号を確かめるか、住所をそのまま入力してください。"
                    ),
                    [one] => {
                        let full = one.full();
                        // Keep what was typed after the same address (番地, 建物).
                        if !current.starts_with(&full) {
                            form.insert(address.key.clone(), full.clone());
                        }
                        format!("住所に「{full}」を入れました。番地などを続けて入力してください。")
                    }
                    _ => format!(
                        "郵便番号 {code} には{}件の住所があります。当てはまるものを選んでください。",
                        list.len()
                    ),
                };
                form.insert(key.clone(), code);
                found = Some(Found {
                    postal: key.clone(),
                    address: address.key.clone(),
                    message,
                    choices: if list.len() > 1 {
                        list.iter().map(|a| a.full()).collect()
                    } else {
                        Vec::new()
                    },
                });
            }
        }
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let (p, csrf) = page(state, headers, m, n, &form, errors, found).await?;
    Ok(with_csrf(state, headers, &csrf, p, status))
}
