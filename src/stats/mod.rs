//! The statistics: every estimator, test and distribution function tally uses, on plain
//! numbers (counts in; proportions, intervals, statistics and p-values out). Next to a leaf:
//! it imports only [`crate::registry`] (the idiom for named sets), does no I/O and works on
//! plain numbers, so each method is tested against reference values from R and scipy
//! (`tests/it/references/`).
//!
//! In the spine, [`crate::plan`] names methods from here and [`crate::estimate`] calls them.
//!
//! - [`ci`]: one file per interval method for a single proportion.
//! - [`compare`]: one file per interval method for two proportions, plus the 2 x 2 tests
//!   ([`compare::tests2x2`]).
//! - [`tables`]: r x c tests of independence. [`simultaneous`]: multinomial intervals.
//!   [`multiplicity`]: adjusted p-values. [`reliability`]: the NCHS flags.
//! - [`selection`]: how far self-selection could move a figure: Manski's response-rate
//!   bounds, the Imbens-Manski interval, the selection ratio γ at which a figure crosses a
//!   threshold.
//! - [`published`]: the counts behind published percentages (derived, reproduced, ranges).
//! - [`survey`]: design-based estimation for weighted and complex designs (R `survey`):
//!   linearised domain proportions, design effects, `svyciprop` intervals, contrasts,
//!   Rao-Scott; on additive per-PSU (or per-cell) totals.
//! - [`meta`]: meta-analysis of proportions across surveys (metafor's `escalc`, `rma`,
//!   `confint`, `predict`, `rma.glmm`, `leave1out`, `cumul`).
//! - [`dist`]: the one home of statrs, and our incomplete beta, its inverse and the root
//!   finder.
//!
//! Every closed set of names here (methods, sides, measures, tests, adjustments) is a
//! [`crate::registry`].

pub mod ci;
pub mod compare;
pub mod dist;
pub mod meta;
pub mod multiplicity;
pub mod published;
pub mod reliability;
pub mod selection;
pub mod simultaneous;
pub mod survey;
pub mod tables;
