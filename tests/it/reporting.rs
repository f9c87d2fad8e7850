//! The reporting cycle end to end through the router: department → 企画課 → committee → 確定.

use crate::support::{Client, each_backend, signed_in, user};
use machi::auth::model::Role;

async fn report_id(db: &machi::db::Db, fy: i64, code: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT r.id FROM reports r JOIN reporting_periods p ON p.id = r.period_id
         WHERE p.fiscal_year = $1 AND p.kind = 'yearly' AND r.measure_code = $2",
    )
    .bind(fy)
    .bind(code)
    .fetch_one(&mut *db.conn().await.unwrap())
    .await
    .unwrap()
}

async fn version(db: &machi::db::Db, id: i64) -> String {
    let v: i64 = sqlx::query_scalar("SELECT version FROM reports WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
    v.to_string()
}

async fn state(db: &machi::db::Db, id: i64) -> String {
    sqlx::query_scalar("SELECT state FROM reports WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *db.conn().await.unwrap())
        .await
        .unwrap()
}

async fn open_period(kikaku: &mut Client, fy: &str) -> crate::support::Response {
    kikaku.get("/staff/periods/new").await;
    kikaku
        .post(
            "/staff/periods",
            &[
                ("fiscal_year", fy),
                ("kind", "yearly"),
                ("due_date", "2025-05-31"),
            ],
        )
        .await
}

async fn act(
    c: &mut Client,
    db: &machi::db::Db,
    id: i64,
    fields: &[(&str, &str)],
) -> crate::support::Response {
    let path = format!("/staff/reports/{id}");
    c.get(&path).await;
    let v = version(db, id).await;
    let mut all = vec![("version", v.as_str())];
    all.extend_from_slice(fields);
    c.post(&path, &all).await
}

#[tokio::test]
async fn a_yearly_report_goes_from_department_to_public_page() {
    each_backend(|db| async move {
        let mut kikaku = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        let mut dept = signed_in(&db, "tanto", Role::DepartmentEditor, "企画課").await;
        let mut iin = signed_in(&db, "iin", Role::Committee, "").await;

        // Bad period input is explained; a good one creates 18 reports.
        kikaku.get("/staff/periods/new").await;
        let r = kikaku
            .post(
                "/staff/periods",
                &[
                    ("fiscal_year", "来年"),
                    ("kind", "yearly"),
                    ("due_date", "5月末"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("年度として読めません"));
        assert!(r.body.contains("日付として読めません"));
        let r = open_period(&mut kikaku, "R6").await;
        assert_eq!(r.status, 303);
        let board = kikaku.get(r.headers["location"].to_str().unwrap()).await;
        assert!(board.body.contains("令和6年度 年次報告"));
        assert!(board.body.contains("未着手 18"));
        assert_eq!(
            open_period(&mut kikaku, "2024").await.status,
            422,
            "no duplicate period"
        );

        // The department editor sees only its own 施策 as a task.
        let tasks = dept.get("/staff").await;
        assert!(tasks.body.contains("1-①-1) 行政手続きのオンライン化"));
        assert!(!tasks.body.contains("1-①-2)"));
        // Deadlines read as people write them.
        assert!(tasks.body.contains("令和7年5月31日(土)"), "{}", tasks.body);
        assert!(!tasks.body.contains("2025-05-31"));
        let id = report_id(&db, 2024, "1-1-1").await;
        let other = report_id(&db, 2024, "1-1-2").await;
        let r = act(&mut dept, &db, other, &[("op", "save"), ("progress", "x")]).await;
        assert_eq!(r.status, 403, "not their department");

        // Text is refused as a number; nothing is saved.
        let r = act(
            &mut dept,
            &db,
            id,
            &[("op", "save"), ("actual.1-1-1", "たくさん")],
        )
        .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("「たくさん」は数値として読めません"));
        assert_eq!(state(&db, id).await, "not_started");
        // Full-width digits are read; behind target (R6 target 38) requires reason and improvement.
        let r = act(
            &mut dept,
            &db,
            id,
            &[
                ("op", "submit"),
                ("actual.1-1-1", "３０"),
                ("progress", "5手続を追加"),
            ],
        )
        .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("未達成の原因・理由を入力してください"));
        assert!(r.body.contains("改善策を入力してください"));
        assert!(r.body.contains("value=\"３０\""), "keeps what was typed");
        let r = act(
            &mut dept,
            &db,
            id,
            &[
                ("op", "submit"),
                ("actual.1-1-1", "３０"),
                ("note.1-1-1", "ぴったりサービス公開手続数"),
                ("progress", "5手続を追加"),
                ("shortfall_reason", "様式の調整に時間がかかった"),
                ("improvement", "標準様式の手続から優先する"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(state(&db, id).await, "submitted");
        // Not public yet.
        let public = dept.get("/plan/measures/1-1-1").await;
        assert!(!public.body.contains("<td class=\"num\">30手続</td>"));

        // 企画課 returns it (a comment is required), the department fixes and resubmits.
        let r = act(
            &mut kikaku,
            &db,
            id,
            &[("op", "return"), ("check_comment", "")],
        )
        .await;
        assert_eq!(r.status, 422);
        let r = act(
            &mut kikaku,
            &db,
            id,
            &[
                ("op", "return"),
                ("check_comment", "出典の日付を書いてください"),
            ],
        )
        .await;
        assert_eq!(r.status, 303);
        assert_eq!(state(&db, id).await, "returned");
        let page = dept.get(&format!("/staff/reports/{id}")).await;
        assert!(page.body.contains("出典の日付を書いてください"));
        let r = act(
            &mut dept,
            &db,
            id,
            &[
                ("op", "submit"),
                ("actual.1-1-1", "30"),
                (
                    "note.1-1-1",
                    "ぴったりサービス公開手続数(令和7年3月31日時点)",
                ),
                ("progress", "5手続を追加"),
                ("shortfall_reason", "様式の調整に時間がかかった"),
                ("improvement", "標準様式の手続から優先する"),
            ],
        )
        .await;
        assert_eq!(r.status, 303);
        // The department cannot confirm its own report.
        let r = act(&mut dept, &db, id, &[("op", "confirm")]).await;
        assert_eq!(r.status, 403);
        assert_eq!(
            act(&mut kikaku, &db, id, &[("op", "confirm")]).await.status,
            303
        );
        assert_eq!(state(&db, id).await, "checked");

        // The committee grades; differing from the computed 遅れ needs a reason; both stay visible.
        let r = act(
            &mut iin,
            &db,
            id,
            &[
                ("op", "evaluate"),
                ("grade", "on_track"),
                ("grade_reason", ""),
            ],
        )
        .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("計算上の評価と異なる評価にする場合は"));
        let r = act(
            &mut iin,
            &db,
            id,
            &[
                ("op", "evaluate"),
                ("grade", "on_track"),
                ("grade_reason", "国の様式公開が遅れたため"),
            ],
        )
        .await;
        assert_eq!(r.status, 303);
        let page = iin.get(&format!("/staff/reports/{id}")).await;
        assert!(
            page.body
                .contains("記録された評価: <strong>順調</strong>(計算上の評価: 遅れ)")
        );
        assert!(page.body.contains("国の様式公開が遅れたため"));

        // 企画課 locks it: the public page now shows the confirmed actual.
        assert_eq!(
            act(&mut kikaku, &db, id, &[("op", "finalize")])
                .await
                .status,
            303
        );
        assert_eq!(state(&db, id).await, "finalized");
        let public = Client::new(&db).get("/plan/measures/1-1-1").await;
        assert!(
            public.body.contains("<td class=\"num\">30手続</td>"),
            "public after 確定"
        );
        let api = Client::new(&db).get("/api/plan").await;
        assert!(
            api.body.contains(
                "\"actuals\":[{\"fiscal_year\":2024,\"value\":30.0,\"provenance\":\"confirmed\"}]"
            ),
            "{}",
            api.body
        );

        // A locked report cannot be edited; a correction reopens it with a reason.
        let r = act(
            &mut dept,
            &db,
            id,
            &[("op", "save"), ("actual.1-1-1", "31")],
        )
        .await;
        assert_eq!(r.status, 409, "a 確定 report cannot be edited");
        assert!(
            !r.body.contains("name=\"op\" value=\"save\""),
            "no edit form on a locked report"
        );
        let r = act(
            &mut kikaku,
            &db,
            id,
            &[("op", "save"), ("actual.1-1-1", "31")],
        )
        .await;
        assert_eq!(r.status, 409);
        assert!(r.body.contains("「確定」の報告は「一時保存」できません"));
        let r = act(&mut kikaku, &db, id, &[("op", "reopen"), ("reason", "")]).await;
        assert_eq!(r.status, 422);
        let r = act(
            &mut kikaku,
            &db,
            id,
            &[("op", "reopen"), ("reason", "実績の集計誤りを訂正")],
        )
        .await;
        assert_eq!(r.status, 303);
        assert_eq!(state(&db, id).await, "draft");
        let note: String = sqlx::query_scalar(
            "SELECT note FROM audit_log WHERE action = 'report.reopen' ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
        assert_eq!(note, "実績の集計誤りを訂正");
        let actions: Vec<String> =
            sqlx::query_scalar("SELECT action FROM audit_log WHERE entity = 'report' ORDER BY id")
                .fetch_all(&mut *db.conn().await.unwrap())
                .await
                .unwrap();
        for a in [
            "report.submit",
            "report.return",
            "report.confirm",
            "report.evaluate",
            "report.finalize",
            "report.reopen",
        ] {
            assert!(actions.contains(&a.to_string()), "audit has {a}");
        }
    })
    .await;
}

#[tokio::test]
async fn last_years_improvement_comes_back_the_next_year() {
    each_backend(|db| async move {
        let mut kikaku = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        open_period(&mut kikaku, "R6").await;
        let id = report_id(&db, 2024, "1-1-1").await;
        let r = act(
            &mut kikaku,
            &db,
            id,
            &[
                ("op", "submit"),
                ("actual.1-1-1", "30"),
                ("progress", "追加"),
                ("shortfall_reason", "調整の遅れ"),
                ("improvement", "標準様式の手続から優先する"),
            ],
        )
        .await;
        assert_eq!(r.status, 303);
        // Once 確定, the reason and the improvement appear on the アクションプラン sheet.
        let mut iin = signed_in(&db, "iin", Role::Committee, "").await;
        act(&mut kikaku, &db, id, &[("op", "confirm")]).await;
        act(
            &mut iin,
            &db,
            id,
            &[("op", "evaluate"), ("grade", "behind")],
        )
        .await;
        assert_eq!(
            act(&mut kikaku, &db, id, &[("op", "finalize")])
                .await
                .status,
            303
        );
        let sheet = Client::new(&db)
            .get("/plan/measures/1-1-1/action-plan")
            .await;
        assert!(
            sheet.body.contains(
                "<td>遅れ(実績 30手続)</td><td>調整の遅れ 改善策: 標準様式の手続から優先する</td>"
            ),
            "{}",
            sheet.body
        );
        open_period(&mut kikaku, "R7").await;
        let next = report_id(&db, 2025, "1-1-1").await;
        let page = kikaku.get(&format!("/staff/reports/{next}")).await;
        assert!(page.body.contains("前年度の改善策"));
        assert!(page.body.contains("標準様式の手続から優先する"));
        let r = act(
            &mut kikaku,
            &db,
            next,
            &[
                ("op", "submit"),
                ("actual.1-1-1", "45"),
                ("progress", "目標達成"),
            ],
        )
        .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body
                .contains("前年度の改善策がどうなったかを入力してください")
        );
        let r = act(
            &mut kikaku,
            &db,
            next,
            &[
                ("op", "submit"),
                ("actual.1-1-1", "45"),
                ("progress", "目標達成"),
                ("improvement_followup", "実施し、45手続に到達"),
            ],
        )
        .await;
        assert_eq!(r.status, 303);
    })
    .await;
}

#[tokio::test]
async fn a_second_save_on_a_stale_form_is_refused_showing_what_changed() {
    each_backend(|db| async move {
        let mut kikaku = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        let mut dept = signed_in(&db, "tanto", Role::DepartmentEditor, "企画課").await;
        open_period(&mut kikaku, "R6").await;
        let id = report_id(&db, 2024, "1-1-1").await;
        let path = format!("/staff/reports/{id}");
        kikaku.get(&path).await;
        dept.get(&path).await;
        let v = version(&db, id).await;
        let r = kikaku
            .post(
                &path,
                &[
                    ("version", &v),
                    ("op", "save"),
                    ("actual.1-1-1", "33"),
                    ("progress", "企画課が入力"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        let r = dept
            .post(
                &path,
                &[
                    ("version", &v),
                    ("op", "save"),
                    ("actual.1-1-1", "29"),
                    ("progress", "担当課が入力"),
                ],
            )
            .await;
        assert_eq!(r.status, 409);
        assert!(r.body.contains("ほかの人が先にこの報告を更新しました"));
        assert!(
            r.body.contains("取組状況: 企画課が入力"),
            "shows the saved content"
        );
        assert!(
            r.body.contains("担当課が入力"),
            "keeps what this person typed"
        );
        let progress: String = sqlx::query_scalar("SELECT progress FROM reports WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(progress, "企画課が入力");
    })
    .await;
}

/// Who may do what on the reporting routes, for every role.
#[tokio::test]
async fn reporting_routes_follow_the_permission_table() {
    each_backend(|db| async move {
        let mut kikaku = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        open_period(&mut kikaku, "R6").await;
        let id = report_id(&db, 2024, "1-1-1").await;
        // (role, department, may create periods, may save 1-1-1, may comment)
        let table = [
            (Role::SystemAdmin, "", false, false, false),
            (Role::DxOffice, "企画課", true, true, true),
            (Role::DepartmentEditor, "企画課", false, true, false),
            (Role::DepartmentEditor, "町民課", false, false, false),
            (Role::Committee, "", false, false, true),
            (Role::Advisor, "", false, false, true),
            (Role::Viewer, "", false, false, false),
        ];
        for (i, (role, dept, periods, save, comment)) in table.into_iter().enumerate() {
            let name = format!("user{i}");
            user(&db, &name, role, dept).await;
            let mut c = Client::new(&db);
            assert_eq!(c.sign_in(&name, crate::support::PASSWORD).await.status, 303);
            assert_eq!(c.get("/staff").await.status, 200, "{role:?}");
            assert_eq!(
                c.get(&format!("/staff/reports/{id}")).await.status,
                200,
                "{role:?} reads"
            );
            let expect = |ok: bool| if ok { 200 } else { 403 };
            assert_eq!(
                c.get("/staff/periods/new").await.status,
                expect(periods),
                "{role:?} period form"
            );
            let r = act(&mut c, &db, id, &[("op", "save"), ("progress", &name)]).await;
            assert_eq!(r.status == 303, save, "{role:?} {dept} save: {}", r.status);
            c.get(&format!("/staff/reports/{id}")).await;
            let r = c
                .post(
                    &format!("/staff/reports/{id}/comments"),
                    &[("body", "確認しました")],
                )
                .await;
            assert_eq!(r.status == 303, comment, "{role:?} comment: {}", r.status);
            let r = c
                .post(
                    "/staff/periods",
                    &[
                        ("fiscal_year", "R5"),
                        ("kind", "yearly"),
                        ("due_date", "2024-05-31"),
                    ],
                )
                .await;
            assert_eq!(r.status == 303, periods && i == 1, "{role:?} create period");
        }
        // Without a session, every reporting route sends to sign-in.
        let mut anon = Client::new(&db);
        for path in [
            "/staff",
            &format!("/staff/reports/{id}"),
            "/staff/periods/new",
        ] {
            assert_eq!(anon.get(path).await.status, 303, "{path}");
        }
        let r = anon
            .post_raw(&format!("/staff/reports/{id}"), "op=save".into())
            .await;
        assert_eq!(r.status, 303);
    })
    .await;
}

#[tokio::test]
async fn snapshots_are_frozen_and_compared_with_the_previous_ones() {
    each_backend(|db| async move {
        let mut kikaku = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        let mut iin = signed_in(&db, "iin", Role::Committee, "").await;
        let mut viewer = signed_in(&db, "chocho", Role::Viewer, "").await;
        open_period(&mut kikaku, "R5").await;
        open_period(&mut kikaku, "R6").await;
        let p5: i64 = sqlx::query_scalar("SELECT id FROM reporting_periods WHERE fiscal_year = 2023")
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        let p6: i64 = sqlx::query_scalar("SELECT id FROM reporting_periods WHERE fiscal_year = 2024")
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();

        // Finalize R5 for 1-1-1 with 32 (on target), then issue the R5 committee material.
        let r5 = report_id(&db, 2023, "1-1-1").await;
        act(&mut kikaku, &db, r5, &[("op", "submit"), ("actual.1-1-1", "32"), ("progress", "27手続を運用")]).await;
        act(&mut kikaku, &db, r5, &[("op", "confirm")]).await;
        act(&mut iin, &db, r5, &[("op", "evaluate"), ("grade", "on_track")]).await;
        assert_eq!(act(&mut kikaku, &db, r5, &[("op", "finalize")]).await.status, 303);
        kikaku.get("/staff/snapshots").await;
        let r = kikaku
            .post("/staff/snapshots", &[("kind", "committee_material"), ("period", &p5.to_string())])
            .await;
        assert_eq!(r.status, 303);
        let first = r.headers["location"].to_str().unwrap().to_string();
        let page = viewer.get(&first).await;
        assert_eq!(page.status, 200, "everyone on the staff side reads reports");
        assert!(page.body.contains("令和5年度 年次報告 香美町情報化推進委員会資料"), "{}", page.body);
        assert!(page.body.contains("32手続(令和5年度)"));
        assert!(page.body.contains("これが最初の香美町情報化推進委員会資料です"));

        // R6: 30 procedures, finalized; the next material shows what changed.
        let r6 = report_id(&db, 2024, "1-1-1").await;
        act(
            &mut kikaku,
            &db,
            r6,
            &[("op", "submit"), ("actual.1-1-1", "30"), ("progress", "追加"), ("shortfall_reason", "遅れ"), ("improvement", "優先順位")],
        )
        .await;
        act(&mut kikaku, &db, r6, &[("op", "confirm")]).await;
        act(&mut iin, &db, r6, &[("op", "evaluate"), ("grade", "behind")]).await;
        act(&mut kikaku, &db, r6, &[("op", "finalize")]).await;
        kikaku.get("/staff/snapshots").await;
        let r = kikaku
            .post("/staff/snapshots", &[("kind", "committee_material"), ("period", &p6.to_string())])
            .await;
        let second = r.headers["location"].to_str().unwrap().to_string();
        let page = viewer.get(&second).await;
        assert!(page.body.contains("前回からの変化"));
        assert!(page.body.contains("<td data-label=\"前回\">32手続(令和5年度)</td><td data-label=\"今回\">30手続(令和6年度)</td>"), "value change");
        assert!(page.body.contains("<td data-label=\"前回\">順調</td><td data-label=\"今回\">遅れ</td>"), "grade change");
        assert!(page.body.contains("前年度からの変化"));

        // The first one still shows exactly what was issued.
        let again = viewer.get(&first).await;
        assert!(again.body.contains("32手続(令和5年度)"));
        assert!(!again.body.contains("30手続"));
        // And the database refuses to change it.
        assert!(sqlx::query("UPDATE snapshots SET title = 'x'").execute(&mut *db.conn().await.unwrap()).await.is_err());
        assert!(sqlx::query("DELETE FROM snapshots").execute(&mut *db.conn().await.unwrap()).await.is_err());

        // Only 企画課 issues.
        viewer.get("/staff/snapshots").await;
        let r = viewer
            .post("/staff/snapshots", &[("kind", "mayor_report"), ("period", &p6.to_string())])
            .await;
        assert_eq!(r.status, 403);
        let bad = kikaku.post("/staff/snapshots", &[("kind", "x"), ("period", "999")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("報告期間を選んでください"));
    })
    .await;
}
