//! The data-parallel ingest (`src/ingest/parallel.rs`) writes exactly the serial path's
//! bytes. Its own tests (in the library) compare the two tables on generated files; here the
//! real binary runs every example pipeline, every survey-tool export and every corpus case
//! twice: once with `TALLY_INGEST_BLOCK=serial` (the serial path, whatever the size) and once
//! with the parallel path forced onto these small files in blocks of a few dozen bytes
//! (so that a file is many blocks, with cuts next to quoted fields, blank lines and duplicate
//! ids). Exit code, stdout, stderr and every file written (`manifest.json` with its run date
//! and timings redacted) must be the same.

use std::path::Path;
use std::process::Output;

use crate::corpus;
use crate::snapshots::{normalise, redacted_manifest};
use crate::support::{self, root, tree};

/// The block sizes the parallel runs use (bytes).
const BLOCKS: [&str; 2] = ["29", "211"];

/// What a run said and wrote, with the machine and the timings taken out.
fn outcome(
    o: &Output,
    scratch: &Path,
    written: &Path,
) -> (i32, String, String, Vec<(String, Vec<u8>)>) {
    let paths = [(scratch, "[SCRATCH]")];
    let files = if written.exists() {
        tree::snapshot(written)
            .into_iter()
            .filter(|(p, _)| !p.contains(".tally-cache"))
            .map(|(p, bytes)| {
                if p.ends_with("manifest.json") {
                    let text = redacted_manifest(&String::from_utf8_lossy(&bytes));
                    (p, normalise(&text, &paths).into_bytes())
                } else {
                    (p, bytes)
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    (
        support::code(o),
        normalise(&support::stdout(o), &paths),
        normalise(&support::stderr(o), &paths),
        files,
    )
}

fn run_pipeline(pipeline: &Path, block: &str) -> (i32, String, String, Vec<(String, Vec<u8>)>) {
    let reports = tempfile::tempdir().unwrap();
    let o = support::tally_run(pipeline, reports.path())
        .env("TALLY_INGEST_BLOCK", block)
        .arg("--internal")
        .output()
        .unwrap();
    outcome(&o, reports.path(), reports.path())
}

#[test]
fn examples_and_survey_exports_write_the_serial_bytes() {
    let mut pipelines: Vec<std::path::PathBuf> = std::fs::read_dir(root().join("pipelines"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    for tool in ["google-forms", "limesurvey", "qualtrics", "surveymonkey"] {
        let dir = root().join("tests/fixtures/surveys").join(tool);
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|e| e == "toml") {
                pipelines.push(p);
            }
        }
    }
    pipelines.sort();
    assert!(pipelines.len() >= 9, "{pipelines:?}");
    for p in &pipelines {
        let serial = run_pipeline(p, "serial");
        assert_eq!(serial.0, 0, "{}: {}", p.display(), serial.2);
        for block in BLOCKS {
            let parallel = run_pipeline(p, block);
            assert!(
                serial == parallel,
                "{} with TALLY_INGEST_BLOCK={block}: the output differs from the serial path's\nserial stderr: {}\nparallel stderr: {}",
                p.display(),
                serial.2,
                parallel.2
            );
        }
    }
}

#[test]
fn every_corpus_case_writes_the_serial_bytes() {
    let dirs = corpus::case_dirs();
    assert!(dirs.len() >= 40);
    for dir in &dirs {
        let run = |block: &str| {
            let r = corpus::run_corpus_case_with(dir, &[("TALLY_INGEST_BLOCK", block)]).unwrap();
            let paths = [(r.scratch.path(), "[SCRATCH]")];
            let mut o = outcome(&r.out, r.scratch.path(), &r.root);
            // The case's own directory too (a report written inside it, files kept).
            o.3.extend(
                tree::snapshot(&r.work)
                    .into_iter()
                    .filter(|(p, _)| !p.contains(".tally-cache") && !p.ends_with("manifest.json")),
            );
            o.1 = normalise(&o.1, &paths);
            o
        };
        let serial = run("serial");
        for block in BLOCKS {
            let parallel = run(block);
            assert!(
                serial == parallel,
                "{} with TALLY_INGEST_BLOCK={block}: the outcome differs from the serial path's\nserial: {:?}\nparallel: {:?}",
                dir.display(),
                (serial.0, &serial.2),
                (parallel.0, &parallel.2)
            );
        }
    }
}
