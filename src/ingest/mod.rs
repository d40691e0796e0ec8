//! The only place that reads data files. A CSV (respondents or counts) is read once,
//! streaming, into the distinct tuples of the columns the pipeline needs, each with its
//! count of respondents. Every record is either kept or rejected with its line and reason;
//! nothing is dropped silently.
//!
//! Blank lines are not records (the CSV reader skips them); quoted newlines stay inside
//! their field, and a record's line is the line it starts on.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::mpsc;

use indexmap::IndexMap;
use sha2::{Digest, Sha256};

mod csvread;
pub mod decode;
pub mod formats;
mod layout;
pub mod sniff;

pub use csvread::{without_bom, CsvReader, RawRecord};
use formats::Format;
use layout::{Extract, Layout};

#[cfg(test)]
use crate::plan::InputKind;
use crate::plan::{InputPlan, Rule};

/// A raw value of a needed column: `None` when the cell is one of the missing tokens.
pub type RawValue = Option<String>;

/// A rejected record, kept verbatim for `rejected.csv`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rejected {
    /// The line the record starts on (the header is line 1).
    pub line: u64,
    /// The counted reason (a short category, e.g. "wrong number of fields").
    pub reason: Cow<'static, str>,
    /// Details for this record, e.g. "expected 12 fields, found 9".
    pub detail: String,
    /// The record as read, fields re-joined with the delimiter.
    pub record: String,
}

/// Identity of an input file, for the manifest and the report's provenance.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Source {
    /// The path as written in the pipeline.
    pub written: String,
    pub sha256: String,
    pub bytes: u64,
}

/// A data file reduced to what the pipeline needs. (Serialisable: the ingest stage's cached
/// output.)
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Table {
    pub source: Source,
    pub header: Vec<String>,
    /// The needed columns, in the order of the tuples in `rows`.
    pub columns: Vec<String>,
    /// Distinct tuples of raw values, in order of first appearance, with their respondent counts.
    pub rows: Vec<(Vec<RawValue>, u64)>,
    /// Data records read (the header not included).
    pub records_read: u64,
    /// Records kept (`records_read - rejected.len()`).
    pub records_kept: u64,
    /// Blank lines skipped (they are not records, but are reported).
    pub blank_lines: u64,
    /// Respondents in the kept records (= records kept for respondent files; the sum of the
    /// count column for counts tables).
    pub respondents: u64,
    pub rejected: Vec<Rejected>,
    /// The export format (`csv`, `qualtrics`, ...).
    pub format: Cow<'static, str>,
    /// The encoding the file was read as (`UTF-8`, `Windows-1252`, ...).
    pub encoding: Cow<'static, str>,
    pub delimiter: u8,
    /// The delimiter was sniffed, not given.
    pub delimiter_sniffed: bool,
    /// The question text of each needed column, where the export has one.
    pub questions: Vec<(String, String)>,
    /// Things the reader should know (e.g. an encoding guess), each naming the file.
    pub warnings: Vec<String>,
}

impl Table {
    /// Rejections counted by reason, in first-seen order.
    pub fn rejected_by_reason(&self) -> IndexMap<&str, u64> {
        let mut m = IndexMap::new();
        for r in &self.rejected {
            *m.entry(r.reason.as_ref()).or_insert(0) += 1;
        }
        m
    }
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot open {path} (key `input.path`): {source}")]
    Open { path: String, source: io::Error },
    #[error("{path}, line {line}: the counts add up to more than {max} respondents\nhint: check the count column for a misplaced value", max = u64::MAX)]
    CountOverflow { path: String, line: u64 },
    #[error("{path} is empty: expected a header row naming the columns")]
    Empty { path: String },
    #[error("{path} does not look like a CSV text file: it has a NUL byte at byte {offset} and no UTF-16 byte-order mark\nhint: export the data as CSV; if it is UTF-16 text, save it with a byte-order mark or set `input.encoding`")]
    Binary { path: String, offset: usize },
    #[error("{path}: `input.encoding = \"utf-16\"` but the file does not start with a UTF-16 byte-order mark (FF FE or FE FF)\nhint: set `input.encoding = \"auto\"` to detect the encoding")]
    NoUtf16Mark { path: String },
    #[error("{path} has a header but no data rows")]
    NoRows { path: String },
    #[error("{path}, line 1: the header is not valid UTF-8 (column {column})\nhint: re-save the file as UTF-8 (in Excel: Save As > CSV UTF-8)")]
    HeaderEncoding { path: String, column: usize },
    #[error("{path}, line 1: column `{name}` appears twice in the header (columns {first} and {second})")]
    DuplicateColumn {
        path: String,
        name: String,
        first: usize,
        second: usize,
    },
    #[error("{path}: {message}")]
    Columns { path: String, message: String },
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: io::Error },
}

/// Reads an input file. `columns` are the needed columns; `check_header` lets the caller
/// refuse a header that lacks some (it returns the message to give).
pub fn read(
    input: &InputPlan,
    columns: &[String],
    check_header: &dyn Fn(&[String]) -> Result<(), String>,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<Table, IngestError> {
    let path_s = input.written.clone();
    let file = open_regular(&input.path).map_err(|e| IngestError::Open {
        path: display(&input.path, &path_s),
        source: e,
    })?;
    let mut hashing = HashingReader::new(file, on_bytes);
    let mut table = read_from(&mut hashing, input, columns, check_header)?;
    // Drain anything the CSV reader did not consume so that the hash covers the whole file.
    io::copy(&mut hashing, &mut io::sink()).map_err(|e| IngestError::Read {
        path: path_s.clone(),
        source: e,
    })?;
    let (sha256, bytes) = hashing.finish();
    table.source = Source {
        written: path_s,
        sha256,
        bytes,
    };
    Ok(table)
}

fn display(path: &Path, written: &str) -> String {
    if path.is_absolute() {
        path.display().to_string()
    } else {
        written.to_string()
    }
}

/// An input as UTF-8: the sample read ahead, then the rest, through the decoder.
type Decoded<'r> = io::Chain<io::Cursor<Vec<u8>>, Box<dyn Read + Send + 'r>>;

/// An input opened past its header rows.
struct Opened<'r> {
    rdr: CsvReader<io::BufReader<Decoded<'r>>>,
    /// The first data record was read while looking for header rows.
    pending: Option<RawRecord>,
    layout: Layout,
    encoding: decode::TextEncoding,
    delimiter: u8,
    sniffed: Option<u8>,
    first_row_width: usize,
    warnings: Vec<String>,
}

/// Detects the encoding, sniffs the delimiter, reads the header rows and names the columns.
fn open<'r, R: Read + Send + 'r>(
    mut reader: R,
    input: &InputPlan,
) -> Result<Opened<'r>, IngestError> {
    let path = input.written.clone();
    let io_err = |e: io::Error| IngestError::Read {
        path: path.clone(),
        source: e,
    };
    // Encoding and delimiter, from the first bytes.
    let sample = read_sample(&mut reader, decode::SAMPLE).map_err(io_err)?;
    if sample.is_empty() {
        return Err(IngestError::Empty { path });
    }
    let (encoding, warnings): (_, Vec<String>) = match decode::detect(&sample, input.encoding) {
        decode::Detected::Text { encoding, warning } => (
            encoding,
            warning
                .into_iter()
                .map(|w| format!("{path}: {w}"))
                .collect(),
        ),
        decode::Detected::Binary { offset } => {
            return Err(IngestError::Binary { path, offset });
        }
        decode::Detected::NoUtf16Mark => return Err(IngestError::NoUtf16Mark { path }),
    };
    let text_sample = decode::decode_sample(&sample, encoding);
    let text_sample = text_sample.strip_prefix('\u{feff}').unwrap_or(&text_sample);
    let sniffed = sniff::sniff(text_sample.as_bytes());
    let delimiter = input.delimiter.or(sniffed).unwrap_or(b',');
    let decoded = decode::to_utf8(io::Cursor::new(sample).chain(reader), encoding);
    let reader = csvread::without_bom(decoded).map_err(io_err)?;
    let mut rdr = CsvReader::new(io::BufReader::with_capacity(1 << 18, reader), delimiter);

    // Header rows.
    let mut record = RawRecord::default();
    if !rdr.read_record(&mut record).map_err(io_err)? {
        return Err(IngestError::Empty { path });
    }
    let mut header_rows = vec![header_names(&record, &path, input.format == Format::Csv)?];
    for _ in 0..input.format.extra_header_rows() {
        if !rdr.read_record(&mut record).map_err(io_err)? {
            return Err(IngestError::NoRows { path });
        }
        header_rows.push(header_names(&record, &path, false)?);
    }
    // Qualtrics: a third header row of ImportIds in current exports, data in legacy ones.
    let first_row_width = header_rows[0].len();
    let mut pending = None;
    if input.format == Format::Qualtrics && rdr.read_record(&mut record).map_err(io_err)? {
        let first = std::str::from_utf8(record.field(0)).unwrap_or("");
        if !formats::is_import_id_row(first) {
            pending = Some(record);
        }
    }
    let layout = Layout::new(input, &header_rows).map_err(|message| IngestError::Columns {
        path: path.clone(),
        message,
    })?;
    Ok(Opened {
        rdr,
        pending,
        layout,
        encoding,
        delimiter,
        sniffed,
        first_row_width,
        warnings,
    })
}

/// The column names a pipeline may use in an input, reading only its header rows (for
/// `tally check`). A column read (see [`InputPlan::columns_read`]) that is free text or an
/// identifier is an error, as in [`read_from`].
pub fn read_header(input: &InputPlan, columns: &[String]) -> Result<Vec<String>, IngestError> {
    let file = open_regular(&input.path).map_err(|e| IngestError::Open {
        path: display(&input.path, &input.written),
        source: e,
    })?;
    let opened = open(file, input)?;
    if let Some(message) = input
        .columns_read(columns)
        .find_map(|c| opened.layout.refuse(c))
    {
        return Err(IngestError::Columns {
            path: input.written.clone(),
            message,
        });
    }
    Ok(opened.layout.available())
}

/// Reads CSV bytes from any reader (the testable core of [`read`]).
pub fn read_from<'r, R: Read + Send + 'r>(
    reader: R,
    input: &InputPlan,
    columns: &[String],
    check_header: &dyn Fn(&[String]) -> Result<(), String>,
) -> Result<Table, IngestError> {
    let path = input.written.clone();
    let io_err = |e: io::Error| IngestError::Read {
        path: path.clone(),
        source: e,
    };

    let Opened {
        mut rdr,
        mut pending,
        layout,
        encoding,
        delimiter,
        sniffed,
        first_row_width,
        mut warnings,
    } = open(reader, input)?;
    let available = layout.available();
    if let Some(message) = input.columns_read(columns).find_map(|c| layout.refuse(c)) {
        return Err(IngestError::Columns { path, message });
    }
    check_header(&available).map_err(|mut message| {
        if first_row_width == 1 {
            if let Some(d) = sniffed.filter(|&d| d != delimiter) {
                message.push_str(&format!(
                    "\nhint: the header has one column when split on {}, but the file looks {}-separated; set `input.delimiter = \"auto\"` or `\"{}\"`",
                    sniff::name(delimiter),
                    sniff::name(d),
                    if d == b'\t' { "tab".to_string() } else { (d as char).to_string() }
                ));
            }
        }
        for w in &warnings {
            message.push_str(&format!("\nnote: {w}"));
        }
        IngestError::Columns {
            path: path.clone(),
            message,
        }
    })?;
    let extract: Vec<Extract> = columns.iter().map(|c| layout.extractor(c)).collect();
    let rules: Vec<(Extract, &Rule)> = input
        .rules
        .iter()
        .map(|r| (layout.extractor(&r.column), r))
        .collect();
    let source_index = |c: &String| layout.index_of(c).expect("checked by check_header");
    let count_index = input.count_column.as_ref().map(source_index);
    let id_index = input.id_column.as_ref().map(source_index);
    let completeness = if input.complete_only {
        formats::completeness(input.format, &layout.columns)
    } else {
        Vec::new()
    };

    // Each needed column's distinct values get a code (0 = missing), and a respondent is a
    // tuple of codes: the loop allocates nothing for a tuple it has seen before.
    let mut interners: Vec<Interner> = columns.iter().map(|_| Interner::default()).collect();
    let mut tuples: HashMap<Box<[u32]>, usize, FastHash> = HashMap::default();
    let mut counts: Vec<u64> = Vec::new();
    let mut codes: Vec<u32> = Vec::with_capacity(columns.len());
    let mut ids = IdSet::default();
    let mut rejected = Vec::new();
    let mut records_read = 0u64;
    let mut respondents = 0u64;
    let width = layout.columns.len();
    let delimiter_s = (delimiter as char).to_string();
    let withheld = layout.withheld();
    let mut process = |record: &RawRecord| -> Result<(), IngestError> {
        records_read += 1;
        let line = record.line;
        let reject = |reason: &'static str, detail: String| Rejected {
            line,
            reason: Cow::Borrowed(reason),
            detail,
            record: record
                .fields()
                .enumerate()
                .map(|(i, f)| match withheld.get(i).copied().flatten() {
                    Some(p) => format!("[withheld: {}]", p.describe()),
                    None => String::from_utf8_lossy(f).into_owned(),
                })
                .collect::<Vec<_>>()
                .join(&delimiter_s),
        };
        if record.unterminated_quote {
            warnings.push(format!(
                    "{path}, line {line}: unterminated quote: a quoted field opened on this line is still open at the end of the file, so the rest of the file was read as one field (its record is rejected)\nhint: look for a stray `\"` on line {line}"
                ));
            rejected.push(reject(
                "unterminated quote",
                "a quoted field is still open at the end of the file".into(),
            ));
            return Ok(());
        }
        if record.len() != width {
            rejected.push(reject(
                "wrong number of fields",
                format!("expected {width} fields, found {}", record.len()),
            ));
            return Ok(());
        }
        if let Some((reason, detail)) = completeness
            .iter()
            .find_map(|c| c.check(std::str::from_utf8(record.field(c.column())).unwrap_or("")))
        {
            rejected.push(reject(reason, detail));
            return Ok(());
        }
        codes.clear();
        let mut bad = None;
        for ((ex, name), interner) in extract.iter().zip(columns).zip(&mut interners) {
            match ex.value(record, &input.missing) {
                Ok(v) => match interner.code(v) {
                    Ok(c) => codes.push(c),
                    Err(e) => {
                        bad = Some(e.describe(name));
                        break;
                    }
                },
                Err(e) => {
                    bad = Some(e.describe(name));
                    break;
                }
            }
        }
        if bad.is_none() {
            bad = rules
                .iter()
                .find_map(|(ex, rule)| match ex.value(record, &input.missing) {
                    Ok(v) => match v.map(layout::text).transpose() {
                        Ok(v) => rule.check(v),
                        Err(e) => Some(e.describe(&rule.column)),
                    },
                    Err(e) => Some(e.describe(&rule.column)),
                });
        }
        if let Some((reason, detail)) = bad {
            rejected.push(reject(reason, detail));
            return Ok(());
        }
        let weight = match count_index {
            None => 1,
            Some(ci) => match parse_count(record.field(ci)) {
                Ok(c) => c,
                Err(detail) => {
                    rejected.push(reject("invalid count", detail));
                    return Ok(());
                }
            },
        };
        if let Some(ii) = id_index {
            if let Some(first) = ids.insert(record.field(ii), line) {
                rejected.push(reject(
                    "duplicate respondent id",
                    format!("the id was first seen on line {first}"),
                ));
                return Ok(());
            }
        }
        respondents =
            respondents
                .checked_add(weight)
                .ok_or_else(|| IngestError::CountOverflow {
                    path: path.clone(),
                    line,
                })?;
        match tuples.get(codes.as_slice()) {
            // Cannot overflow: a tuple's count is at most `respondents`.
            Some(&at) => counts[at] += weight,
            None => {
                tuples.insert(codes.as_slice().into(), counts.len());
                counts.push(weight);
            }
        }
        Ok(())
    };

    // Two threads: one reads, hashes and splits the file into records; this one checks,
    // extracts and counts them. Batches of records go over a bounded channel and come back
    // for reuse, so memory stays at a few batches whatever the file's size.
    if let Some(r) = pending.take() {
        process(&r)?;
    }
    const BATCH: usize = 4096;
    let (full_tx, full_rx) = mpsc::sync_channel::<io::Result<Vec<RawRecord>>>(4);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<RawRecord>>();
    let blank_lines = std::thread::scope(|scope| -> Result<u64, IngestError> {
        let reader = scope.spawn(move || {
            loop {
                let mut batch = empty_rx
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(BATCH));
                let mut n = 0;
                let mut failed = None;
                while n < BATCH {
                    if n == batch.len() {
                        batch.push(RawRecord::default());
                    }
                    match rdr.read_record(&mut batch[n]) {
                        Ok(true) => n += 1,
                        Ok(false) => break,
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                batch.truncate(n);
                let last = n < BATCH || failed.is_some();
                if full_tx.send(Ok(batch)).is_err() {
                    break;
                }
                if let Some(e) = failed {
                    let _ = full_tx.send(Err(e));
                }
                if last {
                    break;
                }
            }
            rdr.blank_lines
        });
        // Owned here, so that an early return (an error) drops it and the reading thread's
        // next send fails and ends it, rather than blocking the scope's join forever.
        let full_rx = full_rx;
        for batch in full_rx {
            let batch = batch.map_err(io_err)?;
            for record in &batch {
                process(record)?;
            }
            let _ = empty_tx.send(batch);
        }
        reader
            .join()
            .map_err(|_| io_err(io::Error::other("the reading thread failed")))
    })?;
    // Back from codes to values, in order of first appearance.
    let mut order: Vec<(&[u32], usize)> = tuples.iter().map(|(k, &v)| (k.as_ref(), v)).collect();
    order.sort_unstable_by_key(|&(_, at)| at);
    let rows: Vec<(Vec<RawValue>, u64)> = order
        .into_iter()
        .map(|(key, at)| {
            let values = key
                .iter()
                .zip(&interners)
                .map(|(&c, interner)| interner.value(c))
                .collect();
            (values, counts[at])
        })
        .collect();
    if records_read == 0 {
        return Err(IngestError::NoRows { path });
    }
    let records_kept = records_read - rejected.len() as u64;
    Ok(Table {
        source: Source {
            written: path,
            sha256: String::new(),
            bytes: 0,
        },
        header: available,
        columns: columns.to_vec(),
        questions: layout.questions(columns),
        rows,
        records_read,
        records_kept,
        blank_lines,
        respondents,
        rejected,
        format: Cow::Borrowed(input.format.name()),
        encoding: Cow::Borrowed(encoding.name()),
        delimiter,
        delimiter_sniffed: input.delimiter.is_none(),
        warnings,
    })
}

/// The hasher of the row loop's tables: fast, and seeded per process.
type FastHash = foldhash::fast::RandomState;

/// Codes for one column's distinct values (0 = missing).
#[derive(Default)]
struct Interner {
    codes: HashMap<Box<[u8]>, u32, FastHash>,
    values: Vec<Box<str>>,
}

impl Interner {
    /// The code of a raw value; a value seen for the first time is checked (UTF-8, no NUL)
    /// before it gets one, so later rows with it skip the check.
    ///
    /// Survey answers have few distinct values: up to [`Interner::SCAN`] of them are found by
    /// comparing with each in turn, which is quicker than hashing; beyond that, by hash.
    fn code(&mut self, v: Option<&[u8]>) -> Result<u32, layout::ValueError> {
        let Some(v) = v else { return Ok(0) };
        if self.values.len() <= Self::SCAN {
            if let Some(i) = self.values.iter().position(|x| x.as_bytes() == v) {
                return Ok(i as u32 + 1);
            }
        } else if let Some(&c) = self.codes.get(v) {
            return Ok(c);
        }
        let text = layout::text(v)?;
        self.values.push(text.into());
        let c = self.values.len() as u32;
        self.codes.insert(v.into(), c);
        Ok(c)
    }

    const SCAN: usize = 8;

    fn value(&self, code: u32) -> RawValue {
        (code > 0).then(|| self.values[code as usize - 1].to_string())
    }
}

/// Respondent ids seen so far, with the line of each one's first use.
///
/// Ids written as plain decimal numbers (no sign, no leading zero) that stay dense (below
/// four times the table so far, or four million) are kept as a table indexed by the number: four
/// bytes per possible id and no hashing. Any other id moves the set to a hash map.
enum IdSet {
    Dense(Vec<u32>),
    Sparse(HashMap<Box<[u8]>, u64, FastHash>),
}

impl Default for IdSet {
    fn default() -> Self {
        IdSet::Dense(Vec::new())
    }
}

impl IdSet {
    /// Adds an id first used on `line`; if it was seen before, the line of its first use.
    fn insert(&mut self, id: &[u8], line: u64) -> Option<u64> {
        if let IdSet::Dense(lines) = self {
            let n = dense_number(id).filter(|&n| {
                n < (lines.len() as u64).max(1 << 20).saturating_mul(4)
                    && line < u64::from(u32::MAX)
            });
            match n {
                Some(n) => {
                    let n = n as usize;
                    if n >= lines.len() {
                        lines.resize((n + 1).max(lines.len() * 2), 0);
                    }
                    return match lines[n] {
                        0 => {
                            lines[n] = line as u32;
                            None
                        }
                        first => Some(u64::from(first)),
                    };
                }
                None => {
                    let map = lines
                        .iter()
                        .enumerate()
                        .filter(|(_, &l)| l > 0)
                        .map(|(i, &l)| {
                            (i.to_string().into_bytes().into_boxed_slice(), u64::from(l))
                        })
                        .collect();
                    *self = IdSet::Sparse(map);
                }
            }
        }
        let IdSet::Sparse(map) = self else {
            unreachable!("the dense case returned above")
        };
        if let Some(&first) = map.get(id) {
            return Some(first);
        }
        map.insert(id.into(), line);
        None
    }
}

/// The number an id is, if it is written as a plain decimal (`0`, `17`; not `017`, `+1`, ` 1`).
fn dense_number(id: &[u8]) -> Option<u64> {
    if id.is_empty() || id.len() > 18 || (id.len() > 1 && id[0] == b'0') {
        return None;
    }
    id.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

/// Reads up to `limit` bytes (fewer only at the end of the input).
fn read_sample<R: Read>(r: &mut R, limit: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(limit.min(1 << 16));
    r.take(limit as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// One header row's names (trimmed). `unique`: a name twice is an error (plain CSV; the
/// survey formats number repeats instead).
fn header_names(record: &RawRecord, path: &str, unique: bool) -> Result<Vec<String>, IngestError> {
    if unique {
        return parse_header(record, path);
    }
    record
        .fields()
        .enumerate()
        .map(|(i, f)| {
            std::str::from_utf8(f)
                .map(|s| s.trim().to_string())
                .map_err(|_| IngestError::HeaderEncoding {
                    path: path.to_string(),
                    column: i + 1,
                })
        })
        .collect()
}

/// The header row: names trimmed, UTF-8 required, no name twice.
pub fn parse_header(record: &RawRecord, path: &str) -> Result<Vec<String>, IngestError> {
    let mut header: Vec<String> = Vec::with_capacity(record.len());
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(record.len());
    for (i, field) in record.fields().enumerate() {
        let name = std::str::from_utf8(field).map_err(|_| IngestError::HeaderEncoding {
            path: path.to_string(),
            column: i + 1,
        })?;
        let name = name.trim().to_string();
        if let Some(&first) = seen.get(&name) {
            return Err(IngestError::DuplicateColumn {
                path: path.to_string(),
                name,
                first: first + 1,
                second: i + 1,
            });
        }
        seen.insert(name.clone(), i);
        header.push(name);
    }
    Ok(header)
}

fn parse_count(field: &[u8]) -> Result<u64, String> {
    let s = String::from_utf8_lossy(field);
    let t = s.trim();
    if t.is_empty() {
        return Err("the count is empty".into());
    }
    if let Ok(v) = t.parse::<u64>() {
        return Ok(v);
    }
    match t.parse::<f64>() {
        Ok(v) if v < 0.0 => Err(format!("count `{t}` is negative")),
        Ok(v) if v.fract() != 0.0 => Err(format!("count `{t}` is not a whole number")),
        Ok(_) => Err(format!("count `{t}` is too large")),
        Err(_) => Err(format!("count `{t}` is not a number")),
    }
}

/// Opens a file to read as data or as a pipeline, refusing up front anything that is not a
/// regular file (symbolic links are followed). A named pipe (FIFO) would block the open until
/// some writer came along, and could be read only once, while tally reads an input more than
/// once (`check` reads its header, `run` hashes and reads it, and the cache looks at its size
/// and time); a device or socket is no data file either, and a directory cannot be read.
/// The error (kind `InvalidInput`) says what the path is and what was expected.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let what = kind_of(&meta.file_type());
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {what}, not a regular file\nhint: tally reads data and pipelines from regular files (it hashes them and may read them twice); save the data to a file and name that"),
        ));
    }
    File::open(path)
}

/// "a directory", "a named pipe (FIFO)", ... for messages.
fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// SHA-256 of a file, streaming (for the pipeline file and other inputs).
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut h = HashingReader::new(open_regular(path)?, &|_| {});
    io::copy(&mut h, &mut io::sink())?;
    Ok(h.finish().0)
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A reader that hashes and counts what passes through it, reporting progress every 4 MB.
struct HashingReader<'p, R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
    on_bytes: &'p (dyn Fn(u64) + Sync),
    reported: u64,
}

impl<'p, R: Read> HashingReader<'p, R> {
    fn new(inner: R, on_bytes: &'p (dyn Fn(u64) + Sync)) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
            on_bytes,
            reported: 0,
        }
    }
    fn finish(self) -> (String, u64) {
        (hex(&self.hasher.finalize()), self.bytes)
    }
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        if self.bytes - self.reported >= 4 << 20 {
            self.reported = self.bytes;
            (self.on_bytes)(self.bytes);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn input(kind: InputKind) -> InputPlan {
        InputPlan {
            path: PathBuf::from("t.csv"),
            written: "t.csv".into(),
            kind,
            delimiter: None,
            missing: vec!["".into(), "NA".into()],
            id_column: (kind == InputKind::Respondents).then(|| "id".into()),
            count_column: (kind == InputKind::Counts).then(|| "count".into()),
            format: Format::Csv,
            encoding: decode::EncodingChoice::Auto,
            rename: Default::default(),
            multi_select: Vec::new(),
            free_text: Vec::new(),
            complete_only: true,
            rules: Vec::new(),
        }
    }

    fn ok(_: &[String]) -> Result<(), String> {
        Ok(())
    }

    #[test]
    fn every_record_is_kept_or_rejected_with_its_line() {
        let data: &[u8] = b"\xef\xbb\xbfid,o,g\r\n1,a,x\r\n2,b\r\n3,\"multi\nline\",x\r\n1,a,y\r\n4,NA,x\r\n5,a,\xff\r\n";
        let cols = vec!["o".to_string(), "g".to_string()];
        let t = read_from(data, &input(InputKind::Respondents), &cols, &ok).unwrap();
        assert_eq!(t.header, ["id", "o", "g"]);
        assert_eq!(t.records_read, 6);
        let rej: Vec<(u64, &str)> = t
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.as_ref()))
            .collect();
        assert_eq!(
            rej,
            [
                (3, "wrong number of fields"),
                (6, "duplicate respondent id"),
                (8, "invalid UTF-8")
            ]
        );
        assert_eq!(t.records_kept + t.rejected.len() as u64, t.records_read);
        assert_eq!(t.respondents, 3);
        assert!(t.rows.contains(&(vec![None, Some("x".into())], 1)));
    }

    #[test]
    fn counts_are_validated() {
        let data = "o,count\na,5\nb,-1\nc,2.5\nd,\na,7\n";
        let cols = vec!["o".to_string()];
        let t = read_from(data.as_bytes(), &input(InputKind::Counts), &cols, &ok).unwrap();
        assert_eq!(t.respondents, 12);
        assert_eq!(t.rows, vec![(vec![Some("a".into())], 12)]);
        let details: Vec<&str> = t.rejected.iter().map(|r| r.detail.as_str()).collect();
        assert_eq!(
            details,
            [
                "count `-1` is negative",
                "count `2.5` is not a whole number",
                "the count is empty"
            ]
        );
    }

    fn survey(format: Format) -> InputPlan {
        InputPlan {
            format,
            id_column: None,
            ..input(InputKind::Respondents)
        }
    }

    #[test]
    fn ids_dense_and_sparse_find_their_first_line() {
        let mut ids = IdSet::default();
        assert_eq!(ids.insert(b"7", 2), None);
        assert_eq!(ids.insert(b"0", 3), None);
        assert_eq!(ids.insert(b"7", 4), Some(2));
        assert!(matches!(ids, IdSet::Dense(_)));
        // "07" is not "7": a non-canonical id moves the set to the map, keeping every line.
        assert_eq!(ids.insert(b"07", 5), None);
        assert!(matches!(ids, IdSet::Sparse(_)));
        assert_eq!(ids.insert(b"7", 6), Some(2));
        assert_eq!(ids.insert(b"0", 7), Some(3));
        assert_eq!(ids.insert(b"R_1x", 8), None);
        assert_eq!(ids.insert(b"R_1x", 9), Some(8));
        let mut big = IdSet::default();
        assert_eq!(
            big.insert(b"99999999999", 2),
            None,
            "far beyond the dense range"
        );
        assert_eq!(big.insert(b"99999999999", 3), Some(2));
    }

    #[test]
    fn encodings_and_delimiters_are_detected() {
        let cols = vec!["o".to_string(), "g".to_string()];
        // Windows-1252 with semicolons, as Excel saves it in European locales.
        let t = read_from(
            &b"id;o;g\r\n1;Don\x92t know;caf\xe9\r\n2;a;b\r\n"[..],
            &input(InputKind::Respondents),
            &cols,
            &ok,
        )
        .unwrap();
        assert_eq!((t.encoding.as_ref(), t.delimiter), ("Windows-1252", b';'));
        assert!(t.warnings[0].contains("t.csv: not valid UTF-8 (byte 0x92 on line 2)"));
        assert_eq!(
            t.rows[0].0,
            [Some("Don\u{2019}t know".into()), Some("caf\u{e9}".into())]
        );
        // UTF-16 LE with a mark, tab-separated.
        let bytes: Vec<u8> = b"\xff\xfe"
            .iter()
            .copied()
            .chain(
                "id\to\tg\n1\t\u{e9}\tx\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        let t = read_from(&bytes[..], &input(InputKind::Respondents), &cols, &ok).unwrap();
        assert_eq!((t.encoding.as_ref(), t.delimiter), ("UTF-16LE", b'\t'));
        assert_eq!(t.rows[0].0, [Some("\u{e9}".into()), Some("x".into())]);
        // Binary data is refused with its offset.
        let e = read_from(
            &b"PK\x03\x04\0\0"[..],
            &input(InputKind::Respondents),
            &cols,
            &ok,
        )
        .unwrap_err();
        assert!(e.to_string().contains("NUL byte at byte 4"), "{e}");
    }

    #[test]
    fn qualtrics_header_rows_completeness_and_breakout_multi_select() {
        let data = "Finished,Status,ResponseId,Q4_1,Q4_2,Q4_3_TEXT,Q5\n\
            Finished,Response Type,Response ID,Which got worse? - Selected Choice - Fatigue,Which got worse? - Selected Choice - Pain,Which got worse? - Other - Text,Severity\n\
            \"{\"\"ImportId\"\":\"\"finished\"\"}\",x,x,x,x,x,x\n\
            1,IP Address,R_1,1,,my words,Mild\n\
            1,IP Address,R_2,,1,,Severe\n\
            1,IP Address,R_3,,,,Severe\n\
            0,IP Address,R_4,1,1,,Mild\n\
            1,Survey Preview,R_5,1,,,Mild\n";
        let mut plan = survey(Format::Qualtrics);
        plan.rename.insert("Q4".into(), "worse".into());
        plan.multi_select.push(crate::plan::MultiSelect {
            name: "worse".into(),
            choices: None,
            separator: None,
            other: false,
        });
        let cols = vec![
            "worse/Fatigue".to_string(),
            "worse/Pain".to_string(),
            "Q5".to_string(),
        ];
        let t = read_from(data.as_bytes(), &plan, &cols, &ok).unwrap();
        assert_eq!(t.records_read, 5);
        let rej: Vec<(u64, &str)> = t
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.as_ref()))
            .collect();
        assert_eq!(rej, [(7, "incomplete response"), (8, "survey preview")]);
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            t.rows,
            [
                (vec![s("1"), s("0"), s("Mild")], 1),
                (vec![s("0"), s("1"), s("Severe")], 1),
                (vec![None, None, s("Severe")], 1),
            ]
        );
        // Free text is refused by name, and withheld from verbatim records.
        let e = read_from(data.as_bytes(), &plan, &["Q4_3_TEXT".to_string()], &ok).unwrap_err();
        assert!(e.to_string().contains("is free text"), "{e}");
        assert!(t.rejected[0].record.contains("[withheld: free text]"));
    }

    #[test]
    fn google_forms_joined_cells_and_rules() {
        let data = "Timestamp,Which got worse?,Age\n\
            t,\"Fatigue, Brain fog, memory or concentration\",30\n\
            t,\"Pain, walking hurts, a lot\",41\n\
            t,,52\n\
            t,Pain,15\n\
            t,Pain,abc\n";
        let mut plan = survey(Format::GoogleForms);
        plan.rename
            .insert("Which got worse?".into(), "worse".into());
        plan.multi_select.push(crate::plan::MultiSelect {
            name: "worse".into(),
            choices: Some(vec![
                "Fatigue".into(),
                "Brain fog, memory or concentration".into(),
                "Pain".into(),
            ]),
            separator: None,
            other: true,
        });
        plan.rules.push(crate::plan::Rule {
            column: "Age".into(),
            allowed: None,
            range: Some((16.0, 120.0)),
            integer: true,
            required: false,
        });
        let cols: Vec<String> = [
            "worse/Brain fog, memory or concentration",
            "worse/Pain",
            "worse/Other",
        ]
        .map(String::from)
        .to_vec();
        let t = read_from(data.as_bytes(), &plan, &cols, &ok).unwrap();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            t.rows,
            [
                (vec![s("1"), s("0"), s("0")], 1),
                (vec![s("0"), s("1"), s("1")], 1),
                (vec![None, None, None], 1),
            ]
        );
        let rej: Vec<(u64, &str)> = t
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.as_ref()))
            .collect();
        assert_eq!(rej, [(5, "outside range"), (6, "not a number")]);
        assert!(
            !t.rejected[0].detail.contains("15"),
            "details never repeat a value"
        );
    }

    #[test]
    fn empty_and_header_only_files_are_errors() {
        let cols = vec![];
        let e = read_from("".as_bytes(), &input(InputKind::Counts), &cols, &ok).unwrap_err();
        assert!(e.to_string().contains("is empty"));
        let e = read_from(
            "o,count\n".as_bytes(),
            &input(InputKind::Counts),
            &cols,
            &ok,
        )
        .unwrap_err();
        assert!(e.to_string().contains("no data rows"));
        let e = read_from(
            "o,o\n1,2\n".as_bytes(),
            &input(InputKind::Counts),
            &cols,
            &ok,
        )
        .unwrap_err();
        assert!(e.to_string().contains("appears twice"));
    }
}
