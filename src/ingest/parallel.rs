//! Data-parallel ingest of a large UTF-8 file: the records after the header are cut into
//! blocks at line ends, each block is split, checked and counted on its own thread by a
//! builder of its own ([`TableBuilder::fork`]), and the blocks' tables are merged in file
//! order, so that the table is byte for byte the serial path's.
//!
//! The threads, in a scope (plain threads, not rayon's pool: the reading thread blocks on
//! I/O and the pipeline is bounded and in order; a job of `tally run` already runs on a
//! rayon worker):
//!
//! - **the reading thread** reads the file in blocks of [`Plan::block`] bytes. The SHA-256
//!   of the file is computed there, from the bytes as they are read (the reader under the
//!   decoder hashes them), so it overlaps with the parsing of the blocks before. It cuts
//!   each block after its last line end that is outside quotes by quote parity (an even
//!   number of `"` since the block's start; a file without quotes is cut at any line
//!   end), and counts the block's line ends (each LF, and each CR not followed by LF,
//!   exactly as `csvread` numbers lines), so that every block knows its first line;
//! - **the workers** ([`Plan::workers`]) split the records of a block (a quote-free line
//!   by a view that finds only the fields the checks read, [`Line`]; any other record by
//!   `csvread`'s state machine, the serial path's own), and check and count them;
//! - **this thread** merges the blocks in order: rows in order of first appearance (a
//!   block's new tuples after all the earlier blocks'), rejections by line, warnings,
//!   counts, and the respondent ids, checked here in file order against one [`IdSet`]
//!   (the serial check, with its lines). A duplicate id is taken back out of its tuple's
//!   count and rejected with the record as the serial path writes it (re-read from its
//!   block).
//!
//! A cut by quote parity is a guess (a stray `"` inside an unquoted field, `ab"c`, is not a
//! quote to the reader). It is checked: a block's records are read from its start, so the
//! first block is read exactly as the serial path reads it, and each block ends where a
//! record ends unless its last record is still in a quoted field at the block's end. That
//! is the one way a cut can be wrong, and then the whole file is read again on the serial
//! path ([`Outcome::Again`]), as it is when no cut can be found in [`MAX_BLOCK`] bytes (a
//! quoted field longer than that, or a file with CR-only line ends).
//!
//! [`IdSet`]: super::ids::IdSet

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};

use indexmap::IndexMap;

use super::builder::{Candidate, Deferred, TableBuilder, Tally};
use super::csvread::{CsvReader, Fields, RawRecord};
use super::{IngestError, RawValue, Rejected};

/// Blocks of a file of this size or more are read in parallel (by default).
const MIN_FILE: u64 = 8 << 20;

/// The default block size.
const BLOCK: usize = 4 << 20;

/// A block grows until it has a cut; beyond this, the file is read serially.
const MAX_BLOCK: usize = 64 << 20;

/// How a file is read in parallel.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    /// Bytes per block (a block ends at the last safe line end after this many bytes).
    pub block: usize,
    /// Worker threads.
    pub workers: usize,
}

impl Plan {
    /// The plan for a file of `bytes` bytes: parallel for files of [`MIN_FILE`] or more,
    /// with a worker per core (none on one core). The environment variable
    /// `TALLY_INGEST_BLOCK` overrides it, for tests and benchmarks: `serial` (or `0`) reads
    /// every file serially; a number of bytes reads every file (that the parallel path
    /// takes) in blocks of that size, with at least three workers, so that a test can cut a
    /// small file into many blocks.
    pub(super) fn for_file(bytes: u64) -> Option<Plan> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        match std::env::var("TALLY_INGEST_BLOCK") {
            Ok(v) => match v.trim().parse::<usize>() {
                Ok(block) if block > 0 => Some(Plan {
                    block,
                    workers: cores.clamp(3, 8),
                }),
                _ => None,
            },
            Err(_) => (bytes >= MIN_FILE && cores > 1).then_some(Plan {
                block: BLOCK,
                workers: cores.min(8),
            }),
        }
    }
}

/// What the parallel read gives.
pub(super) enum Outcome {
    Done(Merged),
    /// A cut fell inside a quoted field, or none was found: read the file serially.
    Again,
}

/// The blocks' tables merged, in file order (to be appended to what the serial builder
/// counted before the blocks: the header's pending record).
pub(super) struct Merged {
    pub rows: IndexMap<Vec<RawValue>, u64>,
    pub rejected: Vec<Rejected>,
    pub warnings: Vec<String>,
    pub records_read: u64,
    pub respondents: u64,
    pub blank_lines: u64,
}

/// A block of the file as read: whole records, starting on `first_line`.
struct Block {
    index: usize,
    /// The block is `data[..len]` (the buffer is reused, at its size).
    data: Vec<u8>,
    len: usize,
    first_line: u64,
    last: bool,
}

/// A block counted by a worker.
struct Parsed {
    index: usize,
    data: Vec<u8>,
    len: usize,
    last: bool,
    tally: Tally,
    deferred: Option<Deferred>,
    blank_lines: u64,
    /// Its last record was still in a quoted field at the block's end (the cut was wrong).
    spilled: bool,
}

/// Why the reading thread stopped early.
enum Stop {
    Io(io::Error),
    /// No line end to cut at within [`MAX_BLOCK`] bytes.
    NoCut,
}

/// Reads `source` (the UTF-8 text after the header, whose first byte is on `first_line`;
/// `skip_lf`: a LF there ends the header's CRLF) in blocks on `plan.workers` threads, with
/// `main`'s checks; merges the blocks' tables, checking their ids against `main`'s.
pub(super) fn run<R: Read + Send>(
    source: R,
    first_line: u64,
    skip_lf: bool,
    delimiter: u8,
    main: &mut TableBuilder<'_>,
    plan: Plan,
) -> Result<Outcome, IngestError> {
    let path = main.path().to_string();
    let read_error = |e: io::Error| IngestError::Read {
        path: path.clone(),
        source: e,
    };
    let buffers = plan.workers * 2 + 2;
    let (work_tx, work_rx) = mpsc::sync_channel::<Block>(plan.workers);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::channel::<Result<Parsed, IngestError>>();
    let (recycle_tx, recycle_rx) = mpsc::channel::<Vec<u8>>();
    let upto = main.fields_read();
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            read_blocks(
                source, plan.block, first_line, skip_lf, buffers, work_tx, recycle_rx,
            )
        });
        for _ in 0..plan.workers {
            let rx = Arc::clone(&work_rx);
            let tx = done_tx.clone();
            let template = main.fork();
            scope.spawn(move || work(&template, &rx, &tx, delimiter, upto));
        }
        // Only the workers hold the queue and the senders of results now, so that when
        // they end, the reading thread's next send fails and the merge's loop ends.
        drop(work_rx);
        drop(done_tx);
        let merged = merge_all(main, done_rx, recycle_tx, delimiter);
        let read = reader
            .join()
            .map_err(|_| read_error(io::Error::other("the reading thread failed")))?;
        match (merged?, read) {
            (Some(m), _) => Ok(Outcome::Done(m)),
            (None, Err(Stop::Io(e))) => Err(read_error(e)),
            (None, _) => Ok(Outcome::Again),
        }
    })
}

/// The merge, in block order, until the last block (`Some`), or `None` when a block
/// spilled or the blocks stopped coming (the reading thread says why). Owns its ends of
/// the channels, so that returning stops the other threads.
fn merge_all(
    main: &mut TableBuilder<'_>,
    done: Receiver<Result<Parsed, IngestError>>,
    recycle: Sender<Vec<u8>>,
    delimiter: u8,
) -> Result<Option<Merged>, IngestError> {
    let mut merged = Merged {
        rows: IndexMap::new(),
        rejected: Vec::new(),
        warnings: Vec::new(),
        records_read: 0,
        respondents: 0,
        blank_lines: 0,
    };
    let mut waiting = BTreeMap::new();
    let mut next = 0;
    for parsed in done {
        let parsed = parsed?;
        waiting.insert(parsed.index, parsed);
        while let Some(p) = waiting.remove(&next) {
            if p.spilled {
                return Ok(None);
            }
            let last = p.last;
            let data = merge(main, p, &mut merged, delimiter)?;
            let _ = recycle.send(data);
            if last {
                return Ok(Some(merged));
            }
            next += 1;
        }
    }
    Ok(None)
}

/// Adds one block's table to `merged`; gives its buffer back.
fn merge(
    main: &mut TableBuilder<'_>,
    parsed: Parsed,
    merged: &mut Merged,
    delimiter: u8,
) -> Result<Vec<u8>, IngestError> {
    let Parsed {
        data,
        len,
        tally,
        deferred,
        blank_lines,
        ..
    } = parsed;
    let mut counts: Vec<u64> = tally.rows.iter().map(|r| r.1).collect();
    let mut respondents = tally.respondents;
    let mut duplicates = Vec::new();
    // The tuples in order of their first kept record: the block's order, unless a
    // duplicate id took a tuple's first record out.
    let mut order: Vec<usize> = (0..counts.len()).collect();
    if let Some(d) = deferred {
        let mut dropped = vec![false; 0];
        let mut from = 0;
        for (k, c) in d.records.iter().enumerate() {
            let seen = if c.number == Candidate::BYTES {
                let id = &d.ids[from..c.id_end as usize];
                main.ids_mut().insert(id, c.line)
            } else {
                main.ids_mut().insert_number(c.number, c.line)
            };
            from = c.id_end as usize;
            let Some(first) = seen else {
                continue;
            };
            counts[c.tuple as usize] -= 1;
            respondents -= 1;
            if dropped.is_empty() {
                dropped = vec![false; d.records.len()];
            }
            dropped[k] = true;
            let mut rdr = CsvReader::at_line(&data[c.start as usize..len], delimiter, c.line);
            let mut record = RawRecord::default();
            rdr.read_record(&mut record)
                .map_err(|e| IngestError::Read {
                    path: main.path().to_string(),
                    source: e,
                })?;
            duplicates.push(main.reject(
                &record,
                "duplicate respondent id",
                format!("the id was first seen on line {first}"),
            ));
        }
        if !dropped.is_empty() {
            let mut seen = vec![false; counts.len()];
            order.clear();
            for (c, _) in d.records.iter().zip(&dropped).filter(|(_, &x)| !x) {
                let t = c.tuple as usize;
                if !seen[t] {
                    seen[t] = true;
                    order.push(t);
                }
            }
        }
    }
    let mut values: Vec<Option<Vec<RawValue>>> =
        tally.rows.into_iter().map(|(v, _)| Some(v)).collect();
    for t in order {
        if let Some(v) = values[t].take() {
            *merged.rows.entry(v).or_insert(0) += counts[t];
        }
    }
    merged.rejected.extend(by_line(tally.rejected, duplicates));
    merged.warnings.extend(tally.warnings);
    merged.records_read += tally.records_read;
    merged.respondents += respondents;
    merged.blank_lines += blank_lines;
    Ok(data)
}

/// Two lists of rejections, each in line order, as one.
fn by_line(a: Vec<Rejected>, b: Vec<Rejected>) -> Vec<Rejected> {
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.line <= y.line,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
}

/// A worker: counts blocks until there are none.
fn work(
    template: &TableBuilder<'_>,
    queue: &Mutex<Receiver<Block>>,
    done: &Sender<Result<Parsed, IngestError>>,
    delimiter: u8,
    upto: usize,
) {
    loop {
        let block = match queue.lock() {
            Ok(rx) => match rx.recv() {
                Ok(b) => b,
                Err(_) => return,
            },
            Err(_) => return,
        };
        let mut builder = template.fork();
        let parsed = count_block(&mut builder, &block, delimiter, upto).map(|(blank, spilled)| {
            let (tally, deferred) = builder.finish_block();
            Parsed {
                index: block.index,
                data: block.data,
                len: block.len,
                last: block.last,
                tally,
                deferred,
                blank_lines: blank,
                spilled,
            }
        });
        if done.send(parsed).is_err() {
            return;
        }
    }
}

/// Splits, checks and counts the records of a block; its blank lines, and whether its last
/// record spilled over its end.
fn count_block(
    builder: &mut TableBuilder<'_>,
    block: &Block,
    delimiter: u8,
    upto: usize,
) -> Result<(u64, bool), IngestError> {
    let data = &block.data[..block.len];
    let mut pos = 0;
    let mut line = block.first_line;
    let mut blank = 0;
    let mut ends = Vec::with_capacity(upto);
    let mut record = RawRecord::default();
    let clean = memchr::memchr2(b'"', b'\r', data).is_none();
    while pos < data.len() {
        // Blank lines, as `csvread` skips them (a CRLF is one line end).
        match data[pos] {
            b'\n' => {
                pos += 1;
                line += 1;
                blank += 1;
                continue;
            }
            b'\r' => {
                pos += 1;
                line += 1;
                blank += 1;
                if data.get(pos) == Some(&b'\n') {
                    pos += 1;
                }
                continue;
            }
            _ => {}
        }
        builder.at = pos as u32;
        let rest = &data[pos..];
        if clean {
            if let Some((len, view)) = Line::clean(rest, delimiter, upto, line, &mut ends) {
                builder.add(&view)?;
                pos += len + 1;
                line += 1;
                continue;
            }
        } else if let Some(nl) = memchr::memchr(b'\n', rest) {
            let text = &rest[..nl];
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if let Some(view) = Line::plain(text, delimiter, upto, line, &mut ends) {
                builder.add(&view)?;
                pos += nl + 1;
                line += 1;
                continue;
            }
        }
        // Any other record: the serial path's own state machine.
        let mut rdr = CsvReader::at_line(rest, delimiter, line);
        let read = rdr
            .read_record(&mut record)
            .map_err(|e| IngestError::Read {
                path: builder.path().to_string(),
                source: e,
            })?;
        if !read {
            break;
        }
        if record.unterminated_quote && !block.last {
            return Ok((blank, true));
        }
        builder.add(&record)?;
        let (next, skip_lf, _) = rdr.position();
        line = next;
        pos = data.len() - rdr.into_inner().len();
        if skip_lf && data.get(pos) == Some(&b'\n') {
            pos += 1;
        }
    }
    Ok((blank, false))
}

/// A quote-free line of a block, as a record: its fields are the pieces between
/// delimiters. Only the ends of the first fields (those the checks read) are found when the
/// line is seen; any other field is found when asked for (a rejected record's).
struct Line<'a> {
    text: &'a [u8],
    /// The ends of the first fields.
    ends: &'a [usize],
    width: usize,
    line: u64,
    delimiter: u8,
}

impl<'a> Line<'a> {
    /// `text` (a line without its line end) as a record, if it has no quote and no CR
    /// (which `csvread`'s fast path takes the same way); `ends` is its scratch space.
    fn plain(
        text: &'a [u8],
        delimiter: u8,
        upto: usize,
        line: u64,
        ends: &'a mut Vec<usize>,
    ) -> Option<Line<'a>> {
        // One pass, eight bytes at a time as one number: where the first `upto`
        // delimiters are, how many there are, and whether there is any quote or CR.
        ends.clear();
        let mut delimiters = 0;
        let mut special = 0;
        let n = text.len();
        let mut at = 0;
        while at < n {
            let word = load(text, at, delimiter);
            let mut d = bytes_equal(word, delimiter);
            special |= bytes_equal(word, b'"') | bytes_equal(word, b'\r');
            delimiters += ones(d);
            while d != 0 && ends.len() < upto {
                ends.push(at + d.trailing_zeros() as usize / 8);
                d &= d - 1;
            }
            at += 8;
        }
        let special = special != 0;
        if special {
            return None;
        }
        let width = delimiters + 1;
        if ends.len() < upto {
            ends.push(text.len());
        }
        Some(Line {
            text,
            ends,
            width,
            line,
            delimiter,
        })
    }
}

impl<'a> Line<'a> {
    /// The line at the start of `rest`, in a block with no quote and no CR, as a record,
    /// with its length (up to its LF); `None` when no LF ends it (the last line of the
    /// file). The same split as [`Line::plain`], with the search for the line's end in the
    /// same pass.
    fn clean(
        rest: &'a [u8],
        delimiter: u8,
        upto: usize,
        line: u64,
        ends: &'a mut Vec<usize>,
    ) -> Option<(usize, Line<'a>)> {
        ends.clear();
        let mut delimiters = 0;
        let n = rest.len();
        let mut at = 0;
        while at < n {
            let word = load(rest, at, delimiter);
            let lf = bytes_equal(word, b'\n');
            let mut d = bytes_equal(word, delimiter);
            if lf != 0 {
                // Only the delimiters before the LF (below its top bit).
                d &= (lf & lf.wrapping_neg()) - 1;
            }
            delimiters += ones(d);
            while d != 0 && ends.len() < upto {
                ends.push(at + d.trailing_zeros() as usize / 8);
                d &= d - 1;
            }
            if lf != 0 {
                let len = at + lf.trailing_zeros() as usize / 8;
                if ends.len() < upto {
                    ends.push(len);
                }
                let view = Line {
                    text: &rest[..len],
                    ends,
                    width: delimiters + 1,
                    line,
                    delimiter,
                };
                return Some((len, view));
            }
            at += 8;
        }
        None
    }
}

/// The eight bytes of `text` from `at` as a number (little-endian), padded past its end with
/// a byte that is neither the delimiter nor a quote, CR or LF.
fn load(text: &[u8], at: usize, delimiter: u8) -> u64 {
    match text.get(at..at + 8) {
        Some(w) => {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            u64::from_le_bytes(b)
        }
        None => {
            let pad = if delimiter == b' ' { b'x' } else { b' ' };
            let mut b = [pad; 8];
            let tail = text.get(at..).unwrap_or_default();
            b[..tail.len()].copy_from_slice(tail);
            u64::from_le_bytes(b)
        }
    }
}

/// The number of bytes marked in a mask of [`bytes_equal`] (their top bits, summed by a
/// multiplication).
fn ones(mask: u64) -> usize {
    ((mask >> 7).wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize
}

/// The bytes of `word` (eight bytes, little-endian) that are `b`: the top bit of each such
/// byte set, every other bit clear (exact: no carry from one byte to the next).
fn bytes_equal(word: u64, b: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ (u64::from(b) * 0x0101_0101_0101_0101);
    !(((x & LOW7) + LOW7) | x | LOW7)
}

impl Fields for Line<'_> {
    fn width(&self) -> usize {
        self.width
    }

    fn get(&self, i: usize) -> &[u8] {
        let start_of = |i: usize| if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        if i < self.ends.len() {
            return &self.text[start_of(i)..self.ends[i]];
        }
        // Beyond the fields split so far: walk on from the last one.
        let mut start = start_of(self.ends.len());
        for _ in self.ends.len()..i {
            start += self.text[start..]
                .iter()
                .position(|&b| b == self.delimiter)
                .map_or(self.text.len() - start, |p| p + 1);
        }
        let end = self.text[start..]
            .iter()
            .position(|&b| b == self.delimiter)
            .map_or(self.text.len(), |p| start + p);
        &self.text[start..end]
    }

    fn start_line(&self) -> u64 {
        self.line
    }

    fn open_quote(&self) -> bool {
        false
    }
}

/// The reading thread: reads `source` into blocks of about `block` bytes, each cut after a
/// line end, and sends them to the workers with their first lines. Stops when the workers
/// are gone (the merge has stopped); at most `buffers` blocks are in flight. (A buffer
/// keeps its size from block to block: it is zeroed once, not for every block.)
fn read_blocks<R: Read>(
    mut source: R,
    block: usize,
    mut line: u64,
    skip_lf: bool,
    buffers: usize,
    work: SyncSender<Block>,
    recycle: Receiver<Vec<u8>>,
) -> Result<(), Stop> {
    let mut carry = Vec::new();
    if skip_lf {
        let mut first = [0u8; 1];
        if read_some(&mut source, &mut first).map_err(Stop::Io)? == 1 && first[0] != b'\n' {
            carry.push(first[0]);
        }
    }
    let mut made = 0;
    for index in 0.. {
        let mut buf = match recycle.try_recv() {
            Ok(b) => b,
            Err(_) if made < buffers => {
                made += 1;
                Vec::new()
            }
            Err(_) => match recycle.recv() {
                Ok(b) => b,
                Err(_) => return Ok(()),
            },
        };
        let mut target = block.max(carry.len() + 1);
        if buf.len() < target {
            buf.resize(target, 0);
        }
        buf[..carry.len()].copy_from_slice(&carry);
        let mut filled = carry.len();
        carry.clear();
        let (len, last) = loop {
            if fill(&mut source, &mut buf, &mut filled, target).map_err(Stop::Io)? {
                break (filled, true);
            }
            if let Some(at) = cut(&buf[..filled]) {
                carry.extend_from_slice(&buf[at..filled]);
                break (at, false);
            }
            if filled >= MAX_BLOCK {
                return Err(Stop::NoCut);
            }
            target = filled * 2;
            buf.resize(target, 0);
        };
        let lines = line_ends(&buf[..len]);
        let sent = work.send(Block {
            index,
            data: buf,
            len,
            first_line: line,
            last,
        });
        if sent.is_err() || last {
            return Ok(());
        }
        line += lines;
    }
    Ok(())
}

/// Reads into `buf[filled..target]` (`buf` is at least `target` long) until it is full;
/// `true` at the end of the input.
fn fill<R: Read>(
    source: &mut R,
    buf: &mut [u8],
    filled: &mut usize,
    target: usize,
) -> io::Result<bool> {
    while *filled < target {
        let n = read_some(source, &mut buf[*filled..target])?;
        if n == 0 {
            return Ok(true);
        }
        *filled += n;
    }
    Ok(false)
}

/// One read, retried when interrupted.
fn read_some<R: Read>(source: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match source.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// Where to cut a block that starts at a record's start: just after its last LF with an
/// even number of quotes before it (any LF when it has no quote).
fn cut(buf: &[u8]) -> Option<usize> {
    if memchr::memchr(b'"', buf).is_none() {
        return memchr::memrchr(b'\n', buf).map(|p| p + 1);
    }
    let total = memchr::memchr_iter(b'"', buf).count();
    let mut after = 0;
    let mut end = buf.len();
    for nl in memchr::memrchr_iter(b'\n', buf) {
        after += memchr::memchr_iter(b'"', &buf[nl + 1..end]).count();
        end = nl + 1;
        if (total - after) % 2 == 0 {
            return Some(nl + 1);
        }
    }
    None
}

/// The line ends in a block, as `csvread` counts lines: each LF, and each CR that is not
/// the start of a CRLF.
fn line_ends(buf: &[u8]) -> u64 {
    let lf = memchr::memchr_iter(b'\n', buf).count();
    let lone_cr = if memchr::memchr(b'\r', buf).is_some() {
        memchr::memchr_iter(b'\r', buf)
            .filter(|&p| buf.get(p + 1) != Some(&b'\n'))
            .count()
    } else {
        0
    };
    (lf + lone_cr) as u64
}
