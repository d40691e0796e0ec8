//! Weighted surveys end to end: pipelines with `weight`, `strata`, `cluster` and `fpc` run
//! through the binary, their `estimates.csv` held against R `survey` 4.1.1
//! (`tests/reference/survey_reference.csv`, made by `gen_survey_reference.R` from the same
//! respondents; versions and tolerances in `survey_reference.versions.txt`): the weighted
//! proportion, its SE, design df, design effects, effective n, Σw, and the interval of every
//! method, to 1e-9 absolute. And the weights and designs tally refuses.

use std::collections::HashMap;

use crate::support::{code, csv_file_rows, csv_rows, root, stderr, Scratch};

/// R's value of `quantity` for (design, domain, outcome, level), keyed as in the CSV.
fn reference() -> HashMap<(String, String, String, String, String), f64> {
    let text =
        std::fs::read_to_string(root().join("tests/reference/survey_reference.csv")).unwrap();
    csv_rows(&text)
        .into_iter()
        .filter(|r| r["lonely"] == "fail")
        .filter_map(|r| {
            let v: f64 = r["value"].parse().ok()?;
            Some((
                (
                    r["design"].clone(),
                    r["domain"].clone(),
                    r["outcome"].clone(),
                    r["level"].clone(),
                    r["quantity"].clone(),
                ),
                v,
            ))
        })
        .collect()
}

/// tally's interval method -> R's quantity prefix in the reference.
const METHODS: &[(&str, &str)] = &[
    ("logit", "logit"),
    ("xlogit", "xlogit"),
    ("arcsine", "asin"),
    ("korn-graubard", "beta"),
    ("wald", "mean"),
    ("wilson", "wilson"),
    ("jeffreys", "jeffreys"),
];

/// One analysis per interval method, over `filter`, by `by`.
fn analyses(levels: &str, by: &str, filter: &str, missing: &str) -> String {
    METHODS
        .iter()
        .map(|(m, _)| {
            format!(
                "[[analysis]]\nname = \"{}{}\"\noutcome = \"outcome\"\nlevels = {levels}\nby = [\"{by}\"]\n{filter}{missing}ci = {{ method = \"{m}\" }}\n",
                m.replace('-', "_"),
                filter.split('"').nth(1).map(|t| format!("_{t}")).unwrap_or_default()
            )
        })
        .collect()
}

/// Holds every row of `estimates.csv` against R: `domain_of` names a row's R domain.
fn check(
    design: &str,
    rows: &[HashMap<String, String>],
    domain_of: &dyn Fn(&HashMap<String, String>) -> String,
    outcome_of: &dyn Fn(&str) -> String,
) -> usize {
    let refs = reference();
    let mut checked = 0;
    for row in rows {
        let method = METHODS
            .iter()
            .find(|(m, _)| {
                row["analysis"].starts_with(&m.replace('-', "_")) && row["ci_method"] == *m
            })
            .unwrap();
        let domain = domain_of(row);
        let outcome = outcome_of(&row["outcome"]);
        let key = |level: &str, q: &str| {
            (
                design.to_string(),
                domain.clone(),
                outcome.clone(),
                level.to_string(),
                q.to_string(),
            )
        };
        let mut pairs = vec![
            ("proportion", key("", "p")),
            ("se", key("", "se")),
            ("df", key("", "df")),
            ("deff", key("", "deff_replace")),
            ("deff_kish", key("", "kish_deff")),
            ("n_eff", key("", "kish_n")),
            ("sum_w", key("", "sum_w")),
            ("n", key("", "n")),
        ];
        pairs.push(("ci_lower", key("0.95", &format!("{}_lower", method.1))));
        pairs.push(("ci_upper", key("0.95", &format!("{}_upper", method.1))));
        for (column, k) in pairs {
            let Some(want) = refs.get(&k) else {
                panic!("no reference for {k:?}");
            };
            let got: Option<f64> = row[column].parse().ok();
            match got {
                Some(g) if g.is_finite() && want.is_finite() => {
                    let tol = if column == "n_eff" {
                        1e-9 * want.abs().max(1.0)
                    } else {
                        1e-9
                    };
                    assert!((g - want).abs() <= tol, "{k:?}: tally {g}, R {want}");
                    checked += 1;
                }
                // No interval where R gives none (a domain in one PSU, p = 0 or 1 on a
                // Wald-type scale), and NaN where R's is NaN; a domain in one PSU has no
                // variance (R: a rounding residue of about 1e-17; tally: NaN, on purpose).
                _ => assert!(
                    !want.is_finite() || column.starts_with("ci_") || want.abs() < 1e-12,
                    "{k:?}: tally {:?}, R {want}",
                    row[column]
                ),
            }
        }
    }
    checked
}

/// The synthetic designs of `survey_designs.csv`, each its own survey file.
#[test]
fn stratified_and_clustered_designs_match_r_survey() {
    let text = std::fs::read_to_string(root().join("tests/reference/survey_designs.csv")).unwrap();
    let all = csv_rows(&text);
    let designs = [
        ("weighted100", ""),
        ("stratified", "strata = \"stratum\"\nfpc = \"fpc\"\n"),
        ("clustered", "cluster = \"psu\"\n"),
        (
            "stratclus",
            "strata = \"stratum\"\ncluster = \"psu\"\nfpc = \"fpc\"\n",
        ),
    ];
    let mut checked = 0;
    for (design, keys) in designs {
        let mut csv = String::from("stratum,psu,fpc,weight,domain,group,outcome\n");
        for r in all.iter().filter(|r| r["design"] == design) {
            csv.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                r["stratum"],
                r["psu"],
                r["fpc"],
                r["weight"],
                r["domain"],
                r["group"],
                r["outcome"]
            ));
        }
        let levels: Vec<String> = {
            let mut l: Vec<String> = all
                .iter()
                .filter(|r| r["design"] == design)
                .map(|r| r["outcome"].clone())
                .collect();
            l.sort();
            l.dedup();
            l
        };
        let levels = format!(
            "[{}]",
            levels
                .iter()
                .map(|l| format!("{l:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let pipeline = format!(
            "[input]\npath = \"../data/d.csv\"\nweight = \"weight\"\nmissing = []\n{keys}\n[disclosure]\nprotect = false\n\n{}",
            analyses(&levels, "domain", "", "")
        );
        let s = Scratch::new();
        s.write("data/d.csv", &csv);
        s.write("pipelines/w.toml", &pipeline);
        let o = s.run(&["run", "pipelines/w.toml"]);
        assert_eq!(code(&o), 0, "{design}: {}", stderr(&o));
        let rows = csv_file_rows(&s.path().join("reports/w/estimates.csv"));
        checked += check(
            design,
            &rows,
            &|r| {
                if r["domain"] == "(all)" {
                    "(all)".into()
                } else {
                    r["domain"].clone()
                }
            },
            &|o| o.to_string(),
        );
    }
    assert!(checked > 500, "{checked} figures checked");
}

/// The issue's case: `survey_4000.csv` weighted, outcome by provider within each
/// treatment. R keeps the 25 blank outcomes as a level of their own, so the pipeline does
/// too (`missing = "level"`).
#[test]
fn the_4000_respondent_survey_by_provider_within_treatment_matches_r_survey() {
    let data = std::fs::read_to_string(root().join("tests/reference/survey_4000.csv")).unwrap();
    let mut pipeline = String::from("[input]\npath = \"../data/s.csv\"\nweight = \"weight\"\nmissing = []\n[disclosure]\nprotect = false\n\n");
    for t in ["CBT", "GET", "pacing"] {
        pipeline.push_str(&analyses(
            "[\"improved\", \"no_change\", \"worsened\", \"\"]",
            "provider",
            &format!("filter = {{ treatment = [\"{t}\"] }}\n"),
            "expect_empty = [\"\"]\n",
        ));
    }
    let s = Scratch::new();
    s.write("data/s.csv", &data);
    s.write("pipelines/w.toml", &pipeline);
    let o = s.run(&["run", "pipelines/w.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = csv_file_rows(&s.path().join("reports/w/estimates.csv"));
    let checked = check(
        "s4000_weighted",
        &rows,
        &|r| {
            let t = r["analysis"].rsplit('_').next().unwrap().to_string();
            if r["provider"] == "(all)" {
                t
            } else {
                format!("{t}/{}", r["provider"])
            }
        },
        &|o| o.to_string(),
    );
    assert!(checked > 600, "{checked} figures checked");
}

const WEIGHTED: &str = "[input]\npath = \"../data/w.csv\"\nweight = \"w\"\n[disclosure]\nprotect = false\n[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"x\", \"y\"]\n";

#[test]
fn bad_weights_are_rejected_with_their_line_and_never_fall_back_to_unweighted() {
    let mut data = String::from("o,w\n");
    for i in 0..40 {
        data.push_str(&format!("{},1.5\n", if i % 2 == 0 { "x" } else { "y" }));
    }
    data.push_str("x,\nx,0\ny,-2\ny,heavy\n");
    let s = Scratch::new();
    s.write("data/w.csv", &data);
    s.write("pipelines/w.toml", WEIGHTED);
    let o = s.run(&["run", "pipelines/w.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rejected = s.read("reports/w/rejected.csv");
    for part in [
        "42,invalid weight,the weight is missing",
        "43,invalid weight,\"weight `0` is not positive",
        "44,invalid weight,\"weight `-2` is not positive",
        "45,invalid weight,weight `heavy` is not a number",
    ] {
        assert!(rejected.contains(part), "{part}\n{rejected}");
    }
    let rows = csv_file_rows(&s.path().join("reports/w/estimates.csv"));
    assert_eq!(rows[0]["n"], "40");
    assert_eq!(rows[0]["sum_w"], "60.0");
    assert_eq!(rows[0]["ci_method"], "korn-graubard");
}

#[test]
fn designs_tally_cannot_estimate_say_why_and_what_to_do() {
    // A stratum with one PSU, under the default `lonely_psu = "fail"`.
    let data = "o,w,s,c\nx,1,north,1\ny,1,north,2\nx,2,south,3\ny,2,south,3\n";
    let pipeline = WEIGHTED.replace(
        "weight = \"w\"\n",
        "weight = \"w\"\nstrata = \"s\"\ncluster = \"c\"\n",
    );
    let s = Scratch::new();
    s.write("data/w.csv", data);
    s.write("pipelines/w.toml", &pipeline);
    let o = s.run(&["run", "pipelines/w.toml"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("stratum `south` (column `s`) has only one PSU"),
        "{e}"
    );
    assert!(e.contains("lonely_psu"), "{e}");
    // With a choice, it runs.
    s.write(
        "pipelines/w.toml",
        pipeline.replace(
            "cluster = \"c\"\n",
            "cluster = \"c\"\nlonely_psu = \"certainty\"\n",
        ),
    );
    let o = s.run(&["run", "pipelines/w.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    // A counts table with Σw but no Σw²; a weight column on a counts table; a design
    // without weights; Sison-Glaz intervals on a weighted survey (no design-based form).
    let counts = "[input]\npath = \"../data/w.csv\"\nkind = \"counts\"\nsum_w_column = \"sw\"\n[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"x\"]\n";
    for (pipeline, key) in [
        (counts.to_string(), "key `input.sum_w2_column`"),
        (
            counts.replace("sum_w_column = \"sw\"", "weight = \"w\""),
            "key `input.weight`: a counts table gives its weights as sums",
        ),
        (
            WEIGHTED.replace("weight = \"w\"\n", "strata = \"s\"\n"),
            "key `input.weight`: a sampling design",
        ),
        (
            WEIGHTED.replace("protect = false", "round = 5"),
            "key `disclosure.round`: rounding is not available for a weighted survey",
        ),
        (
            format!("{WEIGHTED}simultaneous = \"sison-glaz\"\n"),
            "key `analysis[0].simultaneous`: `simultaneous = \"sison-glaz\"` has no design-based form",
        ),
    ] {
        s.write("pipelines/w.toml", &pipeline);
        let o = s.run(&["check", "pipelines/w.toml"]);
        assert_eq!(code(&o), 2, "{pipeline}");
        assert!(stderr(&o).contains(key), "{key}\n{}", stderr(&o));
    }
}

/// A counts table of a weighted survey (Σw and Σw² per row, as a `GROUP BY` elsewhere would
/// make it) gives the same estimates, byte for byte, as the respondent file it sums.
#[test]
fn a_weighted_counts_table_gives_the_respondent_files_estimates() {
    let data = std::fs::read_to_string(root().join("tests/reference/survey_4000.csv")).unwrap();
    let mut sums: indexmap::IndexMap<(String, String, String), (u64, f64, f64)> =
        indexmap::IndexMap::new();
    for r in csv_rows(&data) {
        let w: f64 = r["weight"].parse().unwrap();
        let e = sums
            .entry((
                r["treatment"].clone(),
                r["provider"].clone(),
                r["outcome"].clone(),
            ))
            .or_insert((0, 0.0, 0.0));
        e.0 += 1;
        e.1 += w;
        e.2 += w * w;
    }
    let mut counts = String::from("treatment,provider,outcome,count,sw,sw2\n");
    for ((t, p, o), (n, w, w2)) in &sums {
        counts.push_str(&format!("{t},{p},{o},{n},{w:?},{w2:?}\n"));
    }
    let analyses = "[[analysis]]\nname = \"get\"\noutcome = \"outcome\"\nlevels = [\"improved\", \"no_change\", \"worsened\"]\nfilter = { treatment = [\"GET\"] }\nby = [\"provider\"]\n";
    let s = Scratch::new();
    s.write("data/r.csv", &data);
    s.write("data/c.csv", &counts);
    s.write(
        "pipelines/r.toml",
        format!("[input]\npath = \"../data/r.csv\"\nweight = \"weight\"\n{analyses}"),
    );
    s.write(
        "pipelines/c.toml",
        format!("[input]\npath = \"../data/c.csv\"\nkind = \"counts\"\nsum_w_column = \"sw\"\nsum_w2_column = \"sw2\"\n{analyses}"),
    );
    for p in ["r", "c"] {
        let o = s.run(&["run", &format!("pipelines/{p}.toml")]);
        assert_eq!(code(&o), 0, "{p}: {}", stderr(&o));
    }
    let (r, c) = (
        s.read("reports/r/estimates.csv"),
        s.read("reports/c/estimates.csv"),
    );
    // Σw summed in another order can differ in the last bit; everything else is the same.
    let (rr, cr) = (csv_rows(&r), csv_rows(&c));
    assert_eq!(rr.len(), 9);
    for (a, b) in rr.iter().zip(&cr) {
        for (k, v) in a {
            match (v.parse::<f64>(), b[k].parse::<f64>()) {
                (Ok(x), Ok(y)) if x.is_finite() => {
                    assert!((x - y).abs() <= 1e-12 * x.abs().max(1.0), "{k}: {x} vs {y}")
                }
                _ => assert_eq!(v, &b[k], "{k}"),
            }
        }
    }
}

/// Design-based comparisons of two domains (`svyby(covmat = TRUE)` + `svycontrast`): the
/// difference, the ratio and the odds ratio (through R's log odds ratio), and their SEs
/// through the interval (estimate ± t_df · se, on the log scale for the odds ratio).
#[test]
fn weighted_comparisons_are_rs_contrasts() {
    let text = std::fs::read_to_string(root().join("tests/reference/survey_designs.csv")).unwrap();
    let mut csv = String::from("stratum,psu,fpc,weight,domain,outcome\n");
    for r in csv_rows(&text)
        .iter()
        .filter(|r| r["design"] == "stratclus")
    {
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r["stratum"], r["psu"], r["fpc"], r["weight"], r["domain"], r["outcome"]
        ));
    }
    let mut pipeline = String::from("[input]\npath = \"../data/d.csv\"\nweight = \"weight\"\nstrata = \"stratum\"\ncluster = \"psu\"\nfpc = \"fpc\"\nmissing = []\n[disclosure]\nprotect = false\n");
    for (m, measure) in [
        ("diff", "diff"),
        ("ratio", "ratio"),
        ("log_or", "odds-ratio"),
    ] {
        pipeline.push_str(&format!("[[analysis]]\nname = \"{m}\"\noutcome = \"outcome\"\nlevels = [\"maybe\", \"no\", \"yes\"]\nby = [\"domain\"]\ncompare = {{ reference = \"b\", measure = \"{measure}\", adjust = \"none\" }}\n"));
    }
    let s = Scratch::new();
    s.write("data/d.csv", &csv);
    s.write("pipelines/w.toml", &pipeline);
    let o = s.run(&["run", "pipelines/w.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let refs = reference();
    let r = |domain: &str, outcome: &str, q: &str| {
        refs[&(
            "stratclus".to_string(),
            domain.to_string(),
            outcome.to_string(),
            String::new(),
            q.to_string(),
        )]
    };
    let rows = csv_file_rows(&s.path().join("reports/w/comparisons.csv"));
    let mut checked = 0;
    for row in rows
        .iter()
        .filter(|x| x["group1"] == "a" && x["group2"] == "b")
    {
        let m = row["analysis"].as_str();
        let (want, se) = (
            r("a|b", &row["outcome"], m),
            r("a|b", &row["outcome"], &format!("{m}_se")),
        );
        // The odds ratio is exp of R's log odds ratio, its interval exp of the log scale's.
        let log = m == "log_or";
        let scale = |v: f64| if log { v.ln() } else { v };
        let got: f64 = scale(row["estimate"].parse().unwrap());
        assert!(
            (got - want).abs() < 1e-12,
            "{m} {}: {got} vs R {want}",
            row["outcome"]
        );
        // The half-width over the SE is one t quantile, the same for every row of a design.
        let half = (scale(row["ci_upper"].parse::<f64>().unwrap())
            - scale(row["ci_lower"].parse::<f64>().unwrap()))
            / 2.0;
        let q = half / se;
        assert!(
            q > 1.96 && q < 2.3,
            "{m}: half-width {half} / R se {se} = {q}"
        );
        assert_eq!(row["method"], "design-wald");
        assert_eq!(row["test"], "design-wald-t");
        checked += 1;
    }
    assert_eq!(checked, 9);
}

/// The Rao-Scott test of a weighted table (`svychisq(~group + outcome)`, "F" and
/// "Chisq"), as the report states it.
#[test]
fn the_rao_scott_test_is_rs_svychisq() {
    let text = std::fs::read_to_string(root().join("tests/reference/survey_designs.csv")).unwrap();
    let refs = reference();
    for (design, keys) in [
        (
            "stratclus",
            "strata = \"stratum\"\ncluster = \"psu\"\nfpc = \"fpc\"\n",
        ),
        ("weighted100", ""),
    ] {
        let rows: Vec<_> = csv_rows(&text)
            .into_iter()
            .filter(|r| r["design"] == design)
            .collect();
        let mut csv = String::from("stratum,psu,fpc,weight,group,outcome\n");
        for r in &rows {
            csv.push_str(&format!(
                "{},{},{},{},{},{}\n",
                r["stratum"], r["psu"], r["fpc"], r["weight"], r["group"], r["outcome"]
            ));
        }
        let mut levels: Vec<String> = rows.iter().map(|r| r["outcome"].clone()).collect();
        levels.sort();
        levels.dedup();
        let levels: Vec<String> = levels.iter().map(|l| format!("{l:?}")).collect();
        let pipeline = format!("[input]\npath = \"../data/d.csv\"\nweight = \"weight\"\n{keys}missing = []\n[disclosure]\nprotect = false\n[[analysis]]\nname = \"a\"\noutcome = \"outcome\"\nlevels = [{}]\nby = [\"group\"]\ncompare = {{ reference = \"g1\" }}\n", levels.join(", "));
        let s = Scratch::new();
        s.write("data/d.csv", &csv);
        s.write("pipelines/w.toml", &pipeline);
        let o = s.run(&["run", "pipelines/w.toml"]);
        assert_eq!(code(&o), 0, "{design}: {}", stderr(&o));
        let md = s.read("reports/w/report.md");
        let r = |q: &str| {
            refs[&(
                design.to_string(),
                "(all)".to_string(),
                "group".to_string(),
                String::new(),
                q.to_string(),
            )]
        };
        let f = format!("F = {:.3} on", r("rs_f"));
        assert!(
            md.contains("Rao-Scott test of independence of outcome and group"),
            "{md}"
        );
        assert!(md.contains(&f), "{design}: {f}\n{md}");
        let ddf = format!("and {:.1} df", r("rs_f_ddf"));
        assert!(md.contains(&ddf), "{design}: {ddf}");
    }
}

/// A published Rao-Scott test is computed from every cell of its table, so a table with a
/// suppressed cell publishes none: not in the report, not in `estimates.json`. The same
/// survey without the small cell publishes it in both (the check is not vacuous).
#[test]
fn the_rao_scott_test_of_a_table_with_a_suppressed_cell_is_withheld_everywhere() {
    let survey = |rare: usize| {
        let mut csv = String::from("g,o,w\n");
        for i in 0..200 {
            let g = if i < 100 { "a" } else { "b" };
            let o = if i < 100 {
                ["x", "y"][i % 2]
            } else if i - 100 < rare {
                "y"
            } else {
                "x"
            };
            csv.push_str(&format!("{g},{o},{}\n", 1.0 + (i % 7) as f64 * 0.5));
        }
        csv
    };
    let pipeline = "[input]\npath = \"../data/d.csv\"\nweight = \"w\"\n[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"x\", \"y\"]\nby = [\"g\"]\ncompare = { reference = \"a\" }\n";
    for (rare, published) in [(2, false), (40, true)] {
        let s = Scratch::new();
        s.write("data/d.csv", survey(rare));
        s.write("pipelines/w.toml", pipeline);
        let o = s.run(&["run", "pipelines/w.toml"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let md = s.read("reports/w/report.md");
        let json: serde_json::Value =
            serde_json::from_str(&s.read("reports/w/estimates.json")).unwrap();
        let test = &json["analyses"][0]["design_test"];
        assert_eq!(
            md.contains("Rao-Scott test of independence"),
            published,
            "{md}"
        );
        assert_eq!(test.is_object(), published, "{json}");
        if !published {
            assert!(
                md.contains("the Rao-Scott test of the answer and \\`g\\` is withheld"),
                "{md}"
            );
            assert!(test.is_null(), "{json}");
        } else {
            assert!(test["f"].as_f64().unwrap() > 0.0, "{json}");
        }
    }
}

/// The spreadsheet of a weighted report carries the design-based figures too.
#[test]
fn the_weighted_spreadsheet_has_the_design_based_columns() {
    let (out, dir) = crate::support::run_example("weighted-survey", &[]);
    let _keep = out;
    let file = std::fs::File::open(dir.join("tables.xlsx")).unwrap();
    let mut z = zip::ZipArchive::new(file).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut z.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    for h in [
        "SE",
        "design effect",
        "Kish design effect",
        "effective n",
        "design df",
        "sum of weights",
    ] {
        assert!(strings.contains(&format!(">{h}<")), "{h}");
    }
}

/// R's design-based simultaneous intervals (`simultaneous_survey_reference.csv`, made by
/// `gen_simultaneous_survey_reference.R`) for (design, domain, outcome, level, quantity).
fn simultaneous_reference() -> HashMap<(String, String, String, String, String), f64> {
    let text =
        std::fs::read_to_string(root().join("tests/reference/simultaneous_survey_reference.csv"))
            .unwrap();
    csv_rows(&text)
        .into_iter()
        .map(|r| {
            let v = match r["value"].as_str() {
                "NaN" | "NA" => f64::NAN,
                v => v.parse().unwrap(),
            };
            (
                (
                    r["design"].clone(),
                    r["domain"].clone(),
                    r["outcome"].clone(),
                    r["level"].clone(),
                    r["quantity"].clone(),
                ),
                v,
            )
        })
        .collect()
}

/// `simultaneous` on a weighted survey is design-based: `goodman` on Korn and Graubard's
/// effective n, `bonferroni` the analysis's `svyciprop` method at 1 − α/k, each held against
/// R to 1e-9 on the stratified cluster design with fpc; a group with a hidden cell has
/// none; the report, its methods paragraph and the spreadsheet name the method.
#[test]
fn weighted_simultaneous_intervals_are_design_based_and_match_r() {
    let text = std::fs::read_to_string(root().join("tests/reference/survey_designs.csv")).unwrap();
    let mut csv = String::from("stratum,psu,fpc,weight,domain,outcome\n");
    for r in csv_rows(&text)
        .iter()
        .filter(|r| r["design"] == "stratclus")
    {
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r["stratum"], r["psu"], r["fpc"], r["weight"], r["domain"], r["outcome"]
        ));
    }
    // (analysis, simultaneous, ci method, R's quantity prefix, level)
    let cases = [
        ("goodman", "goodman", "korn-graubard", "goodman", "0.95"),
        ("goodman90", "goodman", "logit", "goodman", "0.9"),
        ("bonf_kg", "bonferroni", "korn-graubard", "beta", "0.95"),
        ("bonf_logit", "bonferroni", "logit", "logit", "0.95"),
        ("bonf_wald", "bonferroni", "wald", "mean", "0.9"),
    ];
    let analyses: String = cases
        .iter()
        .map(|(name, sim, ci, _, level)| {
            format!("[[analysis]]\nname = \"{name}\"\noutcome = \"outcome\"\nlevels = [\"maybe\", \"no\", \"yes\"]\nby = [\"domain\"]\nsimultaneous = \"{sim}\"\nci = {{ method = \"{ci}\", level = {level} }}\n")
        })
        .collect();
    let head = "[input]\npath = \"../data/d.csv\"\nweight = \"weight\"\nstrata = \"stratum\"\ncluster = \"psu\"\nfpc = \"fpc\"\nmissing = []\n";
    let refs = simultaneous_reference();
    for protect in [false, true] {
        let s = Scratch::new();
        s.write("data/d.csv", &csv);
        s.write(
            "pipelines/w.toml",
            format!("{head}[disclosure]\nprotect = {protect}\n{analyses}"),
        );
        let o = s.run(&["run", "pipelines/w.toml"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let rows = csv_file_rows(&s.path().join("reports/w/estimates.csv"));
        let (mut checked, mut withheld) = (0, 0);
        for (name, sim, _, prefix, level) in cases {
            let of: Vec<_> = rows.iter().filter(|r| r["analysis"] == name).collect();
            assert_eq!(of.len(), 5 * 3, "{name}: (all), a, b, edge, tiny");
            for row in &of {
                assert_eq!(row["simultaneous_method"], sim);
                let group_hidden = of
                    .iter()
                    .any(|x| x["domain"] == row["domain"] && x["count"].parse::<u64>().is_err());
                if group_hidden {
                    assert!(protect);
                    assert_eq!(row["simultaneous_lower"], "", "{name} {row:?}");
                    assert_eq!(row["simultaneous_upper"], "", "{name} {row:?}");
                    withheld += 1;
                    continue;
                }
                for side in ["lower", "upper"] {
                    let key = (
                        "stratclus".to_string(),
                        row["domain"].clone(),
                        row["outcome"].clone(),
                        level.to_string(),
                        format!("{prefix}_{side}"),
                    );
                    let want = refs[&key];
                    let got = &row[&format!("simultaneous_{side}")];
                    if want.is_nan() {
                        // p = 0 or 1 on a Wald-type scale, or a domain in one PSU.
                        assert_eq!(got, "", "{key:?}");
                    } else {
                        let g: f64 = got.parse().unwrap_or_else(|_| panic!("{key:?}: {got:?}"));
                        assert!((g - want).abs() <= 1e-9, "{key:?}: tally {g}, R {want}");
                        checked += 1;
                    }
                }
            }
        }
        let md = s.read("reports/w/report.md");
        if protect {
            // The tiny and edge domains (3 and 6 respondents) have hidden cells.
            assert!(withheld >= 2 * 3 * cases.len(), "{withheld}");
            assert!(md.contains("simultaneous intervals: withheld for"), "{md}");
        } else {
            assert_eq!(withheld, 0);
            // 5 analyses x 5 groups x 3 levels x 2 bounds, less the domain in one PSU (30) and
            // the p = 0 and 1 levels of the edge domain on a Wald-type scale (12).
            assert_eq!(checked, 108);
            assert!(
                md.contains(
                    "Simultaneous 95% intervals (Goodman on Korn and Graubard's effective n)"
                ),
                "{md}"
            );
            assert!(
                md.contains("Simultaneous 95% intervals (Bonferroni: Korn-Graubard at 98.3333% for each of 3 levels)"),
                "{md}"
            );
            assert!(md.contains("Simultaneous 95% intervals, which cover all 3 levels of a group together, are Goodman's (Goodman 1965) on Korn and Graubard's effective n: each level's Wilson interval at 98.3333% on its effective n"), "{md}");
            assert!(md.contains("Simultaneous 90% intervals, which cover all 3 levels of a group together, are Bonferroni intervals: each level's design-based Wald interval at 96.6667%, on the design degrees of freedom of its group"), "{md}");
            let file = std::fs::File::open(s.path().join("reports/w/tables.xlsx")).unwrap();
            let mut z = zip::ZipArchive::new(file).unwrap();
            let mut strings = String::new();
            std::io::Read::read_to_string(
                &mut z.by_name("xl/sharedStrings.xml").unwrap(),
                &mut strings,
            )
            .unwrap();
            assert!(strings.contains(">simultaneous lower<"), "{strings}");
        }
    }
}
