//! r x c tables (outcome levels x subgroups): Pearson's chi-square test of independence,
//! the likelihood-ratio G test, Cramer's V and adjusted standardised residuals.
//!
//! # Formulas
//! With expected counts `E_ij = R_i C_j / N`: `X^2 = sum (O - E)^2 / E`,
//! `G = 2 sum O ln(O / E)` (0 ln 0 = 0), both on `(r - 1)(c - 1)` df;
//! `V = sqrt(X^2 / (N (min(r, c) - 1)))`; adjusted residuals
//! `(O - E) / sqrt(E (1 - R_i/N) (1 - C_j/N))` (Agresti 2013, 2.4.5; R's `chisq.test()$stdres`).
//!
//! Rows or columns whose total is zero are dropped first (they carry no information and
//! would divide by zero); the result says how many were dropped.
//!
//! # References
//! Agresti A (2013) Categorical Data Analysis, 3rd ed. Cramer H (1946).

use super::dist::chi_square_sf;

/// The tests of one table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableTests {
    pub pearson: f64,
    pub df: f64,
    pub pearson_p: f64,
    pub g: f64,
    pub g_p: f64,
    pub cramers_v: f64,
    /// Adjusted standardised residuals, rows x columns of the table as given (NaN for cells
    /// in a dropped row or column).
    pub residuals: Vec<Vec<f64>>,
    pub dropped_rows: usize,
    pub dropped_cols: usize,
}

/// Tests a table of counts (rows x columns). `None` when fewer than two rows or two columns
/// have a non-zero total.
pub fn test_table(counts: &[Vec<u64>]) -> Option<TableTests> {
    let r = counts.len();
    let c = counts.first().map_or(0, Vec::len);
    let row_tot: Vec<f64> = counts
        .iter()
        .map(|row| row.iter().sum::<u64>() as f64)
        .collect();
    let col_tot: Vec<f64> = (0..c)
        .map(|j| counts.iter().map(|row| row[j]).sum::<u64>() as f64)
        .collect();
    let rows: Vec<usize> = (0..r).filter(|&i| row_tot[i] > 0.0).collect();
    let cols: Vec<usize> = (0..c).filter(|&j| col_tot[j] > 0.0).collect();
    if rows.len() < 2 || cols.len() < 2 {
        return None;
    }
    let n: f64 = row_tot.iter().sum();
    let (mut x2, mut g) = (0.0, 0.0);
    let mut residuals = vec![vec![f64::NAN; c]; r];
    for &i in &rows {
        for &j in &cols {
            let o = counts[i][j] as f64;
            let e = row_tot[i] * col_tot[j] / n;
            x2 += (o - e) * (o - e) / e;
            if o > 0.0 {
                g += o * (o / e).ln();
            }
            residuals[i][j] =
                (o - e) / (e * (1.0 - row_tot[i] / n) * (1.0 - col_tot[j] / n)).sqrt();
        }
    }
    g *= 2.0;
    let df = ((rows.len() - 1) * (cols.len() - 1)) as f64;
    let k = rows.len().min(cols.len()) as f64;
    Some(TableTests {
        pearson: x2,
        df,
        pearson_p: chi_square_sf(x2, df),
        g,
        g_p: chi_square_sf(g, df),
        cramers_v: (x2 / (n * (k - 1.0))).sqrt(),
        residuals,
        dropped_rows: r - rows.len(),
        dropped_cols: c - cols.len(),
    })
}
