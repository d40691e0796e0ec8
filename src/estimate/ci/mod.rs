//! Confidence intervals for a single binomial proportion: one file per method, one line per
//! method in [`METHODS`]. `tally methods`, the pipeline's `ci.method` names and the docs all
//! come from that registry.
//!
//! Invariants (tested for every method in `tests` below and in `tests/ci_reference.rs`):
//! `0 <= lower <= x/n <= upper <= 1`; at a higher level the interval is no narrower; the
//! interval for `n - x` is the mirror image of the one for `x`. `n = 0` gives no interval
//! (`None`), never a fake 0%.
//!
//! This module does no I/O and knows nothing of polars: it works on plain numbers.

mod agresti_coull;
mod arcsine;
mod blaker;
pub(crate) mod clopper_pearson;
mod jeffreys;
mod likelihood_ratio;
mod logit;
mod mid_p;
mod wald;
mod wald_cc;
mod wilson;
mod wilson_cc;

use std::fmt;

/// A point estimate with a two-sided interval, all on the proportion scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
}

/// The interval methods tally knows, by their pipeline names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Wilson,
    ClopperPearson,
    AgrestiCoull,
    Jeffreys,
    MidP,
    Blaker,
    LikelihoodRatio,
    WilsonCc,
    Logit,
    Arcsine,
    Wald,
    WaldCc,
}

/// One registry row: the method, its name as written in pipelines and on the command line,
/// and a one-line description.
pub struct MethodInfo {
    pub method: Method,
    pub name: &'static str,
    /// The method's name in prose, e.g. "Wilson score".
    pub title: &'static str,
    /// The reference a methods paragraph cites.
    pub citation: &'static str,
    pub summary: &'static str,
}

/// The registry, in the order `tally methods` lists it (default first).
pub const METHODS: &[MethodInfo] = &[
    MethodInfo {
        method: Method::Wilson,
        title: "Wilson score",
        citation: "Wilson 1927; Brown, Cai and DasGupta 2001",
        name: "wilson",
        summary: "Wilson score interval (default): good coverage at every n, never outside [0, 1]",
    },
    MethodInfo {
        method: Method::ClopperPearson,
        title: "Clopper-Pearson exact",
        citation: "Clopper and Pearson 1934",
        name: "clopper-pearson",
        summary: "Clopper-Pearson 'exact' interval from Beta quantiles: coverage at least nominal, conservative",
    },
    MethodInfo {
        method: Method::AgrestiCoull,
        title: "Agresti-Coull",
        citation: "Agresti and Coull 1998",
        name: "agresti-coull",
        summary: "Agresti-Coull: Wald on x + z^2/2 successes in n + z^2 trials, clipped to [0, 1]",
    },
    MethodInfo {
        method: Method::Jeffreys,
        title: "Jeffreys",
        citation: "Brown, Cai and DasGupta 2001",
        name: "jeffreys",
        summary: "Jeffreys: equal-tailed Beta(x + 1/2, n - x + 1/2) interval, 0 at x = 0 and 1 at x = n",
    },
    MethodInfo {
        method: Method::MidP,
        title: "mid-p exact",
        citation: "Lancaster 1961; Agresti and Gottard 2007",
        name: "mid-p",
        summary: "mid-p exact: Clopper-Pearson with half the probability of the observed count; near nominal",
    },
    MethodInfo {
        method: Method::Blaker,
        title: "Blaker exact",
        citation: "Blaker 2000",
        name: "blaker",
        summary: "Blaker exact: inverts the acceptability function; exact, never longer than Clopper-Pearson",
    },
    MethodInfo {
        method: Method::LikelihoodRatio,
        title: "likelihood-ratio",
        citation: "Brown, Cai and DasGupta 2001",
        name: "likelihood-ratio",
        summary: "likelihood-ratio (profile likelihood): inverts the likelihood-ratio test",
    },
    MethodInfo {
        method: Method::WilsonCc,
        title: "Wilson score with continuity correction",
        citation: "Newcombe 1998",
        name: "wilson-cc",
        summary: "Wilson with continuity correction (Newcombe 1998 method 4, scipy 'wilsoncc'): conservative",
    },
    MethodInfo {
        method: Method::Logit,
        title: "logit",
        citation: "Brown, Cai and DasGupta 2001",
        name: "logit",
        summary: "logit: Wald on the log-odds scale, back-transformed; exact one-sided bound at 0 and n",
    },
    MethodInfo {
        method: Method::Arcsine,
        title: "arcsine",
        citation: "Brown, Cai and DasGupta 2001",
        name: "arcsine",
        summary: "arcsine: Wald on the variance-stabilising asin(sqrt(p)) scale",
    },
    MethodInfo {
        method: Method::Wald,
        title: "Wald (normal approximation)",
        citation: "Brown, Cai and DasGupta 2001",
        name: "wald",
        summary: "Wald (normal approximation), clipped to [0, 1]: poor coverage near 0 and 1, for comparison only",
    },
    MethodInfo {
        method: Method::WaldCc,
        title: "Wald with continuity correction",
        citation: "Fleiss, Levin and Paik 2003",
        name: "wald-cc",
        summary: "Wald with continuity correction 1/(2n), clipped to [0, 1]: for reproducing spreadsheets",
    },
];

/// The default method for new pipelines and `tally ci`.
pub const DEFAULT_METHOD: Method = Method::Wilson;

impl Method {
    fn info(self) -> &'static MethodInfo {
        METHODS
            .iter()
            .find(|m| m.method == self)
            .expect("every Method has a registry row")
    }

    /// The method's name as written in pipelines and on the command line.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The method's name in prose.
    pub fn title(self) -> &'static str {
        self.info().title
    }

    /// The reference cited in methods paragraphs.
    pub fn citation(self) -> &'static str {
        self.info().citation
    }

    /// Looks a method up by its exact name; on failure the error carries a did-you-mean.
    pub fn from_name(name: &str) -> Result<Method, UnknownMethod> {
        METHODS
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.method)
            .ok_or_else(|| UnknownMethod {
                given: name.to_string(),
                suggestion: crate::suggest::did_you_mean(name, METHODS.iter().map(|m| m.name)),
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
        let (lower, upper) = match self {
            Method::Wilson => wilson::interval(x, n, level),
            Method::ClopperPearson => clopper_pearson::interval(x, n, level),
            Method::AgrestiCoull => agresti_coull::interval(x, n, level),
            Method::Jeffreys => jeffreys::interval(x, n, level),
            Method::Wald => wald::interval(x, n, level),
            Method::WaldCc => wald_cc::interval(x, n, level),
            Method::WilsonCc => wilson_cc::interval(x, n, level),
            Method::MidP => mid_p::interval(x, n, level),
            Method::Blaker => blaker::interval(x, n, level),
            Method::LikelihoodRatio => likelihood_ratio::interval(x, n, level),
            Method::Logit => logit::interval(x, n, level),
            Method::Arcsine => arcsine::interval(x, n, level),
        };
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

impl Side {
    pub fn from_name(s: &str) -> Result<Side, String> {
        match s {
            "two" | "two-sided" => Ok(Side::Two),
            "lower" => Ok(Side::Lower),
            "upper" => Ok(Side::Upper),
            _ => Err(format!(
                "unknown side `{s}`; expected `two`, `lower` or `upper`"
            )),
        }
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
        if side == Side::Two {
            return Ok(self.interval(x, n, level));
        }
        if self == Method::Blaker {
            return Err(
                "blaker has no one-sided form (its one-sided analogue is clopper-pearson)".into(),
            );
        }
        if level <= 0.5 {
            return Err(format!(
                "a one-sided bound needs a level above 0.5, got {level}"
            ));
        }
        Ok(self.interval(x, n, 2.0 * level - 1.0).map(|i| match side {
            Side::Lower => Interval { upper: 1.0, ..i },
            _ => Interval { lower: 0.0, ..i },
        }))
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown method name, with the closest known name if one is close.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownMethod {
    pub given: String,
    pub suggestion: Option<String>,
}

impl fmt::Display for UnknownMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown interval method `{}`", self.given)?;
        match &self.suggestion {
            Some(s) => write!(f, " (did you mean `{s}`?)"),
            None => write!(
                f,
                " (known: {})",
                METHODS
                    .iter()
                    .map(|m| m.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl std::error::Error for UnknownMethod {}

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
        for info in METHODS {
            for n in (1..=60u64).chain([99, 170, 1000, 4038]) {
                for x in 0..=n {
                    if n > 60 && !(x < 3 || x + 3 > n || x == n / 2) {
                        continue;
                    }
                    let mut previous: Option<Interval> = None;
                    for level in LEVELS {
                        let ci = info.method.interval(x, n, level).unwrap();
                        let p = x as f64 / n as f64;
                        let name = info.name;
                        assert!(0.0 <= ci.lower, "{name} {x}/{n} lower {}", ci.lower);
                        assert!(ci.lower <= p + 1e-15, "{name} {x}/{n} lower above p");
                        assert!(p <= ci.upper + 1e-15, "{name} {x}/{n} upper below p");
                        assert!(ci.upper <= 1.0, "{name} {x}/{n} upper {}", ci.upper);
                        if let Some(prev) = previous {
                            assert!(ci.lower <= prev.lower + 1e-15, "{name} {x}/{n} narrower");
                            assert!(ci.upper >= prev.upper - 1e-15, "{name} {x}/{n} narrower");
                        }
                        let mirror = info.method.interval(n - x, n, level).unwrap();
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
        let ci = Method::ClopperPearson
            .interval_sided(0, 10, 0.95, Side::Upper)
            .unwrap()
            .unwrap();
        assert_eq!(ci.lower, 0.0);
        assert!((ci.upper - (1.0 - 0.05f64.powf(0.1))).abs() < 1e-14);
        let lo = Method::Wilson
            .interval_sided(7, 10, 0.95, Side::Lower)
            .unwrap()
            .unwrap();
        // (2 * 0.95 - 1 is 0.8999999999999999 in binary64, one ulp from the literal 0.9.)
        assert!((lo.lower - Method::Wilson.interval(7, 10, 0.9).unwrap().lower).abs() < 1e-15);
        assert_eq!(lo.upper, 1.0);
        assert!(Method::Blaker
            .interval_sided(7, 10, 0.95, Side::Lower)
            .is_err());
    }

    #[test]
    fn n_zero_gives_no_interval() {
        for info in METHODS {
            assert_eq!(info.method.interval(0, 0, 0.95), None);
        }
    }

    #[test]
    fn unknown_names_get_a_suggestion() {
        let err = Method::from_name("wilsen").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("wilson"));
        assert!(Method::from_name("exact-ish-thing-nobody-knows")
            .unwrap_err()
            .suggestion
            .is_none());
    }
}
