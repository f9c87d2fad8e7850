//! Files on register rows through the site: a flyer (PDF) and a screenshot attached to a
//! publicity row, types sniffed from the bytes (a script renamed .pdf is refused), the size limit,
//! the owner rule, files marked public linked from the public summary and nothing else, another
//! body's site never serving them, and a row's files deleted with it — on SQLite and PostgreSQL.

use crate::support::{each_backend, form_fields, signed_in};
use crate::words::{add_body, client_of, staff_of};
use machi::auth::model::Role;

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// The id of the newest row of a register, from its staff page's 「直す」 link.
fn newest_row(body: &str, key: &str) -> i64 {
    let marker = format!("/staff/registers/{key}/rows/");
    body.split(&marker)
        .skip(1)
        .find_map(|s| s.split('"').next()?.parse().ok())
        .expect("a row link")
}

#[tokio::test]
async fn files_attach_to_register_rows_and_only_public_ones_reach_residents() {
    each_backend(|t| async move {
        let mut dx = signed_in(&t, "dxoffice", Role::DxOffice, "デジタル推進室").await;
        machi::registers::defs::seed_bundled(&t.db).await.unwrap();
        dx.get("/staff/registers/publicity/rows/new").await;
        let r = dx
            .post(
                "/staff/registers/publicity/rows/new",
                &[
                    ("f_published_on", "令和7年6月1日"),
                    ("f_medium", "広報誌"),
                    ("f_title", "マイナポータルで申請できる手続"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = dx.get("/staff/registers/publicity").await;
        let row = newest_row(&page.body, "publicity");
        let files = format!("/staff/registers/publicity/rows/{row}/files");

        // The form offers the upload once the row is saved.
        let form = dx
            .get(&format!("/staff/registers/publicity/rows/{row}"))
            .await;
        assert!(form.body.contains("添付ファイル"), "{}", form.body);
        assert!(form.body.contains(&format!("action=\"{files}\"")));

        // Without the form's token nothing is stored.
        let token = std::mem::replace(&mut dx.csrf, "forged".into());
        let r = dx
            .post_multipart(&files, &[], Some(("file", "a.pdf", PDF)))
            .await;
        assert_eq!(r.status, 403);
        dx.csrf = token;

        // A flyer as PDF, marked public; a screenshot kept for staff only.
        let r = dx
            .post_multipart(
                &files,
                &[("public", "on")],
                Some(("file", "広報6月号 p.4.pdf", PDF)),
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            r.location(),
            format!("/staff/registers/publicity/rows/{row}?done=attached")
        );
        let r = dx
            .post_multipart(&files, &[], Some(("file", "../../投稿.png", PNG)))
            .await;
        assert_eq!(r.status, 303, "{}", r.body);

        // A page with script renamed .pdf, and an SVG: refused by their bytes, named in Japanese.
        for (name, bytes) in [
            ("flyer.pdf", &b"<html><script>alert(1)</script>"[..]),
            (
                "logo.svg",
                &b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"[..],
            ),
        ] {
            let r = dx
                .post_multipart(&files, &[], Some(("file", name, bytes)))
                .await;
            assert_eq!(r.status, 422, "{name}");
            assert!(
                r.body
                    .contains(&format!("「{name}」は添付できない種類のファイルです")),
                "{}",
                r.body
            );
        }
        // Too large: refused before anything is stored.
        let big = [PDF, &vec![b'0'; 10 * 1024 * 1024]].concat();
        let r = dx
            .post_multipart(&files, &[], Some(("file", "big.pdf", &big)))
            .await;
        assert_eq!(r.status, 413, "{}", r.body);
        let r = dx.post_multipart(&files, &[], None).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("添付するファイルを選んでください"));

        let form = dx
            .get(&format!("/staff/registers/publicity/rows/{row}"))
            .await;
        assert_eq!(form.body.matches("/delete\" class=\"inline\"").count(), 2);
        assert!(form.body.contains("広報6月号 p.4.pdf"), "{}", form.body);
        assert!(form.body.contains("投稿.png</a>(画像"), "{}", form.body);
        assert!(form.body.contains("公開ページに掲載"));
        let ids: Vec<i64> = form
            .body
            .split(&format!("{files}/"))
            .skip(1)
            .filter_map(|s| s.split('"').next()?.parse().ok())
            .collect();
        let (pdf_id, png_id) = (ids[0], ids[1]);

        // Staff open both, as the bytes that were sent, with the sniffed type.
        let (status, headers, bytes) = dx.get_bytes(&format!("{files}/{pdf_id}")).await;
        assert_eq!(status, 200);
        assert_eq!(bytes, PDF);
        assert_eq!(headers["content-type"], "application/pdf");
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment;")
        );
        let (_, headers, bytes) = dx.get_bytes(&format!("{files}/{png_id}")).await;
        assert_eq!(bytes, PNG);
        assert_eq!(headers["content-type"], "image/png");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let mut viewer = signed_in(&t, "viewer", Role::Viewer, "総務課").await;
        let list = viewer.get("/staff/registers/publicity").await;
        assert_eq!(list.status, 200);
        assert!(
            list.body.contains("投稿.png"),
            "viewers see the files listed"
        );
        assert_eq!(viewer.get_bytes(&format!("{files}/{png_id}")).await.0, 200);
        // …but only those who may edit the row attach or remove.
        let r = viewer
            .post_multipart(&files, &[], Some(("file", "x.pdf", PDF)))
            .await;
        assert_eq!(r.status, 403);

        // Residents: the public summary links the public file only.
        let mut public = crate::support::Client::new(&t);
        let summary = public.get("/registers/publicity").await;
        assert!(
            summary.body.contains("広報6月号 p.4.pdf</a>(PDF"),
            "{}",
            summary.body
        );
        assert!(!summary.body.contains("投稿.png"));
        let (status, _, bytes) = public
            .get_bytes(&format!("/registers/publicity/files/{pdf_id}"))
            .await;
        assert_eq!((status, bytes.as_slice()), (200, PDF));
        for path in [
            format!("/registers/publicity/files/{png_id}"),
            format!("{files}/{pdf_id}"),
        ] {
            assert_ne!(public.get_bytes(&path).await.0, 200, "{path}");
        }

        // Removing a file, then the row: its files go with it, and the log says so.
        let rm = format!("{files}/{png_id}/delete");
        assert!(form.body.contains(&format!("action=\"{rm}\"")));
        let r = dx.post(&rm, &[]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(dx.get_bytes(&format!("{files}/{png_id}")).await.0, 404);
        let form = dx
            .get(&format!("/staff/registers/publicity/rows/{row}"))
            .await;
        let del = format!("/staff/registers/publicity/rows/{row}/delete");
        let fields = form_fields(&form.body, &del);
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .filter(|(k, _)| k != "csrf")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(dx.post(&del, &fields).await.status, 303);
        assert_eq!(
            public
                .get_bytes(&format!("/registers/publicity/files/{pdf_id}"))
                .await
                .0,
            404
        );
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM register_files")
            .fetch_one(&mut *t.db.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(left, 0);
        let log = dx.get("/staff/audit").await;
        for words in [
            "台帳の行にファイルを添付",
            "台帳の行からファイルを外す",
            "添付ファイル1件も削除",
        ] {
            assert!(log.body.contains(words), "{words}");
        }

        // A file that stays: another body's site, added to this server, never serves it.
        dx.get("/staff/registers/publicity/rows/new").await;
        let r = dx
            .post(
                "/staff/registers/publicity/rows/new",
                &[
                    ("f_published_on", "令和7年7月1日"),
                    ("f_medium", "ホームページ"),
                    ("f_title", "マイナ保険証のお知らせ"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let row = newest_row(
            &dx.get("/staff/registers/publicity").await.body,
            "publicity",
        );
        let r = dx
            .post_multipart(
                &format!("/staff/registers/publicity/rows/{row}/files"),
                &[("public", "on")],
                Some(("file", "chirashi.pdf", PDF)),
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let summary = public.get("/registers/publicity").await;
        let pdf_id: i64 = summary
            .body
            .split("/registers/publicity/files/")
            .nth(1)
            .and_then(|s| s.split('"').next()?.parse().ok())
            .unwrap();
        let files = format!("/staff/registers/publicity/rows/{row}/files");
        let city = add_body(&t, "189995", crate::plan_file::MIZUHO, "mizuho.example.jp").await;
        let mut other = staff_of(
            &t,
            &city,
            "mizuho.example.jp",
            "odx",
            Role::DxOffice,
            "デジタル戦略課",
        )
        .await;
        other.get("/staff/registers/new").await;
        let r = other
            .post(
                "/staff/registers/new",
                &[
                    (
                        "source",
                        machi::registers::BUNDLED
                            .iter()
                            .find(|(n, _)| *n == "publicity.toml")
                            .unwrap()
                            .1,
                    ),
                    ("version", "0"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(other.get_bytes(&format!("{files}/{pdf_id}")).await.0, 404);
        let mut resident = client_of(&t, "mizuho.example.jp");
        assert_eq!(
            resident
                .get_bytes(&format!("/registers/publicity/files/{pdf_id}"))
                .await
                .0,
            404
        );

        // …while this town still serves it, now at its own address.
        let (status, _, bytes) = public
            .get_bytes(&format!("/t/285854/registers/publicity/files/{pdf_id}"))
            .await;
        assert_eq!((status, bytes.as_slice()), (200, PDF));
    })
    .await;
}

#[tokio::test]
async fn a_department_attaches_only_to_its_own_rows() {
    each_backend(|t| async move {
        let mut dx = signed_in(&t, "dxoffice", Role::DxOffice, "デジタル推進室").await;
        machi::registers::defs::seed_bundled(&t.db).await.unwrap();
        let mut a = signed_in(&t, "clerk_a", Role::DepartmentEditor, "A課").await;
        let mut b = signed_in(&t, "clerk_b", Role::DepartmentEditor, "B課").await;
        a.get("/staff/registers/initiatives/rows/new").await;
        let r = a
            .post(
                "/staff/registers/initiatives/rows/new",
                &[
                    ("f_title", "地域の見守りセンサー"),
                    ("f_department", "A課"),
                    ("f_state", "立案"),
                    ("f_planned_on", "2025-05-01"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let row = newest_row(
            &dx.get("/staff/registers/initiatives").await.body,
            "initiatives",
        );
        let files = format!("/staff/registers/initiatives/rows/{row}/files");
        a.get(&format!("/staff/registers/initiatives/rows/{row}"))
            .await;
        let r = a
            .post_multipart(&files, &[], Some(("file", "計画書.pdf", PDF)))
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        b.get("/staff/registers/initiatives").await;
        let r = b
            .post_multipart(&files, &[], Some(("file", "計画書.pdf", PDF)))
            .await;
        assert_eq!(r.status, 403);
        // A register that takes no files has no place for them.
        dx.get("/staff/registers/ai_rpa/rows/new").await;
        let r = dx
            .post(
                "/staff/registers/ai_rpa/rows/new",
                &[
                    ("f_business", "申告書の入力"),
                    ("f_department", "A課"),
                    ("f_tool", "AI-OCR"),
                    ("f_started_on", "2025-04-01"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let ai = newest_row(&dx.get("/staff/registers/ai_rpa").await.body, "ai_rpa");
        let r = dx
            .post_multipart(
                &format!("/staff/registers/ai_rpa/rows/{ai}/files"),
                &[],
                Some(("file", "x.pdf", PDF)),
            )
            .await;
        assert_eq!(r.status, 404);
    })
    .await;
}
