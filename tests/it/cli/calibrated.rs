//! Weights calibrated to population margins end to end (`[weighting]`): pipelines over the
//! 4,000-respondent fixture run through the binary, their `estimates.csv` held against R
//! `survey` 4.1.1 (`tests/reference/calibration_reference.csv`, made by
//! `gen_calibration_reference.R` from the same respondents and the same, illustrative,
//! margins; versions and tolerances in `calibration_reference.versions.txt`): postStratify,
//! rake, calibrate (linear, linear with bounds, raking, logit with bounds) and trimWeights, on
//! an element design, a self-selected sample (unit weights) and a stratified cluster design:
//! the weighted proportion, its SE, design effect, design df, Σw and the Korn-Graubard
//! interval, the design-based differences and the Rao-Scott tests, to 1e-9.
//! And the margins and calibrations tally refuses.

use std::collections::HashMap;

use crate::support::{code, csv_file_rows, csv_rows, root, stderr, Scratch};

type Key = (String, String, String, String, String);

/// R's value of `quantity` for (design, method, domain, outcome), keyed as in the CSV.
fn reference() -> HashMap<Key, f64> {
    let text =
        std::fs::read_to_string(root().join("tests/reference/calibration_reference.csv")).unwrap();
    csv_rows(&text)
        .into_iter()
        .filter_map(|r| {
            let v: f64 = r["value"].parse().ok()?;
            Some((
                (
                    r["design"].clone(),
                    r["method"].clone(),
                    r["domain"].clone(),
                    r["outcome"].clone(),
                    r["quantity"].clone(),
                ),
                v,
            ))
        })
        .collect()
}

const SEX: &str = "[weighting.margins.sex]\nfemale = 0.75\nmale = 0.22\nother = 0.03\n";
const SEVERITY: &str =
    "[weighting.margins.severity]\nmild = 0.25\nmoderate = 0.50\nsevere = 0.25\n";
const AGE: &str = "[weighting.margins.age_band]\n\"18-29\" = 0.12\n\"30-39\" = 0.20\n\"40-49\" = 0.25\n\"50-59\" = 0.23\n\"60+\" = 0.20\n";

/// The `[weighting]` of each of the reference script's calibrations.
fn weighting(method: &str, population: Option<f64>) -> String {
    let pop = population
        .map(|n| format!("population = {n}\n"))
        .unwrap_or_default();
    let three = format!("{SEX}{SEVERITY}{AGE}");
    match method {
        "poststratify" => {
            let sex = [("female", 0.75), ("male", 0.22), ("other", 0.03)];
            let sev = [("mild", 0.25), ("moderate", 0.50), ("severe", 0.25)];
            let mut s = format!("[weighting]\nmethod = \"poststratify\"\n{pop}");
            for (b, q) in sev {
                for (a, p) in sex {
                    s.push_str(&format!(
                        "[[weighting.cell]]\nsex = \"{a}\"\nseverity = \"{b}\"\nshare = {}\n",
                        p * q
                    ));
                }
            }
            s
        }
        "rake" => format!("[weighting]\nmethod = \"rake\"\n{pop}{three}"),
        "linear" => format!("[weighting]\nmethod = \"linear\"\n{pop}{three}"),
        "linear_bounded" => {
            format!("[weighting]\nmethod = \"linear\"\nbounds = [0.6, 1.6]\n{pop}{three}")
        }
        "raking" => format!("[weighting]\nmethod = \"raking\"\n{pop}{three}"),
        "logit" => format!("[weighting]\nmethod = \"logit\"\nbounds = [0.4, 2.5]\n{pop}{three}"),
        "rake_trim" => {
            let n = population.unwrap_or(4000.0);
            format!(
                "[weighting]\nmethod = \"rake\"\ntrim = [{}, {}]\n{pop}{three}",
                0.4 * n / 4000.0,
                2.0 * n / 4000.0
            )
        }
        other => panic!("{other}"),
    }
}

/// One analysis over everyone by treatment, and one per treatment by provider: the
/// reference's domains `(all)`, each treatment, and treatment/provider.
fn analyses() -> String {
    let levels = "[\"improved\", \"no_change\", \"worsened\", \"\"]";
    let mut s = format!(
        "[[analysis]]\nname = \"all\"\noutcome = \"outcome\"\nlevels = {levels}\nexpect_empty = [\"\"]\nby = [\"treatment\"]\n"
    );
    for t in ["CBT", "GET", "pacing"] {
        s.push_str(&format!(
            "[[analysis]]\nname = \"t_{t}\"\noutcome = \"outcome\"\nlevels = {levels}\nexpect_empty = [\"\"]\nfilter = {{ treatment = [\"{t}\"] }}\nby = [\"provider\"]\ncompare = {{ reference = \"specialist\", measure = \"diff\", levels = [\"improved\", \"no_change\", \"worsened\"] }}\n"
        ));
    }
    s
}

fn design_keys(design: &str) -> (&'static str, Option<f64>) {
    match design {
        "element" => ("weight = \"weight\"\n", None),
        "unit" => ("", Some(250000.0)),
        "stratclus" => (
            "weight = \"weight\"\nstrata = \"region\"\ncluster = \"psu\"\n",
            Some(250000.0),
        ),
        other => panic!("{other}"),
    }
}

type Rows = Vec<HashMap<String, String>>;

/// Runs one calibration of one design; returns its estimates.csv and comparisons.csv rows
/// and its estimates.json.
fn run(design: &str, method: &str) -> (Rows, Rows, serde_json::Value) {
    let data =
        std::fs::read_to_string(root().join("tests/reference/calibration_4000.csv")).unwrap();
    let (keys, population) = design_keys(design);
    let pipeline = format!(
        "[input]\npath = \"../data/s.csv\"\n{keys}missing = []\n[disclosure]\nprotect = false\n[ci]\nmethod = \"korn-graubard\"\n{}\n{}",
        weighting(method, population),
        analyses()
    );
    let s = Scratch::new();
    s.write("data/s.csv", &data);
    s.write("pipelines/c.toml", &pipeline);
    let o = s.run(&["run", "pipelines/c.toml"]);
    assert_eq!(code(&o), 0, "{design} {method}: {}", stderr(&o));
    (
        csv_file_rows(&s.path().join("reports/c/estimates.csv")),
        csv_file_rows(&s.path().join("reports/c/comparisons.csv")),
        serde_json::from_str(&s.read("reports/c/estimates.json")).unwrap(),
    )
}

/// Holds each treatment's Rao-Scott test of provider by outcome (estimates.json's
/// `design_test`) against R's `svychisq` on the subset of the calibrated design.
fn check_rao_scott(
    design: &str,
    method: &str,
    json: &serde_json::Value,
    refs: &HashMap<Key, f64>,
    worst: &mut HashMap<&'static str, f64>,
) -> usize {
    let mut checked = 0;
    for t in ["CBT", "GET", "pacing"] {
        let a = json["analyses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == format!("t_{t}"))
            .unwrap();
        let test = &a["design_test"];
        assert_eq!(test["by"], "provider", "{design} {method} {t}: {a}");
        for (field, q) in [
            ("f", "rs_f"),
            ("f_ndf", "rs_f_ndf"),
            ("f_ddf", "rs_f_ddf"),
            ("f_p", "rs_f_p"),
            ("chisq_df", "rs_chisq_df"),
            ("chisq_p", "rs_chisq_p"),
        ] {
            let k = (
                design.to_string(),
                method.to_string(),
                t.to_string(),
                String::new(),
                q.to_string(),
            );
            let want = refs[&k];
            let got = test[field].as_f64().unwrap();
            // The denominator df is d0 ν, ν in the thousands on an element design: relative.
            let tol = if q == "rs_f_ddf" {
                1e-9 * want.abs().max(1.0)
            } else {
                1e-9
            };
            assert!((got - want).abs() <= tol, "{k:?}: tally {got}, R {want}");
            let e = worst.entry(q).or_insert(0.0);
            *e = e.max((got - want).abs() / if q == "rs_f_ddf" { want.abs() } else { 1.0 });
            checked += 1;
        }
    }
    checked
}

/// Holds every design-based difference (non-specialist − specialist, the reference
/// group second) against R's svyratio + contrast (specialist − non-specialist, so negated).
fn check_differences(
    design: &str,
    method: &str,
    rows: &[HashMap<String, String>],
    refs: &HashMap<Key, f64>,
    worst: &mut HashMap<&'static str, f64>,
) -> usize {
    let mut checked = 0;
    for row in rows {
        assert_eq!(row["group2"], "specialist");
        let t = row["analysis"].trim_start_matches("t_").to_string();
        for (column, q) in [
            ("estimate", "diff"),
            ("ci_lower", "diff_upper"),
            ("ci_upper", "diff_lower"),
        ] {
            let k = (
                design.to_string(),
                method.to_string(),
                t.clone(),
                row["outcome"].clone(),
                q.to_string(),
            );
            let want = -refs[&k];
            let got: f64 = row[column].parse().unwrap();
            assert!((got - want).abs() <= 1e-9, "{k:?}: tally {got}, R {want}");
            let e = worst.entry(q).or_insert(0.0);
            *e = e.max((got - want).abs());
            checked += 1;
        }
    }
    assert_eq!(checked, 27, "{design} {method}");
    checked
}

fn domain_of(row: &HashMap<String, String>) -> String {
    if row["analysis"] == "all" {
        if row["treatment"] == "(all)" {
            "(all)".into()
        } else {
            row["treatment"].clone()
        }
    } else {
        let t = row["analysis"].trim_start_matches("t_").to_string();
        if row["provider"] == "(all)" {
            t
        } else {
            format!("{t}/{}", row["provider"])
        }
    }
}

/// Holds every row against R; returns the number of figures compared and the largest
/// difference per quantity.
fn check(
    design: &str,
    method: &str,
    rows: &[HashMap<String, String>],
    refs: &HashMap<Key, f64>,
    worst: &mut HashMap<&'static str, f64>,
) -> usize {
    let mut checked = 0;
    for row in rows {
        let domain = domain_of(row);
        for (column, q) in [
            ("proportion", "p"),
            ("se", "se"),
            ("deff", "deff"),
            ("df", "df"),
            ("sum_w", "sum_w"),
            ("ci_lower", "beta_lower"),
            ("ci_upper", "beta_upper"),
        ] {
            let k = (
                design.to_string(),
                method.to_string(),
                domain.clone(),
                row["outcome"].clone(),
                q.to_string(),
            );
            let Some(want) = refs.get(&k) else {
                panic!("no reference for {k:?}");
            };
            let got: f64 = row[column].parse().unwrap_or(f64::NAN);
            // Σw is in the hundreds of thousands for a population of 250,000: 1e-9 relative.
            let tol = if q == "sum_w" {
                1e-9 * want.abs().max(1.0)
            } else {
                1e-9
            };
            if !want.is_finite() {
                assert!(
                    !got.is_finite() || q.starts_with("beta"),
                    "{k:?}: tally {got}"
                );
                continue;
            }
            assert!((got - want).abs() <= tol, "{k:?}: tally {got}, R {want}");
            let e = worst.entry(q).or_insert(0.0);
            *e = e.max((got - want).abs() / if q == "sum_w" { want.abs() } else { 1.0 });
            checked += 1;
        }
    }
    checked
}

const METHODS: &[&str] = &[
    "poststratify",
    "rake",
    "linear",
    "linear_bounded",
    "raking",
    "logit",
];

fn held_against_r(design: &str, methods: &[&str]) {
    let refs = reference();
    let mut worst = HashMap::new();
    let mut checked = 0;
    for method in methods {
        let (rows, diffs, json) = run(design, method);
        checked += check(design, method, &rows, &refs, &mut worst);
        checked += check_rao_scott(design, method, &json, &refs, &mut worst);
        checked += check_differences(design, method, &diffs, &refs, &mut worst);
    }
    if let Ok(path) = std::env::var("TALLY_CALIBRATION_MAXDIFF") {
        let mut lines: Vec<String> = worst
            .iter()
            .map(|(q, v)| format!("{design} {q} {v:e}"))
            .collect();
        lines.sort();
        lines.push(format!("{design} checked {checked}"));
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        text.push_str(&(lines.join("\n") + "\n"));
        std::fs::write(&path, text).unwrap();
    }
    assert!(checked >= 300 * methods.len(), "{checked} figures checked");
}

#[test]
fn an_element_design_calibrated_by_every_method_matches_r_survey() {
    held_against_r("element", METHODS);
}

#[test]
fn a_self_selected_sample_calibrated_and_trimmed_matches_r_survey() {
    let mut m = METHODS.to_vec();
    m.push("rake_trim");
    held_against_r("unit", &m);
}

#[test]
fn a_stratified_cluster_design_calibrated_by_every_method_matches_r_survey() {
    held_against_r("stratclus", METHODS);
}

/// A small survey for the refusals: sex and severity, one weight column.
fn small_survey() -> String {
    let mut s = String::from("sex,severity,o,w\n");
    for i in 0..120 {
        let sex = if i % 3 == 0 { "male" } else { "female" };
        let sev = ["mild", "moderate", "severe"][i % 3];
        let sev = if i % 7 == 0 { "severe" } else { sev };
        let o = if i % 2 == 0 { "x" } else { "y" };
        s.push_str(&format!("{sex},{sev},{o},{}\n", 1.0 + (i % 5) as f64 * 0.5));
    }
    s
}

const HEAD: &str = "[input]\npath = \"../data/w.csv\"\nweight = \"w\"\n[disclosure]\nprotect = false\n[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"x\", \"y\"]\n";

/// Runs `weighting` over [`small_survey`] (or `data`); returns (exit code, stderr).
fn refused(weighting: &str, data: Option<&str>) -> (i32, String) {
    let s = Scratch::new();
    s.write("data/w.csv", data.map_or_else(small_survey, str::to_string));
    s.write("pipelines/w.toml", format!("{HEAD}{weighting}"));
    let o = s.run(&["run", "pipelines/w.toml"]);
    (code(&o), stderr(&o))
}

#[test]
fn margins_that_do_not_add_up_are_refused_with_their_key() {
    let (c, e) = refused(
        "[weighting]\nmethod = \"rake\"\n[weighting.margins.sex]\nfemale = 0.6\nmale = 0.3\n",
        None,
    );
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("key `weighting.margins.sex`: the shares of `sex` sum to 0.9, not 1"),
        "{e}"
    );
    // Rounded percentages that overshoot are shares too, refused: never taken for counts of
    // a population of 1.02.
    let (c, e) = refused(
        "[weighting]\nmethod = \"rake\"\n[weighting.margins.sex]\nfemale = 0.67\nmale = 0.35\n",
        None,
    );
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("key `weighting.margins.sex`: the shares of `sex` sum to 1.02, not 1"),
        "{e}"
    );
    let (c, e) = refused(
        "[weighting]\nmethod = \"rake\"\n[weighting.margins.sex]\nfemale = 600\nmale = 400\n[weighting.margins.severity]\nmild = 300\nmoderate = 300\nsevere = 300\n",
        None,
    );
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("key `weighting.margins.severity`: the counts of `severity` sum to 900, but those of `sex` sum to 1000"),
        "{e}"
    );
    assert!(e.contains("hint:"), "{e}");
}

#[test]
fn a_population_level_nobody_in_the_sample_has_is_named_with_what_to_collapse() {
    let (c, e) = refused(
        "[weighting]\nmethod = \"rake\"\n[weighting.margins.sex]\nfemale = 0.6\nmale = 0.3\nother = 0.1\n",
        None,
    );
    assert_eq!(c, 1, "{e}");
    assert!(
        e.contains("key `weighting.margins.sex`: level `other` of `sex` has population but no respondent in the sample"),
        "{e}"
    );
    assert!(
        e.contains("hint: collapse `other` with a neighbouring level"),
        "{e}"
    );
}

#[test]
fn a_sample_level_the_margin_does_not_list_is_refused() {
    let (c, e) = refused(
        "[weighting]\nmethod = \"rake\"\n[weighting.margins.sex]\nfemale = 0.7\n[weighting.margins.severity]\nmild = 0.2\nmoderate = 0.5\nsevere = 0.3\n",
        None,
    );
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("the shares of `sex` sum to 0.7, not 1"), "{e}");
    let (c, e) = refused(
        "[weighting]\nmethod = \"rake\"\n[weighting.margins.sex]\nfemale = 1.0\n",
        None,
    );
    assert_eq!(c, 1, "{e}");
    assert!(
        e.contains("key `weighting.margins.sex`: 40 respondent(s) answered `male`, which is not a level of the margin (its levels: female)"),
        "{e}"
    );
}

#[test]
fn raking_that_does_not_converge_is_refused_not_published() {
    let (c, e) = refused(
        "[weighting]\nmethod = \"rake\"\nmax_iterations = 1\nepsilon = 1e-12\n[weighting.margins.sex]\nfemale = 0.5\nmale = 0.5\n[weighting.margins.severity]\nmild = 0.2\nmoderate = 0.2\nsevere = 0.6\n",
        None,
    );
    assert_eq!(c, 1, "{e}");
    assert!(
        e.contains("key `weighting.max_iterations`: raking did not converge in 1 iterations"),
        "{e}"
    );
    assert!(e.contains("hint: raise max_iterations (now 1)"), "{e}");
}

#[test]
fn weights_past_the_trimming_bound_and_bad_bounds_are_refused() {
    // Unit base weights: trimming is exact; one pass leaves weights past the bound.
    let data: String = small_survey()
        .lines()
        .map(|l| l.rsplit_once(',').map_or(l, |(a, _)| a).to_string() + "\n")
        .collect();
    let s = Scratch::new();
    s.write("data/w.csv", &data);
    s.write(
        "pipelines/w.toml",
        HEAD.replace("weight = \"w\"\n", "")
            + "[weighting]\nmethod = \"rake\"\npopulation = 1200\ntrim = [1.0, 8.0]\n[weighting.margins.sex]\nfemale = 0.5\nmale = 0.5\n",
    );
    let o = s.run(&["run", "pipelines/w.toml"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 1, "{e}");
    assert!(e.contains("key `weighting.trim`: after trimming"), "{e}");
    assert!(e.contains("hint: set trim_strict = true"), "{e}");
    // With a weight column that varies within a class, trimming is refused.
    let (c, e) = refused(
        "[weighting]\nmethod = \"rake\"\ntrim = [0.5, 3]\n[weighting.margins.sex]\nfemale = 0.6\nmale = 0.4\n",
        None,
    );
    assert_eq!(c, 1, "{e}");
    assert!(e.contains("key `weighting.trim`: calibration class"), "{e}");
    // Logit without bounds; bounds that do not bracket 1; an unknown method.
    let (c, e) = refused(
        "[weighting]\nmethod = \"logit\"\n[weighting.margins.sex]\nfemale = 0.6\nmale = 0.4\n",
        None,
    );
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("key `weighting.bounds`: logit calibration needs bounds on g"),
        "{e}"
    );
    let (c, e) = refused(
        "[weighting]\nmethod = \"rakeing\"\nbounds = [1.2, 3]\n[weighting.margins.sex]\nfemale = 0.6\nmale = 0.4\n",
        None,
    );
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("hint: did you mean `raking`?"), "{e}");
    assert!(
        e.contains("key `weighting.bounds`: bounds are [L, U]"),
        "{e}"
    );
}

#[test]
fn post_stratification_on_two_columns_needs_every_cell() {
    let (c, e) = refused(
        "[weighting]\nmethod = \"poststratify\"\n[weighting.margins.sex]\nfemale = 0.6\nmale = 0.4\n[weighting.margins.severity]\nmild = 0.2\nmoderate = 0.5\nsevere = 0.3\n",
        None,
    );
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("needs the population of every combination"),
        "{e}"
    );
    // A cell of the population with nobody in the sample.
    let mut cells = String::from("[weighting]\nmethod = \"poststratify\"\n");
    for sex in ["female", "male", "other"] {
        for sev in ["mild", "moderate", "severe"] {
            cells.push_str(&format!(
                "[[weighting.cell]]\nsex = \"{sex}\"\nseverity = \"{sev}\"\nshare = {}\n",
                1.0 / 9.0
            ));
        }
    }
    let (c, e) = refused(&cells, None);
    assert_eq!(c, 1, "{e}");
    assert!(
        e.contains("key `weighting.cell`: level `sex=female, severity=mild` of `the cross-classification` has population but no respondent"),
        "{e}"
    );
}

/// The example pipeline's report shows the margins table and the plot.
#[test]
fn the_raked_example_reports_who_answered_against_the_population() {
    let (out, dir) = crate::support::run_example("raked-survey", &[]);
    let _keep = out;
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("## Weighting to the population"), "{md}");
    assert!(md.contains("raking by iterative proportional fitting (R survey::rake)"));
    assert!(
        md.contains("| sex | female | 75.00% | 73.52% | 73.43% | 75.00% |"),
        "{md}"
    );
    assert!(md.contains("Raking converged in 3 iteration(s)"), "{md}");
    assert!(dir.join("plots/weighting-margins.svg").is_file());
    assert!(dir.join("plots/weighting-margins.png").is_file());
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.contains("<h2 id=\"weighting\">Weighting to the population</h2>"));
    assert!(html.contains("R survey::rake"));
}

/// Done when: the example pipeline, raked to its stated population, reproduces R's
/// estimates, SEs, intervals and its design-based difference (blank answers out of each
/// denominator, in the design).
#[test]
fn the_raked_example_reproduces_r_survey() {
    let (out, dir) = crate::support::run_example("raked-survey", &[]);
    let _keep = out;
    let refs = reference();
    let treatment = |a: &str| match a {
        "get" => "GET",
        "cbt" => "CBT",
        _ => "pacing",
    };
    let mut checked = 0;
    for row in csv_file_rows(&dir.join("estimates.csv")) {
        let t = treatment(&row["analysis"]);
        let domain = if row["provider"] == "(all)" {
            t.to_string()
        } else {
            format!("{t}/{}", row["provider"])
        };
        for (column, q) in [
            ("proportion", "p"),
            ("se", "se"),
            ("df", "df"),
            ("sum_w", "sum_w"),
            ("ci_lower", "beta_lower"),
            ("ci_upper", "beta_upper"),
        ] {
            let k: Key = (
                "example".into(),
                "rake".into(),
                domain.clone(),
                row["outcome"].clone(),
                q.into(),
            );
            let want = refs[&k];
            let got: f64 = row[column].parse().unwrap();
            let tol = if q == "sum_w" { 1e-9 * want } else { 1e-9 };
            assert!((got - want).abs() <= tol, "{k:?}: tally {got}, R {want}");
            checked += 1;
        }
    }
    assert_eq!(checked, 27 * 6);
    let diffs = csv_file_rows(&dir.join("comparisons.csv"));
    assert_eq!(diffs.len(), 1);
    let d = &diffs[0];
    let key = |q: &str| -> Key {
        (
            "example".into(),
            "rake".into(),
            "GET".into(),
            "worsened".into(),
            q.into(),
        )
    };
    let got: f64 = d["estimate"].parse().unwrap();
    assert!((got + refs[&key("diff")]).abs() <= 1e-9, "{got}");
}
