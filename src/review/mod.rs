//! Review pipelines: a meta-analysis of one proportion across several surveys. A pipeline
//! file with a top-level `[review]` table ([`spec::is_review`]) names its surveys as rows
//! of a counts CSV (`survey, x, n` and optional `subgroup, year, citation`) or as
//! references to other tally pipelines (an analysis and level of that pipeline's published
//! `estimates.csv`, which must be current: its manifest's hashes of the pipeline and input
//! are checked against the files).
//!
//! - [`spec`]: the file as written (serde). [`plan`]: as meant; every survey read and
//!   checked, each problem naming its entry (n = 0, x > n, one survey, the same survey
//!   twice, a subgroup with one survey, a missing or stale referenced report).
//! - [`run`]: the statistics ([`crate::stats::meta`]). [`render`]: the artifacts
//!   (`index.html`, `report.md`, `pooled.csv`, `studies.csv`, `plots/forest.svg|png`).
//! - [`write()`] (I/O at the edge): plan, compute, render, then [`crate::output`] writes the
//!   report directory with its `manifest.json`.

pub mod plan;
pub mod render;
pub mod run;
pub mod spec;

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::ingest::sha256_hex;
use crate::render::Artifact;

pub use spec::is_review;

/// What a written review reports back.
#[derive(Debug, Clone)]
pub struct Written {
    pub report_dir: PathBuf,
    pub surveys: usize,
}

/// The text of a review pipeline file; `None` for any other file (or one that cannot be
/// read, which the ordinary planning then reports).
pub fn read_if_review(path: &Path) -> Option<String> {
    let mut f = crate::files::open_regular(path).ok()?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut f, &mut text).ok()?;
    is_review(&text).then_some(text)
}

/// Checks a review pipeline as `tally run` would read it (its surveys, referenced reports
/// and counts), writing nothing: the number of surveys.
pub fn check(path: &Path, text: &str, reports_root: &Path) -> Result<usize, String> {
    let plan = plan::load(path, text, reports_root)?;
    run::compute(&plan).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(plan.surveys.len())
}

/// Runs the review pipeline at `path` (its text `text`), writing its report under
/// `reports_root`. The error is the whole message, naming the file and entry.
pub fn write(
    path: &Path,
    text: &str,
    reports_root: &Path,
    internal: bool,
) -> Result<Written, String> {
    let (plan, mut artifacts) = build(path, text, reports_root, internal)?;
    artifacts.push(manifest(&plan, &artifacts));
    crate::output::write_report(&plan.report_dir, &artifacts)
        .map_err(|e| format!("writing {}: {e}", plan.report_dir.display()))?;
    Ok(Written {
        report_dir: plan.report_dir,
        surveys: plan.surveys.len(),
    })
}

/// Plans, computes and renders a review in memory: its plan and every artifact but the
/// manifest (`tally verify` compares them with a published report).
pub fn build(
    path: &Path,
    text: &str,
    reports_root: &Path,
    internal: bool,
) -> Result<(plan::ReviewPlan, Vec<Artifact>), String> {
    let plan = plan::load(path, text, reports_root)?;
    let results = run::compute(&plan).map_err(|e| format!("{}: {e}", path.display()))?;
    let artifacts = render::artifacts(&plan, &results, internal)?;
    Ok((plan, artifacts))
}

/// `manifest.json`: the pipeline and every input with SHA-256, and every artifact.
fn manifest(plan: &plan::ReviewPlan, artifacts: &[Artifact]) -> Artifact {
    let m = json!({
        "tool": "tally",
        "version": env!("CARGO_PKG_VERSION"),
        "kind": "review",
        "pipeline": {"path": plan.pipeline_written, "sha256": plan.pipeline_sha256},
        "inputs": plan.inputs.iter().map(|i| json!({"path": i.path, "sha256": i.sha256, "bytes": i.bytes})).collect::<Vec<_>>(),
        "disclosure": {"protect": true},
        "cache_key": plan.pipeline_sha256,
        "artifacts": artifacts.iter().map(|a| json!({"path": a.path, "sha256": sha256_hex(&a.bytes)})).collect::<Vec<_>>(),
    });
    let mut bytes = serde_json::to_vec_pretty(&m).unwrap_or_default();
    bytes.push(b'\n');
    Artifact {
        path: "manifest.json".into(),
        bytes,
    }
}
