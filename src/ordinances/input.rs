//! 例規 files as they come: plain text or HTML pages, in UTF-8 (with or without BOM) or
//! Shift_JIS, one by one, in folders, or in a zip (a whole 例規集). Each file is read or refused
//! on its own, with the reason; one bad file never stops the others.

use super::parse::{Ordinance, parse};
use std::io::Read as _;
use std::path::Path;

/// The largest single 例規 file, and the largest zip.
pub const MAX_FILE: u64 = 20 * 1024 * 1024;
pub const MAX_ZIP: u64 = 200 * 1024 * 1024;

/// A file that was read, or why not.
pub enum Read {
    Ok(Ordinance),
    Refused { file: String, reason: String },
}

/// An HTML page as its text: block ends become line breaks, tags go, entities are decoded.
/// Broken HTML reads as well as it can.
pub fn html_text(html: &str) -> String {
    type Patterns = (regex::Regex, regex::Regex, regex::Regex, regex::Regex);
    static BLOCK: std::sync::OnceLock<Patterns> = std::sync::OnceLock::new();
    let (drop, cell, block, tag) = BLOCK.get_or_init(|| {
        (
            regex::Regex::new(r"(?is)<(script|style|head)[^>]*>.*?</(script|style|head)>").unwrap(),
            regex::Regex::new(r"(?i)</t[dh]>").unwrap(),
            regex::Regex::new(r"(?i)<br\s*/?>|</?(p|div|tr|li|h[1-6]|table|dd|dt)\b[^>]*>")
                .unwrap(),
            regex::Regex::new(r"(?s)<[^>]*>").unwrap(),
        )
    });
    let t = drop.replace_all(main_text(html), "");
    let t = cell.replace_all(&t, " ");
    let t = block.replace_all(&t, "\n");
    let t = tag.replace_all(&t, "");
    decode_entities(&t)
}

/// The 例規's own text of a 例規集 page: the pages most 例規集 systems publish put a sidebar
/// after it (the 条項目次 with every 第N条 again, the 沿革 with every amending 例規's number, and
/// hidden lists of anchors), which would read as more clauses.
fn main_text(html: &str) -> &str {
    let start = html.find("<!-- 本文 -->").unwrap_or(0);
    let end = html
        .find("<!-- /本文 -->")
        .or_else(|| html.find("<div id=\"secondary\""))
        .filter(|e| *e > start)
        .unwrap_or(html.len());
    &html[start..end]
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i)
        else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let c = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Files people have 例規 in that are not text: named, to say what to do instead.
fn binary_kind(name: &str, bytes: &[u8]) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if bytes.starts_with(b"%PDF") {
        return Some("PDF");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(if lower.ends_with(".docx") {
            "Wordのファイル(.docx)"
        } else if lower.ends_with(".xlsx") {
            "Excelのファイル(.xlsx)"
        } else {
            "zipでない圧縮ファイル"
        });
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Some("Word・Excel(97-2003形式)のファイル");
    }
    crate::filetype::image(bytes).map(|_| "画像")
}

/// Reads one file's bytes.
pub fn read_bytes(name: &str, bytes: &[u8]) -> Read {
    let refused = |reason: String| Read::Refused {
        file: name.to_string(),
        reason,
    };
    if let Some(kind) = binary_kind(name, bytes) {
        return refused(format!(
            "{kind}は読めません。例規集のページ(HTML)、テキスト、e-Govの法令XMLにしてください(Wordなら「名前を付けて保存」でテキストにできます)"
        ));
    }
    let (text, _) = match crate::textfile::decode_text(bytes) {
        Ok(t) => t,
        Err(_) => {
            return refused(
                "文字コードを判別できません(UTF-8 か Shift_JIS のテキスト・HTMLにしてください)"
                    .into(),
            );
        }
    };
    let head = text
        .trim_start()
        .get(..200)
        .unwrap_or(text.trim_start())
        .to_ascii_lowercase();
    if super::lawxml::looks_like(&text) {
        return match super::lawxml::parse(name, &text) {
            Ok(o) => Read::Ok(o),
            Err(e) => refused(format!("法令標準XML: {e}")),
        };
    }
    let text = if head.starts_with('<') || head.contains("<html") {
        html_text(&text)
    } else {
        text
    };
    match parse(name, &text) {
        Ok(o) => Read::Ok(o),
        Err(e) => refused(e),
    }
}

fn readable(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    matches!(ext.as_str(), "txt" | "html" | "htm" | "xml")
}

/// Reads the paths given: files, folders (every .txt/.html/.htm inside, sorted) and zips.
pub fn read_paths(paths: &[std::path::PathBuf]) -> Vec<Read> {
    let mut out = Vec::new();
    for p in paths {
        read_path(p, &mut out);
    }
    out
}

fn read_path(p: &Path, out: &mut Vec<Read>) {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| p.display().to_string());
    if p.is_dir() {
        let mut entries: Vec<_> = match std::fs::read_dir(p) {
            Ok(d) => d.filter_map(Result::ok).map(|e| e.path()).collect(),
            Err(e) => {
                out.push(Read::Refused {
                    file: name,
                    reason: format!("フォルダを読めません: {e}"),
                });
                return;
            }
        };
        entries.sort();
        for e in entries {
            if e.is_dir() || readable(&e) || is_zip(&e) {
                read_path(&e, out);
            }
        }
        return;
    }
    let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    if is_zip(p) {
        if size > MAX_ZIP {
            out.push(Read::Refused {
                file: name,
                reason: format!("zipが大きすぎます({}MBまで)", MAX_ZIP / 1024 / 1024),
            });
            return;
        }
        match std::fs::read(p) {
            Ok(b) => read_zip(&name, &b, out),
            Err(e) => out.push(Read::Refused {
                file: name,
                reason: format!("読めません: {e}"),
            }),
        }
        return;
    }
    if size > MAX_FILE {
        out.push(Read::Refused {
            file: name,
            reason: format!("ファイルが大きすぎます({}MBまで)", MAX_FILE / 1024 / 1024),
        });
        return;
    }
    match std::fs::read(p) {
        Ok(b) => out.push(read_bytes(&name, &b)),
        Err(e) => out.push(Read::Refused {
            file: name,
            reason: format!("読めません: {e}"),
        }),
    }
}

fn is_zip(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case("zip"))
}

/// Every readable entry of a zip (a 例規集), each on its own.
pub fn read_zip(name: &str, bytes: &[u8], out: &mut Vec<Read>) {
    let mut zip = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => {
            out.push(Read::Refused {
                file: name.to_string(),
                reason: format!("zipとして読めません: {e}"),
            });
            return;
        }
    };
    for i in 0..zip.len() {
        let Ok(mut entry) = zip.by_index(i) else {
            continue;
        };
        let Ok(entry_name) = entry.name().map(|n| n.to_string()) else {
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        if !readable(Path::new(&entry_name)) {
            // Documents people keep 例規 in are named (a 例規集 saved from the web also has its
            // stylesheets, scripts and images, which are left alone).
            let lower = entry_name.to_ascii_lowercase();
            if [".pdf", ".doc", ".docx", ".rtf", ".xls", ".xlsx", ".jtd"]
                .iter()
                .any(|e| lower.ends_with(e))
            {
                out.push(Read::Refused {
                    file: entry_name.rsplit('/').next().unwrap_or(&entry_name).to_string(),
                    reason: "PDF・Word・Excel・一太郎のファイルは読めません。例規集のページ(HTML)、テキスト、e-Govの法令XMLにしてください".into(),
                });
            }
            continue;
        }
        let file = entry_name
            .rsplit('/')
            .next()
            .unwrap_or(&entry_name)
            .to_string();
        if entry.size() > MAX_FILE {
            out.push(Read::Refused {
                file,
                reason: format!("ファイルが大きすぎます({}MBまで)", MAX_FILE / 1024 / 1024),
            });
            continue;
        }
        let mut b = Vec::new();
        if let Err(e) = entry.by_ref().take(MAX_FILE + 1).read_to_end(&mut b) {
            out.push(Read::Refused {
                file,
                reason: format!("zipの中のファイルを読めません: {e}"),
            });
            continue;
        }
        out.push(read_bytes(&file, &b));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_html_reads_as_text() {
        let html = "<html><head><title>x</title></head><body><p>○テスト条例<br>条例第1号</p><div>第1条&nbsp;この条例は&#12289;目的とする。<p>2 前項の&amp;規定<td>表</td></body>";
        let t = html_text(html);
        assert!(t.contains("○テスト条例\n条例第1号"), "{t}");
        assert!(t.contains("第1条 この条例は、目的とする。"), "{t}");
        assert!(t.contains("2 前項の&規定"), "{t}");
        match read_bytes("t.html", html.as_bytes()) {
            Read::Ok(o) => assert_eq!(o.articles[0].paragraphs.len(), 2),
            Read::Refused { reason, .. } => panic!("{reason}"),
        }
    }

    #[test]
    fn office_files_pdfs_and_images_are_named() {
        for (name, bytes, says) in [
            ("reiki.pdf", &b"%PDF-1.4\n"[..], "PDFは読めません"),
            (
                "jorei.docx",
                &b"PK\x03\x04rest"[..],
                "Wordのファイル(.docx)は読めません",
            ),
            (
                "jorei.doc",
                &[0xD0, 0xCF, 0x11, 0xE0, 0, 0][..],
                "97-2003形式",
            ),
        ] {
            match super::read_bytes(name, bytes) {
                super::Read::Refused { reason, .. } => assert!(reason.contains(says), "{reason}"),
                super::Read::Ok(_) => panic!("{name} read"),
            }
        }
    }

    #[test]
    fn shift_jis_and_not_an_ordinance() {
        let sjis = encoding_rs::SHIFT_JIS
            .encode("○規則\n第１条　この規則は、公布の日から施行する。\n")
            .0;
        assert!(matches!(read_bytes("a.txt", &sjis), Read::Ok(_)));
        let Read::Refused { reason, .. } = read_bytes("b.txt", "議事録\n発言\n".as_bytes())
        else {
            panic!("read");
        };
        assert!(reason.contains("例規の本文ではない"));
    }
}
