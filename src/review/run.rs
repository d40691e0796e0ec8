//! The review's statistics, from the plan's surveys ([`crate::stats::meta`] does the
//! work): the main model, the Q-profile interval, subgroups, leave-one-out, cumulative by
//! year, the GLMM, each survey's own Clopper-Pearson interval, and the z-interval model for
//! the small-k note. Pure: no I/O.

use super::plan::ReviewPlan;
use crate::stats::ci::Method;
use crate::stats::meta::sensitivity::{cumulative, leave_one_out, subgroups, Subgroups};
use crate::stats::meta::{
    back_transform, effect::harmonic_mean, effects, fit, glmm, tau2_interval, Count, Effect, Fit,
    MetaError, Options, Tau2Interval, Test,
};

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct Results {
    pub counts: Vec<Count>,
    pub effects: Vec<Effect>,
    pub fit: Fit,
    /// The same model with z intervals (for the small-k note), when the main one is
    /// Hartung-Knapp.
    pub fit_z: Option<Fit>,
    pub tau2_ci: Option<Tau2Interval>,
    /// Harmonic mean of the survey sizes (the Freeman-Tukey back-transform).
    pub n_hm: f64,
    /// The subgroup names (first appearance order) and their fits and test.
    pub subgroups: Option<(Vec<String>, Subgroups)>,
    pub leave_one_out: Vec<Fit>,
    /// Survey indices in year order, and the cumulative fits in that order.
    pub cumulative: Option<(Vec<usize>, Vec<Fit>)>,
    pub glmm: Option<Result<glmm::GlmmFit, MetaError>>,
    /// Each survey's Clopper-Pearson interval at the review's level.
    pub survey_ci: Vec<(f64, f64)>,
}

/// Computes the review; an error says why the model could not be fitted.
pub fn compute(plan: &ReviewPlan) -> Result<Results, String> {
    let counts: Vec<Count> = plan
        .surveys
        .iter()
        .map(|s| Count {
            x: s.x as f64,
            n: s.n as f64,
        })
        .collect();
    let opts = plan.options;
    let es = effects(plan.measure, &counts).map_err(|e| e.to_string())?;
    let main = fit(&es, opts).map_err(|e| format!("the model could not be fitted: {e}"))?;
    let fit_z = (opts.test == Test::Knha)
        .then(|| {
            fit(
                &es,
                Options {
                    test: Test::Z,
                    ..opts
                },
            )
            .ok()
        })
        .flatten();
    let tau2_ci = tau2_interval(&es, main.tau2, opts.level);
    let subgroups = subgroup_fits(plan, &es, opts)?;
    let leave_one_out = leave_one_out(&es, opts).map_err(|e| e.to_string())?;
    let cumulative = if plan.surveys.iter().all(|s| s.year.is_some()) {
        let mut order: Vec<usize> = (0..es.len()).collect();
        order.sort_by_key(|&i| plan.surveys[i].year);
        let sorted: Vec<Effect> = order.iter().map(|&i| es[i]).collect();
        Some((order, cumulative(&sorted, opts).map_err(|e| e.to_string())?))
    } else {
        None
    };
    let glmm = plan.glmm.then(|| glmm::fit(&counts, opts.level));
    let cp = Method::from_name("clopper-pearson").map_err(|e| e.to_string())?;
    let survey_ci = plan
        .surveys
        .iter()
        .map(|s| {
            cp.interval(s.x, s.n, opts.level)
                .map_or((f64::NAN, f64::NAN), |i| (i.lower, i.upper))
        })
        .collect();
    Ok(Results {
        n_hm: harmonic_mean(&counts),
        counts,
        effects: es,
        fit: main,
        fit_z,
        tau2_ci,
        subgroups,
        leave_one_out,
        cumulative,
        glmm,
        survey_ci,
    })
}

fn subgroup_fits(
    plan: &ReviewPlan,
    es: &[Effect],
    opts: Options,
) -> Result<Option<(Vec<String>, Subgroups)>, String> {
    if plan.surveys.iter().any(|s| s.subgroup.is_none()) {
        return Ok(None);
    }
    let mut names: Vec<String> = Vec::new();
    let mut index = Vec::with_capacity(es.len());
    for s in &plan.surveys {
        let g = s.subgroup.clone().unwrap_or_default();
        let i = names.iter().position(|n| *n == g).unwrap_or_else(|| {
            names.push(g);
            names.len() - 1
        });
        index.push(i);
    }
    if names.len() < 2 {
        return Ok(None);
    }
    let s = subgroups(es, &index, opts)
        .map_err(|e| format!("a subgroup model could not be fitted: {e}"))?;
    Ok(Some((names, s)))
}

impl Results {
    /// A value on the pooling scale back on the proportion scale, with the harmonic mean
    /// of `counts` (the surveys the value pools).
    pub fn prop(&self, plan: &ReviewPlan, y: f64, counts: &[Count]) -> f64 {
        back_transform(plan.measure, y, harmonic_mean(counts)).unwrap_or(f64::NAN)
    }

    /// The counts of the surveys in subgroup `g`.
    pub fn subgroup_counts(&self, plan: &ReviewPlan, g: &str) -> Vec<Count> {
        plan.surveys
            .iter()
            .zip(&self.counts)
            .filter(|(s, _)| s.subgroup.as_deref() == Some(g))
            .map(|(_, c)| *c)
            .collect()
    }
}
