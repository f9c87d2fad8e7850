//! The body's identity as residents meet it: address, main phone, opening hours, website, emblem
//! (町章, 市章 …) and each department's contact. Typed at the edge: what staff type is read once
//! here (full-width digits, 〒, spaces) and kept in one written form.

use crate::fiscal::fold_width;

/// What the site frame and the procedure pages show.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Identity {
    pub postal_code: String,
    pub address: String,
    /// The main phone number (代表).
    pub phone: String,
    pub email: String,
    /// Opening hours of the offices, as staff write them (平日 8時30分〜17時15分 …).
    pub hours: String,
    pub website: String,
    /// The emblem's image type, empty without an emblem (the bytes are served at /emblem).
    pub emblem_type: String,
    pub version: i64,
    pub departments: Vec<Department>,
}

impl Identity {
    /// The contact of a department by the name the plan or the catalog uses.
    pub fn department(&self, name: &str) -> Option<&Department> {
        let name = name.trim();
        (!name.is_empty())
            .then(|| self.departments.iter().find(|d| d.name == name))
            .flatten()
    }

    pub fn has_contact(&self) -> bool {
        !self.address.is_empty() || !self.phone.is_empty() || !self.hours.is_empty()
    }

    /// The main phone as a `tel:` target.
    pub fn tel(&self) -> String {
        tel_href(&self.phone)
    }

    /// 〒669-6592 兵庫県… — the postal code and address, as one line.
    pub fn address_line(&self) -> String {
        match (self.postal_code.is_empty(), self.address.is_empty()) {
            (true, _) => self.address.clone(),
            (false, true) => format!("〒{}", self.postal_code),
            (false, false) => format!("〒{} {}", self.postal_code, self.address),
        }
    }
}

/// A department's contact (担当課の連絡先).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Department {
    pub name: String,
    /// Where residents find it: 本庁舎1階 2番窓口 …
    pub place: String,
    pub phone: String,
    pub email: String,
}

impl Department {
    pub fn tel(&self) -> String {
        tel_href(&self.phone)
    }
}

/// `tel:` link target of a written number (digits only).
pub fn tel_href(phone: &str) -> String {
    phone.chars().filter(|c| c.is_ascii_digit()).collect()
}

/// A phone number as staff type it: half-width, hyphens kept; 10 or 11 digits (a fixed line
/// with its area code, a mobile or 0120 number). Empty stays empty.
pub fn phone(text: &str) -> Result<String, String> {
    let t: String = fold_width(text.trim())
        .chars()
        .map(|c| match c {
            'ー' | '−' | '―' | '‐' | '－' => '-',
            c => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect();
    if t.is_empty() {
        return Ok(t);
    }
    if !t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '(' | ')'))
    {
        return Err(format!(
            "「{}」は電話番号として読めません(例: 0796-36-1111)",
            text.trim()
        ));
    }
    let digits = tel_href(&t).len();
    if !(10..=11).contains(&digits) || !t.starts_with(['0', '(']) {
        return Err(format!(
            "「{}」は電話番号として読めません。市外局番から10〜11桁で入力してください(例: 0796-36-1111)",
            text.trim()
        ));
    }
    Ok(t)
}

/// 〒 and a 7-digit postal code, written 123-4567.
pub fn postal_code(text: &str) -> Result<String, String> {
    let t: String = fold_width(text.trim())
        .trim_start_matches('〒')
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    if t.len() != 7 {
        return Err(format!(
            "「{}」は郵便番号として読めません(7桁。例: 123-4567)",
            text.trim()
        ));
    }
    Ok(format!("{}-{}", &t[..3], &t[3..]))
}

/// An e-mail address: one @, a dotted domain, no spaces.
pub fn email(text: &str) -> Result<String, String> {
    let t = fold_width(text.trim());
    if t.is_empty() {
        return Ok(t);
    }
    let ok = t.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
    }) && !t
        .chars()
        .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == '"');
    if ok {
        Ok(t)
    } else {
        Err(format!(
            "「{}」はメールアドレスとして読めません(例: info@example.lg.jp)",
            text.trim()
        ))
    }
}

/// A website address: https:// or http:// and a host.
pub fn website(text: &str) -> Result<String, String> {
    let t = text.trim().to_string();
    if t.is_empty() {
        return Ok(t);
    }
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"));
    match rest {
        Some(r)
            if r.split('/').next().is_some_and(|h| h.contains('.'))
                && !t.chars().any(|c| c.is_whitespace() || c == '"' || c == '<') =>
        {
            Ok(t)
        }
        _ => Err(format!(
            "「{}」はホームページのアドレスとして読めません(https:// から。例: https://www.town.example.lg.jp/)",
            text.trim()
        )),
    }
}

/// The image types an emblem may be, by their first bytes. SVG is refused: a file that can
/// carry script is not served from the town's own address.
pub fn emblem_type(bytes: &[u8]) -> Result<&'static str, String> {
    crate::filetype::image(bytes)
        .map(|t| t.mime)
        .ok_or_else(|| {
            "画像は PNG・JPEG・GIF・WebP のいずれかにしてください(SVG は安全のため受け付けません)"
                .into()
        })
}

/// Largest emblem accepted.
pub const MAX_EMBLEM: usize = 512 * 1024;

/// What the emblem is called: 町章, 市章, 村章, 区章, 県章 …; 紋章 otherwise.
pub fn emblem_word(kind: &str) -> String {
    match kind {
        "町" | "村" | "市" | "区" | "都" | "道" | "府" | "県" => format!("{kind}章"),
        _ => "紋章".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_read_as_people_write_them() {
        assert_eq!(phone("０７９６－３６－１１１１").unwrap(), "0796-36-1111");
        assert_eq!(phone("(0796) 36-1111").unwrap(), "(0796)36-1111");
        assert_eq!(phone("0120-123-456").unwrap(), "0120-123-456");
        assert_eq!(phone("").unwrap(), "");
        assert!(phone("36-1111").unwrap_err().contains("10〜11桁"));
        assert!(
            phone("代表")
                .unwrap_err()
                .contains("電話番号として読めません")
        );
        assert_eq!(tel_href("0796-36-1111"), "0796361111");
    }

    #[test]
    fn postal_codes_emails_and_websites() {
        assert_eq!(postal_code("〒６６９－６５９２").unwrap(), "669-6592");
        assert_eq!(postal_code("6696592").unwrap(), "669-6592");
        assert!(postal_code("669").is_err());
        assert_eq!(
            email("ｊｕｍｉｎ@town.example.lg.jp").unwrap(),
            "jumin@town.example.lg.jp"
        );
        assert!(email("jumin@localhost").is_err());
        assert!(email("a b@example.jp").is_err());
        assert!(website("www.example.lg.jp").is_err());
        assert!(website("javascript:alert(1)").is_err());
        assert!(website("https://www.city.example.lg.jp/").is_ok());
    }

    #[test]
    fn emblems_are_raster_images() {
        assert_eq!(emblem_type(b"\x89PNG\r\n\x1a\n....").unwrap(), "image/png");
        assert_eq!(
            emblem_type(&[0xFF, 0xD8, 0xFF, 0xE0]).unwrap(),
            "image/jpeg"
        );
        assert!(emblem_type(b"<svg xmlns=").unwrap_err().contains("SVG"));
        assert_eq!(emblem_word("市"), "市章");
        assert_eq!(emblem_word("広域連合"), "紋章");
    }
}
