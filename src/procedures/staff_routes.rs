//! Staff pages of the catalog: the list, a procedure's editor (with its channels), and the
//! editors of the life-event guide and the forms (their documents, checked before saving).

use super::cache;
use super::model::{CHANNEL_KINDS, Channel, Procedure};
use super::store::{self, StoreError};
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::routes::FieldErrors;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;

fn subject(p: &Procedure) -> Subject<'_> {
    Subject::Department {
        department: &p.department,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "procedures/templates/staff_list.html")]
struct ListPage {
    layout: Layout,
    procedures: Vec<store::StoredProcedure>,
    events: Vec<store::StoredDoc>,
    forms: Vec<store::StoredDoc>,
    can_create: bool,
    today: time::Date,
    /// "令和8年12月3日 10:00(kikaku)" once staff confirmed the catalog.
    confirmed: Option<String>,
    notice: String,
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    done: String,
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    staff.require(crate::auth::VIEW_STAFF, Subject::None)?;
    Ok(ListPage {
        layout: Layout::staff(&staff, "procedures"),
        procedures: store::procedures(&state.db).await?,
        events: store::life_event_docs(&state.db).await?,
        forms: store::form_docs(&state.db).await?,
        can_create: staff.can(crate::procedures::MANAGE_PROCEDURES, Subject::None),
        today: state.today(),
        confirmed: store::confirmation(&state.db)
            .await?
            .map(|c| format!("{}({})", crate::fiscal::jst(&c.at), c.by)),
        notice: if q.done == "confirmed" {
            "手続きカタログを確認済みにしました。今の年度からオンライン手続の数を自動で数えます。"
                .into()
        } else {
            String::new()
        },
    }
    .into_response())
}

#[derive(serde::Deserialize)]
pub struct Empty {}

/// The coordinating department says the catalog (channels, 担当課 …) is the town's.
pub async fn confirm(
    State(state): State<AppState>,
    StaffForm(staff, _): StaffForm<Empty>,
) -> Result<Response, AppError> {
    staff.require(crate::procedures::MANAGE_PROCEDURES, Subject::None)?;
    store::confirm_catalog(&state.db, &staff.actor(), state.today()).await?;
    cache::invalidate(&state);
    state.invalidate_plan();
    Ok(Redirect::to(&staff.path("/staff/procedures?done=confirmed")).into_response())
}

/// One row of the channel table on the form.
pub struct ChannelRow {
    pub kind: &'static str,
    pub label: &'static str,
    pub online: bool,
    pub on: bool,
    pub url: String,
    pub since: String,
    pub until: String,
    pub note: String,
}

fn channel_rows(p: &Procedure) -> Vec<ChannelRow> {
    CHANNEL_KINDS
        .iter()
        .map(|(kind, label, online)| {
            let c = p.channels.iter().find(|c| c.kind == *kind);
            ChannelRow {
                kind,
                label,
                online: *online,
                on: c.is_some(),
                url: c.map(|c| c.url.clone()).unwrap_or_default(),
                since: c.map(|c| c.since.clone()).unwrap_or_default(),
                until: c.map(|c| c.until.clone()).unwrap_or_default(),
                note: c.map(|c| c.note.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "procedures/templates/staff_procedure.html")]
struct EditPage {
    layout: Layout,
    p: Procedure,
    bring: String,
    channels: Vec<ChannelRow>,
    version: Option<i64>,
    errors: FieldErrors,
    notice: &'static str,
}

fn edit_page(
    staff: &Staff,
    p: Procedure,
    version: Option<i64>,
    errors: FieldErrors,
    notice: &'static str,
) -> EditPage {
    EditPage {
        layout: Layout::staff(staff, "procedures"),
        bring: p.bring.join("\n"),
        channels: channel_rows(&p),
        p,
        version,
        errors,
        notice,
    }
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn new_form(staff: Staff) -> Result<Response, AppError> {
    staff.require(crate::procedures::MANAGE_PROCEDURES, Subject::None)?;
    let p = Procedure {
        key: String::new(),
        name: String::new(),
        category: String::new(),
        field: String::new(),
        department: String::new(),
        priority: false,
        who: String::new(),
        bring: vec![],
        fee: String::new(),
        deadline: String::new(),
        legal_basis: String::new(),
        verified: true,
        source: String::new(),
        note: String::new(),
        channels: vec![Channel {
            kind: "counter".into(),
            url: String::new(),
            since: String::new(),
            until: String::new(),
            note: String::new(),
        }],
    };
    Ok(edit_page(&staff, p, None, FieldErrors::default(), "").into_response())
}

pub async fn edit_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let stored = store::procedure(&state.db, &key)
        .await?
        .ok_or(AppError::NotFound)?;
    staff.require(
        crate::procedures::MANAGE_PROCEDURES,
        subject(&stored.procedure),
    )?;
    let notice = if q.done == "saved" {
        "保存しました。"
    } else {
        ""
    };
    Ok(edit_page(
        &staff,
        stored.procedure,
        Some(stored.version),
        FieldErrors::default(),
        notice,
    )
    .into_response())
}

/// The procedure as entered on the form. A new online channel without a start date starts today,
/// so the KPI counts it from the day it was recorded.
fn procedure_from_form(
    f: &BTreeMap<String, String>,
    key: &str,
    before: Option<&Procedure>,
    today: time::Date,
) -> Procedure {
    let text = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let on = |k: &str| f.get(k).is_some_and(|v| !v.is_empty());
    let channels = CHANNEL_KINDS
        .iter()
        .filter(|(kind, _, _)| on(&format!("ch_{kind}")))
        .map(|(kind, _, online)| {
            let mut since = text(&format!("ch_{kind}_since"));
            let existed = before.is_some_and(|b| b.channels.iter().any(|c| c.kind == *kind));
            if since.is_empty() && *online && !existed {
                since = today.to_string();
            }
            Channel {
                kind: kind.to_string(),
                url: text(&format!("ch_{kind}_url")),
                since,
                until: text(&format!("ch_{kind}_until")),
                note: text(&format!("ch_{kind}_note")),
            }
        })
        .collect();
    Procedure {
        key: key.to_string(),
        name: text("name"),
        category: text("category"),
        field: text("field"),
        department: text("department"),
        priority: on("priority"),
        who: text("who"),
        bring: text("bring")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        fee: text("fee"),
        deadline: text("deadline"),
        legal_basis: text("legal_basis"),
        verified: on("verified"),
        source: text("source"),
        note: text("note"),
        channels,
    }
}

fn store_errors(e: StoreError) -> Result<FieldErrors, AppError> {
    let mut errors = FieldErrors::default();
    match e {
        StoreError::Invalid(list) => {
            for (f, m) in list {
                errors.add(&f, m);
            }
        }
        e @ StoreError::Stale => errors.add("form", e.to_string()),
        StoreError::Other(e) => return Err(AppError::Internal(e)),
    }
    Ok(errors)
}

pub async fn create(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    staff.require(crate::procedures::MANAGE_PROCEDURES, Subject::None)?;
    let key = f
        .get("key")
        .map(|k| k.trim().to_string())
        .unwrap_or_default();
    let p = procedure_from_form(&f, &key, None, state.today());
    match store::save_procedure(&state.db, &p, None, &staff.actor()).await {
        Ok(()) => {
            state.invalidate_plan();
            super::cache::invalidate(&state);
            Ok(
                Redirect::to(&staff.path(&format!("/staff/procedures/{key}?done=saved")))
                    .into_response(),
            )
        }
        Err(e) => {
            let errors = store_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                edit_page(&staff, p, None, errors, ""),
            )
                .into_response())
        }
    }
}

pub async fn update(
    State(state): State<AppState>,
    Path(key): Path<String>,
    StaffForm(staff, f): StaffForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let stored = store::procedure(&state.db, &key)
        .await?
        .ok_or(AppError::NotFound)?;
    staff.require(
        crate::procedures::MANAGE_PROCEDURES,
        subject(&stored.procedure),
    )?;
    let p = procedure_from_form(&f, &key, Some(&stored.procedure), state.today());
    // A department may not hand its procedure to another department it cannot edit.
    staff.require(crate::procedures::MANAGE_PROCEDURES, subject(&p))?;
    let version: i64 = f
        .get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(stored.version);
    match store::save_procedure(&state.db, &p, Some(version), &staff.actor()).await {
        Ok(()) => {
            state.invalidate_plan();
            super::cache::invalidate(&state);
            Ok(
                Redirect::to(&staff.path(&format!("/staff/procedures/{key}?done=saved")))
                    .into_response(),
            )
        }
        Err(e) => {
            let errors = store_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                edit_page(&staff, p, Some(version), errors, ""),
            )
                .into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "procedures/templates/staff_doc.html")]
struct DocPage {
    layout: Layout,
    title: String,
    action: String,
    help: &'static str,
    body: String,
    version: i64,
    errors: FieldErrors,
    notice: &'static str,
}

/// The two documents staff edit as text: a life event of the guide, and a form.
#[derive(Clone, Copy)]
enum Doc {
    LifeEvent,
    Form,
}

impl Doc {
    /// The folder of its address: /staff/{path}/{key}.
    fn path(self) -> &'static str {
        match self {
            Doc::LifeEvent => "life-events",
            Doc::Form => "forms",
        }
    }
    fn title(self) -> &'static str {
        match self {
            Doc::LifeEvent => "ライフイベントの案内",
            Doc::Form => "申請書の様式",
        }
    }
    fn help(self) -> &'static str {
        match self {
            Doc::LifeEvent => {
                "質問(questions)と、手続き(steps)を並べます。steps の when は質問のキーを and / or / not と括弧でつないだ条件で、空なら常に表示します。例: kokuho or kouki、dai1go and not nenkin。保存前に、質問のキー・手続きのキー・条件の書き方を確かめます。"
            }
            Doc::Form => {
                "様式の項目(fields)を並べます。type は text, textarea, kana, date, postal, phone, digits, select, check, mynumber。fill に共通項目(applicant.name など)を書くと、窓口で一度入力した内容が印字されます。個人番号(mynumber)は store = true のときだけ保存されます。詳しくは docs/forms.md。"
            }
        }
    }
}

#[derive(Deserialize)]
pub struct DocForm {
    body: String,
    version: i64,
}

async fn doc(state: &AppState, kind: Doc, key: &str) -> Result<store::StoredDoc, AppError> {
    let docs = match kind {
        Doc::Form => store::form_docs(&state.db).await?,
        Doc::LifeEvent => store::life_event_docs(&state.db).await?,
    };
    docs.into_iter()
        .find(|d| d.key == key)
        .ok_or(AppError::NotFound)
}

fn doc_page(
    staff: &Staff,
    kind: Doc,
    d: store::StoredDoc,
    errors: FieldErrors,
    notice: &'static str,
) -> DocPage {
    DocPage {
        layout: Layout::staff(staff, "procedures"),
        title: format!("{}: {}", kind.title(), d.key),
        action: staff.path(&format!("/staff/{}/{}", kind.path(), d.key)),
        help: kind.help(),
        body: d.body,
        version: d.version,
        errors,
        notice,
    }
}

async fn show_doc(
    state: &AppState,
    staff: &Staff,
    kind: Doc,
    key: &str,
    done: &str,
) -> Result<Response, AppError> {
    staff.require(crate::procedures::MANAGE_PROCEDURES, Subject::None)?;
    let d = doc(state, kind, key).await?;
    let notice = if done == "saved" {
        "保存しました。"
    } else {
        ""
    };
    Ok(doc_page(staff, kind, d, FieldErrors::default(), notice).into_response())
}

async fn save_doc(
    state: &AppState,
    staff: &Staff,
    kind: Doc,
    key: &str,
    f: DocForm,
) -> Result<Response, AppError> {
    staff.require(crate::procedures::MANAGE_PROCEDURES, Subject::None)?;
    let mut d = doc(state, kind, key).await?;
    let result = match kind {
        Doc::Form => store::save_form(&state.db, key, &f.body, f.version, &staff.actor())
            .await
            .map(|_| ()),
        Doc::LifeEvent => {
            store::save_life_event(&state.db, key, &f.body, f.version, &staff.actor())
                .await
                .map(|_| ())
        }
    };
    match result {
        Ok(()) => {
            super::cache::invalidate(state);
            Ok(
                Redirect::to(&staff.path(&format!("/staff/{}/{key}?done=saved", kind.path())))
                    .into_response(),
            )
        }
        Err(e) => {
            let errors = store_errors(e)?;
            d.body = f.body;
            d.version = f.version;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                doc_page(staff, kind, d, errors, ""),
            )
                .into_response())
        }
    }
}

pub async fn life_event_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    show_doc(&state, &staff, Doc::LifeEvent, &key, &q.done).await
}

pub async fn form_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    show_doc(&state, &staff, Doc::Form, &key, &q.done).await
}

pub async fn save_life_event(
    State(state): State<AppState>,
    Path(key): Path<String>,
    StaffForm(staff, f): StaffForm<DocForm>,
) -> Result<Response, AppError> {
    save_doc(&state, &staff, Doc::LifeEvent, &key, f).await
}

pub async fn save_form(
    State(state): State<AppState>,
    Path(key): Path<String>,
    StaffForm(staff, f): StaffForm<DocForm>,
) -> Result<Response, AppError> {
    save_doc(&state, &staff, Doc::Form, &key, f).await
}
