//! The 書かない窓口: a visit end to end, bad input, the resident's tablet, printing, purge, the
//! timings and the 滞在時間 KPI, permissions and audit.

use crate::support::{Client, each_backend, signed_in};
use machi::audit::Actor;
use machi::auth::model::Role;
use machi::counter::store;
use time::OffsetDateTime;
use time::macros::datetime;

fn location(r: &crate::support::Response) -> String {
    r.headers
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn clerk(db: &crate::support::TestTown) -> Client {
    let c = signed_in(db, "madoguchi", Role::DepartmentEditor, "町民課").await;
    machi::procedures::store::ensure_catalog(db).await.unwrap();
    c
}

/// The wife reports her husband's death: two people, each entered once, and the visit's items.
const PERSON: [(&str, &str); 15] = [
    ("p1.name", "香美 花子"),
    ("p1.kana", "かみ はなこ"),
    ("p1.birth", "昭和30年5月1日"),
    ("p1.head_relation", "妻"),
    ("applicant", "1"),
    ("p2.name", "香美 太郎"),
    ("p2.kana", "カミ タロウ"),
    ("p2.birth", "S28.3.3"),
    ("p2.head_relation", "世帯主"),
    ("p2.subject", "on"),
    ("applicant.postal", "６６９－６５９２"),
    ("applicant.address", "兵庫県美方郡香美町香住区香住870番地1"),
    ("applicant.phone", "0796-36-1111"),
    ("applicant.relation", "妻"),
    ("subject.event_date", "令和6年10月28日"),
];

#[tokio::test]
async fn an_okuyami_visit_from_reception_to_printed_forms() {
    each_backend(|db| async move {
        let mut c = clerk(&db).await;
        let board = c.get("/staff/counter").await;
        assert_eq!(board.status, 200);
        assert!(board.body.contains("お悔やみの受付"));
        let r = c
            .post("/staff/counter/visits", &[("life_event", "death")])
            .await;
        assert_eq!(r.status, 303);
        let path = location(&r);
        let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
        let r2 = c
            .post("/staff/counter/visits", &[("life_event", "birth")])
            .await;
        let id2: i64 = location(&r2).rsplit('/').next().unwrap().parse().unwrap();
        let page = c.get(&path).await;
        assert!(
            page.body.contains("<span class=\"receipt\">001</span>"),
            "{}",
            page.body
        );
        assert!(
            c.get(&format!("/staff/counter/visits/{id2}"))
                .await
                .body
                .contains(">002<")
        );
        assert_eq!(
            c.post("/staff/counter/visits", &[("life_event", "nai")])
                .await
                .status,
            400
        );

        // The guide's questions: 国保 and 65歳以上, nothing else.
        c.get(&path).await;
        let v = store::visit(&db, id).await.unwrap().unwrap();
        let version = v.version.to_string();
        let mut answers = vec![
            ("version", version.as_str()),
            ("q_kokuho", "yes"),
            ("q_kaigo65", "yes"),
        ];
        for k in [
            "kouki",
            "kaigo_nintei",
            "nenkin",
            "dai1go",
            "kodomo",
            "jidou_teate",
            "fuyou",
            "shougai",
            "fukushi_iryou",
            "inkan",
            "mynumber",
            "juuminzei",
            "fudousan",
            "nouchi",
            "shinrin",
            "gentsuki",
            "suidou",
            "juutaku",
            "bochi",
            "koureisha",
            "kasouba",
            "setainushi",
        ] {
            answers.push((Box::leak(format!("q_{k}").into_boxed_str()), "no"));
        }
        let r = c.post(&format!("{path}/answers"), &answers).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let v = store::visit(&db, id).await.unwrap().unwrap();
        assert!(v.guidance_at.is_some(), "案内開始 is stamped");
        assert_eq!(v.answers.get("kokuho"), Some(&true));

        // Bad common items: every problem named, nothing saved.
        let page = c.get(&path).await;
        assert!(page.body.contains("国民健康保険 被保険者資格喪失届"));
        assert!(page.body.contains("介護保険 資格喪失届"));
        assert!(!page.body.contains("後期高齢者医療 葬祭費支給申請書"));
        let version = v.version.to_string();
        let long = "長".repeat(41);
        let bad = [
            ("version", version.as_str()),
            ("p1.name", long.as_str()),
            ("p1.kana", "香美 花子"),
            ("applicant.postal", "669-659"),
            ("subject.event_date", "令和7年2月30日"),
            ("applicant.phone", "36-1111"),
        ];
        let r = c.post(&format!("{path}/person"), &bad).await;
        assert_eq!(r.status, 422);
        for m in [
            "40文字以内",
            "カタカナで入力してください(「香」は使えません)",
            "郵便番号は7桁",
            "「令和7年2月30日」は存在しない日付です",
            "電話番号は",
        ] {
            assert!(r.body.contains(m), "{m}: {}", r.body);
        }
        assert!(
            r.body.contains("value=\"669-659\""),
            "what was typed is kept"
        );
        assert!(
            store::visit(&db, id)
                .await
                .unwrap()
                .unwrap()
                .person
                .is_empty()
        );

        let mut good: Vec<(&str, &str)> = vec![("version", version.as_str())];
        good.extend_from_slice(&PERSON);
        let r = c.post(&format!("{path}/person"), &good).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let v = store::visit(&db, id).await.unwrap().unwrap();
        assert_eq!(v.people[0].kana, "カミ　ハナコ");
        assert!(v.people[0].applicant && v.people[1].subject);
        assert_eq!(v.person["applicant.postal"], "669-6592");
        assert_eq!(v.person["subject.event_date"], "2024-10-28");
        // Dates are kept as days and shown back as people write them (S28.3.3 → 昭和28年3月3日).
        assert_eq!(v.people[1].birth, "1953-03-03");
        let page = c.get(&path).await.body;
        assert!(page.contains("value=\"昭和28年3月3日\""), "{page}");
        assert!(page.contains("value=\"令和6年10月28日\""), "{page}");

        // A form's own fields: checked too; 個人番号 is never kept.
        c.get(&format!("{path}/forms/kokuho-sousaihi")).await;
        let version = v.version.to_string();
        let r = c
            .post(
                &format!("{path}/forms/kokuho-sousaihi"),
                &[
                    ("version", &version),
                    ("account_number", "12345"),
                    ("account_holder", "カミ ハナコ"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("7桁で入力してください"));
        let r = c
            .post(
                &format!("{path}/forms/kokuho-sousaihi"),
                &[
                    ("version", &version),
                    ("account_number", "1234567"),
                    ("account_type", "普通"),
                    ("funeral_date", "R6.11.1"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        c.get(&path).await;
        let v = store::visit(&db, id).await.unwrap().unwrap();
        let r = c
            .post(
                &format!("{path}/forms/kokuho-soushitsu"),
                &[
                    ("version", &v.version.to_string()),
                    ("loser_mynumber", "123456789018"),
                    ("reason", "死亡"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        let v = store::visit(&db, id).await.unwrap().unwrap();
        assert!(!v.form_values["kokuho-soushitsu"].contains_key("loser_mynumber"));

        // Printing: every applicable form pre-filled, dates in 和暦, addressed to the 町長.
        let print = c.get(&format!("{path}/print")).await;
        assert_eq!(print.status, 200);
        let body = &print.body;
        assert_eq!(
            body.matches("class=\"paper\"").count(),
            4,
            "3 forms + the desk list"
        );
        assert!(body.contains("香美町長 様"));
        assert!(body.contains("香美 太郎"));
        assert!(body.contains("令和6年10月28日(2024年)"));
        assert!(body.contains("昭和28年3月3日(1953年)"));
        assert!(body.contains("1234567"));
        assert!(body.contains("□□□□ □□□□ □□□□"));
        assert!(!body.contains("123456789018"));
        let one = c.get(&format!("{path}/print/kaigo-soushitsu")).await;
        assert_eq!(one.body.matches("class=\"paper\"").count(), 2);
        assert!(
            one.body.contains("<td>死亡</td>"),
            "the life event's default reason"
        );
        assert_eq!(
            c.get(&format!("{path}/print/kouki-sousaihi")).await.status,
            404
        );

        // Desks, then 完了; closing twice says when it closed.
        c.get(&path).await;
        let r = c
            .post(&format!("{path}/desks"), &[("desk", "国民健康保険")])
            .await;
        assert_eq!(r.status, 303);
        let r = c.post(&format!("{path}/close"), &[]).await;
        assert_eq!(r.status, 303);
        let v = store::visit(&db, id).await.unwrap().unwrap();
        assert!(v.closed_at.is_some() && v.stay_seconds.is_some());
        assert_eq!(v.steps.len(), 1);
        let again = c.post(&format!("{path}/close"), &[]).await;
        assert_eq!(again.status, 409);
        assert!(
            again.body.contains("受付番号001はすでに完了しています"),
            "{}",
            again.body
        );
        let late = c.post(&format!("{path}/person"), &good).await;
        assert_eq!(late.status, 409);

        // The audit names the visit, never the resident.
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT action, after_json FROM audit_log WHERE entity = 'visit' ORDER BY id",
        )
        .fetch_all(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
        let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        for a in [
            "visit.open",
            "visit.answers",
            "visit.person",
            "visit.form_values",
            "visit.print",
            "visit.desk_done",
            "visit.close",
        ] {
            assert!(actions.contains(&a), "{a}: {actions:?}");
        }
        assert!(
            rows.iter()
                .all(|r| !r.1.contains("香美 太郎") && !r.1.contains("花子"))
        );
    })
    .await;
}

#[tokio::test]
async fn the_resident_types_the_common_items_on_a_tablet() {
    each_backend(|db| async move {
        let mut c = clerk(&db).await;
        c.get("/staff/counter").await;
        let r = c
            .post("/staff/counter/visits", &[("life_event", "move_in")])
            .await;
        let path = location(&r);
        let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
        c.get(&path).await;
        let r = c.post(&format!("{path}/entry"), &[]).await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("<svg role=\"img\""), "QR code inline");
        let url = r
            .body
            .split("<span class=\"url\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        assert!(url.starts_with("http://machi.test/counter/entry/"), "{url}");
        // The QR code is shown right below the message that asks to scan it.
        let after_notice = r.body.split("role=\"status\"").nth(1).unwrap();
        assert!(
            after_notice.find("class=\"qr\"").unwrap() < after_notice.find("id=\"q-h\"").unwrap(),
            "QR code below the questions"
        );
        let entry = url.trim_start_matches("http://machi.test");
        // The resident's tablet: no session.
        let mut tablet = Client::new(&db);
        let form = tablet.get(entry).await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains("> 転入する方</label>"), "{}", form.body);
        assert!(form.body.contains("前の住所"));
        // The town's form, nothing else: its name, no menu, no links away, no product name.
        assert!(
            form.body.contains("<p class=\"site-name\">香美町</p>"),
            "{}",
            form.body
        );
        for w in ["<nav", "<footer", ">machi", "machi —", "<a href"] {
            assert!(!form.body.contains(w), "the tablet form has {w}");
        }
        // Without the form's token: refused.
        let r = tablet.post_raw(entry, "p1.name=x".into()).await;
        assert_eq!(r.status, 403);
        let r = tablet
            .post(
                entry,
                &[("p1.name", "但馬 一郎"), ("applicant.postal", "12")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("郵便番号は7桁"));
        let r = tablet
            .post(
                entry,
                &[
                    ("p1.name", "但馬 一郎"),
                    ("p1.kana", "タジマ イチロウ"),
                    ("applicant", "1"),
                    ("p1.subject", "on"),
                    ("subject.previous_address", "豊岡市"),
                ],
            )
            .await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("送信しました"));
        let v = store::visit(&db, id).await.unwrap().unwrap();
        assert_eq!(v.people[0].name, "但馬 一郎");
        assert!(v.people[0].applicant && v.people[0].subject);
        let by: Vec<String> = sqlx::query_scalar(
            "SELECT username FROM audit_log WHERE action = 'visit.person_by_resident'",
        )
        .fetch_all(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
        assert_eq!(by, ["(窓口タブレット)"]);
        // Once the visit is closed, the link no longer works.
        c.get(&path).await;
        c.post(&format!("{path}/close"), &[]).await;
        assert_eq!(tablet.get(entry).await.status, 400);
        assert_eq!(tablet.get("/counter/entry/not-a-token").await.status, 400);
    })
    .await;
}

#[tokio::test]
async fn personal_data_is_purged_after_the_retention_and_timings_stay() {
    each_backend(|db| async move {
        let mut c = clerk(&db).await;
        let actor = Actor::cli();
        let now = OffsetDateTime::now_utc();
        let old = store::open(&db, "death", &actor, now - time::Duration::days(31))
            .await
            .unwrap();
        let person: store::Values = PERSON
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        store::save_details(&db, old.id, &person, Some(1), &actor)
            .await
            .unwrap();
        store::close(
            &db,
            old.id,
            &actor,
            now - time::Duration::days(31) + time::Duration::minutes(50),
        )
        .await
        .unwrap();
        let recent = store::open(&db, "death", &actor, now - time::Duration::days(29))
            .await
            .unwrap();
        store::save_details(&db, recent.id, &person, Some(1), &actor)
            .await
            .unwrap();
        assert_eq!(store::purge(&db, 30, now).await.unwrap(), 1);
        assert_eq!(store::purge(&db, 30, now).await.unwrap(), 0, "only once");
        let v = store::visit(&db, old.id).await.unwrap().unwrap();
        assert!(v.person.is_empty() && v.answers.is_empty() && v.purged_at.is_some());
        assert_eq!(v.stay_seconds, Some(50 * 60));
        assert!(
            !store::visit(&db, recent.id)
                .await
                .unwrap()
                .unwrap()
                .person
                .is_empty()
        );
        let raw: Option<String> =
            sqlx::query_scalar("SELECT person FROM counter_visits WHERE id = $1")
                .bind(old.id)
                .fetch_one(&mut *db.conn().await.unwrap())
                .await
                .unwrap();
        assert_eq!(raw, None, "deleted in the database, not just hidden");
        // Printing a purged visit: a clear message, 410.
        let r = c
            .get(&format!("/staff/counter/visits/{}/print", old.id))
            .await;
        assert_eq!(r.status, 410);
        assert!(
            r.body.contains("保存期間を過ぎたため削除されました"),
            "{}",
            r.body
        );
        let page = c.get(&format!("/staff/counter/visits/{}", old.id)).await;
        assert!(page.body.contains("時刻の記録だけが残っています"));
        // The timing still counts.
        assert_eq!(store::timings(&db).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn stay_times_feed_the_kpi_with_the_first_full_year_as_baseline() {
    each_backend(|db| async move {
        crate::support::with_plan(&db).await;
        machi::procedures::store::ensure_catalog(&db).await.unwrap();
        let actor = Actor::cli();
        // FY2024 (令和6年度) from 4月1日: stays of 60, 80, 100 minutes (median 80);
        // FY2025: 50, 70, 60, 200 (median 65); one open visit that never closed.
        let visits: [(OffsetDateTime, i64, &str); 7] = [
            (datetime!(2024-04-01 00:30 UTC), 60, "death"),
            (datetime!(2024-05-10 01:00 UTC), 80, "move_in"),
            (datetime!(2024-12-02 02:00 UTC), 100, "death"),
            (datetime!(2025-04-07 01:00 UTC), 50, "birth"),
            (datetime!(2025-04-08 01:00 UTC), 70, "death"),
            (datetime!(2025-06-01 01:00 UTC), 60, "move_out"),
            (datetime!(2025-06-02 01:00 UTC), 200, "death"),
        ];
        for (at, minutes, ev) in visits {
            let v = store::open(&db, ev, &actor, at).await.unwrap();
            store::close(&db, v.id, &actor, at + time::Duration::minutes(minutes)).await.unwrap();
        }
        store::open(&db, "death", &actor, datetime!(2025-07-01 01:00 UTC)).await.unwrap();
        let state = db.state_on(time::macros::date!(2026 - 01 - 15)).await;
        let data = state.plan_data().await.unwrap();
        let years: Vec<(i32, f64)> = data.actuals_of("1-1-2").iter().map(|a| (a.fiscal_year.0, a.value)).collect();
        assert_eq!(years, [(2024, 80.0), (2025, 65.0)]);
        let ev = &data.evaluations["1-1-2"];
        assert_eq!(ev.baseline, Some(80.0));
        assert_eq!(ev.baseline_year, Some(machi::fiscal::FiscalYear(2024)));
        assert_eq!(ev.target, Some(64.0), "20%削減 of 80 minutes");
        // 65 of the way from 80 to 64: (80 - 65) / (80 - 64) = 93.75%.
        assert!((ev.achievement.unwrap() - 0.9375).abs() < 1e-9, "{:?}", ev.achievement);

        // A measured baseline entered in the plan wins over the first full year.
        let mut plan = data.plan.clone();
        plan.measures.iter_mut().find(|m| m.code == "1-1-2").unwrap().kpis[0].baseline =
            Some(machi::plan::model::Baseline { value: Some(100.0), fiscal_year: Some(machi::fiscal::FiscalYear(2023)) });
        let mut d2 = machi::plan::service::PlanData::new(plan, data.revision.clone(), Default::default(), data.today);
        machi::plan::sources::apply(&state, &mut d2).await.unwrap();
        assert_eq!(d2.evaluations["1-1-2"].baseline, Some(100.0));
        assert_eq!(d2.evaluations["1-1-2"].target, Some(80.0));

        // The statistics page: by 年度 and month, per life event and for all.
        let mut c = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        let page = c.get("/staff/counter/stats").await;
        assert_eq!(page.status, 200);
        let b = &page.body;
        assert!(b.contains("令和6年度"), "{b}");
        assert!(b.contains("令和7年6月"));
        // FY2025, all: 4 visits, median 65, p90 (nearest rank) 200.
        assert!(b.contains("<td>すべて</td><td class=\"num\">4</td><td class=\"num\">65</td><td class=\"num\">200</td>"), "{b}");
        assert!(b.contains("基準値は、計画に基準値が入力されていない限り、窓口を通年で使った最初の年度(令和6年度"));
    })
    .await;
}

#[tokio::test]
async fn the_counter_needs_the_right_role() {
    each_backend(|db| async move {
        let mut anon = Client::new(&db);
        assert_eq!(anon.get("/staff/counter").await.status, 303);
        let mut viewer = signed_in(&db, "etsuran", Role::Viewer, "").await;
        machi::procedures::store::ensure_catalog(&db).await.unwrap();
        assert_eq!(viewer.get("/staff/counter").await.status, 403);
        viewer.get("/staff").await;
        assert_eq!(
            viewer
                .post("/staff/counter/visits", &[("life_event", "death")])
                .await
                .status,
            403
        );
        let v = store::open(&db, "death", &Actor::cli(), OffsetDateTime::now_utc())
            .await
            .unwrap();
        assert_eq!(
            viewer
                .get(&format!("/staff/counter/visits/{}", v.id))
                .await
                .status,
            403
        );
        assert_eq!(
            viewer
                .get(&format!("/staff/counter/visits/{}/print", v.id))
                .await
                .status,
            403
        );
        // The statistics hold no personal data: every staff member may read them.
        assert_eq!(viewer.get("/staff/counter/stats").await.status, 200);
        let mut committee = signed_in(&db, "iinkai", Role::Committee, "").await;
        assert_eq!(committee.get("/staff/counter").await.status, 403);
        // A clerk without the CSRF token is refused.
        let mut c = clerk(&db).await;
        let r = c
            .post_raw("/staff/counter/visits", "life_event=death".into())
            .await;
        assert_eq!(r.status, 403);
    })
    .await;
}

#[tokio::test]
async fn clerks_opening_visits_at_the_same_moment_get_distinct_numbers() {
    each_backend(|db| async move {
        let mut tasks = Vec::new();
        for _ in 0..12 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                store::open(&db, "death", &Actor::cli(), OffsetDateTime::now_utc())
                    .await
                    .map(|v| v.receipt_no)
            }));
        }
        let mut numbers = Vec::new();
        for t in tasks {
            numbers.push(t.await.unwrap().expect("every 受付 succeeds"));
        }
        numbers.sort();
        assert_eq!(numbers, (1..=12).collect::<Vec<i64>>());
    })
    .await;
}

/// Many clerks at once: every visit goes through, and of two saves on the same version exactly
/// one wins (the other is told to reload), on both backends.
#[tokio::test]
async fn concurrent_writes_neither_fail_nor_overwrite_each_other() {
    each_backend(|db| async move {
        machi::procedures::store::ensure_catalog(&db).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let actor = Actor::cli();
                let now = OffsetDateTime::now_utc();
                let v = store::open(&db, "birth", &actor, now).await.unwrap();
                let person = store::Values::from([("p1.name".to_string(), format!("住民{i}"))]);
                store::save_details(&db, v.id, &person, Some(v.version), &actor)
                    .await
                    .unwrap();
                store::desk_done(&db, v.id, "戸籍", &actor, now)
                    .await
                    .unwrap();
                store::close(&db, v.id, &actor, now + time::Duration::minutes(i))
                    .await
                    .unwrap();
                v.id
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(store::timings(&db).await.unwrap().len(), 8);
        // Two staff save the same procedure from the same version.
        let p = machi::procedures::store::procedure(&db, "tennyu")
            .await
            .unwrap()
            .unwrap();
        let mut saves = Vec::new();
        for dept in ["町民課", "住民課"] {
            let db = db.clone();
            let mut proc_ = p.procedure.clone();
            proc_.department = dept.into();
            let version = p.version;
            saves.push(tokio::spawn(async move {
                machi::procedures::store::save_procedure(&db, &proc_, Some(version), &Actor::cli())
                    .await
            }));
        }
        let mut ok = 0;
        let mut stale = 0;
        for s in saves {
            match s.await.unwrap() {
                Ok(()) => ok += 1,
                Err(machi::procedures::store::StoreError::Stale) => stale += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!((ok, stale), (1, 1));
    })
    .await;
}

/// The visit page is one form: what the clerk typed is kept whichever button is pressed, and
/// answers that did not change are not saved again (the time guidance started stays).
#[tokio::test]
async fn nothing_typed_is_lost_by_pressing_another_button() {
    each_backend(|db| async move {
        let mut c = signed_in(&db, "madoguchi", Role::DepartmentEditor, "住民課").await;
        c.get("/staff/counter").await;
        let r = c
            .post("/staff/counter/visits", &[("life_event", "move_in")])
            .await;
        let path = location(&r);
        let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
        c.get(&path).await;

        // The name typed, then the questions' button: both are kept.
        let v = store::visit(&db, id).await.unwrap().unwrap();
        let version = v.version.to_string();
        let r = c
            .post(
                &format!("{path}/answers"),
                &[
                    ("version", version.as_str()),
                    ("q_kokuho", "yes"),
                    ("p1.name", "但馬 一郎"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let v = store::visit(&db, id).await.unwrap().unwrap();
        assert_eq!(v.people[0].name, "但馬 一郎");
        assert_eq!(v.answers.get("kokuho"), Some(&true));
        let guidance = v.guidance_at.clone();
        assert!(guidance.is_some());

        // Then the details' button with the same answers: the answers are not saved again.
        let version = v.version.to_string();
        let r = c
            .post(
                &format!("{path}/person"),
                &[
                    ("version", version.as_str()),
                    ("q_kokuho", "yes"),
                    ("p1.name", "但馬 一郎"),
                    ("p1.kana", "たじま いちろう"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let v = store::visit(&db, id).await.unwrap().unwrap();
        assert_eq!(v.people[0].kana, "タジマ　イチロウ");
        assert_eq!(v.guidance_at, guidance);
        let answers_saved: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'visit.answers'")
                .fetch_one(&mut *db.conn().await.unwrap())
                .await
                .unwrap();
        assert_eq!(answers_saved, 1);

        // The tablet button keeps what was typed too, and the tablet shows it.
        let version = v.version.to_string();
        let r = c
            .post(
                &format!("{path}/entry"),
                &[
                    ("version", version.as_str()),
                    ("q_kokuho", "yes"),
                    ("p1.name", "但馬 一郎"),
                    ("p1.kana", "タジマ イチロウ"),
                    ("applicant.phone", "0796-36-1111"),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v = store::visit(&db, id).await.unwrap().unwrap();
        assert_eq!(v.person["applicant.phone"], "0796-36-1111");
        assert!(r.body.contains("value=\"0796-36-1111\""));
    })
    .await;
}
