//! Snapshots (insta; files in `tests/it/snapshots/`): the guard that a refactor changes no
//! byte of what tally writes or says.
//!
//! - Each example pipeline (`pipelines/*.toml`) run into a scratch reports root: every
//!   file of its report with its size and SHA-256, `manifest.json` with the run date and
//!   timings redacted, and the full text of the CSVs, `report.md` and `estimates.json`.
//! - Messages: exit code, stdout and stderr of every corpus case (`tests/corpus/`), of
//!   `tally methods`, `tally check`, `tally ci --method all` and each command's `--help`.
//!
//! The listing is the byte-exact guard: insta compares texts with their line ends and
//! trailing newlines normalised, so a CRLF turned LF shows only in a file's digest; the
//! full texts are there to show what changed.
//!
//! What depends on the machine is normalised ([`normalise`]): scratch paths become
//! `[SCRATCH]`, the repository `[REPO]`, timings `[t]`. On a mismatch the test fails and
//! insta writes the new version beside the old as `.snap.new` (with `CI=true` it writes
//! nothing). After a change of output that is meant, regenerate with
//! `INSTA_UPDATE=always cargo test --release --test it snapshots` and review the diff.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::corpus;
use crate::support::{self, in_repo, root, tree, Scratch};

/// `text` with the machine taken out: each of `paths` (longest first) replaced by its
/// placeholder, the repository by `[REPO]`, and every timing (a decimal followed by ` s`,
/// or the `seconds` column of a batch summary) by `[t]`.
pub fn normalise(text: &str, paths: &[(&Path, &str)]) -> String {
    let mut paths: Vec<(String, &str)> = paths
        .iter()
        .map(|(p, name)| (p.display().to_string(), *name))
        .chain([(root().display().to_string(), "[REPO]")])
        .collect();
    paths.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    let mut text = text.to_string();
    for (p, name) in &paths {
        text = text.replace(p.as_str(), name);
    }
    let mut in_table = false;
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("pipeline ") && line.trim_end().ends_with("seconds  report") {
            in_table = true;
            out.push_str(line);
            continue;
        }
        if in_table && line.contains(" pipeline(s): ") {
            in_table = false;
        }
        out.push_str(&without_timings(line, in_table));
    }
    out
}

/// One line with each timing replaced: spaces, digits, a point and digits, then ` s` (a
/// run's total and stages) or, in a batch summary's rows (`column`), two spaces.
fn without_timings(line: &str, column: bool) -> String {
    let b = line.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let mut j = i;
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        let digits = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let decimal = j > digits && j + 1 < b.len() && b[j] == b'.' && b[j + 1].is_ascii_digit();
        let word_start =
            start == 0 || !(b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'.');
        if decimal && word_start {
            let mut k = j + 1;
            while k < b.len() && b[k].is_ascii_digit() {
                k += 1;
            }
            let rest = &line[k..];
            if rest.starts_with(" s") || (column && rest.starts_with("  ")) {
                out.push_str(if digits > start { " [t]" } else { "[t]" });
                i = k;
                continue;
            }
        }
        let next = line[start..].chars().next().unwrap();
        out.push(next);
        i = start + next.len_utf8();
    }
    out
}

/// Exit code, stdout and stderr of a run, normalised.
fn messages(o: &Output, paths: &[(&Path, &str)]) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        support::code(o),
        normalise(&support::stdout(o), paths),
        normalise(&support::stderr(o), paths)
    )
}

/// `manifest.json` with the run date and the stage timings redacted, its bytes otherwise
/// as written.
pub fn redacted_manifest(text: &str) -> String {
    let mut out = String::new();
    let mut in_timings = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if trimmed.starts_with("\"started_at\": ") {
            out.push_str(&format!("{indent}\"started_at\": \"[redacted]\",\n"));
        } else if trimmed.starts_with("\"stage_seconds\": {") {
            in_timings = true;
            out.push_str(line);
        } else if in_timings && trimmed.starts_with('}') {
            in_timings = false;
            out.push_str(line);
        } else if in_timings {
            let (key, value) = trimmed.split_once(": ").expect("a stage and its seconds");
            let comma = if value.trim_end().ends_with(',') {
                ","
            } else {
                ""
            };
            out.push_str(&format!("{indent}{key}: \"[redacted]\"{comma}\n"));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// The text files of a report shown in full (the others by size and digest only).
const FULL_TEXT: [&str; 7] = [
    "estimates.csv",
    "estimates.json",
    "report.md",
    "comparisons.csv",
    "rejected.csv",
    "unmapped.csv",
    "suppression.csv",
];

#[test]
fn every_example_report_is_byte_for_byte_as_recorded() {
    let mut names: Vec<String> = fs::read_dir(root().join("pipelines"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        // Review pipelines: `review_example_report_is_as_recorded` below.
        .filter(|p| !tally::review::is_review(&fs::read_to_string(p).unwrap()))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "ame-2019-get",
            "raked-survey",
            "synthetic-survey",
            "weighted-survey"
        ]
    );
    for name in &names {
        let reports = tempfile::tempdir().unwrap();
        let pipeline = root().join(format!("pipelines/{name}.toml"));
        let o = support::tally_run(&pipeline, reports.path())
            .output()
            .unwrap();
        assert_eq!(support::code(&o), 0, "{name}: {}", support::stderr(&o));
        let dir = reports.path().join(name);
        insta::assert_snapshot!(
            format!("report-{name}-files"),
            tree::listing(&dir, &["manifest.json"])
        );
        let manifest = fs::read_to_string(dir.join("manifest.json")).unwrap();
        insta::assert_snapshot!(
            format!("report-{name}-manifest.json"),
            redacted_manifest(&manifest)
        );
        for file in FULL_TEXT {
            if let Ok(text) = fs::read_to_string(dir.join(file)) {
                insta::assert_snapshot!(format!("report-{name}-{file}"), text);
            }
        }
        let paths = [(reports.path(), "[SCRATCH]")];
        insta::assert_snapshot!(format!("report-{name}-messages"), messages(&o, &paths));
    }
}

#[test]
fn every_corpus_case_says_what_it_said() {
    let dirs = corpus::case_dirs();
    assert!(dirs.len() >= 40);
    for dir in dirs {
        let run = corpus::run_corpus_case(&dir).unwrap();
        let paths = [(run.scratch.path(), "[SCRATCH]")];
        insta::assert_snapshot!(format!("corpus-{}", run.name), messages(&run.out, &paths));
    }
}

#[test]
fn the_commands_say_what_they_said() {
    let cases: &[(&str, &[&str])] = &[
        ("methods", &["methods"]),
        (
            "ci-all",
            &["ci", "3", "10", "--method", "all", "--level", "0.9"],
        ),
        ("compare", &["compare", "161", "342", "556", "912"]),
        ("check-ame", &["check", "pipelines/ame-2019-get.toml"]),
        (
            "check-synthetic",
            &["check", "pipelines/synthetic-survey.toml"],
        ),
        ("help", &["--help"]),
        ("help-run", &["run", "--help"]),
        ("help-check", &["check", "--help"]),
        ("help-ci", &["ci", "--help"]),
        ("help-compare", &["compare", "--help"]),
        ("help-test", &["test", "--help"]),
        ("help-methods", &["methods", "--help"]),
        ("help-verify", &["verify", "--help"]),
    ];
    for (name, args) in cases {
        insta::assert_snapshot!(format!("command-{name}"), messages(&in_repo(args), &[]));
    }
}

#[test]
fn check_lists_the_problems_of_bad_pipelines_as_recorded() {
    let s = Scratch::new();
    s.write("data/s.csv", "id,outcome,grp\n1,Worse,a\n");
    s.write(
        "pipelines/p.toml",
        "[input]\npath = \"../data/s.csv\"\nid_colum = \"id\"\n\n[recode.outcome]\n\"Worse\" = \"worsened\"\n\n[[analysis]]\nname = \"effect\"\noutcome = \"outcome\"\nmethd = \"wilson\"\nlevels = [\"worsened\"]\nby = [\"group\"]\n",
    );
    let o = s.run(&["check", "pipelines/p.toml"]);
    let paths = [(s.path(), "[SCRATCH]"), (s.cache(), "[CACHE]")];
    insta::assert_snapshot!("command-check-bad-pipeline", messages(&o, &paths));
    s.write(
        "pipelines/p.toml",
        "[input]\npath = \"../data/s.csv\"\nid_column = \"id\"\n\n[[analysis]]\nname = \"effect\"\noutcome = \"outcome\"\nlevels = [\"Worse\"]\nby = [\"group\"]\n",
    );
    let o = s.run(&["check", "pipelines/p.toml"]);
    insta::assert_snapshot!("command-check-missing-column", messages(&o, &paths));
}

#[test]
fn timings_and_paths_are_normalised() {
    let scratch = Path::new("/tmp/.tmpAbC");
    let text = "wrote /tmp/.tmpAbC/reports/p: 5 rows read; 0.04 s (ingest 0.001 s, write 12.5 s)\n\
        pipeline  result  rows read  used  rejected   seconds  report\n\
        a.toml    ok             10    10         0     10.04  /tmp/.tmpAbC/r/a\n\
        1 pipeline(s): 1 ok, 0 failed\n\
        x = 1.5 is not a whole number; estimate 0.300000  90% CI\n";
    assert_eq!(
        normalise(text, &[(scratch, "[SCRATCH]")]),
        "wrote [SCRATCH]/reports/p: 5 rows read; [t] s (ingest [t] s, write [t] s)\n\
        pipeline  result  rows read  used  rejected   seconds  report\n\
        a.toml    ok             10    10         0  [t]  [SCRATCH]/r/a\n\
        1 pipeline(s): 1 ok, 0 failed\n\
        x = 1.5 is not a whole number; estimate 0.300000  90% CI\n"
    );
    let manifest = "{\n  \"started_at\": \"2026-01-01T00:00:00Z\",\n  \"stage_seconds\": {\n    \"ingest\": 0.1,\n    \"render\": 2e-5\n  },\n  \"x\": 1\n}\n";
    assert_eq!(
        redacted_manifest(manifest),
        "{\n  \"started_at\": \"[redacted]\",\n  \"stage_seconds\": {\n    \"ingest\": \"[redacted]\",\n    \"render\": \"[redacted]\"\n  },\n  \"x\": 1\n}\n"
    );
}

#[test]
fn review_example_report_is_as_recorded() {
    let reports = tempfile::tempdir().unwrap();
    let pipeline = root().join("pipelines/review-get-harm.toml");
    let o = support::tally_run(&pipeline, reports.path())
        .output()
        .unwrap();
    assert_eq!(support::code(&o), 0, "{}", support::stderr(&o));
    let dir = reports.path().join("review-get-harm");
    insta::assert_snapshot!(
        "report-review-get-harm-files",
        tree::listing(&dir, &["manifest.json"])
    );
    for f in ["report.md", "pooled.csv", "studies.csv"] {
        insta::assert_snapshot!(
            format!("report-review-get-harm-{f}"),
            fs::read_to_string(dir.join(f)).unwrap()
        );
    }
}
