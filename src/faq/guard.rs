//! What keeps residents' words anonymous and the public forms usable under a flood: phone
//! numbers and e-mail addresses masked before anything is stored, and a per-address limit on
//! how often a form is sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

fn patterns() -> &'static [(regex::Regex, &'static str)] {
    static P: OnceLock<Vec<(regex::Regex, &'static str)>> = OnceLock::new();
    P.get_or_init(|| {
        vec![
            (
                regex::Regex::new(r"[\w.+-]+@[\w-]+(\.[\w-]+)+").expect("e-mail pattern"),
                "[メールアドレス]",
            ),
            (
                // 10–11 digits with or without separators (03-1234-5678, 09012345678, (03)1234-5678).
                regex::Regex::new(r"\(?0\d{1,4}[-\s()]{0,2}\d{1,4}[-\s()]{0,2}\d{3,4}")
                    .expect("phone pattern"),
                "[電話番号]",
            ),
        ]
    })
}

/// A resident's text with phone numbers and e-mail addresses replaced (full-width digits and
/// @ are read as half-width first), cut to `max` characters.
pub fn mask(text: &str, max: usize) -> String {
    let mut out = crate::fiscal::fold_width(text.trim());
    for (re, with) in patterns() {
        out = re
            .replace_all(&out, |c: &regex::Captures| {
                let digits = c[0].chars().filter(char::is_ascii_digit).count();
                if *with == "[電話番号]" && !(10..=11).contains(&digits) {
                    c[0].to_string()
                } else {
                    (*with).to_string()
                }
            })
            .into_owned();
    }
    out.chars().take(max).collect()
}

/// Counts per key (an address and a form) in a fixed window.
#[derive(Clone, Default)]
pub struct Limiter(Arc<Mutex<HashMap<String, (Instant, u32)>>>);

impl Limiter {
    /// Whether one more is allowed for `key`: at most `max` in `window`.
    pub fn allow(&self, key: &str, max: u32, window: Duration) -> bool {
        let mut map = self.0.lock().expect("limiter lock");
        let now = Instant::now();
        if map.len() > 50_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let slot = map.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(slot.0) >= window {
            *slot = (now, 0);
        }
        slot.1 += 1;
        slot.1 <= max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_and_addresses_are_masked() {
        assert_eq!(
            mask(
                "電話は03-1234-5678、携帯09012345678、メール taro.y@example.jp です",
                200
            ),
            "電話は[電話番号]、携帯[電話番号]、メール [メールアドレス] です"
        );
        assert_eq!(mask("０３（１２３４）５６７８まで", 200), "[電話番号]まで");
        assert_eq!(
            mask("令和7年4月1日から3000円", 200),
            "令和7年4月1日から3000円"
        );
        assert_eq!(mask("あいうえお", 3), "あいう");
    }

    #[test]
    fn the_limit_counts_per_key() {
        let l = Limiter::default();
        let w = Duration::from_secs(60);
        assert!(l.allow("a", 2, w) && l.allow("a", 2, w));
        assert!(!l.allow("a", 2, w));
        assert!(l.allow("b", 2, w));
    }
}
