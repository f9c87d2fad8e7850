//! Reading the bytes of a CSV as UTF-8 text whatever it was saved as. The encoding is decided at
//! the first non-ASCII bytes, wherever they are (a Shift_JIS file can be ASCII for its first
//! 100 KB), by looking at a window from there: valid UTF-8 stays as it is, otherwise Shift_JIS
//! (Windows-31J, what Excel writes) is transcoded. Streaming: memory does not grow with the file.

use encoding_rs::{Decoder, SHIFT_JIS};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;

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
    pub encoding: Rc<Cell<Encoding>>,
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
            encoding: Rc::new(Cell::new(Encoding::Ascii)),
            decoder: None,
            out: Vec::new(),
            pos: 0,
            started: false,
            eof: false,
        }
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
                self.encoding.set(Encoding::Utf8Bom);
                raw.drain(..3);
            }
        }
        if self.encoding.get() == Encoding::Ascii {
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
                    self.encoding.set(enc);
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

/// Remembers where line breaks are, so the validator can see the empty lines the CSV reader
/// skips (Frictionless reports each as a blank row).
pub struct Breaks<R> {
    pub inner: R,
    pub offset: u64,
    pub seen: Rc<RefCell<VecDeque<(u64, u8)>>>,
}

impl<R: Read> Read for Breaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut seen = self.seen.borrow_mut();
        for i in memchr::memchr2_iter(b'\n', b'\r', &buf[..n]) {
            seen.push_back((self.offset + i as u64, buf[i]));
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Empty lines just before a record that starts (as the reader reports it) at `start`; forgets
/// breaks before it.
pub fn blank_lines_before(seen: &RefCell<VecDeque<(u64, u8)>>, start: u64) -> usize {
    let mut seen = seen.borrow_mut();
    while seen.front().is_some_and(|(o, _)| *o + 1 < start) {
        seen.pop_front();
    }
    // Offsets are in increasing order.
    let at = |o: u64| {
        seen.binary_search_by_key(&o, |(x, _)| *x)
            .ok()
            .map(|i| seen[i].1)
    };
    let mut pos = start;
    // After CRLF the reader reports the record as starting on the LF of the previous line.
    if at(pos) == Some(b'\n') && start > 0 && at(start - 1) == Some(b'\r') {
        pos += 1;
    }
    let mut blanks = 0;
    loop {
        match (at(pos), at(pos + 1)) {
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
        let enc = d.encoding.clone();
        let mut s = String::new();
        d.read_to_string(&mut s).unwrap();
        (s, enc.get())
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
}
