//! The 行程表's progress: the coordinating department marks how each 行程 went in a 年度, and
//! the chart, the table, the 施策 page and the アクションプラン sheet say it in words and marks.

use crate::support::{each_backend, get, signed_in};
use machi::auth::model::Role;

#[tokio::test]
async fn each_step_of_the_roadmap_is_marked_per_year_and_shown_everywhere() {
    each_backend(|db| async move {
        let mut dx = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        let mut viewer = signed_in(&db, "etsuran", Role::Viewer, "").await;
        assert_eq!(viewer.get("/staff/plan/roadmap-progress").await.status, 403);

        let page = dx.get("/staff/plan/roadmap-progress?year=R6").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("行程表の進み具合(令和6年度)"));
        // The first 行程 running in 令和6年度, and which 施策 it belongs to.
        let id = page
            .body
            .split("name=\"step.")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let legend = page.body.split("<legend>").nth(1).unwrap();
        let text = legend.split("<span").next().unwrap().to_string();

        let step = format!("step.{id}");
        let note = format!("note.{id}");
        let r = dx
            .post(
                "/staff/plan/roadmap-progress?year=2024",
                &[(step.as_str(), "bogus"), (note.as_str(), "")],
            )
            .await;
        assert_eq!(r.status, 400);
        let r = dx
            .post(
                "/staff/plan/roadmap-progress?year=2024",
                &[
                    (step.as_str(), "delayed"),
                    (note.as_str(), "システム改修の遅れ"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        // The public 行程表: a mark in the chart, the state in words in the table.
        let roadmap = get(&db, "/plan/roadmap").await.body;
        assert!(
            roadmap.contains("class=\"mark step-delayed\""),
            "a mark on the chart"
        );
        assert!(
            roadmap.contains("△ 遅れ</span> 令和6年度: システム改修の遅れ"),
            "{roadmap}"
        );
        assert!(roadmap.contains(&text), "{text}");
        let audit = dx.get("/staff/audit.csv").await.body;
        assert!(audit.contains("roadmap.progress,measure,"), "{audit}");

        // Cleared: gone again, and the clearing is audited too.
        let r = dx
            .post(
                "/staff/plan/roadmap-progress?year=2024",
                &[(step.as_str(), ""), (note.as_str(), "")],
            )
            .await;
        assert_eq!(r.status, 303);
        assert!(
            !get(&db, "/plan/roadmap")
                .await
                .body
                .contains("step-delayed")
        );
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'roadmap.progress'")
                .fetch_one(&mut *db.conn().await.unwrap())
                .await
                .unwrap();
        assert_eq!(n, 2);
        // A year outside the 行程表 is refused.
        assert_eq!(
            dx.get("/staff/plan/roadmap-progress?year=2040")
                .await
                .status,
            400
        );
    })
    .await;
}

#[tokio::test]
async fn the_measure_page_and_the_sheet_show_a_steps_progress() {
    each_backend(|db| async move {
        let mut dx = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        // 1-①-1's 行程 running in 令和5年度.
        let page = dx.get("/staff/plan/roadmap-progress?year=R5").await.body;
        let field = page
            .split("<fieldset")
            .find(|f| f.contains("1-①-1)"))
            .expect("a 行程 of 1-①-1 in 令和5年度");
        let id = field
            .split("name=\"step.")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap();
        let (step, note) = (format!("step.{id}"), format!("note.{id}"));
        let r = dx
            .post(
                "/staff/plan/roadmap-progress?year=2023",
                &[(step.as_str(), "done"), (note.as_str(), "")],
            )
            .await;
        assert_eq!(r.status, 303);
        let measure = get(&db, "/plan/measures/1-1-1").await.body;
        assert!(measure.contains("✓ 完了</span> 令和5年度"), "{measure}");
        let sheet = get(&db, "/plan/measures/1-1-1/action-plan").await.body;
        assert!(
            sheet.contains("<span class=\"step\">✓ 完了</span>"),
            "{sheet}"
        );
    })
    .await;
}
