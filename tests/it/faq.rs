//! The FAQ through the site, on SQLite and PostgreSQL: a file imported by staff (JSON lines, CSV
//! with Japanese headers, Excel), refused whole with row errors; entries edited with versions and
//! audit and found at once; drafts kept from residents; procedures and life events found from the
//! same box; the synonym dictionary extended in the browser; the search API and bad queries.

use crate::support::{Client, each_backend, signed_in};
use machi::auth::model::Role;

const FAQ: &str = include_str!("../../eval/faq/faq.jsonl");

async fn count(db: &machi::db::Db, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&mut *db.conn().await.unwrap())
        .await
        .unwrap()
}

fn api(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn ids(v: &serde_json::Value) -> Vec<String> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn staff_import_an_faq_and_residents_find_answers_in_their_own_words() {
    each_backend(|t| async move {
        let mut dx = signed_in(&t, "dxoffice", Role::DxOffice, "デジタル推進室").await;
        dx.get("/staff/faq").await;

        // A file with a repeated id and an empty answer: row errors, nothing written.
        let bad = format!(
            "{}\n{{\"id\": \"cert-01\", \"question\": \"重複\", \"answer\": \"x\", \"category\": \"c\"}}\n{{\"id\": \"z-1\", \"question\": \"q\", \"answer\": \"  \", \"category\": \"c\"}}\n",
            FAQ.trim_end()
        );
        let lines = FAQ.lines().count();
        let r = dx
            .post_multipart("/staff/faq/import", &[], Some(("file", "faq.jsonl", bad.as_bytes())))
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains(&format!("{}行目: 番号(id)「cert-01」が前の行と重なっています", lines + 1)), "{}", r.body);
        assert!(r.body.contains(&format!("{}行目: 回答が空です", lines + 2)), "{}", r.body);
        assert!(r.body.contains("何も書き込んでいません"));
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM faq_entries").await, 0);

        // The real file, with a field machi does not know kept as a note.
        let with_note = FAQ.replacen(
            "\"category\": \"住民票・証明書\"}",
            "\"category\": \"住民票・証明書\", \"source_page\": \"旧FAQ 12ページ\"}",
            1,
        );
        let r = dx
            .post_multipart("/staff/faq/import", &[], Some(("file", "faq.jsonl", with_note.as_bytes())))
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let list = dx.get(&r.location()).await;
        assert!(list.body.contains(&format!("追加 {lines}件")), "{}", list.body);
        let first = dx.get("/staff/faq/cert-01").await;
        assert!(first.body.contains("source_page: 旧FAQ 12ページ"), "{}", first.body);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'faq.import'").await, 1);

        // Residents ask as they speak.
        let mut resident = Client::new(&t);
        for (q, want) in [
            ("ひっこしの手続き何がいる?", "move-"),
            ("ゴミの日いつ", "env-01"),
            ("マイナカードなくした", "myn-"),
            ("じゅうみんひょう", "cert-01"),
        ] {
            let r = resident
                .get(&format!("/api/faq/search?q={}&kind=faq", urlencode(q)))
                .await;
            assert_eq!(r.status, 200);
            let found = ids(&api(&r.body));
            assert!(
                found.iter().take(5).any(|i| i.starts_with(want)),
                "{q}: {found:?}"
            );
        }
        let page = resident.get(&format!("/faq?q={}", urlencode("ゴミの日いつ"))).await;
        assert!(page.body.contains("/faq/env-01"), "{}", page.body);
        let answer = resident.get("/faq/env-01").await;
        assert_eq!(answer.status, 200);
        assert!(answer.body.contains("このページは役に立ちましたか"));

        // An edit is found at once, keeps a version, and a stale form is refused.
        let form = dx.get("/staff/faq/env-01").await;
        assert!(form.body.contains("name=\"version\" value=\"1\""));
        let fields = [
            ("version", "1"),
            ("question", "ごみの収集日はいつですか。"),
            ("answer", "地区ごとの収集日は https://example.jp/gomi にあります。"),
            ("category", "ごみ・環境"),
            ("keywords", "ごみカレンダー\nパッカー車"),
            ("department", "住民課"),
            ("published", "1"),
        ];
        let r = dx.post("/staff/faq/env-01", &fields).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let found = ids(&api(&resident.get(&format!("/api/faq/search?q={}", urlencode("パッカー車"))).await.body));
        assert_eq!(found.first().map(String::as_str), Some("env-01"), "{found:?}");
        let stale = dx.post("/staff/faq/env-01", &fields).await;
        assert_eq!(stale.status, 422);
        assert!(stale.body.contains("ほかの人が先に変更しました"));
        let page = resident.get("/faq/env-01").await;
        assert!(page.body.contains(r#"<a href="https://example.jp/gomi">"#), "{}", page.body);
        let edit = dx.get("/staff/faq/env-01").await;
        assert!(edit.body.contains("第2版") && edit.body.contains("第1版"));

        // A draft is the staff's only.
        let mut draft = fields.to_vec();
        draft.retain(|f| f.0 != "published");
        draft[0] = ("version", "2");
        assert_eq!(dx.post("/staff/faq/env-01", &draft).await.status, 303);
        assert_eq!(resident.get("/faq/env-01").await.status, 404);
        let found = ids(&api(&resident.get(&format!("/api/faq/search?q={}", urlencode("パッカー車"))).await.body));
        assert!(!found.contains(&"env-01".to_string()), "{found:?}");

        // Export gives back what import reads.
        let (status, _, csv) = dx.get_bytes("/staff/faq/export.csv").await;
        assert_eq!(status, 200);
        let back = machi::faq::import::read("faq.csv", &csv).unwrap();
        assert_eq!(back.len(), lines);
        assert!(back.iter().any(|e| e.id == "env-01" && !e.published && e.department == "住民課"));
    })
    .await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn csv_and_excel_files_with_japanese_headers_import() {
    each_backend(|t| async move {
        let mut dx = signed_in(&t, "dxoffice", Role::DxOffice, "デジタル推進室").await;
        dx.get("/staff/faq").await;
        // Shift_JIS CSV, as Excel saves it, with an extra column.
        let csv = "番号,質問,回答,分類,キーワード,担当課,掲載元\r\nbus-1,町営バスの時刻表はどこで見られますか。,役場と各支所で配っています。,交通,\"時刻表、バスの時間\",企画課,広報4月号\r\n";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(csv);
        let r = dx
            .post_multipart("/staff/faq/import", &[], Some(("file", "faq.csv", &sjis)))
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let e = machi::faq::store::get(&t.db, "bus-1").await.unwrap().unwrap();
        assert_eq!(e.entry.keywords, vec!["時刻表", "バスの時間"]);
        assert_eq!(e.entry.notes["掲載元"], "広報4月号");

        // An Excel workbook: the first sheet, headers in row 1.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["ID", "質問", "回答", "カテゴリ", "公開"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_number(1, 0, 101.0).unwrap();
        ws.write_string(1, 1, "粗大ごみはどう出しますか。").unwrap();
        ws.write_string(1, 2, "電話で申し込んでください。").unwrap();
        ws.write_string(1, 3, "ごみ").unwrap();
        ws.write_string(1, 4, "非公開").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let r = dx
            .post_multipart("/staff/faq/import", &[], Some(("file", "faq.xlsx", &bytes)))
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let e = machi::faq::store::get(&t.db, "101").await.unwrap().unwrap();
        assert!(!e.entry.published);

        // A sheet without an answer column names it.
        let r = dx
            .post_multipart("/staff/faq/import", &[], Some(("file", "x.csv", "番号,質問,分類\n1,a,b\n".as_bytes())))
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("「answer」(回答)の列がありません"), "{}", r.body);
    })
    .await;
}

#[tokio::test]
async fn procedures_life_events_and_staff_synonyms_are_found_from_the_same_box() {
    each_backend(|t| async move {
        machi::procedures::store::ensure_catalog(&t.db)
            .await
            .unwrap();
        let mut resident = Client::new(&t);
        let r = resident
            .get(&format!(
                "/api/faq/search?q={}&kind=life_event",
                urlencode("ひっこし")
            ))
            .await;
        let v = api(&r.body);
        assert!(!ids(&v).is_empty(), "{}", r.body);
        assert!(
            v["results"][0]["url"]
                .as_str()
                .unwrap()
                .starts_with("/life-events/")
        );
        let r = resident
            .get(&format!(
                "/api/faq/search?q={}&kind=procedure&limit=3",
                urlencode("国保に入りたい")
            ))
            .await;
        let v = api(&r.body);
        assert!(v["results"].as_array().unwrap().len() <= 3);
        assert!(
            ids(&v).iter().any(|i| i.starts_with("kokuho")),
            "{}",
            r.body
        );

        // A word only this town uses, added by staff in the browser.
        let mut dx = signed_in(&t, "dxoffice", Role::DxOffice, "デジタル推進室").await;
        dx.get("/staff/faq/synonyms").await;
        let q = format!("/api/faq/search?q={}&kind=procedure", urlencode("もふもふ"));
        let before = ids(&api(&resident.get(&q).await.body));
        assert!(
            !before.first().is_some_and(|i| i.starts_with("jidou")),
            "{before:?}"
        );
        let bad = dx
            .post("/staff/faq/synonyms", &[("line", "ひとつだけ")])
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("2つ以上"), "{}", bad.body);
        let r = dx
            .post("/staff/faq/synonyms", &[("line", "もふもふ、児童手当")])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let after = ids(&api(&resident.get(&q).await.body));
        assert!(
            after.first().is_some_and(|i| i.starts_with("jidou-teate")),
            "before {before:?}, after {after:?}"
        );
        assert_eq!(
            count(
                &t.db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'faq.synonym_add'"
            )
            .await,
            1
        );

        // Bad queries: a kind message or results, never an error page, always escaped.
        for q in [
            "",
            "   ",
            "🙂🙂",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            &"あ".repeat(2000),
            "住",
        ] {
            let r = resident
                .get(&format!("/api/faq/search?q={}", urlencode(q)))
                .await;
            assert_eq!(r.status, 200, "{q}");
            api(&r.body);
            let page = resident.get(&format!("/faq?q={}", urlencode(q))).await;
            assert_eq!(page.status, 200);
            assert!(!page.body.contains("<script>alert"), "{q}");
        }
        let r = resident.get("/api/faq/search?q=x&kind=cats").await;
        assert_eq!(r.status, 400);
        assert!(
            api(&r.body)["error"]["message"]
                .as_str()
                .unwrap()
                .contains("kind")
        );
        let r = resident.get("/api/faq/search?q=x&limit=0").await;
        assert_eq!(r.status, 400);
        let emoji = api(&resident
            .get(&format!("/api/faq/search?q={}", urlencode("🙂")))
            .await
            .body);
        assert!(emoji["message"].as_str().unwrap().contains("記号や絵文字"));
    })
    .await;
}
