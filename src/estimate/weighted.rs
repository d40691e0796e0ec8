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
//! With `[weighting]` the design's weights are first calibrated to the population margins
//! ([`survey::calibrate`]): each respondent's calibration class is its combination of the
//! margin columns' levels (after `[recode]`), every table's totals are of the calibrated
//! weights, and every variance is of the calibration's residuals, as R's `svyrecvar` takes
//! it. [`summary`] gives the report what the calibration did.
//!
//! The counts (`count`, `n`) stay the unweighted ones: disclosure control works on them,
//! and the weighted figures of a hidden cell are hidden with it
//! ([`super::EstimateRow::hide_count`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use indexmap::IndexMap;

use super::{AnalysisResult, EstimateRow};
use crate::ingest::{RawValue, Table};
use crate::plan::{DesignPlan, MethodPlan, Plan, Scale, WeightingPlan};
use crate::stats::survey::calibrate::{self as cal, Calibration, CalibrationError, Classes};
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
    /// The design-based simultaneous interval of the analysis's `simultaneous`, over the
    /// levels of the row's group ([`crate::stats::simultaneous`]).
    pub simultaneous: Option<(f64, f64)>,
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
    /// `[weighting]`: the calibration, and each class's raw margin values.
    calibration: Option<FrameCalibration>,
}

/// A design's calibration and the class of each combination of raw margin values.
type FrameCalibration = (Arc<Calibration>, HashMap<Vec<RawValue>, u32>);

/// A calibration, and the classes and margins it was made from.
type Calibrated = (FrameCalibration, (Classes, Vec<cal::Margin>));

/// What a calibration to population margins did, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightingSummary {
    /// The method's pipeline name.
    pub method: String,
    /// Per margin: its column and levels.
    pub margins: Vec<MarginSummary>,
    /// Raking passes or Newton iterations (0: one step).
    pub iterations: u32,
    /// The largest |calibrated weighted share − population share| over every margin level.
    pub max_margin_error: f64,
    /// The range of the calibration factors `w* / w`.
    pub factor_range: (f64, f64),
    /// The range of the calibrated weights, when every tuple has one weight value.
    pub weight_range: Option<(f64, f64)>,
    /// Kish's design effect of the calibrated weights over the whole sample, `n Σw*² / (Σw*)²`,
    /// and of the base weights.
    pub kish_deff: f64,
    pub kish_deff_base: f64,
    /// The population total the calibrated weights sum to.
    pub population: f64,
    /// Respondents whose weight was trimmed.
    pub trimmed: f64,
    pub respondents: u64,
}

/// One margin level: its population share and the sample's, before and after weighting.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelSummary {
    pub level: String,
    pub population: f64,
    /// Respondents at this level (unweighted).
    pub count: u64,
    pub unweighted: f64,
    /// With the base weights, before calibration.
    pub base: f64,
    pub calibrated: f64,
}

/// A margin's column and its levels.
#[derive(Debug, Clone, PartialEq)]
pub struct MarginSummary {
    pub column: String,
    pub levels: Vec<LevelSummary>,
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
        let mut frame = Frame {
            design,
            units,
            strata,
            psus,
            calibration: None,
        };
        if let Some(w) = &plan.weighting {
            let (c, _) = calibrated(plan, w, &frame, table)?;
            frame.calibration = Some(c);
        }
        Ok(frame)
    }

    /// The design degrees of freedom of the whole design.
    pub fn df(&self) -> u64 {
        self.design.df()
    }

    /// The ids of a cell's stratum and PSU.
    fn ids(&self, unit: &Unit) -> (u32, u32) {
        self.raw_ids(&unit.stratum, &unit.psu)
    }

    fn raw_ids(&self, stratum: &RawValue, psu: &RawValue) -> (u32, u32) {
        let s = self.strata.get(stratum).copied().unwrap_or(0);
        let p = self.psus.get(&(s, psu.clone())).copied().unwrap_or(0);
        (s, p)
    }

    /// A cell's calibration class and final weight factor (class 0, factor 1 uncalibrated).
    fn class(&self, unit: &Unit) -> (u32, f64) {
        match &self.calibration {
            Some((c, classes)) => {
                let k = classes.get(&unit.margins).copied().unwrap_or(0);
                let t = c.calibrated.factor.get(k as usize).copied().unwrap_or(1.0);
                (k, t)
            }
            None => (0, 1.0),
        }
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
        let Some(t) = survey_table(&frame, r)? else {
            continue;
        };
        let (keys, table) = t;
        for row in &mut r.rows {
            row.weighted = weighted_row(&frame, &keys, &table, row, &r.plan);
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
        let (class, t) = frame.class(&c.unit);
        cells[row * cols + col].push(PsuTotals {
            stratum,
            psu,
            n: c.count,
            sum_w: t * c.sums[0],
            sum_w2: t * t * c.sums[1],
            class,
        });
    }
    let table = survey::Table::new(&frame.design, rows, cols, frame.units, cells)
        .map_err(|e| format!("analysis `{}`: {e}", r.plan.name))?;
    Ok(match &frame.calibration {
        Some((c, _)) => table.calibrated(Arc::clone(c)),
        None => table,
    })
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
    plan: &crate::plan::AnalysisPlan,
) -> Option<Weighted> {
    let (levels, level) = (&plan.levels, plan.level);
    let method = plan.survey_method.unwrap_or(SurveyCi::KornGraubard);
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
        simultaneous: plan
            .simultaneous
            .and_then(|m| m.design_interval(&e, method, levels.len(), level)),
    })
}

/// The calibration of a weighted survey's design (`[weighting]`): every tuple's class, the
/// classes' totals, the margins' population totals, the calibration itself, and the whole
/// sample's calibrated totals per (stratum, PSU, class). `Err` names the key and the fix.
fn calibrated(
    plan: &Plan,
    w: &WeightingPlan,
    frame: &Frame,
    table: &Table,
) -> Result<Calibrated, String> {
    let key = |c: &str| format!("key `weighting.margins.{c}`");
    let positions: Vec<usize> = w
        .columns()
        .map(|c| {
            position(table, Some(c)).ok_or_else(|| format!("{}: column `{c}` is not read", key(c)))
        })
        .collect::<Result<_, _>>()?;
    // Each tuple's levels, one per margin; refused when missing or not a listed level.
    let mut bad: BTreeMap<(usize, Option<String>), u64> = BTreeMap::new();
    let mut tuple_levels: Vec<Option<Vec<usize>>> = Vec::with_capacity(table.rows.len());
    for (values, count) in &table.rows {
        let mut lv = Vec::with_capacity(positions.len());
        for (j, (&i, m)) in positions.iter().zip(&w.margins).enumerate() {
            let clean = crate::validate::recoded(plan, &m.column, &values[i]);
            match clean.and_then(|v| m.levels.iter().position(|l| l == v)) {
                Some(l) => lv.push(l),
                None => {
                    let shown = clean.map(str::to_string).or_else(|| {
                        values[i]
                            .clone()
                            .filter(|_| plan.recode.contains_key(&m.column))
                            .map(|raw| format!("{raw} (no recode)"))
                    });
                    *bad.entry((j, shown)).or_default() += count;
                }
            }
        }
        tuple_levels.push((lv.len() == positions.len()).then_some(lv));
    }
    if let Some(((j, value), n)) = bad.into_iter().next() {
        let m = &w.margins[j];
        return Err(match value {
            None => format!(
                "{}: {n} respondent(s) have no value of `{}`, so they belong to no calibration class\nhint: give them a level (a [recode] of the blank answer, with its population share), or reject them with [validate.{}] required = true",
                key(&m.column), m.column, m.column
            ),
            Some(v) => format!(
                "{}: {n} respondent(s) answered `{v}`, which is not a level of the margin (its levels: {})\nhint: add `{v}` with its population share, or [recode] it to one of the levels",
                key(&m.column),
                m.levels.join(", ")
            ),
        });
    }
    // Classes: for post-stratification on cells, every cell of the population table (in its
    // order); otherwise every combination that occurs, in sorted order.
    let mut class_of: BTreeMap<Vec<usize>, u32> = BTreeMap::new();
    let mut class_levels: Vec<Vec<usize>> = Vec::new();
    let mut cell_totals: Vec<f64> = Vec::new();
    if let Some((cells, _)) = &w.cells {
        for (levels, v) in cells {
            let lv: Vec<usize> = levels
                .iter()
                .zip(&w.margins)
                .map(|(l, m)| m.levels.iter().position(|x| x == l).unwrap_or(0))
                .collect();
            if class_of
                .insert(lv.clone(), class_levels.len() as u32)
                .is_some()
            {
                return Err(format!(
                    "key `weighting.cell`: the cell {} is listed twice",
                    levels.join(" × ")
                ));
            }
            class_levels.push(lv);
            cell_totals.push(*v);
        }
    } else {
        let mut seen: Vec<Vec<usize>> = tuple_levels.iter().flatten().cloned().collect();
        seen.sort();
        seen.dedup();
        for lv in seen {
            class_of.insert(lv.clone(), class_levels.len() as u32);
            class_levels.push(lv);
        }
    }
    let k = class_levels.len();
    let (mut n, mut sw, mut sw2) = (vec![0.0; k], vec![0.0; k], vec![0.0; k]);
    let mut tuple_class = Vec::with_capacity(table.rows.len());
    for (i, lv) in tuple_levels.iter().enumerate() {
        let lv = lv.as_ref().ok_or("a tuple without a class")?;
        let Some(&c) = class_of.get(lv) else {
            let names: Vec<String> = lv
                .iter()
                .zip(&w.margins)
                .map(|(&l, m)| format!("{} = {}", m.column, m.levels[l]))
                .collect();
            return Err(format!(
                "key `weighting.cell`: {} respondent(s) are in the cell {}, which the population table does not list\nhint: add the cell with its population share",
                table.rows[i].1,
                names.join(", ")
            ));
        };
        let c = c as usize;
        n[c] += table.rows[i].1 as f64;
        let sums = table.sums.get(i).copied().unwrap_or([0.0; 2]);
        sw[c] += sums[0];
        sw2[c] += sums[1];
        tuple_class.push(c as u32);
    }
    let base_total: f64 = sw.iter().sum();
    let big_n = w.population.unwrap_or(base_total);
    let totals_of = |values: &[f64], scale: Scale| -> Vec<f64> {
        match scale {
            Scale::Shares => values.iter().map(|v| v * big_n).collect(),
            Scale::Counts => values.to_vec(),
        }
    };
    let margins: Vec<cal::Margin> = w
        .margins
        .iter()
        .map(|m| cal::Margin {
            name: m.column.clone(),
            levels: m.levels.clone(),
            totals: totals_of(&m.values, m.scale),
        })
        .collect();
    let classes = Classes {
        levels: class_levels,
        n,
        w: sw,
        w2: sw2,
    };
    let method = match (w.method, &w.cells) {
        (MethodPlan::PostStratify, Some((cells, scale))) => {
            let v: Vec<f64> = cells.iter().map(|c| c.1).collect();
            cal::Method::PostStratify {
                cells: totals_of(&v, *scale),
            }
        }
        (MethodPlan::PostStratify, None) => {
            // One margin: its levels are the cells.
            let m = margins
                .first()
                .ok_or("post-stratification without a margin")?;
            cal::Method::PostStratify {
                cells: classes.levels.iter().map(|lv| m.totals[lv[0]]).collect(),
            }
        }
        (MethodPlan::Rake, _) => cal::Method::Rake {
            max_iterations: w.max_iterations,
            epsilon: w.epsilon,
        },
        (MethodPlan::Calibrate(calfun), _) => cal::Method::Calibrate {
            calfun,
            bounds: w.bounds,
            max_iterations: w.max_iterations,
            epsilon: w.epsilon,
        },
    };
    let calibrated = cal::calibrate(&classes, &margins, &method, w.trim)
        .map_err(|e| calibration_message(w, &e))?;
    // The whole sample's calibrated totals per (stratum, PSU, class).
    let (si, ci) = (
        position(
            table,
            plan.input.design.as_ref().and_then(|d| d.strata.as_ref()),
        ),
        position(
            table,
            plan.input.design.as_ref().and_then(|d| d.cluster.as_ref()),
        ),
    );
    let mut acc: BTreeMap<(u32, u32, u32), PsuTotals> = BTreeMap::new();
    let mut classes_raw: HashMap<Vec<RawValue>, u32> = HashMap::new();
    for (i, (values, count)) in table.rows.iter().enumerate() {
        let (s, p) = frame.raw_ids(
            &si.and_then(|x| values[x].clone()),
            &ci.and_then(|x| values[x].clone()),
        );
        let p = if frame.units == Units::Elements { 0 } else { p };
        let c = tuple_class[i];
        classes_raw.insert(positions.iter().map(|&x| values[x].clone()).collect(), c);
        let t = calibrated.factor[c as usize];
        let sums = table.sums.get(i).copied().unwrap_or([0.0; 2]);
        let e = acc.entry((s, p, c)).or_insert(PsuTotals {
            stratum: s,
            psu: p,
            n: 0,
            sum_w: 0.0,
            sum_w2: 0.0,
            class: c,
        });
        e.n += count;
        e.sum_w += t * sums[0];
        e.sum_w2 += t * t * sums[1];
    }
    let respondents = table.rows.iter().map(|r| r.1).sum();
    let calibration = Calibration {
        calibrated,
        totals: acc.into_values().collect(),
        respondents,
    };
    Ok(((Arc::new(calibration), classes_raw), (classes, margins)))
}

/// A calibration error in the pipeline's words: the key and what to change.
fn calibration_message(w: &WeightingPlan, e: &CalibrationError) -> String {
    match e {
        CalibrationError::EmptyLevel { margin, level } => {
            let key = if w.cells.is_some() {
                "weighting.cell".to_string()
            } else {
                format!("weighting.margins.{margin}")
            };
            format!(
                "key `{key}`: {e}: an empty cell cannot be weighted up to its population\nhint: collapse `{level}` with a neighbouring level (the same [recode] target for both, and one margin entry with their shares added up), or give it population 0 if no one in the population has it"
            )
        }
        CalibrationError::NotConverged { .. } => format!(
            "key `weighting.max_iterations`: {e}\nhint: raise max_iterations (now {}), loosen epsilon, or check that the margins are consistent with each other and with the sample (R's rake only warns here; tally does not publish weights that did not converge)",
            w.max_iterations
        ),
        CalibrationError::Failed { .. } => format!(
            "key `weighting.bounds`: {e}\nhint: widen the bounds on g{}, raise max_iterations (now {}), or use method = \"raking\" or \"linear\" without bounds",
            w.bounds.map(|(l, u)| format!(" (now [{l}, {u}])")).unwrap_or_default(),
            w.max_iterations
        ),
        CalibrationError::Singular => format!(
            "key `weighting.margins`: {e}\nhint: drop one of the margins that say the same thing, or collapse levels"
        ),
        CalibrationError::TrimVaryingWeights { .. } => format!(
            "key `weighting.trim`: {e}\nhint: without a weight column (base weights 1) tally trims exactly; with one, bound the calibration factor instead: method = \"linear\", \"raking\" or \"logit\" with bounds = [L, U]"
        ),
        CalibrationError::TrimOutside { .. } => format!(
            "key `weighting.trim`: {e}\nhint: set trim_strict = true (trim again until none is outside, as trimWeights(strict = TRUE)), or widen trim"
        ),
        CalibrationError::LogitBounds => format!("key `weighting.bounds`: {e}"),
    }
}

/// What the calibration of `plan`'s weights did: margins before and after, convergence, the
/// weights' range and the design effect due to weighting; `None` without `[weighting]` (or
/// when the design cannot be read, which the estimate stage has reported).
pub fn summary(plan: &Plan, table: &Table) -> Option<WeightingSummary> {
    let w = plan.weighting.as_ref()?;
    let d = plan.input.design.as_ref()?;
    let mut plain = Frame::new(
        &Plan {
            weighting: None,
            ..plan.clone()
        },
        d,
        table,
    )
    .ok()?;
    plain.calibration = None;
    let ((c, classes_raw), (classes, margins)) = calibrated(plan, w, &plain, table).ok()?;
    let f = &c.calibrated.factor;
    let k = f.len();
    let total_n: f64 = classes.n.iter().sum();
    let total_w: f64 = classes.w.iter().sum();
    let total_c: f64 = (0..k).map(|i| f[i] * classes.w[i]).sum();
    let total_c2: f64 = (0..k).map(|i| f[i] * f[i] * classes.w2[i]).sum();
    let total_w2: f64 = classes.w2.iter().sum();
    let mut max_err = 0.0f64;
    let summaries = margins
        .iter()
        .enumerate()
        .map(|(j, m)| {
            let pop_total: f64 = m.totals.iter().sum();
            let levels = m
                .levels
                .iter()
                .enumerate()
                .map(|(l, name)| {
                    let in_level = (0..k).filter(|&i| classes.levels[i][j] == l);
                    let (mut cn, mut cw, mut cc) = (0.0, 0.0, 0.0);
                    for i in in_level {
                        cn += classes.n[i];
                        cw += classes.w[i];
                        cc += f[i] * classes.w[i];
                    }
                    let population = m.totals[l] / pop_total;
                    let calibrated = cc / total_c;
                    max_err = max_err.max((calibrated - population).abs());
                    LevelSummary {
                        level: name.clone(),
                        population,
                        count: cn as u64,
                        unweighted: cn / total_n,
                        base: cw / total_w,
                        calibrated,
                    }
                })
                .collect();
            MarginSummary {
                column: m.name.clone(),
                levels,
            }
        })
        .collect();
    let live: Vec<usize> = (0..k).filter(|&i| classes.n[i] > 0.0).collect();
    let range = |v: &dyn Fn(usize) -> f64| {
        live.iter()
            .map(|&i| v(i))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                (a.min(x), b.max(x))
            })
    };
    let factor_range = range(&|i| f[i]);
    // Every respondent's weight is known only when each tuple has one weight value.
    let one_value = table.rows.iter().zip(&table.sums).all(|((_, n), s)| {
        let n = *n as f64;
        (s[1] * n - s[0] * s[0]).abs() <= 1e-9 * s[0] * s[0]
    });
    let positions: Vec<usize> = w
        .columns()
        .filter_map(|col| position(table, Some(col)))
        .collect();
    let weight_range = one_value.then(|| {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for ((values, n), s) in table.rows.iter().zip(&table.sums) {
            let key: Vec<RawValue> = positions.iter().map(|&x| values[x].clone()).collect();
            let Some(&cl) = classes_raw.get(&key) else {
                continue;
            };
            if *n > 0 {
                let v = s[0] / *n as f64 * f[cl as usize];
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        (lo, hi)
    });
    Some(WeightingSummary {
        method: w.name.clone(),
        margins: summaries,
        iterations: c.calibrated.iterations,
        max_margin_error: max_err,
        factor_range,
        weight_range,
        kish_deff: total_n * total_c2 / (total_c * total_c),
        kish_deff_base: total_n * total_w2 / (total_w * total_w),
        population: total_c,
        trimmed: c.calibrated.trimmed,
        respondents: c.respondents,
    })
}
