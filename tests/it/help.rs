//! The help chat and the page votes as residents use them, and what staff see, on SQLite and
//! PostgreSQL: questions answered as cards, 「ほかの答え」 and category chips, 解決しましたか
//! with the 担当課's contact and a message after 「いいえ」, the anonymous log; a vote on every
//! public page, once per page per browser per day, comments masked; floods refused; the KPI
//! 1-④-2 counted from both.

use crate::support::{Client, each_backend, form_fields, signed_in};
use machi::auth::model::Role;

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn with_faq(t: &crate::support::TestTown) {
    let entries = machi::faq::import::read(
        "faq.jsonl",
        include_str!("../../eval/faq/faq.jsonl").as_bytes(),
    )
    .unwrap();
    let mut entries = entries;
    for e in entries.iter_mut().filter(|e| e.id.starts_with("env-")) {
        e.department = "住民課".into();
    }
    machi::faq::store::import(&t.db, &entries, "faq.jsonl", &machi::audit::Actor::cli())
        .await
        .unwrap();
}

/// The id of the newest exchange on the help page.
fn last_exchange(body: &str) -> String {
    body.rsplit("id=\"x")
        .next()
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_resident_asks_refines_says_no_and_writes_and_staff_see_it() {
    each_backend(|t| async move {
        with_faq(&t).await;
        let mut dx = signed_in(&t, "dxoffice", Role::DxOffice, "デジタル推進室").await;
        dx.get("/staff/identity/departments?name=住民課").await;
        let r = dx
            .post(
                "/staff/identity/departments",
                &[
                    ("name", "住民課"),
                    ("place", "1階 3番窓口"),
                    ("phone", "0796-00-1234"),
                    ("email", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        let mut resident = Client::new(&t);
        let page = resident.get("/help").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("知りたいことは何ですか"));
        assert!(
            !page.body.contains("このページは役に立ちましたか"),
            "the chat asks its own question"
        );

        // First question: cards, chips, 解決しましたか.
        let r = resident.post("/help/ask", &[("q", "ゴミの日いつ")]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = resident.get("/help").await;
        assert!(
            page.body.contains("ごみの収集日を知りたい"),
            "{}",
            page.body
        );
        assert!(page.body.contains("解決しましたか"));
        assert!(page.body.contains("ほかの答え"));
        let first = last_exchange(&page.body);

        // Other answers continue where the cards stopped.
        let fields = form_fields(&page.body, "/help/ask");
        let offset = fields.iter().find(|f| f.0 == "offset").unwrap().1.clone();
        assert_eq!(offset, "3");
        resident
            .post("/help/ask", &[("q", "ゴミの日いつ"), ("offset", "3")])
            .await;
        let page = resident.get("/help").await;
        let more = last_exchange(&page.body);
        assert_ne!(first, more);

        // Opening an answer is noted, then the answer opens.
        let open = format!("/help/open/{first}/faq/env-01");
        let r = resident.get(&open).await;
        assert_eq!(r.status, 303);
        assert!(r.location().ends_with("/faq/env-01"));

        // A question nobody wrote an answer for.
        resident
            .post("/help/ask", &[("q", "ドローンの飛行許可")])
            .await;
        resident
            .post("/help/ask", &[("q", "ドローン 飛ばす 許可")])
            .await;
        let page = resident.get("/help").await;
        assert!(
            page.body.contains("ぴったりの答えは見つかりませんでした"),
            "{}",
            page.body
        );

        // 「いいえ」: the 担当課's contact and a form to write.
        resident.post("/help/ask", &[("q", "ゴミの日いつ")]).await;
        let page = resident.get("/help").await;
        let id = last_exchange(&page.body);
        let r = resident
            .post("/help/solved", &[("id", &id), ("answer", "no")])
            .await;
        assert_eq!(r.status, 303);
        let page = resident.get("/help").await;
        assert!(
            page.body.contains("住民課") && page.body.contains("0796-00-1234"),
            "{}",
            page.body
        );
        let r = resident
            .post(
                "/help/message",
                &[
                    ("id", &id),
                    ("message", "うちの地区のカレンダーが見つかりません"),
                    ("contact", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        // Another browser cannot answer for this conversation.
        let mut other = resident.same_server();
        other.get("/help").await;
        let r = other
            .post("/help/solved", &[("id", &first), ("answer", "yes")])
            .await;
        assert_eq!(r.status, 404);

        // The log: queries, what was shown and opened, solved or not; nothing about the person.
        let rows: Vec<(String, String, String, Option<i64>, i64)> = sqlx::query_as(
            "SELECT query, shown, opened, solved, answered FROM help_log ORDER BY id",
        )
        .fetch_all(&mut *t.db.conn().await.unwrap())
        .await
        .unwrap();
        assert_eq!(rows.len(), 5);
        assert!(rows[0].1.starts_with("faq:env-01"), "{rows:?}");
        assert_eq!(rows[0].2, "faq:env-01");
        assert_eq!(rows[2].4, 0, "only near answers: {rows:?}");
        assert_eq!(rows[0].4, 1);
        assert_eq!(rows[4].3, Some(0));

        // Staff see the unanswered questions grouped, the いいえ, and the message.
        let page = dx.get("/staff/faq/queries").await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("「ドローンの飛行許可」"),
            "{}",
            page.body
        );
        assert!(page.body.contains("「ドローン 飛ばす 許可」"));
        assert!(page.body.contains("うちの地区のカレンダーが見つかりません"));
        assert!(
            page.body.contains("/staff/faq/new?question="),
            "one step to a new entry"
        );
        let new = dx
            .get(&format!(
                "/staff/faq/new?question={}&keywords={}",
                urlencode("ドローンの飛行許可"),
                urlencode("ドローン 飛ばす 許可")
            ))
            .await;
        assert!(
            new.body.contains("value=\"ドローンの飛行許可\""),
            "{}",
            new.body
        );
        assert!(new.body.contains(">ドローン 飛ばす 許可</textarea>"));
        let fields = [
            ("id", "drone-1"),
            ("question", "ドローンの飛行許可"),
            ("answer", "国土交通省への申請が必要な場合があります。"),
            ("category", "くらし"),
            ("keywords", "ドローン 飛ばす 許可"),
            ("published", "1"),
        ];
        assert_eq!(dx.post("/staff/faq/new", &fields).await.status, 303);
        resident
            .post("/help/ask", &[("q", "ドローン飛ばしたい")])
            .await;
        let page = resident.get("/help").await;
        assert!(
            page.body.contains("/help/open/") && page.body.contains("ドローンの飛行許可"),
            "{}",
            page.body
        );

        // A viewer reads the voices but cannot write an entry.
        let mut viewer = signed_in(&t, "etsuran", Role::Viewer, "").await;
        assert_eq!(viewer.get("/staff/faq/queries").await.status, 200);
        assert_eq!(viewer.get("/staff/faq/new").await.status, 403);
    })
    .await;
}

#[tokio::test]
async fn every_public_page_asks_whether_it_helped_and_the_kpi_counts_it() {
    each_backend(|t| async move {
        let mut resident = Client::new(&t);
        for path in ["/", "/plan", "/procedures", "/faq"] {
            let page = resident.get(path).await;
            assert!(page.body.contains("このページは役に立ちましたか"), "{path}");
            assert!(
                page.body
                    .contains(&format!("name=\"page\" value=\"{path}\"")),
                "{path}"
            );
        }
        // いいえ with a comment that carries a phone number and an address.
        let ask = resident
            .get("/feedback?page=%2Fprocedures&helpful=no")
            .await;
        assert_eq!(ask.status, 200);
        assert!(
            ask.body
                .contains("お名前・電話番号・メールアドレスは書かないでください")
        );
        let r = resident
            .post(
                "/feedback",
                &[
                    ("page", "/procedures"),
                    ("helpful", "no"),
                    (
                        "comment",
                        "探しにくい。090-1234-5678 か a.b@example.jp に連絡を",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let thanks = resident.get(&r.location()).await;
        assert!(thanks.body.contains("ご回答ありがとうございました"));
        // Again the same day: not counted twice.
        resident
            .get("/feedback?page=%2Fprocedures&helpful=yes")
            .await;
        let r = resident
            .post("/feedback", &[("page", "/procedures"), ("helpful", "yes")])
            .await;
        assert!(
            resident
                .get(&r.location())
                .await
                .body
                .contains("今日すでに回答")
        );
        // Other browsers.
        for helpful in ["yes", "yes", "yes"] {
            let mut b = resident.same_server();
            b.get("/feedback?page=%2Fplan").await;
            b.post("/feedback", &[("page", "/plan"), ("helpful", helpful)])
                .await;
        }
        let rows: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT page, helpful, comment FROM page_votes ORDER BY id")
                .fetch_all(&mut *t.db.conn().await.unwrap())
                .await
                .unwrap();
        assert_eq!(rows.len(), 4, "{rows:?}");
        assert_eq!(
            rows[0].2,
            "探しにくい。[電話番号] か [メールアドレス] に連絡を"
        );

        // Bad input: a page of another site, no answer.
        let r = resident
            .get("/feedback?page=https%3A%2F%2Fevil.example%2F")
            .await;
        assert_eq!(r.status, 400);
        resident.get("/feedback?page=%2Fplan").await;
        let r = resident
            .post("/feedback", &[("page", "/plan"), ("helpful", "")])
            .await;
        assert!(r.body.contains("「はい」か「いいえ」を選んでください"));

        // Staff: the worst page first, its comments; the KPI page shows where the figure comes from.
        let mut viewer = signed_in(&t, "etsuran", Role::Viewer, "").await;
        let page = viewer.get("/staff/feedback").await;
        let worst = page.body.find("/procedures").unwrap();
        let best = page.body.find("?page=/plan\"").unwrap();
        assert!(worst < best, "{}", page.body);
        assert!(
            page.body.contains("「役に立った」3件 / 回答4件(75.0%)"),
            "{}",
            page.body
        );
        let detail = viewer.get("/staff/feedback?page=%2Fprocedures").await;
        assert!(detail.body.contains("[電話番号]"));
        let kpis = resident.get("/plan/measures/1-4-2").await;
        assert!(
            kpis.body
                .contains("このページは役に立ちましたか?」とヘルプの「解決しましたか?」"),
            "{}",
            kpis.body
        );
        let year = machi::fiscal::FiscalYear::of_date(machi::fiscal::today_jst());
        let values = machi::faq::helpful_by_year(&t.state, &[year], machi::fiscal::today_jst())
            .await
            .unwrap();
        assert_eq!(values, vec![(year, 75.0)]);
    })
    .await;
}

#[tokio::test]
async fn floods_are_refused_kindly() {
    each_backend(|t| async move {
        let mut resident = Client::new(&t);
        resident.get("/help").await;
        let mut last = 0;
        for i in 0..31 {
            last = resident
                .post("/help/ask", &[("q", &format!("質問{i}"))])
                .await
                .status;
        }
        assert_eq!(last, 400);
        let r = resident.post("/help/ask", &[("q", "もう一度")]).await;
        assert!(r.body.contains("少し時間をおいてから"), "{}", r.body);
        // Empty and emoji-only questions are answered kindly and not logged.
        let mut other = resident.same_server();
        other.ip = "192.0.2.99:4000".parse().unwrap();
        other.get("/help").await;
        let r = other.post("/help/ask", &[("q", "🙂")]).await;
        assert!(
            r.body.contains("記号や絵文字だけでは探せません"),
            "{}",
            r.body
        );
        let r = other
            .post("/help/ask", &[("q", "<script>alert(1)</script>")])
            .await;
        assert_eq!(r.status, 303);
        let page = other.get("/help").await;
        assert!(
            page.body.contains("&#60;script&#62;") && !page.body.contains("<script>alert"),
            "{}",
            page.body
        );
    })
    .await;
}
