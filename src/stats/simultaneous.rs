//! Simultaneous confidence intervals for the proportions of a multinomial outcome (e.g.
//! worse / same / better), so that all of them hold together at the stated level.
//!
//! # Goodman (1965)
//! Wilson-type intervals with `c = chi2_{1, 1 - alpha/k}` (Bonferroni over the k categories)
//! in place of `z^2`: `[2 n p + c -/+ sqrt(c (c + 4 n p (1 - p)))] / (2 (n + c))`.
//! Conservative; recommended when every count is at least 5. Matches statsmodels
//! `multinomial_proportions_confint(method="goodman")`.
//!
//! # Sison-Glaz (1995)
//! Intervals `[p - c/n, p + (c + 2 gamma)/n]` of equal width, with `c` the integer at which
//! an Edgeworth approximation to the multinomial probability of the box
//! `[x_i - c, x_i + c]` (through independent Poisson counts conditioned on their sum) first
//! passes the level, and `gamma` interpolating between `c` and `c + 1`. Less conservative
//! than Goodman; statsmodels' algorithm step for step (`method="sison-glaz"`, with its
//! fallback to [0, 1] when no `c < n` reaches the level). The algorithm is ill-conditioned
//! in double precision (fourth moments cancel), so implementations agree to about 1e-8.
//!
//! # References
//! Goodman LA (1965) Technometrics 7:247-254. Sison CP, Glaz J (1995) JASA 90:366-369.

use super::dist::{ln_poisson_pmf, normal_quantile, poisson_cdf, poisson_pmf};
use crate::registry::{self, Entry, Unknown};

/// Which simultaneous method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Simultaneous {
    Goodman,
    SisonGlaz,
}

/// `(lower, upper)` for each category, in the order of the counts.
pub type Bounds = Vec<(f64, f64)>;

/// One registry entry: a method, its names and its function.
pub struct SimultaneousInfo {
    pub method: Simultaneous,
    pub name: &'static str,
    /// The method's name in prose.
    pub title: &'static str,
    /// `(lower, upper)` for each category's proportion at `level`; `None` when n = 0.
    pub intervals: fn(counts: &[u64], level: f64) -> Option<Bounds>,
}

/// The methods by their names in pipelines.
pub static SIMULTANEOUS: &[SimultaneousInfo] = &[
    SimultaneousInfo {
        method: Simultaneous::Goodman,
        name: "goodman",
        title: "Goodman",
        intervals: goodman,
    },
    SimultaneousInfo {
        method: Simultaneous::SisonGlaz,
        name: "sison-glaz",
        title: "Sison-Glaz",
        intervals: sison_glaz,
    },
];

impl Entry for SimultaneousInfo {
    type Handle = Simultaneous;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> Simultaneous {
        self.method
    }
}

impl Simultaneous {
    /// The method's registry entry.
    pub fn info(self) -> &'static SimultaneousInfo {
        registry::entry(SIMULTANEOUS, self)
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn title(self) -> &'static str {
        self.info().title
    }

    pub fn from_name(s: &str) -> Result<Simultaneous, Unknown> {
        registry::lookup(SIMULTANEOUS, "simultaneous-interval method", s)
    }

    pub fn intervals(self, counts: &[u64], level: f64) -> Option<Vec<(f64, f64)>> {
        (self.info().intervals)(counts, level)
    }
}

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
                (
                    ((2.0 * nf * p + c - root) / denom).max(0.0),
                    ((2.0 * nf * p + c + root) / denom).min(1.0),
                )
            })
            .collect(),
    )
}

/// `P(l <= Y <= u)`: short ranges (the factorial-moment corrections, at most four terms) as
/// a sum of probabilities, which keeps their relative precision; long ones from the CDF.
fn poisson_range(l: f64, u: f64, lambda: f64) -> f64 {
    if u < l {
        return 0.0;
    }
    if u - l < 8.0 {
        let mut k = l.max(0.0);
        let mut s = 0.0;
        while k <= u {
            s += poisson_pmf(k, lambda);
            k += 1.0;
        }
        return s;
    }
    poisson_cdf(u, lambda) - poisson_cdf(l - 1.0, lambda)
}

/// Sison-Glaz intervals (statsmodels' algorithm); `None` when n = 0.
pub fn sison_glaz(counts: &[u64], level: f64) -> Option<Vec<(f64, f64)>> {
    let n: u64 = counts.iter().sum();
    if n == 0 || counts.is_empty() {
        return None;
    }
    let nf = n as f64;
    let alpha = 1.0 - level;
    let lambdas: Vec<f64> = counts.iter().map(|&x| x as f64).collect();
    let ln_pmf_n = ln_poisson_pmf(nf, nf);
    let nu = |c: f64| -> f64 {
        if c <= 0.0 {
            return 0.0;
        }
        if c >= nf {
            return 1.0;
        }
        let mut log_prob = 0.0;
        let (mut s_mu, mut s_mu2, mut s_mu3, mut s_mu4, mut s_mu2sq) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &lam in &lambdas {
            let b = (lam - c).max(0.0);
            let a = (lam + c).min(nf);
            let p_box = poisson_range(b, a, lam);
            log_prob += p_box.ln();
            let fm = |r: f64| {
                lam.powf(r)
                    * (1.0
                        - (poisson_range(a - r + 1.0, a, lam) - poisson_range(b - r, b - 1.0, lam))
                            / p_box)
            };
            let (m1, m2f, m3f, m4f) = (fm(1.0), fm(2.0), fm(3.0), fm(4.0));
            let mu = m1;
            let mu2 = m2f + mu - mu * mu;
            let mu3 = m3f + m2f * (3.0 - 3.0 * mu) + mu - 3.0 * mu * mu + 2.0 * mu.powi(3);
            let mu4 = m4f + m3f * (6.0 - 4.0 * mu) + m2f * (7.0 - 12.0 * mu + 6.0 * mu * mu) + mu
                - 4.0 * mu * mu
                + 6.0 * mu.powi(3)
                - 3.0 * mu.powi(4);
            s_mu += mu;
            s_mu2 += mu2;
            s_mu3 += mu3;
            s_mu4 += mu4;
            s_mu2sq += mu2 * mu2;
        }
        let g1 = s_mu3 / s_mu2.powf(1.5);
        let g2 = (s_mu4 - 3.0 * s_mu2sq) / (s_mu2 * s_mu2);
        let x = (nf - s_mu) / s_mu2.sqrt();
        let phi = (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let h3 = x.powi(3) - 3.0 * x;
        let h4 = x.powi(4) - 6.0 * x * x + 3.0;
        let h6 = x.powi(6) - 15.0 * x.powi(4) + 45.0 * x * x - 15.0;
        let f = phi * (1.0 + g1 * h3 / 6.0 + g2 * h4 / 24.0 + g1 * g1 * h6 / 72.0) / s_mu2.sqrt();
        (log_prob + f.ln() - ln_pmf_n).exp()
    };
    let target = 1.0 - alpha;
    let mut c = 0.0;
    let mut nuc = nu(c);
    let mut nucp1 = nu(c + 1.0);
    while !(nuc <= target && target < nucp1) {
        if c > nf {
            return Some(vec![(0.0, 1.0); counts.len()]);
        }
        c += 1.0;
        nuc = nucp1;
        nucp1 = nu(c + 1.0);
    }
    let g = (target - nuc) / (nucp1 - nuc);
    Some(
        lambdas
            .iter()
            .map(|&x| {
                let p = x / nf;
                ((p - c / nf).max(0.0), (p + (c + 2.0 * g) / nf).min(1.0))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_has_one_entry_and_round_trips_by_name() {
        let all = [Simultaneous::Goodman, Simultaneous::SisonGlaz];
        assert_eq!(all.len(), SIMULTANEOUS.len());
        for m in all {
            assert_eq!(Simultaneous::from_name(m.name()), Ok(m));
        }
    }
}
