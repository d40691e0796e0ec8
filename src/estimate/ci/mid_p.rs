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
//! The tails come from `dist::binomial_tails` (incomplete beta, each tail direct) and the
//! bounds from a Brent root search to a few ulp.
//!
//! # References
//! Lancaster HO (1961) JASA 56:223-234. Agresti A, Gottard A (2007) Stat Methodol 4:143-159.
//! Fagerland, Lydersen & Laake (2015) Statistical Analysis of Contingency Tables (PropCIs
//! `midPci`).

use crate::estimate::dist::{binomial_tails, find_root};

pub fn interval(x: u64, n: u64, level: f64) -> (f64, f64) {
    let half_alpha = (1.0 - level) / 2.0;
    let p_hat = x as f64 / n as f64;
    let lower = if x == 0 {
        0.0
    } else {
        // Increasing in p: negative at 0, positive at p_hat.
        find_root(
            |p| {
                let (_, at, above) = binomial_tails(x, n, p);
                above + 0.5 * at - half_alpha
            },
            0.0,
            p_hat,
        )
    };
    let upper = if x == n {
        1.0
    } else {
        find_root(
            |p| {
                let (below, at, _) = binomial_tails(x, n, p);
                below + 0.5 * at - half_alpha
            },
            p_hat,
            1.0,
        )
    };
    (lower, upper)
}
