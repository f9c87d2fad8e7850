//! Reading what people type: numbers with full-width digits and thousands separators.

use crate::fiscal::fold_width;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("「{0}」は数値として読めません(例: 123、1,000、12.5)")]
pub struct NumberError(pub String);

/// "１２３" → 123, "1,000,000" → 1000000, "12.5" → 12.5. Text, NaN and infinities are refused.
pub fn parse_number(text: &str) -> Result<f64, NumberError> {
    let folded: String = fold_width(text.trim())
        .chars()
        .map(|c| match c {
            '、' => ',',
            '−' | 'ー' => '-',
            c => c,
        })
        .collect();
    // Commas only as thousands separators: "1,000" is a thousand, "1,2" is a typo.
    if folded.contains(',') && !thousands_grouped(&folded) {
        return Err(NumberError(text.to_string()));
    }
    let cleaned: String = folded.chars().filter(|c| !matches!(c, ',' | ' ')).collect();
    let ok_chars = !cleaned.is_empty()
        && cleaned
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    match cleaned.parse::<f64>() {
        Ok(v) if ok_chars && v.is_finite() => Ok(v),
        _ => Err(NumberError(text.to_string())),
    }
}

/// A form's whole number that may arrive as text (forms with a flattened map hand every value to
/// serde as a string): "3" → 3; missing or unreadable → 0, which no stored version has.
pub fn form_i64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum IntOrText {
        Int(i64),
        Text(String),
    }
    Ok(match <IntOrText as serde::Deserialize>::deserialize(d)? {
        IntOrText::Int(n) => n,
        IntOrText::Text(t) => t.trim().parse().unwrap_or(0),
    })
}

fn thousands_grouped(s: &str) -> bool {
    let int = s.trim_start_matches('-').split('.').next().unwrap_or("");
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or("");
    (1..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_digit())
        && groups.all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("１２３"), Ok(123.0));
        assert_eq!(parse_number("1,000,000"), Ok(1_000_000.0));
        assert_eq!(parse_number(" 12.5 "), Ok(12.5));
        assert_eq!(parse_number("-3"), Ok(-3.0));
        assert_eq!(parse_number("１，２３４．５"), Ok(1234.5));
        assert_eq!(parse_number("1、000"), Ok(1000.0));
        for bad in [
            "", "abc", "12a", "NaN", "inf", "1e5", "--1", ".", "1,2", "12,34", ",100",
        ] {
            assert!(parse_number(bad).is_err(), "{bad}");
        }
    }
}
