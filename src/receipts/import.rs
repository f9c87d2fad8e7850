//! Receipts brought by files (#17), each kind with its columns (headers in Japanese as the
//! providers write them; CSV in UTF-8 or Shift_JIS, or xlsx):
//!
//! - **決済端末** (the counter's card/e-money/QR terminal, one file a day): 取引日時 (or 取引日 and
//!   取引時刻), 金額, 伝票番号, 決済手段 (a brand such as VISA, Suica, PayPay, or the means),
//!   窓口; optional 取引区分 (売上 / 取消) with 元伝票番号, 科目, 手続き, 担当課.
//! - **コンビニ収納** (the agent's 速報・確報): 収納日 (and 収納時刻), 金額, 受付番号 (or the
//!   barcode); optional 区分 (速報 / 確報 / 取消), 科目, 担当課.
//! - **eL-QR 納付情報** (from eLTAX): 納付日, 金額, eL番号 (or 納付番号); optional 納付方法
//!   (金融機関窓口 means cash at a bank, anything else paid electronically), 科目 (税目), 担当課.
//!
//! Every row is checked first, then everything is written in one transaction or nothing is.
//! A row already in the ledger (the same file again, a 確報 after its 速報) is counted as
//! already recorded, not added twice; the same number with another amount is an error. A
//! terminal's sale that the clerk already recorded at the counter (same day, counter, means and
//! amount, no slip number yet) is matched to it (消込) instead of being added.

use super::model::{Channel, Means, Source, Subject, Yen};
use super::store::{self, LedgerError, NewReceipt};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, now_text};
use crate::imports::read::Cell;
use sqlx::Row as _;
use time::{Date, PrimitiveDateTime, Time};

/// What the page says first when a file is refused.
pub const REFUSED: &str =
    "取り込めませんでした。何も書き込んでいません。ファイルを直して、もう一度取り込んでください。";

/// The kinds of file machi reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Terminal,
    ConvenienceStore,
    ElQr,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Terminal, Kind::ConvenienceStore, Kind::ElQr];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Terminal => "terminal",
            Kind::ConvenienceStore => "convenience_store",
            Kind::ElQr => "el_qr",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Terminal => "決済端末の日次データ",
            Kind::ConvenienceStore => "コンビニ収納データ(速報・確報)",
            Kind::ElQr => "eL-QR 納付情報",
        }
    }

    pub fn parse(code: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.code() == code || k.label() == code)
            .ok_or_else(|| format!("ファイルの種類「{code}」がわかりません"))
    }

    /// What a receipt is for when the file does not say.
    fn default_subject(self) -> Subject {
        match self {
            Kind::Terminal => Subject::Fee,
            Kind::ConvenienceStore | Kind::ElQr => Subject::Tax,
        }
    }
}

/// The columns and the headers that name them (compared without spaces, width folded).
const HEADERS: &[(&str, &[&str])] = &[
    (
        "when",
        &["取引日時", "収納日時", "納付日時", "日時", "決済日時"],
    ),
    (
        "date",
        &["取引日", "収納日", "納付日", "日付", "決済日", "売上日"],
    ),
    (
        "time",
        &["取引時刻", "収納時刻", "納付時刻", "時刻", "決済時刻"],
    ),
    (
        "amount",
        &[
            "金額",
            "取引金額",
            "収納金額",
            "納付金額",
            "決済金額",
            "売上金額",
        ],
    ),
    (
        "reference",
        &[
            "伝票番号",
            "取引番号",
            "受付番号",
            "収納番号",
            "バーコード",
            "バーコード情報",
            "el番号",
            "納付番号",
            "参照番号",
            "承認番号",
        ],
    ),
    ("original", &["元伝票番号", "元取引番号", "取消対象"]),
    (
        "means",
        &[
            "決済手段",
            "ブランド",
            "決済種別",
            "決済ブランド",
            "支払方法",
        ],
    ),
    (
        "kind",
        &["取引区分", "取引種別", "区分", "速報確報区分", "処理区分"],
    ),
    ("counter", &["窓口", "端末名", "設置場所", "端末設置場所"]),
    (
        "route",
        &["納付方法", "収納チャネル", "納付チャネル", "納付場所"],
    ),
    ("subject", &["科目", "税目", "収納科目"]),
    ("procedure", &["手続き", "手続", "品目", "商品名"]),
    ("department", &["担当課", "所管課", "課"]),
];

fn field_of(header: &str) -> Option<&'static str> {
    let h: String = crate::fiscal::fold_width(header.trim().trim_start_matches('\u{feff}'))
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    HEADERS
        .iter()
        .find(|(_, names)| names.contains(&h.as_str()))
        .map(|(f, _)| *f)
}

/// What a line of a file does.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// A payment received.
    Paid(NewReceipt),
    /// The payment `original` (a reference of the same channel) was cancelled at `at`.
    Cancelled {
        channel: Channel,
        original: String,
        at: PrimitiveDateTime,
    },
}

/// A checked row: its number in the file and what it does.
pub type Row = (usize, Line);

/// Terminal brands as the acquirers write them, by means.
fn means_of(text: &str) -> Option<Means> {
    let t: String = crate::fiscal::fold_width(text)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '・')
        .collect::<String>()
        .to_lowercase();
    const CREDIT: &[&str] = &[
        "クレジット",
        "クレジットカード",
        "credit",
        "visa",
        "mastercard",
        "master",
        "jcb",
        "amex",
        "americanexpress",
        "diners",
        "dinersclub",
        "discover",
        "unionpay",
        "銀聯",
        "デビット",
        "デビットカード",
    ];
    const EMONEY: &[&str] = &[
        "電子マネー",
        "交通系",
        "交通系ic",
        "交通系電子マネー",
        "suica",
        "pasmo",
        "icoca",
        "id",
        "quicpay",
        "quicpay+",
        "waon",
        "nanaco",
        "edy",
        "楽天edy",
    ];
    const QR: &[&str] = &[
        "qr",
        "qrコード",
        "qrコード決済",
        "コード決済",
        "paypay",
        "d払い",
        "aupay",
        "楽天ペイ",
        "メルペイ",
        "alipay",
        "alipay+",
        "wechatpay",
        "銀行pay",
        "jcoinpay",
    ];
    if CREDIT.contains(&t.as_str()) {
        Some(Means::Credit)
    } else if EMONEY.contains(&t.as_str()) {
        Some(Means::EMoney)
    } else if QR.contains(&t.as_str()) {
        Some(Means::QrCode)
    } else {
        None
    }
}

/// Reads a date and time as files write them: one cell (2025/04/01 09:05:12, 2025-04-01T09:05)
/// or two (20250401 and 090512). A missing time is midnight.
fn parse_when(date: &str, time: &str) -> Result<PrimitiveDateTime, String> {
    let folded = crate::fiscal::fold_width(date.trim());
    let (day_part, rest) = match folded.split_once([' ', 'T']) {
        Some((d, t)) => (d.to_string(), t.trim().to_string()),
        None => (folded.clone(), String::new()),
    };
    let day = if day_part.len() == 8 && day_part.chars().all(|c| c.is_ascii_digit()) {
        crate::fiscal::parse_date(&format!(
            "{}-{}-{}",
            &day_part[..4],
            &day_part[4..6],
            &day_part[6..]
        ))
    } else {
        crate::fiscal::parse_date(&day_part)
    }?;
    let time_text = if rest.is_empty() {
        crate::fiscal::fold_width(time.trim())
    } else {
        rest
    };
    Ok(PrimitiveDateTime::new(day, parse_time(&time_text)?))
}

fn parse_time(text: &str) -> Result<Time, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Time::MIDNIGHT);
    }
    let bad = || format!("時刻「{t}」が読めません(例: 09:05、090512)");
    let parts: Vec<u32> = if t.contains(':') {
        t.split(':')
            .map(|p| p.trim().parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?
    } else if t.chars().all(|c| c.is_ascii_digit()) && (t.len() == 4 || t.len() == 6) {
        (0..t.len() / 2)
            .map(|i| t[i * 2..i * 2 + 2].parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?
    } else {
        return Err(bad());
    };
    let get = |i: usize| parts.get(i).copied().unwrap_or(0);
    if parts.len() < 2 || parts.len() > 3 {
        return Err(bad());
    }
    Time::from_hms(get(0) as u8, get(1) as u8, get(2) as u8).map_err(|_| bad())
}

/// Whether a line cancels a payment, from the 取引区分 cell.
fn is_cancel(kind: &str) -> Result<bool, String> {
    let k: String = kind.chars().filter(|c| !c.is_whitespace()).collect();
    match k.as_str() {
        "" | "売上" | "支払" | "支払い" | "決済" | "収納" | "速報" | "確報" | "納付" | "入金" => {
            Ok(false)
        }
        "取消" | "取り消し" | "取消し" | "返品" | "返金" | "売上取消" | "速報取消" => {
            Ok(true)
        }
        _ => Err(format!(
            "取引区分「{kind}」がわかりません(売上・速報・確報、または取消・返品)"
        )),
    }
}

/// Reads and checks every row of a file; all the faults, or the lines.
pub fn read(kind: Kind, name: &str, bytes: &[u8]) -> Result<Vec<Row>, Vec<String>> {
    let table = crate::imports::read::read(bytes, name).map_err(|e| vec![e.to_string()])?;
    let mut rows = table
        .rows
        .into_iter()
        .filter(|(_, r)| r.iter().any(|c| !c.is_empty()));
    let Some((header_line, headers)) = rows.next() else {
        return Err(vec!["ファイルに行がありません".into()]);
    };
    let columns: Vec<Option<&str>> = headers.iter().map(|h| field_of(&h.text())).collect();
    let has = |f: &str| columns.contains(&Some(f));
    let mut missing = Vec::new();
    if !has("when") && !has("date") {
        missing.push("日時(取引日時・収納日・納付日など)");
    }
    if !has("amount") {
        missing.push("金額");
    }
    if !has("reference") {
        missing.push(match kind {
            Kind::Terminal => "伝票番号",
            Kind::ConvenienceStore => "受付番号(またはバーコード)",
            Kind::ElQr => "eL番号(または納付番号)",
        });
    }
    if kind == Kind::Terminal {
        if !has("means") {
            missing.push("決済手段(ブランド)");
        }
        if !has("counter") {
            missing.push("窓口(端末名)");
        }
    }
    if !missing.is_empty() {
        return Err(vec![format!(
            "{header_line}行目(見出し): {}の列がありません。{}の見出しを確かめてください",
            missing.join("、"),
            kind.label()
        )]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (line, cells) in rows {
        let get = |f: &str| -> String {
            columns
                .iter()
                .position(|c| *c == Some(f))
                .and_then(|i| cells.get(i))
                .map(Cell::text)
                .unwrap_or_default()
        };
        match row(kind, &get) {
            Ok(l) => {
                if let Line::Paid(r) = &l
                    && !seen.insert(r.reference.clone())
                {
                    errors.push(format!(
                        "{line}行目: 番号「{}」が前の行と重なっています",
                        r.reference
                    ));
                }
                out.push((line, l));
            }
            Err(m) => errors.push(format!("{line}行目: {m}")),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push("見出しのほかに行がありません".into());
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn row(kind: Kind, get: &dyn Fn(&str) -> String) -> Result<Line, String> {
    let at = {
        let when = get("when");
        if when.is_empty() {
            parse_when(&get("date"), &get("time"))?
        } else {
            parse_when(&when, "")?
        }
    };
    let cancel = is_cancel(&get("kind"))?;
    let reference: String = get("reference").chars().filter(|c| *c != ' ').collect();
    if reference.is_empty() {
        return Err("番号(伝票番号・受付番号・eL番号)が空です".into());
    }
    let channel = match kind {
        Kind::Terminal => {
            let m = get("means");
            Channel::CounterCashless(means_of(&m).ok_or_else(|| {
                format!(
                    "決済手段「{m}」がわかりません(クレジット・電子マネー・QRコード決済、または VISA・Suica・PayPay などのブランド)"
                )
            })?)
        }
        Kind::ConvenienceStore => Channel::ConvenienceStore,
        Kind::ElQr => {
            let r = get("route");
            if r.contains("金融機関") || r.contains("銀行") || r.contains("窓口") {
                Channel::BankCounter
            } else {
                Channel::ElQr
            }
        }
    };
    if cancel {
        let original = get("original");
        return Ok(Line::Cancelled {
            channel,
            original: if original.is_empty() {
                reference
            } else {
                original
            },
            at,
        });
    }
    let amount = Yen::parse(&get("amount"))?;
    if amount.0 == 0 {
        return Err("金額が0円です".into());
    }
    let subject = match get("subject") {
        s if s.is_empty() => kind.default_subject(),
        s => Subject::parse(&s).unwrap_or(Subject::Other),
    };
    Ok(Line::Paid(NewReceipt {
        subject,
        procedure: get("procedure"),
        amount,
        channel,
        paid_at: at,
        department: get("department"),
        counter: get("counter"),
        reference,
        source: Source::Import,
        visit: None,
    }))
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcome {
    pub added: usize,
    /// Matched to a receipt the clerk recorded (消込).
    pub matched: usize,
    /// Already in the ledger (the same file again, a 確報 after its 速報).
    pub known: usize,
    pub cancelled: usize,
}

/// Notes a file being imported (its kind, name, hash, rows and total), so every row it writes
/// can say which file brought it; returns the import's number.
pub async fn note_file(
    tx: &mut crate::db::Tx,
    kind: &str,
    file_name: &str,
    bytes: &[u8],
    rows: usize,
    total: i64,
    actor: &Actor,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO receipt_imports (kind, file_name, sha256, rows, total, imported_at,
           imported_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(kind)
    .bind(file_name)
    .bind(crate::filetype::sha256_hex(bytes))
    .bind(rows as i64)
    .bind(total)
    .bind(now_text())
    .bind(&actor.username)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")
}

/// Writes a file's lines, all or nothing. `Err` holds every row's fault.
pub async fn apply(
    db: &Db,
    kind: Kind,
    file_name: &str,
    bytes: &[u8],
    actor: &Actor,
) -> Result<Outcome, Vec<String>> {
    let rows = read(kind, file_name, bytes)?;
    let storage = |e: LedgerError| vec![format!("保存できませんでした: {e}")];
    let mut tx = db.begin().await.map_err(|e| storage(e.into()))?;
    let total: i64 = rows
        .iter()
        .map(|(_, l)| match l {
            Line::Paid(r) => r.amount.0,
            Line::Cancelled { .. } => 0,
        })
        .sum();
    let import_id = note_file(
        &mut tx,
        kind.code(),
        file_name,
        bytes,
        rows.len(),
        total,
        actor,
    )
    .await
    .map_err(|e| storage(e.into()))?;
    let mut done = Outcome::default();
    let mut errors = Vec::new();
    for (line, l) in &rows {
        match one(&mut tx, l, import_id, actor).await {
            Ok(Done::Added) => done.added += 1,
            Ok(Done::Matched) => done.matched += 1,
            Ok(Done::Known) => done.known += 1,
            Ok(Done::Cancelled) => done.cancelled += 1,
            Err(LedgerError::Refused(m)) => errors.push(format!("{line}行目: {m}")),
            Err(e) => return Err(storage(e)),
        }
    }
    if !errors.is_empty() {
        // Dropping the transaction rolls back every row written so far.
        return Err(errors);
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "receipt.import",
            entity: "receipt_import",
            entity_id: &import_id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "kind": kind.code(), "file": file_name, "rows": rows.len(),
                "added": done.added, "matched": done.matched, "known": done.known,
                "cancelled": done.cancelled,
            })),
            note: "",
        },
    )
    .await
    .map_err(|e| storage(e.into()))?;
    tx.commit().await.map_err(|e| storage(e.into()))?;
    Ok(done)
}

enum Done {
    Added,
    Matched,
    Known,
    Cancelled,
}

async fn one(
    tx: &mut crate::db::Tx,
    line: &Line,
    import_id: i64,
    actor: &Actor,
) -> Result<Done, LedgerError> {
    match line {
        Line::Paid(r) => {
            if let Some(row) = sqlx::query(
                "SELECT id, amount FROM receipts
                 WHERE channel = $1 AND reference = $2 AND reverses IS NULL",
            )
            .bind(r.channel.code())
            .bind(&r.reference)
            .fetch_optional(&mut **tx)
            .await?
            {
                let amount: i64 = row.try_get("amount")?;
                if amount != r.amount.0 {
                    let id: i64 = row.try_get("id")?;
                    return Err(LedgerError::Refused(format!(
                        "番号「{}」は記録済み(番号 {id}、{})ですが、金額が{}と違います",
                        r.reference,
                        Yen(amount),
                        r.amount
                    )));
                }
                return Ok(Done::Known);
            }
            if sqlx::query("SELECT receipt_id FROM receipt_matches WHERE reference = $1")
                .bind(format!("{}:{}", r.channel.code(), r.reference))
                .fetch_optional(&mut **tx)
                .await?
                .is_some()
            {
                return Ok(Done::Known);
            }
            if matches!(r.channel, Channel::CounterCashless(_))
                && let Some(id) = unmatched_at_counter(tx, r).await?
            {
                sqlx::query(
                    "INSERT INTO receipt_matches (receipt_id, reference, import_id, matched_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(format!("{}:{}", r.channel.code(), r.reference))
                .bind(import_id)
                .bind(now_text())
                .execute(&mut **tx)
                .await?;
                return Ok(Done::Matched);
            }
            store::append_in(tx, r, Some(import_id), actor).await?;
            Ok(Done::Added)
        }
        Line::Cancelled {
            channel,
            original,
            at,
        } => {
            let found = sqlx::query(
                "SELECT r.id, (SELECT x.id FROM receipts x WHERE x.reverses = r.id) AS reversed_by
                 FROM receipts r WHERE r.channel = $1 AND r.reverses IS NULL
                   AND (r.reference = $2 OR r.id IN
                        (SELECT receipt_id FROM receipt_matches WHERE reference = $3))",
            )
            .bind(channel.code())
            .bind(original)
            .bind(format!("{}:{original}", channel.code()))
            .fetch_optional(&mut **tx)
            .await?;
            let Some(row) = found else {
                return Err(LedgerError::Refused(format!(
                    "取消の対象「{original}」({})が記録にありません。先に元の取引を取り込んでください",
                    channel.label()
                )));
            };
            let reversed: Option<i64> = row.try_get("reversed_by")?;
            if reversed.is_some() {
                return Ok(Done::Known);
            }
            let id: i64 = row.try_get("id")?;
            store::reverse_in(tx, id, *at, "取込ファイルの取消行", Some(import_id), actor).await?;
            Ok(Done::Cancelled)
        }
    }
}

/// A receipt the clerk recorded at the counter for the same payment: same day, counter, means
/// and amount, no reference, not reversed, not matched yet (the earliest first).
async fn unmatched_at_counter(
    tx: &mut crate::db::Tx,
    r: &NewReceipt,
) -> Result<Option<i64>, LedgerError> {
    let day: Date = r.paid_at.date();
    Ok(sqlx::query(
        "SELECT r.id FROM receipts r
         WHERE r.channel = $1 AND r.paid_on = $2 AND r.counter = $3 AND r.amount = $4
           AND r.reference = '' AND r.reverses IS NULL
           AND NOT EXISTS (SELECT 1 FROM receipts x WHERE x.reverses = r.id)
           AND NOT EXISTS (SELECT 1 FROM receipt_matches m WHERE m.receipt_id = r.id)
         ORDER BY r.paid_at, r.id LIMIT 1",
    )
    .bind(r.channel.code())
    .bind(day.to_string())
    .bind(&r.counter)
    .bind(r.amount.0)
    .fetch_optional(&mut **tx)
    .await?
    .map(|row| row.try_get("id"))
    .transpose()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brands_read_as_their_means() {
        assert_eq!(means_of("VISA"), Some(Means::Credit));
        assert_eq!(means_of("ＪＣＢ"), Some(Means::Credit));
        assert_eq!(means_of("Suica"), Some(Means::EMoney));
        assert_eq!(means_of("交通系IC"), Some(Means::EMoney));
        assert_eq!(means_of("PayPay"), Some(Means::QrCode));
        assert_eq!(means_of("au PAY"), Some(Means::QrCode));
        assert_eq!(means_of("現金"), None);
    }

    #[test]
    fn dates_and_times_read_as_files_write_them() {
        let t = |d: &str, h: &str| parse_when(d, h).map(|x| x.to_string());
        assert_eq!(
            t("2025/04/01 09:05:12", ""),
            Ok("2025-04-01 9:05:12.0".into())
        );
        assert_eq!(t("20250401", "090512"), Ok("2025-04-01 9:05:12.0".into()));
        assert_eq!(
            t("2025-04-01T13:30", ""),
            Ok("2025-04-01 13:30:00.0".into())
        );
        assert_eq!(t("令和7年4月1日", ""), Ok("2025-04-01 0:00:00.0".into()));
        assert!(t("2025/04/01", "25:00").unwrap_err().contains("時刻"));
        assert!(t("きのう", "").is_err());
    }

    #[test]
    fn a_terminal_file_reads_sales_and_cancels_and_names_every_bad_row() {
        let csv = "取引日,取引時刻,端末名,伝票番号,ブランド,取引区分,金額,元伝票番号\n\
                   2025/04/01,0905,本庁1番,00011,VISA,売上,300,\n\
                   2025/04/01,0910,本庁1番,00012,PayPay,売上,450,\n\
                   2025/04/01,0915,本庁1番,00013,PayPay,取消,450,00012\n";
        let rows = read(Kind::Terminal, "t.csv", csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3);
        match &rows[1].1 {
            Line::Paid(r) => {
                assert_eq!(r.channel, Channel::CounterCashless(Means::QrCode));
                assert_eq!(r.counter, "本庁1番");
                assert_eq!(r.amount, Yen(450));
                assert_eq!(r.subject, Subject::Fee);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&rows[2].1, Line::Cancelled { original, .. } if original == "00012"));

        let bad = "取引日,取引時刻,端末名,伝票番号,ブランド,金額\n\
                   2025/04/01,0905,本庁1番,1,VISA,三百\n\
                   2025/04/01,0905,本庁1番,2,ポイント,300\n\
                   2025/04/01,0905,本庁1番,2,VISA,300\n\
                   2025/04/01,0905,本庁1番,2,VISA,300\n";
        let e = read(Kind::Terminal, "t.csv", bad.as_bytes()).unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].starts_with("2行目") && e[0].contains("金額"), "{e:?}");
        assert!(
            e[1].starts_with("3行目") && e[1].contains("ポイント"),
            "{e:?}"
        );
        assert!(
            e[2].starts_with("5行目") && e[2].contains("重なって"),
            "{e:?}"
        );

        let e = read(
            Kind::Terminal,
            "t.csv",
            "取引日,金額\n2025/04/01,300\n".as_bytes(),
        )
        .unwrap_err();
        assert!(
            e[0].contains("伝票番号") && e[0].contains("決済手段") && e[0].contains("窓口"),
            "{e:?}"
        );
    }

    #[test]
    fn el_qr_paid_at_a_bank_is_cash_and_online_is_not() {
        let csv = "納付日,eL番号,税目,納付方法,納付金額\n\
                   2025/05/31,0123-4567-8901,税,地方税お支払サイト,12300\n\
                   2025/05/31,0123-4567-8902,,金融機関窓口,5000\n";
        let rows = read(Kind::ElQr, "el.csv", csv.as_bytes()).unwrap();
        let channels: Vec<Channel> = rows
            .iter()
            .map(|(_, l)| match l {
                Line::Paid(r) => r.channel,
                Line::Cancelled { channel, .. } => *channel,
            })
            .collect();
        assert_eq!(channels, vec![Channel::ElQr, Channel::BankCounter]);
    }
}
