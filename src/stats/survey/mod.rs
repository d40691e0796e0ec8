//! Design-based estimation for weighted and complex survey designs, computed as R's `survey`
//! package (Lumley 2004, 2010) computes it, from additive aggregates.
//!
//! # Input: additive aggregates
//!
//! tally streams its input and keeps one record per distinct tuple, so nothing here sees a
//! respondent. Everything is computed from a [`Table`]: for every cell of an r x c table
//! (domain x outcome level), totals [`PsuTotals`] `(stratum, psu, n, Σw, Σw²)`, additive over
//! rows, and from the [`Design`]: the strata of the *full* design with their number of PSUs
//! and their finite population correction (`fpc`).
//!
//! - [`Units::Clusters`]: the totals are per (stratum, PSU, cell). This is exact for any
//!   single-stage (ultimate cluster) design: linearisation needs only the PSU totals of
//!   `w y` and `w d` (below).
//! - [`Units::Elements`]: every respondent is its own PSU (`svydesign(ids = ~1, ...)`, with
//!   or without `strata` and `fpc`), so per-PSU totals are per respondent and not additive per
//!   tuple. The totals are then per (stratum, cell) and the variance is the closed form below,
//!   which needs only `Σw` and `Σw²` of each cell; `psu` is ignored.
//!
//! # Domain estimation
//!
//! A domain (a subgroup, a filter) is a subset of the full design, as `subset()` and `svyby`
//! treat it: the variance sums over *all* PSUs of every stratum the domain touches, those
//! outside it contributing zero, with the full design's PSU counts `n_h` and fpc. A design cut
//! down to the domain first would be wrong (Lumley 2010, §2.3.1).
//!
//! # Linearisation (Taylor series, Binder 1983; Lumley 2010 §2.2, `svyrecvar`)
//!
//! A proportion is a ratio `p = Y / N` of weighted totals over cell sets, numerator ⊂
//! denominator (domain `D`, outcome `k`: `N = Σ_{i∈D} w_i`, `Y = Σ_{i∈D, y_i=k} w_i`). Its
//! influence value is `z_i = w_i (y_i − p) d_i / N`, and with `t_hj = Σ_{i∈PSU hj} z_i`,
//! `t̄_h = Σ_j t_hj / n_h` (the mean over *all* `n_h` PSUs of stratum `h`),
//!
//! ```text
//! var(p) = Σ_h  (1 − f_h) n_h / (n_h − 1)  Σ_j (t_hj − t̄_h)²
//! cov(p, q) = Σ_h (1 − f_h) n_h / (n_h − 1) Σ_j (t_hj − t̄_h)(u_hj − ū_h)
//! ```
//!
//! where `f_h = n_h / N_h` (R: `fpc` as the population size `N_h`, or as the sampling
//! fraction `f_h ≤ 1`, all of one kind; without fpc `f_h = 0`, sampling with replacement).
//! Per PSU, `t_hj = (Y_hj − p N_hj) / N`, so the PSU totals of `w y d` and `w d` suffice.
//!
//! **Elements** (each respondent a PSU, `n_h` respondents in stratum `h`): with per-cell
//! `S1_c = Σw`, `S2_c = Σw²` and the coefficient `a_c = (1[c ∈ num] − p) 1[c ∈ den] / N`,
//! `Σ_{i∈h} z_i = Σ_c a_c S1_hc`, `Σ_{i∈h} z_i² = Σ_c a_c² S2_hc`, and
//!
//! ```text
//! var(p) = Σ_h (1 − f_h) n_h / (n_h − 1) [ Σ_c a_c² S2_hc − (Σ_c a_c S1_hc)² / n_h ].
//! ```
//!
//! Without strata `Σ_i z_i = 0` (p is the domain mean), so for `svydesign(ids = ~1,
//! weights = ~w)` and domain `D`, outcome `k`:
//! `var(p) = n / (n − 1) · [ (1 − p)² S2_{Dk} + p² (S2_D − S2_{Dk}) ] / N_D²`, with `n` the
//! number of respondents in the whole design (not the domain).
//!
//! # Degrees of freedom
//!
//! `degf(design)`: the number of PSUs minus the number of strata. For a domain, R counts only
//! the PSUs and strata in which the domain has respondents (`degf` of the subset design), and
//! `svyciprop` uses that df. A domain in one PSU has df 0: its variance is identically zero
//! (the PSU total of `z` is the domain total, 0), R shows a rounding residue (~1e-17) and
//! NaN intervals; tally gives `se = NaN` and no interval, never a zero-width one.
//!
//! # Lonely PSUs (`options(survey.lonely.psu)`)
//!
//! A stratum with one PSU in the full design has no variance estimate. R's choices: `"fail"`
//! (the default: an error), `"remove"` and `"certainty"` (the stratum contributes zero; at
//! one stage R's code treats them alike), `"adjust"` (centred at the population mean, i.e.
//! zero for these influence values: the stratum contributes `(1 − f_h) t_h1²`), `"average"`
//! (the stratum is dropped and the sum scaled by strata present / strata not lonely).
//! tally implements all five ([`LonelyPsu`]); `"fail"` is the default and names the stratum.
//! R's `survey.adjust.domain.lonely` (a domain lonely in a stratum that has several PSUs) is
//! off by default and not implemented.
//!
//! # What is where
//!
//! - [`linearize`]: the ratio estimators, their variances and covariances.
//! - [`deff`]: design effects (design-based, `deff = TRUE` and `"replace"`; Kish) and
//!   effective sample sizes.
//! - [`ciprop`]: `svyciprop`'s intervals and Wilson, Clopper-Pearson and Jeffreys on the
//!   effective n.
//! - [`contrast`]: differences and ratios of two domain proportions.
//! - [`rao_scott`]: `svychisq`'s Rao-Scott corrected chi-square, `"F"` and `"Chisq"`.
//!
//! # References
//!
//! Lumley T (2010) Complex Surveys: A Guide to Analysis Using R. Wiley. Lumley T (2004)
//! J Stat Softw 9(8). R `survey` 4.1: `svymean`, `svyrecvar`, `svyciprop`, `svyby`,
//! `svycontrast`, `svychisq`, `degf`. Binder DA (1983) Int Stat Rev 51:279-292. Kish L
//! (1965) Survey Sampling. Wiley. Korn EL, Graubard BI (1998) Survey Methodology 24:193-201.
//! Rao JNK, Scott AJ (1984) Ann Stat 12:46-60.
//!
//! This module does no I/O and uses nothing of tally but [`crate::stats::dist`].

pub mod calibrate;
pub mod ciprop;
pub mod contrast;
pub mod deff;
pub mod linearize;
pub mod rao_scott;

use std::collections::BTreeMap;
use std::fmt;

pub use ciprop::{SurveyCi, R_NAMES};
pub use linearize::{Domain, DomainEstimate};

/// A finite population correction for one stratum, as R's `svydesign(fpc = )` takes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fpc {
    /// No fpc: sampling with replacement (`f_h = 0`).
    None,
    /// The population size `N_h` (R: fpc values > 1), in PSUs.
    PopulationSize(f64),
    /// The sampling fraction `n_h / N_h` (R: fpc values ≤ 1).
    Fraction(f64),
}

/// What to do with a stratum that has a single PSU (R's `options(survey.lonely.psu)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LonelyPsu {
    /// An error naming the stratum (R's default).
    #[default]
    Fail,
    /// The stratum contributes nothing.
    Remove,
    /// The PSU was sampled with certainty: it contributes nothing (single stage).
    Certainty,
    /// Centred at the population mean (zero) instead of the stratum mean.
    Adjust,
    /// Replaced by the average of the other strata's contributions.
    Average,
}

impl LonelyPsu {
    /// The option's name in R.
    pub fn r_name(self) -> &'static str {
        match self {
            LonelyPsu::Fail => "fail",
            LonelyPsu::Remove => "remove",
            LonelyPsu::Certainty => "certainty",
            LonelyPsu::Adjust => "adjust",
            LonelyPsu::Average => "average",
        }
    }

    /// Looks an option up by its R name.
    pub fn from_name(name: &str) -> Result<LonelyPsu, DesignError> {
        [
            LonelyPsu::Fail,
            LonelyPsu::Remove,
            LonelyPsu::Certainty,
            LonelyPsu::Adjust,
            LonelyPsu::Average,
        ]
        .into_iter()
        .find(|l| l.r_name() == name)
        .ok_or_else(|| DesignError::UnknownLonely(name.to_string()))
    }
}

/// One stratum of the full design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stratum {
    /// The stratum's id (one stratum, any id, for an unstratified design).
    pub id: u32,
    /// Its number of PSUs in the full design (of respondents, for [`Units::Elements`]).
    pub n_psu: u64,
    /// Its finite population correction.
    pub fpc: Fpc,
}

/// A problem with a design or its totals; each names the stratum, cell or value.
#[derive(Debug, Clone, PartialEq)]
pub enum DesignError {
    /// A stratum with one PSU under [`LonelyPsu::Fail`].
    LonelyPsu { stratum: u32 },
    /// A stratum listed twice.
    DuplicateStratum { stratum: u32 },
    /// A stratum with no PSU.
    EmptyStratum { stratum: u32 },
    /// An fpc that is not a population size of at least `n_psu`, nor a fraction in (0, 1].
    BadFpc { stratum: u32, fpc: Fpc, n_psu: u64 },
    /// Totals of a cell name a stratum that is not in the design.
    UnknownStratum { stratum: u32, cell: (usize, usize) },
    /// A cell's totals are not finite and non-negative, or Σw is positive with n = 0.
    BadTotals {
        cell: (usize, usize),
        detail: String,
    },
    /// More distinct PSUs (respondents, for an element design) in the totals of a stratum
    /// than the design gives it.
    TooManyPsus { stratum: u32, seen: u64, n_psu: u64 },
    /// The table's shape does not match its cells.
    Shape { detail: String },
    /// An unknown `survey.lonely.psu` name.
    UnknownLonely(String),
}

impl fmt::Display for DesignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DesignError::LonelyPsu { stratum } => write!(
                f,
                "stratum {stratum} has only one PSU, so its variance cannot be estimated \
                 (hint: choose a lonely-PSU rule: remove, certainty, adjust or average, as R's \
                 options(survey.lonely.psu))"
            ),
            DesignError::DuplicateStratum { stratum } => {
                write!(f, "stratum {stratum} is listed twice in the design")
            }
            DesignError::EmptyStratum { stratum } => write!(
                f,
                "stratum {stratum} has no PSU (hint: leave empty strata out of the design)"
            ),
            DesignError::BadFpc {
                stratum,
                fpc,
                n_psu,
            } => write!(
                f,
                "stratum {stratum}: fpc {fpc:?} is neither a population size of at least its \
                 {n_psu} PSUs nor a sampling fraction in (0, 1]"
            ),
            DesignError::UnknownStratum { stratum, cell } => write!(
                f,
                "cell (row {}, column {}) has totals for stratum {stratum}, which is not in the \
                 design",
                cell.0, cell.1
            ),
            DesignError::BadTotals { cell, detail } => write!(
                f,
                "cell (row {}, column {}): {detail} (expected finite, non-negative Σw and Σw²)",
                cell.0, cell.1
            ),
            DesignError::TooManyPsus {
                stratum,
                seen,
                n_psu,
            } => write!(
                f,
                "stratum {stratum}: the totals name {seen} PSUs but the design gives it {n_psu} \
                 (hint: n_psu counts the PSUs of the full design)"
            ),
            DesignError::Shape { detail } => write!(f, "table shape: {detail}"),
            DesignError::UnknownLonely(name) => write!(
                f,
                "unknown lonely-PSU rule `{name}`; expected fail, remove, certainty, adjust or \
                 average"
            ),
        }
    }
}

impl std::error::Error for DesignError {}

/// The scale factor of one stratum: `(1 - f_h) n_h / (n_h - 1)` (R's `onestrat`), or
/// `1 - f_h` for a lonely PSU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StratumScale {
    pub n_psu: u64,
    pub scale: f64,
}

/// The full design: its strata, their PSU counts and fpc, and the lonely-PSU rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    strata: BTreeMap<u32, StratumScale>,
    lonely: LonelyPsu,
}

impl Design {
    /// Checks the strata and computes each one's scale factor; under [`LonelyPsu::Fail`] a
    /// stratum with one PSU is an error naming it.
    pub fn new(strata: &[Stratum], lonely: LonelyPsu) -> Result<Design, DesignError> {
        let mut map = BTreeMap::new();
        for s in strata {
            if s.n_psu == 0 {
                return Err(DesignError::EmptyStratum { stratum: s.id });
            }
            if s.n_psu == 1 && lonely == LonelyPsu::Fail {
                return Err(DesignError::LonelyPsu { stratum: s.id });
            }
            let n = s.n_psu as f64;
            // R: popsize = sampsize / fraction; f = (popsize - n) / popsize.
            let popsize = match s.fpc {
                Fpc::None => f64::INFINITY,
                Fpc::PopulationSize(big) if big >= n && big.is_finite() => big,
                Fpc::Fraction(fr) if fr > 0.0 && fr <= 1.0 => n / fr,
                fpc => {
                    return Err(DesignError::BadFpc {
                        stratum: s.id,
                        fpc,
                        n_psu: s.n_psu,
                    })
                }
            };
            let f = if popsize.is_infinite() {
                1.0
            } else {
                (popsize - n) / popsize
            };
            let scale = if s.n_psu > 1 { f * n / (n - 1.0) } else { f };
            let scale = if f < 1e-7 { 0.0 } else { scale };
            if map
                .insert(
                    s.id,
                    StratumScale {
                        n_psu: s.n_psu,
                        scale,
                    },
                )
                .is_some()
            {
                return Err(DesignError::DuplicateStratum { stratum: s.id });
            }
        }
        Ok(Design {
            strata: map,
            lonely,
        })
    }

    /// An unstratified design of `n_psu` PSUs (or respondents) without fpc.
    pub fn unstratified(n_psu: u64, lonely: LonelyPsu) -> Result<Design, DesignError> {
        Design::new(
            &[Stratum {
                id: 0,
                n_psu,
                fpc: Fpc::None,
            }],
            lonely,
        )
    }

    /// The design degrees of freedom, `degf(design)`: PSUs minus strata.
    pub fn df(&self) -> u64 {
        self.strata.values().map(|s| s.n_psu - 1).sum()
    }

    /// The lonely-PSU rule.
    pub fn lonely(&self) -> LonelyPsu {
        self.lonely
    }

    pub(crate) fn stratum(&self, id: u32) -> Option<StratumScale> {
        self.strata.get(&id).copied()
    }
}

/// Additive totals of one (stratum, PSU, cell): respondents, Σw and Σw².
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PsuTotals {
    pub stratum: u32,
    /// The PSU's id within its stratum (ignored for [`Units::Elements`]).
    pub psu: u32,
    pub n: u64,
    pub sum_w: f64,
    pub sum_w2: f64,
    /// The calibration class of the respondents (0 without calibration, see
    /// [`calibrate`]).
    pub class: u32,
}

/// What the totals of a [`Table`] are per.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Per (stratum, PSU, cell): any single-stage cluster design.
    Clusters,
    /// Per (stratum, cell), each respondent its own PSU: the closed form.
    Elements,
}

/// An r x c table of totals: `rows` domains (or row levels) by `cols` outcome levels.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    rows: usize,
    cols: usize,
    units: Units,
    /// Row-major: cell `(r, c)` is `cells[r * cols + c]`, its totals sorted by (stratum, psu,
    /// class).
    cells: Vec<Vec<PsuTotals>>,
    /// The design's calibration, when its weights were calibrated to population margins.
    calibration: Option<std::sync::Arc<calibrate::Calibration>>,
}

impl Table {
    /// Checks the totals against the design: strata known, totals finite and non-negative,
    /// no more PSUs than the design gives a stratum. Totals of the same (stratum, PSU) within a
    /// cell are added.
    pub fn new(
        design: &Design,
        rows: usize,
        cols: usize,
        units: Units,
        cells: Vec<Vec<PsuTotals>>,
    ) -> Result<Table, DesignError> {
        if rows == 0 || cols == 0 || cells.len() != rows * cols {
            return Err(DesignError::Shape {
                detail: format!(
                    "{} cells for {rows} rows x {cols} columns (expected rows * cols, both > 0)",
                    cells.len()
                ),
            });
        }
        let mut psus: BTreeMap<u32, std::collections::BTreeSet<u32>> = BTreeMap::new();
        let mut respondents: BTreeMap<u32, u64> = BTreeMap::new();
        let mut merged = Vec::with_capacity(cells.len());
        for (i, cell) in cells.into_iter().enumerate() {
            let at = (i / cols, i % cols);
            let mut m: BTreeMap<(u32, u32, u32), PsuTotals> = BTreeMap::new();
            for t in cell {
                check_totals(design, &t, at)?;
                let psu = if units == Units::Elements { 0 } else { t.psu };
                psus.entry(t.stratum).or_default().insert(psu);
                *respondents.entry(t.stratum).or_default() += t.n;
                let e = m.entry((t.stratum, psu, t.class)).or_insert(PsuTotals {
                    psu,
                    n: 0,
                    sum_w: 0.0,
                    sum_w2: 0.0,
                    ..t
                });
                e.n += t.n;
                e.sum_w += t.sum_w;
                e.sum_w2 += t.sum_w2;
            }
            merged.push(m.into_values().collect());
        }
        // Each respondent is a PSU of an element design.
        for (stratum, set) in &psus {
            let n_psu = design.stratum(*stratum).map_or(0, |s| s.n_psu);
            let seen = match units {
                Units::Clusters => set.len() as u64,
                Units::Elements => respondents.get(stratum).copied().unwrap_or(0),
            };
            if seen > n_psu {
                return Err(DesignError::TooManyPsus {
                    stratum: *stratum,
                    seen,
                    n_psu,
                });
            }
        }
        Ok(Table {
            rows,
            cols,
            units,
            cells: merged,
            calibration: None,
        })
    }

    /// The table of a calibrated design: its totals are of the calibrated weights, each
    /// with its class, and its variances are of the calibration's residuals.
    pub fn calibrated(mut self, calibration: std::sync::Arc<calibrate::Calibration>) -> Table {
        self.calibration = Some(calibration);
        self
    }

    /// The calibration of the design, if any.
    pub fn calibration(&self) -> Option<&calibrate::Calibration> {
        self.calibration.as_deref()
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn units(&self) -> Units {
        self.units
    }

    /// The totals of cell `(r, c)` (none outside the table).
    pub fn cell(&self, r: usize, c: usize) -> &[PsuTotals] {
        if r >= self.rows || c >= self.cols {
            return &[];
        }
        self.cells.get(r * self.cols + c).map_or(&[], Vec::as_slice)
    }
}

fn check_totals(design: &Design, t: &PsuTotals, cell: (usize, usize)) -> Result<(), DesignError> {
    if design.stratum(t.stratum).is_none() {
        return Err(DesignError::UnknownStratum {
            stratum: t.stratum,
            cell,
        });
    }
    let ok = |v: f64| v.is_finite() && v >= 0.0;
    if !ok(t.sum_w) || !ok(t.sum_w2) {
        return Err(DesignError::BadTotals {
            cell,
            detail: format!("Σw = {}, Σw² = {}", t.sum_w, t.sum_w2),
        });
    }
    if t.n == 0 && t.sum_w > 0.0 {
        return Err(DesignError::BadTotals {
            cell,
            detail: format!("Σw = {} with no respondents", t.sum_w),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stratum(id: u32, n_psu: u64, fpc: Fpc) -> Stratum {
        Stratum { id, n_psu, fpc }
    }

    #[test]
    fn a_lonely_psu_fails_by_default_naming_its_stratum() {
        let strata = [stratum(1, 3, Fpc::None), stratum(7, 1, Fpc::None)];
        let err = Design::new(&strata, LonelyPsu::default()).unwrap_err();
        assert_eq!(err, DesignError::LonelyPsu { stratum: 7 });
        assert!(err.to_string().starts_with("stratum 7 has only one PSU"));
        assert!(err.to_string().contains("hint:"));
        for rule in ["remove", "certainty", "adjust", "average"] {
            let rule = LonelyPsu::from_name(rule).unwrap();
            assert_eq!(Design::new(&strata, rule).unwrap().df(), 2);
        }
        assert!(LonelyPsu::from_name("drop").is_err());
    }

    #[test]
    fn fpc_is_a_population_size_or_a_fraction() {
        let scale = |fpc| {
            Design::new(&[stratum(1, 4, fpc)], LonelyPsu::Fail)
                .unwrap()
                .stratum(1)
                .unwrap()
                .scale
        };
        // n = 4 of N = 16: (1 - 1/4) * 4/3 = 1, both ways.
        assert!((scale(Fpc::PopulationSize(16.0)) - 1.0).abs() < 1e-15);
        assert!((scale(Fpc::Fraction(0.25)) - 1.0).abs() < 1e-15);
        assert!((scale(Fpc::None) - 4.0 / 3.0).abs() < 1e-15);
        for bad in [
            Fpc::PopulationSize(3.0),
            Fpc::Fraction(0.0),
            Fpc::Fraction(1.5),
        ] {
            let err = Design::new(&[stratum(2, 4, bad)], LonelyPsu::Fail).unwrap_err();
            assert!(
                matches!(err, DesignError::BadFpc { stratum: 2, .. }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn tables_are_checked_against_the_design() {
        let design = Design::new(&[stratum(1, 2, Fpc::None)], LonelyPsu::Fail).unwrap();
        let t = |stratum, psu, sum_w: f64| PsuTotals {
            stratum,
            psu,
            n: 1,
            sum_w,
            sum_w2: sum_w * sum_w,
            class: 0,
        };
        let err = Table::new(
            &design,
            1,
            2,
            Units::Clusters,
            vec![vec![t(9, 1, 1.0)], vec![]],
        );
        assert_eq!(
            err.unwrap_err().to_string(),
            "cell (row 0, column 0) has totals for stratum 9, which is not in the design"
        );
        let err = Table::new(
            &design,
            1,
            2,
            Units::Clusters,
            vec![vec![t(1, 1, -1.0)], vec![]],
        );
        assert!(matches!(
            err,
            Err(DesignError::BadTotals { cell: (0, 0), .. })
        ));
        let three = vec![vec![t(1, 1, 1.0), t(1, 2, 1.0)], vec![t(1, 3, 1.0)]];
        let err = Table::new(&design, 1, 2, Units::Clusters, three).unwrap_err();
        assert_eq!(
            err,
            DesignError::TooManyPsus {
                stratum: 1,
                seen: 3,
                n_psu: 2
            }
        );
        assert!(Table::new(&design, 2, 2, Units::Clusters, vec![vec![]]).is_err());
    }
}
