//! 全国地方公共団体コード: six digits, the last a check digit. It names a town everywhere: its
//! registry row, its PostgreSQL schema (`t_285854`), its folder, its `/t/285854/` addresses.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TownCode([u8; 6]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TownCodeError {
    #[error("「{0}」は6桁の数字ではありません(全国地方公共団体コード。例: 285854)")]
    Shape(String),
    #[error(
        "「{0}」は検査数字(6桁目)が合いません。全国地方公共団体コードを確かめてください(例: 千代田区は131016)"
    )]
    CheckDigit(String),
}

/// Whether six ASCII digits carry the right check digit (総務省's rule: weights 6,5,4,3,2 on
/// the first five digits, 11 minus the remainder mod 11, last digit of that).
pub fn check_digit_ok(code: &str) -> bool {
    let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 6 || code.len() != 6 {
        return false;
    }
    let sum: u32 = digits[..5]
        .iter()
        .zip([6, 5, 4, 3, 2])
        .map(|(d, w)| d * w)
        .sum();
    (11 - sum % 11) % 10 == digits[5]
}

impl TownCode {
    /// Reads a code as a person types it (full-width digits accepted).
    pub fn parse(text: &str) -> Result<TownCode, TownCodeError> {
        let folded: String = text
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                c => c,
            })
            .collect();
        let bytes = folded.as_bytes();
        if bytes.len() != 6 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(TownCodeError::Shape(text.to_string()));
        }
        if !check_digit_ok(&folded) {
            return Err(TownCodeError::CheckDigit(text.to_string()));
        }
        let mut code = [0u8; 6];
        code.copy_from_slice(bytes);
        Ok(TownCode(code))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("000000")
    }

    /// The PostgreSQL schema of the town.
    pub fn schema(&self) -> String {
        format!("t_{}", self.as_str())
    }

    /// The 都道府県 part (first two digits), e.g. 28 for 兵庫県.
    pub fn prefecture(&self) -> &str {
        &self.as_str()[..2]
    }
}

impl fmt::Display for TownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TownCode {
    type Err = TownCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TownCode::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_codes_pass_and_others_are_told_why() {
        for ok in ["285854", "131016", "011002", "280003", "２８５８５４"] {
            assert!(TownCode::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(TownCode::parse("２８５８５４").unwrap().as_str(), "285854");
        assert!(matches!(
            TownCode::parse("285855"),
            Err(TownCodeError::CheckDigit(_))
        ));
        for bad in ["28585", "2858540", "abcdef", "", "28 854", "t_2858"] {
            assert!(
                matches!(TownCode::parse(bad), Err(TownCodeError::Shape(_))),
                "{bad}"
            );
        }
        assert_eq!(TownCode::parse("285854").unwrap().schema(), "t_285854");
    }
}
