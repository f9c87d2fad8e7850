//! The people of a counter visit: each entered once, and each form printing the right person in
//! the right place (a 転入 family: the father reports, the children are 児童, the grandmother is
//! 75+), the forms a 転入 needs, and towns holding an earlier bundled form getting the new one.

use crate::support::{each_backend, signed_in};
use machi::auth::model::Role;
use machi::counter::store;

/// The part of a printout for one form: from its title to the next form.
fn paper<'a>(body: &'a str, title: &str) -> &'a str {
    let start = body
        .find(&format!(">{title}</h1>"))
        .unwrap_or_else(|| panic!("{title} is printed: {body}"));
    let rest = &body[start..];
    let end = rest.find("</article>").unwrap_or(rest.len());
    &rest[..end]
}

/// The table section of a form with that caption.
fn section<'a>(paper: &'a str, caption: &str) -> &'a str {
    let start = paper
        .find(&format!("<caption>{caption}</caption>"))
        .unwrap_or_else(|| panic!("{caption} in {paper}"));
    let rest = &paper[start..];
    &rest[..rest.find("</table>").unwrap()]
}

const FAMILY: [(&str, &str); 33] = [
    ("p1.name", "但馬 一郎"),
    ("p1.kana", "たじま いちろう"),
    ("p1.birth", "昭和60年4月1日"),
    ("p1.sex", "男"),
    ("p1.head_relation", "世帯主"),
    ("p1.subject", "on"),
    ("applicant", "1"),
    ("p2.name", "但馬 花"),
    ("p2.kana", "タジマ ハナ"),
    ("p2.birth", "S63.6.1"),
    ("p2.sex", "女"),
    ("p2.head_relation", "妻"),
    ("p2.subject", "on"),
    ("p3.name", "但馬 陽太"),
    ("p3.birth", "平成30年8月8日"),
    ("p3.head_relation", "子"),
    ("p3.subject", "on"),
    ("p4.name", "但馬 ウメ"),
    ("p4.birth", "昭和20年1月1日"),
    ("p4.head_relation", "母"),
    ("p4.subject", "on"),
    // A grown-up son who stays where he was: on the visit, not moving, not a 児童.
    ("p5.name", "但馬 大樹"),
    ("p5.birth", "平成12年5月5日"),
    ("p5.head_relation", "子"),
    ("applicant.postal", "669-6592"),
    ("applicant.address", "兵庫県美方郡香美町香住区香住870番地1"),
    ("applicant.phone", "0796-36-1111"),
    ("subject.event_date", "令和8年11月30日"),
    ("subject.previous_address", "兵庫県豊岡市中央町2番4号"),
    ("q_inkan", "yes"),
    ("q_kokuho", "yes"),
    ("q_dai1go", "yes"),
    ("q_kodomo", "yes"),
];

#[tokio::test]
async fn a_family_moving_in_is_entered_once_and_every_form_prints_the_right_person() {
    each_backend(|db| async move {
        let mut c = signed_in(&db, "madoguchi", Role::DepartmentEditor, "住民課").await;
        machi::procedures::store::ensure_catalog(&db).await.unwrap();
        c.get("/staff/counter").await;
        let r = c
            .post("/staff/counter/visits", &[("life_event", "move_in")])
            .await;
        let path = r.headers["location"].to_str().unwrap().to_string();
        let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
        c.get(&path).await;
        let v = store::visit(&db, id).await.unwrap().unwrap();
        let version = v.version.to_string();
        let mut form: Vec<(&str, &str)> = vec![("version", &version)];
        form.extend_from_slice(&FAMILY);
        form.extend_from_slice(&[("q_kouki", "yes"), ("q_kaigo65", "yes")]);
        let r = c.post(&format!("{path}/answers"), &form).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let v = store::visit(&db, id).await.unwrap().unwrap();
        assert_eq!(v.people.len(), 5, "{:?}", v.people);
        assert_eq!(v.people[1].kana, "タジマ\u{3000}ハナ");
        assert_eq!(v.people[3].birth, "1945-01-01");

        // The page shows each person once, dates as people write them, roles ticked.
        let page = c.get(&path).await.body;
        assert!(page.contains("value=\"昭和60年4月1日\""), "{page}");
        assert!(page.contains("name=\"applicant\" value=\"1\" checked"));
        assert!(
            page.contains("name=\"p6.name\""),
            "blank rows to add people"
        );
        // The forms a 転入 needs are there.
        for title in [
            "住民異動届(転入・転出・転居)",
            "印鑑登録申請書",
            "国民健康保険 被保険者資格取得届",
            "国民年金被保険者関係届書(申出書)",
            "後期高齢者医療 被保険者異動届",
            "介護保険 資格取得・異動・喪失届",
            "児童手当 認定請求書",
        ] {
            assert!(page.contains(title), "{title}");
        }

        let print = c.get(&format!("{path}/print")).await;
        assert_eq!(print.status, 200);
        let body = &print.body;

        // 児童手当: the father claims, the mother is his spouse, the child is the child.
        let jidou = paper(body, "児童手当 認定請求書");
        let claimant = &jidou[jidou.find("<caption>請求者</caption>").unwrap()..];
        assert!(claimant.contains("但馬 一郎"));
        let children = section(jidou, "対象のお子さん");
        assert!(children.contains("但馬 陽太"), "{children}");
        assert!(children.contains("平成30年8月8日(2018年)"));
        for not_a_child in ["但馬 一郎", "昭和60年", "但馬 大樹", "但馬 ウメ"] {
            assert!(
                !children.contains(not_a_child),
                "{not_a_child} in {children}"
            );
        }
        assert!(section(jidou, "配偶者").contains("但馬 花"));

        // 住民異動届: every mover, in the order entered, not the son who stays.
        let idou = paper(body, "住民異動届(転入・転出・転居)");
        let movers = section(idou, "異動する方");
        let order: Vec<usize> = ["但馬 一郎", "但馬 花", "但馬 陽太", "但馬 ウメ"]
            .iter()
            .map(|n| movers.find(n).unwrap_or_else(|| panic!("{n} in {movers}")))
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]));
        assert!(!movers.contains("但馬 大樹"));
        assert!(idou.contains("<td>転入</td>"));
        assert!(idou.contains("兵庫県豊岡市中央町2番4号"));
        assert!(idou.contains("令和8年11月30日(2026年)"));

        // 国民年金: the movers aged 20–59 only.
        let nenkin = section(
            paper(body, "国民年金被保険者関係届書(申出書)"),
            "被保険者(20歳以上60歳未満の方)",
        );
        assert!(nenkin.contains("但馬 一郎") && nenkin.contains("但馬 花"));
        assert!(!nenkin.contains("但馬 陽太") && !nenkin.contains("但馬 ウメ"));
        // 後期高齢者医療 and 介護保険: the grandmother.
        for (title, caption) in [
            ("後期高齢者医療 被保険者異動届", "被保険者(75歳以上の方)"),
            ("介護保険 資格取得・異動・喪失届", "被保険者(65歳以上の方)"),
        ] {
            let s = section(paper(body, title), caption);
            assert!(s.contains("但馬 ウメ"), "{s}");
            assert!(!s.contains("但馬 一郎"), "{s}");
        }
        // 国民健康保険: everyone moving in (the grandmother is in 後期, which the clerk strikes).
        let kokuho = section(paper(body, "国民健康保険 被保険者資格取得届"), "加入する方");
        assert!(kokuho.contains("但馬 陽太") && kokuho.contains("但馬 一郎"));
        // 印鑑登録: the one who registers is the 届出人.
        assert!(paper(body, "印鑑登録申請書").contains("但馬 一郎"));
        // 個人番号 never printed.
        assert!(body.contains("□□□□ □□□□ □□□□"));
    })
    .await;
}

#[tokio::test]
async fn a_row_with_a_mistake_names_the_person_and_keeps_every_row() {
    each_backend(|db| async move {
        let mut c = signed_in(&db, "madoguchi", Role::DepartmentEditor, "住民課").await;
        machi::procedures::store::ensure_catalog(&db).await.unwrap();
        c.get("/staff/counter").await;
        let r = c
            .post("/staff/counter/visits", &[("life_event", "birth")])
            .await;
        let path = r.headers["location"].to_str().unwrap().to_string();
        let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
        c.get(&path).await;
        let r = c
            .post(
                &format!("{path}/person"),
                &[
                    ("version", "1"),
                    ("p1.name", "但馬 花"),
                    ("applicant", "1"),
                    ("p2.kana", "タジマ"),
                    ("p2.birth", "令和8年2月30日"),
                    ("p2.subject", "on"),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("2人目の生年月日"), "{}", r.body);
        assert!(r.body.contains("2人目: 入力のある行に氏名がありません"));
        assert!(
            r.body.contains("value=\"但馬 花\""),
            "the other row is kept"
        );
        assert!(
            r.body.contains("value=\"令和8年2月30日\""),
            "the mistake is shown"
        );
        let v = store::visit(&db, id).await.unwrap().unwrap();
        assert!(v.people.is_empty(), "nothing half-saved");
        // 届出人 on an empty row.
        let r = c
            .post(
                &format!("{path}/person"),
                &[("version", "1"), ("p1.name", "但馬 花"), ("applicant", "3")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("届出人に選んだ"), "{}", r.body);
    })
    .await;
}

#[tokio::test]
async fn a_town_with_an_earlier_bundled_form_gets_the_new_one_and_edited_forms_stay() {
    each_backend(|db| async move {
        use machi::procedures::store as ps;
        ps::ensure_catalog(&db).await.unwrap();
        // As an earlier release left it: the old 児童手当 form, no 住民異動届, and a 国保 form
        // the town edited.
        let old = machi::procedures::catalog_file::PREVIOUS_BUNDLED_FORMS[0];
        let mut conn = db.conn().await.unwrap();
        sqlx::query("UPDATE forms SET body = $1 WHERE key = 'jidou-teate-nintei'")
            .bind(
                machi::procedures::form::FormDef::parse(old)
                    .unwrap()
                    .to_toml(),
            )
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("DELETE FROM forms WHERE key = 'juumin-idou'")
            .execute(&mut *conn)
            .await
            .unwrap();
        let edited = machi::procedures::catalog_file::PREVIOUS_BUNDLED_FORMS[1]
            .replace("国民健康保険 被保険者資格取得届", "国保 加入届(町の様式)");
        sqlx::query("UPDATE forms SET body = $1 WHERE key = 'kokuho-kanyu'")
            .bind(&edited)
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        let changed = machi::procedures::bundled::upgrade_bundled_forms(&db)
            .await
            .unwrap();
        assert_eq!(changed.len(), 2, "{changed:?}");
        let forms = ps::forms(&db).await.unwrap();
        let jidou = forms
            .iter()
            .find(|f| f.key == "jidou-teate-nintei")
            .unwrap();
        assert!(jidou.fields.iter().any(|f| f.fill == "children.name"));
        assert!(forms.iter().any(|f| f.key == "juumin-idou"));
        let kokuho = forms.iter().find(|f| f.key == "kokuho-kanyu").unwrap();
        assert_eq!(
            kokuho.title, "国保 加入届(町の様式)",
            "the town's edit stays"
        );
        assert!(
            machi::procedures::bundled::upgrade_bundled_forms(&db)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}
