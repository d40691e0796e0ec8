//! The spine of one pipeline run, in the order it happens:
//! ingest (I/O) -> validate/recode -> estimate -> render (pure) -> write (I/O).

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::cache::{self, Cache, Lookup};
use crate::ingest::{self, IngestError, Table};
use crate::plan::Plan;
use crate::render::{self, Artifact, ReportInput};
use crate::{estimate, output, validate};

/// Options that come from the command line, not the pipeline file.
#[derive(Debug, Clone)]
pub struct JobOptions {
    /// Reports are written to `<reports_root>/<report.dir>`.
    pub reports_root: PathBuf,
    /// Any rejected row makes the job fail.
    pub strict: bool,
    /// An internal run: disclosure control off, whatever the pipeline says.
    pub internal: bool,
    /// Print `report.pdf` with this Chromium.
    pub pdf: Option<PathBuf>,
    /// The stage cache (`None`: every stage runs).
    pub cache: Option<std::sync::Arc<Cache>>,
    /// Ignore the cache (but refresh it).
    pub force: bool,
    /// Show a progress bar for a long ingest (when stderr is a terminal).
    pub progress: bool,
}

/// What a finished job reports back to the command.
#[derive(Debug, Clone)]
pub struct JobSummary {
    pub name: String,
    pub report_dir: PathBuf,
    pub records_read: u64,
    pub records_kept: u64,
    pub rejected: u64,
    pub analyses: usize,
    pub timings: Vec<(&'static str, Duration)>,
    /// Things the user should hear about (e.g. an encoding guess).
    pub warnings: Vec<String>,
    /// Stages skipped because the cache had their output.
    pub cached: Vec<&'static str>,
    /// What the report stage counted; `None` when the report was up to date and not rebuilt.
    pub written: Option<Written>,
}

/// Counts from a report that was built.
#[derive(Debug, Clone, Copy)]
pub struct Written {
    pub unmapped_values: usize,
    /// Cells hidden by disclosure control.
    pub suppressed: usize,
}

impl JobSummary {
    fn new(
        plan: &Plan,
        report_dir: PathBuf,
        table: &Table,
        timings: Vec<(&'static str, Duration)>,
        warnings: Vec<String>,
        cached: Vec<&'static str>,
        written: Option<Written>,
    ) -> JobSummary {
        JobSummary {
            name: plan.name.clone(),
            report_dir,
            records_read: table.records_read,
            records_kept: table.records_kept,
            rejected: table.rejected.len() as u64,
            analyses: plan.analyses.len(),
            timings,
            warnings,
            cached,
            written,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error("{path}: {count} row(s) rejected and --strict is set; first: line {line}: {detail}\nhint: see the reasons with `tally run` without --strict, in <report>/rejected.csv")]
    Strict {
        path: String,
        count: usize,
        line: u64,
        detail: String,
    },
    #[error("{0}")]
    Estimate(String),
    #[error("{0}\nhint: coarsen the subgroups (fewer `by` columns or fewer levels through `[recode]`), or drop the analysis; nothing was written")]
    Disclosure(String),
    /// A `by` or outcome column whose values look like direct identifiers.
    #[error("{0}")]
    Identifying(String),
    #[error("rendering the report: {0}")]
    Render(String),
    #[error("printing report.pdf: {0}")]
    Pdf(String),
    #[error("cannot read pipeline file {path}: {source}")]
    Pipeline {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write report to {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// How the artifacts name the pipeline file: its file name (`ame-2019-get.toml`). The path as
/// the user typed it (`pipelines/x.toml`, `./pipelines/../pipelines/x.toml`, `/abs/x.toml`)
/// depends on the working directory and the spelling, and would make the same run write
/// different bytes (and an absolute path would publish the user's folders); the file name,
/// with the SHA-256 beside it, identifies the pipeline the same way from anywhere. The input
/// is shown as written in the pipeline file, relative to it (see `InputPlan::written`).
pub fn pipeline_shown(plan: &Plan) -> String {
    plan.pipeline_path
        .file_name()
        .map_or_else(|| plan.name.clone(), |n| n.to_string_lossy().into_owned())
}

/// Runs one planned pipeline end to end. `pipeline_written` is the path as the user gave it
/// (for messages; artifacts use [`pipeline_shown`]).
pub fn run(plan: &Plan, pipeline_written: &str, opts: &JobOptions) -> Result<JobSummary, JobError> {
    let started = SystemTime::now();
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        timings.push((name, clock.elapsed()));
        clock = Instant::now();
    };

    let pipeline_sha256 =
        ingest::sha256_file(&plan.pipeline_path).map_err(|e| JobError::Pipeline {
            path: pipeline_written.to_string(),
            source: e,
        })?;
    let mut warnings = Vec::new();
    let mut cached = Vec::new();
    let keys = Keys::new(plan, opts, &pipeline_sha256);
    let table = match cached_table(plan, opts, &keys, &mut warnings) {
        Some(t) => {
            cached.push("ingest");
            t
        }
        None => {
            let t = read_input(plan, opts)?;
            if let Some(c) = &opts.cache {
                let key = keys.ingest(&t.source.sha256);
                if let Err(e) = c
                    .remember_sha256(&plan.input.path, &t.source.sha256)
                    .and_then(|()| c.store_table(&key, &t))
                {
                    warnings.push(e);
                }
            }
            t
        }
    };
    if opts.strict {
        if let Some(first) = table.rejected.first() {
            return Err(JobError::Strict {
                path: table.source.written.clone(),
                count: table.rejected.len(),
                line: first.line,
                detail: first.detail.clone(),
            });
        }
    }
    lap("ingest", &mut timings);
    warnings.extend(table.warnings.iter().cloned());
    warnings.extend(crate::identify::check(plan, &table).map_err(JobError::Identifying)?);

    // The report is up to date if its manifest carries this run's key and is whole.
    let report_key = keys.report(&table.source.sha256);
    let report_dir = report_dir(plan, opts);
    if !opts.force
        && opts.cache.is_some()
        && output::current_key(&report_dir).as_deref() == Some(&report_key)
    {
        cached.push("report");
        return Ok(JobSummary::new(
            plan, report_dir, &table, timings, warnings, cached, None,
        ));
    }

    let (data, unmapped) = validate::prepare(plan, &table);
    lap("validate", &mut timings);

    let mut results = estimate::estimate(plan, data).map_err(JobError::Estimate)?;
    check_exact_sizes(plan, &results)?;
    let mut disclosure = plan.disclosure;
    if opts.internal {
        disclosure.protect = false;
    }
    let protection = crate::disclosure::protect(&mut results, plan, &table, &unmapped, &disclosure)
        .map_err(|e| JobError::Disclosure(e.0))?;
    let suppression = protection.log;
    // A withheld analysis is left out of every output; the report says which and why.
    let mut withheld = Vec::new();
    let results: Vec<_> = results
        .into_iter()
        .zip(protection.withheld)
        .filter_map(|(r, why)| match why {
            None => Some(r),
            Some(why) => {
                warnings.push(format!("analysis `{}`: {why}", r.plan.name));
                withheld.push((r.plan.title.clone(), why));
                None
            }
        })
        .collect();
    lap("estimate", &mut timings);

    let input = ReportInput {
        plan,
        pipeline_written: pipeline_shown(plan),
        pipeline_sha256: pipeline_sha256.clone(),
        table: &table,
        unmapped: &unmapped,
        results: &results,
        disclosure,
        suppression: &suppression,
        withheld: &withheld,
    };
    let mut artifacts = render::render(&input).map_err(JobError::Render)?;
    if let Some(chromium) = &opts.pdf {
        let html = artifacts
            .iter()
            .find(|a| a.path == "index.html")
            .map(|a| String::from_utf8_lossy(&a.bytes).into_owned())
            .unwrap_or_default();
        let bytes = crate::browser::print_pdf(chromium, &html).map_err(JobError::Pdf)?;
        artifacts.push(Artifact {
            path: "report.pdf".into(),
            bytes,
        });
    }
    lap("render", &mut timings);

    artifacts.push(manifest(&input, &artifacts, &timings, started, &report_key));
    output::write_report(&report_dir, &artifacts).map_err(|e| JobError::Write {
        path: report_dir.display().to_string(),
        source: e,
    })?;
    lap("write", &mut timings);

    let written = Written {
        unmapped_values: unmapped.len(),
        suppressed: suppression.len(),
    };
    Ok(JobSummary::new(
        plan,
        report_dir,
        &table,
        timings,
        warnings,
        cached,
        Some(written),
    ))
}

/// Refuses a comparison whose exact conditional method (`test = "fisher"`, or `method =
/// "exact"` for the odds ratio) would enumerate more than
/// [`EXACT_MAX_TABLES`](crate::stats::compare::EXACT_MAX_TABLES) tables: the
/// job fails naming the analysis, its key, the groups, the limit and the alternative. (The
/// methods themselves return nothing past the limit, so estimation stayed bounded.)
fn check_exact_sizes(plan: &Plan, results: &[estimate::AnalysisResult]) -> Result<(), JobError> {
    use crate::stats::compare::tests2x2::Test;
    use crate::stats::compare::{check_exact_size, CompareMethod};
    for (i, (a, r)) in plan.analyses.iter().zip(results).enumerate() {
        let Some(cp) = &a.compare else { continue };
        let (key, value, hint) = if cp.test == Test::Fisher {
            (
                "test",
                "fisher",
                "set `test = \"chisq\"` (the score test): at counts this large it agrees with Fisher's test",
            )
        } else if cp.method == CompareMethod::ExactOr {
            (
                "method",
                cp.method.name(),
                "set `method = \"woolf\"`: at counts this large it agrees with the exact interval",
            )
        } else {
            continue;
        };
        for row in &r.comparisons {
            if let Err(e) = check_exact_size(&row.pair) {
                return Err(JobError::Estimate(format!(
                    "analysis `{}`, key `analysis[{i}].compare.{key}` = \"{value}\": `{}` vs `{}` ({}): {e}\nhint: {hint}",
                    a.name, row.group1, row.group2, row.level
                )));
            }
        }
    }
    Ok(())
}

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
struct InputEntry<'a> {
    path: &'a str,
    sha256: &'a str,
    bytes: u64,
    format: &'a str,
    encoding: &'a str,
    delimiter: String,
    delimiter_detected: bool,
    warnings: &'a [String],
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

fn manifest<'a>(
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
        inputs: vec![InputEntry {
            path: &table.source.written,
            sha256: &table.source.sha256,
            bytes: table.source.bytes,
            format: &table.format,
            encoding: &table.encoding,
            delimiter: (table.delimiter as char).to_string(),
            delimiter_detected: table.delimiter_sniffed,
            warnings: &table.warnings,
        }],
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

/// The cache keys of a job's stages.
struct Keys {
    /// Everything but the input's hash that shapes the ingest output.
    reading: String,
    /// Everything but the input's hash that shapes the report.
    reporting: String,
}

impl Keys {
    fn new(plan: &Plan, opts: &JobOptions, pipeline_sha256: &str) -> Keys {
        // Where the input lies is not part of the key (its SHA-256 is): the same file reached
        // by another spelling of the pipeline path reads the same, and the key is published
        // in manifest.json, which must not depend on the working directory.
        let input = crate::plan::InputPlan {
            path: PathBuf::new(),
            ..plan.input.clone()
        };
        let reading = format!("{input:?}|{:?}", plan.columns_needed());
        let reporting = format!(
            "{pipeline_sha256}|internal={}|pdf={}|strict={}",
            opts.internal,
            opts.pdf.is_some(),
            opts.strict
        );
        Keys { reading, reporting }
    }
    fn ingest(&self, input_sha256: &str) -> String {
        cache::key(&["ingest", input_sha256, &self.reading])
    }
    fn report(&self, input_sha256: &str) -> String {
        cache::key(&["report", input_sha256, &self.reading, &self.reporting])
    }
}

/// The cached ingest output, when the cache knows the input and has the table.
fn cached_table(
    plan: &Plan,
    opts: &JobOptions,
    keys: &Keys,
    warnings: &mut Vec<String>,
) -> Option<Table> {
    let c = opts.cache.as_ref()?;
    if opts.force {
        return None;
    }
    let sha = c.known_sha256(&plan.input.path)?;
    match c.table(&keys.ingest(&sha)) {
        Lookup::Hit(t) => Some(t),
        Lookup::Miss => None,
        Lookup::Rebuild(why) => {
            warnings.push(why);
            None
        }
    }
}

/// Reads the input (the ingest stage), with a progress bar on a terminal for big files.
fn read_input(plan: &Plan, opts: &JobOptions) -> Result<Table, JobError> {
    let columns = plan.columns_needed();
    let size = std::fs::metadata(&plan.input.path).map_or(0, |m| m.len());
    let bar = (opts.progress && size > 64 << 20).then(|| {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(size),
            indicatif::ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(format!("reading {}", plan.input.written));
        bar
    });
    let on_bytes = |n: u64| {
        if let Some(b) = &bar {
            b.set_position(n);
        }
    };
    let table = ingest::read(
        &plan.input,
        &columns,
        &|header| {
            let problems = plan.check_header(header);
            if problems.is_empty() {
                Ok(())
            } else {
                Err(problems
                    .iter()
                    .map(|p| {
                        if p.key.is_empty() {
                            p.message.clone()
                        } else {
                            format!("key `{}`: {}", p.key, p.message)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n"))
            }
        },
        &on_bytes,
    );
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(table?)
}

/// What each stage of a job would do, for `tally run --explain`.
pub fn explain(plan: &Plan, opts: &JobOptions) -> Vec<(&'static str, String)> {
    let Some(c) = &opts.cache else {
        return vec![
            ("ingest", "runs (no cache)".into()),
            ("report", "runs (no cache)".into()),
        ];
    };
    let pipeline_sha256 = ingest::sha256_file(&plan.pipeline_path).unwrap_or_default();
    let keys = Keys::new(plan, opts, &pipeline_sha256);
    let Some(sha) = c.known_sha256(&plan.input.path) else {
        let why = "runs (the input is new, or changed since it was last read)".to_string();
        return vec![("ingest", why.clone()), ("report", why)];
    };
    let ingest = if opts.force {
        "runs (--force)".to_string()
    } else {
        match c.table(&keys.ingest(&sha)) {
            Lookup::Hit(_) => "cached".into(),
            Lookup::Miss => "runs (the reading settings changed, or never run with them)".into(),
            Lookup::Rebuild(why) => format!("runs ({why})"),
        }
    };
    let report = if opts.force {
        "runs (--force)".to_string()
    } else if output::current_key(&report_dir(plan, opts)).as_deref() == Some(&keys.report(&sha)) {
        "up to date".into()
    } else {
        "runs (the pipeline, input or options changed, or the report is missing or altered)".into()
    };
    vec![("ingest", ingest), ("report", report)]
}

/// The path of a report for a plan (for messages and for clash checks in batches).
pub fn report_dir(plan: &Plan, opts: &JobOptions) -> PathBuf {
    opts.reports_root.join(&plan.report.dir)
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
