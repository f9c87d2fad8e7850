//! Excel, CSV, charts and open KPI data, read back with real readers.

use crate::support::{Client, each_backend, record, with_plan};
use calamine::{Data, Reader};
use std::io::{Cursor, Read};

pub fn workbook(bytes: &[u8]) -> calamine::Xlsx<Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("opens as xlsx")
}

fn all_text(range: &calamine::Range<Data>) -> String {
    range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect::<Vec<_>>()
        .join("|")
}

/// The XML of a part inside the xlsx zip.
pub fn part(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[tokio::test]
async fn action_plan_workbooks_follow_the_sheet_and_print_on_a4() {
    each_backend(|db| async move {
        with_plan(&db).await;
        record(&db, "1-1-1", "R4", "27").await;
        let mut c = Client::new(&db);
        let (status, headers, bytes) = c.get_bytes("/plan/measures/1-1-1/action-plan.xlsx").await;
        assert_eq!(status, 200);
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .contains("spreadsheetml")
        );
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .contains("filename*=UTF-8''")
        );
        let mut wb = workbook(&bytes);
        assert_eq!(wb.sheet_names(), vec!["1-1-1"]);
        let text = all_text(&wb.worksheet_range("1-1-1").unwrap());
        for expected in [
            "施策NO.",
            "企画課",
            "新規",
            "行政手続きのオンライン化",
            "IV みんなで創る魅力あるまち",
            "1. 事業の概要",
            "ぴったりサービス",
            "年度別数値目標",
            "27手続",
            "32手続",
            "38手続",
            "45手続",
            "令和4年度 (2022年度)",
            "条例の制定",
            "スケジュール",
            "4. 施策の評価",
            "未達成の場合原因・理由等を記入",
            "順調(実績 27手続)",
        ] {
            assert!(text.contains(expected), "sheet lacks {expected}");
        }
        let sheet_xml = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(sheet_xml.contains("paperSize=\"9\""), "A4");
        assert!(sheet_xml.contains("fitToWidth=\"1\"") || sheet_xml.contains("fitToPage=\"1\""));
        assert!(part(&bytes, "xl/workbook.xml").contains("_xlnm.Print_Area"));

        let (_, _, all) = c.get_bytes("/plan/action-plans.xlsx").await;
        let wb = workbook(&all);
        assert_eq!(wb.sheet_names().len(), 18);
        assert_eq!(wb.sheet_names()[17], "2-3-2");
        assert_eq!(
            c.get("/plan/measures/9-9-9/action-plan.xlsx").await.status,
            404
        );
        let page = c.get("/plan/action-plans").await;
        assert_eq!(page.body.matches("class=\"sheet-page\"").count(), 18);
    })
    .await;
}

#[tokio::test]
async fn kpi_list_and_roadmap_workbooks() {
    each_backend(|db| async move {
        with_plan(&db).await;
        record(&db, "1-1-1", "R4", "27").await;
        record(&db, "1-1-1", "R6", "30").await;
        let mut c = Client::new(&db);
        let (_, _, bytes) = c.get_bytes("/plan/kpis.xlsx").await;
        let mut wb = workbook(&bytes);
        assert_eq!(wb.sheet_names(), vec!["KPI一覧"]);
        let range = wb.worksheet_range("KPI一覧").unwrap();
        let header: Vec<String> = range
            .rows()
            .nth(2)
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            &header[..5],
            ["番号", "項目", "KPI", "数値目標", "達成時期"]
        );
        let r4 = header.iter().position(|h| h == "R4 目標").unwrap();
        assert_eq!(header[r4 + 1], "R4 実績");
        let row: Vec<&Data> = range.rows().nth(3).unwrap().iter().collect();
        assert_eq!(row[0].to_string(), "1-①-1)");
        assert_eq!(row[r4], &Data::Float(27.0));
        assert_eq!(row[r4 + 1], &Data::Float(27.0));
        let ach = header.iter().position(|h| h == "達成率").unwrap();
        assert!(matches!(row[ach], Data::Float(v) if (v - 30.0 / 45.0).abs() < 1e-9));
        assert_eq!(row[ach + 1].to_string(), "遅れ");
        assert!(part(&bytes, "xl/worksheets/sheet1.xml").contains("orientation=\"landscape\""));

        let (_, _, bytes) = c.get_bytes("/plan/roadmap.xlsx").await;
        let mut wb = workbook(&bytes);
        let text = all_text(&wb.worksheet_range("行程表").unwrap());
        assert!(text.contains("27手続きの開始・運用"));
        assert!(text.contains("令和3年度\n(2021年度)"));
        assert!(text.contains("※1 令和4年度末を目指して"));
    })
    .await;
}

#[tokio::test]
async fn csv_downloads_in_utf8_with_bom_or_shift_jis() {
    each_backend(|db| async move {
        with_plan(&db).await;
        record(&db, "1-1-1", "R6", "30").await;
        let mut c = Client::new(&db);
        let (status, headers, utf8) = c.get_bytes("/plan/kpis.csv").await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
        assert!(utf8.starts_with(b"\xEF\xBB\xBF"));
        let (_, headers, sjis) = c.get_bytes("/plan/kpis.csv?encoding=shift_jis").await;
        assert_eq!(headers["content-type"], "text/csv; charset=shift_jis");
        let (decoded, _, bad) = encoding_rs::SHIFT_JIS.decode(&sjis);
        assert!(!bad);
        assert_eq!(decoded, std::str::from_utf8(&utf8[3..]).unwrap());
        let mut rdr = csv::Reader::from_reader(&utf8[3..]);
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 18);
        assert_eq!(&rows[0][0], "1-1-1");
        assert_eq!(&rows[0][1], "1-1-1");
        assert_eq!(&rows[0][9], "30");
        assert_eq!(&rows[0][11], "記録");
        assert_eq!(&rows[0][12], "66.7");

        // Open KPI data: the whole plan and one 施策, CSV and JSON, confirmed data only.
        let (_, _, series) = c.get_bytes("/plan/kpis/series.csv").await;
        let text = String::from_utf8(series[3..].to_vec()).unwrap();
        assert!(text.starts_with(
            "KPIコード,項目コード,項目,KPI,単位,年度または年,和暦,目標,実績,値の種類"
        ));
        assert!(text.contains(
            "1-1-1,1-1-1,行政手続きのオンライン化,オンライン申請業務の拡充,手続,2024,令和6年度,38,30,記録"
        ));
        assert_eq!(text.lines().count(), 1 + 18 * 5);
        let json: serde_json::Value =
            serde_json::from_str(&c.get("/plan/measures/1-1-1/series.json").await.body).unwrap();
        assert_eq!(json["license"], "CC-BY-4.0");
        assert_eq!(json["series"].as_array().unwrap().len(), 5);
        assert_eq!(json["series"][3]["actual"], 30.0);
        assert_eq!(json["series"][3]["target"], 38.0);
        let one = c.get("/plan/measures/2-2-3/series.csv").await;
        assert_eq!(one.status, 200);
        assert_eq!(c.get("/plan/measures/0-0-0/series.csv").await.status, 404);
        // The pages link them.
        let kpis = c.get("/plan/kpis").await.body;
        for link in [
            "/plan/kpis.xlsx",
            "/plan/kpis.csv?encoding=shift_jis",
            "/plan/kpis/series.csv",
            "/plan/kpis/series.json",
        ] {
            assert!(kpis.contains(link), "{link}");
        }
        assert!(
            c.get("/plan/measures/1-1-1")
                .await
                .body
                .contains("/plan/measures/1-1-1/series.json")
        );
    })
    .await;
}

#[tokio::test]
async fn kpi_pages_have_charts_with_text_alternatives() {
    each_backend(|db| async move {
        with_plan(&db).await;
        record(&db, "2-2-3", "R3", "1000000").await;
        record(&db, "2-2-3", "R6", "900000").await;
        let mut c = Client::new(&db);
        let b = c.get("/plan/measures/2-2-3").await.body;
        assert!(b.contains("<svg class=\"chart\""));
        assert!(b.contains("aria-labelledby=\"chart-2-2-3-t chart-2-2-3-d\""));
        assert!(b.contains("紙の使用枚数の削減 の推移"));
        assert!(
            b.contains(">R3</text>") && b.contains(">R7</text>"),
            "和暦 labels"
        );
        assert!(b.contains("900,000枚</text>"), "actual value labelled");
        assert!(b.contains("class=\"ref-base\"") && b.contains("class=\"ref-target\""));
        assert!(b.contains(">基準値</text>") && b.contains(">最終目標</text>"));
        assert!(b.contains("年度別の目標と実績(グラフと同じ数値)"));
        let one = c.get("/plan/measures/1-1-1").await.body;
        assert!(
            one.contains(">年度別目標</text>"),
            "yearly targets drawn when the plan has them"
        );
        let list = c.get("/plan/kpis").await.body;
        assert_eq!(list.matches("<svg class=\"spark\"").count(), 18);
    })
    .await;
}

#[tokio::test]
async fn issued_reports_download_as_workbooks() {
    each_backend(|db| async move {
        use machi::auth::model::Role;
        let mut kikaku = crate::support::signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        kikaku.get("/staff/periods/new").await;
        kikaku
            .post(
                "/staff/periods",
                &[
                    ("fiscal_year", "R6"),
                    ("kind", "quarterly"),
                    ("quarter", "2"),
                    ("due_date", "2024-10-15"),
                ],
            )
            .await;
        let period: i64 = sqlx::query_scalar("SELECT id FROM reporting_periods")
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        kikaku.get("/staff/snapshots").await;
        let r = kikaku
            .post(
                "/staff/snapshots",
                &[("kind", "mayor_report"), ("period", &period.to_string())],
            )
            .await;
        let loc = r.headers["location"].to_str().unwrap().to_string();
        let (status, _, bytes) = kikaku.get_bytes(&format!("{loc}/download.xlsx")).await;
        assert_eq!(status, 200);
        let mut wb = workbook(&bytes);
        assert_eq!(wb.sheet_names(), vec!["町長報告"]);
        let text = all_text(&wb.worksheet_range("町長報告").unwrap());
        assert!(text.contains("令和6年度 第2四半期 町長報告"));
        assert!(text.contains("1-①-1) 行政手続きのオンライン化"));
        let mut anon = Client::new(&db);
        assert_eq!(anon.get_bytes(&format!("{loc}/download.xlsx")).await.0, 303);
    })
    .await;
}
