//! Ratio estimators over cell sets of a [`Table`], their linearised variances and
//! covariances (the formulas are in the [module docs](super)).
//!
//! A domain proportion, a cell share of the whole table and every other proportion here is a
//! [`Ratio`]: `p = Σ_{num} Σw / Σ_{den} Σw` with the numerator cells inside the denominator
//! cells. Its influence value per cell is the coefficient `a_c = (1[c ∈ num] − p) 1[c ∈ den]
//! / N` times the cell's Σw, so a PSU's total is `Σ_c a_c Σw_{c,PSU}`, and the covariance of
//! two ratios is `svyrecvar`'s sum over strata of the centred cross-products of PSU totals.

use std::collections::{BTreeMap, BTreeSet};

use super::{Design, LonelyPsu, Table, Units};

/// A domain: a set of rows of the table (a subgroup, a filter, or all rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    rows: Vec<usize>,
}

impl Domain {
    /// The domain made of the given rows (out-of-range rows are ignored, duplicates merged).
    pub fn rows(rows: &[usize]) -> Domain {
        let set: BTreeSet<usize> = rows.iter().copied().collect();
        Domain {
            rows: set.into_iter().collect(),
        }
    }

    /// Every row of the table: the whole design.
    pub fn all(table: &Table) -> Domain {
        Domain {
            rows: (0..table.rows()).collect(),
        }
    }

    /// The domain's rows.
    pub fn row_indices(&self) -> &[usize] {
        &self.rows
    }
}

/// A ratio of weighted totals over cell sets of a table (numerator ⊂ denominator), with
/// one flag per cell in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratio {
    num: Vec<bool>,
    den: Vec<bool>,
}

impl Ratio {
    /// The proportion of outcome column `col` within `domain`.
    pub fn domain_share(table: &Table, domain: &Domain, col: usize) -> Ratio {
        let cols = table.cols();
        let mut den = vec![false; table.rows() * cols];
        let mut num = den.clone();
        for &r in domain.row_indices().iter().filter(|&&r| r < table.rows()) {
            for c in 0..cols {
                den[r * cols + c] = true;
                num[r * cols + c] = c == col;
            }
        }
        Ratio { num, den }
    }

    /// The share of cell `(r, c)` in the whole table (as `svymean` of the cell indicators).
    pub fn cell_share(table: &Table, r: usize, c: usize) -> Ratio {
        let den = vec![true; table.rows() * table.cols()];
        let mut num = vec![false; den.len()];
        if r < table.rows() && c < table.cols() {
            num[r * table.cols() + c] = true;
        }
        Ratio { num, den }
    }

    /// `(Σ_num Σw, Σ_den Σw)`.
    pub fn totals(&self, table: &Table) -> (f64, f64) {
        let (mut y, mut n) = (0.0, 0.0);
        for (i, cell) in table.cells.iter().enumerate() {
            let s: f64 = cell.iter().map(|t| t.sum_w).sum();
            if self.den[i] {
                n += s;
            }
            if self.num[i] {
                y += s;
            }
        }
        (y, n)
    }

    /// The estimate `p` and the influence coefficient of every cell (zero when the
    /// denominator is empty).
    fn coefficients(&self, table: &Table) -> (f64, Vec<f64>) {
        let (y, n) = self.totals(table);
        let p = y / n;
        let a = (0..self.den.len())
            .map(|i| {
                if !self.den[i] || n <= 0.0 {
                    0.0
                } else {
                    (f64::from(u8::from(self.num[i])) - p) / n
                }
            })
            .collect();
        (p, a)
    }
}

/// A domain proportion with its linearised variance and the counts around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DomainEstimate {
    /// The weighted proportion.
    pub p: f64,
    /// Its linearised variance (`vcov(svymean(...))`); NaN for a domain in a single PSU.
    pub var: f64,
    /// `sqrt(var)`.
    pub se: f64,
    /// The domain's design df: its PSUs minus its strata (`degf` of the subset design).
    pub df: u64,
    /// Respondents in the domain (unweighted, `nrow` of the subset design).
    pub n: u64,
    /// `nrow()` of the subset design as R's `svyciprop` sees it: `n`, or every respondent of
    /// a calibrated design (whose subsets keep all their rows).
    pub nrow: u64,
    /// PSUs with respondents in the domain (respondents, for [`Units::Elements`]).
    pub n_psu: u64,
    /// Σw and Σw² over the domain.
    pub sum_w: f64,
    pub sum_w2: f64,
}

/// The weighted proportion of outcome `col` in `domain`, with its variance; `None` when the
/// domain has no respondents (or no weight) or `col` is not a column of the table.
pub fn estimate(
    design: &Design,
    table: &Table,
    domain: &Domain,
    col: usize,
) -> Option<DomainEstimate> {
    if col >= table.cols() {
        return None;
    }
    let ratio = Ratio::domain_share(table, domain, col);
    let (y, total) = ratio.totals(table);
    let (n, n_psu, n_strata, sum_w2) = counts(table, &ratio.den);
    if n == 0 || total <= 0.0 {
        return None;
    }
    let var = if n_psu <= 1 {
        f64::NAN
    } else {
        covariance(design, table, &ratio, &ratio)
    };
    Some(DomainEstimate {
        p: y / total,
        var,
        se: var.sqrt(),
        df: n_psu - n_strata,
        n,
        nrow: table.calibration().map_or(n, |c| c.respondents),
        n_psu,
        sum_w: total,
        sum_w2,
    })
}

/// The design df of a set of cells: PSUs with respondents there minus their strata.
pub fn support_df(table: &Table, cells: &[bool]) -> u64 {
    let (_, n_psu, n_strata, _) = counts(table, cells);
    n_psu - n_strata
}

/// `(respondents, PSUs, strata, Σw²)` over the flagged cells.
fn counts(table: &Table, cells: &[bool]) -> (u64, u64, u64, f64) {
    let mut n = 0;
    let mut sum_w2 = 0.0;
    let mut psus = BTreeSet::new();
    let mut strata = BTreeSet::new();
    let mut element_units = 0;
    for (cell, _) in table.cells.iter().zip(cells).filter(|(_, keep)| **keep) {
        for t in cell.iter().filter(|t| t.n > 0) {
            n += t.n;
            sum_w2 += t.sum_w2;
            strata.insert(t.stratum);
            psus.insert((t.stratum, t.psu));
            element_units += t.n;
        }
    }
    let n_psu = match table.units() {
        Units::Clusters => psus.len() as u64,
        Units::Elements => element_units,
    };
    (n, n_psu, strata.len() as u64, sum_w2)
}

/// The linearised covariance of two ratios over the full design (`svyrecvar` of their
/// influence values; the variance when `a == b`).
pub fn covariance(design: &Design, table: &Table, a: &Ratio, b: &Ratio) -> f64 {
    let (_, ca) = a.coefficients(table);
    let (_, cb) = b.coefficients(table);
    let support: Vec<bool> = a.den.iter().zip(&b.den).map(|(x, y)| *x || *y).collect();
    // Per stratum: per PSU (ta, tb) for clusters; (Σ a S1, Σ b S1, Σ a b S2) for elements.
    let mut by_stratum: BTreeMap<u32, StratumSums> = BTreeMap::new();
    // A calibrated design: residuals `a_c + ρ_k` (calibrate's module docs); the `ρ` part of
    // every respondent, in the estimate's cells or not, comes from the whole sample's totals.
    let (ra, rb) = match table.calibration() {
        Some(cal) => (
            residual_shift(table, cal, &ca),
            residual_shift(table, cal, &cb),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let shift = |r: &[f64], class: u32| r.get(class as usize).copied().unwrap_or(0.0);
    for (i, cell) in table.cells.iter().enumerate() {
        let present = support[i];
        for t in cell {
            let s = by_stratum.entry(t.stratum).or_default();
            s.present |= present && t.n > 0;
            if ca[i] == 0.0 && cb[i] == 0.0 {
                continue;
            }
            let e = s.psus.entry(t.psu).or_insert((0.0, 0.0));
            e.0 += ca[i] * t.sum_w;
            e.1 += cb[i] * t.sum_w;
            let (pa, pb) = (shift(&ra, t.class), shift(&rb, t.class));
            s.cross += (ca[i] * cb[i] + ca[i] * pb + pa * cb[i]) * t.sum_w2;
        }
    }
    if let Some(cal) = table.calibration() {
        for t in &cal.totals {
            let (pa, pb) = (shift(&ra, t.class), shift(&rb, t.class));
            let s = by_stratum.entry(t.stratum).or_default();
            s.present |= t.n > 0;
            if pa == 0.0 && pb == 0.0 {
                continue;
            }
            let e = s.psus.entry(t.psu).or_insert((0.0, 0.0));
            e.0 += pa * t.sum_w;
            e.1 += pb * t.sum_w;
            s.cross += pa * pb * t.sum_w2;
        }
    }
    let (mut total, mut n_present, mut n_ok) = (0.0, 0u64, 0u64);
    for (id, s) in &by_stratum {
        if !s.present {
            continue;
        }
        n_present += 1;
        let Some(info) = design.stratum(*id) else {
            continue;
        };
        let lonely = info.n_psu == 1;
        if lonely && design.lonely() == LonelyPsu::Average {
            continue;
        }
        n_ok += 1;
        let centred = !(lonely && design.lonely() == LonelyPsu::Adjust);
        total += info.scale * s.crossprod(table.units(), info.n_psu, centred);
    }
    if n_ok == 0 {
        return f64::NAN;
    }
    // R's `onestage`: strata lost to "average" are made up by scaling the rest.
    total * n_present as f64 / n_ok as f64
}

/// The calibration's residual shift `ρ_k` per class for cell coefficients `c`.
fn residual_shift(table: &Table, cal: &super::calibrate::Calibration, c: &[f64]) -> Vec<f64> {
    let k = cal.calibrated.factor.len();
    let (mut sn, mut sw) = (vec![0.0; k], vec![0.0; k]);
    for (i, cell) in table.cells.iter().enumerate() {
        if c[i] == 0.0 {
            continue;
        }
        for t in cell {
            let j = t.class as usize;
            if j < k {
                sn[j] += c[i] * t.n as f64;
                sw[j] += c[i] * t.sum_w;
            }
        }
    }
    cal.calibrated.residual(&sn, &sw)
}

#[derive(Default)]
struct StratumSums {
    present: bool,
    psus: BTreeMap<u32, (f64, f64)>,
    /// `Σ_c a_c b_c Σw²_c` (elements only).
    cross: f64,
}

impl StratumSums {
    /// `Σ_j (ta_j − t̄a)(tb_j − t̄b)` over all `n_psu` PSUs (absent ones have t = 0), or
    /// uncentred when `centred` is false.
    fn crossprod(&self, units: Units, n_psu: u64, centred: bool) -> f64 {
        let n = n_psu as f64;
        match units {
            Units::Clusters => {
                let (ma, mb) = if centred {
                    let (sa, sb) = self
                        .psus
                        .values()
                        .fold((0.0, 0.0), |(x, y), (a, b)| (x + a, y + b));
                    (sa / n, sb / n)
                } else {
                    (0.0, 0.0)
                };
                let present: f64 = self.psus.values().map(|(a, b)| (a - ma) * (b - mb)).sum();
                let absent = n_psu.saturating_sub(self.psus.len() as u64) as f64;
                present + absent * ma * mb
            }
            Units::Elements => {
                let (sa, sb) = self
                    .psus
                    .values()
                    .fold((0.0, 0.0), |(x, y), (a, b)| (x + a, y + b));
                if centred {
                    self.cross - sa * sb / n
                } else {
                    self.cross
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Fpc, PsuTotals, Stratum};
    use super::*;

    /// Respondents `(stratum, psu, row, col, weight)` as a table, per PSU or per stratum.
    fn table(design: &Design, resp: &[(u32, u32, usize, usize, f64)], units: Units) -> Table {
        let (rows, cols) = (2, 2);
        let mut cells = vec![Vec::new(); rows * cols];
        for &(stratum, psu, r, c, w) in resp {
            cells[r * cols + c].push(PsuTotals {
                stratum,
                psu,
                n: 1,
                sum_w: w,
                sum_w2: w * w,
                class: 0,
            });
        }
        Table::new(design, rows, cols, units, cells).unwrap()
    }

    fn sample() -> Vec<(u32, u32, usize, usize, f64)> {
        // Two strata; weights vary; both rows and columns occur in both strata.
        let mut v = Vec::new();
        let weights = [1.0, 2.5, 0.5, 4.0, 1.5, 3.0, 2.0, 0.25, 5.0, 1.0, 2.0, 3.5];
        for (i, w) in weights.iter().enumerate() {
            let stratum = 1 + (i % 2) as u32;
            v.push((stratum, i as u32, (i / 2) % 2, (i / 3) % 2, *w));
        }
        v
    }

    fn design_for(resp: &[(u32, u32, usize, usize, f64)], fpc: Fpc) -> Design {
        let n1 = resp.iter().filter(|r| r.0 == 1).count() as u64;
        let n2 = resp.len() as u64 - n1;
        Design::new(
            &[
                Stratum {
                    id: 1,
                    n_psu: n1,
                    fpc,
                },
                Stratum {
                    id: 2,
                    n_psu: n2,
                    fpc,
                },
            ],
            LonelyPsu::Fail,
        )
        .unwrap()
    }

    #[test]
    fn unweighted_srs_gives_the_textbook_variance() {
        // ids = ~1, unit weights, whole sample: var = p(1-p)/(n-1).
        let n = 30u64;
        let resp: Vec<_> = (0..n)
            .map(|i| (0u32, i as u32, 0usize, usize::from(i % 3 == 0), 1.0))
            .collect();
        let design = Design::unstratified(n, LonelyPsu::Fail).unwrap();
        let t = table(&design, &resp, Units::Elements);
        let e = estimate(&design, &t, &Domain::rows(&[0]), 1).unwrap();
        let p = 10.0 / 30.0;
        assert!((e.p - p).abs() < 1e-15);
        assert!((e.var - p * (1.0 - p) / (n as f64 - 1.0)).abs() < 1e-16);
        assert_eq!(e.df, n - 1);
    }

    #[test]
    fn the_element_closed_form_equals_the_per_psu_sum() {
        let resp = sample();
        for fpc in [Fpc::None, Fpc::PopulationSize(40.0), Fpc::Fraction(0.3)] {
            let design = design_for(&resp, fpc);
            let per_psu = table(&design, &resp, Units::Clusters);
            let closed = table(&design, &resp, Units::Elements);
            for rows in [&[0usize][..], &[1], &[0, 1]] {
                for col in 0..2 {
                    let d = Domain::rows(rows);
                    let a = estimate(&design, &per_psu, &d, col).unwrap();
                    let b = estimate(&design, &closed, &d, col).unwrap();
                    assert!((a.p - b.p).abs() < 1e-15);
                    assert!((a.var - b.var).abs() < 1e-15, "{fpc:?} {rows:?} {col}");
                    assert_eq!((a.df, a.n), (b.df, b.n));
                }
            }
        }
    }

    #[test]
    fn covariance_is_symmetric_and_zero_for_disjoint_unstratified_elements() {
        let resp: Vec<_> = sample()
            .into_iter()
            .map(|r| (0, r.1, r.2, r.3, r.4))
            .collect();
        let design = Design::unstratified(resp.len() as u64, LonelyPsu::Fail).unwrap();
        let t = table(&design, &resp, Units::Elements);
        let a = Ratio::domain_share(&t, &Domain::rows(&[0]), 1);
        let b = Ratio::domain_share(&t, &Domain::rows(&[1]), 1);
        assert!(covariance(&design, &t, &a, &b).abs() < 1e-18);
        // With strata the same two domains are correlated.
        let resp = sample();
        let design = design_for(&resp, Fpc::None);
        let t = table(&design, &resp, Units::Elements);
        let a = Ratio::domain_share(&t, &Domain::rows(&[0]), 1);
        let b = Ratio::domain_share(&t, &Domain::rows(&[1]), 1);
        let ab = covariance(&design, &t, &a, &b);
        assert!(ab.abs() > 1e-6);
        assert_eq!(ab, covariance(&design, &t, &b, &a));
    }

    #[test]
    fn a_census_stratum_contributes_nothing() {
        let resp = sample();
        let census = design_for(&resp, Fpc::Fraction(1.0));
        let t = table(&census, &resp, Units::Clusters);
        let e = estimate(&census, &t, &Domain::rows(&[0, 1]), 0).unwrap();
        assert_eq!(e.var, 0.0);
    }

    #[test]
    fn a_domain_in_one_psu_has_no_variance() {
        let resp = vec![(1, 1, 0, 0, 1.0), (1, 1, 0, 1, 2.0), (1, 2, 1, 0, 1.0)];
        let design = Design::new(
            &[Stratum {
                id: 1,
                n_psu: 3,
                fpc: Fpc::None,
            }],
            LonelyPsu::Fail,
        )
        .unwrap();
        let t = table(&design, &resp, Units::Clusters);
        let e = estimate(&design, &t, &Domain::rows(&[0]), 0).unwrap();
        assert!(e.var.is_nan() && e.se.is_nan());
        assert_eq!((e.df, e.n_psu), (0, 1));
    }
}
