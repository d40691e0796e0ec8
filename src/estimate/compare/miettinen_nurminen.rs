//! Miettinen-Nurminen score interval for a difference.
//!
//! # Formula
//! The set of `delta` with `(p1 - p2 - delta)^2 / V(delta) <= z^2`, where
//! `V(delta) = (p~1 q~1 / n1 + p~2 q~2 / n2) * N / (N - 1)`, `N = n1 + n2`, and `p~1`,
//! `p~2 = p~1 - delta` are the maximum-likelihood estimates under `p1 - p2 = delta`, the
//! root of a cubic given in closed form (Miettinen & Nurminen 1985; Farrington & Manning
//! 1990, appendix). Each bound by a Brent root search.
//!
//! # Coverage
//! Close to nominal, slightly conservative; recommended by Newcombe (1998) and Fagerland,
//! Lydersen & Laake (2011).
//!
//! # At 0 and n
//! Always defined; when `p1 - p2 = -1` (or `+1`) the lower (upper) bound is -1 (+1).
//! statsmodels' `score` raises for such tables (e.g. 0/10 vs 0/10); tally does not.
//!
//! # References
//! Miettinen O, Nurminen M (1985) Stat Med 4:213-226. Farrington CP, Manning G (1990)
//! Stat Med 9:1447-1454.

use super::{Comparison, Pair};
use crate::estimate::dist::{find_root, z_two_sided};

/// Restricted MLE `(p~1, p~2)` under `p1 - p2 = delta`.
pub(super) fn restricted_mle(p: &Pair, delta: f64) -> (f64, f64) {
    let (p1, p2) = (p.p1(), p.p2());
    let theta = p.n2 as f64 / p.n1 as f64;
    let a = 1.0 + theta;
    let b = -(1.0 + theta + p1 + theta * p2 + delta * (theta + 2.0));
    let c = delta * delta + delta * (2.0 * p1 + theta + 1.0) + p1 + theta * p2;
    let d = -p1 * delta * (1.0 + delta);
    let v = b.powi(3) / (27.0 * a.powi(3)) - b * c / (6.0 * a * a) + d / (2.0 * a);
    let s = (b * b / (9.0 * a * a) - c / (3.0 * a)).max(0.0).sqrt();
    let u = if v < 0.0 { -s } else { s };
    let ratio = if u == 0.0 { 0.0 } else { (v / u.powi(3)).clamp(-1.0, 1.0) };
    let w = (std::f64::consts::PI + ratio.acos()) / 3.0;
    let t1 = (2.0 * u * w.cos() - b / (3.0 * a)).clamp(0.0, 1.0);
    let t2 = (t1 - delta).clamp(0.0, 1.0);
    (t1, t2)
}

pub fn interval(p: Pair, level: f64) -> Comparison {
    let z2 = z_two_sided(level).powi(2);
    let d_hat = p.p1() - p.p2();
    let big_n = (p.n1 + p.n2) as f64;
    let correction = if big_n > 1.0 { big_n / (big_n - 1.0) } else { 1.0 };
    let excess = |delta: f64| {
        let (t1, t2) = restricted_mle(&p, delta);
        let v = (t1 * (1.0 - t1) / p.n1 as f64 + t2 * (1.0 - t2) / p.n2 as f64) * correction;
        let num = (d_hat - delta).powi(2);
        if v <= 0.0 {
            if num > 0.0 {
                f64::INFINITY
            } else {
                -z2
            }
        } else {
            num / v - z2
        }
    };
    let lower = if d_hat <= -1.0 || excess(-1.0) <= 0.0 { -1.0 } else { find_root(excess, -1.0, d_hat) };
    let upper = if d_hat >= 1.0 || excess(1.0) <= 0.0 { 1.0 } else { find_root(excess, d_hat, 1.0) };
    Comparison { estimate: d_hat, lower, upper }
}
