//! Staff trainings end to end through the pages: the personnel section's directory (all or
//! nothing, errors by line), a classroom training's sheet with the four statuses, a member of
//! staff marking themselves by the session's QR page, an e-learning import, 受講率 per training
//! and 課, the 課長's list and task-list reminder, materials, and KPI 2-③-1 counted.

use crate::support::{Client, PASSWORD, TestTown, each_backend, signed_in, user};
use machi::auth::model::Role;

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// Five people in two 課 (one with a 外字 name, one a machi user), as Shift_JIS like the
/// personnel system writes it.
fn directory_csv() -> Vec<u8> {
    let text = "職員番号,氏名,フリガナ,所属,職種,雇用区分,採用日,ログインID\r\n\
                10001,山田 太郎,ヤマダ タロウ,企画課,一般事務,正規職員,平成20年4月1日,yamada\r\n\
                10002,鈴木 花子,スズキ ハナコ,企画課,一般事務,会計年度任用職員,2024-04-01,\r\n\
                10003,佐藤 次郎,サトウ ジロウ,税務課,一般事務,正規職員,2015/04/01,\r\n\
                10004,高橋 三郎,タカハシ サブロウ,税務課,保健師,正規職員,2010-04-01,kacho\r\n\
                10005,田中 四郎,タナカ シロウ,税務課,一般事務,正規職員,2024-04-01,\r\n";
    encoding_rs::SHIFT_JIS.encode(text).0.into_owned()
}

async fn training_id(t: &TestTown, title: &str) -> i64 {
    machi::trainings::store::trainings(&t.db, None)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.title == title)
        .unwrap()
        .id
}

async fn member_id(t: &TestTown, code: &str) -> i64 {
    machi::trainings::directory::all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.code == code)
        .unwrap()
        .id
}

#[tokio::test]
async fn a_training_is_taken_counted_and_reminded() {
    each_backend(|t| async move {
        // 税務課 is a 課 of the town (its users), like 企画課 of the plan.
        user(&t.db, "kacho", Role::DepartmentEditor, "税務課").await;
        let mut dx = signed_in(&t, "dxoffice", Role::DxOffice, "企画課").await;
        dx.get("/staff/trainings/directory").await;

        // A file with an unknown 課 and a repeated number changes nothing.
        let bad = "職員番号,氏名,所属\n1,A,企画課\n1,B,企画課\n2,C,存在しない課\n";
        let r = dx
            .post_file("/staff/trainings/directory", "職員.csv", bad.as_bytes())
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("3行目: 職員番号「1」は2行目と同じです"), "{}", r.body);
        assert!(r.body.contains("4行目: 所属「存在しない課」はmachiに登録されていない課です"));
        assert!(machi::trainings::directory::all(&t.db).await.unwrap().is_empty());

        let r = dx
            .post_file("/staff/trainings/directory", "職員名簿.csv", &directory_csv())
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = dx.get(&r.location()).await;
        assert!(r.body.contains("新しく5人"), "{}", r.body);
        assert!(r.body.contains("山田 太郎"));

        // 情報セキュリティ研修 for all staff, one classroom session today (2024-11-01).
        dx.get("/staff/trainings").await;
        let r = dx
            .post(
                "/staff/trainings/new",
                &[
                    ("title", "情報セキュリティ研修"),
                    ("category", "security"),
                    ("kind", "classroom"),
                    ("year", "令和6年度"),
                    ("target", "all"),
                    ("required", "on"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let sec = training_id(&t, "情報セキュリティ研修").await;
        dx.get(&format!("/staff/trainings/{sec}")).await;
        // A session in another 年度 is refused with the reason.
        let r = dx
            .post(
                &format!("/staff/trainings/{sec}/sessions"),
                &[("date", "2025-04-10"), ("start", "14:00"), ("end", "15:00")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("令和6年度の日付にしてください"), "{}", r.body);
        let r = dx
            .post(
                &format!("/staff/trainings/{sec}/sessions"),
                &[
                    ("date", "令和6年11月1日"),
                    ("start", "0:00"),
                    ("end", "23:59"),
                    ("place", "大会議室"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let sid = machi::trainings::store::sessions(&t.db, sec).await.unwrap()[0].id;

        // The sheet: 免除 without a reason saves nothing.
        let r = dx.get(&format!("/staff/trainings/sessions/{sid}")).await;
        assert!(r.body.contains("<svg"), "the QR code is on the sheet");
        let (m2, m3, m4, m5) = (
            member_id(&t, "10002").await,
            member_id(&t, "10003").await,
            member_id(&t, "10004").await,
            member_id(&t, "10005").await,
        );
        let s = |id: i64| format!("status_{id}");
        let reason = |id: i64| format!("reason_{id}");
        let r = dx
            .post(
                &format!("/staff/trainings/sessions/{sid}"),
                &[(&s(m2), "present"), (&s(m3), "excused")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("佐藤 次郎さん(10003): 免除には理由を入力してください"));
        assert!(machi::trainings::store::attendances(&t.db, None).await.unwrap().is_empty());
        let r = dx
            .post(
                &format!("/staff/trainings/sessions/{sid}"),
                &[
                    (&s(m2), "present"),
                    (&s(m3), "excused"),
                    (&reason(m3), "育児休業中"),
                    (&s(m4), "late"),
                    (&s(m5), "absent"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        // 山田 marks themselves by the QR page (signed in with their own account).
        let code = machi::trainings::store::sessions(&t.db, sec).await.unwrap()[0]
            .self_code
            .clone();
        let mut yamada = signed_in(&t, "yamada", Role::Viewer, "企画課").await;
        let r = yamada.get("/staff").await;
        assert!(r.body.contains("必須の研修「情報セキュリティ研修」"), "{}", r.body);
        let r = yamada.get(&format!("/staff/trainings/here/{code}")).await;
        assert!(r.body.contains("山田 太郎さん(企画課、職員番号 10001)"), "{}", r.body);
        let r = yamada
            .post(&format!("/staff/trainings/here/{code}"), &[])
            .await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("を記録しました"), "{}", r.body);
        let r = yamada.get("/staff").await;
        assert!(!r.body.contains("必須の研修「情報セキュリティ研修」"));
        // Someone not in the directory is told so; a wrong code is not found.
        let mut other = signed_in(&t, "nobody", Role::Viewer, "企画課").await;
        other.get(&format!("/staff/trainings/here/{code}")).await;
        let r = other.post(&format!("/staff/trainings/here/{code}"), &[]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("職員名簿にありません"));
        assert_eq!(other.get("/staff/trainings/here/nope").await.status, 404);
        // Only the coordinating department runs trainings.
        assert_eq!(other.get(&format!("/staff/trainings/{sec}")).await.status, 403);

        // 受講率: 5 in the target, 1 excused, 山田 + 鈴木 + 高橋(遅刻) took it.
        let r = dx.get(&format!("/staff/trainings/{sec}")).await;
        assert!(r.body.contains("75.0%(対象4人中3人。免除1人)"), "{}", r.body);
        assert!(r.body.contains("育児休業中"));
        assert!(r.body.contains("本人(QRコード)"));

        // The 課長 of 税務課 sees their 課's list and a reminder; not another 課's.
        let mut kacho = Client::new(&t);
        assert_eq!(kacho.sign_in("kacho", PASSWORD).await.status, 303);
        let r = kacho.get("/staff").await;
        assert!(
            r.body.contains("税務課で、必須の研修をまだ受けていない職員がいます: 「情報セキュリティ研修」1人"),
            "{}",
            r.body
        );
        let r = kacho.get("/staff/trainings/pending").await;
        assert!(r.body.contains("田中 四郎"), "{}", r.body);
        assert!(!r.body.contains("佐藤 次郎"), "excused is not pending");
        let other_dept = format!(
            "/staff/trainings/pending?department={}",
            machi::auth::session::urlencode("企画課")
        );
        assert_eq!(kacho.get(&other_dept).await.status, 403);

        // ICTリテラシー研修 by e-learning for 一般事務 (4 people): the import.
        let r = dx
            .post(
                "/staff/trainings/new",
                &[
                    ("title", "ICTリテラシー研修(e-ラーニング)"),
                    ("category", "ict_literacy"),
                    ("kind", "elearning"),
                    ("year", "2024"),
                    ("target", "job"),
                    ("target_job", "一般事務"),
                    ("required", "on"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let ict = training_id(&t, "ICTリテラシー研修(e-ラーニング)").await;
        dx.get(&format!("/staff/trainings/{ict}")).await;
        let bad = "ユーザーID,氏名,受講状況,修了日時\n10001,山田,修了,2024/06/10 10:00\n99999,誰か,修了,2024/06/11 10:00\n";
        let r = dx
            .post_file(&format!("/staff/trainings/{ict}/elearning"), "el.csv", bad.as_bytes())
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("3行目: 職員番号「99999」は職員名簿にありません"), "{}", r.body);
        let good = "ユーザーID,氏名,受講状況,修了日時\n10001,山田,修了,2024/06/10 10:00\nyamada,山田,修了,2024/06/10 10:00\n10002,鈴木,未受講,\n10003,佐藤,完了,2024/07/01 09:00\n10005,田中,修了,2025/04/03 09:00\n";
        let r = dx
            .post_file(&format!("/staff/trainings/{ict}/elearning"), "el.csv", good.as_bytes())
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = dx.get(&r.location()).await;
        assert!(r.body.contains("未修了 1人、年度外の修了 1件"), "{}", r.body);
        assert!(r.body.contains("50.0%(対象4人中2人)"), "{}", r.body);

        // Materials: a PDF is kept and downloaded; a program is refused.
        let r = dx
            .post_file(&format!("/staff/trainings/{sec}/materials"), "資料.pdf", PDF)
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        dx.get(&format!("/staff/trainings/{sec}")).await;
        let r = dx
            .post_file(&format!("/staff/trainings/{sec}/materials"), "setup.exe", b"MZ\x90\x00")
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("「setup.exe」は資料として添付できない種類"));
        let (status, headers, bytes) = yamada
            .get_bytes(&format!("/staff/trainings/{sec}/materials/1"))
            .await;
        assert_eq!((status, bytes.as_slice()), (200, PDF));
        assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment"));

        // KPI 2-③-1 counts the session held in R6; the KPI page shows 受講率 beside it.
        let csv = dx.get("/plan/kpis.csv").await.body;
        let line = csv
            .lines()
            .find(|l| l.contains("職員向け情報セキュリティ研修の実施"))
            .unwrap()
            .to_string();
        assert!(line.contains(",1,2024,自動集計,"), "{line}");
        let line = csv.lines().find(|l| l.contains("ICTリテラシー研修")).unwrap().to_string();
        assert!(line.contains(",1,2024,自動集計,"), "{line}");
        let r = dx.get("/plan/measures/2-3-1").await;
        assert!(r.body.contains("情報セキュリティ研修の実施と受講率"), "{}", r.body);
        assert!(r.body.contains("75.0%(対象4人中3人。免除1人)"));

        // The next directory leaves 田中 out: no longer in any target.
        let fewer: Vec<u8> = {
            let text = String::from_utf8(
                encoding_rs::SHIFT_JIS.decode(&directory_csv()).0.as_bytes().to_vec(),
            )
            .unwrap();
            text.lines()
                .filter(|l| !l.starts_with("10005"))
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes()
        };
        dx.get("/staff/trainings/directory").await;
        let r = dx
            .post_file("/staff/trainings/directory", "職員名簿.csv", &fewer)
            .await;
        assert!(r.location().contains("left=1"), "{}", r.location());
        let r = kacho.get("/staff").await;
        assert!(!r.body.contains("必須の研修をまだ受けていない職員"), "{}", r.body);
    })
    .await;
}
