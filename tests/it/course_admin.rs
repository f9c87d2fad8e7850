//! A スマホ教室 after it is planned: its details (a larger room offers the new place to the
//! waiting list), cancelling it whole for snow, the questionnaire, the KPI page's figures beside
//! 延べ受講者, the month's flyer, and names and phone numbers purged after the retention period.

use crate::courses::{person, session_of};
use crate::support::{Client, each_backend, signed_in};
use machi::audit::Actor;
use machi::auth::model::Role;
use machi::courses::model::{BookingState, Via};
use machi::courses::session_admin;
use machi::courses::store;
use time::macros::{date, datetime};

#[tokio::test]
async fn a_session_is_changed_cancelled_and_asked_about() {
    each_backend(|t| async move {
        let db = &t.db;
        let actor = Actor::cli();
        let now = datetime!(2024-11-01 09:00 +09:00);
        let sid = session_of(
            db,
            "はじめてのスマホ",
            datetime!(2024-11-20 00:00 +09:00),
            datetime!(2024-11-20 23:59 +09:00),
            1,
        )
        .await;
        let (first, _) = store::book(db, sid, &person(1), Via::Web, now, &actor)
            .await
            .unwrap();
        let (second, _) = store::book(db, sid, &person(2), Via::Phone, now, &actor)
            .await
            .unwrap();
        assert_eq!(second.state, BookingState::Waiting);

        let mut staff = signed_in(&t, "tanto", Role::DxOffice, "企画課").await;
        let edit = format!("/staff/courses/sessions/{sid}/edit");
        staff.get(&edit).await;
        // Fewer places than are booked, or a map link that is not a web address: refused.
        let r = staff
            .post(&edit, &[("capacity", "0"), ("place", "公民館")])
            .await;
        assert_eq!(r.status, 422);
        let r = staff
            .post(
                &edit,
                &[("capacity", "2"), ("map_url", "javascript:alert(1)")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("https:// で始まるアドレス"), "{}", r.body);
        // A larger room: the waiting list's first is offered the new place.
        let r = staff
            .post(
                &edit,
                &[
                    ("place", "中央公民館 2階 大会議室"),
                    ("access", "バス停「中央」から徒歩2分"),
                    ("map_url", "https://example.jp/map"),
                    ("capacity", "2"),
                    ("partner", "携帯電話ショップ"),
                    ("instructor", "スマホ講師"),
                    ("bring", "ご自分のスマートフォン"),
                    ("lends_phones", "on"),
                ],
            )
            .await;
        assert_eq!(
            r.location(),
            format!("/staff/courses/sessions/{sid}?done=edited-1")
        );
        assert_eq!(
            store::booking(db, &second.number).await.unwrap().state,
            BookingState::Offered
        );
        let mut resident = Client::new(&t);
        let r = resident.get(&format!("/courses/{sid}")).await;
        assert!(r.body.contains("バス停「中央」から徒歩2分"), "{}", r.body);
        assert!(r.body.contains("練習用のスマートフォンをお貸しします"));
        assert!(r.body.contains("href=\"https://example.jp/map\""));
        assert!(r.body.contains("はじめての方"));

        // The month's flyer: the session, how to book, a QR code.
        let r = staff.get("/staff/courses/flyer?month=2024-11").await;
        assert!(r.body.contains("令和6年11月"), "{}", r.body);
        assert!(r.body.contains("はじめてのスマホ"));
        assert!(r.body.contains("<svg"));
        assert!(r.body.contains("ご自分のスマートフォン"));

        // A second session is cancelled for snow: everyone released, nobody counted.
        let snow = session_of(
            db,
            "LINE入門",
            datetime!(2024-11-22 10:00 +09:00),
            datetime!(2024-11-22 11:30 +09:00),
            5,
        )
        .await;
        let (booked, token) = store::book(db, snow, &person(3), Via::Web, now, &actor)
            .await
            .unwrap();
        staff.get(&format!("/staff/courses/sessions/{snow}")).await;
        let cancel = format!("/staff/courses/sessions/{snow}/cancel");
        let r = staff.post(&cancel, &[("reason", "")]).await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains("中止の理由を入力してください"));
        let r = staff.post(&cancel, &[("reason", "大雪のため")]).await;
        assert_eq!(
            r.location(),
            format!("/staff/courses/sessions/{snow}?done=session_cancelled-1")
        );
        assert_eq!(
            store::booking(db, &booked.number).await.unwrap().state,
            BookingState::Cancelled
        );
        let r = resident.get(&format!("/courses/booking/{token}")).await;
        assert!(
            r.body
                .contains("この回は中止になりました(理由: 大雪のため)"),
            "{}",
            r.body
        );
        let again = store::book(db, snow, &person(4), Via::Web, now, &actor).await;
        assert!(again.is_err());
        let r = staff.get("/staff/courses/flyer?month=2024-11").await;
        assert!(
            !r.body.contains("LINE入門"),
            "a cancelled session is not on the flyer"
        );

        // Before the class, no questionnaire.
        let feedback = format!("/staff/courses/sessions/{sid}/feedback");
        let r = staff.post(&feedback, &[("clarity", "4")]).await;
        assert_eq!(r.status, 400);

        // On the day: one attends, the offered one never answered and is absent, one walk-in;
        // two questionnaires from paper.
        let day = t.on_day(date!(2024 - 11 - 20)).await;
        let mut staff = signed_in(&day, "tanto2", Role::DxOffice, "企画課").await;
        // At the door: found by number as said, or by kana typed in hiragana.
        let find = |q: &str| {
            format!(
                "/staff/courses/sessions/{sid}?find={}",
                machi::auth::session::urlencode(q)
            )
        };
        let r = staff.get(&find(first.number.trim_start_matches('0'))).await;
        assert!(r.body.contains("で1件"), "{}", r.body);
        assert!(r.body.contains(&first.number));
        assert!(!r.body.contains(&format!(">{}<", second.number)));
        let r = staff.get(&find("かみ")).await;
        assert!(r.body.contains("で2件"), "{}", r.body);
        assert!(r.body.contains("出席 0人"));
        for (number, to) in [(&first.number, "attended"), (&second.number, "absent")] {
            let r = staff
                .post(
                    &format!("/staff/courses/bookings/{number}/mark"),
                    &[("to", to)],
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
        }
        staff
            .post(
                &format!("/staff/courses/sessions/{sid}/walk-in"),
                &[("name", "飛入 三郎")],
            )
            .await;
        let r = staff
            .post(
                &feedback,
                &[
                    ("via", "paper"),
                    ("clarity", "4"),
                    ("learned", "line"),
                    ("learned", "camera"),
                    ("comment", "また参加したいです"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        staff
            .post(
                &feedback,
                &[("via", "tablet"), ("clarity", "2"), ("learned", "line")],
            )
            .await;
        let r = staff.post(&feedback, &[("clarity", "9")]).await;
        assert_eq!(r.status, 400);
        let r = staff.get(&format!("/staff/courses/sessions/{sid}")).await;
        assert!(r.body.contains("回答 2件"), "{}", r.body);
        let title = &r.body[r.body.find("<title>").unwrap()..r.body.find("</title>").unwrap()];
        assert!(
            title.starts_with("<title>はじめてのスマホ 令和6年11月20日"),
            "{title}"
        );
        assert!(!title.contains("アンケート"), "{title}");
        assert!(r.body.contains("50%(回答2人中1人)"));
        assert!(r.body.contains("また参加したいです"));

        // The KPI page: 2 attendances (1 booked + 1 walk-in), 1 held, 1 cancelled, 2 of 2
        // places booked, 1 of 2 booked absent.
        let r = staff.get("/plan/measures/1-1-5").await;
        assert!(r.body.contains("教室の開催と参加の様子"), "{}", r.body);
        let row = r.body[r.body.find("教室の開催と参加の様子").unwrap()..].to_string();
        for cell in ["2(うち当日参加 1)", "100%", "50%", "50%(回答2人中1人)"] {
            assert!(row.contains(&format!(">{cell}<")), "{cell}: {row}");
        }

        // After the retention period the names and phone numbers go; the counts stay.
        let later = datetime!(2025-03-01 09:00 +09:00);
        let n = session_admin::purge(db, later, 90, &actor).await.unwrap();
        assert_eq!(n, 4, "three of the class and the cancelled one");
        let b = store::booking(db, &first.number).await.unwrap();
        assert_eq!((b.name.as_str(), b.phone.as_str()), ("", ""));
        assert_eq!(b.state, BookingState::Attended);
        assert_eq!(
            store::attendees_by_year(db).await.unwrap(),
            [(machi::fiscal::FiscalYear(2024), 2)]
        );
        assert_eq!(
            session_admin::purge(db, later, 90, &actor).await.unwrap(),
            0
        );
    })
    .await;
}
