//! Opening an input: everything read before the first data record. The first bytes give the
//! encoding ([`super::decode`]) and the delimiter ([`super::sniff`]); then come the header
//! rows (one, or more for the survey formats), which name the columns ([`super::layout`]).

use std::collections::HashMap;
use std::io::{self, Read};

use super::csvread::{self, CsvReader, RawRecord};
use super::formats::{self, Format};
use super::layout::Layout;
use super::{decode, sniff, IngestError};
use crate::plan::InputPlan;

/// An input as UTF-8: the sample read ahead, then the rest, through the decoder.
type Decoded<'r> = io::Chain<io::Cursor<Vec<u8>>, Box<dyn Read + Send + 'r>>;

/// The record reader of an opened input.
pub(super) type Records<'r> = CsvReader<io::BufReader<Decoded<'r>>>;

/// An input opened past its header rows.
pub(super) struct Opened<'r> {
    pub rdr: Records<'r>,
    /// The first data record was read while looking for header rows.
    pub pending: Option<RawRecord>,
    pub layout: Layout,
    pub encoding: decode::TextEncoding,
    pub delimiter: u8,
    pub sniffed: Option<u8>,
    pub first_row_width: usize,
    pub warnings: Vec<String>,
}

/// Detects the encoding, sniffs the delimiter, reads the header rows and names the columns.
pub(super) fn open<'r, R: Read + Send + 'r>(
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

impl Opened<'_> {
    /// The caller's message refusing the header, with what may explain it: a delimiter that
    /// looks wrong, and the warnings so far (an encoding guess).
    pub(super) fn explain(&self, mut message: String) -> String {
        if self.first_row_width == 1 {
            if let Some(d) = self.sniffed.filter(|&d| d != self.delimiter) {
                message.push_str(&format!(
                    "\nhint: the header has one column when split on {}, but the file looks {}-separated; set `input.delimiter = \"auto\"` or `\"{}\"`",
                    sniff::name(self.delimiter),
                    sniff::name(d),
                    if d == b'\t' { "tab".to_string() } else { (d as char).to_string() }
                ));
            }
        }
        for w in &self.warnings {
            message.push_str(&format!("\nnote: {w}"));
        }
        message
    }
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
