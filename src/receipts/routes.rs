//! The ledger's pages: staff see and record receipts, reverse one with a reason, import a
//! terminal's, コンビニ or eL-QR file, and close a counter's 日計 with two people; residents
//! see the cashless share per 年度 with its split by channel and month (`/payments`).

use super::days::{self, DayClose};
use super::import::{self, Kind};
use super::model::{Channel, DayTotal, Share, Source, Subject, Yen};
use super::store::{self, Filter, LedgerError, LedgerRow, NewReceipt};
use super::{CLOSE_DAY, RECORD_RECEIPTS};
use crate::app::AppState;
use crate::auth::permissions::Subject as On;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::fiscal::FiscalYear;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::{Date, PrimitiveDateTime};

/// The largest file an import takes.
pub const MAX_FILE: usize = 20 * 1024 * 1024;

fn refused(e: LedgerError) -> Result<String, AppError> {
    match e {
        LedgerError::Refused(m) => Ok(m),
        LedgerError::Storage(e) => Err(AppError::Internal(e.into())),
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct LedgerQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    counter: String,
    #[serde(default)]
    done: String,
}

/// What the record form holds, kept as typed when a save fails.
#[derive(Deserialize, Default, Clone)]
pub struct RecordForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    procedure: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    paid_time: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    counter: String,
    #[serde(default)]
    reference: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "receipts/templates/ledger.html")]
struct LedgerPage {
    layout: Layout,
    rows: Vec<LedgerRow>,
    q: LedgerQuery,
    form: RecordForm,
    errors: Vec<String>,
    notice: String,
    can_record: bool,
    channels: Vec<Channel>,
    subjects: [Subject; 5],
    kinds: [Kind; 3],
    counters: Vec<String>,
    share: Share,
    year: FiscalYear,
}

impl LedgerPage {
    fn yen(&self, v: &i64) -> Yen {
        Yen(*v)
    }
    fn source_label(&self, s: &Option<Source>) -> &'static str {
        s.map_or("", Source::label)
    }
}

fn date_of(text: &str, what: &str) -> Result<Option<Date>, String> {
    match text.trim() {
        "" => Ok(None),
        t => crate::fiscal::parse_date(t)
            .map(Some)
            .map_err(|e| format!("{what}: {e}")),
    }
}

async fn ledger_page(
    state: &AppState,
    staff: &Staff,
    q: LedgerQuery,
    form: RecordForm,
    errors: Vec<String>,
) -> Result<LedgerPage, AppError> {
    let mut errors = errors;
    let from = date_of(&q.from, "期間の初め").unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let to = date_of(&q.to, "期間の終わり").unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let filter = Filter {
        from,
        to,
        counter: (!q.counter.trim().is_empty()).then(|| q.counter.trim().to_string()),
        visit: None,
    };
    let today = state.today();
    let year = FiscalYear::of_date(today);
    let notice = notice_of(&q.done);
    Ok(LedgerPage {
        layout: Layout::staff(staff, "receipts"),
        rows: store::list(&state.db, &filter, 500)
            .await
            .map_err(storage)?,
        form,
        errors,
        notice,
        can_record: staff.can(RECORD_RECEIPTS, On::None),
        channels: Channel::all(),
        subjects: Subject::ALL,
        kinds: Kind::ALL,
        counters: store::counters(&state.db).await.map_err(storage)?,
        share: store::share(&state.db, year, Default::default())
            .await
            .map_err(storage)?,
        year,
        q,
    })
}

fn storage(e: LedgerError) -> AppError {
    AppError::Internal(anyhow::anyhow!("{e}"))
}

fn notice_of(done: &str) -> String {
    if let Some(rest) = done.strip_prefix("imported:") {
        let n: Vec<&str> = rest.split(',').collect();
        let get = |i: usize| n.get(i).copied().unwrap_or("0");
        return format!(
            "取り込みました: 追加 {}件、窓口の記録と照合(消込) {}件、記録済み {}件、取消 {}件。",
            get(0),
            get(1),
            get(2),
            get(3)
        );
    }
    match done {
        "recorded" => "記録しました。".into(),
        "reversed" => "取消の記録を追加しました(元の記録は残ります)。".into(),
        _ => String::new(),
    }
}

pub async fn ledger(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, AppError> {
    staff.require(crate::auth::VIEW_STAFF, On::None)?;
    let form = RecordForm {
        paid_on: state.today().to_string(),
        ..RecordForm::default()
    };
    Ok(ledger_page(&state, &staff, q, form, Vec::new())
        .await?
        .into_response())
}

/// Reads the record form into a receipt, or every fault.
fn receipt_of(f: &RecordForm, now: PrimitiveDateTime) -> Result<NewReceipt, Vec<String>> {
    let mut errors = Vec::new();
    let subject = Subject::parse(&f.subject).map_err(|e| errors.push(e)).ok();
    let amount = Yen::parse(&f.amount)
        .map_err(|e| errors.push(e))
        .ok()
        .filter(|y| {
            let ok = y.0 > 0;
            if !ok {
                errors.push("金額は1円以上にしてください".into());
            }
            ok
        });
    let channel = Channel::parse(&f.channel).map_err(|e| errors.push(e)).ok();
    let day = crate::fiscal::parse_date(&f.paid_on)
        .map_err(|e| errors.push(format!("納付日: {e}")))
        .ok();
    let time = match f.paid_time.trim() {
        "" => Some(now.time()),
        t => time::Time::parse(
            t,
            time::macros::format_description!("[hour padding:none]:[minute]"),
        )
        .map_err(|_| errors.push(format!("時刻「{t}」は 9:05 のように書いてください")))
        .ok(),
    };
    if let Some(d) = day
        && d > now.date()
    {
        errors.push("納付日が先の日付です".into());
    }
    if let Some(c) = channel
        && (c.is_counter_cash() || matches!(c, Channel::CounterCashless(_)))
        && f.counter.trim().is_empty()
    {
        errors.push("窓口での納付は窓口の名前を書いてください(日計に使います)".into());
    }
    match (subject, amount, channel, day, time) {
        (Some(subject), Some(amount), Some(channel), Some(day), Some(time))
            if errors.is_empty() =>
        {
            Ok(NewReceipt {
                subject,
                procedure: f.procedure.trim().to_string(),
                amount,
                channel,
                paid_at: PrimitiveDateTime::new(day, time),
                department: f.department.trim().to_string(),
                counter: f.counter.trim().to_string(),
                reference: f.reference.trim().to_string(),
                source: Source::Manual,
                visit: None,
            })
        }
        _ => Err(errors),
    }
}

/// Now in the town's time, on the town's calendar (a configured day in tests and demos).
pub fn now_jst(state: &AppState) -> PrimitiveDateTime {
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+9));
    PrimitiveDateTime::new(
        state.today(),
        now.time().replace_nanosecond(0).unwrap_or(now.time()),
    )
}

pub async fn record(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<RecordForm>,
) -> Result<Response, AppError> {
    staff.require(RECORD_RECEIPTS, On::None)?;
    let errors = match receipt_of(&f, now_jst(&state)) {
        Ok(r) => match store::append(&state.db, &r, &staff.actor()).await {
            Ok(_) => {
                state.invalidate_plan();
                return Ok(
                    Redirect::to(&staff.path("/staff/receipts?done=recorded")).into_response()
                );
            }
            Err(e) => vec![refused(e)?],
        },
        Err(errors) => errors,
    };
    let page = ledger_page(&state, &staff, LedgerQuery::default(), f, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize)]
pub struct ReverseForm {
    #[serde(default)]
    reason: String,
}

pub async fn reverse(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<ReverseForm>,
) -> Result<Response, AppError> {
    staff.require(RECORD_RECEIPTS, On::None)?;
    match store::reverse(&state.db, id, now_jst(&state), &f.reason, &staff.actor()).await {
        Ok(_) => {
            state.invalidate_plan();
            Ok(Redirect::to(&staff.path("/staff/receipts?done=reversed")).into_response())
        }
        Err(e) => {
            let errors = vec![refused(e)?];
            let page = ledger_page(
                &state,
                &staff,
                LedgerQuery::default(),
                RecordForm::default(),
                errors,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn import_upload(
    State(state): State<AppState>,
    staff: Staff,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = crate::opendata::upload::read(&staff, multipart, MAX_FILE).await?;
    staff.require(RECORD_RECEIPTS, On::None)?;
    let result = match (Kind::parse(&upload.text("kind")), &upload.file) {
        (Err(e), _) => Err(vec![e]),
        (_, None) => Err(vec!["ファイルを選んでください。".to_string()]),
        (Ok(kind), Some((name, bytes))) => {
            import::apply(&state.db, kind, name, bytes, &staff.actor()).await
        }
    };
    match result {
        Ok(d) => {
            state.invalidate_plan();
            Ok(Redirect::to(&staff.path(&format!(
                "/staff/receipts?done=imported:{},{},{},{}",
                d.added, d.matched, d.known, d.cancelled
            )))
            .into_response())
        }
        Err(mut errors) => {
            errors.insert(0, crate::receipts::import::REFUSED.into());
            let page = ledger_page(
                &state,
                &staff,
                LedgerQuery::default(),
                RecordForm::default(),
                errors,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct DayQuery {
    #[serde(default)]
    counter: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    done: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "receipts/templates/day.html")]
struct DayPage {
    layout: Layout,
    counters: Vec<String>,
    counter: String,
    day: Date,
    totals: DayTotal,
    close: Option<DayClose>,
    rows: Vec<LedgerRow>,
    errors: Vec<String>,
    notice: String,
    can_close: bool,
    me: String,
}

impl DayPage {
    fn yen(&self, v: &i64) -> Yen {
        Yen(*v)
    }
    fn total(&self) -> Yen {
        Yen(self.totals.total_yen())
    }
}

async fn day_page(
    state: &AppState,
    staff: &Staff,
    counter: String,
    day: Date,
    errors: Vec<String>,
    notice: String,
) -> Result<DayPage, AppError> {
    let counters = store::counters(&state.db).await.map_err(storage)?;
    let counter = if counter.is_empty() {
        counters.first().cloned().unwrap_or_default()
    } else {
        counter
    };
    let filter = Filter {
        from: Some(day),
        to: Some(day),
        counter: Some(counter.clone()),
        visit: None,
    };
    let rows = if counter.is_empty() {
        Vec::new()
    } else {
        store::list(&state.db, &filter, 2000)
            .await
            .map_err(storage)?
            .into_iter()
            .filter(|r| {
                r.channel.is_counter_cash() || matches!(r.channel, Channel::CounterCashless(_))
            })
            .collect()
    };
    Ok(DayPage {
        layout: Layout::staff(staff, "receipts"),
        totals: store::day_total(&state.db, &counter, day)
            .await
            .map_err(storage)?,
        close: days::status(&state.db, &counter, day)
            .await
            .map_err(storage)?,
        counters,
        counter,
        day,
        rows,
        errors,
        notice,
        can_close: staff.can(CLOSE_DAY, On::None),
        me: staff.actor().username,
    })
}

pub async fn day(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DayQuery>,
) -> Result<Response, AppError> {
    staff.require(crate::auth::VIEW_STAFF, On::None)?;
    let (day, errors) = match q.day.trim() {
        "" => (state.today(), Vec::new()),
        t => match crate::fiscal::parse_date(t) {
            Ok(d) => (d, Vec::new()),
            Err(e) => (state.today(), vec![format!("日付: {e}")]),
        },
    };
    let notice = match q.done.as_str() {
        "closed" => "締めました。別の人が確認すると確定します。",
        "confirmed" => "確認しました。この日計は確定しました。",
        "withdrawn" => "締めを取り消しました。記録を直してから、もう一度締めてください。",
        _ => "",
    };
    Ok(
        day_page(&state, &staff, q.counter, day, errors, notice.into())
            .await?
            .into_response(),
    )
}

#[derive(Deserialize)]
pub struct DayForm {
    #[serde(default)]
    counter: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    counted_cash: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    step: String,
}

/// Close, confirm or withdraw, by the button pressed.
pub async fn day_act(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<DayForm>,
) -> Result<Response, AppError> {
    staff.require(CLOSE_DAY, On::None)?;
    let day = crate::fiscal::parse_date(&f.day)
        .map_err(|e| AppError::BadRequest(format!("日付: {e}")))?;
    let actor = staff.actor();
    let counter = f.counter.trim().to_string();
    let result: Result<&str, LedgerError> = match f.step.as_str() {
        "close" => match Yen::parse(&f.counted_cash) {
            Ok(cash) => days::close(
                &state.db,
                &counter,
                day,
                cash,
                &f.note,
                state.today(),
                &actor,
            )
            .await
            .map(|_| "closed"),
            Err(e) => Err(LedgerError::Refused(format!("数えた現金: {e}"))),
        },
        "confirm" => days::confirm(&state.db, &counter, day, &actor)
            .await
            .map(|_| "confirmed"),
        "withdraw" => days::withdraw(&state.db, &counter, day, &f.note, &actor)
            .await
            .map(|_| "withdrawn"),
        other => return Err(AppError::BadRequest(format!("操作「{other}」はありません"))),
    };
    match result {
        Ok(done) => Ok(Redirect::to(&staff.path(&format!(
            "/staff/receipts/day?counter={}&day={day}&done={done}",
            url::form_urlencoded::byte_serialize(counter.as_bytes()).collect::<String>()
        )))
        .into_response()),
        Err(e) => {
            let errors = vec![refused(e)?];
            let page = day_page(&state, &staff, counter, day, errors, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// A 年度's row on the public page.
pub struct YearRow {
    pub year: FiscalYear,
    pub share: Share,
}

/// A month's counts per channel on the public page.
pub struct MonthRow {
    pub label: String,
    pub counts: Vec<i64>,
    pub cashless: i64,
    pub total: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "receipts/templates/public.html")]
struct PublicPage {
    layout: Layout,
    years: Vec<YearRow>,
    year: FiscalYear,
    channels: Vec<Channel>,
    months: Vec<MonthRow>,
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: String,
}

/// A share as pages print it (12.3%), or — when there is none.
pub fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.1}%"))
}

impl PublicPage {
    fn percent(&self, v: Option<f64>) -> String {
        percent(v)
    }
}

pub async fn public(
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let today = state.today();
    let current = FiscalYear::of_date(today);
    let year = FiscalYear::parse(&q.year).unwrap_or(current).min(current);
    let mut years = Vec::new();
    for y in (current.0 - 4..=current.0).rev().map(FiscalYear) {
        let share = store::share(&state.db, y, Default::default())
            .await
            .map_err(storage)?;
        if share.count > 0 {
            years.push(YearRow { year: y, share });
        }
    }
    let channels = Channel::all();
    let split = store::by_month(&state.db, year).await.map_err(storage)?;
    let months = (0..12)
        .map(|i| {
            let month = ((i + 3) % 12 + 1) as u8;
            let calendar_year = if month >= 4 { year.0 } else { year.0 + 1 };
            let counts: Vec<i64> = channels
                .iter()
                .map(|c| {
                    split
                        .iter()
                        .filter(|(m, ch, _, _)| *m == month && ch == c)
                        .map(|(_, _, n, _)| *n)
                        .sum()
                })
                .collect();
            let cashless = channels
                .iter()
                .zip(&counts)
                .filter(|(c, _)| c.is_cashless(Default::default()))
                .map(|(_, n)| *n)
                .sum();
            MonthRow {
                label: crate::fiscal::wareki_month(calendar_year, month),
                total: counts.iter().sum(),
                counts,
                cashless,
            }
        })
        .collect();
    Ok(PublicPage {
        layout: Layout::public(&state, "payments").await,
        years,
        year,
        channels,
        months,
    }
    .into_response())
}
