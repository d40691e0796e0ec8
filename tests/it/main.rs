//! The integration tests: one binary (`cargo test --test it`), so that the library and the
//! `tally` binary are linked once. Most modules run the real binary on scratch projects and
//! check exit codes, stdout, stderr and report trees; [`references`] and [`splitter`] call the
//! library directly.
//!
//! - [`cli`]: the commands by topic (calculators, examples, pipeline problems, identifying
//!   columns, bad input, whole reports, batches and the cache).
//! - [`corpus`]: the bad-input corpus in `tests/corpus/`, each case with its expected outcome.
//! - [`safety`]: never destroy what tally did not write; no panic, no hang; same bytes.
//! - [`disclosure`]: an outsider's attacks on published reports.
//! - [`parallel_ingest`]: the data-parallel ingest, forced onto small files in tiny blocks,
//!   writes the serial path's bytes (examples, survey exports, the corpus).
//! - [`surveys`]: survey-tool exports (`tests/fixtures/surveys/`) against their generator's
//!   figures.
//! - [`browser`]: the example report in headless Chromium, and `--pdf`.
//! - [`references`]: the statistics against R, scipy/statsmodels and mpmath.
//! - [`splitter`]: the CSV record reader against the `csv` crate on generated records.
//! - [`snapshots`]: insta snapshots of the example reports (every file's size and SHA-256)
//!   and of messages (`tests/it/snapshots/`): the guard that a refactor changes no byte.
//! - [`support`]: what they share (running the binary, a scratch project, directory
//!   listings, a seeded generator).

// A test that unwraps fails as a test should; the library's no-panic lints do not apply to
// the helpers here (clippy.toml allows them only inside `#[test]` functions).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod browser;
mod cli;
mod corpus;
mod disclosure;
mod parallel_ingest;
mod references;
mod safety;
mod snapshots;
mod splitter;
mod support;
mod surveys;
