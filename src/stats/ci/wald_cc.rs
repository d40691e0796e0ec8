//! Wald interval with continuity correction.
//!
//! # Formula
//! `p +/- (z sqrt(p(1-p)/n) + 1/(2n))`.
//!
//! # Coverage
//! Better than plain Wald for small n but still erratic; kept for reproducing published
//! figures (Fleiss, Levin & Paik 2003, section 2.4).
//!
//! # At 0 and n
//! [0, 1/(2n)] at x = 0 and [1 - 1/(2n), 1] at x = n (after clipping).
//!
//! # Clipping
//! Clipped to [0, 1].
//!
//! # References
//! Fleiss JL, Levin B, Paik MC (2003) Statistical Methods for Rates and Proportions, 3rd ed.
//! Newcombe RG (1998) Stat Med 17:857-872 (method 2).

use super::MethodInfo;
use super::clip;
use crate::stats::dist::z_two_sided;

/// The registry entry (see [`super::METHODS`]).
pub(super) const ENTRY: MethodInfo = MethodInfo {
    name: "wald-cc",
    title: "Wald with continuity correction",
    citation: "Fleiss, Levin and Paik 2003",
    summary: "Wald with continuity correction 1/(2n), clipped to [0, 1]: for reproducing spreadsheets",
    no_one_sided: None,
    interval,
};

pub fn interval(x: u64, n: u64, level: f64) -> (f64, f64) {
    let z = z_two_sided(level);
    let nf = n as f64;
    let p = x as f64 / nf;
    let half = z * (p * (1.0 - p) / nf).sqrt() + 0.5 / nf;
    clip(p - half, p + half)
}
