//! Design effects and effective sample sizes of a domain proportion.
//!
//! # Design-based (Kish 1965 §8.2; R `svymean(..., deff = )`)
//!
//! `deff = var_design / var_srs`, with the simple-random-sampling variance R computes from
//! `svyvar` (the weighted variance with divisor `n − 1`, `p(1 − p) n / (n − 1)` for a 0/1
//! outcome), `n` the domain's respondents and `N̂ = Σw` its estimated population size:
//!
//! - `deff = TRUE` (without replacement): `var_srs = p(1 − p)/(n − 1) · (N̂ − n)/N̂`. With
//!   weights that sum to less than `n` R warns and gives NA; tally gives NaN. Unit weights
//!   (`N̂ = n`) give `+inf`, as R does.
//! - `deff = "replace"`: `var_srs = p(1 − p)/(n − 1)`.
//!
//! At p = 0 or 1 both are 0/0 = NaN (as R).
//!
//! # Kish's design effect of unequal weights (Kish 1965 §11.7, 1992)
//!
//! `deff_w = 1 + CV² = n Σw² / (Σw)²` (CV with divisor n) and the Kish effective sample size
//! `n_w = (Σw)² / Σw² = n / deff_w`; `survey` has neither, so they are checked against base R.
//!
//! # The effective n of `svyciprop(method = "beta")` (Korn & Graubard 1998)
//!
//! `n* = p(1 − p)/var · (t_{n−1, α/2} / t_{df, α/2})²`: the design-based effective n with
//! Korn and Graubard's degrees-of-freedom adjustment, `n` the domain's respondents and `df`
//! its design df. At p = 0 or 1 the variance is 0 and R gives NaN; tally takes the design
//! effect as 1 there, `n* = n (t_{n−1}/t_df)²`, so that an interval exists (the NCHS data
//! presentation standards for proportions, Parker et al. 2017, Vital Health Stat 2(175), use
//! the sample size as the effective size when p̂ is 0 or 1). NaN when `df = 0` or `n = 1`,
//! or when the variance is NaN (a domain in one PSU). n* is not capped at n (NCHS also
//! sets deff < 1 to 1; that belongs to the reliability rules, not here).

use super::linearize::DomainEstimate;
use crate::stats::dist::t_quantile;

/// The design effects and effective sizes of one estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effects {
    /// `svymean(deff = TRUE)`.
    pub deff: f64,
    /// `svymean(deff = "replace")`.
    pub deff_replace: f64,
    /// Kish's `1 + CV²` of the domain's weights.
    pub kish_deff: f64,
    /// Kish's effective sample size `(Σw)² / Σw²`.
    pub kish_n: f64,
}

/// The design effects of a domain estimate.
pub fn effects(e: &DomainEstimate) -> Effects {
    let n = e.n as f64;
    let srs_replace = e.p * (1.0 - e.p) / (n - 1.0);
    let srs = if e.sum_w < n {
        f64::NAN
    } else {
        srs_replace * (e.sum_w - n) / e.sum_w
    };
    Effects {
        deff: e.var / srs,
        deff_replace: e.var / srs_replace,
        kish_deff: n * e.sum_w2 / (e.sum_w * e.sum_w),
        kish_n: e.sum_w * e.sum_w / e.sum_w2,
    }
}

/// Korn and Graubard's effective n at confidence `level`, as `svyciprop(method = "beta")`
/// uses it (formula and the p = 0, 1 convention in the module docs).
pub fn korn_graubard_n(e: &DomainEstimate, level: f64) -> f64 {
    if e.df == 0 || e.nrow < 2 || e.var.is_nan() {
        return f64::NAN;
    }
    let half = (1.0 - level) / 2.0;
    let ratio = t_quantile(half, e.nrow as f64 - 1.0) / t_quantile(half, e.df as f64);
    let base = if e.p <= 0.0 || e.p >= 1.0 {
        e.nrow as f64
    } else {
        e.p * (1.0 - e.p) / e.var
    };
    base * ratio * ratio
}
