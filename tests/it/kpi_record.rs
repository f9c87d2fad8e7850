//! Figures the coordinating department records (記録) in the browser: a KGI no report covers,
//! with its provenance on the public pages; a confirmed figure is never overwritten; bad input is
//! named; other roles may not record.

use crate::support::each_backend;
use crate::words::{add_mizuho, client_of, staff_of};
use machi::auth::model::Role;

const HOST: &str = "mizuho.example.jp";

#[tokio::test]
async fn the_coordinating_department_records_a_kgi_and_it_is_published_as_recorded() {
    each_backend(|t| async move {
        let city = add_mizuho(&t).await;
        let mut dx = staff_of(&t, &city, HOST, "dxoffice", Role::DxOffice, "デジタル戦略課").await;
        let mut dept = staff_of(&t, &city, HOST, "shimin", Role::DepartmentEditor, "市民課").await;

        // The KGI of 基本目標1 has no report: the task list asks for 令和5年度's figure.
        let tasks = dx.get("/staff").await.body;
        assert!(
            tasks.contains("報告の対象でない KPI の令和5年度の値がまだ記録されていません: 基本目標1 デジタル化で暮らしが便利になったと感じる市民の割合"),
            "{tasks}"
        );
        let list = dx.get("/staff/kpis").await.body;
        assert!(list.contains("記録のみ"), "{list}");
        assert!(list.contains("市民課の報告"));

        // Bad input is named, nothing is written.
        let page = "/staff/kpis/kgi-1";
        dx.get(page).await;
        for (year, value, field, message) in [
            ("来年", "40", "fiscal_year", "「来年」は年度として読めません"),
            ("R12", "40", "fiscal_year", "令和12年度は実績を入力できる年度"),
            ("R5", "たくさん", "value", "「たくさん」は数値として読めません"),
            ("R5", "120", "value", "100を超えています"),
        ] {
            let r = dx
                .post(page, &[("fiscal_year", year), ("value", value), ("note", "")])
                .await;
            assert_eq!(r.status, 422, "{year} {value}");
            assert!(r.body.contains(message), "{year} {value}: {}", r.body);
            assert!(r.body.contains(&format!("id=\"{field}-error\"")), "{field}");
        }
        let r = dx
            .post(page, &[("fiscal_year", "令和5年度"), ("value", "４２．５"), ("note", "令和5年度市民意識調査")])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let after = dx.get(&r.location()).await.body;
        assert!(after.contains("記録しました"));
        assert!(after.contains("記録(計画の取りまとめ担当が記録した値)"), "{after}");
        assert!(after.contains("dxofficeさん(デジタル戦略課)"), "{after}");
        assert!(after.contains("令和5年度市民意識調査"));
        assert!(!dx.get("/staff").await.body.contains("まだ記録されていません"));

        // Public: the figure, with its provenance in words.
        let mut public = client_of(&t, HOST);
        let kpis = public.get("/plan/kpis").await.body;
        assert!(kpis.contains("42.5%"), "{kpis}");
        let api: serde_json::Value =
            serde_json::from_str(&public.get("/api/plan").await.body).unwrap();
        let kgi = &api["policies"][0]["kpis"][0];
        assert_eq!(kgi["actuals"][0]["provenance"], "recorded", "{kgi}");

        // Other roles may not record; the audit log has the change.
        assert_eq!(dept.get(page).await.status, 403);
        let r = dept.post(page, &[("fiscal_year", "R5"), ("value", "1")]).await;
        assert_eq!(r.status, 403);
        let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'kpi.record'")
            .fetch_one(&mut *city.db.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(audited, 1);
        assert_eq!(
            client_of(&t, HOST).get("/staff/kpis").await.status,
            303,
            "sign-in first"
        );
    })
    .await;
}

#[tokio::test]
async fn a_confirmed_figure_is_not_overwritten_by_a_record() {
    each_backend(|t| async move {
        machi::plan::commands::ensure_plan(&t).await.unwrap();
        // 令和6年度 of 1-1-1 confirmed through the cycle (as finalize writes it).
        let plan = machi::plan::store::current(&t).await.unwrap().unwrap().plan;
        sqlx::query(
            "INSERT INTO kpi_actuals (plan_id, measure_code, fiscal_year, value, note, recorded_at, recorded_by, provenance)
             VALUES ($1, '1-1-1', 2024, 41, '', '2025-06-01T00:00:00Z', 'kikaku', 'confirmed')",
        )
        .bind(&plan.id)
        .execute(&mut *t.conn().await.unwrap())
        .await
        .unwrap();
        let mut dx = crate::support::signed_in(&t, "kikaku", Role::DxOffice, "企画課").await;
        dx.get("/staff/kpis/1-1-1").await;
        let r = dx
            .post("/staff/kpis/1-1-1", &[("fiscal_year", "R6"), ("value", "1")])
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body.contains("令和6年度の値は報告で確定しています"),
            "{}",
            r.body
        );
        let err = machi::plan::commands::record_actual(&t, "1-1-1", "R6", "1", "", "cli")
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("確定しています"), "{err}");
        let value: f64 = sqlx::query_scalar("SELECT value FROM kpi_actuals WHERE fiscal_year = 2024")
            .fetch_one(&mut *t.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(value, 41.0);
    })
    .await;
}
