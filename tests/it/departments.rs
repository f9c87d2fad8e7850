//! 担当課 per 施策, assigned in the browser by the coordinating department: the task lists of
//! departments follow, nobody else may change it, every change is audited, and two people
//! changing the same row do not overwrite each other silently.

use crate::support::{each_backend, signed_in};
use machi::auth::model::Role;

#[tokio::test]
async fn the_coordinating_department_assigns_departments_and_their_tasks_follow() {
    each_backend(|db| async move {
        let mut dx = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        let mut juumin = signed_in(&db, "juumin", Role::DepartmentEditor, "住民課").await;
        let mut viewer = signed_in(&db, "etsuran", Role::Viewer, "").await;

        // Before: the coordinating department hears of the 17 施策 nobody reports on; 住民課
        // hears why its list is empty.
        let home = dx.get("/staff").await.body;
        assert!(
            home.contains("業務主管課が決まっていない施策が17件あります"),
            "{home}"
        );
        assert!(home.contains("href=\"/staff/plan/departments\""));
        let home = juumin.get("/staff").await.body;
        assert!(
            home.contains("住民課が担当する施策は、いまの計画にありません"),
            "{home}"
        );
        let r = dx
            .post(
                "/staff/periods",
                &[
                    ("fiscal_year", "R7"),
                    ("kind", "yearly"),
                    ("due_date", "2026-05-31"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(!juumin.get("/staff").await.body.contains("1-①-5)"));

        // Only the coordinating department may assign.
        let page = dx.get("/staff/plan/departments").await;
        assert_eq!(page.status, 200);
        assert!(
            page.body
                .contains("課が決まっていない施策: <strong>17件</strong>")
        );
        assert_eq!(viewer.get("/staff/plan/departments").await.status, 403);
        let r = juumin
            .post(
                "/staff/plan/departments",
                &[("was.1-1-5", ""), ("d.1-1-5", "住民課")],
            )
            .await;
        assert_eq!(r.status, 403);

        // 1-①-5 to 住民課: saved, audited, and on 住民課's list at once.
        let r = dx
            .post(
                "/staff/plan/departments",
                &[("was.1-1-5", ""), ("d.1-1-5", " 住民課 ")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.headers["location"], "/staff/plan/departments?done=1");
        let tasks = juumin.get("/staff").await.body;
        assert!(tasks.contains("1-①-5)"), "{tasks}");
        assert!(!tasks.contains("いまの計画にありません"));
        assert!(
            dx.get("/staff")
                .await
                .body
                .contains("業務主管課が決まっていない施策が16件あります")
        );
        let audit = dx.get("/staff/audit.csv").await.body;
        assert!(
            audit.contains("measure.assign_department,measure,1-1-5"),
            "{audit}"
        );
        // The public page names it too.
        let public = crate::support::get(&db, "/plan/measures/1-1-5").await.body;
        assert!(public.contains("住民課"), "{public}");

        // A form opened before that change does not overwrite it.
        let r = dx
            .post(
                "/staff/plan/departments",
                &[("was.1-1-5", ""), ("d.1-1-5", "税務課")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body.contains("この画面を開いたあとに変更されています"),
            "{}",
            r.body
        );
        // Nothing of a refused form is written.
        let r = dx
            .post(
                "/staff/plan/departments",
                &[
                    ("was.1-1-2", ""),
                    ("d.1-1-2", "税務課"),
                    ("was.1-1-3", ""),
                    ("d.1-1-3", "課\n名"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("改行を含めずに"));
        let page = dx.get("/staff/plan/departments").await.body;
        assert!(
            page.contains("課が決まっていない施策: <strong>16件</strong>"),
            "{page}"
        );
    })
    .await;
}
