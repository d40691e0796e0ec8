//! Exact conditional odds ratio: conditional maximum-likelihood estimate and the exact
//! conditional (Cornfield) interval, as reported by R's `fisher.test`.
//!
//! # Formula
//! Given the margins, `X = x1` follows Fisher's noncentral hypergeometric distribution
//! with odds ratio `psi`: `P(X = k) ∝ C(n1, k) C(n2, m - k) psi^k`, `m = x1 + x2`.
//! Estimate: the `psi` with `E_psi[X] = x1`. Lower bound: `P_psi(X >= x1) = alpha/2`;
//! upper bound: `P_psi(X <= x1) = alpha/2`. Roots are found on `ln psi` to a few ulp.
//!
//! # At 0 cells
//! `x1` at the smallest value the margins allow: estimate and lower bound 0; at the largest:
//! estimate and upper bound infinite. Degenerate margins (no variation): undefined.
//!
//! # Where peers disagree
//! R finds the estimate and bounds with `uniroot` (tolerance about 1e-4), so R and tally
//! agree to about 1e-4; tally solves to machine precision.
//!
//! # References
//! Cornfield J (1956); Agresti A (2013) Categorical Data Analysis, 3rd ed., section 16.6.

use super::koopman::bound;
use super::{Comparison, Pair};
use crate::stats::dist::{find_root, ln_choose};

/// The conditional distribution's support and log weights at `psi = 1`.
pub(super) struct Conditional {
    pub lo: u64,
    pub hi: u64,
    pub log_w: Vec<f64>,
}

impl Conditional {
    /// `None` past [`super::EXACT_MAX_TABLES`]: the support is never allocated unbounded.
    pub fn new(p: &Pair) -> Option<Conditional> {
        if p.x1 > p.n1 || p.x2 > p.n2 {
            return None;
        }
        super::check_exact_size(p).ok()?;
        let m = p.x1 + p.x2;
        let lo = m.saturating_sub(p.n2);
        let hi = p.n1.min(m);
        let log_w = (lo..=hi)
            .map(|k| ln_choose(p.n1 as f64, k as f64) + ln_choose(p.n2 as f64, (m - k) as f64))
            .collect();
        Some(Conditional { lo, hi, log_w })
    }

    /// Probabilities at `ln psi = t`.
    pub fn probs(&self, t: f64) -> Vec<f64> {
        let lw: Vec<f64> = self
            .log_w
            .iter()
            .enumerate()
            .map(|(i, w)| w + t * i as f64)
            .collect();
        let max = lw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = lw.iter().map(|v| (v - max).exp()).collect();
        let s: f64 = e.iter().sum();
        e.into_iter().map(|v| v / s).collect()
    }
}

pub fn interval(p: Pair, level: f64) -> Option<Comparison> {
    let cond = Conditional::new(&p)?;
    if cond.lo == cond.hi {
        return None;
    }
    let alpha = 1.0 - level;
    let i = (p.x1 - cond.lo) as usize;
    let last = (cond.hi - cond.lo) as usize;
    let mean_excess = |t: f64| {
        let pr = cond.probs(t);
        pr.iter()
            .enumerate()
            .map(|(k, q)| k as f64 * q)
            .sum::<f64>()
            - i as f64
    };
    let estimate = if i == 0 {
        0.0
    } else if i == last {
        f64::INFINITY
    } else {
        let (mut a, mut b) = (-1.0, 1.0);
        while mean_excess(a) > 0.0 {
            a *= 2.0;
        }
        while mean_excess(b) < 0.0 {
            b *= 2.0;
        }
        find_root(mean_excess, a, b).exp()
    };
    // Lower: P(X >= x1) rises with psi; the bound is where it reaches alpha/2.
    let lower = if i == 0 {
        0.0
    } else {
        let upper_tail = |t: f64| alpha / 2.0 - cond.probs(t)[i..].iter().sum::<f64>();
        bound(&upper_tail, estimate, -1.0)
    };
    let upper = if i == last {
        f64::INFINITY
    } else {
        let lower_tail = |t: f64| alpha / 2.0 - cond.probs(t)[..=i].iter().sum::<f64>();
        bound(&lower_tail, estimate, 1.0)
    };
    Some(Comparison {
        estimate,
        lower,
        upper,
    })
}
