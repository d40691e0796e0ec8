//! The example pipelines (`pipelines/*.toml`) run, reproduce byte for byte, and give the
//! published and generated figures.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{self, code, csv_file_rows, csv_rows, in_repo, root, stderr, tree};

#[test]
fn every_example_pipeline_runs_and_is_byte_reproducible() {
    let pipelines: Vec<PathBuf> = fs::read_dir(root().join("pipelines"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        // Review pipelines write another kind of report (tests/it/cli/review.rs).
        .filter(|p| !tally::review::is_review(&fs::read_to_string(p).unwrap()))
        .collect();
    assert!(pipelines.len() >= 2);
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for p in &pipelines {
        for out in [&a, &b] {
            let o = in_repo(&[
                "run",
                p.to_str().unwrap(),
                "--reports-dir",
                out.path().to_str().unwrap(),
            ]);
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
        for entry in tree::files(&dir_a) {
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
        let plots: Vec<_> = tree::files(&dir_a.join("plots"));
        assert!(plots
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "svg")));
        assert!(plots
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "png")));
    }
}

fn run_example(name: &str) -> (tempfile::TempDir, PathBuf) {
    support::run_example(name, &[])
}

#[test]
fn the_ame_example_reproduces_the_published_percentages() {
    let (_out, dir) = run_example("ame-2019-get");
    let rows = csv_file_rows(&dir.join("estimates.csv"));
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
    // ...and they are the generator's malformed and duplicate records (its own bookkeeping,
    // not tally's: data/generate_synthetic.py).
    let bad = &expected["imperfections"];
    let mut want: Vec<u64> = ["too_few_columns", "too_many_columns"]
        .iter()
        .flat_map(|k| bad[k]["rows"].as_array().unwrap())
        .map(|r| r["line"].as_u64().unwrap())
        .chain([bad["duplicate_respondent_id"]["duplicate_line"]
            .as_u64()
            .unwrap()])
        .collect();
    want.sort_unstable();
    let mut got = lines.clone();
    got.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(rows["read"], expected["data_records"]);
    assert_eq!(rows["used"], expected["well_formed_unique_respondents"]);
    let fields = bad["too_few_columns"]["count"].as_u64().unwrap()
        + bad["too_many_columns"]["count"].as_u64().unwrap();
    assert_eq!(rows["rejected_by_reason"]["wrong number of fields"], fields);
    assert_eq!(
        rows["rejected_by_reason"]["duplicate respondent id"],
        bad["duplicate_respondent_id"]["count"]
    );
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
    the_synthetic_figures_are_the_generators(&est, &expected);
    // Near-miss labels are listed with a suggestion, not silently mapped: each of the
    // generator's, with its canonical label, in an internal run (for cleaning the data).
    let (_internal, internal_dir) = support::run_example("synthetic-survey", &["--internal"]);
    let unmapped = fs::read_to_string(internal_dir.join("unmapped.csv")).unwrap();
    for r in expected["imperfections"]["near_miss_labels"]["rows"]
        .as_array()
        .unwrap()
    {
        let (column, raw, canonical) = (&r["column"], &r["raw"], &r["canonical"]);
        let listed = csv_rows(&unmapped).into_iter().any(|u| {
            u["column"] == column.as_str().unwrap()
                && u["value"] == raw.as_str().unwrap()
                && u["did_you_mean"] == canonical.as_str().unwrap()
        });
        assert!(listed, "{r}: {unmapped}");
    }
    // The published report lists only values given by at least 5 respondents (a value
    // listed is known to occur, which would pin its column's small exclusion count).
    let published = fs::read_to_string(dir.join("unmapped.csv")).unwrap();
    for u in csv_rows(&published) {
        let n: u64 = u["respondents"].parse().unwrap_or(0);
        assert!(n >= 5, "{published}");
    }
}

/// The published figures of the synthetic example against the generator's tallies
/// (`data/synthetic_survey.expected.json`): every count and denominator of GET and CBT by
/// provider and of the margins, and each exclusion count that is shown.
fn the_synthetic_figures_are_the_generators(est: &serde_json::Value, expected: &serde_json::Value) {
    let groups = [
        ("specialist", "M.E. specialist"),
        ("non_specialist", "Non-specialist"),
        ("not_stated", "Not stated"),
    ];
    let levels = ["improved", "no_change", "worsened"];
    let analyses = est["analyses"].as_array().unwrap();
    let analysis = |name: &str| analyses.iter().find(|a| a["name"] == name).unwrap();
    // (count, n) of one published estimate: `group` None for the margin.
    let cell = |a: &serde_json::Value, column: &str, group: Option<&str>, level: &str| {
        let e = a["estimates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["outcome"] == level && e["group"][column].as_str() == group)
            .unwrap_or_else(|| panic!("{} {group:?} {level}", a["name"]));
        (e["count"].as_u64(), e["n"].as_u64())
    };
    let mut compared = 0;
    for (therapy, name) in [("get", "get_by_provider"), ("cbt", "cbt_by_provider")] {
        let a = analysis(name);
        let column = format!("{therapy}_provider");
        for (key, label) in groups {
            let want = &expected["aggregates"][therapy][key];
            let n: u64 = levels.iter().map(|l| want[l].as_u64().unwrap()).sum();
            for level in levels {
                let got = cell(a, &column, Some(label), level);
                assert_eq!(
                    got,
                    (want[level].as_u64(), Some(n)),
                    "{name} {label} {level}"
                );
                compared += 1;
            }
        }
        let totals = &expected["totals"][therapy];
        let n: u64 = levels.iter().map(|l| totals[l].as_u64().unwrap()).sum();
        for level in levels {
            let got = cell(a, &column, None, level);
            assert_eq!(got, (totals[level].as_u64(), Some(n)), "{name} {level}");
        }
        assert_eq!(a["respondents_included"], n);
        assert_eq!(
            a["respondents_available"],
            totals["base_well_formed_unique_respondents"]
        );
        // Exclusions by reason, where disclosure control shows them.
        for x in a["exclusions"].as_array().unwrap() {
            let reason = x["reason"].as_str().unwrap();
            let key = if reason.starts_with("outside denominator") {
                "not_tried"
            } else if reason.starts_with("unmapped value") {
                "near_miss_excluded"
            } else if reason.starts_with("missing") {
                "missing_outcome"
            } else {
                panic!("{name}: exclusion {reason}")
            };
            if !x["respondents"].is_null() {
                assert_eq!(x["respondents"], totals[key], "{name}: {reason}");
                compared += 1;
            }
        }
    }
    // Pacing: the margin; GET by severity: the severity margins that are shown.
    let totals = &expected["totals"]["pacing"];
    let n: u64 = levels.iter().map(|l| totals[l].as_u64().unwrap()).sum();
    for level in levels {
        let got = cell(analysis("pacing_by_severity"), "severity", None, level);
        assert_eq!(got, (totals[level].as_u64(), Some(n)), "pacing {level}");
    }
    let a = analysis("get_by_provider_and_severity");
    for (severity, want) in expected["get_by_severity"].as_object().unwrap() {
        let n: u64 = levels.iter().map(|l| want[l].as_u64().unwrap()).sum();
        for level in levels {
            let e = a["estimates"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| {
                    e["outcome"] == level
                        && e["group"]["get_provider"].is_null()
                        && e["group"]["severity"] == severity.as_str()
                })
                .unwrap_or_else(|| panic!("GET {severity} {level}"));
            if let (Some(c), Some(m)) = (e["count"].as_u64(), e["n"].as_u64()) {
                assert_eq!(
                    (c, m),
                    (want[level].as_u64().unwrap(), n),
                    "GET {severity} {level}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared >= 25, "only {compared} figures compared");
}

#[test]
fn the_ame_report_compares_providers_against_the_reference_values() {
    let (_out, dir) = run_example("ame-2019-get");
    let row = csv_file_rows(&dir.join("comparisons.csv"))
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
    let reference = include_str!("../../reference/compare_reference.csv")
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
        html.contains("Effect of GET, all respondents: of the 4,001 respondents (including those who had not tried GET), 38.0% (95% CI 36.5% to 39.5%; 1,520 of 4,001) answered \u{201c}Worse\u{201d}."),
        "headline missing"
    );
    assert!(html.contains("Significant contrasts: Non-specialist vs M.E. specialist +13.9 percentage points (95% CI +7.7 to +20.0; holm-adjusted p = 1.9e-5)"));
    assert!(html.contains("Test of independence of outcome and provider"));
    assert!(dir.join("plots/get_by_provider-forest.svg").is_file());
}
