//! # tally
//!
//! Patient-survey CSVs in, reproducible reports with confidence intervals out.
//!
//! ## The spine
//!
//! One job is six stages ([`job::run`], one call each); only the two ends touch the file
//! system:
//!
//! ```text
//! ingest     (I/O)  data file -> Table: distinct tuples of needed columns + counts, rejects
//! validate   (pure) Table + Plan -> per-analysis cells + exclusions by reason, unmapped
//!                   values; identifying columns refused by content; named values that
//!                   occur in no row refused
//! estimate   (pure) cells -> counts of every margin (a fold) -> proportions + intervals,
//!                   comparisons, tests
//! disclosure (pure) small cells and their complements hidden, audited as an attacker would
//! render     (pure) results -> artifacts (named byte buffers: CSV, JSON, HTML, MD, XLSX,
//!                   SVG, PNG; PDF through Chromium on request)
//! write      (I/O)  artifacts + manifest.json -> report directory, atomically
//! ```
//!
//! The ingest output is cached, and a report whose inputs have not changed is not rebuilt
//! ([`cache`]); `tally run` runs many jobs at once on a thread pool ([`cmd::run`]).
//! `tally verify` runs every stage but the write ([`job::build`]) and compares what it
//! re-derives with a published report ([`cmd::verify`]).
//!
//! Before the spine runs, the pipeline file is read once and understood twice: as written
//! ([`spec`], a serde mirror of the TOML with unknown keys reported by path) and as meant
//! ([`plan`]: paths resolved, defaults filled, every problem collected at once). The plan
//! keeps the bytes it was made from, and the manifest's SHA-256 is of those bytes.
//!
//! ## Codemap
//!
//! Layers, each using only those below it (no module cycles):
//!
//! 1. Leaves: [`registry`] (the one idiom for a closed set of names: a static slice of
//!    entries, each carrying its name, its docs and its function or data), [`text`] (HTML
//!    escaping, thousands, percentages, p-values), [`files`] (regular files only),
//!    [`suppression`] (how a hidden number is shown), [`identify`] (the rules for direct
//!    identifiers, by name and by content), [`browser`] (the only code that starts another
//!    program: headless Chromium), [`cli`] (clap types only).
//! 2. [`stats`]: the statistics on plain numbers: `ci` (one file per interval method),
//!    `compare` (one file per comparison method, plus the 2 x 2 tests), `tables` (r x c
//!    tests), `simultaneous`, `multiplicity`, `reliability` (NCHS flags), `survey`
//!    (design-based estimation on per-PSU totals, as R `survey`; `survey::calibrate`:
//!    weights calibrated to population margins, per calibration class), `meta` (pooling
//!    proportions across surveys, as metafor), `published` (counts behind published
//!    percentages), `dist` (the one
//!    home of statrs, and our incomplete beta, its inverse and the root finder).
//!    [`plots`]: the only plotters code, one file per plot kind and one registry of kinds
//!    ([`plots::KINDS`]), drawing plain data. [`suggest`]: did-you-mean.
//! 3. [`spec`], then [`plan`]: the pipeline file; one file per section (`input`,
//!    `validate`, `analysis`, `compare`, `report`, `identifying`, `labels` (the one home
//!    of display labels), `weighting`), and the input's vocabulary (formats, encodings, kinds) as
//!    registries.
//! 4. The stages: [`ingest`] (the only reader of data files: `open` (header rows), `reader`
//!    (the reading thread), `csvread` (the record splitter), `builder` (record checks,
//!    tuples, counts, rejections; `intern`, `ids`), `digest` (SHA-256), `decode` (the one
//!    home of encoding_rs), `sniff` (delimiters), `formats` and `layout` (survey-tool
//!    exports, multi-select indicators, free text fenced off), `columnar` (Parquet and
//!    Arrow IPC through polars' lazy scan, the one home of polars, into the same builder));
//!    [`validate`] (recoding and
//!    row accounting; `rules`, the `[validate]` checks ingest applies; `identifying`, the
//!    content check; `occurs`, levels, filter values, groups and recode targets that occur
//!    in no row; `percentages`, a published-percentages table checked and completed;
//!    `bases`, each published table's base against the declared respondent total);
//!    [`estimate`] (`grouping`, `derive`: every figure from the counts as they stand,
//!    `result`, `weighted`: the design-based figures of a weighted survey, the full design
//!    read off the input); [`disclosure`] (suppression and rounding; `facts`: every
//!    published number as a sum of respondent classes across analyses; `audit`: the
//!    attacker's integer programs, the one home of microlp); [`render`] (`tables`, `model`
//!    (the report as plain data of finished strings, built once: every number formatted
//!    and every disclosure choice made there), `html` and `markdown` (the model through
//!    `templates/report.{html,md}.j2`; `templates`, the one home of minijinja, escaping
//!    on by default), `xlsx` (the only rust_xlsxwriter code), `prose` (the sentences the
//!    outputs share), `findings` (the key findings, built from structured parts), `figures`
//!    (analyses as plain data for [`plots`])).
//! 5. The edges: [`output`] (the only writer of reports), [`manifest`], [`cache`],
//!    [`review`] (review pipelines: a meta-analysis across surveys, plan, run, render),
//!    [`sql`] (the `GROUP BY` query of a pipeline's counts table, per SQL dialect), then
//!    [`job`] (the spine) and [`cmd`] (one file per subcommand; exit codes decided in one
//!    place, [`cmd::Outcome`] and [`cmd::job_outcome`]).
//!
//! ## Dependencies
//!
//! Each has one home, named above. polars (0.55, no default features; `lazy`, `parquet`,
//! `ipc`, and the narrow integer types `dtype-i8`/`-i16`/`-u8`/`-u16`) reads columnar inputs and nothing else: `ingest::columnar` scans a Parquet or
//! Arrow IPC file lazily, projected to the columns the pipeline reads, with the streaming
//! engine in batches, and hands each row to the CSV path's builder as text. It is the only
//! code that can read those formats; CSV never goes through it (the grouping it once did is
//! a fold over at most a few thousand distinct tuples, faster without a DataFrame). What it
//! costs is the build: polars and what its lazy and streaming engines bring (tokio, and,
//! through `polars-io`'s cloud layer, which the streaming engine always enables, reqwest,
//! hyper and rustls without a crypto provider: tally never opens a URL) are most of a cold
//! `cargo build --release`: 20 min 30 s from scratch (`--locked`, empty target
//! directory, 2 cores, no other work; 2026-12-02), against 18.5 minutes for the old
//! `lazy` + `csv` build; and the binary grows from 49 MB to 594 MB, most of it line tables. The features
//! are the least that scan both formats and the integer columns pandas and R write for small
//! codes and counts (int8, uint16, ...): no other `dtype-*` (a date, decimal or struct column
//! is refused by name, not read), no `csv`, `temporal`, `fmt` or `docs`. A from-scratch
//! `cargo test --release --locked --no-run` (the test build, a superset) took 24 min 38 s
//! on a new 2-core machine on 2026-12-03, with R and a Python venv installing beside it for
//! its first minutes.
//!
//! ## Invariants
//!
//! - Every data record is used or rejected with a counted reason; for every analysis,
//!   respondents available = in the denominator + excluded by reason.
//! - The statistics do no I/O and work on plain numbers, so each is tested against
//!   reference values from R and scipy (`tests/it/references/`).
//! - Same inputs, same bytes: artifacts hold no timestamps or absolute paths; the run date
//!   and timings live only in `manifest.json`. The pipeline is shown by its file name, so
//!   every spelling of its path gives the same bytes (`tests/it/snapshots/` pins them).
//! - Never destroy what tally did not write: a run replaces only a whole tally report
//!   ([`output::check_target`]), and never a report directory that is the reports root or
//!   holds the pipeline or its input ([`plan::check_report_location`]).
//! - No panic, abort or hang: no `unwrap`, `expect` or print macro outside tests and no
//!   `unsafe` (`[lints]` in `Cargo.toml`); a closed stdout ends quietly, a failed write is
//!   exit 1 ([`cmd::stdout_failed`]); inputs must be regular files
//!   ([`files::open_regular`]); the exact conditional methods are bounded
//!   ([`stats::compare::EXACT_MAX_TABLES`]).

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
pub mod review;
pub mod spec;
pub mod sql;
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
        cli::Command::Verify(a) => cmd::verify::run(a),
        cli::Command::Init(a) => cmd::init::run(a),
        cli::Command::Sql(a) => cmd::sql::run(a),
    }
}
