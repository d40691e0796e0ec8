//! The only place that reads data files. A CSV (respondents or counts) is read once,
//! streaming, into the distinct tuples of the columns the pipeline needs, each with its
//! count of respondents. Every record is either kept or rejected with its line and reason;
//! nothing is dropped silently.
//!
//! Blank lines are not records (the CSV reader skips them); quoted newlines stay inside
//! their field, and a record's line is the line it starts on.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use indexmap::IndexMap;
use sha2::{Digest, Sha256};

mod csvread;

pub use csvread::{without_bom, CsvReader, RawRecord};

#[cfg(test)]
use crate::plan::InputKind;
use crate::plan::InputPlan;

/// A raw value of a needed column: `None` when the cell is one of the missing tokens.
pub type RawValue = Option<String>;

/// A rejected record, kept verbatim for `rejected.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// The line the record starts on (the header is line 1).
    pub line: u64,
    /// The counted reason (a short category, e.g. "wrong number of fields").
    pub reason: &'static str,
    /// Details for this record, e.g. "expected 12 fields, found 9".
    pub detail: String,
    /// The record as read, fields re-joined with the delimiter.
    pub record: String,
}

/// Identity of an input file, for the manifest and the report's provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The path as written in the pipeline.
    pub written: String,
    pub sha256: String,
    pub bytes: u64,
}

/// A data file reduced to what the pipeline needs.
#[derive(Debug, Clone)]
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
}

impl Table {
    /// Rejections counted by reason, in first-seen order.
    pub fn rejected_by_reason(&self) -> IndexMap<&'static str, u64> {
        let mut m = IndexMap::new();
        for r in &self.rejected {
            *m.entry(r.reason).or_insert(0) += 1;
        }
        m
    }
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot open {path}: {source}")]
    Open { path: String, source: io::Error },
    #[error("{path} is empty: expected a header row naming the columns")]
    Empty { path: String },
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
) -> Result<Table, IngestError> {
    let path_s = input.written.clone();
    let file = File::open(&input.path).map_err(|e| IngestError::Open {
        path: display(&input.path, &path_s),
        source: e,
    })?;
    let mut hashing = HashingReader::new(file);
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

/// Reads CSV bytes from any reader (the testable core of [`read`]).
pub fn read_from<R: Read>(
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
    let reader = csvread::without_bom(reader).map_err(io_err)?;
    let mut rdr = CsvReader::new(
        io::BufReader::with_capacity(1 << 18, reader),
        input.delimiter,
    );

    let mut record = RawRecord::default();
    if !rdr.read_record(&mut record).map_err(io_err)? {
        return Err(IngestError::Empty { path });
    }
    let header = parse_header(&record, &path)?;
    check_header(&header).map_err(|message| IngestError::Columns {
        path: path.clone(),
        message,
    })?;
    let index: Vec<usize> = columns
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h == c)
                .expect("checked by check_header")
        })
        .collect();
    let count_index = input.count_column.as_ref().map(|c| {
        header
            .iter()
            .position(|h| h == c)
            .expect("checked by check_header")
    });
    let id_index = input.id_column.as_ref().map(|c| {
        header
            .iter()
            .position(|h| h == c)
            .expect("checked by check_header")
    });

    let mut tuples: HashMap<Vec<RawValue>, usize> = HashMap::new();
    let mut rows: Vec<(Vec<RawValue>, u64)> = Vec::new();
    let mut seen_ids: HashMap<Vec<u8>, u64> = HashMap::new();
    let mut rejected = Vec::new();
    let mut records_read = 0u64;
    let mut respondents = 0u64;
    let width = header.len();
    let delimiter = input.delimiter as char;

    while rdr.read_record(&mut record).map_err(io_err)? {
        records_read += 1;
        let line = record.line;
        let reject = |reason: &'static str, detail: String| Rejected {
            line,
            reason,
            detail,
            record: record
                .fields()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect::<Vec<_>>()
                .join(&delimiter.to_string()),
        };
        if record.unterminated_quote {
            rejected.push(reject(
                "unterminated quote",
                "a quoted field is still open at the end of the file".into(),
            ));
            continue;
        }
        if record.len() != width {
            rejected.push(reject(
                "wrong number of fields",
                format!("expected {width} fields, found {}", record.len()),
            ));
            continue;
        }
        let mut values = Vec::with_capacity(index.len());
        let mut bad = None;
        for (&i, name) in index.iter().zip(columns) {
            match std::str::from_utf8(record.field(i)) {
                Ok(s) => {
                    if s.contains('\0') {
                        bad = Some((
                            "NUL byte in a field",
                            format!("column `{name}` contains a NUL byte"),
                        ));
                        break;
                    }
                    values.push(if input.missing.iter().any(|m| m == s) {
                        None
                    } else {
                        Some(s.to_string())
                    });
                }
                Err(e) => {
                    bad = Some((
                        "invalid UTF-8",
                        format!("column `{name}`: invalid UTF-8 at byte {}", e.valid_up_to()),
                    ));
                    break;
                }
            }
        }
        if let Some((reason, detail)) = bad {
            rejected.push(reject(reason, detail));
            continue;
        }
        let weight = match count_index {
            None => 1,
            Some(ci) => match parse_count(record.field(ci)) {
                Ok(c) => c,
                Err(detail) => {
                    rejected.push(reject("invalid count", detail));
                    continue;
                }
            },
        };
        if let Some(ii) = id_index {
            let id = record.field(ii).to_vec();
            if let Some(first) = seen_ids.get(&id) {
                rejected.push(reject(
                    "duplicate respondent id",
                    format!(
                        "id `{}` was first seen on line {first}",
                        String::from_utf8_lossy(&id)
                    ),
                ));
                continue;
            }
            seen_ids.insert(id, line);
        }
        respondents += weight;
        match tuples.get(&values) {
            Some(&at) => rows[at].1 += weight,
            None => {
                tuples.insert(values.clone(), rows.len());
                rows.push((values, weight));
            }
        }
    }
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
        header,
        columns: columns.to_vec(),
        rows,
        records_read,
        records_kept,
        blank_lines: rdr.blank_lines,
        respondents,
        rejected,
    })
}

/// The header row: names trimmed, UTF-8 required, no name twice.
pub fn parse_header(record: &RawRecord, path: &str) -> Result<Vec<String>, IngestError> {
    let mut header: Vec<String> = Vec::with_capacity(record.len());
    for (i, field) in record.fields().enumerate() {
        let name = std::str::from_utf8(field).map_err(|_| IngestError::HeaderEncoding {
            path: path.to_string(),
            column: i + 1,
        })?;
        let name = name.trim().to_string();
        if let Some(first) = header.iter().position(|h| h == &name) {
            return Err(IngestError::DuplicateColumn {
                path: path.to_string(),
                name,
                first: first + 1,
                second: i + 1,
            });
        }
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

/// SHA-256 of a file, streaming (for the pipeline file and other inputs).
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut h = HashingReader::new(File::open(path)?);
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

/// A reader that hashes and counts what passes through it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> HashingReader<R> {
    fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }
    fn finish(self) -> (String, u64) {
        (hex(&self.hasher.finalize()), self.bytes)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
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
            delimiter: b',',
            missing: vec!["".into(), "NA".into()],
            id_column: (kind == InputKind::Respondents).then(|| "id".into()),
            count_column: (kind == InputKind::Counts).then(|| "count".into()),
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
        let rej: Vec<(u64, &str)> = t.rejected.iter().map(|r| (r.line, r.reason)).collect();
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
