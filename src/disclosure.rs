//! Disclosure control: no published table lets a reader single out a small group of
//! respondents. Pure; runs on the estimates after estimation and before rendering, so every
//! output (HTML, Markdown, CSV, JSON, spreadsheet, plots) sees the same protected numbers.
//!
//! 1. **Primary suppression**: a count from 1 to `min_cell - 1` (default 5) is not shown
//!    (shown as "<5"), nor its proportion and intervals, which would give it back. A group
//!    size `n` that small is suppressed too. Zeros are shown: they are not a respondent.
//!    (The frequency rule of sdcTable's `primarySuppression(type = "freq")`, with the
//!    five-respondent threshold of the OECD glossary.)
//! 2. **Complementary suppression**: the published numbers of an analysis satisfy additive
//!    relations: the level counts of a group add up to its `n`, and for each `by` column the
//!    groups add up to their margin (for every level, and for `n`). A relation with exactly
//!    one hidden cell gives it back by subtraction, so one more cell of that relation is
//!    hidden: the smallest non-zero one, preferring a part over the total. This repeats until
//!    no relation has exactly one hidden cell (the classic row/column rule of
//!    tau-Argus / sdcTable's simple heuristics). A test solves the published relations for
//!    each hidden cell and checks that it cannot be pinned to one value.
//! 3. **Rounding** (optional, `round = 5`): shown counts are rounded to the nearest multiple
//!    of the base; proportions and intervals stay those of the exact counts.
//! 4. **Comparisons** that involve a hidden cell are withheld, and so are the adjusted cell
//!    residuals of a test of independence whose table has a hidden cell. Whole-table test
//!    statistics are shown (NHS Digital's guidance: complex statistics need no further
//!    control).
//!
//! Every hidden cell is logged with its rule (never its value) in `suppression.csv`.

use crate::estimate::{group_label, AnalysisResult};
use crate::plan::DisclosurePlan;

/// Why a number is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Suppression {
    /// Below the minimum cell count.
    Primary,
    /// Hidden so that a primary cell cannot be recovered from its relation.
    Complementary,
}

impl Suppression {
    pub fn name(self) -> &'static str {
        match self {
            Suppression::Primary => "primary",
            Suppression::Complementary => "complementary",
        }
    }
}

/// One logged suppression.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub analysis: String,
    /// The group, in words.
    pub group: String,
    /// The outcome level, or `n` for the group size.
    pub cell: String,
    pub rule: Suppression,
    /// The rule in words, e.g. "count below 5" or "with `worsened` of the same group, so that
    /// their group total does not give it back".
    pub reason: String,
}

/// A cell of an analysis: a level count (row index) or a group size (group index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Count(usize),
    Size(usize),
}

/// The additive structure of one analysis's published numbers.
struct Grid {
    cells: Vec<Cell>,
    values: Vec<u64>,
    /// `(total, parts)`: `values[total] = sum of values[parts]`.
    relations: Vec<(usize, Vec<usize>)>,
    labels: Vec<(String, String)>,
}

fn grid(r: &AnalysisResult) -> Grid {
    let groups = r.groups();
    let mut cells = Vec::new();
    let mut values = Vec::new();
    let mut labels = Vec::new();
    let mut count_id = vec![0usize; r.rows.len()];
    for (i, row) in r.rows.iter().enumerate() {
        count_id[i] = cells.len();
        cells.push(Cell::Count(i));
        values.push(row.count);
        labels.push((group_label(&r.plan.by, &row.group), row.outcome.clone()));
    }
    let mut size_id = vec![0usize; groups.len()];
    for (gi, g) in groups.iter().enumerate() {
        size_id[gi] = cells.len();
        cells.push(Cell::Size(gi));
        values.push(r.rows_of(g).next().map_or(0, |x| x.n));
        labels.push((group_label(&r.plan.by, g), "n".into()));
    }
    let row_of = |g: &[Option<String>], level: &str| {
        r.rows
            .iter()
            .position(|x| x.group == g && x.outcome == level)
    };
    let mut relations = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        // The levels of a group add up to its n.
        let parts: Vec<usize> = r
            .rows
            .iter()
            .enumerate()
            .filter(|(_, x)| &x.group == g)
            .map(|(i, _)| count_id[i])
            .collect();
        relations.push((size_id[gi], parts));
        // A margin over column c adds up its children.
        for c in 0..g.len() {
            if g[c].is_some() {
                continue;
            }
            let children: Vec<usize> = groups
                .iter()
                .enumerate()
                .filter(|(_, h)| {
                    h[c].is_some()
                        && h.iter()
                            .zip(g)
                            .enumerate()
                            .all(|(j, (a, b))| j == c || a == b)
                })
                .map(|(hi, _)| hi)
                .collect();
            if children.is_empty() {
                continue;
            }
            relations.push((size_id[gi], children.iter().map(|&h| size_id[h]).collect()));
            for level in &r.plan.levels {
                let Some(total) = row_of(g, level) else {
                    continue;
                };
                let parts: Vec<usize> = children
                    .iter()
                    .filter_map(|&h| row_of(&groups[h], level).map(|i| count_id[i]))
                    .collect();
                relations.push((count_id[total], parts));
            }
        }
    }
    Grid {
        cells,
        values,
        relations,
        labels,
    }
}

/// Marks cells to hide: primary below `min_cell`, then complements until no relation has
/// exactly one hidden cell. Returns, per cell, the rule and the reason in words.
fn suppress(g: &Grid, min_cell: u64) -> Vec<Option<(Suppression, String)>> {
    let mut hidden: Vec<Option<(Suppression, String)>> = g
        .values
        .iter()
        .map(|&v| {
            (v > 0 && v < min_cell)
                .then(|| (Suppression::Primary, format!("count below {min_cell}")))
        })
        .collect();
    loop {
        let mut changed = false;
        for (total, parts) in &g.relations {
            let members: Vec<usize> = parts.iter().copied().chain([*total]).collect();
            let mut shut = members.iter().filter(|&&m| hidden[m].is_some());
            let (Some(&lone), None) = (shut.next(), shut.next()) else {
                continue;
            };
            // The smallest non-zero part, else the smallest part, else the total.
            let pick = parts
                .iter()
                .copied()
                .filter(|&p| hidden[p].is_none())
                .min_by_key(|&p| (g.values[p] == 0, g.values[p]))
                .or_else(|| (hidden[*total].is_none()).then_some(*total));
            if let Some(p) = pick {
                let (group, cell) = &g.labels[lone];
                hidden[p] = Some((
                    Suppression::Complementary,
                    format!("protects `{cell}` of {group}, which its relation would give back"),
                ));
                changed = true;
            }
        }
        if !changed {
            return hidden;
        }
    }
}

fn round_to(v: u64, base: u64) -> u64 {
    (v + base / 2) / base * base
}

/// Applies the plan to every analysis; returns the log. With `protect = false` nothing is
/// changed and the log is empty.
pub fn protect(results: &mut [AnalysisResult], plan: &DisclosurePlan) -> Vec<LogEntry> {
    let mut log = Vec::new();
    if !plan.protect {
        return log;
    }
    for r in results.iter_mut() {
        let g = grid(r);
        let hidden = suppress(&g, plan.min_cell);
        let groups = r.groups();
        for (id, h) in hidden.iter().enumerate() {
            let Some((rule, reason)) = h else { continue };
            let (group, cell) = g.labels[id].clone();
            log.push(LogEntry {
                analysis: r.plan.name.clone(),
                group,
                cell,
                rule: *rule,
                reason: reason.clone(),
            });
            match g.cells[id] {
                Cell::Count(i) => r.rows[i].hide_count(*rule),
                Cell::Size(gi) => {
                    for row in r.rows.iter_mut().filter(|x| x.group == groups[gi]) {
                        row.hide_n(*rule);
                    }
                }
            }
        }
        if let Some(base) = plan.round {
            for row in &mut r.rows {
                row.count = round_to(row.count, base);
                row.n = round_to(row.n, base);
            }
            for c in &mut r.comparisons {
                for v in [
                    &mut c.pair.x1,
                    &mut c.pair.n1,
                    &mut c.pair.x2,
                    &mut c.pair.n2,
                ] {
                    *v = round_to(*v, base);
                }
            }
        }
        withhold_comparisons(r);
    }
    log
}

/// Comparisons and residuals that would give back a hidden cell are withheld.
fn withhold_comparisons(r: &mut AnalysisResult) {
    let Some(cp) = &r.plan.compare else { return };
    let by = cp.by;
    let hidden = |rows: &[crate::estimate::EstimateRow], g: &str, level: Option<&str>| {
        rows.iter().any(|x| {
            x.is_hidden()
                && level.is_none_or(|l| x.outcome == l)
                && x.group.iter().enumerate().all(|(i, v)| {
                    if i == by {
                        v.as_deref() == Some(g)
                    } else {
                        v.is_none()
                    }
                })
        })
    };
    let rows = r.rows.clone();
    for c in &mut r.comparisons {
        if hidden(&rows, &c.group1, Some(&c.level)) || hidden(&rows, &c.group2, Some(&c.level)) {
            c.withhold();
        }
    }
    if let Some(t) = &mut r.independence {
        if t.groups.iter().any(|g| hidden(&rows, g, None)) {
            t.tests.residuals.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value of each hidden cell consistent with the published numbers: a depth-first
    /// search over non-negative integers satisfying every relation, with the shown values
    /// fixed. Small tables only.
    fn feasible_values(g: &Grid, hidden: &[bool]) -> Vec<std::collections::BTreeSet<u64>> {
        let vars: Vec<usize> = (0..g.values.len()).filter(|&i| hidden[i]).collect();
        let bound = g.values.iter().copied().max().unwrap_or(0);
        let mut found = vec![std::collections::BTreeSet::new(); vars.len()];
        let mut assign: Vec<Option<u64>> = (0..g.values.len())
            .map(|i| (!hidden[i]).then_some(g.values[i]))
            .collect();
        fn ok(g: &Grid, assign: &[Option<u64>]) -> bool {
            g.relations.iter().all(|(t, parts)| {
                let known: u64 = parts.iter().filter_map(|&p| assign[p]).sum();
                let open = parts.iter().any(|&p| assign[p].is_none());
                match assign[*t] {
                    Some(tv) if open => known <= tv,
                    Some(tv) => known == tv,
                    None => true,
                }
            })
        }
        // A hidden part is at most any shown total it adds up to.
        let bounds: Vec<u64> = vars
            .iter()
            .map(|&v| {
                g.relations
                    .iter()
                    .filter(|(t, parts)| !hidden[*t] && parts.contains(&v))
                    .map(|(t, _)| g.values[*t])
                    .min()
                    .unwrap_or(bound)
            })
            .collect();
        fn dfs(
            k: usize,
            vars: &[usize],
            bounds: &[u64],
            g: &Grid,
            assign: &mut Vec<Option<u64>>,
            found: &mut [std::collections::BTreeSet<u64>],
        ) {
            if k == vars.len() {
                for (j, &v) in vars.iter().enumerate() {
                    found[j].insert(assign[v].unwrap());
                }
                return;
            }
            for val in 0..=bounds[k] {
                assign[vars[k]] = Some(val);
                if ok(g, assign) {
                    dfs(k + 1, vars, bounds, g, assign, found);
                }
            }
            assign[vars[k]] = None;
        }
        dfs(0, &vars, &bounds, g, &mut assign, &mut found);
        found
    }

    /// A 3 x 3 table with margins written out as a grid by hand.
    fn table(counts: [[u64; 3]; 3]) -> Grid {
        // Cells 0..9: x[g][l]; 9..12: n[g]; 12..15: All x[l]; 15: All n.
        let mut values: Vec<u64> = counts.iter().flatten().copied().collect();
        values.extend(counts.iter().map(|r| r.iter().sum::<u64>()));
        for l in 0..3 {
            values.push(counts.iter().map(|r| r[l]).sum());
        }
        values.push(counts.iter().flatten().sum());
        let mut relations = Vec::new();
        for g in 0..3 {
            relations.push((9 + g, (0..3).map(|l| 3 * g + l).collect()));
        }
        relations.push((15, vec![12, 13, 14]));
        for l in 0..3 {
            relations.push((12 + l, (0..3).map(|g| 3 * g + l).collect()));
        }
        relations.push((15, vec![9, 10, 11]));
        Grid {
            cells: (0..16).map(Cell::Count).collect(),
            labels: (0..16).map(|i| (format!("g{i}"), "l".into())).collect(),
            values,
            relations,
        }
    }

    #[test]
    fn hidden_cells_cannot_be_recovered_from_published_margins() {
        for counts in [
            [[3, 9, 12], [7, 8, 6], [10, 2, 11]],
            [[1, 0, 14], [6, 6, 6], [9, 12, 8]],
            [[2, 3, 15], [4, 0, 9], [11, 7, 1]],
            [[0, 0, 3], [12, 5, 7], [6, 8, 10]],
        ] {
            let g = table(counts);
            let hidden = suppress(&g, 5);
            let is_hidden: Vec<bool> = hidden.iter().map(Option::is_some).collect();
            // Every primary cell is hidden.
            for (i, &v) in g.values.iter().enumerate() {
                if v > 0 && v < 5 {
                    assert_eq!(hidden[i].as_ref().map(|h| h.0), Some(Suppression::Primary));
                }
            }
            // No relation has exactly one hidden cell.
            for (t, parts) in &g.relations {
                let k = parts.iter().chain([t]).filter(|&&m| is_hidden[m]).count();
                assert_ne!(k, 1, "{counts:?}");
            }
            // And no hidden cell has only one value consistent with what is published.
            let feasible = feasible_values(&g, &is_hidden);
            for (set, (&v, _)) in feasible
                .iter()
                .zip(g.values.iter().zip(&is_hidden).filter(|(_, &h)| h))
            {
                assert!(set.contains(&v), "the true value is feasible");
                assert!(
                    set.len() >= 2,
                    "{counts:?}: a hidden cell is pinned to {set:?}"
                );
            }
        }
    }

    #[test]
    fn rounding_to_base() {
        assert_eq!(
            [0, 2, 3, 7, 8, 12, 13].map(|v| round_to(v, 5)),
            [0, 0, 5, 5, 10, 10, 15]
        );
    }
}
