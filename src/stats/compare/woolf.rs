//! Woolf (logit) interval for an odds ratio.
//!
//! # Formula
//! With cells `a = x1, b = n1 - x1, c = x2, d = n2 - x2`:
//! `exp( ln(ad / bc) +/- z sqrt(1/a + 1/b + 1/c + 1/d) )`.
//!
//! # At 0 cells
//! When any cell is 0, 0.5 is added to every cell (Haldane 1956; Anscombe 1956) for the
//! estimate and the interval, as statsmodels `Table2x2(shift_zeros=True)`.
//!
//! # Coverage
//! Adequate for moderate counts; the exact conditional interval is safer for small ones.
//!
//! # References
//! Woolf B (1955) Ann Hum Genet 19:251-253.

use super::{Comparison, Pair};
use crate::stats::dist::z_two_sided;

pub fn interval(p: Pair, level: f64) -> Comparison {
    let cells = [p.x1, p.n1 - p.x1, p.x2, p.n2 - p.x2];
    let add = if cells.contains(&0) { 0.5 } else { 0.0 };
    let [a, b, c, d] = cells.map(|v| v as f64 + add);
    let log_or = a.ln() + d.ln() - b.ln() - c.ln();
    let se = (1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d).sqrt();
    let z = z_two_sided(level);
    Comparison {
        estimate: log_or.exp(),
        lower: (log_or - z * se).exp(),
        upper: (log_or + z * se).exp(),
    }
}
