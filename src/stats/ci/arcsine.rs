//! Arcsine (variance-stabilised) interval.
//!
//! # Formula
//! `sin^2( asin(sqrt(p)) -/+ z / (2 sqrt(n)) )`, with the angle kept in [0, pi/2].
//!
//! # Coverage
//! Erratic near 0 and 1 (Brown, Cai & DasGupta 2001); offered for comparison with survey's
//! `svyciprop(method = "asin")`.
//!
//! # At 0 and n
//! [0, sin^2(z / (2 sqrt(n)))] at x = 0, and the mirror image at x = n.
//!
//! # Clipping
//! The angle is clamped to [0, pi/2] before squaring, so the interval stays in [0, 1].
//!
//! # References
//! Brown LD, Cai TT, DasGupta A (2001) Statist Sci 16:101-133.

use super::MethodInfo;
use crate::stats::dist::z_two_sided;
use std::f64::consts::FRAC_PI_2;

/// The registry entry (see [`super::METHODS`]).
pub(super) const ENTRY: MethodInfo = MethodInfo {
    name: "arcsine",
    title: "arcsine",
    citation: "Brown, Cai and DasGupta 2001",
    summary: "arcsine: Wald on the variance-stabilising asin(sqrt(p)) scale",
    no_one_sided: None,
    interval,
};

pub fn interval(x: u64, n: u64, level: f64) -> (f64, f64) {
    let z = z_two_sided(level);
    let nf = n as f64;
    let angle = (x as f64 / nf).sqrt().asin();
    let half = z / (2.0 * nf.sqrt());
    let lo = (angle - half).clamp(0.0, FRAC_PI_2).sin();
    let hi = (angle + half).clamp(0.0, FRAC_PI_2).sin();
    (lo * lo, hi * hi)
}
