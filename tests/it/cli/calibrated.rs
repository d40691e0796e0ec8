//! Weights calibrated to population margins end to end (`[weighting]`): pipelines over the
//! 4,000-respondent fixture run through the binary, their `estimates.csv` held against R
//! `survey` 4.1.1 (`tests/reference/calibration_reference.csv`, made by
//! `gen_calibration_reference.R` from the same respondents and the same, illustrative,
//! margins; versions and tolerances in `calibration_reference.versions.txt`): postStratify,
//! rake, calibrate (linear, linear with bounds, raking, logit with bounds) and trimWeights, on
//! an element design, a self-selected sample (unit weights) and a stratified cluster design:
//! the weighted proportion, its SE, design df, Σw and the Korn-Graubard interval, to 1e-9.
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
            "[[analysis]]\nname = \"t_{t}\"\noutcome = \"outcome\"\nlevels = {levels}\nexpect_empty = [\"\"]\nfilter = {{ treatment = [\"{t}\"] }}\nby = [\"provider\"]\n"
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

/// Runs one calibration of one design; returns its estimates.csv rows.
fn run(design: &str, method: &str) -> Vec<HashMap<String, String>> {
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
    csv_file_rows(&s.path().join("reports/c/estimates.csv"))
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
        let rows = run(design, method);
        checked += check(design, method, &rows, &refs, &mut worst);
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
