//! Review pipelines (`[review]`, a meta-analysis across surveys): the shipped example
//! against metafor's values for its exact rows (`tests/reference/review_example_reference.csv`,
//! made by `gen_review_example_reference.R` from `data/review-get-harm.csv`; versions and
//! tolerances in `review_example_reference.versions.txt`), and every bad input the issue
//! lists, each a clear error naming its entry.

use std::collections::HashMap;

use crate::support::{code, csv_file_rows, csv_rows, run_example, stderr, Scratch};

/// metafor's value of `quantity` in `scope` for the example's rows (PLO, REML,
/// Hartung-Knapp; the GLMM by ML).
fn metafor(scope: &str, quantity: &str) -> f64 {
    csv_rows(include_str!("../../reference/review_example_reference.csv"))
        .into_iter()
        .find(|r| r["scope"] == scope && r["quantity"] == quantity)
        .map(|r| r["value"].parse().unwrap())
        .unwrap_or_else(|| panic!("{scope} {quantity}"))
}

fn close(got: &str, want: f64, tol: f64, what: &str) {
    let got: f64 = got.parse().unwrap_or_else(|_| panic!("{what}: `{got}`"));
    assert!(
        (got - want).abs() <= tol * want.abs().max(1.0),
        "{what}: {got} vs metafor {want}"
    );
}

#[test]
fn example_review_writes_its_report_and_agrees_with_metafor() {
    let (_root, dir) = run_example("review-get-harm", &[]);
    for f in [
        "index.html",
        "report.md",
        "pooled.csv",
        "studies.csv",
        "plots/forest.svg",
        "plots/forest.png",
        "manifest.json",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let pooled: Vec<HashMap<String, String>> = csv_file_rows(&dir.join("pooled.csv"));
    let scope = |s: &str| {
        pooled
            .iter()
            .find(|r| r["scope"] == s)
            .unwrap_or_else(|| panic!("pooled.csv has no `{s}` row"))
    };
    let overall = [
        ("proportion", "prop.estimate"),
        ("ci_lower", "prop.ci.lb"),
        ("ci_upper", "prop.ci.ub"),
        ("pi_lower", "prop.pi.lb"),
        ("pi_upper", "prop.pi.ub"),
        ("estimate_transformed", "estimate"),
        ("se_transformed", "se"),
        ("p_value", "pval"),
        ("tau2", "tau2"),
        ("q", "QE"),
        ("i2", "I2"),
        ("h2", "H2"),
    ];
    let all = scope("all");
    assert_eq!(all["k"], "5");
    assert_eq!(all["n"], "3786");
    for (col, q) in overall.iter().chain(&[
        ("tau2_lower", "tau2.lb"),
        ("tau2_upper", "tau2.ub"),
        ("i2_lower", "I2.lb"),
        ("i2_upper", "I2.ub"),
    ]) {
        close(&all[*col], metafor("all", q), 1e-9, &format!("all {col}"));
    }
    // Each survey period with its own tau², and the test of subgroup differences.
    for (period, k) in [("2004 to 2008", "3"), ("2014 to 2019", "2")] {
        let name = format!("subgroup: {period}");
        let row = scope(&name);
        assert_eq!(row["k"], k, "{name}");
        for (col, q) in overall {
            close(&row[col], metafor(&name, q), 1e-9, &format!("{name} {col}"));
        }
    }
    let between = scope("between subgroups");
    close(
        &between["q"],
        metafor("between subgroups", "QB"),
        1e-9,
        "QB",
    );
    close(
        &between["q_p"],
        metafor("between subgroups", "QBp"),
        1e-9,
        "QB p",
    );
    // The GLMM row (rma.glmm, lme4): estimate and tau² to 1e-6, the SE to 1e-5.
    let glmm = scope("glmm (sensitivity)");
    for (col, q, tol) in [
        ("estimate_transformed", "estimate", 1e-6),
        ("tau2", "tau2", 1e-6),
        ("proportion", "prop.estimate", 1e-6),
        ("se_transformed", "se", 1e-5),
    ] {
        close(&glmm[col], metafor("glmm", q), tol, &format!("glmm {col}"));
    }
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let want = format!(
        "Across 5 surveys (3,786 respondents who tried GET), the pooled proportion who reported that GET made their symptoms worse was {:.1}% (95% CI {:.1}% to {:.1}%); 95% prediction interval for a new survey {:.1}% to {:.1}%",
        metafor("all", "prop.estimate") * 100.0,
        metafor("all", "prop.ci.lb") * 100.0,
        metafor("all", "prop.ci.ub") * 100.0,
        metafor("all", "prop.pi.lb") * 100.0,
        metafor("all", "prop.pi.ub") * 100.0,
    );
    assert!(md.contains(&want), "{want}\n{md}");
    assert!(md.contains("Few surveys (2"), "small-k note");
    assert!(md.contains("Survey period: 2004 to 2008"), "{md}");
    assert!(md.contains("Binomial-normal GLMM"));
    // Five distinct surveys, each cited, each with its weight as metafor gives it.
    let studies = csv_file_rows(&dir.join("studies.csv"));
    assert_eq!(studies.len(), 5);
    let years: Vec<&str> = studies.iter().map(|s| s["year"].as_str()).collect();
    assert_eq!(years, ["2004", "2007", "2008", "2014", "2019"]);
    for (i, s) in studies.iter().enumerate() {
        assert!(s["citation"].contains("http"), "{}: a URL", s["survey"]);
        close(
            &s["weight_percent"],
            metafor("all", &format!("weight.{}", i + 1)),
            1e-9,
            &format!("weight of {}", s["survey"]),
        );
    }
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("review-get-harm.csv") && manifest.contains("\"tool\": \"tally\""));
    let svg = std::fs::read_to_string(dir.join("plots/forest.svg")).unwrap();
    assert!(svg.contains("Prediction interval") && svg.contains("139 / 170"));
}

#[test]
fn example_review_is_byte_for_byte_reproducible() {
    let (_a, one) = run_example("review-get-harm", &[]);
    let (_b, two) = run_example("review-get-harm", &[]);
    for f in [
        "index.html",
        "report.md",
        "pooled.csv",
        "studies.csv",
        "plots/forest.svg",
    ] {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(two.join(f)).unwrap(),
            "{f}"
        );
    }
}

const REVIEW: &str = r#"
[review]
title = "T"
outcome = "got worse"
population = "respondents"

[review.counts]
path = "counts.csv"
"#;

/// Runs a review of `csv` (plus `extra` TOML) in a scratch project; it must fail with 1.
fn fails(csv: &str, extra: &str) -> String {
    let s = Scratch::new();
    s.write("counts.csv", csv);
    s.write("r.toml", format!("{REVIEW}{extra}"));
    let o = s.run(&["run", "r.toml", "--reports-dir", "out"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(!s.path().join("out/r").exists(), "no report on failure");
    stderr(&o)
}

#[test]
fn a_survey_with_n_zero_is_named() {
    let e = fails("survey,x,n\nA,1,10\nB,0,0\n", "");
    assert!(e.contains("counts.csv line 3 (survey `B`): n is 0"), "{e}");
}

#[test]
fn x_above_n_is_named() {
    let e = fails("survey,x,n\nA,1,10\nB,12,11\n", "");
    assert!(
        e.contains("line 3 (survey `B`): x = 12 is more than n = 11"),
        "{e}"
    );
}

#[test]
fn one_survey_is_refused() {
    let e = fails("survey,x,n\nA,1,10\n", "");
    assert!(
        e.contains("a review needs at least two surveys, and 1 was given"),
        "{e}"
    );
}

#[test]
fn the_same_survey_twice_is_named() {
    let e = fails("survey,x,n\nA,1,10\nB,2,10\na,3,10\n", "");
    assert!(
        e.contains("line 4 (survey `a`): survey `a` is already in the review (counts.csv line 2"),
        "{e}"
    );
}

#[test]
fn a_subgroup_with_one_survey_is_named() {
    let e = fails("survey,x,n,subgroup\nA,1,10,s\nB,2,10,s\nC,3,10,n\n", "");
    assert!(
        e.contains("line 4 (survey `C`): subgroup `n` has only survey `C`"),
        "{e}"
    );
}

#[test]
fn a_missing_referenced_report_is_named() {
    let ref_survey = r#"
[[review.survey]]
name = "AfME 2019"
pipeline = "ame.toml"
analysis = "get_by_provider"
level = "worsened"
group = "M.E. specialist"
"#;
    let s = Scratch::new();
    let root = crate::support::root();
    s.write(
        "pipelines/ame.toml",
        std::fs::read(root.join("pipelines/ame-2019-get.toml")).unwrap(),
    );
    s.write(
        "data/ame_2019_get.csv",
        std::fs::read(root.join("data/ame_2019_get.csv")).unwrap(),
    );
    s.write("pipelines/counts.csv", "survey,x,n\nA,1,10\n");
    s.write("pipelines/r.toml", format!("{REVIEW}{ref_survey}"));
    let o = s.run(&["run", "pipelines/r.toml", "--reports-dir", "out"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("survey `AfME 2019` (pipeline ame.toml): its report is missing"),
        "{e}"
    );
    assert!(e.contains("hint: run `tally run"), "{e}");

    // Written, the reference resolves (161 of 342 specialist respondents worse).
    let o = s.run(&[
        "run",
        "pipelines/ame.toml",
        "pipelines/r.toml",
        "--reports-dir",
        "out",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let studies = csv_file_rows(&s.path().join("out/r/studies.csv"));
    let afme = studies.iter().find(|r| r["survey"] == "AfME 2019").unwrap();
    assert_eq!((afme["x"].as_str(), afme["n"].as_str()), ("161", "342"));
    assert!(afme["source"].contains("pipeline ame.toml") && afme["sha256"].len() == 64);

    // The pipeline edited after its report: stale.
    let mut text = s.read("pipelines/ame.toml");
    text.push_str("\n# edited\n");
    s.write("pipelines/ame.toml", text);
    let o = s.run(&["run", "pipelines/r.toml", "--reports-dir", "out"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("survey `AfME 2019` (pipeline ame.toml): its report in"),
        "{e}"
    );
    assert!(e.contains("is stale: the pipeline file changed"), "{e}");
}

/// Runs a review of `csv` in a scratch project; it must succeed. Returns the project.
fn succeeds(csv: &str) -> Scratch {
    let s = Scratch::new();
    s.write("counts.csv", csv);
    s.write("r.toml", REVIEW);
    let o = s.run(&["run", "r.toml", "--reports-dir", "out"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    s
}

#[test]
fn subgroups_get_their_own_pooled_rows_and_a_test_of_differences() {
    let s = succeeds("survey,x,n,subgroup\nA,10,50,s\nB,14,60,s\nC,40,70,n\nD,35,60,n\n");
    let pooled = csv_file_rows(&s.path().join("out/r/pooled.csv"));
    let scopes: Vec<&str> = pooled.iter().map(|r| r["scope"].as_str()).collect();
    assert_eq!(
        scopes,
        [
            "all",
            "subgroup: s",
            "subgroup: n",
            "between subgroups",
            "glmm (sensitivity)"
        ]
    );
    let between = &pooled[3];
    assert_eq!(between["q_df"], "1");
    let p: f64 = between["q_p"].parse().unwrap();
    assert!(p < 0.001, "20% vs 60% differ: p = {p}");
    let md = s.read("out/r/report.md");
    assert!(md.contains("Test for subgroup differences (each subgroup with its own tau²)"));
    assert!(
        md.contains("Few surveys (2 in the smallest pooled set)"),
        "{md}"
    );
    assert!(s
        .read("out/r/plots/forest.svg")
        .contains("Subgroup differences"));
}

#[test]
fn a_glmm_that_cannot_be_fitted_is_reported_not_hidden() {
    // Every survey at 0%: the logit model pools corrected counts, the GLMM has no maximum.
    let s = succeeds("survey,x,n\nA,0,20\nB,0,30\nC,0,25\n");
    let md = s.read("out/r/report.md");
    assert!(
        md.contains("The binomial-normal GLMM could not be fitted"),
        "{md}"
    );
    let studies = csv_file_rows(&s.path().join("out/r/studies.csv"));
    assert!(studies.iter().all(|r| r["continuity_corrected"] == "true"));
}
