//! Comparing two independent proportions (group 1: `x1` of `n1`; group 2: `x2` of `n2`):
//! one file per interval method, one line per method in [`COMPARE_METHODS`], plus the
//! 2 x 2 tests in [`tests2x2`].
//!
//! Measures: the difference `p1 - p2`, the ratio `p1 / p2` and the odds ratio
//! `(x1 (n2 - x2)) / (x2 (n1 - x1))`. Like `ci`, this module does no I/O and knows no polars.

mod agresti_caffo;
mod exact_or;
mod katz;
mod koopman;
mod miettinen_nurminen;
mod newcombe;
pub mod tests2x2;
mod wald_diff;
mod woolf;

use std::fmt;

use crate::registry::{self, Entry, Unknown};

/// What is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    Diff,
    Ratio,
    OddsRatio,
}

/// One registry entry: a measure, its name, its default method and its null value.
pub struct MeasureInfo {
    pub measure: Measure,
    pub name: &'static str,
    /// The method used when none is named.
    pub default_method: CompareMethod,
    /// The value meaning "no difference" (0 for a difference, 1 for ratios).
    pub null_value: f64,
}

/// The measures by their names on the command line and in pipelines.
pub static MEASURES: &[MeasureInfo] = &[
    MeasureInfo {
        measure: Measure::Diff,
        name: "diff",
        default_method: CompareMethod::Newcombe,
        null_value: 0.0,
    },
    MeasureInfo {
        measure: Measure::Ratio,
        name: "ratio",
        default_method: CompareMethod::Koopman,
        null_value: 1.0,
    },
    MeasureInfo {
        measure: Measure::OddsRatio,
        name: "odds-ratio",
        default_method: CompareMethod::Woolf,
        null_value: 1.0,
    },
];

impl Entry for MeasureInfo {
    type Handle = Measure;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> Measure {
        self.measure
    }
}

impl Measure {
    /// The measure's registry entry.
    pub fn info(self) -> &'static MeasureInfo {
        registry::entry(MEASURES, self)
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn from_name(s: &str) -> Result<Measure, Unknown> {
        registry::lookup(MEASURES, "measure", s)
    }

    /// The method used when none is named.
    pub fn default_method(self) -> CompareMethod {
        self.info().default_method
    }

    /// The value meaning "no difference" (0 for a difference, 1 for ratios).
    pub fn null_value(self) -> f64 {
        self.info().null_value
    }
}

/// Interval methods for comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareMethod {
    Newcombe,
    WaldDiff,
    AgrestiCaffo,
    MiettinenNurminen,
    Koopman,
    Katz,
    Woolf,
    ExactOr,
}

/// One registry entry: a comparison method, its names and its function.
pub struct CompareInfo {
    pub method: CompareMethod,
    pub measure: Measure,
    /// The name within its measure (names such as `wald` are per measure).
    pub name: &'static str,
    /// The method's name in prose.
    pub title: &'static str,
    pub summary: &'static str,
    /// The interval for a pair with both groups non-empty; `None` when the measure is
    /// undefined for these counts.
    pub interval: fn(Pair, f64) -> Option<Comparison>,
}

/// The registry, by measure, default first within each.
pub static COMPARE_METHODS: &[CompareInfo] = &[
    CompareInfo {
        method: CompareMethod::Newcombe,
        measure: Measure::Diff,
        name: "newcombe",
        title: "Newcombe hybrid score",
        summary: "Newcombe (1998) method 10, from the two Wilson intervals (default for differences)",
        interval: newcombe::interval,
    },
    CompareInfo {
        method: CompareMethod::WaldDiff,
        measure: Measure::Diff,
        name: "wald",
        title: "Wald",
        summary: "Wald interval for a difference, clipped to [-1, 1]",
        interval: |p, level| Some(wald_diff::interval(p, level)),
    },
    CompareInfo {
        method: CompareMethod::AgrestiCaffo,
        measure: Measure::Diff,
        name: "agresti-caffo",
        title: "Agresti-Caffo",
        summary: "Wald after adding one success and one failure to each group (Agresti & Caffo 2000)",
        interval: |p, level| Some(agresti_caffo::interval(p, level)),
    },
    CompareInfo {
        method: CompareMethod::MiettinenNurminen,
        measure: Measure::Diff,
        name: "miettinen-nurminen",
        title: "Miettinen-Nurminen score",
        summary: "score interval with the N/(N-1) variance correction (Miettinen & Nurminen 1985)",
        interval: |p, level| Some(miettinen_nurminen::interval(p, level)),
    },
    CompareInfo {
        method: CompareMethod::Koopman,
        measure: Measure::Ratio,
        name: "koopman",
        title: "Koopman score",
        summary: "score interval for a ratio (Koopman 1984) (default for ratios)",
        interval: koopman::interval,
    },
    CompareInfo {
        method: CompareMethod::Katz,
        measure: Measure::Ratio,
        name: "katz",
        title: "Katz log",
        summary: "log interval for a ratio (Katz et al. 1978); 0.5 added to counts and totals when a count is 0",
        interval: katz::interval,
    },
    CompareInfo {
        method: CompareMethod::Woolf,
        measure: Measure::OddsRatio,
        name: "woolf",
        title: "Woolf logit",
        summary: "Woolf logit interval; 0.5 added to every cell when one is 0 (default for odds ratios)",
        interval: |p, level| Some(woolf::interval(p, level)),
    },
    CompareInfo {
        method: CompareMethod::ExactOr,
        measure: Measure::OddsRatio,
        name: "exact",
        title: "exact conditional",
        summary: "conditional MLE and exact conditional interval, as R's fisher.test",
        interval: exact_or::interval,
    },
];

impl Entry for CompareInfo {
    type Handle = CompareMethod;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> CompareMethod {
        self.method
    }
}

impl CompareMethod {
    /// The method's registry entry.
    pub fn info(self) -> &'static CompareInfo {
        registry::entry(COMPARE_METHODS, self)
    }
    pub fn name(self) -> &'static str {
        self.info().name
    }
    pub fn title(self) -> &'static str {
        self.info().title
    }
    pub fn measure(self) -> Measure {
        self.info().measure
    }

    /// Looks a method up by name within a measure (names such as `wald` are per measure).
    pub fn from_name(measure: Measure, name: &str) -> Result<CompareMethod, Unknown> {
        let of_measure = || COMPARE_METHODS.iter().filter(move |m| m.measure == measure);
        of_measure()
            .find(|m| m.name == name)
            .map(|m| m.method)
            .ok_or_else(|| {
                let what = format!("{} method", measure.name());
                Unknown::new(&what, name, of_measure().map(|m| m.name).collect())
            })
    }
}

impl fmt::Display for CompareMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Two groups' counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub x1: u64,
    pub n1: u64,
    pub x2: u64,
    pub n2: u64,
}

impl Pair {
    /// Both groups non-empty, and no count above its group's size: the only pairs any
    /// method here is defined for.
    pub fn is_valid(&self) -> bool {
        self.n1 > 0 && self.n2 > 0 && self.x1 <= self.n1 && self.x2 <= self.n2
    }

    pub fn p1(&self) -> f64 {
        self.x1 as f64 / self.n1 as f64
    }
    pub fn p2(&self) -> f64 {
        self.x2 as f64 / self.n2 as f64
    }
}

/// An estimate with its interval, on the measure's scale. `upper` may be `+inf` for ratios.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
}

/// The most tables the exact conditional methods (Fisher's test and the exact conditional
/// odds ratio) will enumerate for one comparison. Given the margins, the table is fixed by
/// `x1`, which ranges over at most `min(n1, n2, x1 + x2, ...) + 1` values; the methods hold
/// one probability per value and sweep them on every step of their root searches, so memory
/// and time grow with that count (1e12 would ask for 16 TB). At 1,000,000 tables a
/// comparison takes 8 MB and at most a few seconds (the exact odds ratio: 2 s); past it the counts are so large that the
/// asymptotic methods (the chi-square score test, Woolf's interval) agree with the exact
/// ones to many digits, and those are the alternatives tally points to.
pub const EXACT_MAX_TABLES: u64 = 1_000_000;

/// How many tables share the margins of `p` (the support of the conditional distribution of
/// `x1`); `None` when it does not fit in a `u64`.
pub fn exact_tables(p: &Pair) -> Option<u64> {
    let m = p.x1.checked_add(p.x2)?;
    let lo = m.saturating_sub(p.n2);
    let hi = p.n1.min(m);
    hi.checked_sub(lo)?.checked_add(1)
}

/// Refuses counts whose exact conditional distribution has more than [`EXACT_MAX_TABLES`]
/// tables; the message gives the count and the limit (callers add the alternative).
pub fn check_exact_size(p: &Pair) -> Result<(), String> {
    match exact_tables(p) {
        Some(k) if k <= EXACT_MAX_TABLES => Ok(()),
        k => Err(format!(
            "the exact conditional method would enumerate {} tables with these margins ({} of {} vs {} of {}), more than its limit of {EXACT_MAX_TABLES}",
            k.map_or_else(|| "more than 2^64".to_string(), |k| k.to_string()),
            p.x1,
            p.n1,
            p.x2,
            p.n2
        )),
    }
}

/// Checks counts for a comparison; the message names what is wrong.
pub fn check_pair(p: &Pair) -> Result<(), String> {
    if p.x1 > p.n1 {
        return Err(format!("x1 = {} is larger than n1 = {}", p.x1, p.n1));
    }
    if p.x2 > p.n2 {
        return Err(format!("x2 = {} is larger than n2 = {}", p.x2, p.n2));
    }
    Ok(())
}

/// The interval for a pair at `level`; `None` when a group is empty or the measure is
/// undefined for these counts (e.g. a ratio of 0 to 0), and for the exact conditional odds
/// ratio also past [`EXACT_MAX_TABLES`] (callers check [`check_exact_size`] first to say so).
pub fn compare(method: CompareMethod, pair: Pair, level: f64) -> Option<Comparison> {
    if !pair.is_valid() {
        return None;
    }
    (method.info().interval)(pair, level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_has_one_entry_and_round_trips_by_name() {
        for m in [Measure::Diff, Measure::Ratio, Measure::OddsRatio] {
            assert_eq!(Measure::from_name(m.name()), Ok(m));
            assert_eq!(m.default_method().measure(), m);
        }
        use CompareMethod::*;
        let all = [
            Newcombe,
            WaldDiff,
            AgrestiCaffo,
            MiettinenNurminen,
            Koopman,
            Katz,
            Woolf,
            ExactOr,
        ];
        assert_eq!(all.len(), COMPARE_METHODS.len());
        for m in all {
            assert_eq!(CompareMethod::from_name(m.measure(), m.name()), Ok(m));
        }
        assert_eq!(
            CompareMethod::from_name(Measure::Diff, "exact")
                .unwrap_err()
                .to_string(),
            "unknown diff method `exact`; known: newcombe, wald, agresti-caffo, miettinen-nurminen"
        );
    }
}
