//! Registers through the site: a body declares its own register in a file and its plan's KPI is
//! counted from it without code; the owner rule (a 課 enters its own rows, the coordinating
//! department all); personal fields seen only by the coordinating department and whoever
//! entered the row; CSV import all at once and export — on SQLite and PostgreSQL.

use crate::support::{each_backend, form_fields, signed_in};
use crate::words::{add_body, client_of, staff_of};
use machi::auth::model::Role;

const HOST: &str = "mizuho.example.jp";

/// A register file as a town would write it: desks taking cashless payment, in force at 年度末.
const DESKS: &str = r#"
key = "cashless_desks"
title = "キャッシュレス決済に対応した窓口"
owner_field = "department"
public = true

[[fields]]
key = "desk"
label = "窓口"
type = "text"
required = true

[[fields]]
key = "department"
label = "課"
type = "text"
required = true

[[fields]]
key = "started_on"
label = "導入日"
type = "date"
required = true

[[fields]]
key = "stopped_on"
label = "終了日"
type = "date"

[kpi]
measure = "count"
active_from = "started_on"
active_until = "stopped_on"
label = "キャッシュレス決済に対応した窓口の台帳(年度末に対応している窓口)"
"#;

fn row(desk: &str, department: &str, started: &str) -> Vec<(&'static str, String)> {
    vec![
        ("f_desk", desk.to_string()),
        ("f_department", department.to_string()),
        ("f_started_on", started.to_string()),
        ("f_stopped_on", String::new()),
    ]
}

async fn post_row(c: &mut crate::support::Client, fields: Vec<(&'static str, String)>) -> u16 {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post("/staff/registers/cashless_desks/rows/new", &fields)
        .await
        .status
}

#[tokio::test]
async fn a_town_declares_a_register_in_a_file_and_its_kpi_is_counted_without_code() {
    each_backend(|t| async move {
        let plan = crate::plan_file::MIZUHO.replacen(
            "unit = \"窓口\"",
            "unit = \"窓口\"\nsource = \"registers.cashless_desks\"",
            1,
        );
        let city = add_body(&t, "189995", &plan, HOST).await;
        let mut public = client_of(&t, HOST);
        // Named by the plan, not declared yet: the page says so and counts nothing.
        let page = public.get("/plan/measures/1-1-2").await;
        assert!(
            page.body
                .contains("台帳「cashless_desks」(まだ登録されていません)"),
            "{}",
            page.body
        );

        let mut dx = staff_of(
            &t,
            &city,
            HOST,
            "dxoffice",
            Role::DxOffice,
            "デジタル戦略課",
        )
        .await;
        assert_eq!(dx.get("/staff/registers/new").await.status, 200);
        // A fault in the file is named with its line; nothing is stored.
        let broken = DESKS.replace(
            "type = \"date\"\nrequired = true",
            "type = \"day\"\nrequired = true",
        );
        let r = dx
            .post(
                "/staff/registers/new",
                &[("source", &broken), ("version", "0")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body.contains("台帳の定義を読めません(22行目)"),
            "{}",
            r.body
        );
        let r = dx
            .post(
                "/staff/registers/new",
                &[("source", DESKS), ("version", "0")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location(), "/staff/registers/cashless_desks?done=defined");
        // The same key again is refused: a new register needs its own key.
        let r = dx
            .post(
                "/staff/registers/new",
                &[("source", DESKS), ("version", "0")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("すでにあります"), "{}", r.body);

        // A 課 enters its own rows, not another's; the coordinating department enters any.
        let mut clerk = staff_of(&t, &city, HOST, "clerk", Role::DepartmentEditor, "市民課").await;
        let form = clerk.get("/staff/registers/cashless_desks/rows/new").await;
        assert!(
            form.body.contains("value=\"市民課\""),
            "the clerk's 課 is filled in"
        );
        assert_eq!(
            post_row(&mut clerk, row("住民票", "市民課", "令和6年3月31日")).await,
            303
        );
        let refused = post_row(&mut clerk, row("税の窓口", "税務課", "2024-04-01")).await;
        assert_eq!(refused, 422);
        assert_eq!(
            post_row(&mut dx, row("税の窓口", "税務課", "2024-04-01")).await,
            303
        );
        // A date that does not read is named with its field and value.
        let r = dx
            .post(
                "/staff/registers/cashless_desks/rows/new",
                &[
                    ("f_desk", "会計"),
                    ("f_department", "会計課"),
                    ("f_started_on", "2024-02-30"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body.contains("「導入日」: 「2024-02-30」は日付"),
            "{}",
            r.body
        );

        // The KPI, counted at 年度末: 令和5年度 1 (3月31日 counts), 令和6年度 2.
        let page = public.get("/plan/measures/1-1-2").await;
        assert!(
            page.body.contains(
                "自動集計: キャッシュレス決済に対応した窓口の台帳(年度末に対応している窓口)"
            ),
            "{}",
            page.body
        );
        let series = public.get("/plan/kpis/series.csv").await.body;
        let line = |fy: &str| {
            series
                .lines()
                .find(|l| l.contains("キャッシュレス決済に対応した窓口の数") && l.contains(fy))
                .map(str::to_string)
                .unwrap_or_default()
        };
        assert!(line("2023").contains(",1,"), "{series}");
        assert!(line("2024").contains(",2,"), "{series}");

        assert!(
            page.body
                .contains("href=\"/registers/cashless_desks\">記録を見る"),
            "{}",
            page.body
        );
        // The public summary shows the rows and the figures.
        let summary = public.get("/registers/cashless_desks").await;
        assert_eq!(summary.status, 200);
        assert!(summary.body.contains("税の窓口") && summary.body.contains("令和6年4月1日"));

        // A viewer reads but does not write.
        let mut viewer = staff_of(&t, &city, HOST, "viewer", Role::Viewer, "").await;
        assert_eq!(
            viewer.get("/staff/registers/cashless_desks").await.status,
            200
        );
        assert_eq!(
            post_row(&mut viewer, row("x", "市民課", "2024-04-01")).await,
            403
        );
        assert_eq!(viewer.get("/staff/registers/new").await.status, 403);

        // CSV: one bad line and nothing is added; the export imports back.
        let bad = "窓口,課,導入日\n国保,保険年金課,2024-05-01\n介護,福祉課,令和6年13月1日\n";
        let r = dx
            .post_file(
                "/staff/registers/cashless_desks/import",
                "desks.csv",
                bad.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("3行目: 「導入日」"), "{}", r.body);
        let (status, _, bytes) = dx
            .get_bytes("/staff/registers/cashless_desks/export.csv")
            .await;
        assert_eq!(status, 200);
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.starts_with("窓口,課,導入日,終了日\r\n"), "{text}");
        assert_eq!(text.lines().count(), 3);
        let r = dx
            .post_file(
                "/staff/registers/cashless_desks/import",
                "desks.csv",
                text.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            r.location(),
            "/staff/registers/cashless_desks?done=imported-2"
        );
        // A 課 imports only its own rows.
        let theirs = "窓口,課,導入日\n税の窓口2,税務課,2024-05-01\n";
        let r = clerk
            .post_file(
                "/staff/registers/cashless_desks/import",
                "d.csv",
                theirs.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body
                .contains("2行目: 「課」: 「税務課」の行は記入できません"),
            "{}",
            r.body
        );
        let (_, _, xlsx) = dx
            .get_bytes("/staff/registers/cashless_desks/export.xlsx")
            .await;
        assert_eq!(&xlsx[..2], b"PK");
    })
    .await;
}

#[tokio::test]
async fn personal_fields_are_seen_by_the_coordinating_department_and_whoever_entered_the_row() {
    each_backend(|t| async move {
        let mut applicant = signed_in(&t, "hanako", Role::DepartmentEditor, "A課").await;
        let form = applicant.get("/staff/registers/telework/rows/new").await;
        assert_eq!(form.status, 200);
        let r = applicant
            .post(
                "/staff/registers/telework/rows/new",
                &[
                    ("f_applicant", "山田花子"),
                    ("f_department", "A課"),
                    ("f_applied_on", "2024-06-03"),
                    ("f_period_from", "2024-06-10"),
                    ("f_state", "承認"),
                    ("f_approver", "A課長"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(
            applicant
                .get("/staff/registers/telework")
                .await
                .body
                .contains("山田花子")
        );

        crate::support::user(&t, "other", Role::DepartmentEditor, "B課").await;
        let mut other = crate::support::Client::new(&t);
        other.sign_in("other", crate::support::PASSWORD).await;
        let page = other.get("/staff/registers/telework").await;
        assert!(!page.body.contains("山田花子") && page.body.contains("(非公開)"));
        let (_, _, csv) = other
            .get_bytes("/staff/registers/telework/export.csv")
            .await;
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            !csv.contains("山田花子") && !csv.contains("申請者"),
            "{csv}"
        );
        // Another 課 may not change the row.
        assert!(
            !page.body.contains(">直す<"),
            "no edit link for another 課's row"
        );
        let rows = applicant.get("/staff/registers/telework").await.body;
        let id: String = rows
            .split("/staff/registers/telework/rows/")
            .find(|s| s.starts_with(|c: char| c.is_ascii_digit()))
            .unwrap()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        assert_eq!(
            other
                .get(&format!("/staff/registers/telework/rows/{id}"))
                .await
                .status,
            403
        );

        // The coordinating department sees the name; the register is not public.
        crate::support::user(&t, "dxoffice", Role::DxOffice, "").await;
        let mut dx = crate::support::Client::new(&t);
        dx.sign_in("dxoffice", crate::support::PASSWORD).await;
        let edit = dx
            .get(&format!("/staff/registers/telework/rows/{id}"))
            .await;
        assert!(edit.body.contains("山田花子"));
        assert_eq!(
            crate::support::get(&t, "/registers/telework").await.status,
            404
        );

        // A clerk of the 課 who did not enter it changes the row without seeing or losing the name.
        crate::support::user(&t, "colleague", Role::DepartmentEditor, "A課").await;
        let mut colleague = crate::support::Client::new(&t);
        colleague
            .sign_in("colleague", crate::support::PASSWORD)
            .await;
        let path = format!("/staff/registers/telework/rows/{id}");
        let edit = colleague.get(&path).await;
        assert!(!edit.body.contains("山田花子"));
        let mut fields = form_fields(&edit.body, &path);
        for (k, v) in fields.iter_mut() {
            if k == "f_days" {
                *v = "3".into();
            }
        }
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .filter(|(k, _)| k != "csrf")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = colleague.post(&path, &fields).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let after = dx.get(&path).await.body;
        assert!(
            after.contains("山田花子") && after.contains("value=\"3\""),
            "{after}"
        );
        // Saving again from the page read before is refused.
        let r = colleague.post(&path, &fields).await;
        assert_eq!(r.status, 409);

        // The bundled plan's テレワーク KPI counts the approved applicant.
        let page = crate::support::get(&t, "/plan/measures/2-2-2").await;
        assert!(
            page.body.contains("自動集計: テレワーク申請の台帳"),
            "{}",
            page.body
        );
    })
    .await;
}
