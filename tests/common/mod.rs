//! What the integration tests share: running the binary in isolation. Every run gets a
//! stage cache of its own (never the user's `~/.cache/tally`, never a folder in the
//! repository) and no `SOURCE_DATE_EPOCH` from the environment.

#![allow(dead_code)] // each test file uses some of these

use std::path::Path;
use std::process::Command;

/// `tally`, run in `cwd`, with its stage cache in `cache`.
pub fn tally(cwd: &Path, cache: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tally"));
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

/// Makes a named pipe (FIFO) at `path`.
pub fn mkfifo(path: &std::path::Path) -> std::io::Result<()> {
    use rustix::fs::{mknodat, FileType, Mode, CWD};
    mknodat(CWD, path, FileType::Fifo, Mode::from_raw_mode(0o644), 0).map_err(Into::into)
}
