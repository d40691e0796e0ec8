//! Jeffreys interval: the equal-tailed posterior interval under the Jeffreys prior.
//!
//! # Formula
//! `[B^-1(alpha/2; x + 1/2, n - x + 1/2), B^-1(1 - alpha/2; x + 1/2, n - x + 1/2)]`.
//!
//! # Coverage
//! Close to nominal on average, like Wilson; recommended by Brown, Cai & DasGupta (2001)
//! for small n.
//!
//! # At 0 and n (where peers disagree)
//! tally follows Brown, Cai & DasGupta (2001, section 4.1.2): lower = 0 at x = 0 and
//! upper = 1 at x = n. Without this rule the interval at x = 0 excludes p = 0, the one value
//! the data cannot rule out, and coverage collapses near 0. statsmodels
//! (`proportion_confint(method="jeffreys")`) does not apply the rule (0/10 gives a lower
//! bound of 0.000048); R's binom package and tally do.
//!
//! # Clipping
//! Not needed.
//!
//! # References
//! Brown LD, Cai TT, DasGupta A (2001) Statist Sci 16:101-133.

use super::MethodInfo;
use crate::stats::dist::beta_quantile;

/// The registry entry (see [`super::METHODS`]).
pub(super) const ENTRY: MethodInfo = MethodInfo {
    name: "jeffreys",
    title: "Jeffreys",
    citation: "Brown, Cai and DasGupta 2001",
    summary: "Jeffreys: equal-tailed Beta(x + 1/2, n - x + 1/2) interval, 0 at x = 0 and 1 at x = n",
    no_one_sided: None,
    interval,
};

pub fn interval(x: u64, n: u64, level: f64) -> (f64, f64) {
    let alpha = 1.0 - level;
    let a = x as f64 + 0.5;
    let b = (n - x) as f64 + 0.5;
    let lower = if x == 0 {
        0.0
    } else {
        beta_quantile(a, b, alpha / 2.0)
    };
    let upper = if x == n {
        1.0
    } else {
        beta_quantile(a, b, 1.0 - alpha / 2.0)
    };
    (lower, upper)
}
