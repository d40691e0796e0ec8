//! Every figure of an analysis computed from its counts as they stand ([`derive`]): the
//! intervals, reliability flags and simultaneous intervals of each group, the comparisons
//! with their adjusted p-values, and the test of independence. Estimation calls it on the
//! exact counts and disclosure control again on the published ones.

use super::{group_label, AnalysisResult, ComparisonRow, EstimateRow, IndependenceTest};
use crate::plan::{AnalysisPlan, CompareGroups, ComparePlan};
use crate::stats::{compare, reliability, tables};

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
        // Weighted: each level's design-based interval (`weighted::apply` computed it from the
        // level's domain estimate); unweighted: from the group's counts.
        let sim: Option<Vec<Option<(f64, f64)>>> = if any_hidden {
            sim_withheld += usize::from(a.simultaneous.is_some());
            None
        } else if a.survey_method.is_some() {
            a.simultaneous.map(|_| {
                at.iter()
                    .map(|&i| r.rows[i].weighted.and_then(|w| w.simultaneous))
                    .collect()
            })
        } else {
            a.simultaneous
                .and_then(|m| m.intervals(&counts, a.method, a.level))
                .map(|v| v.into_iter().map(Some).collect())
        };
        for (li, &i) in at.iter().enumerate() {
            let row = &mut r.rows[i];
            if row.is_hidden() {
                row.interval = None;
                row.flag = None;
                row.simultaneous = None;
                continue;
            }
            if a.survey_method.is_some() {
                // Weighted: the design-based figures, judged on the effective n.
                let w = row.weighted;
                row.interval = w.and_then(|w| {
                    w.interval.map(|(lower, upper)| crate::stats::ci::Interval {
                        estimate: w.p,
                        lower,
                        upper,
                    })
                });
                row.flag = w.map(|w| {
                    reliability::assess_design(w.p, w.n_kg, w.korn_graubard, w.df, &a.reliability)
                });
            } else {
                row.interval = a.method.interval(row.count, n, a.level);
                row.flag = (n > 0).then(|| reliability::assess(row.count, n, &a.reliability));
            }
            row.simultaneous = sim.as_ref().and_then(|v| v[li]);
        }
    }
    if sim_withheld > 0 {
        notes.push(format!(
            "simultaneous intervals: withheld for {sim_withheld} group(s) with a suppressed cell, since they are computed from every count of the group"
        ));
    }
    let (comparisons, independence) = match &a.compare {
        Some(cp) => compare_groups(
            a,
            cp,
            (&r.data.group_orders, &r.weighted_contrasts),
            &r.rows,
            &mut notes,
        ),
        None => (Vec::new(), None),
    };
    r.comparisons = comparisons;
    r.independence = independence;
    r.design_independence = match &a.compare {
        Some(cp) if cp.design => {
            let groups = &r.data.group_orders[cp.by];
            let hidden = r.rows.iter().any(|row| {
                row.is_hidden()
                    && row.group.iter().enumerate().all(|(i, v)| {
                        if i == cp.by {
                            v.as_ref().is_some_and(|g| groups.contains(g))
                        } else {
                            v.is_none()
                        }
                    })
            });
            if hidden && r.weighted_rao_scott.is_some() {
                notes.push(format!(
                    "the Rao-Scott test of the answer and `{}` is withheld: its table has suppressed cells, and the test would be computed from them",
                    a.by[cp.by]
                ));
                None
            } else {
                r.weighted_rao_scott
            }
        }
        _ => None,
    };
    r.notes = notes;
}

/// Comparisons between the groups of one `by` column (other columns at their margin), with
/// adjusted p-values, and the r x c test of outcome by that column.
fn compare_groups(
    a: &AnalysisPlan,
    cp: &ComparePlan,
    (group_orders, contrasts): (&[Vec<String>], &[super::weighted::WeightedContrast]),
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
            // Nothing is computed from a hidden number (its count or n stands at 0).
            let shown = !(h1 || h2);
            let (result, p_value) = if !shown {
                (None, None)
            } else if cp.design {
                contrasts
                    .iter()
                    .find(|c| &c.level == level && &c.group1 == g1 && &c.group2 == g2)
                    .map_or((None, None), |c| {
                        super::weighted::compare_weighted(c, cp.method.measure(), a.level)
                    })
            } else {
                (
                    compare::compare(cp.method, pair, a.level),
                    cp.test.run(pair).map(|t| t.p_value),
                )
            };
            let mut row = ComparisonRow {
                level: level.clone(),
                group1: g1.clone(),
                group2: g2.clone(),
                pair,
                result,
                p_value,
                p_adjusted: None,
                withheld: false,
            };
            if !shown {
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
    let independence = if cp.design {
        // The Rao-Scott test instead (set by the caller, withheld the same way).
        None
    } else if hidden {
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
