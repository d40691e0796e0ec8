//! Effect sizes of proportions and their sampling variances (metafor `escalc`, measures
//! `PR`, `PLO`, `PLN`, `PFT`), and the transformations back to proportions (`transf.ilogit`,
//! `exp`, `transf.ipft.hm`). Formulas and the continuity-correction rule in [`super`].

use crate::registry::{self, Entry, Unknown};

use super::{Count, MetaError};

/// The scale proportions are pooled on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Raw proportion (`PR`).
    Raw,
    /// Logit (`PLO`).
    Logit,
    /// Log (`PLN`).
    Log,
    /// Freeman-Tukey double arcsine (`PFT`).
    FreemanTukey,
}

/// One registry entry: a measure, its names and whether it needs the continuity correction.
pub struct MeasureInfo {
    pub measure: Measure,
    /// The name in pipelines.
    pub name: &'static str,
    /// metafor's name (`escalc(measure = ...)`).
    pub metafor: &'static str,
    pub title: &'static str,
    /// Whether a survey at 0 or n gets ½ added to x and n - x (`add = 1/2, to = "only0"`).
    pub corrected: bool,
}

/// The measures by their names in pipelines (default first).
pub static MEASURES: &[MeasureInfo] = &[
    MeasureInfo {
        measure: Measure::Logit,
        name: "logit",
        metafor: "PLO",
        title: "logit",
        corrected: true,
    },
    MeasureInfo {
        measure: Measure::FreemanTukey,
        name: "freeman-tukey",
        metafor: "PFT",
        title: "Freeman-Tukey double arcsine",
        corrected: false,
    },
    MeasureInfo {
        measure: Measure::Raw,
        name: "raw",
        metafor: "PR",
        title: "raw proportion",
        corrected: true,
    },
    MeasureInfo {
        measure: Measure::Log,
        name: "log",
        metafor: "PLN",
        title: "log",
        corrected: true,
    },
];

impl Entry for MeasureInfo {
    type Handle = Measure;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> Measure {
        self.measure
    }
}

impl Measure {
    pub fn info(self) -> &'static MeasureInfo {
        registry::entry(MEASURES, self)
    }
    pub fn name(self) -> &'static str {
        self.info().name
    }
    pub fn from_name(s: &str) -> Result<Measure, Unknown> {
        registry::lookup(MEASURES, "measure", s)
    }
}

/// One survey's effect size `y`, its sampling variance `v`, and whether ½ was added.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    pub y: f64,
    pub v: f64,
    pub corrected: bool,
}

/// The effect size of `x` of `n` on `measure`'s scale (`escalc`, with the continuity
/// correction only where the measure needs it).
pub fn effect(measure: Measure, c: Count) -> Effect {
    let edge = c.x == 0.0 || c.x == c.n;
    let corrected = edge && measure.info().corrected;
    let (x, n) = if corrected {
        (c.x + 0.5, c.n + 1.0)
    } else {
        (c.x, c.n)
    };
    let p = x / n;
    let (y, v) = match measure {
        Measure::Raw => (p, p * (1.0 - p) / n),
        Measure::Logit => ((p / (1.0 - p)).ln(), 1.0 / x + 1.0 / (n - x)),
        Measure::Log => (p.ln(), 1.0 / x - 1.0 / n),
        Measure::FreemanTukey => (ft(x, n), 1.0 / (4.0 * n + 2.0)),
    };
    Effect { y, v, corrected }
}

/// `½[asin√(x/(n+1)) + asin√((x+1)/(n+1))]` (metafor `transf.pft` of `x/n`).
fn ft(x: f64, n: f64) -> f64 {
    0.5 * ((x / (n + 1.0)).sqrt().asin() + ((x + 1.0) / (n + 1.0)).sqrt().asin())
}

/// Every survey's effect size; a count with `n <= 0`, `x < 0` or `x > n` (or not finite) is
/// an error naming it.
pub fn effects(measure: Measure, counts: &[Count]) -> Result<Vec<Effect>, MetaError> {
    if counts.is_empty() {
        return Err(MetaError::Empty);
    }
    counts
        .iter()
        .enumerate()
        .map(|(index, &c)| {
            check_count(index, c)?;
            Ok(effect(measure, c))
        })
        .collect()
}

/// Refuses a count that is not `0 <= x <= n`, `n > 0`, finite.
pub fn check_count(index: usize, c: Count) -> Result<(), MetaError> {
    let why = if !(c.x.is_finite() && c.n.is_finite()) {
        "counts must be finite numbers"
    } else if c.n <= 0.0 {
        "n must be more than 0"
    } else if c.x < 0.0 {
        "x must not be negative"
    } else if c.x > c.n {
        "x must not be more than n"
    } else {
        return Ok(());
    };
    Err(MetaError::Count { index, why })
}

/// The harmonic mean of the survey sizes, `k / Σ(1/n_i)` (for the `PFT` back-transform).
pub fn harmonic_mean(counts: &[Count]) -> f64 {
    counts.len() as f64 / counts.iter().map(|c| 1.0 / c.n).sum::<f64>()
}

/// A value on `measure`'s scale back on the proportion scale; `n_hm` is the harmonic-mean
/// size used by `PFT` (ignored by the others). `PR` is returned as is (it may leave [0, 1]
/// for a prediction interval, as in metafor); `None` when Miller's inversion is undefined.
pub fn back_transform(measure: Measure, y: f64, n_hm: f64) -> Option<f64> {
    match measure {
        Measure::Raw => Some(y),
        Measure::Logit => Some(1.0 / (1.0 + (-y).exp())),
        Measure::Log => Some(y.exp()),
        Measure::FreemanTukey => ipft(y, n_hm),
    }
}

/// Miller's (1978) inverse of the double arcsine at size `n` (metafor `transf.ipft`).
fn ipft(y: f64, n: f64) -> Option<f64> {
    if y > ft(n, n) {
        return Some(1.0);
    }
    if y < ft(0.0, n) {
        return Some(0.0);
    }
    let s = (2.0 * y).sin();
    let c = (2.0 * y).cos();
    let inner = 1.0 - (s + (s - 1.0 / s) / n).powi(2);
    let sign = if c > 0.0 {
        1.0
    } else if c < 0.0 {
        -1.0
    } else {
        0.0
    };
    let p = 0.5 * (1.0 - sign * inner.sqrt());
    p.is_finite().then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_has_its_entry() {
        for m in MEASURES {
            assert_eq!(Measure::from_name(m.name), Ok(m.measure));
            assert_eq!(m.measure.name(), m.name);
        }
    }

    #[test]
    fn freeman_tukey_round_trips_through_millers_inverse() {
        // At a single study's own n the inverse recovers its proportion (Miller 1978).
        for (x, n) in [
            (3.0, 10.0),
            (47.0, 120.0),
            (1.0, 500.0),
            (0.0, 20.0),
            (20.0, 20.0),
        ] {
            let e = effect(Measure::FreemanTukey, Count { x, n });
            assert!(!e.corrected);
            let p = back_transform(Measure::FreemanTukey, e.y, n).unwrap();
            assert!((p - x / n).abs() < 1e-12, "{x}/{n}: {p}");
        }
    }

    #[test]
    fn bad_counts_are_refused_by_index() {
        let bad = [Count { x: 1.0, n: 0.0 }, Count { x: 5.0, n: 4.0 }];
        for (i, c) in bad.into_iter().enumerate() {
            assert!(matches!(check_count(i, c), Err(MetaError::Count { index, .. }) if index == i));
        }
    }
}
