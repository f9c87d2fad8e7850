//! Fees and certificates through the pages (#17): a counter visit records what was paid and
//! handed over, the 日計 is closed by one clerk and confirmed by another (and the day is then
//! locked), the terminal's, コンビニ and eL-QR files are imported all or nothing and never
//! counted twice, the コンビニ交付 statistics feed KPI 1-①-6, and the public pages show the
//! figures with their source.

use crate::support::{Client, each_backend, signed_in};
use machi::auth::model::Role;
use machi::fiscal::FiscalYear;

fn location(r: &crate::support::Response) -> String {
    r.location()
}

async fn count(db: &machi::db::Db, table: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM {table}"
    )))
    .fetch_one(&mut *db.conn().await.unwrap())
    .await
    .unwrap()
}

/// The first option of a select, as the page offers it.
fn first_option(body: &str, select_id: &str) -> String {
    let at = body
        .find(&format!("id=\"{select_id}\""))
        .unwrap_or_else(|| panic!("no {select_id}"));
    let rest = &body[at..];
    let start = rest.find("<option>").unwrap() + "<option>".len();
    rest[start..start + rest[start..].find("</option>").unwrap()].to_string()
}

#[tokio::test]
async fn a_visit_records_fees_and_certificates_and_the_day_is_closed_by_two_people() {
    each_backend(|t| async move {
        let mut clerk = signed_in(&t, "madoguchi", Role::DepartmentEditor, "住民課").await;
        clerk.get("/staff").await;
        machi::procedures::store::ensure_catalog(&t).await.unwrap();
        let r = clerk
            .post("/staff/counter/visits", &[("life_event", "death")])
            .await;
        let visit = location(&r);
        let page = clerk.get(&visit).await;
        assert!(page.body.contains("手数料と証明書"), "{}", page.body);
        let desk = first_option(&page.body, "fee-desk");
        let fees = format!("{visit}/fees");

        // Bad input: named next to the field, nothing written.
        let bad = clerk
            .post(
                &fees,
                &[
                    ("fee_desk", &desk),
                    ("fee_certificate", "resident_copy"),
                    ("fee_copies", "1"),
                    ("fee_amount", "三百"),
                    ("fee_means", "cash"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("金額「三百」"), "{}", bad.body);
        assert_eq!(count(&t.db, "receipts").await, 0);
        assert_eq!(count(&t.db, "certificate_issues").await, 0);

        for (kind, amount, means) in [
            ("resident_copy", "300", "cash"),
            ("family_register", "450", "qr"),
        ] {
            let r = clerk
                .post(
                    &fees,
                    &[
                        ("fee_desk", &desk),
                        ("fee_certificate", kind),
                        ("fee_copies", "1"),
                        ("fee_amount", amount),
                        ("fee_means", means),
                    ],
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
        }
        // A free (公用) certificate: an issue, no receipt.
        let r = clerk
            .post(
                &fees,
                &[
                    ("fee_desk", &desk),
                    ("fee_certificate", "resident_copy"),
                    ("fee_copies", "2"),
                    ("fee_free", "1"),
                    ("fee_amount", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(count(&t.db, "receipts").await, 2);
        assert_eq!(count(&t.db, "certificate_issues").await, 3);
        let page = clerk.get(&visit).await;
        assert!(page.body.contains("300円(窓口現金"), "{}", page.body);
        assert!(page.body.contains("戸籍証明書(全部・個人事項) 1通"));
        assert!(page.body.contains("住民票の写し 2通(公用・無料)"));

        // The 日計: one clerk closes with the cash counted, the same clerk cannot confirm.
        let today = t.state.today().to_string();
        let day_path = format!(
            "/staff/receipts/day?counter={}&day={today}",
            url::form_urlencoded::byte_serialize(desk.as_bytes()).collect::<String>()
        );
        let day = clerk.get(&day_path).await;
        assert_eq!(day.status, 200);
        assert!(
            day.body
                .contains(r#"<th scope="row">現金</th><td data-label="件数">1件</td><td data-label="金額">300円</td>"#),
            "{}",
            day.body
        );
        assert!(
            day.body
                .contains(r#"<th scope="row">キャッシュレス</th><td data-label="件数">1件</td><td data-label="金額">450円</td>"#)
        );
        let close = [
            ("counter", desk.as_str()),
            ("day", today.as_str()),
            ("step", "close"),
            ("counted_cash", "290"),
            ("note", "10円不足"),
        ];
        let r = clerk.post("/staff/receipts/day", &close).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let day = clerk.get(&day_path).await;
        assert!(day.body.contains("締め済み(確認待ち)"), "{}", day.body);
        assert!(day.body.contains("<strong>-10円</strong>"), "{}", day.body);
        let confirm = [
            ("counter", desk.as_str()),
            ("day", today.as_str()),
            ("step", "confirm"),
        ];
        let r = clerk.post("/staff/receipts/day", &confirm).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("別の人"), "{}", r.body);
        // The closed day is locked: no more receipts on it.
        let late = clerk
            .post(
                &fees,
                &[
                    ("fee_desk", &desk),
                    ("fee_amount", "300"),
                    ("fee_means", "cash"),
                ],
            )
            .await;
        assert_eq!(late.status, 422);
        assert!(late.body.contains("日計は締め済み"), "{}", late.body);

        let mut chief = signed_in(&t, "kaikei", Role::DxOffice, "会計課").await;
        chief.get("/staff").await;
        let r = chief.post("/staff/receipts/day", &confirm).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let day = chief.get(&day_path).await;
        assert!(
            day.body.contains("<h2 id=\"close-h\">確定</h2>"),
            "{}",
            day.body
        );
        let withdraw = [
            ("counter", desk.as_str()),
            ("day", today.as_str()),
            ("step", "withdraw"),
            ("note", "やり直し"),
        ];
        let r = chief.post("/staff/receipts/day", &withdraw).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("確認済みの日計は取り消せません"));
        // A reversal dated today on that counter is refused as well.
        let id: i64 = sqlx::query_scalar("SELECT id FROM receipts ORDER BY id LIMIT 1")
            .fetch_one(&mut *t.db.conn().await.unwrap())
            .await
            .unwrap();
        let r = chief
            .post(
                &format!("/staff/receipts/{id}/reverse"),
                &[("reason", "誤り")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert_eq!(count(&t.db, "receipts").await, 2);

        let audit = chief.get("/staff/audit").await;
        for label in [
            "窓口の日計を締め",
            "窓口の日計を確認・確定",
            "収納を記録",
            "証明書の発行を記録",
        ] {
            assert!(audit.body.contains(label), "{label}");
        }
    })
    .await;
}

async fn import(
    c: &mut Client,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> crate::support::Response {
    c.post_multipart(
        "/staff/receipts/import",
        &[("kind", kind)],
        Some(("file", name, &bytes)),
    )
    .await
}

fn sjis(text: &str) -> Vec<u8> {
    encoding_rs::SHIFT_JIS.encode(text).0.into_owned()
}

#[tokio::test]
async fn terminal_konbini_and_el_qr_files_are_imported_all_or_nothing_and_never_twice() {
    each_backend(|t| async move {
        machi::plan::commands::ensure_plan(&t.db).await.unwrap();
        let mut clerk = signed_in(&t, "shuno", Role::DepartmentEditor, "税務課").await;
        clerk.get("/staff").await;
        // The clerk recorded a QR payment at the counter; the terminal's file confirms it.
        let r = clerk
            .post(
                "/staff/receipts",
                &[
                    ("subject", "fee"),
                    ("procedure", "住民票の写し"),
                    ("amount", "450"),
                    ("channel", "counter_qr"),
                    ("paid_on", "2024-06-02"),
                    ("paid_time", "10:00"),
                    ("counter", "本庁1番"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let terminal = "取引日,取引時刻,端末名,伝票番号,ブランド,取引区分,金額,元伝票番号\r\n\
                        2024/06/02,100512,本庁1番,00011,PayPay,売上,450,\r\n\
                        2024/06/02,110000,本庁1番,00012,VISA,売上,300,\r\n\
                        2024/06/02,110500,本庁1番,00013,VISA,取消,300,00012\r\n";
        let r = import(&mut clerk, "terminal", "terminal-20240602.csv", sjis(terminal)).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = clerk.get(&r.location()).await;
        assert!(
            page.body.contains("追加 1件、窓口の記録と照合(消込) 1件、記録済み 0件、取消 1件"),
            "{}",
            page.body
        );
        let r = import(&mut clerk, "terminal", "terminal-20240602.csv", terminal.as_bytes().to_vec()).await;
        let page = clerk.get(&r.location()).await;
        assert!(page.body.contains("追加 0件、窓口の記録と照合(消込) 0件、記録済み 3件、取消 0件"), "{}", page.body);
        assert_eq!(count(&t.db, "receipts").await, 3);

        // One bad row: the whole file is refused, with the row named.
        let bad = "収納日,受付番号,金額\r\n2024/07/01,CVS-1,1200\r\n2024/07/01,CVS-2,千円\r\n";
        let r = import(&mut clerk, "convenience_store", "cvs.csv", sjis(bad)).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("3行目"), "{}", r.body);
        assert!(r.body.contains("何も書き込んでいません"));
        assert_eq!(count(&t.db, "receipts").await, 3);
        let good = "収納日,収納時刻,受付番号,区分,金額\r\n2024/07/01,1830,CVS-1,速報,1200\r\n2024/07/02,0930,CVS-2,速報,8000\r\n";
        let r = import(&mut clerk, "convenience_store", "cvs.csv", sjis(good)).await;
        assert_eq!(r.status, 303, "{}", r.body);
        // The 確報 for the same slips adds nothing.
        let confirmed = good.replace("速報", "確報");
        let r = import(&mut clerk, "convenience_store", "cvs-kakuho.csv", sjis(&confirmed)).await;
        assert!(clerk.get(&r.location()).await.body.contains("記録済み 2件"));

        // eL-QR 納付情報 as an Excel file.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["納付日", "eL番号", "税目", "納付方法", "納付金額"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in [
            ["2024/08/31", "00011-1234-5678-01", "税", "地方税お支払サイト", "15400"],
            ["2024/08/31", "00011-1234-5678-02", "税", "金融機関窓口", "15400"],
        ]
        .iter()
        .enumerate()
        {
            for (c, v) in row.iter().enumerate() {
                if c == 4 {
                    ws.write_number(r as u32 + 1, c as u16, v.parse::<f64>().unwrap()).unwrap();
                } else {
                    ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
                }
            }
        }
        let xlsx = wb.save_to_buffer().unwrap();
        let r = import(&mut clerk, "el_qr", "el-qr-202408.xlsx", xlsx).await;
        assert_eq!(r.status, 303, "{}", r.body);

        // FY2024: the counter QR (cashless), VISA reversed (nets to none), two コンビニ (cash),
        // eL-QR online (cashless), eL-QR at a bank (cash) → 2 of 5 = 40%.
        let year = FiscalYear(2024);
        let values = machi::receipts::cashless_by_year(&t.state, &[year], t.state.today())
            .await
            .unwrap();
        assert_eq!(values, vec![(year, 40.0)]);
        let mut resident = Client::new(&t);
        let public = resident.get("/payments?year=2024").await;
        assert_eq!(public.status, 200);
        assert!(public.body.contains(r#"<td data-label="割合(件数)">40.0%</td>"#), "{}", public.body);
        let kpi = resident.get("/plan/measures/1-1-3").await;
        assert!(kpi.body.contains("収納の記録"), "{}", kpi.body);
        assert!(kpi.body.contains("/payments"), "{}", kpi.body);
    })
    .await;
}

#[tokio::test]
async fn konbini_statistics_and_counter_issues_feed_kpi_1_1_6() {
    each_backend(|t| async move {
        machi::plan::commands::ensure_plan(&t.db).await.unwrap();
        let mut clerk = signed_in(&t, "juminka", Role::DepartmentEditor, "住民課").await;
        clerk.get("/staff").await;
        let wide = "年月,住民票の写し,印鑑登録証明書,戸籍証明書\r\n令和6年4月,12,6,\r\n令和6年5月,8,4,2\r\n";
        let r = clerk
            .post_multipart("/staff/certificates/import", &[], Some(("file", "konbini.csv", &sjis(wide))))
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        // The same months again: refused, nothing written.
        let before = count(&t.db, "certificate_issues").await;
        let r = clerk
            .post_multipart("/staff/certificates/import", &[], Some(("file", "konbini.csv", wide.as_bytes())))
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("令和6年4月の住民票の写し(コンビニ交付)はすでに記録されています"), "{}", r.body);
        assert_eq!(count(&t.db, "certificate_issues").await, before);
        // The counter and mail: 248 copies; 10 official ones outside the share.
        for (channel, copies, free) in [("counter", "240", false), ("mail", "8", false), ("counter", "10", true)] {
            let mut f = vec![
                ("kind", "resident_copy"),
                ("channel", channel),
                ("copies", copies),
                ("issued_on", "2024-05-15"),
            ];
            if free {
                f.push(("free", "1"));
            }
            let r = clerk.post("/staff/certificates", &f).await;
            assert_eq!(r.status, 303, "{}", r.body);
        }
        let r = clerk
            .post("/staff/certificates", &[("kind", "住民票"), ("channel", "mail"), ("copies", "0"), ("issued_on", "2024-05-15")])
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("通数「0」"));

        // 32 コンビニ of 280 copies.
        let year = FiscalYear(2024);
        let tally = machi::certificates::tally(&t.state, year).await.unwrap();
        assert_eq!((tally.convenience, tally.all, tally.free), (32, 280, 10));
        let mut resident = Client::new(&t);
        let public = resident.get("/certificates?year=2024").await;
        assert!(public.body.contains(r#"<td data-label="割合">11.4%</td>"#), "{}", public.body);
        assert!(public.body.contains("<svg"), "the monthly chart");

        // A wrong month is cancelled (a row naming it), the share follows.
        let id: i64 = sqlx::query_scalar(
            "SELECT id FROM certificate_issues WHERE channel = 'convenience_store' AND kind = 'family_register'",
        )
        .fetch_one(&mut *t.db.conn().await.unwrap())
        .await
        .unwrap();
        let r = clerk
            .post(&format!("/staff/certificates/{id}/cancel"), &[("reason", "集計の誤り")])
            .await;
        assert_eq!(r.status, 303);
        let r = clerk
            .post(&format!("/staff/certificates/{id}/cancel"), &[("reason", "二度目")])
            .await;
        assert_eq!(r.status, 422);
        let tally = machi::certificates::tally(&t.state, year).await.unwrap();
        assert_eq!((tally.convenience, tally.all), (30, 278));
        let kpi = resident.get("/plan/measures/1-1-6").await;
        assert!(kpi.body.contains("証明書の発行の記録"), "{}", kpi.body);
    })
    .await;
}
