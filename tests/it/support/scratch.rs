//! A scratch project in a temporary directory, with its stage cache in a temporary
//! directory of its own (outside it, so that a snapshot of the directory shows exactly what
//! a run changed).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

pub struct Scratch {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The stage cache of every run in this scratch project.
    pub fn cache(&self) -> &Path {
        self.cache.path()
    }

    /// Writes `rel` (folders made as needed); returns its path.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, bytes).unwrap();
        p
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// `tally <args>` in this project, not yet run.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = super::tally(self.path(), self.cache());
        c.args(args);
        c
    }

    /// Runs `tally <args>` in this project; a run of more than a minute is a hang.
    pub fn run(&self, args: &[&str]) -> Output {
        super::output_within(self.cmd(args), Duration::from_secs(60))
    }
}
