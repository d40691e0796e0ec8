//! Headless Chromium, for `tally run --pdf` (and the browser test): finding it, and printing
//! a page to PDF. The only place tally starts another program.
//!
//! Chromium is started as the Debian package is on a server: `--headless --no-sandbox
//! --disable-gpu`, a fresh profile directory, and the background services (updates, sync,
//! metrics) off, so that it asks nothing of the network.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

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

/// Prints an HTML page (already written to disk) to PDF bytes, A4 as the page's `@page` rule
/// says, without Chromium's header and footer.
pub fn print_pdf(chromium: &Path, html: &str) -> Result<Vec<u8>, String> {
    let dir = std::env::temp_dir().join(format!("tally-pdf-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("profile")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let page = dir.join("index.html");
    let pdf = dir.join("report.pdf");
    let result = (|| {
        std::fs::write(&page, html).map_err(|e| format!("{}: {e}", page.display()))?;
        let mut args = base_args(&dir.join("profile"));
        args.push("--no-pdf-header-footer".into());
        args.push(format!("--print-to-pdf={}", pdf.display()));
        args.push(format!("file://{}", page.display()));
        run(chromium, &args, Duration::from_secs(120))?;
        std::fs::read(&pdf).map_err(|e| format!("{} printed no PDF ({e})", chromium.display()))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Runs Chromium with a time limit; stdout is returned, stderr kept for the message.
pub fn run(chromium: &Path, args: &[String], limit: Duration) -> Result<Vec<u8>, String> {
    let child = Command::new(chromium)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", chromium.display()))?;
    let pid = child.id();
    // Read both pipes to the end on another thread (a full pipe would stall Chromium).
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(limit) {
        Ok(r) => r.map_err(|e| format!("waiting for {}: {e}", chromium.display()))?,
        Err(_) => {
            // SAFETY: kill(2) on the pid of a child we started; no memory is involved.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
            return Err(format!(
                "{} did not finish within {} s",
                chromium.display(),
                limit.as_secs()
            ));
        }
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(5).collect();
        return Err(format!(
            "{} failed ({}): {}",
            chromium.display(),
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    Ok(out.stdout)
}
