//! Japanese search over the catalog: width and kana folded, and words people write in several
//! ways (引越し/引っ越し, 子供/子ども, 国保/国民健康保険) found under any of their spellings.

use super::model::Procedure;

/// Spellings that mean the same thing to a resident. Each group is searched as one word.
const VARIANTS: &[&[&str]] = &[
    &[
        "引越し",
        "引っ越し",
        "引越",
        "ひっこし",
        "転居",
        "転入",
        "転出",
    ],
    &["亡くなった", "死亡", "お悔やみ", "おくやみ", "死去"],
    &["子ども", "子供", "こども", "児童"],
    &["赤ちゃん", "出生", "出産", "生まれた"],
    &["障害", "障がい", "障碍"],
    &["国保", "国民健康保険", "こくほ"],
    &["後期高齢", "後期高齢者医療", "こうき"],
    &["介護", "かいご"],
    &["年金", "ねんきん"],
    &["保育園", "保育所", "保育施設", "こども園", "ほいく"],
    &["マイナンバーカード", "個人番号カード", "マイナカード"],
    &["印鑑", "はんこ", "ハンコ", "実印"],
    &["水道", "すいどう"],
    &["手当", "てあて"],
    &["オンライン", "電子申請", "インターネット", "ネット"],
];

/// Text folded for search: full-width ASCII to half-width, lower case, katakana to hiragana.
pub fn fold(s: &str) -> String {
    crate::opendata::routes::fold(s)
}

/// The folded alternatives of one search word.
fn alternatives(word: &str) -> Vec<String> {
    let w = fold(word);
    for group in VARIANTS {
        if group.iter().any(|v| fold(v) == w) {
            return group.iter().map(|v| fold(v)).collect();
        }
    }
    vec![w]
}

/// What a procedure is found by.
pub fn haystack(p: &Procedure) -> String {
    fold(&format!(
        "{} {} {} {} {} {} {}",
        p.name,
        p.category,
        p.field,
        p.department,
        p.who,
        p.note,
        p.bring.join(" ")
    ))
}

/// Whether every word of the query is found (under any of its spellings).
pub fn matches(haystack: &str, query: &str) -> bool {
    query.split_whitespace().all(|w| {
        alternatives(w)
            .iter()
            .any(|a| haystack.contains(a.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_and_widths_find_the_same_procedures() {
        let h = fold("転出届(マイナポータルでオンライン)");
        for q in [
            "引越し",
            "引っ越し",
            "ひっこし",
            "転出",
            "ネット",
            "ＯＮＬＩＮＥ転出",
        ] {
            assert_eq!(matches(&h, q), q != "ＯＮＬＩＮＥ転出", "{q}");
        }
        let h = fold("国民健康保険 加入届");
        assert!(matches(&h, "国保"));
        assert!(matches(&h, "国保 加入"));
        assert!(!matches(&h, "国保 喪失"));
        assert!(matches(&fold("児童手当"), "子供"));
        assert!(matches(&fold("OKUYAMI"), "ｏｋｕｙａｍｉ"));
        assert!(matches(&fold("カイゴ"), "かいご"));
    }
}
