//! `tally verify REPORT_DIR`: a report re-derived from its recorded pipeline and input
//! passes; a report edited by hand, a changed input or a changed pipeline is named; no
//! report or no pipeline is a usage error.

use std::fs;
use std::path::Path;

use crate::support::{code, in_repo, root, stderr, stdout, Scratch};

fn run_example(name: &str, extra: &[&str]) -> tempfile::TempDir {
    crate::support::run_example(name, extra).0
}

fn verify(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["verify", dir.to_str().unwrap()];
    args.extend(extra);
    in_repo(&args)
}

/// A scratch project holding a copy of the AME example, its report written.
fn ame_project() -> Scratch {
    let s = Scratch::new();
    for rel in ["pipelines/ame-2019-get.toml", "data/ame_2019_get.csv"] {
        s.write(rel, fs::read(root().join(rel)).unwrap());
    }
    let o = s.run(&["run", "pipelines/ame-2019-get.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    s
}

#[test]
fn every_survey_example_verifies() {
    for name in [
        "ame-2019-get",
        "raked-survey",
        "synthetic-survey",
        "weighted-survey",
    ] {
        let out = run_example(name, &[]);
        let dir = out.path().join(name);
        let o = verify(&dir, &[]);
        assert_eq!(code(&o), 0, "{name}: {}{}", stdout(&o), stderr(&o));
        let text = stdout(&o);
        let last = text.lines().last().unwrap();
        assert!(
            last.starts_with(&format!("verified: {}", dir.display()))
                && last.contains(&format!("from pipelines/{name}.toml and ../data/")),
            "{text}"
        );
        assert!(
            !text.contains("differs") && !text.contains("changed"),
            "{text}"
        );
    }
}

#[test]
fn an_internal_run_verifies_as_an_internal_run() {
    let out = run_example("ame-2019-get", &["--internal"]);
    let o = verify(&out.path().join("ame-2019-get"), &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("note: re-derived as an internal run"));
}

#[test]
fn a_figure_edited_by_hand_is_named_with_its_file_row_and_column() {
    let out = run_example("ame-2019-get", &[]);
    let dir = out.path().join("ame-2019-get");
    let csv = fs::read_to_string(dir.join("estimates.csv")).unwrap();
    assert!(csv.contains("get_all,,improved,240,4001,"));
    fs::write(
        dir.join("estimates.csv"),
        csv.replacen("get_all,,improved,240,", "get_all,,improved,241,", 1),
    )
    .unwrap();
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    let o = verify(&dir, &[]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let text = stdout(&o);
    assert!(text.contains("edited: estimates.csv: edited since the report was written"));
    assert!(text.contains("edited: notes.txt: not listed in manifest.json"));
    assert!(
        text.contains(
            "differs: estimates.csv: row analysis=get_all, outcome=improved: `count`: published 241, re-derived 240"
        ),
        "{text}"
    );
    assert!(text.lines().last().unwrap().starts_with("not verified: "));
    // The same, for machines.
    let o = verify(&dir, &["--format", "json"]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["verified"], false);
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "differs" && f["message"].as_str().unwrap().contains("`count`")));
}

#[test]
fn a_changed_input_and_pipeline_are_said_to_have_changed() {
    let s = ame_project();
    let data = s.read("data/ame_2019_get.csv");
    let last = data.lines().last().unwrap().to_string();
    s.write("data/ame_2019_get.csv", format!("{data}{last}\n"));
    let o = s.run(&["verify", "reports/ame-2019-get"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("changed: the input changed: ../data/ame_2019_get.csv is ")
            && text.contains("the report was made from 267 bytes"),
        "{text}"
    );
    assert!(text.contains("ok: pipeline pipelines/ame-2019-get.toml"));
    assert!(text.contains("differs: estimates.csv: row analysis=get_all"));

    // Back to the recorded input, with the pipeline edited: said, and the current one used.
    s.write("data/ame_2019_get.csv", &data);
    let pipeline = s.read("pipelines/ame-2019-get.toml");
    s.write(
        "pipelines/ame-2019-get.toml",
        format!("{pipeline}\n# edited\n"),
    );
    let o = s.run(&["verify", "reports/ame-2019-get"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("changed: the pipeline changed since the report was written"));
    assert!(text.contains("re-deriving with the current one"));
    assert!(text.contains("ok: input ../data/ame_2019_get.csv"));
}

#[test]
fn the_pipeline_is_found_beside_the_reports_root_or_given() {
    let s = ame_project();
    let report = s.path().join("reports/ame-2019-get");
    // From elsewhere: found in pipelines/ beside the reports root.
    let elsewhere = Scratch::new();
    let o = elsewhere.run(&["verify", report.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    // Not found: a usage error with the hint; --pipeline finds it.
    fs::rename(
        s.path().join("pipelines/ame-2019-get.toml"),
        s.path().join("elsewhere.toml"),
    )
    .unwrap();
    let o = s.run(&["verify", "reports/ame-2019-get"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("cannot find the pipeline `ame-2019-get.toml`")
            && stderr(&o).contains("hint: pass it with --pipeline"),
        "{}",
        stderr(&o)
    );
    // A renamed pipeline: same SHA-256, but the reports show its name, so they differ.
    let o = s.run(&[
        "verify",
        "reports/ame-2019-get",
        "--pipeline",
        "elsewhere.toml",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stdout(&o).contains("note: the report names its pipeline `ame-2019-get.toml`"));
}

#[test]
fn a_directory_without_a_manifest_is_a_usage_error() {
    let s = Scratch::new();
    fs::create_dir(s.path().join("mine")).unwrap();
    let o = s.run(&["verify", "mine"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("error: mine is not a tally report: no manifest.json"),
        "{}",
        stderr(&o)
    );
    let o = s.run(&["verify", "nowhere"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("nowhere is not a directory"));
    s.write("other/manifest.json", "{\"tool\": \"else\"}");
    let o = s.run(&["verify", "other"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("other is not a tally report"));
}

/// The review example verifies, and fails naming the file when a figure is edited.
#[test]
fn the_review_example_verifies_and_an_edit_is_named() {
    let out = run_example("review-get-harm", &[]);
    let dir = out.path().join("review-get-harm");
    let o = verify(&dir, &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("artifacts re-derived, byte for byte"),
        "{}",
        stdout(&o)
    );
    let pooled = dir.join("pooled.csv");
    let text = std::fs::read_to_string(&pooled).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[1] = lines[1].replacen('0', "9", 1);
    std::fs::write(&pooled, lines.join("\n") + "\n").unwrap();
    let o = verify(&dir, &[]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("pooled.csv"), "{}", stdout(&o));
}
