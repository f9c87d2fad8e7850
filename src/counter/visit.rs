//! One visit's page: the guide's questions, the resident's details (the common items and the
//! people, each entered once), the forms that apply, the desks; the tablet link.

use super::routes::{require, visit_error};
use super::store::{self, Values, Visit, VisitError};
use crate::app::AppState;
use crate::auth::routes::FieldErrors;
use crate::auth::session::is_https;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::procedures::cache::snapshot;
use crate::procedures::form::{COMMON_ITEMS, FieldType, FormDef};
use crate::procedures::form_fill::{Source, fill, input_value, missing};
use crate::procedures::model::{GuideItem, LifeEvent, by_desk};
use crate::procedures::people::{MAX_PEOPLE, Person};
use crate::procedures::routes::{QuestionView, guide_for, question_views};
use crate::procedures::rule::Answers;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;
use time::OffsetDateTime;

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
                "subject.address" => format!("{} 住所", event.subject_label),
                "applicant.relation" => format!("届出人と{}の続柄", event.subject_label),
                _ => label.to_string(),
            };
            let hint = match kind {
                FieldType::Kana => "カタカナ(ひらがなで入力しても自動でカタカナにします)",
                FieldType::Date => "例: 令和7年2月28日、R7.2.28、2025-02-28",
                FieldType::Postal => "7桁の数字。例: 123-4567",
                FieldType::Phone => "市外局番から。例: 0796-36-1111",
                _ if *key == "subject.address" => "届出人と同じなら空欄のままで構いません",
                _ => "",
            };
            let autocomplete = match *key {
                "applicant.name" => "name",
                "applicant.postal" => "postal-code",
                "applicant.address" => "street-address",
                "applicant.phone" => "tel",
                _ => "off",
            };
            CommonField {
                key,
                id: key.replace('.', "-"),
                label,
                value: values
                    .get(*key)
                    .map(|v| input_value(*kind, v))
                    .unwrap_or_default(),
                hint,
                autocomplete,
            }
        })
        .collect()
}

/// One person's row on the visit page and the tablet: what is stored (dates in 和暦) or, after
/// an error, exactly what was typed.
pub struct PersonRow {
    pub n: usize,
    pub name: String,
    pub kana: String,
    pub birth: String,
    pub sex: String,
    pub head_relation: String,
    pub applicant: bool,
    pub subject: bool,
}

impl PersonRow {
    fn blank(n: usize) -> PersonRow {
        PersonRow {
            n,
            name: String::new(),
            kana: String::new(),
            birth: String::new(),
            sex: String::new(),
            head_relation: String::new(),
            applicant: false,
            subject: false,
        }
    }
}

/// Rows for the people stored, then blank rows to add more (at least three rows in all).
pub fn people_rows(people: &[Person]) -> Vec<PersonRow> {
    let mut rows: Vec<PersonRow> = people
        .iter()
        .enumerate()
        .map(|(i, p)| PersonRow {
            n: i + 1,
            name: p.name.clone(),
            kana: p.kana.clone(),
            birth: input_value(FieldType::Date, &p.birth),
            sex: p.sex.clone(),
            head_relation: p.head_relation.clone(),
            applicant: p.applicant,
            subject: p.subject,
        })
        .collect();
    pad(&mut rows);
    rows
}

/// The rows exactly as posted, so a mistake is corrected without retyping the rest.
pub fn posted_rows(f: &Values) -> Vec<PersonRow> {
    let get = |n: usize, k: &str| f.get(&format!("p{n}.{k}")).cloned().unwrap_or_default();
    let applicant = f.get("applicant").cloned().unwrap_or_default();
    let mut rows: Vec<PersonRow> = (1..=MAX_PEOPLE)
        .map(|n| PersonRow {
            n,
            name: get(n, "name"),
            kana: get(n, "kana"),
            birth: get(n, "birth"),
            sex: get(n, "sex"),
            head_relation: get(n, "head_relation"),
            applicant: applicant == n.to_string(),
            subject: !get(n, "subject").is_empty(),
        })
        .filter(|r| {
            r.applicant
                || r.subject
                || [&r.name, &r.kana, &r.birth, &r.sex, &r.head_relation]
                    .iter()
                    .any(|v| !v.trim().is_empty())
        })
        .collect();
    for (i, r) in rows.iter_mut().enumerate() {
        r.n = i + 1;
    }
    pad(&mut rows);
    rows
}

fn pad(rows: &mut Vec<PersonRow>) {
    let want = (rows.len() + 2).clamp(3, MAX_PEOPLE);
    while rows.len() < want {
        rows.push(PersonRow::blank(rows.len() + 1));
    }
}

/// Whether the posted form carries the resident's details (common items or people rows).
pub fn details_sent(f: &Values) -> bool {
    f.keys().any(|k| {
        COMMON_ITEMS.iter().any(|c| c.0 == k)
            || k == "applicant"
            || (k.starts_with('p') && k.contains('.'))
    })
}

pub struct FormLink {
    pub key: String,
    pub title: String,
    /// Required fields that are still empty.
    pub missing: Vec<String>,
}

/// The forms of the procedures the guide lists, in the order of the list.
pub(super) fn forms_for(items: &[GuideItem], forms: &[FormDef]) -> Vec<FormDef> {
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

pub(super) fn typed(v: &Visit, key: &str) -> Values {
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
    people: Vec<PersonRow>,
    forms: Vec<FormLink>,
    errors: FieldErrors,
    notice: String,
    entry: Option<(String, String)>,
    paid: Vec<crate::receipts::store::LedgerRow>,
    issued: Vec<crate::certificates::store::IssueRow>,
    means: [(&'static str, &'static str); 4],
    kinds: [crate::certificates::model::Kind; 10],
}

pub(super) struct Loaded {
    pub visit: Visit,
    pub event: LifeEvent,
    pub items: Vec<GuideItem>,
    pub forms: Vec<FormDef>,
    /// The fees recorded during the visit, and the certificates handed over.
    pub paid: Vec<crate::receipts::store::LedgerRow>,
    pub issued: Vec<crate::certificates::store::IssueRow>,
}

pub(super) async fn load(state: &AppState, id: i64) -> Result<Option<Loaded>, AppError> {
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
    let filter = crate::receipts::store::Filter {
        visit: Some(id),
        ..Default::default()
    };
    let paid = crate::receipts::store::list(&state.db, &filter, 200)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let issued = crate::certificates::store::list(&state.db, Some(id), 200).await?;
    Ok(Some(Loaded {
        visit,
        event,
        items,
        forms,
        paid,
        issued,
    }))
}

fn visit_page(
    staff: &Staff,
    l: Loaded,
    posted: Option<Values>,
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
            missing: missing(&fill(
                f,
                &Source {
                    common: &l.visit.person,
                    people: &l.visit.people,
                    typed: &typed(&l.visit, &f.key),
                    life_event: &l.visit.life_event,
                    today,
                },
            )),
        })
        .collect();
    let (values, people) = match &posted {
        Some(f) => (f.clone(), posted_rows(f)),
        None => (l.visit.person.clone(), people_rows(&l.visit.people)),
    };
    VisitPage {
        layout: Layout::staff(staff, "counter"),
        questions: question_views(&l.event, &l.visit.answers),
        groups: by_desk(&l.items),
        common: common_fields(&l.event, &values),
        people,
        forms,
        errors,
        notice,
        entry,
        event: l.event,
        visit: l.visit,
        paid: l.paid,
        issued: l.issued,
        means: super::fees::MEANS,
        kinds: crate::certificates::model::Kind::ALL,
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

pub(super) fn version_of(f: &BTreeMap<String, String>) -> i64 {
    f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// After a write: back to the visit page, or the page again with the error shown.
pub(super) async fn after(
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
    let changed = || {
        store::check_details(f).map_or(true, |(c, p)| c != l.visit.person || p != l.visit.people)
    };
    if pressed == Pressed::Person || (details_sent(f) && changed()) {
        store::save_details(&state.db, id, f, Some(version), &staff.actor()).await?;
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
    let svg = crate::web::qr::svg(&url, "入力用リンクのQRコード")?;
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
