//! Adjusted p-values for several comparisons made in one analysis, as R's `p.adjust`.
//!
//! - `holm` (default): step-down Bonferroni, `min(1, max_{j<=i} (m - j + 1) p_(j))`; controls
//!   the family-wise error rate, never less powerful than Bonferroni (Holm 1979).
//! - `bonferroni`: `min(1, m p)`.
//! - `benjamini-hochberg`: step-up, `min_{j>=i} (m / j) p_(j)`; controls the false discovery
//!   rate (Benjamini & Hochberg 1995).
//!
//! Ties keep their input order; the result is in the input order.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjust {
    Holm,
    Bonferroni,
    BenjaminiHochberg,
    None,
}

pub const ADJUSTMENTS: &[(&str, Adjust)] = &[
    ("holm", Adjust::Holm),
    ("bonferroni", Adjust::Bonferroni),
    ("benjamini-hochberg", Adjust::BenjaminiHochberg),
    ("none", Adjust::None),
];

impl Adjust {
    pub fn name(self) -> &'static str {
        crate::suggest::name_of(ADJUSTMENTS, self)
    }

    pub fn from_name(s: &str) -> Result<Adjust, String> {
        crate::suggest::lookup(ADJUSTMENTS, "p-value adjustment", s)
    }

    /// Adjusts `p` (in input order).
    pub fn apply(self, p: &[f64]) -> Vec<f64> {
        let m = p.len();
        let mf = m as f64;
        let mut order: Vec<usize> = (0..m).collect();
        let mut out = vec![0.0; m];
        match self {
            Adjust::None => return p.to_vec(),
            Adjust::Bonferroni => return p.iter().map(|v| (v * mf).min(1.0)).collect(),
            Adjust::Holm => {
                order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
                let mut running: f64 = 0.0;
                for (rank, &i) in order.iter().enumerate() {
                    running = running.max((mf - rank as f64) * p[i]);
                    out[i] = running.min(1.0);
                }
            }
            Adjust::BenjaminiHochberg => {
                order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
                let mut running = f64::INFINITY;
                for (k, &i) in order.iter().enumerate() {
                    let rank = (m - k) as f64;
                    running = running.min(mf / rank * p[i]);
                    out[i] = running.min(1.0);
                }
            }
        }
        out
    }
}
