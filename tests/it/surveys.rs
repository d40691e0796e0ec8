//! Survey-tool exports, hand-built from each tool's documented format
//! (`tests/fixtures/surveys/`, made by `make_fixtures.py`), run through a pipeline to a report.
//! The expected figures are the generator's own tallies (README.md "FACTS"), counted in
//! Python from its model of the respondents, not by tally.

use std::collections::HashMap;
use std::path::Path;

use crate::support;

/// Runs a fixture pipeline as an internal run (so that small counts can be checked against
/// the facts); returns the report directory (kept alive by the TempDir).
fn run(pipeline: &str) -> (tempfile::TempDir, std::path::PathBuf, String) {
    run_with(pipeline, &["--internal"])
}

fn run_with(pipeline: &str, extra: &[&str]) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let reports = tempfile::tempdir().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/surveys")
        .join(pipeline);
    let out = support::tally_run(&path, reports.path())
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{pipeline}: {stderr}");
    let dir = std::fs::read_dir(reports.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir() && p.join("manifest.json").exists())
        .unwrap();
    (reports, dir, stderr)
}

type Row = HashMap<String, String>;

fn csv(path: &Path) -> Vec<Row> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .map(String::from)
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// (count, n) of one estimate as published: `provider` "All" for the margin.
fn cell(rows: &[Row], analysis: &str, provider: Option<&str>, outcome: &str) -> (String, String) {
    let r = rows
        .iter()
        .find(|r| {
            r["analysis"] == analysis
                && r["outcome"] == outcome
                && provider.is_none_or(|p| r.get("provider").map(String::as_str) == Some(p))
        })
        .unwrap_or_else(|| panic!("{analysis} {provider:?} {outcome}"));
    (r["count"].clone(), r["n"].clone())
}

fn pair(c: u64, n: u64) -> (String, String) {
    (c.to_string(), n.to_string())
}

fn rejected(dir: &Path) -> Vec<(u64, String)> {
    csv(&dir.join("rejected.csv"))
        .iter()
        .map(|r| (r["line"].parse().unwrap(), r["reason"].clone()))
        .collect()
}

#[test]
fn qualtrics_split_and_joined_exports_give_the_same_figures() {
    for pipeline in ["qualtrics/pipeline.toml", "qualtrics/pipeline_joined.toml"] {
        let (_t, dir, _) = run(pipeline);
        assert_eq!(
            rejected(&dir),
            [
                (4, "survey preview".to_string()),
                (19, "incomplete response".into()),
                (28, "incomplete response".into()),
                (50, "incomplete response".into())
            ],
            "{pipeline}"
        );
        let est = csv(&dir.join("estimates.csv"));
        let a = "effect_by_provider";
        assert_eq!(cell(&est, a, Some("(all)"), "worsened").1, "37");
        assert_eq!(
            cell(&est, a, Some("Non-specialist"), "worsened"),
            pair(11, 17)
        );
        assert_eq!(
            cell(&est, a, Some("M.E. specialist"), "worsened"),
            pair(5, 11)
        );
        assert_eq!(cell(&est, "fatigue_worse", None, "ticked"), pair(19, 21));
        assert_eq!(cell(&est, "brain_fog_worse", None, "ticked"), pair(12, 21));
        // No free text and no identifier reached any output.
        for f in ["index.html", "report.md", "estimates.csv", "rejected.csv"] {
            let text = std::fs::read_to_string(dir.join(f)).unwrap();
            assert!(!text.contains("192.0.2."), "{f} holds an IP address");
            assert!(
                !text.contains("@example.org"),
                "{f} holds an e-mail address"
            );
        }
    }
}

#[test]
fn surveymonkey_windows_1252_two_header_rows() {
    let (_t, dir, stderr) = run("surveymonkey/pipeline.toml");
    assert!(stderr.contains("read as Windows-1252"), "{stderr}");
    assert_eq!(
        rejected(&dir),
        [
            (12, "missing required value".to_string()),
            (34, "missing required value".into()),
            (46, "duplicate respondent id".into())
        ]
    );
    let est = csv(&dir.join("estimates.csv"));
    let a = "effect_by_provider";
    assert_eq!(
        cell(&est, a, Some("Non-specialist"), "worsened"),
        pair(12, 20)
    );
    assert_eq!(
        cell(&est, a, Some("M.E. specialist"), "worsened"),
        pair(8, 14)
    );
    // The curly-apostrophe label decoded from byte 0x92 matched its recode: 3 respondents.
    assert_eq!(cell(&est, a, Some("Not stated"), "worsened"), pair(3, 3));
    assert_eq!(cell(&est, "fatigue_worse", None, "ticked"), pair(22, 22));
    assert_eq!(cell(&est, "brain_fog_worse", None, "ticked"), pair(14, 22));
    assert!(
        std::fs::read_to_string(dir.join("unmapped.csv"))
            .unwrap()
            .lines()
            .count()
            == 1
    );
}

#[test]
fn google_forms_joined_cells_with_commas_inside_options() {
    let (_t, dir, _) = run("google-forms/pipeline.toml");
    assert!(rejected(&dir).is_empty());
    let est = csv(&dir.join("estimates.csv"));
    assert_eq!(cell(&est, "fatigue_worse", None, "ticked"), pair(20, 22));
    assert_eq!(cell(&est, "brain_fog_worse", None, "ticked"), pair(12, 22));
    // The trailing-space near miss is listed, with its fix.
    let unmapped = csv(&dir.join("unmapped.csv"));
    assert_eq!(unmapped.len(), 1);
    assert_eq!(unmapped[0]["value"], "Made no difference ");
    assert_eq!(unmapped[0]["did_you_mean"], "Made no difference");
}

#[test]
fn limesurvey_codes_semicolons_and_unsubmitted_responses() {
    let (_t, dir, _) = run("limesurvey/pipeline.toml");
    let rej = rejected(&dir);
    assert_eq!(rej.len(), 4);
    assert!(rej.iter().all(|(_, r)| r == "incomplete response"));
    let est = csv(&dir.join("estimates.csv"));
    let a = "effect_by_provider";
    assert_eq!(
        cell(&est, a, Some("Non-specialist"), "worsened"),
        pair(17, 21)
    );
    assert_eq!(cell(&est, a, Some("Not stated"), "worsened"), pair(7, 15));
    assert_eq!(cell(&est, "fatigue_worse", None, "ticked"), pair(22, 25));
    assert_eq!(cell(&est, "brain_fog_worse", None, "ticked"), pair(12, 25));
}

#[test]
fn published_runs_hide_the_small_cells_of_a_survey_export() {
    let (_t, dir, _) = run_with("surveymonkey/pipeline.toml", &[]);
    let est = csv(&dir.join("estimates.csv"));
    let a = "effect_by_provider";
    // 3 respondents: the group size and its counts are hidden...
    assert_eq!(
        cell(&est, a, Some("Not stated"), "worsened"),
        ("<5".into(), "<5".into())
    );
    // ...and the published rows of the other groups cannot give them back.
    for r in est
        .iter()
        .filter(|r| r["analysis"] == a && r["provider"] == "Not stated")
    {
        assert_eq!(r["proportion"], "", "{r:?}");
    }
    let log = csv(&dir.join("suppression.csv"));
    assert!(log
        .iter()
        .any(|r| r["rule"] == "small" && r["group"] == "provider = Not stated"));
    assert!(log.iter().any(|r| r["rule"] == "complementary"));
    assert!(log.iter().all(
        |r| !r["reason"].chars().any(|c| c.is_ascii_digit()) || r["reason"].contains("below 5")
    ));
}
