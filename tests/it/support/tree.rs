//! What a directory holds: its files ([`files`]), every entry with its content
//! ([`snapshot`], to show that a run changed nothing), and a listing of sizes and SHA-256
//! digests ([`listing`], for the snapshot tests).

use std::fs;
use std::path::{Path, PathBuf};

/// Every regular file under `dir` (recursively), sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Every entry under `root` (relative path and content; directories as `<dir>`, links by
/// target, FIFOs and other special files by kind), sorted.
pub fn snapshot(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            let t = e.file_type().unwrap();
            let content = if t.is_symlink() {
                format!("-> {}", fs::read_link(&p).unwrap().display()).into_bytes()
            } else if t.is_dir() {
                stack.push(p);
                b"<dir>".to_vec()
            } else if t.is_file() {
                fs::read(&p).unwrap()
            } else {
                b"<special>".to_vec()
            };
            out.push((rel, content));
        }
    }
    out.sort();
    out
}

/// One line per file under `dir` but those in `skip`: relative path, size in bytes and
/// SHA-256, sorted by path.
pub fn listing(dir: &Path, skip: &[&str]) -> String {
    let mut out = String::new();
    for p in files(dir) {
        let rel = p.strip_prefix(dir).unwrap().display().to_string();
        if skip.contains(&rel.as_str()) {
            continue;
        }
        let bytes = fs::read(&p).unwrap();
        out.push_str(&format!(
            "{rel}  {}  {}\n",
            bytes.len(),
            tally::ingest::sha256_hex(&bytes)
        ));
    }
    out
}
