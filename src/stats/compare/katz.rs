//! Katz log interval for a ratio of proportions.
//!
//! # Formula
//! `exp( ln(p1/p2) +/- z sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2) )`.
//!
//! # Coverage
//! Reasonable for moderate counts; poor when a count is small.
//!
//! # At 0 and n
//! When `x1` or `x2` is 0, tally adds 0.5 to both counts and both totals (statsmodels'
//! "log-adjusted" convention) for the estimate and the interval; with both counts 0 this
//! gives an estimate of 1 (the ratio of the adjusted proportions) with a wide interval.
//!
//! # References
//! Katz D, Baptista J, Azen SP, Pike MC (1978) Biometrics 34:469-474.

use super::{Comparison, Pair};
use crate::stats::dist::z_two_sided;

pub fn interval(p: Pair, level: f64) -> Option<Comparison> {
    let add = if p.x1 == 0 || p.x2 == 0 { 0.5 } else { 0.0 };
    let (x1, n1, x2, n2) = (
        p.x1 as f64 + add,
        p.n1 as f64 + add,
        p.x2 as f64 + add,
        p.n2 as f64 + add,
    );
    let z = z_two_sided(level);
    let log_rr = (x1 / n1).ln() - (x2 / n2).ln();
    let se = (1.0 / x1 - 1.0 / n1 + 1.0 / x2 - 1.0 / n2).max(0.0).sqrt();
    Some(Comparison {
        estimate: log_rr.exp(),
        lower: (log_rr - z * se).exp(),
        upper: (log_rr + z * se).exp(),
    })
}
