//! A plan's whole life: after its period every KPI has its 最終評価 and the plan its 総括 (page
//! and workbook); a successor plan becomes current while the earlier one stays readable at
//! /plans/{id}/…, and a KPI continuing one of the earlier plan's runs across both.

use crate::support::{Client, each_backend, record, with_plan};
use machi::plan::commands;

const NEXT: &str = include_str!("../fixtures/kami-2026-next.toml");

/// 令和8年度: 香美町's plan (令和5年4月〜令和8年3月) is over.
fn after_the_plan() -> time::Date {
    time::macros::date!(2026 - 12 - 04)
}

/// A yearly report of 令和7年度 finalized with the committee's grade (what the cycle leaves).
async fn finalized_report(db: &machi::db::Db, code: &str, grade: &str, reason: &str, fix: &str) {
    let mut conn = db.conn().await.unwrap();
    sqlx::query(
        "INSERT INTO reporting_periods (plan_id, fiscal_year, kind, quarter, title, due_date, created_at)
         VALUES ('kami-2023', 2025, 'yearly', 0, '令和7年度', '2026-05-31', '2026-04-01T00:00:00Z')
         ON CONFLICT DO NOTHING",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let period: i64 = sqlx::query_scalar(
        "SELECT id FROM reporting_periods WHERE plan_id = 'kami-2023' AND fiscal_year = 2025",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO reports (period_id, measure_code, state, shortfall_reason, improvement, grade,
            grade_reason, updated_at, updated_by)
         VALUES ($1, $2, 'finalized', $3, $4, $5, '', '2026-06-30T00:00:00Z', 'test')",
    )
    .bind(period)
    .bind(code)
    .bind(reason)
    .bind(fix)
    .bind(grade)
    .execute(&mut *conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn an_ended_plan_has_its_summary_and_a_successor_takes_over() {
    each_backend(|t| async move {
        with_plan(&t.db).await;
        record(&t.db, "1-1-1", "R6", "30").await;
        record(&t.db, "1-1-1", "R7", "41").await;
        finalized_report(
            &t.db,
            "1-1-1",
            "missed",
            "基幹システムの更新が遅れたため",
            "標準化後の令和8年度に残りの手続を追加する",
        )
        .await;
        let t = t.on_day(after_the_plan()).await;
        let mut c = Client::new(&t);

        // The home page says the period is over and links the 総括.
        let home = c.get("/").await.body;
        assert!(home.contains("この計画の期間は終わりました"), "{home}");
        assert!(home.contains("/plan/summary"));

        let s = c.get("/plan/summary").await;
        assert_eq!(s.status, 200, "{}", s.body);
        let s = s.body;
        assert!(s.contains("<h1>計画の総括</h1>"), "{s}");
        assert!(
            s.contains("41手続(令和7年度)"),
            "the deadline year's figure: {s}"
        );
        assert!(s.contains("最終評価"));
        assert!(s.contains("基幹システムの更新が遅れたため"));
        assert!(s.contains("標準化後の令和8年度に残りの手続を追加する"));
        assert!(
            s.contains("情報化推進委員会の評価"),
            "the committee's name from the plan"
        );
        assert!(s.contains("未達成(令和7年度)"), "{s}");
        // The workbook has the same figures, set to print.
        let (status, headers, bytes) = c.get_bytes("/plan/summary.xlsx").await;
        assert_eq!(status, 200);
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .contains(".xlsx")
        );
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = calamine::Reader::worksheet_range(&mut wb, "総括").unwrap();
        let cells: Vec<String> = range.rows().flatten().map(|c| c.to_string()).collect();
        assert!(
            cells.iter().any(|c| c.contains("41手続(令和7年度)")),
            "{cells:?}"
        );
        assert!(cells.iter().any(|c| c == "基幹システムの更新が遅れたため"));
        assert!(cells.iter().any(|c| c.starts_with("最終評価")));

        // A successor that continues a KPI the earlier plan does not have: refused, named.
        let wrong = NEXT.replace("follows = \"1-1-1\"", "follows = \"9-9-9\"");
        let plan = machi::plan::file::parse(&wrong, "next.toml").unwrap();
        let e = commands::import(&t.db, &plan, "next.toml")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("KPI「9-9-9」はありません"), "{e}");
        assert_eq!(machi::plan::store::plans(&t.db).await.unwrap().len(), 1);

        // The successor: current now; the earlier plan readable with its final results.
        let plan = machi::plan::file::parse(NEXT, "next.toml").unwrap();
        commands::import(&t.db, &plan, "next.toml").await.unwrap();
        t.state.invalidate_plan();
        let home = c.get("/").await.body;
        assert!(home.contains("第2次DX推進計画"), "{home}");
        assert!(home.contains("href=\"/plans/kami-2023/plan\""), "{home}");
        let old = c.get("/plans/kami-2023/plan").await;
        assert_eq!(old.status, 200);
        assert!(
            old.body
                .contains("これは前の計画「香美町 デジタル・トランスフォーメーション(DX) 推進計画")
        );
        assert!(
            old.body
                .contains("href=\"/plans/kami-2023/plan/measures/1-1-1\"")
        );
        let kpis = c.get("/plans/kami-2023/plan/kpis").await.body;
        assert!(kpis.contains("41手続(令和7年度)"));
        assert!(kpis.contains("href=\"/plans/kami-2023/plan/kpis.xlsx\""));
        assert_eq!(
            c.get("/plans/kami-2023/plan/measures/1-1-1").await.status,
            200
        );
        assert_eq!(c.get("/plans/kami-2023/plan/summary").await.status, 200);
        let api: serde_json::Value =
            serde_json::from_str(&c.get("/plans/kami-2023/api/plan").await.body).unwrap();
        assert_eq!(api["plan"]["id"], "kami-2023", "{api}");
        assert_eq!(c.get("/plans/kami-2099/plan").await.status, 404);
        assert_eq!(
            c.get("/plans/kami-2023/plan/measures/9-9-9").await.status,
            404
        );

        // The continuing KPI's series runs across both plans.
        let m = c.get("/plan/measures/1-1").await.body;
        assert!(m.contains("令和7年度"), "{m}");
        let series = c.get("/plan/kpis/series.csv").await.body;
        assert!(
            series
                .lines()
                .any(|l| l.contains(",2025,") && l.contains(",41,")),
            "{series}"
        );

        // Correcting the earlier plan does not make it current again.
        let bundled = machi::plan::file::parse(
            machi::plan::file::BUNDLED_PLAN,
            machi::plan::file::BUNDLED_PLAN_NAME,
        )
        .unwrap();
        commands::import(&t.db, &bundled, "kami.toml")
            .await
            .unwrap();
        assert_eq!(
            machi::plan::store::current_plan_id(&t.db)
                .await
                .unwrap()
                .as_deref(),
            Some("kami-2026")
        );
    })
    .await;
}

#[tokio::test]
async fn during_the_period_the_summary_is_an_interim_one() {
    each_backend(|t| async move {
        with_plan(&t.db).await;
        let body = Client::new(&t).get("/plan/summary").await.body;
        assert!(body.contains("計画の中間のまとめ"), "{body}");
        assert!(body.contains("総括は計画期間が終わってから確定します"));
    })
    .await;
}

/// Every field of a form as a browser sends it, with some changed (the token is the client's).
async fn post_form(
    c: &mut Client,
    page: &str,
    action: &str,
    changes: &[(&str, &str)],
) -> crate::support::Response {
    let body = c.get(page).await.body;
    let mut fields = crate::support::form_fields(&body, action);
    fields.retain(|(n, _)| n != "csrf");
    for (k, v) in changes {
        fields.retain(|(n, _)| n != k);
        fields.push((k.to_string(), v.to_string()));
    }
    let all: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post(action, &all).await
}

#[tokio::test]
async fn the_next_plan_is_drafted_from_the_current_one_and_approved_by_the_committee() {
    each_backend(|t| async move {
        use machi::auth::model::Role;
        with_plan(&t.db).await;
        record(&t.db, "1-1-1", "R7", "41").await;
        let t = t.on_day(after_the_plan()).await;
        crate::support::user(&t.db, "kikaku", Role::DxOffice, "企画課").await;
        crate::support::user(&t.db, "iin", Role::Committee, "").await;
        crate::support::user(&t.db, "chomin", Role::DepartmentEditor, "町民課").await;
        let mut kikaku = Client::new(&t);
        kikaku.sign_in("kikaku", crate::support::PASSWORD).await;
        let mut iin = kikaku.same_server();
        iin.sign_in("iin", crate::support::PASSWORD).await;
        let mut dept = kikaku.same_server();
        dept.sign_in("chomin", crate::support::PASSWORD).await;

        // The form suggests the period after the current one.
        let page = kikaku.get("/staff/plan").await.body;
        assert!(page.contains("name=\"start\" value=\"2026-04\""), "{page}");
        assert!(page.contains("name=\"end\" value=\"2029-03\""));
        assert!(page.contains("name=\"id\" value=\"kami-2026\""));

        // Only the coordinating department starts it; bad input is named, nothing written.
        dept.get("/staff/plan").await;
        let r = dept.post("/staff/plan/next", &[("title", "x"), ("id", "x-1"), ("start", "2026-04"), ("end", "2029-03")]).await;
        assert_eq!(r.status, 403);
        let r = post_form(&mut kikaku, "/staff/plan", "/staff/plan/next", &[("title", ""), ("id", "Kami 2026"), ("end", "2026-01")]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("計画の名前を入力してください"), "{}", r.body);
        assert!(r.body.contains("計画IDは半角英小文字"));
        assert!(r.body.contains("終わりは始まりより後に"));
        assert!(r.body.contains("id=\"id-error\""));
        let r = post_form(&mut kikaku, "/staff/plan", "/staff/plan/next", &[("title", "x"), ("id", "kami-2023")]).await;
        assert!(r.body.contains("いまの計画のIDです"));
        assert_eq!(machi::plan::store::plans(&t.db).await.unwrap().len(), 1);

        let r = post_form(&mut kikaku, "/staff/plan", "/staff/plan/next", &[("title", "香美町 第2次DX推進計画")]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = kikaku.get(&r.location()).await.body;
        assert!(page.contains("次の計画案「香美町 第2次DX推進計画」"), "{page}");
        // Not public until approved: the public pages still show the current plan.
        assert!(!Client::new(&t).get("/").await.body.contains("第2次DX推進計画"));
        assert_eq!(Client::new(&t).get("/plans/kami-2026/plan").await.status, 404);

        // The draft continues every KPI, with the last figure as 現状値 and the new deadline.
        let form = kikaku.get("/staff/plan/next/measures/1-1-1").await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains("次の計画案の編集"));
        assert!(!form.body.contains("変える理由"), "no reasons for a new plan");
        let r = post_form(
            &mut kikaku,
            "/staff/plan/next/measures/1-1-1",
            "/staff/plan/next/measures/1-1-1",
            &[("k0.target", "80"), ("k0.target_wording", "申請業務80手続")],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);

        // The committee approves: the next plan is current, the earlier one readable.
        assert_eq!(kikaku.post("/staff/plan/next/approve", &[("version", "2")]).await.status, 403);
        let r = post_form(&mut iin, "/staff/plan", "/staff/plan/next/approve", &[]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mut public = Client::new(&t);
        let home = public.get("/").await.body;
        assert!(home.contains("第2次DX推進計画"), "{home}");
        assert!(home.contains("/plans/kami-2023/plan"));
        let m = public.get("/plan/measures/1-1-1").await.body;
        assert!(m.contains("申請業務80手続"), "{m}");
        assert!(m.contains("41手続"), "the series runs on from the earlier plan: {m}");
        let api: serde_json::Value = serde_json::from_str(&public.get("/api/plan").await.body).unwrap();
        assert_eq!(api["plan"]["succeeds"], "kami-2023");
        assert_eq!(public.get("/plans/kami-2023/plan/summary").await.status, 200);
        let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('plan.next_create', 'plan.next_approve')")
            .fetch_one(&mut *t.db.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(audited, 2);
    })
    .await;
}
