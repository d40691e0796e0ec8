//! The fitted model: pooled estimate, its interval and p-value, the prediction interval,
//! Q, I², H², the survey weights (metafor `rma`, `predict`, `weights`), and the Q-profile
//! interval for tau² (`confint`). Formulas in [`super`].

use crate::stats::dist;

use super::tau2::{self, sums};
use super::{critical, p_normal, p_t, Effect, MetaError, Model, Options, Test};

/// A fitted common-effect or random-effects model, on the measure's scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub k: usize,
    pub estimate: f64,
    pub se: f64,
    /// The z or t statistic and its two-sided p-value.
    pub statistic: f64,
    pub p_value: f64,
    /// Degrees of freedom of the t quantile (Hartung-Knapp), `None` for z.
    pub df: Option<f64>,
    /// The confidence interval; `None` for Hartung-Knapp with k = 1.
    pub ci: Option<(f64, f64)>,
    /// The prediction interval for a new survey (= the CI for the common-effect model).
    pub pi: Option<(f64, f64)>,
    pub tau2: f64,
    /// Cochran's Q on `k - 1` df and its p-value.
    pub q: f64,
    pub q_p: f64,
    /// I² in percent, and H².
    pub i2: f64,
    pub h2: f64,
    /// The typical within-survey variance `vt` that I² and H² use.
    pub vt: f64,
    /// Each survey's weight in percent (metafor `weights`).
    pub weights: Vec<f64>,
}

/// Fits `opts.model` to the effect sizes.
pub fn fit(es: &[Effect], opts: Options) -> Result<Fit, MetaError> {
    if es.is_empty() {
        return Err(MetaError::Empty);
    }
    if let Some(index) = es.iter().position(|e| !(e.v > 0.0 && e.v.is_finite())) {
        return Err(MetaError::Variance { index });
    }
    let tau2 = match opts.model {
        Model::Common => 0.0,
        Model::Random(m) => tau2::estimate(m, es)?,
    };
    Ok(fit_at(es, tau2, opts))
}

/// The model at a given tau² (0 for the common-effect model).
fn fit_at(es: &[Effect], tau2: f64, opts: Options) -> Fit {
    let k = es.len();
    let kf = k as f64;
    let s = sums(es, tau2);
    let mut vb = 1.0 / s.sw;
    let df = (opts.test == Test::Knha).then_some(kf - 1.0);
    if opts.test == Test::Knha && k > 1 {
        let s2w = if s.rss <= f64::EPSILON {
            0.0
        } else {
            s.rss / (kf - 1.0)
        };
        vb *= s2w;
    }
    let se = vb.sqrt();
    let statistic = s.mu / se;
    let p_value = match df {
        Some(d) if d > 0.0 => p_t(statistic, d),
        Some(_) => f64::NAN,
        None => p_normal(statistic),
    };
    let crit = critical(opts.test, opts.level, kf - 1.0);
    let ci = crit.map(|c| (s.mu - c * se, s.mu + c * se));
    let pi = crit.map(|c| {
        let h = c * (vb + tau2).sqrt();
        (s.mu - h, s.mu + h)
    });
    let (q, q_p, vt) = heterogeneity(es);
    let (i2, h2) = match opts.model {
        _ if k == 1 => (0.0, 1.0),
        Model::Common => ((100.0 * (q - (kf - 1.0)) / q).max(0.0), q / (kf - 1.0)),
        Model::Random(_) => i2_h2(tau2, vt),
    };
    let weights = es.iter().map(|e| 100.0 / (e.v + tau2) / s.sw).collect();
    Fit {
        k,
        estimate: s.mu,
        se,
        statistic,
        p_value,
        df,
        ci,
        pi,
        tau2,
        q,
        q_p,
        i2,
        h2,
        vt,
        weights,
    }
}

/// Q, its p-value on `k - 1` df, and `vt = (k - 1)/tr P` from the common-effect weights.
fn heterogeneity(es: &[Effect]) -> (f64, f64, f64) {
    let k = es.len() as f64;
    if es.len() < 2 {
        return (0.0, 1.0, 0.0);
    }
    let s = sums(es, 0.0);
    let q = s.rss.max(0.0);
    let vt = (k - 1.0) / (s.sw - s.sw2 / s.sw);
    (q, dist::chi_square_sf(q, k - 1.0), vt)
}

/// I² (percent) and H² at `tau2` with typical variance `vt`.
pub fn i2_h2(tau2: f64, vt: f64) -> (f64, f64) {
    (100.0 * tau2 / (vt + tau2), tau2 / vt + 1.0)
}

/// The Q-profile interval for tau² and the I² and H² intervals it implies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tau2Interval {
    pub tau2: (f64, f64),
    pub i2: (f64, f64),
    pub h2: (f64, f64),
    /// Whether a bound sits at the end of the searched range (`> tau2.max` in metafor).
    pub upper_capped: bool,
}

/// The Q-profile interval (Viechtbauer 2007) at `level`, searched on
/// `[0, max(100, 10 tau²)]` as `confint.rma.uni`; `tau2` is the model's estimate. Needs
/// k >= 2.
pub fn tau2_interval(es: &[Effect], tau2: f64, level: f64) -> Option<Tau2Interval> {
    let k = es.len() as f64;
    if es.len() < 2 {
        return None;
    }
    let alpha = 1.0 - level;
    let crit_u = dist::chi_square_quantile(1.0 - alpha / 2.0, k - 1.0);
    let crit_l = dist::chi_square_quantile(alpha / 2.0, k - 1.0);
    let max = (10.0 * tau2).max(100.0);
    let q = |t: f64| tau2::q_at(es, t);
    let (q_min, q_max) = (q(0.0), q(max));
    let root = |target: f64| dist::find_root(|t| q(t) - target, 0.0, max);
    let mut upper_capped = false;
    let (lb, ub) = if q_min < crit_l {
        (0.0, 0.0)
    } else {
        let ub = if q_max > crit_l {
            upper_capped = true;
            max
        } else {
            root(crit_l)
        };
        let lb = if q_max > crit_u {
            max
        } else if q_min < crit_u {
            0.0
        } else {
            root(crit_u)
        };
        (lb, ub)
    };
    let vt = heterogeneity(es).2;
    let (i2l, h2l) = i2_h2(lb, vt);
    let (i2u, h2u) = i2_h2(ub, vt);
    Some(Tau2Interval {
        tau2: (lb, ub),
        i2: (i2l, i2u),
        h2: (h2l, h2u),
        upper_capped,
    })
}
