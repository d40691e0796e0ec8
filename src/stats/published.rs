//! Published percentages: the counts behind a percentage printed to a given precision.
//!
//! A table that publishes `p` percent of a base `b`, printed with `d` decimals, says that
//! the count `c` behind it satisfies `round(100 c / b, d) = p`. Exact integer arithmetic
//! throughout: the percentage is read as the integer `m = p * 10^d` from its text (never
//! through a float), and with `s = 100 * 10^d`:
//!
//! - the **derived count** is `100 c / b` nearest `p`, rounded half up:
//!   `c = floor((2 m b + s) / (2 s))`;
//! - `c` **reproduces** `p` when `floor((2 s c + b) / (2 b)) = m` (rounding half up, the
//!   convention of spreadsheets for positive numbers);
//! - the **counts that reproduce** `p` are the integers `c` with
//!   `(m - 1/2) b / s <= c < (m + 1/2) b / s`; when the derived count does not reproduce
//!   `p`, no count does (it is the nearest), and the figure cannot be satisfied at all
//!   (e.g. 33.3% of 10);
//! - a published **total** of groups with bases `b_g` can hold only if its base is
//!   `sum b_g` and, for each level, the range of the total's count meets the range of the
//!   sums of the groups' counts, `[sum lo_g, sum hi_g]` (a necessary condition: when it
//!   fails, no counts at all give every published figure; the Action for M.E. 2019
//!   provider split is an example, whose total needs a further group).
//!
//! The rounding rule is half up: published figures at an exact half (e.g. 12.5% of 8 shown
//! as 13%) are reproduced as a spreadsheet rounds them; a figure rounded half to even
//! (12%) shows as not reproduced.

/// A percentage as published: `scaled / 10^decimals` percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Percent {
    pub scaled: u64,
    pub decimals: u32,
}

/// Most decimals read: beyond this a "published" percentage is a computed one.
const MAX_DECIMALS: u32 = 6;

impl Percent {
    /// Reads `56.9`, `57`, `0.5`, `100` or `56.9%` (spaces around allowed): a number from
    /// 0 to 100 with at most six decimals; the decimals written are the precision.
    pub fn parse(text: &str) -> Result<Percent, String> {
        let t = text.trim();
        let t = t.strip_suffix('%').unwrap_or(t).trim_end();
        if t.is_empty() {
            return Err("the percentage is empty".into());
        }
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(frac) {
            return Err(format!(
                "percentage `{t}` is not a number from 0 to 100 (write e.g. `56.9`, without a thousands separator)"
            ));
        }
        let decimals = frac.len() as u32;
        if decimals > MAX_DECIMALS {
            return Err(format!(
                "percentage `{t}` has more than {MAX_DECIMALS} decimals: a published percentage is rounded"
            ));
        }
        let scaled = format!("{whole}{frac}")
            .parse::<u64>()
            .ok()
            .filter(|&m| m <= 100 * 10u64.pow(decimals))
            .ok_or_else(|| format!("percentage `{t}` is above 100"))?;
        Ok(Percent { scaled, decimals })
    }

    /// `100 * 10^decimals`: the scaled value of 100%.
    fn hundred(self) -> u128 {
        100 * 10u128.pow(self.decimals)
    }

    /// The percentage as a number (for display).
    pub fn value(self) -> f64 {
        self.scaled as f64 / 10f64.powi(self.decimals as i32)
    }

    /// The count nearest `p` percent of `base`, rounded half up.
    pub fn derive(self, base: u64) -> u64 {
        let (m, b, s) = (u128::from(self.scaled), u128::from(base), self.hundred());
        ((2 * m * b + s) / (2 * s)) as u64
    }

    /// `count` of `base` is this percentage at its precision, rounding half up.
    pub fn reproduced_by(self, count: u64, base: u64) -> bool {
        Percent::of(count, base, self.decimals) == Some(self)
    }

    /// `count` of `base` as a percentage with `decimals` decimals, rounded half up.
    pub fn of(count: u64, base: u64, decimals: u32) -> Option<Percent> {
        if base == 0 || count > base {
            return None;
        }
        let s = 100 * 10u128.pow(decimals);
        let (c, b) = (u128::from(count), u128::from(base));
        Some(Percent {
            scaled: ((2 * s * c + b) / (2 * b)) as u64,
            decimals,
        })
    }

    /// The counts of `base` that reproduce this percentage, `lo..=hi`; `None` when none do.
    pub fn counts(self, base: u64) -> Option<(u64, u64)> {
        let (m, b, s) = (u128::from(self.scaled), u128::from(base), self.hundred());
        // c >= (2m - 1) b / 2s, c < (2m + 1) b / 2s.
        let lo = if m == 0 {
            0
        } else {
            ((2 * m - 1) * b).div_ceil(2 * s)
        };
        let hi_excl = ((2 * m + 1) * b).div_ceil(2 * s);
        let hi = hi_excl.checked_sub(1)?.min(b);
        (lo <= hi).then_some((lo as u64, hi as u64))
    }
}

impl std::fmt::Display for Percent {
    /// As published: `56.9`, `7`, `0.50`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.decimals as usize;
        if d == 0 {
            return write!(f, "{}", self.scaled);
        }
        let p = 10u64.pow(self.decimals);
        write!(f, "{}.{:0d$}", self.scaled / p, self.scaled % p)
    }
}

/// An inclusive range of counts.
pub type Range = (u64, u64);

/// Whether counts of groups `(percent, base)` can add up to a total published as
/// `(percent, base)` for one level: the total's range of counts meets the range of the
/// sums of the groups' counts. `Err` with the two ranges when they do not meet.
pub fn total_can_hold(
    groups: &[(Percent, u64)],
    total: (Percent, u64),
) -> Result<(), (Range, Range)> {
    let mut sum = (0u64, 0u64);
    for &(p, b) in groups {
        // A group's figure that no count reproduces is reported on its own.
        let (lo, hi) = p.counts(b).unwrap_or((0, b));
        sum = (sum.0 + lo, sum.1 + hi);
    }
    let needed = total.0.counts(total.1).unwrap_or((1, 0));
    if needed.0 <= sum.1 && sum.0 <= needed.1 {
        Ok(())
    } else {
        Err((needed, sum))
    }
}

#[cfg(test)]
mod tests {
    use super::{total_can_hold, Percent};

    fn p(s: &str) -> Percent {
        Percent::parse(s).unwrap()
    }

    #[test]
    fn parses_the_precision_from_the_text() {
        assert_eq!(
            p("56.9"),
            Percent {
                scaled: 569,
                decimals: 1
            }
        );
        assert_eq!(
            p(" 7% "),
            Percent {
                scaled: 7,
                decimals: 0
            }
        );
        assert_eq!(
            p("0.50"),
            Percent {
                scaled: 50,
                decimals: 2
            }
        );
        assert_eq!(
            p("100"),
            Percent {
                scaled: 100,
                decimals: 0
            }
        );
        assert_eq!(p("0.50").to_string(), "0.50");
        for bad in ["", "abc", "-3", "100.1", "1,5", ".5", "5.1234567"] {
            assert!(Percent::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn derives_half_up_and_checks_by_brute_force() {
        // 12.5% of 8 is exactly 1: half up gives 1; 6.25% of 8 = 0.5 -> 1 (half up).
        assert_eq!(p("12.5").derive(8), 1);
        assert_eq!(p("6.25").derive(8), 1);
        assert_eq!(p("61").derive(912), 556);
        // Against a brute force over every count, for many bases and percentages.
        for base in 1..=240u64 {
            for d in 0..=2u32 {
                let step = 10u64.pow(d);
                for m in (0..=100 * step).step_by(7) {
                    let pc = Percent {
                        scaled: m,
                        decimals: d,
                    };
                    let reproducing: Vec<u64> = (0..=base)
                        .filter(|&c| {
                            // round half up of 100 c / base at d decimals, in f64 with a
                            // margin far below one unit of the last decimal.
                            let exact = 100.0 * c as f64 / base as f64 * step as f64;
                            (exact + 0.5 + 1e-9).floor() as u64 == m
                        })
                        .collect();
                    let range = pc.counts(base);
                    assert_eq!(
                        range,
                        reproducing
                            .first()
                            .map(|&lo| (lo, *reproducing.last().unwrap())),
                        "{pc} of {base}"
                    );
                    assert_eq!(
                        pc.reproduced_by(pc.derive(base), base),
                        !reproducing.is_empty(),
                        "{pc} of {base}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_figure_no_count_gives_and_a_total_that_needs_another_group() {
        assert_eq!(p("33.3").counts(10), None);
        assert!(!p("33.3").reproduced_by(p("33.3").derive(10), 10));
        // Worse: specialist 47% of 342, non-specialist 61% of 1,939; total 67% of 2,281.
        let groups = [(p("47"), 342), (p("61"), 1939)];
        let (needed, sum) = total_can_hold(&groups, (p("67"), 2281)).unwrap_err();
        assert_eq!(needed, (1517, 1539));
        assert!(sum.1 < needed.0, "{sum:?}");
        // The same groups hold a total of 59% (1,343 = 161 + 1,182 rounds to 58.9 -> 59).
        assert!(total_can_hold(&groups, (p("59"), 2281)).is_ok());
    }
}
