//! The estimation stage of the spine: takes the [`Plan`] and each analysis's validated cells
//! and gives an [`AnalysisResult`] per analysis: proportions with confidence intervals for
//! every subgroup cell and margin, reliability flags, simultaneous intervals, comparisons
//! with adjusted p-values and the test of independence. [`derive()`] computes those figures
//! from the counts as they stand, so disclosure control (the next stage) calls it again
//! after hiding cells.
//!
//! - this file: the stage itself ([`estimate`]: counts per group and level, in display order);
//! - `result`: the result types every later stage reads;
//! - `derive`: every figure from the counts as they stand;
//! - [`grouping`]: the counts of every margin (a fold over the cells);
//! - [`sensitivity`]: how far self-selection could move the published figures (assessed
//!   after disclosure control, from what the report publishes).
//!
//! The statistics themselves are in [`crate::stats`] (plain numbers in and out); this module
//! chooses which to compute from the plan and where each result goes.

mod derive;
pub mod grouping;
mod result;
pub mod sensitivity;
pub mod weighted;

pub use derive::derive;
pub use result::{AnalysisResult, ComparisonRow, EstimateRow, IndependenceTest, Suppression};

use crate::plan::{AnalysisPlan, Plan};

/// A contrast is stated as significant when its p-value (adjusted, or unadjusted under
/// `adjust = "none"`) is below this.
pub const SIGNIFICANCE: f64 = 0.05;
use crate::validate::AnalysisData;

/// Estimates every analysis of a plan.
pub fn estimate(plan: &Plan, data: Vec<AnalysisData>) -> Vec<AnalysisResult> {
    plan.analyses
        .iter()
        .zip(data)
        .map(|(a, d)| estimate_analysis(a, d))
        .collect()
}

/// Estimates one analysis: every margin of its subgroup columns, every outcome level.
pub fn estimate_analysis(a: &AnalysisPlan, data: AnalysisData) -> AnalysisResult {
    let k = a.by.len();
    let grouped = grouping::group_counts(&data.cells, k);
    // Display order: margins smallest first, within a margin by each column's value order.
    let rank = |key: &[Option<String>]| -> (usize, Vec<usize>) {
        let level = key.iter().filter(|v| v.is_some()).count();
        let mask: Vec<usize> = key.iter().map(|v| usize::from(v.is_some())).collect();
        let mut pos: Vec<usize> = mask.iter().map(|m| 1 - m).collect();
        pos.extend(key.iter().enumerate().map(|(i, v)| {
            match v {
                None => 0,
                Some(v) => data.group_orders[i]
                    .iter()
                    .position(|o| o == v)
                    .unwrap_or(usize::MAX),
            }
        }));
        (level, pos)
    };
    let mut grouped = grouped;
    // Subgroups only (`overall = false`); of tables set side by side, only groups within
    // one table.
    grouped.retain(|g| {
        (a.overall || g.key.iter().any(Option::is_some))
            && a.table_by.is_none_or(|t| g.key[t].is_some())
    });
    grouped.sort_by_key(|g| rank(&g.key));

    let mut rows = Vec::new();
    for g in grouped {
        let n: u64 = g.counts.iter().map(|(_, c)| c).sum();
        for level in &a.levels {
            let count = g
                .counts
                .iter()
                .find(|(o, _)| o == level)
                .map_or(0, |(_, c)| *c);
            rows.push(EstimateRow {
                group: g.key.clone(),
                outcome: level.clone(),
                count,
                n,
                interval: None,
                flag: None,
                simultaneous: None,
                hidden_count: None,
                hidden_n: None,
                weighted: None,
            });
        }
    }
    let mut r = AnalysisResult {
        plan: a.clone(),
        data,
        rows,
        comparisons: Vec::new(),
        independence: None,
        notes: Vec::new(),
        weighted_contrasts: Vec::new(),
        weighted_rao_scott: None,
        design_independence: None,
        selection: None,
    };
    derive(&mut r);
    r
}

/// A comparison whose exact conditional method would enumerate too many tables: the
/// analysis, its key, the groups, and the alternative.
#[derive(Debug, thiserror::Error)]
#[error("analysis `{analysis}`, key `{key}` = \"{value}\": `{group1}` vs `{group2}` ({level}): {detail}\nhint: {hint}")]
pub struct ExactTooLarge {
    pub analysis: String,
    pub key: String,
    pub value: &'static str,
    pub group1: String,
    pub group2: String,
    pub level: String,
    pub detail: String,
    pub hint: &'static str,
}

/// Refuses a comparison whose exact conditional method (`test = "fisher"`, or `method =
/// "exact"` for the odds ratio) would enumerate more than
/// [`EXACT_MAX_TABLES`](crate::stats::compare::EXACT_MAX_TABLES) tables: the
/// job fails naming the analysis, its key, the groups, the limit and the alternative. (The
/// methods themselves return nothing past the limit, so estimation stayed bounded.)
pub fn check_exact_sizes(
    plan: &Plan,
    results: &[AnalysisResult],
) -> Result<(), Box<ExactTooLarge>> {
    use crate::stats::compare::tests2x2::Test;
    use crate::stats::compare::{check_exact_size, CompareMethod};
    for (i, (a, r)) in plan.analyses.iter().zip(results).enumerate() {
        let Some(cp) = &a.compare else { continue };
        let (key, value, hint) = if cp.test == Test::Fisher {
            (
                "test",
                "fisher",
                "set `test = \"chisq\"` (the score test): at counts this large it agrees with Fisher's test",
            )
        } else if cp.method == CompareMethod::ExactOr {
            (
                "method",
                cp.method.name(),
                "set `method = \"woolf\"`: at counts this large it agrees with the exact interval",
            )
        } else {
            continue;
        };
        for row in &r.comparisons {
            if let Err(e) = check_exact_size(&row.pair) {
                return Err(Box::new(ExactTooLarge {
                    analysis: a.name.clone(),
                    key: format!("analysis[{i}].compare.{key}"),
                    value,
                    group1: row.group1.clone(),
                    group2: row.group2.clone(),
                    level: row.level.clone(),
                    detail: e,
                    hint,
                }));
            }
        }
    }
    Ok(())
}

/// "provider = specialist, severity = severe", or "all respondents".
pub fn group_label(by: &[String], key: &[Option<String>]) -> String {
    let parts: Vec<String> = by
        .iter()
        .zip(key)
        .filter_map(|(b, v)| v.as_ref().map(|v| format!("{b} = {v}")))
        .collect();
    if parts.is_empty() {
        "all respondents in the denominator".into()
    } else {
        parts.join(", ")
    }
}
