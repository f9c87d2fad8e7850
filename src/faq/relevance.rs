//! Whether a document answers a query at all, beyond sharing a pair of characters: bigram
//! scoring happily matches ドローンの飛行許可 with 火葬許可 (許可) or 飛ばす with 循環バス (バス).
//! The query's content words — runs of kanji, of katakana, of letters and digits, as the
//! resident typed them — are what it is about; a document must hold enough of them (a word
//! counts when at least half of its character pairs are in the document, as written or as the
//! synonym dictionary says it, one-way groups both ways). A loanword weighs more, a single kanji (often a verb's stem)
//! less; a document must hold 40% of the weight. A query of hiragana only asks nothing of this
//! check.

use super::normalize::{is_hiragana, key};
use super::synonyms::Synonyms;
use unicode_normalization::UnicodeNormalization;

/// The share of the words (by weight) a document must hold.
const SHARE: f64 = 0.4;

/// At most this many content words are checked (the start of a long question says most).
const MAX_WORDS: usize = 8;

#[derive(Clone, Copy, PartialEq)]
enum Class {
    Kanji,
    Katakana,
    Alnum,
    Other,
}

fn class(c: char) -> Class {
    match c {
        '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '々' => Class::Kanji,
        'ァ'..='ヺ' | 'ー' => Class::Katakana,
        c if c.is_ascii_alphanumeric() => Class::Alnum,
        _ => Class::Other,
    }
}

/// Kanji that ask rather than name (何時 → 時 is still a word; 何 is not).
const ASKING: [char; 3] = ['何', '誰', '等'];

/// Kana words of the dictionary that ask how, where or how much (in its やり方 and 場所 groups):
/// never what a query is about.
const KANA_ASKING: [&str; 8] = [
    "ドウヤツテ",
    "ドウスレバ",
    "シカタ",
    "ヤリカタ",
    "ドコデ",
    "イクラ",
    "モラエル",
    "イツマデ",
];

/// A content word: the keys it may be found as (each as its character pairs, or its one
/// character), and its weight (a single kanji counts half).
pub struct Word(Vec<Vec<String>>, f64);

/// A key's character pairs, or the key itself when it is one character.
fn pieces(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 2 {
        return vec![word.to_string()];
    }
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

/// The content words of a query, each with its synonyms' keys.
pub fn words(query: &str, synonyms: &Synonyms) -> Vec<Word> {
    let text: String = query.nfkc().collect();
    let mut runs: Vec<String> = Vec::new();
    let mut run = String::new();
    let mut run_class = Class::Other;
    for c in text.chars().chain(std::iter::once(' ')) {
        let k = if ASKING.contains(&c) {
            Class::Other
        } else {
            class(c)
        };
        if k == run_class && k != Class::Other {
            run.push(c);
            continue;
        }
        let long_enough = match run_class {
            Class::Kanji => !run.is_empty(),
            Class::Katakana | Class::Alnum => run.chars().count() >= 2,
            Class::Other => false,
        };
        if long_enough && !runs.contains(&run) {
            runs.push(std::mem::take(&mut run));
        }
        run.clear();
        if k != Class::Other {
            run.push(c);
        }
        run_class = k;
    }
    // Kana alone asks nothing (verb endings, particles) — unless it starts with a word the
    // dictionary knows in kana (いのしし, すいどう) that names a thing rather than asks how.
    for run in text.split(|c: char| !(is_hiragana(c) || c == 'ー')) {
        let k = key(run);
        if let Some(w) = synonyms.kana_word_in(&k)
            && k.starts_with(w.as_str())
            && !KANA_ASKING.contains(&w.as_str())
            && !runs.contains(&w)
        {
            runs.push(w);
        }
    }
    runs.truncate(MAX_WORDS);
    let whole = key(&text);
    runs.into_iter()
        .map(|r| {
            // A kanji run that is part of a longer word the dictionary knows, as the query has
            // it (赤 of 赤ちゃん, 生 of 生まれた), is that word.
            let typed = key(&r);
            let k = synonyms.word_holding(&whole, &typed).unwrap_or(typed);
            let mut keys = vec![k.clone()];
            keys.extend(synonyms.expand(&k));
            keys.extend(synonyms.around(&k));

            // A loanword (ドローン) names the thing asked about; one kanji may be a verb's stem.
            let weight = match (class(r.chars().next().unwrap_or(' ')), k.chars().count()) {
                (Class::Katakana, _) => 1.5,
                (_, 1) => 0.5,
                _ => 1.0,
            };
            let mut keys: Vec<Vec<String>> = keys.iter().map(|k| pieces(k)).collect();
            // As read, a kanji word is found in a document's reading (引越 in ヒッコシ) — whole:
            // half of a reading's pairs (ヨウ of ヨウイ) are in too many words.
            if super::yomi::has_kanji(&r) {
                keys.push(vec![key(&super::yomi::reading(&r))]);
            }
            Word(keys, weight)
        })
        .collect()
}

/// Whether at least half of a key's pieces are in the text.
fn holds(text: &str, pieces: &[String]) -> bool {
    let found = pieces.iter().filter(|p| text.contains(p.as_str())).count();
    !pieces.is_empty() && found * 2 >= pieces.len()
}

/// Whether a document's search text (its fields' keys) holds at least half of the words.
pub fn answers(text: &str, words: &[Word]) -> bool {
    let all: f64 = words.iter().map(|w| w.1).sum();
    let held: f64 = words
        .iter()
        .filter(|w| w.0.iter().any(|k| holds(text, k)))
        .map(|w| w.1)
        .sum();
    held >= all * SHARE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_words_are_runs_of_kanji_katakana_and_letters() {
        let s = Synonyms::default();
        let w = words("ドローンの飛行許可をとりたい。Wi-Fi は?", &s);
        let first: Vec<String> = w.iter().map(|w| w.0[0].concat()).collect();
        assert_eq!(first, vec!["ドロローーン", "飛行行許許可", "wi", "fi"]);
        let first: Vec<String> = words("役場何時まで", &s)
            .into_iter()
            .map(|w| w.0[0].concat())
            .collect();
        assert_eq!(first, vec!["役場", "時"]);
        assert!(words("じゅうみんひょう ほしい", &s).is_empty());
        let s = Synonyms::bundled();
        let first: Vec<String> = words("いのしし出た", &s)
            .into_iter()
            .map(|w| w.0[0].concat())
            .collect();
        assert_eq!(
            first,
            vec!["出タ", "イノノシシシ"],
            "出 read as the dictionary word 出た; a kana word the dictionary knows"
        );
    }

    #[test]
    fn half_of_the_words_must_be_there() {
        let s = Synonyms::bundled();
        let text = key("死体埋火葬許可申請 火葬許可証の交付");
        assert!(!answers(&text, &words("ドローンの飛行許可", &s)));
        assert!(!answers(&text, &words("ドローン 飛ばす 許可", &s)));
        assert!(answers(&text, &words("火葬の許可", &s)));
        let kokuho = key("国民健康保険に加入したい");
        assert!(
            answers(&kokuho, &words("会社やめたから国保はいる", &s)),
            "国保 by its synonym"
        );
        assert!(answers(
            &key("マイナンバーカードを紛失したとき"),
            &words("マイナンバーカーヅ紛失", &s)
        ));
        assert!(
            answers(&key("印鑑登録をしたい"), &words("実印の登録方法", &s)),
            "実印 is in a group word"
        );
    }
}
