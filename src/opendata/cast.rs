//! Reading a cell as its Table Schema type the way frictionless-py 5.21 does, so machi's report
//! and `frictionless validate` agree cell for cell (bench/validate_cases.py checks this on every
//! case in tests/fixtures/validate). Where frictionless is more lenient than the standard's own
//! text (2023-4-1 as a date, 9:00 for `%H:%M`, NaN as a number), machi accepts the cell too and
//! says so separately as one of its own checks (see `super::checks`).

use super::schema::{Field, Value};

/// The value of a decimal digit: ASCII or full-width (Python's `int()` reads both).
pub fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

pub fn has_full_width_digit(s: &str) -> bool {
    s.chars().any(|c| ('０'..='９').contains(&c))
}

/// Digits with single underscores between them, as Python's `int()` and `Decimal()` accept
/// (`1_000`); the ASCII digits, or None.
fn python_digits(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut last_underscore = true;
    for c in s.chars() {
        if c == '_' {
            if last_underscore {
                return None;
            }
            last_underscore = true;
        } else {
            out.push(char::from_digit(digit(c)?, 10)?);
            last_underscore = false;
        }
    }
    (!out.is_empty() && !last_underscore).then_some(out)
}

/// Python's `int(cell.strip())`.
pub fn python_int(cell: &str) -> Option<f64> {
    // Plain ASCII digits (nearly every cell) need no copy.
    let b = cell.as_bytes();
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    if !digits.is_empty() && digits.len() < 16 && digits.iter().all(u8::is_ascii_digit) {
        return cell.parse::<i64>().ok().map(|v| v as f64);
    }
    let t = cell.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let d = python_digits(t)?;
    let v: f64 = d.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Python's `Decimal(cell.strip())`: digits with an optional point and exponent, or Infinity,
/// Inf, NaN (any case).
pub fn python_decimal(cell: &str) -> Option<f64> {
    // Plain ASCII numbers (nearly every cell): Rust's grammar for these is Decimal's.
    if !cell.is_empty()
        && cell
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return cell.parse::<f64>().ok();
    }
    let t = cell.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let lower = t.to_ascii_lowercase();
    let special = match lower.as_str() {
        "inf" | "infinity" => Some(f64::INFINITY),
        _ if lower.starts_with("nan") || lower.starts_with("snan") => {
            let rest = lower.trim_start_matches('s').trim_start_matches("nan");
            (rest.is_empty() || python_digits(rest).is_some()).then_some(f64::NAN)
        }
        _ => None,
    };
    if let Some(v) = special {
        return Some(if neg { -v } else { v });
    }
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    let int = if int.is_empty() {
        String::new()
    } else {
        python_digits(int)?
    };
    let frac = match frac {
        Some("") | None => String::new(),
        Some(f) => python_digits(f)?,
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let exp = match exponent {
        None => String::new(),
        Some(e) => {
            let (sign, e) = match e.strip_prefix('-') {
                Some(r) => ("-", r),
                None => ("", e.strip_prefix('+').unwrap_or(e)),
            };
            format!("e{sign}{}", python_digits(e)?)
        }
    };
    let text = format!(
        "{}{}.{}{exp}",
        if neg { "-" } else { "" },
        if int.is_empty() { "0" } else { &int },
        if frac.is_empty() { "0" } else { &frac }
    );
    text.parse().ok()
}

/// Python's `datetime.strptime(cell, format)` for the directives open data uses (%Y %y %m %d
/// %H %M %S %%): the same one- or two-digit leniency, no text left over, the day must exist.
/// Returns (year, month, day, hour, minute, second). Allocates nothing (it runs on every cell of
/// a date or time column).
pub fn strptime(cell: &str, format: &str) -> Option<(i32, u32, u32, u32, u32, u32)> {
    let at = |i: usize| cell.get(i..).and_then(|r| r.chars().next());
    let digit_at = |i: usize| at(i).and_then(|c| digit(c).map(|d| (d, c.len_utf8())));
    // One or two digits, preferring two where the value allows (Python's alternatives like
    // `1[0-2]|0[1-9]|[1-9]` try the two-digit forms first).
    let take = |i: &mut usize, max_two: u32| -> Option<u32> {
        let (a, la) = digit_at(*i)?;
        if let Some((b, lb)) = digit_at(*i + la) {
            let two = a * 10 + b;
            if two <= max_two {
                *i += la + lb;
                return Some(two);
            }
        }
        *i += la;
        Some(a)
    };
    let mut i = 0;
    let (mut y, mut mo, mut d, mut h, mut mi, mut se) = (1900, 1, 1, 0, 0, 0);
    let mut f = format.chars();
    while let Some(c) = f.next() {
        match c {
            '%' => match f.next()? {
                'Y' => {
                    let mut v = 0;
                    for _ in 0..4 {
                        let (x, l) = digit_at(i)?;
                        v = v * 10 + x;
                        i += l;
                    }
                    y = v as i32;
                }
                'y' => {
                    let (a, la) = digit_at(i)?;
                    let (b, lb) = digit_at(i + la)?;
                    i += la + lb;
                    let v = a * 10 + b;
                    y = if v < 69 {
                        2000 + v as i32
                    } else {
                        1900 + v as i32
                    };
                }
                'm' => {
                    mo = take(&mut i, 12)?;
                    if mo == 0 {
                        return None;
                    }
                }
                'd' => {
                    // Also " 7" (a space for the tens), as Python's %d allows.
                    if at(i) == Some(' ') {
                        let (v, l) = digit_at(i + 1)?;
                        i += 1 + l;
                        d = v;
                    } else {
                        d = take(&mut i, 31)?;
                    }
                    if d == 0 {
                        return None;
                    }
                }
                'H' => h = take(&mut i, 23)?,
                'M' => mi = take(&mut i, 59)?,
                'S' => se = take(&mut i, 61)?,
                '%' => {
                    if at(i)? != '%' {
                        return None;
                    }
                    i += 1;
                }
                _ => return None,
            },
            c if c.is_whitespace() => {
                let start = i;
                while let Some(w) = at(i).filter(|w| w.is_whitespace()) {
                    i += w.len_utf8();
                }
                if i == start {
                    return None;
                }
            }
            c => {
                let got = at(i)?;
                if !got.to_lowercase().eq(c.to_lowercase()) {
                    return None;
                }
                i += got.len_utf8();
            }
        }
    }
    if i != cell.len() || se > 59 || y < 1 {
        return None;
    }
    let month = time::Month::try_from(mo as u8).ok()?;
    time::Date::from_calendar_date(y, month, d as u8).ok()?;
    Some((y, mo, d, h, mi, se))
}

/// dateutil's `isoparse` time part, after frictionless's guard (`hh:mm:ss` at least):
/// hh:mm:ss, a fraction after `.` or `,`, then Z or ±hh[[:]mm]. 24:00:00 is midnight.
fn iso_time(t: &str) -> Option<(u32, u32, u32)> {
    let b = t.as_bytes();
    let two = |i: usize| -> Option<u32> {
        let (x, y) = (*b.get(i)?, *b.get(i + 1)?);
        (x.is_ascii_digit() && y.is_ascii_digit()).then(|| ((x - b'0') * 10 + (y - b'0')) as u32)
    };
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (two(0)?, two(3)?, two(6)?);
    let mut i = 8;
    let mut fraction_zero = true;
    if matches!(b.get(i), Some(b'.') | Some(b',')) {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            fraction_zero &= b[i] == b'0';
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    match b.get(i) {
        None => {}
        Some(b'Z') | Some(b'z') if i + 1 == b.len() => {}
        Some(b'+') | Some(b'-') => {
            let rest = &t[i + 1..];
            let ok = match rest.len() {
                2 => two(i + 1).is_some(),
                4 => two(i + 1).is_some() && two(i + 3).is_some(),
                5 => two(i + 1).is_some() && b[i + 3] == b':' && two(i + 4).is_some(),
                _ => false,
            };
            if !ok {
                return None;
            }
        }
        _ => return None,
    }
    let midnight = h == 24 && m == 0 && s == 0 && fraction_zero;
    if (h > 23 && !midnight) || m > 59 || s > 59 {
        return None;
    }
    Some((h % 24, m, s))
}

/// frictionless's `time` with the default format.
fn default_time(cell: &str) -> Option<(u32, u32, u32)> {
    let chars: Vec<char> = cell.chars().collect();
    if chars.len() < 8 || chars[5] != ':' {
        return None;
    }
    iso_time(cell)
}

/// frictionless's `datetime` with the default format: YYYY-MM-DD, any one separator, a time.
fn default_datetime(cell: &str) -> Option<()> {
    let chars: Vec<char> = cell.chars().collect();
    if chars.len() < 19 || chars[16] != ':' || !cell.is_char_boundary(10) {
        return None;
    }
    let date = &cell[..10];
    let b = date.as_bytes();
    if b[4] != b'-'
        || b[7] != b'-'
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    {
        return None;
    }
    let (y, m, d): (i32, u8, u8) = (
        date[..4].parse().ok()?,
        date[5..7].parse().ok()?,
        date[8..].parse().ok()?,
    );
    time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()?;
    let rest: String = chars[11..].iter().collect();
    iso_time(&rest).map(|_| ())
}

/// rfc3986's reference with a scheme, as frictionless checks `uri`: a scheme of a letter then
/// letters, digits, `+ - .`, before the first `:` that comes before any `/ ? #`.
fn uri(cell: &str) -> bool {
    let end = cell.find([':', '/', '?', '#']);
    match end {
        Some(i) if cell[i..].starts_with(':') && i > 0 => {
            let scheme = &cell[..i];
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        _ => false,
    }
}

/// The `validators` package's email check as frictionless calls it.
fn email(cell: &str) -> bool {
    if cell.matches('@').count() != 1 {
        return false;
    }
    let (user, domain) = cell.rsplit_once('@').unwrap_or_default();
    if user.chars().count() > 64 || domain.chars().count() > 253 || user.is_empty() {
        return false;
    }
    let atom = |c: char| {
        c.is_ascii_alphanumeric()
            || "!#$%&'*+/=?^_`{}|~-".contains(c)
            || ('\u{00A0}'..='\u{024F}').contains(&c)
    };
    let user_ok = if user.starts_with('"') && user.ends_with('"') && user.len() >= 2 {
        true
    } else {
        user.split('.')
            .all(|p| !p.is_empty() && p.chars().all(atom))
    };
    if !user_ok || domain.chars().any(char::is_whitespace) || domain.contains("__") {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
    };
    let (tld, rest) = labels.split_last().unwrap_or((&"", &[]));
    rest.iter().all(|l| label_ok(l))
        && label_ok(tld)
        && tld.chars().count() >= 2
        && (tld.ends_with(|c: char| c.is_ascii_alphabetic()) || !tld.is_ascii())
        && tld.starts_with(|c: char| c.is_ascii_alphanumeric() || !c.is_ascii())
}

/// What a cell of this type is read as, in words, for messages.
pub fn expected(field: &Field) -> String {
    let f = field.format.as_deref();
    match (field.kind.as_str(), f) {
        ("string", Some("uri")) => "URL(https:// などで始まる)".into(),
        ("string", Some("email")) => "メールアドレス".into(),
        ("integer", _) => "整数".into(),
        ("number", _) => "数値".into(),
        ("boolean", _) => "真偽値(true か false)".into(),
        ("date", None | Some("default")) => "日付(2023-04-01 の形)".into(),
        ("date", Some(f)) => format!("日付({})", format_words(f)),
        ("time", None | Some("default")) => "時刻(09:00:00 の形)".into(),
        ("time", Some(f)) => format!("時刻({})", format_words(f)),
        ("datetime", _) => "日時(2023-04-01T09:00:00 の形)".into(),
        ("year", _) => "年(4桁)".into(),
        ("yearmonth", _) => "年月(2023-04 の形)".into(),
        _ => "値".into(),
    }
}

/// A strptime format in words: %H:%M → 09:00 の形.
fn format_words(f: &str) -> String {
    let example = f
        .replace("%Y", "2023")
        .replace("%y", "23")
        .replace("%m", "04")
        .replace("%d", "01")
        .replace("%H", "09")
        .replace("%M", "00")
        .replace("%S", "00");
    format!("{example} の形")
}

/// Reads a cell as its field's type (None: unreadable). `keep` = the value is needed (bounds,
/// enum).
pub fn cast(field: &Field, text: &str, keep: bool) -> Option<Value> {
    let format = field.format.as_deref().filter(|f| *f != "default");
    let text_value = |t: &str| {
        if keep {
            Value::Text(t.to_string())
        } else {
            Value::Bool(true)
        }
    };
    match field.kind.as_str() {
        "string" => match format {
            Some("uri") if !uri(text) => None,
            Some("email") if !email(text) => None,
            _ => Some(text_value(text)),
        },
        "any" => Some(text_value(text)),
        "integer" => python_int(text).map(Value::Number),
        "number" => python_decimal(text).map(Value::Number),
        "boolean" => match text {
            "true" | "True" | "TRUE" | "1" => Some(Value::Bool(true)),
            "false" | "False" | "FALSE" | "0" => Some(Value::Bool(false)),
            _ => None,
        },
        "date" => {
            let (y, m, d, ..) = strptime(text, format.unwrap_or("%Y-%m-%d"))?;
            // The normalised text only when a bound or enum compares it.
            Some(if keep {
                Value::Temporal(format!("{y:04}-{m:02}-{d:02}"))
            } else {
                Value::Bool(true)
            })
        }
        "time" => {
            let (h, m, s) = match format {
                None => default_time(text)?,
                Some(f) => {
                    let (_, _, _, h, m, s) = strptime(text, f)?;
                    (h, m, s)
                }
            };
            Some(if keep {
                Value::Temporal(format!("{h:02}:{m:02}:{s:02}"))
            } else {
                Value::Bool(true)
            })
        }
        "datetime" => match format {
            None => default_datetime(text).map(|_| Value::Temporal(text.into())),
            Some(f) => strptime(text, f).map(|(y, mo, d, h, mi, s)| {
                Value::Temporal(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"))
            }),
        },
        "year" => {
            if text.chars().count() != 4 {
                return None;
            }
            match python_int(text) {
                Some(v) if (0.0..=9999.0).contains(&v) => Some(Value::Number(v)),
                _ => None,
            }
        }
        "yearmonth" => {
            let parts: Vec<&str> = text.split('-').collect();
            if parts.len() != 2 {
                return None;
            }
            match (python_int(parts[0]), python_int(parts[1])) {
                (Some(y), Some(m)) if (1.0..=12.0).contains(&m) => {
                    Some(Value::Temporal(format!("{y:04}-{m:02}")))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_python_reads_them() {
        assert_eq!(python_int(" 7 "), Some(7.0));
        assert_eq!(python_int("+5"), Some(5.0));
        assert_eq!(python_int("1_000"), Some(1000.0));
        assert_eq!(python_int("３"), Some(3.0));
        for bad in ["1.0", "0x1", "-", "1__0", "_1", ""] {
            assert_eq!(python_int(bad), None, "{bad}");
        }
        assert_eq!(python_decimal(".5"), Some(0.5));
        assert_eq!(python_decimal("5."), Some(5.0));
        assert_eq!(python_decimal("1e3"), Some(1000.0));
        assert!(python_decimal("NaN").unwrap().is_nan());
        assert_eq!(python_decimal("-inf"), Some(f64::NEG_INFINITY));
        for bad in [".", "1,000", "1e", "e3", "--1"] {
            assert_eq!(python_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_and_times_read_as_strptime_and_isoparse_do() {
        assert!(strptime("2023-4-1", "%Y-%m-%d").is_some());
        assert!(strptime("2023-4-31", "%Y-%m-%d").is_none());
        assert!(strptime("2023-1-1 ", "%Y-%m-%d").is_none());
        assert!(strptime("0000-01-01", "%Y-%m-%d").is_none());
        assert!(strptime("9:5", "%H:%M").is_some());
        assert!(strptime("24:00", "%H:%M").is_none());
        assert!(strptime(" 9:00", "%H:%M").is_none());
        assert!(default_time("10:00:00Z").is_some());
        assert!(default_time("23:59:59.5").is_some());
        assert!(default_time("24:00:00").is_some());
        assert!(default_time("10:60:00").is_none());
        assert!(default_time("9:00:00").is_none());
        assert!(default_datetime("2023-01-01 10:00:00").is_some());
        assert!(default_datetime("2023-01-01T10:00").is_none());
        assert!(uri("mailto:a@b") && uri("ftp://x y") && !uri("www.a.jp") && !uri("1http://a"));
        assert!(email("a@b.co") && !email("a@b.c") && !email("a@b") && !email("a..b@c.jp"));
    }
}
