//! Weighted estimates of a survey with a sampling design: every estimate row of a weighted
//! pipeline gets its design-based figures ([`Weighted`]), computed as R's `survey` package
//! computes them ([`crate::stats::survey`]).
//!
//! The design is the **full** one, read off every kept row of the input: its strata, the
//! PSUs of each (or, without clusters, its respondents, each its own PSU) and its fpc. Each
//! subgroup of an analysis (a margin too) is a domain of that design, as `svyby` and
//! `subset()` treat it: respondents outside the analysis's denominator (a filter, an
//! exclusion) are in the design with no weight in the domain, never cut out of it first.
//!
//! The counts (`count`, `n`) stay the unweighted ones: disclosure control works on them,
//! and the weighted figures of a hidden cell are hidden with it
//! ([`super::EstimateRow::hide_count`]).

use indexmap::IndexMap;

use super::{AnalysisResult, EstimateRow};
use crate::ingest::{RawValue, Table};
use crate::plan::{DesignPlan, Plan};
use crate::stats::survey::{
    self, deff, linearize, Design, DesignError, Domain, Fpc, LonelyPsu, PsuTotals, Stratum,
    SurveyCi, Units,
};
use crate::validate::Unit;

/// The design-based figures of one estimate row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weighted {
    /// The weighted proportion.
    pub p: f64,
    /// Its linearised standard error (NaN for a domain in one PSU).
    pub se: f64,
    /// The domain's design degrees of freedom (its PSUs minus its strata).
    pub df: u64,
    /// Design effect, `svymean(deff = "replace")`.
    pub deff: f64,
    /// Kish's design effect of unequal weights, `1 + CV²`.
    pub deff_kish: f64,
    /// Kish's effective sample size, `(Σw)² / Σw²`.
    pub n_eff: f64,
    /// Korn and Graubard's effective n (the reliability rule's).
    pub n_kg: f64,
    /// The domain's Σw.
    pub sum_w: f64,
    /// The interval by the analysis's method, when it gives one.
    pub interval: Option<(f64, f64)>,
    /// The 95% Korn-Graubard interval (the reliability rule's).
    pub korn_graubard: Option<(f64, f64)>,
}

/// The design-based contrast of one level between two groups of the compared column (the
/// other `by` columns at their margin), as `svyby(covmat = TRUE)` + `svycontrast` give it.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedContrast {
    pub level: String,
    pub group1: String,
    pub group2: String,
    pub diff: f64,
    pub diff_se: f64,
    pub ratio: f64,
    pub ratio_se: f64,
    /// The log odds ratio and its SE.
    pub log_or: f64,
    pub log_or_se: f64,
    /// The design df of the two groups together.
    pub df: u64,
}

/// The full design of the input, and how its raw stratum and PSU values map to ids.
pub struct Frame {
    design: Design,
    units: Units,
    strata: IndexMap<RawValue, u32>,
    psus: IndexMap<(u32, RawValue), u32>,
}

/// Column positions of the design's columns in the table's tuples.
fn position(table: &Table, column: Option<&String>) -> Option<usize> {
    column.and_then(|c| table.columns.iter().position(|x| x == c))
}

impl Frame {
    /// The design of `table` as `plan` declares it; `Err` names the stratum or value.
    pub fn new(plan: &Plan, d: &DesignPlan, table: &Table) -> Result<Frame, String> {
        let (si, ci, fi) = (
            position(table, d.strata.as_ref()),
            position(table, d.cluster.as_ref()),
            position(table, d.fpc.as_ref()),
        );
        let units = if ci.is_some() {
            Units::Clusters
        } else {
            Units::Elements
        };
        let mut strata: IndexMap<RawValue, u32> = IndexMap::new();
        let mut psus: IndexMap<(u32, RawValue), u32> = IndexMap::new();
        // Per stratum: PSUs (clusters) or respondents (elements), and its fpc as written.
        let mut sizes: IndexMap<u32, (u64, Option<String>)> = IndexMap::new();
        let mut values: Vec<&Vec<RawValue>> = table.rows.iter().map(|(v, _)| v).collect();
        // Ids in sorted order of the raw values, so that they do not depend on row order.
        values.sort();
        for v in &values {
            let s = si.and_then(|i| v[i].clone());
            let next = strata.len() as u32;
            strata.entry(s).or_insert(next);
        }
        strata.sort_keys();
        for (i, id) in strata.values_mut().enumerate() {
            *id = i as u32;
        }
        for (v, count) in &table.rows {
            let s = strata[&si.and_then(|i| v[i].clone())];
            let fpc = fi.and_then(|i| v[i].clone());
            let entry = sizes.entry(s).or_insert((0, fpc.clone()));
            if entry.1 != fpc {
                return Err(format!(
                    "the fpc column `{}` has two values in stratum {}: `{}` and `{}`\nhint: the fpc is the stratum's population size (or sampling fraction), one value per stratum",
                    d.fpc.as_deref().unwrap_or(""),
                    stratum_name(d, &strata, s),
                    entry.1.as_deref().unwrap_or(""),
                    fpc.as_deref().unwrap_or("")
                ));
            }
            match ci {
                Some(i) => {
                    let key = (s, v[i].clone());
                    if !psus.contains_key(&key) {
                        psus.insert(key, psus.len() as u32);
                        entry.0 += 1;
                    }
                }
                None => entry.0 += count,
            }
        }
        let mut list = Vec::with_capacity(sizes.len());
        let all_fractions = sizes.values().all(|(_, f)| {
            f.as_deref()
                .and_then(|t| t.parse::<f64>().ok())
                .is_none_or(|v| v <= 1.0)
        });
        for (&id, (n_psu, fpc)) in &sizes {
            let fpc = match fpc.as_deref().map(str::parse::<f64>) {
                None => Fpc::None,
                Some(Ok(v)) if all_fractions => Fpc::Fraction(v),
                Some(Ok(v)) => Fpc::PopulationSize(v),
                Some(Err(_)) => {
                    return Err(format!(
                        "the fpc of stratum {} is not a number",
                        stratum_name(d, &strata, id)
                    ))
                }
            };
            list.push(Stratum {
                id,
                n_psu: *n_psu,
                fpc,
            });
        }
        let lonely = LonelyPsu::from_name(&d.lonely_psu).map_err(|e| e.to_string())?;
        let design =
            Design::new(&list, lonely).map_err(|e| design_message(plan, d, &strata, &e))?;
        Ok(Frame {
            design,
            units,
            strata,
            psus,
        })
    }

    /// The design degrees of freedom of the whole design.
    pub fn df(&self) -> u64 {
        self.design.df()
    }

    /// The ids of a cell's stratum and PSU.
    fn ids(&self, unit: &Unit) -> (u32, u32) {
        let s = self.strata.get(&unit.stratum).copied().unwrap_or(0);
        let p = self.psus.get(&(s, unit.psu.clone())).copied().unwrap_or(0);
        (s, p)
    }
}

/// A stratum as messages name it: its value, or "(the only one)".
fn stratum_name(d: &DesignPlan, strata: &IndexMap<RawValue, u32>, id: u32) -> String {
    match (&d.strata, strata.get_index(id as usize)) {
        (Some(c), Some((Some(v), _))) => format!("`{v}` (column `{c}`)"),
        _ => "(the design's only stratum)".into(),
    }
}

/// A design error in the pipeline's words.
fn design_message(
    plan: &Plan,
    d: &DesignPlan,
    strata: &IndexMap<RawValue, u32>,
    e: &DesignError,
) -> String {
    match e {
        DesignError::LonelyPsu { stratum } => format!(
            "{}: stratum {} has only one PSU, so its variance cannot be estimated\nhint: choose what such a stratum does with `lonely_psu` in [input] (R survey's survey.lonely.psu): `remove` or `certainty` (it adds no variance), `adjust` (centred at the grand mean, conservative), `average` (the average of the other strata); or merge it with a neighbouring stratum",
            plan.input.written,
            stratum_name(d, strata, *stratum)
        ),
        DesignError::BadFpc { stratum, .. } => format!(
            "{}: {}",
            plan.input.written,
            e.to_string().replace(
                &format!("stratum {stratum}"),
                &format!("stratum {}", stratum_name(d, strata, *stratum))
            )
        ),
        other => format!("{}: {other}", plan.input.written),
    }
}

/// Sets the weighted figures of every row of every analysis of a weighted pipeline (the
/// caller derives the rest again). `Err` names what is wrong with the design.
pub fn apply(plan: &Plan, table: &Table, results: &mut [AnalysisResult]) -> Result<(), String> {
    let Some(d) = &plan.input.design else {
        return Ok(());
    };
    let frame = Frame::new(plan, d, table)?;
    for r in results.iter_mut() {
        let method = r.plan.survey_method.unwrap_or(SurveyCi::KornGraubard);
        let level = r.plan.level;
        let Some(t) = survey_table(&frame, r)? else {
            continue;
        };
        let (keys, table) = t;
        for row in &mut r.rows {
            row.weighted = weighted_row(&frame, &keys, &table, row, &r.plan.levels, method, level);
        }
        r.weighted_contrasts = contrasts(&frame, &keys, &table, r);
        r.weighted_rao_scott = rao_scott_of(&frame, r)?;
        super::derive::derive(r);
    }
    Ok(())
}

/// The full subgroups (rows) of an analysis and its table of totals.
type Totals = (Vec<Vec<String>>, survey::Table);

/// The analysis's cells as a table of totals: one row per full subgroup, one column per
/// level; `None` when no one is in the denominator.
fn survey_table(frame: &Frame, r: &AnalysisResult) -> Result<Option<Totals>, String> {
    let mut keys: IndexMap<&[String], usize> = IndexMap::new();
    for c in &r.data.cells {
        let next = keys.len();
        keys.entry(c.group.as_slice()).or_insert(next);
    }
    if keys.is_empty() {
        return Ok(None);
    }
    let table = totals(frame, r, keys.len(), |c| {
        keys.get(c.group.as_slice()).copied()
    })?;
    Ok(Some((keys.keys().map(|k| k.to_vec()).collect(), table)))
}

/// The analysis's cells as a table of totals of `rows` rows (the row of a cell:
/// `row_of`, `None` to leave it out) by its levels.
fn totals(
    frame: &Frame,
    r: &AnalysisResult,
    rows: usize,
    row_of: impl Fn(&crate::validate::Cell) -> Option<usize>,
) -> Result<survey::Table, String> {
    let cols = r.plan.levels.len();
    let mut cells: Vec<Vec<PsuTotals>> = vec![Vec::new(); rows * cols];
    for c in &r.data.cells {
        let (Some(row), Some(col)) = (
            row_of(c),
            r.plan.levels.iter().position(|l| l == &c.outcome),
        ) else {
            continue;
        };
        let (stratum, psu) = frame.ids(&c.unit);
        cells[row * cols + col].push(PsuTotals {
            stratum,
            psu,
            n: c.count,
            sum_w: c.sums[0],
            sum_w2: c.sums[1],
        });
    }
    survey::Table::new(&frame.design, rows, cols, frame.units, cells)
        .map_err(|e| format!("analysis `{}`: {e}", r.plan.name))
}

/// The Rao-Scott test of the outcome by the compared column (`svychisq(~by + outcome)`,
/// the other `by` columns at their margin): its rows are the compared column's groups.
fn rao_scott_of(
    frame: &Frame,
    r: &AnalysisResult,
) -> Result<Option<survey::rao_scott::RaoScott>, String> {
    let Some(cp) = &r.plan.compare else {
        return Ok(None);
    };
    let groups = &r.data.group_orders[cp.by];
    if groups.len() < 2 || r.plan.levels.len() < 2 {
        return Ok(None);
    }
    let table = totals(frame, r, groups.len(), |c| {
        groups.iter().position(|g| g == &c.group[cp.by])
    })?;
    Ok(survey::rao_scott::rao_scott(&frame.design, &table))
}

/// Every design-based contrast the analysis's `compare` can ask for: each compared level,
/// each ordered pair of groups of the compared column.
fn contrasts(
    frame: &Frame,
    keys: &[Vec<String>],
    table: &survey::Table,
    r: &AnalysisResult,
) -> Vec<WeightedContrast> {
    let Some(cp) = &r.plan.compare else {
        return Vec::new();
    };
    let groups = &r.data.group_orders[cp.by];
    let domain = |g: &str| {
        let rows: Vec<usize> = (0..keys.len()).filter(|&i| keys[i][cp.by] == g).collect();
        Domain::rows(&rows)
    };
    let mut out = Vec::new();
    for level in &cp.levels {
        let Some(col) = r.plan.levels.iter().position(|l| l == level) else {
            continue;
        };
        for g1 in groups {
            for g2 in groups.iter().filter(|g| *g != g1) {
                let Some(c) =
                    survey::contrast::contrast(&frame.design, table, &domain(g1), &domain(g2), col)
                else {
                    continue;
                };
                out.push(WeightedContrast {
                    level: level.clone(),
                    group1: g1.clone(),
                    group2: g2.clone(),
                    diff: c.diff,
                    diff_se: c.diff_se,
                    ratio: c.ratio,
                    ratio_se: c.ratio_se,
                    log_or: c.log_or,
                    log_or_se: c.log_or_se,
                    df: c.df,
                });
            }
        }
    }
    out
}

/// A design-based comparison: the difference or ratio with its Wald interval on the design
/// df (`None` for another measure, a zero df or a non-finite SE), and the two-sided p-value
/// of the Wald t test of no difference, `2 P(T_df > |d / se(d)|)`.
pub fn compare_weighted(
    c: &WeightedContrast,
    measure: crate::stats::compare::Measure,
    level: f64,
) -> (Option<crate::stats::compare::Comparison>, Option<f64>) {
    use crate::stats::compare::{Comparison, Measure};
    let interval = match measure {
        Measure::Diff | Measure::Ratio => {
            let (estimate, se) = if measure == Measure::Diff {
                (c.diff, c.diff_se)
            } else {
                (c.ratio, c.ratio_se)
            };
            survey::contrast::wald(estimate, se, level, Some(c.df))
                .filter(|_| estimate.is_finite())
                .map(|(lower, upper)| Comparison {
                    estimate,
                    lower,
                    upper,
                })
        }
        // exp of the log odds ratio's Wald interval.
        Measure::OddsRatio => survey::contrast::wald(c.log_or, c.log_or_se, level, Some(c.df))
            .filter(|_| c.log_or.is_finite())
            .map(|(lower, upper)| Comparison {
                estimate: c.log_or.exp(),
                lower: lower.exp(),
                upper: upper.exp(),
            }),
    };
    let p = (c.df > 0 && c.diff_se.is_finite() && c.diff_se > 0.0).then(|| {
        let t = c.diff / c.diff_se;
        let df = c.df as f64;
        crate::stats::dist::beta_cdf_pair(df / 2.0, 0.5, df / (df + t * t)).0
    });
    (interval, p)
}

/// The weighted figures of one row: its group (a domain of full subgroups) and level.
fn weighted_row(
    frame: &Frame,
    keys: &[Vec<String>],
    table: &survey::Table,
    row: &EstimateRow,
    levels: &[String],
    method: SurveyCi,
    level: f64,
) -> Option<Weighted> {
    let col = levels.iter().position(|l| l == &row.outcome)?;
    let rows: Vec<usize> = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| {
            row.group
                .iter()
                .zip(k.iter())
                .all(|(g, v)| g.as_ref().is_none_or(|g| g == v))
        })
        .map(|(i, _)| i)
        .collect();
    let e = linearize::estimate(&frame.design, table, &Domain::rows(&rows), col)?;
    let fx = deff::effects(&e);
    Some(Weighted {
        p: e.p,
        se: e.se,
        df: e.df,
        deff: fx.deff_replace,
        deff_kish: fx.kish_deff,
        n_eff: fx.kish_n,
        n_kg: deff::korn_graubard_n(&e, 0.95),
        sum_w: e.sum_w,
        interval: method.interval(&e, level),
        korn_graubard: SurveyCi::KornGraubard.interval(&e, 0.95),
    })
}
