//! Confidence intervals for a domain proportion of a complex design: `svyciprop`'s six
//! methods, and Wilson, Clopper-Pearson and Jeffreys on Korn and Graubard's effective n.
//!
//! Notation: `p` the weighted proportion, `v` its linearised variance, `se = √v`, `n` the
//! domain's respondents, `df` the domain's design df (`degf` of the subset design, the default
//! of `svyciprop(df = )`), `t = t_{df, 1−α/2}` (R: `qt`), `n*` the effective n of
//! [`super::deff::korn_graubard_n`], `x* = n* p`.
//!
//! | tally | R `svyciprop` | interval |
//! |---|---|---|
//! | `logit` | `"logit"` | `expit(logit p ± t se/(p(1−p)))`: R fits `svyglm(y ~ 1, quasibinomial)`, whose sandwich SE of the intercept is the delta-method one |
//! | `xlogit` | `"xlogit"` | the same through `svycontrast(log(p/(1−p)))`, identical in exact arithmetic |
//! | `likelihood` | `"likelihood"` | `{μ : 2 n_L KL(p ‖ μ) ≤ t²}`, `n_L = p(1−p)(n−1)/(n v)`, `KL(p‖μ) = p ln(p/μ) + (1−p) ln((1−p)/(1−μ))`; see below |
//! | `arcsine` | `"asin"` | `sin²(asin √p ± t se/(2√(p(1−p))))`, the angle kept in [0, π/2] (R lets a bound past 0 or π/2 fold back inside, e.g. a lower bound above 0 where it should be 0: one Bonferroni case of `simultaneous_survey_reference.csv` reaches that, R 3.1e-5 where tally gives 0, and the test checks the angle and R's sin²) |
//! | `korn-graubard` | `"beta"` | `[B⁻¹(α/2; x*, n*(1−p)+1), B⁻¹(1−α/2; x*+1, n*(1−p))]` (Korn & Graubard 1998) |
//! | `wald` | `"mean"` | `p ± t se`, not clipped (as R) |
//! | `clopper-pearson` | `"beta"` | Clopper-Pearson on `(x*, n*)`: the same interval as `korn-graubard` |
//! | `wilson` | none | Wilson (1927) on `(x*, n*)` with `z = Φ⁻¹(1−α/2)` (the df enter through `n*`) |
//! | `jeffreys` | none | `[B⁻¹(α/2; x*+½, n*−x*+½), B⁻¹(1−α/2; x*+½, n*−x*+½)]` (Brown, Cai & DasGupta 2001) |
//!
//! Wilson and Jeffreys on the effective n are Korn-Graubard-style modifications (Korn &
//! Graubard 1998 for the principle; Dean & Pagano 2015, J Surv Stat Methodol 3:484-503 for
//! their evaluation in clustered surveys); `survey` has neither, so the reference values are
//! these closed forms evaluated in base R from `survey`'s `p`, `v` and `degf`.
//!
//! # The likelihood method
//!
//! R inverts the Rao-Scott-scaled profile likelihood of the intercept-only quasibinomial
//! `svyglm`: the deviance difference `2 n KL(p ‖ μ)` divided by the dispersion `n/(n−1)`
//! (`svyvar` of the Pearson residuals) against `t² λ`, with `λ = n v / (p(1−p))` the ratio of
//! the sandwich to the model-based variance. That is the root above, which tally finds
//! exactly; R interpolates a spline through ten profile points, so its bounds are only
//! about 1e-6 accurate (the reference test says so).
//!
//! # At p = 0 and p = 1, one PSU, df = 0
//!
//! R gives NaN or the output of a non-converged fit there. tally: the Wald-type methods
//! (`logit`, `xlogit`, `likelihood`, `arcsine`, `wald`) give no interval (the scale is
//! degenerate); the effective-n methods take the design effect as 1 ([`super::deff`]), so
//! 0/n* gives `[0, 1 − (α/2)^{1/n*}]` for `korn-graubard`. A domain in one PSU (variance
//! NaN) or with df 0 has no interval by any method.
//!
//! # References
//! Korn EL, Graubard BI (1998) Survey Methodology 24:193-201. Lumley T (2010) Complex
//! Surveys, §2.4.2 and `?svyciprop`. Wilson EB (1927) JASA 22:209-212. Brown LD, Cai TT,
//! DasGupta A (2001) Statist Sci 16:101-133. Dean N, Pagano M (2015) J Surv Stat Methodol
//! 3:484-503.

use super::deff::korn_graubard_n;
use super::linearize::DomainEstimate;
use crate::stats::dist::{beta_quantile, find_root, normal_quantile, t_quantile};

/// An interval method for a domain proportion of a complex design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SurveyCi {
    Logit,
    Likelihood,
    Arcsine,
    KornGraubard,
    Wald,
    Xlogit,
    Wilson,
    ClopperPearson,
    Jeffreys,
}

/// tally's name of every method and the `svyciprop(method = )` that computes it in R
/// (`None`: not in `survey`; the closed form of the module docs).
pub const R_NAMES: &[(&str, Option<&str>)] = &[
    ("logit", Some("logit")),
    ("likelihood", Some("likelihood")),
    ("arcsine", Some("asin")),
    ("korn-graubard", Some("beta")),
    ("wald", Some("mean")),
    ("xlogit", Some("xlogit")),
    ("wilson", None),
    ("clopper-pearson", Some("beta")),
    ("jeffreys", None),
];

impl SurveyCi {
    /// Every method, in the order of [`R_NAMES`].
    pub const ALL: [SurveyCi; 9] = [
        SurveyCi::Logit,
        SurveyCi::Likelihood,
        SurveyCi::Arcsine,
        SurveyCi::KornGraubard,
        SurveyCi::Wald,
        SurveyCi::Xlogit,
        SurveyCi::Wilson,
        SurveyCi::ClopperPearson,
        SurveyCi::Jeffreys,
    ];

    fn index(self) -> usize {
        SurveyCi::ALL.iter().position(|m| *m == self).unwrap_or(0)
    }

    /// The name in pipelines.
    pub fn name(self) -> &'static str {
        R_NAMES[self.index()].0
    }

    /// The method's name in a report's words.
    pub fn title(self) -> &'static str {
        match self {
            SurveyCi::Logit => "design-based logit",
            SurveyCi::Likelihood => "design-based likelihood",
            SurveyCi::Arcsine => "design-based arcsine",
            SurveyCi::KornGraubard => "Korn-Graubard",
            SurveyCi::Wald => "design-based Wald",
            SurveyCi::Xlogit => "design-based logit (svycontrast)",
            SurveyCi::Wilson => "Wilson on the effective n",
            SurveyCi::ClopperPearson => "Clopper-Pearson on the effective n",
            SurveyCi::Jeffreys => "Jeffreys on the effective n",
        }
    }

    /// Where the method is described.
    pub fn citation(self) -> &'static str {
        match self {
            SurveyCi::KornGraubard | SurveyCi::ClopperPearson => {
                "Korn and Graubard 1998; R survey svyciprop(method = \"beta\")"
            }
            SurveyCi::Wilson | SurveyCi::Jeffreys => {
                "Korn and Graubard 1998 for the effective n; Dean and Pagano 2015"
            }
            _ => "Lumley 2010, section 2.4.2; R survey svyciprop",
        }
    }

    /// The `svyciprop` method that computes it, if any.
    pub fn r_name(self) -> Option<&'static str> {
        R_NAMES[self.index()].1
    }

    /// Looks a method up by its tally name.
    pub fn from_name(name: &str) -> Result<SurveyCi, String> {
        SurveyCi::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = R_NAMES.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown survey interval method `{name}` (known: {})",
                    known.join(", ")
                )
            })
    }

    /// The two-sided interval at confidence `level` (in (0, 1)); `None` when the method has
    /// none for this estimate (module docs).
    pub fn interval(self, e: &DomainEstimate, level: f64) -> Option<(f64, f64)> {
        if e.df == 0
            || e.var.is_nan()
            || e.var < 0.0
            || level <= 0.0
            || level >= 1.0
            || level.is_nan()
        {
            return None;
        }
        let edge = e.p <= 0.0 || e.p >= 1.0;
        let alpha = 1.0 - level;
        let t = -t_quantile(alpha / 2.0, e.df as f64);
        match self {
            SurveyCi::Logit | SurveyCi::Xlogit if !edge => {
                let eta = (e.p / (1.0 - e.p)).ln();
                let h = t * e.se / (e.p * (1.0 - e.p));
                Some((expit(eta - h), expit(eta + h)))
            }
            SurveyCi::Arcsine if !edge => {
                let theta = e.p.sqrt().asin();
                let h = t * e.se / (2.0 * (e.p * (1.0 - e.p)).sqrt());
                let half_pi = std::f64::consts::FRAC_PI_2;
                let (lo, hi) = ((theta - h).max(0.0), (theta + h).min(half_pi));
                Some((lo.sin().powi(2), hi.sin().powi(2)))
            }
            SurveyCi::Wald if !edge => Some((e.p - t * e.se, e.p + t * e.se)),
            SurveyCi::Likelihood if !edge => Some(likelihood(e, t)),
            SurveyCi::KornGraubard | SurveyCi::ClopperPearson => {
                let n = korn_graubard_n(e, level);
                n.is_finite().then(|| beta_interval(e.p, n, alpha))
            }
            SurveyCi::Wilson => {
                let n = korn_graubard_n(e, level);
                n.is_finite().then(|| wilson(e.p, n, alpha))
            }
            SurveyCi::Jeffreys => {
                let n = korn_graubard_n(e, level);
                n.is_finite().then(|| jeffreys(e.p, n, alpha))
            }
            _ => None,
        }
    }
}

fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The roots of `2 n_L KL(p ‖ μ) = t²` on each side of `p` (module docs).
fn likelihood(e: &DomainEstimate, t: f64) -> (f64, f64) {
    let p = e.p;
    let n = e.n as f64;
    let n_l = p * (1.0 - p) * (n - 1.0) / (n * e.var);
    let f = |mu: f64| {
        let kl = p * (p / mu).ln() + (1.0 - p) * ((1.0 - p) / (1.0 - mu)).ln();
        2.0 * n_l * kl - t * t
    };
    let tiny = f64::MIN_POSITIVE;
    let lower = if f(tiny) <= 0.0 {
        0.0
    } else {
        find_root(f, tiny, p)
    };
    let top = 1.0 - f64::EPSILON / 2.0;
    let upper = if f(top) <= 0.0 {
        1.0
    } else {
        find_root(f, p, top)
    };
    (lower, upper)
}

/// Clopper-Pearson on `(n p, n)`, with R's shapes `n p` and `n (1 − p) + 1`.
fn beta_interval(p: f64, n: f64, alpha: f64) -> (f64, f64) {
    let lower = if p <= 0.0 {
        0.0
    } else {
        beta_quantile(n * p, n * (1.0 - p) + 1.0, alpha / 2.0)
    };
    let upper = if p >= 1.0 {
        1.0
    } else {
        beta_quantile(n * p + 1.0, n * (1.0 - p), 1.0 - alpha / 2.0)
    };
    (lower, upper)
}

/// Wilson's score interval for proportion `p` of a (real-valued) sample size `n`.
fn wilson(p: f64, n: f64, alpha: f64) -> (f64, f64) {
    let z = -normal_quantile(alpha / 2.0);
    let z2 = z * z;
    let centre = (n * p + z2 / 2.0) / (n + z2);
    let half = z * n.sqrt() / (n + z2) * (p * (1.0 - p) + z2 / (4.0 * n)).sqrt();
    let lower = if p <= 0.0 { 0.0 } else { centre - half };
    let upper = if p >= 1.0 { 1.0 } else { centre + half };
    (lower, upper)
}

/// The Jeffreys interval: equal-tailed quantiles of Beta(n p + ½, n (1 − p) + ½).
fn jeffreys(p: f64, n: f64, alpha: f64) -> (f64, f64) {
    let (a, b) = (n * p + 0.5, n - n * p + 0.5);
    let lower = if p <= 0.0 {
        0.0
    } else {
        beta_quantile(a, b, alpha / 2.0)
    };
    let upper = if p >= 1.0 {
        1.0
    } else {
        beta_quantile(a, b, 1.0 - alpha / 2.0)
    };
    (lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(p: f64, var: f64, n: u64, df: u64) -> DomainEstimate {
        DomainEstimate {
            p,
            var,
            se: var.sqrt(),
            df,
            n,
            nrow: n,
            n_psu: df + 1,
            sum_w: n as f64,
            sum_w2: n as f64,
        }
    }

    #[test]
    fn names_round_trip_and_map_to_r() {
        for m in SurveyCi::ALL {
            assert_eq!(SurveyCi::from_name(m.name()), Ok(m));
        }
        assert_eq!(SurveyCi::KornGraubard.r_name(), Some("beta"));
        assert_eq!(SurveyCi::Arcsine.r_name(), Some("asin"));
        assert_eq!(SurveyCi::Wilson.r_name(), None);
        assert!(SurveyCi::from_name("beta")
            .unwrap_err()
            .contains("known: logit, likelihood"));
    }

    #[test]
    fn arcsine_keeps_the_angle_in_range() {
        // p = 0.01 with a large variance: asin(0.1) - h < 0, so the lower bound is 0
        // (R's sin^2 of a negative angle would give a positive lower bound).
        let e = est(0.01, 0.0004, 50, 10);
        let (lo, hi) = SurveyCi::Arcsine.interval(&e, 0.95).unwrap();
        assert_eq!(lo, 0.0);
        assert!(hi > 0.01 && hi < 1.0);
    }

    #[test]
    fn no_interval_at_df_zero_or_nan_variance() {
        for m in SurveyCi::ALL {
            assert_eq!(m.interval(&est(0.3, 0.01, 10, 0), 0.95), None, "{m:?}");
            assert_eq!(m.interval(&est(0.3, f64::NAN, 10, 3), 0.95), None, "{m:?}");
        }
    }

    #[test]
    fn with_srs_variance_and_infinite_df_the_methods_meet_their_binomial_forms() {
        // var = p(1-p)/n and df = n - 1 make n* = n exactly (the t ratio is 1), so the
        // effective-n methods are the binomial intervals of tally's ci module.
        let (x, n) = (7u64, 40u64);
        let p = x as f64 / n as f64;
        let e = est(p, p * (1.0 - p) / n as f64, n, n - 1);
        for (m, reference) in [
            (
                SurveyCi::ClopperPearson,
                crate::stats::ci::clopper_pearson::interval(x, n, 0.95),
            ),
            (
                SurveyCi::Wilson,
                crate::stats::ci::wilson::interval(x, n, 0.95),
            ),
            (
                SurveyCi::Jeffreys,
                crate::stats::ci::jeffreys::interval(x, n, 0.95),
            ),
        ] {
            let (lo, hi) = m.interval(&e, 0.95).unwrap();
            assert!((lo - reference.0).abs() < 1e-12, "{m:?} {lo} {reference:?}");
            assert!((hi - reference.1).abs() < 1e-12, "{m:?} {hi} {reference:?}");
        }
    }

    #[test]
    fn every_interval_holds_the_estimate() {
        let e = est(0.23, 0.0009, 300, 29);
        for m in SurveyCi::ALL {
            let (lo, hi) = m.interval(&e, 0.9).unwrap();
            assert!(lo < 0.23 && 0.23 < hi, "{m:?} {lo} {hi}");
        }
    }
}
