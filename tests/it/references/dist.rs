//! Chi-square, t and F quantiles against 40-digit mpmath values (script, versions and the
//! scipy comparison in `tests/reference/gen_dist_reference.py` and
//! `dist_reference.versions.txt`); tolerance 1e-12 relative, levels 0.8-0.9999 and their
//! lower tails, df up to 1e5.

use tally::stats::dist::{chi_square_quantile, f_quantile, t_quantile};

#[test]
fn quantiles_match_mpmath() {
    let mut r =
        csv::Reader::from_reader(include_str!("../../reference/dist_reference.csv").as_bytes());
    let mut failures = Vec::new();
    let mut n = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        let p: f64 = rec[1].parse().unwrap();
        let d1: f64 = rec[2].parse().unwrap();
        let want: f64 = rec[4].parse().unwrap();
        let got = match &rec[0] {
            "chi-square" => chi_square_quantile(p, d1),
            "t" => t_quantile(p, d1),
            "f" => f_quantile(p, d1, rec[3].parse().unwrap()),
            d => panic!("unknown distribution {d}"),
        };
        if ((got - want) / want).abs() > 1e-12 {
            failures.push(format!(
                "{} p={p} df={} {}: got {got:e}, want {want:e}, rel {:.1e}",
                &rec[0],
                &rec[2],
                &rec[3],
                ((got - want) / want).abs()
            ));
        }
        n += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {n}:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(n, 300);
}
