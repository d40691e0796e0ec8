//! `[analysis.compare]` as meant: which `by` column's groups are compared (every group
//! against a reference, or named pairs), on which levels, by which measure and interval
//! method, with which test and multiplicity adjustment. `estimate::compare` runs the plan.
//! Compared groups are checked against the values their column's recode can produce once
//! every analysis is planned (`check_groups`).

use indexmap::IndexMap;

use super::problems::{hint_for, AnalysisKey, Problems};
use crate::spec::{AnalysisSpec, CompareSpec};
use crate::stats::compare::tests2x2::Test;
use crate::stats::compare::{CompareMethod, Measure};
use crate::stats::multiplicity::Adjust;

/// Which subgroups to compare and how.
#[derive(Debug, Clone)]
pub struct ComparePlan {
    /// Index into the analysis's `by` columns.
    pub by: usize,
    pub groups: CompareGroups,
    pub levels: Vec<String>,
    pub method: CompareMethod,
    pub test: Test,
    pub adjust: Adjust,
    /// A weighted survey: the comparisons are design-based (`svycontrast`'s difference,
    /// ratio or log odds ratio with its linearised SE, a Wald t test on the design df),
    /// whatever `method` and `test` say.
    pub design: bool,
}

impl ComparePlan {
    /// The interval method's name as outputs write it.
    pub fn method_name(&self) -> &'static str {
        if self.design {
            "design-wald"
        } else {
            self.method.name()
        }
    }

    /// The interval method in a report's words.
    pub fn method_title(&self) -> &'static str {
        if self.design {
            "design-based Wald (R survey svycontrast, linearised SE, t on the design df)"
        } else {
            self.method.title()
        }
    }

    /// The p-value test's name as outputs write it.
    pub fn test_name(&self) -> &'static str {
        if self.design {
            "design-wald-t"
        } else {
            self.test.name()
        }
    }
}

#[derive(Debug, Clone)]
pub enum CompareGroups {
    /// Every other group against this one.
    Reference(String),
    /// (group 1, group 2) pairs.
    Pairs(Vec<(String, String)>),
}

impl CompareGroups {
    /// The TOML key field these groups were given at (`compare.reference` or
    /// `compare.pairs`) and every group named, in the order written.
    pub fn named(&self) -> (&'static str, Vec<&str>) {
        match self {
            CompareGroups::Reference(r) => ("compare.reference", vec![r.as_str()]),
            CompareGroups::Pairs(ps) => (
                "compare.pairs",
                ps.iter()
                    .flat_map(|(x, y)| [x.as_str(), y.as_str()])
                    .collect(),
            ),
        }
    }
}

/// Plans one analysis's comparison; `None` (with a problem) when the `by` column, the
/// groups or a name cannot be resolved. `levels` are the analysis's planned levels.
pub(super) fn plan_compare(
    c: &CompareSpec,
    a: &AnalysisSpec,
    levels: &[String],
    key: AnalysisKey,
    problems: &mut Problems,
) -> Option<ComparePlan> {
    let by = compare_by(c, a, key, problems)?;
    let groups = compare_groups(c, key, problems)?;
    let measure = problems.take(
        &key.of("compare.measure"),
        Measure::from_name(c.measure.as_deref().unwrap_or("diff")),
    )?;
    let method = match &c.method {
        None => measure.default_method(),
        Some(m) => problems.take(
            &key.of("compare.method"),
            CompareMethod::from_name(measure, m),
        )?,
    };
    let test = problems.take(
        &key.of("compare.test"),
        Test::from_name(c.test.as_deref().unwrap_or("chisq")),
    )?;
    let adjust = problems.take(
        &key.of("compare.adjust"),
        Adjust::from_name(c.adjust.as_deref().unwrap_or("holm")),
    )?;
    let cmp_levels = c.levels.clone().unwrap_or_else(|| levels.to_vec());
    for l in &cmp_levels {
        if !levels.contains(l) {
            problems.add(
                &key.of("compare.levels"),
                format!(
                    "`{l}` is not one of the levels ({}){}",
                    levels.join(", "),
                    hint_for(l, &levels.iter().map(String::as_str).collect::<Vec<_>>())
                ),
            );
        }
    }
    Some(ComparePlan {
        by,
        groups,
        levels: cmp_levels,
        method,
        test,
        adjust,
        design: false,
    })
}

/// `compare.by`: one of the analysis's `by` columns, by index; may be left out when there
/// is only one.
fn compare_by(
    c: &CompareSpec,
    a: &AnalysisSpec,
    key: AnalysisKey,
    problems: &mut Problems,
) -> Option<usize> {
    match &c.by {
        Some(b) => {
            let i = a.by.iter().position(|x| x == b);
            if i.is_none() {
                problems.add(
                    &key.of("compare.by"),
                    format!(
                        "`{b}` is not one of the analysis's `by` columns ({}){}",
                        a.by.join(", "),
                        hint_for(b, &a.by.iter().map(String::as_str).collect::<Vec<_>>())
                    ),
                );
            }
            i
        }
        None if a.by.len() == 1 => Some(0),
        None => {
            problems.add(&key.of("compare.by"), format!("the analysis has {} `by` columns; say which one to compare with `by = \"...\"`", a.by.len()));
            None
        }
    }
}

/// `compare.reference` or `compare.pairs` (exactly one of them); a pair that does not name
/// two groups is a problem and left out.
fn compare_groups(
    c: &CompareSpec,
    key: AnalysisKey,
    problems: &mut Problems,
) -> Option<CompareGroups> {
    match (&c.reference, &c.pairs) {
        (Some(r), None) => Some(CompareGroups::Reference(r.clone())),
        (None, Some(pairs)) => {
            let mut out = Vec::new();
            for p in pairs {
                if p.len() == 2 {
                    out.push((p[0].clone(), p[1].clone()));
                } else {
                    problems.add(
                        &key.of("compare.pairs"),
                        format!("each pair names two groups, got {}", p.len()),
                    );
                }
            }
            Some(CompareGroups::Pairs(out))
        }
        _ => {
            problems.add(
                &key.of("compare"),
                "give either `reference` (every group against one) or `pairs`, not both or neither",
            );
            None
        }
    }
}

/// The groups a comparison names must be values the recode of its column (`by_column`) can
/// produce (a column without a recode table keeps the data's own values, known only after
/// ingest, and checked then: `validate::occurs`).
pub(super) fn check_groups(
    cp: &ComparePlan,
    by_column: &str,
    key: AnalysisKey,
    recode: &IndexMap<String, IndexMap<String, String>>,
    problems: &mut Problems,
) {
    let Some(table) = recode.get(by_column) else {
        return;
    };
    let mut values: Vec<&str> = Vec::new();
    for v in table.values() {
        if !values.contains(&v.as_str()) {
            values.push(v);
        }
    }
    let (field, named) = cp.groups.named();
    let key = key.of(field);
    for g in named {
        if !values.contains(&g) {
            problems.add(
                &key,
                format!(
                    "`{g}` is not a group of `{by_column}` (its recoded values: {}){}",
                    values.join(", "),
                    hint_for(g, &values)
                ),
            );
        }
    }
}
