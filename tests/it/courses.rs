//! The スマホ教室 booking core: the capacity holds when many book the last places at once (on
//! both backends), a freed place is offered to the next on the waiting list and lapses to the
//! one after, and bookings that cannot be made are refused with the reason.

use crate::support::{Client, each_backend, signed_in};
use machi::audit::Actor;
use machi::auth::model::Role;
use machi::courses::model::{Audience, BookingState, Person, Via};
use machi::courses::store::{self, CourseError, NewCourse, NewSession};
use time::macros::datetime;

pub(crate) fn person(n: usize) -> Person {
    Person::parse(
        &format!("香美 {n}"),
        "かみ",
        &format!("0796-36-{:04}", 1000 + n),
        "70歳代",
    )
    .unwrap()
}

/// A residents' course with one session at 公民館.
pub(crate) async fn session_of(
    db: &machi::db::Db,
    title: &str,
    starts_at: time::OffsetDateTime,
    ends_at: time::OffsetDateTime,
    capacity: i64,
) -> i64 {
    let actor = Actor::cli();
    let course = store::create_course(
        db,
        &NewCourse {
            title,
            audience: Audience::Residents,
            topic: "",
            level: "はじめての方",
        },
        &actor,
    )
    .await
    .unwrap();
    store::create_session(
        db,
        &NewSession {
            course_id: course,
            starts_at,
            ends_at,
            place: "公民館",
            capacity,
        },
        &actor,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn the_last_places_go_once_and_the_waiting_list_moves_up() {
    each_backend(|t| async move {
        let db = &t.db;
        let actor = Actor::cli();
        let session = session_of(
            db,
            "はじめてのスマホ",
            datetime!(2024-11-20 10:00 +09:00),
            datetime!(2024-11-20 11:30 +09:00),
            3,
        )
        .await;
        let now = datetime!(2024-11-01 09:00 +09:00);
        // Ten people book three places at the same moment.
        let mut tasks = Vec::new();
        for n in 0..10 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                store::book(&db, session, &person(n), Via::Web, now, &Actor::cli())
                    .await
                    .map(|(b, _)| b)
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.push(task.await.unwrap().unwrap());
        }
        let booked: Vec<_> = all
            .iter()
            .filter(|b| b.state == BookingState::Booked)
            .collect();
        let mut positions: Vec<i64> = all.iter().filter_map(|b| b.position).collect();
        positions.sort();
        assert_eq!(booked.len(), 3);
        assert_eq!(positions, (1..=7).collect::<Vec<_>>());
        assert_eq!(store::places(db, session).await.unwrap(), (3, 3));

        // A double submit (two requests at once, the same phone): one booking.
        let twice = person(40);
        let (a, b) = tokio::join!(
            store::book(db, session, &twice, Via::Web, now, &actor),
            store::book(db, session, &twice, Via::Web, now, &actor)
        );
        assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");

        // The same phone twice, a past session: refused, with the reason.
        let again = store::book(db, session, &person(0), Via::Phone, now, &actor).await;
        assert!(
            matches!(&again, Err(CourseError::Refused(m)) if m.contains("予約がすでにあります")),
            "{again:?}"
        );
        let late = datetime!(2024-11-20 10:00 +09:00);
        let past = store::book(db, session, &person(20), Via::Web, late, &actor).await;
        assert!(matches!(&past, Err(CourseError::Refused(m)) if m.contains("終わっています")));

        // A booked person cancels: the first in line is offered the place, the count stays.
        let first_waiting = all.iter().find(|b| b.position == Some(1)).unwrap().clone();
        let offered = store::cancel(db, &booked[0].number, now, &actor)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(offered.number, first_waiting.number);
        assert_eq!(offered.state, BookingState::Offered);
        assert_eq!(offered.offer_expires_at, "2024-11-02T00:00:00Z");
        assert_eq!(store::places(db, session).await.unwrap(), (3, 3));
        // Nobody else can take the freed place meanwhile.
        let (b, _) = store::book(db, session, &person(30), Via::Web, now, &actor)
            .await
            .unwrap();
        assert_eq!(b.state, BookingState::Waiting);
        assert_eq!(b.position, Some(8));
        // The offer lapses unanswered: the next in line gets it.
        let later = datetime!(2024-11-02 10:00 +09:00);
        assert_eq!(store::lapse_offers(db, later, &actor).await.unwrap(), 1);
        let lapsed = store::accept(db, &offered.number, later, &actor).await;
        assert!(matches!(lapsed, Err(CourseError::Refused(_))));
        let second = all.iter().find(|b| b.position == Some(2)).unwrap();
        let b = store::booking(db, &second.number).await.unwrap();
        assert_eq!(b.state, BookingState::Offered);
        let b = store::accept(db, &second.number, later, &actor)
            .await
            .unwrap();
        assert_eq!(b.state, BookingState::Booked);
        assert_eq!(store::places(db, session).await.unwrap(), (3, 3));

        // Leaving the waiting list frees nothing; a cancelled booking cannot be cancelled again.
        let third = all.iter().find(|b| b.position == Some(3)).unwrap();
        assert!(
            store::cancel(db, &third.number, later, &actor)
                .await
                .unwrap()
                .is_none()
        );
        let twice = store::cancel(db, &third.number, later, &actor).await;
        assert!(matches!(&twice, Err(CourseError::Refused(m)) if m.contains("取り消し")));
    })
    .await;
}

/// The booking token from the booking page's address.
fn token_of(location: &str) -> String {
    location.rsplit('/').next().unwrap().to_string()
}

#[tokio::test]
async fn residents_book_on_the_web_and_staff_on_the_phone() {
    each_backend(|t| async move {
        let mut staff = signed_in(&t, "kikaku", Role::DxOffice, "企画課").await;
        staff.get("/staff/courses").await;
        let r = staff
            .post(
                "/staff/courses/new",
                &[
                    ("title", "はじめてのスマホ"),
                    ("audience", "residents"),
                    ("topic", "電話・LINE"),
                ],
            )
            .await;
        assert_eq!(
            r.location(),
            "/staff/courses?done=course",
            "{} {}",
            r.status,
            r.body
        );
        let course = store::courses(&t.db).await.unwrap()[0].0.to_string();
        // A date that does not exist, no capacity: named.
        let r = staff
            .post(
                "/staff/courses/sessions",
                &[
                    ("course", &course),
                    ("date", "令和6年11月31日"),
                    ("capacity", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body.contains("日付「令和6年11月31日」を読めません"),
            "{}",
            r.body
        );
        assert!(r.body.contains("定員「」は1以上の数"));
        let r = staff
            .post(
                "/staff/courses/sessions",
                &[
                    ("course", &course),
                    ("date", "令和6年11月20日"),
                    ("start", "１０：００"),
                    ("end", "11:30"),
                    ("place", "中央公民館"),
                    ("capacity", "1"),
                ],
            )
            .await;
        assert_eq!(r.location(), "/staff/courses?done=session", "{}", r.body);
        let sid = store::sessions(&t.db, Audience::Residents, None)
            .await
            .unwrap()[0]
            .id;

        // The schedule and the session, as a resident sees them (the town's day is 2024-11-01).
        let mut resident = Client::new(&t);
        let r = resident.get("/courses").await;
        assert!(
            r.body.contains("令和6年11月20日(水) 10:00〜11:30"),
            "{}",
            r.body
        );
        assert!(r.body.contains("残り1人"));
        let r = resident.get(&format!("/courses/{sid}")).await;
        assert!(r.body.contains("予約する"));
        // A phone number in the wrong shape: named, what was typed kept.
        let r = resident
            .post(
                &format!("/courses/{sid}"),
                &[("name", "𠮷田 はな"), ("phone", "12")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("電話番号: "), "{}", r.body);
        assert!(r.body.contains("value=\"𠮷田 はな\""));
        let r = resident
            .post(
                &format!("/courses/{sid}"),
                &[
                    ("name", "𠮷田 はな"),
                    ("kana", "よしだ はな"),
                    ("phone", "090-1111-2222"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let first = token_of(&r.location());
        let r = resident.get(&format!("/courses/booking/{first}")).await;
        assert!(
            r.body.contains("予約済み") && r.body.contains("𠮷田 はな"),
            "{}",
            r.body
        );
        // The same phone again is refused with its number.
        let r = resident
            .post(
                &format!("/courses/{sid}"),
                &[("name", "𠮷田 はな"), ("phone", "09011112222")],
            )
            .await;
        assert_eq!(r.status, 409);
        assert!(r.body.contains("予約がすでにあります(予約番号"));

        // Full: someone phones; staff put them on the waiting list and read out the slip.
        let r = staff.get(&format!("/staff/courses/sessions/{sid}")).await;
        assert!(r.body.contains("𠮷田 はな") && r.body.contains("ウェブ"));
        let r = staff
            .post(
                &format!("/staff/courses/sessions/{sid}/book"),
                &[
                    ("via", "phone"),
                    ("name", "香美 太郎"),
                    ("phone", "0796-36-0000"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let slip = staff.get(&r.location()).await;
        assert!(
            slip.body.contains("キャンセル待ち") && slip.body.contains("順番 1番目"),
            "{}",
            slip.body
        );
        let waiting = r.location().rsplit('/').next().unwrap().to_string();

        // The first resident cancels from the booking page: the place is offered to the next.
        let r = resident
            .post(&format!("/courses/booking/{first}/cancel"), &[])
            .await;
        assert!(r.body.contains("取り消しました"), "{}", r.body);
        let b = store::booking(&t.db, &waiting).await.unwrap();
        assert_eq!(b.state, BookingState::Offered);
        let r = staff.get(&format!("/staff/courses/sessions/{sid}")).await;
        assert!(r.body.contains("空きのご案内中"));
        // Staff phone them, and they take it.
        let r = staff
            .post(&format!("/staff/courses/bookings/{waiting}/accept"), &[])
            .await;
        assert_eq!(
            r.location(),
            format!("/staff/courses/sessions/{sid}?done=accepted")
        );
        assert_eq!(
            store::booking(&t.db, &waiting).await.unwrap().state,
            BookingState::Booked
        );
        assert_eq!(store::places(&t.db, sid).await.unwrap(), (1, 1));

        // Without the permission: refused before anything is looked up.
        let mut viewer = signed_in(&t, "etsuran", Role::Viewer, "").await;
        viewer.get("/staff").await;
        assert_eq!(viewer.get("/staff/courses").await.status, 403);
        let r = viewer
            .post(&format!("/staff/courses/bookings/{waiting}/cancel"), &[])
            .await;
        assert_eq!(r.status, 403);
    })
    .await;
}

#[tokio::test]
async fn attendance_at_the_door_feeds_the_kpi() {
    each_backend(|t| async move {
        let db = &t.db;
        let actor = Actor::cli();
        let sid = session_of(
            db,
            "マイナンバーカードの使い方",
            datetime!(2024-11-20 00:00 +09:00),
            datetime!(2024-11-20 23:59 +09:00),
            2,
        )
        .await;
        let now = datetime!(2024-11-01 09:00 +09:00);
        let (a, _) = store::book(db, sid, &person(1), Via::Web, now, &actor)
            .await
            .unwrap();
        let (b, _) = store::book(db, sid, &person(2), Via::Phone, now, &actor)
            .await
            .unwrap();
        // Not days ahead.
        let early = store::mark(db, &a.number, BookingState::Attended, now, &actor).await;
        assert!(matches!(&early, Err(CourseError::Refused(m)) if m.contains("当日")));
        // A booking is not an attendance.
        assert!(store::attendees_by_year(db).await.unwrap().is_empty());

        // On the day, at the door.
        let day = t.on_day(time::macros::date!(2024 - 11 - 20)).await;
        let mut staff = signed_in(&day, "tanto", Role::DxOffice, "企画課").await;
        let r = staff.get(&format!("/staff/courses/sessions/{sid}")).await;
        assert!(r.body.contains("出席 0人"), "{}", r.body);
        let r = staff
            .post(
                &format!("/staff/courses/bookings/{}/mark", a.number),
                &[("to", "attended")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = staff
            .post(
                &format!("/staff/courses/bookings/{}/mark", b.number),
                &[("to", "absent")],
            )
            .await;
        assert_eq!(r.status, 303);
        let r = staff
            .post(
                &format!("/staff/courses/sessions/{sid}/walk-in"),
                &[("name", "")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("当日参加の方のお名前を入力してください"));
        let r = staff
            .post(
                &format!("/staff/courses/sessions/{sid}/walk-in"),
                &[("name", "飛入 三郎")],
            )
            .await;
        assert_eq!(r.status, 303);
        let r = staff.get(&format!("/staff/courses/sessions/{sid}")).await;
        assert!(r.body.contains("出席 2人"), "{}", r.body);
        assert_eq!(
            store::attendees_by_year(db).await.unwrap(),
            [(machi::fiscal::FiscalYear(2024), 2)]
        );
        // The KPI takes it: 2 attendances in R6, from the courses, not typed by anyone.
        let csv = staff.get("/plan/kpis.csv").await.body;
        let line = csv
            .lines()
            .find(|l| l.contains("高齢者等スマホ教室の実施"))
            .unwrap()
            .to_string();
        assert!(line.contains(",2,2024,自動集計,"), "{line}");
    })
    .await;
}
