//! Search keys: what a question and a resident's words are compared as. Only keys are folded —
//! stored questions and answers are never rewritten. NFKC (ＡＢＣ → ABC, ｺﾞﾐ → ゴミ, ２０２５ → 2025),
//! then hiragana → katakana (ごみ = ゴミ), small kana → normal (ッ = ツ, ヶ = ケ), every dash or
//! long-vowel look-alike → ー (once), and spaces, punctuation and symbols dropped.

use unicode_normalization::UnicodeNormalization;

/// The search key of a text.
pub fn key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = '\0';
    for c in text.nfkc() {
        let c = fold_char(c);
        let Some(c) = c else { continue };
        if c == 'ー' && last == 'ー' {
            continue;
        }
        out.push(c);
        last = c;
    }
    out
}

/// Hiragana as katakana (ご → ゴ); any other character as it is.
pub fn katakana(c: char) -> char {
    match c {
        'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
        c => c,
    }
}

/// A kanji (or 々).
pub fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '々')
}

/// One character of a key (after NFKC): folded, or dropped.
pub fn fold_char(c: char) -> Option<char> {
    let c = match katakana(c) {
        'ゝ' => 'ヽ',
        'ゞ' => 'ヾ',
        // long-vowel and dash look-alikes (after NFKC); a hyphen between kana reads as ー
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '─' | '━' | '−' | '﹣' | '-' | '～' | '〜' => {
            'ー'
        }
        c if c.is_ascii_uppercase() => c.to_ascii_lowercase(),
        c => c,
    };
    let c = match c {
        'ァ' => 'ア',
        'ィ' => 'イ',
        'ゥ' => 'ウ',
        'ェ' => 'エ',
        'ォ' => 'オ',
        'ッ' => 'ツ',
        'ャ' => 'ヤ',
        'ュ' => 'ユ',
        'ョ' => 'ヨ',
        'ヮ' => 'ワ',
        'ヵ' => 'カ',
        'ヶ' => 'ケ',
        'ヴ' => 'ブ',
        c => c,
    };
    // Letters, digits, kana, kanji and ー are kept; spaces, punctuation, symbols and emoji go.
    (c.is_alphanumeric() || c == 'ー' || c == '々').then_some(c)
}

/// Words that only make a question a question (「…について教えてください」): dropped from the
/// end of a query's key so they do not match every entry written as a question.
const ASKING: &[&str] = &[
    "について教えてください",
    "について教えて下さい",
    "を教えてください",
    "を教えて下さい",
    "教えてください",
    "教えて下さい",
    "について知りたい",
    "について",
    "を教えて",
    "教えて",
    "知りたい",
    "わかりますか",
    "分かりますか",
    "どうすればいいですか",
    "どうすればいい",
    "どうしたらいいですか",
    "どうしたらいい",
    "どうしたらいいの",
    "どうすれば",
    "どうしたら",
    "したいんですが",
    "したいんだけど",
    "たいんですが",
    "たいんだけど",
    "できますか",
    "出来ますか",
    "できる",
    "ありますか",
    "何ですか",
    "なんですか",
    "ですか",
    "ますか",
    "でしょうか",
    "かな",
    "だっけ",
    "なの",
    "ください",
    "下さい",
    "ほしい",
    "欲しい",
    "よね",
    "けど",
    "ので",
    "です",
    "ます",
    "だよ",
    "ね",
    "よ",
    "か",
];

fn asking_keys() -> &'static [String] {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys: Vec<String> = ASKING.iter().map(|w| key(w)).collect();
        // A query is also searched as read (教えて → オシエテ): its asking words too.
        keys.extend(
            ASKING
                .iter()
                .filter(|w| super::yomi::has_kanji(w))
                .map(|w| key(&super::yomi::reading(w))),
        );
        keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
        keys.dedup();
        keys
    })
}

/// A query's key with the asking words at its end dropped (「ゴミの日いつですか」 → ゴミノヒイツ),
/// unless that would leave nothing.
pub fn query_key(text: &str) -> String {
    let mut k = key(text);
    loop {
        let before = k.len();
        if let Some(w) = asking_keys()
            .iter()
            .find(|w| k.len() > w.len() && k.ends_with(w.as_str()))
        {
            k.truncate(k.len() - w.len());
        }
        if k.len() == before {
            return k;
        }
    }
}

/// Particles a resident may write or leave out between two words (印鑑のカード = 印鑑カード).
const PARTICLES: [char; 9] = ['の', 'を', 'が', 'は', 'に', 'へ', 'で', 'と', 'も'];

pub fn is_hiragana(c: char) -> bool {
    ('ぁ'..='ゖ').contains(&c)
}

/// The same words said plainly, for the synonym dictionary to match: a particle between two
/// words written in kanji, katakana or letters is dropped (印鑑のカード → 印鑑カード), and the
/// spoken 〜てる / 〜でる after a verb's kana is written out (捨てられてる → 捨てられている).
/// Only read as one more way to say the query; never stored.
pub fn plain(text: &str) -> String {
    let chars: Vec<char> = text.nfkc().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let word = |c: Option<&char>| c.is_some_and(|c| !is_hiragana(*c) && c.is_alphanumeric());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if PARTICLES.contains(&c) && i > 0 && word(chars.get(i - 1)) && word(chars.get(i + 1)) {
            i += 1;
            continue;
        }
        if (c == 'て' || c == 'で')
            && chars.get(i + 1) == Some(&'る')
            && i > 0
            && is_hiragana(chars[i - 1])
            && !chars.get(i + 2).copied().is_some_and(is_hiragana)
        {
            out.push(c);
            out.push_str("いる");
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_what_people_type_differently() {
        assert_eq!(key("ｺﾞﾐ"), key("ごみ"));
        assert_eq!(key("ゴミ"), key("ごみ"));
        assert_eq!(key("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ"), key("マイナンバーカード"));
        assert_eq!(key("住民票ｰ写し"), key("住民票ー写し"));
        assert_eq!(key("霞ヶ関"), key("霞ケ関"));
        assert_eq!(key("２０２５年"), "2025年");
        assert_eq!(key("ＰＩＮ"), "pin");
        assert_eq!(key("マイナンバーーカード"), key("マイナンバーカード"));
        assert_eq!(key("引っ越し"), key("引つ越し"));
        assert_eq!(key("住民票 の 写し!?"), key("住民票の写し"));
        assert_eq!(key("🗑️🗑️"), "");
        assert_eq!(key("<script>alert(1)</script>"), "scriptalert1script");
    }

    #[test]
    fn plain_words_drop_particles_between_words_and_spell_out_spoken_endings() {
        assert_eq!(plain("印鑑のカード"), "印鑑カード");
        assert_eq!(plain("投票所の入場券をなくした"), "投票所入場券をなくした");
        assert_eq!(plain("ごみが捨てられてる"), "ごみが捨てられている");
        assert_eq!(plain("いぬが死んでる"), "いぬが死んでいる");
        assert_eq!(plain("犬が死んだ"), "犬死んだ");
        assert_eq!(
            plain("ごみを捨てる"),
            "ごみを捨てる",
            "a verb ending in て is not spoken"
        );
        assert_eq!(plain("この町"), "この町", "の inside a word stays");
    }

    #[test]
    fn asking_words_at_the_end_are_dropped() {
        assert_eq!(query_key("ゴミの日いつですか?"), key("ゴミの日いつ"));
        assert_eq!(query_key("印鑑登録について教えてください"), key("印鑑登録"));
        assert_eq!(query_key("転入届を出したいんですが"), key("転入届を出"));
        assert_eq!(query_key("です"), key("です"), "never left empty");
    }
}
