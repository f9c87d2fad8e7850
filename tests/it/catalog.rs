//! The open data catalog: staff create, upload (validated), publish; the public finds,
//! previews and downloads; the オープンデータ KPI counts what is published.

use crate::support::{Client, PASSWORD, each_backend, user, with_plan};
use machi::auth::model::Role;

const TOILET_HEADER: &str = "全国地方公共団体コード,ID,地方公共団体名,名称,名称_カナ,名称_英語,所在地_全国地方公共団体コード,町字ID,所在地_連結表記,所在地_都道府県,所在地_市区町村,所在地_町字,所在地_番地以下,建物名等(方書),設置位置,緯度,経度,高度の種別,高度の値,男性トイレ総数,男性トイレ数（小便器）,男性トイレ数（和式）,男性トイレ数（洋式）,女性トイレ総数,女性トイレ数（和式）,女性トイレ数（洋式）,男女共用トイレ総数,男女共用トイレ数（和式）,男女共用トイレ数（洋式）,バリアフリートイレ数,車椅子使用者用トイレ有無,乳幼児用設備設置トイレ有無,オストメイト設置トイレ有無,利用開始時間,利用終了時間,利用可能時間特記事項,画像,画像_ライセンス,備考";

fn toilet_row(id: &str, lat: &str) -> String {
    format!(
        "285854,{id},兵庫県香美町,香住駅,カスミエキ,,285854,,兵庫県美方郡香美町香住区若松,兵庫県,美方郡香美町,香住区若松,,,駅舎内,{lat},134.629,,,3,1,1,1,2,1,1,0,0,0,1,有,無,無,06:00,22:00,,,,"
    )
}

async fn kikaku(db: &crate::support::TestTown, today: time::Date) -> Client {
    with_plan(db).await;
    user(db, "kikaku", Role::DxOffice, "企画課").await;
    let mut c = Client::on_day(db, today).await;
    assert_eq!(c.sign_in("kikaku", PASSWORD).await.status, 303);
    c
}

fn today() -> time::Date {
    machi::fiscal::today_jst()
}

async fn create(c: &mut Client, name: &str, title: &str, standard: &str) -> String {
    c.get("/staff/opendata/new").await;
    let r = c
        .post(
            "/staff/opendata",
            &[
                ("name", name),
                ("title", title),
                ("notes", "町内の公衆トイレの一覧です。"),
                ("department", "企画課"),
                ("tags", "トイレ, 観光"),
                ("license_id", "cc-by"),
                ("frequency", "随時"),
                ("standard", standard),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let loc = r.headers["location"].to_str().unwrap();
    loc.trim_start_matches("/staff/opendata/")
        .split('?')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn upload_validate_override_publish_and_find() {
    each_backend(|db| async move {
        let mut c = kikaku(&db, today()).await;
        // Bad metadata is named.
        c.get("/staff/opendata/new").await;
        let r = c.post("/staff/opendata", &[("name", "公衆トイレ"), ("title", ""), ("license_id", "x")]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("URL名は半角英小文字"));
        let id = create(&mut c, "kami-public-toilets", "公衆トイレ一覧 <script>alert(1)</script>", "public_toilet").await;

        // Nothing to publish yet.
        c.get(&format!("/staff/opendata/{id}")).await;
        let r = c.post(&format!("/staff/opendata/{id}/publish"), &[]).await;
        assert_eq!(r.status, 409);
        assert!(r.body.contains("リソース(ファイルかURL)がないデータセットは公開できません"));

        // A CSV with a latitude out of range is caught; publishing waits for a fix or a reason.
        let csv = format!("{TOILET_HEADER}\n{}\n{}\n", toilet_row("LL0001", "35.633"), toilet_row("LL0002", "135.6"));
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&csv);
        c.get(&format!("/staff/opendata/{id}")).await;
        let r = c.post_file(&format!("/staff/opendata/{id}/resources"), "../../公衆トイレ.csv", &sjis).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = c.get(&format!("/staff/opendata/{id}")).await;
        assert!(page.body.contains("検証エラーあり"));
        // Grouped by column and kind, with the fix; every finding downloadable as CSV.
        assert!(page.body.contains("<th scope=\"row\">「緯度」(16列目)</th><td data-label=\"種類\">制約違反</td><td class=\"num\" data-label=\"件数\">1</td><td data-label=\"最初の行\">3行目</td>"), "{}", page.body);
        assert!(page.body.contains("大きすぎます(46以下)"));
        assert!(page.body.contains("直し方:"));
        assert!(page.body.contains("3行目 16列目 制約違反"));
        let r = c.post(&format!("/staff/opendata/{id}/publish"), &[]).await;
        assert_eq!(r.status, 409);
        assert!(r.body.contains("検証エラーがあります"));
        let rid: String = sqlx::query_scalar("SELECT id FROM od_resources").fetch_one(&mut *db.conn().await.unwrap()).await.unwrap();
        let stored: String = sqlx::query_scalar("SELECT stored_path FROM od_resources").fetch_one(&mut *db.conn().await.unwrap()).await.unwrap();
        assert!(stored.ends_with(&format!("{rid}.csv")), "stored under machi's own name: {stored}");
        let report = c.get(&format!("/staff/opendata/resources/{rid}/report.csv")).await;
        assert_eq!(report.status, 200);
        assert!(report.body.contains("constraint-error,制約違反,エラー,3,16,緯度,135.6"), "{}", report.body);
        assert_ne!(Client::new(&db).get(&format!("/staff/opendata/resources/{rid}/report.csv")).await.status, 200);
        c.get(&format!("/staff/opendata/{id}")).await;
        let r = c.post(&format!("/staff/opendata/resources/{rid}/override"), &[("reason", "")]).await;
        assert_eq!(r.status, 422);
        let r = c.post(&format!("/staff/opendata/resources/{rid}/override"), &[("reason", "2行目は山間部の施設で座標を確認中")]).await;
        assert_eq!(r.status, 303);
        assert_eq!(c.post(&format!("/staff/opendata/{id}/publish"), &[]).await.status, 303);

        // The public finds it with kana folded, facets narrow it, the page escapes markup.
        let mut p = Client::on_day(&db, today()).await;
        let list = p.get("/opendata?q=といれ").await;
        assert!(list.body.contains("1 件"), "{}", list.body);
        assert!(list.body.contains("公衆トイレ一覧 &#60;script&#62;"), "markup is escaped");
        assert!(!list.body.contains("<script>alert"));
        assert!(list.body.contains("自治体標準ODS"), "the aggregators' tag is added");
        assert!(p.get("/opendata?q=図書館").await.body.contains("条件に合うデータセットはありません"));
        assert!(p.get("/opendata?format=CSV&tag=観光").await.body.contains("kami-public-toilets"));
        assert!(p.get("/opendata?license=cc-zero").await.body.contains("0 件"));
        let page = p.get("/opendata/datasets/kami-public-toilets").await;
        assert!(page.body.contains("クリエイティブ・コモンズ 表示 4.0"));
        let title = &page.body[page.body.find("<title>").unwrap() + 7..page.body.find("</title>").unwrap()];
        assert!(!title.contains('<'), "nothing but text in the title: {title}");
        assert!(page.body.contains("香美町 DX推進計画"), "the town's frame");
        assert!(page.body.contains("自治体標準オープンデータセット 13 公衆トイレ一覧"));
        // Preview reads Shift_JIS right.
        let preview = p.get(&format!("/opendata/datasets/kami-public-toilets/resources/{rid}")).await;
        assert!(preview.body.contains("CSV(Shift_JIS)として読み込み"));
        assert!(preview.body.contains("<td>香住駅</td>"));
        assert!(preview.body.contains("<th scope=\"col\">全国地方公共団体コード</th>"));
        // Download with a count and a clean name.
        let (status, headers, bytes) = p.get_bytes(&format!("/opendata/datasets/kami-public-toilets/resources/{rid}/download")).await;
        assert_eq!(status, 200);
        assert_eq!(bytes, sjis.as_ref());
        let cd = headers["content-disposition"].to_str().unwrap();
        assert!(!cd.contains(".."), "{cd}");
        let n: i64 = sqlx::query_scalar("SELECT downloads FROM od_resources").fetch_one(&mut *db.conn().await.unwrap()).await.unwrap();
        assert_eq!(n, 1);
        // Unknown and unpublished things are 404.
        assert_eq!(p.get("/opendata/datasets/nothing").await.status, 404);
        assert_eq!(p.get(&format!("/opendata/datasets/kami-public-toilets/resources/{}", "0".repeat(36))).await.status, 404);
        let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'dataset.%' OR action LIKE 'resource.%' ORDER BY id")
            .fetch_all(&mut *db.conn().await.unwrap()).await.unwrap();
        assert_eq!(actions, ["dataset.create", "resource.create", "resource.override_validation", "dataset.publish"]);
    })
    .await;
}

#[tokio::test]
async fn the_open_data_kpi_counts_published_datasets() {
    each_backend(|db| async move {
        let mut c = kikaku(&db, today()).await;
        for (name, title) in [("aed", "AED設置箇所"), ("hinanjo", "避難場所")] {
            let id = create(&mut c, name, title, "").await;
            c.get(&format!("/staff/opendata/{id}")).await;
            let r = c
                .post_file(
                    &format!("/staff/opendata/{id}/resources"),
                    "data.json",
                    b"{}",
                )
                .await;
            assert_eq!(r.status, 303);
            assert_eq!(
                c.post(&format!("/staff/opendata/{id}/publish"), &[])
                    .await
                    .status,
                303
            );
        }
        let fy = machi::fiscal::FiscalYear::of_date(today()).0;
        let kpi = |body: &str| {
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            v["measures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["code"] == "1-4-1")
                .unwrap()["kpi"]
                .clone()
        };
        let k = kpi(&c.get("/api/plan").await.body);
        assert_eq!(k["source"], "opendata.published_datasets");
        let last = k["actuals"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["fiscal_year"], fy);
        assert_eq!(last["value"], 2.0);
        // Withdrawing one lowers the count at once.
        let id: String = sqlx::query_scalar("SELECT id FROM od_datasets WHERE name = 'aed'")
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        c.get(&format!("/staff/opendata/{id}")).await;
        assert_eq!(
            c.post(&format!("/staff/opendata/{id}/withdraw"), &[])
                .await
                .status,
            303
        );
        let k = kpi(&c.get("/api/plan").await.body);
        assert_eq!(
            k["actuals"].as_array().unwrap().last().unwrap()["value"],
            1.0
        );
        assert_eq!(
            Client::on_day(&db, today())
                .await
                .get("/opendata/datasets/aed")
                .await
                .status,
            404
        );
    })
    .await;
}

#[tokio::test]
async fn counts_at_each_year_end() {
    each_backend(|db| async move {
        use machi::fiscal::FiscalYear;
        for (id, name) in [("d1", "one"), ("d2", "two")] {
            sqlx::query("INSERT INTO od_datasets (id, name, title, license_id, state, created_at, modified_at) VALUES ($1, $2, $2, 'cc-by', 'published', 'x', 'x')")
                .bind(id).bind(name).execute(&mut *db.conn().await.unwrap()).await.unwrap();
        }
        for (id, event, at) in [
            ("d1", "published", "2023-06-01T00:00:00Z"),
            ("d2", "published", "2024-03-31T14:00:00Z"), // 2024-03-31 23:00 in Japan: still FY2023
            ("d1", "withdrawn", "2024-05-01T00:00:00Z"),
            ("d1", "published", "2025-01-10T00:00:00Z"),
        ] {
            sqlx::query("INSERT INTO od_publications (dataset_id, event, at) VALUES ($1, $2, $3)")
                .bind(id).bind(event).bind(at).execute(&mut *db.conn().await.unwrap()).await.unwrap();
        }
        let years: Vec<FiscalYear> = (2021..=2025).map(FiscalYear).collect();
        let counts = machi::opendata::catalog::published_count_by_year(&db, &years, time::macros::date!(2024 - 11 - 01))
            .await
            .unwrap();
        assert_eq!(counts, vec![(FiscalYear(2023), 2.0), (FiscalYear(2024), 1.0)], "FY2024 counted as of today");
    })
    .await;
}

#[tokio::test]
async fn only_the_dx_office_manages_the_catalog() {
    each_backend(|db| async move {
        with_plan(&db).await;
        for (name, role) in [
            ("viewer1", Role::Viewer),
            ("dept1", Role::DepartmentEditor),
            ("iin1", Role::Committee),
        ] {
            user(&db, name, role, "企画課").await;
            let mut c = Client::on_day(&db, today()).await;
            c.sign_in(name, PASSWORD).await;
            assert_eq!(c.get("/staff/opendata").await.status, 403, "{role:?}");
            c.get("/staff").await;
            let r = c
                .post(
                    "/staff/opendata",
                    &[("name", "x1"), ("title", "x"), ("license_id", "cc-by")],
                )
                .await;
            assert_eq!(r.status, 403, "{role:?}");
        }
        let mut anon = Client::on_day(&db, today()).await;
        assert_eq!(anon.get("/staff/opendata").await.status, 303);
        let (status, _, _) = anon
            .get_bytes("/staff/opendata/templates/public_toilet")
            .await;
        assert_eq!(status, 303);
        let mut k = kikaku(&db, today()).await;
        let (status, _, bytes) = k.get_bytes("/staff/opendata/templates/public_toilet").await;
        assert_eq!(status, 200);
        assert!(
            String::from_utf8(bytes)
                .unwrap()
                .contains("全国地方公共団体コード,ID,")
        );
    })
    .await;
}

/// Datasets published straight into the tables, for API tests.
async fn seed(db: &machi::db::Db, n: usize) {
    for i in 0..n {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        let tags = if i % 2 == 0 {
            r#"["トイレ","自治体標準ODS"]"#
        } else {
            r#"["観光"]"#
        };
        let dept = if i % 3 == 0 {
            "企画課"
        } else {
            "観光商工課"
        };
        let modified = format!("2025-0{}-01T00:00:00Z", 1 + i % 9);
        sqlx::query(
            "INSERT INTO od_datasets (id, name, title, notes, department, tags, license_id, frequency, standard, state, created_at, modified_at)
             VALUES ($1, $2, $3, 'テスト', $4, $5, 'cc-by', '随時', $6, 'published', '2024-04-01T00:00:00Z', $7)",
        )
        .bind(&id)
        .bind(format!("dataset-{i:03}"))
        .bind(format!("データセット{i}"))
        .bind(dept)
        .bind(tags)
        .bind(if i % 2 == 0 { "public_toilet" } else { "" })
        .bind(&modified)
        .execute(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO od_resources (id, dataset_id, position, name, format, url, created_at, modified_at)
             VALUES ($1, $2, 0, 'データ', $3, 'https://example.jp/x', '2024-04-01T00:00:00Z', '2024-04-01T00:00:00Z')",
        )
        .bind(format!("10000000-0000-4000-8000-{i:012}"))
        .bind(&id)
        .bind(if i % 2 == 0 { "CSV" } else { "XLSX" })
        .execute(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
    }
    sqlx::query("INSERT INTO od_datasets (id, name, title, license_id, state, created_at, modified_at) VALUES ('draft-1', 'secret-draft', '下書き', 'cc-by', 'draft', 'x', 'x')")
        .execute(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn ckan_api_shapes() {
    each_backend(|db| async move {
        with_plan(&db).await;
        seed(&db, 7).await;
        let mut c = Client::on_day(&db, today()).await;
        let list = json(&c.get("/api/3/action/package_list").await.body);
        assert_eq!(list["success"], true);
        assert!(list["help"].as_str().unwrap().contains("help_show"));
        assert_eq!(
            list["result"].as_array().unwrap().len(),
            7,
            "drafts are not listed"
        );
        assert_eq!(list["result"][0], "dataset-000");
        let also = json(
            &c.get("/api/action/package_list?limit=2&offset=1")
                .await
                .body,
        );
        assert_eq!(
            also["result"],
            serde_json::json!(["dataset-001", "dataset-002"])
        );

        let show = json(
            &c.get("/api/3/action/package_show?id=dataset-000")
                .await
                .body,
        );
        let p = &show["result"];
        for (k, kind) in [
            ("id", "string"),
            ("name", "string"),
            ("title", "string"),
            ("notes", "string"),
            ("license_id", "string"),
            ("license_title", "string"),
            ("metadata_created", "string"),
            ("metadata_modified", "string"),
            ("private", "bool"),
            ("state", "string"),
            ("type", "string"),
            ("tags", "array"),
            ("resources", "array"),
            ("groups", "array"),
            ("extras", "array"),
            ("organization", "object"),
            ("owner_org", "string"),
            ("num_resources", "number"),
            ("num_tags", "number"),
            ("isopen", "bool"),
        ] {
            let v = &p[k];
            let ok = match kind {
                "string" => v.is_string(),
                "bool" => v.is_boolean(),
                "array" => v.is_array(),
                "object" => v.is_object(),
                _ => v.is_number(),
            };
            assert!(ok, "package_show.{k} should be {kind}: {v}");
        }
        assert_eq!(p["state"], "active");
        assert_eq!(p["type"], "dataset");
        assert_eq!(p["metadata_modified"], "2025-01-01T00:00:00.000000");
        assert_eq!(p["organization"]["name"], "企画課");
        assert_eq!(p["organization"]["is_organization"], true);
        assert_eq!(p["tags"][0]["name"], "トイレ");
        assert!(
            p["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == "自治体標準ODS")
        );
        assert_eq!(p["resources"][0]["format"], "CSV");
        assert_eq!(p["resources"][0]["package_id"], p["id"]);
        assert!(
            p["extras"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["key"] == "conforms_to")
        );
        let by_id = json(
            &c.get(&format!(
                "/api/3/action/package_show?id={}",
                p["id"].as_str().unwrap()
            ))
            .await
            .body,
        );
        assert_eq!(by_id["result"]["name"], "dataset-000");
        let res = json(
            &c.get(&format!(
                "/api/3/action/resource_show?id={}",
                p["resources"][0]["id"].as_str().unwrap()
            ))
            .await
            .body,
        );
        assert_eq!(res["result"]["url"], "https://example.jp/x");

        // Errors in CKAN's shape and codes.
        let r = c.get("/api/3/action/package_show?id=secret-draft").await;
        assert_eq!(r.status, 404);
        let e = json(&r.body);
        assert_eq!(e["success"], false);
        assert_eq!(e["error"]["__type"], "Not Found Error");
        let r = c.get("/api/3/action/package_show").await;
        assert_eq!(r.status, 409);
        assert_eq!(json(&r.body)["error"]["__type"], "Validation Error");
        assert_eq!(c.get("/api/3/action/no_such_action").await.status, 400);

        let orgs = json(&c.get("/api/3/action/organization_list").await.body);
        assert_eq!(orgs["result"], serde_json::json!(["企画課", "観光商工課"]));
        let all = json(
            &c.get("/api/3/action/organization_list?all_fields=true")
                .await
                .body,
        );
        assert_eq!(all["result"][0]["package_count"], 3);
        let org = json(
            &c.get("/api/3/action/organization_show?id=企画課&include_datasets=true")
                .await
                .body,
        );
        assert_eq!(org["result"]["packages"].as_array().unwrap().len(), 3);
        assert_eq!(
            json(&c.get("/api/3/action/group_list").await.body)["result"],
            serde_json::json!([])
        );
        let tags = json(&c.get("/api/3/action/tag_list").await.body);
        assert_eq!(
            tags["result"],
            serde_json::json!(["トイレ", "自治体標準ODS", "観光"])
        );
        let lic = json(&c.get("/api/3/action/license_list").await.body);
        assert!(
            lic["result"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["id"] == "cc-by")
        );
        let status = json(&c.get("/api/3/action/status_show").await.body);
        assert_eq!(status["result"]["locale_default"], "ja");
        assert!(status["result"]["ckan_version"].is_string());
    })
    .await;
}

#[tokio::test]
async fn ckan_search_like_a_harvester() {
    each_backend(|db| async move {
        with_plan(&db).await;
        seed(&db, 250).await;
        let mut c = Client::on_day(&db, today()).await;
        // Paging by 100 sorted by id, until an empty page.
        let mut seen = Vec::new();
        let mut start = 0;
        loop {
            let r = json(&c.get(&format!("/api/3/action/package_search?rows=100&start={start}&sort=id%20asc")).await.body);
            assert_eq!(r["result"]["count"], 250);
            let results = r["result"]["results"].as_array().unwrap();
            if results.is_empty() {
                break;
            }
            seen.extend(results.iter().map(|p| p["id"].as_str().unwrap().to_string()));
            start += 100;
        }
        assert_eq!(seen.len(), 250);
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(seen, sorted, "stable id order");
        sorted.dedup();
        assert_eq!(sorted.len(), 250, "no duplicates across pages");

        // Incremental harvest: modified since a date.
        let r = json(&c.get("/api/3/action/package_search?fq=metadata_modified:%5B2025-08-01T00:00:00Z%20TO%20*%5D&rows=1000").await.body);
        let n = r["result"]["count"].as_u64().unwrap();
        assert!(n > 0 && n < 250);
        assert!(r["result"]["results"].as_array().unwrap().iter().all(|p| p["metadata_modified"].as_str().unwrap() >= "2025-08-01"));
        // Filters and facets.
        let r = json(&c.get("/api/3/action/package_search?fq=tags:自治体標準ODS%20organization:企画課&rows=0&facet.field=%5B%22res_format%22,%22tags%22%5D").await.body);
        let count = r["result"]["count"].as_u64().unwrap();
        assert_eq!(count, (0..250).filter(|i| i % 2 == 0 && i % 3 == 0).count() as u64);
        assert_eq!(r["result"]["results"].as_array().unwrap().len(), 0);
        assert_eq!(r["result"]["search_facets"]["res_format"]["items"][0]["name"], "CSV");
        assert_eq!(r["result"]["search_facets"]["res_format"]["items"][0]["count"], count);
        assert_eq!(r["result"]["facets"]["tags"]["トイレ"], count);
        let r = json(&c.get("/api/3/action/package_search?fq=res_format:XLSX%20-organization:企画課").await.body);
        assert_eq!(r["result"]["count"], (0..250).filter(|i| i % 2 == 1 && i % 3 != 0).count());
        let r = json(&c.get("/api/3/action/package_search?fq=organization:(企画課%20OR%20観光商工課)&rows=1").await.body);
        assert_eq!(r["result"]["count"], 250);
        assert_eq!(r["result"]["results"].as_array().unwrap().len(), 1);
        let r = json(&c.get("/api/3/action/package_search?q=データセット12&sort=metadata_modified%20desc").await.body);
        assert!(r["result"]["count"].as_u64().unwrap() >= 1);
        // rows are capped at 1000; bad input is a Validation Error, never a 500.
        let r = json(&c.get("/api/3/action/package_search?rows=5000").await.body);
        assert_eq!(r["result"]["results"].as_array().unwrap().len(), 250);
        for bad in [
            "fq=metadata_modified:%5B2025%20TO",
            "fq=nosuchfield:1",
            "rows=-1",
            "start=abc",
            "sort=colour%20asc",
            "facet.field=tags",
            "unknown_param=1",
        ] {
            let r = c.get(&format!("/api/3/action/package_search?{bad}")).await;
            assert_eq!(r.status, 409, "{bad}: {}", r.body);
            let e = json(&r.body);
            assert_eq!(e["success"], false, "{bad}");
            assert_eq!(e["error"]["__type"], "Validation Error", "{bad}");
        }
        // POST with a JSON body, as ckanapi sends it.
        let r = c
            .post_json("/api/3/action/package_search", r#"{"q": "*:*", "rows": 2, "fq": "tags:観光"}"#)
            .await;
        let r = json(&r.body);
        assert_eq!(r["result"]["count"], 125);
        assert_eq!(r["result"]["results"].as_array().unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn dcat_catalog_pages_and_parses() {
    each_backend(|db| async move {
        with_plan(&db).await;
        seed(&db, 250).await;
        let mut c = Client::on_day(&db, today()).await;
        let r = c.get("/catalog.jsonld").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["content-type"], "application/ld+json");
        let doc = json(&r.body);
        assert_eq!(doc["@context"]["dcat"], "http://www.w3.org/ns/dcat#");
        let graph = doc["@graph"].as_array().unwrap();
        assert_eq!(graph[0]["@type"], "dcat:Catalog");
        assert_eq!(graph[1]["@type"], "hydra:PagedCollection");
        assert_eq!(graph[1]["hydra:totalItems"], 250);
        assert!(
            graph[1]["hydra:nextPage"]
                .as_str()
                .unwrap()
                .ends_with("page=2")
        );
        assert_eq!(graph.len(), 2 + 100);
        let d = &graph[2];
        assert_eq!(d["@type"], "dcat:Dataset");
        assert_eq!(
            d["dct:license"]["@id"],
            "https://creativecommons.org/licenses/by/4.0/deed.ja"
        );
        assert_eq!(
            d["dct:accrualPeriodicity"]["@id"],
            "http://purl.org/cld/freq/irregular"
        );
        assert!(d["dcat:distribution"][0]["dcat:downloadURL"]["@id"].is_string());
        let last = json(&c.get("/catalog.jsonld?page=3").await.body);
        assert_eq!(last["@graph"].as_array().unwrap().len(), 2 + 50);
        assert!(last["@graph"][1].get("hydra:nextPage").is_none());
        let since = json(
            &c.get("/catalog.jsonld?modified_since=2025-08-01")
                .await
                .body,
        );
        let n = since["@graph"][1]["hydra:totalItems"].as_u64().unwrap();
        assert!(n > 0 && n < 250);
        assert_eq!(c.get("/catalog.jsonld?page=0").await.status, 400);
        assert_eq!(
            c.get("/catalog.jsonld?modified_since=yesterday")
                .await
                .status,
            400
        );

        // Turtle parses, with a statement per dataset and per distribution at least.
        let ttl = c.get("/catalog.ttl?page=3").await;
        assert!(
            ttl.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/turtle")
        );
        let triples: Vec<_> = oxttl::TurtleParser::new()
            .for_reader(ttl.body.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| panic!("{e}\n{}", &ttl.body[..2000.min(ttl.body.len())]));
        let datasets = triples
            .iter()
            .filter(|t| {
                t.predicate.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
                    && t.object.to_string() == "<http://www.w3.org/ns/dcat#Dataset>"
            })
            .count();
        assert_eq!(datasets, 50);

        // One dataset, both ways; drafts are not there.
        let id = "00000000-0000-4000-8000-000000000000";
        let one = json(&c.get(&format!("/dataset/{id}.jsonld")).await.body);
        assert_eq!(one["@graph"][0]["dct:identifier"], id);
        let t = c.get(&format!("/dataset/{id}.ttl")).await.body;
        let n = oxttl::TurtleParser::new()
            .for_reader(t.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .len();
        assert!(n > 10, "{t}");
        assert!(t.contains("自治体標準オープンデータセット 13 公衆トイレ一覧"));
        assert_eq!(c.get("/dataset/draft-1.jsonld").await.status, 404);
        assert_eq!(c.get(&format!("/dataset/{id}.xml")).await.status, 404);

        // The HTML links the alternates.
        let page = c.get("/opendata/datasets/dataset-000").await.body;
        assert!(page.contains(&format!(
            "<link rel=\"alternate\" type=\"application/ld+json\" href=\"/dataset/{id}.jsonld\">"
        )));

        // A data package with the standard's schema (without machi's own keys).
        let pkg = json(
            &c.get("/opendata/datasets/dataset-000/datapackage.json")
                .await
                .body,
        );
        assert_eq!(pkg["name"], "dataset-000");
        assert_eq!(pkg["licenses"][0]["name"], "cc-by");
        let res = &pkg["resources"][0];
        assert_eq!(res["format"], "csv");
        assert_eq!(res["schema"]["fields"].as_array().unwrap().len(), 39);
        assert!(!pkg.to_string().contains("machi:"));
    })
    .await;
}

#[tokio::test]
async fn oversized_uploads_are_refused_clearly() {
    let db = crate::support::sqlite_town().await;
    let mut c = kikaku(&db, today()).await;
    let id = create(&mut c, "big", "大きなファイル", "").await;
    c.get(&format!("/staff/opendata/{id}")).await;
    let big = vec![b'a'; machi::opendata::routes::MAX_RESOURCE + 1024];
    let r = c
        .post_file(&format!("/staff/opendata/{id}/resources"), "big.csv", &big)
        .await;
    assert_eq!(r.status, 413);
    assert!(
        r.body.contains("上限は100MBです"),
        "{}",
        &r.body[..r.body.len().min(400)]
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM od_resources")
        .fetch_one(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn the_dx_office_corrects_a_provisional_schema() {
    each_backend(|db| async move {
        let mut c = kikaku(&db, today()).await;
        let page = c.get("/staff/opendata/schemas/aed").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("列の定義は暫定です"));
        // A JSON mistake is named by line and column; nothing changes.
        let r = c.post("/staff/opendata/schemas/aed", &[("schema", "{\n  \"fields\": [\n    {\"name\": \"ID\",}\n  ]\n}")]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("3行目"), "{}", r.body);
        let r = c.post("/staff/opendata/schemas/aed", &[("schema", r#"{"fields": [{"name": "x", "type": "colour"}]}"#)]).await;
        assert!(r.body.contains("型「colour」には対応していません"));
        let schema = r#"{"fieldsMatch": "exact", "fields": [
            {"name": "全国地方公共団体コード", "type": "string", "constraints": {"required": true, "pattern": "\\d{6}"}},
            {"name": "ID", "type": "string", "constraints": {"unique": true}},
            {"name": "設置場所", "type": "string", "constraints": {"required": true}}
        ]}"#;
        let r = c.post("/staff/opendata/schemas/aed", &[("schema", schema)]).await;
        assert_eq!(r.status, 303);
        // Uploads are now checked against the corrected schema.
        let id = create(&mut c, "kami-aed", "AED設置箇所", "aed").await;
        c.get(&format!("/staff/opendata/{id}")).await;
        let csv = "全国地方公共団体コード,ID,設置場所\n285854,A1,\n";
        c.post_file(&format!("/staff/opendata/{id}/resources"), "aed.csv", csv.as_bytes()).await;
        let page = c.get(&format!("/staff/opendata/{id}")).await;
        assert!(page.body.contains("2行目 3列目 制約違反: 「設置場所」は必須です"), "{}", page.body);
        let (_, _, template) = c.get_bytes("/staff/opendata/templates/aed").await;
        assert!(String::from_utf8(template).unwrap().contains("全国地方公共団体コード,ID,設置場所"));
        // Back to the bundled version.
        c.get("/staff/opendata/schemas/aed").await;
        let r = c.post("/staff/opendata/schemas/aed", &[("schema", ""), ("reset", "1")]).await;
        assert_eq!(r.status, 303);
        assert!(c.get("/staff/opendata/schemas/aed").await.body.contains("同梱の版を使っています"));
        let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE entity = 'schema' ORDER BY id")
            .fetch_all(&mut *db.conn().await.unwrap()).await.unwrap();
        assert_eq!(actions, ["schema.update", "schema.reset"]);
        // Only 企画課.
        user(&db, "viewer9", Role::Viewer, "").await;
        let mut v = Client::on_day(&db, today()).await;
        v.sign_in("viewer9", PASSWORD).await;
        assert_eq!(v.get("/staff/opendata/schemas/aed").await.status, 403);
    })
    .await;
}

/// A failed file is replaced by a corrected one (the first kept as a version), a draft's resource
/// or the draft itself can be deleted, and a dataset once published can only be withdrawn.
#[tokio::test]
async fn a_failed_file_is_replaced_and_drafts_are_deleted_but_published_data_is_withdrawn() {
    each_backend(|db| async move {
        let mut c = kikaku(&db, today()).await;
        let id = create(&mut c, "toilets", "公衆トイレ一覧", "public_toilet").await;
        let bad = format!("{TOILET_HEADER}\n{}\n", toilet_row("LL0001", "135.6"));
        c.get(&format!("/staff/opendata/{id}")).await;
        let r = c.post_file(&format!("/staff/opendata/{id}/resources"), "toilets.csv", bad.as_bytes()).await;
        assert_eq!(r.status, 303);
        let rid: String = sqlx::query_scalar("SELECT id FROM od_resources").fetch_one(&mut *db.conn().await.unwrap()).await.unwrap();
        let first_path: String = sqlx::query_scalar("SELECT stored_path FROM od_resources").fetch_one(&mut *db.conn().await.unwrap()).await.unwrap();
        let page = c.get(&format!("/staff/opendata/{id}")).await.body;
        assert!(page.contains("直したファイルに差し替える"), "{page}");
        assert!(page.contains("このリソースを削除する"));

        // The corrected file replaces it: validated again, publishable, the first file kept.
        let good = format!("{TOILET_HEADER}\n{}\n", toilet_row("LL0001", "35.633"));
        let r = c.post_file(&format!("/staff/opendata/resources/{rid}/replace"), "toilets-fixed.csv", good.as_bytes()).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = c.get(&format!("/staff/opendata/{id}?done=replaced")).await.body;
        assert!(page.contains("ファイルを差し替えました"));
        assert!(page.contains("以前のファイル(1件)"));
        assert!(!page.contains("検証エラーあり"), "{page}");
        assert!(std::path::Path::new(&first_path).exists(), "the first file is kept");
        let now: String = sqlx::query_scalar("SELECT stored_path FROM od_resources").fetch_one(&mut *db.conn().await.unwrap()).await.unwrap();
        assert_ne!(now, first_path);
        assert_eq!(std::fs::read(&now).unwrap(), good.as_bytes());
        // Nothing chosen: refused, nothing changed.
        let r = c.post(&format!("/staff/opendata/resources/{rid}/replace"), &[]).await;
        assert!(r.status == 400 || r.status == 422, "{}", r.status);

        // A second draft dataset is deleted with its resource and files.
        let other = create(&mut c, "draft-one", "下書きのデータ", "").await;
        c.get(&format!("/staff/opendata/{other}")).await;
        c.post_file(&format!("/staff/opendata/{other}/resources"), "a.csv", b"a,b\n1,2\n").await;
        let other_path: String = sqlx::query_scalar("SELECT stored_path FROM od_resources WHERE dataset_id = $1").bind(&other).fetch_one(&mut *db.conn().await.unwrap()).await.unwrap();
        let r = c.post(&format!("/staff/opendata/{other}/delete"), &[]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.headers["location"], "/staff/opendata?done=deleted");
        assert_eq!(c.get(&format!("/staff/opendata/{other}")).await.status, 404);
        assert!(!std::path::Path::new(&other_path).exists());

        // Once published: no delete, only withdraw.
        assert_eq!(c.post(&format!("/staff/opendata/{id}/publish"), &[]).await.status, 303);
        let page = c.get(&format!("/staff/opendata/{id}")).await.body;
        assert!(!page.contains("このリソースを削除する"));
        assert!(page.contains("一度公開したデータセットは削除できません"));
        let r = c.post(&format!("/staff/opendata/resources/{rid}/delete"), &[]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("公開を停止してください"), "{}", r.body);
        let r = c.post(&format!("/staff/opendata/{id}/delete"), &[]).await;
        assert_eq!(r.status, 422);
        assert_eq!(c.post(&format!("/staff/opendata/{id}/withdraw"), &[]).await.status, 303);
        let r = c.post(&format!("/staff/opendata/{id}/delete"), &[]).await;
        assert_eq!(r.status, 422, "withdrawn, still not deleted");

        let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE action IN ('resource.replace', 'dataset.delete') ORDER BY id")
            .fetch_all(&mut *db.conn().await.unwrap()).await.unwrap();
        assert_eq!(actions, ["resource.replace", "dataset.delete"]);
    })
    .await;
}
