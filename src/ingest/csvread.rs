//! A CSV record reader (RFC 4180 plus the variants exports produce) that knows exactly
//! which line each record starts on, counts blank lines, and says when a quoted field runs
//! to the end of the file. Accepts LF, CRLF and lone CR line ends, a UTF-8 byte-order
//! mark, and quoted fields with delimiters, doubled quotes and newlines inside.
//!
//! Lenient where exports are sloppy: text after a closing quote (`"a"b`) is kept and the
//! record is marked, so the caller decides.

use std::io::{self, BufRead, Read};

/// The input with a leading UTF-8 byte-order mark removed. Reads up to three bytes ahead
/// (looping over short reads, so it works on pipes and tiny buffers) and chains back any
/// that are not a mark.
pub fn without_bom<R: Read>(mut r: R) -> io::Result<io::Chain<io::Cursor<Vec<u8>>, R>> {
    let mut head = Vec::with_capacity(3);
    let mut byte = [0u8; 1];
    while head.len() < 3 {
        match r.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => {
                head.push(byte[0]);
                if !b"\xef\xbb\xbf".starts_with(&head) {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if head == b"\xef\xbb\xbf" {
        head.clear();
    }
    Ok(io::Cursor::new(head).chain(r))
}

/// One record: its fields' bytes back to back, and where each field ends.
#[derive(Debug, Default, Clone)]
pub struct RawRecord {
    buf: Vec<u8>,
    ends: Vec<usize>,
    /// The line the record starts on (1-based).
    pub line: u64,
    /// A quoted field was still open at the end of the file.
    pub unterminated_quote: bool,
    /// Text followed a closing quote inside a field.
    pub stray_quote: bool,
}

impl RawRecord {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }

    pub fn fields(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).map(move |i| self.field(i))
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.ends.clear();
        self.unterminated_quote = false;
        self.stray_quote = false;
    }

    fn end_field(&mut self) {
        self.ends.push(self.buf.len());
    }
}

/// The length of the run of ordinary bytes at the start of `rest` (up to a delimiter or a
/// line end). Survey fields are short, so a plain loop looks at the first 16 bytes before
/// the vectorised search takes over (`memchr3` has a start-up cost that short fields pay).
fn field_run(rest: &[u8], delimiter: u8) -> usize {
    let stop = |c: &u8| *c == delimiter || *c == b'\n' || *c == b'\r';
    match rest.iter().take(16).position(stop) {
        Some(p) => p,
        None if rest.len() <= 16 => rest.len(),
        None => {
            16 + memchr::memchr3(delimiter, b'\n', b'\r', &rest[16..]).unwrap_or(rest.len() - 16)
        }
    }
}

/// What the table builder reads of a record: its fields and the line it starts on. A
/// [`RawRecord`] (the fields copied out) is one; the block reader of
/// [`super::parallel`] has another, a view of a line in its block that splits only the
/// fields it needs.
pub(super) trait Fields {
    /// The number of fields.
    fn width(&self) -> usize;
    /// Field `i` (`i < width()`).
    fn get(&self, i: usize) -> &[u8];
    /// The line the record starts on.
    fn start_line(&self) -> u64;
    /// A quoted field was still open at the end of the input.
    fn open_quote(&self) -> bool;
}

impl Fields for RawRecord {
    fn width(&self) -> usize {
        self.len()
    }
    fn get(&self, i: usize) -> &[u8] {
        self.field(i)
    }
    fn start_line(&self) -> u64 {
        self.line
    }
    fn open_quote(&self) -> bool {
        self.unterminated_quote
    }
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

pub struct CsvReader<R> {
    inner: R,
    delimiter: u8,
    /// The line the reader is on (1-based).
    line: u64,
    /// A record ended with CR: a LF right after it belongs to the same line end.
    skip_lf: bool,
    /// Blank lines skipped so far (they are not records).
    pub blank_lines: u64,
}

impl<R: BufRead> CsvReader<R> {
    pub fn new(inner: R, delimiter: u8) -> CsvReader<R> {
        CsvReader {
            inner,
            delimiter,
            line: 1,
            skip_lf: false,
            blank_lines: 0,
        }
    }

    /// A reader whose first byte is at the start of line `line` (no CR before it to pair).
    pub(super) fn at_line(inner: R, delimiter: u8, line: u64) -> CsvReader<R> {
        CsvReader {
            line,
            ..CsvReader::new(inner, delimiter)
        }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Where the reader is: the line of the next byte, whether a LF there still belongs to
    /// the CR before it, and the blank lines skipped so far.
    pub(super) fn position(&self) -> (u64, bool, u64) {
        (self.line, self.skip_lf, self.blank_lines)
    }

    /// Reads the next record into `rec`; `false` at the end of the input.
    pub fn read_record(&mut self, rec: &mut RawRecord) -> io::Result<bool> {
        rec.clear();
        if !self.skip_to_record()? {
            return Ok(false);
        }
        rec.line = self.line;
        if self.plain_line(rec)? {
            return Ok(true);
        }
        let mut state = State::FieldStart;
        // The last byte of quoted text read so far was a CR (its LF may come in the next read).
        let mut quoted_cr = false;
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                if state == State::Quoted {
                    rec.unterminated_quote = true;
                }
                rec.end_field();
                return Ok(true);
            }
            let mut i = 0;
            while i < buf.len() {
                let b = buf[i];
                match state {
                    State::FieldStart => {
                        if b == b'"' {
                            state = State::Quoted;
                            i += 1;
                        } else {
                            state = State::Unquoted;
                        }
                    }
                    State::Unquoted => {
                        if b == self.delimiter {
                            rec.end_field();
                            state = State::FieldStart;
                            i += 1;
                        } else if b == b'\n' || b == b'\r' {
                            rec.end_field();
                            self.line += 1;
                            self.skip_lf = b == b'\r';
                            self.inner.consume(i + 1);
                            return Ok(true);
                        } else {
                            // Copy the run of ordinary bytes at once.
                            let run = field_run(&buf[i..], self.delimiter);
                            rec.buf.extend_from_slice(&buf[i..i + run]);
                            i += run;
                        }
                    }
                    State::Quoted => {
                        let run = memchr::memchr(b'"', &buf[i..]).unwrap_or(buf.len() - i);
                        let chunk = &buf[i..i + run];
                        // Line ends inside the field: LF, CRLF or a lone CR, each one line
                        // (a CRLF split across two reads counted once).
                        for at in memchr::memchr2_iter(b'\n', b'\r', chunk) {
                            let after_cr = if at == 0 {
                                quoted_cr
                            } else {
                                chunk[at - 1] == b'\r'
                            };
                            if !(chunk[at] == b'\n' && after_cr) {
                                self.line += 1;
                            }
                        }
                        quoted_cr = chunk.last() == Some(&b'\r');
                        rec.buf.extend_from_slice(chunk);
                        i += run;
                        if i < buf.len() {
                            state = State::QuoteInQuoted;
                            quoted_cr = false;
                            i += 1;
                        }
                    }
                    State::QuoteInQuoted => {
                        if b == b'"' {
                            rec.buf.push(b'"');
                            state = State::Quoted;
                            i += 1;
                        } else {
                            if b != self.delimiter && b != b'\n' && b != b'\r' {
                                rec.stray_quote = true;
                            }
                            state = State::Unquoted;
                        }
                    }
                }
            }
            let n = buf.len();
            self.inner.consume(n);
        }
    }

    /// The fast path, for most rows of most files: when the buffer holds the whole line and
    /// the line has no quote and no carriage return but a CRLF's, its fields are the pieces
    /// between delimiters, found with `memchr` rather than byte by byte. Gives exactly what
    /// the state machine would.
    fn plain_line(&mut self, rec: &mut RawRecord) -> io::Result<bool> {
        let buf = self.inner.fill_buf()?;
        let Some(nl) = memchr::memchr(b'\n', buf) else {
            return Ok(false);
        };
        let mut line = &buf[..nl];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        if memchr::memchr2(b'"', b'\r', line).is_some() {
            return Ok(false);
        }
        let mut start = 0;
        for pos in memchr::memchr_iter(self.delimiter, line) {
            rec.buf.extend_from_slice(&line[start..pos]);
            rec.end_field();
            start = pos + 1;
        }
        rec.buf.extend_from_slice(&line[start..]);
        rec.end_field();
        self.line += 1;
        self.skip_lf = false;
        self.inner.consume(nl + 1);
        Ok(true)
    }

    /// Skips the LF of a CRLF and blank lines; `false` at the end. (A byte-order mark is
    /// removed before, by [`without_bom`].)
    fn skip_to_record(&mut self) -> io::Result<bool> {
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Ok(false);
            }
            if self.skip_lf {
                self.skip_lf = false;
                if buf[0] == b'\n' {
                    self.inner.consume(1);
                    continue;
                }
            }
            match buf[0] {
                b'\n' | b'\r' => {
                    self.skip_lf = buf[0] == b'\r';
                    self.inner.consume(1);
                    self.line += 1;
                    self.blank_lines += 1;
                }
                _ => return Ok(true),
            }
        }
    }
}

/// A record built field by field rather than split from text: the columnar reader's
/// (`super::columnar`), which gives the builder the same records a CSV file would.
impl RawRecord {
    /// Empties the record for the row numbered `line` (a columnar file's 1-based row).
    pub(super) fn start(&mut self, line: u64) {
        self.clear();
        self.line = line;
    }

    /// Appends one field, written by `write` into the record's buffer.
    pub(super) fn push_field_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        write(&mut self.buf);
        self.end_field();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(data: &[u8], cap: usize) -> (Vec<(u64, Vec<String>, bool)>, u64) {
        let mut r = CsvReader::new(
            io::BufReader::with_capacity(cap, without_bom(data).unwrap()),
            b',',
        );
        let mut rec = RawRecord::default();
        let mut out = Vec::new();
        while r.read_record(&mut rec).unwrap() {
            out.push((
                rec.line,
                rec.fields()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
                rec.unterminated_quote,
            ));
        }
        (out, r.blank_lines)
    }

    #[test]
    fn a_lone_cr_inside_quotes_is_a_line_end_too() {
        // Excel's "CSV (Macintosh)" ends lines with CR, inside multi-line answers too.
        let data = b"a,b\r1,\"x\ry\rz\"\r2,\"p\r\nq\"\r3,4";
        for cap in [1, 2, 3, 7, 64] {
            let (recs, _) = records(data, cap);
            let lines: Vec<u64> = recs.iter().map(|r| r.0).collect();
            assert_eq!(lines, [1, 2, 5, 7], "buffer {cap}");
            assert_eq!(recs[1].1[1], "x\ry\rz");
        }
    }

    #[test]
    fn lines_fields_and_line_ends() {
        let data = b"\xef\xbb\xbfa,b\r\n1,\"x,\"\"y\"\"\r\nz\"\r\n\r\n\n2,\n3\r4,5\n\"open,6";
        for cap in [1, 2, 3, 7, 64] {
            let (recs, blank) = records(data, cap);
            let want: Vec<(u64, Vec<String>, bool)> = vec![
                (1, vec!["a".into(), "b".into()], false),
                (2, vec!["1".into(), "x,\"y\"\r\nz".into()], false),
                (6, vec!["2".into(), "".into()], false),
                (7, vec!["3".into()], false),
                (8, vec!["4".into(), "5".into()], false),
                (9, vec!["open,6".into()], true),
            ];
            assert_eq!(recs, want, "buffer capacity {cap}");
            assert_eq!(blank, 2);
        }
        // Bytes that only begin like a mark are kept.
        let data: &[u8] = b"\xef\xbbx,y\n";
        let mut r = CsvReader::new(
            io::BufReader::with_capacity(1, without_bom(data).unwrap()),
            b',',
        );
        let mut rec = RawRecord::default();
        assert!(r.read_record(&mut rec).unwrap());
        assert_eq!(rec.field(0), b"\xef\xbbx");
    }
}
