//! The bad-input corpus (`tests/corpus/<case>/`, described in its README): every case runs
//! the real binary and must give its expected exit code (never 101, a panic), name what went
//! wrong on stderr, and, when the run succeeds, count each excluded row under its reason.
//! Three big cases are generated here rather than committed.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    exit: i32,
    #[serde(default)]
    stderr: Vec<String>,
    rejected: Option<BTreeMap<String, u64>>,
    rejected_lines: Option<Vec<u64>>,
    unmapped: Option<BTreeMap<String, String>>,
    #[serde(default)]
    html_must_contain: Vec<String>,
    #[serde(default)]
    html_must_not_contain: Vec<String>,
    csv_must_not_start_with: Option<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Runs one case; returns the report directory, if one was written.
fn run_case(dir: &Path, reports: &Path) -> (Output, Option<PathBuf>) {
    let args: Vec<String> = match std::fs::read_to_string(dir.join("args")) {
        Ok(text) => {
            let mut a: Vec<String> = text.lines().map(str::to_string).collect();
            if a.first().map(String::as_str) == Some("run") {
                a.push("--reports-dir".into());
                a.push(reports.display().to_string());
            }
            a
        }
        Err(_) => vec![
            "run".into(),
            "pipeline.toml".into(),
            "--reports-dir".into(),
            reports.display().to_string(),
        ],
    };
    let out = common::tally(dir, &reports.join(".tally-cache"))
        .args(&args)
        .output()
        .expect("run tally");
    let report = std::fs::read_dir(reports).ok().and_then(|rd| {
        rd.filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.is_dir() && p.join("manifest.json").exists())
    });
    (out, report)
}

fn csv_records(path: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.records().map(Result::unwrap).collect()
}

fn check_case(dir: &Path) -> Result<(), String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let text =
        std::fs::read_to_string(dir.join("expect.toml")).map_err(|e| format!("{name}: {e}"))?;
    let expect: Expect = toml::from_str(&text).map_err(|e| format!("{name}: expect.toml: {e}"))?;
    let reports = tempfile::tempdir().unwrap();
    let (out, report) = run_case(dir, reports.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    let mut errs = Vec::new();
    if code == 101 {
        errs.push("panicked (exit 101)".to_string());
    }
    if code != expect.exit {
        errs.push(format!("exit {code}, expected {}", expect.exit));
    }
    for s in &expect.stderr {
        if !stderr.contains(s.as_str()) {
            errs.push(format!("stderr lacks {s:?}"));
        }
    }
    if expect.exit == 0 {
        match &report {
            None => errs.push("no report written".into()),
            Some(report) => {
                let rejected = csv_records(&report.join("rejected.csv"));
                if let Some(want) = &expect.rejected {
                    let mut got: BTreeMap<String, u64> = BTreeMap::new();
                    for r in &rejected {
                        *got.entry(r[1].to_string()).or_default() += 1;
                    }
                    if &got != want {
                        errs.push(format!("rejected {got:?}, expected {want:?}"));
                    }
                }
                if let Some(want) = &expect.rejected_lines {
                    let mut got: Vec<u64> =
                        rejected.iter().map(|r| r[0].parse().unwrap()).collect();
                    got.sort_unstable();
                    if &got != want {
                        errs.push(format!("rejected lines {got:?}, expected {want:?}"));
                    }
                }
                if let Some(want) = &expect.unmapped {
                    let got: BTreeMap<String, String> = csv_records(&report.join("unmapped.csv"))
                        .iter()
                        .map(|r| (r[1].to_string(), r[3].to_string()))
                        .collect();
                    if &got != want {
                        errs.push(format!("unmapped {got:?}, expected {want:?}"));
                    }
                }
                let html = std::fs::read_to_string(report.join("index.html")).unwrap_or_default();
                for s in &expect.html_must_contain {
                    if !html.contains(s.as_str()) {
                        errs.push(format!("index.html lacks {s:?}"));
                    }
                }
                for s in &expect.html_must_not_contain {
                    if html.contains(s.as_str()) {
                        errs.push(format!("index.html contains {s:?}"));
                    }
                }
                if expect.csv_must_not_start_with.is_some() {
                    let mut r = csv::ReaderBuilder::new()
                        .has_headers(false)
                        .from_path(report.join("estimates.csv"))
                        .unwrap();
                    for rec in r.records().map(Result::unwrap) {
                        for cell in rec.iter() {
                            if cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
                                && cell.parse::<f64>().is_err()
                            {
                                errs.push(format!(
                                    "estimates.csv cell {cell:?} could run as a formula"
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{name}: {}\n  stderr: {}",
            errs.join("; "),
            stderr.trim_end()
        ))
    }
}

#[test]
fn every_corpus_case_gives_its_expected_outcome() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("expect.toml").exists())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 40, "the corpus has {} cases", dirs.len());
    let failures: Vec<String> = dirs.iter().filter_map(|d| check_case(d).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

/// A deterministic byte stream (xorshift64*), for the generated cases.
fn noise(len: usize, mut s: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        out.extend_from_slice(&s.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

const PIPELINE: &str = "[input]\npath = \"data.csv\"\n\n[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"x\", \"y\"]\n";

/// Runs the one-analysis pipeline above on `data`; returns exit code and stderr.
fn run_generated(data: &[u8]) -> (i32, String, Option<PathBuf>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pipeline.toml"), PIPELINE).unwrap();
    std::fs::write(dir.path().join("data.csv"), data).unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let (out, report) = run_case(dir.path(), &reports);
    let code = out.status.code().unwrap_or(-1);
    (
        code,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        report,
        dir,
    )
}

#[test]
fn generated_big_inputs_fail_cleanly() {
    // 50 MB of random bytes: refused as binary from its first 64 KB.
    let (code, err, _, _d) = run_generated(&noise(50 << 20, 7));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("data.csv does not look like a CSV text file"),
        "{err}"
    );

    // A header of 1,000,000 columns: the missing column is named, and the message stays short.
    let mut wide: Vec<u8> = (0..1_000_000)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(",")
        .into_bytes();
    wide.extend_from_slice(b"\n");
    wide.extend(std::iter::repeat_n(b',', 999_999));
    wide.push(b'\n');
    let (code, err, _, _d) = run_generated(&wide);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("column `o` is not in data.csv"), "{err}");
    assert!(err.len() < 4096, "message of {} bytes", err.len());

    // A 10 MB single line after the header: one record with the wrong number of fields.
    let mut long = b"o,g\nx,a\n".to_vec();
    long.extend(std::iter::repeat_n(b'x', 10 << 20));
    long.push(b'\n');
    let (code, err, report, _d) = run_generated(&long);
    assert_eq!(code, 0, "{err}");
    let rejected = csv_records(&report.unwrap().join("rejected.csv"));
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        (&rejected[0][0], &rejected[0][1]),
        ("3", "wrong number of fields")
    );
    assert!(
        rejected[0].len() == 3,
        "a published report holds no record text"
    );
}
