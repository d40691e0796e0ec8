//! Response-rate bounds, the Imbens-Manski interval and the selection-ratio crossing
//! against base R (`tests/reference/gen_selection_reference.R`; versions and tolerance in
//! `selection_reference.versions.txt`): 1e-12 absolute for the closed forms, 1e-9 for the
//! critical value and the interval (R's `uniroot`).

use tally::stats::selection::{bounds, crossing};

#[test]
fn selection_bounds_match_r() {
    let mut r = csv::Reader::from_reader(
        include_str!("../../reference/selection_reference.csv").as_bytes(),
    );
    let (mut n_bounds, mut n_cross) = (0, 0);
    let mut failures = Vec::new();
    let num = |s: &str| -> f64 { s.parse().unwrap() };
    for rec in r.records() {
        let rec = rec.unwrap();
        match &rec[0] {
            "bounds" => {
                let (x, d, m): (u64, u64, u64) = (
                    rec[1].parse().unwrap(),
                    rec[2].parse().unwrap(),
                    rec[3].parse().unwrap(),
                );
                let level = num(&rec[4]);
                let b = bounds(x, d, m, level).unwrap();
                let checks = [
                    ("lower", b.lower, num(&rec[5]), 1e-12),
                    ("upper", b.upper, num(&rec[6]), 1e-12),
                    ("ci_lower", b.ci_lower, num(&rec[7]), 1e-9),
                    ("ci_upper", b.ci_upper, num(&rec[8]), 1e-9),
                    ("critical", b.critical, num(&rec[9]), 1e-9),
                ];
                for (what, got, want, tol) in checks {
                    if (got - want).abs() > tol {
                        failures.push(format!(
                            "{x} of {d}, m {m}, {level}: {what} {got} vs {want}"
                        ));
                    }
                }
                n_bounds += 1;
            }
            "crossing" => {
                let (p, t, want) = (num(&rec[1]), num(&rec[4]), num(&rec[9]));
                let got = crossing(p, t).unwrap();
                if ((got - want) / want).abs() > 1e-12 {
                    failures.push(format!("crossing {p} to {t}: {got} vs {want}"));
                }
                n_cross += 1;
            }
            k => panic!("unknown kind {k}"),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!((n_bounds, n_cross), (222, 21));
}
