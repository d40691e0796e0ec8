//! Agresti-Caffo interval for a difference: add one success and one failure to each group,
//! then Wald.
//!
//! # Formula
//! `p~_i = (x_i + 1) / (n_i + 2)`, then `p~1 - p~2 +/- z sqrt(sum p~_i q~_i / (n_i + 2))`.
//! The point estimate reported is the raw `p1 - p2`.
//!
//! # Coverage
//! Near nominal even for small n (Agresti & Caffo 2000).
//!
//! # Clipping
//! Clipped to [-1, 1].
//!
//! # References
//! Agresti A, Caffo B (2000) Am Stat 54:280-288.

use super::wald_diff::wald;
use super::{Comparison, Pair};

pub fn interval(p: Pair, level: f64) -> Comparison {
    let (n1, n2) = (p.n1 as f64 + 2.0, p.n2 as f64 + 2.0);
    let (a1, a2) = ((p.x1 as f64 + 1.0) / n1, (p.x2 as f64 + 1.0) / n2);
    wald(a1, n1, a2, n2, p.p1() - p.p2(), level)
}
