//! Online applications end to end through the router: mail to a real SMTP server, the
//! one-time link, the steps with errors, attachments, the fee in the sandbox provider, the
//! 課's inbox with a correction answered by the resident, the ledger, and the callbacks'
//! faults (replay, out of order, forged, timeout).

use crate::smtp_sink::Sink;
use crate::support::{Client, TestTown, each_backend, signed_in};
use machi::audit::Actor;
use machi::auth::model::Role;
use sqlx::Row;

const SECRET: &str = "test-payment-secret";
pub(crate) const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// The town with mail and the sandbox on, and 葬祭費 open online for 保険課 with a fee (as a
/// trial: the real 葬祭費 has none) and one required attachment.
pub(crate) async fn online_town(t: &TestTown, sink: &Sink, delay_ms: u64) -> TestTown {
    let url = sink.url.clone();
    let town = t
        .reconfigured(|c| {
            c.smtp_url = Some(url);
            c.public_url = Some("http://machi.test".into());
            c.payments = Some("sandbox".into());
            c.payment_secret = Some(SECRET.into());
            c.payment_timeout_secs = 1;
            c.payment_sandbox_delay_ms = delay_ms;
        })
        .await;
    let db = &town.db;
    machi::procedures::store::ensure_catalog(db).await.unwrap();
    let stored = machi::procedures::store::procedure(db, "kokuho-sousaihi")
        .await
        .unwrap()
        .unwrap();
    let mut p = stored.procedure.clone();
    if p.channels.iter().all(|c| c.kind != "town_form") {
        p.department = "保険課".into();
        p.channels.push(machi::procedures::model::Channel {
            kind: "town_form".into(),
            url: String::new(),
            since: "2024-10-01".into(),
            until: String::new(),
            note: String::new(),
        });
        machi::procedures::store::save_procedure(db, &p, Some(stored.version), &Actor::cli())
            .await
            .unwrap();
        let doc = machi::procedures::store::form_docs(db)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.key == "kokuho-sousaihi")
            .unwrap();
        // `fee` is a top-level key (before the first table); attachments are tables at the end.
        let text = doc
            .body
            .replacen("[[fields]]", "fee = 300\n\n[[fields]]", 1)
            + "\n[[attachments]]\nkey = \"receipt\"\nlabel = \"葬儀の領収書の写し\"\nrequired = true\n";
        machi::procedures::store::save_form(
            db,
            "kokuho-sousaihi",
            &text,
            doc.version,
            &Actor::cli(),
        )
        .await
        .unwrap();
    }
    town
}

/// A resident asks for the link and opens it: the browser and the application's id.
pub(crate) async fn resident_opens(town: &TestTown, sink: &Sink, email: &str) -> (Client, i64) {
    let mut c = Client::new(town);
    let r = c.get("/apply/kokuho-sousaihi").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let before = sink.count();
    let r = c.post("/apply/kokuho-sousaihi", &[("email", email)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("にメールを送りました"), "{}", r.body);
    assert_eq!(sink.count(), before + 1);
    let mail = sink.last();
    assert_eq!(mail.to, [email]);
    let link = mail.link_path("http://machi.test/apply/link/");
    let r = c.get(&link).await;
    assert_eq!(r.status, 303);
    let id: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    // One-time: a second opening is refused and offers a new link.
    let mut other = Client::new(town);
    let r = other.get(&link).await;
    assert_eq!(r.status, 410);
    assert!(r.body.contains("新しいリンクを送る"));
    (c, id)
}

async fn fill_steps(c: &mut Client, id: i64) {
    let r = c.get(&format!("/apply/a/{id}")).await;
    assert_eq!(r.location(), format!("/apply/a/{id}/step/1"));
    let r = c.get(&format!("/apply/a/{id}/step/1")).await;
    assert!(r.body.contains("亡くなられた方"), "{}", r.body);
    let version = |b: &str| {
        let i = b.find("name=\"version\" value=\"").unwrap() + 22;
        b[i..i + b[i..].find('"').unwrap()].to_string()
    };
    let v = version(&r.body);
    // A date that does not exist, a name left out: both named, what was typed kept.
    let r = c
        .post(
            &format!("/apply/a/{id}/step/1"),
            &[
                ("version", &v),
                ("deceased_birth", "昭和10年2月30日"),
                ("death_date", "令和6年9月20日"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("氏名を入力してください"), "{}", r.body);
    assert!(r.body.contains("存在しない日付"), "{}", r.body);
    assert!(r.body.contains("value=\"令和6年9月20日\""));
    let r = c
        .post(
            &format!("/apply/a/{id}/step/1"),
            &[
                ("version", &v),
                ("deceased_name", "香美 一郎"),
                ("deceased_birth", "昭和10年2月3日"),
                ("death_date", "令和6年9月20日"),
            ],
        )
        .await;
    assert_eq!(r.location(), format!("/apply/a/{id}/step/2"), "{}", r.body);
    for (n, fields) in [
        (2, vec![("funeral_date", "R6.9.23")]),
        (
            3,
            vec![
                ("applicant_name", "香美 花子"),
                ("applicant_kana", "かみ はなこ"),
                ("applicant_postal", "6696592"),
                ("applicant_address", "兵庫県美方郡香美町香住区香住870-1"),
                ("applicant_phone", "0796-36-1111"),
                ("applicant_relation", "妻"),
            ],
        ),
        (
            4,
            vec![
                ("bank", "但馬銀行 香住支店"),
                ("account_type", "普通"),
                ("account_number", "1234567"),
                ("account_holder", "カミ ハナコ"),
            ],
        ),
    ] {
        let r = c.get(&format!("/apply/a/{id}/step/{n}")).await;
        let v = version(&r.body);
        let mut all = vec![("version", v.as_str())];
        all.extend(fields);
        let r = c.post(&format!("/apply/a/{id}/step/{n}"), &all).await;
        assert_eq!(r.status, 303, "step {n}: {}", r.body);
    }
}

#[tokio::test]
async fn a_resident_applies_pays_and_answers_a_correction() {
    each_backend(|t| async move {
        let sink = Sink::start().await;
        let town = online_town(&t, &sink, 0).await;
        let (mut c, id) = resident_opens(&town, &sink, "hanako@example.jp").await;
        fill_steps(&mut c, id).await;
        // The required attachment: a text file is refused by what it is, a PNG is kept.
        let r = c.get(&format!("/apply/a/{id}/files")).await;
        assert_eq!(r.status, 200);
        let r = c
            .post_multipart(
                &format!("/apply/a/{id}/files"),
                &[("slot", "receipt")],
                Some(("file", "receipt.png.txt", b"just text")),
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body
                .contains("画像(JPEG・PNG・GIF・WebP)またはPDFではありません"),
            "{}",
            r.body
        );
        let r = c.get(&format!("/apply/a/{id}/confirm")).await;
        assert!(
            r.body.contains("葬儀の領収書の写しが添付されていません"),
            "{}",
            r.body
        );
        let r = c
            .post_multipart(
                &format!("/apply/a/{id}/files"),
                &[("slot", "receipt")],
                Some(("file", "領収書.png", PNG)),
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = c.get(&format!("/apply/a/{id}/confirm")).await;
        assert!(
            r.body.contains("カミ\u{3000}ハナコ") && r.body.contains("300円"),
            "{}",
            r.body
        );
        assert!(r.body.contains("令和6年9月20日"));
        let i = r.body.find("name=\"version\" value=\"").unwrap() + 22;
        let v = r.body[i..i + r.body[i..].find('"').unwrap()].to_string();
        // Submit: to the sandbox's page. A second click changes nothing.
        let r = c
            .post(&format!("/apply/a/{id}/submit"), &[("version", &v)])
            .await;
        let pay = r.location();
        assert!(pay.starts_with("/pay-sandbox/sbx_"), "{pay} {}", r.body);
        let r = c
            .post(&format!("/apply/a/{id}/submit"), &[("version", &v)])
            .await;
        assert_eq!(r.location(), format!("/apply/a/{id}"));
        // Until paid, the 課 does not have it and the ledger has nothing.
        let mut clerk = signed_in(&town, "hoken", Role::DepartmentEditor, "保険課").await;
        let r = clerk.get("/staff/applications").await;
        assert!(!r.body.contains("2024-0000"), "{}", r.body);
        let r = c.get(&pay).await;
        assert!(r.body.contains("300円"));
        let r = c.post(&pay, &[("decision", "pay")]).await;
        assert_eq!(
            r.location(),
            format!("http://machi.test/apply/a/{id}/return")
        );
        let r = c.get(&format!("/apply/a/{id}/return")).await;
        assert_eq!(r.status, 303);
        let r = c.get(&format!("/apply/a/{id}")).await;
        assert!(
            r.body.contains("2024-") && r.body.contains("新規") && r.body.contains("支払い済み"),
            "{}",
            r.body
        );
        let ledger = online_receipts(&town).await;
        assert_eq!(
            ledger,
            vec![(300, "kokuho-sousaihi".to_string(), "2024-11-01".to_string())]
        );

        // The 課: the inbox, the application (audited), accept, ask for a correction.
        let r = clerk.get("/staff/applications").await;
        assert!(
            r.body.contains("国民健康保険 葬祭費の支給申請"),
            "{}",
            r.body
        );
        assert!(
            !r.body.contains("香美 花子"),
            "the list shows no personal data"
        );
        let r = clerk.get(&format!("/staff/applications/{id}")).await;
        assert!(
            r.body.contains("香美 花子") && r.body.contains("領収書.png"),
            "{}",
            r.body
        );
        let mut other = signed_in(&town, "kikaku2", Role::DepartmentEditor, "企画課").await;
        assert_eq!(
            other.get(&format!("/staff/applications/{id}")).await.status,
            403
        );
        let version = |b: &str| {
            let i = b.find("name=\"version\" value=\"").unwrap() + 22;
            b[i..i + b[i..].find('"').unwrap()].to_string()
        };
        let v = version(&r.body);
        let r = clerk
            .post(
                &format!("/staff/applications/{id}/state"),
                &[("to", "accepted"), ("version", &v)],
            )
            .await;
        assert!(r.location().ends_with("done=mailed"), "{}", r.body);
        assert!(sink.last().body().contains("受け付けました"));
        let r = clerk.get(&format!("/staff/applications/{id}")).await;
        let v = version(&r.body);
        let r = clerk
            .post(
                &format!("/staff/applications/{id}/state"),
                &[("to", "correction"), ("version", &v), ("message", "")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("直してほしいこと"));
        let r = clerk
            .post(
                &format!("/staff/applications/{id}/state"),
                &[
                    ("to", "correction"),
                    ("version", &v),
                    (
                        "message",
                        "口座名義が申請者と違います。喪主の方の口座をご記入ください。",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mail = sink.last();
        assert!(mail.body().contains("口座名義が申請者と違います"));

        // The resident, on another device, answers through the new link.
        let mut phone = Client::new(&town);
        let r = phone
            .get(&mail.link_path("http://machi.test/apply/link/"))
            .await;
        assert_eq!(r.status, 303);
        let r = phone.get(&format!("/apply/a/{id}")).await;
        assert!(r.body.contains("口座名義が申請者と違います"), "{}", r.body);
        let r = phone.get(&format!("/apply/a/{id}/step/4")).await;
        let v = version(&r.body);
        let r = phone
            .post(
                &format!("/apply/a/{id}/step/4"),
                &[
                    ("version", &v),
                    ("bank", "但馬銀行 香住支店"),
                    ("account_type", "普通"),
                    ("account_number", "7654321"),
                    ("account_holder", "かみ はなこ"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        let r = phone.get(&format!("/apply/a/{id}/confirm")).await;
        assert!(!r.body.contains("300円(送信のあと"), "no second fee");
        let v = version(&r.body);
        let r = phone
            .post(
                &format!("/apply/a/{id}/submit"),
                &[("version", &v), ("note", "直しました")],
            )
            .await;
        assert_eq!(r.location(), format!("/apply/a/{id}"));
        let r = clerk.get(&format!("/staff/applications/{id}")).await;
        assert!(
            r.body.contains("審査中")
                && r.body.contains("7654321")
                && r.body.contains("直しました"),
            "{}",
            r.body
        );
        let v = version(&r.body);
        let r = clerk
            .post(
                &format!("/staff/applications/{id}/state"),
                &[("to", "completed"), ("version", &v)],
            )
            .await;
        assert_eq!(r.status, 303);
        assert!(sink.last().body().contains("完了しました"));
        let r = phone.get(&format!("/apply/a/{id}")).await;
        assert!(r.body.contains("手続きが完了しました"));

        // Print, attachment, CSV: each opening is in the audit log.
        let r = clerk.get(&format!("/staff/applications/{id}/print")).await;
        assert!(r.body.contains("国民健康保険 葬祭費支給申請書") && r.body.contains("7654321"));
        let (status, headers, bytes) = clerk
            .get_bytes(&format!("/staff/applications/{id}/files/1"))
            .await;
        assert_eq!(status, 200);
        assert_eq!(bytes, PNG);
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        let (status, _, csv) = clerk
            .get_bytes("/staff/applications/export?form=kokuho-sousaihi&day=2024-11-01")
            .await;
        assert_eq!(status, 200);
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.contains("申請者(喪主) 氏名") && csv.contains("香美 花子") && csv.contains("完了"),
            "{csv}"
        );
        let audited: Vec<String> =
            sqlx::query("SELECT action FROM audit_log WHERE entity = 'application'")
                .fetch_all(&mut *town.db.conn().await.unwrap())
                .await
                .unwrap()
                .iter()
                .map(|r| r.get("action"))
                .collect();
        for a in [
            "application.view",
            "application.print",
            "application.file",
            "application.export",
            "application.state",
        ] {
            assert!(audited.iter().any(|x| x == a), "{a}: {audited:?}");
        }
        // Nobody outside gets the attachment or another's application.
        let mut stranger = Client::new(&town);
        assert_eq!(stranger.get(&format!("/apply/a/{id}")).await.status, 403);
        assert_eq!(
            stranger
                .get(&format!("/staff/applications/{id}/files/1"))
                .await
                .status,
            303
        );

        // The public page counts the application for this 年度.
        let r = Client::new(&town).get("/apply").await;
        assert!(
            r.body.contains("国民健康保険 葬祭費の支給申請") && r.body.contains("1件"),
            "{}",
            r.body
        );

        // Past the retention the personal data goes; the count stays.
        let n = machi::applications::store::purge(
            &town.db,
            90,
            time::OffsetDateTime::now_utc() + time::Duration::days(91),
        )
        .await
        .unwrap();
        assert_eq!(n, 1);
        let a = machi::applications::store::get(&town.db, id)
            .await
            .unwrap()
            .unwrap();
        assert!(a.answers.is_empty() && a.email.is_empty() && a.purged);
        assert!(
            machi::applications::files::of_application(&town.db, id)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            machi::applications::store::submitted_by_year(&town.db)
                .await
                .unwrap()
                .len(),
            1
        );
    })
    .await;
}

async fn online_receipts(town: &TestTown) -> Vec<(i64, String, String)> {
    sqlx::query(
        "SELECT amount, procedure_key, paid_on FROM receipts WHERE channel = 'online' ORDER BY id",
    )
    .fetch_all(&mut *town.db.conn().await.unwrap())
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get("amount"), r.get("procedure_key"), r.get("paid_on")))
    .collect()
}

/// A submitted application waiting for its fee, and the browser that sent it.
async fn awaiting_payment(town: &TestTown, sink: &Sink, email: &str) -> (Client, i64) {
    let (mut c, id) = resident_opens(town, sink, email).await;
    fill_steps(&mut c, id).await;
    c.get(&format!("/apply/a/{id}/files")).await;
    c.post_multipart(
        &format!("/apply/a/{id}/files"),
        &[("slot", "receipt")],
        Some(("file", "r.png", PNG)),
    )
    .await;
    let r = c.get(&format!("/apply/a/{id}/confirm")).await;
    let i = r.body.find("name=\"version\" value=\"").unwrap() + 22;
    let v = r.body[i..i + r.body[i..].find('"').unwrap()].to_string();
    c.post(&format!("/apply/a/{id}/submit"), &[("version", &v)])
        .await;
    (c, id)
}

async fn webhook(town: &TestTown, body: &str, signature: &str) -> (u16, String) {
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/payments/webhook/sandbox")
        .header("content-type", "application/json")
        .header("x-machi-signature", signature)
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let res = town.router().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).to_string())
}

#[tokio::test]
async fn callbacks_replayed_late_or_forged_never_count_twice() {
    each_backend(|t| async move {
        let sink = Sink::start().await;
        let town = online_town(&t, &sink, 0).await;
        let (_c, id) = awaiting_payment(&town, &sink, "taro@example.jp").await;
        let payment: String = sqlx::query("SELECT provider_ref FROM online_payments WHERE application_id = $1")
            .bind(id)
            .fetch_one(&mut *town.db.conn().await.unwrap())
            .await
            .unwrap()
            .get("provider_ref");
        let event = |eid: &str, status: &str| {
            format!(r#"{{"event_id":"{eid}","payment_id":"{payment}","status":"{status}","at":"2024-11-01T01:02:03Z"}}"#)
        };
        let sign = |b: &str| machi::payments::provider::sign(SECRET, b.as_bytes());
        // Forged: signed with another key, or not at all.
        let forged = event("e1", "success");
        let (s, _) = webhook(&town, &forged, &machi::payments::provider::sign("guess", forged.as_bytes())).await;
        assert_eq!(s, 403);
        let (s, _) = webhook(&town, &forged, "").await;
        assert_eq!(s, 403);
        assert!(online_receipts(&town).await.is_empty());
        // Started, then success, then the same success again, then a late "started" and a
        // "failed" after success.
        let started = event("e0", "started");
        assert_eq!(webhook(&town, &started, &sign(&started)).await, (200, "Moved".into()));
        let ok = event("e1", "success");
        assert_eq!(webhook(&town, &ok, &sign(&ok)).await, (200, "Moved".into()));
        assert_eq!(webhook(&town, &ok, &sign(&ok)).await, (200, "Replay".into()));
        let late = event("e2", "started");
        assert_eq!(webhook(&town, &late, &sign(&late)).await, (200, "Ignored".into()));
        let failed = event("e3", "failed");
        assert_eq!(webhook(&town, &failed, &sign(&failed)).await, (200, "Ignored".into()));
        // The resident comes back after the callback: nothing more.
        machi::payments::service::check(&town.state, Some(id)).await.unwrap();
        let receipts = online_receipts(&town).await;
        assert_eq!(receipts.len(), 1, "{receipts:?}");
        // Paid at the provider's time, in Japan.
        assert_eq!(receipts[0].2, "2024-11-01");
        let a = machi::applications::store::get(&town.db, id).await.unwrap().unwrap();
        assert_eq!(a.state, machi::applications::model::State::New);
        // An event about a payment machi never started is taken and changes nothing.
        let stray = r#"{"event_id":"x","payment_id":"sbx_unknown","status":"success","at":"2024-11-01T01:02:03Z"}"#.to_string();
        assert_eq!(webhook(&town, &stray, &sign(&stray)).await, (200, "Unknown".into()));
        assert_eq!(online_receipts(&town).await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_provider_that_answers_late_is_retried_without_a_second_payment() {
    each_backend(|t| async move {
        let sink = Sink::start().await;
        let slow = online_town(&t, &sink, 1500).await;
        let (mut c, id) = awaiting_payment(&slow, &sink, "jiro@example.jp").await;
        let r = c.get(&format!("/apply/a/{id}")).await;
        assert!(r.body.contains("手数料を支払う"), "{}", r.body);
        // The submit itself timed out: the page said so.
        let states: Vec<String> =
            sqlx::query("SELECT state FROM online_payments WHERE application_id = $1")
                .bind(id)
                .fetch_all(&mut *slow.db.conn().await.unwrap())
                .await
                .unwrap()
                .iter()
                .map(|r| r.get("state"))
                .collect();
        assert_eq!(states, ["creating"]);
        // The provider is quick again; the resident presses 支払う: the same payment.
        let quick = online_town(&t, &sink, 0).await;
        let mut c2 = Client::of(quick.router());
        c2.cookies = c.cookies.clone();
        c2.get(&format!("/apply/a/{id}")).await;
        let r = c2.post(&format!("/apply/a/{id}/pay"), &[]).await;
        assert!(
            r.location().starts_with("/pay-sandbox/"),
            "{} {}",
            r.status,
            r.body
        );
        let n: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM sandbox_payments")
            .fetch_one(&mut *quick.db.conn().await.unwrap())
            .await
            .unwrap()
            .get("n");
        assert_eq!(n, 1, "the provider holds one payment");
        // A refusal leaves it unpaid, and a new attempt is a new payment.
        let pay = r.location();
        c2.get(&pay).await;
        c2.post(&pay, &[("decision", "refuse")]).await;
        assert!(online_receipts(&quick).await.is_empty());
        c2.get(&format!("/apply/a/{id}")).await;
        let r = c2.post(&format!("/apply/a/{id}/pay"), &[]).await;
        assert_ne!(r.location(), pay);
        let again = r.location();
        c2.get(&again).await;
        c2.post(&again, &[("decision", "pay")]).await;
        assert_eq!(online_receipts(&quick).await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn without_mail_the_page_says_how_to_apply_instead() {
    each_backend(|t| async move {
        machi::procedures::store::ensure_catalog(&t.db)
            .await
            .unwrap();
        let r = Client::new(&t).get("/apply/kokuho-sousaihi").await;
        assert_eq!(r.status, 503);
        assert!(
            r.body.contains("オンラインで申請できません") && r.body.contains("窓口"),
            "{}",
            r.body
        );
        assert_eq!(Client::new(&t).get("/apply/no-such").await.status, 404);
    })
    .await;
}
