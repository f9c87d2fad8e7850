//! The 担当課's inbox of online applications: the list (no personal data), one application
//! (every opening audited), moving it on with a message mailed to the applicant, the A4 print
//! in the form's layout, the attachments, and the day's CSV per form for the core system.

use super::HANDLE_APPLICATIONS;
use super::files;
use super::model::State as St;
use super::steps::{self, Shown};
use super::store::{self, AppStoreError, Application, InboxRow};
use crate::app::AppState;
use crate::auth::permissions::Subject;
use crate::auth::routes::FieldErrors;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::procedures::form::FormDef;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// Which applications this person handles: all (DX推進担当), or their own 課's.
fn scope(staff: &Staff) -> Result<Option<String>, AppError> {
    if staff.can(HANDLE_APPLICATIONS, Subject::None) {
        return Ok(None);
    }
    let own = staff.user.department.clone();
    staff.require(
        HANDLE_APPLICATIONS,
        Subject::Department { department: &own },
    )?;
    Ok(Some(own))
}

fn require_for(staff: &Staff, app: &Application) -> Result<(), AppError> {
    staff.require(
        HANDLE_APPLICATIONS,
        Subject::Department {
            department: &app.department,
        },
    )
}

async fn audit_view(
    state: &AppState,
    staff: &Staff,
    action: &'static str,
    id: i64,
    what: serde_json::Value,
) -> Result<(), AppError> {
    let mut conn = state.db.conn().await?;
    crate::audit::record(
        &mut conn,
        &staff.actor(),
        crate::audit::Change {
            action,
            entity: "application",
            entity_id: &id.to_string(),
            before: None,
            after: Some(what),
            note: "",
        },
    )
    .await?;
    Ok(())
}

pub struct Line {
    pub row: InboxRow,
    pub procedure: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/templates/inbox.html")]
struct InboxPage {
    layout: Layout,
    lines: Vec<Line>,
    show: String,
    department: String,
    forms: Vec<(String, String)>,
    today: String,
    mail_on: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct InboxQuery {
    #[serde(default)]
    show: String,
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<InboxQuery>,
) -> Result<Response, AppError> {
    let dept = scope(&staff)?;
    let states: Vec<St> = match q.show.as_str() {
        "closed" => vec![St::Completed, St::Rejected],
        "payment" => vec![St::AwaitingPayment],
        _ => vec![St::New, St::Accepted, St::Reviewing, St::Correction],
    };
    let snap = crate::procedures::cache::snapshot(&state).await?;
    let name = |k: &str| {
        snap.procedure(k)
            .map_or_else(|| k.to_string(), |p| p.name.clone())
    };
    let lines = store::inbox(&state.db, dept.as_deref(), &states)
        .await?
        .into_iter()
        .map(|row| Line {
            procedure: name(&row.procedure_key),
            row,
        })
        .collect();
    Ok(InboxPage {
        layout: Layout::staff(&staff, "applications"),
        lines,
        show: q.show,
        department: dept.unwrap_or_default(),
        forms: snap
            .forms
            .iter()
            .map(|f| (f.key.clone(), f.title.clone()))
            .collect(),
        today: state.today().to_string(),
        mail_on: state.settings.online.mail_on(),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/templates/detail.html")]
struct DetailPage {
    layout: Layout,
    app: Application,
    procedure: String,
    title: String,
    sections: Vec<Shown>,
    files: Vec<files::FileInfo>,
    events: Vec<store::Event>,
    next: Vec<St>,
    errors: FieldErrors,
    message: String,
    done: String,
}

impl DetailPage {
    fn fee(&self) -> String {
        crate::receipts::model::Yen(self.app.fee).to_string()
    }
}

async fn loaded(state: &AppState, id: i64) -> Result<(Application, FormDef, String), AppError> {
    let app = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if !app.state.is_submitted() && app.state != St::AwaitingPayment {
        return Err(AppError::NotFound);
    }
    let (form, procedure) = super::apply::form_of(state, &app).await?;
    Ok((app, form, procedure))
}

async fn detail_page(
    state: &AppState,
    staff: &Staff,
    id: i64,
    errors: FieldErrors,
    message: String,
    done: String,
) -> Result<DetailPage, AppError> {
    let (app, form, procedure) = loaded(state, id).await?;
    require_for(staff, &app)?;
    // Opening an application shows personal data: who opened which, never the data itself.
    audit_view(
        state,
        staff,
        "application.view",
        id,
        serde_json::json!({ "receipt_no": app.receipt_no }),
    )
    .await?;
    Ok(DetailPage {
        layout: Layout::staff(staff, "applications"),
        sections: steps::shown(&form, &app.answers),
        files: files::of_application(&state.db, id).await?,
        events: store::events(&state.db, id).await?,
        next: app.state.staff_next().to_vec(),
        title: form.title,
        procedure,
        app,
        errors,
        message,
        done,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn detail(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    Ok(detail_page(
        &state,
        &staff,
        id,
        FieldErrors::default(),
        String::new(),
        q.done,
    )
    .await?
    .into_response())
}

#[derive(serde::Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    version: i64,
}

pub async fn move_state(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<MoveForm>,
) -> Result<Response, AppError> {
    // Those who handle no application are refused before anything is looked up.
    scope(&staff)?;
    let (app, _, procedure) = loaded(&state, id).await?;
    require_for(&staff, &app)?;
    let to = St::parse(&f.to).ok_or_else(|| AppError::BadRequest("状態を選んでください".into()))?;
    match store::move_to(&state.db, id, f.version, to, &f.message, &staff.actor()).await {
        Ok(moved) => {
            let done = match notify(&state, &moved, &procedure).await {
                Ok(true) => "mailed",
                Ok(false) => "moved",
                Err(e) => {
                    tracing::warn!("application mail not sent: {e}");
                    "mail_failed"
                }
            };
            Ok(
                Redirect::to(&staff.path(&format!("/staff/applications/{id}?done={done}")))
                    .into_response(),
            )
        }
        Err(AppStoreError::Storage(e)) => Err(e.into()),
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add("message", e.to_string());
            let page = detail_page(&state, &staff, id, errors, f.message, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// Tells the applicant: a request for correction (with a new link), the result.
async fn notify(state: &AppState, app: &Application, procedure: &str) -> Result<bool, String> {
    if app.email.is_empty() || !state.settings.online.mail_on() {
        return Ok(false);
    }
    let town = &state.town.name;
    match app.state {
        St::Correction => {
            let token = store::new_link(&state.db, app.id, time::OffsetDateTime::now_utc())
                .await
                .map_err(|e| e.to_string())?;
            super::apply::mail_link(state, &app.email, procedure, &token, Some(&app.message))
                .await
                .map_err(|e| e.to_string())?;
        }
        St::Completed | St::Rejected | St::Accepted => {
            let (subject, body) = match app.state {
                St::Completed => (
                    format!("【{town}】申請の手続きが完了しました({procedure})"),
                    format!(
                        "申請番号 {} の「{procedure}」の手続きが完了しました。",
                        app.receipt_no
                    ),
                ),
                St::Rejected => (
                    format!("【{town}】申請についてのお知らせ({procedure})"),
                    format!(
                        "申請番号 {} の「{procedure}」の申請は、次の理由により受け付けられませんでした。\n\n{}",
                        app.receipt_no, app.message
                    ),
                ),
                _ => (
                    format!("【{town}】申請を受け付けました({procedure})"),
                    format!(
                        "申請番号 {} の「{procedure}」の申請を担当課で受け付けました。",
                        app.receipt_no
                    ),
                ),
            };
            let body =
                format!("{body}\n\nお問い合わせのときは申請番号をお伝えください。\n\n{town}");
            crate::mail::send(state, &app.email, &subject, &body)
                .await
                .map_err(|e| e.to_string())?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/templates/print.html")]
struct PrintPage {
    layout: Layout,
    app: Application,
    title: String,
    addressee: String,
    declaration: String,
    sections: Vec<Shown>,
    files: Vec<files::FileInfo>,
}

pub async fn print(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (app, form, _) = loaded(&state, id).await?;
    require_for(&staff, &app)?;
    audit_view(
        &state,
        &staff,
        "application.print",
        id,
        serde_json::json!({ "receipt_no": app.receipt_no }),
    )
    .await?;
    let addressee = if form.addressee.is_empty() {
        match state.plan_data().await {
            Ok(d) => format!("{}長", d.plan.municipality.name),
            Err(_) => String::new(),
        }
    } else {
        form.addressee.clone()
    };
    Ok(PrintPage {
        layout: Layout::staff(&staff, "applications"),
        sections: steps::shown(&form, &app.answers),
        files: files::of_application(&state.db, id).await?,
        title: form.title,
        declaration: form.declaration,
        addressee,
        app,
    }
    .into_response())
}

/// An attachment, for staff only: downloaded, never shown inline (a file from outside).
pub async fn file(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (app, _, _) = loaded(&state, id).await?;
    require_for(&staff, &app)?;
    let (info, bytes) = files::content(&state.db, id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit_view(
        &state,
        &staff,
        "application.file",
        id,
        serde_json::json!({ "file": file_id, "sha256": info.sha256 }),
    )
    .await?;
    let ascii: String = format!(
        "application-{id}-{file_id}.{}",
        crate::filetype::extension(&info.content_type)
    );
    Ok((
        [
            (header::CONTENT_TYPE, info.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(serde::Deserialize)]
pub struct ExportQuery {
    form: String,
    day: String,
    #[serde(default)]
    encoding: String,
}

/// The day's applications of one form as CSV for the 課's core system: one row per
/// application, a column per field (labels as headers), values as stored (dates YYYY-MM-DD).
pub async fn export(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let dept = scope(&staff)?;
    let day = crate::procedures::model::parse_day(&q.day).ok_or_else(|| {
        AppError::BadRequest(format!("日付「{}」は YYYY-MM-DD で指定してください", q.day))
    })?;
    let snap = crate::procedures::cache::snapshot(&state).await?;
    let form = snap
        .forms
        .iter()
        .find(|f| f.key == q.form)
        .ok_or(AppError::NotFound)?;
    let apps: Vec<Application> = store::submitted_on(&state.db, &form.key, day)
        .await?
        .into_iter()
        .filter(|a| dept.as_deref().is_none_or(|d| d == a.department))
        .collect();
    let fields: Vec<_> = form
        .fields
        .iter()
        .filter(|f| steps::typed_online(f))
        .collect();
    let mut head = vec![
        "申請番号".to_string(),
        "申請日時".into(),
        "状況".into(),
        "メールアドレス".into(),
    ];
    head.extend(fields.iter().map(|f| {
        if f.section.is_empty() {
            f.label.clone()
        } else {
            format!("{} {}", f.section, f.label)
        }
    }));
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let rows = apps.iter().map(|a| {
        let mut row = vec![
            a.receipt_no.clone(),
            a.submitted_jst(),
            a.state.label().to_string(),
            a.email.clone(),
        ];
        row.extend(
            fields
                .iter()
                .map(|f| a.answers.get(&f.key).cloned().unwrap_or_default()),
        );
        row
    });
    let encoding = crate::textfile::CsvEncoding::from_query(&q.encoding);
    let bytes = crate::textfile::csv_bytes(&head, rows, encoding)?;
    audit_view(
        &state,
        &staff,
        "application.export",
        0,
        serde_json::json!({ "form": form.key, "day": day.to_string(), "rows": apps.len() }),
    )
    .await?;
    let charset = encoding.charset();
    Ok((
        [
            (header::CONTENT_TYPE, format!("text/csv; charset={charset}")),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"applications-{}-{day}.csv\"",
                    form.key
                ),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
