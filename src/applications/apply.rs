//! The resident's side: `/apply/{procedure}` asks for a mail address, the mailed one-time link
//! opens the application in this browser, the form's steps, attachments, the confirmation,
//! the fee, and the status page where a request for correction is answered. No account.

use super::eligibility::{self, Eligibility};
use super::files;
use super::model::State as AppState_;
use super::steps::{self, Shown};
use super::store::{self, AppStoreError, Application, NewDraft, Opened};
use crate::app::AppState;
use crate::audit::Actor;
use crate::auth::routes::FieldErrors;
use crate::auth::secret::{constant_time_eq, random_token};
use crate::auth::session::{AnonForm, LOGIN_CSRF_COOKIE, cookie, is_https, set_cookie};
use crate::error::AppError;
use crate::procedures::form::{AttachmentDef, FormDef};
use crate::procedures::model::Procedure;
use crate::procedures::rule::{Answers, Applies};
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A procedure one can apply for online now, with its form.
pub struct Offer {
    pub procedure: Procedure,
    pub form: FormDef,
}

/// Whether `key` is open for online applications today (its 自治体独自のオンライン申請 channel
/// is on, and it has a form).
pub async fn offer(state: &AppState, key: &str) -> Result<Option<Offer>, AppError> {
    let snap = crate::procedures::cache::snapshot(state).await?;
    let Some(p) = snap.procedure(key) else {
        return Ok(None);
    };
    let today = state.today();
    if !p
        .channels
        .iter()
        // A URL on the channel means the town's forms live elsewhere (another system).
        .any(|c| c.kind == "town_form" && c.url.is_empty() && c.available_on(today, today))
    {
        return Ok(None);
    }
    let Some(form) = snap
        .forms
        .iter()
        .find(|f| f.procedures.iter().any(|k| k == key))
    else {
        return Ok(None);
    };
    Ok(Some(Offer {
        procedure: p.clone(),
        form: form.clone(),
    }))
}

fn resident(ip: String) -> Actor {
    Actor {
        user_id: None,
        username: "(申請者)".into(),
        ip,
    }
}

fn session_cookie_name(id: i64) -> String {
    format!("machi_apply_{id}")
}

/// The browser's form token, kept across pages (a page without a form must not change the
/// token of another open page); a new one when there is none.
pub(crate) fn csrf_of(headers: &HeaderMap) -> String {
    cookie(headers, LOGIN_CSRF_COOKIE)
        .filter(|t| {
            t.len() >= 20
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map_or_else(random_token, str::to_string)
}

/// Sets a fresh form token (double-submit cookie) with the page.
pub(crate) fn with_csrf(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &str,
    page: impl IntoResponse,
    status: StatusCode,
) -> Response {
    let cookie = set_cookie(
        state,
        LOGIN_CSRF_COOKIE,
        csrf,
        3600 * 8,
        is_https(state, headers),
        "Strict",
    );
    (status, [(header::SET_COOKIE, cookie)], page).into_response()
}

// ───────────── start: the mail address ─────────────

#[derive(Template, WebTemplate)]
#[template(path = "applications/templates/start.html")]
struct StartPage {
    layout: Layout,
    procedure: Procedure,
    form: Option<FormDef>,
    /// Online applications are on (mail configured) and open for this procedure.
    open: bool,
    /// The form has a fee but no payment provider is configured.
    no_payment: bool,
    csrf: String,
    email: String,
    errors: FieldErrors,
    sent_to: String,
    /// The life-event guide's questions this procedure depends on.
    check: Option<CheckView>,
}

struct CheckView {
    event_key: String,
    event_title: String,
    questions: Vec<crate::procedures::routes::QuestionView>,
    /// The answers say the procedure is not needed: no application is started.
    not_needed: bool,
    guide_path: String,
}

impl StartPage {
    fn fee(&self) -> String {
        self.form
            .as_ref()
            .map(|f| crate::receipts::model::Yen(f.fee).to_string())
            .unwrap_or_default()
    }
    fn has_fee(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.fee > 0)
    }
}

/// The start page, with the guide's questions answered as in `input` (`event`, `q_<key>`: from
/// the guide's link or the form sent).
async fn start_page(
    state: &AppState,
    headers: &HeaderMap,
    key: &str,
    input: &BTreeMap<String, String>,
) -> Result<(StartPage, Option<(Eligibility, Answers)>), AppError> {
    let snap = crate::procedures::cache::snapshot(state).await?;
    let procedure = snap.procedure(key).cloned().ok_or(AppError::NotFound)?;
    let eligibility =
        eligibility::for_procedure(&snap, key, input.get("event").map(String::as_str)).map(|e| {
            let answers = e.answers(input);
            (e, answers)
        });
    let check = eligibility.as_ref().map(|(e, a)| CheckView {
        event_key: e.event_key.clone(),
        event_title: e.event_title.clone(),
        questions: e.views(a),
        not_needed: false,
        guide_path: e.guide_path(a),
    });
    let offer = offer(state, key).await?;
    let mail_on = state.settings.online.mail_on();
    let no_payment = offer
        .as_ref()
        .is_some_and(|o| o.form.fee > 0 && state.settings.online.payments.is_none());
    let page = StartPage {
        layout: Layout::public(state, "procedures").await,
        open: mail_on && offer.is_some() && !no_payment,
        no_payment,
        form: offer.map(|o| o.form),
        procedure,
        csrf: csrf_of(headers),
        email: String::new(),
        errors: FieldErrors::default(),
        sent_to: String::new(),
        check,
    };
    Ok((page, eligibility))
}

pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let input: BTreeMap<String, String> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    let (p, _) = start_page(&state, &headers, &key, &input).await?;
    let status = if p.open {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let csrf = p.csrf.clone();
    Ok(with_csrf(&state, &headers, &csrf, p, status))
}

pub async fn send_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    AnonForm { form, ip, .. }: AnonForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let (mut p, eligibility) = start_page(&state, &headers, &key, &form).await?;
    let typed = form.get("email").map(String::as_str).unwrap_or("");
    p.email = typed.trim().to_string();
    let csrf = p.csrf.clone();
    if !p.open {
        return Ok(with_csrf(
            &state,
            &headers,
            &csrf,
            p,
            StatusCode::SERVICE_UNAVAILABLE,
        ));
    }
    // The guide's answers say it is not needed: say so, and start nothing.
    if let (Some((e, answers)), Some(view)) = (&eligibility, p.check.as_mut())
        && e.applies(answers) == Applies::No
    {
        view.not_needed = true;
        return Ok(with_csrf(&state, &headers, &csrf, p, StatusCode::OK));
    }
    let email = match crate::mail::check_address(typed) {
        Ok(e) => e,
        Err(m) => {
            p.errors.add("email", m);
            return Ok(with_csrf(
                &state,
                &headers,
                &csrf,
                p,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let form_def = p.form.clone().ok_or(AppError::NotFound)?;
    let draft = NewDraft {
        procedure_key: &key,
        form_key: &form_def.key,
        department: &p.procedure.department,
        email: &email,
        fee: form_def.fee,
        checks: eligibility
            .as_ref()
            .map(|(e, a)| e.record(a).to_json())
            .unwrap_or_default(),
    };
    let (_, token) = match store::create_draft(
        &state.db,
        &draft,
        OffsetDateTime::now_utc(),
        &resident(ip),
    )
    .await
    {
        Ok(v) => v,
        Err(AppStoreError::Refused(m)) => {
            p.errors.add("email", m);
            return Ok(with_csrf(
                &state,
                &headers,
                &csrf,
                p,
                StatusCode::TOO_MANY_REQUESTS,
            ));
        }
        Err(e) => return Err(AppError::Internal(e.into())),
    };
    if let Err(e) = mail_link(&state, &email, &p.procedure.name, &token, None).await {
        tracing::warn!("application link not sent: {e}");
        p.errors.add(
            "email",
            format!("{e}。時間をおいてもう一度お試しください。"),
        );
        return Ok(with_csrf(
            &state,
            &headers,
            &csrf,
            p,
            StatusCode::BAD_GATEWAY,
        ));
    }
    p.sent_to = email;
    Ok(with_csrf(&state, &headers, &csrf, p, StatusCode::OK))
}

/// Mails a link to open the application (`why` says what the 課 asks, for a correction).
pub async fn mail_link(
    state: &AppState,
    to: &str,
    procedure: &str,
    token: &str,
    why: Option<&str>,
) -> Result<(), crate::mail::MailError> {
    let link = crate::mail::absolute(state, &format!("/apply/link/{token}"));
    let town = &state.town.name;
    let (subject, lead) = match why {
        None => (
            format!("【{town}】オンライン申請 メールアドレスの確認({procedure})"),
            format!("「{procedure}」のオンライン申請を始めるには、次のリンクを開いてください。"),
        ),
        Some(m) => (
            format!("【{town}】申請の補正のお願い({procedure})"),
            format!(
                "「{procedure}」の申請について、担当課から次のお願いがあります。\n\n{m}\n\n次のリンクから申請を開いて、直してからもう一度送信してください。"
            ),
        ),
    };
    let body = format!(
        "{lead}\n\n{link}\n\nこのリンクは1回だけ、{}時間以内に使えます。使えなくなったときは、開いた画面から新しいリンクを送れます。\n心当たりのない場合は、このメールを破棄してください。\n\n{town}",
        store::LINK_HOURS
    );
    crate::mail::send(state, to, &subject, &body).await
}

// ───────────── the one-time link ─────────────

#[derive(Template, WebTemplate)]
#[template(path = "applications/templates/link.html")]
struct LinkPage {
    layout: Layout,
    token: String,
    csrf: String,
    /// A new link was sent.
    resent: bool,
    error: String,
}

pub async fn open_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match store::open_link(&state.db, &token, OffsetDateTime::now_utc()).await? {
        Opened::Session { id, token: session } => {
            let cookie = set_cookie(
                &state,
                &session_cookie_name(id),
                &session,
                store::SESSION_HOURS * 3600,
                is_https(&state, &headers),
                // Lax: the resident comes back from the payment provider's site by a link.
                "Lax",
            );
            let to = format!("{}/apply/a/{id}", state.base);
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&to)).into_response())
        }
        Opened::Spent { .. } => {
            let csrf = csrf_of(&headers);
            let page = LinkPage {
                layout: Layout::public(&state, "").await,
                token,
                csrf: csrf.clone(),
                resent: false,
                error: String::new(),
            };
            Ok(with_csrf(&state, &headers, &csrf, page, StatusCode::GONE))
        }
        Opened::Unknown => Err(AppError::NotFound),
    }
}

#[derive(serde::Deserialize)]
pub struct Empty {}

/// A new link for a spent one, to the same address (nobody else can be mailed this way).
pub async fn resend_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    AnonForm { .. }: AnonForm<Empty>,
) -> Result<Response, AppError> {
    let id = match store::open_link(&state.db, &token, OffsetDateTime::now_utc()).await? {
        Opened::Spent { id } => id,
        Opened::Session { id, .. } => id,
        Opened::Unknown => return Err(AppError::NotFound),
    };
    let app = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let csrf = csrf_of(&headers);
    let mut page = LinkPage {
        layout: Layout::public(&state, "").await,
        token,
        csrf: csrf.clone(),
        resent: false,
        error: String::new(),
    };
    if app.purged || app.state.is_closed() {
        page.error = "この申請はすでに終わっています。".into();
        return Ok(with_csrf(&state, &headers, &csrf, page, StatusCode::GONE));
    }
    let name = procedure_name(&state, &app.procedure_key).await;
    match store::new_link(&state.db, id, OffsetDateTime::now_utc()).await {
        Ok(t) => match mail_link(&state, &app.email, &name, &t, None).await {
            Ok(()) => page.resent = true,
            Err(e) => page.error = format!("{e}。時間をおいてもう一度お試しください。"),
        },
        Err(e) => page.error = e.to_string(),
    }
    Ok(with_csrf(&state, &headers, &csrf, page, StatusCode::OK))
}

async fn procedure_name(state: &AppState, key: &str) -> String {
    crate::procedures::cache::snapshot(state)
        .await
        .ok()
        .and_then(|s| s.procedure(key).map(|p| p.name.clone()))
        .unwrap_or_else(|| key.to_string())
}

// ───────────── the application in this browser ─────────────

/// The application this browser opened from its link, with its form and procedure.
pub struct Mine {
    pub app: Application,
    pub form: FormDef,
    pub procedure_name: String,
}

/// An application's form and its procedure's name (the key, if the procedure was removed).
pub async fn form_of(state: &AppState, app: &Application) -> Result<(FormDef, String), AppError> {
    let snap = crate::procedures::cache::snapshot(state).await?;
    let form = snap
        .forms
        .iter()
        .find(|f| f.key == app.form_key)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let name = snap
        .procedure(&app.procedure_key)
        .map_or_else(|| app.procedure_key.clone(), |p| p.name.clone());
    Ok((form, name))
}

pub async fn mine(state: &AppState, headers: &HeaderMap, id: i64) -> Result<Mine, AppError> {
    let token = cookie(headers, &session_cookie_name(id)).unwrap_or("");
    if token.is_empty()
        || !store::session_opens(&state.db, token, id, OffsetDateTime::now_utc()).await?
    {
        return Err(AppError::Forbidden(
            "この申請を開くには、メールで届いたリンクから開いてください(リンクの有効期限が切れたときは、リンクを開くと新しいリンクを送れます)。".into(),
        ));
    }
    let app = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if app.purged {
        return Err(AppError::NotFound);
    }
    let (form, procedure_name) = form_of(state, &app).await?;
    Ok(Mine {
        app,
        form,
        procedure_name,
    })
}

pub async fn overview(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let m = mine(&state, &headers, id).await?;
    if m.app.state == AppState_::Draft {
        return Ok(Redirect::to(&format!("{}/apply/a/{id}/step/1", state.base)).into_response());
    }
    status_page(&state, &headers, m, FieldErrors::default(), StatusCode::OK).await
}

// ───────────── attachments ─────────────

pub struct Slot {
    pub def: AttachmentDef,
    pub files: Vec<files::FileInfo>,
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/templates/files.html")]
struct FilesPage {
    layout: Layout,
    id: i64,
    procedure_name: String,
    index: usize,
    count: usize,
    slots: Vec<Slot>,
    errors: FieldErrors,
    csrf: String,
    max_mb: usize,
}

impl FilesPage {
    fn number(&self) -> usize {
        self.index + 1
    }
}

async fn slots(state: &AppState, m: &Mine) -> Result<Vec<Slot>, AppError> {
    let all = files::of_application(&state.db, m.app.id).await?;
    Ok(m.form
        .attachments
        .iter()
        .map(|a| Slot {
            def: a.clone(),
            files: all.iter().filter(|f| f.slot == a.key).cloned().collect(),
        })
        .collect())
}

async fn files_page(
    state: &AppState,
    headers: &HeaderMap,
    m: &Mine,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let csrf = csrf_of(headers);
    let page = FilesPage {
        layout: Layout::public(state, "").await,
        id: m.app.id,
        procedure_name: m.procedure_name.clone(),
        index: steps::steps(&m.form).len(),
        count: super::step_pages::total_steps(m),
        slots: slots(state, m).await?,
        errors,
        csrf: csrf.clone(),
        max_mb: files::MAX_FILE / 1024 / 1024,
    };
    Ok(with_csrf(state, headers, &csrf, page, status))
}

pub async fn files_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let m = mine(&state, &headers, id).await?;
    if !m.app.state.applicant_may_edit() || m.form.attachments.is_empty() {
        return Ok(Redirect::to(&format!("{}/apply/a/{id}", state.base)).into_response());
    }
    files_page(&state, &headers, &m, FieldErrors::default(), StatusCode::OK).await
}

pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut too_large = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                too_large = true;
                break;
            }
            Err(e) => {
                return Err(AppError::BadRequest(format!(
                    "送信内容を読み取れません: {e}"
                )));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let fname = field.file_name().unwrap_or("").to_string();
            match field.bytes().await {
                Ok(b) if !b.is_empty() => file = Some((fname, b.to_vec())),
                Ok(_) => {}
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large = true,
                Err(e) => {
                    return Err(AppError::BadRequest(format!(
                        "ファイルを読み取れません: {e}"
                    )));
                }
            }
        } else {
            fields.insert(name, field.text().await.unwrap_or_default());
        }
    }
    // The form's token first; a body cut off for its size has none to check, so it is refused
    // for the size (the browser sent it from this page) without reading anything else.
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    let given = fields.get("csrf").map_or("", String::as_str);
    if !too_large && (expected.is_empty() || !constant_time_eq(given, expected)) {
        return Err(crate::auth::session::csrf_refused());
    }
    if !crate::auth::session::origin_matches(&headers) {
        return Err(crate::auth::session::csrf_refused());
    }
    let m = mine(&state, &headers, id).await?;
    let slot = fields.get("slot").cloned().unwrap_or_default();
    let mut errors = FieldErrors::default();
    let field_key = format!("file-{slot}");
    if too_large {
        errors.add(&field_key, format!("ファイルが大きすぎます。{}MBまでにしてください(写真は画質を下げるか、1ページずつ送ってください)。", files::MAX_FILE / 1024 / 1024));
    } else if !m.form.attachments.iter().any(|a| a.key == slot) {
        return Err(AppError::BadRequest(
            "添付書類の種類が正しくありません".into(),
        ));
    } else {
        match &file {
            None => errors.add(&field_key, "ファイルを選んでください"),
            Some((name, bytes)) => {
                if let Err(e) = files::attach(&state.db, id, &slot, name, bytes).await {
                    errors.add(&field_key, e.to_string());
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(Redirect::to(&format!("{}/apply/a/{id}/files", state.base)).into_response())
    } else {
        let status = if too_large {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        files_page(&state, &headers, &m, errors, status).await
    }
}

pub async fn remove_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, file_id)): Path<(i64, i64)>,
    AnonForm { .. }: AnonForm<Empty>,
) -> Result<Response, AppError> {
    let _ = mine(&state, &headers, id).await?;
    files::remove(&state.db, id, file_id)
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    Ok(Redirect::to(&format!("{}/apply/a/{id}/files", state.base)).into_response())
}

// ───────────── confirmation, submit, payment, status ─────────────

#[derive(Template, WebTemplate)]
#[template(path = "applications/templates/confirm.html")]
struct ConfirmPage {
    layout: Layout,
    id: i64,
    version: i64,
    procedure_name: String,
    email: String,
    sections: Vec<Shown>,
    slots: Vec<Slot>,
    fee: String,
    problems: Vec<String>,
    csrf: String,
    correcting: bool,
    count: usize,
}

/// What still keeps the application from being sent.
fn problems(m: &Mine, slots: &[Slot]) -> Vec<String> {
    let mut out = Vec::new();
    for s in steps::steps(&m.form) {
        for f in &s.fields {
            if f.required && m.app.answers.get(&f.key).is_none_or(String::is_empty) {
                out.push(format!("{} {}が入力されていません", s.title, f.label));
            }
        }
    }
    for s in slots {
        if s.def.required && s.files.is_empty() {
            out.push(format!("{}が添付されていません", s.def.label));
        }
    }
    out
}

async fn confirm_page(
    state: &AppState,
    headers: &HeaderMap,
    m: Mine,
    status: StatusCode,
) -> Result<Response, AppError> {
    let slots = slots(state, &m).await?;
    let csrf = csrf_of(headers);
    let page = ConfirmPage {
        layout: Layout::public(state, "").await,
        id: m.app.id,
        version: m.app.version,
        email: m.app.email.clone(),
        sections: steps::shown(&m.form, &m.app.answers),
        problems: problems(&m, &slots),
        slots,
        fee: if m.form.fee > 0 && m.app.state == AppState_::Draft {
            crate::receipts::model::Yen(m.app.fee).to_string()
        } else {
            String::new()
        },
        csrf: csrf.clone(),
        correcting: m.app.state == AppState_::Correction,
        count: super::step_pages::total_steps(&m),
        procedure_name: m.procedure_name,
    };
    Ok(with_csrf(state, headers, &csrf, page, status))
}

pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let m = mine(&state, &headers, id).await?;
    if !m.app.state.applicant_may_edit() {
        return Ok(Redirect::to(&format!("{}/apply/a/{id}", state.base)).into_response());
    }
    confirm_page(&state, &headers, m, StatusCode::OK).await
}

#[derive(serde::Deserialize)]
pub struct SubmitForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    note: String,
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    AnonForm { form, ip, .. }: AnonForm<SubmitForm>,
) -> Result<Response, AppError> {
    let m = mine(&state, &headers, id).await?;
    let status_url = format!("{}/apply/a/{id}", state.base);
    if !m.app.state.applicant_may_edit() {
        // A second click or a refresh: already sent.
        return Ok(Redirect::to(&status_url).into_response());
    }
    let slots = slots(&state, &m).await?;
    if !problems(&m, &slots).is_empty() {
        return confirm_page(&state, &headers, m, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = resident(ip);
    if m.app.state == AppState_::Correction {
        let note: String = form.note.trim().chars().take(2000).collect();
        return match store::answer_correction(&state.db, id, form.version, &note, &actor).await {
            Ok(()) | Err(AppStoreError::Stale) => Ok(Redirect::to(&status_url).into_response()),
            Err(e) => Err(AppError::BadRequest(e.to_string())),
        };
    }
    let today = state.today();
    match store::submit(
        &state.db,
        id,
        form.version,
        crate::fiscal::FiscalYear::of_date(today),
        today,
        &actor,
    )
    .await
    {
        Ok(app) if app.state == AppState_::AwaitingPayment => {
            go_pay(&state, &headers, Mine { app, ..m }).await
        }
        Ok(_) | Err(AppStoreError::Stale) => Ok(Redirect::to(&status_url).into_response()),
        Err(e) => Err(AppError::BadRequest(e.to_string())),
    }
}

/// Sends the resident to the provider (creating the payment, or resuming the open one); on a
/// timeout or a provider fault, the status page says so and offers to try again.
async fn go_pay(state: &AppState, headers: &HeaderMap, m: Mine) -> Result<Response, AppError> {
    let id = m.app.id;
    let back = crate::mail::absolute(state, &format!("/apply/a/{id}/return"));
    match crate::payments::service::start(state, &m.app, &back).await {
        Ok(next) => Ok(Redirect::to(&next).into_response()),
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add("pay", e.to_string());
            status_page(state, headers, m, errors, StatusCode::SERVICE_UNAVAILABLE).await
        }
    }
}

/// 「支払う」 on the status page (after a refusal, a cancel or a timeout).
pub async fn pay(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    AnonForm { .. }: AnonForm<Empty>,
) -> Result<Response, AppError> {
    let m = mine(&state, &headers, id).await?;
    if m.app.state != AppState_::AwaitingPayment {
        return Ok(Redirect::to(&format!("{}/apply/a/{id}", state.base)).into_response());
    }
    go_pay(&state, &headers, m).await
}

/// The resident back from the provider: machi asks the provider how it went (the callback may
/// not have come yet), then shows the status.
pub async fn back_from_payment(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let _ = mine(&state, &headers, id).await?;
    if let Err(e) = crate::payments::service::check(&state, Some(id)).await {
        tracing::warn!("payment status not checked: {e}");
    }
    Ok(Redirect::to(&format!("{}/apply/a/{id}", state.base)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/templates/status.html")]
struct StatusPage {
    layout: Layout,
    id: i64,
    procedure_name: String,
    app: Application,
    events: Vec<store::Event>,
    payment: String,
    errors: FieldErrors,
    csrf: String,
}

impl StatusPage {
    fn fee(&self) -> String {
        crate::receipts::model::Yen(self.app.fee).to_string()
    }
    fn awaiting_payment(&self) -> bool {
        self.app.state == AppState_::AwaitingPayment
    }
    fn correction(&self) -> bool {
        self.app.state == AppState_::Correction
    }
}

async fn status_page(
    state: &AppState,
    headers: &HeaderMap,
    m: Mine,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let payment = crate::payments::service::latest(state, m.app.id)
        .await?
        .and_then(|s| crate::payments::provider::Status::parse(&s))
        .map(|s| s.label().to_string())
        .unwrap_or_default();
    let csrf = csrf_of(headers);
    let page = StatusPage {
        layout: Layout::public(state, "").await,
        id: m.app.id,
        events: store::events(&state.db, m.app.id).await?,
        procedure_name: m.procedure_name,
        app: m.app,
        payment,
        errors,
        csrf: csrf.clone(),
    };
    Ok(with_csrf(state, headers, &csrf, page, status))
}
