//! マイナンバーカード: 総務省's 市区町村別 table imported as published (a workbook whose sheet
//! 「公表用」 holds a prefecture table, then the municipalities after a 全国 row, headers with line
//! breaks and the 基準日 in brackets, rates kept as fractions) and as CSV; the body's row found by
//! 都道府県 and name; each 基準日 kept; KPI 1-②-1 takes each 年度's latest — on both backends.

use crate::support::{each_backend, signed_in};
use machi::auth::model::Role;

/// A workbook laid out like the 市区町村別 release.
fn workbook(as_of_header: &str, kami: Option<(f64, f64)>) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("注意事項").unwrap();
    notes.write(0, 0, "本資料の数値は速報値です").unwrap();
    let sheet = book.add_worksheet();
    sheet.set_name("公表用").unwrap();
    let pct = rust_xlsxwriter::Format::new().set_num_format("0.0%");
    sheet
        .write(0, 0, "マイナンバーカード交付状況について")
        .unwrap();
    sheet.write(2, 0, "【都道府県別】").unwrap();
    let head = [
        "都道府県名",
        "人口\n(R6.1.1時点)",
        as_of_header,
        "人口に対する保有枚数率",
    ];
    for (c, h) in head.iter().enumerate() {
        sheet.write(3, c as u16, *h).unwrap();
    }
    let prefs = [
        ("北海道", 5_139_913.0, 3_800_000.0),
        ("長野県", 2_033_182.0, 1_530_000.0),
        ("兵庫県", 5_400_000.0, 4_200_000.0),
    ];
    for (i, (p, pop, n)) in prefs.iter().enumerate() {
        let r = 4 + i as u32;
        sheet.write(r, 0, *p).unwrap();
        sheet.write(r, 1, *pop).unwrap();
        sheet.write(r, 2, *n).unwrap();
        sheet.write_with_format(r, 3, n / pop, &pct).unwrap();
    }
    sheet.write(115, 0, "【市区町村別】").unwrap();
    let head = [
        "都道府県名",
        "市区町村名",
        "人口\n(R6.1.1時点)",
        as_of_header,
        "人口に対する保有枚数率",
    ];
    for (c, h) in head.iter().enumerate() {
        sheet.write(116, c as u16, *h).unwrap();
    }
    let mut rows = vec![
        ("全国", "", 125_416_877.0, 93_000_000.0),
        ("北海道", "札幌市", 1_955_457.0, 1_450_000.0),
        // Extracted names keep CJK radicals.
        ("⻑野県", "松本市", 236_447.0, 180_000.0),
        ("兵庫県", "豊岡市", 76_600.0, 58_000.0),
        ("兵庫県", "新温泉町", 13_200.0, 10_100.0),
    ];
    if let Some((pop, n)) = kami {
        rows.push(("兵庫県", "香美町", pop, n));
    }
    for (i, (p, m, pop, n)) in rows.iter().enumerate() {
        let r = 117 + i as u32;
        sheet.write(r, 0, *p).unwrap();
        sheet.write(r, 1, *m).unwrap();
        sheet.write(r, 2, *pop).unwrap();
        sheet.write(r, 3, *n).unwrap();
        sheet.write_with_format(r, 4, n / pop, &pct).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn the_published_table_is_imported_and_feeds_the_card_rate() {
    each_backend(|t| async move {
        let mut dx = signed_in(&t, "dxoffice", Role::DxOffice, "").await;
        assert_eq!(dx.get("/staff/mynumber-card").await.status, 200);
        // 令和6年3月末 (令和5年度) and 令和6年10月末 (令和6年度).
        let r = dx.post_file("/staff/mynumber-card/import", "kofujokyo_r0603.xlsx", &workbook("保有枚数\n(R6.3末時点)", Some((15_836.0, 12_050.0)))).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = dx.post_file("/staff/mynumber-card/import", "kofujokyo_r0610.xlsx", &workbook("保有枚数\n(R6.10末時点)", Some((15_836.0, 12_400.0)))).await;
        assert_eq!(r.location(), "/staff/mynumber-card?done=added");
        // The same 基準日 again replaces it.
        let r = dx.post_file("/staff/mynumber-card/import", "kofujokyo_r0610_v2.xlsx", &workbook("保有枚数\n(R6.10末時点)", Some((15_836.0, 12_401.0)))).await;
        assert_eq!(r.location(), "/staff/mynumber-card?done=replaced");
        // An older CSV (Code for Japan's extraction of a PDF release): 交付枚数, 基準日 given by hand.
        let csv = "都道府県名,市区町村名,総数（人口）,交付枚数,人口に対する交付枚数率\n全国,,125927902,63000000,50.0%\n兵庫県,香美町,16395,9100,55.5%\n";
        let r = dx.post_file("/staff/mynumber-card/import", "all_localgovs.csv", csv.as_bytes()).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("基準日を入力して"), "{}", r.body);
        let boundary = "b7";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"as_of\"\r\n\r\n令和5年3月31日\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"all_localgovs.csv\"\r\n\r\n{csv}\r\n--{boundary}--\r\n",
            dx.csrf
        );
        let (status, _, answer) = dx
            .raw("POST", "/staff/mynumber-card/import", &format!("multipart/form-data; boundary={boundary}"), body.into_bytes())
            .await;
        assert_eq!(status, 303, "{}", String::from_utf8_lossy(&answer));

        // A table without this body, or whose rate disagrees with its counts: nothing kept.
        let r = dx.post_file("/staff/mynumber-card/import", "other.xlsx", &workbook("保有枚数\n(R6.11末時点)", None)).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("兵庫県香美町の行がありません"), "{}", r.body);

        let page = dx.get("/staff/mynumber-card").await.body;
        assert!(page.contains("令和6年10月31日") && page.contains("78.31%"), "{page}");
        assert!(page.contains("令和5年3月31日") && page.contains("55.50%") && page.contains("交付枚数"));
        assert!(!page.contains("令和6年11月30日"));

        // KPI 1-②-1: each 年度's latest 基準日.
        let series = crate::support::get(&t, "/plan/kpis/series.csv").await.body;
        let year = |fy: &str| {
            series
                .lines()
                .find(|l| l.contains("マイナンバーカード取得率") && l.contains(fy))
                .unwrap_or_default()
                .to_string()
        };
        assert!(year("2022").contains(",55.5,"), "{series}");
        assert!(year("2023").contains(",76.09,"), "{series}");
        assert!(year("2024").contains(",78.31,"), "{series}");
        let public = crate::support::get(&t, "/mynumber-card").await;
        assert!(public.body.contains("78.31%") && public.body.contains("<svg"));
        assert!(!public.body.contains("kofujokyo"), "file names stay on the staff page");

        // Only the coordinating department imports.
        let mut clerk = signed_in(&t, "clerk", Role::DepartmentEditor, "A課").await;
        assert_eq!(clerk.get("/staff/mynumber-card").await.status, 403);
    })
    .await;
}
