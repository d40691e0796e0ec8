//! Reliability flags for proportions, following the NCHS Data Presentation Standards for
//! Proportions (Parker et al. 2017, National Center for Health Statistics, Vital Health Stat
//! 2(175)), as `surveytable` implements them for unweighted data (effective n = n).
//!
//! In order, with the Clopper-Pearson interval of width `w` (NCHS's choice, whatever
//! interval the report shows):
//! 1. `n < 30` -> unreliable;
//! 2. `w <= 0.05` -> reliable;
//! 3. `w >= 0.30` -> unreliable;
//! 4. `w / p > 130%` -> unreliable;
//! 5. otherwise reliable, but flagged for review when the complement's relative width
//!    `w / (1 - p)` exceeds 130%, or when `p` is 0 or 1.
//!
//! Thresholds are configurable per pipeline (`[reliability]`). The flags mark estimates;
//! they never hide them (disclosure control, which does hide small cells, is separate).

use super::ci::CLOPPER_PEARSON;

/// The rule's thresholds (NCHS defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub min_n: u64,
    pub width_ok: f64,
    pub max_width: f64,
    pub max_relative_width: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_n: 30,
            width_ok: 0.05,
            max_width: 0.30,
            max_relative_width: 1.30,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Flag {
    Reliable,
    /// Shown, but a reader should check it (the reason says why).
    Review(String),
    /// Does not meet the standard (the reason says why).
    Unreliable(String),
}

impl Flag {
    pub fn code(&self) -> &'static str {
        match self {
            Flag::Reliable => "reliable",
            Flag::Review(_) => "review",
            Flag::Unreliable(_) => "unreliable",
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            Flag::Reliable => "",
            Flag::Review(r) | Flag::Unreliable(r) => r,
        }
    }
}

/// Assesses `x` of `n` (`n > 0`).
pub fn assess(x: u64, n: u64, t: &Thresholds) -> Flag {
    if n < t.min_n {
        return Flag::Unreliable(format!("n = {n} is below {}", t.min_n));
    }
    let Some(ci) = CLOPPER_PEARSON.interval(x, n, 0.95) else {
        return Flag::Unreliable("n = 0: no respondents".into());
    };
    let p = x as f64 / n as f64;
    by_width(
        p,
        ci.upper - ci.lower,
        x == 0 || x == n,
        "Clopper-Pearson",
        t,
    )
}

/// Assesses a weighted estimate of a complex survey as the standard does (Parker et al.
/// 2017, for complex designs): the effective n is Korn and Graubard's `n*` (the n the
/// design is worth, adjusted for its degrees of freedom), the interval the 95%
/// Korn-Graubard one, and an estimate on fewer than 8 design degrees of freedom is
/// flagged for review.
pub fn assess_design(
    p: f64,
    n_eff: f64,
    korn_graubard: Option<(f64, f64)>,
    df: u64,
    t: &Thresholds,
) -> Flag {
    if n_eff.is_nan() || n_eff < t.min_n as f64 {
        return Flag::Unreliable(if n_eff.is_nan() {
            "no effective sample size (the estimate's domain lies in one PSU)".into()
        } else {
            format!("the effective n = {n_eff:.1} is below {}", t.min_n)
        });
    }
    let Some((lo, hi)) = korn_graubard else {
        return Flag::Unreliable("no Korn-Graubard interval".into());
    };
    let flag = by_width(p, hi - lo, p <= 0.0 || p >= 1.0, "Korn-Graubard", t);
    if flag == Flag::Reliable && df < 8 {
        return Flag::Review(format!("{df} design degrees of freedom, fewer than 8"));
    }
    flag
}

/// Steps 2 to 5 of the rule, on an interval of width `w` around `p`.
fn by_width(p: f64, w: f64, edge: bool, interval: &str, t: &Thresholds) -> Flag {
    if w <= t.width_ok {
        return if edge {
            Flag::Review("the estimate is 0% or 100%".into())
        } else {
            Flag::Reliable
        };
    }
    if w >= t.max_width {
        return Flag::Unreliable(format!(
            "the 95% {interval} interval is {:.1} points wide (limit {:.0})",
            w * 100.0,
            t.max_width * 100.0
        ));
    }
    if p > 0.0 && w / p > t.max_relative_width {
        return Flag::Unreliable(format!(
            "the interval is {:.0}% of the estimate (limit {:.0}%)",
            w / p * 100.0,
            t.max_relative_width * 100.0
        ));
    }
    if edge {
        return Flag::Review("the estimate is 0% or 100%".into());
    }
    if w / (1.0 - p) > t.max_relative_width {
        return Flag::Review(format!(
            "the complement's interval is {:.0}% of it",
            w / (1.0 - p) * 100.0
        ));
    }
    Flag::Reliable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_nchs_steps() {
        let t = Thresholds::default();
        assert!(matches!(assess(5, 20, &t), Flag::Unreliable(r) if r.contains("n = 20")));
        assert_eq!(assess(500, 1000, &t), Flag::Reliable);
        // 15/40: CP width about 0.32 -> too wide.
        assert!(matches!(assess(15, 40, &t), Flag::Unreliable(r) if r.contains("points wide")));
        // 3/200: width 0.04 <= 0.05 -> reliable even though the relative width is large.
        assert_eq!(assess(3, 200, &t), Flag::Reliable);
        // 8/100: width ~0.113, relative ~141% -> unreliable.
        assert!(
            matches!(assess(8, 100, &t), Flag::Unreliable(r) if r.contains("% of the estimate"))
        );
        // 92/100 mirrors it: shown, complement flagged for review.
        assert!(matches!(assess(92, 100, &t), Flag::Review(_)));
        assert!(matches!(assess(0, 2000, &t), Flag::Review(_)));
    }
}
