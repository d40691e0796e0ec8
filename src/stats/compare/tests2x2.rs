//! Tests of `p1 = p2` for a 2 x 2 table.
//!
//! - `chisq`: Pearson's chi-square without continuity correction, 1 df. For a 2 x 2 table
//!   this is also the score test of `p1 = p2` (Agresti 2013, 3.2).
//! - `chisq-yates`: with Yates' correction as R's `chisq.test`/`prop.test` apply it: each
//!   `|O - E|` is reduced by `min(0.5, |O - E|)`.
//! - `fisher`: Fisher's exact test, two-sided as R's `fisher.test`: the sum of the
//!   probabilities of all tables no more likely than the observed one (with R's relative
//!   tolerance of 1e-7 for ties).
//!
//! A table with an empty row or column has no chi-square test (`None`).

use super::exact_or::Conditional;
use super::Pair;
use crate::registry::{self, Entry, Unknown};
use crate::stats::dist::chi_square_sf;

/// A test statistic with its p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestResult {
    pub statistic: f64,
    pub p_value: f64,
}

/// The tests of `p1 = p2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    ChiSquare,
    ChiSquareYates,
    Fisher,
}

/// One registry entry: a test, its name and its function.
pub struct TestInfo {
    pub test: Test,
    pub name: &'static str,
    /// The test of a pair; `None` when the table has no such test.
    pub run: fn(Pair) -> Option<TestResult>,
}

/// The tests by their names on the command line and in pipelines.
pub static TESTS: &[TestInfo] = &[
    TestInfo {
        test: Test::ChiSquare,
        name: "chisq",
        run: |p| chisq(p, false),
    },
    TestInfo {
        test: Test::ChiSquareYates,
        name: "chisq-yates",
        run: |p| chisq(p, true),
    },
    TestInfo {
        test: Test::Fisher,
        name: "fisher",
        run: fisher,
    },
];

impl Entry for TestInfo {
    type Handle = Test;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> Test {
        self.test
    }
}

impl Test {
    /// The test's registry entry.
    pub fn info(self) -> &'static TestInfo {
        registry::entry(TESTS, self)
    }
    pub fn name(self) -> &'static str {
        self.info().name
    }
    pub fn from_name(s: &str) -> Result<Test, Unknown> {
        registry::lookup(TESTS, "test", s)
    }
    /// The test of a 2 x 2 table; `None` for a pair no test is defined for (an empty group,
    /// or a count above its group's size).
    pub fn run(self, p: Pair) -> Option<TestResult> {
        if !p.is_valid() {
            return None;
        }
        (self.info().run)(p)
    }
}

/// Pearson's chi-square test, optionally with Yates' correction (R's form).
pub fn chisq(p: Pair, yates: bool) -> Option<TestResult> {
    let obs = [
        p.x1 as f64,
        (p.n1 - p.x1) as f64,
        p.x2 as f64,
        (p.n2 - p.x2) as f64,
    ];
    let n = (p.n1 + p.n2) as f64;
    let rows = [p.n1 as f64, p.n2 as f64];
    let cols = [(p.x1 + p.x2) as f64, n - (p.x1 + p.x2) as f64];
    if rows.contains(&0.0) || cols.contains(&0.0) {
        return None;
    }
    let exp = [
        rows[0] * cols[0] / n,
        rows[0] * cols[1] / n,
        rows[1] * cols[0] / n,
        rows[1] * cols[1] / n,
    ];
    let correction = if yates {
        obs.iter()
            .zip(&exp)
            .map(|(o, e)| (o - e).abs())
            .fold(0.5, f64::min)
    } else {
        0.0
    };
    let statistic: f64 = obs
        .iter()
        .zip(&exp)
        .map(|(o, e)| ((o - e).abs() - correction).powi(2) / e)
        .sum();
    Some(TestResult {
        statistic,
        p_value: chi_square_sf(statistic, 1.0),
    })
}

/// Fisher's exact test, two-sided (R's definition). The statistic reported is the
/// probability of the observed table. `None` past [`super::EXACT_MAX_TABLES`] tables
/// (callers check [`super::check_exact_size`] first to say so).
pub fn fisher(p: Pair) -> Option<TestResult> {
    let cond = Conditional::new(&p)?;
    let probs = cond.probs(0.0);
    let observed = probs[(p.x1 - cond.lo) as usize];
    let p_value: f64 = probs
        .iter()
        .filter(|&&q| q <= observed * (1.0 + 1e-7))
        .sum();
    Some(TestResult {
        statistic: observed,
        p_value: p_value.min(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_has_one_entry_and_round_trips_by_name() {
        let all = [Test::ChiSquare, Test::ChiSquareYates, Test::Fisher];
        assert_eq!(all.len(), TESTS.len());
        for t in all {
            assert_eq!(Test::from_name(t.name()), Ok(t));
        }
    }
}
