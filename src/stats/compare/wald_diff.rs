//! Wald interval for a difference of two proportions.
//!
//! # Formula
//! `d +/- z sqrt(p1 q1 / n1 + p2 q2 / n2)`, `d = p1 - p2`.
//!
//! # Coverage
//! Below nominal for small n or proportions near 0 or 1; for comparison only.
//!
//! # Clipping
//! Clipped to [-1, 1]. Zero width when both proportions are 0 or 1.
//!
//! # References
//! Newcombe RG (1998) Stat Med 17:873-890 (method 1).

use super::{Comparison, Pair};
use crate::stats::dist::z_two_sided;

pub fn interval(p: Pair, level: f64) -> Comparison {
    wald(
        p.p1(),
        p.n1 as f64,
        p.p2(),
        p.n2 as f64,
        p.p1() - p.p2(),
        level,
    )
}

/// The Wald difference interval around `estimate` for given proportions and sizes.
pub(super) fn wald(p1: f64, n1: f64, p2: f64, n2: f64, estimate: f64, level: f64) -> Comparison {
    let z = z_two_sided(level);
    let d = p1 - p2;
    let half = z * (p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2).sqrt();
    Comparison {
        estimate,
        lower: (d - half).clamp(-1.0, 1.0),
        upper: (d + half).clamp(-1.0, 1.0),
    }
}
