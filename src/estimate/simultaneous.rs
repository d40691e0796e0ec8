//! Simultaneous confidence intervals for the proportions of a multinomial outcome (e.g.
//! worse / same / better), so that all of them hold together at the stated level.
//!
//! # Goodman (1965)
//! Wilson-type intervals with `c = chi2_{1, 1 - alpha/k}` (Bonferroni over the k categories)
//! in place of `z^2`: `[2 n p + c -/+ sqrt(c (c + 4 n p (1 - p)))] / (2 (n + c))`.
//! Conservative; recommended when every count is at least 5. Matches statsmodels
//! `multinomial_proportions_confint(method="goodman")`.
//!
//! # References
//! Goodman LA (1965) Technometrics 7:247-254.

use super::dist::normal_quantile;

/// Goodman intervals `(lower, upper)` for each category's proportion; `None` when n = 0.
pub fn goodman(counts: &[u64], level: f64) -> Option<Vec<(f64, f64)>> {
    let n: u64 = counts.iter().sum();
    if n == 0 || counts.is_empty() {
        return None;
    }
    let k = counts.len() as f64;
    let alpha = 1.0 - level;
    // chi2_1 quantile at 1 - alpha/k is z^2 with z = Phi^-1(1 - alpha/(2k)).
    let z = -normal_quantile(alpha / (2.0 * k));
    let c = z * z;
    let nf = n as f64;
    Some(
        counts
            .iter()
            .map(|&x| {
                let p = x as f64 / nf;
                let root = (c * (c + 4.0 * nf * p * (1.0 - p))).sqrt();
                let denom = 2.0 * (nf + c);
                (((2.0 * nf * p + c - root) / denom).max(0.0), ((2.0 * nf * p + c + root) / denom).min(1.0))
            })
            .collect(),
    )
}
