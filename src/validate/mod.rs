//! The second stage of the spine: what the values of the ingested [`Table`] mean for the
//! pipeline ([`Plan`]). One job per file:
//!
//! - [`rules`]: the `[validate]` rules, checked on each record as it is read (they are
//!   handed to [`crate::ingest::read`] as value checks, so that a record that breaks one is
//!   rejected with its line, like a malformed one);
//! - [`identifying`]: analysed columns whose values look like direct identifiers;
//! - [`percentages`]: published percentages in (the derived counts reproduce every
//!   figure, totals included); [`bases`]: each published table's base against the survey's
//!   declared respondent total;
//! - [`invited`]: `selection.invited` against each analysis's respondents;
//! - [`occurs`]: levels, filter values, compared groups and recode targets that occur in no
//!   row (unless declared in `expect_empty`);
//! - here: recoding and row accounting (pure: a [`Table`] and a [`Plan`] in, values out).
//!
//! For every analysis each respondent is either in the denominator or excluded for exactly
//! one reason, the first that applies when the columns are checked in this order:
//!
//! 1. each filter column in turn, as written: an unmapped value, else a value (or a missing
//!    answer) the filter does not keep ("outside the denominator");
//! 2. the outcome, then each subgroup column in turn: an unmapped value, else a missing
//!    answer (under `missing = "exclude"`);
//! 3. an outcome value that is not one of the analysis's levels.
//!
//! So the first column with a problem decides the reason: a respondent outside the first
//! filter column's kept values and unmapped in the second is counted as outside the
//! denominator (`pipelines/README.md`, "Who is in the denominator", has examples).
//!
//! Reasons are an [`Exclusion`], listed in the order of its variants (outside the
//! denominator, unmapped, missing, not a level), then by column.
//!
//! Invariant, checked here and in the tests: `available = included + sum(exclusions)`.

pub mod bases;
pub mod identifying;
pub mod invited;
pub mod occurs;
pub mod percentages;
pub mod rules;

use std::collections::BTreeMap;

use indexmap::IndexMap;

use crate::ingest::{RawValue, Table};
use crate::plan::{AnalysisPlan, MissingPolicy, Plan, MISSING_LABEL};
use crate::suggest::did_you_mean;
use crate::suppression::Suppression;

/// A raw value that has no entry in its column's recode map.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmapped {
    pub column: String,
    pub value: String,
    /// Respondents with this value (among kept records).
    pub respondents: u64,
    /// The closest raw label of the map, when the value looks like a near miss.
    pub suggestion: Option<String>,
}

/// Why a respondent is left out of an analysis. The variant order is the display order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exclusion {
    /// Not an exclusion: the row belongs to another published table of the file (another
    /// question, with its own base), so it is no part of the analysis and is never counted
    /// among its respondents or its exclusions.
    OtherTable,
    /// The filter column's value is not one of those kept.
    OutsideDenominator { column: String, keep: Vec<String> },
    /// A value with no entry in the column's recode table.
    Unmapped { column: String },
    /// No answer (under `missing = "exclude"`).
    Missing { column: String },
    /// An outcome value that is not one of the analysis's levels.
    NotALevel { column: String },
}

impl std::fmt::Display for Exclusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exclusion::OtherTable => write!(f, "in another table"),
            Exclusion::OutsideDenominator { column, keep } => {
                write!(
                    f,
                    "outside denominator: `{column}` not in {{{}}}",
                    keep.join(", ")
                )
            }
            Exclusion::Unmapped { column } => write!(f, "unmapped value in `{column}`"),
            Exclusion::Missing { column } => write!(f, "missing `{column}`"),
            Exclusion::NotALevel { column } => write!(f, "`{column}` value not among the levels"),
        }
    }
}

/// Respondents left out of an analysis for one reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Excluded {
    pub reason: Exclusion,
    pub respondents: u64,
    /// Disclosure control hid the count (it is then 0).
    pub hidden: Option<Suppression>,
}

/// One subgroup-by-outcome count, after recoding; of a weighted survey, per sampling unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// One value per `by` column.
    pub group: Vec<String>,
    pub outcome: String,
    pub count: u64,
    /// Weighted surveys: the cell's Σw and Σw² in its unit (zero when unweighted).
    pub sums: [f64; 2],
    /// Weighted surveys: the stratum, PSU and fpc values of the cell's respondents (all
    /// `None` when unweighted, or when the design has no such column).
    pub unit: Unit,
}

/// A cell's key while counting: subgroup values, outcome, sampling unit.
type CellKey = (Vec<String>, String, Unit);

/// Where a cell's respondents were sampled: raw values of the design's columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Unit {
    pub stratum: RawValue,
    pub psu: RawValue,
    pub fpc: RawValue,
    /// The raw values of `[weighting]`'s margin columns (the calibration class; empty
    /// without `[weighting]`).
    pub margins: Vec<RawValue>,
}

/// An analysis's data: the cells in its denominator and the accounting of everyone else.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisData {
    /// Respondents entering the analysis (all kept records; of a file of several tables,
    /// those of the analysis's table).
    pub available: u64,
    /// Respondents left out, by reason, in display order.
    pub exclusions: Vec<Excluded>,
    /// Respondents in the denominator.
    pub included: u64,
    /// Disclosure control hid `included` (it is then 0).
    pub hidden_included: Option<Suppression>,
    pub cells: Vec<Cell>,
    /// For each `by` column, its values in display order.
    pub group_orders: Vec<Vec<String>>,
}

/// A recoded cell value.
enum Value<'a> {
    Missing,
    Clean(&'a str),
    Unmapped,
}

/// A raw value recoded through the column's map: `Some(level)`, or `None` when it is
/// missing or has no mapping.
pub fn recoded<'a>(plan: &'a Plan, column: &str, raw: &'a RawValue) -> Option<&'a str> {
    match recode(plan, column, raw) {
        Value::Clean(v) => Some(v),
        _ => None,
    }
}

/// Recodes one raw value through the column's map (identity when the column has none).
fn recode<'a>(plan: &'a Plan, column: &str, raw: &'a RawValue) -> Value<'a> {
    match raw {
        None => Value::Missing,
        Some(v) => match plan.recode.get(column) {
            None => Value::Clean(v),
            Some(map) => match map.get(v) {
                Some(clean) => Value::Clean(clean),
                None => Value::Unmapped,
            },
        },
    }
}

/// Recodes every needed column and sorts each analysis's respondents into cells or
/// exclusions. Also returns every unmapped value with its count.
pub fn prepare(plan: &Plan, table: &Table) -> (Vec<AnalysisData>, Vec<Unmapped>) {
    let analyses = plan
        .analyses
        .iter()
        .map(|a| prepare_analysis(plan, a, table))
        .collect();
    (analyses, unmapped_values(plan, table))
}

/// Where a needed column is in the table. Ingest builds the table from exactly the plan's
/// needed columns ([`Plan::columns_needed`]), so every column an analysis names is there.
#[expect(
    clippy::expect_used,
    reason = "the table is built from the plan's needed columns (ingest::read)"
)]
fn column_index(table: &Table, column: &str) -> usize {
    table
        .columns
        .iter()
        .position(|x| x == column)
        .expect("the table holds every column the plan needs")
}

fn prepare_analysis(plan: &Plan, a: &AnalysisPlan, table: &Table) -> AnalysisData {
    let indices = Indices::new(plan, a, table);
    let mut exclusions: BTreeMap<Exclusion, u64> = BTreeMap::new();
    let mut cells: IndexMap<CellKey, (u64, [f64; 2])> = IndexMap::new();
    let mut included = 0u64;
    let mut available = 0u64;

    for (t, (values, count)) in table.rows.iter().enumerate() {
        let count = *count;
        let class = classify(plan, a, &indices, values);
        if class == Err(Exclusion::OtherTable) {
            continue;
        }
        available += count;
        match class {
            Err(reason) => *exclusions.entry(reason).or_insert(0) += count,
            Ok((group, outcome)) => {
                included += count;
                let key = (
                    group.into_iter().map(str::to_string).collect(),
                    outcome.to_string(),
                    indices.unit(values),
                );
                let cell = cells.entry(key).or_insert((0, [0.0; 2]));
                cell.0 += count;
                if let Some(w) = table.sums.get(t) {
                    cell.1[0] += w[0];
                    cell.1[1] += w[1];
                }
            }
        }
    }
    debug_assert_eq!(available, included + exclusions.values().sum::<u64>());

    let group_orders =
        a.by.iter()
            .enumerate()
            .map(|(k, c)| group_order(plan, c, cells.keys().map(|(g, _, _)| g[k].as_str())))
            .collect();
    AnalysisData {
        available,
        exclusions: exclusions
            .into_iter()
            .map(|(reason, respondents)| Excluded {
                reason,
                respondents,
                hidden: None,
            })
            .collect(),
        included,
        hidden_included: None,
        cells: cells
            .into_iter()
            .map(|((group, outcome, unit), (count, sums))| Cell {
                group,
                outcome,
                count,
                sums,
                unit,
            })
            .collect(),
        group_orders,
    }
}

/// Where an analysis's columns sit in the table's tuples.
pub struct Indices {
    /// The table column, when the analysis reads one table of several.
    table: Option<usize>,
    /// The design's stratum, cluster and fpc columns (weighted surveys).
    design: [Option<usize>; 3],
    /// `[weighting]`'s margin columns.
    margins: Vec<usize>,
    outcome: usize,
    by: Vec<usize>,
    filter: Vec<usize>,
}

impl Indices {
    pub fn new(plan: &Plan, a: &AnalysisPlan, table: &Table) -> Indices {
        let table_column = a.table.as_ref().and(plan.input.table_column.as_ref());
        let design = plan.input.design.as_ref();
        let at = |c: Option<&String>| c.map(|c| column_index(table, c));
        Indices {
            table: table_column.map(|c| column_index(table, c)),
            design: [
                at(design.and_then(|d| d.strata.as_ref())),
                at(design.and_then(|d| d.cluster.as_ref())),
                at(design.and_then(|d| d.fpc.as_ref())),
            ],
            margins: plan
                .weighting
                .iter()
                .flat_map(|w| w.columns())
                .map(|c| column_index(table, c))
                .collect(),
            outcome: column_index(table, &a.outcome),
            by: a.by.iter().map(|b| column_index(table, b)).collect(),
            filter: a
                .filter
                .iter()
                .map(|(c, _)| column_index(table, c))
                .collect(),
        }
    }
}

impl Indices {
    /// The sampling unit of a tuple (all `None` without a design).
    fn unit(&self, values: &[RawValue]) -> Unit {
        let [s, p, f] = self.design.map(|i| i.and_then(|i| values[i].clone()));
        Unit {
            stratum: s,
            psu: p,
            fpc: f,
            margins: self.margins.iter().map(|&i| values[i].clone()).collect(),
        }
    }
}

/// Where one tuple of raw values goes in an analysis: into the denominator, as its subgroup
/// values (one per `by` column) and outcome level, or out of it, for the first reason that
/// applies (the order in the module doc). The one home of that rule: the row accounting
/// here and the disclosure audit both use it.
pub fn classify<'a>(
    plan: &'a Plan,
    a: &'a AnalysisPlan,
    at: &Indices,
    values: &'a [RawValue],
) -> Result<(Vec<&'a str>, &'a str), Exclusion> {
    // 0: the analysis's table, of a file of several.
    if let (Some(i), Some(wanted), Some(c)) = (at.table, &a.table, &plan.input.table_column) {
        if !matches!(recode(plan, c, &values[i]), Value::Clean(v) if v == wanted) {
            return Err(Exclusion::OtherTable);
        }
    }
    // 1: the denominator filter, column by column.
    for (&i, (c, keep)) in at.filter.iter().zip(&a.filter) {
        match recode(plan, c, &values[i]) {
            Value::Unmapped => return Err(Exclusion::Unmapped { column: c.clone() }),
            Value::Clean(v) if keep.iter().any(|k| k == v) => {}
            _ => {
                return Err(Exclusion::OutsideDenominator {
                    column: c.clone(),
                    keep: keep.clone(),
                })
            }
        }
    }
    // 2: outcome and subgroups, column by column.
    let mut group = Vec::with_capacity(at.by.len());
    let mut outcome = "";
    let columns = std::iter::once((at.outcome, &a.outcome)).chain(at.by.iter().copied().zip(&a.by));
    for (k, (i, c)) in columns.enumerate() {
        let v = match recode(plan, c, &values[i]) {
            Value::Unmapped => return Err(Exclusion::Unmapped { column: c.clone() }),
            Value::Missing => match a.missing {
                MissingPolicy::Exclude => return Err(Exclusion::Missing { column: c.clone() }),
                MissingPolicy::Level => MISSING_LABEL,
            },
            Value::Clean(v) => v,
        };
        if k == 0 {
            outcome = v;
        } else {
            group.push(v);
        }
    }
    // 3: outcome levels.
    if !a.levels.iter().any(|l| l == outcome) {
        return Err(Exclusion::NotALevel {
            column: a.outcome.clone(),
        });
    }
    Ok((group, outcome))
}

/// Display order of a subgroup column's values: the order of the recode map's targets when
/// the column is recoded, else sorted; `missing` last.
fn group_order<'a>(plan: &Plan, column: &str, seen: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut seen: Vec<&str> = seen.collect();
    seen.sort_unstable();
    seen.dedup();
    let mut order: Vec<String> = Vec::new();
    if let Some(map) = plan.recode.get(column) {
        for target in map.values() {
            if target != MISSING_LABEL && seen.contains(&target.as_str()) && !order.contains(target)
            {
                order.push(target.clone());
            }
        }
    }
    for s in &seen {
        if *s != MISSING_LABEL && !order.iter().any(|o| o == s) {
            order.push(s.to_string());
        }
    }
    if seen.contains(&MISSING_LABEL) {
        order.push(MISSING_LABEL.into());
    }
    order
}

/// Every raw value without a recode entry, per recoded column, with its count and a hint.
fn unmapped_values(plan: &Plan, table: &Table) -> Vec<Unmapped> {
    let mut out = Vec::new();
    for (column, map) in &plan.recode {
        let Some(i) = table.columns.iter().position(|c| c == column) else {
            continue;
        };
        let mut counts: IndexMap<&str, u64> = IndexMap::new();
        for (values, n) in &table.rows {
            if let Some(v) = &values[i] {
                if !map.contains_key(v) {
                    *counts.entry(v.as_str()).or_insert(0) += n;
                }
            }
        }
        let mut list: Vec<(&str, u64)> = counts.into_iter().collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        for (value, respondents) in list {
            out.push(Unmapped {
                column: column.clone(),
                value: value.to_string(),
                respondents,
                suggestion: did_you_mean(value, map.keys().map(String::as_str)),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Exclusion;

    #[test]
    fn reasons_sort_in_display_order_and_read_as_before() {
        let col = |c: &str| c.to_string();
        let mut v = [
            Exclusion::NotALevel { column: col("o") },
            Exclusion::Missing { column: col("o") },
            Exclusion::Unmapped { column: col("o") },
            Exclusion::OutsideDenominator {
                column: col("t"),
                keep: vec![col("yes")],
            },
        ];
        v.sort();
        let text: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "outside denominator: `t` not in {yes}",
                "unmapped value in `o`",
                "missing `o`",
                "`o` value not among the levels"
            ]
        );
    }
}
