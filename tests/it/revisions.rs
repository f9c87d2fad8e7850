//! Plan revisions in the browser: 企画課 drafts, the committee approves, KPI changes keep reasons.

use crate::support::{Client, each_backend, form_fields, signed_in};
use machi::auth::model::Role;

async fn draft_version(c: &mut Client) -> String {
    let page = c.get("/staff/plan/draft/measures/1-1-1").await;
    let needle = "name=\"version\" value=\"";
    let start = page.body.find(needle).unwrap() + needle.len();
    page.body[start..start + page.body[start..].find('"').unwrap()].to_string()
}

async fn post_form(
    c: &mut Client,
    path: &str,
    changes: &[(&str, &str)],
) -> crate::support::Response {
    let page = c.get(path).await;
    let mut fields = form_fields(&page.body, path);
    fields.retain(|(n, _)| n != "csrf");
    for (k, v) in changes {
        fields.retain(|(n, _)| n != k);
        fields.push((k.to_string(), v.to_string()));
    }
    let all: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post(path, &all).await
}

#[tokio::test]
async fn a_revision_is_drafted_approved_and_published_with_its_reasons() {
    each_backend(|db| async move {
        let mut kikaku = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        let mut iin = signed_in(&db, "iin", Role::Committee, "").await;
        crate::support::user(&db, "chomin", Role::DepartmentEditor, "町民課").await;
        // The department's browser talks to the same server process as the committee's.
        let mut dept = iin.same_server();
        assert_eq!(
            dept.sign_in("chomin", crate::support::PASSWORD)
                .await
                .status,
            303
        );

        // Only 企画課 drafts.
        dept.get("/staff/plan").await;
        assert_eq!(dept.post("/staff/plan/draft", &[]).await.status, 403);
        kikaku.get("/staff/plan").await;
        assert_eq!(kikaku.post("/staff/plan/draft", &[]).await.status, 303);
        let again = kikaku.post("/staff/plan/draft", &[]).await;
        assert_eq!(again.status, 409);
        assert!(again.body.contains("改定案は既にあります"));

        let path = "/staff/plan/draft/measures/1-1-1";
        // Untouched form saves as is (round trip of the form).
        assert_eq!(post_form(&mut kikaku, path, &[]).await.status, 303);
        // A KPI change needs a reason.
        let r = post_form(
            &mut kikaku,
            path,
            &[("k0.target", "50"), ("k0.target_wording", "申請業務50手続の達成")],
        )
        .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("変更の理由を入力してください"));
        // Bad roadmap lines and years are named.
        let r = post_form(&mut kikaku, path, &[("roadmap", "R5-R9 何か")]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("行程表の期間"), "{}", r.body);
        let r = post_form(&mut kikaku, path, &[("roadmap", "いつか 何か")]).await;
        assert!(r.body.contains("行程表 1行目"));
        let r = post_form(&mut kikaku, path, &[("k0.yearly_targets", "R5 三十二")]).await;
        assert!(r.body.contains("1行目"));
        let r = post_form(
            &mut kikaku,
            path,
            &[
                ("k0.target", "50"),
                ("k0.target_wording", "申請業務50手続の達成"),
                ("reason", "国の標準様式の追加に合わせて上方修正"),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        // Assign 1-1-2 to 町民課 (no KPI change: no reason needed).
        let r = post_form(
            &mut kikaku,
            "/staff/plan/draft/measures/1-1-2",
            &[("department", "町民課")],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);

        // Public pages still show the approved version.
        let public = Client::new(&db).get("/plan/measures/1-1-1").await;
        assert!(public.body.contains("申請業務45手続の達成"));

        // The committee sees the pending KPI changes and approves.
        let page = iin.get("/staff/plan").await;
        assert!(page.body.contains("国の標準様式の追加に合わせて上方修正"));
        assert!(
            page.body.contains(
                "<td data-label=\"現在\">45手続</td><td data-label=\"改定案\">50手続</td>"
            )
        );
        assert!(
            !page.body.contains("改定案を破棄する"),
            "the committee does not edit"
        );
        let v = {
            let i = page.body.find("/staff/plan/draft/approve").unwrap();
            let s = i + page.body[i..].find("name=\"version\" value=\"").unwrap() + 22;
            page.body[s..s + page.body[s..].find('"').unwrap()].to_string()
        };
        kikaku.get("/staff/plan").await;
        assert_eq!(
            kikaku
                .post("/staff/plan/draft/approve", &[("version", &v)])
                .await
                .status,
            403,
            "企画課 drafts, the committee decides"
        );
        let r = iin
            .post("/staff/plan/draft/approve", &[("version", &v)])
            .await;
        assert_eq!(r.status, 303);

        let public = Client::new(&db).get("/plan/measures/1-1-1").await;
        assert!(public.body.contains("申請業務50手続の達成"));
        assert!(public.body.contains("KPIの変更履歴"));
        assert!(public.body.contains("第2版"));
        assert!(
            public
                .body
                .contains("目標値 45手続 → 50手続。理由: 国の標準様式の追加に合わせて上方修正")
        );
        let footer = Client::new(&db).get("/plan").await;
        assert!(footer.body.contains("第2版"));
        let exported = machi::plan::commands::export(&db).await.unwrap();
        assert!(
            exported.contains("申請業務50手続の達成"),
            "export is the approved revision"
        );
        // The new department assignment takes effect.
        kikaku.get("/staff/periods/new").await;
        kikaku
            .post(
                "/staff/periods",
                &[
                    ("fiscal_year", "R6"),
                    ("kind", "yearly"),
                    ("due_date", "2025-05-31"),
                ],
            )
            .await;
        let tasks = dept.get("/staff").await;
        assert!(tasks.body.contains("1-①-2) 窓口サービスのデジタル化"));
        let actions: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM audit_log WHERE action LIKE 'plan.%' AND action <> 'plan.import' ORDER BY id",
        )
        .fetch_all(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
        assert_eq!(
            actions.first().map(String::as_str),
            Some("plan.draft_create")
        );
        assert!(actions.contains(&"plan.draft_edit".to_string()));
        assert_eq!(actions.last().map(String::as_str), Some("plan.approve"));
    })
    .await;
}

#[tokio::test]
async fn a_stale_draft_save_is_refused() {
    each_backend(|db| async move {
        let mut a = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        let mut b = signed_in(&db, "kikaku2", Role::DxOffice, "企画課").await;
        a.get("/staff/plan").await;
        a.post("/staff/plan/draft", &[]).await;
        let path = "/staff/plan/draft/measures/1-1-3";
        let old = draft_version(&mut b).await;
        assert_eq!(
            post_form(&mut a, path, &[("department", "税務課")])
                .await
                .status,
            303
        );
        let page = b.get(path).await;
        let mut fields = form_fields(&page.body, path);
        fields.retain(|(k, _)| !matches!(k.as_str(), "department" | "version" | "csrf"));
        fields.push(("department".into(), "会計課".into()));
        let mut all: Vec<(&str, &str)> = vec![("version", &old)];
        all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let r = b.post(path, &all).await;
        assert_eq!(r.status, 409);
        assert!(r.body.contains("ほかの人が先に改定案を更新しました"));
    })
    .await;
}
