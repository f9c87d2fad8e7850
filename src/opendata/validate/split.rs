//! Cutting the decoded text into blocks of whole records, so that several threads can parse and
//! check blocks at once. Where a record ends is found without parsing: a line break outside
//! quotes, with quotes read as the CSV reader reads them (a quote opens a quoted field only at
//! the start of a field; `""` inside one is a quote). Only quotes and line breaks are looked at,
//! so cutting costs little next to parsing.

use super::decode::{AutoDecode, Encoding};
use std::io::Read;

/// About how many bytes a block holds: large enough that handing it over costs nothing, small
/// enough that the blocks in flight stay a few megabytes.
pub const BLOCK: usize = 512 * 1024;
/// What the decoder hands over at a time, at most (a Shift_JIS chunk grows by half in UTF-8).
const READ: usize = 96 * 1024;

/// Where records end, found incrementally as bytes are added at the end of a buffer.
#[derive(Default)]
pub struct Scan {
    /// How far the buffer has been looked at.
    pos: usize,
    quoted: bool,
    /// Just after the last record end seen.
    pub last: Option<usize>,
}

impl Scan {
    /// Looks at `buf` from where the last call stopped. A byte whose meaning depends on the next
    /// one (a quote in a quoted field, a CR) waits for it.
    pub fn scan(&mut self, buf: &[u8]) {
        let mut i = self.pos;
        while i < buf.len() {
            if self.quoted {
                let Some(k) = memchr::memchr(b'"', &buf[i..]) else {
                    i = buf.len();
                    break;
                };
                let q = i + k;
                if q + 1 >= buf.len() {
                    i = q;
                    break;
                }
                if buf[q + 1] == b'"' {
                    i = q + 2;
                } else {
                    self.quoted = false;
                    i = q + 1;
                }
            } else {
                let Some(k) = memchr::memchr3(b'"', b'\n', b'\r', &buf[i..]) else {
                    i = buf.len();
                    break;
                };
                let p = i + k;
                match buf[p] {
                    b'\n' => self.last = Some(p + 1),
                    b'\r' => match buf.get(p + 1) {
                        None => {
                            i = p;
                            break;
                        }
                        Some(b'\n') => {}
                        Some(_) => self.last = Some(p + 1),
                    },
                    _ => {
                        // The buffer always starts at a record's start.
                        if p == 0 || matches!(buf[p - 1], b',' | b'\n' | b'\r') {
                            self.quoted = true;
                        }
                    }
                }
                i = p + 1;
            }
        }
        self.pos = i;
    }

    /// The buffer was cut at `at` (a record end): what remains starts at 0.
    pub fn cut(&mut self, at: usize) {
        self.pos -= at;
        self.last = None;
    }
}

/// A run of whole records, numbered in file order.
pub struct Block {
    pub seq: usize,
    pub bytes: Vec<u8>,
    /// The encoding as decided when the block was read.
    pub encoding: Encoding,
}

/// Reads decoded text and hands out blocks of whole records.
pub struct Splitter<R> {
    input: AutoDecode<R>,
    pending: Vec<u8>,
    scan: Scan,
    seq: usize,
    eof: bool,
    block: usize,
}

impl<R: Read> Splitter<R> {
    pub fn new(input: R) -> Splitter<R> {
        Splitter::with_block(input, BLOCK)
    }

    /// Blocks of about `block` bytes (tests cut files into many blocks to check the joins).
    pub fn with_block(input: R, block: usize) -> Splitter<R> {
        Splitter {
            input: AutoDecode::new(input),
            pending: Vec::with_capacity(block.min(BLOCK) + READ),
            scan: Scan::default(),
            seq: 0,
            eof: false,
            block,
        }
    }

    pub fn encoding(&self) -> Encoding {
        self.input.encoding()
    }

    /// Reads more; false at the end of the input.
    fn fill(&mut self) -> std::io::Result<bool> {
        let more = self.input.append_to(&mut self.pending)?;
        self.eof = !more;
        self.scan.scan(&self.pending);
        Ok(more)
    }

    /// The text up to the first record end after something other than empty lines (the header),
    /// or all of it if the input ends first. The rest stays for `next_block`.
    pub fn header(&mut self) -> std::io::Result<Vec<u8>> {
        loop {
            let end = self.scan.last.unwrap_or(0);
            let seen = &self.pending[..end];
            if let Some(first) = seen.iter().position(|b| !matches!(b, b'\r' | b'\n')) {
                // The first record end after the first byte of content.
                let mut s = Scan::default();
                let mut cut = end;
                for k in first..end {
                    s.scan(&seen[..=k]);
                    if let Some(l) = s.last.filter(|&l| l > first) {
                        cut = l;
                        break;
                    }
                }
                // A CR ending the header is followed by its LF, which goes with it.
                let cut = if self.pending.get(cut) == Some(&b'\n') && seen[cut - 1] == b'\r' {
                    cut + 1
                } else {
                    cut
                };
                return Ok(self.take(cut));
            }
            if !self.fill()? {
                let all = self.pending.len();
                return Ok(self.take(all));
            }
        }
    }

    /// Takes the first `n` bytes out of the pending text.
    fn take(&mut self, n: usize) -> Vec<u8> {
        let rest = self.pending.split_off(n);
        let taken = std::mem::replace(&mut self.pending, rest);
        self.scan = Scan::default();
        self.scan.scan(&self.pending);
        taken
    }

    /// The next block of whole records, in `spare` if given (a buffer to reuse); None at the end.
    pub fn next_block(&mut self, spare: Option<Vec<u8>>) -> std::io::Result<Option<Block>> {
        while !self.eof && (self.pending.len() < self.block || self.scan.last.is_none()) {
            self.fill()?;
        }
        let cut = if self.eof {
            self.pending.len()
        } else {
            self.scan.last.unwrap_or(self.pending.len())
        };
        if cut == 0 {
            return Ok(None);
        }
        let mut next = spare.unwrap_or_default();
        next.clear();
        next.reserve(self.block.min(BLOCK) + READ);
        next.extend_from_slice(&self.pending[cut..]);
        let mut bytes = std::mem::replace(&mut self.pending, next);
        bytes.truncate(cut);
        self.scan.cut(cut);
        let block = Block {
            seq: self.seq,
            bytes,
            encoding: self.encoding(),
        };
        self.seq += 1;
        Ok(Some(block))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(text: &str) -> Vec<usize> {
        let bytes = text.as_bytes();
        let mut s = Scan::default();
        let mut out = Vec::new();
        for k in 0..bytes.len() {
            s.scan(&bytes[..=k]);
            if let Some(l) = s.last
                && out.last() != Some(&l)
            {
                out.push(l);
            }
        }
        out
    }

    #[test]
    fn records_end_at_line_breaks_outside_quotes() {
        assert_eq!(ends("a,b\nc,d\n"), [4, 8]);
        assert_eq!(ends("a,\"b\nc\"\nd\n"), [8, 10]);
        assert_eq!(ends("a,\"b\"\"\nc\"\n"), [10]);
        // A quote inside an unquoted field is a character, not the start of a quoted field.
        assert_eq!(ends("a,b\"c\nd\n"), [6, 8]);
        // After a closed quote the field goes on unquoted.
        assert_eq!(ends("\"a\"b\"\nc\n"), [6, 8]);
        // CRLF is one end; a lone CR is one too, once the next byte shows it is lone.
        assert_eq!(ends("a\r\nb\rc\r"), [3, 5]);
    }

    fn blocks(text: &str) -> (Vec<u8>, Vec<Vec<u8>>) {
        let mut s = Splitter::new(text.as_bytes());
        let header = s.header().unwrap();
        let mut out = Vec::new();
        while let Some(b) = s.next_block(None).unwrap() {
            out.push(b.bytes);
        }
        (header, out)
    }

    #[test]
    fn the_header_is_cut_off_whole_and_the_rest_in_whole_records() {
        let (h, b) = blocks("\r\n\r\nid,\"na\r\nme\"\r\n\r\n1,x\r\n2,y");
        assert_eq!(h, b"\r\n\r\nid,\"na\r\nme\"\r\n");
        assert_eq!(b, [b"\r\n1,x\r\n2,y".to_vec()]);
        let (h, b) = blocks("a,b");
        assert_eq!((h, b.len()), (b"a,b".to_vec(), 0));
        let mut big = String::from("id,text\n");
        for i in 0..60_000 {
            big.push_str(&format!("{i},\"line\nbreak, and \"\"quotes\"\"\"\n"));
        }
        let (_, b) = blocks(&big);
        assert!(b.len() > 2);
        let joined: Vec<u8> = b.concat();
        assert_eq!(joined, big.as_bytes()[8..]);
        assert!(b.iter().all(|x| x.ends_with(b"\"\"\"\n")));
    }
}
