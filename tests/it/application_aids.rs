//! What helps a resident fill an online application: postcode → address from Japan Post's
//! file (both layouts, real rows), the attachment size limit, and the life-event guide's
//! questions asked before the mail address.

use crate::applications::{PNG, online_town, resident_opens};
use crate::smtp_sink::Sink;
use crate::support::{Client, each_backend};

const ADDRESS_STEP: &str = "step/3";

fn version(body: &str) -> String {
    let i = body.find("name=\"version\" value=\"").unwrap() + 22;
    body[i..i + body[i..].find('"').unwrap()].to_string()
}

async fn lookup(c: &mut Client, id: i64, postal: &str, address: &str) -> crate::support::Response {
    let r = c.get(&format!("/apply/a/{id}/{ADDRESS_STEP}")).await;
    let v = version(&r.body);
    c.post(
        &format!("/apply/a/{id}/{ADDRESS_STEP}"),
        &[
            ("version", v.as_str()),
            ("applicant_name", "香美 花子"),
            ("applicant_postal", postal),
            ("applicant_address", address),
            ("lookup", "applicant_postal"),
        ],
    )
    .await
}

#[tokio::test]
async fn a_postcode_fills_the_address_without_javascript() {
    each_backend(|t| async move {
        let sink = Sink::start().await;
        let town = online_town(&t, &sink, 0).await;
        let (mut c, id) = resident_opens(&town, &sink, "hanako@example.jp").await;
        // No postcode data loaded: no button.
        let r = c.get(&format!("/apply/a/{id}/{ADDRESS_STEP}")).await;
        assert!(r.body.contains("郵便番号") && !r.body.contains("住所を検索"));
        // A private page: no 「役に立ちましたか」 box recording its path.
        assert!(!r.body.contains("page-vote"), "{}", r.body);

        // The old layout (Shift_JIS, 町域 split over lines) as the IT person would load it.
        let bytes = std::fs::read("tests/fixtures/postcodes/KEN_ALL.CSV").unwrap();
        let rows = machi::postcodes::file::parse(&bytes).unwrap();
        machi::postcodes::store::replace(&town.state.shared, &rows, "KEN_ALL.CSV", "x")
            .await
            .unwrap();
        let r = c.get(&format!("/apply/a/{id}/{ADDRESS_STEP}")).await;
        assert!(
            r.body
                .contains("name=\"lookup\" value=\"applicant_postal\"")
        );

        // One address: filled in, the name typed so far kept, nothing saved yet.
        let r = lookup(&mut c, id, "６６９－６５４４", "").await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            r.body.contains("value=\"兵庫県美方郡香美町香住区香住\""),
            "{}",
            r.body
        );
        assert!(r.body.contains("value=\"669-6544\""));
        assert!(r.body.contains("value=\"香美 花子\""));
        assert!(r.body.contains("番地などを続けて入力してください"));
        // What was typed after the same address stays.
        let r = lookup(&mut c, id, "6696544", "兵庫県美方郡香美町香住区香住870-1").await;
        assert!(
            r.body
                .contains("value=\"兵庫県美方郡香美町香住区香住870-1\"")
        );

        // One code, two prefectures: a button each; choosing fills the address.
        let r = lookup(&mut c, id, "498-0000", "").await;
        assert!(r.body.contains("2件の住所があります"), "{}", r.body);
        let choice = "name=\"fill.applicant_address\" value=\"三重県桑名郡木曽岬町\"";
        assert!(r.body.contains(choice) && r.body.contains("愛知県弥富市"));
        let v = version(&r.body);
        let r = c
            .post(
                &format!("/apply/a/{id}/{ADDRESS_STEP}"),
                &[
                    ("version", v.as_str()),
                    ("applicant_postal", "498-0000"),
                    ("fill.applicant_address", "三重県桑名郡木曽岬町"),
                ],
            )
            .await;
        assert!(
            r.body.contains("value=\"三重県桑名郡木曽岬町\""),
            "{}",
            r.body
        );

        // A 町域 listed by 番地 over three lines of the old layout: the 町域 only.
        let r = lookup(&mut c, id, "0660005", "").await;
        assert!(r.body.contains("value=\"北海道千歳市協和\""), "{}", r.body);
        // A code not in the file, and one that is not a postcode.
        let r = lookup(&mut c, id, "669-6592", "").await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("669-6592 の住所は見つかりませんでした"));
        let r = lookup(&mut c, id, "12345", "").await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("郵便番号: "), "{}", r.body);
        let r = lookup(&mut c, id, "", "").await;
        assert!(r.body.contains("郵便番号を入力してから"));
        // Nothing was saved by looking up.
        let saved = machi::applications::store::get(&town.db, id)
            .await
            .unwrap()
            .unwrap();
        assert!(!saved.answers.contains_key("applicant_address"));

        // The new layout replaces the data whole, and reads the same.
        let bytes = std::fs::read("tests/fixtures/postcodes/utf_all.csv").unwrap();
        let new = machi::postcodes::file::parse(&bytes).unwrap();
        assert_eq!(new, rows);
    })
    .await;
}

async fn upload(c: &mut Client, id: i64, bytes: &[u8]) -> crate::support::Response {
    c.post_multipart(
        &format!("/apply/a/{id}/files"),
        &[("slot", "receipt")],
        Some(("file", "scan.png", bytes)),
    )
    .await
}

#[tokio::test]
async fn an_attachment_over_the_limit_is_refused_with_the_reason() {
    each_backend(|t| async move {
        let sink = Sink::start().await;
        let town = online_town(&t, &sink, 0).await;
        let (mut c, id) = resident_opens(&town, &sink, "taro@example.jp").await;
        let limit = machi::applications::files::MAX_FILE;
        // Just over the limit (the request itself is still read): refused by the file check.
        let mut big = PNG.to_vec();
        big.resize(limit + 1, 0);
        let r = upload(&mut c, id, &big).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body
                .contains("ファイルが大きすぎます(このファイルは10.0 MB)"),
            "{}",
            r.body
        );
        // Far over: the upload is cut off, and the page still says why.
        big.resize(limit + 2 * 1024 * 1024, 0);
        let r = upload(&mut c, id, &big).await;
        assert_eq!(r.status, 413, "{}", r.body);
        assert!(r.body.contains("10MBまでにしてください"), "{}", r.body);
        assert!(
            machi::applications::files::of_application(&town.db, id)
                .await
                .unwrap()
                .is_empty()
        );
        // A file at the limit is kept.
        big.truncate(limit);
        let r = upload(&mut c, id, &big).await;
        assert_eq!(r.status, 303, "{}", r.body);
    })
    .await;
}

#[tokio::test]
async fn the_guides_questions_are_asked_before_applying() {
    each_backend(|t| async move {
        let sink = Sink::start().await;
        let town = online_town(&t, &sink, 0).await;
        let mut c = Client::new(&town);
        // From the guide, with its answers, to the procedure, to the application.
        let r = c.get("/life-events/death?asked=1&q_kokuho=yes").await;
        assert!(
            r.body
                .contains("/procedures/kokuho-sousaihi?event=death&#38;q_kokuho=yes\""),
            "{}",
            r.body
        );
        let r = c
            .get("/procedures/kokuho-sousaihi?event=death&q_kokuho=yes")
            .await;
        assert!(
            r.body
                .contains("/apply/kokuho-sousaihi?event=death&#38;q_kokuho=yes\""),
            "{}",
            r.body
        );
        let r = c
            .get("/apply/kokuho-sousaihi?event=death&q_kokuho=yes")
            .await;
        assert_eq!(r.status, 200);
        assert!(
            r.body.contains("国民健康保険に加入していましたか"),
            "{}",
            r.body
        );
        assert!(r.body.contains("name=\"q_kokuho\" value=\"yes\" checked"));
        // Only the questions this procedure depends on.
        assert!(!r.body.contains("印鑑登録をしていましたか"));

        // "No": not needed, nothing started, no mail; the way back to the guide.
        let before = sink.count();
        let r = c
            .post(
                "/apply/kokuho-sousaihi",
                &[
                    ("event", "death"),
                    ("q_kokuho", "no"),
                    ("email", "hanako@example.jp"),
                ],
            )
            .await;
        assert_eq!(r.status, 200);
        assert!(
            r.body.contains("この手続きは必要ないようです"),
            "{}",
            r.body
        );
        assert!(
            r.body
                .contains("/life-events/death?asked=1&#38;q_kokuho=no")
        );
        assert!(r.body.contains("name=\"q_kokuho\" value=\"no\" checked"));
        assert!(r.body.contains("value=\"hanako@example.jp\""));
        assert_eq!(sink.count(), before);

        // "Yes": the link is sent, and the answer goes with the application for the 課.
        let r = c
            .post(
                "/apply/kokuho-sousaihi",
                &[
                    ("event", "death"),
                    ("q_kokuho", "yes"),
                    ("email", "hanako@example.jp"),
                ],
            )
            .await;
        assert!(r.body.contains("にメールを送りました"), "{}", r.body);
        let link = sink.last().link_path("http://machi.test/apply/link/");
        let r = c.get(&link).await;
        let id: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
        let app = machi::applications::store::get(&town.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(app.checks.event, "お悔やみ(ご家族が亡くなられたとき)");
        assert_eq!(app.checks.answers.len(), 1);
        assert_eq!(
            app.checks.answers[0].question,
            "国民健康保険に加入していましたか"
        );
        assert_eq!(app.checks.answers[0].answer, "はい");
        // Not answered (わからない) is no reason to refuse.
        let (_, id) = resident_opens(&town, &sink, "jiro@example.jp").await;
        let app = machi::applications::store::get(&town.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(app.checks.answers[0].answer, "わからない");
    })
    .await;
}
