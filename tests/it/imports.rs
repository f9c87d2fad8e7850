//! Bulk import of actuals: preview row by row, then all or nothing.

use crate::support::{Client, each_backend, signed_in};
use machi::auth::model::Role;

async fn setup(db: &crate::support::TestTown) -> Client {
    let mut kikaku = signed_in(db, "kikaku", Role::DxOffice, "企画課").await;
    for fy in ["R5", "R6"] {
        kikaku.get("/staff/periods/new").await;
        let r = kikaku
            .post(
                "/staff/periods",
                &[
                    ("fiscal_year", fy),
                    ("kind", "yearly"),
                    ("due_date", "2025-05-31"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
    }
    kikaku.get("/staff/import").await;
    kikaku
}

async fn actual(db: &machi::db::Db, fy: i64, code: &str) -> (Option<f64>, String) {
    let row: (Option<f64>, String) = sqlx::query_as(
        "SELECT v.value, r.state FROM reports r JOIN reporting_periods p ON p.id = r.period_id
         LEFT JOIN report_values v ON v.report_id = r.id AND v.kpi_key = r.measure_code
         WHERE p.fiscal_year = $1 AND r.measure_code = $2",
    )
    .bind(fy)
    .bind(code)
    .fetch_one(&mut *db.conn().await.unwrap())
    .await
    .unwrap();
    row
}

fn commit_path(body: &str) -> String {
    let i = body.find("/staff/import/").unwrap();
    let rest = &body[i..];
    rest[..rest.find('"').unwrap()].to_string()
}

#[tokio::test]
async fn a_utf8_csv_is_previewed_then_committed_as_drafts() {
    each_backend(|db| async move {
        let mut c = setup(&db).await;
        let csv = "施策コード,施策名(参考),年度,実績,根拠・出典\n1-1-1,オンライン申請,R5,32,ぴったりサービス\n\n1-4-1,オープンデータ,令和6年度,\"1,2\",\n2-2-3,紙,2024,\"９００，０００\",調達実績\n";
        // (1,2 is not a number: the row is reported; fix and upload again.)
        let r = c.post_file("/staff/import", "actuals.csv", csv.as_bytes()).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("CSV(UTF-8)として読み込みました"));
        assert!(r.body.contains("4行目「実績」: 「1,2」は数値として読めません"), "{}", r.body);
        assert!(!r.body.contains("行を反映する"), "no commit with errors");
        assert_eq!(actual(&db, 2023, "1-1-1").await.0, None, "nothing written");

        let fixed = csv.replace("\"1,2\"", "12");
        let r = c.post_file("/staff/import", "actuals.csv", fixed.as_bytes()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("(未入力)"));
        assert!(r.body.contains("900,000枚"));
        let path = commit_path(&r.body);
        let done = c.post(&path, &[]).await;
        assert_eq!(done.status, 303);
        assert_eq!(actual(&db, 2023, "1-1-1").await, (Some(32.0), "draft".into()));
        assert_eq!(actual(&db, 2024, "1-4-1").await, (Some(12.0), "draft".into()));
        assert_eq!(actual(&db, 2024, "2-2-3").await.0, Some(900_000.0));
        let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'report.import'")
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(audited, 3);
        // A batch is applied once.
        assert_eq!(c.post(&path, &[]).await.status, 409);
        // Public pages still show nothing: imported actuals are drafts in the cycle.
        let public: serde_json::Value =
            serde_json::from_str(&Client::new(&db).get("/plan/measures/1-1-1/series.json").await.body).unwrap();
        assert_eq!(public["series"][2]["fiscal_year"], 2023);
        assert_eq!(public["series"][2]["actual"], serde_json::Value::Null);
    })
    .await;
}

#[tokio::test]
async fn shift_jis_and_every_kind_of_bad_row_are_named() {
    each_backend(|db| async move {
        let mut c = setup(&db).await;
        let text = "コード,年度,実績値,メモ欄\r\n1-1-1,Ｒ６,３８,\r\n9-9-9,R6,1,\r\n1-1-2,R12,1,\r\n1-1-3,R6,abc,\r\n1-2-1,R6,120,\r\n1-3-1,R4,50,\r\n1-1-1,2024,38,\r\n";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let r = c.post_file("/staff/import", "sjis.csv", &sjis).await;
        assert_eq!(r.status, 422);
        let b = &r.body;
        assert!(b.contains("CSV(Shift_JIS)として読み込みました"));
        assert!(b.contains("列「メモ欄」は読み込みに使いません"));
        assert!(b.contains("3行目「KPIコード」: 「9-9-9」というKPIはありません"));
        assert!(b.contains("4行目「年度」: 令和12年度は実績を入力できる年度(令和3年度〜令和10年度)の外です"), "{b}");
        assert!(!b.contains("令和12年度の年次報告期間がありません"), "one message per problem");
        assert!(b.contains("5行目「実績」: 「abc」は数値として読めません"));
        assert!(b.contains("6行目「実績」: 「120」は100を超えています"));
        assert!(b.contains("7行目「年度」: 令和4年度の年次報告期間がありません"));
        assert!(b.contains("8行目「KPIコード」: 2行目と同じKPI・年度です"));
        assert!(!b.contains("2行目「"), "the full-width row is read correctly");
        let missing = c.post_file("/staff/import", "x.csv", "施策,値\n1-1-1,3\n".as_bytes()).await;
        assert!(missing.body.contains("列「施策コード」がありません") || missing.body.contains("列「年度」がありません"));
        let bad = c.post_file("/staff/import", "x.csv", b"\x81\x20\xff").await;
        assert!(bad.body.contains("文字コードを判別できません"));
    })
    .await;
}

#[tokio::test]
async fn departments_import_only_their_own_measures() {
    each_backend(|db| async move {
        let _kikaku = setup(&db).await;
        let mut dept = signed_in(&db, "tanto", Role::DepartmentEditor, "企画課").await;
        dept.get("/staff/import").await;
        let (_, _, template) = dept.get_bytes("/staff/import/template.csv").await;
        let t = String::from_utf8(template[3..].to_vec()).unwrap();
        assert_eq!(
            t.lines().count(),
            2,
            "header and the one 企画課 measure: {t}"
        );
        let r = dept
            .post_file(
                "/staff/import",
                "a.csv",
                "施策コード,年度,実績\n1-1-1,R6,38\n1-1-2,R6,40\n".as_bytes(),
            )
            .await;
        assert!(
            r.body.contains(
                "3行目「KPIコード」: 1-①-2) はあなたの担当課(企画課)の施策ではありません"
            ),
            "{}",
            r.body
        );
        let mut viewer = signed_in(&db, "etsuran", Role::Viewer, "").await;
        assert_eq!(viewer.get("/staff/import").await.status, 403);
        // A department with no 施策 in the plan is told why there is nothing to import.
        let mut other = signed_in(&db, "juumin", Role::DepartmentEditor, "住民課").await;
        let page = other.get("/staff/import").await;
        assert_eq!(page.status, 200);
        assert!(
            page.body
                .contains("住民課が担当する施策が計画にないため、取り込める実績はありません。担当課の設定は企画課(デジタル推進室)が行います。"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("type=\"file\""));
    })
    .await;
}

#[tokio::test]
async fn excel_files_with_formulas_merged_cells_and_dates() {
    each_backend(|db| async move {
        let mut c = setup(&db).await;
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("実績").unwrap();
        for (i, h) in ["施策コード", "年度", "実績", "根拠・出典", "担当者"]
            .iter()
            .enumerate()
        {
            ws.write_string(0, i as u16, *h).unwrap();
        }
        // 1-1-1 merged over two rows (R5 and R6); values as a formula with its result saved.
        ws.merge_range(1, 0, 2, 0, "1-1-1", &rust_xlsxwriter::Format::new())
            .unwrap();
        ws.write_string(1, 1, "R5").unwrap();
        ws.write_formula(
            1,
            2,
            rust_xlsxwriter::Formula::new("=30+2").set_result("32"),
        )
        .unwrap();
        ws.write_string(2, 1, "令和6年度").unwrap();
        ws.write_number(2, 2, 38).unwrap();
        // an empty row, then a code Excel turned into a date
        ws.write_number(4, 0, 36892.0).unwrap();
        ws.set_cell_format(
            4,
            0,
            &rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd"),
        )
        .unwrap();
        ws.write_number(4, 1, 2024).unwrap();
        ws.write_number(4, 2, 1).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let r = c.post_file("/staff/import", "実績.xlsx", &bytes).await;
        assert!(
            r.body.contains("Excel(シート「実績」)として読み込みました"),
            "{}",
            r.body
        );
        assert!(r.body.contains("列「担当者」は読み込みに使いません"));
        assert!(
            r.body
                .contains("5行目「KPIコード」: 日付(2001-01-01)として保存されています"),
            "{}",
            r.body
        );
        assert!(r.body.contains("32手続"), "formula result read");
        assert!(
            r.body.contains("38手続"),
            "merged code filled for the second row"
        );
        assert_eq!(r.body.matches("field-error").count(), 1);

        let corrupt = c
            .post_file(
                "/staff/import",
                "broken.xlsx",
                b"PK\x03\x04 not really a zip",
            )
            .await;
        assert_eq!(corrupt.status, 422);
        assert!(corrupt.body.contains("Excelファイルとして読めません"));
    })
    .await;
}

#[tokio::test]
async fn all_or_nothing_when_a_report_changes_after_the_preview() {
    each_backend(|db| async move {
        let mut c = setup(&db).await;
        let r = c
            .post_file("/staff/import", "a.csv", "施策コード,年度,実績\n1-1-1,R6,38\n1-1-3,R6,20\n".as_bytes())
            .await;
        assert_eq!(r.status, 200);
        let path = commit_path(&r.body);
        // Meanwhile 1-1-3 is submitted from its form.
        let id: i64 = sqlx::query_scalar(
            "SELECT r.id FROM reports r JOIN reporting_periods p ON p.id = r.period_id WHERE p.fiscal_year = 2024 AND r.measure_code = '1-1-3'",
        )
        .fetch_one(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
        c.get(&format!("/staff/reports/{id}")).await;
        let s = c
            .post(&format!("/staff/reports/{id}"), &[("version", "1"), ("op", "submit"), ("actual.1-1-3", "41"), ("progress", "導入")])
            .await;
        assert_eq!(s.status, 303);
        c.get("/staff/import").await;
        let r = c.post(&path, &[]).await;
        assert_eq!(r.status, 409);
        assert!(r.body.contains("3行目: プレビューの後に報告が「提出済」になったため変更できません。何も反映していません"));
        assert_eq!(actual(&db, 2024, "1-1-1").await.0, None, "the good row was not written either");
    })
    .await;
}

#[tokio::test]
async fn uploads_over_20_mb_are_refused_clearly() {
    each_backend(|db| async move {
        let mut c = setup(&db).await;
        let big = vec![b'a'; 21 * 1024 * 1024];
        let r = c.post_file("/staff/import", "big.csv", &big).await;
        assert_eq!(r.status, 413);
        assert!(
            r.body.contains("上限は20MBです"),
            "{}",
            &r.body[..r.body.len().min(500)]
        );
    })
    .await;
}
