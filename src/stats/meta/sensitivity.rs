//! Subgroups, leave-one-out and cumulative meta-analysis.
//!
//! **Subgroups** (`meta::metaprop(..., subgroup = g)` with its default `tau.common = FALSE`):
//! each subgroup is fitted on its own, with its own tau² by the same estimator and the same
//! interval type; the test for subgroup differences is the Q of the subgroup estimates with
//! weights `1/se_g²` (`Q_b = Σ (mu_g - mu̅)²/se_g²`, mu̅ their weighted mean) on G - 1 df,
//! i.e. metafor's `rma(yi = mu_g, sei = se_g, method = "EE")$QE`. (A common tau² across
//! subgroups, `rma(..., mods = ~ factor(g))`, is not offered: with a handful of surveys
//! per subgroup it hides that the subgroups disagree by different amounts.)
//!
//! **Leave-one-out** (`leave1out`): the model refitted without each survey in turn.
//! **Cumulative** (`cumul`): the model refitted on the first 1, 2, ..., k surveys in the
//! given order (by year in a review).

use super::model::{fit, Fit};
use super::{dist, Effect, MetaError, Options};

/// The subgroup fits and the test for subgroup differences.
#[derive(Debug, Clone, PartialEq)]
pub struct Subgroups {
    /// One fit per subgroup, in the order of first appearance.
    pub fits: Vec<Fit>,
    /// `Q_b`, its df (G - 1) and p-value.
    pub q_between: f64,
    pub df: f64,
    pub p_value: f64,
}

/// Fits each subgroup (`groups[i]` is survey i's subgroup index, 0..G) and tests the
/// differences between them. Needs at least two subgroups.
pub fn subgroups(es: &[Effect], groups: &[usize], opts: Options) -> Result<Subgroups, MetaError> {
    let g = groups.iter().copied().max().map_or(0, |m| m + 1);
    let mut fits = Vec::with_capacity(g);
    for gi in 0..g {
        let part: Vec<Effect> = es
            .iter()
            .zip(groups)
            .filter(|(_, &x)| x == gi)
            .map(|(e, _)| *e)
            .collect();
        fits.push(fit(&part, opts)?);
    }
    let between: Vec<Effect> = fits
        .iter()
        .map(|f| Effect {
            y: f.estimate,
            v: f.se * f.se,
            corrected: false,
        })
        .collect();
    let s = super::tau2::sums(&between, 0.0);
    let df = g as f64 - 1.0;
    let q_between = s.rss.max(0.0);
    let p_value = if df > 0.0 {
        dist::chi_square_sf(q_between, df)
    } else {
        1.0
    };
    Ok(Subgroups {
        fits,
        q_between,
        df,
        p_value,
    })
}

/// The model without each survey in turn (entry i leaves survey i out).
pub fn leave_one_out(es: &[Effect], opts: Options) -> Result<Vec<Fit>, MetaError> {
    (0..es.len())
        .map(|i| {
            let rest: Vec<Effect> = es
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, e)| *e)
                .collect();
            fit(&rest, opts)
        })
        .collect()
}

/// The model on the first 1, 2, ..., k surveys (entry j holds surveys 0..=j).
pub fn cumulative(es: &[Effect], opts: Options) -> Result<Vec<Fit>, MetaError> {
    (1..=es.len()).map(|j| fit(&es[..j], opts)).collect()
}
