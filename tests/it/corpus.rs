//! The bad-input corpus (`tests/corpus/<case>/`, described in its README): every case runs
//! the real binary and must give its expected exit code (never 101, a panic), name what went
//! wrong on stderr, and, when the run succeeds, count each excluded row under its reason.
//! Three big cases are generated here rather than committed.
//!
//! Each case runs in a copy of its directory (a temporary one), so that a case about data
//! safety can check that nothing on disk changed, and a case that goes wrong cannot harm the
//! repository. What git cannot hold (a FIFO, a dangling symbolic link) is made by the
//! case's `[setup]` in that copy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{self, tree, SplitMix};

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
    /// The run changes nothing in the case's directory (reports root included).
    #[serde(default)]
    unchanged: bool,
    /// Files that must still be there, with the same bytes, after the run.
    #[serde(default)]
    kept: Vec<String>,
    /// Report directories (under the reports root) that must have been written.
    #[serde(default)]
    reports_written: Vec<String>,
    /// `"closed"`: stdout is a pipe whose reader has gone; `"full"`: stdout is /dev/full.
    stdout: Option<String>,
    #[serde(default)]
    setup: Setup,
}

/// What the harness makes in the copy of a case before running it.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Setup {
    /// Named pipes to make (any file of that name is removed first).
    #[serde(default)]
    fifo: Vec<String>,
    /// `[link, target]` symbolic links to make.
    #[serde(default)]
    symlink: Vec<(String, String)>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Runs one case in `dir` (a copy); returns the output and the reports root used. The
/// reports root is `reports` unless the case's `args` name one with `--reports-dir`.
fn run_case(
    dir: &Path,
    reports: &Path,
    stdout: Option<&str>,
    env: &[(&str, &str)],
) -> (Output, PathBuf) {
    let args: Vec<String> = match std::fs::read_to_string(dir.join("args")) {
        Ok(text) => {
            let mut a: Vec<String> = text.lines().map(str::to_string).collect();
            if a.first().map(String::as_str) == Some("run")
                && !a.iter().any(|x| x == "--reports-dir")
            {
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
    let root = args
        .iter()
        .position(|a| a == "--reports-dir")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| reports.to_path_buf(), |r| dir.join(r));
    let cache = reports.with_extension("tally-cache");
    let out = match stdout {
        None => support::tally(dir, &cache)
            .args(&args)
            .envs(env.iter().copied())
            .output()
            .expect("run tally"),
        Some("full") => support::tally(dir, &cache)
            .args(&args)
            .stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .expect("/dev/full"),
            )
            .output()
            .expect("run tally"),
        Some("closed") => {
            let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
            support::with_closed_stdout(dir, &cache, &quoted.join(" "))
        }
        Some(other) => panic!("expect.toml: unknown stdout = {other:?}"),
    };
    (out, root)
}

/// The report directory written under `root`, if any.
fn find_report(root: &Path) -> Option<PathBuf> {
    std::fs::read_dir(root).ok().and_then(|rd| {
        rd.filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.is_dir() && p.join("manifest.json").exists())
    })
}

/// Copies a case directory (files, folders and symbolic links as they are).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let t = e.file_type().unwrap();
        if t.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if t.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn csv_records(path: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.records().map(Result::unwrap).collect()
}

/// One case, copied into a scratch directory with its `[setup]` made, and run.
pub struct CaseRun {
    pub name: String,
    expect: Expect,
    /// The scratch directory: the copy (`case/`) and the reports root (`reports/`).
    pub scratch: tempfile::TempDir,
    pub work: PathBuf,
    /// The copy before the run.
    before: Vec<(String, Vec<u8>)>,
    pub out: Output,
    /// The reports root the run used.
    pub root: PathBuf,
}

/// Copies the case in `dir`, makes its setup and runs it.
pub fn run_corpus_case(dir: &Path) -> Result<CaseRun, String> {
    run_corpus_case_with(dir, &[])
}

/// [`run_corpus_case`] with `env` set for the run (a case whose stdout is closed or full
/// runs without it).
pub fn run_corpus_case_with(dir: &Path, env: &[(&str, &str)]) -> Result<CaseRun, String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let text =
        std::fs::read_to_string(dir.join("expect.toml")).map_err(|e| format!("{name}: {e}"))?;
    let expect: Expect = toml::from_str(&text).map_err(|e| format!("{name}: expect.toml: {e}"))?;
    let scratch = tempfile::tempdir().unwrap();
    let work = scratch.path().join("case");
    copy_tree(dir, &work);
    for f in &expect.setup.fifo {
        let p = work.join(f);
        let _ = std::fs::remove_file(&p);
        support::mkfifo(&p).unwrap_or_else(|e| panic!("{name}: mkfifo {f}: {e}"));
    }
    for (link, target) in &expect.setup.symlink {
        let p = work.join(link);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, &p).unwrap();
    }
    let reports = scratch.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let before = tree::snapshot(&work);
    let (out, root) = run_case(&work, &reports, expect.stdout.as_deref(), env);
    Ok(CaseRun {
        name,
        expect,
        scratch,
        work,
        before,
        out,
        root,
    })
}

/// What the run did: exit code, the case's directory unchanged or files kept, the reports
/// written, the words on stderr.
fn check_outcome(run: &CaseRun, errs: &mut Vec<String>) {
    let (expect, before) = (&run.expect, &run.before);
    let stderr = String::from_utf8_lossy(&run.out.stderr);
    let code = run.out.status.code().unwrap_or(-1);
    if code == 101 {
        errs.push("panicked (exit 101)".to_string());
    }
    if code != expect.exit {
        errs.push(format!("exit {code}, expected {}", expect.exit));
    }
    if expect.unchanged {
        let after = tree::snapshot(&run.work);
        if &after != before {
            let names =
                |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
            errs.push(format!(
                "changed the case's directory: before {:?}, after {:?}",
                names(before),
                names(&after)
            ));
        }
    }
    for k in &expect.kept {
        let was = before.iter().find(|(n, _)| n == k).map(|(_, b)| b);
        let now = std::fs::read(run.work.join(k)).ok();
        if was.is_none() || now.as_ref() != was {
            errs.push(format!("{k} was not kept as it was"));
        }
    }
    for r in &expect.reports_written {
        if !run.root.join(r).join("manifest.json").is_file() {
            errs.push(format!("report {r} was not written"));
        }
    }
    for s in &expect.stderr {
        if !stderr.contains(s.as_str()) {
            errs.push(format!("stderr lacks {s:?}"));
        }
    }
}

/// What the report of a successful run holds: rejections by reason and line, unmapped
/// values, words in the page, no cell that could run as a formula.
fn check_report(expect: &Expect, report: &Path, errs: &mut Vec<String>) {
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
        let mut got: Vec<u64> = rejected.iter().map(|r| r[0].parse().unwrap()).collect();
        got.sort_unstable();
        if &got != want {
            errs.push(format!("rejected lines {got:?}, expected {want:?}"));
        }
    }
    if let Some(want) = &expect.unmapped {
        let got: BTreeMap<String, String> = support::csv_file_rows(&report.join("unmapped.csv"))
            .into_iter()
            .map(|r| (r["value"].clone(), r["did_you_mean"].clone()))
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

fn check_case(dir: &Path) -> Result<(), String> {
    let run = run_corpus_case(dir)?;
    let mut errs = Vec::new();
    check_outcome(&run, &mut errs);
    // A successful `tally run` has a report to look into; other commands write none.
    let is_run =
        std::fs::read_to_string(dir.join("args")).map_or(true, |a| a.lines().next() == Some("run"));
    if run.expect.exit == 0 && is_run {
        match find_report(&run.root) {
            None => errs.push("no report written".into()),
            Some(report) => check_report(&run.expect, &report, &mut errs),
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: {}\n  stderr: {}",
            run.name,
            errs.join("; "),
            String::from_utf8_lossy(&run.out.stderr).trim_end()
        ))
    }
}

/// The corpus's case directories, sorted.
pub fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("expect.toml").exists())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_corpus_case_gives_its_expected_outcome() {
    let dirs = case_dirs();
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

/// (The generated inputs hold only `x`, so `y` is declared empty.)
const PIPELINE: &str = "[input]\npath = \"data.csv\"\n\n[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"x\", \"y\"]\nexpect_empty = [\"y\"]\n";

/// Runs the one-analysis pipeline above on `data`; returns exit code and stderr.
fn run_generated(data: &[u8]) -> (i32, String, Option<PathBuf>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pipeline.toml"), PIPELINE).unwrap();
    std::fs::write(dir.path().join("data.csv"), data).unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let (out, root) = run_case(dir.path(), &reports, None, &[]);
    let report = find_report(&root);
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
    let (code, err, _, _d) = run_generated(&SplitMix(7).bytes(50 << 20));
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
