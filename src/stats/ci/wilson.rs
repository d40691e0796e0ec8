//! Wilson score interval (Wilson 1927).
//!
//! # Formula
//! With `p = x/n`, `z = Phi^-1(1 - alpha/2)`:
//! centre `(p + z^2/(2n)) / (1 + z^2/n)`, half-width
//! `z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/(4n^2))`.
//!
//! # Coverage
//! Close to nominal on average for every n, slightly below it for some p near 0 and 1
//! (Brown, Cai & DasGupta 2001, who recommend it for all n). Hmisc, PHE and tally default to it.
//!
//! # At 0 and n
//! lower = 0 at x = 0 and upper = 1 at x = n, exactly (the form below gives them without
//! rounding; statsmodels leaves 5e-17 there, scipy and R `prop.test` give exact 0 and 1).
//!
//! # Clipping
//! Never needed: the interval lies in [0, 1].
//!
//! # References
//! Wilson EB (1927) JASA 22:209-212. Brown LD, Cai TT, DasGupta A (2001) Statist Sci 16:101-133.
//! Newcombe RG (1998) Stat Med 17:857-872 (method 3).

use super::MethodInfo;
use crate::stats::dist::z_two_sided;

/// The registry entry (see [`super::METHODS`]).
pub(super) const ENTRY: MethodInfo = MethodInfo {
    name: "wilson",
    title: "Wilson score",
    citation: "Wilson 1927; Brown, Cai and DasGupta 2001",
    summary: "Wilson score interval (default): good coverage at every n, never outside [0, 1]",
    no_one_sided: None,
    interval,
};

/// Computed for the side nearer 0 without cancellation: with `A = p + z^2/(2n)` and
/// `H = z sqrt(p(1-p)/n + z^2/(4n^2))`, the lower bound `(A - H)/(1 + z^2/n)` equals
/// `p^2 / (A + H)`; the other side is the mirror image, so `x` and `n - x` agree exactly.
pub fn interval(x: u64, n: u64, level: f64) -> (f64, f64) {
    if 2 * x > n {
        let (l, u) = interval(n - x, n, level);
        return (1.0 - u, 1.0 - l);
    }
    let z = z_two_sided(level);
    let nf = n as f64;
    let p = x as f64 / nf;
    let z2n = z * z / nf;
    let a = p + z2n / 2.0;
    let h = z * (p * (1.0 - p) / nf + z2n / (4.0 * nf)).sqrt();
    let lower = p * p / (a + h);
    let upper = ((a + h) / (1.0 + z2n)).min(1.0);
    (lower, upper)
}
