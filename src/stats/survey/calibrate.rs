//! Calibration of weights to known population margins, as R's `survey` 4.1 computes it:
//! `postStratify`, `rake` (iterative proportional fitting), `calibrate` (`calfun =
//! "linear"`, `"raking"`, `"logit"`, with `bounds`) and `trimWeights`, and the calibrated
//! linearisation of `svyrecvar` (standard errors that account for the calibration).
//!
//! # Classes, not respondents
//!
//! The calibration variables are categorical, so every calibration here is a function of the
//! **class** of a respondent: the combination of its levels of the margin variables. The
//! calibrated weight is `w*_i = w_i T_k` for respondent `i` of class `k` (`T_k` the final
//! factor: the calibration's `g_k`, then trimmed), so per tuple `Σw* = T_k Σw` and
//! `Σw*² = T_k² Σw²`, and every calibration needs only, per class, the respondents `n_k`, the
//! base weights `W_k = Σ_{i∈k} w_i` and the class's model row `x_k` (an intercept and the
//! indicators of its levels but the first of each margin, R's `model.matrix(~a + b)`).
//!
//! - `postStratify(design, ~a + b, cells)`: one class per cell, `g_k = N_k / W_k`.
//! - `rake(design, margins, totals)`: passes of one post-stratification per margin, each
//!   `w ← w N_L / Σ_{i∈L} w_i` for every level `L`, until the largest change of a class's
//!   weighted total between two passes is below `epsilon` (R's `control = list(maxit = 10,
//!   epsilon = 1)`: 1 in weight units; `epsilon < 1` is relative to the sample's Σw). R
//!   warns when raking has not converged; tally refuses.
//! - `calibrate(calfun = "linear")` without bounds: R's `regcalibrate`, one step:
//!   `g_k = 1 + x_k' (Σ_k W_k x_k x_k')⁻¹ (t_x − Σ_k W_k x_k)`, `t_x` the population totals.
//! - `calibrate` with bounds or another `calfun`: R's `grake`, Newton steps on
//!   `g_k = 1 + F(x_k' η)` from `η = 0` (`F`: linear `clamp(1 + u, L, U) − 1`; raking
//!   `clamp(eᵘ, L, U) − 1`; logit `(L(U−1) + U(1−L)e^{Au}) / (U−1 + (1−L)e^{Au}) − 1`,
//!   `A = (U−L)/((U−1)(1−L))`), `Δη = ginv(Σ_k W_k F'(x_k'η) x_k x_k') misfit`, until every
//!   `|misfit_j| / (1 + |t_j|) < 1e-7` or `maxit = 50`. When every `t_j / Σ W x_j > 20` R
//!   first rescales the weights by the mean of those ratios (and the bounds apply after it).
//! - `trimWeights(design, upper, lower, strict = FALSE)`: weights outside `[lower, upper]`
//!   are set to the bound and the total trimmed is shared *equally per respondent* (not in
//!   proportion to the weights) among those inside; `strict` repeats until none is outside.
//!   Trimming acts on each respondent's weight, so tally can trim only when every class has
//!   one weight value (a self-selected sample with unit base weights, or base weights that
//!   are constant within classes): otherwise it refuses.
//!
//! # Standard errors (R's `svyrecvar` with `postStrata`)
//!
//! The influence values `x_i = w*_i a_i` of an estimate (for a domain proportion
//! `a_i = (1[i ∈ num] − p) 1[i ∈ den] / N`, linearize's cell coefficient `a_c`) are replaced by
//! residuals before the design's variance is taken. With categorical calibration variables
//! the fitted part is constant within a class, so the residual is
//! `x_i = w*_i (a_c + ρ_k)`: one added number `ρ_k` per class, and the per-PSU totals of
//! the design's variance need only the per-(stratum, PSU, cell, class) `Σw*` and `Σw*²`,
//! plus the same totals of the whole sample per (stratum, PSU, class) for the respondents
//! outside the estimate's cells (their `a = 0`, their residual `ρ_k`). With
//! `S_k = Σ_{c} a_c Σw*_{c,k}` (over the estimate's cells) and `Sn_k = Σ_c a_c n_{c,k}`:
//!
//! - post-stratification (`psmeans`, R's `x − psw · rowsum(x · oldw/psw) / Σ oldw`):
//!   `ρ_k = − S_k / (T_k W_k)`;
//! - GREG calibration (`qr.resid(qr(mm √w), x / (g √w)) · g √w`, the QR of the *base*
//!   weights): `β = (Σ_k W_k x_k x_k')⁻¹ Σ_k x_k S_k / g_k`, `ρ_k = − (g_k / T_k) x_k' β`;
//! - raking: R does not project on all margins at once: it backfits, ten sweeps over the
//!   margins of the last raking pass, each `x ← x − psw · ave(x / psw, level)` with `psw`
//!   the weights after that margin's step (`w_i h_{m,k}`) and `ave` the *unweighted* mean
//!   over the level's respondents: `M_L = Σ_{k∈L} (T_k / h_{m,k}) (Sn_k + ρ_k n_k) / n_L`,
//!   `ρ_k ← ρ_k − (h_{m,k} / T_k) M_{L(k)}`. tally does the same ten sweeps.
//!
//! `T_k = g_k` without trimming. After `trimWeights` R keeps the calibration's stored
//! weights (`g`, `h`) in the residuals and the trimmed ones in `x`; so does tally.
//!
//! # References
//!
//! Deville JC, Särndal CE (1992) Calibration estimators in survey sampling. JASA 87:376-382.
//! Deville JC, Särndal CE, Sautory O (1993) Generalized raking procedures in survey sampling.
//! JASA 88:1013-1020. Lumley T (2010) Complex Surveys, ch. 7. R `survey` 4.1: `rake`,
//! `postStratify`, `calibrate`, `grake`, `regcalibrate`, `trimWeights`, `svyrecvar`.

// Matrix and per-class arithmetic reads as the formulas do, with indices.
#![allow(clippy::needless_range_loop)]

use std::fmt;

/// A calibrated design, as its tables carry it: the calibration, and the totals of the whole
/// sample per (stratum, PSU, class) in calibrated weights (`psu` 0 for an element design),
/// for the respondents outside an estimate's cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub calibrated: Calibrated,
    pub totals: Vec<super::PsuTotals>,
    /// Respondents in the whole sample: R's `nrow()` of every subset of a calibrated design
    /// (its subsets keep all rows, with zero weight outside), which `svyciprop`'s
    /// Korn-Graubard df ratio uses.
    pub respondents: u64,
}

/// The calibration classes of a sample: each class's level of every margin variable, its
/// respondents and its base Σw.
#[derive(Debug, Clone, PartialEq)]
pub struct Classes {
    /// Per class, the index of its level in each margin (in the order of [`Margin`]s).
    pub levels: Vec<Vec<usize>>,
    /// Respondents per class.
    pub n: Vec<f64>,
    /// Base Σw per class.
    pub w: Vec<f64>,
    /// Base Σw² per class (to tell whether a class has one weight value, for trimming).
    pub w2: Vec<f64>,
}

/// One margin: a variable's levels and their population totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Margin {
    pub name: String,
    pub levels: Vec<String>,
    pub totals: Vec<f64>,
}

/// The calibration function of `calibrate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalFun {
    Linear,
    Raking,
    Logit,
}

impl CalFun {
    /// R's `calfun` name.
    pub fn r_name(self) -> &'static str {
        match self {
            CalFun::Linear => "linear",
            CalFun::Raking => "raking",
            CalFun::Logit => "logit",
        }
    }
}

/// How the weights are calibrated.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// `postStratify` on the full cross-classification: one population total per class.
    PostStratify { cells: Vec<f64> },
    /// `rake` on the margins.
    Rake { max_iterations: u32, epsilon: f64 },
    /// `calibrate(formula = ~ a + b + ..., population = totals, calfun, bounds)`.
    Calibrate {
        calfun: CalFun,
        bounds: Option<(f64, f64)>,
        max_iterations: u32,
        epsilon: f64,
    },
}

/// `trimWeights(design, upper, lower, strict)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trim {
    pub lower: f64,
    pub upper: f64,
    pub strict: bool,
}

/// What went wrong, in the calibration's own terms (the plan names the keys).
#[derive(Debug, Clone, PartialEq)]
pub enum CalibrationError {
    /// A level (or cell) of the population with no respondent in the sample.
    EmptyLevel { margin: String, level: String },
    /// Raking did not converge in `iterations` passes (largest change `delta`).
    NotConverged {
        iterations: u32,
        delta: f64,
        epsilon: f64,
    },
    /// `calibrate` did not reach its totals (R: "Calibration failed").
    Failed { iterations: u32, misfit: f64 },
    /// The model matrix is singular (a level that other margins determine).
    Singular,
    /// Trimming needs one weight value per class.
    TrimVaryingWeights { class: usize },
    /// After trimming (not strict), weights are still outside the bounds.
    TrimOutside { min: f64, max: f64 },
    /// Logit calibration needs finite bounds `L < 1 < U`.
    LogitBounds,
}

impl fmt::Display for CalibrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalibrationError::EmptyLevel { margin, level } => write!(
                f,
                "level `{level}` of `{margin}` has population but no respondent in the sample"
            ),
            CalibrationError::NotConverged {
                iterations,
                delta,
                epsilon,
            } => write!(
                f,
                "raking did not converge in {iterations} iterations (the weighted totals still \
                 changed by {delta:.4} in the last one; epsilon {epsilon})"
            ),
            CalibrationError::Failed { iterations, misfit } => write!(
                f,
                "calibration failed: after {iterations} iterations a total is still off by \
                 {misfit:.3e} of itself (R: \"Calibration failed\")"
            ),
            CalibrationError::Singular => write!(
                f,
                "the calibration model is singular: a margin's levels are determined by the \
                 other margins in this sample"
            ),
            CalibrationError::TrimVaryingWeights { class } => write!(
                f,
                "calibration class {class} holds respondents of different weights, and tally \
                 keeps only their Σw and Σw², so it cannot trim weights one by one"
            ),
            CalibrationError::TrimOutside { min, max } => write!(
                f,
                "after trimming and sharing out what was trimmed, weights still run from \
                 {min:.6} to {max:.6}, outside the bounds"
            ),
            CalibrationError::LogitBounds => {
                write!(f, "logit calibration needs finite bounds L < 1 < U")
            }
        }
    }
}

impl std::error::Error for CalibrationError {}

/// A calibration's result: the weight factors per class and what the calibrated variance
/// needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibrated {
    /// The final factor per class (`w*_i = w_i T_k`), after trimming.
    pub factor: Vec<f64>,
    /// Raking passes or Newton iterations (0 for the one-step methods).
    pub iterations: u32,
    /// Respondents whose weight was trimmed.
    pub trimmed: f64,
    residual: Residual,
}

#[derive(Debug, Clone, PartialEq)]
enum Residual {
    PostStratify {
        w: Vec<f64>,
    },
    Greg {
        x: Vec<Vec<f64>>,
        inv: Vec<Vec<f64>>,
        /// `g_k / T_k`.
        ratio: Vec<f64>,
        g: Vec<f64>,
    },
    Rake {
        /// Per margin: the level of each class.
        level: Vec<Vec<usize>>,
        /// Per margin: respondents per level.
        n_level: Vec<Vec<f64>>,
        /// Per margin: the cumulative factor after its step in the last pass, per class.
        h: Vec<Vec<f64>>,
        n: Vec<f64>,
    },
}

/// Calibrates the classes' weights to the margins (or cells) by `method`, then trims.
pub fn calibrate(
    classes: &Classes,
    margins: &[Margin],
    method: &Method,
    trim: Option<Trim>,
) -> Result<Calibrated, CalibrationError> {
    let k = classes.n.len();
    check_levels(classes, margins, method)?;
    let (g, iterations, residual) = match method {
        Method::PostStratify { cells } => {
            let g: Vec<f64> = (0..k).map(|i| cells[i] / classes.w[i]).collect();
            (
                g,
                0,
                Residual::PostStratify {
                    w: classes.w.clone(),
                },
            )
        }
        Method::Rake {
            max_iterations,
            epsilon,
        } => rake(classes, margins, *max_iterations, *epsilon)?,
        Method::Calibrate {
            calfun,
            bounds,
            max_iterations,
            epsilon,
        } => {
            let x = model_rows(classes, margins);
            let t = population_totals(margins);
            let g = match (calfun, bounds) {
                (CalFun::Linear, None) => (regcalibrate(&x, &classes.w, &t)?, 0),
                _ => grake(
                    &x,
                    &classes.w,
                    *calfun,
                    bounds.unwrap_or((f64::NEG_INFINITY, f64::INFINITY)),
                    &t,
                    *epsilon,
                    *max_iterations,
                )?,
            };
            let m = weighted_crossprod(&x, &classes.w, &vec![1.0; k]);
            let inv = inverse(&m).ok_or(CalibrationError::Singular)?;
            (
                g.0.clone(),
                g.1,
                Residual::Greg {
                    x,
                    inv,
                    ratio: vec![1.0; k],
                    g: g.0,
                },
            )
        }
    };
    let (factor, trimmed) = match trim {
        None => (g.clone(), 0.0),
        Some(t) => trim_weights(classes, &g, t)?,
    };
    let residual = match residual {
        Residual::Greg { x, inv, g, .. } => Residual::Greg {
            ratio: g.iter().zip(&factor).map(|(a, b)| a / b).collect(),
            x,
            inv,
            g,
        },
        r => r,
    };
    Ok(Calibrated {
        factor,
        iterations,
        trimmed,
        residual,
    })
}

/// Every population level (cell) with a positive total has respondents, and every class's
/// level is one of the margin's.
fn check_levels(
    classes: &Classes,
    margins: &[Margin],
    method: &Method,
) -> Result<(), CalibrationError> {
    if let Method::PostStratify { cells } = method {
        if let Some(i) = (0..cells.len()).find(|&i| cells[i] > 0.0 && classes.w[i] <= 0.0) {
            let level = margins
                .iter()
                .zip(&classes.levels[i])
                .map(|(m, &l)| format!("{}={}", m.name, m.levels[l]))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(CalibrationError::EmptyLevel {
                margin: "the cross-classification".into(),
                level,
            });
        }
        return Ok(());
    }
    for (j, m) in margins.iter().enumerate() {
        for (l, name) in m.levels.iter().enumerate() {
            let present =
                (0..classes.n.len()).any(|i| classes.levels[i][j] == l && classes.n[i] > 0.0);
            if !present && m.totals[l] > 0.0 {
                return Err(CalibrationError::EmptyLevel {
                    margin: m.name.clone(),
                    level: name.clone(),
                });
            }
        }
    }
    Ok(())
}

/// R's `rake`: post-stratify on each margin in turn until a pass changes no class's weighted
/// total by `epsilon` or more.
fn rake(
    classes: &Classes,
    margins: &[Margin],
    max_iterations: u32,
    epsilon: f64,
) -> Result<(Vec<f64>, u32, Residual), CalibrationError> {
    let k = classes.n.len();
    let eps = if epsilon < 1.0 {
        epsilon * classes.w.iter().sum::<f64>()
    } else {
        epsilon
    };
    let mut g = vec![1.0; k];
    let mut old: Vec<f64> = classes.w.clone();
    let mut h: Vec<Vec<f64>> = Vec::new();
    let mut iter = 0u32;
    let mut delta = f64::INFINITY;
    while iter < max_iterations {
        h.clear();
        for (j, m) in margins.iter().enumerate() {
            let mut sums = vec![0.0; m.levels.len()];
            for i in 0..k {
                sums[classes.levels[i][j]] += classes.w[i] * g[i];
            }
            for i in 0..k {
                let l = classes.levels[i][j];
                if sums[l] > 0.0 {
                    g[i] *= m.totals[l] / sums[l];
                }
            }
            h.push(g.clone());
        }
        let new: Vec<f64> = (0..k).map(|i| classes.w[i] * g[i]).collect();
        delta = old
            .iter()
            .zip(&new)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        if delta < eps {
            let level: Vec<Vec<usize>> = (0..margins.len())
                .map(|j| classes.levels.iter().map(|l| l[j]).collect())
                .collect();
            let n_level = margins
                .iter()
                .enumerate()
                .map(|(j, m)| {
                    let mut s = vec![0.0; m.levels.len()];
                    for i in 0..k {
                        s[classes.levels[i][j]] += classes.n[i];
                    }
                    s
                })
                .collect();
            return Ok((
                g,
                iter + 1,
                Residual::Rake {
                    level,
                    n_level,
                    h,
                    n: classes.n.clone(),
                },
            ));
        }
        old = new;
        iter += 1;
    }
    Err(CalibrationError::NotConverged {
        iterations: iter,
        delta,
        epsilon: eps,
    })
}

/// Each class's row of R's `model.matrix(~ a + b + ...)`: 1, then per margin the indicators
/// of its levels but the first.
fn model_rows(classes: &Classes, margins: &[Margin]) -> Vec<Vec<f64>> {
    classes
        .levels
        .iter()
        .map(|lv| {
            let mut row = vec![1.0];
            for (j, m) in margins.iter().enumerate() {
                for l in 1..m.levels.len() {
                    row.push(f64::from(u8::from(lv[j] == l)));
                }
            }
            row
        })
        .collect()
}

/// The population totals in the model matrix's columns: N, then the levels but the first.
fn population_totals(margins: &[Margin]) -> Vec<f64> {
    let n: f64 = margins.first().map_or(0.0, |m| m.totals.iter().sum());
    let mut t = vec![n];
    for m in margins {
        t.extend_from_slice(&m.totals[1..]);
    }
    t
}

/// `Σ_k w_k d_k x_k x_k'`.
fn weighted_crossprod(x: &[Vec<f64>], w: &[f64], d: &[f64]) -> Vec<Vec<f64>> {
    let p = x.first().map_or(0, Vec::len);
    let mut m = vec![vec![0.0; p]; p];
    for (k, row) in x.iter().enumerate() {
        let f = w[k] * d[k];
        if f == 0.0 {
            continue;
        }
        for a in 0..p {
            if row[a] == 0.0 {
                continue;
            }
            for b in 0..p {
                m[a][b] += f * row[a] * row[b];
            }
        }
    }
    m
}

/// `Σ_k w_k f_k x_k`.
fn weighted_colsums(x: &[Vec<f64>], w: &[f64], f: &[f64]) -> Vec<f64> {
    let p = x.first().map_or(0, Vec::len);
    let mut s = vec![0.0; p];
    for (k, row) in x.iter().enumerate() {
        for a in 0..p {
            s[a] += w[k] * f[k] * row[a];
        }
    }
    s
}

fn mat_vec(m: &[Vec<f64>], v: &[f64]) -> Vec<f64> {
    m.iter()
        .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// R's `regcalibrate` (linear calibration without bounds), one step.
fn regcalibrate(x: &[Vec<f64>], w: &[f64], t: &[f64]) -> Result<Vec<f64>, CalibrationError> {
    let m = weighted_crossprod(x, w, &vec![1.0; w.len()]);
    let s = weighted_colsums(x, w, &vec![1.0; w.len()]);
    let rhs: Vec<f64> = t.iter().zip(&s).map(|(a, b)| a - b).collect();
    let inv = inverse(&m).ok_or(CalibrationError::Singular)?;
    let lambda = mat_vec(&inv, &rhs);
    Ok(x.iter().map(|row| 1.0 + dot(row, &lambda)).collect())
}

/// `F(u) = g − 1` and `F'(u)` of a calibration function with bounds `(L, U)`.
fn calfun_values(calfun: CalFun, u: f64, (l, up): (f64, f64)) -> (f64, f64) {
    match calfun {
        CalFun::Linear => {
            let f = (u + 1.0).max(l).min(up) - 1.0;
            let d = f64::from(u8::from(u < up - 1.0 && u > l - 1.0));
            (f, d)
        }
        CalFun::Raking => {
            let f = u.exp().max(l).min(up) - 1.0;
            let d = if u < up - 1.0 && u > l - 1.0 {
                u.exp()
            } else {
                0.0
            };
            (f, d)
        }
        CalFun::Logit => {
            let a = (up - l) / ((up - 1.0) * (1.0 - l));
            let e = (a * u).exp();
            let num = l * (up - 1.0) + up * (1.0 - l) * e;
            let den = up - 1.0 + (1.0 - l) * e;
            let f = num / den - 1.0;
            let d = up * (1.0 - l) * e * a / den - num * ((1.0 - l) * e * a) / (den * den);
            (f, d)
        }
    }
}

/// R's `grake`: Newton steps from η = 0 (the module docs).
fn grake(
    x: &[Vec<f64>],
    w0: &[f64],
    calfun: CalFun,
    bounds: (f64, f64),
    t: &[f64],
    epsilon: f64,
    maxit: u32,
) -> Result<(Vec<f64>, u32), CalibrationError> {
    if calfun == CalFun::Logit && !(bounds.0.is_finite() && bounds.1.is_finite()) {
        return Err(CalibrationError::LogitBounds);
    }
    let k = w0.len();
    let p = t.len();
    let ones = vec![1.0; k];
    let mut w = w0.to_vec();
    let mut sample = weighted_colsums(x, &w, &ones);
    let scales: Vec<f64> = t.iter().zip(&sample).map(|(a, b)| a / b).collect();
    let scale = if scales.iter().all(|s| *s > 20.0) {
        let s = scales.iter().sum::<f64>() / p as f64;
        for v in &mut w {
            *v *= s;
        }
        for v in &mut sample {
            *v *= s;
        }
        Some(s)
    } else {
        None
    };
    let mut eta = vec![0.0; p];
    let eval = |eta: &[f64]| -> (Vec<f64>, Vec<f64>) {
        let mut f = Vec::with_capacity(k);
        let mut d = Vec::with_capacity(k);
        for row in x {
            let (a, b) = calfun_values(calfun, dot(row, eta), bounds);
            f.push(a);
            d.push(b);
        }
        (f, d)
    };
    let (mut f, mut d) = eval(&eta);
    let mut iter = 1u32;
    loop {
        let tmat = weighted_crossprod(x, &w, &d);
        let fitted = weighted_colsums(x, &w, &f);
        let misfit: Vec<f64> = (0..p).map(|j| t[j] - sample[j] - fitted[j]).collect();
        let mut deta = mat_vec(&ginv(&tmat), &misfit);
        for j in 0..p {
            eta[j] += deta[j];
        }
        (f, d) = eval(&eta);
        while iter < maxit && f.iter().chain(&d).any(|v| !v.is_finite()) {
            iter += 1;
            for j in 0..p {
                deta[j] /= 2.0;
                eta[j] -= deta[j];
            }
            (f, d) = eval(&eta);
        }
        let fitted = weighted_colsums(x, &w, &f);
        let worst = (0..p)
            .map(|j| (t[j] - sample[j] - fitted[j]).abs() / (1.0 + t[j].abs()))
            .fold(0.0, f64::max);
        if worst < epsilon {
            break;
        }
        iter += 1;
        if iter > maxit {
            return Err(CalibrationError::Failed {
                iterations: iter - 1,
                misfit: worst,
            });
        }
    }
    let s = scale.unwrap_or(1.0);
    Ok((f.iter().map(|v| (1.0 + v) * s).collect(), iter))
}

/// R's `trimWeights` on each class's one weight value (the module docs).
fn trim_weights(
    classes: &Classes,
    g: &[f64],
    t: Trim,
) -> Result<(Vec<f64>, f64), CalibrationError> {
    let k = g.len();
    let mut base = Vec::with_capacity(k);
    for i in 0..k {
        let (n, w, w2) = (classes.n[i], classes.w[i], classes.w2[i]);
        if n > 0.0 && (w2 * n - w * w).abs() > 1e-9 * w * w {
            return Err(CalibrationError::TrimVaryingWeights { class: i });
        }
        base.push(if n > 0.0 { w / n } else { 0.0 });
    }
    let mut v: Vec<f64> = (0..k).map(|i| base[i] * g[i]).collect();
    let mut trimmed_first = 0.0;
    for pass in 0..10_000 {
        let outside: Vec<bool> = (0..k)
            .map(|i| classes.n[i] > 0.0 && (v[i] < t.lower || v[i] > t.upper))
            .collect();
        if !outside.iter().any(|o| *o) {
            break;
        }
        let inside_n: f64 = (0..k).filter(|&i| !outside[i]).map(|i| classes.n[i]).sum();
        let mut trimmings = 0.0;
        for i in 0..k {
            let new = v[i].max(t.lower).min(t.upper);
            trimmings += classes.n[i] * (v[i] - new);
            if outside[i] {
                v[i] = new;
            }
        }
        if pass == 0 {
            trimmed_first = (0..k).filter(|&i| outside[i]).map(|i| classes.n[i]).sum();
        }
        for i in 0..k {
            if !outside[i] {
                v[i] += trimmings / inside_n;
            }
        }
        if !t.strict {
            break;
        }
    }
    let live = (0..k).filter(|&i| classes.n[i] > 0.0);
    let min = live.clone().map(|i| v[i]).fold(f64::INFINITY, f64::min);
    let max = live.map(|i| v[i]).fold(f64::NEG_INFINITY, f64::max);
    if min < t.lower * (1.0 - 1e-12) || max > t.upper * (1.0 + 1e-12) {
        return Err(CalibrationError::TrimOutside { min, max });
    }
    let factor = (0..k)
        .map(|i| if base[i] > 0.0 { v[i] / base[i] } else { g[i] })
        .collect();
    Ok((factor, trimmed_first))
}

impl Calibrated {
    /// The residual shift `ρ_k` of every class for an estimate whose influence
    /// coefficients sum, per class, to `sn[k] = Σ_c a_c n_{c,k}` and `sw[k] = Σ_c a_c Σw*_{c,k}`
    /// (module docs).
    pub fn residual(&self, sn: &[f64], sw: &[f64]) -> Vec<f64> {
        let t = &self.factor;
        match &self.residual {
            Residual::PostStratify { w } => (0..t.len())
                .map(|k| {
                    if w[k] > 0.0 {
                        -sw[k] / (t[k] * w[k])
                    } else {
                        0.0
                    }
                })
                .collect(),
            Residual::Greg { x, inv, ratio, g } => {
                let f: Vec<f64> = (0..t.len()).map(|k| sw[k] / g[k]).collect();
                let s = weighted_colsums(x, &vec![1.0; t.len()], &f);
                let beta = mat_vec(inv, &s);
                (0..t.len())
                    .map(|k| -ratio[k] * dot(&x[k], &beta))
                    .collect()
            }
            Residual::Rake {
                level,
                n_level,
                h,
                n,
            } => {
                let mut rho = vec![0.0; t.len()];
                for _ in 0..10 {
                    for m in 0..level.len() {
                        let mut sums = vec![0.0; n_level[m].len()];
                        for k in 0..t.len() {
                            sums[level[m][k]] += t[k] / h[m][k] * (sn[k] + rho[k] * n[k]);
                        }
                        for k in 0..t.len() {
                            let l = level[m][k];
                            if n_level[m][l] > 0.0 {
                                rho[k] -= h[m][k] / t[k] * sums[l] / n_level[m][l];
                            }
                        }
                    }
                }
                rho
            }
        }
    }
}

/// The inverse of a symmetric positive definite matrix (Gauss-Jordan with partial
/// pivoting); `None` when singular.
fn inverse(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let p = m.len();
    let mut a: Vec<Vec<f64>> = m.to_vec();
    let mut inv: Vec<Vec<f64>> = (0..p)
        .map(|i| (0..p).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    let scale = m
        .iter()
        .flatten()
        .fold(0.0f64, |s, v| s.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    for col in 0..p {
        let pivot = (col..p).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() <= 1e-13 * scale {
            return None;
        }
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let d = a[col][col];
        for j in 0..p {
            a[col][j] /= d;
            inv[col][j] /= d;
        }
        for i in 0..p {
            if i != col {
                let f = a[i][col];
                if f != 0.0 {
                    for j in 0..p {
                        a[i][j] -= f * a[col][j];
                        inv[i][j] -= f * inv[col][j];
                    }
                }
            }
        }
    }
    Some(inv)
}

/// `MASS::ginv(m, tol = 256 ε)` of a symmetric matrix: the eigen-decomposition (cyclic
/// Jacobi) with eigenvalues at or below `tol · max` left out.
fn ginv(m: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let p = m.len();
    let mut a: Vec<Vec<f64>> = m.to_vec();
    let mut v: Vec<Vec<f64>> = (0..p)
        .map(|i| (0..p).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for _ in 0..100 {
        let off: f64 = (0..p)
            .flat_map(|i| (0..p).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off <= 1e-300 {
            break;
        }
        for i in 0..p {
            for j in (i + 1)..p {
                if a[i][j].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[j][j] - a[i][i]) / (2.0 * a[i][j]);
                let tt = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let tt = if theta == 0.0 { 1.0 } else { tt };
                let c = 1.0 / (tt * tt + 1.0).sqrt();
                let s = tt * c;
                for r in 0..p {
                    let (ari, arj) = (a[r][i], a[r][j]);
                    a[r][i] = c * ari - s * arj;
                    a[r][j] = s * ari + c * arj;
                }
                for r in 0..p {
                    let (air, ajr) = (a[i][r], a[j][r]);
                    a[i][r] = c * air - s * ajr;
                    a[j][r] = s * air + c * ajr;
                }
                for r in 0..p {
                    let (vri, vrj) = (v[r][i], v[r][j]);
                    v[r][i] = c * vri - s * vrj;
                    v[r][j] = s * vri + c * vrj;
                }
            }
        }
    }
    let eig: Vec<f64> = (0..p).map(|i| a[i][i]).collect();
    let top = eig.iter().fold(0.0f64, |s, e| s.max(e.abs()));
    let tol = 256.0 * f64::EPSILON * top;
    let mut out = vec![vec![0.0; p]; p];
    for (e, &lambda) in eig.iter().enumerate() {
        if lambda.abs() <= tol || lambda <= 0.0 && lambda.abs() <= tol {
            continue;
        }
        for i in 0..p {
            for j in 0..p {
                out[i][j] += v[i][e] * v[j][e] / lambda;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_by_two() -> (Classes, Vec<Margin>) {
        // Classes (a, b): (0,0), (0,1), (1,0), (1,1).
        let classes = Classes {
            levels: vec![vec![0, 0], vec![0, 1], vec![1, 0], vec![1, 1]],
            n: vec![10.0, 20.0, 30.0, 40.0],
            w: vec![12.0, 18.0, 33.0, 37.0],
            w2: vec![15.0, 17.0, 40.0, 36.0],
        };
        let margins = vec![
            Margin {
                name: "a".into(),
                levels: vec!["a0".into(), "a1".into()],
                totals: vec![50.0, 50.0],
            },
            Margin {
                name: "b".into(),
                levels: vec!["b0".into(), "b1".into()],
                totals: vec![40.0, 60.0],
            },
        ];
        (classes, margins)
    }

    fn margin_totals(c: &Classes, m: &[Margin], g: &[f64]) -> Vec<Vec<f64>> {
        m.iter()
            .enumerate()
            .map(|(j, mm)| {
                let mut s = vec![0.0; mm.levels.len()];
                for k in 0..g.len() {
                    s[c.levels[k][j]] += c.w[k] * g[k];
                }
                s
            })
            .collect()
    }

    #[test]
    fn every_method_meets_the_margins() {
        let (c, m) = two_by_two();
        let methods = [
            Method::Rake {
                max_iterations: 100,
                epsilon: 1e-10,
            },
            Method::Calibrate {
                calfun: CalFun::Linear,
                bounds: None,
                max_iterations: 50,
                epsilon: 1e-12,
            },
            Method::Calibrate {
                calfun: CalFun::Raking,
                bounds: None,
                max_iterations: 50,
                epsilon: 1e-12,
            },
            Method::Calibrate {
                calfun: CalFun::Logit,
                bounds: Some((0.5, 2.0)),
                max_iterations: 50,
                epsilon: 1e-12,
            },
        ];
        for method in &methods {
            let cal = calibrate(&c, &m, method, None).unwrap();
            let got = margin_totals(&c, &m, &cal.factor);
            for (mm, g) in m.iter().zip(&got) {
                for (a, b) in mm.totals.iter().zip(g) {
                    assert!((a - b).abs() < 1e-8, "{method:?}: {a} vs {b}");
                }
            }
        }
        // Raking by calibrate(calfun = "raking") is the IPF fixed point.
        let ipf = calibrate(&c, &m, &methods[0], None).unwrap();
        let exp = calibrate(&c, &m, &methods[2], None).unwrap();
        for (a, b) in ipf.factor.iter().zip(&exp.factor) {
            assert!((a - b).abs() < 1e-8);
        }
    }

    #[test]
    fn poststratification_residuals_centre_each_cell() {
        let (c, m) = two_by_two();
        let cells = vec![20.0, 30.0, 20.0, 30.0];
        let cal = calibrate(&c, &m, &Method::PostStratify { cells }, None).unwrap();
        // A coefficient constant within classes is removed entirely.
        let sw: Vec<f64> = (0..4).map(|k| 0.5 * c.w[k] * cal.factor[k]).collect();
        let rho = cal.residual(&[0.0; 4], &sw);
        for r in rho {
            assert!((r + 0.5).abs() < 1e-15);
        }
    }

    #[test]
    fn a_level_with_no_respondent_is_named() {
        let (mut c, m) = two_by_two();
        c.n[2] = 0.0;
        c.w[2] = 0.0;
        c.n[3] = 0.0;
        c.w[3] = 0.0;
        let e = calibrate(
            &c,
            &m,
            &Method::Rake {
                max_iterations: 10,
                epsilon: 1.0,
            },
            None,
        )
        .unwrap_err();
        assert_eq!(
            e,
            CalibrationError::EmptyLevel {
                margin: "a".into(),
                level: "a1".into()
            }
        );
    }

    #[test]
    fn trimming_shares_out_equally_per_respondent() {
        let c = Classes {
            levels: vec![vec![0], vec![1], vec![2]],
            n: vec![1.0, 2.0, 3.0],
            w: vec![1.0, 2.0, 3.0],
            w2: vec![1.0, 2.0, 3.0],
        };
        let g = vec![10.0, 2.0, 1.0];
        let (f, trimmed) = trim_weights(
            &c,
            &g,
            Trim {
                lower: 0.0,
                upper: 6.0,
                strict: false,
            },
        )
        .unwrap();
        // 4 trimmed from the one respondent of class 0, 0.8 to each of the other five.
        assert!((f[0] - 6.0).abs() < 1e-15);
        assert!((f[1] - 2.8).abs() < 1e-15);
        assert!((f[2] - 1.8).abs() < 1e-15);
        assert_eq!(trimmed, 1.0);
    }

    #[test]
    fn ginv_inverts_a_regular_matrix() {
        let m = vec![
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, 0.2],
            vec![0.5, 0.2, 2.0],
        ];
        let a = ginv(&m);
        let b = inverse(&m).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                assert!((a[i][j] - b[i][j]).abs() < 1e-14);
            }
        }
    }
}
