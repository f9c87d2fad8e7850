//! The records of a block, read as the `csv` crate reads them, only faster where it is easy: a
//! line without a quote is split at its commas (what nearly every line of a municipal CSV is),
//! and only a record with a quote goes through `csv_core`'s parser. Empty lines come out as such
//! (Frictionless counts each as a blank row). The tests hold the result to the `csv` crate's on
//! generated text full of quotes, commas and line breaks.

use csv_core::ReadRecordResult;

/// A record's text and where each field lies in it.
pub struct Row<'r> {
    text: &'r str,
    bounds: &'r [(usize, usize)],
}

impl<'r> Row<'r> {
    pub fn get(&self, i: usize) -> Option<&'r str> {
        // Fields end at ASCII delimiters, so each range is on character boundaries.
        self.bounds.get(i).and_then(|&(s, e)| self.text.get(s..e))
    }

    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &'r str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

pub enum Item<'r> {
    /// An empty line.
    Blank,
    Record(Row<'r>),
    /// A record whose bytes are not UTF-8.
    NotUtf8,
}

pub struct Records<'b> {
    bytes: &'b [u8],
    pos: usize,
    parser: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    bounds: Vec<(usize, usize)>,
}

impl<'b> Records<'b> {
    /// `bytes` starts at the start of a record.
    pub fn new(bytes: &'b [u8]) -> Records<'b> {
        let mut parser = csv_core::Reader::new();
        // An empty line first, so that the parser does not take a byte order mark at the start
        // of a later record for the file's (the csv crate reads the file with one parser).
        parser.read_record(b"\n", &mut [], &mut []);
        Records {
            bytes,
            pos: 0,
            parser,
            out: vec![0; 1024],
            ends: vec![0; 64],
            bounds: Vec::new(),
        }
    }

    /// Moves past the line end at `at` (CR, LF or CRLF).
    fn past_line_end(&self, at: usize) -> usize {
        if self.bytes[at] == b'\r' && self.bytes.get(at + 1) == Some(&b'\n') {
            at + 2
        } else {
            at + 1
        }
    }

    pub fn next_item(&mut self) -> Option<Item<'_>> {
        let b = self.bytes;
        let start = self.pos;
        let first = *b.get(start)?;
        if first == b'\n' || first == b'\r' {
            self.pos = self.past_line_end(start);
            return Some(Item::Blank);
        }
        let hit = memchr::memchr3(b'"', b'\n', b'\r', &b[start..]).map(|k| start + k);
        if hit.is_some_and(|h| b[h] == b'"') {
            return Some(self.quoted(start));
        }
        let end = hit.unwrap_or(b.len());
        self.pos = hit.map_or(end, |h| self.past_line_end(h));
        let line = &b[start..end];
        self.bounds.clear();
        let mut from = 0;
        // Commas are a few bytes apart: a plain loop beats searching for each.
        for (i, &c) in line.iter().enumerate() {
            if c == b',' {
                self.bounds.push((from, i));
                from = i + 1;
            }
        }
        self.bounds.push((from, line.len()));
        Some(match simdutf8::basic::from_utf8(line) {
            Ok(text) => Item::Record(Row {
                text,
                bounds: &self.bounds,
            }),
            Err(_) => Item::NotUtf8,
        })
    }

    /// A record with a quote somewhere, parsed by `csv_core` as the csv crate would.
    fn quoted(&mut self, start: usize) -> Item<'_> {
        let mut input = &self.bytes[start..];
        let (mut nout, mut nend) = (0, 0);
        loop {
            let (res, i, o, e) =
                self.parser
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
            input = &input[i..];
            nout += o;
            nend += e;
            match res {
                ReadRecordResult::OutputFull => self.out.resize(self.out.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                // All was read inside the record: the next call, with nothing, says the block
                // (the file) ends there.
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::Record | ReadRecordResult::End => break,
            }
        }
        let consumed = self.bytes.len() - start - input.len();
        self.pos = start + consumed;
        // The parser ends a record at a CR; its LF belongs to the same line end.
        if self.pos > 0
            && self.bytes[self.pos - 1] == b'\r'
            && self.bytes.get(self.pos) == Some(&b'\n')
        {
            self.pos += 1;
        }
        self.bounds.clear();
        let mut from = 0;
        for &end in &self.ends[..nend] {
            self.bounds.push((from, end));
            from = end;
        }
        match simdutf8::basic::from_utf8(&self.out[..nout]) {
            Ok(text) => Item::Record(Row {
                text,
                bounds: &self.bounds,
            }),
            Err(_) => Item::NotUtf8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Seen {
        Blank,
        Record(Vec<String>),
    }

    fn ours(text: &str) -> Vec<Seen> {
        let mut r = Records::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(item) = r.next_item() {
            out.push(match item {
                Item::Blank => Seen::Blank,
                Item::Record(row) => Seen::Record(row.iter().map(str::to_string).collect()),
                Item::NotUtf8 => panic!("not UTF-8"),
            });
        }
        out
    }

    /// The csv crate's records, with the empty lines it skips put back where they were.
    fn theirs(text: &str) -> Vec<Seen> {
        let bytes = text.as_bytes();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut rec = csv::StringRecord::new();
        let mut out = Vec::new();
        let blanks = |at: usize| super::super::decode::blank_lines_at(bytes, at);
        let mut after = 0;
        while reader.read_record(&mut rec).unwrap() {
            let at = rec.position().unwrap().byte() as usize;
            out.extend((0..blanks(at)).map(|_| Seen::Blank));
            after = reader.position().byte() as usize;
            out.push(Seen::Record(rec.iter().map(str::to_string).collect()));
        }
        out.extend((0..blanks(after)).map(|_| Seen::Blank));
        out
    }

    #[test]
    fn records_are_the_csv_crates() {
        for text in [
            "a,b\r\nc,d\r\n",
            "a,\"b\r\nc\",d\n\n\"x\"\"y\"\r\n,,\r\r\nlast",
            "a\"b,c\n\"q\"r,s\n\"unclosed,\nx",
            "\"a\"\r\n\r\n\"b\"\r\r\"c\"",
            "あ,\"い\r\nう\",え\n",
        ] {
            assert_eq!(ours(text), theirs(text), "{text:?}");
        }
        // Generated text: every mix of quotes, commas, line ends and letters (a simple
        // generator, seeded, so a failure repeats).
        let alphabet = ["a", "あ", ",", "\"", "\r", "\n", "\r\n", " "];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            assert_eq!(ours(&text), theirs(&text), "{text:?}");
        }
    }
}
