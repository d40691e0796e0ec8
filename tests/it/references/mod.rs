//! The statistics against another implementation: every interval method, comparison, test,
//! simultaneous interval (design-based too), p-value adjustment and quantile against reference values from
//! scipy/statsmodels, R and 40-digit mpmath, stored in `tests/reference/` with the scripts,
//! versions, cross-checks and tolerances that made them (`tests/reference/README.md`). The
//! suite itself needs neither R nor Python. These call the library directly, not the binary.

mod ci;
mod compare;
mod dist;
mod meta;
mod selection;
mod simultaneous_survey;
mod survey;
