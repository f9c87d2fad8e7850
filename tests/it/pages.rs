//! Every public page, rendered through the router in-process, checked for real content.

use crate::support::{each_backend, get, record, with_plan};

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[tokio::test]
async fn home_introduces_the_plan() {
    each_backend(|db| async move {
        with_plan(&db).await;
        let r = get(&db, "/").await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("<html lang=\"ja\">"));
        assert!(
            r.body
                .contains("香美町 デジタル・トランスフォーメーション(DX) 推進計画")
        );
        assert!(r.body.contains("令和5年4月〜令和8年3月"));
        assert!(
            r.body
                .contains("基本方針1 行政サービスのデジタル化による町民生活の利便性向上")
        );
        assert!(r.body.contains("18 の施策"));
        assert!(r.body.contains("令和6年度 (2024年度)時点"));
    })
    .await;
}

#[tokio::test]
async fn plan_overview_lists_every_measure_with_its_status() {
    each_backend(|db| async move {
        with_plan(&db).await;
        record(&db, "1-1-1", "R6", "38").await;
        let r = get(&db, "/plan").await;
        assert_eq!(r.status, 200);
        assert_eq!(count(&r.body, "<a href=\"/plan/measures/"), 18);
        assert!(
            r.body
                .contains("1-① 行政手続きのオンライン化・地域社会のデジタル化")
        );
        assert!(
            r.body
                .contains("2-③-2) 職員のICTリテラシー(利活用能力)向上")
        );
        assert!(
            r.body
                .contains("<span class=\"badge s-on_track\">順調</span>")
        );
        assert_eq!(count(&r.body, "s-no_data\">未入力"), 17);
        assert!(r.body.contains("未入力・評価困難・中止の 17 KPIを除く"));
        assert!(r.body.contains("香美町情報化推進委員会"));
        assert!(r.body.contains("3カ月に1回程度"));
        assert!(r.body.contains("重点取組事項"));
    })
    .await;
}

#[tokio::test]
async fn kpi_list_filters_by_policy_and_status() {
    each_backend(|db| async move {
        with_plan(&db).await;
        record(&db, "1-1-1", "R6", "30").await; // behind the R6 target of 38
        record(&db, "2-2-2", "R6", "6").await; // achieved
        let all = get(&db, "/plan/kpis").await;
        assert_eq!(count(&all.body, "<tr>") - 1, 18);
        let p2 = get(&db, "/plan/kpis?policy=2").await;
        assert_eq!(count(&p2.body, "<a href=\"/plan/measures/2-"), 6);
        assert_eq!(count(&p2.body, "<a href=\"/plan/measures/1-"), 0);
        assert!(p2.body.contains("6 件を表示(18 件中)"));
        let behind = get(&db, "/plan/kpis?status=behind").await;
        assert!(behind.body.contains("/plan/measures/1-1-1"));
        assert!(!behind.body.contains("/plan/measures/2-2-2\""));
        assert!(behind.body.contains("1 件を表示"));
        let achieved = get(&db, "/plan/kpis?policy=2&status=achieved").await;
        assert!(achieved.body.contains("6名(令和6年度)"));
        let none = get(&db, "/plan/kpis?policy=1&status=achieved").await;
        assert!(none.body.contains("条件に合うKPIはありません"));
        // Unknown filter values show everything rather than failing.
        let odd = get(&db, "/plan/kpis?policy=x&status=%3Cscript%3E").await;
        assert_eq!(odd.status, 200);
        assert!(!odd.body.contains("<script>"));
    })
    .await;
}

#[tokio::test]
async fn measure_page_shows_the_kpi_card_with_yearly_targets_and_actuals() {
    each_backend(|db| async move {
        with_plan(&db).await;
        record(&db, "1-1-1", "R4", "27").await;
        record(&db, "1-1-1", "R5", "30").await;
        let r = get(&db, "/plan/measures/1-1-1").await;
        assert_eq!(r.status, 200);
        let b = &r.body;
        assert!(b.contains("<h1>1-①-1) 行政手続きのオンライン化</h1>"));
        assert!(b.contains("担当課: 企画課"));
        assert!(b.contains("KPI: オンライン申請業務の拡充"));
        assert!(b.contains("申請業務45手続の達成"));
        for t in ["27手続", "32手続", "38手続", "45手続"] {
            assert!(
                b.contains(&format!("<td class=\"num\">{t}</td>")),
                "yearly target {t}"
            );
        }
        assert!(b.contains("<td class=\"num\">30手続</td>"));
        assert!(b.contains("実績 30手続 ÷ 目標 45手続(基準値がないため比で計算)"));
        assert!(b.contains("66.7%"));
        assert!(b.contains("令和5年度の目安: 32手続(年度別目標)"));
        assert!(b.contains("27手続きの開始・運用"));
        assert!(b.contains("※1 令和4年度末を目指して"));
        assert!(b.contains("「子育て関係」、「介護関係」、「被災者支援関係」の27手続き"));
        assert!(b.contains("href=\"/plan/measures/1-1-1/action-plan\""));
    })
    .await;
}

#[tokio::test]
async fn measure_page_for_a_reduction_shows_gap_closure() {
    each_backend(|db| async move {
        with_plan(&db).await;
        record(&db, "2-2-3", "R3", "1000000").await;
        record(&db, "2-2-3", "R6", "900000").await;
        let b = get(&db, "/plan/measures/2-2-3").await.body;
        assert!(b.contains(
            "(実績 900,000枚 − 基準値 1,000,000枚) ÷ (目標 800,000枚 − 基準値 1,000,000枚)"
        ));
        assert!(b.contains("50.0%"));
        assert!(b.contains("800,000枚(基準値から20%削減)"));
        assert!(b.contains("1,000,000枚(令和3年度)"));
    })
    .await;
}

#[tokio::test]
async fn unknown_measures_are_404_in_japanese() {
    each_backend(|db| async move {
        with_plan(&db).await;
        for path in [
            "/plan/measures/9-9-9",
            "/plan/measures/..%2F..%2Fetc",
            "/plan/measures/1-1-1/action-plan/x",
            "/nothing",
        ] {
            let r = get(&db, path).await;
            assert_eq!(r.status, 404, "{path}");
            assert!(r.body.contains("ページが見つかりません"), "{path}");
            // In the town's frame: its name and menu, so a resident can go on from there.
            assert!(
                r.body.contains("香美町 DX推進計画</a>"),
                "{path}: {}",
                r.body
            );
            assert!(r.body.contains("<nav aria-label=\"サイト内\">"), "{path}");
        }
    })
    .await;
}

#[tokio::test]
async fn roadmap_is_an_svg_gantt_with_a_table() {
    each_backend(|db| async move {
        with_plan(&db).await;
        let r = get(&db, "/plan/roadmap").await;
        assert_eq!(r.status, 200);
        let b = &r.body;
        assert!(b.contains("<svg class=\"gantt\""));
        assert!(b.contains("role=\"img\""));
        for y in [
            "令和3年度",
            "令和4年度",
            "令和5年度",
            "令和6年度",
            "令和7年度",
        ] {
            assert!(b.contains(&format!(">{y}</text>")), "{y} column");
        }
        // 27手続き row both in the chart and in the table.
        assert!(b.contains("27手続きの開始・運用(令和4年度〜令和7年度)</title>"));
        assert!(b.contains("<td data-label=\"工程\">27手続きの開始・運用"));
        assert!(b.contains("情報化推進委員会設置"));
        assert!(b.contains("※2 自治体情報セキュリティクラウドについて"));
        let bars = count(b, "<rect class=\"bar\"");
        assert_eq!(bars, 45, "one bar per roadmap item");
        assert!(
            b.contains("class=\"now\""),
            "current year line in 令和6年度"
        );
    })
    .await;
}

#[tokio::test]
async fn action_plan_sheet_follows_the_example() {
    each_backend(|db| async move {
        with_plan(&db).await;
        record(&db, "1-1-1", "R4", "27").await;
        let b = get(&db, "/plan/measures/1-1-1/action-plan").await.body;
        for text in [
            "<th scope=\"row\">施策NO.</th><td>1</td>",
            "<th scope=\"row\">担当課</th><td>企画課</td>",
            "<th scope=\"row\">新規・継続</th><td>新規</td>",
            "第2次総合計画 後期基本計画",
            "IV みんなで創る魅力あるまち",
            "① 行政手続きのオンライン化・デジタル化",
            "1. 事業の概要",
            "マイナポータル ぴったりサービス",
            "2. 事業の効果",
            "年度別数値目標",
            "条例の制定",
            "オンライン申請の住民周知",
            "4. 施策の評価",
            "未達成の場合原因・理由等を記入",
            "順調(実績 27手続)",
        ] {
            assert!(b.contains(text), "missing {text}");
        }
        // 施策の評価 rows are 令和4年度 to 令和7年度, as in the example.
        let eval = &b[b.find("4. 施策の評価").unwrap()..];
        assert_eq!(count(eval, "<tr><th scope=\"row\">"), 4);
        assert!(eval.contains("令和4年度 (2022年度)"));
        assert!(!eval.contains("令和3年度 (2021年度)"));

        // A measure without its own sheet still gets one from the plan.
        let other = get(&db, "/plan/measures/2-2-3/action-plan").await.body;
        assert!(other.contains("まだ作成されていません"));
        assert!(other.contains("紙の使用枚数の削減"));
        assert!(other.contains("タブレット端末導入"));
    })
    .await;
}

#[tokio::test]
async fn api_plan_is_the_whole_plan_as_json() {
    each_backend(|db| async move {
        with_plan(&db).await;
        record(&db, "1-1-1", "R5", "30").await;
        let r = get(&db, "/api/plan").await;
        assert_eq!(r.status, 200);
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["plan"]["id"], "kami-2023");
        assert_eq!(v["plan"]["municipality"]["code"], "285854");
        assert_eq!(v["plan"]["period"]["first_fiscal_year"], 2023);
        assert_eq!(v["plan"]["revision"]["label"], "第1版");
        assert_eq!(v["policies"].as_array().unwrap().len(), 2);
        assert_eq!(v["areas"].as_array().unwrap().len(), 8);
        let measures = v["measures"].as_array().unwrap();
        assert_eq!(measures.len(), 18);
        let m = &measures[0];
        assert_eq!(m["code"], "1-1-1");
        assert_eq!(m["class"], "priority");
        assert_eq!(m["department"], "企画課");
        let k = &m["kpi"];
        assert_eq!(k["wording"]["kpi"], "オンライン申請業務の拡充");
        assert_eq!(k["unit"], "手続");
        assert_eq!(k["direction"], "increase");
        assert_eq!(k["target"], 45.0);
        assert_eq!(k["deadline_fiscal_year"], 2025);
        let yearly: Vec<(i64, f64)> = k["yearly_targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["fiscal_year"].as_i64().unwrap(),
                    t["target"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            yearly,
            vec![(2022, 27.0), (2023, 32.0), (2024, 38.0), (2025, 45.0)]
        );
        assert_eq!(k["actuals"][0]["fiscal_year"], 2023);
        assert_eq!(k["actuals"][0]["value"], 30.0);
        assert_eq!(k["status"], "behind");
        assert_eq!(k["status_label"], "遅れ");
        assert!((k["achievement"].as_f64().unwrap() - 30.0 / 45.0).abs() < 1e-9);
        let paper = &measures[15];
        assert_eq!(paper["kpi"]["target"], serde_json::Value::Null);
        assert_eq!(paper["kpi"]["target_change_percent"], -20.0);
        assert_eq!(paper["kpi"]["status"], "no_data");
        assert_eq!(paper["kpi"]["achievement"], serde_json::Value::Null);
        assert!(v["roadmap"].as_array().unwrap().len() > 20);
        assert_eq!(v["roadmap"][0]["measure"], serde_json::Value::Null);
        assert_eq!(v["roadmap_notes"][0]["mark"], "※1");
    })
    .await;
}

#[tokio::test]
async fn every_response_carries_security_headers_and_css_is_served() {
    each_backend(|db| async move {
        with_plan(&db).await;
        for path in ["/", "/plan", "/api/plan", "/static/machi.css", "/missing"] {
            let r = get(&db, path).await;
            let csp = r.headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("default-src 'self'"), "{path}");
            assert!(csp.contains("frame-ancestors 'none'"), "{path}");
            assert!(!csp.contains("unsafe-inline"), "{path}");
            assert_eq!(r.headers["x-content-type-options"], "nosniff", "{path}");
            assert!(r.headers.contains_key("referrer-policy"), "{path}");
        }
        let css = get(&db, "/static/machi.css").await;
        assert!(css.body.contains("@media print"));
        // Pages load nothing from elsewhere and use no inline style or script.
        for path in [
            "/",
            "/plan",
            "/plan/kpis",
            "/plan/roadmap",
            "/plan/measures/1-1-1",
            "/plan/measures/1-1-1/action-plan",
        ] {
            let b = get(&db, path).await.body;
            assert!(
                !b.contains("http://")
                    || b.matches("http://")
                        .all(|_| b.contains("xmlns=\"http://www.w3.org/2000/svg\"")),
                "{path}"
            );
            assert!(!b.contains("https://"), "{path}");
            assert!(!b.contains(" style=\""), "{path}");
            assert!(!b.contains("<script"), "{path}");
        }
    })
    .await;
}

#[tokio::test]
async fn without_a_plan_pages_say_how_to_load_one() {
    // A town added without a plan file.
    let db = crate::support::sqlite_town().await;
    db.add_town("012025", "テスト市", None).await;
    let r = get(&db, "/t/012025/plan").await;
    assert_eq!(r.status, 503);
    assert!(r.body.contains("machi plan import"));
    let api = get(&db, "/t/012025/api/plan").await;
    assert_eq!(api.status, 503);
    assert!(api.body.contains("\"error\""));
}
