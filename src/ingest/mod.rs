//! The only place that reads data files, the first stage of the spine. A CSV (respondents
//! or counts, plain or a survey tool's export) is read once, streaming, into a [`Table`]: the
//! distinct tuples of the columns the pipeline needs, each with its count of respondents.
//! Every record is either kept or rejected with its line and reason; nothing is dropped
//! silently. What the values mean (recodes, exclusions) is `validate`'s, the next stage.
//!
//! Blank lines are not records (the CSV reader skips them); quoted newlines stay inside
//! their field, and a record's line is the line it starts on.
//!
//! One read, in the order the bytes go:
//!
//! - `digest`: the SHA-256 and size of the file, from the bytes as they are read;
//! - [`decode`]: the encoding, detected and decoded to UTF-8 (the one home of encoding_rs);
//! - [`sniff`]: the delimiter; `csvread`: the record splitter (quote-aware, with lines);
//! - `open`: the header rows, and `layout` with [`formats`]: the columns as the pipeline
//!   names them (survey-tool exports, multi-select indicators, free text fenced off);
//! - `reader`: the reading thread, which sends the records over in batches;
//! - `builder`: each record checked (`ids`: duplicate respondent ids), its values coded
//!   (`intern`), and counted into its tuple or rejected;
//! - `parallel`: for a large UTF-8 file of respondents, the same in blocks on every core,
//!   merged in file order into exactly the serial path's table (`TALLY_INGEST_BLOCK`
//!   overrides when: `serial`, or a block size in bytes).
//!
//! The caller gives the checks that are the pipeline's, not the file's: whether the header
//! has the columns needed, and the value checks of the `[validate]` rules ([`ValueCheck`],
//! built by `validate::rules`), so that this module needs nothing from the later stages.

use std::borrow::Cow;
use std::io::{self, Read};

use crate::files::open_regular;
use std::path::Path;

use indexmap::IndexMap;

mod builder;
mod columnar;
mod csvread;
pub mod decode;
mod digest;
pub mod formats;
mod ids;
mod intern;
mod layout;
mod open;
mod parallel;
mod reader;
pub mod sniff;
#[cfg(test)]
mod tests;

pub use csvread::{without_bom, CsvReader, RawRecord};
pub use digest::{sha256_file, sha256_hex};
pub use open::parse_header;

use crate::plan::InputPlan;

/// A raw value of a needed column: `None` when the cell is one of the missing tokens.
pub type RawValue = Option<String>;

/// A published percentage of a percentages table, as read: the count derived from it is
/// its tuple's count in [`Table::rows`] (checked by [`crate::validate::percentages`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Figure {
    /// The line the record starts on.
    pub line: u64,
    /// Its tuple of raw values (as in [`Table::rows`]).
    pub values: Vec<RawValue>,
    pub percent: crate::stats::published::Percent,
    /// The respondents it is a percentage of.
    pub base: u64,
    /// The count derived from it (rounded half up).
    pub derived: u64,
    /// A published total of groups (`input.total`): checked against their sum, not data.
    pub total: bool,
}

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
    /// Percentages tables: every published figure, in file order (empty otherwise).
    #[serde(default)]
    pub figures: Vec<Figure>,
    /// Weighted surveys: the Σw and Σw² of each tuple of `rows`, in its order (empty when
    /// unweighted).
    #[serde(default)]
    pub sums: Vec<[f64; 2]>,
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

/// A check of one column's values, run on each record after the reader's own (a record
/// must be whole, with text values): the pipeline's `[validate]` rules, built by
/// `validate::rules`. A record whose value fails is rejected with the reason and detail it
/// returns; the checks run in order, and the first failure is the record's reason.
pub struct ValueCheck<'a> {
    /// The column checked (a column of the input, as the pipeline names it).
    pub column: &'a str,
    /// The value (`None` = missing) to the counted reason and the detail, on failure.
    pub check: Box<CheckFn<'a>>,
}

/// The function of a [`ValueCheck`].
pub type CheckFn<'a> = dyn Fn(Option<&str>) -> Option<Refusal> + Sync + 'a;

/// Why a record is rejected: the counted reason (a short category) and the detail (see
/// [`Rejected`]).
pub type Refusal = (&'static str, String);

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
    /// A Parquet or Arrow IPC file that cannot be read (`columnar`).
    #[error("{path}: {message}")]
    Columnar { path: String, message: String },
}

/// Reads an input file. `columns` are the needed columns; `checks` are run on their values
/// (and on other columns' values); `check_header` lets the caller refuse a header that
/// lacks some columns (it returns the message to give); `on_bytes` hears of the progress.
pub fn read(
    input: &InputPlan,
    columns: &[String],
    checks: &[ValueCheck<'_>],
    check_header: &dyn Fn(&[String]) -> Result<(), String>,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<Table, IngestError> {
    if input.format.is_columnar() {
        return columnar::read(input, columns, checks, check_header, on_bytes);
    }
    let path_s = input.written.clone();
    let file = open_regular(&input.path).map_err(|e| IngestError::Open {
        path: display(&input.path, &path_s),
        source: e,
    })?;
    let parallel = file
        .metadata()
        .ok()
        .and_then(|m| parallel::Plan::for_file(m.len()));
    let mut hashing = digest::HashingReader::new(file, on_bytes);
    let read = ingest(&mut hashing, input, columns, checks, check_header, parallel)?;
    let mut table = match read {
        Some(table) => table,
        // A block's cut fell inside a quoted field: the file again, serially.
        None => {
            let file = open_regular(&input.path).map_err(|e| IngestError::Open {
                path: display(&input.path, &path_s),
                source: e,
            })?;
            hashing = digest::HashingReader::new(file, on_bytes);
            ingest(&mut hashing, input, columns, checks, check_header, None)?
                .ok_or_else(|| serial_gave_up(&path_s))?
        }
    };
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

/// The column names a pipeline may use in an input, reading only its header rows (for
/// `tally check`). A column read (see [`InputPlan::columns_read`]) that is free text or an
/// identifier is an error, as in [`read_from`].
pub fn read_header(input: &InputPlan, columns: &[String]) -> Result<Vec<String>, IngestError> {
    if input.format.is_columnar() {
        return columnar::read_header(input, columns);
    }
    let file = open_regular(&input.path).map_err(|e| IngestError::Open {
        path: display(&input.path, &input.written),
        source: e,
    })?;
    let opened = open::open(file, input)?;
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

/// A column a format fences off: its name and what it is ("free text", "a direct
/// identifier").
pub type Fenced = (String, &'static str);

/// The columns of an input as [`read_header`] offers them, and those its format fences off
/// (free text and direct identifiers of a survey-tool export, never read), each with what
/// it is (for `tally init`, which names them without reading them).
pub fn read_columns(input: &InputPlan) -> Result<(Vec<String>, Vec<Fenced>), IngestError> {
    if input.format.is_columnar() {
        return columnar::read_columns(input);
    }
    let file = open_regular(&input.path).map_err(|e| IngestError::Open {
        path: display(&input.path, &input.written),
        source: e,
    })?;
    let opened = open::open(file, input)?;
    let fenced = opened
        .layout
        .columns
        .iter()
        .filter_map(|c| c.protected.map(|p| (c.name.clone(), p.describe())))
        .collect();
    Ok((opened.layout.available(), fenced))
}

/// Reads CSV bytes from any reader (the testable core of [`read`]; the table's `source` is
/// left for the caller to fill in).
pub fn read_from<'r, R: Read + Send + 'r>(
    reader: R,
    input: &InputPlan,
    columns: &[String],
    checks: &[ValueCheck<'_>],
    check_header: &dyn Fn(&[String]) -> Result<(), String>,
) -> Result<Table, IngestError> {
    ingest(reader, input, columns, checks, check_header, None)?
        .ok_or_else(|| serial_gave_up(&input.written))
}

/// The serial path never asks to be read again; should it, an error rather than a panic.
fn serial_gave_up(path: &str) -> IngestError {
    IngestError::Read {
        path: path.to_string(),
        source: io::Error::other("the serial reader asked for a second read (a bug)"),
    }
}

/// [`read_from`], on the data-parallel path of [`parallel`] when `parallel` is given and
/// the input allows it (UTF-8 text, one respondent a record, no weights); `None` when that
/// path found a cut inside a quoted field and the input must be read again serially.
fn ingest<'r, R: Read + Send + 'r>(
    reader: R,
    input: &InputPlan,
    columns: &[String],
    checks: &[ValueCheck<'_>],
    check_header: &dyn Fn(&[String]) -> Result<(), String>,
    parallel: Option<parallel::Plan>,
) -> Result<Option<Table>, IngestError> {
    let path = input.written.clone();
    let mut opened = open::open(reader, input)?;
    let layout = &opened.layout;
    let available = layout.available();
    if let Some(message) = input.columns_read(columns).find_map(|c| layout.refuse(c)) {
        return Err(IngestError::Columns { path, message });
    }
    check_header(&available).map_err(|message| IngestError::Columns {
        path: path.clone(),
        message: opened.explain(message),
    })?;
    let warnings = std::mem::take(&mut opened.warnings);
    let mut builder =
        builder::TableBuilder::new(input, layout, columns, checks, opened.delimiter, warnings)?;
    if let Some(r) = opened.pending.take() {
        builder.add(&r)?;
    }
    let read_error = |e: io::Error| IngestError::Read {
        path: path.clone(),
        source: e,
    };
    let parallel =
        parallel.filter(|_| opened.encoding == decode::TextEncoding::Utf8 && builder.mergeable());
    let (tally, blank_lines) = match parallel {
        Some(plan) => {
            let (line, skip_lf, blank) = opened.rdr.position();
            let rest = opened.rdr.into_inner();
            match parallel::run(rest, line, skip_lf, opened.delimiter, &mut builder, plan)? {
                parallel::Outcome::Again => return Ok(None),
                parallel::Outcome::Done(merged) => {
                    let blank_lines = blank + merged.blank_lines;
                    (builder.finish().append(merged), blank_lines)
                }
            }
        }
        None => {
            let blank_lines = reader::for_each_record(opened.rdr, read_error, |r| builder.add(r))?;
            (builder.finish(), blank_lines)
        }
    };
    if tally.records_read == 0 {
        return Err(IngestError::NoRows { path });
    }
    Ok(Some(Table {
        source: Source {
            written: path,
            sha256: String::new(),
            bytes: 0,
        },
        header: available,
        columns: columns.to_vec(),
        questions: opened.layout.questions(columns),
        rows: tally.rows,
        records_read: tally.records_read,
        records_kept: tally.records_read - tally.rejected.len() as u64,
        blank_lines,
        respondents: tally.respondents,
        rejected: tally.rejected,
        format: Cow::Borrowed(input.format.name()),
        encoding: Cow::Borrowed(opened.encoding.name()),
        delimiter: opened.delimiter,
        delimiter_sniffed: input.delimiter.is_none(),
        warnings: tally.warnings,
        figures: tally.figures,
        sums: tally.sums,
    }))
}
