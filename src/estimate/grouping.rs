//! Grouping: sums an analysis's cells over every margin of its subgroup columns (the
//! overall total, each column alone, ..., the full crossing).
//!
//! A plain fold over the cells. The cells are already the distinct tuples of the data (ingest
//! counted the rows), so there are at most a few thousand of them even for 10 million rows:
//! a hash map per margin does the job in microseconds, where a DataFrame would be built,
//! cloned per margin and unpacked again.

use indexmap::IndexMap;

use crate::validate::Cell;

/// Counts per outcome for one group key; `None` in a key position means "all" (a margin).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupCounts {
    pub key: Vec<Option<String>>,
    pub counts: Vec<(String, u64)>,
}

/// Every subset of `0..k`, smallest first (the empty set is the overall total).
pub fn margins(k: usize) -> Vec<Vec<usize>> {
    let mut subsets: Vec<Vec<usize>> = (0u32..(1 << k))
        .map(|mask| (0..k).filter(|i| mask & (1 << i) != 0).collect())
        .collect();
    subsets.sort_by(|a: &Vec<usize>, b: &Vec<usize>| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    subsets
}

/// Sums `cells` over every margin of the `k` subgroup columns: for each margin, one
/// [`GroupCounts`] per key that occurs, in first-seen order, with its outcomes in
/// first-seen order. The overall row is there even when there are no cells (n = 0).
/// (Ingest has checked that the counts of a file add up without overflow; the sums
/// saturate rather than wrap should that ever not hold.)
pub fn group_counts(cells: &[Cell], k: usize) -> Vec<GroupCounts> {
    let mut out = Vec::new();
    for subset in margins(k) {
        let mut by_key: IndexMap<Vec<Option<&str>>, IndexMap<&str, u64>> = IndexMap::new();
        for c in cells {
            let mut key = vec![None; k];
            for &i in &subset {
                key[i] = Some(c.group[i].as_str());
            }
            let sum = by_key
                .entry(key)
                .or_default()
                .entry(c.outcome.as_str())
                .or_default();
            *sum = sum.saturating_add(c.count);
        }
        if subset.is_empty() && by_key.is_empty() {
            // No one in the denominator: still report the overall row (n = 0).
            by_key.insert(vec![None; k], IndexMap::new());
        }
        out.extend(by_key.into_iter().map(|(key, counts)| {
            GroupCounts {
                key: key.into_iter().map(|v| v.map(str::to_string)).collect(),
                counts: counts
                    .into_iter()
                    .map(|(o, n)| (o.to_string(), n))
                    .collect(),
            }
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(g: &[&str], o: &str, n: u64) -> Cell {
        Cell {
            group: g.iter().map(|s| s.to_string()).collect(),
            outcome: o.into(),
            count: n,
            sums: [0.0; 2],
            unit: Default::default(),
        }
    }

    #[test]
    fn margins_are_smallest_first() {
        assert_eq!(margins(2), vec![vec![], vec![0], vec![1], vec![0, 1]]);
    }

    #[test]
    fn sums_every_margin() {
        let cells = vec![
            cell(&["a", "x"], "w", 3),
            cell(&["a", "y"], "w", 4),
            cell(&["b", "x"], "i", 5),
        ];
        let g = group_counts(&cells, 2);
        let find = |key: Vec<Option<&str>>| {
            let key: Vec<Option<String>> = key.into_iter().map(|k| k.map(String::from)).collect();
            let mut c = g.iter().find(|x| x.key == key).unwrap().counts.clone();
            c.sort();
            c
        };
        assert_eq!(
            find(vec![None, None]),
            vec![("i".into(), 5), ("w".into(), 7)]
        );
        assert_eq!(find(vec![Some("a"), None]), vec![("w".into(), 7)]);
        assert_eq!(
            find(vec![None, Some("x")]),
            vec![("i".into(), 5), ("w".into(), 3)]
        );
        assert_eq!(g.len(), 1 + 2 + 2 + 3);
    }

    #[test]
    fn no_cells_still_give_an_overall_row() {
        let g = group_counts(&[], 1);
        assert_eq!(
            g,
            vec![GroupCounts {
                key: vec![None],
                counts: vec![]
            }]
        );
    }
}
