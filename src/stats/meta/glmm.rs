//! The binomial-normal GLMM for proportions (Stijnen, Hamza & Özdemir 2010): `x_i ~
//! Binomial(n_i, expit(mu + b_i))`, `b_i ~ N(0, tau²)`, fitted by maximum likelihood as
//! `rma.glmm(measure = "PLO", method = "ML")` does through `lme4::glmer(cbind(x, n - x) ~ 1 +
//! (1 | study), family = binomial, nAGQ = 7)`. No continuity correction: 0% and 100%
//! surveys enter as they are.
//!
//! **Likelihood.** With `b = sigma u`, `u ~ N(0, 1)`, survey i contributes
//! `L_i = ∫ exp(g_i(u)) du / √(2π)`, `g_i(u) = x η - n ln(1 + e^η) - u²/2`, `η = mu + sigma u`.
//! As lme4 does for `nAGQ > 1`, the integral is adaptive Gauss-Hermite quadrature
//! (Liu & Pierce 1994; Pinheiro & Bates 1995) with 7 nodes: centred at the conditional mode
//! `û_i` (Newton on the concave `g_i`), scaled by `s_i = (1 + sigma² n p(1 - p))^{-1/2}` at
//! the mode, `L_i ≈ s_i Σ_k w_k exp(g_i(û_i + s_i z_k) + z_k²/2)` with the probabilists'
//! Hermite nodes `z_k` and weights `w_k` (summing to 1, lme4's `GHrule(7)`).
//!
//! **Fit.** The deviance `-2 Σ ln L_i` is minimised over `sigma >= 0` (lme4's `theta`) and
//! `mu`: Brent's minimiser on `mu` for each `sigma`, inside Brent's minimiser on `sigma`.
//! `tau² = sigma²`.
//!
//! **Standard error.** lme4's `vcov` for a GLMM inverts the finite-difference Hessian of
//! the deviance in `(theta, mu)` (`lme4:::deriv12`, step 1e-4, central differences):
//! `var(mu) = [2 H⁻¹]_{mu mu}`. The same Hessian is taken here. The interval and the
//! prediction interval are `mu ± z se` and `mu ± z √(se² + tau²)` (z test, metafor's
//! default for `rma.glmm`).
//!
//! **Heterogeneity**, as `rma.glmm`: the likelihood-ratio Q of the common-effect logistic
//! model against the saturated one, `QE.LRT = 2 Σ [x ln(x/(n p̄)) + (n-x) ln((n-x)/(n(1-p̄)))]`
//! (`p̄ = Σx/Σn`) on k - 1 df; I² and H² from tau² and the typical variance `vt` of the
//! logit effect sizes *with* escalc's continuity correction (metafor computes vt that way;
//! the correction touches only this descriptive figure, never the model).
//!
//! **Failures are values**: every survey at 0% or every one at 100% (no finite maximum),
//! sigma at the end of its search range, or a Hessian that is not positive definite each
//! give [`MetaError::NotConverged`].

use crate::stats::dist;

use super::effect::{effects, Measure};
use super::model::i2_h2;
use super::{p_normal, Count, MetaError};

/// Quadrature nodes (lme4's and metafor's default `nAGQ = 7`).
pub const NAGQ: usize = 7;

/// The largest sigma (on the logit scale) searched; an optimum at it is a failure.
const SIGMA_MAX: f64 = 20.0;

/// A fitted GLMM, on the logit scale.
#[derive(Debug, Clone, PartialEq)]
pub struct GlmmFit {
    pub k: usize,
    pub estimate: f64,
    pub se: f64,
    pub z: f64,
    pub p_value: f64,
    pub ci: (f64, f64),
    pub pi: (f64, f64),
    pub tau2: f64,
    /// The likelihood-ratio heterogeneity statistic and its p-value on k - 1 df.
    pub q_lrt: f64,
    pub q_p: f64,
    pub i2: f64,
    pub h2: f64,
    /// The deviance at the optimum (without the binomial coefficients).
    pub deviance: f64,
}

/// The 7-point Gauss-Hermite rule for the standard normal (lme4's `GHrule(7)`): the
/// roots of the probabilists' Hermite polynomial `He_7`, each polished by Newton from its
/// tabulated value (Abramowitz & Stegun 25.4.46, scaled by √2), and weights
/// `7! / (7² He_6(z)²)`, which sum to 1.
pub fn gauss_hermite() -> [(f64, f64); NAGQ] {
    const START: [f64; NAGQ] = [
        -3.750_439_717_725_742,
        -2.366_759_410_734_541,
        -1.154_405_394_739_968,
        0.0,
        1.154_405_394_739_968,
        2.366_759_410_734_541,
        3.750_439_717_725_742,
    ];
    let n = NAGQ;
    // (He_n(z), He_{n-1}(z)) by the recurrence He_{j+1} = z He_j - j He_{j-1}.
    let he = |z: f64| {
        let (mut p0, mut p1) = (1.0, z);
        for j in 1..n {
            let p2 = z * p1 - j as f64 * p0;
            p0 = p1;
            p1 = p2;
        }
        (p1, p0)
    };
    let nf = n as f64;
    let fact: f64 = (1..=n).map(|j| j as f64).product();
    START.map(|start| {
        let mut z = start;
        for _ in 0..5 {
            let (p, q) = he(z);
            // He_n' = n He_{n-1}.
            z -= p / (nf * q);
        }
        let q = he(z).1;
        (z, fact / (nf * nf * q * q))
    })
}

/// `ln(1 + e^η)` without overflow.
fn log1pexp(eta: f64) -> f64 {
    if eta > 0.0 {
        eta + (-eta).exp().ln_1p()
    } else {
        eta.exp().ln_1p()
    }
}

fn expit(eta: f64) -> f64 {
    1.0 / (1.0 + (-eta).exp())
}

/// `-2 ln L_i` for one survey by adaptive quadrature.
fn survey_deviance(c: Count, mu: f64, sigma: f64, rule: &[(f64, f64)]) -> f64 {
    let g = |u: f64| {
        let eta = mu + sigma * u;
        c.x * eta - c.n * log1pexp(eta) - 0.5 * u * u
    };
    // Conditional mode: Newton on the concave g (g'' <= -1), from 0, a step halved until
    // g does not fall.
    let mut u = 0.0;
    for _ in 0..200 {
        let p = expit(mu + sigma * u);
        let grad = sigma * (c.x - c.n * p) - u;
        let hess = -(sigma * sigma * c.n * p * (1.0 - p)) - 1.0;
        let mut step = grad / hess;
        let g_u = g(u);
        while g(u - step) < g_u && step.abs() > 1e-300 {
            step /= 2.0;
        }
        u -= step;
        if step.abs() <= 1e-14 * u.abs().max(1.0) {
            break;
        }
    }
    let p = expit(mu + sigma * u);
    let s = 1.0 / (1.0 + sigma * sigma * c.n * p * (1.0 - p)).sqrt();
    let g0 = g(u);
    let sum: f64 = rule
        .iter()
        .map(|&(z, w)| w * (g(u + s * z) - g0 + 0.5 * z * z).exp())
        .sum();
    -2.0 * (g0 + s.ln() + sum.ln())
}

/// The deviance `-2 Σ ln L_i` (binomial coefficients left out).
pub fn deviance(counts: &[Count], mu: f64, sigma: f64, rule: &[(f64, f64)]) -> f64 {
    counts
        .iter()
        .map(|&c| survey_deviance(c, mu, sigma, rule))
        .sum()
}

/// Brent's (1973) minimiser of `f` on `[a, b]` (R's `optimize`), to absolute tolerance `tol`
/// plus a relative `√ε`-order term.
pub fn brent_min(f: impl Fn(f64) -> f64, a: f64, b: f64, tol: f64) -> f64 {
    let golden = 0.381_966_011_250_105_1;
    let (mut a, mut b) = (a, b);
    let mut x = a + golden * (b - a);
    let (mut w, mut v) = (x, x);
    let mut fx = f(x);
    let (mut fw, mut fv) = (fx, fx);
    let (mut d, mut e) = (0.0_f64, 0.0_f64);
    for _ in 0..500 {
        let xm = 0.5 * (a + b);
        let tol1 = 1e-10 * x.abs() + tol / 3.0;
        let tol2 = 2.0 * tol1;
        if (x - xm).abs() <= tol2 - 0.5 * (b - a) {
            break;
        }
        let mut golden_step = true;
        if e.abs() > tol1 {
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            if p.abs() < (0.5 * q * e).abs() && p > q * (a - x) && p < q * (b - x) {
                e = d;
                d = p / q;
                let u = x + d;
                if u - a < tol2 || b - u < tol2 {
                    d = if x < xm { tol1 } else { -tol1 };
                }
                golden_step = false;
            }
        }
        if golden_step {
            e = if x < xm { b - x } else { a - x };
            d = golden * e;
        }
        let u = if d.abs() >= tol1 {
            x + d
        } else if d > 0.0 {
            x + tol1
        } else {
            x - tol1
        };
        let fu = f(u);
        if fu <= fx {
            if u < x {
                b = x;
            } else {
                a = x;
            }
            v = w;
            fv = fw;
            w = x;
            fw = fx;
            x = u;
            fx = fu;
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                v = w;
                fv = fw;
                w = u;
                fw = fu;
            } else if fu <= fv || v == x || v == w {
                v = u;
                fv = fu;
            }
        }
    }
    x
}

/// Fits the GLMM at confidence `level`.
pub fn fit(counts: &[Count], level: f64) -> Result<GlmmFit, MetaError> {
    let logit_es = effects(Measure::Logit, counts)?;
    let fail = |what| MetaError::NotConverged {
        what,
        iterations: 0,
    };
    let (sx, sn) = counts
        .iter()
        .fold((0.0, 0.0), |(a, b), c| (a + c.x, b + c.n));
    if sx == 0.0 || sx == sn {
        return Err(fail(
            "the GLMM (every survey at 0% or every one at 100%: no finite estimate)",
        ));
    }
    let rule = gauss_hermite();
    let start = (sx / (sn - sx)).ln();
    let (lo, hi) = (start - 30.0, start + 30.0);
    let best_mu = |sigma: f64| brent_min(|m| deviance(counts, m, sigma, &rule), lo, hi, 1e-11);
    let profile = |sigma: f64| deviance(counts, best_mu(sigma), sigma, &rule);
    let mut sigma = brent_min(profile, 0.0, SIGMA_MAX, 1e-11);
    // Brent never evaluates the end point itself: a variance of 0 is checked directly.
    if profile(0.0) <= profile(sigma) {
        sigma = 0.0;
    }
    if sigma > SIGMA_MAX * 0.999 {
        return Err(fail("the GLMM (tau is at the end of its search range)"));
    }
    let mu = best_mu(sigma);
    let dev = deviance(counts, mu, sigma, &rule);
    let se = hessian_se(|t, m| deviance(counts, m, t, &rule), sigma, mu)
        .ok_or_else(|| fail("the GLMM (its information matrix is not positive definite)"))?;
    let tau2 = sigma * sigma;
    let z = dist::z_two_sided(level);
    let (q_lrt, q_p) = lrt_heterogeneity(counts, sx / sn);
    let k = counts.len() as f64;
    let sw: f64 = logit_es.iter().map(|e| 1.0 / e.v).sum();
    let sw2: f64 = logit_es.iter().map(|e| e.v.powi(-2)).sum();
    let vt = (k - 1.0) / (sw - sw2 / sw);
    let (i2, h2) = i2_h2(tau2, vt);
    let h = z * (se * se + tau2).sqrt();
    Ok(GlmmFit {
        k: counts.len(),
        estimate: mu,
        se,
        z: mu / se,
        p_value: p_normal(mu / se),
        ci: (mu - z * se, mu + z * se),
        pi: (mu - h, mu + h),
        tau2,
        q_lrt,
        q_p,
        i2,
        h2,
        deviance: dev,
    })
}

/// `√([2 H⁻¹]_{mu mu})` from lme4's finite-difference Hessian of the deviance in
/// `(theta, mu)` (`deriv12`, step 1e-4); `None` when it is not positive definite.
fn hessian_se(dev: impl Fn(f64, f64) -> f64, theta: f64, mu: f64) -> Option<f64> {
    let d = 1e-4;
    let f0 = dev(theta, mu);
    let h_tt = (dev(theta + d, mu) - 2.0 * f0 + dev(theta - d, mu)) / (d * d);
    let h_mm = (dev(theta, mu + d) - 2.0 * f0 + dev(theta, mu - d)) / (d * d);
    let h_tm = (dev(theta + d, mu + d) - dev(theta + d, mu - d) - dev(theta - d, mu + d)
        + dev(theta - d, mu - d))
        / (4.0 * d * d);
    let det = h_tt * h_mm - h_tm * h_tm;
    if !(h_tt > 0.0 && det > 0.0) {
        return None;
    }
    let var = 2.0 * h_tt / det;
    (var > 0.0 && var.is_finite()).then(|| var.sqrt())
}

/// The likelihood-ratio Q of the common-effect logistic model against the saturated one,
/// and its p-value on k - 1 df.
fn lrt_heterogeneity(counts: &[Count], pbar: f64) -> (f64, f64) {
    let term = |a: f64, e: f64| if a > 0.0 { a * (a / e).ln() } else { 0.0 };
    let q: f64 = 2.0
        * counts
            .iter()
            .map(|c| term(c.x, c.n * pbar) + term(c.n - c.x, c.n * (1.0 - pbar)))
            .sum::<f64>();
    let q = q.max(0.0);
    let df = counts.len() as f64 - 1.0;
    let p = if df > 0.0 {
        dist::chi_square_sf(q, df)
    } else {
        1.0
    };
    (q, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_point_rule_integrates_normal_moments() {
        let rule = gauss_hermite();
        let moment = |k: i32| rule.iter().map(|(z, w)| w * z.powi(k)).sum::<f64>();
        assert!((moment(0) - 1.0).abs() < 1e-14);
        assert!((moment(2) - 1.0).abs() < 1e-13);
        assert!((moment(4) - 3.0).abs() < 1e-12);
        assert!((moment(12) - 10395.0).abs() < 1e-8);
        assert!((rule[3].1 - 16.0 / 35.0).abs() < 1e-15);
    }

    #[test]
    fn all_zero_is_a_failure_not_a_number() {
        let c = [Count { x: 0.0, n: 10.0 }, Count { x: 0.0, n: 20.0 }];
        assert!(matches!(fit(&c, 0.95), Err(MetaError::NotConverged { .. })));
    }
}
