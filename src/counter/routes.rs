//! The clerk's screens: the day's board, one visit (questions, common items, forms, desks,
//! timestamps), the printable forms, and the stay-time statistics.

use super::store::{self, Values, Visit, VisitError};
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::routes::FieldErrors;
use crate::auth::session::is_https;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::procedures::cache::snapshot;
use crate::procedures::form::{COMMON_ITEMS, FieldType, FormDef, PrintedField, fill};
use crate::procedures::model::{GuideItem, LifeEvent, by_desk};
use crate::procedures::routes::{QuestionView, guide_for, question_views};
use crate::procedures::rule::Answers;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;

fn require(staff: &Staff) -> Result<(), AppError> {
    staff.require(crate::counter::RUN_COUNTER, Subject::None)
}

#[derive(Template, WebTemplate)]
#[template(path = "counter/templates/gone.html")]
struct GonePage {
    layout: Layout,
    message: String,
}

/// A visit error as the clerk sees it: purged → 410 with the reason, closed → 409.
fn visit_error(staff: &Staff, e: VisitError) -> Response {
    let status = match &e {
        VisitError::Purged(_) => StatusCode::GONE,
        VisitError::Closed(..) | VisitError::Stale => StatusCode::CONFLICT,
        VisitError::NotFound => return AppError::NotFound.into_response(),
        VisitError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        VisitError::Other(_) => {
            return AppError::Internal(anyhow::anyhow!("{e:#}")).into_response();
        }
    };
    (
        status,
        GonePage {
            layout: Layout::staff(staff, "counter"),
            message: e.to_string(),
        },
    )
        .into_response()
}

pub struct BoardRow {
    pub visit: Visit,
    pub event: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "counter/templates/board.html")]
struct BoardPage {
    layout: Layout,
    events: Vec<LifeEvent>,
    rows: Vec<BoardRow>,
    retention_days: i64,
    today: time::Date,
}

fn event_title(events: &[LifeEvent], key: &str) -> String {
    events
        .iter()
        .find(|e| e.key == key)
        .map_or_else(|| key.to_string(), |e| e.short.clone())
}

pub async fn board(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    require(&staff)?;
    // The periodic purge also runs here, so a visit never outlives its retention on screen.
    store::purge(
        &state.db,
        state.settings.counter_retention_days,
        OffsetDateTime::now_utc(),
    )
    .await?;
    let events = snapshot(&state).await?.life_events.clone();
    let today = crate::fiscal::today_jst();
    let rows = store::visits_on(&state.db, today)
        .await?
        .into_iter()
        .map(|v| BoardRow {
            event: event_title(&events, &v.life_event),
            visit: v,
        })
        .collect();
    Ok(BoardPage {
        layout: Layout::staff(&staff, "counter"),
        events,
        rows,
        retention_days: state.settings.counter_retention_days,
        today,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct OpenForm {
    life_event: String,
}

pub async fn open(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<OpenForm>,
) -> Result<Response, AppError> {
    require(&staff)?;
    if snapshot(&state).await?.life_event(&f.life_event).is_none() {
        return Err(AppError::BadRequest(format!(
            "ライフイベント「{}」はありません",
            f.life_event
        )));
    }
    match store::open(
        &state.db,
        &f.life_event,
        &staff.actor(),
        OffsetDateTime::now_utc(),
    )
    .await
    {
        Ok(v) => Ok(
            Redirect::to(&staff.path(&format!("/staff/counter/visits/{}", v.id))).into_response(),
        ),
        Err(e) => Ok(visit_error(&staff, e)),
    }
}

pub struct CommonField {
    pub key: &'static str,
    pub id: String,
    pub label: String,
    pub value: String,
    pub hint: &'static str,
    pub autocomplete: &'static str,
}

/// The common items as asked for this life event, with the values given so far.
pub fn common_fields(event: &LifeEvent, values: &Values) -> Vec<CommonField> {
    COMMON_ITEMS
        .iter()
        .filter(|(key, ..)| {
            *key != "subject.previous_address" || !event.previous_address_label.is_empty()
        })
        .map(|(key, label, kind, _)| {
            let label = match *key {
                "subject.event_date" => {
                    format!("{}({})", event.event_date_label, event.subject_label)
                }
                "subject.previous_address" => event.previous_address_label.clone(),
                k if k.starts_with("subject.") => format!("{} {label}", event.subject_label),
                _ => label.to_string(),
            };
            let hint = match kind {
                FieldType::Kana => "カタカナ(ひらがなで入力しても自動でカタカナにします)",
                FieldType::Date => "例: 令和7年2月28日、R7.2.28、2025-02-28",
                FieldType::Postal => "7桁の数字。例: 669-6592",
                FieldType::Phone => "市外局番から。例: 0796-36-1111",
                _ => "",
            };
            let autocomplete = match *key {
                "applicant.name" => "name",
                "applicant.postal" => "postal-code",
                "applicant.address" => "street-address",
                "applicant.phone" => "tel",
                "applicant.birth" => "bday",
                _ => "off",
            };
            CommonField {
                key,
                id: key.replace('.', "-"),
                label,
                value: values
                    .get(*key)
                    .map(|v| crate::procedures::form::input_value(*kind, v))
                    .unwrap_or_default(),
                hint,
                autocomplete,
            }
        })
        .collect()
}

pub struct FormLink {
    pub key: String,
    pub title: String,
    /// Required fields that are still empty.
    pub missing: Vec<String>,
}

/// The forms of the procedures the guide lists, in the order of the list.
fn forms_for(items: &[GuideItem], forms: &[FormDef]) -> Vec<FormDef> {
    let mut out: Vec<FormDef> = Vec::new();
    for i in items {
        for f in forms {
            if f.procedures.contains(&i.procedure.key) && !out.iter().any(|o| o.key == f.key) {
                out.push(f.clone());
            }
        }
    }
    out
}

fn typed(v: &Visit, key: &str) -> Values {
    v.form_values.get(key).cloned().unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "counter/templates/visit.html")]
struct VisitPage {
    layout: Layout,
    visit: Visit,
    event: LifeEvent,
    questions: Vec<QuestionView>,
    groups: Vec<(String, Vec<GuideItem>)>,
    common: Vec<CommonField>,
    forms: Vec<FormLink>,
    errors: FieldErrors,
    notice: String,
    entry: Option<(String, String)>,
}

struct Loaded {
    visit: Visit,
    event: LifeEvent,
    items: Vec<GuideItem>,
    forms: Vec<FormDef>,
}

async fn load(state: &AppState, id: i64) -> Result<Option<Loaded>, AppError> {
    let Some(visit) = store::visit(&state.db, id).await? else {
        return Ok(None);
    };
    let snap = snapshot(state).await?;
    let event = snap
        .life_event(&visit.life_event)
        .ok_or(AppError::NotFound)?
        .clone();
    let items = guide_for(&snap, &event, &visit.answers);
    let forms = forms_for(&items, &snap.forms);
    Ok(Some(Loaded {
        visit,
        event,
        items,
        forms,
    }))
}

fn visit_page(
    staff: &Staff,
    l: Loaded,
    common_values: Option<Values>,
    errors: FieldErrors,
    notice: String,
    entry: Option<(String, String)>,
    today: time::Date,
) -> VisitPage {
    let forms = l
        .forms
        .iter()
        .map(|f| FormLink {
            key: f.key.clone(),
            title: f.title.clone(),
            missing: fill(
                f,
                &l.visit.person,
                &typed(&l.visit, &f.key),
                &l.visit.life_event,
                today,
            )
            .into_iter()
            .filter(|p| p.required && p.value.is_empty())
            .map(|p| {
                if p.section.is_empty() {
                    p.label
                } else {
                    format!("{} {}", p.section, p.label)
                }
            })
            .collect(),
        })
        .collect();
    let values = common_values.unwrap_or_else(|| l.visit.person.clone());
    VisitPage {
        layout: Layout::staff(staff, "counter"),
        questions: question_views(&l.event, &l.visit.answers),
        groups: by_desk(&l.items),
        common: common_fields(&l.event, &values),
        forms,
        errors,
        notice,
        entry,
        event: l.event,
        visit: l.visit,
    }
}

pub async fn visit(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let l = load(&state, id).await?.ok_or(AppError::NotFound)?;
    Ok(visit_page(
        &staff,
        l,
        None,
        FieldErrors::default(),
        String::new(),
        None,
        state.today(),
    )
    .into_response())
}

fn version_of(f: &BTreeMap<String, String>) -> i64 {
    f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// After a write: back to the visit page, or the page again with the error shown.
async fn after(
    state: &AppState,
    staff: &Staff,
    id: i64,
    result: Result<(), VisitError>,
    common_values: Option<Values>,
    anchor: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(
            Redirect::to(&staff.path(&format!("/staff/counter/visits/{id}#{anchor}")))
                .into_response(),
        ),
        Err(VisitError::Invalid(list)) => {
            let l = load(state, id).await?.ok_or(AppError::NotFound)?;
            let mut errors = FieldErrors::default();
            for (k, m) in list {
                errors.add(&k, m);
            }
            let page = visit_page(
                staff,
                l,
                common_values,
                errors,
                String::new(),
                None,
                state.today(),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Ok(visit_error(staff, e)),
    }
}

/// Which button sent the visit's form: the questions' or the resident's details'.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pressed {
    Answers,
    Person,
    Tablet,
}

/// The visit page is one form: whichever button is pressed, the answers and the resident's
/// details typed so far are kept. Each part is written when its button was pressed or when
/// it differs from what is stored (answers unchanged are not saved again, so the time guidance
/// started stays the first time they were).
async fn save_visit_form(
    state: &AppState,
    staff: &Staff,
    l: &Loaded,
    f: &BTreeMap<String, String>,
    pressed: Pressed,
) -> Result<(), VisitError> {
    let id = l.visit.id;
    let mut version = version_of(f);
    let mut answers = Answers::new();
    for q in &l.event.questions {
        match f.get(&format!("q_{}", q.key)).map(String::as_str) {
            Some("yes") => {
                answers.insert(q.key.clone(), true);
            }
            Some("no") => {
                answers.insert(q.key.clone(), false);
            }
            _ => {}
        }
    }
    let answers_sent = f.keys().any(|k| k.starts_with("q_"));
    if pressed == Pressed::Answers || (answers_sent && answers != l.visit.answers) {
        store::save_answers(
            &state.db,
            id,
            &answers,
            version,
            &staff.actor(),
            OffsetDateTime::now_utc(),
        )
        .await?;
        version += 1;
    }
    let person_sent = COMMON_ITEMS.iter().any(|(k, ..)| f.contains_key(*k));
    let changed = || crate::procedures::form::check_common(f).map_or(true, |p| p != l.visit.person);
    if pressed == Pressed::Person || (person_sent && changed()) {
        store::save_person(&state.db, id, f, Some(version), &staff.actor()).await?;
    }
    Ok(())
}

/// Saves the visit's form and goes back to the part of the page the pressed button is about.
async fn save_and_return(
    state: &AppState,
    staff: &Staff,
    id: i64,
    f: BTreeMap<String, String>,
    pressed: Pressed,
    anchor: &str,
) -> Result<Response, AppError> {
    require(staff)?;
    let l = load(state, id).await?.ok_or(AppError::NotFound)?;
    let r = save_visit_form(state, staff, &l, &f, pressed).await;
    after(state, staff, id, r, Some(f), anchor).await
}

pub async fn save_answers(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    save_and_return(&state, &staff, id, f, Pressed::Answers, "list-h").await
}

pub async fn save_person(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    save_and_return(&state, &staff, id, f, Pressed::Person, "forms-h").await
}

pub async fn desk_done(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let desk = f.get("desk").cloned().unwrap_or_default();
    if desk.trim().is_empty() {
        return Err(AppError::BadRequest("窓口の名前がありません".into()));
    }
    let r = store::desk_done(
        &state.db,
        id,
        &desk,
        &staff.actor(),
        OffsetDateTime::now_utc(),
    )
    .await;
    after(&state, &staff, id, r, None, "desks-h").await
}

pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, _f): StaffForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    require(&staff)?;
    match store::close(&state.db, id, &staff.actor(), OffsetDateTime::now_utc()).await {
        Ok(_) => {
            state.invalidate_plan();
            Ok(Redirect::to(&staff.path(&format!("/staff/counter/visits/{id}"))).into_response())
        }
        Err(e) => Ok(visit_error(&staff, e)),
    }
}

/// Issues the tablet link and shows it with its QR code (the token is shown only now).
pub async fn entry_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    require(&staff)?;
    // What the clerk typed before handing over the tablet is kept (and shown on the tablet).
    let l = load(&state, id).await?.ok_or(AppError::NotFound)?;
    if let Err(e) = save_visit_form(&state, &staff, &l, &f, Pressed::Tablet).await {
        return after(&state, &staff, id, Err(e), Some(f), "person-h").await;
    }
    let token =
        match store::issue_entry(&state.db, id, &staff.actor(), OffsetDateTime::now_utc()).await {
            Ok(t) => t,
            Err(e) => return Ok(visit_error(&staff, e)),
        };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if is_https(&state, &headers) {
        "https"
    } else {
        "http"
    };
    let url = format!("{scheme}://{host}{}/counter/entry/{token}", state.base);
    let svg = qr_svg(&url)?;
    let l = load(&state, id).await?.ok_or(AppError::NotFound)?;
    Ok(visit_page(
        &staff,
        l,
        None,
        FieldErrors::default(),
        format!(
            "入力用のリンクを発行しました({}分間有効)。住民の方のタブレットでQRコードを読み取ってください。",
            store::ENTRY_MINUTES
        ),
        Some((url, svg)),
        state.today(),
    )
    .into_response())
}

/// A QR code as inline SVG (no XML declaration, scalable).
fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .build();
    Ok(svg
        .find("<svg")
        .map_or(svg.clone(), |i| svg[i..].to_string())
        .replacen(
            "<svg",
            "<svg role=\"img\" aria-label=\"入力用リンクのQRコード\"",
            1,
        ))
}

pub struct PrintedForm {
    pub title: String,
    pub addressee: String,
    pub declaration: String,
    /// (section, fields)
    pub sections: Vec<(String, Vec<PrintedField>)>,
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
    let mut sections: Vec<(String, Vec<PrintedField>)> = Vec::new();
    for p in fill(def, &v.person, &typed(v, &def.key), &v.life_event, today) {
        match sections.iter_mut().find(|s| s.0 == p.section) {
            Some(s) => s.1.push(p),
            None => sections.push((p.section.clone(), vec![p])),
        }
    }
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
        .filter(|f| f.fill.is_empty() && (f.kind != FieldType::Mynumber || f.store))
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
                .map(|v| crate::procedures::form::input_value(f.kind, v))
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

#[derive(Template, WebTemplate)]
#[template(path = "counter/templates/stats.html")]
struct StatsPage {
    layout: Layout,
    years: Vec<super::stats::Row>,
    months: Vec<super::stats::Row>,
    events: Vec<LifeEvent>,
    first_full_year: String,
}

impl StatsPage {
    fn event_name(&self, key: &str) -> String {
        if key.is_empty() {
            "すべて".into()
        } else {
            event_title(&self.events, key)
        }
    }
}

pub async fn stats(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    staff.require(crate::auth::VIEW_STAFF, Subject::None)?;
    let timings = store::timings(&state.db).await?;
    let (years, months) = super::stats::table(&timings);
    let first = store::first_visit_day(&state.db).await?;
    Ok(StatsPage {
        layout: Layout::staff(&staff, "counter"),
        years,
        months,
        events: snapshot(&state).await?.life_events.clone(),
        first_full_year: first
            .map(|d| super::stats::first_full_year(d).label())
            .unwrap_or_default(),
    }
    .into_response())
}

/// Minutes for display: 12.5 → "12.5", 12.0 → "12".
pub fn minutes(v: &f64) -> String {
    let v = *v;
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}
