//! Headless Chromium, for `tally run --pdf` (and the browser test): finding it, and printing
//! a page to PDF. The only place tally starts another program.
//!
//! Chromium is started as the Debian package is on a server: `--headless --no-sandbox
//! --disable-gpu`, a fresh profile directory, and the background services (updates, sync,
//! metrics) off, so that it asks nothing of the network.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where tally looks, in order: `$TALLY_CHROMIUM`, then these names on `PATH`.
pub const NAMES: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// The Chromium to use, if any.
pub fn find() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TALLY_CHROMIUM") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| NAMES.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// The message when none is found.
pub fn not_found() -> String {
    format!(
        "--pdf prints the report with a headless Chromium, and none was found (looked for $TALLY_CHROMIUM, then {} on PATH)\nhint: install one (Debian: apt-get install chromium) or set TALLY_CHROMIUM to its path; the rest of the report does not need it",
        NAMES.join(", ")
    )
}

/// The arguments every headless start uses; `profile` must be a fresh directory.
pub fn base_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--metrics-recording-only",
        "--hide-scrollbars",
        "--no-default-browser-check",
        "--disable-client-side-phishing-detection",
        "--disable-default-apps",
        "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication,SigninInterceptBubble",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// Why printing or running Chromium failed.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error("{path}: {source}")]
    Scratch {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot start {chromium}: {source}")]
    Start {
        chromium: String,
        source: std::io::Error,
    },
    #[error("waiting for {chromium}: {source}")]
    Wait {
        chromium: String,
        source: std::io::Error,
    },
    #[error("{chromium} did not finish within {seconds} s")]
    Timeout { chromium: String, seconds: u64 },
    #[error("{chromium} failed ({status}): {stderr_tail}")]
    Failed {
        chromium: String,
        status: std::process::ExitStatus,
        stderr_tail: String,
    },
    #[error("{chromium} printed no PDF ({source})")]
    NoPdf {
        chromium: String,
        source: std::io::Error,
    },
}

/// Prints an HTML page to PDF bytes, A4 as the page's `@page` rule says, without
/// Chromium's header and footer. The page and Chromium's profile live in a fresh private
/// temporary directory (its own for every call, so parallel jobs never share one), which is
/// removed afterwards: nothing else is touched.
pub fn print_pdf(chromium: &Path, html: &str) -> Result<Vec<u8>, BrowserError> {
    let scratch = |path: &Path, source| BrowserError::Scratch {
        path: path.display().to_string(),
        source,
    };
    let tmp = std::env::temp_dir();
    let dir = tempfile::Builder::new()
        .prefix("tally-pdf-")
        .tempdir()
        .map_err(|e| scratch(&tmp, e))?;
    let profile = dir.path().join("profile");
    std::fs::create_dir(&profile).map_err(|e| scratch(&profile, e))?;
    let page = dir.path().join("index.html");
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&page, html).map_err(|e| scratch(&page, e))?;
    let mut args = base_args(&profile);
    args.push("--no-pdf-header-footer".into());
    args.push(format!("--print-to-pdf={}", pdf.display()));
    args.push(format!("file://{}", page.display()));
    run(chromium, &args, Duration::from_secs(120))?;
    std::fs::read(&pdf).map_err(|source| BrowserError::NoPdf {
        chromium: chromium.display().to_string(),
        source,
    })
}

/// Runs Chromium with a time limit; stdout is returned, stderr kept for the message.
///
/// Both pipes are drained on their own threads (a full pipe would stall Chromium) while this
/// thread polls the child; past the limit the child is killed through its handle
/// ([`std::process::Child::kill`]), which cannot hit another process: the handle is only
/// released by the `wait` that reaps it.
pub fn run(chromium: &Path, args: &[String], limit: Duration) -> Result<Vec<u8>, BrowserError> {
    let name = || chromium.display().to_string();
    let mut child = Command::new(chromium)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| BrowserError::Start {
            chromium: name(),
            source,
        })?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(BrowserError::Timeout {
                    chromium: name(),
                    seconds: limit.as_secs(),
                });
            }
            Err(source) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(BrowserError::Wait {
                    chromium: name(),
                    source,
                });
            }
        }
    };
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    if !status.success() {
        let err = String::from_utf8_lossy(&err);
        let tail: Vec<&str> = err.lines().rev().take(5).collect();
        return Err(BrowserError::Failed {
            chromium: name(),
            status,
            stderr_tail: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        });
    }
    Ok(out)
}
