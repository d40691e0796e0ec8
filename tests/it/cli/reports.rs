//! Whole reports: a killed run leaves the previous report whole, disclosure rounding and
//! internal runs say what they are, the spreadsheet holds numbers as numbers.

use std::fs;
use std::path::Path;

use super::{expecting_empty, simple_internal};
use crate::support::{self, code, stderr, tree, Scratch};

/// Whether a report directory is whole: every artifact its manifest lists is there with the
/// manifest's SHA-256, and nothing else is.
fn report_is_whole(dir: &Path) -> Result<String, String> {
    let manifest: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.join("manifest.json")).map_err(|e| format!("manifest: {e}"))?,
    )
    .map_err(|e| format!("manifest: {e}"))?;
    let mut listed = vec!["manifest.json".to_string()];
    for a in manifest["artifacts"].as_array().unwrap() {
        let path = a["path"].as_str().unwrap();
        let bytes = fs::read(dir.join(path)).map_err(|e| format!("{path}: {e}"))?;
        let sha = tally::ingest::sha256_hex(&bytes);
        if sha != a["sha256"].as_str().unwrap() {
            return Err(format!("{path}: SHA-256 differs from the manifest"));
        }
        listed.push(path.to_string());
    }
    let mut present: Vec<String> = tree::files(dir)
        .iter()
        .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
        .collect();
    listed.sort();
    present.sort();
    if listed != present {
        return Err(format!("files {present:?} but manifest lists {listed:?}"));
    }
    Ok(manifest["inputs"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string())
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_previous_report_whole() {
    let s = Scratch::new();
    // A first report from a small file.
    s.write("data/s.csv", "id,outcome,group\n1,Worse,a\n2,Same,b\n");
    s.write(
        "pipelines/p.toml",
        expecting_empty(&simple_internal(), &["improved"]),
    );
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let report = s.path().join("reports/p");
    let first = report_is_whole(&report).unwrap();
    // A second input big enough that a run takes a while.
    let mut big = String::from("id,outcome,group\n");
    for i in 0..500_000u32 {
        big.push_str(&format!(
            "{i},{},{}\n",
            ["Worse", "Same", "Better"][(i % 3) as usize],
            ["a", "b"][(i % 7 % 2) as usize]
        ));
    }
    s.write("data/s.csv", &big);
    let started = std::time::Instant::now();
    let o = s.run(&["run", "pipelines/p.toml", "--reports-dir", "timing"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let full = started.elapsed();
    let second = tally::ingest::sha256_hex(big.as_bytes());
    // Kill runs at moments spread over a whole run, and past its end: the report is always
    // whole, from the first input or from the second, never a mixture or nothing.
    for k in 1..=12u32 {
        let mut child = support::tally(s.path(), s.cache())
            .args(["run", "pipelines/p.toml"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full * k / 10);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let input = report_is_whole(&report).unwrap_or_else(|e| panic!("killed at {k}/10: {e}"));
        assert!(input == first || input == second, "killed at {k}/10");
    }
    // A later run cleans up what killed runs left and writes a whole report.
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(report_is_whole(&report).unwrap(), second);
    let leftovers: Vec<_> = fs::read_dir(s.path().join("reports"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn disclosure_rounds_counts_and_internal_runs_say_so() {
    let s = Scratch::new();
    s.write(
        "data/c.csv",
        "group,outcome,count\na,worsened,12\na,improved,31\nb,worsened,2\nb,improved,40\nc,worsened,17\nc,improved,23\n",
    );
    let pipeline = "[input]\npath = \"../data/c.csv\"\nkind = \"counts\"\n[[analysis]]\nname = \"x\"\noutcome = \"outcome\"\nlevels = [\"worsened\", \"improved\"]\nby = [\"group\"]\n";
    s.write(
        "pipelines/c.toml",
        format!("{pipeline}[disclosure]\nround = 5\n"),
    );
    let o = s.run(&["run", "pipelines/c.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let csv = s.read("reports/c/estimates.csv");
    // Shown counts are multiples of 5, and the proportion is that of the shown counts
    // (15/40, not the exact 17/40, which would give the exact count back).
    assert!(csv.contains("x,c,worsened,15,40,0.375,"), "{csv}");
    // b's 2 is below 5: hidden, with its complement in the row (b improved), the smallest
    // other cell of its column (a worsened) and that one's row complement (a improved).
    assert!(csv.contains("x,b,worsened,<5,"), "{csv}");
    for cell in ["b,improved", "a,worsened", "a,improved"] {
        assert!(
            csv.contains(&format!("x,{cell},suppressed,")),
            "{cell}: {csv}"
        );
    }
    let log = s.read("reports/c/suppression.csv");
    assert_eq!(log.lines().count(), 1 + 4, "{log}");
    assert!(
        !log.contains(",2,") && !log.contains(",40,"),
        "the log never gives a value: {log}"
    );
    let html = s.read("reports/c/index.html");
    assert!(html.contains("rounded to the nearest 5"));
    assert!(!html.contains("Internal run"));
    // An internal run shows everything and says it is not for publication.
    let o = s.run(&["run", "pipelines/c.toml", "--internal"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let csv = s.read("reports/c/estimates.csv");
    assert!(
        csv.contains("internal run: not for publication,x,b,worsened,2,42,"),
        "every row of an internal run's CSV is marked: {csv}"
    );
    assert!(s
        .read("reports/c/index.html")
        .contains("Internal run: not for publication"));
    let manifest: serde_json::Value =
        serde_json::from_str(&s.read("reports/c/manifest.json")).unwrap();
    assert_eq!(manifest["disclosure"]["protect"], false);
}

/// The XML of one member of an .xlsx file.
fn xlsx_part(path: &Path, member: &str) -> String {
    let mut z = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    let mut f = z
        .by_name(member)
        .unwrap_or_else(|e| panic!("{member}: {e}"));
    let mut s = String::new();
    std::io::Read::read_to_string(&mut f, &mut s).unwrap();
    s
}

#[test]
fn the_spreadsheet_stores_numbers_as_numbers_and_labels_as_text() {
    let s = Scratch::new();
    s.write(
        "data/c.csv",
        "group,outcome,count\n=HYPERLINK(\"http://x\"),worsened,12\n=HYPERLINK(\"http://x\"),improved,31\nb,worsened,20\nb,improved,40\n",
    );
    s.write(
        "pipelines/c.toml",
        "[input]\npath = \"../data/c.csv\"\nkind = \"counts\"\n[[analysis]]\nname = \"x\"\noutcome = \"outcome\"\nlevels = [\"worsened\", \"improved\"]\nby = [\"group\"]\n",
    );
    let o = s.run(&["run", "pipelines/c.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let book = s.path().join("reports/c/tables.xlsx");
    let workbook = xlsx_part(&book, "xl/workbook.xml");
    assert!(
        workbook.contains("name=\"Read me\"") && workbook.contains("name=\"x\""),
        "{workbook}"
    );
    let sheet = xlsx_part(&book, "xl/worksheets/sheet2.xml");
    // No formulas anywhere; the hostile label is a shared string.
    assert!(!sheet.contains("<f>"), "a formula cell: {sheet}");
    let strings = xlsx_part(&book, "xl/sharedStrings.xml");
    assert!(
        strings.contains("<t>=HYPERLINK(\"http://x\")</t>"),
        "{strings}"
    );
    // 103 respondents, overall worsened 32: numbers (no t="s"), proportions with the
    // percentage style.
    assert!(
        sheet.contains("<v>103</v>") && sheet.contains("<v>32</v>"),
        "{sheet}"
    );
    assert!(
        sheet.contains("<v>0.3106796116504854</v>"),
        "32/103 as a number: {sheet}"
    );
    let styles = xlsx_part(&book, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"0.0%\""), "{styles}");
}
