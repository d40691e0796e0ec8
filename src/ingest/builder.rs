//! The table builder: every record checked, in a fixed order, and then either counted into
//! the distinct tuples of the needed columns or rejected with its line and reason.
//!
//! The checks, the first that fails giving the reason:
//!
//! 1. the record is whole (no quote left open at the end of the file);
//! 2. it has as many fields as the header;
//! 3. the format's completeness checks (a finished, submitted, non-preview response);
//! 4. each needed column's value is text (UTF-8, no NUL byte);
//! 5. the caller's value checks, in order (the pipeline's `[validate]` rules);
//! 6. the count is a whole number (counts tables); the percentage is a number from 0 to
//!    100 and the base a whole number of at least 1 (percentages tables, whose count is
//!    derived: [`crate::stats::published`]);
//! 7. the survey weight is a positive, finite number (weighted respondent files); a
//!    counts table's Σw and Σw² are finite, Σw > 0 where the count is, and
//!    Σw² ≥ (Σw)² / count (Cauchy-Schwarz: else they cannot be sums of the row's weights);
//! 8. the respondent id has not been seen before (the detail names its first line).

use std::borrow::Cow;

use indexmap::IndexMap;

use super::csvread::Fields;
use super::formats::{self, Completeness, Protected};
use super::ids::IdSet;
use super::intern::{Interner, Tuples};
use super::layout::{self, Extract, Layout};
use super::{IngestError, RawValue, Refusal, Rejected, ValueCheck};
use crate::plan::{InputPlan, WeightSource};
use crate::stats::published::Percent;

/// Where a record's respondents come from.
#[derive(Debug, Clone, Copy)]
enum Weight {
    /// One row, one respondent.
    One,
    /// The count column.
    Count(usize),
    /// Derived from the percentage and base columns.
    Percent { percent: usize, base: usize },
}

/// Where a weighted survey's weights are read.
#[derive(Debug, Clone, Copy)]
enum Weights {
    /// A respondent's weight.
    Column(usize),
    /// A counts row's Σw and Σw².
    Sums(usize, usize),
    /// Base weights of 1 (`[weighting]` without a weight column).
    Unit,
}

/// What the builder has counted: the part of the [`super::Table`] the records give.
pub(super) struct Tally {
    /// Distinct tuples of raw values, in order of first appearance, with their counts.
    pub rows: Vec<(Vec<RawValue>, u64)>,
    pub records_read: u64,
    pub respondents: u64,
    pub rejected: Vec<Rejected>,
    /// The warnings given when the builder was made, and any the records added.
    pub warnings: Vec<String>,
    /// Percentages tables: every published figure read, in file order.
    pub figures: Vec<super::Figure>,
    /// Weighted surveys: each tuple's Σw and Σw², in the order of `rows`.
    pub sums: Vec<[f64; 2]>,
}

impl Tally {
    /// This tally (of the records before the blocks), then the blocks' merged tables.
    pub(super) fn append(mut self, merged: super::parallel::Merged) -> Tally {
        let mut rows: IndexMap<Vec<RawValue>, u64> = self.rows.drain(..).collect();
        for (values, n) in merged.rows {
            *rows.entry(values).or_insert(0) += n;
        }
        self.rows = rows.into_iter().collect();
        self.rejected.extend(merged.rejected);
        self.warnings.extend(merged.warnings);
        self.records_read += merged.records_read;
        self.respondents += merged.respondents;
        self
    }
}

/// Checks and counts records one at a time (see the module doc).
pub(super) struct TableBuilder<'a> {
    path: &'a str,
    missing: &'a [String],
    columns: &'a [String],
    // What each record is checked against, from the layout.
    width: usize,
    completeness: Vec<Completeness>,
    extract: Vec<Extract>,
    checks: Vec<(Extract, &'a ValueCheck<'a>)>,
    weight: Weight,
    weights: Option<Weights>,
    /// The current record's Σw and Σw².
    record_sums: [f64; 2],
    sums: Vec<[f64; 2]>,
    id_index: Option<usize>,
    withheld: Vec<Option<Protected>>,
    delimiter: String,
    // What has been counted: a tuple of codes per distinct tuple (its index in `counts`).
    interners: Vec<Interner>,
    tuples: Tuples,
    counts: Vec<u64>,
    /// The current record's codes.
    codes: Vec<u32>,
    ids: IdSet,
    rejected: Vec<Rejected>,
    records_read: u64,
    respondents: u64,
    warnings: Vec<String>,
    /// Each figure read: line, tuple (index into `counts`), percentage, base, derived count.
    figures: Vec<(u64, usize, Percent, u64, u64)>,
    /// The current record's figure (percentages tables).
    figure: Option<(Percent, u64)>,
    /// A block's builder ([`Self::fork`]): the ids, kept for the merge to check in file
    /// order, rather than checked here.
    deferred: Option<Deferred>,
    /// Where the current record starts in its block (a block's builder).
    pub(super) at: u32,
}

/// The respondent ids of a block's records that passed every other check, in order, for the
/// merge to check across blocks ([`super::parallel`]).
#[derive(Default)]
pub(super) struct Deferred {
    /// The ids' bytes, back to back.
    pub ids: Vec<u8>,
    pub records: Vec<Candidate>,
    /// The current record's id as a number ([`Candidate::number`]).
    number: u64,
}

/// A record of a block waiting for its id check.
pub(super) struct Candidate {
    pub line: u64,
    /// Its id as a number, when it is written as a plain decimal
    /// ([`super::ids::dense_number`]); else [`Candidate::BYTES`], and the id is in
    /// [`Deferred::ids`].
    pub number: u64,
    /// Its tuple (an index into the block's rows).
    pub tuple: u32,
    /// Where the record starts in its block.
    pub start: u32,
    /// Where its id ends in [`Deferred::ids`] (it starts where the one before ends).
    pub id_end: u32,
}

impl Candidate {
    /// [`Candidate::number`] of an id that is not a plain decimal (which is below 10^18).
    pub const BYTES: u64 = u64::MAX;
}

impl<'a> TableBuilder<'a> {
    /// A builder for `columns` of an input with this layout (whose header has every column
    /// needed, checked before).
    pub(super) fn new(
        input: &'a InputPlan,
        layout: &Layout,
        columns: &'a [String],
        checks: &'a [ValueCheck<'a>],
        delimiter: u8,
        warnings: Vec<String>,
    ) -> Result<Self, IngestError> {
        // The plan's header check has refused a missing column already; should one slip
        // through, the job fails naming it rather than reading the wrong field.
        let absent = |c: &str| IngestError::Columns {
            path: input.written.clone(),
            message: format!("column `{c}` is not in the header"),
        };
        let source_index = |c: &String| layout.index_of(c).ok_or_else(|| absent(c));
        let extract = |c: &str| layout.extractor(c).ok_or_else(|| absent(c));
        let completeness = if input.complete_only {
            formats::completeness(input.format, &layout.columns)
        } else {
            Vec::new()
        };
        Ok(TableBuilder {
            path: &input.written,
            missing: &input.missing,
            columns,
            width: layout.columns.len(),
            completeness,
            extract: columns
                .iter()
                .map(|c| extract(c))
                .collect::<Result<_, _>>()?,
            checks: checks
                .iter()
                .map(|c| Ok((extract(c.column)?, c)))
                .collect::<Result<_, IngestError>>()?,
            weight: match (&input.count_column, &input.percentages) {
                (Some(c), _) => Weight::Count(source_index(c)?),
                (None, Some(p)) => Weight::Percent {
                    percent: source_index(&p.percent_column)?,
                    base: source_index(&p.base_column)?,
                },
                (None, None) => Weight::One,
            },
            weights: match input.design.as_ref().map(|d| &d.weight) {
                None => None,
                Some(WeightSource::Column(w)) => Some(Weights::Column(source_index(w)?)),
                Some(WeightSource::Sums { sum_w, sum_w2 }) => {
                    Some(Weights::Sums(source_index(sum_w)?, source_index(sum_w2)?))
                }
                Some(WeightSource::Unit) => Some(Weights::Unit),
            },
            record_sums: [0.0; 2],
            sums: Vec::new(),
            id_index: input.id_column.as_ref().map(source_index).transpose()?,
            withheld: layout.withheld(),
            delimiter: (delimiter as char).to_string(),
            interners: columns.iter().map(|_| Interner::default()).collect(),
            tuples: Tuples::default(),
            counts: Vec::new(),
            codes: Vec::with_capacity(columns.len()),
            ids: IdSet::default(),
            rejected: Vec::new(),
            records_read: 0,
            respondents: 0,
            warnings,
            figures: Vec::new(),
            figure: None,
            deferred: None,
            at: 0,
        })
    }

    /// A builder for one block of the file: the same checks, nothing counted yet, no
    /// warnings, and the ids deferred to the merge.
    pub(super) fn fork(&self) -> TableBuilder<'a> {
        TableBuilder {
            path: self.path,
            missing: self.missing,
            columns: self.columns,
            width: self.width,
            completeness: self.completeness.clone(),
            extract: self.extract.clone(),
            checks: self.checks.clone(),
            weight: self.weight,
            weights: self.weights,
            record_sums: [0.0; 2],
            sums: Vec::new(),
            id_index: self.id_index,
            withheld: self.withheld.clone(),
            delimiter: self.delimiter.clone(),
            interners: self.columns.iter().map(|_| Interner::default()).collect(),
            tuples: Tuples::default(),
            counts: Vec::new(),
            codes: Vec::with_capacity(self.columns.len()),
            ids: IdSet::default(),
            rejected: Vec::new(),
            records_read: 0,
            respondents: 0,
            warnings: Vec::new(),
            figures: Vec::new(),
            figure: None,
            deferred: self.id_index.map(|_| Deferred::default()),
            at: 0,
        }
    }

    /// Whether blocks counted apart and merged give exactly this builder's table: one
    /// respondent a row (whole counts, so a duplicate id can be taken back out of its
    /// tuple) and no weights (sums of floating-point weights depend on the order of the
    /// additions).
    pub(super) fn mergeable(&self) -> bool {
        matches!(self.weight, Weight::One) && self.weights.is_none()
    }

    /// The fields the checks and the needed columns look at are all below this index.
    pub(super) fn fields_read(&self) -> usize {
        let extract = |e: &Extract| match e {
            Extract::Cell(i) => *i,
            Extract::Spread { members, this } => {
                members.iter().copied().max().unwrap_or(0).max(*this)
            }
            Extract::Joined { column, .. } => *column,
        };
        self.extract
            .iter()
            .chain(self.checks.iter().map(|(e, _)| e))
            .map(extract)
            .chain(self.completeness.iter().map(Completeness::column))
            .chain(self.id_index)
            .max()
            .map_or(0, |m| m + 1)
    }

    /// The path of the input, as the pipeline writes it.
    pub(super) fn path(&self) -> &'a str {
        self.path
    }

    /// The ids seen so far (the merge checks each block's against them).
    pub(super) fn ids_mut(&mut self) -> &mut IdSet {
        &mut self.ids
    }

    /// Counts one record, or rejects it. The only error is a total count beyond `u64`.
    pub(super) fn add<R: Fields + ?Sized>(&mut self, record: &R) -> Result<(), IngestError> {
        self.records_read += 1;
        match self.admit(record) {
            Ok(weight) => self.count(record.start_line(), weight),
            Err((reason, detail)) => {
                let rejected = self.reject(record, reason, detail);
                self.rejected.push(rejected);
                Ok(())
            }
        }
    }

    /// Runs the checks (the module doc's order) on a record; if it passes, its weight (its
    /// respondents), with its tuple in `self.codes`.
    fn admit<R: Fields + ?Sized>(&mut self, record: &R) -> Result<u64, Refusal> {
        let line = record.start_line();
        if record.open_quote() {
            self.warnings.push(format!(
                    "{}, line {line}: unterminated quote: a quoted field opened on this line is still open at the end of the file, so the rest of the file was read as one field (its record is rejected)\nhint: look for a stray `\"` on line {line}",
                    self.path
                ));
            return Err((
                "unterminated quote",
                "a quoted field is still open at the end of the file".into(),
            ));
        }
        if record.width() != self.width {
            return Err((
                "wrong number of fields",
                format!("expected {} fields, found {}", self.width, record.width()),
            ));
        }
        if let Some(refusal) = self
            .completeness
            .iter()
            .find_map(|c| c.check(std::str::from_utf8(record.get(c.column())).unwrap_or("")))
        {
            return Err(refusal);
        }
        self.encode(record)?;
        self.check_values(record)?;
        let weight = match self.weight {
            Weight::One => 1,
            Weight::Count(ci) => parse_count(record.get(ci)).map_err(|d| ("invalid count", d))?,
            Weight::Percent { percent, base } => {
                let p = Percent::parse(&String::from_utf8_lossy(record.get(percent)))
                    .map_err(|d| ("invalid percentage", d))?;
                let b = parse_count(record.get(base))
                    .map_err(|d| d.replace("count", "base"))
                    .and_then(|b| {
                        if b == 0 {
                            Err("the base is 0: a percentage of no one".to_string())
                        } else {
                            Ok(b)
                        }
                    })
                    .map_err(|d| ("invalid base", d))?;
                self.figure = Some((p, b));
                p.derive(b)
            }
        };
        if let Some(w) = self.weights {
            self.record_sums =
                read_weights(record, w, weight).map_err(|d| ("invalid weight", d))?;
        }
        if let Some(ii) = self.id_index {
            if let Some(d) = &mut self.deferred {
                let id = record.get(ii);
                d.number = super::ids::dense_number(id).unwrap_or(Candidate::BYTES);
                if d.number == Candidate::BYTES {
                    d.ids.extend_from_slice(id);
                }
            } else if let Some(first) = self.ids.insert(record.get(ii), line) {
                return Err((
                    "duplicate respondent id",
                    format!("the id was first seen on line {first}"),
                ));
            }
        }
        Ok(weight)
    }

    /// The record's tuple of codes, into `self.codes`; fails on the first needed value that
    /// is not text.
    fn encode<R: Fields + ?Sized>(&mut self, record: &R) -> Result<(), Refusal> {
        self.codes.clear();
        let columns = self.extract.iter().zip(self.columns);
        for ((ex, name), interner) in columns.zip(&mut self.interners) {
            let code = match ex {
                Extract::Cell(i) => interner.cell(record.get(*i), self.missing),
                _ => ex
                    .value(record, self.missing)
                    .and_then(|v| interner.code(v)),
            }
            .map_err(|e| e.describe(name))?;
            self.codes.push(code);
        }
        Ok(())
    }

    /// The caller's value checks, in order; the first that fails gives the reason. A value
    /// that is not text fails as in [`Self::encode`], named by the check's column.
    fn check_values<R: Fields + ?Sized>(&self, record: &R) -> Result<(), Refusal> {
        let failed = self.checks.iter().find_map(|(ex, check)| {
            let value = ex
                .value(record, self.missing)
                .and_then(|v| v.map(layout::text).transpose());
            match value {
                Ok(v) => (check.check)(v),
                Err(e) => Some(e.describe(check.column)),
            }
        });
        failed.map_or(Ok(()), Err)
    }

    /// Adds a record that passed, with its weight, to its tuple's count.
    fn count(&mut self, line: u64, weight: u64) -> Result<(), IngestError> {
        self.respondents =
            self.respondents
                .checked_add(weight)
                .ok_or_else(|| IngestError::CountOverflow {
                    path: self.path.to_string(),
                    line,
                })?;
        let weighted = self.weights.is_some();
        let [w, w2] = self.record_sums;
        let tuple = match self.tuples.get(&self.codes) {
            // Cannot overflow: a tuple's count is at most `respondents`.
            Some(at) => {
                self.counts[at] += weight;
                if weighted {
                    self.sums[at][0] += w;
                    self.sums[at][1] += w2;
                }
                at
            }
            None => {
                self.tuples.insert(&self.codes, self.counts.len());
                self.counts.push(weight);
                if weighted {
                    self.sums.push([w, w2]);
                }
                self.counts.len() - 1
            }
        };
        if let Some(d) = &mut self.deferred {
            d.records.push(Candidate {
                line,
                number: d.number,
                tuple: tuple as u32,
                start: self.at,
                id_end: d.ids.len() as u32,
            });
        }
        if let Some((percent, base)) = self.figure.take() {
            self.figures.push((line, tuple, percent, base, weight));
        }
        Ok(())
    }

    /// A rejected record as `rejected.csv` shows it: fields re-joined with the delimiter,
    /// free text and identifiers withheld.
    pub(super) fn reject<R: Fields + ?Sized>(
        &self,
        record: &R,
        reason: &'static str,
        detail: String,
    ) -> Rejected {
        Rejected {
            line: record.start_line(),
            reason: Cow::Borrowed(reason),
            detail,
            record: (0..record.width())
                .map(|i| (i, record.get(i)))
                .map(|(i, f)| match self.withheld.get(i).copied().flatten() {
                    Some(p) => format!("[withheld: {}]", p.describe()),
                    None => String::from_utf8_lossy(f).into_owned(),
                })
                .collect::<Vec<_>>()
                .join(&self.delimiter),
        }
    }

    /// Back from codes to values, in order of first appearance.
    pub(super) fn finish(self) -> Tally {
        self.finish_block().0
    }

    /// [`Self::finish`], and the ids a block's builder deferred (`rows[i]` is tuple `i`).
    pub(super) fn finish_block(mut self) -> (Tally, Option<Deferred>) {
        let deferred = self.deferred.take();
        let mut order = self.tuples.entries(self.columns.len());
        order.sort_unstable_by_key(|&(_, at)| at);
        let rows = order
            .into_iter()
            .map(|(key, at)| {
                let values = key
                    .iter()
                    .zip(&self.interners)
                    .map(|(&c, interner)| interner.value(c))
                    .collect();
                (values, self.counts[at])
            })
            .collect::<Vec<(Vec<RawValue>, u64)>>();
        let figures = self
            .figures
            .into_iter()
            .map(|(line, at, percent, base, derived)| super::Figure {
                line,
                values: rows.get(at).map_or_else(Vec::new, |r| r.0.clone()),
                percent,
                base,
                derived,
                total: false,
            })
            .collect();
        let tally = Tally {
            rows,
            records_read: self.records_read,
            respondents: self.respondents,
            rejected: self.rejected,
            warnings: self.warnings,
            figures,
            sums: self.sums,
        };
        (tally, deferred)
    }
}

/// A record's Σw and Σw²: a respondent's weight `w` (then `w²`), or a counts row's two
/// columns, checked to be sums that `count` weights can have.
fn read_weights<R: Fields + ?Sized>(
    record: &R,
    at: Weights,
    count: u64,
) -> Result<[f64; 2], String> {
    let number = |i: usize, what: &str| -> Result<f64, String> {
        let s = String::from_utf8_lossy(record.get(i));
        let t = s.trim();
        if t.is_empty() {
            return Err(format!("the {what} is missing"));
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!("{what} `{t}` is not a number")),
        }
    };
    match at {
        Weights::Unit => Ok([count as f64, count as f64]),
        Weights::Column(i) => {
            let w = number(i, "weight")?;
            if w <= 0.0 {
                return Err(format!(
                    "weight `{w}` is not positive (a respondent with weight 0 or below stands for no one; leave them out of the file, or fix the weight)"
                ));
            }
            Ok([w, w * w])
        }
        Weights::Sums(a, b) => {
            let (w, w2) = (
                number(a, "sum of weights")?,
                number(b, "sum of squared weights")?,
            );
            if w < 0.0 || w2 < 0.0 {
                return Err("a sum of weights is negative".into());
            }
            if count > 0 && w == 0.0 {
                return Err(format!("{count} respondent(s) with a sum of weights of 0"));
            }
            // Cauchy-Schwarz: (Σw)² ≤ n Σw², with a relative margin for rounding.
            if count > 0 && w * w > count as f64 * w2 * (1.0 + 1e-9) {
                return Err(format!(
                    "Σw² = {w2} is below (Σw)² / n = {}: these cannot be the sums of {count} weights",
                    w * w / count as f64
                ));
            }
            Ok([w, w2])
        }
    }
}

/// The count of a counts table's record: a whole number, at least 0.
fn parse_count(field: &[u8]) -> Result<u64, String> {
    let s = String::from_utf8_lossy(field);
    let t = s.trim();
    if t.is_empty() {
        return Err("the count is empty".into());
    }
    if let Ok(v) = t.parse::<u64>() {
        return Ok(v);
    }
    match t.parse::<f64>() {
        Ok(v) if v < 0.0 => Err(format!("count `{t}` is negative")),
        Ok(v) if v.fract() != 0.0 => Err(format!("count `{t}` is not a whole number")),
        Ok(_) => Err(format!("count `{t}` is too large")),
        Err(_) => Err(format!("count `{t}` is not a number")),
    }
}
