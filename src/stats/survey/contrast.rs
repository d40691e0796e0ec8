//! Differences and ratios of two domain proportions with design-based standard errors
//! (R: `svyby(~y, ~domain, design, svymean, covmat = TRUE)` then `svycontrast`).
//!
//! Two domains of one design share PSUs (and strata), so their estimates are correlated:
//! `c = cov(p₁, p₂)` is the linearised covariance of [`super::linearize::covariance`], not
//! zero. For an unstratified element sample and disjoint domains it is exactly 0 (`Σ z = 0`
//! and no respondent is in both); with strata or clusters it is not.
//!
//! - Difference `d = p₁ − p₂`: `var(d) = v₁ + v₂ − 2c`.
//! - Ratio `r = p₁ / p₂` (delta method, `svycontrast(quote(a/b))`): gradient
//!   `(1/p₂, −p₁/p₂²)`, `var(r) = v₁/p₂² + p₁² v₂/p₂⁴ − 2 p₁ c / p₂³`.
//! - Log odds ratio `l = logit p₁ − logit p₂` (delta method,
//!   `svycontrast(quote(log(a/(1-a)) - log(b/(1-b))))`): with `g_i = 1 / (p_i (1 − p_i))`,
//!   `var(l) = g₁² v₁ + g₂² v₂ − 2 g₁ g₂ c`. The odds ratio's interval is `exp` of the
//!   log odds ratio's (infinite at a proportion of 0 or 1: no interval).
//!
//! [`wald`] gives `estimate ± q se` with `q` the t quantile on a df the caller chooses (the
//! design df, or `None` for the normal quantile, R's `confint(svycontrast(...))` default).
//!
//! References: Lumley (2010) §2.5 and R `?svycontrast`, `?svyby`.

use super::linearize::{covariance, estimate, support_df, Domain, DomainEstimate, Ratio};
use super::{Design, Table};
use crate::stats::dist::{normal_quantile, t_quantile};

/// Two domain proportions, their covariance, difference and ratio.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contrast {
    pub first: DomainEstimate,
    pub second: DomainEstimate,
    /// `cov(p₁, p₂)`.
    pub cov: f64,
    pub diff: f64,
    pub diff_se: f64,
    pub ratio: f64,
    pub ratio_se: f64,
    /// `logit p₁ − logit p₂` and its SE (not finite when either proportion is 0 or 1).
    pub log_or: f64,
    pub log_or_se: f64,
    /// The design df of the two domains together (their PSUs minus their strata).
    pub df: u64,
}

/// The contrast of outcome `col` between domains `a` and `b`; `None` when either is empty.
pub fn contrast(
    design: &Design,
    table: &Table,
    a: &Domain,
    b: &Domain,
    col: usize,
) -> Option<Contrast> {
    let first = estimate(design, table, a, col)?;
    let second = estimate(design, table, b, col)?;
    let (ra, rb) = (
        Ratio::domain_share(table, a, col),
        Ratio::domain_share(table, b, col),
    );
    let cov = covariance(design, table, &ra, &rb);
    let (p1, p2) = (first.p, second.p);
    let (v1, v2) = (first.var, second.var);
    let diff_var = v1 + v2 - 2.0 * cov;
    let ratio_var = v1 / (p2 * p2) + p1 * p1 * v2 / p2.powi(4) - 2.0 * p1 * cov / p2.powi(3);
    let (g1, g2) = (1.0 / (p1 * (1.0 - p1)), 1.0 / (p2 * (1.0 - p2)));
    let log_or_var = g1 * g1 * v1 + g2 * g2 * v2 - 2.0 * g1 * g2 * cov;
    let both: Vec<bool> = {
        let rows: Vec<usize> = a
            .row_indices()
            .iter()
            .chain(b.row_indices())
            .copied()
            .collect();
        let d = Domain::rows(&rows);
        (0..table.rows() * table.cols())
            .map(|i| d.row_indices().contains(&(i / table.cols())))
            .collect()
    };
    Some(Contrast {
        first,
        second,
        cov,
        diff: p1 - p2,
        diff_se: diff_var.sqrt(),
        ratio: p1 / p2,
        ratio_se: ratio_var.sqrt(),
        log_or: (p1 / (1.0 - p1)).ln() - (p2 / (1.0 - p2)).ln(),
        log_or_se: log_or_var.sqrt(),
        df: support_df(table, &both),
    })
}

/// `estimate ± q se` at confidence `level`, `q` from Student's t on `df` or, with `None`,
/// the normal distribution; `None` when `df` is 0 or `se` is not finite.
pub fn wald(estimate: f64, se: f64, level: f64, df: Option<u64>) -> Option<(f64, f64)> {
    let half = (1.0 - level) / 2.0;
    let q = match df {
        Some(0) => return None,
        Some(d) => -t_quantile(half, d as f64),
        None => -normal_quantile(half),
    };
    se.is_finite()
        .then_some((estimate - q * se, estimate + q * se))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wald_uses_the_normal_or_the_t_quantile() {
        let (lo, hi) = wald(0.1, 0.02, 0.95, None).unwrap();
        assert!((hi - 0.1 - 1.959_963_984_540_054 * 0.02).abs() < 1e-15);
        assert!((0.1 - lo - (hi - 0.1)).abs() < 1e-15);
        // t with 1 df at 97.5%: tan(pi * 0.475) = 12.706204736174...
        let (_, hi) = wald(0.0, 1.0, 0.95, Some(1)).unwrap();
        assert!((hi - (std::f64::consts::PI * 0.475).tan()).abs() < 1e-10);
        assert_eq!(wald(0.0, 1.0, 0.95, Some(0)), None);
        assert_eq!(wald(0.0, f64::NAN, 0.95, None), None);
    }
}
