//! The audit against exhaustive enumeration, on random small tables.

use super::audit::{Bound, System};

/// splitmix64: a small deterministic generator, so every run tests the same tables.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Every integer point of a system by depth-first search (each atom from 0 to its upper
/// bound, pruned by the partial sums); returns each atom's smallest and largest value.
fn enumerate(sys: &System) -> Vec<(i64, i64)> {
    let k = sys.upper.len();
    let mut best = vec![(i64::MAX, i64::MIN); k];
    let mut x = vec![0i64; k];
    fn ok(sys: &System, x: &[i64], upto: usize) -> bool {
        sys.ranges.iter().all(|(atoms, lo, hi)| {
            let fixed: i64 = atoms
                .iter()
                .filter(|&&a| (a as usize) < upto)
                .map(|&a| x[a as usize])
                .sum();
            let open: f64 = atoms
                .iter()
                .filter(|&&a| (a as usize) >= upto)
                .map(|&a| sys.upper[a as usize])
                .sum();
            (fixed as f64) <= *hi && fixed as f64 + open >= *lo
        })
    }
    fn dfs(sys: &System, x: &mut Vec<i64>, i: usize, best: &mut Vec<(i64, i64)>) {
        if i == x.len() {
            for (b, &v) in best.iter_mut().zip(x.iter()) {
                b.0 = b.0.min(v);
                b.1 = b.1.max(v);
            }
            return;
        }
        for v in 0..=sys.upper[i] as i64 {
            x[i] = v;
            if ok(sys, x, i + 1) {
                dfs(sys, x, i + 1, best);
            }
        }
        x[i] = 0;
    }
    dfs(sys, &mut x, 0, &mut best);
    best
}

/// A random r x c table with both margins and the total, each number shown, hidden as
/// small (0 to 4) or hidden as complementary (at least 5), as the report would publish it.
fn random_table(rng: &mut Rng) -> (System, Vec<u64>) {
    let (r, c) = (2 + rng.below(2) as usize, 2 + rng.below(2) as usize);
    let cells: Vec<u64> = (0..r * c).map(|_| rng.below(9)).collect();
    let mut sets: Vec<Vec<u32>> = (0..r * c).map(|i| vec![i as u32]).collect();
    for i in 0..r {
        sets.push((0..c).map(|j| (i * c + j) as u32).collect());
    }
    for j in 0..c {
        sets.push((0..r).map(|i| (i * c + j) as u32).collect());
    }
    sets.push((0..(r * c) as u32).collect());
    let total: u64 = cells.iter().sum();
    let mut ranges = Vec::new();
    let mut hidden = 0;
    for (k, set) in sets.iter().enumerate() {
        let v: u64 = set.iter().map(|&a| cells[a as usize]).sum();
        // Cells are hidden more often than margins; never more than six cells, to keep the
        // enumeration small.
        let hide = k < r * c && hidden < 6 && (v < 5 || rng.below(3) == 0);
        let hide = hide || (k >= r * c && k + 1 < sets.len() && rng.below(4) == 0);
        if k < r * c && hide {
            hidden += 1;
        }
        let (lo, hi) = match (hide, v < 5) {
            (false, _) => (v as f64, v as f64),
            (true, true) => (0.0, 4.0),
            (true, false) => (5.0, f64::INFINITY),
        };
        ranges.push((set.clone(), lo, hi));
    }
    // Shown cells are exact; the search needs an upper bound for the others.
    let upper = (0..r * c)
        .map(|i| match ranges[i] {
            (_, lo, hi) if lo == hi => lo,
            _ => total as f64,
        })
        .collect();
    (System { upper, ranges }, cells)
}

#[test]
fn the_audit_agrees_with_exhaustive_enumeration() {
    let mut rng = Rng(2026);
    let mut checked = 0;
    for _ in 0..150 {
        let (sys, cells) = random_table(&mut rng);
        let truth = enumerate(&sys);
        for (a, &(lo, hi)) in truth.iter().enumerate() {
            assert!(
                lo <= cells[a] as i64 && cells[a] as i64 <= hi,
                "the true table is feasible"
            );
            let got = sys.interval(&[a as u32]);
            assert_eq!(
                got,
                (Bound::Value(lo), Bound::Value(hi)),
                "cell {a} of {cells:?}: audit {got:?}, enumeration [{lo}, {hi}]"
            );
            checked += 1;
        }
    }
    assert!(checked > 800, "{checked}");
}
