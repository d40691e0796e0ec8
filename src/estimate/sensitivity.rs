//! How far self-selection could move an analysis's published figures
//! ([`crate::stats::selection`]): for each headline level, the overall figure and each
//! subgroup of one `by` column, the selection ratio at which it (and its confidence limit)
//! would cross the analysis's threshold and, with the number invited, its response-rate
//! bounds; for each compared pair, the differential selection ratio that would explain the
//! difference away.
//!
//! Assessed from the results **after** disclosure control, and only from what the report
//! publishes (a shown count and its n, a shown interval, the respondents and the shown
//! exclusions), so it cannot give back a hidden number: a hidden figure has no assessment,
//! and an analysis with a hidden count of missing answers has no response-rate bounds.

use super::{AnalysisResult, ComparisonRow, EstimateRow};
use crate::stats::compare::{self, CompareMethod};
use crate::stats::selection::{self, Bounds};
use crate::validate::Exclusion;

/// An analysis's self-selection assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub threshold: f64,
    /// The number invited, when the pipeline gives it.
    pub invited: Option<u64>,
    /// Those whose answer is unknown: not respondents (`invited − available`), plus the
    /// respondents left out for a missing answer. `None` without `invited`, or when a
    /// count of missing answers is hidden.
    pub unknown: Option<u64>,
    /// Why there are no bounds although `invited` is given.
    pub no_bounds: Option<&'static str>,
    pub figures: Vec<FigureSensitivity>,
    pub contrasts: Vec<ContrastSensitivity>,
}

/// One published figure.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureSensitivity {
    /// The group key (`None` = all), as in [`EstimateRow::group`].
    pub group: Vec<Option<String>>,
    pub level: String,
    pub estimate: f64,
    /// The confidence limit on the threshold's side (the lower one for a figure above it).
    pub limit: f64,
    /// The ratio at which the figure reaches the threshold (`None`: at 0% or 100%, no
    /// finite ratio moves it).
    pub gamma: Option<f64>,
    /// The ratio at which the limit reaches it; `None` when it already does, or cannot.
    pub gamma_limit: Option<f64>,
    /// The limit is already on the other side of the threshold (or on it).
    pub limit_crosses: bool,
    /// The response-rate bounds (on the unweighted counts).
    pub bounds: Option<Bounds>,
}

impl FigureSensitivity {
    /// The figure is above the threshold (selection towards the outcome would lower it).
    pub fn above(&self, threshold: f64) -> bool {
        self.estimate > threshold
    }
}

/// One compared pair at one level.
#[derive(Debug, Clone, PartialEq)]
pub struct ContrastSensitivity {
    pub level: String,
    pub group1: String,
    pub group2: String,
    /// The odds ratio of group 1 against group 2: the differential selection ratio at
    /// which the difference vanishes.
    pub odds_ratio: f64,
    /// The limit of its (Woolf) interval nearer 1: the ratio at which the interval first
    /// reaches no difference; `None` when it already does, or for a weighted survey.
    pub gamma_limit: Option<f64>,
    pub significant: bool,
}

/// The assessment of one analysis; `None` when its plan asks for none.
pub fn assess(r: &AnalysisResult) -> Option<Sensitivity> {
    let s = r.plan.selection;
    if !s.any() {
        return None;
    }
    let (unknown, no_bounds) = match s.invited {
        None => (None, None),
        Some(invited) => unknown_answers(r, invited),
    };
    let mut figures = Vec::new();
    for level in &r.plan.headline {
        for e in r.rows.iter().filter(|e| &e.outcome == level) {
            let ones = e.group.iter().filter(|g| g.is_some()).count();
            if ones > 1 {
                continue;
            }
            if let Some(f) = figure(e, s.threshold, unknown, r.plan.level) {
                figures.push(f);
            }
        }
    }
    let contrasts = if s.ratio {
        r.comparisons
            .iter()
            .filter_map(|c| contrast(r, c))
            .collect()
    } else {
        Vec::new()
    };
    Some(Sensitivity {
        threshold: s.threshold,
        invited: s.invited,
        unknown,
        no_bounds,
        figures,
        contrasts,
    })
}

/// `invited − available` plus the shown counts of missing answers; `None` with the reason
/// when a count of missing answers is hidden (the bounds would give it back).
fn unknown_answers(r: &AnalysisResult, invited: u64) -> (Option<u64>, Option<&'static str>) {
    let mut unknown = invited.saturating_sub(r.data.available);
    for x in &r.data.exclusions {
        if let Exclusion::Missing { .. } = x.reason {
            if x.hidden.is_some() {
                return (None, Some("a count of missing answers is suppressed"));
            }
            unknown += x.respondents;
        }
    }
    (Some(unknown), None)
}

fn figure(
    e: &EstimateRow,
    threshold: f64,
    unknown: Option<u64>,
    level: f64,
) -> Option<FigureSensitivity> {
    if e.is_hidden() {
        return None;
    }
    let i = e.interval?;
    let above = i.estimate > threshold;
    let limit = if above { i.lower } else { i.upper };
    let limit_crosses = if above {
        limit <= threshold
    } else {
        limit >= threshold
    };
    Some(FigureSensitivity {
        group: e.group.clone(),
        level: e.outcome.clone(),
        estimate: i.estimate,
        limit,
        gamma: selection::crossing(i.estimate, threshold),
        gamma_limit: if limit_crosses {
            None
        } else {
            selection::crossing(limit, threshold)
        },
        limit_crosses,
        bounds: unknown.and_then(|m| selection::bounds(e.count, e.n, m, level)),
    })
}

/// The differential selection ratio of a compared pair; `None` when the comparison is
/// withheld or either proportion is 0 or 1.
fn contrast(r: &AnalysisResult, c: &ComparisonRow) -> Option<ContrastSensitivity> {
    if c.withheld {
        return None;
    }
    let cp = r.plan.compare.as_ref()?;
    let significant = c.p_adjusted.is_some_and(|p| p < super::SIGNIFICANCE);
    let inside = |v: f64| v > 0.0 && v < 1.0;
    if cp.design {
        // A weighted survey: the two groups' weighted proportions, from their margin rows.
        let p_of = |g: &str| -> Option<f64> {
            r.rows
                .iter()
                .find(|e| {
                    e.outcome == c.level
                        && e.group.iter().enumerate().all(|(j, v)| {
                            if j == cp.by {
                                v.as_deref() == Some(g)
                            } else {
                                v.is_none()
                            }
                        })
                })
                .and_then(|e| e.interval)
                .map(|i| i.estimate)
        };
        let (p1, p2) = (p_of(&c.group1)?, p_of(&c.group2)?);
        if !inside(p1) || !inside(p2) {
            return None;
        }
        return Some(ContrastSensitivity {
            level: c.level.clone(),
            group1: c.group1.clone(),
            group2: c.group2.clone(),
            odds_ratio: selection::odds(p1) / selection::odds(p2),
            gamma_limit: None,
            significant,
        });
    }
    let pair = c.pair;
    if !inside(pair.p1()) || !inside(pair.p2()) {
        return None;
    }
    let odds_ratio = selection::odds(pair.p1()) / selection::odds(pair.p2());
    let woolf = compare::compare(CompareMethod::Woolf, pair, r.plan.level);
    let gamma_limit = woolf.and_then(|w| {
        if w.lower > 1.0 {
            Some(w.lower)
        } else if w.upper < 1.0 {
            Some(w.upper)
        } else {
            None
        }
    });
    Some(ContrastSensitivity {
        level: c.level.clone(),
        group1: c.group1.clone(),
        group2: c.group2.clone(),
        odds_ratio,
        gamma_limit,
        significant,
    })
}
