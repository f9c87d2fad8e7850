//! The アナログ規制 review beyond deciding: a 例規's candidates assigned to a 課, comments, the
//! 点検済 mark (cleared by a newer text), the A4 print, the public summary linked from KPI
//! 1-⑤-1, and the town's own versions of the detection rules with what each re-scan changed.

use crate::support::{Client, PASSWORD, TestTown, signed_in, user};
use machi::auth::model::Role;
use machi::ordinances::rules::{BUNDLED, Rules};
use std::path::Path;

const FIXTURES: &str = "tests/fixtures/ordinances";

async fn import(t: &TestTown, files: &[&str]) {
    for f in files {
        let text = std::fs::read_to_string(Path::new(FIXTURES).join(f)).unwrap();
        let o = match machi::ordinances::input::read_bytes(f, text.as_bytes()) {
            machi::ordinances::input::Read::Ok(o) => o,
            machi::ordinances::input::Read::Refused { reason, .. } => panic!("{reason}"),
        };
        let rules = machi::ordinances::rescan::current(&t.db)
            .await
            .unwrap()
            .rules;
        machi::ordinances::store::import(
            &t.db,
            &o,
            &o.digest(),
            &rules,
            &machi::audit::Actor::cli(),
        )
        .await
        .unwrap();
    }
}

async fn id_of(t: &TestTown, title: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM ordinances WHERE title = $1")
        .bind(title)
        .fetch_one(&mut *t.db.conn().await.unwrap())
        .await
        .unwrap()
}

/// (id, state) of a 例規's candidate of a category.
async fn finding(t: &TestTown, title: &str, article: &str, category: &str) -> (i64, String) {
    let f = machi::ordinances::store::findings(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.title == title && f.article == article && f.category == category)
        .unwrap_or_else(|| panic!("{title} {article} {category}"));
    (f.id, f.state)
}

#[tokio::test]
async fn the_review_is_assigned_commented_printed_and_published() {
    crate::support::each_backend(|t| async move {
        // Before anything is imported the public page says so, and claims no figure.
        let mut resident = Client::new(&t);
        let r = resident.get("/analog-regulation").await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("まだ点検を始めていません"), "{}", r.body);

        import(&t, &["mugi-kokokushiki.txt", "sakae-kokokushiki.txt"]).await;
        let mugi = id_of(&t, "牟岐町公告式条例").await;
        let mut dx = signed_in(&t, "dxoffice", Role::DxOffice, "企画課").await;
        user(&t.db, "somu", Role::DepartmentEditor, "総務課").await;
        user(&t.db, "zeimu", Role::DepartmentEditor, "税務課").await;

        // Assigned to a 課 nobody has: refused, naming it; to 総務課: every candidate of 牟岐.
        dx.get(&format!("/staff/ordinances/{mugi}")).await;
        let assign = format!("/staff/ordinances/{mugi}/assign");
        let r = dx.post(&assign, &[("department", "存在しない課")]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("「存在しない課」はmachiに登録されていない課です"), "{}", r.body);
        let r = dx.post(&assign, &[("department", "総務課")]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = dx.get(&r.location()).await;
        assert!(r.body.contains("候補1件を担当課に割り当てました"), "{}", r.body);
        let (f, _) = finding(&t, "牟岐町公告式条例", "第2条", "書面掲示").await;

        // 総務課 comments on its candidate; 税務課 may not; an empty comment is refused.
        let mut somu = Client::new(&t);
        assert_eq!(somu.sign_in("somu", PASSWORD).await.status, 303);
        somu.get(&format!("/staff/ordinances/{mugi}")).await;
        let comment = format!("/staff/ordinances/findings/{f}/comments");
        let r = somu.post(&comment, &[("text", "  ")]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("コメントを入力してください"));
        let r = somu
            .post(&comment, &[("text", "ホームページへの掲載で代えられるか法務と相談中")])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mut zeimu = Client::new(&t);
        assert_eq!(zeimu.sign_in("zeimu", PASSWORD).await.status, 303);
        zeimu.get("/staff/ordinances").await;
        assert_eq!(zeimu.post(&comment, &[("text", "x")]).await.status, 403);
        let r = dx.get(&format!("/staff/ordinances/{mugi}")).await;
        assert!(r.body.contains("法務と相談中"), "{}", r.body);
        assert!(r.body.contains("somu(総務課)"), "{}", r.body);

        // The print: the whole text, the phrase marked, a box to tick for an undecided one.
        let r = somu.get(&format!("/staff/ordinances/{mugi}/print")).await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("<mark>掲示場に掲示</mark>"), "{}", r.body);
        assert!(r.body.contains("判断: 該当 □ 非該当 □"), "{}", r.body);
        assert!(r.body.contains("候補 1件"), "{}", r.body);

        // 総務課 decides; the coordinating department marks 牟岐 点検済.
        let r = somu
            .post(
                &format!("/staff/ordinances/findings/{f}"),
                &[("to", "applies"), ("direction", "digitise"), ("phase_now", "1"), ("phase_target", "3")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = dx.get(&format!("/staff/ordinances/{mugi}")).await;
        assert!(r.body.contains("全条文を確かめた(点検済にする)"), "{}", r.body);
        assert_eq!(somu.post("/staff/ordinances/check", &[("id", &mugi.to_string())]).await.status, 403);
        let r = dx
            .post("/staff/ordinances/check", &[("id", &mugi.to_string()), ("from", &mugi.to_string())])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        // The public page: figures from the decisions, by category and 課, and where they come from.
        let r = resident.get("/analog-regulation").await;
        assert!(r.body.contains("1 / 2 件(50.0%)"), "{}", r.body);
        assert!(r.body.contains("<th scope=\"row\">書面掲示</th><td class=\"num\" data-label=\"候補\">3</td><td class=\"num\" data-label=\"判断済み\">1</td><td class=\"num\" data-label=\"該当\">1</td>"), "{}", r.body);
        assert!(r.body.contains("<th scope=\"row\">総務課</th>"), "{}", r.body);
        assert!(r.body.contains("<th scope=\"row\">未割り当て</th>"), "{}", r.body);
        assert!(r.body.contains("担当の職員が一つずつ判断して記録したもの"));
        // KPI 1-⑤-1's page links to it.
        let r = resident.get("/plan/measures/1-5-1").await;
        assert!(r.body.contains("/analog-regulation\""), "{}", r.body);

        // KPI 1-⑤-1: 令和6年度 (the test town's today) at 50%. In 令和7年度 栄町 is finished
        // too: 令和7年度 shows 100% and 令和6年度 keeps the figure it ended with.
        let csv = dx.get("/plan/kpis.csv").await.body;
        let line = |csv: &str| {
            csv.lines()
                .filter(|l| l.contains("アナログ規制の点検・見直しの実施"))
                .map(str::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(line(&csv).contains(",50,2024,自動集計,"), "{}", line(&csv));
        let next = t.on_day(time::macros::date!(2025 - 06 - 01)).await;
        let mut dx7 = Client::new(&next);
        assert_eq!(dx7.sign_in("dxoffice", PASSWORD).await.status, 303);
        let sakae = id_of(&t, "栄町公告式条例").await;
        dx7.get(&format!("/staff/ordinances/{sakae}")).await;
        for (article, _) in [("第2条", ()), ("第3条", ())] {
            let (f, state) = finding(&t, "栄町公告式条例", article, "書面掲示").await;
            assert_eq!(state, "candidate");
            let r = dx7
                .post(
                    &format!("/staff/ordinances/findings/{f}"),
                    &[("to", "not_applicable"), ("reason", "公布の方法は地方自治法が定める")],
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
        }
        let r = dx7
            .post("/staff/ordinances/check", &[("id", &sakae.to_string())])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let csv = dx7.get("/plan/kpis.csv").await.body;
        let l = line(&csv);
        assert!(l.contains(",100,2025,自動集計,"), "{l}");
        let series: serde_json::Value =
            serde_json::from_str(&dx7.get("/plan/measures/1-5-1/series.json").await.body).unwrap();
        let actual = |year: i64| {
            series["series"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["fiscal_year"] == year)
                .map(|x| x["actual"].clone())
                .unwrap()
        };
        assert_eq!((actual(2024), actual(2025)), (50.0.into(), 100.0.into()));

        // A newer text of 牟岐 with a changed clause takes the mark back.
        let text = std::fs::read_to_string(Path::new(FIXTURES).join("mugi-kokokushiki.txt")).unwrap();
        let newer = text.replacen("公布", "公布(改)", 1);
        assert_ne!(newer, text);
        let o = match machi::ordinances::input::read_bytes("mugi-2.txt", newer.as_bytes()) {
            machi::ordinances::input::Read::Ok(o) => o,
            machi::ordinances::input::Read::Refused { reason, .. } => panic!("{reason}"),
        };
        machi::ordinances::store::import(&t.db, &o, &o.digest(), Rules::bundled(), &machi::audit::Actor::cli())
            .await
            .unwrap();
        let c = machi::ordinances::progress::completion(&t.db).await.unwrap();
        assert_eq!((c.complete, c.unchecked), (1, 1), "{c:?}");
    })
    .await;
}

/// The bundled rules with every 書面掲示 pattern replaced by one that never matches.
fn without_posting() -> String {
    let start = BUNDLED.find("name = \"書面掲示\"").unwrap();
    let end = start + BUNDLED[start..].find("[[category]]").unwrap();
    let block: String = BUNDLED[start..end]
        .lines()
        .map(|l| {
            if l.starts_with("pattern =") {
                "pattern = \"書面掲示を求めない試験用の語句\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    format!("{}{}\n{}", &BUNDLED[..start], block, &BUNDLED[end..])
}

#[tokio::test]
async fn rules_are_versioned_and_a_rescan_shows_what_changed() {
    crate::support::each_backend(|t| async move {
        import(&t, &["mugi-kokokushiki.txt", "sakae-kokokushiki.txt"]).await;
        let mut dx = signed_in(&t, "dxoffice", Role::DxOffice, "企画課").await;
        let (mugi_posting, _) = finding(&t, "牟岐町公告式条例", "第2条", "書面掲示").await;
        let mugi = id_of(&t, "牟岐町公告式条例").await;
        dx.get(&format!("/staff/ordinances/{mugi}")).await;
        let r = dx
            .post(
                &format!("/staff/ordinances/findings/{mugi_posting}"),
                &[("to", "applies"), ("direction", "digitise")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        // A 例規 read with older rules (as after an upgrade of machi) is pointed out, and the
        // re-scan with the rules in force brings it up to date.
        sqlx::query("UPDATE ordinances SET rules_version = 1 WHERE id = $1")
            .bind(mugi)
            .execute(&mut *t.db.conn().await.unwrap())
            .await
            .unwrap();
        let r = dx.get("/staff/ordinances").await;
        assert!(r.body.contains("1件の例規は、いまの規則"), "{}", r.body);
        let r = dx.post("/staff/ordinances/rescan", &[]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = dx.get(&r.location()).await;
        assert!(
            r.body.contains("候補に変わりはありませんでした"),
            "{}",
            r.body
        );
        let r = dx.get("/staff/ordinances").await;
        assert!(!r.body.contains("いまの規則で読み直す"), "{}", r.body);

        // The rules in force, readable by a 課 too, changeable only by the coordinating department.
        let r = dx.get("/staff/ordinances/rules").await;
        let bundled = Rules::bundled().version;
        assert!(
            r.body.contains(&format!("検出の規則(第{bundled}版)")),
            "{}",
            r.body
        );
        assert!(r.body.contains("掲示場に掲示"), "{}", r.body);
        user(&t.db, "somu", Role::DepartmentEditor, "総務課").await;
        let mut somu = Client::new(&t);
        assert_eq!(somu.sign_in("somu", PASSWORD).await.status, 303);
        let r = somu.get("/staff/ordinances/rules").await;
        assert_eq!(r.status, 200);
        assert!(!r.body.contains("保存して読み直す"));
        let text = without_posting();
        assert_eq!(
            somu.post(
                "/staff/ordinances/rules",
                &[("text", &text), ("note", "x"), ("action", "save")]
            )
            .await
            .status,
            403
        );

        // A preview says what would change and saves nothing.
        let r = dx
            .post(
                "/staff/ordinances/rules",
                &[("text", &text), ("action", "preview")],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            r.body.contains(&format!(
                "第{}版として保存した場合・まだ保存していません",
                bundled + 1
            )),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("提案されなくなる判断済みの候補 1件"),
            "{}",
            r.body
        );
        let (_, state) = finding(&t, "栄町公告式条例", "第2条", "書面掲示").await;
        assert_eq!(state, "candidate");
        // A broken rule, or no note, saves nothing and says why.
        let broken = text.replacen("pattern = \"目視|視認\"", "pattern = \"(目視\"", 1);
        let r = dx
            .post(
                "/staff/ordinances/rules",
                &[("text", &broken), ("note", "試し"), ("action", "save")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body.contains("目視 の1番目の規則: pattern を読めません"),
            "{}",
            r.body
        );
        let r = dx
            .post(
                "/staff/ordinances/rules",
                &[("text", &text), ("action", "save")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("何をなぜ変えたかを書いてください"));
        let versions: i64 =
            sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM ordinance_rules")
                .fetch_one(&mut *t.db.conn().await.unwrap())
                .await
                .unwrap();
        assert_eq!(versions, 0);

        // Saved as the next version, every 例規 read again; the undecided candidate is withdrawn, the
        // decided one kept and listed.
        let r = dx
            .post(
                "/staff/ordinances/rules",
                &[
                    ("text", &text),
                    ("note", "書面掲示を別の担当で点検するため外す"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = dx.get(&r.location()).await;
        assert!(
            r.body
                .contains(&format!("再スキャンの結果(規則 第{}版)", bundled + 1)),
            "{}",
            r.body
        );
        assert!(r.body.contains("取り下げ("), "{}", r.body);
        assert!(
            r.body
                .contains("提案されなくなった(判断済みのため残す)(1件)"),
            "{}",
            r.body
        );
        let (_, state) = finding(&t, "栄町公告式条例", "第2条", "書面掲示").await;
        assert_eq!(state, "withdrawn");
        let (_, state) = finding(&t, "牟岐町公告式条例", "第2条", "書面掲示").await;
        assert_eq!(state, "applies");
        let r = dx.get("/staff/ordinances/rules").await;
        assert!(
            r.body.contains(&format!("検出の規則(第{}版)", bundled + 1)),
            "{}",
            r.body
        );
        assert!(
            r.body.contains(&format!("version = {}", bundled + 1)),
            "{}",
            r.body
        );
        assert!(r.body.contains("書面掲示を別の担当で点検するため外す"));
        // The decided candidate says the rules no longer propose it; a re-scan does not list
        // it again.
        let r = dx.get(&format!("/staff/ordinances/{mugi}")).await;
        assert!(
            r.body.contains("いまの規則では候補になりません"),
            "{}",
            r.body
        );
        let r = dx.post("/staff/ordinances/rescan", &[]).await;
        let r = dx.get(&r.location()).await;
        assert!(
            r.body.contains("候補に変わりはありませんでした"),
            "{}",
            r.body
        );

        // An import now uses the town's rules.
        import(&t, &["rifu-kokokushiki.txt"]).await;
        assert!(
            !machi::ordinances::store::findings(&t.db)
                .await
                .unwrap()
                .iter()
                .any(|f| f.title.starts_with("利府") && f.category == "書面掲示")
        );
        // Back to the bundled rules: 栄町's candidate is proposed again.
        let r = dx
            .post(
                "/staff/ordinances/rules",
                &[("text", BUNDLED), ("note", "元に戻す"), ("action", "save")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = dx.get(&r.location()).await;
        assert!(r.body.contains("新しい候補("), "{}", r.body);
        let (_, state) = finding(&t, "栄町公告式条例", "第2条", "書面掲示").await;
        assert_eq!(state, "candidate");
        let r = dx.get(&format!("/staff/ordinances/{mugi}")).await;
        assert!(
            !r.body.contains("いまの規則では候補になりません"),
            "{}",
            r.body
        );
        let v: i64 =
            sqlx::query_scalar("SELECT CAST(MAX(rules_version) AS BIGINT) FROM ordinance_findings")
                .fetch_one(&mut *t.db.conn().await.unwrap())
                .await
                .unwrap();
        assert_eq!(v, i64::from(bundled) + 2);
    })
    .await;
}

#[tokio::test]
async fn an_import_from_the_command_line_shows_on_the_kpi_after_the_hourly_job() {
    crate::support::each_backend(|t| async move {
        let mut dx = signed_in(&t, "dxoffice", Role::DxOffice, "企画課").await;
        let kpi = |csv: String| {
            csv.lines()
                .find(|l| l.contains("アナログ規制の点検・見直しの実施"))
                .unwrap()
                .to_string()
        };
        let before = kpi(dx.get("/plan/kpis.csv").await.body);
        assert!(!before.contains("自動集計"), "{before}");
        // As `machi ordinances import` does, in another process: the server's figures are
        // cached until its hourly job reads the record again.
        import(&t, &["mugi-kokokushiki.txt"]).await;
        let job = machi::modules::registry()
            .modules
            .iter()
            .flat_map(|m| m.jobs())
            .find(|j| j.name == "ordinances.progress")
            .unwrap();
        (job.run)(t.state.clone()).await.unwrap();
        let after = kpi(dx.get("/plan/kpis.csv").await.body);
        assert!(after.contains(",0,2024,自動集計,"), "{after}");
    })
    .await;
}
