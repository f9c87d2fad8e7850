//! 例規 in the formats they are published in: e-Gov 法令標準XML reads into the same clauses as the
//! text of the same law (浄化槽法's parts in tests/fixtures/ordinances/jokaso-ho-excerpt.xml,
//! written by scripts/lawxml-fixture.py, against the same lines of jokaso-ho.txt), and a 例規集
//! system's page reads without its sidebar.

use machi::ordinances::input::{Read, read_bytes};
use machi::ordinances::rules::Rules;
use machi::ordinances::scan::scan;
use std::path::Path;

const FIXTURES: &str = "tests/fixtures/ordinances";

fn read(name: &str, bytes: &[u8]) -> machi::ordinances::parse::Ordinance {
    match read_bytes(name, bytes) {
        Read::Ok(o) => o,
        Read::Refused { reason, .. } => panic!("{name}: {reason}"),
    }
}

#[test]
fn the_xml_and_the_text_of_a_law_give_the_same_clauses_and_findings() {
    let xml = std::fs::read(Path::new(FIXTURES).join("jokaso-ho-excerpt.xml")).unwrap();
    let from_xml = read("jokaso-ho-excerpt.xml", &xml);
    // The same lines of the text (scripts/lawxml-fixture.py names them).
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("jokaso-ho.txt")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let take = |a: usize, b: usize| lines[a - 1..b].join("\n");
    let excerpt = [
        take(4, 5),
        take(22, 58),
        take(169, 173),
        take(703, 712),
        take(747, 751),
    ]
    .join("\n\n");
    let from_text = read("jokaso-ho-excerpt.txt", excerpt.as_bytes());

    assert_eq!(from_xml.title, "浄化槽法");
    assert_eq!(from_xml.number, "法律第四十三号");
    assert_eq!(from_xml.enacted, "昭和58年5月18日");
    let clauses = |o: &machi::ordinances::parse::Ordinance| {
        o.clauses()
            .iter()
            .map(|c| (c.at.clone(), c.text.to_string()))
            .collect::<Vec<_>>()
    };
    let (x, t) = (clauses(&from_xml), clauses(&from_text));
    assert_eq!(x.len(), t.len(), "{x:#?}\n{t:#?}");
    for (a, b) in x.iter().zip(&t) {
        assert_eq!(a, b);
    }
    let labels: Vec<&str> = from_xml.articles.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "第1条",
            "第2条",
            "第3条",
            "第3条の2",
            "第4条",
            "第12条の12",
            "附則第1条",
            "附則第2条",
            "附則(昭和六二年六月二日法律第六三号)第1条"
        ]
    );
    assert_eq!(from_xml.articles[1].caption, "定義");
    assert_eq!(from_xml.digest(), from_text.digest());
    // The same candidates: 第12条の12 (立入検査).
    let rules = Rules::bundled();
    let (fx, ft) = (scan(&from_xml, rules), scan(&from_text, rules));
    let key = |f: &machi::ordinances::scan::Finding| {
        (f.article.clone(), f.paragraph, f.item.clone(), f.category)
    };
    assert_eq!(
        fx.iter().map(key).collect::<Vec<_>>(),
        ft.iter().map(key).collect::<Vec<_>>()
    );
    assert!(
        fx.iter()
            .any(|f| f.article == "第12条の12" && f.category == "実地監査"),
        "{fx:?}"
    );
}

#[test]
fn broken_or_foreign_xml_is_refused_with_its_reason() {
    for (name, bytes, says) in [
        (
            "cut.xml",
            "<?xml version=\"1.0\"?>\n<Law>\n<LawBody>\n<LawTitle>x</LawTitle>\n".as_bytes(),
            "閉じていない要素",
        ),
        (
            "mismatch.xml",
            "<?xml version=\"1.0\"?>\n<Law>\n<LawBody>\n</Law>".as_bytes(),
            "行目",
        ),
        (
            "empty.xml",
            "<?xml version=\"1.0\"?><Law><LawBody><LawTitle>空の法令</LawTitle></LawBody></Law>"
                .as_bytes(),
            "条文(Article)が見つかりません",
        ),
    ] {
        match read_bytes(name, bytes) {
            Read::Refused { reason, .. } => {
                assert!(reason.starts_with("法令標準XML: "), "{reason}");
                assert!(reason.contains(says), "{name}: {reason}");
            }
            Read::Ok(o) => panic!("{name} read: {o:?}"),
        }
    }
}

#[test]
fn a_reiki_system_page_reads_without_its_sidebar() {
    let html = std::fs::read(Path::new(FIXTURES).join("holdout3/katsuragi-chushajo.html")).unwrap();
    let o = read("katsuragi-chushajo.html", &html);
    assert_eq!(o.title, "かつらぎ町駐車場等設置条例");
    assert_eq!(o.number, "条例第25号");
    let clauses = o.clauses();
    // 第1条–第9条 with their items, the original 附則 and eight amending ones: each once.
    let last = clauses.last().unwrap();
    assert_eq!(last.at.article, "附則(平成28年6月23日条例第18号)");
    assert_eq!(last.text, "この条例は、公布の日から施行する。");
    assert!(
        clauses
            .iter()
            .all(|c| !c.text.contains("条項目次") && !c.text.contains("沿革")),
        "{:?}",
        clauses.iter().map(|c| c.text).collect::<Vec<_>>()
    );
    let supplements = o
        .articles
        .iter()
        .filter(|a| a.label.starts_with("附則"))
        .count();
    assert_eq!(supplements, 9);
    assert!(o.problems.is_empty(), "{:?}", o.problems);
}
