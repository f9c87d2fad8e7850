//! Numbers and width as 例規 print them: 漢数字 (十八, 百二十三, 一の二), full-width digits and
//! brackets.

/// Full-width ASCII to half-width (digits, letters, brackets), the ideographic space to a space.
pub fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// 十八 → 18, 百二十三 → 123, 二千 → 2000, "18" → 18; `None` when it is not a number.
pub fn kanji_number(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    let digit = |c: char| {
        "〇一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|v| v as u32)
    };
    let (mut total, mut current) = (0u32, 0u32);
    for c in s.chars() {
        if let Some(d) = digit(c) {
            current = current * 10 + d;
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => return None,
        };
        total += if current == 0 { 1 } else { current } * unit;
        current = 0;
    }
    Some(total + current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kanji_numbers_read() {
        for (k, n) in [
            ("一", 1),
            ("十", 10),
            ("十八", 18),
            ("二十九", 29),
            ("百二十三", 123),
            ("二千二十", 2020),
            ("18", 18),
        ] {
            assert_eq!(kanji_number(k), Some(n), "{k}");
        }
        assert_eq!(kanji_number("イ"), None);
        assert_eq!(fold("第１条　（目的）ＣＤ－ＲＯＭ"), "第1条 (目的)CD-ROM");
    }
}
