//! Sign-in, sessions, throttling, CSRF, permissions on routes, user administration, audit.

use crate::support::{Client, PASSWORD, each_backend, signed_in, user};
use machi::auth::model::Role;

async fn audit_actions(db: &machi::db::Db) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(&mut *db.conn().await.unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_pages_need_a_session() {
    each_backend(|db| async move {
        let mut c = Client::new(&db);
        for path in [
            "/staff",
            "/staff/users",
            "/staff/audit",
            "/staff/password",
            "/staff/audit.csv",
        ] {
            let r = c.get(path).await;
            assert_eq!(r.status, 303, "{path}");
            let loc = r.headers["location"].to_str().unwrap();
            assert!(loc.starts_with("/login?next=%2Fstaff"), "{path} → {loc}");
        }
        // A forged cookie is no session.
        c.cookies.insert("machi_session".into(), "0".repeat(64));
        assert_eq!(c.get("/staff").await.status, 303);
    })
    .await;
}

#[tokio::test]
async fn sign_in_sign_out_and_audit() {
    each_backend(|db| async move {
        user(&db, "kikaku", Role::DxOffice, "企画課").await;
        let mut c = Client::new(&db);
        let page = c.get("/login").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("職員サインイン"));
        let cookie = page.headers["set-cookie"].to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        let r = c
            .post(
                "/login",
                &[
                    ("username", "kikaku"),
                    ("password", PASSWORD),
                    ("next", "/staff/audit"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(r.headers["location"], "/staff/audit");
        let set: Vec<&str> = r
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        let session = set
            .iter()
            .find(|c| c.starts_with("machi_session="))
            .unwrap();
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
        assert!(!session.contains("Secure"), "plain HTTP in tests");
        let audit = c.get("/staff/audit").await;
        assert_eq!(audit.status, 200);
        // The page says what happened in words; the CSV keeps the codes for tools.
        assert!(
            audit
                .body
                .contains("<th scope=\"row\" data-label=\"操作\">サインイン</th>"),
            "{}",
            audit.body
        );
        assert!(audit.body.contains("192.0.2.10"));
        let csv = c.get("/staff/audit.csv").await.body;
        assert!(csv.contains(",auth.sign_in,session,"), "{csv}");
        let out = c.post("/logout", &[]).await;
        assert_eq!(out.status, 303);
        assert_eq!(c.get("/staff").await.status, 303);
        let actions = audit_actions(&db).await;
        assert!(actions.ends_with(&["auth.sign_in".to_string(), "auth.sign_out".to_string()]));
    })
    .await;
}

#[tokio::test]
async fn wrong_passwords_are_counted_slowed_and_then_locked() {
    each_backend(|db| async move {
        user(&db, "kikaku", Role::DxOffice, "企画課").await;
        let mut c = Client::new(&db);
        for i in 1..=5 {
            let r = c.sign_in("kikaku", "wrong password!").await;
            assert_eq!(r.status, 401, "attempt {i}");
            assert!(r.body.contains("ユーザー名またはパスワードが違います"));
            assert!(r.body.contains("value=\"kikaku\""), "user name kept");
        }
        // Locked now, even with the right password.
        let r = c.sign_in("kikaku", PASSWORD).await;
        assert_eq!(r.status, 429);
        assert!(
            r.body.contains("一時的にサインインできません"),
            "{}",
            r.body
        );
        // Another account from the same address is locked too (per-address throttle).
        user(&db, "other", Role::Viewer, "").await;
        assert_eq!(c.sign_in("other", PASSWORD).await.status, 429);
        // From another address the other account works; the locked account stays locked.
        let mut d = Client::new(&db);
        d.ip = "198.51.100.7:40000".parse().unwrap();
        assert_eq!(d.sign_in("other", PASSWORD).await.status, 303);
        let mut e = Client::new(&db);
        e.ip = "198.51.100.8:40000".parse().unwrap();
        assert_eq!(e.sign_in("kikaku", PASSWORD).await.status, 429);
        let failed = audit_actions(&db)
            .await
            .iter()
            .filter(|a| *a == "auth.sign_in_failed")
            .count();
        assert_eq!(failed, 5);
        // The delay grows with failures.
        use machi::auth::store::failure_delay_ms;
        assert_eq!(failure_delay_ms(1), 0);
        assert!(failure_delay_ms(2) > 0);
        assert!(failure_delay_ms(4) > failure_delay_ms(3));
        assert!(failure_delay_ms(50) <= 2000);
    })
    .await;
}

#[tokio::test]
async fn unknown_users_get_the_same_answer() {
    each_backend(|db| async move {
        let mut c = Client::new(&db);
        let r = c.sign_in("nobody", PASSWORD).await;
        assert_eq!(r.status, 401);
        assert!(r.body.contains("ユーザー名またはパスワードが違います"));
    })
    .await;
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    each_backend(|db| async move {
        let mut c = signed_in(&db, "admin", Role::SystemAdmin, "").await;
        c.get("/staff/users/new").await;
        let good = c.csrf.clone();
        for (path, body) in [
            (
                "/staff/users",
                "username=x1234&display_name=x&role=viewer&password=aaaaaaaaaaaa".to_string(),
            ),
            ("/staff/password", "current=a&new=b&confirm=b".to_string()),
            ("/logout", String::new()),
            ("/staff/users", format!("csrf={}x&username=x1234", good)),
        ] {
            let r = c.post_raw(path, body).await;
            assert_eq!(r.status, 403, "{path}");
            assert!(r.body.contains("フォームの有効期限が切れたか"), "{path}");
        }
        // The login form needs its own token too.
        let mut anon = Client::new(&db);
        let r = anon
            .post_raw(
                "/login",
                "username=admin&password=correct+horse+battery".into(),
            )
            .await;
        assert_eq!(r.status, 403);
        // Still signed in: nothing above logged us out.
        assert_eq!(c.get("/staff/users").await.status, 200);
    })
    .await;
}

#[tokio::test]
async fn no_session_fixation_and_no_open_redirect() {
    each_backend(|db| async move {
        user(&db, "kikaku", Role::DxOffice, "企画課").await;
        let mut c = Client::new(&db);
        c.cookies
            .insert("machi_session".into(), "attacker-chosen".into());
        c.get("/login").await;
        let r = c
            .post(
                "/login",
                &[
                    ("username", "kikaku"),
                    ("password", PASSWORD),
                    ("next", "//evil.example/x"),
                ],
            )
            .await;
        assert_eq!(r.headers["location"], "/staff");
        assert_ne!(c.cookies["machi_session"], "attacker-chosen");
        for next in [
            "https://evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
        ] {
            let mut d = Client::new(&db);
            d.get("/login").await;
            let r = d
                .post(
                    "/login",
                    &[
                        ("username", "kikaku"),
                        ("password", PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            assert_eq!(r.headers["location"], "/staff", "{next}");
        }
    })
    .await;
}

#[tokio::test]
async fn admins_manage_users_and_disabling_ends_access_at_once() {
    each_backend(|db| async move {
        let mut admin = signed_in(&db, "admin", Role::SystemAdmin, "").await;
        let mut editor = signed_in(&db, "machi1", Role::DepartmentEditor, "町民課").await;
        assert_eq!(editor.get("/staff").await.status, 200);
        // Bad input is explained beside the fields and nothing is saved.
        admin.get("/staff/users/new").await;
        let r = admin
            .post(
                "/staff/users",
                &[
                    ("username", "a b"),
                    ("display_name", ""),
                    ("role", "department_editor"),
                    ("department", ""),
                    ("password", "short"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("半角英数字と . _ - で3〜32文字"));
        let r = admin
            .post(
                "/staff/users",
                &[
                    ("username", "kenko1"),
                    ("display_name", "健康課 担当"),
                    ("role", "department_editor"),
                    ("department", ""),
                    ("password", "long enough pw"),
                ],
            )
            .await;
        assert!(r.body.contains("担当課の担当者には所属課が必要です"));
        let r = admin
            .post(
                "/staff/users",
                &[
                    ("username", "kenko1"),
                    ("display_name", "健康課 担当"),
                    ("role", "department_editor"),
                    ("department", "健康課"),
                    ("password", "long enough pw"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        let list = admin.get(r.headers["location"].to_str().unwrap()).await;
        assert!(list.body.contains("kenko1 を保存しました"));
        assert!(list.body.contains("健康課 担当"));
        // Duplicate names are refused.
        let r = admin
            .post(
                "/staff/users",
                &[
                    ("username", "kenko1"),
                    ("display_name", "x"),
                    ("role", "viewer"),
                    ("password", "long enough pw"),
                ],
            )
            .await;
        assert!(r.body.contains("「kenko1」は既に使われています"));
        // Disable the editor: their next request is refused.
        let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'machi1'")
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        let page = admin.get(&format!("/staff/users/{id}")).await;
        assert_eq!(page.status, 200);
        let r = admin
            .post(
                &format!("/staff/users/{id}"),
                &[
                    ("display_name", "町民課 担当"),
                    ("role", "department_editor"),
                    ("department", "町民課"),
                    ("disabled", "1"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(editor.get("/staff").await.status, 303);
        assert_eq!(editor.sign_in("machi1", PASSWORD).await.status, 401);
        let actions = audit_actions(&db).await;
        assert!(actions.contains(&"user.create".to_string()));
        assert!(actions.contains(&"user.update".to_string()));
    })
    .await;
}

#[tokio::test]
async fn a_stale_user_edit_is_refused_with_what_changed() {
    each_backend(|db| async move {
        let mut a = signed_in(&db, "admin", Role::SystemAdmin, "").await;
        let mut b = signed_in(&db, "admin2", Role::SystemAdmin, "").await;
        let target = user(&db, "viewer1", Role::Viewer, "").await;
        let path = format!("/staff/users/{}", target.id);
        a.get(&path).await;
        b.get(&path).await;
        let r = a
            .post(
                &path,
                &[
                    ("display_name", "町長"),
                    ("role", "viewer"),
                    ("department", ""),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        let r = b
            .post(
                &path,
                &[
                    ("display_name", "副町長"),
                    ("role", "committee"),
                    ("department", ""),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, 409);
        assert!(r.body.contains("ほかの人が先に更新しました"));
        assert!(
            r.body.contains("表示名: 町長"),
            "shows what the other person saved"
        );
        assert!(
            r.body.contains("value=\"副町長\""),
            "keeps what this person typed"
        );
        let name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
            .bind(target.id)
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(name, "町長");
    })
    .await;
}

#[tokio::test]
async fn password_change_checks_and_ends_other_sessions() {
    each_backend(|db| async move {
        let mut a = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        let mut other = Client::new(&db);
        assert_eq!(other.sign_in("kikaku", PASSWORD).await.status, 303);
        a.get("/staff/password").await;
        let r = a
            .post(
                "/staff/password",
                &[("current", "nope"), ("new", "short"), ("confirm", "short")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("現在のパスワードが違います"));
        assert!(r.body.contains("10文字以上にしてください"));
        let r = a
            .post(
                "/staff/password",
                &[
                    ("current", PASSWORD),
                    ("new", "a new long phrase"),
                    ("confirm", "a new long phrase"),
                ],
            )
            .await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("パスワードを変更しました"));
        assert_eq!(a.get("/staff").await.status, 200, "this session stays");
        assert_eq!(other.get("/staff").await.status, 303, "other sessions end");
        let mut fresh = Client::new(&db);
        assert_eq!(
            fresh.sign_in("kikaku", "a new long phrase").await.status,
            303
        );
    })
    .await;
}

#[tokio::test]
async fn roles_without_permission_get_403_on_admin_routes() {
    each_backend(|db| async move {
        for (name, role) in [
            ("role1", Role::DxOffice),
            ("role2", Role::DepartmentEditor),
            ("role3", Role::Committee),
            ("role4", Role::Advisor),
            ("role5", Role::Viewer),
        ] {
            let mut c = signed_in(&db, name, role, "町民課").await;
            assert_eq!(c.get("/staff/users").await.status, 403, "{role:?}");
            assert_eq!(c.get("/staff/users/new").await.status, 403, "{role:?}");
            c.get("/staff").await;
            let r = c
                .post(
                    "/staff/users",
                    &[
                        ("username", "sneaky"),
                        ("display_name", "x"),
                        ("role", "system_admin"),
                        ("password", "long enough pw"),
                    ],
                )
                .await;
            assert_eq!(r.status, 403, "{role:?}");
            let audit = c.get("/staff/audit").await.status;
            assert_eq!(
                audit,
                if role == Role::DxOffice { 200 } else { 403 },
                "{role:?}"
            );
        }
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = 'sneaky'")
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(n, 0);
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_is_append_only_filterable_and_exportable() {
    each_backend(|db| async move {
        let mut c = signed_in(&db, "admin", Role::SystemAdmin, "").await;
        user(&db, "someone", Role::Viewer, "").await;
        let upd = sqlx::query("UPDATE audit_log SET note = 'x'")
            .execute(&mut *db.conn().await.unwrap())
            .await;
        assert!(upd.is_err(), "updates are refused");
        let del = sqlx::query("DELETE FROM audit_log")
            .execute(&mut *db.conn().await.unwrap())
            .await;
        assert!(del.is_err(), "deletes are refused");
        let filtered = c.get("/staff/audit?action=user.create").await;
        assert!(filtered.body.contains("user.create"));
        assert!(
            !filtered
                .body
                .contains("<th scope=\"row\" data-label=\"操作\">auth.sign_in</th>")
        );
        let csv = c.get("/staff/audit.csv?action=user").await;
        assert_eq!(csv.status, 200);
        assert!(
            csv.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        assert!(csv.body.starts_with('\u{feff}'));
        let mut rdr = csv::Reader::from_reader(csv.body.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
        assert!(rows.iter().all(|r| r[4].starts_with("user.")));
        assert!(
            rows.iter()
                .any(|r| r[7].is_empty() && r[8].contains("\"username\":\"someone\""))
        );
        // Filter values are data, never SQL.
        let r = c.get("/staff/audit?user=%27%20OR%201%3D1%20--").await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("0 件"));
    })
    .await;
}

/// The staff menu offers each role only what it can open: every entry answers 200 for the person
/// it is shown to.
#[tokio::test]
async fn every_menu_entry_opens_for_the_role_it_is_shown_to() {
    each_backend(|db| async move {
        let roles = [
            (Role::SystemAdmin, ""),
            (Role::DxOffice, "企画課"),
            (Role::DepartmentEditor, "住民課"),
            (Role::Committee, ""),
            (Role::Advisor, ""),
            (Role::Viewer, ""),
        ];
        for (i, (role, dept)) in roles.into_iter().enumerate() {
            let name = format!("user{i}");
            user(&db, &name, role, dept).await;
            let mut c = Client::new(&db);
            assert_eq!(c.sign_in(&name, PASSWORD).await.status, 303);
            let home = c.get("/staff").await.body;
            let menu = home
                .split("<nav aria-label=\"職員メニュー\">")
                .nth(1)
                .and_then(|m| m.split("</nav>").next())
                .expect("staff menu");
            let links: Vec<&str> = menu
                .split("href=\"")
                .skip(1)
                .filter_map(|s| s.split('"').next())
                .collect();
            assert!(links.len() >= 2, "{role:?}: {links:?}");
            for href in links {
                let status = c.get(href).await.status;
                assert_eq!(status, 200, "{role:?} is offered {href} and gets {status}");
            }
        }
    })
    .await;
}
