//! Integration tests through the real binary: exit codes, stdout, stderr, report trees.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Each scratch directory has its own cache; runs from the repository use one in the
/// system's temporary directory (never a folder in the repository).
fn test_cache(cwd: &Path) -> PathBuf {
    if cwd == Path::new(env!("CARGO_MANIFEST_DIR")) {
        std::env::temp_dir().join(format!("tally-test-cache-{}", std::process::id()))
    } else {
        cwd.join(".tally-cache")
    }
}

fn tally(args: &[&str], cwd: &Path) -> Output {
    common::tally(cwd, &test_cache(cwd))
        .args(args)
        .output()
        .expect("the tally binary runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally, not by a signal")
}

/// A scratch project: a pipelines/ and data/ folder in a temporary directory.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, bytes).unwrap();
        p
    }
    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
    fn run(&self, args: &[&str]) -> Output {
        tally(args, self.path())
    }
}

/// [`SIMPLE_PIPELINE`] as an internal run: for tests of other things than disclosure on
/// a handful of respondents, whom no protected report could show (the survey's size alone
/// would narrow every small count down).
fn simple_internal() -> String {
    format!("{SIMPLE_PIPELINE}\n[disclosure]\nprotect = false\n")
}

const SIMPLE_PIPELINE: &str = r#"
[input]
path = "../data/s.csv"
id_column = "id"

[recode.outcome]
"Worse" = "worsened"
"Same" = "no_change"
"Better" = "improved"

[[analysis]]
name = "effect"
outcome = "outcome"
levels = ["worsened", "no_change", "improved"]
by = ["group"]
"#;

// ---------------------------------------------------------------- tally ci / methods

#[test]
fn ci_prints_the_wilson_interval_for_139_of_170() {
    let o = tally(&["ci", "139", "170"], &root());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Reference: scipy 1.17 binomtest(139, 170).proportion_ci(method="wilson") =
    // (0.7529..., 0.8697...) -- see tests/reference/ci_reference.csv (x=139, n=170, 0.95).
    let out = stdout(&o);
    assert!(out.starts_with("wilson"), "{out}");
    assert!(out.contains("139/170"), "{out}");
    assert!(out.contains("estimate 0.817647"), "{out}");
}

#[test]
fn ci_all_methods_one_line_each() {
    let o = tally(
        &["ci", "3", "10", "--method", "all", "--level", "0.9"],
        &root(),
    );
    assert_eq!(code(&o), 0);
    let methods = tally(&["methods"], &root());
    assert_eq!(stdout(&o).lines().count(), stdout(&methods).lines().count());
    assert!(stdout(&methods)
        .lines()
        .next()
        .unwrap()
        .contains("[default]"));
}

#[test]
fn ci_bad_arguments_are_usage_errors_with_messages() {
    let cases: &[(&[&str], &str)] = &[
        (&["ci", "12", "10"], "x = 12 is larger than n = 10"),
        (&["ci", "-1", "10"], "negative"),
        (&["ci", "1.5", "10"], "not a whole number"),
        (
            &["ci", "1", "10", "--level", "95"],
            "not strictly between 0 and 1",
        ),
        (
            &["ci", "1", "10", "--method", "wilsen"],
            "did you mean `wilson`",
        ),
    ];
    for (args, message) in cases {
        let o = tally(args, &root());
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn ci_n_zero_gives_no_estimate() {
    let o = tally(&["ci", "0", "0"], &root());
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("no estimate"), "{}", stdout(&o));
}

#[test]
fn ci_bulk_mode_goes_on_past_bad_rows() {
    let s = Scratch::new();
    s.write(
        "in.csv",
        "x,n,level\n3,10,\n0,0,0.9\n11,10,\n5,abc,\n47,120,0.99\n",
    );
    let o = s.run(&["ci", "--input", "in.csv", "--method", "wilson"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "x,n,level,method,estimate,lower,upper");
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[1].starts_with("3,10,0.95,wilson,0.3,"));
    assert_eq!(lines[2], "0,0,0.9,wilson,,,");
    assert!(lines[3].starts_with("47,120,0.99,wilson,"));
    let err = stderr(&o);
    assert!(
        err.contains("in.csv, line 4: x = 11 is larger than n = 10"),
        "{err}"
    );
    assert!(
        err.contains("in.csv, line 5: n = `abc` is not a number"),
        "{err}"
    );
}

// ---------------------------------------------------------------- examples run and reproduce

#[test]
fn every_example_pipeline_runs_and_is_byte_reproducible() {
    let pipelines: Vec<PathBuf> = fs::read_dir(root().join("pipelines"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    assert!(pipelines.len() >= 2);
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for p in &pipelines {
        for out in [&a, &b] {
            let o = tally(
                &[
                    "run",
                    p.to_str().unwrap(),
                    "--reports-dir",
                    out.path().to_str().unwrap(),
                ],
                &root(),
            );
            assert_eq!(code(&o), 0, "{}: {}", p.display(), stderr(&o));
        }
        let name = p.file_stem().unwrap().to_str().unwrap();
        let dir_a = a.path().join(name);
        for f in [
            "estimates.csv",
            "estimates.json",
            "index.html",
            "report.md",
            "manifest.json",
            "rejected.csv",
            "unmapped.csv",
        ] {
            assert!(dir_a.join(f).is_file(), "{name}: missing {f}");
        }
        // Same inputs, same bytes: every artifact but the manifest (run date, timings).
        for entry in walk(&dir_a) {
            let rel = entry.strip_prefix(&dir_a).unwrap();
            if rel == Path::new("manifest.json") {
                continue;
            }
            let other = b.path().join(name).join(rel);
            assert!(
                fs::read(&entry).unwrap() == fs::read(&other).unwrap(),
                "{} differs between runs",
                rel.display()
            );
        }
        let plots: Vec<_> = walk(&dir_a.join("plots"));
        assert!(plots
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "svg")));
        assert!(plots
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "png")));
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Reads estimates.csv rows as maps of column -> value.
/// Reads a CSV of a report as maps of column -> value.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            h.iter()
                .map(String::from)
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

/// Runs `pipelines/<name>.toml` into a fresh reports root; returns the root (kept alive) and
/// the report directory.
fn run_example(name: &str) -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let pipeline = format!("pipelines/{name}.toml");
    let o = tally(
        &[
            "run",
            &pipeline,
            "--reports-dir",
            out.path().to_str().unwrap(),
        ],
        &root(),
    );
    assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
    let dir = out.path().join(name);
    (out, dir)
}

#[test]
fn the_ame_example_reproduces_the_published_percentages() {
    let (_out, dir) = run_example("ame-2019-get");
    let rows = csv_rows(&dir.join("estimates.csv"));
    let pct = |analysis: &str, group: &str, outcome: &str| -> f64 {
        let r = rows
            .iter()
            .find(|r| {
                r["analysis"] == analysis
                    && r["outcome"] == outcome
                    && r.get("provider").map_or("", String::as_str) == group
            })
            .unwrap_or_else(|| panic!("{analysis}/{group}/{outcome} missing"));
        (r["proportion"].parse::<f64>().unwrap() * 100.0).round()
    };
    // Published: 6% helped, 13% no difference, 38% worse (base: all respondents).
    assert_eq!(pct("get_all", "", "improved"), 6.0);
    assert_eq!(pct("get_all", "", "no_change"), 13.0);
    assert_eq!(pct("get_all", "", "worsened"), 38.0);
    // Non-specialist: 4% helped, 61% worse; specialist: almost half worse.
    assert_eq!(pct("get_by_provider", "Non-specialist", "improved"), 4.0);
    assert_eq!(pct("get_by_provider", "Non-specialist", "worsened"), 61.0);
    let spec = pct("get_by_provider", "M.E. specialist", "worsened");
    assert!((45.0..50.0).contains(&spec), "specialist worsened {spec}%");
    // The overall row is labelled and every row has an interval around its estimate.
    assert!(rows
        .iter()
        .any(|r| r["analysis"] == "get_by_provider" && r["provider"] == "(all)"));
    for r in &rows {
        let (p, lo, hi): (f64, f64, f64) = (
            r["proportion"].parse().unwrap(),
            r["ci_lower"].parse().unwrap(),
            r["ci_upper"].parse().unwrap(),
        );
        assert!(lo <= p && p <= hi && r["ci_method"] == "wilson" && r["ci_level"] == "0.95");
    }
}

#[test]
fn the_synthetic_example_accounts_for_every_row() {
    let (_out, dir) = run_example("synthetic-survey");
    let expected: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root().join("data/synthetic_survey.expected.json")).unwrap(),
    )
    .unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let rows = &manifest["rows"];
    assert_eq!(
        rows["read"].as_u64().unwrap(),
        rows["used"].as_u64().unwrap() + rows["rejected"].as_u64().unwrap()
    );
    let by_reason: u64 = rows["rejected_by_reason"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(by_reason, rows["rejected"].as_u64().unwrap());
    // rejected.csv has one row per rejection (plus the header), with line numbers.
    let rejected = fs::read_to_string(dir.join("rejected.csv")).unwrap();
    let mut r = csv::Reader::from_reader(rejected.as_bytes());
    let lines: Vec<u64> = r
        .records()
        .map(|x| x.unwrap()[0].parse().unwrap())
        .collect();
    assert_eq!(lines.len() as u64, rows["rejected"].as_u64().unwrap());
    let _ = &expected;
    // Each analysis: available = included + exclusions.
    let est: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("estimates.json")).unwrap()).unwrap();
    // Where disclosure control hides some of these (null), never exactly one, which the
    // sum would give back.
    for a in est["analyses"].as_array().unwrap() {
        let parts: Vec<Option<u64>> = a["exclusions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["respondents"].as_u64())
            .chain([a["respondents_included"].as_u64()])
            .collect();
        let hidden = parts.iter().filter(|p| p.is_none()).count();
        assert_ne!(hidden, 1, "{}", a["name"]);
        if hidden == 0 {
            assert_eq!(
                a["respondents_available"].as_u64().unwrap(),
                parts.iter().flatten().sum::<u64>(),
                "{}",
                a["name"]
            );
        }
        assert_eq!(
            a["respondents_available"].as_u64().unwrap(),
            rows["used"].as_u64().unwrap()
        );
    }
    // Near-miss labels are listed with a suggestion, not silently mapped.
    let unmapped = fs::read_to_string(dir.join("unmapped.csv")).unwrap();
    assert!(
        unmapped.contains("Made my symptoms a lot worse ,<5,Made my symptoms a lot worse"),
        "{unmapped}"
    );
}

// ---------------------------------------------------------------- pipeline problems

#[test]
fn check_reports_every_pipeline_problem_with_its_key() {
    let s = Scratch::new();
    s.write("data/s.csv", "id,outcome,group\n1,Worse,a\n");
    let text = SIMPLE_PIPELINE
        .replace("id_column", "id_colum")
        .replace("levels = [", "methd = \"wilson\"\nlevels = [");
    s.write("pipelines/p.toml", text);
    let o = s.run(&["check", "pipelines/p.toml"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("key `input.id_colum`: unknown key `id_colum`"),
        "{err}"
    );
    assert!(err.contains("did you mean `id_column`"), "{err}");
    assert!(err.contains("key `analysis[0].methd`"), "{err}");
    assert!(s.run(&["run", "pipelines/p.toml"]).status.code() == Some(2));
    assert!(
        !s.path().join("reports").exists(),
        "a bad pipeline writes nothing"
    );
}

#[test]
fn check_names_a_missing_column_and_lists_the_others() {
    let s = Scratch::new();
    s.write("data/s.csv", "id,outcome,grp\n1,Worse,a\n");
    s.write("pipelines/p.toml", SIMPLE_PIPELINE);
    let o = s.run(&["check", "pipelines/p.toml"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("key `analysis[0].by`: column `group` is not in ../data/s.csv (its columns: id, outcome, grp)"), "{err}");
    assert!(err.contains("did you mean `grp`"), "{err}");
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("column `group` is not in"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_good_pipeline_checks_clean_and_writes_nothing() {
    let s = Scratch::new();
    s.write("data/s.csv", "id,outcome,group\n1,Worse,a\n");
    s.write("pipelines/p.toml", SIMPLE_PIPELINE);
    let o = s.run(&["check", "pipelines/p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).starts_with("ok: "));
    assert!(!s.path().join("reports").exists());
}

// ---------------------------------------------------------------- identifying labels

/// A pipeline with one analysis of `outcome` by `col`, and its data: `rows` of (col, outcome).
fn identifying_case(col: &str, rows: &[(String, &str)], extra: &str) -> Scratch {
    let s = Scratch::new();
    let mut csv = format!("id,outcome,{col}\n");
    for (i, (v, o)) in rows.iter().enumerate() {
        csv.push_str(&format!("{},{o},{v}\n", i + 1));
    }
    s.write("data/s.csv", csv);
    s.write(
        "pipelines/p.toml",
        SIMPLE_PIPELINE.replace("by = [\"group\"]", &format!("by = [\"{col}\"]")) + extra,
    );
    s
}

fn emails(n: usize) -> Vec<(String, &'static str)> {
    (0..n)
        .map(|i| {
            (
                format!("person{}@example.org", i % 4),
                ["Worse", "Same", "Better"][i % 3],
            )
        })
        .collect()
}

#[test]
fn e_mail_addresses_as_subgroups_are_refused_and_never_published() {
    // The column's name says nothing; its values are e-mail addresses. Before the content
    // rules, this run exited 0 and published every address as a subgroup label.
    let s = identifying_case("contact", &emails(12), "");
    let o = s.run(&["run", "pipelines/p.toml"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    for part in [
        "key `analysis[0].by`",
        "analysis `effect`",
        "column `contact`",
        "e-mail addresses: 12 of 12 respondents' values (4 distinct values)",
        "allow_identifying = [\"contact\"]",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
    assert!(
        !err.contains("example.org"),
        "values are never printed: {err}"
    );
    assert!(!s.path().join("reports").exists(), "nothing is written");
    // `tally check` reads the data too.
    let o = s.run(&["check", "pipelines/p.toml"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("column `contact`"), "{}", stderr(&o));
}

#[test]
fn an_identifying_column_name_is_refused_when_planned() {
    let rows: Vec<(String, &str)> = (0..12).map(|i| (format!("{}", i % 3), "Worse")).collect();
    let s = identifying_case("respondent_id", &rows, "");
    for cmd in ["check", "run"] {
        let o = s.run(&[cmd, "pipelines/p.toml"]);
        let err = stderr(&o);
        assert_eq!(code(&o), 2, "{cmd}: {err}");
        assert!(err.contains("p.toml: key `analysis[0].by`"), "{err}");
        assert!(
            err.contains("a respondent identifier: the word `id`"),
            "{err}"
        );
    }
}

#[test]
fn a_column_declared_safe_is_analysed() {
    let s = identifying_case(
        "contact",
        &emails(12),
        "\n[disclosure]\nallow_identifying = [\"contact\"]\n",
    );
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn a_subgroup_column_with_very_many_levels_gets_a_warning() {
    let rows: Vec<(String, &str)> = (0..120)
        .map(|i| (format!("town {}", i % 60), "Same"))
        .collect();
    let s = identifying_case("town", &rows, "");
    for cmd in ["check", "run"] {
        let o = s.run(&[cmd, "pipelines/p.toml"]);
        let err = stderr(&o);
        assert_eq!(code(&o), 0, "{cmd}: {err}");
        assert!(
            err.contains("warning: ")
                && err.contains("60 subgroups of column `town` among 120 respondents"),
            "{cmd}: {err}"
        );
    }
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_data_files_get_clear_errors() {
    let cases: &[(&str, &[u8], &str)] = &[
        ("empty", b"", "is empty: expected a header row"),
        (
            "header only",
            b"id,outcome,group\n",
            "has a header but no data rows",
        ),
        (
            "duplicate header",
            b"id,outcome,outcome,group\n1,a,b,c\n",
            "column `outcome` appears twice",
        ),
        (
            "header not UTF-8",
            b"id,outc\xffome,group\n1,a,b\n",
            "read as Windows-1252",
        ),
    ];
    for (what, bytes, message) in cases {
        let s = Scratch::new();
        s.write("data/s.csv", bytes);
        s.write("pipelines/p.toml", SIMPLE_PIPELINE);
        let o = s.run(&["run", "pipelines/p.toml"]);
        assert_eq!(code(&o), 1, "{what}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{what}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("../data/s.csv"),
            "{what}: names the file: {}",
            stderr(&o)
        );
    }
    let s = Scratch::new();
    s.write("pipelines/p.toml", SIMPLE_PIPELINE);
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("cannot open ../data/s.csv"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn malformed_rows_are_counted_and_kept_verbatim() {
    let s = Scratch::new();
    let data = "\u{feff}id,outcome,group\r\n1,Worse,a\r\n2,Same\r\n3,\"Better\",\"b\nc\"\r\n1,Worse,a\r\n4,Worse,a,extra\r\n5,W\u{0}rse,a\r\n6,Bettr,a\r\n7,,a\r\n\r\n";
    s.write("data/s.csv", data);
    s.write("pipelines/p.toml", SIMPLE_PIPELINE);
    // A published report lists line, reason and detail; no respondent's record.
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let published = s.read("reports/p/rejected.csv");
    assert!(
        published.starts_with(
            "line,reason,detail\r\n3,wrong number of fields,\"expected 3 fields, found 2\"\r\n"
        ),
        "{published}"
    );
    assert!(!published.contains("Worse"), "{published}");
    // An internal run keeps each record verbatim.
    let o = s.run(&["run", "pipelines/p.toml", "--internal"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rejected = s.read("reports/p/rejected.csv");
    let expected = "internal_run,line,reason,detail,record\r\n\
        internal run: not for publication,3,wrong number of fields,\"expected 3 fields, found 2\",\"2,Worse\"\r\n";
    assert!(
        rejected.starts_with(&expected.replace("2,Worse", "2,Same")),
        "{rejected}"
    );
    // Line 4 starts a record whose quoted field runs onto line 5.
    assert!(
        rejected
            .contains("6,duplicate respondent id,the id was first seen on line 2,\"1,Worse,a\""),
        "{rejected}"
    );
    assert!(rejected.contains("7,wrong number of fields"), "{rejected}");
    assert!(rejected.contains("8,NUL byte in a field"), "{rejected}");
    let manifest: serde_json::Value =
        serde_json::from_str(&s.read("reports/p/manifest.json")).unwrap();
    assert_eq!(manifest["rows"]["read"], 8);
    assert_eq!(manifest["rows"]["used"], 4);
    assert_eq!(manifest["rows"]["rejected"], 4);
    assert_eq!(manifest["rows"]["blank_lines_skipped"], 1);
    let est: serde_json::Value = serde_json::from_str(&s.read("reports/p/estimates.json")).unwrap();
    let a = &est["analyses"][0];
    assert_eq!(a["respondents_included"], 2);
    let reasons: Vec<(String, u64)> = a["exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["reason"].as_str().unwrap().to_string(),
                e["respondents"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("unmapped value in `outcome`".to_string(), 1),
            ("missing `outcome`".to_string(), 1)
        ]
    );
    assert!(s
        .read("reports/p/unmapped.csv")
        .contains("outcome,Bettr,1,Better"));
    // The quoted newline stayed inside its field: group "b\nc" is a subgroup of its own.
    assert!(s.read("reports/p/estimates.csv").contains("\"b\nc\""));

    let o = s.run(&["run", "pipelines/p.toml", "--strict"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains(
            "4 row(s) rejected and --strict is set; first: line 3: expected 3 fields, found 2"
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        s.read("reports/p/rejected.csv"),
        rejected,
        "a failed run leaves the previous report intact"
    );
}

#[test]
fn labels_are_escaped_in_html_and_neutralised_in_csv() {
    let s = Scratch::new();
    s.write(
        "data/s.csv",
        "id,outcome,group\n1,Worse,<script>alert(1)</script>\n2,Better,=HYPERLINK(\"x\")\n",
    );
    s.write("pipelines/p.toml", simple_internal());
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let html = s.read("reports/p/index.html");
    assert!(!html.contains("<script>"), "raw script tag in the report");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let svg = s.read("reports/p/plots/effect-bars.svg");
    assert!(!svg.contains("<script>"));
    let csv = s.read("reports/p/estimates.csv");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(!csv.contains(",=HYPERLINK"));
}

#[test]
fn reports_cannot_escape_the_reports_root_and_clashes_are_refused() {
    let s = Scratch::new();
    s.write("data/s.csv", "id,outcome,group\n1,Worse,a\n");
    s.write(
        "pipelines/p.toml",
        format!("{SIMPLE_PIPELINE}\n[report]\ndir = \"../outside\"\n"),
    );
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("key `report.dir`"), "{}", stderr(&o));

    s.write(
        "pipelines/a.toml",
        format!("name = \"same\"\n{SIMPLE_PIPELINE}"),
    );
    s.write(
        "pipelines/b.toml",
        format!("name = \"same\"\n{SIMPLE_PIPELINE}"),
    );
    let o = s.run(&["run", "pipelines/a.toml", "pipelines/b.toml"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("both write to"), "{}", stderr(&o));
}

#[test]
fn zero_count_cells_give_no_fake_percentages() {
    let s = Scratch::new();
    s.write(
        "data/c.csv",
        "group,outcome,count\na,worsened,0\na,improved,0\nb,worsened,3\nb,improved,1\n",
    );
    s.write(
        "pipelines/c.toml",
        "[input]\npath = \"../data/c.csv\"\nkind = \"counts\"\n[[analysis]]\nname = \"x\"\noutcome = \"outcome\"\nlevels = [\"worsened\", \"improved\"]\nby = [\"group\"]\n",
    );
    // Internal: small cells shown (published runs hide them; see the disclosure test).
    let o = s.run(&["run", "pipelines/c.toml", "--internal"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let csv = s.read("reports/c/estimates.csv");
    assert!(
        csv.contains("x,a,worsened,0,0,,,,wilson,0.95,,,,,n = 0: no estimate"),
        "{csv}"
    );
    assert!(csv.contains("x,b,worsened,3,4,0.75,"), "{csv}");
    assert!(
        csv.contains(",unreliable,,,,n = 4 is below 30"),
        "small cells are flagged: {csv}"
    );
    assert!(s
        .read("reports/c/index.html")
        .contains("no estimate (n = 0)"));
}

// ---------------------------------------------------------------- comparisons

#[test]
fn compare_prints_estimate_interval_and_p() {
    let o = tally(&["compare", "161", "342", "556", "912"], &root());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("diff (newcombe) 161/342 vs 556/912: estimate -0.138889"),
        "{out}"
    );
    assert!(out.contains("chisq p = "), "{out}");
    let o = tally(&["compare", "5", "4", "1", "2"], &root());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("x1 = 5 is larger than n1 = 4"));
    let o = tally(
        &[
            "compare",
            "1",
            "4",
            "1",
            "2",
            "--measure",
            "odds-ratio",
            "--method",
            "katz",
        ],
        &root(),
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("unknown odds-ratio method `katz`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn compare_bulk_and_table_tests() {
    let s = Scratch::new();
    s.write(
        "pairs.csv",
        "x1,n1,x2,n2\n30,50,12,40\n9,5,1,2\n0,10,0,10\n",
    );
    let o = s.run(&["compare", "--input", "pairs.csv", "--measure", "ratio"]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.starts_with("x1,n1,x2,n2,measure,method,level,estimate,lower,upper,p_value\n30,50,12,40,ratio,koopman,0.95,2.0"), "{out}");
    assert!(
        out.contains("0,10,0,10,ratio,koopman,0.95,,,,"),
        "undefined ratio and no chi-square: {out}"
    );
    assert!(stderr(&o).contains("pairs.csv, line 3: x1 = 9 is larger than n1 = 5"));

    s.write("t.csv", "treatment,improved,no_change,worsened\nGET,270,584,1708\nCBT,310,1330,425\npacing,1900,1290,260\n");
    let o = s.run(&["test", "--input", "t.csv"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // R 4.2.2: chisq.test(matrix(c(270,310,1900,584,1330,1290,1708,425,260), 3)) -> X-squared = 3490.8, df = 4
    assert!(
        stdout(&o).contains("Pearson chi-square = 3490.781799, df = 4"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn the_ame_report_compares_providers_against_the_reference_values() {
    let (_out, dir) = run_example("ame-2019-get");
    let row = csv_rows(&dir.join("comparisons.csv"))
        .into_iter()
        .find(|m| m["outcome"] == "worsened" && m["group1"] == "Non-specialist")
        .unwrap();
    assert_eq!(
        (
            row["x1"].as_str(),
            row["n1"].as_str(),
            row["x2"].as_str(),
            row["n2"].as_str()
        ),
        ("556", "912", "161", "342")
    );
    // tests/reference/compare_reference.csv: diff newcombe 161/342 vs 556/912 at 0.95 (the
    // same pair the other way round, so the signs flip and the bounds swap).
    let reference = include_str!("reference/compare_reference.csv")
        .lines()
        .find(|l| l.starts_with("diff,newcombe,161,342,556,912,0.95,"))
        .unwrap();
    let f: Vec<f64> = reference
        .split(',')
        .skip(7)
        .map(|v| v.parse().unwrap())
        .collect();
    let got = |k: &str| row[k].parse::<f64>().unwrap();
    assert!(
        (got("estimate") + f[0]).abs() < 1e-12
            && (got("ci_lower") + f[2]).abs() < 1e-12
            && (got("ci_upper") + f[1]).abs() < 1e-12,
        "{row:?} vs {reference}"
    );
    let html = fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.contains("Subgroup comparisons by provider"));
    // The key findings state the published headline with its interval and denominator.
    assert!(html.contains("Key findings"), "no findings box");
    assert!(
        html.contains("Effect of GET, all respondents: 38.0% (95% CI 36.5% to 39.5%) of the 4,001 respondents (including those who had not tried GET) answered \u{201c}worsened\u{201d}."),
        "headline missing"
    );
    assert!(html.contains("worsened, Non-specialist vs M.E. specialist: +13.9 percentage points (95% CI +7.7 to +20.0), holm-adjusted p = 1.9e-5."));
    assert!(html.contains("Test of independence of outcome and provider"));
    assert!(dir.join("plots/get_by_provider-forest.svg").is_file());
}

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
        let sha = sha256_hex(&bytes);
        if sha != a["sha256"].as_str().unwrap() {
            return Err(format!("{path}: SHA-256 differs from the manifest"));
        }
        listed.push(path.to_string());
    }
    let mut present = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                present.push(e.path().strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
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

fn sha256_hex(bytes: &[u8]) -> String {
    tally::ingest::sha256_hex(bytes)
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_previous_report_whole() {
    let s = Scratch::new();
    // A first report from a small file.
    s.write("data/s.csv", "id,outcome,group\n1,Worse,a\n2,Same,b\n");
    s.write("pipelines/p.toml", simple_internal());
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
    let second = sha256_hex(big.as_bytes());
    // Kill runs at moments spread over a whole run, and past its end: the report is always
    // whole, from the first input or from the second, never a mixture or nothing.
    for k in 1..=12u32 {
        let mut child = common::tally(s.path(), &test_cache(s.path()))
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

/// A folder of small pipelines over one data file; `bad` of them point at a missing file.
fn batch(s: &Scratch, n: usize, bad: &[usize]) {
    s.write(
        "data/s.csv",
        "id,outcome,group\n1,Worse,a\n2,Same,b\n3,Better,a\n",
    );
    for i in 0..n {
        let text = simple_internal().replace(
            "path = \"../data/s.csv\"",
            if bad.contains(&i) {
                "path = \"../data/missing.csv\""
            } else {
                "path = \"../data/s.csv\""
            },
        );
        s.write(&format!("batch/p{i:02}.toml"), text);
    }
}

#[test]
fn a_folder_runs_as_a_batch_and_one_failure_stops_nothing() {
    let s = Scratch::new();
    batch(&s, 6, &[2]);
    let o = s.run(&["run", "batch", "--jobs", "2"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("pipeline batch/p02.toml: cannot open ../data/missing.csv"),
        "{err}"
    );
    // The summary lists every pipeline in input order.
    let rows: Vec<&str> = err.lines().filter(|l| l.starts_with("batch/")).collect();
    assert_eq!(rows.len(), 6, "{err}");
    for (i, row) in rows.iter().enumerate() {
        assert!(row.starts_with(&format!("batch/p{i:02}.toml")), "{row}");
        assert_eq!(row.contains("FAILED"), i == 2, "{row}");
    }
    assert!(err.contains("6 pipeline(s): 5 ok, 1 failed"), "{err}");
    for i in [0, 1, 3, 4, 5] {
        assert!(s
            .path()
            .join(format!("reports/p{i:02}/index.html"))
            .is_file());
    }
    // An empty folder is a clear error.
    fs::create_dir_all(s.path().join("empty")).unwrap();
    let o = s.run(&["run", "empty"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("empty holds no pipeline files (looked for *.toml)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn reruns_skip_unchanged_stages_and_corrupt_caches_are_rebuilt() {
    let s = Scratch::new();
    batch(&s, 1, &[]);
    // The data file must be older than the racy-clean window for its hash to be trusted.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    fs::File::options()
        .write(true)
        .open(s.path().join("data/s.csv"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let explain = |s: &Scratch| stdout(&s.run(&["run", "batch/p00.toml", "--explain"]));
    assert!(
        explain(&s).contains("ingest   runs (the input is new"),
        "{}",
        explain(&s)
    );
    let o = s.run(&["run", "batch/p00.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let e = explain(&s);
    assert!(
        e.contains("ingest   cached") && e.contains("report   up to date"),
        "{e}"
    );
    let o = s.run(&["run", "batch/p00.toml"]);
    assert!(
        stderr(&o).starts_with("up to date reports/p00"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("ingest") && stderr(&o).contains("cached"),
        "{}",
        stderr(&o)
    );
    // A changed pipeline reruns the report but not the ingest.
    let p = s
        .read("batch/p00.toml")
        .replace("name = \"effect\"", "name = \"effect2\"");
    s.write("batch/p00.toml", p);
    let e = explain(&s);
    assert!(
        e.contains("ingest   cached") && e.contains("report   runs"),
        "{e}"
    );
    let o = s.run(&["run", "batch/p00.toml"]);
    assert!(
        stderr(&o).starts_with("wrote reports/p00"),
        "{}",
        stderr(&o)
    );
    // --force reruns everything.
    let o = s.run(&["run", "batch/p00.toml", "--force"]);
    assert!(
        stderr(&o).starts_with("wrote") && !stderr(&o).contains("cached"),
        "{}",
        stderr(&o)
    );
    // A corrupt cache entry is reported and rebuilt, never trusted.
    let ingest_dir = s.path().join(".tally-cache/ingest");
    for e in fs::read_dir(&ingest_dir).unwrap().flatten() {
        fs::write(
            e.path(),
            b"{\"format\": 1, \"tool\": \"0.1.0\", \"key\": tru",
        )
        .unwrap();
    }
    let o = s.run(&["run", "batch/p00.toml", "--force"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = s.run(&["run", "batch/p00.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for e in fs::read_dir(&ingest_dir).unwrap().flatten() {
        fs::write(e.path(), b"not json").unwrap();
    }
    let p = s
        .read("batch/p00.toml")
        .replace("name = \"effect2\"", "name = \"effect3\"");
    s.write("batch/p00.toml", p);
    let o = s.run(&["run", "batch/p00.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is corrupt") && stderr(&o).contains("it is rebuilt"),
        "{}",
        stderr(&o)
    );
    // A cache from another version is rebuilt too.
    for e in fs::read_dir(&ingest_dir).unwrap().flatten() {
        let t = fs::read_to_string(e.path())
            .unwrap()
            .replace("\"tool\":\"0.1.0\"", "\"tool\":\"0.0.1\"");
        fs::write(e.path(), t).unwrap();
    }
    assert!(
        explain(&s).contains("written by tally 0.0.1"),
        "{}",
        explain(&s)
    );
}

#[test]
fn json_logs_are_one_object_per_line() {
    let s = Scratch::new();
    batch(&s, 3, &[1]);
    let o = s.run(&["run", "batch", "--log-format", "json", "--jobs", "1"]);
    assert_eq!(code(&o), 1);
    let events: Vec<serde_json::Value> = stderr(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let jobs: Vec<&serde_json::Value> = events.iter().filter(|e| e["event"] == "job").collect();
    assert_eq!(jobs.len(), 3);
    assert_eq!(jobs[1]["status"], "failed");
    assert_eq!(jobs[0]["status"], "ok");
    assert_eq!(jobs[0]["rows_read"], 3);
    assert!(jobs[0]["stage_seconds"]["ingest"].is_number());
    let summary = events.last().unwrap();
    assert_eq!(
        (summary["event"].as_str(), summary["failed"].as_u64()),
        (Some("summary"), Some(1))
    );
}

#[test]
fn an_error_early_in_a_big_file_ends_the_run() {
    // The count overflow on line 3 stops the counting while the reading thread still has
    // tens of thousands of records to hand over: the run must end with the error, not hang.
    let s = Scratch::new();
    let mut data = format!("outcome,count\na,{}\nb,1\n", u64::MAX);
    for i in 0..60_000 {
        data.push_str(if i % 2 == 0 { "a,1\n" } else { "b,2\n" });
    }
    s.write("data/c.csv", data);
    s.write(
        "pipelines/c.toml",
        "[input]\npath = \"../data/c.csv\"\nkind = \"counts\"\n[[analysis]]\nname = \"x\"\noutcome = \"outcome\"\nlevels = [\"a\", \"b\"]\n",
    );
    let mut child = common::tally(s.path(), &test_cache(s.path()))
        .args(["run", "pipelines/c.toml"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the run hung after an early error");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        err.contains("line 3: the counts add up to more than"),
        "{err}"
    );
}
