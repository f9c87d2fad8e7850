//! Fees paid during a counter visit (#17): the clerk records what was paid, for which
//! procedure, how (cash, or the terminal's means), and the certificates handed over. The
//! receipt goes to the ledger (its 日計 is the desk's) and the certificates to the issue
//! records, both in one transaction and both linked to the visit.

use super::routes::{require, visit_error};
use super::store::VisitError;
use super::visit::{after, load};
use crate::app::AppState;
use crate::auth::StaffForm;
use crate::certificates::model::{Channel as CertChannel, Kind};
use crate::certificates::store::{self as certs, FROM_COUNTER, NewIssue};
use crate::error::AppError;
use crate::receipts::model::{Channel, Means, Source, Subject, Yen};
use crate::receipts::store::{self as ledger, LedgerError, NewReceipt};
use axum::extract::{Path, State};
use axum::response::Response;
use std::collections::BTreeMap;

/// The ways to pay at the counter, as the form offers them.
pub const MEANS: [(&str, &str); 4] = [
    ("cash", "現金"),
    ("credit", "クレジット"),
    ("emoney", "電子マネー"),
    ("qr", "QRコード決済"),
];

fn channel_of(code: &str) -> Option<Channel> {
    Some(match code {
        "cash" => Channel::CounterCash,
        "credit" => Channel::CounterCashless(Means::Credit),
        "emoney" => Channel::CounterCashless(Means::EMoney),
        "qr" => Channel::CounterCashless(Means::QrCode),
        _ => return None,
    })
}

/// What a fee form records: the receipt (none for a free certificate) and the issue (none
/// when no certificate was handed over).
type Recorded = (Option<NewReceipt>, Option<NewIssue>);

/// What the form asks, checked, or the faults by field.
fn read(
    f: &BTreeMap<String, String>,
    l: &super::visit::Loaded,
    at: time::PrimitiveDateTime,
    visit: i64,
) -> Result<Recorded, Vec<(String, String)>> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors = Vec::new();
    let procedure = l
        .items
        .iter()
        .find(|i| i.procedure.key == get("fee_procedure"))
        .map(|i| &i.procedure);
    let desk = get("fee_desk");
    if desk.is_empty() {
        errors.push(("fee_desk".into(), "窓口を選んでください".into()));
    }
    let kind = match get("fee_certificate").as_str() {
        "" => None,
        k => Kind::parse(k)
            .map_err(|e| errors.push(("fee_certificate".into(), e)))
            .ok(),
    };
    let copies = match crate::input::parse_number(&get("fee_copies")) {
        Ok(n) if n >= 1.0 && n.fract() == 0.0 && n < 1000.0 => n as i64,
        _ if kind.is_none() && get("fee_copies").is_empty() => 0,
        _ => {
            errors.push((
                "fee_copies".into(),
                "通数は1以上の整数で書いてください".into(),
            ));
            0
        }
    };
    let free = f.contains_key("fee_free");
    let amount = match get("fee_amount").as_str() {
        "" if free => Yen(0),
        t => Yen::parse(t)
            .map_err(|e| errors.push(("fee_amount".into(), e)))
            .unwrap_or_default(),
    };
    if amount.0 == 0 && !free && errors.iter().all(|e| e.0 != "fee_amount") {
        errors.push((
            "fee_amount".into(),
            "金額を書いてください(公用・無料のときは「公用・無料」に印を付けます)".into(),
        ));
    }
    if amount.0 == 0 && kind.is_none() && free {
        errors.push((
            "fee_certificate".into(),
            "無料のときは、発行した証明書を選んでください".into(),
        ));
    }
    let channel = channel_of(&get("fee_means"));
    if channel.is_none() && amount.0 > 0 {
        errors.push(("fee_means".into(), "支払方法を選んでください".into()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let department = procedure.map(|p| p.department.clone()).unwrap_or_default();
    let receipt = (amount.0 > 0).then(|| NewReceipt {
        subject: Subject::Fee,
        procedure: procedure.map(|p| p.name.clone()).unwrap_or_default(),
        amount,
        channel: channel.unwrap_or(Channel::CounterCash),
        paid_at: at,
        department: department.clone(),
        counter: desk.clone(),
        reference: get("fee_reference"),
        source: Source::Counter,
        visit: Some(visit),
    });
    let issue = kind.map(|kind| NewIssue {
        kind,
        channel: CertChannel::Counter,
        copies,
        free,
        issued_on: at.date(),
        month_total: false,
        office: desk,
        source: FROM_COUNTER,
        receipt: None,
        visit: Some(visit),
        note: String::new(),
    });
    Ok((receipt, issue))
}

pub async fn record(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, f): StaffForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    require(&staff)?;
    let l = load(&state, id).await?.ok_or(AppError::NotFound)?;
    if l.visit.is_purged() {
        return Ok(visit_error(&staff, VisitError::Purged(l.visit.receipt())));
    }
    let (receipt, issue) = match read(&f, &l, crate::receipts::routes::now_jst(&state), id) {
        Ok(x) => x,
        Err(list) => {
            return after(
                &state,
                &staff,
                id,
                Err(VisitError::Invalid(list)),
                None,
                "fees-h",
            )
            .await;
        }
    };
    let actor = staff.actor();
    let mut tx = state.db.begin().await?;
    let receipt_id = match &receipt {
        Some(r) => match ledger::append_in(&mut tx, r, None, &actor).await {
            Ok(id) => Some(id),
            Err(LedgerError::Refused(m)) => {
                let err = VisitError::Invalid(vec![("fee_amount".into(), m)]);
                return after(&state, &staff, id, Err(err), None, "fees-h").await;
            }
            Err(LedgerError::Storage(e)) => return Err(e.into()),
        },
        None => None,
    };
    if let Some(i) = issue {
        let i = NewIssue {
            receipt: receipt_id,
            ..i
        };
        certs::record_in(&mut tx, &i, None, &actor).await?;
    }
    tx.commit().await?;
    state.invalidate_plan();
    after(&state, &staff, id, Ok(()), None, "fees-h").await
}
