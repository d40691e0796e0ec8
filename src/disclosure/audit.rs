//! The attacker's problem: the smallest and largest value a hidden number can take in any
//! table of respondents that agrees with everything the report publishes (Fischetti and
//! Salazar 2000; sdcTable's `attack()`, tau-Argus's audit). The one home of `microlp`.
//!
//! The unknowns are the respondent counts `x_j >= 0` of the report's *atoms*: classes of
//! respondents that every published number treats alike (see `facts.rs`). Every published
//! number is a sum of atoms and tells the attacker a range for that sum: exactly its value
//! when shown, `[v - base/2, v + base - 1 - base/2]` when shown rounded to `base`,
//! `[0, t - 1]` when shown as `<t`, `[t, inf)` when shown as `suppressed`. The attacker's
//! interval for a linear function `c . x` is then
//!
//! ```text
//! [ min c.x , max c.x ]  over integer x >= 0 with lo_k <= sum_{j in S_k} x_j <= hi_k for all k
//! ```
//!
//! Each bound is first solved as a linear program. When the optimal vertex is integral its
//! value is the integer optimum (no integer point can do better than the relaxation, and
//! this one attains it); otherwise the same problem is solved with integer unknowns by
//! branch and bound, so that the bound is what an attacker with an integer-programming
//! solver gets, not a looser relaxation.

use microlp::{ComparisonOp, OptimizationDirection, Problem};

/// What the attacker knows: one range per published number, over sums of atoms.
#[derive(Debug, Clone, Default)]
pub struct System {
    /// Atoms, with an upper bound each (a count no larger than any shown total it is in).
    pub upper: Vec<f64>,
    /// `(atoms, lo, hi)`: `lo <= sum of those atoms <= hi`.
    pub ranges: Vec<(Vec<u32>, f64, f64)>,
}

/// The integer optimum of a linear function of the atoms, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Value(i64),
    /// The solver could not answer (it reports a numerical failure or ran out of time): the
    /// caller must treat the number as unprotected.
    Failed,
}

/// Largest count kept as an integer unknown in branch and bound (microlp's integer bounds
/// are `i32`); above it only an integral relaxation gives an exact bound.
const INTEGER_LIMIT: f64 = i32::MAX as f64;

/// Tolerance for calling a solution value an integer (microlp's feasibility is `1e-7`).
const INTEGRAL: f64 = 1e-6;

impl System {
    /// The minimum (`maximize = false`) or maximum of `sum_j c_j x_j` over the attacker's
    /// integer tables, with a table that attains it. `Failed` when it cannot be had exactly
    /// (the solver fails, or the relaxation is fractional on counts too large for branch and
    /// bound): the caller must then treat the number as unprotected.
    pub fn optimum(&self, objective: &[(u32, f64)], maximize: bool) -> (Bound, Option<Vec<u64>>) {
        let exact = match self.solve(objective, maximize, false) {
            Some(s) if s.integral => Some(s),
            Some(_) if self.upper.iter().all(|&u| u <= INTEGER_LIMIT) => {
                self.solve(objective, maximize, true)
            }
            _ => None,
        };
        match exact {
            Some(s) => (Bound::Value(s.objective.round() as i64), Some(s.table)),
            None => (Bound::Failed, None),
        }
    }

    /// The attacker's interval for a sum of atoms.
    pub fn interval(&self, atoms: &[u32]) -> (Bound, Bound) {
        let objective: Vec<(u32, f64)> = atoms.iter().map(|&a| (a, 1.0)).collect();
        (
            self.optimum(&objective, false).0,
            self.optimum(&objective, true).0,
        )
    }

    /// Solves once.
    fn solve(&self, objective: &[(u32, f64)], maximize: bool, integer: bool) -> Option<Solved> {
        let direction = if maximize {
            OptimizationDirection::Maximize
        } else {
            OptimizationDirection::Minimize
        };
        let mut p = Problem::new(direction);
        p.set_time_limit(std::time::Duration::from_secs(10));
        let mut coef = vec![0.0; self.upper.len()];
        for &(a, c) in objective {
            coef[a as usize] += c;
        }
        let vars: Vec<microlp::Variable> = self
            .upper
            .iter()
            .zip(&coef)
            .map(|(&u, &c)| {
                if integer {
                    p.add_integer_var(c, (0, u as i32))
                } else {
                    p.add_var(c, (0.0, u))
                }
            })
            .collect();
        for (atoms, lo, hi) in &self.ranges {
            let expr: Vec<(microlp::Variable, f64)> =
                atoms.iter().map(|&a| (vars[a as usize], 1.0)).collect();
            if lo == hi {
                p.add_constraint(expr.as_slice(), ComparisonOp::Eq, *lo);
                continue;
            }
            if *lo > 0.0 {
                p.add_constraint(expr.as_slice(), ComparisonOp::Ge, *lo);
            }
            if hi.is_finite() {
                p.add_constraint(expr.as_slice(), ComparisonOp::Le, *hi);
            }
        }
        let outcome = p.solve().ok()?;
        let solution = outcome.solution()?;
        if solution.status() != microlp::SolutionStatus::Optimal {
            return None;
        }
        let values: Vec<f64> = vars.iter().map(|&v| solution.var_value(v)).collect();
        Some(Solved {
            objective: solution.objective(),
            integral: values.iter().all(|v| (v - v.round()).abs() < INTEGRAL),
            table: values.iter().map(|v| v.round().max(0.0) as u64).collect(),
        })
    }
}

/// One solve: the optimum, whether the optimal point is integral, and that point rounded
/// (a table of the attacker's when it is integral).
struct Solved {
    objective: f64,
    integral: bool,
    table: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2 x 2 table with both margins shown and all four cells hidden: the textbook
    /// interval `[max(0, r1 - c2), min(r1, c1)]` for the top-left cell.
    #[test]
    fn a_two_by_two_table_gives_the_textbook_interval() {
        // Cells a b / c d = 3 9 / 7 8; margins r = 12, 15; c = 10, 17.
        let sys = System {
            upper: vec![100.0; 4],
            ranges: vec![
                (vec![0, 1], 12.0, 12.0),
                (vec![2, 3], 15.0, 15.0),
                (vec![0, 2], 10.0, 10.0),
                (vec![1, 3], 17.0, 17.0),
            ],
        };
        assert_eq!(sys.interval(&[0]), (Bound::Value(0), Bound::Value(10)));
        assert_eq!(sys.interval(&[3]), (Bound::Value(5), Bound::Value(15)));
    }

    /// An odd cycle (each pair of three counts at most 1): the relaxation reaches 1.5 with
    /// every count at one half, integers stop at 1. The bound must be the integer one.
    #[test]
    fn integer_bounds_are_tighter_than_the_relaxation() {
        let sys = System {
            upper: vec![10.0; 3],
            ranges: vec![
                (vec![0, 1], 0.0, 1.0),
                (vec![1, 2], 0.0, 1.0),
                (vec![0, 2], 0.0, 1.0),
            ],
        };
        assert_eq!(
            sys.optimum(&[(0, 1.0), (1, 1.0), (2, 1.0)], true).0,
            Bound::Value(1)
        );
    }
}
