//! The spine of one pipeline run, in the order it happens:
//! ingest (I/O) -> validate/recode -> estimate -> disclosure control -> render (pure) ->
//! write (I/O). Each stage is a call here; what the stage does lives in its module, the
//! stage cache's keys in [`crate::cache`], the manifest in [`crate::manifest`], progress display in
//! [`crate::cmd::run`].

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use crate::browser::BrowserError;
use crate::cache::{Cache, Keys, Lookup};
use crate::disclosure::{LogEntry, Unprotectable};
use crate::estimate::AnalysisResult;
use crate::ingest::{self, IngestError, Table};
use crate::plan::{DisclosurePlan, Plan};
use crate::render::{self, Artifact, RenderError, ReportInput};
use crate::validate::Unmapped;
use crate::{estimate, manifest, output, validate};

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
}

impl JobOptions {
    /// The options that change what a report holds, for its cache key.
    fn flags(&self) -> [(&'static str, bool); 3] {
        [
            ("internal", self.internal),
            ("pdf", self.pdf.is_some()),
            ("strict", self.strict),
        ]
    }

    /// The disclosure settings in force: the pipeline's, or none for an internal run.
    fn disclosure(&self, plan: &Plan) -> DisclosurePlan {
        let mut d = plan.disclosure;
        if self.internal {
            d.protect = false;
        }
        d
    }
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

/// Why a job failed. Each layer's error keeps its type; the exit code of each is decided
/// in one place, [`crate::cmd::job_outcome`].
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
    /// A `by` or outcome column whose values look like direct identifiers.
    #[error("{0}")]
    Identifying(String),
    /// Values the pipeline names (levels, filter values, groups, recode targets) that occur
    /// in no row of the input.
    #[error(transparent)]
    NeverOccurs(validate::occurs::NeverOccurs),
    /// A percentages table whose derived counts do not give every published figure back.
    #[error(transparent)]
    Published(validate::percentages::Unsatisfiable),
    /// A weighted survey's design that cannot give variances (a lonely PSU, an fpc that
    /// varies within a stratum).
    #[error("{0}")]
    Design(String),
    /// A published table with more respondents than the survey's declared total.
    #[error("{0}")]
    Bases(String),
    /// A label for a code that is no level or group of the analyses in the data.
    #[error("{0}")]
    Labels(String),
    /// `selection.invited` smaller than an analysis's respondents.
    #[error("{0}")]
    Invited(String),
    /// An exact conditional method asked of counts too large to enumerate.
    #[error(transparent)]
    ExactTooLarge(Box<estimate::ExactTooLarge>),
    #[error("{}\nhint: coarsen the subgroups (fewer `by` columns or fewer levels through `[recode]`), or drop the analysis; nothing was written", .0.0)]
    Disclosure(Unprotectable),
    #[error("rendering the report: {0}")]
    Render(#[from] RenderError),
    #[error("printing report.pdf: {0}")]
    Pdf(#[from] BrowserError),
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

/// Runs one planned pipeline end to end; `on_bytes` hears how far the ingest stage has
/// read, for a progress display.
pub fn run(
    plan: &Plan,
    opts: &JobOptions,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<JobSummary, JobError> {
    let mut laps = Laps::start();
    // The pipeline as it was planned (not read again: it could have changed since).
    let pipeline_sha256 = ingest::sha256_hex(&plan.source);
    let keys = Keys::new(plan, &pipeline_sha256, &opts.flags());
    let (mut table, mut notes) = ingest_stage(plan, opts, &keys, on_bytes)?;
    laps.lap("ingest");
    notes.warnings.extend(check_table(plan, &mut table)?);

    // The report is up to date if its manifest carries this run's key and is whole.
    let report_key = keys.report(&table.source.sha256);
    let report_dir = report_dir(plan, opts);
    if !opts.force
        && opts.cache.is_some()
        && output::current_key(&report_dir).as_deref() == Some(&report_key)
    {
        notes.cached.push("report");
        // Nothing is written, but what killed runs left beside the report goes.
        output::tidy(&report_dir);
        return Ok(summary(plan, report_dir, &table, laps, notes, None));
    }

    // validate -> estimate -> disclosure -> render, in memory.
    let Built {
        mut artifacts,
        warnings,
        contents,
    } = build_stages(plan, opts, &table, &mut laps)?;
    notes.warnings.extend(warnings);

    artifacts.push(manifest::build(
        &contents.input(plan, &table),
        &artifacts,
        &laps.laps,
        laps.started,
        &report_key,
    ));
    output::write_report(&report_dir, &artifacts).map_err(|source| JobError::Write {
        path: report_dir.display().to_string(),
        source,
    })?;
    laps.lap("write");

    let written = Written {
        unmapped_values: contents.unmapped_values,
        suppressed: contents.published.suppression.len(),
    };
    Ok(summary(
        plan,
        report_dir,
        &table,
        laps,
        notes,
        Some(written),
    ))
}

/// A report built in memory, before anything is written: what [`run`] writes (with its
/// manifest) and what `tally verify` compares with a published report.
pub struct Built {
    /// Every artifact but `manifest.json`, in the order they are written.
    pub artifacts: Vec<Artifact>,
    /// Things the user should hear about (a withheld analysis, an encoding guess).
    pub warnings: Vec<String>,
    contents: Contents,
}

/// What the artifacts were rendered from (kept for the manifest and the job's summary).
struct Contents {
    /// The disclosure settings in force.
    disclosure: DisclosurePlan,
    /// The unmapped values the report lists, and how many there were in all.
    listed: Vec<Unmapped>,
    unmapped_values: usize,
    published: Published,
}

impl Contents {
    fn input<'a>(&'a self, plan: &'a Plan, table: &'a Table) -> ReportInput<'a> {
        ReportInput {
            plan,
            pipeline_written: pipeline_shown(plan),
            pipeline_sha256: ingest::sha256_hex(&plan.source),
            table,
            unmapped: &self.listed,
            results: &self.published.results,
            disclosure: self.disclosure,
            suppression: &self.published.suppression,
            withheld: &self.published.withheld,
        }
    }
}

/// Builds a planned pipeline's report in memory, every stage run (the stage cache's
/// report check skipped) and nothing written: the ingest stage, then what [`run`] does
/// after it. Returns the table read and the report.
pub fn build(
    plan: &Plan,
    opts: &JobOptions,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<(Table, Built), JobError> {
    let mut laps = Laps::start();
    let keys = Keys::new(plan, &ingest::sha256_hex(&plan.source), &opts.flags());
    let (mut table, mut notes) = ingest_stage(plan, opts, &keys, on_bytes)?;
    laps.lap("ingest");
    notes.warnings.extend(check_table(plan, &mut table)?);
    let mut built = build_stages(plan, opts, &table, &mut laps)?;
    notes.warnings.append(&mut built.warnings);
    built.warnings = notes.warnings;
    Ok((table, built))
}

/// What the ingested table is checked and refused for before anything is derived from it,
/// in this order: a percentages table's figures (which also completes it, see
/// [`validate::percentages`]), analysed columns that look like direct identifiers, tables
/// with more respondents than the survey, values the pipeline names that occur in no row.
/// Returns the warnings. (`tally check` runs the same.)
pub fn check_table(plan: &Plan, table: &mut Table) -> Result<Vec<String>, JobError> {
    validate::percentages::apply(plan, table).map_err(JobError::Published)?;
    let warnings = validate::identifying::check(plan, table).map_err(JobError::Identifying)?;
    validate::bases::check(plan, table).map_err(JobError::Bases)?;
    validate::occurs::check(plan, table).map_err(JobError::NeverOccurs)?;
    Ok(warnings)
}

/// The validate, estimate (with disclosure control) and render stages, each a lap.
fn build_stages(
    plan: &Plan,
    opts: &JobOptions,
    table: &Table,
    laps: &mut Laps,
) -> Result<Built, JobError> {
    let (data, unmapped) = validate::prepare(plan, table);
    validate::occurs::check_labels(plan, &data).map_err(JobError::Labels)?;
    validate::invited::check(plan, &data).map_err(JobError::Invited)?;
    laps.lap("validate");

    let disclosure = opts.disclosure(plan);
    let listed = crate::disclosure::published_unmapped(&unmapped, &disclosure);
    let published = estimate_stage(plan, table, &listed, data, &disclosure)?;
    laps.lap("estimate");

    let contents = Contents {
        disclosure,
        listed,
        unmapped_values: unmapped.len(),
        published,
    };
    let mut artifacts = render::render(&contents.input(plan, table))?;
    if let Some(chromium) = &opts.pdf {
        artifacts.push(pdf(chromium, &artifacts)?);
    }
    laps.lap("render");
    Ok(Built {
        artifacts,
        warnings: contents.published.warnings.clone(),
        contents,
    })
}

/// Stage timings: when the run started, and each stage's duration in order.
struct Laps {
    started: SystemTime,
    clock: Instant,
    laps: Vec<(&'static str, Duration)>,
}

impl Laps {
    fn start() -> Laps {
        Laps {
            started: SystemTime::now(),
            clock: Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        self.laps.push((stage, self.clock.elapsed()));
        self.clock = Instant::now();
    }
}

/// What a job has to tell besides its result.
#[derive(Default)]
struct Notes {
    warnings: Vec<String>,
    cached: Vec<&'static str>,
}

fn summary(
    plan: &Plan,
    report_dir: PathBuf,
    table: &Table,
    laps: Laps,
    notes: Notes,
    written: Option<Written>,
) -> JobSummary {
    JobSummary {
        name: plan.name.clone(),
        report_dir,
        records_read: table.records_read,
        records_kept: table.records_kept,
        rejected: table.rejected.len() as u64,
        analyses: plan.analyses.len(),
        timings: laps.laps,
        warnings: notes.warnings,
        cached: notes.cached,
        written,
    }
}

/// The ingest stage: the table from the cache when it has it, else read (and kept in the
/// cache); with `--strict`, any rejected row fails the job.
fn ingest_stage(
    plan: &Plan,
    opts: &JobOptions,
    keys: &Keys,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<(Table, Notes), JobError> {
    let mut notes = Notes::default();
    let cache = opts.cache.as_deref().filter(|_| !opts.force);
    let hit = match cache.map(|c| c.ingested(&plan.input.path, keys)) {
        Some(Lookup::Hit(t)) => Some(t),
        Some(Lookup::Rebuild(why)) => {
            notes.warnings.push(why);
            None
        }
        Some(Lookup::Miss) | None => None,
    };
    let table = match hit {
        Some(t) => {
            notes.cached.push("ingest");
            t
        }
        None => {
            let t = read_input(plan, on_bytes)?;
            if let Some(c) = &opts.cache {
                if let Err(e) = c.keep(&plan.input.path, keys, &t) {
                    notes.warnings.push(e);
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
    notes.warnings.extend(table.warnings.iter().cloned());
    Ok((table, notes))
}

/// Reads the input, its header checked against the plan before any row is read.
fn read_input(plan: &Plan, on_bytes: &(dyn Fn(u64) + Sync)) -> Result<Table, JobError> {
    let columns = plan.columns_needed();
    let check_header = |header: &[String]| {
        let problems = plan.check_header(header);
        if problems.is_empty() {
            return Ok(());
        }
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
    };
    let checks = validate::rules::checks(&plan.input.rules);
    Ok(ingest::read(
        &plan.input,
        &columns,
        &checks,
        &check_header,
        on_bytes,
    )?)
}

/// What the estimate stage publishes: the results after disclosure control (withheld
/// analyses left out), every suppressed cell, and the withheld analyses with why.
struct Published {
    results: Vec<AnalysisResult>,
    suppression: Vec<LogEntry>,
    withheld: Vec<(String, String)>,
    /// A warning for each withheld analysis.
    warnings: Vec<String>,
}

/// Estimates every analysis and applies disclosure control. A withheld analysis is left out
/// of every output; the report says which and why.
fn estimate_stage(
    plan: &Plan,
    table: &Table,
    unmapped: &[Unmapped],
    data: Vec<validate::AnalysisData>,
    disclosure: &DisclosurePlan,
) -> Result<Published, JobError> {
    let mut results = estimate::estimate(plan, data);
    estimate::weighted::apply(plan, table, &mut results).map_err(JobError::Design)?;
    estimate::check_exact_sizes(plan, &results).map_err(JobError::ExactTooLarge)?;
    let protection = crate::disclosure::protect(&mut results, plan, table, unmapped, disclosure)
        .map_err(JobError::Disclosure)?;
    let mut withheld = Vec::new();
    let mut warnings = Vec::new();
    let results = results
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
        .collect::<Vec<_>>();
    // Self-selection is assessed from the published numbers only, so after disclosure.
    let results = results
        .into_iter()
        .map(|mut r| {
            r.selection = estimate::sensitivity::assess(&r);
            r
        })
        .collect();
    Ok(Published {
        results,
        suppression: protection.log,
        withheld,
        warnings,
    })
}

/// `report.pdf`, printed from `index.html` by Chromium.
fn pdf(chromium: &std::path::Path, artifacts: &[Artifact]) -> Result<Artifact, JobError> {
    let html = artifacts
        .iter()
        .find(|a| a.path == "index.html")
        .map(|a| String::from_utf8_lossy(&a.bytes).into_owned())
        .unwrap_or_default();
    Ok(Artifact {
        path: "report.pdf".into(),
        bytes: crate::browser::print_pdf(chromium, &html)?,
    })
}

/// What each stage of a job would do, for `tally run --explain`.
pub fn explain(plan: &Plan, opts: &JobOptions) -> Vec<(&'static str, String)> {
    let Some(c) = &opts.cache else {
        return vec![
            ("ingest", "runs (no cache)".into()),
            ("report", "runs (no cache)".into()),
        ];
    };
    let pipeline_sha256 = ingest::sha256_hex(&plan.source);
    let keys = Keys::new(plan, &pipeline_sha256, &opts.flags());
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
