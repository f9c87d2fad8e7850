//! Reading the bytes of a CSV as UTF-8 text whatever it was saved as. The encoding is decided at
//! the first non-ASCII bytes, wherever they are (a Shift_JIS file can be ASCII for its first
//! 100 KB), by looking at a window from there: valid UTF-8 stays as it is, otherwise Shift_JIS
//! (Windows-31J, what Excel writes) is transcoded. Streaming: memory does not grow with the file.

use encoding_rs::{Decoder, SHIFT_JIS};
use std::io::Read;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Only ASCII so far (or in the whole file).
    Ascii,
    Utf8,
    Utf8Bom,
    ShiftJis,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Ascii | Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (BOM付き)",
            Encoding::ShiftJis => "Shift_JIS",
        }
    }
}

/// How many bytes after the first non-ASCII byte decide the encoding.
const WINDOW: usize = 8 * 1024;
const CHUNK: usize = 64 * 1024;

pub struct AutoDecode<R> {
    inner: R,
    encoding: Encoding,
    decoder: Option<Decoder>,
    out: Vec<u8>,
    pos: usize,
    started: bool,
    eof: bool,
}

impl<R: Read> AutoDecode<R> {
    pub fn new(inner: R) -> AutoDecode<R> {
        AutoDecode {
            inner,
            encoding: Encoding::Ascii,
            decoder: None,
            out: Vec::new(),
            pos: 0,
            started: false,
            eof: false,
        }
    }

    /// The encoding as decided so far (for the bytes read until now).
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    fn read_chunk(&mut self, into: &mut Vec<u8>, want: usize) -> std::io::Result<()> {
        let start = into.len();
        into.resize(start + want, 0);
        let mut filled = start;
        while filled < into.len() {
            let n = self.inner.read(&mut into[filled..])?;
            if n == 0 {
                self.eof = true;
                break;
            }
            filled += n;
        }
        into.truncate(filled);
        Ok(())
    }

    fn decide(window: &[u8]) -> Encoding {
        match std::str::from_utf8(window) {
            Ok(_) => Encoding::Utf8,
            // A character cut at the end of the window is still UTF-8.
            Err(e) if e.error_len().is_none() && e.valid_up_to() + 4 > window.len() => {
                Encoding::Utf8
            }
            Err(_) => {
                let mut d = SHIFT_JIS.new_decoder_without_bom_handling();
                let mut sink = vec![0u8; window.len() * 3 + 16];
                let (_, _, _, errors) = d.decode_to_utf8(window, &mut sink, false);
                if errors {
                    Encoding::Utf8
                } else {
                    Encoding::ShiftJis
                }
            }
        }
    }

    /// Fills `out` with the next decoded bytes.
    fn fill(&mut self) -> std::io::Result<()> {
        self.out.clear();
        self.pos = 0;
        let mut raw = Vec::new();
        self.read_chunk(&mut raw, CHUNK)?;
        if !self.started {
            self.started = true;
            if raw.starts_with(b"\xEF\xBB\xBF") {
                self.encoding = Encoding::Utf8Bom;
                raw.drain(..3);
            }
        }
        if self.encoding == Encoding::Ascii {
            match raw.iter().position(|b| *b >= 0x80) {
                None => {
                    self.out = raw;
                    return Ok(());
                }
                Some(p) => {
                    // Enough bytes after the first non-ASCII one to tell.
                    while raw.len() - p < WINDOW && !self.eof {
                        let need = WINDOW - (raw.len() - p);
                        self.read_chunk(&mut raw, need)?;
                    }
                    let end = (p + WINDOW).min(raw.len());
                    let enc = Self::decide(&raw[p..end]);
                    self.encoding = enc;
                    if enc == Encoding::ShiftJis {
                        self.decoder = Some(SHIFT_JIS.new_decoder_without_bom_handling());
                    }
                }
            }
        }
        match self.decoder.as_mut() {
            None => self.out = raw,
            Some(d) => {
                let mut dst = vec![
                    0u8;
                    d.max_utf8_buffer_length(raw.len())
                        .unwrap_or(raw.len() * 3 + 16)
                ];
                let (_, _, written, _) = d.decode_to_utf8(&raw, &mut dst, self.eof);
                dst.truncate(written);
                self.out = dst;
            }
        }
        Ok(())
    }
}

impl<R: Read> AutoDecode<R> {
    /// Appends the next decoded bytes to `to`; false at the end of the input.
    pub fn append_to(&mut self, to: &mut Vec<u8>) -> std::io::Result<bool> {
        while self.pos >= self.out.len() {
            if self.eof {
                return Ok(false);
            }
            self.fill()?;
        }
        to.extend_from_slice(&self.out[self.pos..]);
        self.pos = self.out.len();
        Ok(true)
    }
}

impl<R: Read> Read for AutoDecode<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.out.len() {
            if self.eof {
                return Ok(0);
            }
            self.fill()?;
        }
        let n = (self.out.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The empty lines at `start`, where the CSV reader began a record (it skips them; Frictionless
/// reports each as a blank row).
pub fn blank_lines_at(bytes: &[u8], start: usize) -> usize {
    let mut pos = start;
    // After CRLF the reader reports the next record as starting on the LF.
    if bytes.get(pos) == Some(&b'\n') && pos > 0 && bytes[pos - 1] == b'\r' {
        pos += 1;
    }
    let mut blanks = 0;
    loop {
        match (bytes.get(pos), bytes.get(pos + 1)) {
            (Some(b'\n'), _) => pos += 1,
            (Some(b'\r'), Some(b'\n')) => pos += 2,
            (Some(b'\r'), _) => pos += 1,
            _ => break,
        }
        blanks += 1;
    }
    blanks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (String, Encoding) {
        let mut d = AutoDecode::new(bytes);
        let mut s = String::new();
        d.read_to_string(&mut s).unwrap();
        (s, d.encoding())
    }

    #[test]
    fn the_encoding_is_decided_where_the_first_non_ascii_bytes_are() {
        let mut text = "id,name\r\n".to_string();
        for i in 0..20_000 {
            text.push_str(&format!("{i},ascii\r\n"));
        }
        text.push_str("9,公衆トイレ\r\n");
        let (sjis, _, _) = SHIFT_JIS.encode(&text);
        assert!(sjis.len() > 150_000);
        let (s, enc) = decode(&sjis);
        assert_eq!(enc, Encoding::ShiftJis);
        assert!(s.ends_with("9,公衆トイレ\r\n"));
        let (s, enc) = decode(text.as_bytes());
        assert_eq!(enc, Encoding::Utf8);
        assert_eq!(s, text);
        let (s, enc) = decode("\u{feff}a,b\n1,香\n".as_bytes());
        assert_eq!((s.as_str(), enc), ("a,b\n1,香\n", Encoding::Utf8Bom));
        assert_eq!(decode(b"a,b\n1,2\n").1, Encoding::Ascii);
    }

    #[test]
    fn empty_lines_are_counted_once_whatever_the_line_ends() {
        assert_eq!(blank_lines_at(b"a\r\n\r\n\r\nb", 2), 2);
        assert_eq!(blank_lines_at(b"a\n\n\nb", 2), 2);
        assert_eq!(blank_lines_at(b"a\r\r\rb", 2), 2);
        assert_eq!(blank_lines_at(b"\n\nb", 0), 2);
        assert_eq!(blank_lines_at(b"a\nb", 2), 0);
    }
}
