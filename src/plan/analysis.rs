//! `[ci]`, `[reliability]` and `[[analysis]]` as meant: each analysis with its levels in
//! display order, its subgroup columns and filters checked, its interval method and level
//! resolved (the analysis's own `ci`, else the pipeline's `[ci]`, else the defaults), the
//! sides of its diverging chart, its denominator in words and its comparison (see
//! `plan::compare`). `validate` and `estimate` work from these plans.

use indexmap::IndexMap;

use super::compare::{plan_compare, ComparePlan};
use super::problems::{hint_for, is_machine_name, AnalysisKey, Problems};
use crate::spec::{AnalysisSpec, PipelineSpec, ReliabilitySpec};
use crate::stats::ci::{self, Method, DEFAULT_METHOD};
use crate::stats::reliability::Thresholds;
use crate::stats::simultaneous::Simultaneous;
use crate::stats::survey::SurveyCi;

/// What to do with a missing outcome or subgroup answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingPolicy {
    /// Leave the respondent out of that analysis (complete cases), counted as an exclusion.
    Exclude,
    /// Keep the respondent, as a `missing` category.
    Level,
}

/// A missing-answer policy's registry entry.
#[derive(Debug)]
pub struct MissingInfo {
    pub policy: MissingPolicy,
    pub name: &'static str,
}

/// The missing-answer policies (`missing`), the default first.
pub static MISSING_POLICIES: &[MissingInfo] = &[
    MissingInfo {
        policy: MissingPolicy::Exclude,
        name: "exclude",
    },
    MissingInfo {
        policy: MissingPolicy::Level,
        name: "level",
    },
];

impl crate::registry::Entry for MissingInfo {
    type Handle = MissingPolicy;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> MissingPolicy {
        self.policy
    }
}

/// The label used for a missing answer under [`MissingPolicy::Level`].
pub const MISSING_LABEL: &str = "missing";

#[derive(Debug, Clone)]
pub struct AnalysisPlan {
    pub name: String,
    pub title: String,
    pub question: Option<String>,
    pub outcome: String,
    /// Outcome categories in display order (with `missing` last under `MissingPolicy::Level`).
    pub levels: Vec<String>,
    pub by: Vec<String>,
    pub filter: Vec<(String, Vec<String>)>,
    pub denominator: String,
    pub missing: MissingPolicy,
    pub method: Method,
    pub level: f64,
    pub negative: Vec<String>,
    pub neutral: Vec<String>,
    pub positive: Vec<String>,
    pub compare: Option<ComparePlan>,
    pub reliability: Thresholds,
    pub simultaneous: Option<Simultaneous>,
    /// Values of this analysis declared to occur in no row (`expect_empty`): a level, a
    /// filter value, a compared group or a recode target of one of its columns. Any other
    /// such value that occurs in no row fails the job (`validate::occurs`).
    pub expect_empty: Vec<String>,
    /// Display labels of the levels and groups (filled by `plan::labels`).
    pub labels: super::labels::Labels,
    /// The levels the key findings state, in display order (`headline`; default: every
    /// level).
    pub headline: Vec<String>,
    /// The published table read (a value of `input.table_column`); rows of other tables
    /// are not part of the analysis at all (not excluded: they are other questions).
    pub table: Option<String>,
    /// The overall row is estimated (false: subgroups only).
    pub overall: bool,
    /// Where `by` holds the table column (the tables side by side): every estimated group
    /// fixes it, since a margin over it would add up different tables' bases.
    pub table_by: Option<usize>,
    /// Its counts are derived from published percentages (`input.kind = "percentages"`):
    /// every output marks them so.
    pub derived: bool,
    /// A weighted survey's interval method (design-based, [`crate::stats::survey`]); `None`
    /// for an unweighted one, whose method is `method`.
    pub survey_method: Option<SurveyCi>,
    /// A weighted survey's design in words, for the methods paragraph.
    pub design_words: Option<String>,
    /// How far self-selection could move its figures (`[selection]`).
    pub selection: super::SelectionPlan,
}

impl AnalysisPlan {
    /// The interval method's name, as pipelines write it.
    pub fn ci_name(&self) -> &'static str {
        self.survey_method
            .map_or(self.method.name(), SurveyCi::name)
    }

    /// The interval method in a report's words.
    pub fn ci_title(&self) -> &'static str {
        self.survey_method
            .map_or(self.method.title(), SurveyCi::title)
    }

    /// Where the interval method is described.
    pub fn ci_citation(&self) -> &'static str {
        self.survey_method
            .map_or(self.method.citation(), SurveyCi::citation)
    }

    /// The simultaneous-interval method in a report's words, e.g. "Goodman" or
    /// "Bonferroni: Korn-Graubard at 98.3% for each of 3 levels"; `None` without one.
    pub fn simultaneous_title(&self) -> Option<String> {
        use crate::stats::simultaneous::bonferroni_level;
        let m = self.simultaneous?;
        let info = m.info();
        let title = match self.survey_method {
            Some(_) => info.design_title.unwrap_or(info.title),
            None => info.title,
        };
        Some(if m == Simultaneous::Bonferroni {
            format!(
                "{title}: {} at {} for each of {} levels",
                self.ci_title(),
                crate::text::level_pct(bonferroni_level(self.levels.len(), self.level)),
                self.levels.len()
            )
        } else {
            title.to_string()
        })
    }
}

/// What every analysis starts from: `[ci]` and `[reliability]`.
pub(super) struct Defaults {
    /// A weighted survey: interval methods are design-based ones.
    weighted: bool,
    /// `[ci] method` of a weighted survey, resolved per analysis (reported once per
    /// analysis that uses it).
    survey_method: Option<String>,
    method: Method,
    level: f64,
    reliability: Thresholds,
    selection: super::SelectionPlan,
}

/// Plans `[ci]` (default: Wilson intervals at 95%) and `[reliability]` (default: the NCHS
/// thresholds).
pub(super) fn plan_defaults(spec: &PipelineSpec, problems: &mut Problems) -> Defaults {
    let weighted = spec.input.weight.is_some()
        || spec.input.sum_w_column.is_some()
        || spec.weighting.is_some();
    Defaults {
        weighted,
        survey_method: spec.ci.method.clone().filter(|_| weighted),
        method: if weighted {
            DEFAULT_METHOD
        } else {
            resolve_method(spec.ci.method.as_deref(), "ci.method", problems)
                .unwrap_or(DEFAULT_METHOD)
        },
        level: resolve_level(spec.ci.level, "ci.level", problems).unwrap_or(0.95),
        reliability: plan_reliability(spec.reliability.as_ref(), problems),
        selection: super::selection::plan_selection(
            spec.selection.as_ref(),
            super::SelectionPlan::default(),
            "selection",
            problems,
        ),
    }
}

/// `[reliability]`: a minimum n and positive, finite widths.
fn plan_reliability(r: Option<&ReliabilitySpec>, problems: &mut Problems) -> Thresholds {
    let mut reliability = Thresholds::default();
    let Some(r) = r else { return reliability };
    if let Some(v) = r.min_n {
        reliability.min_n = v;
    }
    for (k, v, slot) in [
        (
            "reliability.width_ok",
            r.width_ok,
            &mut reliability.width_ok,
        ),
        (
            "reliability.max_width",
            r.max_width,
            &mut reliability.max_width,
        ),
        (
            "reliability.max_relative_width",
            r.max_relative_width,
            &mut reliability.max_relative_width,
        ),
    ] {
        if let Some(v) = v {
            if v > 0.0 && v.is_finite() {
                *slot = v;
            } else {
                problems.add(k, format!("must be a positive number, got {v}"));
            }
        }
    }
    reliability
}

/// Plans every `[[analysis]]`, in report order; there must be at least one, each with a
/// machine name of its own.
pub(super) fn plan_analyses(
    analyses: &[AnalysisSpec],
    defaults: &Defaults,
    problems: &mut Problems,
) -> Vec<AnalysisPlan> {
    if analyses.is_empty() {
        problems.add(
            "analysis",
            "the pipeline has no analyses\nhint: add an [[analysis]] table with name, outcome and levels",
        );
    }
    let mut planned = Vec::new();
    for (i, a) in analyses.iter().enumerate() {
        let key = AnalysisKey(i);
        if !is_machine_name(&a.name) {
            problems.add(
                &key.of("name"),
                format!(
                    "analysis name `{}` may use only letters, digits, `-` and `_`",
                    a.name
                ),
            );
        }
        if analyses[..i].iter().any(|b| b.name == a.name) {
            problems.add(
                &key.of("name"),
                format!("analysis name `{}` is used twice", a.name),
            );
        }
        planned.push(plan_analysis(a, key, defaults, problems));
    }
    planned
}

/// Plans one analysis; its problems come in the order of its keys below.
fn plan_analysis(
    a: &AnalysisSpec,
    key: AnalysisKey,
    defaults: &Defaults,
    problems: &mut Problems,
) -> AnalysisPlan {
    let missing = plan_missing(a.missing.as_deref(), key, problems);
    let levels = plan_levels(a, missing, key, problems);
    check_by(a, key, problems);
    let ci = a.ci.clone().unwrap_or_default();
    let (method, survey_method) = if defaults.weighted {
        (
            defaults.method,
            Some(resolve_survey_method(
                a.ci.as_ref(),
                defaults,
                key,
                problems,
            )),
        )
    } else {
        let method = resolve_method(ci.method.as_deref(), &key.of("ci.method"), problems)
            .unwrap_or(defaults.method);
        (method, None)
    };
    let level = resolve_level(ci.level, &key.of("ci.level"), problems).unwrap_or(defaults.level);
    let (negative, neutral, positive) = plan_diverging(a, &levels, key, problems);
    let filter = plan_filter(a, key, problems);
    let headline = plan_headline(a.headline.as_deref(), &levels, key, problems);
    let compare = a
        .compare
        .as_ref()
        .and_then(|c| plan_compare(c, a, &levels, key, problems))
        .map(|mut c| {
            c.design = defaults.weighted;
            c
        });
    let simultaneous = a
        .simultaneous
        .as_deref()
        .and_then(|m| problems.take(&key.of("simultaneous"), Simultaneous::from_name(m)));
    if let Some(m) = simultaneous.filter(|m| defaults.weighted && m.info().design.is_none()) {
        problems.add(
            &key.of("simultaneous"),
            format!(
                "`simultaneous = \"{}\"` has no design-based form: it needs the integer multinomial counts of a group, which the weighted totals of a survey are not\nhint: use `{}` (a weighted survey's simultaneous intervals are design-based: Bonferroni over the levels, each on the design df)",
                m.name(),
                Simultaneous::design_names().join("` or `")
            ),
        );
    }
    AnalysisPlan {
        name: a.name.clone(),
        title: a.title.clone().unwrap_or_else(|| a.name.clone()),
        question: a.question.clone(),
        outcome: a.outcome.clone(),
        levels,
        by: a.by.clone(),
        denominator: denominator_of(a, &filter),
        filter,
        missing,
        method,
        level,
        negative,
        neutral,
        positive,
        compare,
        reliability: defaults.reliability,
        simultaneous,
        expect_empty: a.expect_empty.clone(),
        labels: Default::default(),
        headline,
        table: a.table.clone(),
        overall: a.overall.unwrap_or(true),
        table_by: None,
        derived: false,
        survey_method,
        design_words: None,
        selection: super::selection::plan_selection(
            a.selection.as_ref(),
            defaults.selection,
            &key.of("selection"),
            problems,
        ),
    }
}

/// A percentages table has one outcome column (the column whose levels the percentages
/// of a group are of), so every analysis of it reads that one.
pub(super) fn check_one_outcome(analyses: &[AnalysisPlan], problems: &mut Problems) {
    let Some(first) = analyses.first() else {
        return;
    };
    for (i, a) in analyses.iter().enumerate().skip(1) {
        if a.outcome != first.outcome {
            problems.add(
                &AnalysisKey(i).of("outcome"),
                format!("a percentages table has one outcome column, the one its percentages are of: analysis `{}` reads `{}`, analysis `{}` reads `{}`\nhint: publish each question as its own table in the file (input.table_column), all with the same outcome column", first.name, first.outcome, a.name, a.outcome),
            );
        }
    }
}

/// The analyses of a file of several published tables (`input.table_column`): each reads
/// one table (`table`), or sets the tables side by side (`by` the table column, with no
/// overall row, which would add up different questions' bases); and `table` needs the
/// column. Fills `overall = false` where `by` is the table column.
pub(super) fn check_tables(
    table_column: Option<&str>,
    specs: &[AnalysisSpec],
    analyses: &mut [AnalysisPlan],
    problems: &mut Problems,
) {
    for (i, (a, spec)) in analyses.iter_mut().zip(specs).enumerate() {
        let key = AnalysisKey(i);
        if !a.overall && a.by.is_empty() {
            problems.add(
                &key.of("overall"),
                "`overall = false` leaves nothing to estimate in an analysis without `by`\nhint: remove it, or add the subgroup columns with `by = [...]`",
            );
        }
        let Some(tc) = table_column else {
            if a.table.is_some() {
                problems.add(
                    &key.of("table"),
                    "`table` applies only when the input holds several tables\nhint: name the column that says which table a row belongs to: [input] table_column = \"...\"",
                );
            }
            continue;
        };
        a.table_by = a.by.iter().position(|b| b == tc);
        let side_by_side = a.table_by.is_some();
        if a.outcome == tc || a.filter.iter().any(|(c, _)| c == tc) {
            problems.add(
                &key.of(if a.outcome == tc { "outcome" } else { "filter" }),
                format!("`{tc}` is the table column (input.table_column): choose a table with `table = \"...\"`, not as an outcome or a filter"),
            );
        } else if side_by_side && a.table.is_some() {
            problems.add(
                &key.of("table"),
                format!("analysis `{}` both reads one table (`table`) and sets the tables side by side (`by` includes `{tc}`): choose one", a.name),
            );
        } else if !side_by_side && a.table.is_none() {
            problems.add(
                &key.of("table"),
                format!("the input holds several tables (column `{tc}`, input.table_column): say which analysis `{}` reads\nhint: add `table = \"<a value of {tc}>\"`, or `by = [\"{tc}\"]` to set the tables side by side", a.name),
            );
        }
        if side_by_side {
            if spec.overall == Some(true) {
                problems.add(
                    &key.of("overall"),
                    format!("an overall row over the tables of `{tc}` would add up different questions' bases, counting people more than once\nhint: remove `overall = true`"),
                );
            }
            a.overall = false;
        }
    }
}

/// `headline`: the levels the key findings state, each one of the levels and listed once;
/// kept in the levels' display order. Absent: every level.
fn plan_headline(
    headline: Option<&[String]>,
    levels: &[String],
    key: AnalysisKey,
    problems: &mut Problems,
) -> Vec<String> {
    let Some(given) = headline else {
        return levels.to_vec();
    };
    let known: Vec<&str> = levels.iter().map(String::as_str).collect();
    for (j, l) in given.iter().enumerate() {
        if given[..j].contains(l) {
            problems.add(&key.of("headline"), format!("level `{l}` is listed twice"));
        } else if !levels.contains(l) {
            problems.add(
                &key.of("headline"),
                format!(
                    "`{l}` is not one of the levels ({}){}",
                    levels.join(", "),
                    hint_for(l, &known)
                ),
            );
        }
    }
    levels
        .iter()
        .filter(|l| given.contains(l))
        .cloned()
        .collect()
}

/// `missing`: `exclude` (default) or `level`.
fn plan_missing(missing: Option<&str>, key: AnalysisKey, problems: &mut Problems) -> MissingPolicy {
    use crate::registry;
    let Some(given) = missing else {
        return MissingPolicy::Exclude;
    };
    registry::lookup(MISSING_POLICIES, "missing-answer policy", given).unwrap_or_else(|_| {
        let names = registry::names(MISSING_POLICIES);
        let expected: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        problems.add(
            &key.of("missing"),
            format!(
                "unknown missing-answer policy `{given}`; expected {}{}",
                expected.join(" or "),
                hint_for(given, &names)
            ),
        );
        MissingPolicy::Exclude
    })
}

/// `levels`: at least one, each once; `missing` added last under [`MissingPolicy::Level`].
fn plan_levels(
    a: &AnalysisSpec,
    missing: MissingPolicy,
    key: AnalysisKey,
    problems: &mut Problems,
) -> Vec<String> {
    let mut levels = a.levels.clone();
    if levels.is_empty() {
        problems.add(
            &key.of("levels"),
            "an analysis needs at least one outcome level",
        );
    }
    for (j, l) in levels.iter().enumerate() {
        if levels[..j].contains(l) {
            problems.add(&key.of("levels"), format!("level `{l}` is listed twice"));
        }
    }
    if missing == MissingPolicy::Level && !levels.iter().any(|l| l == MISSING_LABEL) {
        levels.push(MISSING_LABEL.into());
    }
    levels
}

/// `by`: not the outcome, and at most 4 columns crossed.
fn check_by(a: &AnalysisSpec, key: AnalysisKey, problems: &mut Problems) {
    if a.by.iter().any(|b| b == &a.outcome) {
        problems.add(
            &key.of("by"),
            format!(
                "`{}` is the outcome; it cannot also be a subgroup column",
                a.outcome
            ),
        );
    }
    if a.by.len() > 4 {
        problems.add(
            &key.of("by"),
            format!(
                "at most 4 subgroup columns can be crossed, got {}",
                a.by.len()
            ),
        );
    }
}

/// The (negative, neutral, positive) sides of the diverging chart: as written, each a
/// level, or by default the written levels read from worst to best (lower half negative,
/// the middle one neutral when their number is odd, upper half positive).
fn plan_diverging(
    a: &AnalysisSpec,
    levels: &[String],
    key: AnalysisKey,
    problems: &mut Problems,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    match &a.diverging {
        Some(d) => {
            for l in d.negative.iter().chain(&d.neutral).chain(&d.positive) {
                if !levels.contains(l) {
                    problems.add(
                        &key.of("diverging"),
                        format!(
                            "`{l}` is not one of the levels ({}){}",
                            levels.join(", "),
                            hint_for(l, &levels.iter().map(String::as_str).collect::<Vec<_>>())
                        ),
                    );
                }
            }
            (d.negative.clone(), d.neutral.clone(), d.positive.clone())
        }
        None => {
            // Levels read from worst to best: lower half negative, middle neutral.
            let k = a.levels.len();
            let half = k / 2;
            (
                a.levels[..half].to_vec(),
                a.levels[half..k - half].to_vec(),
                a.levels[k - half..].to_vec(),
            )
        }
    }
}

/// `filter`: column -> values kept, each with at least one value.
fn plan_filter(
    a: &AnalysisSpec,
    key: AnalysisKey,
    problems: &mut Problems,
) -> Vec<(String, Vec<String>)> {
    let filter: Vec<(String, Vec<String>)> = a
        .filter
        .iter()
        .map(|(c, v)| (c.clone(), v.clone()))
        .collect();
    for (c, v) in &filter {
        if v.is_empty() {
            problems.add(
                &key.of(&format!("filter.{c}")),
                "a filter needs at least one value to keep",
            );
        }
    }
    filter
}

/// The denominator in words: as written, else from the filter.
fn denominator_of(a: &AnalysisSpec, filter: &[(String, Vec<String>)]) -> String {
    a.denominator.clone().unwrap_or_else(|| {
        if filter.is_empty() {
            "all respondents with an answer".into()
        } else {
            let parts: Vec<String> = filter
                .iter()
                .map(|(c, v)| format!("{c} in {{{}}}", v.join(", ")))
                .collect();
            format!("respondents with {}", parts.join(" and "))
        }
    })
}

impl AnalysisPlan {
    /// The columns the analysis reads: its outcome, its `by` columns, its filter columns;
    /// each once, in that order.
    pub fn columns(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let all = std::iter::once(&self.outcome)
            .chain(&self.by)
            .chain(self.filter.iter().map(|(c, _)| c));
        for c in all {
            if !out.contains(&c.as_str()) {
                out.push(c);
            }
        }
        out
    }
}

/// `expect_empty`: each value is one the analysis names (a level, a filter value, a
/// compared group) or a target of the recode table of one of its columns, and is listed
/// once. Checked once every analysis is planned, with the recode tables at hand.
pub(super) fn check_expect_empty(
    a: &AnalysisPlan,
    key: AnalysisKey,
    recode: &IndexMap<String, IndexMap<String, String>>,
    problems: &mut Problems,
) {
    let mut known: Vec<&str> = a.levels.iter().map(String::as_str).collect();
    known.extend(
        a.filter
            .iter()
            .flat_map(|(_, v)| v.iter().map(String::as_str)),
    );
    if let Some(cp) = &a.compare {
        known.extend(cp.groups.named().1);
    }
    for c in a.columns() {
        known.extend(
            recode
                .get(c)
                .into_iter()
                .flat_map(|m| m.values().map(String::as_str)),
        );
    }
    let mut unique: Vec<&str> = Vec::new();
    for v in known {
        if !unique.contains(&v) {
            unique.push(v);
        }
    }
    for (j, v) in a.expect_empty.iter().enumerate() {
        if a.expect_empty[..j].contains(v) {
            problems.add(&key.of("expect_empty"), format!("`{v}` is listed twice"));
        } else if !unique.contains(&v.as_str()) {
            problems.add(
                &key.of("expect_empty"),
                format!(
                    "`{v}` is none of the values analysis `{}` names (its levels, filter values and compared groups, and the recode targets of its columns: {}){}",
                    a.name,
                    unique.join(", "),
                    hint_for(v, &unique)
                ),
            );
        }
    }
}

/// An interval method by name (absent: `None`, the caller's default).
/// A weighted survey's interval method: the analysis's `ci.method`, else `[ci] method`, else
/// Korn-Graubard (the NCHS standard's interval for complex surveys).
fn resolve_survey_method(
    ci: Option<&crate::spec::CiSpec>,
    defaults: &Defaults,
    key: AnalysisKey,
    problems: &mut Problems,
) -> SurveyCi {
    let (name, at) = match (
        ci.and_then(|c| c.method.as_deref()),
        defaults.survey_method.as_deref(),
    ) {
        (Some(m), _) => (m, key.of("ci.method")),
        (None, Some(m)) => (m, "ci.method".to_string()),
        (None, None) => return SurveyCi::KornGraubard,
    };
    let found = SurveyCi::from_name(name).map_err(|e| {
        format!("{e}: a weighted survey's intervals are design-based (R survey's svyciprop)\nhint: `tally methods` lists them")
    });
    problems.take(&at, found).unwrap_or(SurveyCi::KornGraubard)
}

fn resolve_method(name: Option<&str>, key: &str, problems: &mut Problems) -> Option<Method> {
    let name = name?;
    let method = Method::from_name(name)
        .map_err(|e| format!("{e}\nhint: `tally methods` lists the methods"));
    problems.take(key, method)
}

/// A confidence level in (0, 1) (absent: `None`, the caller's default).
fn resolve_level(level: Option<f64>, key: &str, problems: &mut Problems) -> Option<f64> {
    let level = level?;
    problems.take(key, ci::check_level(level).map(|()| level))
}
