//! Wilson score interval with continuity correction (Newcombe 1998, method 4).
//!
//! # Formula
//! With `p = x/n`, `q = 1 - p`:
//! lower = `(2np + z^2 - 1 - z sqrt(z^2 - 2 - 1/n + 4p(nq + 1))) / (2(n + z^2))`,
//! upper = `(2np + z^2 + 1 + z sqrt(z^2 + 2 - 1/n + 4p(nq - 1))) / (2(n + z^2))`.
//!
//! # Coverage
//! Conservative, close to Clopper-Pearson.
//!
//! # At 0 and n
//! lower = 0 at x = 0, upper = 1 at x = n (as scipy `wilsoncc` and Newcombe).
//!
//! # Where peers disagree
//! R's `prop.test(correct = TRUE)` caps the correction at `|x - n/2|` (so at x = n/2 it is
//! plain Wilson) and differs by up to 0.11; tally follows the textbook form (scipy).
//!
//! # Clipping
//! Clipped to [0, 1].
//!
//! # References
//! Newcombe RG (1998) Stat Med 17:857-872. Fleiss, Levin & Paik (2003), section 2.4.

use super::MethodInfo;
use super::clip;
use crate::stats::dist::z_two_sided;

/// The registry entry (see [`super::METHODS`]).
pub(super) const ENTRY: MethodInfo = MethodInfo {
    name: "wilson-cc",
    title: "Wilson score with continuity correction",
    citation: "Newcombe 1998",
    summary: "Wilson with continuity correction (Newcombe 1998 method 4, scipy 'wilsoncc'): conservative",
    no_one_sided: None,
    interval,
};

pub fn interval(x: u64, n: u64, level: f64) -> (f64, f64) {
    let z = z_two_sided(level);
    let nf = n as f64;
    let p = x as f64 / nf;
    let q = 1.0 - p;
    let denom = 2.0 * (nf + z * z);
    let centre = 2.0 * nf * p + z * z;
    let lower = if x == 0 {
        0.0
    } else {
        (centre - 1.0 - z * (z * z - 2.0 - 1.0 / nf + 4.0 * p * (nf * q + 1.0)).sqrt()) / denom
    };
    let upper = if x == n {
        1.0
    } else {
        (centre + 1.0 + z * (z * z + 2.0 - 1.0 / nf + 4.0 * p * (nf * q - 1.0)).sqrt()) / denom
    };
    clip(lower, upper)
}
