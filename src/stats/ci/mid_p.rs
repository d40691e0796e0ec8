//! Mid-p exact interval: Clopper-Pearson with half the probability of the observed count.
//!
//! # Formula
//! lower `p_L` solves `P(X > x; p) + P(X = x; p)/2 = alpha/2`, upper `p_U` solves
//! `P(X < x; p) + P(X = x; p)/2 = alpha/2`, for X ~ Bin(n, p).
//!
//! # Coverage
//! Close to nominal on average, less conservative than Clopper-Pearson (Agresti & Gottard
//! 2007 recommend it as the exact-based default).
//!
//! # At 0 and n
//! lower = 0 at x = 0 and upper = 1 at x = n.
//!
//! # Clipping
//! Not needed.
//!
//! # Accuracy
//! Each bound evaluates only the tail it needs (`dist::binomial_above` or `binomial_below`,
//! through the incomplete beta, computed directly) plus `binomial_at`, and is found by a
//! Brent search between the Clopper-Pearson bounds for x and x + 1, to a few ulp.
//!
//! # References
//! Lancaster HO (1961) JASA 56:223-234. Agresti A, Gottard A (2007) Stat Methodol 4:143-159.
//! Fagerland, Lydersen & Laake (2015) Statistical Analysis of Contingency Tables (PropCIs
//! `midPci`).

use super::MethodInfo;
use crate::stats::dist::{
    beta_quantile, binomial_above, binomial_at, binomial_below, find_root,
};

/// The registry entry (see [`super::METHODS`]).
pub(super) const ENTRY: MethodInfo = MethodInfo {
    name: "mid-p",
    title: "mid-p exact",
    citation: "Lancaster 1961; Agresti and Gottard 2007",
    summary: "mid-p exact: Clopper-Pearson with half the probability of the observed count; near nominal",
    no_one_sided: None,
    interval,
};

pub fn interval(x: u64, n: u64, level: f64) -> (f64, f64) {
    let half_alpha = (1.0 - level) / 2.0;
    let p_hat = x as f64 / n as f64;
    let lower = if x == 0 {
        0.0
    } else {
        // Increasing in p; the root lies between the Clopper-Pearson bounds for x and x + 1
        // (P(X >= x) <= mid-p tail <= P(X > x) ... at alpha/2), a tight bracket.
        let (xf, nf) = (x as f64, n as f64);
        let a = beta_quantile(xf, nf - xf + 1.0, half_alpha);
        let b = if x == n {
            p_hat
        } else {
            beta_quantile(xf + 1.0, nf - xf, half_alpha).min(p_hat)
        };
        find_root(
            |p| binomial_above(x, n, p) + 0.5 * binomial_at(x, n, p) - half_alpha,
            a,
            b,
        )
    };
    let upper = if x == n {
        1.0
    } else {
        let (xf, nf) = (x as f64, n as f64);
        let b = beta_quantile(xf + 1.0, nf - xf, 1.0 - half_alpha);
        let a = if x == 0 {
            p_hat
        } else {
            beta_quantile(xf, nf - xf + 1.0, 1.0 - half_alpha).max(p_hat)
        };
        find_root(
            |p| binomial_below(x, n, p) + 0.5 * binomial_at(x, n, p) - half_alpha,
            a,
            b,
        )
    };
    (lower, upper)
}
