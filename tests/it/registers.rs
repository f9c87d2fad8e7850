//! Registers kept in storage: rows added and changed (optimistic locking), CSV imports all at
//! once with their faults per line, every change audited, and the KPI measure over stored rows
//! with the 年度 boundary — on SQLite and PostgreSQL.

use crate::support::each_backend;
use machi::audit::Actor;
use machi::fiscal::FiscalYear;
use machi::registers::{aggregate, bundled, definition::RegisterDef, store};
use std::collections::BTreeMap;
use time::macros::date;

fn register(key: &str) -> RegisterDef {
    bundled()
        .unwrap()
        .into_iter()
        .find(|r| r.key == key)
        .unwrap()
}

fn input(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn register_rows_are_kept_changed_imported_and_counted() {
    each_backend(|town| async move {
        let db = &town.db;
        let def = register("ai_rpa");
        let actor = Actor::cli();
        let id = store::add(
            db,
            &def,
            &input(&[
                ("business", "申告書の入力"),
                ("department", "A課"),
                ("tool", "AI-OCR"),
                ("started_on", "令和5年3月31日"),
            ]),
            &actor,
        )
        .await
        .unwrap();
        // A fault names the field; nothing is stored.
        let e = store::add(db, &def, &input(&[("business", "x"), ("tool", "ロボット")]), &actor)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("「担当課」は必須です"), "{e}");
        assert_eq!(store::rows(db, &def).await.unwrap().len(), 1);

        // Changed with the version read; a second change from the same version is refused.
        let changed = input(&[
            ("business", "申告書の入力"),
            ("department", "A課"),
            ("tool", "AI-OCR"),
            ("started_on", "2023-03-31"),
            ("stopped_on", "2025-03-31"),
        ]);
        store::update(db, &def, id, 1, &changed, &actor).await.unwrap();
        let again = store::update(db, &def, id, 1, &changed, &actor).await;
        assert!(matches!(again, Err(store::StoreError::Stale)), "{again:?}");

        // An import with one bad line adds nothing and names the line.
        let bad = "業務,担当課,道具,使い始めた日\n給与計算,B課,RPA,2023-04-01\n窓口案内,C課,チャットボット,2023-13-01\n";
        let e = store::import_csv(db, &def, bad.as_bytes(), &|_| true, &actor).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "3行目: 「使い始めた日」: 「2023-13-01」は日付(例: 2025-04-01、令和7年4月1日)として読めません"
        );
        assert_eq!(store::rows(db, &def).await.unwrap().len(), 1);
        let good = bad.replace("2023-13-01", "2024-04-01");
        assert_eq!(store::import_csv(db, &def, good.as_bytes(), &|_| true, &actor).await.unwrap(), 2);

        // The KPI: 業務 in use on 3月31日.
        let rows: Vec<_> = store::rows(db, &def)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.cells)
            .collect();
        let years: Vec<FiscalYear> = (2021..=2026).map(FiscalYear).collect();
        let figures = aggregate::figures(def.kpi.as_ref().unwrap(), &rows, &years, date!(2026 - 12 - 04));
        assert_eq!(
            figures,
            [
                (FiscalYear(2022), 1.0),
                (FiscalYear(2023), 2.0),
                // 申告書の入力 stopped on 2025-03-31: no longer in use at that 年度末.
                (FiscalYear(2024), 2.0),
                (FiscalYear(2025), 2.0),
                (FiscalYear(2026), 2.0),
            ]
        );
    })
    .await;
}

/// The copier vendor's monthly CSV (Shift_JIS, its own column names, columns the register does
/// not keep) goes into the paper register as it comes; the 令和3年度 total entered once is the
/// baseline, and the plan's 20%削減 target is counted from it.
#[tokio::test]
async fn paper_counts_from_the_copier_csv_against_the_baseline_year() {
    each_backend(|town| async move {
        crate::support::with_plan(&town).await;
        let db = &town.db;
        let def = register("paper");
        let actor = Actor::cli();
        store::add(
            db,
            &def,
            &input(&[("month", "令和3年4月"), ("department", "全庁"), ("how", "購入枚数"), ("sheets", "1,500,000")]),
            &actor,
        )
        .await
        .unwrap();
        let vendor = "機器番号,設置場所,部署名,集計月,モノクロ,カラー,合計枚数\r\nMX-001,本庁2階,総務課,2024/04,\"10,200\",2200,12400\r\nMX-002,本庁1階,税務課,2024/4,9000,1000,10000\r\nMX-001,本庁2階,総務課,2025/03,8000,1500,9500\r\nMX-001,本庁2階,総務課,2025/04,8000,1500,9900\r\n";
        let sjis = encoding_rs::SHIFT_JIS.encode(vendor).0.into_owned();
        assert_eq!(store::import_csv(db, &def, &sjis, &|_| true, &actor).await.unwrap(), 4);
        // A column neither kept nor ignored is named, and nothing is added.
        let odd = "部署名,集計月,合計枚数,トナー\r\n総務課,2024/05,100,1\r\n";
        let e = store::import_csv(db, &def, odd.as_bytes(), &|_| true, &actor).await.unwrap_err();
        assert!(e.to_string().contains("見出し「トナー」"), "{e}");
        let rows: Vec<_> = store::rows(db, &def).await.unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[1].text("how"), "複合機カウンター", "the file's default");
        assert_eq!(rows[1].text("month"), "2024-04-01");

        // The plan's KPI 2-②-3: 令和3年度 1,500,000 is the baseline, the target 20% less.
        let state = town.state_on(time::macros::date!(2025 - 05 - 10)).await;
        let data = state.plan_data().await.unwrap();
        let ev = data.evaluation("2-2-3").unwrap();
        assert_eq!(ev.baseline, Some(1_500_000.0));
        assert_eq!(ev.target, Some(1_200_000.0));
        // 令和6年度 = April 2024 … March 2025.
        let fy2024 = data.actuals["2-2-3"].iter().find(|a| a.fiscal_year == FiscalYear(2024)).unwrap();
        assert_eq!(fy2024.value, 12_400.0 + 10_000.0 + 9_500.0);
    })
    .await;
}

/// A register, rows to store, and the figures expected per 年度.
type Case = (
    &'static str,
    Vec<Vec<(&'static str, &'static str)>>,
    Vec<(i32, f64)>,
);

/// Each bundled register's KPI over stored rows on either side of a 年度's end: a row of 3月31日
/// belongs to the 年度 ending then, one of 4月1日 to the next.
#[tokio::test]
async fn every_bundled_register_counts_its_rows_by_the_fiscal_year_boundary() {
    each_backend(|town| async move {
        let db = &town.db;
        let actor = Actor::cli();
        let state = town.state_on(date!(2025 - 06 - 01)).await;
        let cases: Vec<Case> = vec![
            (
                "ai_rpa",
                vec![
                    vec![
                        ("business", "給与"),
                        ("department", "A課"),
                        ("tool", "RPA"),
                        ("started_on", "2024-03-31"),
                    ],
                    vec![
                        ("business", "税申告"),
                        ("department", "B課"),
                        ("tool", "AI-OCR"),
                        ("started_on", "2024-04-01"),
                        ("stopped_on", "2025-03-31"),
                    ],
                ],
                // 令和6年度末: the second stopped on 3月31日, so only the first is in use.
                vec![(2023, 1.0), (2024, 1.0), (2025, 1.0)],
            ),
            (
                "telework",
                vec![
                    vec![
                        ("applicant", "甲"),
                        ("department", "A課"),
                        ("applied_on", "2024-03-31"),
                        ("period_from", "2024-04-01"),
                        ("state", "承認"),
                    ],
                    vec![
                        ("applicant", "甲"),
                        ("department", "A課"),
                        ("applied_on", "2024-04-01"),
                        ("period_from", "2024-04-08"),
                        ("state", "承認"),
                    ],
                    vec![
                        ("applicant", "乙"),
                        ("department", "A課"),
                        ("applied_on", "2024-04-02"),
                        ("period_from", "2024-04-08"),
                        ("state", "承認"),
                    ],
                    vec![
                        ("applicant", "丙"),
                        ("department", "B課"),
                        ("applied_on", "2024-05-01"),
                        ("period_from", "2024-05-08"),
                        ("state", "却下"),
                    ],
                ],
                vec![(2023, 1.0), (2024, 2.0), (2025, 0.0)],
            ),
            (
                "paper",
                vec![
                    vec![
                        ("month", "2024-03"),
                        ("department", "A課"),
                        ("how", "購入枚数"),
                        ("sheets", "1000"),
                    ],
                    vec![
                        ("month", "2024-04"),
                        ("department", "A課"),
                        ("how", "購入枚数"),
                        ("sheets", "700"),
                    ],
                    vec![
                        ("month", "令和7年3月"),
                        ("department", "B課"),
                        ("how", "購入枚数"),
                        ("sheets", "300"),
                    ],
                ],
                vec![(2023, 1000.0), (2024, 1000.0), (2025, 0.0)],
            ),
            (
                "publicity",
                vec![
                    vec![
                        ("published_on", "2024-03-31"),
                        ("medium", "広報誌"),
                        ("title", "マイナポータル"),
                    ],
                    vec![
                        ("published_on", "2024-04-01"),
                        ("medium", "ホームページ"),
                        ("title", "電子申請"),
                    ],
                ],
                vec![(2023, 1.0), (2024, 1.0), (2025, 0.0)],
            ),
            (
                "initiatives",
                vec![
                    vec![
                        ("title", "スマート農業"),
                        ("department", "A課"),
                        ("state", "実施中"),
                        ("planned_on", "2024-03-31"),
                    ],
                    vec![
                        ("title", "観光VR"),
                        ("department", "B課"),
                        ("state", "立案"),
                        ("planned_on", "2024-04-01"),
                    ],
                    vec![("title", "防災"), ("department", "B課"), ("state", "構想")],
                ],
                vec![(2023, 1.0), (2024, 1.0), (2025, 0.0)],
            ),
            (
                "school_survey",
                vec![
                    vec![
                        ("surveyed_on", "2024-03-31"),
                        ("level", "小中合計"),
                        ("question", "ICT"),
                        ("town", "70.5"),
                    ],
                    vec![
                        ("surveyed_on", "2024-04-18"),
                        ("level", "小中合計"),
                        ("question", "ICT"),
                        ("town", "74.0"),
                    ],
                    vec![
                        ("surveyed_on", "2024-04-18"),
                        ("level", "中学3年"),
                        ("question", "ICT"),
                        ("town", "60.0"),
                    ],
                ],
                vec![(2023, 70.5), (2024, 74.0)],
            ),
        ];
        let years: Vec<FiscalYear> = (2022..=2025).map(FiscalYear).collect();
        for (key, rows, expected) in cases {
            let def = register(key);
            for r in &rows {
                store::add(db, &def, &input(r), &actor).await.unwrap();
            }
            let f = machi::registers::kpi::figures(
                &state,
                &format!("registers.{key}"),
                &years,
                date!(2025 - 06 - 01),
            )
            .await
            .unwrap();
            let got: Vec<(i32, f64)> = f.values.iter().map(|(y, v)| (y.0, *v)).collect();
            assert_eq!(got, expected, "{key}");
        }
    })
    .await;
}
