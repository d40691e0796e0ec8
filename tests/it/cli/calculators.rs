//! `tally ci`, `tally compare`, `tally test` and `tally methods`: the calculators, one
//! estimate on the command line or a CSV of them in bulk.

use crate::support::{code, in_repo, stderr, stdout, Scratch};

#[test]
fn ci_prints_the_wilson_interval_for_139_of_170() {
    let o = in_repo(&["ci", "139", "170"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Reference: scipy 1.17 binomtest(139, 170).proportion_ci(method="wilson") =
    // (0.7529..., 0.8697...) -- see tests/reference/ci_reference.csv (x=139, n=170, 0.95).
    let out = stdout(&o);
    assert!(out.starts_with("wilson"), "{out}");
    assert!(out.contains("139/170"), "{out}");
    assert!(out.contains("estimate 0.817647"), "{out}");
}

/// The interval methods tally offers, in the order `tally methods` lists them, written out
/// here rather than read from the registry.
const METHODS: [&str; 12] = [
    "wilson",
    "clopper-pearson",
    "agresti-coull",
    "jeffreys",
    "mid-p",
    "blaker",
    "likelihood-ratio",
    "wilson-cc",
    "logit",
    "arcsine",
    "wald",
    "wald-cc",
];

#[test]
fn ci_all_methods_one_line_each() {
    // The list above is the set of methods in the reference values (tests/reference/).
    let mut reference: Vec<String> =
        crate::support::csv_rows(include_str!("../../reference/ci_reference.csv"))
            .into_iter()
            .map(|r| r["method"].clone())
            .collect();
    reference.sort();
    reference.dedup();
    let mut listed = METHODS.to_vec();
    listed.sort();
    assert_eq!(reference, listed);
    let o = in_repo(&["ci", "3", "10", "--method", "all", "--level", "0.9"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), METHODS.len(), "{out}");
    for (line, method) in lines.iter().zip(METHODS) {
        assert_eq!(line.split_whitespace().next(), Some(method), "{out}");
        assert!(line.contains("3/10") && line.contains("90% CI"), "{line}");
    }
    let methods = in_repo(&["methods"]);
    let listing = stdout(&methods);
    let (plain, weighted) = listing.split_once("\n\n").unwrap();
    let names: Vec<&str> = plain
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(names, METHODS, "{listing}");
    // Then the design-based methods of weighted surveys, each with its R name.
    assert!(weighted.starts_with("weighted surveys"), "{listing}");
    assert!(
        weighted
            .contains("korn-graubard    Korn-Graubard; R: svyciprop(method = \"beta\") [default]"),
        "{listing}"
    );
    assert!(listing.lines().next().unwrap().contains("[default]"));
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
        let o = in_repo(args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn ci_n_zero_gives_no_estimate() {
    let o = in_repo(&["ci", "0", "0"]);
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

#[test]
fn compare_prints_estimate_interval_and_p() {
    let o = in_repo(&["compare", "161", "342", "556", "912"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("diff (newcombe) 161/342 vs 556/912: estimate -0.138889"),
        "{out}"
    );
    assert!(out.contains("chisq p = "), "{out}");
    let o = in_repo(&["compare", "5", "4", "1", "2"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("x1 = 5 is larger than n1 = 4"));
    let o = in_repo(&[
        "compare",
        "1",
        "4",
        "1",
        "2",
        "--measure",
        "odds-ratio",
        "--method",
        "katz",
    ]);
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
