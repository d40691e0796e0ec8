//! The only writer of report directories. A report is built in a hidden temporary
//! directory beside its target and swapped into place in one step, so a failed or killed
//! run never leaves a half-written report over a good one.
//!
//! On Linux the swap is `renameat2(RENAME_EXCHANGE)`: the old report stays whole at the
//! target until the instant the new one replaces it. Elsewhere (or on file systems without
//! exchange) the old report is first renamed aside, then the new one renamed in.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

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
    fs::create_dir_all(parent)?;
    remove_stale_temporaries(parent, &name);
    let tmp = parent.join(format!(".{name}{TMP_MARK}{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp)?;
    }
    fs::create_dir(&tmp)?;
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

fn swap_into_place(tmp: &Path, dir: &Path) -> io::Result<()> {
    if !dir.exists() {
        return fs::rename(tmp, dir);
    }
    if exchange(tmp, dir).is_ok() {
        // `tmp` now holds the previous report.
        return fs::remove_dir_all(tmp);
    }
    let aside: PathBuf = tmp.with_extension("old");
    fs::rename(dir, &aside)?;
    if let Err(e) = fs::rename(tmp, dir) {
        let _ = fs::rename(&aside, dir);
        return Err(e);
    }
    fs::remove_dir_all(&aside)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are valid NUL-terminated strings for the duration of the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
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

/// Removes temporaries left by killed runs for this report (their process is gone).
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
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn art(path: &str, s: &str) -> Artifact {
        Artifact {
            path: path.into(),
            bytes: s.as_bytes().to_vec(),
        }
    }

    #[test]
    fn replaces_a_previous_report_whole() {
        let root = std::env::temp_dir().join(format!("tally-output-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let dir = root.join("r");
        write_report(&dir, &[art("a.txt", "1"), art("plots/p.svg", "<svg/>")]).unwrap();
        write_report(&dir, &[art("b.txt", "2")]).unwrap();
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
}
