//! Readings of kanji words (住民票 → ジュウミンヒョウ), so that a resident who types kana finds an
//! entry written in kanji, and okurigana variants (引越し, 引っ越し, 引越) meet at one reading.
//!
//! The table is every IPAdic word that holds a kanji, with its most common reading
//! (`scripts/yomi-from-ipadic.py` writes it from Debian's mecab-ipadic; copyright notice in
//! `yomi.COPYING`). It is bundled compressed (0.8 MB) and read once: nothing is downloaded or
//! installed. A text is read left to right, the longest word in the table at each kanji; kana
//! and anything the table lacks stay as written. That is cruder than a morphological analyser,
//! but search only compares readings' character pairs, and a mis-split (大学生|活 for 大学|生活)
//! mostly reads the same.

use super::normalize::{is_kanji, katakana};
use flate2::read::GzDecoder;
use std::io::Read;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

const TABLE: &[u8] = include_bytes!("yomi.tsv.gz");

/// The longest word of the table, in characters.
const LONGEST: usize = 10;

/// The table: `surface\treading\n` lines, and where each line's parts are, sorted by surface.
struct Table {
    text: String,
    /// (surface start, tab, line end) as byte offsets into `text`.
    lines: Vec<(u32, u32, u32)>,
}

impl Table {
    fn load() -> Table {
        let mut text = String::new();
        // The table is part of the program: a failure here is a broken build, not bad input.
        GzDecoder::new(TABLE)
            .read_to_string(&mut text)
            .expect("the bundled reading table decompresses");
        let mut lines = Vec::with_capacity(140_000);
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let end = start + line.len();
            if let Some(tab) = line.find('\t') {
                lines.push((start as u32, (start + tab) as u32, (end - 1) as u32));
            }
            start = end;
        }
        let mut table = Table { text, lines };
        let mut lines = std::mem::take(&mut table.lines);
        lines.sort_by(|a, b| table.surface(*a).cmp(table.surface(*b)));
        table.lines = lines;
        table
    }

    fn surface(&self, (start, tab, _): (u32, u32, u32)) -> &str {
        &self.text[start as usize..tab as usize]
    }

    fn reading(&self, (_, tab, end): (u32, u32, u32)) -> &str {
        &self.text[tab as usize + 1..end as usize]
    }

    /// The reading of a word, if the table has it.
    fn get(&self, lines: &[(u32, u32, u32)], word: &str) -> Option<&str> {
        lines
            .binary_search_by(|l| self.surface(*l).cmp(word))
            .ok()
            .map(|i| self.reading(lines[i]))
    }

    /// One kanji between words reads as a suffix (保育|所 → ショ) or a prefix (要|介護 → ヨウ),
    /// marked 〜所 and 要〜 in the table.
    fn affix(&self, c: char, after_word: bool, before_word: bool) -> Option<&str> {
        let marked = if after_word {
            format!("〜{c}")
        } else if before_word {
            format!("{c}〜")
        } else {
            return None;
        };
        let first = marked.chars().next()?;
        self.get(self.starting_with(first), &marked)
    }

    /// The lines whose surface starts with `c`.
    fn starting_with(&self, c: char) -> &[(u32, u32, u32)] {
        let mut buf = [0u8; 4];
        let first: &str = c.encode_utf8(&mut buf);
        let from = self.lines.partition_point(|l| self.surface(*l) < first);
        let to = from + self.lines[from..].partition_point(|l| self.surface(*l).starts_with(first));
        &self.lines[from..to]
    }
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(Table::load)
}

/// Whether a text holds a kanji: only such a text reads differently.
pub fn has_kanji(text: &str) -> bool {
    text.chars().any(is_kanji)
}

/// A text with its kanji words written in katakana as read (引っ越しの手続き →
/// ヒッコシノテツヅキ); everything else as written (after NFKC).
pub fn reading(text: &str) -> String {
    marked(text).into_iter().map(|(c, _)| c).collect()
}

/// The reading of a text, each character marked with whether it was read from the table (true)
/// or kept as written.
pub fn marked(text: &str) -> Vec<(char, bool)> {
    let chars: Vec<char> = text.nfkc().collect();
    if !chars.iter().copied().any(is_kanji) {
        return chars.into_iter().map(|c| (c, false)).collect();
    }
    let table = table();
    let mut out: Vec<(char, bool)> = Vec::with_capacity(chars.len() * 2);
    let mut i = 0;
    let mut word = String::new();
    // Whether the last thing read was a word of the table.
    let mut after_word = false;
    while i < chars.len() {
        // A word of the table holds a kanji, and one starting with kana starts with a prefix
        // (お知らせ, ご案内): only there is it looked for.
        let next_kanji = chars.get(i + 1).copied().is_some_and(is_kanji);
        let mut matched = 0;
        if is_kanji(chars[i]) || next_kanji {
            let lines = table.starting_with(chars[i]);
            for len in (1..=LONGEST.min(chars.len() - i)).rev() {
                word.clear();
                word.extend(&chars[i..i + len]);
                let affix = (len == 1)
                    .then(|| table.affix(chars[i], after_word, next_kanji))
                    .flatten();
                if let Some(r) = affix.or_else(|| table.get(lines, &word)) {
                    push_word(&mut out, &word, r);
                    matched = len;
                    break;
                }
            }
        }
        after_word = matched > 0;
        if matched == 0 {
            out.push((chars[i], false));
            i += 1;
        } else {
            i += matched;
        }
    }
    out
}

/// A word's reading, its characters marked as read — except the kana the word is written with
/// (ごみ of 粗大ごみ, し of 引っ越し, お of お知らせ), which are as written, not read.
fn push_word(out: &mut Vec<(char, bool)>, word: &str, reading: &str) {
    let read: Vec<char> = reading.chars().collect();
    let written: Vec<char> = word.chars().map(katakana).collect();
    let head = written
        .iter()
        .zip(&read)
        .take_while(|(w, r)| w == r)
        .count();
    let tail = written
        .iter()
        .rev()
        .zip(read.iter().rev())
        .take_while(|(w, r)| w == r)
        .count()
        .min(read.len() - head);
    for (i, c) in read.iter().enumerate() {
        out.push((*c, i >= head && i < read.len() - tail));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kanji_words_read_as_said_and_okurigana_variants_meet() {
        assert_eq!(reading("住民票の写し"), "ジュウミンヒョウのウツシ");
        assert_eq!(reading("引っ越し"), reading("引越し"));
        assert_eq!(reading("ごみを捨てたい"), "ごみをステたい");
        assert_eq!(reading("保育所"), "ホイクショ", "a suffix after a word");
        assert_eq!(reading("要介護"), "ヨウカイゴ", "a prefix before a word");
        assert_eq!(reading("所"), "トコロ", "alone, a word");
        let read = |t: &str| -> Vec<bool> { marked(t).into_iter().map(|(_, m)| m).collect() };
        assert_eq!(read("診てもらう"), [true, false, false, false, false]);
        assert_eq!(
            read("粗大ごみ"),
            [true, true, true, false, false],
            "the kana a word is written with are not read"
        );
        assert_eq!(read("お知らせ"), [false, true, false, false]);
        assert_eq!(reading("マイナンバーカード"), "マイナンバーカード");
        assert_eq!(reading("ｺﾞﾐ"), "ゴミ");
        assert_eq!(reading(""), "");
        // A kanji the table lacks stays as written.
        assert_eq!(reading("𠮷"), "𠮷");
    }
}
