//! One file per subcommand. Each returns an `ExitCode`-worthy [`Outcome`]; printing of
//! results goes to stdout, messages to stderr.

pub mod check;
pub mod ci;
pub mod compare;
pub mod init;
pub mod methods;
pub mod run;
pub mod sql;
pub mod test;
pub mod verify;

/// How a command ended, mapped to the process exit code in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: everything went well.
    Success,
    /// 1: a job (or some rows of a bulk computation) failed.
    Failed,
    /// 2: a bad invocation or pipeline file.
    Usage,
}

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Failed => 1,
            Outcome::Usage => 2,
        }
    }

    /// The worse of two outcomes.
    pub fn max(self, other: Outcome) -> Outcome {
        if other.code() > self.code() {
            other
        } else {
            self
        }
    }
}

/// The exit code of a failed job: every job error is a failed job (1), never a usage error
/// (the pipeline file was planned without problems before the job started). Matched
/// exhaustively, so that a new kind of error has to be placed here.
pub fn job_outcome(e: &crate::job::JobError) -> Outcome {
    use crate::job::JobError;
    match e {
        JobError::Ingest(_)
        | JobError::Strict { .. }
        | JobError::Identifying(_)
        | JobError::NeverOccurs(_)
        | JobError::Published(_)
        | JobError::Bases(_)
        | JobError::Design(_)
        | JobError::Labels(_)
        | JobError::Invited(_)
        | JobError::ExactTooLarge(_)
        | JobError::Disclosure(_)
        | JobError::Render(_)
        | JobError::Pdf(_)
        | JobError::Write { .. } => Outcome::Failed,
    }
}

/// Prints an error message (possibly several lines, `hint:` lines kept) to stderr.
pub fn print_error(message: &str) {
    let mut text = String::new();
    for (i, l) in message.lines().enumerate() {
        text.push_str(if i == 0 { "error: " } else { "" });
        text.push_str(l);
        text.push('\n');
    }
    say(&text);
}

/// Writes `text` to stderr as it is, ignoring failure. Messages never make tally panic: when
/// stderr is a closed pipe (`tally ... 2>&1 | head -1`) or a full disk there is nowhere
/// left to report to, and the exit code still tells. (`eprintln!` would panic.)
pub fn say(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Writes `text` and a line end to stderr, ignoring failure (see [`say`]).
pub fn say_line(text: &str) {
    say(&format!("{text}\n"));
}

/// How a command ends when writing its results to stdout failed.
///
/// Closed stdout (`BrokenPipe`: `tally methods | head -0`, `tally ci --input big.csv | head
/// -1`): tally stops quietly with exit 0, as `cat` or `grep` do; the reader took what it
/// wanted. tally keeps Rust's default of ignoring SIGPIPE, so the closed pipe shows up here
/// as an error to handle, rather than killing the process mid-write (which, for `tally run`,
/// could be mid-way through building a report). Any other failure (a full disk, `> /dev/full`)
/// is exit 1 with a message naming where stdout goes.
pub fn stdout_failed(e: &std::io::Error) -> Outcome {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Outcome::Success;
    }
    print_error(&format!("cannot write to {}: {e}", stdout_name()));
    Outcome::Failed
}

/// [`stdout_failed`] for an error of the CSV writer.
pub fn csv_failed(e: &csv::Error) -> Outcome {
    match e.kind() {
        csv::ErrorKind::Io(io) => stdout_failed(io),
        _ => {
            print_error(&format!("cannot write CSV to {}: {e}", stdout_name()));
            Outcome::Failed
        }
    }
}

/// "standard output", with the file it is when the system says (e.g. `/dev/full`).
fn stdout_name() -> String {
    match std::fs::read_link("/proc/self/fd/1") {
        Ok(p) if p.is_absolute() => format!("standard output ({})", p.display()),
        _ => "standard output".into(),
    }
}

/// Parses a count: a whole number >= 0; the message names the argument.
pub fn parse_count(what: &str, s: &str) -> Result<u64, String> {
    let t = s.trim();
    t.parse::<u64>().map_err(|_| match t.parse::<f64>() {
        Ok(v) if v < 0.0 => format!("{what} = {t} is negative; counts are whole numbers >= 0"),
        Ok(_) => format!("{what} = {t} is not a whole number"),
        Err(_) => format!("{what} = `{t}` is not a number"),
    })
}

/// A CSV file opened with tally's reader.
pub type FileCsv = crate::ingest::CsvReader<
    std::io::BufReader<std::io::Chain<std::io::Cursor<Vec<u8>>, std::fs::File>>,
>;

/// Opens a CSV for reading with tally's reader (BOM removed, exact line numbers).
pub fn open_csv(path: &std::path::Path) -> Result<FileCsv, String> {
    let file = crate::files::open_regular(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let file = crate::ingest::without_bom(file)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(crate::ingest::CsvReader::new(
        std::io::BufReader::with_capacity(1 << 18, file),
        b',',
    ))
}

/// Opens a CSV and reads its header row (names trimmed). On failure the error has been
/// printed and the outcome to return is given: `Failed` when the file cannot be read,
/// `Usage` when it is empty (`expected` says what header was wanted).
pub fn open_with_header(
    path: &std::path::Path,
    expected: &str,
) -> Result<(FileCsv, Vec<String>, crate::ingest::RawRecord), Outcome> {
    let mut rdr = open_csv(path).map_err(|e| {
        print_error(&e);
        Outcome::Failed
    })?;
    let mut record = crate::ingest::RawRecord::default();
    match rdr.read_record(&mut record) {
        Ok(true) => {
            let header = record
                .fields()
                .map(|f| String::from_utf8_lossy(f).trim().to_string())
                .collect();
            Ok((rdr, header, record))
        }
        Ok(false) => {
            print_error(&format!(
                "{} is empty: expected a header row {expected}",
                path.display()
            ));
            Err(Outcome::Usage)
        }
        Err(e) => {
            print_error(&format!("cannot read {}: {e}", path.display()));
            Err(Outcome::Failed)
        }
    }
}

/// Reads the next data record of a bulk input. When the file cannot be read the error is
/// printed and the outcome to return is given.
pub fn next_record(
    rdr: &mut FileCsv,
    record: &mut crate::ingest::RawRecord,
    path: &std::path::Path,
) -> Result<bool, Outcome> {
    rdr.read_record(record).map_err(|e| {
        print_error(&format!("cannot read {}: {e}", path.display()));
        Outcome::Failed
    })
}

/// A field as text (invalid UTF-8 replaced), or "" past the end of a short row.
pub fn field_text(record: &crate::ingest::RawRecord, i: usize) -> String {
    if i < record.len() {
        String::from_utf8_lossy(record.field(i)).into_owned()
    } else {
        String::new()
    }
}

/// Ends a bulk command: flushes its CSV output and says how many rows could not be used
/// (each was reported as it was met). `Failed` when any row was bad or stdout failed.
pub fn finish_bulk<W: std::io::Write>(
    mut w: csv::Writer<W>,
    path: &std::path::Path,
    bad: u64,
) -> Outcome {
    if let Err(e) = w.flush() {
        return stdout_failed(&e);
    }
    if bad > 0 {
        print_error(&format!(
            "{}: {bad} row(s) could not be used (each reported above)",
            path.display()
        ));
        return Outcome::Failed;
    }
    Outcome::Success
}

/// Every pipeline file named: files as given, folders as their `*.toml` files in name order.
pub fn pipeline_files(args: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>, String> {
    let mut out = Vec::new();
    for a in args {
        if a.is_dir() {
            let mut found: Vec<std::path::PathBuf> = std::fs::read_dir(a)
                .map_err(|e| format!("cannot read folder {}: {e}", a.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "{} holds no pipeline files (looked for *.toml)\nhint: the examples are in pipelines/",
                    a.display()
                ));
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(a.clone());
        }
    }
    Ok(out)
}
