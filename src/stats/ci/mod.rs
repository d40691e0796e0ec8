//! Confidence intervals for a single binomial proportion: one file per method, one line per
//! method in [`METHODS`]. Each file holds the method's documentation (formula, coverage,
//! behaviour at 0 and n, clipping, references), its registry entry `ENTRY` (name, title,
//! citation, the line `tally methods` shows, its `interval`) and the function. `tally
//! methods`, the pipeline's `ci.method` names and the docs all come from that registry.
//!
//! Invariants (tested for every method in `tests` below and in `tests/it/references/ci.rs`):
//! `0 <= lower <= x/n <= upper <= 1`; at a higher level the interval is no narrower; the
//! interval for `n - x` is the mirror image of the one for `x`. `n = 0` gives no interval
//! (`None`), never a fake 0%.
//!
//! This module does no I/O: it works on plain numbers.

use std::fmt;

use crate::registry::{self, Entry, Listing, Unknown};

registry::files! {
    /// The registry, in the order `tally methods` lists it (default first).
    pub static METHODS: [MethodInfo] = {
        wilson,
        clopper_pearson,
        agresti_coull,
        jeffreys,
        mid_p,
        blaker,
        likelihood_ratio,
        wilson_cc,
        logit,
        arcsine,
        wald,
        wald_cc,
    }
}

/// A point estimate with a two-sided interval, all on the proportion scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
}

/// One registry entry: an interval method, its names and its function.
pub struct MethodInfo {
    /// The name as written in pipelines and on the command line.
    pub name: &'static str,
    /// The method's name in prose, e.g. "Wilson score".
    pub title: &'static str,
    /// The reference a methods paragraph cites.
    pub citation: &'static str,
    /// The line `tally methods` shows.
    pub summary: &'static str,
    /// Why the method has no one-sided form, for the methods that are not equal-tailed.
    pub no_one_sided: Option<&'static str>,
    /// `(lower, upper)` at confidence `level` for `x` of `n`; the caller guarantees `n > 0`,
    /// `x <= n` and `0 < level < 1`.
    pub interval: fn(x: u64, n: u64, level: f64) -> (f64, f64),
}

impl Entry for MethodInfo {
    type Handle = Method;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> Method {
        Method(self)
    }
}

/// An interval method: a handle of its registry entry. Two handles are equal when they name
/// the same method.
#[derive(Clone, Copy)]
pub struct Method(&'static MethodInfo);

/// The default method for new pipelines and `tally ci`.
pub const DEFAULT_METHOD: Method = Method(&wilson::ENTRY);

/// The Wilson score interval (Newcombe's difference interval is built from two of them).
pub const WILSON: Method = Method(&wilson::ENTRY);

/// The Clopper-Pearson interval (the NCHS reliability rule uses it whatever the report shows).
pub const CLOPPER_PEARSON: Method = Method(&clopper_pearson::ENTRY);

impl PartialEq for Method {
    fn eq(&self, other: &Method) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for Method {}

impl std::hash::Hash for Method {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

impl fmt::Debug for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Method").field(&self.0.name).finish()
    }
}

impl Method {
    /// Every method, in registry order.
    pub fn all() -> impl Iterator<Item = Method> {
        METHODS.iter().map(Method)
    }

    /// The method's registry entry.
    pub fn info(self) -> &'static MethodInfo {
        self.0
    }

    /// The method's name as written in pipelines and on the command line.
    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// The method's name in prose.
    pub fn title(self) -> &'static str {
        self.0.title
    }

    /// The reference cited in methods paragraphs.
    pub fn citation(self) -> &'static str {
        self.0.citation
    }

    /// Looks a method up by its exact name; the error lists the known names when none is near.
    pub fn from_name(name: &str) -> Result<Method, Unknown> {
        registry::lookup(METHODS, "interval method", name).map_err(|e| Unknown {
            listing: Listing::UnlessNear,
            ..e
        })
    }

    /// The two-sided interval at confidence `level` for `x` successes in `n` trials.
    ///
    /// Returns `None` when `n = 0` (there is no estimate to make). The caller guarantees
    /// `x <= n` and `0 < level < 1` (see [`check_inputs`]).
    pub fn interval(self, x: u64, n: u64, level: f64) -> Option<Interval> {
        if n == 0 {
            return None;
        }
        let (lower, upper) = (self.0.interval)(x, n, level);
        Some(Interval {
            estimate: x as f64 / n as f64,
            lower,
            upper,
        })
    }
}

/// Which bounds an interval has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Both bounds, each with (1 - level)/2 outside.
    Two,
    /// A lower bound only (upper = 1), with 1 - level below it.
    Lower,
    /// An upper bound only (lower = 0), with 1 - level above it.
    Upper,
}

/// One registry entry: a side, its names and what it keeps of an interval.
pub struct SideInfo {
    pub side: Side,
    pub name: &'static str,
    /// Another name accepted for it.
    pub alias: Option<&'static str>,
    /// What `tally ci` calls the interval.
    pub label: &'static str,
    /// A one-sided bound from the two-sided interval at `2 level - 1`; `None` for both sides.
    pub one_sided: Option<fn(Interval) -> Interval>,
}

/// The sides, by their names on the command line.
pub static SIDES: &[SideInfo] = &[
    SideInfo {
        side: Side::Two,
        name: "two",
        alias: Some("two-sided"),
        label: "CI",
        one_sided: None,
    },
    SideInfo {
        side: Side::Lower,
        name: "lower",
        alias: None,
        label: "one-sided CI (lower bound)",
        one_sided: Some(|i| Interval { upper: 1.0, ..i }),
    },
    SideInfo {
        side: Side::Upper,
        name: "upper",
        alias: None,
        label: "one-sided CI (upper bound)",
        one_sided: Some(|i| Interval { lower: 0.0, ..i }),
    },
];

impl Entry for SideInfo {
    type Handle = Side;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> Side {
        self.side
    }
}

impl Side {
    /// The side's registry entry.
    pub fn info(self) -> &'static SideInfo {
        registry::entry(SIDES, self)
    }

    /// What `tally ci` calls an interval with this side.
    pub fn label(self) -> &'static str {
        self.info().label
    }

    /// Looks a side up by its name or alias.
    pub fn from_name(s: &str) -> Result<Side, String> {
        SIDES
            .iter()
            .find(|e| e.name == s || e.alias == Some(s))
            .map(|e| e.side)
            .ok_or_else(|| {
                let mut names: Vec<String> =
                    SIDES.iter().map(|e| format!("`{}`", e.name)).collect();
                let last = names.pop().unwrap_or_default();
                format!(
                    "unknown side `{s}`; expected {} or {last}",
                    names.join(", ")
                )
            })
    }
}

impl Method {
    /// A one- or two-sided interval. Every method but Blaker's is equal-tailed, so its
    /// one-sided bound at `level` is the two-sided bound at `2 level - 1`; Blaker's
    /// construction is two-sided only (its one-sided analogue is Clopper-Pearson's).
    pub fn interval_sided(
        self,
        x: u64,
        n: u64,
        level: f64,
        side: Side,
    ) -> Result<Option<Interval>, String> {
        let Some(keep) = side.info().one_sided else {
            return Ok(self.interval(x, n, level));
        };
        if let Some(why) = self.0.no_one_sided {
            return Err(format!("{} has no one-sided form ({why})", self.name()));
        }
        if level <= 0.5 {
            return Err(format!(
                "a one-sided bound needs a level above 0.5, got {level}"
            ));
        }
        Ok(self.interval(x, n, 2.0 * level - 1.0).map(keep))
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Checks the arguments every method shares; the message names what is wrong.
pub fn check_inputs(x: u64, n: u64, level: f64) -> Result<(), String> {
    if x > n {
        return Err(format!("x = {x} is larger than n = {n}"));
    }
    check_level(level)
}

/// A confidence level must lie strictly between 0 and 1.
pub fn check_level(level: f64) -> Result<(), String> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(format!(
            "confidence level {level} is not strictly between 0 and 1 (hint: write 0.95 for 95%)"
        ))
    }
}

/// Clips an interval to [0, 1] (used by the methods whose raw form can overshoot).
fn clip(lower: f64, upper: f64) -> (f64, f64) {
    (lower.clamp(0.0, 1.0), upper.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEVELS: [f64; 5] = [0.8, 0.9, 0.95, 0.99, 0.999];

    #[test]
    fn properties_hold_for_every_method_on_a_grid() {
        for method in Method::all() {
            for n in (1..=60u64).chain([99, 170, 1000, 4038]) {
                for x in 0..=n {
                    if n > 60 && !(x < 3 || x + 3 > n || x == n / 2) {
                        continue;
                    }
                    let mut previous: Option<Interval> = None;
                    for level in LEVELS {
                        let ci = method.interval(x, n, level).unwrap();
                        let p = x as f64 / n as f64;
                        let name = method.name();
                        assert!(0.0 <= ci.lower, "{name} {x}/{n} lower {}", ci.lower);
                        assert!(ci.lower <= p + 1e-15, "{name} {x}/{n} lower above p");
                        assert!(p <= ci.upper + 1e-15, "{name} {x}/{n} upper below p");
                        assert!(ci.upper <= 1.0, "{name} {x}/{n} upper {}", ci.upper);
                        if let Some(prev) = previous {
                            assert!(ci.lower <= prev.lower + 1e-15, "{name} {x}/{n} narrower");
                            assert!(ci.upper >= prev.upper - 1e-15, "{name} {x}/{n} narrower");
                        }
                        let mirror = method.interval(n - x, n, level).unwrap();
                        assert!(
                            (mirror.lower - (1.0 - ci.upper)).abs() < 1e-12,
                            "{name} mirror"
                        );
                        assert!(
                            (mirror.upper - (1.0 - ci.lower)).abs() < 1e-12,
                            "{name} mirror"
                        );
                        previous = Some(ci);
                    }
                }
            }
        }
    }

    #[test]
    fn one_sided_bounds_are_two_sided_bounds_at_twice_the_tail() {
        // One-sided 95% Clopper-Pearson upper bound for 0/10 is 1 - 0.05^(1/10).
        let ci = CLOPPER_PEARSON
            .interval_sided(0, 10, 0.95, Side::Upper)
            .unwrap()
            .unwrap();
        assert_eq!(ci.lower, 0.0);
        assert!((ci.upper - (1.0 - 0.05f64.powf(0.1))).abs() < 1e-14);
        let lo = WILSON
            .interval_sided(7, 10, 0.95, Side::Lower)
            .unwrap()
            .unwrap();
        // (2 * 0.95 - 1 is 0.8999999999999999 in binary64, one ulp from the literal 0.9.)
        assert!((lo.lower - WILSON.interval(7, 10, 0.9).unwrap().lower).abs() < 1e-15);
        assert_eq!(lo.upper, 1.0);
        assert!(Method::from_name("blaker")
            .unwrap()
            .interval_sided(7, 10, 0.95, Side::Lower)
            .is_err());
    }

    #[test]
    fn n_zero_gives_no_interval() {
        for method in Method::all() {
            assert_eq!(method.interval(0, 0, 0.95), None);
        }
    }

    #[test]
    fn unknown_names_get_a_suggestion() {
        let err = Method::from_name("wilsen").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown interval method `wilsen` (did you mean `wilson`?)"
        );
        let err = Method::from_name("exact-ish-thing-nobody-knows").unwrap_err();
        assert!(err.to_string().ends_with("(known: wilson, clopper-pearson, agresti-coull, jeffreys, mid-p, blaker, likelihood-ratio, wilson-cc, logit, arcsine, wald, wald-cc)"));
    }

    #[test]
    fn every_member_has_one_entry_and_round_trips_by_name() {
        for method in Method::all() {
            assert_eq!(Method::from_name(method.name()), Ok(method));
        }
        assert_eq!(DEFAULT_METHOD.name(), "wilson");
        assert_eq!(CLOPPER_PEARSON.name(), "clopper-pearson");
        for side in [Side::Two, Side::Lower, Side::Upper] {
            assert_eq!(Side::from_name(side.info().name), Ok(side));
        }
        assert_eq!(Side::from_name("two-sided"), Ok(Side::Two));
        assert_eq!(
            Side::from_name("foo"),
            Err("unknown side `foo`; expected `two`, `lower` or `upper`".into())
        );
    }
}
