//! `manifest.json`: what a report was made from and how, for reviewers and for the stage
//! cache. The tool and version, the pipeline file and the inputs (the data, and any
//! `[weighting] margins_file`) with their SHA-256, the row accounting, the disclosure
//! settings, the cache key, and the SHA-256 of every other artifact. The only artifact with time in it: when the run started and how long each
//! stage took (every other file is the same bytes for the same inputs). [`read`] reads a
//! report's manifest back, for `tally verify`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::ingest;
use crate::render::{Artifact, ReportInput};

#[derive(Serialize)]
struct Manifest<'a> {
    tool: &'static str,
    version: &'static str,
    /// The only time-dependent fields: when the run started and how long stages took.
    started_at: String,
    pipeline: FileEntry<'a>,
    inputs: Vec<InputEntry<'a>>,
    rows: Rows<'a>,
    disclosure: DisclosureEntry,
    stage_seconds: indexmap::IndexMap<&'static str, f64>,
    /// The stage cache's key for this report (see `cache.rs`).
    cache_key: &'a str,
    artifacts: Vec<ArtifactEntry>,
}

#[derive(Serialize)]
struct FileEntry<'a> {
    path: &'a str,
    sha256: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<u64>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum InputEntry<'a> {
    /// The survey data.
    Data {
        path: &'a str,
        sha256: &'a str,
        bytes: u64,
        format: &'a str,
        encoding: &'a str,
        delimiter: String,
        delimiter_detected: bool,
        warnings: &'a [String],
    },
    /// `[weighting] margins_file`: the population the weights were calibrated to.
    Margins {
        path: &'a str,
        sha256: &'a str,
        bytes: u64,
        role: &'static str,
    },
}

#[derive(Serialize)]
struct DisclosureEntry {
    protect: bool,
    min_cell: u64,
    round: Option<u64>,
    cells_suppressed: usize,
}

#[derive(Serialize)]
struct Rows<'a> {
    read: u64,
    used: u64,
    rejected: u64,
    rejected_by_reason: indexmap::IndexMap<&'a str, u64>,
    respondents_in_used_rows: u64,
    blank_lines_skipped: u64,
}

#[derive(Serialize)]
struct ArtifactEntry {
    path: String,
    sha256: String,
}

/// The manifest of a report whose other artifacts are `artifacts`.
pub fn build<'a>(
    input: &'a ReportInput,
    artifacts: &[Artifact],
    timings: &[(&'static str, Duration)],
    started: SystemTime,
    cache_key: &'a str,
) -> Artifact {
    let table = input.table;
    let disclosure = &input.disclosure;
    let m = Manifest {
        tool: "tally",
        version: env!("CARGO_PKG_VERSION"),
        started_at: rfc3339(started),
        pipeline: FileEntry {
            path: &input.pipeline_written,
            sha256: &input.pipeline_sha256,
            bytes: None,
        },
        inputs: std::iter::once(InputEntry::Data {
            path: &table.source.written,
            sha256: &table.source.sha256,
            bytes: table.source.bytes,
            format: &table.format,
            encoding: &table.encoding,
            delimiter: (table.delimiter as char).to_string(),
            delimiter_detected: table.delimiter_sniffed,
            warnings: &table.warnings,
        })
        .chain(
            input
                .plan
                .weighting
                .as_ref()
                .and_then(|w| w.margins_file.as_ref())
                .map(|f| InputEntry::Margins {
                    path: &f.written,
                    sha256: &f.sha256,
                    bytes: f.bytes,
                    role: "population margins ([weighting] margins_file)",
                }),
        )
        .collect(),
        disclosure: DisclosureEntry {
            protect: disclosure.protect,
            min_cell: disclosure.min_cell,
            round: disclosure.round,
            cells_suppressed: input.suppression.len(),
        },
        rows: Rows {
            read: table.records_read,
            used: table.records_kept,
            rejected: table.rejected.len() as u64,
            rejected_by_reason: table.rejected_by_reason(),
            respondents_in_used_rows: table.respondents,
            blank_lines_skipped: table.blank_lines,
        },
        stage_seconds: timings.iter().map(|(k, d)| (*k, d.as_secs_f64())).collect(),
        cache_key,
        artifacts: artifacts
            .iter()
            .map(|a| ArtifactEntry {
                path: a.path.clone(),
                sha256: ingest::sha256_hex(&a.bytes),
            })
            .collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&m).unwrap_or_default();
    bytes.push(b'\n');
    Artifact {
        path: "manifest.json".into(),
        bytes,
    }
}

/// A report's manifest as read back: what the report says it was made from (the fields
/// `tally verify` checks; the others are ignored).
#[derive(Debug, Deserialize)]
pub struct Recorded {
    pub tool: String,
    pub version: String,
    pub pipeline: RecordedFile,
    pub inputs: Vec<RecordedFile>,
    pub disclosure: RecordedDisclosure,
    pub cache_key: String,
    pub artifacts: Vec<RecordedArtifact>,
}

/// A file a report was made from: its path as the report shows it, SHA-256 and size.
#[derive(Debug, Deserialize)]
pub struct RecordedFile {
    pub path: String,
    pub sha256: String,
    pub bytes: Option<u64>,
}

/// The disclosure settings in force when the report was written.
#[derive(Debug, Deserialize)]
pub struct RecordedDisclosure {
    /// `false` for an internal run (`--internal` or `disclosure.protect = false`).
    pub protect: bool,
}

/// An artifact of the report and its SHA-256.
#[derive(Debug, Deserialize)]
pub struct RecordedArtifact {
    pub path: String,
    pub sha256: String,
}

/// Why a directory's manifest could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{dir} is not a tally report: no manifest.json\nhint: give the directory `tally run` wrote (reports/<name> by default)")]
    Missing { dir: String },
    #[error("{dir} is not a tally report: {what}\nhint: give the directory `tally run` wrote (reports/<name> by default)")]
    NotTally { dir: String, what: String },
}

/// Reads `dir/manifest.json` back.
pub fn read(dir: &std::path::Path) -> Result<Recorded, ReadError> {
    let shown = dir.display().to_string();
    let not_tally = |what: String| ReadError::NotTally {
        dir: shown.clone(),
        what,
    };
    let path = dir.join("manifest.json");
    let bytes = match crate::files::open_regular(&path) {
        Ok(mut f) => {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut b)
                .map_err(|e| not_tally(format!("cannot read manifest.json: {e}")))?;
            b
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ReadError::Missing { dir: shown })
        }
        Err(e) => return Err(not_tally(format!("cannot read manifest.json: {e}"))),
    };
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| not_tally(format!("manifest.json is not JSON ({e})")))?;
    if value["tool"] != "tally" {
        return Err(not_tally(
            "its manifest.json does not say \"tool\": \"tally\"".into(),
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        not_tally(format!(
            "its manifest.json lacks what tally writes ({e}); was it edited by hand?"
        ))
    })
}

/// UTC time as RFC 3339; honours `SOURCE_DATE_EPOCH` for reproducible builds of reports.
fn rfc3339(t: SystemTime) -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            t.duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::rfc3339;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn formats_utc_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_795_000_000)),
            "2026-11-18T11:06:40Z"
        );
    }
}
