//! Meta-analysis of proportions across surveys, as R's `metafor` (Viechtbauer 2010) computes
//! it: effect sizes ([`effect`], `escalc`), common-effect and random-effects models with six
//! estimators of the between-survey variance ([`model`], [`tau2`], `rma`), the Q-profile
//! interval for tau² ([`model::tau2_interval`], `confint`), the binomial-normal GLMM
//! ([`glmm`], `rma.glmm`), and subgroups, leave-one-out and cumulative analyses
//! ([`sensitivity`]). A leaf of [`crate::stats`]: plain numbers in and out, no I/O.
//!
//! # Effect sizes (`escalc(measure, xi, ni)`)
//!
//! For `x` events of `n` (reals: a weighted survey gives its design-based estimate times its
//! effective n), with `p = x/n`:
//!
//! | measure | `y` | `v` |
//! |---|---|---|
//! | `PR` raw | `p` | `p(1-p)/n` |
//! | `PLO` logit | `ln(p/(1-p))` | `1/x + 1/(n-x)` |
//! | `PLN` log | `ln p` | `1/x - 1/n` |
//! | `PFT` Freeman-Tukey double arcsine (Freeman & Tukey 1950) | `½[asin√(x/(n+1)) + asin√((x+1)/(n+1))]` | `1/(4n+2)` |
//!
//! **Continuity correction.** `escalc`'s defaults are `add = 1/2, to = "only0"`: a study
//! with `x = 0` or `x = n` gets ½ added to `x` and to `n - x` (so `n + 1`), for every
//! measure. tally follows that rule only where the measure needs it: `PR`, `PLO` and `PLN`
//! (at 0 or n their `y` is infinite or their `v` is 0, an infinite weight). `PFT` is finite
//! with a positive variance at 0 and n, so it is never corrected (`escalc(..., add = 0)`,
//! as `meta::metaprop` does), and the GLMM uses the raw counts (Stijnen et al. 2010; metafor
//! issue #100).
//!
//! # Models (`rma(yi, vi, method, test)`)
//!
//! Weights `w_i = 1/(v_i + tau²)` (tau² = 0 for the common-effect model, `method = "EE"`);
//! `mu = Σ w y / Σ w`, `se = √(1/Σ w)`. With `test = "z"` the interval is `mu ± z se`, with
//! `test = "knha"` (Hartung & Knapp 2001; Sidik & Jonkman 2002) `se² ← se² s²`,
//! `s² = Σ w (y - mu)² / (k - 1)` (not truncated at 1, as metafor) and `mu ± t_{k-1} se`.
//! The prediction interval (metafor's `predict`) is `mu ± crit √(se² + tau²)`, `crit` the
//! same z or t quantile.
//!
//! Heterogeneity from the common-effect weights `w⁰ = 1/v`: `Q = Σ w⁰(y - ȳ_w⁰)²` on
//! `k - 1` df (Cochran); with `vt = (k - 1)/(Σw⁰ - Σw⁰²/Σw⁰)`, the "typical" within-study
//! variance, `I² = 100 tau²/(vt + tau²)` and `H² = tau²/vt + 1` for the random-effects model
//! (Higgins & Thompson 2002, as metafor; for DL this is `(Q - df)/Q`), and for the
//! common-effect model `I² = max(0, 100 (Q - df)/Q)`, `H² = Q/df`.
//!
//! tau² estimators ([`tau2`], all truncated at 0): DerSimonian & Laird (1986) `DL`;
//! restricted and full maximum likelihood (Viechtbauer 2005) `REML`, `ML`, by Fisher
//! scoring; Paule & Mandel (1982) `PM`, the root of the generalised Q equal to `k - 1`;
//! Sidik & Jonkman (2005) `SJ`; Hedges (1983) `HE`.
//!
//! The Q-profile interval for tau² (Viechtbauer 2007; `confint`) solves
//! `Q(tau²) = Σ (y - mu(tau²))²/(v + tau²)` for the chi-square quantiles on `k - 1` df,
//! searched on `[0, max(100, 10 tau²)]`; I² and H² intervals are its bounds through the
//! formulas above.
//!
//! # Back to proportions
//!
//! `PR`: as is; `PLO`: `1/(1 + e^{-y})`; `PLN`: `e^y`; `PFT`: Miller's (1978) inversion with
//! the harmonic mean of the survey sizes `n̄ = k / Σ(1/n_i)` (metafor `transf.ipft.hm`):
//! `p = ½[1 - sgn(cos 2y) √(1 - (sin 2y + (sin 2y - 1/sin 2y)/n̄)²)]`, 0 below the
//! transform of 0 and 1 above that of 1. The harmonic mean is the known trap (Schwarzer et
//! al. 2019): with very unequal sizes the pooled proportion can be misleading, so reports
//! say which n̄ was used.
//!
//! References: DerSimonian R, Laird N (1986) Control Clin Trials 7:177. Paule RC, Mandel J
//! (1982) J Res NBS 87:377. Hedges LV (1983) Psychol Bull 93:388. Viechtbauer W (2005) J Educ
//! Behav Stat 30:261; (2007) Stat Med 26:37; (2010) J Stat Softw 36(3). Hartung J, Knapp G
//! (2001) Stat Med 20:3875. Sidik K, Jonkman JN (2002) Stat Med 21:3153; (2005) J Biopharm
//! Stat 15:823. Higgins JPT, Thompson SG (2002) Stat Med 21:1539. Freeman MF, Tukey JW
//! (1950) Ann Math Stat 21:607. Miller JJ (1978) Am Stat 32:138. Stijnen T, Hamza TH,
//! Özdemir P (2010) Stat Med 29:3046. Schwarzer G et al. (2019) Res Synth Methods 10:476.

pub mod effect;
pub mod glmm;
pub mod model;
pub mod sensitivity;
pub mod tau2;

use std::fmt;

use crate::registry::{self, Entry, Unknown};
use crate::stats::dist;

pub use effect::{back_transform, effects, Effect, Measure};
pub use model::{fit, tau2_interval, Fit, Tau2Interval};
pub use tau2::Tau2Method;

/// One survey's count: `x` of `n` (reals, so a weighted survey can give its estimate times
/// its effective n).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Count {
    pub x: f64,
    pub n: f64,
}

/// How the pooled estimate's interval is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// Normal quantiles (`test = "z"`).
    Z,
    /// Hartung-Knapp / Sidik-Jonkman: t on k - 1 df with the scaled variance
    /// (`test = "knha"`).
    Knha,
}

/// One registry entry: a test, its name and its description.
pub struct TestInfo {
    pub test: Test,
    pub name: &'static str,
    pub title: &'static str,
}

/// The interval types by their names in pipelines.
pub static TESTS: &[TestInfo] = &[
    TestInfo {
        test: Test::Knha,
        name: "hartung-knapp",
        title: "Hartung-Knapp (t on k - 1 df)",
    },
    TestInfo {
        test: Test::Z,
        name: "z",
        title: "normal (z)",
    },
];

impl Entry for TestInfo {
    type Handle = Test;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> Test {
        self.test
    }
}

impl Test {
    pub fn info(self) -> &'static TestInfo {
        registry::entry(TESTS, self)
    }
    pub fn name(self) -> &'static str {
        self.info().name
    }
    pub fn from_name(s: &str) -> Result<Test, Unknown> {
        registry::lookup(TESTS, "interval type", s)
    }
}

/// The model: common effect, or random effects with a tau² estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    Common,
    Random(Tau2Method),
}

/// What is fitted: the model, its interval type and the confidence level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    pub model: Model,
    pub test: Test,
    pub level: f64,
}

/// Why a model could not be fitted: returned, never hidden.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaError {
    /// No surveys at all.
    Empty,
    /// A survey's variance is not positive and finite (survey index, 0-based).
    Variance { index: usize },
    /// An iterative estimator did not converge (what, iterations made).
    NotConverged {
        what: &'static str,
        iterations: usize,
    },
    /// A count is not usable (index, why).
    Count { index: usize, why: &'static str },
}

impl fmt::Display for MetaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetaError::Empty => write!(f, "no surveys to pool"),
            MetaError::Variance { index } => write!(
                f,
                "survey {} has a sampling variance that is not positive and finite",
                index + 1
            ),
            MetaError::NotConverged { what, iterations } => {
                write!(f, "{what} did not converge after {iterations} iterations")
            }
            MetaError::Count { index, why } => write!(f, "survey {}: {why}", index + 1),
        }
    }
}

impl std::error::Error for MetaError {}

/// Two-sided p-value of a z statistic, `2 (1 - Phi(|z|))`, as the upper chi-square(1)
/// tail of `z²` (accurate in the far tail).
pub fn p_normal(z: f64) -> f64 {
    dist::chi_square_sf(z * z, 1.0)
}

/// Two-sided p-value of a t statistic on `df` degrees of freedom:
/// `I_{df/(df+t²)}(df/2, 1/2)`.
pub fn p_t(t: f64, df: f64) -> f64 {
    dist::beta_cdf_pair(df / 2.0, 0.5, df / (df + t * t)).0
}

/// The two-sided critical value: z, or t on `df` degrees of freedom (`None` for df = 0).
pub fn critical(test: Test, level: f64, df: f64) -> Option<f64> {
    match test {
        Test::Z => Some(dist::z_two_sided(level)),
        Test::Knha if df > 0.0 => Some(dist::t_quantile(1.0 - (1.0 - level) / 2.0, df)),
        Test::Knha => None,
    }
}
