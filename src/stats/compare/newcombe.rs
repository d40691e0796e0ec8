//! Newcombe hybrid score interval for a difference (Newcombe 1998, method 10).
//!
//! # Formula
//! With each group's Wilson interval `(l_i, u_i)` and `d = p1 - p2`:
//! lower = `d - sqrt((p1 - l1)^2 + (u2 - p2)^2)`, upper = `d + sqrt((u1 - p1)^2 + (p2 - l2)^2)`.
//!
//! # Coverage
//! Close to nominal for all n; the default of statsmodels (`newcomb`) and Epi::ci.pd.
//!
//! # At 0 and n
//! Always defined and inside [-1, 1], including 0/n1 vs 0/n2.
//!
//! # References
//! Newcombe RG (1998) Stat Med 17:873-890.

use super::{Comparison, Pair};
use crate::stats::ci::WILSON;

/// The interval, or `None` when a group is empty (no Wilson interval to combine).
pub fn interval(p: Pair, level: f64) -> Option<Comparison> {
    let w1 = WILSON.interval(p.x1, p.n1, level)?;
    let w2 = WILSON.interval(p.x2, p.n2, level)?;
    let (p1, p2) = (p.p1(), p.p2());
    let d = p1 - p2;
    Some(Comparison {
        estimate: d,
        lower: d - ((p1 - w1.lower).powi(2) + (w2.upper - p2).powi(2)).sqrt(),
        upper: d + ((w1.upper - p1).powi(2) + (p2 - w2.lower).powi(2)).sqrt(),
    })
}
