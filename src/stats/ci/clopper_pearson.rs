//! Clopper-Pearson ("exact", "beta") interval.
//!
//! # Formula
//! lower = `B^-1(alpha/2; x, n - x + 1)`, upper = `B^-1(1 - alpha/2; x + 1, n - x)`, the
//! Beta quantiles equivalent to inverting two one-sided exact binomial tests.
//!
//! # Coverage
//! At least nominal for every p and n, hence conservative (often 97-99% at a nominal 95%).
//! The per-study default of meta::metaprop and Stata's `ci proportions`.
//!
//! # At 0 and n
//! lower = 0 at x = 0 and upper = 1 at x = n (the Beta quantile is undefined there).
//!
//! # Clipping
//! Not needed.
//!
//! # Accuracy
//! The Beta quantile is tally's own (`stats::dist::beta_quantile`), accurate to about
//! 1e-13 relative for n up to 1e7; R's `binom.test` (qbeta) agrees, whereas `Hmisc::binconf`
//! (qf approximation for df2 > 4e5) and scipy's `binomtest` root finder do not at large n.
//!
//! # References
//! Clopper CJ, Pearson ES (1934) Biometrika 26:404-413.

use super::MethodInfo;
use crate::stats::dist::beta_quantile;

/// The registry entry (see [`super::METHODS`]).
pub(super) const ENTRY: MethodInfo = MethodInfo {
    name: "clopper-pearson",
    title: "Clopper-Pearson exact",
    citation: "Clopper and Pearson 1934",
    summary: "Clopper-Pearson 'exact' interval from Beta quantiles: coverage at least nominal, conservative",
    no_one_sided: None,
    interval,
};

pub fn interval(x: u64, n: u64, level: f64) -> (f64, f64) {
    let alpha = 1.0 - level;
    let (xf, nf) = (x as f64, n as f64);
    let lower = if x == 0 {
        0.0
    } else {
        beta_quantile(xf, nf - xf + 1.0, alpha / 2.0)
    };
    let upper = if x == n {
        1.0
    } else {
        beta_quantile(xf + 1.0, nf - xf, 1.0 - alpha / 2.0)
    };
    (lower, upper)
}
