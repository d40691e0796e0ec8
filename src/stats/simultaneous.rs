//! Simultaneous confidence intervals for the proportions of a multinomial outcome (e.g.
//! worse / same / better), so that all of them hold together at the stated level.
//!
//! Notation: `k` the levels of the outcome (every level of the analysis, in each group),
//! `α = 1 − level`, `n` a group's respondents and `x_j` those at level `j`, `p_j = x_j / n`.
//!
//! # Goodman (1965)
//! Wilson-type intervals with `c = chi2_{1, 1 - alpha/k}` (Bonferroni over the k categories)
//! in place of `z^2`: `[2 n p + c -/+ sqrt(c (c + 4 n p (1 - p)))] / (2 (n + c))`.
//! Conservative; recommended when every count is at least 5. Matches statsmodels
//! `multinomial_proportions_confint(method="goodman")`. Since `c = z²` with
//! `z = Φ⁻¹(1 − α/(2k))`, it is Wilson's score interval of each level at `1 − α/k`.
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
//! # Bonferroni
//! Each level's interval by the analysis's own interval method at `1 − α/k`: by
//! Bonferroni's inequality all `k` cover together with probability at least `1 − α`
//! (Miller 1981). Goodman is this with the Wilson method.
//!
//! # Weighted surveys: design-based forms
//!
//! A weighted survey's levels are not multinomial counts: each level `j` of a group has its
//! weighted proportion `p_j`, its linearised variance `v_j` and the group's design df `df`
//! (the group a domain of the full design, [`crate::stats::survey`]). The usual
//! design-based approach is Bonferroni's over the `k` levels, each with an interval that
//! allows for the design (Korn & Graubard 1999 on Bonferroni intervals for survey data; the
//! NCHS data presentation standards judge the same estimates on the effective n and the
//! design df, Parker et al. 2017):
//!
//! - `bonferroni`: each level's `svyciprop` interval by the analysis's design-based method
//!   ([`SurveyCi`]: logit, Korn-Graubard, ...) on the design df, at level `1 − α/k`. In R:
//!   `svyciprop(~I(y == j), subset(design, group), method = m, level = 1 - alpha/k)`. For
//!   the methods on the effective n, `n*` is taken at that level too, as R does:
//!   `n* = p(1 − p)/v · (t_{n−1, α/(2k)} / t_{df, α/(2k)})²`.
//! - `goodman`: Goodman's formula on Korn and Graubard's effective sample size (Kish's idea
//!   of the effective n, Kish 1965 §8.2, with Korn and Graubard's 1998 df adjustment):
//!   `n*` as above, `c = χ²_{1, 1−α/k}`, and
//!   `[2 n* p + c ∓ √(c (c + 4 n* p (1 − p)))] / (2 (n* + c))`, i.e. Wilson's interval on
//!   `(n* p, n*)` at `1 − α/k` ([`SurveyCi::Wilson`], Dean & Pagano 2015). The t ratio makes
//!   a design with few PSUs widen the interval as a t on `df` would; without it (`n* = p(1 −
//!   p)/v`) the interval would be as if the df were infinite. `survey` has no such method:
//!   the reference computes this closed form in base R from `svymean`'s `p`, SE and `degf`.
//!   With unit weights and no design (`v = p(1 − p)/(n − 1)`, `df = n − 1`) `n* = n − 1`, so
//!   it is close to, not equal to, the unweighted Goodman on `n`.
//! - `sison-glaz` has no design-based form: its Edgeworth step is the distribution of
//!   integer multinomial counts, which weighted totals are not. Refused for a weighted
//!   survey (the planner says so and points to `goodman` or `bonferroni`).
//!
//! At `p = 0` or `1`, for a domain in one PSU or with df 0 each level follows its interval
//! method's convention ([`crate::stats::survey::ciprop`]): the effective-n methods take the
//! design effect as 1 (`n* = n (t_{n−1}/t_df)²`), the Wald-type ones give no interval for
//! that level, and nothing is given at df 0.
//!
//! # References
//! Goodman LA (1965) Technometrics 7:247-254. Sison CP, Glaz J (1995) JASA 90:366-369.
//! Miller RG (1981) Simultaneous Statistical Inference, 2nd ed. Springer. Kish L (1965)
//! Survey Sampling. Wiley. Korn EL, Graubard BI (1998) Survey Methodology 24:193-201. Korn
//! EL, Graubard BI (1999) Analysis of Health Surveys. Wiley. Dean N, Pagano M (2015)
//! J Surv Stat Methodol 3:484-503. Parker JD et al. (2017) National Center for Health
//! Statistics data presentation standards for proportions. Vital Health Stat 2(175).

use super::ci::Method;
use super::dist::{ln_poisson_pmf, normal_quantile, poisson_cdf, poisson_pmf};
use super::survey::{DomainEstimate, SurveyCi};
use crate::registry::{self, Entry, Unknown};

/// Which simultaneous method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Simultaneous {
    Goodman,
    SisonGlaz,
    Bonferroni,
}

/// `(lower, upper)` for each category, in the order of the counts.
pub type Bounds = Vec<(f64, f64)>;

/// A level's design-based simultaneous interval: its domain estimate, the analysis's
/// design-based interval method, the number of levels `k` and the simultaneous level.
pub type DesignInterval =
    fn(e: &DomainEstimate, ci: SurveyCi, k: usize, level: f64) -> Option<(f64, f64)>;

/// One registry entry: a method, its names and its functions.
pub struct SimultaneousInfo {
    pub method: Simultaneous,
    pub name: &'static str,
    /// The method's name in prose.
    pub title: &'static str,
    /// Its name in prose for a weighted survey (`None`: no design-based form).
    pub design_title: Option<&'static str>,
    /// `(lower, upper)` for each category's proportion at `level`, from the counts of a
    /// group and the analysis's interval method (used by `bonferroni` only); `None` when
    /// n = 0.
    pub intervals: fn(counts: &[u64], ci: Method, level: f64) -> Option<Bounds>,
    /// The design-based form, for a weighted survey (module docs).
    pub design: Option<DesignInterval>,
}

/// The methods by their names in pipelines.
pub static SIMULTANEOUS: &[SimultaneousInfo] = &[
    SimultaneousInfo {
        method: Simultaneous::Goodman,
        name: "goodman",
        title: "Goodman",
        design_title: Some("Goodman on Korn and Graubard's effective n"),
        intervals: |counts, _, level| goodman(counts, level),
        design: Some(design_goodman),
    },
    SimultaneousInfo {
        method: Simultaneous::SisonGlaz,
        name: "sison-glaz",
        title: "Sison-Glaz",
        design_title: None,
        intervals: |counts, _, level| sison_glaz(counts, level),
        design: None,
    },
    SimultaneousInfo {
        method: Simultaneous::Bonferroni,
        name: "bonferroni",
        title: "Bonferroni",
        design_title: Some("Bonferroni"),
        intervals: bonferroni,
        design: Some(design_bonferroni),
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

    /// The names of the methods with a design-based form, in registry order.
    pub fn design_names() -> Vec<&'static str> {
        SIMULTANEOUS
            .iter()
            .filter(|m| m.design.is_some())
            .map(|m| m.name)
            .collect()
    }

    /// Each category's interval from the counts of a group, `ci` the analysis's interval
    /// method (`bonferroni` uses it).
    pub fn intervals(self, counts: &[u64], ci: Method, level: f64) -> Option<Vec<(f64, f64)>> {
        (self.info().intervals)(counts, ci, level)
    }

    /// One level's design-based interval (module docs); `None` without a design-based form
    /// or when the level's method gives no interval.
    pub fn design_interval(
        self,
        e: &DomainEstimate,
        ci: SurveyCi,
        k: usize,
        level: f64,
    ) -> Option<(f64, f64)> {
        self.info().design.and_then(|f| f(e, ci, k, level))
    }
}

/// The level of each of `k` intervals that hold together at `level`: `1 − (1 − level)/k`.
pub fn bonferroni_level(k: usize, level: f64) -> f64 {
    1.0 - (1.0 - level) / k.max(1) as f64
}

/// Each category's interval by `ci` at [`bonferroni_level`]; `None` when n = 0.
pub fn bonferroni(counts: &[u64], ci: Method, level: f64) -> Option<Vec<(f64, f64)>> {
    let n: u64 = counts.iter().sum();
    if n == 0 || counts.is_empty() {
        return None;
    }
    let each = bonferroni_level(counts.len(), level);
    counts
        .iter()
        .map(|&x| ci.interval(x, n, each).map(|i| (i.lower, i.upper)))
        .collect()
}

/// The analysis's design-based method at [`bonferroni_level`].
fn design_bonferroni(e: &DomainEstimate, ci: SurveyCi, k: usize, level: f64) -> Option<(f64, f64)> {
    ci.interval(e, bonferroni_level(k, level))
}

/// Goodman on Korn and Graubard's effective n: Wilson on `(n* p, n*)` at
/// [`bonferroni_level`] (the identity in the module docs).
fn design_goodman(e: &DomainEstimate, _: SurveyCi, k: usize, level: f64) -> Option<(f64, f64)> {
    SurveyCi::Wilson.interval(e, bonferroni_level(k, level))
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

    use crate::stats::ci::WILSON;

    #[test]
    fn goodman_is_bonferroni_over_wilson() {
        for counts in [vec![3u64, 10, 27], vec![0, 5, 5, 90], vec![1, 1]] {
            for level in [0.9, 0.95, 0.99] {
                let g = goodman(&counts, level).unwrap();
                let b = bonferroni(&counts, WILSON, level).unwrap();
                for (x, y) in g.iter().zip(&b) {
                    assert!((x.0 - y.0).abs() < 1e-12 && (x.1 - y.1).abs() < 1e-12);
                }
            }
        }
        assert_eq!(bonferroni(&[0, 0], WILSON, 0.95), None);
    }

    #[test]
    fn sison_glaz_has_no_design_based_form() {
        assert_eq!(Simultaneous::design_names(), ["goodman", "bonferroni"]);
        let e = DomainEstimate {
            p: 0.3,
            var: 0.001,
            se: 0.001f64.sqrt(),
            df: 20,
            n: 200,
            nrow: 200,
            n_psu: 21,
            sum_w: 400.0,
            sum_w2: 900.0,
        };
        assert_eq!(
            Simultaneous::SisonGlaz.design_interval(&e, SurveyCi::Logit, 3, 0.95),
            None
        );
        // Wider than the level's own interval at 95%, and the same as the method's at 1 - 0.05/3.
        let b = Simultaneous::Bonferroni
            .design_interval(&e, SurveyCi::Logit, 3, 0.95)
            .unwrap();
        let one = SurveyCi::Logit.interval(&e, 0.95).unwrap();
        assert!(b.0 < one.0 && b.1 > one.1);
        assert_eq!(Some(b), SurveyCi::Logit.interval(&e, 1.0 - 0.05 / 3.0));
    }

    #[test]
    fn every_member_has_one_entry_and_round_trips_by_name() {
        let all = [
            Simultaneous::Goodman,
            Simultaneous::SisonGlaz,
            Simultaneous::Bonferroni,
        ];
        assert_eq!(all.len(), SIMULTANEOUS.len());
        for m in all {
            assert_eq!(Simultaneous::from_name(m.name()), Ok(m));
        }
    }
}
