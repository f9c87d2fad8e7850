//! The forms of a visit: printed pre-filled on A4 (one per page, then the desks to visit), and
//! the page for a form's own fields (those no common item fills).

use super::routes::{require, visit_error};
use super::store::{self, Values, Visit, VisitError};
use super::visit::{Loaded, load, typed, version_of};
use crate::app::AppState;
use crate::auth::routes::FieldErrors;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::procedures::form::{FieldType, FormDef};
use crate::procedures::form_fill::{PrintedSection, Source, fill, input_value};
use crate::procedures::model::{GuideItem, LifeEvent, by_desk};
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;

pub struct PrintedForm {
    pub title: String,
    pub addressee: String,
    pub declaration: String,
    pub sections: Vec<PrintedSection>,
}

#[derive(Template, WebTemplate)]
#[template(path = "counter/templates/print.html")]
struct PrintPage {
    layout: Layout,
    visit: Visit,
    event: LifeEvent,
    forms: Vec<PrintedForm>,
    groups: Vec<(String, Vec<GuideItem>)>,
}

fn printed(def: &FormDef, v: &Visit, town: &str, today: time::Date) -> PrintedForm {
    let sections = fill(
        def,
        &Source {
            common: &v.person,
            people: &v.people,
            typed: &typed(v, &def.key),
            life_event: &v.life_event,
            today,
        },
    );
    PrintedForm {
        title: def.title.clone(),
        addressee: if def.addressee.is_empty() {
            format!("{town}長")
        } else {
            def.addressee.clone()
        },
        declaration: def.declaration.clone(),
        sections,
    }
}

/// Every applicable form, pre-filled, one per A4 page, then the list of desks to visit.
/// `only` prints a single form.
async fn print(
    state: &AppState,
    staff: &Staff,
    id: i64,
    only: Option<&str>,
) -> Result<Response, AppError> {
    require(staff)?;
    let l = load(state, id).await?.ok_or(AppError::NotFound)?;
    if l.visit.is_purged() {
        return Ok(visit_error(staff, VisitError::Purged(l.visit.receipt())));
    }
    let town = match state.plan_data().await {
        Ok(d) => d.plan.municipality.name.clone(),
        Err(_) => String::new(),
    };
    let today = state.today();
    let forms: Vec<PrintedForm> = l
        .forms
        .iter()
        .filter(|f| only.is_none_or(|k| f.key == k))
        .map(|f| printed(f, &l.visit, &town, today))
        .collect();
    if only.is_some() && forms.is_empty() {
        return Err(AppError::NotFound);
    }
    // Printing shows personal data: the audit says who printed what, without the data.
    let mut conn = state.db.conn().await?;
    crate::audit::record(
        &mut conn,
        &staff.actor(),
        crate::audit::Change {
            action: "visit.print",
            entity: "visit",
            entity_id: &id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "forms": forms.len(), "only": only })),
            note: "",
        },
    )
    .await?;
    Ok(PrintPage {
        layout: Layout::staff(staff, "counter"),
        groups: by_desk(&l.items),
        visit: l.visit,
        event: l.event,
        forms,
    }
    .into_response())
}

pub async fn print_all(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    print(&state, &staff, id, None).await
}

pub async fn print_one(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, key)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    print(&state, &staff, id, Some(&key)).await
}

pub struct FormInput {
    pub key: String,
    pub id: String,
    pub label: String,
    pub kind: FieldType,
    pub options: Vec<String>,
    pub value: String,
    pub hint: String,
    pub required: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "counter/templates/form_edit.html")]
struct FormEditPage {
    layout: Layout,
    visit: Visit,
    title: String,
    form_key: String,
    inputs: Vec<FormInput>,
    errors: FieldErrors,
}

fn form_inputs(def: &FormDef, values: &Values) -> Vec<FormInput> {
    def.fields
        .iter()
        // Columns of a table of people are handwritten per person on the paper.
        .filter(|f| f.fill.is_empty() && (f.kind != FieldType::Mynumber || f.store))
        .filter(|f| def.section_group(&f.section).is_none())
        .map(|f| FormInput {
            key: f.key.clone(),
            id: format!("f-{}", f.key),
            label: if f.section.is_empty() {
                f.label.clone()
            } else {
                format!("{} {}", f.section, f.label)
            },
            kind: f.kind,
            options: f.options.clone(),
            value: values
                .get(&f.key)
                .map(|v| input_value(f.kind, v))
                .unwrap_or_default(),
            hint: f.hint.clone(),
            required: f.required,
        })
        .collect()
}

/// One of the forms that apply to the visit.
fn form_def(l: &Loaded, key: &str) -> Result<FormDef, AppError> {
    l.forms
        .iter()
        .find(|f| f.key == key)
        .cloned()
        .ok_or(AppError::NotFound)
}

pub async fn form_edit(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, key)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let l = load(&state, id).await?.ok_or(AppError::NotFound)?;
    if let Err(e) = store::writable(&l.visit) {
        return Ok(visit_error(&staff, e));
    }
    let def = form_def(&l, &key)?;
    Ok(FormEditPage {
        layout: Layout::staff(&staff, "counter"),
        inputs: form_inputs(&def, &typed(&l.visit, &key)),
        title: def.title,
        form_key: key,
        visit: l.visit,
        errors: FieldErrors::default(),
    }
    .into_response())
}

pub async fn form_save(
    State(state): State<AppState>,
    Path((id, key)): Path<(i64, String)>,
    StaffForm(staff, f): StaffForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let l = load(&state, id).await?.ok_or(AppError::NotFound)?;
    let def = form_def(&l, &key)?;
    match store::save_form_values(&state.db, id, &def, &f, version_of(&f), &staff.actor()).await {
        Ok(()) => Ok(
            Redirect::to(&staff.path(&format!("/staff/counter/visits/{id}#forms-h")))
                .into_response(),
        ),
        Err(VisitError::Invalid(list)) => {
            let mut errors = FieldErrors::default();
            for (k, m) in list {
                errors.add(&k, m);
            }
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                FormEditPage {
                    layout: Layout::staff(&staff, "counter"),
                    inputs: form_inputs(&def, &f),
                    title: def.title,
                    form_key: key,
                    visit: l.visit,
                    errors,
                },
            )
                .into_response())
        }
        Err(e) => Ok(visit_error(&staff, e)),
    }
}
