//! Grouping: the only polars code in `estimate`. Sums cell counts over every margin of the
//! subgroup columns (the overall total, each column alone, ..., the full crossing) with a
//! lazy group-by, so that large counts tables take the same path as small ones.

use polars::prelude::*;

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

/// Sums `cells` over every margin of the `k` subgroup columns.
pub fn group_counts(cells: &[Cell], k: usize) -> PolarsResult<Vec<GroupCounts>> {
    let mut columns: Vec<Column> = (0..k)
        .map(|i| {
            let vals: Vec<&str> = cells.iter().map(|c| c.group[i].as_str()).collect();
            Column::new(format!("g{i}").into(), vals)
        })
        .collect();
    columns.push(Column::new(
        "outcome".into(),
        cells.iter().map(|c| c.outcome.as_str()).collect::<Vec<_>>(),
    ));
    columns.push(Column::new(
        "count".into(),
        cells.iter().map(|c| c.count).collect::<Vec<u64>>(),
    ));
    let df = DataFrame::new_infer_height(columns)?;

    let mut out = Vec::new();
    for subset in margins(k) {
        let mut keys: Vec<Expr> = subset.iter().map(|i| col(format!("g{i}"))).collect();
        keys.push(col("outcome"));
        let grouped = df
            .clone()
            .lazy()
            .group_by(keys)
            .agg([col("count").sum()])
            .collect()?;
        let key_cols: Vec<&StringChunked> = subset
            .iter()
            .map(|i| grouped.column(&format!("g{i}")).and_then(|c| c.str()))
            .collect::<PolarsResult<_>>()?;
        let outcome = grouped.column("outcome")?.str()?;
        let count = grouped.column("count")?.u64()?;
        let mut by_key: indexmap::IndexMap<Vec<Option<String>>, Vec<(String, u64)>> =
            indexmap::IndexMap::new();
        for row in 0..grouped.height() {
            let mut key: Vec<Option<String>> = vec![None; k];
            for (pos, &i) in subset.iter().enumerate() {
                key[i] = key_cols[pos].get(row).map(str::to_string);
            }
            by_key.entry(key).or_default().push((
                outcome.get(row).unwrap_or_default().to_string(),
                count.get(row).unwrap_or(0),
            ));
        }
        if subset.is_empty() && by_key.is_empty() {
            // No one in the denominator: still report the overall row (n = 0).
            by_key.insert(vec![None; k], Vec::new());
        }
        out.extend(
            by_key
                .into_iter()
                .map(|(key, counts)| GroupCounts { key, counts }),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(g: &[&str], o: &str, n: u64) -> Cell {
        Cell {
            group: g.iter().map(|s| s.to_string()).collect(),
            outcome: o.into(),
            count: n,
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
        let g = group_counts(&cells, 2).unwrap();
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
        let g = group_counts(&[], 1).unwrap();
        assert_eq!(
            g,
            vec![GroupCounts {
                key: vec![None],
                counts: vec![]
            }]
        );
    }
}
