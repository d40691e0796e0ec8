//! # tally
//!
//! Patient-survey CSVs in, reproducible reports with confidence intervals out.
//!
//! ## The spine
//!
//! One job is five stages; only the two ends touch the file system:
//!
//! ```text
//! ingest   (I/O)  data file -> Table: distinct tuples of needed columns + counts, rejects
//! validate (pure) Table + Plan -> per-analysis cells + exclusions by reason, unmapped values
//! estimate (pure) cells -> grouped counts (polars) -> proportions + intervals
//!          (pure) -> disclosure control: small cells and their complements hidden
//! render   (pure) estimates -> artifacts (named byte buffers: CSV, JSON, HTML, MD, XLSX,
//!                 SVG, PNG; PDF through Chromium on request)
//! write    (I/O)  artifacts -> report directory, atomically
//! ```
//!
//! The ingest output is cached, and a report whose inputs have not changed is not rebuilt
//! ([`cache`]); `tally run` runs many jobs at once on a thread pool ([`cmd::run`]).
//!
//! Before the spine runs, the pipeline file is read twice: as written ([`spec`], a serde
//! mirror of the TOML with unknown keys reported by path) and as meant ([`plan`]: paths
//! resolved, defaults filled, every problem collected at once).
//!
//! ## Codemap
//!
//! - [`cli`]: clap types only. [`cmd`]: one file per subcommand.
//! - [`spec`], [`plan`]: the pipeline file. [`job`]: the spine in a few lines.
//! - [`ingest`]: the only reader of data files: `decode` (encodings, the one home of
//!   encoding_rs), `sniff` (delimiters), `csvread` (the record reader), `formats` and
//!   `layout` (survey-tool exports, multi-select indicators, free text fenced off).
//!   [`validate`]: recoding and row accounting.
//! - [`estimate`]: the estimation stage: the plan and the cells in, results out; `grouping`
//!   (the only polars code) and `derive` (every figure from the counts as they stand).
//! - [`stats`]: the statistics, a leaf on plain numbers: `ci` (one file per interval method),
//!   `compare` (one file per comparison method, plus the 2 x 2 tests), `tables` (r x c
//!   tests), `simultaneous`, `multiplicity`, `reliability` (NCHS flags), `dist` (the one
//!   home of statrs, and our incomplete beta, its inverse and the root finder) and
//!   `registry` (every closed set of names as one slice of entries, each with its function).
//! - [`disclosure`]: small-cell suppression, complementary suppression, rounding; `facts`
//!   (every published number as a sum of respondent classes across analyses) and `audit`
//!   (the attacker's integer programs; the one home of microlp).
//!   [`identify`]: columns that look like direct identifiers refused as `by` or `outcome`
//!   (by name when planned, by content right after ingest).
//! - [`render`]: tables, HTML, Markdown, `xlsx` (the only rust_xlsxwriter code), `prose`
//!   (the sentences the outputs share), `figures` (analyses as plain data for the plots).
//!   [`plots`]: the only plotters code, one file per plot kind and one registry of kinds
//!   ([`plots::KINDS`]), drawing plain data (no plan or estimate types). [`text`]: the text
//!   helpers both use (HTML escaping, thousands, percentages, p-values); `render` uses
//!   `plots` and `text`, `plots` uses `text`, `text` uses nothing.
//! - [`output`]: the only writer of reports. [`cache`]: the stage cache. [`browser`]: the
//!   only code that starts another program (headless Chromium, for `--pdf`).
//!
//! ## Invariants
//!
//! - Every data record is used or rejected with a counted reason; for every analysis,
//!   respondents available = in the denominator + excluded by reason.
//! - Only `estimate::grouping` imports polars; the statistics do no I/O and work on plain
//!   numbers, so each is tested against reference values from R and scipy.
//! - Same inputs, same bytes: artifacts hold no timestamps or absolute paths; the run date
//!   and timings live only in `manifest.json`. The pipeline is shown by its file name, so
//!   every spelling of its path gives the same bytes.
//! - Never destroy what tally did not write: a run replaces only a whole tally report
//!   ([`output::check_target`]), and never a report directory that is the reports root or
//!   holds the pipeline or its input ([`plan::check_report_location`]).
//! - No panic, abort or hang: a closed stdout ends quietly, a failed write is exit 1
//!   ([`cmd::stdout_failed`]); inputs must be regular files ([`files::open_regular`]); the
//!   exact conditional methods are bounded ([`stats::compare::EXACT_MAX_TABLES`]).

pub mod browser;
pub mod cache;
pub mod cli;
pub mod cmd;
pub mod disclosure;
pub mod estimate;
pub mod files;
pub mod identify;
pub mod ingest;
pub mod job;
pub mod manifest;
pub mod output;
pub mod plan;
pub mod plots;
pub mod registry;
pub mod render;
pub mod spec;
pub mod stats;
pub mod suggest;
pub mod suppression;
pub mod text;
pub mod validate;

/// Runs a parsed command.
pub fn dispatch(command: &cli::Command) -> cmd::Outcome {
    match command {
        cli::Command::Run(a) => cmd::run::run(a),
        cli::Command::Check(a) => cmd::check::run(a),
        cli::Command::Ci(a) => cmd::ci::run(a),
        cli::Command::Compare(a) => cmd::compare::run(a),
        cli::Command::Test(a) => cmd::test::run(a),
        cli::Command::Methods => cmd::methods::run(),
    }
}
