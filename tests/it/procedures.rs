//! The procedure catalog, the life-event guide's rules, staff editing with permissions and audit,
//! and the オンライン申請 KPI fed by the catalog.

use crate::support::{Client, each_backend, record, signed_in, with_plan};
use machi::auth::model::Role;
use machi::procedures::rule::Answers;
use machi::procedures::store;

/// The bundled catalog, which a new town gets when it is opened (and only once).
async fn seeded(db: &machi::db::Db) {
    with_plan(db).await;
    assert!(
        !store::ensure_catalog(db).await.unwrap(),
        "seeded when the town opened"
    );
    assert_eq!(store::procedures(db).await.unwrap().len(), 99);
}

fn names(body: &str) -> Vec<String> {
    body.split("<h3><a href=\"/procedures/")
        .skip(1)
        .map(|s| {
            s.split('>')
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn the_catalog_is_seeded_searchable_and_filterable() {
    each_backend(|db| async move {
        seeded(&db).await;
        let mut c = Client::new(&db);
        let all = c.get("/procedures").await;
        assert_eq!(all.status, 200);
        assert!(
            all.body
                .contains("全99件のうち、いまオンラインでできるものは1件"),
            "{}",
            all.body
        );
        // Spelling variants find the same procedures.
        let a = names(
            &c.get("/procedures?q=%E5%BC%95%E8%B6%8A%E3%81%97")
                .await
                .body,
        ); // 引越し
        let b = names(
            &c.get("/procedures?q=%E5%BC%95%E3%81%A3%E8%B6%8A%E3%81%97")
                .await
                .body,
        ); // 引っ越し
        assert!(a.contains(&"転入届".to_string()), "{a:?}");
        assert_eq!(a, b);
        let kokuho = names(&c.get("/procedures?q=%E5%9B%BD%E4%BF%9D").await.body); // 国保
        assert!(
            kokuho.contains(&"国民健康保険 加入届".to_string()),
            "{kokuho:?}"
        );
        assert!(!kokuho.contains(&"転入届".to_string()), "{kokuho:?}");
        // Filters: online, category.
        let online = names(&c.get("/procedures?online=yes").await.body);
        assert_eq!(
            online,
            vec!["転出届（窓口またはマイナポータルでオンライン）"]
        );
        let care = names(&c.get("/procedures?category=%E4%BB%8B%E8%AD%B7").await.body);
        assert_eq!(care.len(), 11, "{care:?}");
        // A procedure page: who, deadline, channels, unverified notice.
        let p = c.get("/procedures/tennyu").await;
        assert!(p.body.contains("転出証明書"));
        assert!(p.body.contains("引っ越した日から14日以内"));
        let unverified = c.get("/procedures/kaigo-jutaku").await;
        assert!(
            unverified
                .body
                .contains("まだ公的な資料で確認できていません")
        );
        let out = c.get("/procedures/tenshutsu").await;
        assert!(out.body.contains("マイナポータル(ぴったりサービス)"));
        assert!(out.body.contains("https://myna.go.jp/"));
        assert_eq!(c.get("/procedures/nai").await.status, 404);
        // Where staff found the facts (other towns' pages, IP addresses, shops) is not shown to
        // residents; a national source is, as a link.
        for key in ["tennyu", "jidou-teate-genkyou", "hoiku-moushikomi"] {
            let page = c.get(&format!("/procedures/{key}")).await.body;
            for w in [
                "takaharu",
                "city.izu",
                "homes.co.jp",
                "133.242",
                "情報の出典",
                "GitHub",
            ] {
                assert!(!page.contains(w), "/procedures/{key} shows {w}");
            }
        }
        let hoiku = c.get("/procedures/hoiku-moushikomi").await.body;
        assert!(
            hoiku.contains(
                "<a href=\"https://www.digital.go.jp/policies/administrative_procedures_online\">"
            ),
            "{hoiku}"
        );
        // Escaped output: a query is shown as text.
        let x = c.get("/procedures?q=%3Cscript%3E").await;
        assert!(!x.body.contains("<script>"));
    })
    .await;
}

fn answers(pairs: &[(&str, bool)]) -> Answers {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// Every rule of every life event: a step that depends on one question appears when it is
/// answered yes and disappears when no (others answered yes), and always-steps always appear.
#[tokio::test]
async fn each_question_switches_its_procedures() {
    let db = crate::support::sqlite_town().await;
    seeded(&db).await;
    let events = store::life_events(&db).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
        ["death", "birth", "move_in", "move_out"]
    );
    let procs = store::procedures(&db).await.unwrap();
    let find = |k: &str| {
        procs
            .iter()
            .find(|p| p.procedure.key == k)
            .map(|p| p.procedure.clone())
    };
    for e in &events {
        let all_yes: Answers = e.questions.iter().map(|q| (q.key.clone(), true)).collect();
        for s in &e.steps {
            let listed = |a: &Answers| {
                e.guide(a, &find)
                    .iter()
                    .any(|i| i.procedure.key == s.procedure)
            };
            if s.when.is_empty() {
                assert!(listed(&Answers::new()), "{} {}", e.key, s.procedure);
                continue;
            }
            if e.questions.iter().any(|q| q.key == s.when) {
                let mut a = all_yes.clone();
                a.insert(s.when.clone(), false);
                let dup = e
                    .steps
                    .iter()
                    .filter(|x| x.procedure == s.procedure)
                    .count()
                    > 1;
                assert!(listed(&all_yes), "{} {} yes", e.key, s.procedure);
                if !dup {
                    assert!(!listed(&a), "{} {} no", e.key, s.procedure);
                }
            }
        }
    }
    // The compound rules, as the reference states them.
    let death = events.iter().find(|e| e.key == "death").unwrap();
    let has = |a: &Answers, k: &str| death.guide(a, &find).iter().any(|i| i.procedure.key == k);
    // 寡婦年金・死亡一時金: a 第1号被保険者 who received no pension.
    assert!(has(
        &answers(&[("dai1go", true), ("nenkin", false)]),
        "kafu-nenkin"
    ));
    assert!(!has(
        &answers(&[("dai1go", true), ("nenkin", true)]),
        "kafu-nenkin"
    ));
    // 高額療養費 (未支給分): either insurance.
    assert!(has(
        &answers(&[("kokuho", false), ("kouki", true)]),
        "kougaku-ryouyouhi-mishikyu"
    ));
    assert!(!has(
        &answers(&[("kokuho", false), ("kouki", false)]),
        "kougaku-ryouyouhi-mishikyu"
    ));
    // Unanswered: listed as possibly needed.
    let item = death
        .guide(&Answers::new(), &find)
        .into_iter()
        .find(|i| i.procedure.key == "kokuho-sousaihi")
        .unwrap();
    assert!(item.maybe);
    // 出生: 児童手当 is claimed at the employer by civil servants; 出産育児一時金 only without
    // the direct payment.
    let birth = events.iter().find(|e| e.key == "birth").unwrap();
    let has = |a: &Answers, k: &str| birth.guide(a, &find).iter().any(|i| i.procedure.key == k);
    assert!(!has(&answers(&[("koumuin", true)]), "jidou-teate-nintei"));
    assert!(has(&answers(&[("koumuin", false)]), "jidou-teate-nintei"));
    assert!(has(
        &answers(&[("kokuho", true), ("chokusetsu", false)]),
        "shussan-ikuji"
    ));
    assert!(!has(
        &answers(&[("kokuho", true), ("chokusetsu", true)]),
        "shussan-ikuji"
    ));
}

#[tokio::test]
async fn the_guide_page_lists_by_desk_and_works_without_javascript() {
    each_backend(|db| async move {
        seeded(&db).await;
        let mut c = Client::new(&db);
        let page = c.get("/life-events").await;
        assert!(page.body.contains("/life-events/death"));
        let first = c.get("/life-events/death").await;
        assert!(first.body.contains("国民健康保険に加入していましたか"));
        assert!(first.body.contains("<form method=\"get\""));
        let q = "/life-events/death?asked=1&q_kokuho=yes&q_kouki=no&q_kaigo65=no&q_kaigo_nintei=no&q_nenkin=no&q_dai1go=no&q_kodomo=no&q_jidou_teate=no&q_fuyou=no&q_shougai=no&q_fukushi_iryou=no&q_inkan=no&q_mynumber=no&q_juuminzei=no&q_fudousan=no&q_nouchi=no&q_shinrin=no&q_gentsuki=no&q_suidou=no&q_juutaku=no&q_bochi=no&q_koureisha=no&q_kasouba=no&q_setainushi=no";
        let r = c.get(q).await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("必要な手続き(6件)"), "{}", r.body);
        assert!(r.body.contains("国民健康保険 葬祭費の支給申請"));
        assert!(!r.body.contains("後期高齢者医療 葬祭費"));
        assert!(!r.body.contains("該当する場合</span>"));
        // Grouped under the desk (分野 while the 担当課 is not set).
        assert!(r.body.contains("<h3 id=\"desk-2\">国民健康保険</h3>") || r.body.contains(">国民健康保険</h3>"));
        assert!(r.body.contains("分野ごとにまとめています"));
        // The answer first: the results come before the questions, and the form comes back to
        // them; the print button is there only for scripts to show.
        let results = r.body.find("id=\"list-h\"").unwrap();
        assert!(results < r.body.find("id=\"q-h\"").unwrap());
        assert!(r.body.contains("action=\"/life-events/death#list-h\""));
        assert!(r.body.contains("data-print hidden"));
        assert!(r.body.contains("<p class=\"print-only print-head\">香美町"));
        assert_eq!(c.get("/static/print.js").await.status, 200);
        // The answers are kept in the form.
        assert!(r.body.contains("name=\"q_kokuho\" value=\"yes\" checked"));
        assert_eq!(c.get("/life-events/nai").await.status, 404);
    })
    .await;
}

#[tokio::test]
async fn staff_edit_procedures_with_permissions_and_audit() {
    each_backend(|db| async move {
        let mut dx = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        store::ensure_catalog(&db).await.unwrap();
        let page = dx.get("/staff/procedures/kokuho-kanyu").await;
        assert_eq!(page.status, 200);
        let version = store::procedure(&db, "kokuho-kanyu")
            .await
            .unwrap()
            .unwrap()
            .version
            .to_string();
        let form = |dept: &'static str, version: String| {
            vec![
                ("version", version),
                ("name", "国民健康保険 加入届".to_string()),
                ("category", "引っ越し".into()),
                ("field", "国民健康保険".into()),
                ("department", dept.into()),
                ("who", "勤務先の健康保険に加入していない方".into()),
                ("bring", "本人確認書類\n\n資格喪失証明書".into()),
                ("deadline", "14日以内".into()),
                ("verified", "1".into()),
                ("ch_counter", "1".into()),
                ("ch_town_form", "1".into()),
                ("ch_town_form_url", "https://example.jp/form/kokuho".into()),
            ]
        };
        let f = form("町民課", version.clone());
        let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = dx.post("/staff/procedures/kokuho-kanyu", &fields).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let p = store::procedure(&db, "kokuho-kanyu")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.procedure.department, "町民課");
        assert_eq!(p.procedure.bring, ["本人確認書類", "資格喪失証明書"]);
        // A new online channel without a start date starts on the day it is recorded.
        assert_eq!(p.procedure.channels[1].since, "2024-11-01");
        // The same version again: refused, nothing lost.
        let r = dx.post("/staff/procedures/kokuho-kanyu", &fields).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("ほかの人が先に"));
        // Bad input names the field.
        let mut bad = form("町民課", p.version.to_string());
        bad[1].1 = String::new();
        bad.push(("ch_town_form_since", "令和7年".into()));
        let fields: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = dx.post("/staff/procedures/kokuho-kanyu", &fields).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("手続き名を入力してください"));
        assert!(r.body.contains("「令和7年」は 2025-04-01 の形で"));
        let actions: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM audit_log WHERE entity = 'procedure' ORDER BY id",
        )
        .fetch_all(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
        assert_eq!(actions, ["procedure.update"]);
        // The public page and the search show it online now.
        let mut anon = Client::new(&db);
        assert!(
            anon.get("/procedures/kokuho-kanyu")
                .await
                .body
                .contains("https://example.jp/form/kokuho")
        );
        assert_eq!(
            names(&anon.get("/procedures?online=yes").await.body).len(),
            2
        );

        // A department edits its own procedures only, and cannot hand one to another department.
        crate::support::user(&db, "choumin", Role::DepartmentEditor, "町民課").await;
        let mut dept = Client::new(&db);
        dept.sign_in("choumin", crate::support::PASSWORD).await;
        assert_eq!(dept.get("/staff/procedures/kokuho-kanyu").await.status, 200);
        assert_eq!(dept.get("/staff/procedures/tennyu").await.status, 403);
        assert_eq!(dept.get("/staff/procedures/new").await.status, 403);
        dept.get("/staff/procedures/kokuho-kanyu").await;
        let v = store::procedure(&db, "kokuho-kanyu")
            .await
            .unwrap()
            .unwrap()
            .version
            .to_string();
        let f = form("健康課", v);
        let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            dept.post("/staff/procedures/kokuho-kanyu", &fields)
                .await
                .status,
            403
        );
        // Without a session: to the sign-in page; without the CSRF token: refused.
        let mut anon = Client::new(&db);
        let r = anon.get("/staff/procedures").await;
        assert_eq!(r.status, 303);
        let r = anon
            .post_raw("/staff/procedures/kokuho-kanyu", "name=x".into())
            .await;
        assert!(r.status == 303 || r.status == 403, "{}", r.status);
        let mut viewer = signed_in(&db, "etsuran", Role::Viewer, "").await;
        assert_eq!(viewer.get("/staff/procedures").await.status, 200);
        assert_eq!(
            viewer.get("/staff/procedures/kokuho-kanyu").await.status,
            403
        );
        assert_eq!(viewer.get("/staff/life-events/death").await.status, 403);
    })
    .await;
}

#[tokio::test]
async fn the_guide_and_forms_are_edited_as_checked_documents() {
    each_backend(|db| async move {
        let mut dx = signed_in(&db, "kikaku", Role::DxOffice, "企画課").await;
        store::ensure_catalog(&db).await.unwrap();
        let page = dx.get("/staff/life-events/birth").await;
        assert_eq!(page.status, 200);
        let doc = store::life_event_docs(&db).await.unwrap().into_iter().find(|d| d.key == "birth").unwrap();
        // A rule naming an unknown question and a step naming an unknown procedure: refused.
        let broken = doc
            .body
            .replace("when = \"not koumuin\"", "when = \"not koumu\"")
            .replace("procedure = \"yobou-sesshu\"", "procedure = \"nai-tetsuzuki\"");
        let v = doc.version.to_string();
        let r = dx.post("/staff/life-events/birth", &[("body", &broken), ("version", &v)]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("質問のキー「koumu」がありません"), "{}", r.body);
        assert!(r.body.contains("手続き「nai-tetsuzuki」がカタログにありません"));
        let r = dx.post("/staff/life-events/birth", &[("body", "key = ["), ("version", &v)]).await;
        assert!(r.body.contains("1行目"), "{}", r.body);
        // A valid change takes effect in the guide at once.
        let changed = doc.body.replace("when = \"not koumuin\"", "when = \"koumuin\"");
        let r = dx.post("/staff/life-events/birth", &[("body", &changed), ("version", &v)]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let mut anon = Client::new(&db);
        let g = anon.get("/life-events/birth?asked=1&q_koumuin=no").await;
        assert!(!g.body.contains("児童手当等の受給資格"));
        // Forms: a fill naming an unknown common item is refused with its line.
        let form = store::form_docs(&db).await.unwrap().into_iter().find(|d| d.key == "kokuho-kanyu").unwrap();
        let v = form.version.to_string();
        let bad = form.body.replacen("fill = \"applicant.name\"", "fill = \"subject.nam\"", 1);
        let r = dx.post("/staff/forms/kokuho-kanyu", &[("body", &bad), ("version", &v)]).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("fill「subject.nam」は共通項目にありません"));
        let ok = form.body.replace("国民健康保険 被保険者資格取得届", "国民健康保険 加入届(資格取得届)");
        let r = dx.post("/staff/forms/kokuho-kanyu", &[("body", &ok), ("version", &v)]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let actions: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM audit_log WHERE action IN ('life_event.update', 'form.update') ORDER BY id",
        )
        .fetch_all(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
        assert_eq!(actions, ["life_event.update", "form.update"]);
    })
    .await;
}

#[tokio::test]
async fn the_online_kpi_comes_from_the_catalog_and_confirmed_figures_stand() {
    each_backend(|db| async move {
        seeded(&db).await;
        let state = db.state.clone();
        let years = |data: &machi::plan::service::PlanData| -> Vec<(i32, f64)> {
            data.actuals_of("1-1-1")
                .iter()
                .map(|a| (a.fiscal_year.0, a.value))
                .collect()
        };
        // The bundled catalog is nobody's word about this town: no figure until staff confirm.
        assert_eq!(years(&state.plan_data().await.unwrap()), []);
        let mut dept = signed_in(&db, "juumin", Role::DepartmentEditor, "住民課").await;
        dept.get("/staff/procedures").await;
        let r = dept.post("/staff/procedures/catalog/confirm", &[]).await;
        assert_eq!(r.status, 403, "only the coordinating department confirms");
        let mut kikaku = crate::support::Client::new(&db);
        crate::support::user(&db, "kikaku", Role::DxOffice, "企画課").await;
        kikaku.sign_in("kikaku", crate::support::PASSWORD).await;
        let tasks = kikaku.get("/staff").await.body;
        assert!(
            tasks.contains("手続きカタログは同梱の初期データのままで、まだ確認されていません"),
            "the task list asks for the catalog: {tasks}"
        );
        let page = kikaku.get("/staff/procedures").await;
        assert!(
            page.body.contains("カタログの確認が必要です"),
            "{}",
            page.body
        );
        let r = kikaku.post("/staff/procedures/catalog/confirm", &[]).await;
        assert_eq!(r.status, 303);
        let page = kikaku.get(&r.location()).await;
        assert!(page.body.contains("確認済みにしました"), "{}", page.body);
        // Confirmed in 令和6年度: the catalog speaks from then on (転出届 is online), never
        // for the years before.
        state.invalidate_plan();
        assert_eq!(years(&state.plan_data().await.unwrap()), [(2024, 1.0)]);
        // A recorded (confirmed) figure for a 年度 stands.
        record(&db, "1-1-1", "R4", "27").await;
        record(&db, "1-1-1", "R6", "38").await;
        state.invalidate_plan();
        assert_eq!(
            years(&state.plan_data().await.unwrap()),
            [(2022, 27.0), (2024, 38.0)]
        );
        // The catalog counts 1 for 令和6年度, the figure on record says 38: the coordinating
        // department is told, on its task list and on the KPI's page, and 38 stands.
        let tasks = kikaku.get("/staff").await.body;
        assert!(!tasks.contains("まだ確認されていません"));
        assert!(
            tasks.contains("令和6年度の値は記録 38手続ですが、手続きカタログのオンラインでできる手続きの数の集計では 1手続 です"),
            "{tasks}"
        );
        let kpis = kikaku.get("/staff/kpis").await.body;
        assert!(kpis.contains("集計と不一致"));
        let one = kikaku.get("/staff/kpis/1-1-1").await.body;
        assert!(one.contains("集計では 1手続"), "{one}");
        // Nobody else is asked (住民課 only hears that it has no 施策).
        let tasks = dept.get("/staff").await.body;
        assert!(!tasks.contains("集計では"));
        assert!(!tasks.contains("記録する"));
        // The KPI page says where the figure comes from.
        let mut c = Client::new(&db);
        let page = c.get("/plan/measures/1-1-1").await;
        assert!(
            page.body
                .contains("手続きカタログのオンラインでできる手続きの数"),
            "{}",
            page.body
        );
    })
    .await;
}
