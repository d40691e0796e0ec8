//! The only writer of report directories. A report is built in a hidden temporary
//! directory beside its target and swapped into place in one step, so a failed or killed
//! run never leaves a half-written report over a good one.
//!
//! On Linux the swap is `renameat2(RENAME_EXCHANGE)`: the old report stays whole at the
//! target until the instant the new one replaces it. Elsewhere (or on file systems without
//! exchange) the old report is first renamed aside, then the new one renamed in.
//!
//! **Never destroy what tally did not write.** Before anything is created, the target is
//! inspected ([`check_target`]): it may be absent, an empty directory, or a directory that
//! holds a tally report (its `manifest.json` says `"tool": "tally"`) with no file the
//! manifest does not list. Anything else (a folder of the user's, a regular file, a
//! symbolic link, a report with files added by hand) is an error that names the path and
//! says what was expected, and nothing on disk changes. Stale temporaries are removed only
//! when they are directories named as tally names them that no running tally holds (each
//! run locks its temporary until its report is in place).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rustix::fs::FlockOperation;

use crate::plan::is_safe_relative;
use crate::render::Artifact;

const TMP_MARK: &str = ".tally-tmp-";

/// Writes `artifacts` as the directory `dir`, replacing any previous report there.
pub fn write_report(dir: &Path, artifacts: &[Artifact]) -> io::Result<()> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = dir
        .file_name()
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} has no directory name", dir.display()),
            )
        })?
        .to_string_lossy()
        .into_owned();
    check_target(dir)?;
    fs::create_dir_all(parent)?;
    remove_stale_temporaries(parent, &name);
    let tmp = parent.join(format!(".{name}{TMP_MARK}{}", std::process::id()));
    match fs::symlink_metadata(&tmp) {
        // Our own pid's leftover (a pid reused after a killed run): a directory we made.
        Ok(m) if m.is_dir() => fs::remove_dir_all(&tmp)?,
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} is in the way: tally builds the report there, but it is not a directory tally made; move it away",
                    tmp.display()
                ),
            ))
        }
        Err(_) => {}
    }
    fs::create_dir(&tmp)?;
    // Held until this function returns: while it is, the temporary is ours and alive.
    let _owned = lock(&tmp, FlockOperation::LockExclusive)?;
    let result = fill(&tmp, artifacts).and_then(|()| swap_into_place(&tmp, dir));
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

fn fill(tmp: &Path, artifacts: &[Artifact]) -> io::Result<()> {
    for a in artifacts {
        if !is_safe_relative(&a.path) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "refusing to write `{}` outside the report directory",
                    a.path
                ),
            ));
        }
        let path = tmp.join(&a.path);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p)?;
        }
        fs::write(&path, &a.bytes)?;
    }
    Ok(())
}

/// Refuses a target that is not absent, an empty directory, or a whole tally report (see
/// the module documentation). The error names the path and says what was expected.
pub fn check_target(dir: &Path) -> io::Result<()> {
    let refuse = |what: String| {
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} {what}; tally replaces only a directory that holds a tally report (with a manifest.json saying \"tool\": \"tally\"), and nothing was changed\nhint: move it away, or choose another report directory (`report.dir` in the pipeline, or --reports-dir)",
                dir.display()
            ),
        )
    };
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if meta.file_type().is_symlink() {
        return Err(refuse("is a symbolic link".into()));
    }
    if !meta.is_dir() {
        return Err(refuse("is a file, not a report directory".into()));
    }
    let mut entries = fs::read_dir(dir)?.peekable();
    if entries.peek().is_none() {
        // An empty directory holds nothing to lose (e.g. one made by hand for the report).
        return Ok(());
    }
    let Some(listed) = manifest_listing(dir) else {
        return Err(refuse(
            "exists and is not a tally report (it has no manifest.json written by tally)".into(),
        ));
    };
    let mut extra = Vec::new();
    collect_unlisted(dir, dir, &listed, &mut extra)?;
    if !extra.is_empty() {
        extra.sort();
        let shown: Vec<&str> = extra.iter().take(3).map(String::as_str).collect();
        let more = if extra.len() > 3 {
            format!(" and {} more", extra.len() - 3)
        } else {
            String::new()
        };
        return Err(refuse(format!(
            "is a tally report but also holds file(s) tally did not write: {}{more}",
            shown.join(", ")
        )));
    }
    Ok(())
}

/// The files a tally manifest lists (with `manifest.json` itself); `None` when `dir` has no
/// manifest, or one not written by tally.
fn manifest_listing(dir: &Path) -> Option<std::collections::HashSet<String>> {
    let text = fs::read_to_string(dir.join("manifest.json")).ok()?;
    let m: serde_json::Value = serde_json::from_str(&text).ok()?;
    if m["tool"].as_str() != Some("tally") {
        return None;
    }
    let mut listed: std::collections::HashSet<String> = m["artifacts"]
        .as_array()?
        .iter()
        .filter_map(|a| a["path"].as_str().map(str::to_string))
        .collect();
    listed.insert("manifest.json".into());
    Some(listed)
}

/// Every file (or link, or other non-directory) under `dir` whose path relative to `root`
/// is not in `listed`.
fn collect_unlisted(
    root: &Path,
    dir: &Path,
    listed: &std::collections::HashSet<String>,
    out: &mut Vec<String>,
) -> io::Result<()> {
    for e in fs::read_dir(dir)? {
        let e = e?;
        let path = e.path();
        let rel = path
            .strip_prefix(root)
            .map_or_else(|_| path.clone(), Path::to_path_buf)
            .to_string_lossy()
            .replace('\\', "/");
        if e.file_type()?.is_dir() {
            collect_unlisted(root, &path, listed, out)?;
        } else if !listed.contains(&rel) {
            out.push(rel);
        }
    }
    Ok(())
}

fn swap_into_place(tmp: &Path, dir: &Path) -> io::Result<()> {
    if fs::symlink_metadata(dir).is_err() {
        return fs::rename(tmp, dir);
    }
    if exchange(tmp, dir).is_ok() {
        // `tmp` now holds the previous report. The new one is in place: removing the old
        // is tidying up (a later run removes what is left, see remove_stale_temporaries).
        let _ = fs::remove_dir_all(tmp);
        return Ok(());
    }
    let aside: PathBuf = tmp.with_extension("old");
    fs::rename(dir, &aside)?;
    if let Err(e) = fs::rename(tmp, dir) {
        let _ = fs::rename(&aside, dir);
        return Err(e);
    }
    let _ = fs::remove_dir_all(&aside);
    Ok(())
}

/// An advisory lock (flock(2)) on a directory, held while the returned file is open.
fn lock(dir: &Path, how: FlockOperation) -> io::Result<fs::File> {
    let f = fs::File::open(dir)?;
    rustix::fs::flock(&f, how)?;
    Ok(f)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no atomic exchange",
    ))
}

/// The cache key in a report directory's manifest, if the directory is whole: every
/// artifact the manifest lists is there with its SHA-256, and nothing else.
pub fn current_key(dir: &Path) -> Option<String> {
    let text = fs::read_to_string(dir.join("manifest.json")).ok()?;
    let m: serde_json::Value = serde_json::from_str(&text).ok()?;
    let mut listed = 1; // manifest.json itself
    for a in m["artifacts"].as_array()? {
        let bytes = fs::read(dir.join(a["path"].as_str()?)).ok()?;
        if crate::ingest::sha256_hex(&bytes) != a["sha256"].as_str()? {
            return None;
        }
        listed += 1;
    }
    (count_files(dir)? == listed).then(|| m["cache_key"].as_str().map(str::to_string))?
}

fn count_files(dir: &Path) -> Option<usize> {
    let mut n = 0;
    for e in fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        n += if p.is_dir() { count_files(&p)? } else { 1 };
    }
    Some(n)
}

/// Removes what killed runs left beside the report directory `dir` (see
/// `remove_stale_temporaries`); for a run that finds its report up to date and writes
/// nothing.
pub fn tidy(dir: &Path) {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Some(name) = dir.file_name() {
        remove_stale_temporaries(parent, &name.to_string_lossy());
    }
}

/// Removes temporaries left by killed runs for this report. A run holds a lock on its
/// temporary directory from making it until its report is in place, so a temporary whose
/// lock can be taken has no live writer: its run was killed (or it is a replaced report
/// being tidied away). The lock, not the process id in the name, decides: a killed run's id
/// can have been reused by another process since. Only directories are removed (tally
/// makes its temporaries as directories): a regular file or a link that happens to bear
/// such a name is the user's and stays.
fn remove_stale_temporaries(parent: &Path, name: &str) {
    let prefix = format!(".{name}{TMP_MARK}");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let fname = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = fname.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.trim_end_matches(".old");
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && pid.parse::<u32>().is_ok() {
            if let Ok(_unowned) = lock(&e.path(), FlockOperation::NonBlockingLockExclusive) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_is_stale_when_no_run_holds_it_whatever_its_process_id() {
        let root = tempfile::tempdir().unwrap();
        // pid 1 is always running: a killed run's id reused by another process.
        let killed = root.path().join(".r.tally-tmp-1");
        let live = root.path().join(format!(".r.tally-tmp-{}", u32::MAX - 1));
        for d in [&killed, &live] {
            fs::create_dir(d).unwrap();
            fs::write(d.join("estimates.csv"), "x").unwrap();
        }
        let _held = lock(&live, FlockOperation::LockExclusive).unwrap();
        remove_stale_temporaries(root.path(), "r");
        assert!(!killed.exists(), "an unheld temporary is removed");
        assert!(live.join("estimates.csv").exists(), "a held one stays");
    }

    fn art(path: &str, s: &str) -> Artifact {
        Artifact {
            path: path.into(),
            bytes: s.as_bytes().to_vec(),
        }
    }

    /// A minimal tally manifest listing `listed`.
    fn manifest(listed: &[&str]) -> Artifact {
        let arts: Vec<String> = listed
            .iter()
            .map(|p| format!("{{\"path\": \"{p}\", \"sha256\": \"\"}}"))
            .collect();
        art(
            "manifest.json",
            &format!(
                "{{\"tool\": \"tally\", \"artifacts\": [{}]}}",
                arts.join(",")
            ),
        )
    }

    #[test]
    fn replaces_a_previous_report_whole() {
        let root = std::env::temp_dir().join(format!("tally-output-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let dir = root.join("r");
        write_report(
            &dir,
            &[
                art("a.txt", "1"),
                art("plots/p.svg", "<svg/>"),
                manifest(&["a.txt", "plots/p.svg"]),
            ],
        )
        .unwrap();
        write_report(&dir, &[art("b.txt", "2"), manifest(&["b.txt"])]).unwrap();
        assert!(!dir.join("a.txt").exists());
        assert_eq!(fs::read_to_string(dir.join("b.txt")).unwrap(), "2");
        let leftovers: Vec<_> = fs::read_dir(&root)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
        let err = write_report(&dir, &[art("../escape.txt", "x")]).unwrap_err();
        assert!(err.to_string().contains("outside the report directory"));
        assert_eq!(
            fs::read_to_string(dir.join("b.txt")).unwrap(),
            "2",
            "failed run kept the old report"
        );
        fs::remove_dir_all(&root).unwrap();
    }

    /// The tree under `root` as (relative path, bytes or "<dir>"/"-> target"), sorted.
    fn snapshot(root: &Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                let t = e.file_type().unwrap();
                if t.is_symlink() {
                    out.push((rel, format!("-> {}", fs::read_link(&p).unwrap().display())));
                } else if t.is_dir() {
                    out.push((rel, "<dir>".into()));
                    stack.push(p);
                } else {
                    out.push((rel, String::from_utf8_lossy(&fs::read(&p).unwrap()).into()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn refuses_what_tally_did_not_write_and_changes_nothing() {
        let root = std::env::temp_dir().join(format!("tally-output-refuse-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("folder")).unwrap();
        fs::write(root.join("folder/data.csv"), "a\n1\n").unwrap();
        fs::write(root.join("file"), "mine").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("folder", root.join("link")).unwrap();
        // A stale temporary name on a regular file: the user's, never removed.
        fs::write(root.join(".folder.tally-tmp-999999999"), "not a temporary").unwrap();
        let before = snapshot(&root);
        let mut cases = vec![("folder", "is not a tally report"), ("file", "is a file")];
        if cfg!(unix) {
            cases.push(("link", "is a symbolic link"));
        }
        for (name, why) in cases {
            let err = write_report(&root.join(name), &[art("a.txt", "1")]).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.contains(&root.join(name).display().to_string()),
                "{msg}"
            );
            assert!(msg.contains(why), "{msg}");
            assert!(msg.contains("\"tool\": \"tally\""), "{msg}");
            assert_eq!(snapshot(&root), before, "{name}: nothing on disk changed");
        }
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn replaces_only_whole_reports_and_empty_directories() {
        let root = std::env::temp_dir().join(format!("tally-output-whole-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let dir = root.join("r");
        fs::create_dir_all(&dir).unwrap();
        // An empty directory: nothing to lose.
        write_report(
            &dir,
            &[art("plots/p.svg", "<svg/>"), manifest(&["plots/p.svg"])],
        )
        .unwrap();
        // A whole report: replaced.
        write_report(&dir, &[art("a.txt", "1"), manifest(&["a.txt"])]).unwrap();
        assert_eq!(fs::read_to_string(dir.join("a.txt")).unwrap(), "1");
        // A report with a file added by hand: refused, the file kept.
        fs::write(dir.join("notes.txt"), "my notes").unwrap();
        let err = write_report(&dir, &[art("b.txt", "2"), manifest(&["b.txt"])]).unwrap_err();
        assert!(err.to_string().contains("notes.txt"), "{err}");
        assert_eq!(
            fs::read_to_string(dir.join("notes.txt")).unwrap(),
            "my notes"
        );
        assert!(!dir.join("b.txt").exists());
        // A manifest of another tool: not a tally report.
        let other = root.join("other");
        fs::create_dir_all(&other).unwrap();
        fs::write(
            other.join("manifest.json"),
            "{\"tool\": \"other\", \"artifacts\": []}",
        )
        .unwrap();
        assert!(write_report(&other, &[art("a.txt", "1")]).is_err());
        assert!(other.join("manifest.json").exists());
        fs::remove_dir_all(&root).unwrap();
    }
}
