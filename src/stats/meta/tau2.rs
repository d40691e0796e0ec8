//! Estimators of the between-survey variance tau² for the intercept-only random-effects
//! model, as `rma(yi, vi, method = ...)` in metafor 3.8 computes them (formulas in
//! [`super`]); each is truncated at 0. For the intercept-only model the projection
//! `P = W - w w'/Σw` gives `tr P = Σw - Σw²/Σw`, `y'Py = Σw(y - ȳ_w)²` and
//! `y'PPy = Σw²(y - ȳ_w)²`.

use crate::registry::{self, Entry, Unknown};
use crate::stats::dist;

use super::{Effect, MetaError};

/// An estimator of tau².
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tau2Method {
    /// DerSimonian-Laird (`"DL"`).
    Dl,
    /// Restricted maximum likelihood (`"REML"`, metafor's default).
    Reml,
    /// Paule-Mandel (`"PM"`).
    Pm,
    /// Maximum likelihood (`"ML"`).
    Ml,
    /// Sidik-Jonkman (`"SJ"`).
    Sj,
    /// Hedges (`"HE"`).
    He,
}

/// One registry entry: an estimator and its names.
pub struct Tau2Info {
    pub method: Tau2Method,
    pub name: &'static str,
    /// metafor's name (`rma(method = ...)`).
    pub metafor: &'static str,
    pub title: &'static str,
}

/// The estimators by their names in pipelines (default first).
pub static TAU2_METHODS: &[Tau2Info] = &[
    Tau2Info {
        method: Tau2Method::Reml,
        name: "reml",
        metafor: "REML",
        title: "restricted maximum likelihood",
    },
    Tau2Info {
        method: Tau2Method::Dl,
        name: "dersimonian-laird",
        metafor: "DL",
        title: "DerSimonian-Laird",
    },
    Tau2Info {
        method: Tau2Method::Pm,
        name: "paule-mandel",
        metafor: "PM",
        title: "Paule-Mandel",
    },
    Tau2Info {
        method: Tau2Method::Ml,
        name: "ml",
        metafor: "ML",
        title: "maximum likelihood",
    },
    Tau2Info {
        method: Tau2Method::Sj,
        name: "sidik-jonkman",
        metafor: "SJ",
        title: "Sidik-Jonkman",
    },
    Tau2Info {
        method: Tau2Method::He,
        name: "hedges",
        metafor: "HE",
        title: "Hedges",
    },
];

impl Entry for Tau2Info {
    type Handle = Tau2Method;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> Tau2Method {
        self.method
    }
}

impl Tau2Method {
    pub fn info(self) -> &'static Tau2Info {
        registry::entry(TAU2_METHODS, self)
    }
    pub fn name(self) -> &'static str {
        self.info().name
    }
    pub fn from_name(s: &str) -> Result<Tau2Method, Unknown> {
        registry::lookup(TAU2_METHODS, "tau² estimator", s)
    }
}

/// Iterations allowed to Fisher scoring (metafor's default is 100 at a step threshold of
/// 1e-5; tally iterates to a relative step of 1e-13, so it allows more).
const MAX_ITER: usize = 10_000;

/// Sums of an intercept-only weighted fit: `Σw`, `Σw²`, the weighted mean, `Σw(y - mu)²`
/// and `Σw²(y - mu)²`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sums {
    pub sw: f64,
    pub sw2: f64,
    pub mu: f64,
    pub rss: f64,
    pub rss2: f64,
}

/// The sums at `tau2` (weights `1/(v + tau2)`).
pub(crate) fn sums(es: &[Effect], tau2: f64) -> Sums {
    let w: Vec<f64> = es.iter().map(|e| 1.0 / (e.v + tau2)).collect();
    let sw: f64 = w.iter().sum();
    let sw2: f64 = w.iter().map(|w| w * w).sum();
    let mu = es.iter().zip(&w).map(|(e, w)| w * e.y).sum::<f64>() / sw;
    let rss = es.iter().zip(&w).map(|(e, w)| w * (e.y - mu).powi(2)).sum();
    let rss2 = es
        .iter()
        .zip(&w)
        .map(|(e, w)| w * w * (e.y - mu).powi(2))
        .sum();
    Sums {
        sw,
        sw2,
        mu,
        rss,
        rss2,
    }
}

/// The generalised Q statistic at `tau2`: `Σ (y - mu(tau2))²/(v + tau2)`.
pub fn q_at(es: &[Effect], tau2: f64) -> f64 {
    sums(es, tau2).rss
}

/// tau² by `method`; `k = 1` gives 0. Variances must be positive (checked by the caller).
pub fn estimate(method: Tau2Method, es: &[Effect]) -> Result<f64, MetaError> {
    let k = es.len() as f64;
    if es.len() < 2 {
        return Ok(0.0);
    }
    let tau2 = match method {
        Tau2Method::Dl => {
            let s = sums(es, 0.0);
            (s.rss - (k - 1.0)) / (s.sw - s.sw2 / s.sw)
        }
        Tau2Method::He => hedges(es),
        Tau2Method::Sj => {
            let mean = es.iter().map(|e| e.y).sum::<f64>() / k;
            let tau0 = es.iter().map(|e| (e.y - mean).powi(2)).sum::<f64>() / k;
            if tau0 == 0.0 {
                0.0
            } else {
                tau0 * sums(es, tau0).rss / (k - 1.0)
            }
        }
        Tau2Method::Pm => paule_mandel(es)?,
        Tau2Method::Ml | Tau2Method::Reml => fisher_scoring(method, es, hedges(es).max(0.0))?,
    };
    Ok(tau2.max(0.0))
}

/// Hedges' unweighted estimator: `Σ(y - ȳ)²/(k - 1) - Σv/k` (untruncated; metafor's start
/// for ML and REML).
fn hedges(es: &[Effect]) -> f64 {
    let k = es.len() as f64;
    let mean = es.iter().map(|e| e.y).sum::<f64>() / k;
    let rss: f64 = es.iter().map(|e| (e.y - mean).powi(2)).sum();
    let sv: f64 = es.iter().map(|e| e.v).sum();
    (rss - sv * (k - 1.0) / k) / (k - 1.0)
}

/// The upper end of the search for tau² (metafor's `tau2.max = max(100, 10 mad(y)²)`).
pub(crate) fn search_max(es: &[Effect]) -> f64 {
    let mut y: Vec<f64> = es.iter().map(|e| e.y).collect();
    let med = median(&mut y);
    let mut dev: Vec<f64> = y.iter().map(|v| (v - med).abs()).collect();
    let mad = 1.4826 * median(&mut dev);
    (10.0 * mad * mad).max(100.0)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}

/// Paule-Mandel: the root of `Q(tau²) = k - 1` on `[0, tau2.max]`, 0 when `Q(0) < k - 1`.
fn paule_mandel(es: &[Effect]) -> Result<f64, MetaError> {
    let target = es.len() as f64 - 1.0;
    if q_at(es, 0.0) < target {
        return Ok(0.0);
    }
    let max = search_max(es);
    if q_at(es, max) > target {
        return Err(MetaError::NotConverged {
            what: "Paule-Mandel (Q still above k - 1 at the largest tau² searched)",
            iterations: 0,
        });
    }
    Ok(dist::find_root(|t| q_at(es, t) - target, 0.0, max))
}

/// ML or REML by Fisher scoring (Viechtbauer 2005), as metafor: from Hedges' estimate,
/// steps halved to stay at or above 0, until the step is below 1e-13 (relative to
/// `max(1, tau²)`).
fn fisher_scoring(method: Tau2Method, es: &[Effect], start: f64) -> Result<f64, MetaError> {
    let mut tau2 = start;
    for _ in 0..MAX_ITER {
        let s = sums(es, tau2);
        let sw3: f64 = es.iter().map(|e| (e.v + tau2).powi(-3)).sum();
        let adj = if method == Tau2Method::Ml {
            (s.rss2 - s.sw) / s.sw2
        } else {
            let tr_p = s.sw - s.sw2 / s.sw;
            let tr_pp = s.sw2 - 2.0 * sw3 / s.sw + (s.sw2 / s.sw).powi(2);
            (s.rss2 - tr_p) / tr_pp
        };
        let mut adj = if adj.is_finite() { adj } else { 0.0 };
        while tau2 + adj < 0.0 {
            adj /= 2.0;
        }
        let old = tau2;
        tau2 += adj;
        if (tau2 - old).abs() <= 1e-13 * tau2.max(1.0) {
            return Ok(tau2);
        }
    }
    Err(MetaError::NotConverged {
        what: "Fisher scoring for tau²",
        iterations: MAX_ITER,
    })
}
