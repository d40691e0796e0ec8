//! Likelihood-ratio (profile likelihood) interval.
//!
//! # Formula
//! `{ p : 2 [l(p_hat) - l(p)] <= chi2_{1, level} }`, with the binomial log-likelihood
//! `l(p) = x ln p + (n - x) ln(1 - p)`; each bound found by a Brent root search.
//!
//! # Coverage
//! Close to nominal, between Wilson and Clopper-Pearson (Brown, Cai & DasGupta 2001).
//!
//! # At 0 and n
//! At x = 0, lower = 0 and upper = `1 - exp(-chi2 / (2n))` (closed form); the mirror at x = n.
//!
//! # Clipping
//! Not needed.
//!
//! # References
//! Brown LD, Cai TT, DasGupta A (2001) Statist Sci 16:101-133 (section 4.1.1); binom's
//! `profile` and `lrt` methods.

use super::MethodInfo;
use crate::stats::dist::{bd0, find_root, z_two_sided};

/// The registry entry (see [`super::METHODS`]).
pub(super) const ENTRY: MethodInfo = MethodInfo {
    name: "likelihood-ratio",
    title: "likelihood-ratio",
    citation: "Brown, Cai and DasGupta 2001",
    summary: "likelihood-ratio (profile likelihood): inverts the likelihood-ratio test",
    no_one_sided: None,
    interval,
};

pub fn interval(x: u64, n: u64, level: f64) -> (f64, f64) {
    // chi2_{1, level} = z^2 with z = Phi^-1((1 + level)/2), exactly.
    let crit = z_two_sided(level).powi(2);
    let nf = n as f64;
    if x == 0 {
        return (0.0, -(-crit / (2.0 * nf)).exp_m1());
    }
    if x == n {
        return ((-crit / (2.0 * nf)).exp(), 1.0);
    }
    let xf = x as f64;
    let p_hat = xf / nf;
    // Twice the log-likelihood ratio as Loader's deviance terms, so that no large terms
    // cancel at n = 10^7: 2 [bd0(x, n p) + bd0(n - x, n (1 - p))].
    let deviance = |p: f64| 2.0 * (bd0(xf, nf * p) + bd0(nf - xf, nf * (1.0 - p))) - crit;
    let lower = find_root(deviance, f64::MIN_POSITIVE, p_hat);
    let upper = find_root(deviance, p_hat, 1.0 - f64::EPSILON / 2.0);
    (lower, upper)
}
