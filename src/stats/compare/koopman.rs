//! Koopman score interval for a ratio of proportions.
//!
//! # Formula
//! The set of `phi` with `(p1 - phi p2)^2 / (p~1 q~1 / n1 + phi^2 p~2 q~2 / n2) <= z^2`,
//! where `p~2` is the maximum-likelihood estimate under `p1 = phi p2` (the smaller root of
//! `phi N t^2 - (phi n1 + x1 + n2 + phi x2) t + (x1 + x2) = 0`) and `p~1 = phi p~2`. Bounds
//! are searched on the log scale.
//!
//! # Coverage
//! Close to nominal (Koopman 1984; Fagerland et al. 2015 recommend it).
//!
//! # At 0 and n
//! `x2 = 0`: the ratio and upper bound are infinite. `x1 = 0`: ratio and lower bound 0.
//! Both 0: undefined (no interval).
//!
//! # References
//! Koopman PAR (1984) Biometrics 40:513-517. Farrington CP, Manning G (1990) Stat Med 9:1447.

use super::{Comparison, Pair};
use crate::stats::dist::{find_root, z_two_sided};

/// Restricted MLE `(p~1, p~2)` under `p1 = phi p2`.
fn restricted_mle(p: &Pair, phi: f64) -> (f64, f64) {
    let (x1, n1, x2, n2) = (p.x1 as f64, p.n1 as f64, p.x2 as f64, p.n2 as f64);
    let a = phi * (n1 + n2);
    let b = -(phi * n1 + x1 + n2 + phi * x2);
    let c = x1 + x2;
    let disc = (b * b - 4.0 * a * c).max(0.0);
    // The smaller root, written to avoid cancellation: t = 2c / (-b + sqrt(disc)).
    let t2 = (2.0 * c / (-b + disc.sqrt())).clamp(0.0, 1.0);
    ((phi * t2).clamp(0.0, 1.0), t2)
}

pub fn interval(p: Pair, level: f64) -> Option<Comparison> {
    if p.x1 == 0 && p.x2 == 0 {
        return None;
    }
    let z2 = z_two_sided(level).powi(2);
    let (p1, p2) = (p.p1(), p.p2());
    let excess = |t: f64| {
        let phi = t.exp();
        let (r1, r2) = restricted_mle(&p, phi);
        let v = r1 * (1.0 - r1) / p.n1 as f64 + phi * phi * r2 * (1.0 - r2) / p.n2 as f64;
        let num = (p1 - phi * p2).powi(2);
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
    let estimate = p1 / p2;
    let lower = if p.x1 == 0 {
        0.0
    } else {
        bound(&excess, estimate, -1.0)
    };
    let upper = if p.x2 == 0 {
        f64::INFINITY
    } else {
        bound(&excess, estimate, 1.0)
    };
    Some(Comparison {
        estimate,
        lower,
        upper,
    })
}

/// Searches from the estimate (log scale) in `direction` for where `excess` turns positive.
pub(super) fn bound(excess: &dyn Fn(f64) -> f64, estimate: f64, direction: f64) -> f64 {
    let start = if estimate.is_finite() && estimate > 0.0 {
        estimate.ln()
    } else if estimate == 0.0 {
        -20.0
    } else {
        20.0
    };
    let mut step = 0.5;
    let mut inner = start;
    let mut outer = start + direction * step;
    while excess(outer) <= 0.0 {
        if step > 1400.0 {
            return if direction < 0.0 { 0.0 } else { f64::INFINITY };
        }
        inner = outer;
        step *= 2.0;
        outer = start + direction * step;
    }
    let (a, b) = if direction < 0.0 {
        (outer, inner)
    } else {
        (inner, outer)
    };
    find_root(excess, a, b).exp()
}
