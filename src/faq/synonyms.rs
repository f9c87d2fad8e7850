//! The synonym dictionary: groups of words residents and the town hall use for the same thing
//! (マイナカード = マイナンバーカード = 個人番号カード). A group is either equivalent (each word
//! finds the others) or one-way (the first word also finds the rest — 引っ越し finds 転入届, but
//! 転入届 must not find 転出届). The bundled groups (`synonyms.txt`) are general municipal words;
//! a town adds its own.
//!
//! File format, one group per line: `= word word …` (equivalent) or `> word word …` (one-way);
//! `#` starts a comment.

use super::normalize::key;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Equivalent,
    OneWay,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub direction: Direction,
    /// The words as written.
    pub words: Vec<String>,
    keys: Vec<String>,
}

impl Group {
    pub fn new(direction: Direction, words: Vec<String>) -> Group {
        let keys = words.iter().map(|w| key(w)).collect();
        Group {
            direction,
            words,
            keys,
        }
    }
}

/// The bundled groups.
pub const BUNDLED: &str = include_str!("synonyms.txt");

/// Reads groups from the file format; a fault names its line.
pub fn parse(text: &str) -> Result<Vec<Group>, String> {
    let mut groups = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (direction, rest) = match line.chars().next() {
            Some('=') => (Direction::Equivalent, &line[1..]),
            Some('>') => (Direction::OneWay, &line[1..]),
            _ => {
                return Err(format!(
                    "{}行目: 行の始めに「=」(同じ意味)か「>」(最初の語から広げる)を書きます",
                    i + 1
                ));
            }
        };
        let words: Vec<String> = rest
            .split([' ', '　', ',', '、'])
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(String::from)
            .collect();
        if words.len() < 2 {
            return Err(format!("{}行目: 語を2つ以上書きます", i + 1));
        }
        groups.push(Group::new(direction, words));
    }
    Ok(groups)
}

/// The dictionary, ready to expand query keys.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    groups: Vec<Group>,
    /// The groups with a word starting with each character: a query only looks at the groups
    /// its own characters start (each search asks the dictionary a dozen times).
    by_first: std::collections::HashMap<char, Vec<usize>>,
    /// The words written in kana only, four characters or more, as characters: what a typo
    /// (one kana wrong, missing or extra) is mended towards.
    kana: Vec<Vec<char>>,
}

fn is_kana(c: char) -> bool {
    matches!(c, 'ァ'..='ヺ' | 'ー')
}

/// Whether two words differ by at most one character changed, missing or added.
fn within_one(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    if short.len() == long.len() {
        return short.iter().zip(long).filter(|(x, y)| x != y).count() <= 1;
    }
    let start = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    short[start..] == long[start + 1..]
}

impl Synonyms {
    pub fn new(groups: Vec<Group>) -> Synonyms {
        let mut by_first: std::collections::HashMap<char, Vec<usize>> = Default::default();
        for (i, g) in groups.iter().enumerate() {
            for c in g.keys.iter().filter_map(|k| k.chars().next()) {
                let list = by_first.entry(c).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        let mut kana: Vec<Vec<char>> = groups
            .iter()
            .flat_map(|g| g.keys.iter())
            .filter(|k| k.chars().count() >= 4 && k.chars().all(is_kana))
            .map(|k| k.chars().collect())
            .collect();
        kana.sort();
        kana.dedup();
        Synonyms {
            groups,
            by_first,
            kana,
        }
    }

    /// The query with one word of kana mended, when it is one kana away from a kana word of the
    /// dictionary (ジユミンゼイ → ジユウミンゼイ, which the dictionary reads as 住民税).
    pub fn mended(&self, query: &str) -> Vec<String> {
        let chars: Vec<char> = query.chars().collect();
        let mut out: Vec<String> = Vec::new();
        if !chars.iter().any(|c| is_kana(*c)) {
            return out;
        }
        for word in &self.kana {
            let m = word.len();
            // Found as typed: nothing to mend (ホイクエンニ is not ホイクエン gone wrong).
            if chars.windows(m).any(|w| w == word.as_slice()) {
                continue;
            }
            for len in [m, m - 1, m + 1] {
                if len > chars.len() {
                    continue;
                }
                for start in 0..=chars.len() - len {
                    let part = &chars[start..start + len];
                    if part == word.as_slice() || !part.iter().all(|c| is_kana(*c)) {
                        continue;
                    }
                    if within_one(part, word) {
                        let mut v: String = chars[..start].iter().collect();
                        v.extend(word.iter());
                        v.extend(chars[start + len..].iter());
                        if v != query && !out.contains(&v) {
                            out.push(v);
                        }
                    }
                }
            }
            if out.len() >= 4 {
                break;
            }
        }
        out
    }

    /// The groups a key may hold a word of, in dictionary order.
    fn candidates(&self, key: &str) -> Vec<&Group> {
        let mut ids: Vec<usize> = key
            .chars()
            .filter_map(|c| self.by_first.get(&c))
            .flatten()
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter().map(|i| &self.groups[i]).collect()
    }

    pub fn bundled() -> Synonyms {
        Synonyms::new(parse(BUNDLED).expect("the bundled synonyms read"))
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The keys a query key also stands for: for each word of a group found in the query, the
    /// query with that word replaced by each other word of the group (one-way groups only from
    /// their first word). Distinct, without the query itself.
    pub fn expand(&self, query: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for g in self.candidates(query) {
            for (i, k) in g.keys.iter().enumerate() {
                if k.is_empty() || !query.contains(k.as_str()) {
                    continue;
                }
                if g.direction == Direction::OneWay && i != 0 {
                    continue;
                }
                for (j, other) in g.keys.iter().enumerate() {
                    if j == i || other.is_empty() {
                        continue;
                    }
                    let v = query.replacen(k.as_str(), other, 1);
                    if v != query && !out.contains(&v) {
                        out.push(v);
                    }
                }
            }
        }
        out
    }

    /// The longest word of the dictionary that holds `part` and is itself in `query`: what a
    /// piece of the query (赤) is part of (赤ちゃん).
    pub fn word_holding(&self, query: &str, part: &str) -> Option<String> {
        self.longest_in(query, |k| k.len() > part.len() && k.contains(part))
    }

    /// The longest word of the dictionary written in kana only (three characters or more) that
    /// a key of kana holds: いのししでた holds イノシシ.
    pub fn kana_word_in(&self, kana: &str) -> Option<String> {
        self.longest_in(kana, |k| k.chars().count() >= 3 && k.chars().all(is_kana))
    }

    /// The longest word of the dictionary found in `text` that also passes `wanted`.
    fn longest_in(&self, text: &str, wanted: impl Fn(&str) -> bool) -> Option<String> {
        self.candidates(text)
            .into_iter()
            .flat_map(|g| g.keys.iter())
            .filter(|k| wanted(k) && text.contains(k.as_str()))
            .max_by_key(|k| k.chars().count())
            .cloned()
    }

    /// The words of every group one of whose words contains `word` (実印 → the group of
    /// 実印登録): what a single content word may stand for.
    pub fn around(&self, word: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if word.chars().count() < 2 {
            return out;
        }
        let first = word.chars().next().unwrap_or(' ');
        for g in &self.groups {
            // A group word holding `word` holds its first character.
            if !g.keys.iter().any(|k| k.contains(first)) {
                continue;
            }
            if g.keys.iter().any(|k| k.contains(word)) {
                for k in &g.keys {
                    if !out.contains(k) {
                        out.push(k.clone());
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_words_find_each_other_and_one_way_words_do_not_return() {
        let s = Synonyms::new(
            parse("= マイナンバーカード マイナカード 個人番号カード\n> 引っ越し 転入届 転出届\n")
                .unwrap(),
        );
        let e = s.expand(&key("マイナカードなくした"));
        assert!(e.contains(&key("マイナンバーカードなくした")), "{e:?}");
        assert!(e.contains(&key("個人番号カードなくした")));
        assert!(
            s.expand(&key("引っ越しの手続"))
                .contains(&key("転入届の手続"))
        );
        assert!(s.expand(&key("転入届")).is_empty());
    }

    #[test]
    fn a_kana_word_one_kana_off_is_mended() {
        let s = Synonyms::bundled();
        assert!(
            s.mended(&key("じゅみんぜい"))
                .contains(&key("じゅうみんぜい"))
        );
        let found = s.mended(&key("ほいくえんに"));
        assert!(
            found.is_empty(),
            "a word found as typed is not mended: {found:?}"
        );
        assert!(within_one(&['a', 'b', 'c'], &['a', 'x', 'c']));
        assert!(within_one(&['a', 'c'], &['a', 'b', 'c']));
        assert!(!within_one(&['a', 'b'], &['b', 'a', 'c']));
    }

    #[test]
    fn a_fault_names_its_line_and_the_bundled_file_reads() {
        assert!(parse("= a b\nc d\n").unwrap_err().starts_with("2行目"));
        assert!(parse("= ひとつ\n").unwrap_err().contains("2つ以上"));
        assert!(Synonyms::bundled().len() > 60);
    }
}
