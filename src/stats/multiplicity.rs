//! Adjusted p-values for several comparisons made in one analysis, as R's `p.adjust`.
//!
//! - `holm` (default): step-down Bonferroni, `min(1, max_{j<=i} (m - j + 1) p_(j))`; controls
//!   the family-wise error rate, never less powerful than Bonferroni (Holm 1979).
//! - `bonferroni`: `min(1, m p)`.
//! - `benjamini-hochberg`: step-up, `min_{j>=i} (m / j) p_(j)`; controls the false discovery
//!   rate (Benjamini & Hochberg 1995).
//!
//! Ties keep their input order; the result is in the input order.

use crate::registry::{self, Entry, Unknown};

/// A p-value adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjust {
    Holm,
    Bonferroni,
    BenjaminiHochberg,
    None,
}

/// One registry entry: an adjustment, its name and its function.
pub struct AdjustInfo {
    pub adjust: Adjust,
    pub name: &'static str,
    /// The adjusted p-values, in the input order.
    pub apply: fn(&[f64]) -> Vec<f64>,
}

/// The adjustments by their names in pipelines.
pub static ADJUSTMENTS: &[AdjustInfo] = &[
    AdjustInfo {
        adjust: Adjust::Holm,
        name: "holm",
        apply: holm,
    },
    AdjustInfo {
        adjust: Adjust::Bonferroni,
        name: "bonferroni",
        apply: bonferroni,
    },
    AdjustInfo {
        adjust: Adjust::BenjaminiHochberg,
        name: "benjamini-hochberg",
        apply: benjamini_hochberg,
    },
    AdjustInfo {
        adjust: Adjust::None,
        name: "none",
        apply: <[f64]>::to_vec,
    },
];

impl Entry for AdjustInfo {
    type Handle = Adjust;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> Adjust {
        self.adjust
    }
}

impl Adjust {
    /// The adjustment's registry entry.
    pub fn info(self) -> &'static AdjustInfo {
        registry::entry(ADJUSTMENTS, self)
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn from_name(s: &str) -> Result<Adjust, Unknown> {
        registry::lookup(ADJUSTMENTS, "p-value adjustment", s)
    }

    /// Adjusts `p` (in input order).
    pub fn apply(self, p: &[f64]) -> Vec<f64> {
        (self.info().apply)(p)
    }
}

/// Bonferroni: `min(1, m p)`.
fn bonferroni(p: &[f64]) -> Vec<f64> {
    let mf = p.len() as f64;
    p.iter().map(|v| (v * mf).min(1.0)).collect()
}

/// Holm's step-down: `min(1, max_{j<=i} (m - j + 1) p_(j))`, ties in input order.
fn holm(p: &[f64]) -> Vec<f64> {
    let mf = p.len() as f64;
    let mut order: Vec<usize> = (0..p.len()).collect();
    let mut out = vec![0.0; p.len()];
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max((mf - rank as f64) * p[i]);
        out[i] = running.min(1.0);
    }
    out
}

/// Benjamini-Hochberg's step-up: `min_{j>=i} (m / j) p_(j)`, ties in input order.
fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mf = m as f64;
    let mut order: Vec<usize> = (0..m).collect();
    let mut out = vec![0.0; m];
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let mut running = f64::INFINITY;
    for (k, &i) in order.iter().enumerate() {
        let rank = (m - k) as f64;
        running = running.min(mf / rank * p[i]);
        out[i] = running.min(1.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_has_one_entry_and_round_trips_by_name() {
        use Adjust::*;
        let all = [Holm, Bonferroni, BenjaminiHochberg, None];
        assert_eq!(all.len(), ADJUSTMENTS.len());
        for a in all {
            assert_eq!(Adjust::from_name(a.name()), Ok(a));
        }
    }
}
