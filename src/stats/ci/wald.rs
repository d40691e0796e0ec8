//! Wald (normal-approximation, "asymptotic") interval.
//!
//! # Formula
//! `p +/- z sqrt(p(1-p)/n)` with `p = x/n`, `z = Phi^-1(1 - alpha/2)`.
//!
//! # Coverage
//! Erratic and often far below nominal, worst near 0 and 1 and for small n (Brown, Cai &
//! DasGupta 2001). Offered because published spreadsheets use it, so that their figures can
//! be reproduced; not recommended.
//!
//! # At 0 and n
//! Zero width: [0, 0] at x = 0 and [1, 1] at x = n.
//!
//! # Clipping
//! Clipped to [0, 1], as statsmodels `proportion_confint(method="normal")` does (binom's
//! `asymptotic` and epitools do not clip).
//!
//! # References
//! Brown LD, Cai TT, DasGupta A (2001) Statist Sci 16:101-133.

use super::MethodInfo;
use super::clip;
use crate::stats::dist::z_two_sided;

/// The registry entry (see [`super::METHODS`]).
pub(super) const ENTRY: MethodInfo = MethodInfo {
    name: "wald",
    title: "Wald (normal approximation)",
    citation: "Brown, Cai and DasGupta 2001",
    summary: "Wald (normal approximation), clipped to [0, 1]: poor coverage near 0 and 1, for comparison only",
    no_one_sided: None,
    interval,
};

pub fn interval(x: u64, n: u64, level: f64) -> (f64, f64) {
    let z = z_two_sided(level);
    let nf = n as f64;
    let p = x as f64 / nf;
    let half = z * (p * (1.0 - p) / nf).sqrt();
    clip(p - half, p + half)
}
