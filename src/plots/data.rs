//! What the plots draw from: one analysis as plain words and numbers. The renderer makes it
//! from the estimates after disclosure control (`render::figures`); every plot kind shapes it
//! into its own chart, so that the plots know nothing of plans, estimates or disclosure rules.

/// One analysis, as the plots see it.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub title: String,
    /// Who the percentages are of, e.g. "respondents who tried it".
    pub denominator: String,
    /// The interval method and level in words, e.g. "Wilson 95% CI".
    pub ci: String,
    /// The outcome levels in the analysis's order.
    pub levels: Vec<String>,
    /// The levels that are worse, neutral and better, each in the pipeline's order (the most
    /// negative first, the most positive last).
    pub negative: Vec<String>,
    pub neutral: Vec<String>,
    pub positive: Vec<String>,
    /// The subgroups in display order, the overall row first.
    pub groups: Vec<Group>,
    /// The subgroup comparisons; `None` when the analysis has none.
    pub comparisons: Option<Comparisons>,
}

/// One subgroup of an analysis.
#[derive(Debug, Clone)]
pub struct Group {
    /// Its values joined, or "All".
    pub label: String,
    /// One per outcome level, in the analysis's order.
    pub cells: Vec<Cell>,
}

impl Group {
    /// The group size (0 when it is hidden or there are no cells).
    pub fn n(&self) -> u64 {
        self.cells.first().map_or(0, |c| c.n)
    }
}

/// One outcome level of one subgroup.
#[derive(Debug, Clone)]
pub struct Cell {
    pub level: String,
    /// 0 when hidden.
    pub count: u64,
    /// The group size; 0 when hidden.
    pub n: u64,
    /// (proportion, lower, upper); `None` when there is no estimate (n = 0 or hidden).
    pub interval: Option<(f64, f64, f64)>,
    /// Why the count (or, failing that, the group size) is hidden; `None` when neither is.
    pub hidden: Option<Hidden>,
    /// The group size itself is hidden.
    pub n_hidden: bool,
}

/// Why a published number is hidden.
#[derive(Debug, Clone, PartialEq)]
pub enum Hidden {
    /// Below the minimum cell count, with what is shown in its place ("<5").
    Small(String),
    /// Hidden so that a small one cannot be worked out.
    Complementary,
}

/// The subgroup comparisons of an analysis.
#[derive(Debug, Clone)]
pub struct Comparisons {
    pub effect: Effect,
    /// The comparison method in prose, e.g. "Newcombe hybrid score".
    pub method: String,
    /// The level, e.g. "95%".
    pub level: String,
    /// The test and the multiplicity adjustment behind the p-values.
    pub test: String,
    pub adjust: String,
    pub rows: Vec<Comparison>,
}

/// What a comparison measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// A difference of proportions (null 0, in percentage points).
    Difference,
    /// A ratio of proportions (null 1, log scale).
    Ratio,
    /// An odds ratio (null 1, log scale).
    OddsRatio,
}

/// One comparison, ready to draw.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// E.g. "better: Non-specialist vs M.E. specialist".
    pub label: String,
    /// (estimate, lower, upper); `None` when not defined or withheld.
    pub value: Option<(f64, f64, f64)>,
    /// The estimate in words, e.g. "-13.9 (-19.9 to -7.7), p = 0.0001".
    pub text: String,
}
