//! What an uploaded file is, read from its first bytes — never from its name or what the browser
//! says. Only images and PDF are accepted as evidence and attachments: SVG, HTML and office files
//! can carry script or macros, and what machi serves back comes from the town's own address.

use sha2::{Digest, Sha256};

/// A sniffed type: its media type and the extension machi gives the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub mime: &'static str,
    pub ext: &'static str,
}

impl Sniffed {
    pub fn is_image(self) -> bool {
        self.mime.starts_with("image/")
    }
}

/// PNG, JPEG, GIF or WebP.
pub fn image(bytes: &[u8]) -> Option<Sniffed> {
    let mime = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        "image/gif"
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        return None;
    };
    Some(Sniffed {
        mime,
        ext: extension(mime),
    })
}

/// The extension machi gives a file of a sniffed type ("bin" for any other).
pub fn extension(mime: &str) -> &'static str {
    match mime {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        _ => "bin",
    }
}

/// An image, or a PDF (which may start after a few bytes of junk, as readers allow).
pub fn image_or_pdf(bytes: &[u8]) -> Option<Sniffed> {
    image(bytes).or_else(|| {
        let head = &bytes[..bytes.len().min(1024)];
        head.windows(5).any(|w| w == b"%PDF-").then_some(Sniffed {
            mime: "application/pdf",
            ext: extension("application/pdf"),
        })
    })
}

/// The SHA-256 digest as lower-case hex, kept with a stored file to show it was not changed.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The file name shown and offered for download: no path, no control characters.
pub fn clean_file_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// A size in words: 1.5 MB, 820 KB, 312 バイト.
pub fn size_words(size: i64) -> String {
    if size >= 1024 * 1024 {
        format!("{:.1} MB", size as f64 / 1024.0 / 1024.0)
    } else if size >= 1024 {
        format!("{} KB", size / 1024)
    } else {
        format!("{size} バイト")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes_not_the_name() {
        assert_eq!(image(b"\x89PNG\r\n\x1a\n....").unwrap().mime, "image/png");
        assert_eq!(image(&[0xFF, 0xD8, 0xFF, 0xE0]).unwrap().ext, "jpg");
        assert_eq!(
            image_or_pdf(b"%PDF-1.7\n%\xe2\xe3").unwrap().mime,
            "application/pdf"
        );
        assert!(image(b"%PDF-1.7").is_none());
        assert!(image_or_pdf(b"<svg xmlns=\"http://www.w3.org/2000/svg\">").is_none());
        assert!(image_or_pdf(b"<html><script>").is_none());
        assert!(image_or_pdf(b"PK\x03\x04").is_none());
        assert!(image_or_pdf(b"").is_none());
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_words(312), "312 バイト");
        assert_eq!(size_words(820 * 1024 + 5), "820 KB");
        assert_eq!(size_words(3 * 1024 * 1024 / 2), "1.5 MB");
    }
}
