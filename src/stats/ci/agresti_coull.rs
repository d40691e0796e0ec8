//! Agresti-Coull ("adjusted Wald") interval.
//!
//! # Formula
//! `n~ = n + z^2`, `p~ = (x + z^2/2) / n~`, then `p~ +/- z sqrt(p~(1-p~)/n~)`.
//! (At 95% this is close to "add two successes and two failures".)
//!
//! # Coverage
//! Near nominal, slightly conservative near 0 and 1 (Agresti & Coull 1998; Brown, Cai &
//! DasGupta 2001 recommend it for n >= 40).
//!
//! # At 0 and n
//! The raw lower bound at x = 0 is negative (and the upper at x = n above 1); after
//! clipping it is 0 (respectively 1).
//!
//! # Clipping
//! Clipped to [0, 1], as statsmodels `proportion_confint(method="agresti_coull")` does.
//!
//! # References
//! Agresti A, Coull BA (1998) Am Stat 52:119-126.

use super::MethodInfo;
use super::clip;
use crate::stats::dist::z_two_sided;

/// The registry entry (see [`super::METHODS`]).
pub(super) const ENTRY: MethodInfo = MethodInfo {
    name: "agresti-coull",
    title: "Agresti-Coull",
    citation: "Agresti and Coull 1998",
    summary: "Agresti-Coull: Wald on x + z^2/2 successes in n + z^2 trials, clipped to [0, 1]",
    no_one_sided: None,
    interval,
};

pub fn interval(x: u64, n: u64, level: f64) -> (f64, f64) {
    let z = z_two_sided(level);
    let n_t = n as f64 + z * z;
    let p_t = (x as f64 + z * z / 2.0) / n_t;
    let half = z * (p_t * (1.0 - p_t) / n_t).sqrt();
    clip(p_t - half, p_t + half)
}
