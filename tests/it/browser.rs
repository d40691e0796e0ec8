//! A real browser: headless Chromium (Debian's `chromium`, installed by `.ci/run`) renders the
//! example report. The page must not be blank, must show the key figures, and must ask
//! nothing of the network: Chromium is pointed at a proxy on loopback that counts every
//! connection, and a self-contained page makes none. `tally run --pdf` prints an A4 PDF.
//!
//! Without Chromium the tests say so and pass, unless `TALLY_REQUIRE_BROWSER=1` (set by
//! `.ci/run`), which makes a missing browser a failure.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::support;

fn chromium() -> Option<PathBuf> {
    let found = tally::browser::find();
    if found.is_none() {
        assert!(
            std::env::var("TALLY_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "TALLY_REQUIRE_BROWSER=1 but no Chromium was found: {}",
            tally::browser::not_found()
        );
        eprintln!("skipped: no Chromium ({})", tally::browser::not_found());
    }
    found
}

/// Runs the README's main example into a temporary reports root.
fn example_report(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let reports = tempfile::tempdir().unwrap();
    let out = support::tally_run(&root.join("pipelines/ame-2019-get.toml"), reports.path())
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = reports.path().join("ame-2019-get");
    (reports, dir)
}

/// A proxy that accepts and counts connections (and answers none of them).
fn counting_proxy() -> (u16, Arc<AtomicUsize>, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (c, s) = (count.clone(), seen.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            c.fetch_add(1, Ordering::SeqCst);
            let mut stream = stream;
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let mut buf = [0u8; 512];
            let n = stream.read(&mut buf).unwrap_or(0);
            let first = String::from_utf8_lossy(&buf[..n])
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            s.lock().unwrap().push(first);
        }
    });
    (port, count, seen)
}

/// Whether a proxied request line (`GET http://host/...` or `CONNECT host:443`) is one of
/// Chromium's own service calls rather than something a page asked for.
fn chromium_service(line: &str) -> bool {
    let target = line.split_whitespace().nth(1).unwrap_or("");
    let host = target
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    let service = ["google.com", "googleapis.com", "gvt1.com", "gvt2.com"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")));
    service && !host.starts_with("fonts.")
}

#[test]
fn chromium_service_calls_are_told_from_page_requests() {
    assert!(chromium_service("CONNECT accounts.google.com:443 HTTP/1.1"));
    assert!(chromium_service(
        "GET http://clients2.google.com/time/1/current?x HTTP/1.1"
    ));
    assert!(!chromium_service(
        "CONNECT fonts.googleapis.com:443 HTTP/1.1"
    ));
    assert!(!chromium_service("GET http://example.org/x.png HTTP/1.1"));
    assert!(!chromium_service("CONNECT evilgoogle.com:443 HTTP/1.1"));
}

#[test]
fn the_example_report_renders_offline_in_chromium() {
    let Some(chromium) = chromium() else { return };
    let (_reports, dir) = example_report(&[]);
    let page = format!("file://{}", dir.join("index.html").display());
    let (port, requests, seen) = counting_proxy();
    let profile = tempfile::tempdir().unwrap();
    let shot = profile.path().join("shot.png");
    let net = [
        format!("--proxy-server=http://127.0.0.1:{port}"),
        "--proxy-bypass-list=<-loopback>".to_string(),
    ];

    // The DOM as the browser built it: the headline figures are there as text.
    let mut args = tally::browser::base_args(&profile.path().join("p1"));
    args.extend(net.iter().cloned());
    args.extend(["--dump-dom".to_string(), page.clone()]);
    let dom = tally::browser::run(&chromium, &args, Duration::from_secs(120)).unwrap();
    let dom = String::from_utf8_lossy(&dom);
    for figure in [
        "Key findings",
        "38.0%",
        "4,001",
        "Non-specialist",
        "From rows read to respondents analysed",
    ] {
        assert!(dom.contains(figure), "the rendered page lacks {figure:?}");
    }

    // A screenshot at 1200 px wide: not blank.
    let mut args = tally::browser::base_args(&profile.path().join("p2"));
    args.extend(net.iter().cloned());
    args.extend([
        "--window-size=1200,2400".to_string(),
        format!("--screenshot={}", shot.display()),
        page,
    ]);
    tally::browser::run(&chromium, &args, Duration::from_secs(120)).unwrap();
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bytes = &buf[..info.buffer_size()];
    let channels = info.color_type.samples();
    let pixels = bytes.len() / channels;
    let inked = bytes
        .chunks(channels)
        .filter(|p| p.iter().take(3).any(|&v| v < 200))
        .count();
    assert!(
        (info.width, info.height) == (1200, 2400),
        "{}x{}",
        info.width,
        info.height
    );
    let share = inked as f64 / pixels as f64;
    assert!(
        share > 0.02,
        "the page looks blank: {:.2}% of pixels inked",
        share * 100.0
    );
    let coloured = bytes
        .chunks(channels)
        .filter(|p| p[0].abs_diff(p[1]) > 40 || p[1].abs_diff(p[2]) > 40)
        .count();
    assert!(
        coloured > 1000,
        "no coloured pixels: the plots did not render"
    );

    // Nothing was fetched for the page. Chromium itself still calls home for its clock and
    // updates whatever the flags say; those service endpoints (and only those) are allowed.
    std::thread::sleep(Duration::from_millis(200));
    // Chromium's own services live on Google's service domains (which endpoints it calls
    // varies by version); a page's resources would not, except web fonts, which are refused.
    let seen = seen.lock().unwrap();
    let page: Vec<&String> = seen.iter().filter(|line| !chromium_service(line)).collect();
    assert!(page.is_empty(), "the page requested the network: {page:?}");
    let _ = requests.load(Ordering::SeqCst);
    // And the page names nothing outside itself: no scripts, stylesheets, fonts or images
    // by URL.
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    for needle in [
        "<script",
        "<link",
        "@import",
        "src=\"http",
        "url(http",
        "src=\"//",
        "<iframe",
        "<img",
    ] {
        assert!(!html.contains(needle), "index.html contains {needle:?}");
    }
}

#[test]
fn run_pdf_prints_an_a4_report() {
    let Some(_) = chromium() else { return };
    let (_reports, dir) = example_report(&["--pdf"]);
    let pdf = std::fs::read(dir.join("report.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    // A4 is 210 x 297 mm = 595.3 x 841.9 points (594.96 x 841.92 as Chromium writes it).
    let text = String::from_utf8_lossy(&pdf);
    let boxes: Vec<(f64, f64)> = text
        .split("/MediaBox [0 0 ")
        .skip(1)
        .filter_map(|rest| {
            let mut it = rest.split([' ', ']']);
            Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
        })
        .collect();
    assert!(!boxes.is_empty(), "no page sizes found");
    for (w, h) in &boxes {
        assert!(
            (w - 595.3).abs() < 1.0 && (h - 841.9).abs() < 1.0,
            "page {w} x {h} is not A4"
        );
    }
    assert!(boxes.len() >= 2, "{} page(s)", boxes.len());
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("report.pdf"));
}

#[test]
fn pdf_without_a_browser_is_a_clear_error() {
    let reports = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = support::tally_run(&root.join("pipelines/ame-2019-get.toml"), reports.path())
        .arg("--pdf")
        .env("TALLY_CHROMIUM", "/nonexistent/chromium")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--pdf prints the report with a headless Chromium"),
        "{err}"
    );
    assert!(err.contains("hint: install one"), "{err}");
}
