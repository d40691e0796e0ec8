//! Estimation: proportions with confidence intervals for every subgroup cell and margin.
//! Pure apart from [`grouping`], the only polars code here; `ci` and `dist` work on plain
//! numbers.

pub mod ci;
pub mod compare;
pub mod dist;
pub mod grouping;
pub mod multiplicity;
pub mod simultaneous;
pub mod tables;

use crate::plan::{AnalysisPlan, Plan};
use crate::validate::AnalysisData;
use ci::{Interval, Method};

/// One estimate: a subgroup cell (or margin) and one outcome level.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateRow {
    /// One entry per `by` column; `None` = all (a margin or the overall row).
    pub group: Vec<Option<String>>,
    pub outcome: String,
    pub count: u64,
    pub n: u64,
    /// `None` when `n = 0`: no estimate is made.
    pub interval: Option<Interval>,
}

/// Everything the report says about one analysis.
#[derive(Debug, Clone)]
pub struct AnalysisResult {
    pub plan: AnalysisPlan,
    pub data: AnalysisData,
    pub rows: Vec<EstimateRow>,
    pub notes: Vec<String>,
}

impl AnalysisResult {
    pub fn method(&self) -> Method {
        self.plan.method
    }

    /// The rows of one group key, in level order.
    pub fn rows_of<'a>(&'a self, key: &'a [Option<String>]) -> impl Iterator<Item = &'a EstimateRow> + 'a {
        self.rows.iter().filter(move |r| r.group == key)
    }

    /// Distinct group keys in display order (overall first).
    pub fn groups(&self) -> Vec<Vec<Option<String>>> {
        let mut keys: Vec<Vec<Option<String>>> = Vec::new();
        for r in &self.rows {
            if keys.last() != Some(&r.group) && !keys.contains(&r.group) {
                keys.push(r.group.clone());
            }
        }
        keys
    }
}

/// Estimates every analysis of a plan.
pub fn estimate(plan: &Plan, data: Vec<AnalysisData>) -> Result<Vec<AnalysisResult>, String> {
    plan.analyses
        .iter()
        .zip(data)
        .map(|(a, d)| estimate_analysis(a, d))
        .collect()
}

/// Estimates one analysis: every margin of its subgroup columns, every outcome level.
pub fn estimate_analysis(a: &AnalysisPlan, data: AnalysisData) -> Result<AnalysisResult, String> {
    let k = a.by.len();
    let grouped = grouping::group_counts(&data.cells, k)
        .map_err(|e| format!("analysis `{}`: grouping failed: {e}", a.name))?;
    // Display order: margins smallest first, within a margin by each column's value order.
    let rank = |key: &[Option<String>]| -> (usize, Vec<usize>) {
        let level = key.iter().filter(|v| v.is_some()).count();
        let mask: Vec<usize> = key.iter().map(|v| usize::from(v.is_some())).collect();
        let mut pos: Vec<usize> = mask.iter().map(|m| 1 - m).collect();
        pos.extend(key.iter().enumerate().map(|(i, v)| match v {
            None => 0,
            Some(v) => data.group_orders[i].iter().position(|o| o == v).unwrap_or(usize::MAX),
        }));
        (level, pos)
    };
    let mut grouped = grouped;
    grouped.sort_by_key(|g| rank(&g.key));

    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for g in grouped {
        let n: u64 = g.counts.iter().map(|(_, c)| c).sum();
        if n == 0 {
            notes.push(format!(
                "{}: no respondents in this group, so no estimate is given",
                group_label(&a.by, &g.key)
            ));
        }
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
                interval: a.method.interval(count, n, a.level),
            });
        }
    }
    Ok(AnalysisResult {
        plan: a.clone(),
        data,
        rows,
        notes,
    })
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
