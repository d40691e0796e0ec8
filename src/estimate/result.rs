//! The results of the estimation stage, as every later stage reads them: per analysis its
//! plan, its validated data, one row per group and level, the comparisons and the test of
//! independence. Disclosure control hides cells through the methods here, and
//! [`super::derive`] recomputes what the hidden cells fed.

use crate::plan::AnalysisPlan;
use crate::stats::ci::{Interval, Method};
use crate::stats::{compare, reliability, tables};
pub use crate::suppression::Suppression;
use crate::validate::AnalysisData;

/// One estimate: a subgroup cell (or margin) and one outcome level.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateRow {
    /// One entry per `by` column; `None` = all (a margin or the overall row).
    pub group: Vec<Option<String>>,
    pub outcome: String,
    pub count: u64,
    pub n: u64,
    /// `None` when `n = 0`: no estimate is made.
    pub interval: Option<Interval>,
    /// NCHS reliability (`None` when `n = 0`).
    pub flag: Option<reliability::Flag>,
    /// Simultaneous interval over the group's levels, when the analysis asks for one.
    pub simultaneous: Option<(f64, f64)>,
    /// Disclosure control hid the count (and so the estimate); `count` is then 0.
    pub hidden_count: Option<Suppression>,
    /// Disclosure control hid the group size (and so every estimate of the group); `n` is
    /// then 0.
    pub hidden_n: Option<Suppression>,
    /// A weighted survey's design-based figures (`count` and `n` stay unweighted);
    /// `interval` then holds the weighted proportion and its interval.
    pub weighted: Option<super::weighted::Weighted>,
}

impl EstimateRow {
    /// Hides the count and everything computed from it.
    pub fn hide_count(&mut self, why: Suppression) {
        self.hidden_count = Some(why);
        self.count = 0;
        self.weighted = None;
        self.interval = None;
        self.flag = None;
        self.simultaneous = None;
    }

    /// Hides the group size and every estimate that would give it back.
    pub fn hide_n(&mut self, why: Suppression) {
        self.hidden_n = Some(why);
        self.n = 0;
        self.weighted = None;
        self.interval = None;
        self.flag = None;
        self.simultaneous = None;
    }

    /// Anything of this row is hidden.
    pub fn is_hidden(&self) -> bool {
        self.hidden_count.is_some() || self.hidden_n.is_some()
    }
}

/// One subgroup comparison for one outcome level.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    pub level: String,
    pub group1: String,
    pub group2: String,
    pub pair: compare::Pair,
    /// `None` when the measure is undefined for these counts.
    pub result: Option<compare::Comparison>,
    pub p_value: Option<f64>,
    /// After the analysis's multiple-comparison adjustment.
    pub p_adjusted: Option<f64>,
    /// Disclosure control withheld it (a compared cell is hidden); the numbers are cleared.
    pub withheld: bool,
}

impl ComparisonRow {
    pub fn withhold(&mut self) {
        self.withheld = true;
        self.pair = compare::Pair {
            x1: 0,
            n1: 0,
            x2: 0,
            n2: 0,
        };
        self.result = None;
        self.p_value = None;
        self.p_adjusted = None;
    }
}

/// The test of independence of outcome and one subgroup column.
#[derive(Debug, Clone, PartialEq)]
pub struct IndependenceTest {
    pub by: String,
    pub groups: Vec<String>,
    pub tests: tables::TableTests,
}

/// Everything the report says about one analysis.
#[derive(Debug, Clone)]
pub struct AnalysisResult {
    pub plan: AnalysisPlan,
    pub data: AnalysisData,
    pub rows: Vec<EstimateRow>,
    pub comparisons: Vec<ComparisonRow>,
    pub independence: Option<IndependenceTest>,
    pub notes: Vec<String>,
    /// A weighted survey's design-based contrasts of every pair of compared groups, for
    /// every compared level ([`super::weighted`]); empty when unweighted.
    pub weighted_contrasts: Vec<super::weighted::WeightedContrast>,
    /// A weighted survey's Rao-Scott test of outcome by the compared column, as computed
    /// ([`super::weighted`]); `design_independence` is what is published of it.
    pub weighted_rao_scott: Option<crate::stats::survey::rao_scott::RaoScott>,
    /// The published Rao-Scott test (`None` when there is none, or when the table has a
    /// suppressed cell).
    pub design_independence: Option<crate::stats::survey::rao_scott::RaoScott>,
    /// How far self-selection could move the published figures and contrasts
    /// ([`super::sensitivity::assess`]), assessed once after disclosure control from what is
    /// published; `None` before that, or when the analysis asks for none.
    pub selection: Option<super::sensitivity::Sensitivity>,
}

impl AnalysisResult {
    pub fn method(&self) -> Method {
        self.plan.method
    }

    /// The rows of one group key, in level order.
    pub fn rows_of<'a>(
        &'a self,
        key: &'a [Option<String>],
    ) -> impl Iterator<Item = &'a EstimateRow> + 'a {
        self.rows.iter().filter(move |r| r.group == key)
    }

    /// Distinct group keys in display order (overall first).
    pub fn groups(&self) -> Vec<Vec<Option<String>>> {
        let mut keys: Vec<Vec<Option<String>>> = Vec::new();
        for r in &self.rows {
            if keys.last() != Some(&r.group) && !keys.contains(&r.group) {
                keys.push(r.group.clone());
            }
        }
        keys
    }
}
