//! The certificate pages: staff record issues (mail, a counter without a visit), cancel a
//! mistake, import the コンビニ交付 statistics; residents see the コンビニ交付 share per 年度
//! and month (`/certificates`).

use super::RECORD_CERTIFICATES;
use super::model::{Channel, Issue, Kind, Tally};
use super::store::{self, FROM_STAFF, IssueRow, NewIssue};
use crate::app::AppState;
use crate::auth::permissions::Subject as On;
use crate::auth::{Staff, StaffForm};
use crate::error::AppError;
use crate::fiscal::FiscalYear;
use crate::receipts::routes::percent;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub const MAX_FILE: usize = 5 * 1024 * 1024;

#[derive(Deserialize, Default, Clone)]
pub struct IssueForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    copies: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    free: Option<String>,
    #[serde(default)]
    office: String,
    #[serde(default)]
    note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "certificates/templates/staff.html")]
struct StaffPage {
    layout: Layout,
    year: FiscalYear,
    tally: Tally,
    rows: Vec<IssueRow>,
    form: IssueForm,
    errors: Vec<String>,
    notice: String,
    can_record: bool,
    kinds: [Kind; 10],
    channels: [Channel; 4],
}

impl StaffPage {
    fn percent(&self, v: Option<f64>) -> String {
        percent(v)
    }
}

async fn staff_view(
    state: &AppState,
    staff: &Staff,
    form: IssueForm,
    errors: Vec<String>,
    notice: String,
) -> Result<StaffPage, AppError> {
    let year = FiscalYear::of_date(state.today());
    Ok(StaffPage {
        layout: Layout::staff(staff, "certificates"),
        tally: super::tally(state, year).await?,
        year,
        rows: store::list(&state.db, None, 300).await?,
        form,
        errors,
        notice,
        can_record: staff.can(RECORD_CERTIFICATES, On::None),
        kinds: Kind::ALL,
        channels: Channel::ALL,
    })
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn staff_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    staff.require(crate::auth::VIEW_STAFF, On::None)?;
    let notice = match q.done.as_str() {
        "recorded" => "記録しました。".to_string(),
        "cancelled" => "取消の記録を追加しました(元の記録は残ります)。".to_string(),
        d if d.starts_with("imported:") => {
            format!("{}件(月・種類)を取り込みました。", &d["imported:".len()..])
        }
        _ => String::new(),
    };
    let form = IssueForm {
        issued_on: state.today().to_string(),
        ..IssueForm::default()
    };
    Ok(staff_view(&state, &staff, form, Vec::new(), notice)
        .await?
        .into_response())
}

fn issue_of(f: &IssueForm, today: time::Date) -> Result<NewIssue, Vec<String>> {
    let mut errors = Vec::new();
    let kind = Kind::parse(&f.kind).map_err(|e| errors.push(e)).ok();
    let channel = Channel::parse(&f.channel).map_err(|e| errors.push(e)).ok();
    let copies = match crate::input::parse_number(f.copies.trim().trim_end_matches('通')) {
        Ok(n) if n >= 1.0 && n.fract() == 0.0 && n < 10_000.0 => Some(n as i64),
        _ => {
            errors.push(format!(
                "通数「{}」は1以上の整数で書いてください",
                f.copies.trim()
            ));
            None
        }
    };
    let day = crate::fiscal::parse_date(&f.issued_on)
        .map_err(|e| errors.push(format!("発行日: {e}")))
        .ok();
    if day.is_some_and(|d| d > today) {
        errors.push("発行日が先の日付です".into());
    }
    match (kind, channel, copies, day) {
        (Some(kind), Some(channel), Some(copies), Some(issued_on)) if errors.is_empty() => {
            Ok(NewIssue {
                kind,
                channel,
                copies,
                free: f.free.is_some(),
                issued_on,
                month_total: false,
                office: f.office.trim().to_string(),
                source: FROM_STAFF,
                receipt: None,
                visit: None,
                note: f.note.trim().to_string(),
            })
        }
        _ => Err(errors),
    }
}

pub async fn record(
    State(state): State<AppState>,
    StaffForm(staff, f): StaffForm<IssueForm>,
) -> Result<Response, AppError> {
    staff.require(RECORD_CERTIFICATES, On::None)?;
    match issue_of(&f, state.today()) {
        Ok(i) => {
            store::record(&state.db, &i, &staff.actor()).await?;
            state.invalidate_plan();
            Ok(Redirect::to(&staff.path("/staff/certificates?done=recorded")).into_response())
        }
        Err(errors) => {
            let page = staff_view(&state, &staff, f, errors, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<CancelForm>,
) -> Result<Response, AppError> {
    staff.require(RECORD_CERTIFICATES, On::None)?;
    match store::cancel(&state.db, id, &f.reason, &staff.actor()).await? {
        Ok(_) => {
            state.invalidate_plan();
            Ok(Redirect::to(&staff.path("/staff/certificates?done=cancelled")).into_response())
        }
        Err(m) => {
            let page =
                staff_view(&state, &staff, IssueForm::default(), vec![m], String::new()).await?;
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
    staff.require(RECORD_CERTIFICATES, On::None)?;
    let result = match &upload.file {
        None => Err(vec!["ファイルを選んでください。".to_string()]),
        Some((name, bytes)) => super::import::apply(&state.db, name, bytes, &staff.actor()).await,
    };
    match result {
        Ok(n) => {
            state.invalidate_plan();
            Ok(
                Redirect::to(&staff.path(&format!("/staff/certificates?done=imported:{n}")))
                    .into_response(),
            )
        }
        Err(mut errors) => {
            errors.insert(0, crate::receipts::import::REFUSED.into());
            let page =
                staff_view(&state, &staff, IssueForm::default(), errors, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub struct YearRow {
    pub year: FiscalYear,
    pub tally: Tally,
}

pub struct MonthRow {
    pub label: String,
    pub by_channel: Vec<i64>,
    pub tally: Tally,
}

#[derive(Template, WebTemplate)]
#[template(path = "certificates/templates/public.html")]
struct PublicPage {
    layout: Layout,
    years: Vec<YearRow>,
    year: FiscalYear,
    channels: [Channel; 4],
    months: Vec<MonthRow>,
    chart: String,
}

impl PublicPage {
    fn percent(&self, v: Option<f64>) -> String {
        percent(v)
    }
}

/// Bars of the monthly コンビニ交付 share; the figures are in the table below it.
fn chart(months: &[MonthRow]) -> String {
    let (w, h, left, bottom, top) = (640.0, 220.0, 44.0, 34.0, 12.0);
    let max = months
        .iter()
        .filter_map(|m| m.tally.share())
        .fold(10.0_f64, f64::max)
        .min(100.0)
        .ceil();
    let step = (w - left - 16.0) / 12.0;
    let y = |v: f64| top + (max - v.clamp(0.0, max)) / max * (h - top - bottom);
    let mut svg = format!(
        r#"<svg viewBox="0 0 {w} {h}" role="img" aria-label="月ごとのコンビニ交付の割合。数値は下の表にあります" class="chart">"#
    );
    for v in [0.0, max / 2.0, max] {
        svg.push_str(&format!(
            r##"<line x1="{left}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#ddd" stroke-width="1"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#333">{v:.0}%</text>"##,
            w - 16.0,
            left - 4.0,
            y(v) + 4.0,
            yy = y(v),
        ));
    }
    for (i, m) in months.iter().enumerate() {
        let x = left + step * i as f64;
        if let Some(v) = m.tally.share() {
            svg.push_str(&format!(
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#1f5f99"/>"##,
                x + step * 0.15,
                y(v),
                step * 0.7,
                (h - bottom) - y(v),
            ));
        }
        let short = m.label.rsplit('年').next().unwrap_or(&m.label);
        svg.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#333">{}</text>"##,
            x + step / 2.0,
            h - bottom + 16.0,
            short
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: String,
}

pub async fn public(
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let current = FiscalYear::of_date(state.today());
    let year = FiscalYear::parse(&q.year).unwrap_or(current).min(current);
    let mut years = Vec::new();
    for y in (current.0 - 4..=current.0).rev().map(FiscalYear) {
        let tally = super::tally(&state, y).await?;
        if tally.all > 0 || tally.free > 0 {
            years.push(YearRow { year: y, tally });
        }
    }
    let issues = store::issues_between(&state.db, year.first_day(), year.last_day()).await?;
    let months = (0..12u8)
        .map(|i| {
            let month = (i + 3) % 12 + 1;
            let calendar_year = if month >= 4 { year.0 } else { year.0 + 1 };
            let of_month: Vec<Issue> = issues
                .iter()
                .filter(|(d, _)| d.year() == calendar_year && d.month() as u8 == month)
                .map(|(_, i)| *i)
                .collect();
            MonthRow {
                label: crate::fiscal::wareki_month(calendar_year, month),
                by_channel: Channel::ALL
                    .iter()
                    .map(|c| {
                        of_month
                            .iter()
                            .filter(|i| i.channel == *c && !i.free)
                            .map(|i| i.copies)
                            .sum()
                    })
                    .collect(),
                tally: Tally::of(&of_month),
            }
        })
        .collect::<Vec<_>>();
    Ok(PublicPage {
        layout: Layout::public(&state, "certificates").await,
        chart: chart(&months),
        years,
        year,
        channels: Channel::ALL,
        months,
    }
    .into_response())
}
