//! The 標準化 tracker through the site: the grid and rates, a 業務's record and steps saved
//! (owner rule, optimistic locking, audit), CSV in (all or nothing) and out, the step list as
//! data, a prefecture's 2 業務, and the KPI 2-①-1 counted from it — on SQLite and PostgreSQL.

use crate::support::{Client, PASSWORD, each_backend, form_fields, signed_in, user};
use machi::auth::model::Role;

fn without_csrf(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .filter(|(k, _)| k != "csrf")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn with(fields: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .cloned()
        .collect();
    out.extend(changes.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    out
}

#[tokio::test]
async fn the_tracker_records_steps_and_systems_and_feeds_the_migration_kpi() {
    each_backend(|t| async move {
        let mut dx = signed_in(&t, "dxoffice", Role::DxOffice, "").await;
        let grid = dx.get("/staff/standardization").await;
        assert_eq!(grid.status, 200);
        assert!(grid.body.contains("0 / 20 業務"), "{}", grid.body);
        assert!(grid.body.contains("住民記録") && grid.body.contains("戸籍附票"));
        assert!(grid.body.contains("まだ何も記録していない業務(20)"), "{}", grid.body);

        // 住民記録: switched over on 令和6年10月1日, every step done.
        let path = "/staff/standardization/business/1";
        let page = dx.get(path).await;
        let mut changes: Vec<(String, String)> = vec![
            ("department".into(), "A課".into()),
            ("compliant".into(), "1".into()),
            ("gov_cloud".into(), "利用する".into()),
            ("planned_cutover".into(), "2024-10-01".into()),
            ("actual_cutover".into(), "令和6年10月1日".into()),
        ];
        for n in 1..=40 {
            changes.push((format!("s{n}_status"), "完了済み".into()));
        }
        let changes: Vec<(&str, &str)> = changes.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let read = form_fields(&page.body, path);
        let filled = with(&read, &changes);
        // A wrong date is named; nothing saved.
        let bad = with(&filled, &[("s3_done", "2024-02-30")]);
        let r = dx.post(path, &without_csrf(&bad)).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("ステップ3 実績日: 「2024-02-30」"), "{}", r.body);
        let r = dx.post(path, &without_csrf(&filled)).await;
        assert_eq!(r.status, 303, "{}", r.body);
        // Saved from the page read before the save: refused.
        let r = dx.post(path, &without_csrf(&filled)).await;
        assert_eq!(r.status, 409);

        let grid = dx.get("/staff/standardization").await.body;
        assert!(grid.contains("1 / 20 業務"), "{grid}");
        assert!(grid.contains("100.0%"));
        // The plan's KPI 2-①-1 counts it from the tracker (today is in 令和6年度).
        let series = crate::support::get(&t, "/plan/kpis/series.csv").await.body;
        let line = series
            .lines()
            .find(|l| l.contains("国標準システム") && l.contains("2024"))
            .unwrap_or_default()
            .to_string();
        assert!(line.contains(",1,"), "{series}");
        let measure = crate::support::get(&t, "/plan/measures/2-1-1").await.body;
        assert!(measure.contains("自動集計: 標準化の進み具合"), "{measure}");

        // A 課 records the 業務 it is in charge of, not others, and not who is in charge.
        user(&t, "clerk", Role::DepartmentEditor, "A課").await;
        let mut clerk = Client::new(&t);
        clerk.sign_in("clerk", PASSWORD).await;
        assert_eq!(clerk.get("/staff/standardization/business/2").await.status, 403);
        let page = clerk.get(path).await;
        assert_eq!(page.status, 200);
        let fields = with(&form_fields(&page.body, path), &[("department", "B課"), ("vendor", "X社")]);
        assert_eq!(clerk.post(path, &without_csrf(&fields)).await.status, 303);
        let page = dx.get(path).await.body;
        assert!(page.contains("value=\"A課\"") && page.contains("value=\"X社\""), "{page}");
        // A 課 may not import or change the step list.
        assert_eq!(clerk.get("/staff/standardization/steps").await.status, 403);

        // CSV: one bad line and nothing changes; then the file as fixed.
        let bad = "業務,ステップ番号,状態,予定日,実績日\n固定資産税,1,完了済み,,2023-06-30\n固定資産税,41,作業中,,\n";
        let r = dx.post_file("/staff/standardization/import", "pmo.csv", bad.as_bytes()).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("3行目: ステップ番号「41」"), "{}", r.body);
        let mut good = String::from("業務番号,ステップ番号,状態\n");
        for n in 1..=24 {
            good.push_str(&format!("3,{n},完了済み\n"));
        }
        good.push_str("3,25,対象外\n3,26,対象外\n3,27,作業中\n3,28,作業中\n3,29,作業中\n");
        let r = dx.post_file("/staff/standardization/import", "pmo.csv", good.as_bytes()).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location(), "/staff/standardization?done=imported-29");
        // 固定資産税: (24 + 2) / 40 = 65%, 作業中 7.5%, 未着手 27.5% — the dashboard's arithmetic.
        let grid = dx.get("/staff/standardization").await.body;
        assert!(grid.contains("65.0%") && grid.contains("7.5%") && grid.contains("27.5%"), "{grid}");
        let (status, _, csv) = dx.get_bytes("/staff/standardization/export.csv").await;
        assert_eq!(status, 200);
        let csv = String::from_utf8(csv).unwrap();
        assert_eq!(csv.lines().count(), 20 * 40 + 1);
        assert!(csv.contains("3,固定資産税,24,RFPベンダー質問回答,完了済み"), "{csv}");
        // The workbook: the grid on one A3 landscape page, rates as numbers, the records, the steps.
        let (status, headers, xlsx) = dx.get_bytes("/staff/standardization/export.xlsx").await;
        assert_eq!(status, 200);
        assert!(headers["content-disposition"].to_str().unwrap().contains(".xlsx"));
        let mut wb = crate::exports::workbook(&xlsx);
        use calamine::{DataType, Reader};
        assert_eq!(wb.sheet_names(), ["進み具合", "業務の記録", "ステップ"]);
        let grid = wb.worksheet_range("進み具合").unwrap();
        let row_of = |name: &str| {
            grid.rows()
                .find(|r| r.get(1).is_some_and(|c| *c == name))
                .unwrap_or_else(|| panic!("no row {name}"))
                .to_vec()
        };
        let fixed = row_of("固定資産税");
        // No, 業務, 担当課, steps 1–40, then 完了率 · 作業中率 · 未着手率 · 移行.
        assert_eq!(fixed[3 + 23].to_string(), "済");
        assert_eq!(fixed[3 + 24].to_string(), "外");
        assert_eq!(fixed[3 + 26].to_string(), "中");
        assert_eq!(fixed[3 + 29].to_string(), "・");
        assert_eq!(fixed[43].as_f64(), Some(0.65));
        assert_eq!(fixed[44].as_f64(), Some(0.075));
        assert_eq!(fixed[45].as_f64(), Some(0.275));
        let resident = row_of("住民記録");
        assert_eq!((resident[43].as_f64(), resident[46].to_string()), (Some(1.0), "済".into()));
        let total = grid.rows().find(|r| r[0] == "全体").unwrap();
        assert_eq!(total[46].to_string(), "1/20");
        // (40 + 26) done or n/a of 20 × 40 steps.
        assert_eq!(total[43].as_f64(), Some(66.0 / 800.0));
        let sheet = crate::exports::part(&xlsx, "xl/worksheets/sheet1.xml");
        assert!(sheet.contains("paperSize=\"8\"") && sheet.contains("orientation=\"landscape\""), "A3 landscape");
        assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>") && !sheet.contains("fitToHeight=\"0\""), "one page: {sheet}");
        let records = wb.worksheet_range("業務の記録").unwrap();
        let text: Vec<String> = records.rows().nth(1).unwrap().iter().map(|c| c.to_string()).collect();
        assert_eq!(&text[1..3], ["住民記録", "A課"]);
        // 移行日 as an Excel date: serial 45566 is 2024-10-01.
        let cutover = &records.rows().nth(1).unwrap()[9];
        assert!(matches!(cutover, calamine::Data::DateTime(d) if d.as_f64() == 45566.0), "{cutover:?}");
        let steps = wb.worksheet_range("ステップ").unwrap();
        let names: Vec<String> = steps.rows().map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",")).collect();
        assert!(names.iter().any(|l| l == "24,システム選定,RFPベンダー質問回答,確認済み"), "{names:?}");
        assert!(names.iter().any(|l| l.ends_with(",未確認")));

        // The step list is the town's data: a fault names its line; a new edition is kept.
        let r = dx
            .post(
                "/staff/standardization/steps",
                &[("edition", "第2版"), ("steps", "1,,推進体制の立ち上げ,確認済み\n3,,x,\n"), ("version", "1")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("2行目: 番号は2にしてください"), "{}", r.body);
        let page = dx.get("/staff/standardization/steps").await;
        let text = form_fields(&page.body, "/staff/standardization/steps");
        let steps = text.iter().find(|(k, _)| k == "steps").unwrap().1.replace("ステップ01", "推進体制の立ち上げ");
        let r = dx
            .post(
                "/staff/standardization/steps",
                &[("edition", "手順書 第2版に合わせた"), ("steps", &steps), ("version", "1")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(dx.get("/staff/standardization").await.body.contains("手順書 第2版に合わせた"));

        // The public page: the same grid and rates, no links into staff pages.
        let public = crate::support::get(&t, "/standardization").await;
        assert_eq!(public.status, 200);
        assert!(public.body.contains("1 / 20 業務") && !public.body.contains("/staff/standardization/business"));
        assert!(!public.body.contains("A課"), "who is in charge stays on staff pages");
    })
    .await;
}

#[tokio::test]
async fn a_prefecture_tracks_its_two_businesses() {
    each_backend(|t| async move {
        t.add_town("130001", "東京都", None).await;
        let page = crate::support::get(&t, "/t/130001/standardization").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("0 / 2 業務"), "{}", page.body);
        assert!(page.body.contains("児童扶養手当") && page.body.contains("生活保護"));
        assert!(!page.body.contains("住民記録"));
    })
    .await;
}
