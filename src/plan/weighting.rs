//! `[weighting]`: the weights calibrated to known population margins, as R `survey`'s
//! `postStratify`, `rake`, `calibrate` and `trimWeights` do it (the statistics:
//! [`crate::stats::survey::calibrate`]).
//!
//! Margins are keyed by the column's levels **after** `[recode]` (the words the analyses
//! use), each with a population share (the shares of a margin sum to 1) or a count (the
//! counts of every margin sum to the same N). Shares are scaled to totals by `population`
//! when it is given, else by the sample's Σw of the base weights (R needs totals; the
//! reference script passes the same ones). Without `[input] weight`, the base weights are 1.

use indexmap::IndexMap;

use super::margins_file::MarginsFile;
use super::problems::Problems;
use crate::spec::WeightingSpec;
use crate::stats::survey::calibrate::{CalFun, Trim};
use crate::suggest::did_you_mean;

/// The methods, by their pipeline names.
pub const METHODS: &[(&str, &str)] = &[
    (
        "poststratify",
        "post-stratification (R survey::postStratify)",
    ),
    (
        "rake",
        "raking by iterative proportional fitting (R survey::rake)",
    ),
    (
        "linear",
        "linear calibration (R survey::calibrate, calfun = \"linear\")",
    ),
    (
        "raking",
        "raking calibration (R survey::calibrate, calfun = \"raking\")",
    ),
    (
        "logit",
        "logit calibration (R survey::calibrate, calfun = \"logit\")",
    ),
];

/// How a margin's numbers are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Shares summing to 1: totals are share × N.
    Shares,
    /// Counts: totals as given.
    Counts,
}

/// One margin: a column's levels (after recoding) and their population numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct MarginPlan {
    pub column: String,
    pub levels: Vec<String>,
    pub values: Vec<f64>,
    pub scale: Scale,
}

/// The calibration method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MethodPlan {
    PostStratify,
    Rake,
    Calibrate(CalFun),
}

/// `[[weighting.cell]]`: each cell's level per margin and its number, and how the numbers
/// are given.
pub type Cells = (Vec<(Vec<String>, f64)>, Scale);

/// `[weighting]` as meant.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightingPlan {
    pub method: MethodPlan,
    /// The method's pipeline name.
    pub name: String,
    pub population: Option<f64>,
    /// The margins (for `poststratify` with cells: the cells' columns and levels).
    pub margins: Vec<MarginPlan>,
    /// `poststratify` on a cross-classification: each cell's level per margin and its number.
    pub cells: Option<Cells>,
    pub max_iterations: u32,
    pub epsilon: f64,
    pub bounds: Option<(f64, f64)>,
    pub trim: Option<Trim>,
    /// `margins_file`: the CSV the margins or cells were read from (set by [`super::load`]).
    pub margins_file: Option<MarginsFile>,
}

impl WeightingPlan {
    /// The margin columns, read into every tuple.
    pub fn columns(&self) -> impl Iterator<Item = &String> {
        self.margins.iter().map(|m| &m.column)
    }

    /// The method in a methods paragraph's words.
    pub fn words(&self) -> String {
        let what = METHODS
            .iter()
            .find(|(n, _)| *n == self.name)
            .map_or("", |(_, w)| *w);
        let cols = self
            .margins
            .iter()
            .map(|m| format!("`{}`", m.column))
            .collect::<Vec<_>>()
            .join(", ");
        let mut s = format!("weights calibrated to the population margins of {cols} by {what}");
        if let Some((l, u)) = self.bounds {
            s.push_str(&format!(", g bounded to [{l}, {u}]"));
        }
        if let Some(t) = self.trim {
            s.push_str(&format!(
                ", then trimmed to [{}, {}] (R survey::trimWeights{})",
                t.lower,
                t.upper,
                if t.strict { ", strict" } else { "" }
            ));
        }
        s.push_str("; standard errors account for the calibration (the residuals of the calibration model, as svyrecvar computes them)");
        s
    }
}

/// The key and message prefix of a problem with a margin (`column`) or one of its levels:
/// the TOML table, or `margins_file` when the figures were read from a file.
fn margin_key(spec: &WeightingSpec, column: &str, level: Option<&str>) -> (String, String) {
    match (&spec.margins_file, level) {
        (Some(f), Some(l)) => (
            "weighting.margins_file".into(),
            format!("in {f}, `{column}` level `{l}`: "),
        ),
        (Some(f), None) => (
            "weighting.margins_file".into(),
            format!("in {f}, margin `{column}`: "),
        ),
        (None, Some(l)) => (format!("weighting.margins.{column}.{l}"), String::new()),
        (None, None) => (format!("weighting.margins.{column}"), String::new()),
    }
}

/// Plans `[weighting]`; every problem is added with its key.
pub(super) fn plan_weighting(
    spec: Option<&WeightingSpec>,
    problems: &mut Problems,
) -> Option<WeightingPlan> {
    let spec = spec?;
    let names: Vec<&str> = METHODS.iter().map(|(n, _)| *n).collect();
    let method = match spec.method.as_str() {
        "poststratify" => MethodPlan::PostStratify,
        "rake" => MethodPlan::Rake,
        "linear" => MethodPlan::Calibrate(CalFun::Linear),
        "raking" => MethodPlan::Calibrate(CalFun::Raking),
        "logit" => MethodPlan::Calibrate(CalFun::Logit),
        other => {
            let mut m = format!(
                "unknown weighting method `{other}`; expected one of {}",
                names.join(", ")
            );
            if let Some(s) = did_you_mean(other, names.iter().copied()) {
                m.push_str(&format!("\nhint: did you mean `{s}`?"));
            }
            problems.add("weighting.method", m);
            MethodPlan::Rake
        }
    };
    if let Some(n) = spec.population {
        if !(n.is_finite() && n > 0.0) {
            problems.add(
                "weighting.population",
                format!("the population size must be a positive number, not {n}"),
            );
        }
    }
    let mut margins: Vec<MarginPlan> = Vec::new();
    for (column, levels) in &spec.margins {
        let (key, at) = margin_key(spec, column, None);
        if levels.is_empty() {
            problems.add(&key, "a margin needs its levels, each with a population share or count\nhint: e.g. mild = 0.40, moderate = 0.35, severe = 0.25");
            continue;
        }
        if let Some((l, v)) = levels.iter().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
            let (key, at) = margin_key(spec, column, Some(l));
            problems.add(
                &key,
                format!("{at}a population share or count must be a number of at least 0, not {v}"),
            );
            continue;
        }
        let values: Vec<f64> = levels.values().copied().collect();
        let sum: f64 = values.iter().sum();
        // Figures that are all at most 1 are shares (a population count of at most 1 in
        // every level is no population); shares that do not sum to 1 (1.02 from rounded
        // percentages, say) are refused, never taken for counts.
        let scale = if values.iter().all(|v| *v <= 1.0) {
            if (sum - 1.0).abs() > 1e-6 {
                problems.add(
                    &key,
                    format!(
                        "{at}the shares of `{column}` sum to {}, not 1\nhint: give every level of the population (a level nobody in the population has: 0), or give counts that sum to the population size",
                        round6(sum)
                    ),
                );
            }
            Scale::Shares
        } else {
            Scale::Counts
        };
        margins.push(MarginPlan {
            column: column.clone(),
            levels: levels.keys().cloned().collect(),
            values,
            scale,
        });
    }
    check_counts(spec, &margins, problems);
    let cells = plan_cells(spec, method, &mut margins, problems);
    if margins.is_empty() {
        problems.add(
            "weighting.margins",
            "[weighting] needs at least one margin\nhint: [weighting.margins.sex] female = 0.75, male = 0.22, other = 0.03",
        );
    }
    let (default_iter, default_eps) = match method {
        MethodPlan::Rake => (10, 1.0),
        _ => (50, 1e-7),
    };
    if let Some(e) = spec.epsilon {
        if !(e.is_finite() && e > 0.0) {
            problems.add(
                "weighting.epsilon",
                format!("epsilon must be a positive number, not {e}"),
            );
        }
    }
    if spec.max_iterations == Some(0) {
        problems.add(
            "weighting.max_iterations",
            "max_iterations must be at least 1",
        );
    }
    let bounds = spec.bounds.as_ref().and_then(|b| match b.as_slice() {
        [l, u] if *l < 1.0 && *u > 1.0 && l.is_finite() && u.is_finite() => Some((*l, *u)),
        _ => {
            problems.add(
                "weighting.bounds",
                format!(
                    "bounds are [L, U] on the calibration factor g, with L < 1 < U, not {b:?}\nhint: e.g. bounds = [0.5, 3.0]"
                ),
            );
            None
        }
    });
    if bounds.is_some() && !matches!(method, MethodPlan::Calibrate(_)) {
        problems.add(
            "weighting.bounds",
            "bounds apply to method = \"linear\", \"raking\" or \"logit\" (R's calibrate); post-stratification and rake do not bound g\nhint: to limit the weights, use trim = [lower, upper]",
        );
    }
    if method == MethodPlan::Calibrate(CalFun::Logit) && spec.bounds.is_none() {
        problems.add(
            "weighting.bounds",
            "logit calibration needs bounds on g\nhint: add bounds = [L, U] with L < 1 < U, e.g. [0.5, 3.0]",
        );
    }
    let trim = spec.trim.as_ref().and_then(|t| match t.as_slice() {
        [l, u] if *l >= 0.0 && l < u && u.is_finite() => Some(Trim {
            lower: *l,
            upper: *u,
            strict: spec.trim_strict.unwrap_or(false),
        }),
        _ => {
            problems.add(
                "weighting.trim",
                format!("trim is [lower, upper] on the calibrated weights, 0 ≤ lower < upper, not {t:?}"),
            );
            None
        }
    });
    if spec.trim_strict.is_some() && spec.trim.is_none() {
        problems.add(
            "weighting.trim_strict",
            "trim_strict applies only with trim = [lower, upper]",
        );
    }
    Some(WeightingPlan {
        method,
        name: spec.method.clone(),
        population: spec.population,
        margins,
        cells,
        max_iterations: spec.max_iterations.unwrap_or(default_iter),
        epsilon: spec.epsilon.unwrap_or(default_eps),
        bounds,
        trim,
        margins_file: None,
    })
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Margins given as counts must all sum to the same N (and to `population`, if given).
fn check_counts(spec: &WeightingSpec, margins: &[MarginPlan], problems: &mut Problems) {
    let mut first: Option<(&str, f64)> = spec.population.map(|n| ("population", n));
    for m in margins.iter().filter(|m| m.scale == Scale::Counts) {
        let sum: f64 = m.values.iter().sum();
        match first {
            None => first = Some((&m.column, sum)),
            Some((other, n)) if (sum - n).abs() > 1e-9 * n.abs().max(1.0) => problems.add(
                &margin_key(spec, &m.column, None).0,
                format!(
                    "{}the counts of `{}` sum to {sum}, but {} {n}: every margin must add up to the same population\nhint: correct the counts, or give shares (summing to 1) and the population size once, as population = N",
                    margin_key(spec, &m.column, None).1,
                    m.column,
                    if other == "population" { "`population` is".to_string() } else { format!("those of `{other}` sum to") }
                ),
            ),
            Some(_) => {}
        }
    }
}

/// `[[weighting.cell]]` for post-stratification on a cross-classification; without cells,
/// `poststratify` needs exactly one margin (its levels are the cells).
fn plan_cells(
    spec: &WeightingSpec,
    method: MethodPlan,
    margins: &mut Vec<MarginPlan>,
    problems: &mut Problems,
) -> Option<Cells> {
    if spec.cells.is_empty() {
        if method == MethodPlan::PostStratify && margins.len() > 1 {
            let (key, hint) = if spec.margins_file.is_some() {
                ("weighting.margins_file", "give the file one column per margin column and a `share` or `count` column, a row per cell (e.g. sex,severity,share then female,mild,0.19)")
            } else {
                ("weighting.margins", "list them as [[weighting.cell]] tables (e.g. sex = \"female\", severity = \"mild\", share = 0.19)")
            };
            problems.add(
                key,
                format!("post-stratification on several columns needs the population of every combination of their levels, not only the margins\nhint: {hint}, or use method = \"rake\" to calibrate to the margins"),
            );
        }
        return None;
    }
    if method != MethodPlan::PostStratify {
        if spec.margins_file.is_some() {
            problems.add(
                "weighting.margins_file",
                "the file gives cells (its header names the cell columns, then `share` or `count`): the cross-classification of method = \"poststratify\"; the other methods calibrate to margins\nhint: for raking or calibration, give the file the header column,level,share (or count), a row per level of each margin",
            );
        } else {
            problems.add(
                "weighting.cell",
                "[[weighting.cell]] is the cross-classification of method = \"poststratify\"; the other methods calibrate to [weighting.margins]",
            );
        }
        return None;
    }
    if !margins.is_empty() {
        problems.add(
            "weighting.margins",
            "give post-stratification either its cells ([[weighting.cell]]) or one margin, not both",
        );
        return None;
    }
    let mut columns: Vec<String> = Vec::new();
    let mut cells = Vec::new();
    let mut scale = None;
    for (i, cell) in spec.cells.iter().enumerate() {
        let key = match &spec.margins_file {
            // The file's rows are its lines 2, 3, ... (blank rows aside).
            Some(f) => format!("weighting.margins_file ({f}, cell {})", i + 1),
            None => format!("weighting.cell[{i}]"),
        };
        let mut levels = Vec::new();
        let mut value = None;
        let mut cols = Vec::new();
        for (k, v) in cell {
            match (k.as_str(), v) {
                ("share" | "count", toml::Value::Float(_) | toml::Value::Integer(_)) => {
                    let x = v.as_float().or(v.as_integer().map(|i| i as f64)).unwrap_or(0.0);
                    let s = if k == "share" { Scale::Shares } else { Scale::Counts };
                    if scale.is_some_and(|t| t != s) {
                        problems.add(&key, "give every cell a share, or every cell a count, not some of each");
                    }
                    scale = Some(s);
                    value = Some(x);
                }
                (_, toml::Value::String(level)) => {
                    cols.push(k.clone());
                    levels.push(level.clone());
                }
                _ => problems.add(
                    &format!("{key}.{k}"),
                    "a cell gives each column's level as text and its `share` or `count` as a number",
                ),
            }
        }
        if columns.is_empty() {
            columns = cols.clone();
        }
        if cols != columns {
            problems.add(
                &key,
                format!(
                    "this cell names the columns {cols:?}, the first cell {columns:?}: every cell names the same columns in the same order"
                ),
            );
        }
        match value {
            Some(v) if v.is_finite() && v >= 0.0 => cells.push((levels, v)),
            _ => problems.add(&key, "a cell needs a `share` or `count` of at least 0"),
        }
    }
    let scale = scale.unwrap_or(Scale::Shares);
    let sum: f64 = cells.iter().map(|c| c.1).sum();
    if scale == Scale::Shares && (sum - 1.0).abs() > 1e-6 {
        problems.add(
            if spec.margins_file.is_some() {
                "weighting.margins_file"
            } else {
                "weighting.cell"
            },
            format!("the cells' shares sum to {}, not 1\nhint: list every cell of the population (an empty one with share = 0)", round6(sum)),
        );
    }
    // The cells' columns become the margins (their levels in order of first appearance).
    for (j, c) in columns.iter().enumerate() {
        let mut levels: IndexMap<String, f64> = IndexMap::new();
        for (lv, v) in &cells {
            if let Some(l) = lv.get(j) {
                *levels.entry(l.clone()).or_insert(0.0) += v;
            }
        }
        margins.push(MarginPlan {
            column: c.clone(),
            levels: levels.keys().cloned().collect(),
            values: levels.values().copied().collect(),
            scale,
        });
    }
    Some((cells, scale))
}
