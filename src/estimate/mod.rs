//! The estimation stage of the spine: takes the [`Plan`] and each analysis's validated cells
//! and gives an [`AnalysisResult`] per analysis: proportions with confidence intervals for
//! every subgroup cell and margin, reliability flags, simultaneous intervals, comparisons
//! with adjusted p-values and the test of independence. [`derive`] computes those figures
//! from the counts as they stand, so disclosure control (the next stage) calls it again
//! after hiding cells.
//!
//! Pure apart from [`grouping`], the only polars code here. The statistics themselves are
//! in [`crate::stats`] (plain numbers in and out); this module chooses which to compute from
//! the plan and where each result goes.

pub mod grouping;

pub use crate::disclosure::Suppression;
use crate::plan::{AnalysisPlan, CompareGroups, ComparePlan, Plan};
use crate::stats::ci::{Interval, Method};
use crate::stats::{compare, reliability, tables};
use crate::validate::AnalysisData;

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
    /// NCHS reliability (`None` when `n = 0`).
    pub flag: Option<reliability::Flag>,
    /// Simultaneous interval over the group's levels, when the analysis asks for one.
    pub simultaneous: Option<(f64, f64)>,
    /// Disclosure control hid the count (and so the estimate); `count` is then 0.
    pub hidden_count: Option<Suppression>,
    /// Disclosure control hid the group size (and so every estimate of the group); `n` is
    /// then 0.
    pub hidden_n: Option<Suppression>,
}

impl EstimateRow {
    /// Hides the count and everything computed from it.
    pub fn hide_count(&mut self, why: Suppression) {
        self.hidden_count = Some(why);
        self.count = 0;
        self.interval = None;
        self.flag = None;
        self.simultaneous = None;
    }

    /// Hides the group size and every estimate that would give it back.
    pub fn hide_n(&mut self, why: Suppression) {
        self.hidden_n = Some(why);
        self.n = 0;
        self.interval = None;
        self.flag = None;
        self.simultaneous = None;
    }

    /// Anything of this row is hidden.
    pub fn is_hidden(&self) -> bool {
        self.hidden_count.is_some() || self.hidden_n.is_some()
    }
}

/// One subgroup comparison for one outcome level.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    pub level: String,
    pub group1: String,
    pub group2: String,
    pub pair: compare::Pair,
    /// `None` when the measure is undefined for these counts.
    pub result: Option<compare::Comparison>,
    pub p_value: Option<f64>,
    /// After the analysis's multiple-comparison adjustment.
    pub p_adjusted: Option<f64>,
    /// Disclosure control withheld it (a compared cell is hidden); the numbers are cleared.
    pub withheld: bool,
}

impl ComparisonRow {
    pub fn withhold(&mut self) {
        self.withheld = true;
        self.pair = compare::Pair {
            x1: 0,
            n1: 0,
            x2: 0,
            n2: 0,
        };
        self.result = None;
        self.p_value = None;
        self.p_adjusted = None;
    }
}

/// The test of independence of outcome and one subgroup column.
#[derive(Debug, Clone, PartialEq)]
pub struct IndependenceTest {
    pub by: String,
    pub groups: Vec<String>,
    pub tests: tables::TableTests,
}

/// Everything the report says about one analysis.
#[derive(Debug, Clone)]
pub struct AnalysisResult {
    pub plan: AnalysisPlan,
    pub data: AnalysisData,
    pub rows: Vec<EstimateRow>,
    pub comparisons: Vec<ComparisonRow>,
    pub independence: Option<IndependenceTest>,
    pub notes: Vec<String>,
}

impl AnalysisResult {
    pub fn method(&self) -> Method {
        self.plan.method
    }

    /// The rows of one group key, in level order.
    pub fn rows_of<'a>(
        &'a self,
        key: &'a [Option<String>],
    ) -> impl Iterator<Item = &'a EstimateRow> + 'a {
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
    };
    derive(&mut r);
    Ok(r)
}

/// Computes every statistic of an analysis from its counts as they stand: after estimation
/// the exact ones; after disclosure control the published ones (rounded where rounding is
/// on), with everything that would use a hidden count withheld: the intervals and flags of
/// a hidden row, the simultaneous intervals of a group with a hidden row, comparisons of a
/// hidden cell, and the test of independence of a table with a hidden cell. The one home
/// of these rules, so that no output can compute a figure from a number it does not show.
pub fn derive(r: &mut AnalysisResult) {
    let a = &r.plan;
    let mut notes = Vec::new();
    let mut sim_withheld = 0;
    for key in r.groups() {
        let at: Vec<usize> = (0..r.rows.len())
            .filter(|&i| r.rows[i].group == key)
            .collect();
        let n = r.rows[at[0]].n;
        let any_hidden = at.iter().any(|&i| r.rows[i].is_hidden());
        if n == 0 && r.rows[at[0]].hidden_n.is_none() {
            notes.push(format!(
                "{}: no respondents in this group, so no estimate is given",
                group_label(&a.by, &key)
            ));
        }
        let counts: Vec<u64> = at.iter().map(|&i| r.rows[i].count).collect();
        let sim = if any_hidden {
            sim_withheld += usize::from(a.simultaneous.is_some());
            None
        } else {
            a.simultaneous.and_then(|m| m.intervals(&counts, a.level))
        };
        for (li, &i) in at.iter().enumerate() {
            let row = &mut r.rows[i];
            if row.is_hidden() {
                row.interval = None;
                row.flag = None;
                row.simultaneous = None;
                continue;
            }
            row.interval = a.method.interval(row.count, n, a.level);
            row.flag = (n > 0).then(|| reliability::assess(row.count, n, &a.reliability));
            row.simultaneous = sim.as_ref().map(|v| v[li]);
        }
    }
    if sim_withheld > 0 {
        notes.push(format!(
            "simultaneous intervals: withheld for {sim_withheld} group(s) with a suppressed cell, since they are computed from every count of the group"
        ));
    }
    let (comparisons, independence) = match &a.compare {
        Some(cp) => compare_groups(a, cp, &r.data.group_orders, &r.rows, &mut notes),
        None => (Vec::new(), None),
    };
    r.comparisons = comparisons;
    r.independence = independence;
    r.notes = notes;
}

/// Comparisons between the groups of one `by` column (other columns at their margin), with
/// adjusted p-values, and the r x c test of outcome by that column.
fn compare_groups(
    a: &AnalysisPlan,
    cp: &ComparePlan,
    group_orders: &[Vec<String>],
    rows: &[EstimateRow],
    notes: &mut Vec<String>,
) -> (Vec<ComparisonRow>, Option<IndependenceTest>) {
    let by = &a.by[cp.by];
    let groups = &group_orders[cp.by];
    // The margin row of a group of the compared column: (count, n, hidden).
    let cell = |g: &str, level: &str| -> (u64, u64, bool) {
        rows.iter()
            .find(|r| {
                r.outcome == level
                    && r.group.iter().enumerate().all(|(i, v)| {
                        if i == cp.by {
                            v.as_deref() == Some(g)
                        } else {
                            v.is_none()
                        }
                    })
            })
            .map_or((0, 0, false), |r| (r.count, r.n, r.is_hidden()))
    };
    let pairs: Vec<(String, String)> = match &cp.groups {
        CompareGroups::Reference(r) => {
            if !groups.contains(r) {
                notes.push(format!("comparisons: the reference group `{r}` of `{by}` has no respondents, so nothing is compared"));
                Vec::new()
            } else {
                groups.iter().filter(|g| *g != r).map(|g| (g.clone(), r.clone())).collect()
            }
        }
        CompareGroups::Pairs(ps) => ps
            .iter()
            .filter(|(g1, g2)| {
                let ok = groups.contains(g1) && groups.contains(g2);
                if !ok {
                    notes.push(format!("comparisons: `{g1}` vs `{g2}` skipped: a group of `{by}` has no respondents (groups: {})", groups.join(", ")));
                }
                ok
            })
            .cloned()
            .collect(),
    };
    let mut out = Vec::new();
    for level in &cp.levels {
        for (g1, g2) in &pairs {
            let (x1, n1, h1) = cell(g1, level);
            let (x2, n2, h2) = cell(g2, level);
            let pair = compare::Pair { x1, n1, x2, n2 };
            let mut row = ComparisonRow {
                level: level.clone(),
                group1: g1.clone(),
                group2: g2.clone(),
                pair,
                result: compare::compare(cp.method, pair, a.level),
                p_value: cp.test.run(pair).map(|t| t.p_value),
                p_adjusted: None,
                withheld: false,
            };
            if h1 || h2 {
                row.withhold();
            }
            out.push(row);
        }
    }
    // The adjustment's family is the comparisons shown: a withheld p-value would otherwise
    // move the adjusted ones.
    let present: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].p_value.is_some())
        .collect();
    let p: Vec<f64> = present.iter().filter_map(|&i| out[i].p_value).collect();
    for (&i, adj) in present.iter().zip(cp.adjust.apply(&p)) {
        out[i].p_adjusted = Some(adj);
    }
    let hidden = groups.iter().any(|g| a.levels.iter().any(|l| cell(g, l).2));
    let independence = if hidden {
        notes.push(format!(
            "the test of independence of the answer and `{by}` is withheld: its table has suppressed cells, and the test would be computed from them"
        ));
        None
    } else {
        let counts: Vec<Vec<u64>> = groups
            .iter()
            .map(|g| a.levels.iter().map(|l| cell(g, l).0).collect())
            .collect();
        tables::test_table(&counts).map(|tests| IndependenceTest {
            by: by.clone(),
            groups: groups.clone(),
            tests,
        })
    };
    (out, independence)
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
