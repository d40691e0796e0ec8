//! Every interval method against reference values from scipy/statsmodels and R, stored in
//! `tests/reference/ci_reference.csv` with the scripts, versions and cross-checks that made
//! them (`tests/reference/README.md`). The suite itself needs neither R nor Python.

use tally::stats::ci::{Method, METHODS};

/// Largest relative difference allowed (absolute below `ABS_FLOOR`): 1e-12 for every
/// method, as `tests/reference/README.md` states (the references agree with 40-digit
/// arithmetic to better than 1e-13).
fn tolerance(_method: &str) -> f64 {
    1e-12
}

/// Below this, values are compared absolutely (a bound of 1e-300 and one of 0 are the same).
const ABS_FLOOR: f64 = 1e-300;

#[test]
fn every_method_matches_its_reference() {
    let text = include_str!("../../reference/ci_reference.csv");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut compared = std::collections::BTreeMap::<String, usize>::new();
    let mut skipped = std::collections::BTreeSet::<String>::new();
    let mut failures = Vec::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let name = &rec[0];
        let Ok(method) = Method::from_name(name) else {
            skipped.insert(name.to_string());
            continue;
        };
        let (x, n): (u64, u64) = (rec[1].parse().unwrap(), rec[2].parse().unwrap());
        let level: f64 = rec[3].parse().unwrap();
        let (lo, hi): (f64, f64) = (rec[4].parse().unwrap(), rec[5].parse().unwrap());
        let ci = method.interval(x, n, level).unwrap();
        let tol = tolerance(name);
        for (side, got, want) in [("lower", ci.lower, lo), ("upper", ci.upper, hi)] {
            let diff = (got - want).abs();
            if diff > tol * want.abs().max(ABS_FLOOR) && diff > ABS_FLOOR {
                failures.push(format!("{name} x={x} n={n} level={level} {side}: got {got:e}, reference {want:e}, rel {:.2e}", diff / want.abs().max(ABS_FLOOR)));
            }
        }
        *compared.entry(name.to_string()).or_default() += 1;
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every method tally offers is covered by the reference grid.
    for m in METHODS {
        assert!(
            compared.get(m.name).copied().unwrap_or(0) >= 400,
            "{} has too few reference rows",
            m.name
        );
        // (blaker's reference stops at n = 100000: see tests/reference/README.md)
    }
    // Every method in the reference is one tally offers.
    assert!(
        skipped.is_empty(),
        "reference methods tally lacks: {skipped:?}"
    );
}

/// Golden values from the anchors (`../shared/research/anchors-stats.md` section 2.9,
/// computed with base R 4.2.2), to 6 decimals.
#[test]
fn golden_values_from_base_r() {
    let cases: &[(&str, u64, u64, f64, f64)] = &[
        ("wilson", 0, 10, 0.0, 0.277533),
        ("wilson", 3, 10, 0.107791, 0.603222),
        ("wilson", 47, 120, 0.308992, 0.481062),
        ("wilson", 1, 500, 0.000353, 0.011241),
        ("agresti-coull", 0, 10, 0.0, 0.320887),
        ("agresti-coull", 3, 10, 0.103338, 0.607675),
        ("clopper-pearson", 0, 10, 0.0, 0.308497),
        ("clopper-pearson", 3, 10, 0.066740, 0.652453),
        ("clopper-pearson", 47, 120, 0.303857, 0.484956),
        ("clopper-pearson", 1, 500, 0.000051, 0.011092),
        ("jeffreys", 3, 10, 0.092695, 0.605818),
        ("jeffreys", 47, 120, 0.307759, 0.480730),
        ("wald", 3, 10, 0.015974, 0.584026),
        ("wald", 47, 120, 0.304332, 0.479001),
    ];
    for &(name, x, n, lo, hi) in cases {
        let ci = Method::from_name(name)
            .unwrap()
            .interval(x, n, 0.95)
            .unwrap();
        assert!(
            (ci.lower - lo).abs() < 5e-7 && (ci.upper - hi).abs() < 5e-7,
            "{name} {x}/{n}: {ci:?}"
        );
    }
}
