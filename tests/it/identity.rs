//! The body's identity: staff edit the contact details, the emblem and departments' contacts;
//! the public frame and the procedure pages show them; bad input is named; stale edits,
//! unsafe images and other roles are refused; every change is audited.

use crate::support::{Client, each_backend, form_fields, signed_in, user};
use machi::auth::model::Role;

/// A real 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

fn with(fields: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| {
            let v = changes
                .iter()
                .find(|(c, _)| c == k)
                .map_or(v.clone(), |(_, n)| n.to_string());
            (k.clone(), v)
        })
        .collect()
}

fn refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    // The client adds its own token.
    f.iter()
        .filter(|(k, _)| k != "csrf")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

async fn audited(t: &crate::support::TestTown, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&mut *t.db.conn().await.unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_edit_the_identity_and_the_public_frame_shows_it() {
    each_backend(|t| async move {
        let mut dx = signed_in(&t, "kikaku", Role::DxOffice, "企画課").await;
        let mut public = Client::new(&t);
        // Nothing entered: the frame shows no contact, no emblem.
        let home = public.get("/").await.body;
        assert!(!home.contains("class=\"contact\""));
        assert!(!home.contains("/emblem"));
        assert_eq!(public.get("/emblem").await.status, 404);

        let page = dx.get("/staff/identity").await;
        assert_eq!(page.status, 200);
        // Departments the plan names are offered for a contact.
        assert!(page.body.contains("企画課"), "{}", page.body);
        let blank = form_fields(&page.body, "/staff/identity");

        // Bad input: each field named, nothing written.
        let bad = with(
            &blank,
            &[
                ("postal_code", "669"),
                ("phone", "36-1111"),
                ("email", "soumu@localhost"),
                ("website", "javascript:alert(1)"),
            ],
        );
        let r = dx.post("/staff/identity", &refs(&bad)).await;
        assert_eq!(r.status, 422);
        for (field, message) in [
            ("postal_code", "「669」は郵便番号として読めません"),
            ("phone", "「36-1111」は電話番号として読めません"),
            (
                "email",
                "「soumu@localhost」はメールアドレスとして読めません",
            ),
            ("website", "ホームページのアドレスとして読めません"),
        ] {
            assert!(r.body.contains(message), "{message}: {}", r.body);
            assert!(r.body.contains(&format!("id=\"{field}-error\"")), "{field}");
        }
        assert_eq!(audited(&t, "identity.update").await, 0);

        // As people type it: full-width digits, 〒.
        let good = with(
            &blank,
            &[
                ("postal_code", "〒６６９－６５９２"),
                ("address", "兵庫県美方郡香美町香住区香住870番地の1"),
                ("phone", "０７９６－３６－１１１１"),
                ("email", "info@town.example.lg.jp"),
                ("hours", "平日 8時30分〜17時15分"),
                ("website", "https://www.town.example.lg.jp/"),
            ],
        );
        let r = dx.post("/staff/identity", &refs(&good)).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(dx.get(&r.location()).await.body.contains("保存しました"));
        // The same form again (an old version): refused, the newer edit stands.
        let r = dx.post("/staff/identity", &refs(&good)).await;
        assert_eq!(r.status, 409);
        assert!(r.body.contains("ほかの人が先に更新しました"));

        let home = public.get("/").await.body;
        assert!(
            home.contains("〒669-6592 兵庫県美方郡香美町香住区香住870番地の1"),
            "{home}"
        );
        assert!(home.contains("<a href=\"tel:0796361111\">0796-36-1111</a>"));
        assert!(home.contains("平日 8時30分〜17時15分"));
        assert!(
            home.contains("香美町役場"),
            "the office by its name, from the plan"
        );
        // Error pages are in the same frame.
        let missing = public.get("/plan/measures/9-9-9").await;
        assert_eq!(missing.status, 404);
        assert!(missing.body.contains("0796-36-1111"), "{}", missing.body);

        // The emblem: a PNG is served as PNG; SVG and oversize are refused, the PNG stays.
        let r = dx
            .post_file_as("/staff/identity/emblem", "emblem", "emblem.png", PNG)
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let (status, headers, bytes) = public.get_bytes("/emblem").await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/png");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(bytes, PNG);
        assert!(
            public
                .get("/")
                .await
                .body
                .contains("class=\"emblem\" src=\"/emblem\"")
        );
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        let r = dx
            .post_file_as("/staff/identity/emblem", "emblem", "emblem.svg", svg)
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("SVG は安全のため受け付けません"));
        let mut big = PNG.to_vec();
        big.resize(machi::identity::model::MAX_EMBLEM + 1, 0);
        let r = dx
            .post_file_as("/staff/identity/emblem", "emblem", "big.png", &big)
            .await;
        assert_eq!(r.status, 413);
        assert!(r.body.contains("512KB以下"), "{}", r.body);
        assert_eq!(public.get_bytes("/emblem").await.2, PNG);

        // Other roles may not edit; without a token nothing happens.
        let mut dept = {
            user(&t.db, "jumin", Role::DepartmentEditor, "町民課").await;
            let mut c = Client::new(&t);
            c.sign_in("jumin", crate::support::PASSWORD).await;
            c
        };
        assert_eq!(dept.get("/staff/identity").await.status, 403);
        assert_eq!(dept.post("/staff/identity", &refs(&good)).await.status, 403);
        let r = dept
            .post_file_as("/staff/identity/emblem", "emblem", "e.png", PNG)
            .await;
        assert_eq!(r.status, 403);
        assert!(!dept.get("/staff").await.body.contains("団体の基本情報"));
        assert!(dx.get("/staff").await.body.contains("団体の基本情報"));

        assert_eq!(audited(&t, "identity.update").await, 1);
        assert_eq!(audited(&t, "identity.emblem").await, 1);
        let r = dx.post("/staff/identity/emblem/remove", &[]).await;
        assert_eq!(r.status, 303);
        assert_eq!(public.get("/emblem").await.status, 404);
        assert_eq!(audited(&t, "identity.emblem_remove").await, 1);
    })
    .await;
}

#[tokio::test]
async fn a_procedure_page_shows_its_departments_contact_or_the_main_phone() {
    each_backend(|t| async move {
        let mut dx = signed_in(&t, "kikaku", Role::DxOffice, "企画課").await;
        machi::procedures::store::ensure_catalog(&t.db)
            .await
            .unwrap();
        let mut public = Client::new(&t);
        // Nothing known: no invented phone, the office's counter.
        let p = public.get("/procedures/kokuho-kanyu").await.body;
        assert!(p.contains("お問い合わせ先"));
        assert!(p.contains("担当課は確認中です"));
        assert!(!p.contains("tel:"));

        // The main phone, once entered, stands in for an unknown department.
        let blank = form_fields(&dx.get("/staff/identity").await.body, "/staff/identity");
        let f = with(
            &blank,
            &[
                ("phone", "0796-36-1111"),
                ("hours", "平日 8時30分〜17時15分"),
            ],
        );
        assert_eq!(dx.post("/staff/identity", &refs(&f)).await.status, 303);
        let p = public.get("/procedures/kokuho-kanyu").await.body;
        assert!(
            p.contains("<a href=\"tel:0796361111\">0796-36-1111</a>(代表"),
            "{p}"
        );

        // The procedure gets its 担当課, the 担当課 its contact: the page shows that instead.
        let edit = dx.get("/staff/procedures/kokuho-kanyu").await.body;
        let f = with(
            &form_fields(&edit, "/staff/procedures/kokuho-kanyu"),
            &[("department", "町民課")],
        );
        let r = dx.post("/staff/procedures/kokuho-kanyu", &refs(&f)).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = dx.get("/staff/identity/departments?name=町民課").await;
        assert_eq!(r.status, 200);
        let f = with(
            &form_fields(&r.body, "/staff/identity/departments"),
            &[("place", "本庁舎1階 2番窓口"), ("phone", "abc")],
        );
        let bad = dx.post("/staff/identity/departments", &refs(&f)).await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("「abc」は電話番号として読めません"));
        let f = with(
            &f,
            &[
                ("phone", "0796-36-1112"),
                ("email", "chomin@town.example.lg.jp"),
            ],
        );
        let r = dx.post("/staff/identity/departments", &refs(&f)).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let p = public.get("/procedures/kokuho-kanyu").await.body;
        assert!(
            p.contains("<strong>町民課</strong>(本庁舎1階 2番窓口)"),
            "{p}"
        );
        assert!(p.contains("<a href=\"tel:0796361112\">0796-36-1112</a>"));
        assert!(p.contains("chomin@town.example.lg.jp"));
        assert!(!p.contains("担当課は確認中です"));
        assert!(!p.contains("担当にお問い合わせください"));

        // A rename keeps one entry; removing it brings back the main phone.
        let r = dx.get("/staff/identity/departments?name=町民課").await;
        let f = with(
            &form_fields(&r.body, "/staff/identity/departments"),
            &[("name", "住民課")],
        );
        assert_eq!(
            dx.post("/staff/identity/departments", &refs(&f))
                .await
                .status,
            303
        );
        let ids = machi::identity::store::load(&t.db).await.unwrap();
        assert_eq!(
            ids.departments
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>(),
            ["住民課"]
        );
        let r = dx
            .post("/staff/identity/departments/remove", &[("name", "住民課")])
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(
            dx.post("/staff/identity/departments/remove", &[("name", "住民課")])
                .await
                .status,
            404
        );
        assert!(
            public
                .get("/procedures/kokuho-kanyu")
                .await
                .body
                .contains("(代表")
        );
        assert_eq!(audited(&t, "department.save").await, 2);
        assert_eq!(audited(&t, "department.rename").await, 1);
        assert_eq!(audited(&t, "department.delete").await, 1);
    })
    .await;
}
