//! The stage cache, so that a rerun skips what has not changed. I/O at the edge: the stages
//! themselves never see it.
//!
//! - **Ingest** (the expensive stage: reading the data) is cached as the [`Table`] it
//!   produces, under a key made from the tool version, the input file's SHA-256 and
//!   everything in the pipeline that shapes reading (the `[input]` table, the `[validate]`
//!   rules and the columns the analyses need).
//! - **Report** (validate, estimate, render, write) is skipped when the report directory's
//!   `manifest.json` carries the same key (tool version, pipeline file, input, run options) and
//!   every artifact it lists is there with its SHA-256.
//!
//! Knowing an input's SHA-256 without reading it: like git's index, the cache remembers each
//! input's size and modification time beside its hash, and trusts the hash while both match.
//! Any change of either makes ingest read (and hash) the file again.
//!
//! Entries are JSON with a format number and the tool version. An entry that does not parse,
//! or was written by another version, is reported and rebuilt, never trusted. Writes go to a
//! temporary file renamed into place, so a killed run leaves no half entry.
//!
//! Location: `$TALLY_CACHE_DIR`, else `$XDG_CACHE_HOME/tally`, else `~/.cache/tally`. It holds
//! respondent-level tuples, so it is kept out of the (published) reports directory.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::ingest::{sha256_hex, Table};
use crate::plan::{InputPlan, Plan};

/// Bumped whenever the layout of an entry changes.
const FORMAT: u32 = 1;
const TOOL: &str = env!("CARGO_PKG_VERSION");

/// The cache directory.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
}

/// The result of looking an entry up.
pub enum Lookup<T> {
    Hit(T),
    Miss,
    /// There was an entry, but it cannot be trusted; why, for the user.
    Rebuild(String),
}

#[derive(Serialize, Deserialize)]
struct Entry<T> {
    format: u32,
    tool: String,
    key: String,
    value: T,
}

#[derive(Serialize, Deserialize)]
struct FileFacts {
    size: u64,
    mtime_ns: u128,
    sha256: String,
}

/// A key from parts (each length-prefixed, so that parts cannot run into each other).
pub fn key(parts: &[&str]) -> String {
    let mut bytes = Vec::new();
    for p in [TOOL].iter().chain(parts) {
        bytes.extend_from_slice(&(p.len() as u64).to_le_bytes());
        bytes.extend_from_slice(p.as_bytes());
    }
    sha256_hex(&bytes)
}

/// The cache keys of one job's stages.
#[derive(Debug, Clone)]
pub struct Keys {
    /// Everything but the input's hash that shapes the ingest output.
    reading: String,
    /// Everything but the input's hash that shapes the report.
    reporting: String,
}

impl Keys {
    /// The keys of a job: its plan, the SHA-256 of the pipeline file as planned, and the
    /// run options that change what a report holds (`flags`: name and value, in a fixed
    /// order).
    pub fn new(plan: &Plan, pipeline_sha256: &str, flags: &[(&str, bool)]) -> Keys {
        // Where the input lies is not part of the key (its SHA-256 is): the same file reached
        // by another spelling of the pipeline path reads the same, and the key is published
        // in manifest.json, which must not depend on the working directory.
        let input = InputPlan {
            path: PathBuf::new(),
            ..plan.input.clone()
        };
        let reading = format!("{input:?}|{:?}", plan.columns_needed());
        let mut reporting = pipeline_sha256.to_string();
        // The population margins read from a file shape the weights, so the report.
        if let Some(f) = plan
            .weighting
            .as_ref()
            .and_then(|w| w.margins_file.as_ref())
        {
            reporting.push_str(&format!("|margins_file={}", f.sha256));
        }
        for (name, on) in flags {
            reporting.push_str(&format!("|{name}={on}"));
        }
        Keys { reading, reporting }
    }

    /// The key of the ingest output for an input with this SHA-256.
    pub fn ingest(&self, input_sha256: &str) -> String {
        key(&["ingest", input_sha256, &self.reading])
    }

    /// The key of the report for an input with this SHA-256 (kept in its manifest).
    pub fn report(&self, input_sha256: &str) -> String {
        key(&["report", input_sha256, &self.reading, &self.reporting])
    }
}

impl Cache {
    /// The cached ingest output of the input at `path`, when the cache knows the file's
    /// SHA-256 (see [`Cache::known_sha256`]) and holds its table under `keys`.
    pub fn ingested(&self, path: &Path, keys: &Keys) -> Lookup<Table> {
        match self.known_sha256(path) {
            Some(sha) => self.table(&keys.ingest(&sha)),
            None => Lookup::Miss,
        }
    }

    /// Keeps a freshly read table: the input's SHA-256 (with its size and time) and the
    /// table under `keys`.
    pub fn keep(&self, path: &Path, keys: &Keys, table: &Table) -> Result<(), String> {
        self.remember_sha256(path, &table.source.sha256)?;
        self.store_table(&keys.ingest(&table.source.sha256), table)
    }

    /// The cache at its usual place, created if needed; `None` (with the reason) when there
    /// is no usable place.
    pub fn open() -> Result<Cache, String> {
        let dir = std::env::var_os("TALLY_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("tally")))
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/tally")))
            .ok_or("no cache directory: set TALLY_CACHE_DIR")?;
        Cache::at(dir)
    }

    pub fn at(dir: PathBuf) -> Result<Cache, String> {
        for sub in ["ingest", "files"] {
            fs::create_dir_all(dir.join(sub))
                .map_err(|e| format!("cannot create the cache {}: {e}", dir.display()))?;
        }
        Ok(Cache { dir })
    }

    /// The SHA-256 of a file the cache has hashed before, if its size and modification time
    /// are still those it had.
    pub fn known_sha256(&self, path: &Path) -> Option<String> {
        let (size, mtime_ns) = facts(path)?;
        let text = fs::read_to_string(self.file_entry(path)).ok()?;
        let entry: Entry<FileFacts> = serde_json::from_str(&text).ok()?;
        (entry.format == FORMAT
            && entry.value.size == size
            && entry.value.mtime_ns == mtime_ns
            && entry.value.sha256.len() == 64)
            .then_some(entry.value.sha256)
    }

    /// Remembers a file's SHA-256 with its current size and modification time.
    ///
    /// A file modified in the last two seconds is not remembered ("racily clean", as git
    /// calls it): a same-size rewrite within the clock's granularity would keep its time.
    pub fn remember_sha256(&self, path: &Path, sha256: &str) -> Result<(), String> {
        let Some((size, mtime_ns)) = facts(path) else {
            return Ok(());
        };
        let now = std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        if now.saturating_sub(mtime_ns) < 2_000_000_000 {
            return Ok(());
        }
        let value = FileFacts {
            size,
            mtime_ns,
            sha256: sha256.to_string(),
        };
        self.write(
            &self.file_entry(path),
            &key(&[&path.display().to_string()]),
            &value,
        )
    }

    /// The cached ingest output for `key`.
    pub fn table(&self, key: &str) -> Lookup<Table> {
        let path = self.dir.join("ingest").join(format!("{key}.json"));
        let Ok(text) = fs::read_to_string(&path) else {
            return Lookup::Miss;
        };
        let head: Result<Entry<serde::de::IgnoredAny>, _> = serde_json::from_str(&text);
        match head {
            Err(e) => {
                return Lookup::Rebuild(format!(
                    "cache entry {} is corrupt ({e}); it is rebuilt",
                    path.display()
                ))
            }
            Ok(h) if h.format != FORMAT || h.tool != TOOL => {
                return Lookup::Rebuild(format!(
                    "cache entry {} was written by tally {} (cache format {}); it is rebuilt",
                    path.display(),
                    h.tool,
                    h.format
                ))
            }
            Ok(h) if h.key != key => {
                return Lookup::Rebuild(format!(
                    "cache entry {} holds another key; it is rebuilt",
                    path.display()
                ))
            }
            Ok(_) => {}
        }
        match serde_json::from_str::<Entry<Table>>(&text) {
            Ok(e) => Lookup::Hit(e.value),
            Err(e) => Lookup::Rebuild(format!(
                "cache entry {} is corrupt ({e}); it is rebuilt",
                path.display()
            )),
        }
    }

    pub fn store_table(&self, key: &str, table: &Table) -> Result<(), String> {
        self.write(
            &self.dir.join("ingest").join(format!("{key}.json")),
            key,
            table,
        )
    }

    fn file_entry(&self, path: &Path) -> PathBuf {
        let abs = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.dir.join("files").join(format!(
            "{}.json",
            &sha256_hex(abs.display().to_string().as_bytes())[..32]
        ))
    }

    fn write<T: Serialize>(&self, path: &Path, key: &str, value: &T) -> Result<(), String> {
        let entry = Entry {
            format: FORMAT,
            tool: TOOL.to_string(),
            key: key.to_string(),
            value,
        };
        let bytes = serde_json::to_vec(&entry).map_err(|e| e.to_string())?;
        let failed =
            |e: std::io::Error| format!("cannot write the cache entry {}: {e}", path.display());
        // A private temporary file beside the entry, renamed into place: a killed run leaves
        // no half entry, and two jobs writing one entry at once never share a file.
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut tmp = tempfile::Builder::new()
            .prefix(".entry-")
            .tempfile_in(dir)
            .map_err(failed)?;
        tmp.write_all(&bytes).map_err(failed)?;
        tmp.persist(path).map_err(|e| failed(e.error))?;
        Ok(())
    }
}

fn facts(path: &Path) -> Option<(u64, u128)> {
    let m = fs::metadata(path).ok()?;
    let mtime = m
        .modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some((m.len(), mtime))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_their_parts() {
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
        assert_eq!(key(&["a"]), key(&["a"]));
    }

    #[test]
    fn file_hashes_are_trusted_only_while_size_and_time_hold() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("c")).unwrap();
        let f = dir.path().join("data.csv");
        fs::write(&f, "a\n1\n").unwrap();
        assert_eq!(cache.known_sha256(&f), None);
        cache.remember_sha256(&f, &"0".repeat(64)).unwrap();
        assert_eq!(cache.known_sha256(&f), None, "just written: racily clean");
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        fs::File::options()
            .write(true)
            .open(&f)
            .unwrap()
            .set_modified(old)
            .unwrap();
        cache.remember_sha256(&f, &"0".repeat(64)).unwrap();
        assert_eq!(cache.known_sha256(&f), Some("0".repeat(64)));
        fs::write(&f, "a\n12\n").unwrap();
        assert_eq!(cache.known_sha256(&f), None, "the size changed");
    }
}
