//! What the integration tests share: running the binary in isolation ([`tally`],
//! [`tally_run`], [`in_repo`], [`output_within`]), a scratch project ([`Scratch`]), what a
//! directory holds ([`tree`]), a seeded generator ([`SplitMix`]) and CSV rows as maps.
//!
//! Every run gets a stage cache of its own (never the user's `~/.cache/tally`, never a folder
//! in the repository) and no `SOURCE_DATE_EPOCH` from the environment.

pub mod rng;
pub mod scratch;
pub mod tree;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use rng::SplitMix;
pub use scratch::Scratch;

/// The repository (the crate's manifest directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The tally binary under test.
pub fn tally_bin() -> &'static str {
    env!("CARGO_BIN_EXE_tally")
}

/// `tally`, run in `cwd`, with its stage cache in `cache`.
pub fn tally(cwd: &Path, cache: &Path) -> Command {
    let mut c = Command::new(tally_bin());
    c.current_dir(cwd)
        .env("TALLY_CACHE_DIR", cache)
        .env_remove("SOURCE_DATE_EPOCH");
    c
}

/// `tally run <pipeline> --reports-dir <reports>`, with the cache inside the reports root.
pub fn tally_run(pipeline: &Path, reports: &Path) -> Command {
    let mut c = tally(reports, &reports.join(".tally-cache"));
    c.arg("run").arg(pipeline).arg("--reports-dir").arg(reports);
    c
}

/// `tally <args>` run in the repository, with a stage cache in the system's temporary
/// directory (one per test process; never a folder in the repository).
pub fn in_repo(args: &[&str]) -> Output {
    let cache = std::env::temp_dir().join(format!("tally-test-cache-{}", std::process::id()));
    tally(&root(), &cache)
        .args(args)
        .output()
        .expect("the tally binary runs")
}

/// Runs `c`, killing it (by its own pid) if it outlives `limit`: a hang fails the test
/// instead of stalling the suite.
pub fn output_within(mut c: Command, limit: Duration) -> Output {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tally runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tally hung for more than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Runs `tally <args>` (a shell-quoted argument string) in `cwd` with its stdout the write
/// end of a pipe whose read end is already closed (the shell waits a moment so that the
/// close comes first).
pub fn with_closed_stdout(cwd: &Path, cache: &Path, args: &str) -> Output {
    let mut child = Command::new("sh")
        .current_dir(cwd)
        .env("TALLY_CACHE_DIR", cache)
        .env_remove("SOURCE_DATE_EPOCH")
        .arg("-c")
        .arg(format!("sleep 0.3; exec '{}' {args}", tally_bin()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tally");
    drop(child.stdout.take());
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(60), "tally hung");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally, not by a signal")
}

/// A CSV's rows as maps of column -> value.
pub fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            h.iter()
                .map(String::from)
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

/// A CSV file's rows as maps of column -> value.
pub fn csv_file_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    csv_rows(&text)
}

/// Makes a named pipe (FIFO) at `path` (through rustix: the tests forbid unsafe code too).
pub fn mkfifo(path: &Path) -> std::io::Result<()> {
    use rustix::fs::{mknodat, FileType, Mode, CWD};
    mknodat(CWD, path, FileType::Fifo, Mode::from_raw_mode(0o644), 0).map_err(Into::into)
}

/// Runs the repository's `pipelines/<name>.toml` (with `extra` arguments) into a fresh
/// reports root, which must succeed; returns the root (kept alive) and the report directory.
pub fn run_example(name: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let pipeline = format!("pipelines/{name}.toml");
    let mut args = vec![
        "run",
        &pipeline,
        "--reports-dir",
        out.path().to_str().unwrap(),
    ];
    args.extend(extra);
    let o = in_repo(&args);
    assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
    let dir = out.path().join(name);
    (out, dir)
}
