//! How far self-selection could move a survey's figure: bounds from the response rate
//! (Manski), an interval that covers them (Imbens and Manski), and the selection ratio γ at
//! which a figure, or its confidence limit, would cross a threshold.
//!
//! # Response-rate bounds (Manski 1990, 2003; Horowitz and Manski 1998)
//!
//! `N` people were invited (or were eligible); `R` answered, so `M = N − R` did not. Of an
//! analysis's denominator `D` respondents (those who tried GET, say), `X` have the outcome.
//! Nothing is known of the non-respondents: neither their outcome nor whether they would be
//! in the denominator. With `a` of them in it and `b ≤ a` of those with the outcome, the
//! population proportion is `θ = (X + b) / (D + a)`, which over `0 ≤ b ≤ a ≤ M` ranges over
//!
//! ```text
//! θ_L = X / (D + M),        θ_U = (X + M) / (D + M)
//! ```
//!
//! (`b = 0, a = M` and `b = a = M`: `(X + a)/(D + a)` grows with `a` because `X ≤ D`). The
//! same bounds hold when every non-respondent is known to be in the denominator (`a = M`
//! fixed), so one formula serves both; for the whole sample (`D = R`) they are Manski's
//! `[X/N, (X + M)/N]`. No assumption about the non-respondents narrows them; the width is
//! `M / (D + M)`.
//!
//! # The interval that covers the identified set (Imbens and Manski 2004)
//!
//! With the invited a random sample, each bound is a ratio of means over the `N` invited,
//! `θ_L = mean(1[r, d, y]) / mean(1[r, d] + 1[¬r])`, and its linearised variance reduces to
//! the binomial one on the base `D + M`: `σ_L² = θ_L (1 − θ_L) / (D + M)`, likewise `σ_U`.
//! The interval `[θ_L − C σ_L, θ_U + C σ_U]` (clipped to [0, 1]) with `C` the root of
//!
//! ```text
//! Φ(C + Δ / max(σ_L, σ_U)) − Φ(−C) = 1 − α,     Δ = θ_U − θ_L
//! ```
//!
//! covers the true proportion with probability at least `1 − α` whatever it is within the
//! bounds. `C` runs from `z_{1−α/2}` (`Δ = 0`, the bounds meet) to `z_{1−α}` (wide bounds):
//! only one side can be missed at a time.
//!
//! # The selection ratio γ (Rosenbaum-style sensitivity; cf. Manski 2003 ch. 1)
//!
//! If respondents with the outcome were `γ` times as likely to answer as those without it,
//! a population proportion `π` appears among respondents as `p = γπ / (γπ + 1 − π)`, so
//!
//! ```text
//! π(γ) = p / (p + γ (1 − p)),          odds(π(γ)) = odds(p) / γ.
//! ```
//!
//! `π(γ)` is monotone in `p`, so with `γ` known a confidence interval `[L, U]` for `p` maps
//! to `[π_L(γ), π_U(γ)]` with the same coverage. The `γ` at which the figure reaches a
//! threshold `t` is `γ* = odds(p) / odds(t)` ([`crossing`]); for the lower limit
//! `odds(L) / odds(t)`. `γ* > 1` (the figure is above `t`) says how much likelier to answer
//! those with the outcome would have to be; `γ* < 1`, how much likelier those without it.
//!
//! For two groups, selection that differs between them by a factor `γ` (respondents with
//! the outcome in group 1 `γ` times as likely to answer, relative to group 2) divides the
//! odds ratio by `γ`: the difference vanishes at `γ = OR`, and its interval first reaches
//! no difference at the limit of the odds ratio's interval nearer 1.
//!
//! # References
//!
//! Manski CF (1990) Nonparametric bounds on treatment effects. Am Econ Rev 80:319-323.
//! Manski CF (2003) Partial Identification of Probability Distributions. Springer.
//! Horowitz JL, Manski CF (1998) Censoring of outcomes and regressors due to survey
//! nonresponse. J Econometrics 84:37-58. Imbens GW, Manski CF (2004) Confidence intervals for
//! partially identified parameters. Econometrica 72:1845-1857. Stoye J (2009) More on
//! confidence intervals for partially identified parameters. Econometrica 77:1299-1315.

use super::dist::{find_root, normal_cdf, normal_quantile};

/// The response-rate bounds of one figure and the interval that covers them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// `X / (D + M)`: no non-respondent has the outcome (all are in the denominator).
    pub lower: f64,
    /// `(X + M) / (D + M)`: every non-respondent has the outcome.
    pub upper: f64,
    /// The Imbens-Manski interval's lower end.
    pub ci_lower: f64,
    /// Its upper end.
    pub ci_upper: f64,
    /// The critical value `C` of the Imbens-Manski interval.
    pub critical: f64,
}

/// The response-rate bounds for `x` with the outcome of `d` in the denominator, with `m`
/// non-respondents, and the Imbens-Manski interval at confidence `level`; `None` when
/// `d + m = 0` or `x > d`.
pub fn bounds(x: u64, d: u64, m: u64, level: f64) -> Option<Bounds> {
    let base = d.checked_add(m)?;
    if base == 0 || x > d {
        return None;
    }
    let b = base as f64;
    let lower = x as f64 / b;
    let upper = (x + m) as f64 / b;
    let se = |t: f64| (t * (1.0 - t) / b).sqrt();
    let (sl, su) = (se(lower), se(upper));
    let critical = imbens_manski_critical(upper - lower, sl.max(su), level);
    Some(Bounds {
        lower,
        upper,
        ci_lower: (lower - critical * sl).max(0.0),
        ci_upper: (upper + critical * su).min(1.0),
        critical,
    })
}

/// `C` with `Φ(C + Δ/σ) − Φ(−C) = level` (Imbens and Manski 2004, eq. 6), `σ` the larger of
/// the two bounds' standard errors. With `σ = 0` (both bounds known exactly) or `Δ = 0` the
/// equation is the two-sided normal one.
pub fn imbens_manski_critical(delta: f64, sigma: f64, level: f64) -> f64 {
    let two_sided = -normal_quantile((1.0 - level) / 2.0);
    if delta <= 0.0 {
        return two_sided;
    }
    if sigma <= 0.0 || !(delta / sigma).is_finite() {
        // The bounds are exact and apart: no sampling error to cover.
        return 0.0;
    }
    let shift = delta / sigma;
    let f = |c: f64| normal_cdf(c + shift) - normal_cdf(-c) - level;
    // f is increasing in C; f(z_{1−α}) ≤ 0 ≤ f(z_{1−α/2}).
    let one_sided = normal_quantile(level);
    find_root(f, one_sided.min(two_sided), two_sided)
}

/// The population proportion that a respondents' proportion `p` stands for when
/// respondents with the outcome were `gamma` times as likely to answer: `p / (p + γ(1−p))`.
pub fn adjusted(p: f64, gamma: f64) -> f64 {
    if p <= 0.0 {
        return 0.0;
    }
    p / (p + gamma * (1.0 - p))
}

/// The selection ratio at which `p` would stand for exactly `threshold`:
/// `odds(p) / odds(threshold)`; `None` when no finite positive ratio does (`p` is 0 or 1,
/// or the threshold is not inside (0, 1)).
pub fn crossing(p: f64, threshold: f64) -> Option<f64> {
    let inside = |v: f64| v > 0.0 && v < 1.0;
    if !inside(p) || !inside(threshold) {
        return None;
    }
    Some(odds(p) / odds(threshold))
}

/// The odds `v / (1 − v)`.
pub fn odds(v: f64) -> f64 {
    v / (1.0 - v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manski_bounds_of_the_whole_sample_are_the_textbook_ones() {
        // 1,000 invited, 400 answered, 240 of them with the outcome: [240/1000, 840/1000].
        let b = bounds(240, 400, 600, 0.95).unwrap();
        assert_eq!(b.lower, 0.24);
        assert_eq!(b.upper, 0.84);
        assert!(b.ci_lower < b.lower && b.ci_upper > b.upper);
    }

    #[test]
    fn the_bounds_contain_every_completion_of_the_non_respondents() {
        let (x, d, m) = (7u64, 12u64, 5u64);
        let b = bounds(x, d, m, 0.95).unwrap();
        for a in 0..=m {
            for k in 0..=a {
                let theta = (x + k) as f64 / (d + a) as f64;
                assert!(theta >= b.lower - 1e-15 && theta <= b.upper + 1e-15);
            }
        }
        assert_eq!(b.lower, 7.0 / 17.0);
        assert_eq!(b.upper, 12.0 / 17.0);
    }

    #[test]
    fn the_critical_value_runs_from_two_sided_to_one_sided() {
        let z2 = -normal_quantile(0.025);
        let z1 = normal_quantile(0.95);
        assert!((imbens_manski_critical(0.0, 0.01, 0.95) - z2).abs() < 1e-14);
        let wide = imbens_manski_critical(1.0, 0.001, 0.95);
        // statrs' normal cdf is good to about 1e-12 here, the root to 1e-10.
        assert!((wide - z1).abs() < 1e-9, "{wide} vs {z1}");
        let mid = imbens_manski_critical(0.01, 0.01, 0.95);
        assert!(mid > z1 && mid < z2);
        let f = normal_cdf(mid + 1.0) - normal_cdf(-mid);
        assert!((f - 0.95).abs() < 1e-12);
    }

    #[test]
    fn the_crossing_ratio_brings_the_figure_to_the_threshold() {
        let g = crossing(0.61, 0.5).unwrap();
        assert!((adjusted(0.61, g) - 0.5).abs() < 1e-15);
        assert!(g > 1.0);
        let g = crossing(0.38, 0.5).unwrap();
        assert!(g < 1.0);
        assert_eq!(crossing(0.0, 0.5), None);
        assert_eq!(crossing(1.0, 0.5), None);
        assert_eq!(adjusted(0.3, 1.0), 0.3);
    }
}
