//! The Rao-Scott corrected chi-square test of independence for an r x c table of a complex
//! design, as R's `svychisq(~row + col, design, statistic = "F" | "Chisq")` computes it.
//!
//! # Formulas (Rao & Scott 1981, 1984; Lumley 2010 §6.2; `svychisq.survey.design`)
//!
//! With `p̂_k` the weighted cell shares (`svymean` of the r·c cell indicators) and `V` their
//! linearised covariance matrix (on a calibrated design, of the calibration's residuals, as
//! `svyrecvar` takes it), `N` the respondents in the table and `ν` the design df (PSUs minus
//! strata: of the table's domain, or of the whole design when it is calibrated, see below):
//!
//! - Pearson's `X² = N Σ (p̂_ij − p̂_i. p̂_.j)² / (p̂_i. p̂_.j)` (R: `chisq.test` of the weighted
//!   table rescaled to total N).
//! - `C`: a basis of the interaction contrasts, the cell indicators of rows 2..r x columns
//!   2..c with the additive (row + column) part projected out. On the full grid that
//!   projection is double centring: `C_(ij),(kl) = δ_ik δ_jl − δ_ik/c − δ_jl/r + 1/(rc)`
//!   (R: `qr.resid(qr(X1), X12[, interactions])`; the traces below do not depend on the basis).
//! - `Δ = (C' D⁻¹ C / N)⁻¹ (C' D⁻¹ V D⁻¹ C)`, `D = diag(p̂)` (`1/0` taken as 0, as R).
//!   Its eigenvalues are the generalised design effects `δ_1..δ_m`, `m = (r−1)(c−1)`.
//! - `"Chisq"` (first-order correction): `X² m / tr Δ` on `χ²_m`.
//! - `"F"` (second-order, Satterthwaite): `F = X² / tr Δ` on `F(d, d ν)` with
//!   `d = (tr Δ)² / tr(Δ²)`.
//!
//! `N` cancels from both corrected statistics (`X²` and `tr Δ` are each proportional to it).
//! R's `N` is `nrow()` of the design it is given, which for a subset of a calibrated design is
//! the whole sample: only the uncorrected `X²` that `"Chisq"` prints depends on that, and
//! tally reports the corrected statistics.
//!
//! References: Rao JNK, Scott AJ (1981) JASA 76:221-230; (1984) Ann Stat 12:46-60.
//! Lumley T (2010) Complex Surveys, §6.2.

use super::linearize::{covariance, Ratio};
use super::{Design, Table};
use crate::stats::dist::{beta_cdf_pair, chi_square_sf};

/// The Rao-Scott statistics of one table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RaoScott {
    /// Pearson's X² of the weighted table rescaled to N.
    pub pearson: f64,
    /// `tr Δ` and `tr Δ²`.
    pub trace: f64,
    pub trace_sq: f64,
    /// `"F"`: statistic, numerator and denominator df, p-value.
    pub f: f64,
    pub f_ndf: f64,
    pub f_ddf: f64,
    pub f_p: f64,
    /// `"Chisq"`: statistic, df, p-value.
    pub chisq: f64,
    pub chisq_df: f64,
    pub chisq_p: f64,
}

/// The Rao-Scott test of the table's rows against its columns; `None` for fewer than two
/// rows or columns or an empty table.
pub fn rao_scott(design: &Design, table: &Table) -> Option<RaoScott> {
    let (r, c) = (table.rows(), table.cols());
    if r < 2 || c < 2 {
        return None;
    }
    let k = r * c;
    let shares: Vec<Ratio> = (0..k)
        .map(|i| Ratio::cell_share(table, i / c, i % c))
        .collect();
    let p: Vec<f64> = shares
        .iter()
        .map(|s| {
            let (y, n) = s.totals(table);
            y / n
        })
        .collect();
    let n_resp: u64 = (0..k)
        .flat_map(|i| table.cell(i / c, i % c).iter().map(|t| t.n))
        .sum();
    if n_resp == 0 {
        return None;
    }
    let n = n_resp as f64;
    let pearson = pearson(&p, r, c, n);
    let mut v = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let x = covariance(design, table, &shares[i], &shares[j]);
            v[i * k + j] = x;
            v[j * k + i] = x;
        }
    }
    let m = (r - 1) * (c - 1);
    let basis = interaction_basis(r, c);
    let inv_p: Vec<f64> = p
        .iter()
        .map(|&x| if x == 0.0 { 0.0 } else { 1.0 / x })
        .collect();
    // A = D⁻¹ C (k x m).
    let a: Vec<f64> = (0..k * m).map(|i| inv_p[i / m] * basis[i]).collect();
    let mut denom = vec![0.0; m * m];
    let mut numr = vec![0.0; m * m];
    for x in 0..m {
        for y in 0..m {
            denom[x * m + y] = (0..k).map(|i| basis[i * m + x] * a[i * m + y]).sum::<f64>() / n;
            numr[x * m + y] = (0..k)
                .map(|i| a[i * m + x] * (0..k).map(|j| v[i * k + j] * a[j * m + y]).sum::<f64>())
                .sum();
        }
    }
    let delta = solve(denom, numr, m)?;
    let trace: f64 = (0..m).map(|i| delta[i * m + i]).sum();
    let trace_sq: f64 = (0..m)
        .flat_map(|i| (0..m).map(move |j| (i, j)))
        .map(|(i, j)| delta[i * m + j] * delta[j * m + i])
        .sum();
    let d0 = trace * trace / trace_sq;
    // `svychisq`'s ν is the PSUs minus the strata of the design it is given. A subset of an
    // uncalibrated design keeps only the domain's rows: the df of the table's domain (for a
    // table of the whole design, the design's df). A subset of a calibrated design keeps
    // every row, with zero weight outside the domain: the whole design's df.
    let nu = if table.calibration().is_some() {
        design.df()
    } else {
        super::linearize::support_df(table, &vec![true; table.rows() * table.cols()])
    } as f64;
    let f = pearson / trace;
    let chisq = pearson * m as f64 / trace;
    Some(RaoScott {
        pearson,
        trace,
        trace_sq,
        f,
        f_ndf: d0,
        f_ddf: d0 * nu,
        f_p: f_sf(f, d0, d0 * nu),
        chisq,
        chisq_df: m as f64,
        chisq_p: chi_square_sf(chisq, m as f64),
    })
}

/// Pearson's X² of the cell shares `p` (row-major r x c) scaled to total `n`.
fn pearson(p: &[f64], r: usize, c: usize, n: f64) -> f64 {
    let row: Vec<f64> = (0..r).map(|i| (0..c).map(|j| p[i * c + j]).sum()).collect();
    let col: Vec<f64> = (0..c).map(|j| (0..r).map(|i| p[i * c + j]).sum()).collect();
    let mut x2 = 0.0;
    for i in 0..r {
        for j in 0..c {
            let e = row[i] * col[j];
            let d = p[i * c + j] - e;
            x2 += d * d / e;
        }
    }
    n * x2
}

/// The double-centred interaction indicators, `k x m` row-major (module docs).
fn interaction_basis(r: usize, c: usize) -> Vec<f64> {
    let m = (r - 1) * (c - 1);
    let mut b = vec![0.0; r * c * m];
    let (rf, cf) = (r as f64, c as f64);
    for (col, (i, j)) in (1..r).flat_map(|i| (1..c).map(move |j| (i, j))).enumerate() {
        for k in 0..r {
            for l in 0..c {
                let own = if k == i && l == j { 1.0 } else { 0.0 };
                let in_row = if k == i { 1.0 / cf } else { 0.0 };
                let in_col = if l == j { 1.0 / rf } else { 0.0 };
                b[(k * c + l) * m + col] = own - in_row - in_col + 1.0 / (rf * cf);
            }
        }
    }
    b
}

/// Solves `A X = B` for `m x m` matrices (row-major) by Gaussian elimination with partial
/// pivoting; `None` when `A` is singular.
fn solve(mut a: Vec<f64>, mut b: Vec<f64>, m: usize) -> Option<Vec<f64>> {
    for col in 0..m {
        let pivot =
            (col..m).max_by(|&x, &y| a[x * m + col].abs().total_cmp(&a[y * m + col].abs()))?;
        if a[pivot * m + col] == 0.0 || !a[pivot * m + col].is_finite() {
            return None;
        }
        if pivot != col {
            for j in 0..m {
                a.swap(pivot * m + j, col * m + j);
                b.swap(pivot * m + j, col * m + j);
            }
        }
        for row in 0..m {
            if row == col {
                continue;
            }
            let factor = a[row * m + col] / a[col * m + col];
            if factor == 0.0 {
                continue;
            }
            for j in 0..m {
                a[row * m + j] -= factor * a[col * m + j];
                b[row * m + j] -= factor * b[col * m + j];
            }
        }
    }
    for row in 0..m {
        let d = a[row * m + row];
        for j in 0..m {
            b[row * m + j] /= d;
        }
    }
    Some(b)
}

/// `P(F > f)` for `F ~ F(d1, d2)`: the upper tail of Beta(d1/2, d2/2) at `d1 f/(d1 f + d2)`.
fn f_sf(f: f64, d1: f64, d2: f64) -> f64 {
    if f.is_nan() || f < 0.0 {
        return f64::NAN;
    }
    if f == 0.0 {
        return 1.0;
    }
    beta_cdf_pair(d1 / 2.0, d2 / 2.0, d1 * f / (d1 * f + d2)).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_inverts_a_small_system() {
        // [[2, 1], [1, 3]] X = I -> X = [[0.6, -0.2], [-0.2, 0.4]].
        let x = solve(vec![2.0, 1.0, 1.0, 3.0], vec![1.0, 0.0, 0.0, 1.0], 2).unwrap();
        for (g, w) in x.iter().zip([0.6, -0.2, -0.2, 0.4]) {
            assert!((g - w).abs() < 1e-15);
        }
        assert!(solve(vec![1.0, 2.0, 2.0, 4.0], vec![1.0, 0.0, 0.0, 1.0], 2).is_none());
    }

    #[test]
    fn basis_columns_are_orthogonal_to_rows_and_columns() {
        let (r, c) = (3, 4);
        let b = interaction_basis(r, c);
        let m = (r - 1) * (c - 1);
        for col in 0..m {
            for i in 0..r {
                let s: f64 = (0..c).map(|l| b[(i * c + l) * m + col]).sum();
                assert!(s.abs() < 1e-15);
            }
            for l in 0..c {
                let s: f64 = (0..r).map(|i| b[(i * c + l) * m + col]).sum();
                assert!(s.abs() < 1e-15);
            }
        }
    }
}
