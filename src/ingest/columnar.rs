//! Columnar inputs: Parquet and Arrow IPC (Feather v2) files, read through polars' lazy
//! scan, the one home of polars. A columnar file gives the same [`Table`] a CSV file with
//! the same values gives: its rows become the records the CSV path's builder checks and
//! counts (`builder`), so that recodes, `[validate]` rules, rejections and the row
//! accounting are the CSV path's own.
//!
//! The read, in order:
//!
//! 1. the file's SHA-256 and size, from its bytes (as for CSV; the progress bar follows it);
//! 2. its marks: a Parquet file starts and ends with `PAR1`, an Arrow IPC file with
//!    `ARROW1`; an empty file, a truncated one (no end mark), CSV text under a Parquet name
//!    or an Arrow stream are refused here, naming the file, before polars sees them;
//! 3. its schema (the Arrow schema, read from the footer): the column names become the
//!    header (`layout`, as a plain CSV header: `input.rename`, `free_text` and joined
//!    multi-select questions apply), and a missing column is refused by the caller's header
//!    check with its did-you-mean, as for CSV. Each column read must have a type that reads
//!    as text (below); a date, list, struct, binary or decimal column is refused naming the
//!    column and its type;
//! 4. the scan, projected to the columns the pipeline reads (the analysed, id, count,
//!    weight, design and `[validate]` columns: no other column is decoded), collected one slice of [`BATCH`] rows at a time (the scan skips the row
//!    groups before a slice), each turned into records and counted, so that memory stays at
//!    one slice whatever the file's size; the rows seen are checked against the row count
//!    of the file's metadata.
//!
//! A value becomes the raw text a CSV cell would hold: integers as digits, floats in their
//! shortest round-trip form with no trailing `.0` (`2.0` is `2`, `0.1` is `0.1`, from an
//! `f32` `0.1`, not `0.10000000149011612`), booleans as `true` / `false`, strings and
//! categoricals as their text, and a null as the empty cell (missing under the default
//! `missing`). An integral float prints as an integer because a column of integer codes
//! with gaps is commonly stored as floats (pandas turns integers with missing values into
//! `float64`): its values then read as the CSV's `2`, and recodes written `"2"` apply.
//! Numbers are parsed where the CSV path parses them (counts, weights, `[validate]` ranges),
//! so a count stored as a string column reads, or is rejected, exactly as in a CSV file.
//!
//! Rows have no lines: a rejected row is named by its **row number** (1-based, data rows
//! only: the first row is row 1), and `rejected.csv` calls its first column `row`. The
//! record a rejected row shows (internal runs) is the columns read, comma-joined in the
//! file's order, not the whole row.
//!
//! polars reports a corrupt file as an error, which names the file here. Some of its
//! failures are panics (a column type this build does not compile, a broken page): the
//! scan runs under [`std::panic::catch_unwind`], so that they too end in a message naming
//! the file and exit 1, never a crash (the panic's own message may show on stderr first).

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

use polars::prelude::{
    self as pl, ArrowDataType, Column, DataType, IpcScanOptions, LazyFrame, ScanArgsParquet,
    ScanSources, SerReader, UnifiedScanArgs,
};

use super::csvread::RawRecord;
use super::layout::{Extract, Layout};
use super::{builder, digest, display, Fenced, IngestError, Source, Table, ValueCheck};
use crate::files::open_regular;
use crate::plan::{Format, InputPlan, WeightSource};

/// Rows per batch of the streaming scan.
pub const BATCH: usize = 1 << 18;

/// A columnar file's columns: names in file order, each with its Arrow type.
struct FileSchema {
    names: Vec<String>,
    types: Vec<ArrowDataType>,
}

/// Reads a Parquet or Arrow IPC input (see the module doc): the columnar side of
/// [`super::read`].
pub(super) fn read(
    input: &InputPlan,
    columns: &[String],
    checks: &[ValueCheck<'_>],
    check_header: &dyn Fn(&[String]) -> Result<(), String>,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<Table, IngestError> {
    let path = input.written.clone();
    let mut file = open(input)?;
    let (sha256, bytes) = {
        let mut hashing = digest::HashingReader::new(io::BufReader::new(&mut file), on_bytes);
        io::copy(&mut hashing, &mut io::sink()).map_err(|e| IngestError::Read {
            path: path.clone(),
            source: e,
        })?;
        hashing.finish()
    };
    check_marks(&mut file, input.format, bytes, &path)?;
    let schema = guarded(input, || file_schema(&file, input.format))?;
    let layout = Layout::new(input, std::slice::from_ref(&schema.names)).map_err(|message| {
        IngestError::Columns {
            path: path.clone(),
            message,
        }
    })?;
    let available = layout.available();
    if let Some(message) = input.columns_read(columns).find_map(|c| layout.refuse(c)) {
        return Err(IngestError::Columns { path, message });
    }
    check_header(&available).map_err(|message| IngestError::Columns {
        path: path.clone(),
        message,
    })?;
    let wanted = sources_read(input, &layout, columns, checks, &path)?;
    let mut warnings = Vec::new();
    for &i in &wanted {
        check_type(input, &schema, i, &mut warnings)?;
    }
    check_skippable(input, &schema)?;
    // The layout of the projected columns alone: the records hold only those fields.
    let projected: Vec<String> = wanted.iter().map(|&i| schema.names[i].clone()).collect();
    let sub_input = projected_input(input, &projected);
    let sub_layout =
        Layout::new(&sub_input, std::slice::from_ref(&projected)).map_err(|message| {
            IngestError::Columns {
                path: path.clone(),
                message,
            }
        })?;
    let mut builder =
        builder::TableBuilder::new(&sub_input, &sub_layout, columns, checks, b',', warnings)?;
    let rows = guarded(input, || {
        scan_into(
            &file,
            &input.path,
            input.format,
            &projected,
            &path,
            &mut builder,
        )
    })?;
    let mut tally = builder.finish();
    if rows == 0 {
        return Err(IngestError::Columnar {
            path,
            message: "the file has no rows".into(),
        });
    }
    for r in &mut tally.rejected {
        r.detail = r.detail.replace(" on line ", " on row ");
    }
    Ok(Table {
        source: Source {
            written: path,
            sha256,
            bytes,
        },
        header: available,
        columns: columns.to_vec(),
        questions: Vec::new(),
        rows: tally.rows,
        records_read: tally.records_read,
        records_kept: tally.records_read - tally.rejected.len() as u64,
        blank_lines: 0,
        respondents: tally.respondents,
        rejected: tally.rejected,
        format: Cow::Borrowed(input.format.name()),
        encoding: Cow::Borrowed("UTF-8"),
        delimiter: b',',
        delimiter_sniffed: false,
        warnings: tally.warnings,
        figures: tally.figures,
        sums: tally.sums,
    })
}

/// The column names a pipeline may use in a columnar input (see [`super::read_header`]).
pub(super) fn read_header(
    input: &InputPlan,
    columns: &[String],
) -> Result<Vec<String>, IngestError> {
    let layout = read_layout(input)?;
    if let Some(message) = input.columns_read(columns).find_map(|c| layout.refuse(c)) {
        return Err(IngestError::Columns {
            path: input.written.clone(),
            message,
        });
    }
    Ok(layout.available())
}

/// The columns of a columnar input and those fenced off (see [`super::read_columns`]).
pub(super) fn read_columns(input: &InputPlan) -> Result<(Vec<String>, Vec<Fenced>), IngestError> {
    let layout = read_layout(input)?;
    let fenced = layout
        .columns
        .iter()
        .filter_map(|c| c.protected.map(|p| (c.name.clone(), p.describe())))
        .collect();
    Ok((layout.available(), fenced))
}

/// The layout of a columnar file's schema, read from its footer alone.
fn read_layout(input: &InputPlan) -> Result<Layout, IngestError> {
    let mut file = open(input)?;
    let bytes = file
        .metadata()
        .map_err(|e| IngestError::Read {
            path: input.written.clone(),
            source: e,
        })?
        .len();
    check_marks(&mut file, input.format, bytes, &input.written)?;
    let schema = guarded(input, || file_schema(&file, input.format))?;
    Layout::new(input, std::slice::from_ref(&schema.names)).map_err(|message| {
        IngestError::Columns {
            path: input.written.clone(),
            message,
        }
    })
}

fn open(input: &InputPlan) -> Result<File, IngestError> {
    open_regular(&input.path).map_err(|e| IngestError::Open {
        path: display(&input.path, &input.written),
        source: e,
    })
}

/// Runs polars under `catch_unwind`: an error or a panic becomes a message naming the file.
fn guarded<T>(input: &InputPlan, f: impl FnOnce() -> Result<T, Failure>) -> Result<T, IngestError> {
    let what = kind_name(input.format);
    let path = input.written.clone();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(Failure::Ingest(e))) => Err(e),
        Ok(Err(Failure::Polars(e))) => Err(IngestError::Columnar {
            path,
            message: format!(
                "cannot read it as {what}: {}\nhint: the file may be damaged or truncated; write it again from its source",
                first_line(&e.to_string())
            ),
        }),
        Err(payload) => {
            let said = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(IngestError::Columnar {
                path,
                message: format!(
                    "cannot read it as {what}: the reader failed ({})\nhint: the file may be damaged, or use a column type tally cannot read; write it again with text, number and boolean columns",
                    first_line(&said)
                ),
            })
        }
    }
}

/// Why the polars part of a read failed.
enum Failure {
    /// Polars' own error, worded by [`guarded`].
    Polars(pl::PolarsError),
    /// A record's error from the builder (a count total beyond `u64`), or ours.
    Ingest(IngestError),
}

impl From<pl::PolarsError> for Failure {
    fn from(e: pl::PolarsError) -> Self {
        Failure::Polars(e)
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("").trim()
}

/// "a Parquet file", "an Arrow IPC file".
fn kind_name(format: Format) -> &'static str {
    match format {
        Format::Arrow => "an Arrow IPC file",
        _ => "a Parquet file",
    }
}

/// Refuses, before polars reads it, a file that cannot be of its format: empty, without
/// the format's marks at its start and end (truncated, or another kind of file).
fn check_marks(file: &mut File, format: Format, bytes: u64, path: &str) -> Result<(), IngestError> {
    let fail = |message: String| IngestError::Columnar {
        path: path.to_string(),
        message,
    };
    let io_err = |e: io::Error| IngestError::Read {
        path: path.to_string(),
        source: e,
    };
    let (mark, name): (&[u8], _) = match format {
        Format::Arrow => (b"ARROW1", "Arrow IPC"),
        _ => (b"PAR1", "Parquet"),
    };
    if bytes == 0 {
        return Err(fail(format!(
            "the file is empty (0 bytes): expected a {name} file"
        )));
    }
    let mut head = vec![0u8; (bytes.min(512)) as usize];
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    file.read_exact(&mut head).map_err(io_err)?;
    let mut tail = vec![0u8; mark.len().min(bytes as usize)];
    file.seek(SeekFrom::End(-(tail.len() as i64)))
        .map_err(io_err)?;
    file.read_exact(&mut tail).map_err(io_err)?;
    if !head.starts_with(mark) {
        let other = if head.starts_with(b"PAR1") {
            Some(("a Parquet file", "parquet"))
        } else if head.starts_with(b"ARROW1") {
            Some(("an Arrow IPC file", "arrow"))
        } else {
            None
        };
        let looks = match other {
            Some((what, fmt)) => format!("it is {what}\nhint: set `input.format = \"{fmt}\"`"),
            None if head.starts_with(&[0xff, 0xff, 0xff, 0xff]) => {
                "it looks like an Arrow IPC stream, which tally does not read\nhint: write the Arrow IPC file format (Feather v2), e.g. pyarrow.feather.write_feather or polars' write_ipc".to_string()
            }
            None if head.starts_with(b"FEA1") => {
                "it is a Feather version 1 file\nhint: write Feather version 2 (the Arrow IPC file format)".to_string()
            }
            None if looks_like_text(&head) => {
                "it looks like text (a CSV file?)\nhint: set `input.format = \"csv\"` (or leave `format` out and name the file .csv)".to_string()
            }
            None => "it is some other kind of file".to_string(),
        };
        return Err(fail(format!(
            "not a {name} file: it does not start with the {name} mark `{}`; {looks}",
            String::from_utf8_lossy(mark)
        )));
    }
    if bytes < 2 * mark.len() as u64 || !tail.ends_with(mark) {
        return Err(fail(format!(
            "the {name} file is truncated or damaged: it does not end with the mark `{}` ({bytes} bytes)\nhint: copy or write the file again; it may have been cut short",
            String::from_utf8_lossy(mark)
        )));
    }
    Ok(())
}

/// Printable UTF-8 (with tabs and line ends) in the first bytes.
fn looks_like_text(head: &[u8]) -> bool {
    let s = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) => match std::str::from_utf8(&head[..e.valid_up_to()]) {
            Ok(s) if head.len() - e.valid_up_to() < 4 => s,
            _ => return false,
        },
    };
    !s.is_empty()
        && s.chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

/// The file's Arrow schema, from its footer (no data read).
fn file_schema(file: &File, format: Format) -> Result<FileSchema, Failure> {
    let reader = file.try_clone().map_err(pl::PolarsError::from)?;
    let schema = match format {
        Format::Arrow => pl::IpcReader::new(reader).schema()?,
        _ => pl::ParquetReader::new(reader).schema()?,
    };
    let (names, types) = schema
        .iter_values()
        .map(|f| (f.name.to_string(), f.dtype.clone()))
        .unzip();
    Ok(FileSchema { names, types })
}

/// The source columns (file order) the pipeline reads: those its needed columns and checks
/// are extracted from, and the count, weight and id columns.
fn sources_read(
    input: &InputPlan,
    layout: &Layout,
    columns: &[String],
    checks: &[ValueCheck<'_>],
    path: &str,
) -> Result<BTreeSet<usize>, IngestError> {
    let absent = |c: &str| IngestError::Columns {
        path: path.to_string(),
        message: format!("column `{c}` is not in the file"),
    };
    let mut read = BTreeSet::new();
    for name in columns
        .iter()
        .map(String::as_str)
        .chain(checks.iter().map(|c| c.column))
    {
        match layout.extractor(name).ok_or_else(|| absent(name))? {
            Extract::Cell(i) => {
                read.insert(i);
            }
            Extract::Spread { members, this } => {
                read.extend(members.iter().copied());
                read.insert(this);
            }
            Extract::Joined { column, .. } => {
                read.insert(column);
            }
        }
    }
    let design = input.design.as_ref();
    let weights: Vec<&String> = match design.map(|d| &d.weight) {
        Some(WeightSource::Column(w)) => vec![w],
        Some(WeightSource::Sums { sum_w, sum_w2 }) => vec![sum_w, sum_w2],
        Some(WeightSource::Unit) | None => Vec::new(),
    };
    for c in input
        .count_column
        .iter()
        .chain(&input.id_column)
        .chain(weights)
        .chain(
            input
                .percentages
                .iter()
                .flat_map(|p| [&p.percent_column, &p.base_column]),
        )
    {
        read.insert(layout.index_of(c).ok_or_else(|| absent(c))?);
    }
    Ok(read)
}

/// The plan of the projected columns: the renames, free-text columns and multi-select
/// questions that concern them (the others name columns not read).
fn projected_input(input: &InputPlan, projected: &[String]) -> InputPlan {
    let mut sub = input.clone();
    sub.rename.retain(|from, _| projected.contains(from));
    let renamed: Vec<&String> = projected
        .iter()
        .map(|p| input.rename.get(p).unwrap_or(p))
        .collect();
    sub.free_text.retain(|f| renamed.contains(&f));
    sub.multi_select.retain(|m| renamed.contains(&&m.name));
    sub
}

/// Refuses a column read whose type does not read as text (see the module doc), naming it
/// and its type; notes a count or weight column stored as text.
fn check_type(
    input: &InputPlan,
    schema: &FileSchema,
    i: usize,
    warnings: &mut Vec<String>,
) -> Result<(), IngestError> {
    let name = &schema.names[i];
    let dtype = &schema.types[i];
    let shown = match input.rename.get(name) {
        Some(to) => format!("`{name}` (renamed `{to}`)"),
        None => format!("`{name}`"),
    };
    if readable(dtype).is_none() {
        let hint = match dtype {
            ArrowDataType::Date32
            | ArrowDataType::Date64
            | ArrowDataType::Timestamp(..)
            | ArrowDataType::Time32(_)
            | ArrowDataType::Time64(_)
            | ArrowDataType::Duration(_)
            | ArrowDataType::Interval(_) => "write dates and times as text (ISO 8601, e.g. `2024-05-01`), or band them into a category column",
            ArrowDataType::List(_)
            | ArrowDataType::LargeList(_)
            | ArrowDataType::FixedSizeList(..)
            | ArrowDataType::Struct(_)
            | ArrowDataType::Map(..)
            | ArrowDataType::Union(..) => "it holds several values per row; give each its own column (a multi-select question: one 0/1 column per option, or the options joined in one text cell)",
            ArrowDataType::Decimal(..)
            | ArrowDataType::Decimal32(..)
            | ArrowDataType::Decimal64(..)
            | ArrowDataType::Decimal256(..) => "write it as a float or integer column, or as text",
            _ => "write it as a text (UTF-8 string), integer, float or boolean column",
        };
        return Err(IngestError::Columnar {
            path: input.written.clone(),
            message: format!(
                "column {shown} has type {}: tally reads text, integer, float and boolean columns\nhint: {hint}",
                type_name(dtype)
            ),
        });
    }
    let numeric_role = input.count_column.as_ref() == Some(name)
        || match input.design.as_ref().map(|d| &d.weight) {
            Some(WeightSource::Column(w)) => w == name,
            Some(WeightSource::Sums { sum_w, sum_w2 }) => sum_w == name || sum_w2 == name,
            Some(WeightSource::Unit) | None => false,
        };
    if numeric_role && readable(dtype) == Some(Kind::Text) {
        warnings.push(format!(
            "{}: column {shown} holds numbers stored as text ({}); each value is parsed as in a CSV file, and a row whose value is no number is rejected",
            input.written,
            type_name(dtype)
        ));
    }
    Ok(())
}

/// Refuses a file with a column of a type that this build of polars cannot hold at all,
/// even unread (it would stop the scan of the others): nested structs, decimals,
/// fixed-size lists, 128-bit integers, half floats, unions, intervals, extension types.
fn check_skippable(input: &InputPlan, schema: &FileSchema) -> Result<(), IngestError> {
    match schema.names.iter().zip(&schema.types).find(|(_, t)| !holdable(t)) {
        None => Ok(()),
        Some((name, dtype)) => Err(IngestError::Columnar {
            path: input.written.clone(),
            message: format!(
                "column `{name}` has type {}, which tally's {} reader cannot hold, even to skip it\nhint: drop the column, or write it as text or numbers, before tally reads the file",
                type_name(dtype),
                if input.format == Format::Arrow { "Arrow IPC" } else { "Parquet" }
            ),
        }),
    }
}

/// Whether polars, as built here, can hold a column of this type (see
/// [`check_skippable`]).
fn holdable(dtype: &ArrowDataType) -> bool {
    use ArrowDataType as A;
    match dtype {
        A::Struct(_)
        | A::Decimal(..)
        | A::Decimal32(..)
        | A::Decimal64(..)
        | A::Decimal256(..)
        | A::FixedSizeList(..)
        | A::Int128
        | A::UInt128
        | A::Float16
        | A::Union(..)
        | A::Interval(_)
        | A::Extension(_)
        | A::Unknown => false,
        A::List(f) | A::LargeList(f) | A::Map(f, _) => holdable(&f.dtype),
        A::Dictionary(_, v, _) => holdable(v),
        _ => true,
    }
}

/// How a readable column's values become text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Number,
    Boolean,
    Null,
}

/// The kind of a type that reads as text; `None` for any other.
fn readable(dtype: &ArrowDataType) -> Option<Kind> {
    use ArrowDataType as A;
    match dtype {
        A::Utf8 | A::LargeUtf8 | A::Utf8View => Some(Kind::Text),
        A::Dictionary(_, values, _) => {
            matches!(values.as_ref(), A::Utf8 | A::LargeUtf8 | A::Utf8View).then_some(Kind::Text)
        }
        A::Int8
        | A::Int16
        | A::Int32
        | A::Int64
        | A::UInt8
        | A::UInt16
        | A::UInt32
        | A::UInt64
        | A::Float32
        | A::Float64 => Some(Kind::Number),
        A::Boolean => Some(Kind::Boolean),
        A::Null => Some(Kind::Null),
        _ => None,
    }
}

/// A type as a message names it.
fn type_name(dtype: &ArrowDataType) -> String {
    use ArrowDataType as A;
    match dtype {
        A::Utf8 | A::LargeUtf8 | A::Utf8View => "string".into(),
        A::Dictionary(_, v, _) => format!("dictionary of {}", type_name(v)),
        A::Date32 | A::Date64 => "date".into(),
        A::Timestamp(..) => "datetime (timestamp)".into(),
        A::Time32(_) | A::Time64(_) => "time".into(),
        A::Duration(_) => "duration".into(),
        A::Interval(_) => "interval".into(),
        A::List(f) | A::LargeList(f) => {
            format!("list of {}", type_name(&f.dtype))
        }
        A::FixedSizeList(f, n) => format!("fixed-size list of {n} {}", type_name(&f.dtype)),
        A::Struct(fields) => format!(
            "struct ({})",
            fields
                .iter()
                .map(|f| f.name.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        A::Map(..) => "map".into(),
        A::Union(..) => "union".into(),
        A::Binary | A::LargeBinary | A::BinaryView | A::FixedSizeBinary(_) => "binary".into(),
        A::Decimal(p, s) | A::Decimal32(p, s) | A::Decimal64(p, s) | A::Decimal256(p, s) => {
            format!("decimal({p}, {s})")
        }
        A::Extension(e) => format!("extension `{}`", e.name),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// Scans the projected columns in batches into `builder`; returns the rows read.
fn scan_into(
    file: &File,
    at: &std::path::Path,
    format: Format,
    projected: &[String],
    path: &str,
    builder: &mut builder::TableBuilder<'_>,
) -> Result<u64, Failure> {
    // By its absolute path (a relative one could read as a URL or a glob); `file` is the
    // handle hashed and checked above.
    let _ = file;
    let absolute = std::fs::canonicalize(at).map_err(pl::PolarsError::from)?;
    let sources =
        ScanSources::Paths(std::iter::once(pl::PlRefPath::try_from_path(&absolute)?).collect());
    let scan = match format {
        Format::Arrow => LazyFrame::scan_ipc_sources(
            sources,
            IpcScanOptions::default(),
            UnifiedScanArgs {
                glob: false,
                cache: false,
                ..Default::default()
            },
        )?,
        _ => LazyFrame::scan_parquet_sources(
            sources,
            ScanArgsParquet {
                glob: false,
                cache: false,
                ..Default::default()
            },
        )?,
    };
    let expected = row_count(scan.clone())?;
    let lf =
        scan.select([pl::by_name(projected.iter().map(String::as_str), true, false).as_expr()]);
    let mut record = RawRecord::default();
    let mut row: u64 = 0;
    let mut texts: Vec<TextColumn> = projected.iter().map(|_| TextColumn::default()).collect();
    while row < expected {
        // One slice of rows at a time: the scan skips the row groups (record batches)
        // before it, so memory stays at one slice whatever the file's size.
        let df = lf
            .clone()
            .slice(row as i64, BATCH as pl::IdxSize)
            .collect()?;
        if df.height() == 0 {
            break;
        }
        for (name, text) in projected.iter().zip(texts.iter_mut()) {
            text.fill(df.column(name)?)?;
        }
        for i in 0..df.height() {
            row += 1;
            record.start(row);
            for t in &texts {
                record.push_field_with(|buf| buf.extend_from_slice(t.field(i)));
            }
            builder
                .add(&record)
                .map_err(|e| Failure::Ingest(by_row(e)))?;
        }
    }
    if row != expected {
        return Err(Failure::Ingest(IngestError::Columnar {
            path: path.to_string(),
            message: format!(
                "the reader stopped at row {row} of the {expected} its metadata gives\nhint: the file may be damaged; write it again from its source"
            ),
        }));
    }
    Ok(row)
}

/// A builder's error worded for rows: a columnar file has no lines.
fn by_row(e: IngestError) -> IngestError {
    match e {
        IngestError::CountOverflow { path, line } => IngestError::Columnar {
            path,
            message: format!(
                "row {line}: the counts add up to more than {} respondents\nhint: check the count column for a misplaced value",
                u64::MAX
            ),
        },
        other => other,
    }
}

/// The file's rows, from its metadata.
fn row_count(scan: LazyFrame) -> Result<u64, Failure> {
    let df = scan.select([pl::len()]).collect()?;
    let n = df
        .columns()
        .first()
        .map(|c| c.cast(&DataType::UInt64))
        .transpose()?
        .and_then(|c| c.u64().ok().and_then(|ca| ca.get(0)))
        .unwrap_or(0);
    Ok(n)
}

/// One column of a batch as the text of its cells, back to back.
#[derive(Default)]
struct TextColumn {
    buf: Vec<u8>,
    ends: Vec<usize>,
}

impl TextColumn {
    fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }

    /// The cells of `column` as a CSV file would hold them (see the module doc).
    fn fill(&mut self, column: &Column) -> pl::PolarsResult<()> {
        self.buf.clear();
        self.ends.clear();
        let s = column.as_materialized_series();
        match s.dtype() {
            DataType::String => {
                for v in s.str()?.iter() {
                    self.push(v.map(str::as_bytes));
                }
            }
            DataType::Boolean => {
                for v in s.bool()?.iter() {
                    self.push(v.map(|b| if b { &b"true"[..] } else { &b"false"[..] }));
                }
            }
            DataType::Float64 => {
                for v in s.f64()?.iter() {
                    self.push_display(v);
                }
            }
            DataType::Float32 => {
                for v in s.f32()?.iter() {
                    self.push_display(v);
                }
            }
            DataType::Int64 => {
                for v in s.i64()?.iter() {
                    self.push_display(v);
                }
            }
            DataType::UInt64 => {
                for v in s.u64()?.iter() {
                    self.push_display(v);
                }
            }
            DataType::Null => {
                for _ in 0..s.len() {
                    self.push(None);
                }
            }
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32 => {
                let wide = s.cast(&DataType::Int64)?;
                for v in wide.i64()?.iter() {
                    self.push_display(v);
                }
            }
            _ => {
                // Categoricals (dictionary-encoded strings): their text.
                let text = s.cast(&DataType::String)?;
                for v in text.str()?.iter() {
                    self.push(v.map(str::as_bytes));
                }
            }
        }
        Ok(())
    }

    fn push(&mut self, v: Option<&[u8]>) {
        if let Some(v) = v {
            self.buf.extend_from_slice(v);
        }
        self.ends.push(self.buf.len());
    }

    /// A number in Rust's `Display` form: digits, or a float's shortest round-trip decimal
    /// without exponent or trailing `.0`; a null is the empty cell.
    fn push_display(&mut self, v: Option<impl std::fmt::Display>) {
        if let Some(v) = v {
            // Writing to a Vec cannot fail.
            let _ = write!(self.buf, "{v}");
        }
        self.ends.push(self.buf.len());
    }
}
