//! Comparisons, 2 x 2 tests, r x c tables, simultaneous intervals and p-value adjustment
//! against the reference values in `tests/reference/` (scipy/statsmodels/R and 40-digit
//! checks; commands, versions and tolerances in `tests/reference/README.md`).

use std::collections::{BTreeMap, HashMap};

use tally::stats::compare::tests2x2::Test;
use tally::stats::compare::{compare, CompareMethod, Measure, Pair};
use tally::stats::multiplicity::Adjust;
use tally::stats::{simultaneous, tables};

use crate::support::csv_rows as rows;

fn num(s: &str) -> Option<f64> {
    match s {
        "" => None,
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => Some(s.parse().unwrap()),
    }
}

/// Equal within `rel` relative difference; exact for 0, infinities and the absent.
fn close(got: Option<f64>, want: Option<f64>, rel: f64) -> bool {
    match (got, want) {
        (None, None) => true,
        (Some(g), Some(w)) if w == 0.0 || w.is_infinite() => g == w,
        (Some(g), Some(w)) => (g - w).abs() <= rel * w.abs(),
        _ => false,
    }
}

#[test]
fn comparisons_match_their_reference() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for r in rows(include_str!("../../reference/compare_reference.csv")) {
        let measure = Measure::from_name(&r["measure"]).unwrap();
        let method = CompareMethod::from_name(measure, &r["method"]).unwrap();
        let n = |k: &str| r[k].parse::<u64>().unwrap();
        let pair = Pair {
            x1: n("x1"),
            n1: n("n1"),
            x2: n("x2"),
            n2: n("n2"),
        };
        let level: f64 = r["level"].parse().unwrap();
        // Exact odds ratio on a one-point conditional support: R reports 0 [0, inf];
        // tally says there is nothing to estimate.
        let degenerate = method == CompareMethod::ExactOr
            && (pair.x1 + pair.x2 == 0 || pair.x1 + pair.x2 == pair.n1 + pair.n2);
        let got = compare(method, pair, level);
        if degenerate {
            assert!(got.is_none(), "{r:?}");
            continue;
        }
        let rel = if method == CompareMethod::ExactOr && pair.n1 + pair.n2 > 2000 {
            1e-9
        } else {
            1e-12
        };
        let (e, l, u) = (num(&r["estimate"]), num(&r["lower"]), num(&r["upper"]));
        let ok = match got {
            None => e.is_none() && l.is_none() && u.is_none(),
            Some(c) => {
                close(Some(c.estimate), e, rel)
                    && close(Some(c.lower), l, rel)
                    && close(Some(c.upper), u, rel)
            }
        };
        if !ok {
            failures.push(format!(
                "{} {} {}/{} vs {}/{} @{level}: got {got:?}, want ({e:?}, {l:?}, {u:?})",
                r["measure"], r["method"], pair.x1, pair.n1, pair.x2, pair.n2
            ));
        }
        compared += 1;
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compared > 500);
}

#[test]
fn two_by_two_tests_match_r() {
    let mut failures = Vec::new();
    for r in rows(include_str!("../../reference/tests2x2_reference.csv")) {
        let test = Test::from_name(&r["test"]).unwrap();
        let n = |k: &str| r[k].parse::<u64>().unwrap();
        let pair = Pair {
            x1: n("x1"),
            n1: n("n1"),
            x2: n("x2"),
            n2: n("n2"),
        };
        let got = test.run(pair);
        let (s, p) = (num(&r["statistic"]), num(&r["p_value"]));
        let ok = match got {
            None => s.is_none() && p.is_none(),
            Some(t) => {
                (test == Test::Fisher || close(Some(t.statistic), s, 1e-12))
                    && close(Some(t.p_value), p, 1e-12)
            }
        };
        if !ok {
            failures.push(format!(
                "{} {pair:?}: got {got:?}, want ({s:?}, {p:?})",
                r["test"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rxc_tables_match_r() {
    let mut tables_in: BTreeMap<String, Vec<Vec<u64>>> = BTreeMap::new();
    for r in rows(include_str!("../../reference/rxc_tables.csv")) {
        let (i, j): (usize, usize) = (r["row"].parse().unwrap(), r["col"].parse().unwrap());
        let t = tables_in.entry(r["table_id"].clone()).or_default();
        while t.len() < i {
            t.push(Vec::new());
        }
        while t[i - 1].len() < j {
            t[i - 1].push(0);
        }
        t[i - 1][j - 1] = r["count"].parse().unwrap();
    }
    let mut failures = Vec::new();
    for r in rows(include_str!("../../reference/rxc_reference.csv")) {
        let t = tables::test_table(&tables_in[&r["table_id"]]).unwrap();
        let got = match r["quantity"].as_str() {
            "pearson_statistic" => t.pearson,
            "pearson_df" => t.df,
            "pearson_p" => t.pearson_p,
            "g_statistic" => t.g,
            "g_p" => t.g_p,
            "cramers_v" => t.cramers_v,
            "stdres" => {
                t.residuals[r["row"].parse::<usize>().unwrap() - 1]
                    [r["col"].parse::<usize>().unwrap() - 1]
            }
            q => panic!("unknown quantity {q}"),
        };
        if !close(Some(got), num(&r["value"]), 1e-12) {
            failures.push(format!(
                "{} {} {} {}: got {got:e}, want {}",
                r["table_id"], r["quantity"], r["row"], r["col"], r["value"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Goodman at 1e-12; Sison-Glaz at 1e-6 relative or 1e-7 absolute (its Edgeworth step is
/// ill-conditioned in double: statsmodels and a 40-digit run differ by 3e-8).
#[test]
fn simultaneous_intervals_match_statsmodels() {
    let mut groups: BTreeMap<(String, String, String), Vec<HashMap<String, String>>> =
        BTreeMap::new();
    for r in rows(include_str!("../../reference/simultaneous_reference.csv")) {
        groups
            .entry((
                r["method"].clone(),
                r["table_id"].clone(),
                r["level"].clone(),
            ))
            .or_default()
            .push(r);
    }
    assert_eq!(groups.keys().filter(|k| k.0 == "sison-glaz").count(), 15);
    for ((method, id, level), rs) in groups {
        let m = simultaneous::Simultaneous::from_name(&method).unwrap();
        let counts: Vec<u64> = rs.iter().map(|r| r["count"].parse().unwrap()).collect();
        // The interval method is used by `bonferroni` only.
        let got = m
            .intervals(&counts, tally::stats::ci::WILSON, level.parse().unwrap())
            .unwrap();
        let ok = |g: f64, w: Option<f64>| match m {
            simultaneous::Simultaneous::Goodman => close(Some(g), w, 1e-12),
            simultaneous::Simultaneous::SisonGlaz => {
                w.is_some_and(|w| (g - w).abs() <= 1e-7 || (g - w).abs() <= 1e-6 * w.abs())
            }
            simultaneous::Simultaneous::Bonferroni => {
                panic!("statsmodels has no Bonferroni rows (held in stats::simultaneous's tests)")
            }
        };
        for (r, (lo, hi)) in rs.iter().zip(got) {
            assert!(
                ok(lo, num(&r["lower"])) && ok(hi, num(&r["upper"])),
                "{method} {id} {level} {r:?}: got ({lo:e}, {hi:e})"
            );
        }
    }
}

#[test]
fn p_value_adjustments_match_r() {
    let mut sets: BTreeMap<(String, String), Vec<(f64, f64)>> = BTreeMap::new();
    for r in rows(include_str!("../../reference/padjust_reference.csv")) {
        sets.entry((r["set_id"].clone(), r["method"].clone()))
            .or_default()
            .push((r["p"].parse().unwrap(), r["adjusted"].parse().unwrap()));
    }
    for ((id, method), ps) in sets {
        let adjust = Adjust::from_name(&method).unwrap();
        let p: Vec<f64> = ps.iter().map(|x| x.0).collect();
        let got = adjust.apply(&p);
        for ((_, want), g) in ps.iter().zip(got) {
            assert!(
                (g - want).abs() <= 1e-15 || (g - want).abs() <= 2.0 * f64::EPSILON * want.abs(),
                "{id} {method}: got {g}, want {want}"
            );
        }
    }
}
