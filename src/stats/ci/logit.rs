//! Logit interval: a Wald interval on the log-odds scale, transformed back.
//!
//! # Formula
//! `expit( logit(p) +/- z / sqrt(n p (1 - p)) )`.
//!
//! # Coverage
//! Good away from the boundaries; conservative for small n near 0 and 1.
//!
//! # At 0 and n
//! The log-odds are infinite there; tally uses the R binom package's rule:
//! [0, 1 - (alpha/2)^(1/n)] at x = 0 and [(alpha/2)^(1/n), 1] at x = n (the one-sided exact
//! bounds at alpha/2).
//!
//! # Clipping
//! Not needed.
//!
//! # References
//! Brown LD, Cai TT, DasGupta A (2001) Statist Sci 16:101-133. Dorai-Raj S, binom (R package).

use super::MethodInfo;
use crate::stats::dist::z_two_sided;

/// The registry entry (see [`super::METHODS`]).
pub(super) const ENTRY: MethodInfo = MethodInfo {
    name: "logit",
    title: "logit",
    citation: "Brown, Cai and DasGupta 2001",
    summary: "logit: Wald on the log-odds scale, back-transformed; exact one-sided bound at 0 and n",
    no_one_sided: None,
    interval,
};

pub fn interval(x: u64, n: u64, level: f64) -> (f64, f64) {
    let alpha = 1.0 - level;
    let nf = n as f64;
    if x == 0 {
        return (0.0, -((alpha / 2.0).ln() / nf).exp_m1());
    }
    if x == n {
        return (((alpha / 2.0).ln() / nf).exp(), 1.0);
    }
    let z = z_two_sided(level);
    let p = x as f64 / nf;
    let centre = (x as f64 / (n - x) as f64).ln();
    let half = z / (nf * p * (1.0 - p)).sqrt();
    (expit(centre - half), expit(centre + half))
}

fn expit(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        let e = t.exp();
        e / (1.0 + e)
    }
}
