//! Display labels as meant: the one home of the words shown for a code. `[labels]` (for
//! every analysis) and an analysis's own `labels` (over them) map an outcome level or a
//! subgroup value (`no_change`) to the words a reader sees (`No change`); each analysis
//! keeps the labels of its own codes ([`Labels`]), resolved here once, so that every
//! renderer only looks them up. Codes stay in the machine-readable outputs.
//!
//! A label for a code that is no level and no group of the analysis (or, in `[labels]`, of
//! any analysis) is a problem with a did-you-mean. The groups of a `by` column are known
//! here only when the column has a recode table (its targets); a code that could be a value
//! of a column without one is checked against the data's groups once they are known
//! ([`unknown_in_data`]).

use indexmap::IndexMap;

use super::analysis::{AnalysisPlan, MissingPolicy, MISSING_LABEL};
use super::problems::{hint_for, AnalysisKey, Problems};
use crate::spec::PipelineSpec;
use crate::text::toml_key;

/// The display labels of one analysis's codes (levels and subgroup values): a code without
/// one is shown as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Labels {
    shown: IndexMap<String, String>,
    /// Codes of the analysis's own `labels` that planning could not check (they may be
    /// values of a `by` column without a recode table).
    unchecked: Vec<String>,
}

impl Labels {
    /// The words shown for `code`: its label, or the code itself.
    pub fn show<'a>(&'a self, code: &'a str) -> &'a str {
        self.shown.get(code).map_or(code, String::as_str)
    }

    /// Every code that has a label, with it, in the order they were declared.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.shown.iter().map(|(c, l)| (c.as_str(), l.as_str()))
    }

    /// No code has a label.
    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }
}

/// The codes an analysis can show: its levels, and for each `by` column the values its
/// recode table produces (`None`: a column without one, whose values only the data knows).
struct Codes {
    levels: Vec<String>,
    groups: Vec<(String, Option<Vec<String>>)>,
}

impl Codes {
    fn of(a: &AnalysisPlan, recode: &IndexMap<String, IndexMap<String, String>>) -> Codes {
        let groups =
            a.by.iter()
                .map(|b| {
                    let values = recode.get(b).map(|t| {
                        let mut v: Vec<String> = Vec::new();
                        for target in t.values() {
                            if !v.contains(target) {
                                v.push(target.clone());
                            }
                        }
                        if a.missing == MissingPolicy::Level {
                            v.push(MISSING_LABEL.into());
                        }
                        v
                    });
                    (b.clone(), values)
                })
                .collect();
        Codes {
            levels: a.levels.clone(),
            groups,
        }
    }

    /// The code is a level or a known group value.
    fn knows(&self, code: &str) -> bool {
        self.levels.iter().any(|l| l == code)
            || self
                .groups
                .iter()
                .flat_map(|(_, v)| v.iter().flatten())
                .any(|g| g == code)
    }

    /// Some `by` column's values are known only from the data.
    fn open(&self) -> bool {
        self.groups.iter().any(|(_, v)| v.is_none())
    }

    fn all(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.levels.iter().map(String::as_str).collect();
        for g in self.groups.iter().flat_map(|(_, v)| v.iter().flatten()) {
            if !out.contains(&g.as_str()) {
                out.push(g);
            }
        }
        out
    }

    /// "its levels: a, b; groups of `x`: c, d".
    fn describe(&self) -> String {
        let mut s = format!("its levels: {}", self.levels.join(", "));
        for (b, v) in &self.groups {
            match v {
                Some(v) => s.push_str(&format!("; groups of `{b}`: {}", v.join(", "))),
                None => s.push_str(&format!("; groups of `{b}`: its values in the data")),
            }
        }
        s
    }
}

/// Resolves every analysis's labels (`[labels]`, then the analysis's own over them),
/// reporting a label that is empty, a code that is no level or group, and two codes of one
/// analysis shown alike. Returns the codes of `[labels]` that only the data can check.
pub(super) fn plan_labels(
    spec: &PipelineSpec,
    analyses: &mut [AnalysisPlan],
    problems: &mut Problems,
) -> Vec<String> {
    let mut unchecked = Vec::new();
    let codes: Vec<Codes> = analyses
        .iter()
        .map(|a| Codes::of(a, &spec.recode))
        .collect();
    for (code, label) in &spec.labels {
        let key = format!("labels.{}", toml_key(code));
        check_label(label, &key, problems);
        if codes.iter().any(|c| c.knows(code)) {
            continue;
        }
        if codes.iter().any(Codes::open) {
            unchecked.push(code.clone());
            continue;
        }
        let mut known: Vec<&str> = Vec::new();
        for c in codes.iter().flat_map(Codes::all) {
            if !known.contains(&c) {
                known.push(c);
            }
        }
        problems.add(
            &key,
            format!(
                "`{code}` is not an outcome level or a subgroup of any analysis (they are: {}){}",
                known.join(", "),
                hint_for(code, &known)
            ),
        );
    }
    for (i, (a, c)) in analyses.iter_mut().zip(&codes).enumerate() {
        let key = AnalysisKey(i);
        let own = &spec
            .analyses
            .get(i)
            .map(|s| s.labels.clone())
            .unwrap_or_default();
        let mut own_unchecked = Vec::new();
        for (code, label) in own {
            let k = key.of(&format!("labels.{}", toml_key(code)));
            check_label(label, &k, problems);
            if !c.knows(code) && c.open() {
                own_unchecked.push(code.clone());
            } else if !c.knows(code) {
                problems.add(
                    &k,
                    format!(
                        "`{code}` is not an outcome level or a subgroup of analysis `{}` ({}){}",
                        a.name,
                        c.describe(),
                        hint_for(code, &c.all())
                    ),
                );
            }
        }
        let mut shown = IndexMap::new();
        for (code, label) in spec.labels.iter().chain(own) {
            if c.knows(code) || c.open() {
                shown.insert(code.clone(), label.trim().to_string());
            }
        }
        a.labels = Labels {
            shown,
            unchecked: own_unchecked,
        };
        check_distinct(a, c, key, problems);
    }
    unchecked
}

/// A label must have words.
fn check_label(label: &str, key: &str, problems: &mut Problems) {
    if label.trim().is_empty() {
        problems.add(
            key,
            "a label cannot be empty\nhint: leave the code out to show it as it is",
        );
    }
}

/// Two levels of an analysis, or two groups of one `by` column, cannot be shown alike: a
/// reader could not tell them apart.
fn check_distinct(a: &AnalysisPlan, c: &Codes, key: AnalysisKey, problems: &mut Problems) {
    let mut sets: Vec<(&str, &[String])> = vec![("levels", &c.levels)];
    for (b, v) in &c.groups {
        if let Some(v) = v {
            sets.push((b, v));
        }
    }
    for (what, codes) in sets {
        for (j, x) in codes.iter().enumerate() {
            if let Some(y) = codes[..j]
                .iter()
                .find(|y| a.labels.show(y) == a.labels.show(x))
            {
                let which = if what == "levels" {
                    "levels".to_string()
                } else {
                    format!("groups of `{what}`")
                };
                problems.add(
                    &key.of("labels"),
                    format!(
                        "the {which} `{y}` and `{x}` would both be shown as \u{201c}{}\u{201d}\nhint: give each its own label",
                        a.labels.show(x)
                    ),
                );
            }
        }
    }
}

/// Once the data's groups are known, what planning could not check: each analysis's own
/// labelled codes that are neither one of its levels nor one of its groups in the data, and
/// the codes of `[labels]` (`pipeline_unchecked`) that are no level or group of any
/// analysis. `groups[i]` are analysis `i`'s groups, per `by` column. Messages name the key
/// and carry a did-you-mean.
pub fn unknown_in_data(
    analyses: &[AnalysisPlan],
    groups: &[&[Vec<String>]],
    pipeline_unchecked: &[String],
) -> Vec<String> {
    let known_of = |i: usize| {
        let mut known: Vec<&str> = analyses[i].levels.iter().map(String::as_str).collect();
        for g in groups.get(i).copied().unwrap_or_default().iter().flatten() {
            if !known.contains(&g.as_str()) {
                known.push(g);
            }
        }
        known
    };
    let mut out = Vec::new();
    for (i, a) in analyses.iter().enumerate() {
        let known = known_of(i);
        for code in a
            .labels
            .unchecked
            .iter()
            .filter(|c| !known.contains(&c.as_str()))
        {
            out.push(format!(
                "key `analysis[{i}].labels.{}`: `{code}` is not an outcome level or a subgroup of analysis `{}` in the data (its levels and groups: {}){}",
                toml_key(code),
                a.name,
                known.join(", "),
                hint_for(code, &known)
            ));
        }
    }
    let mut all: Vec<&str> = Vec::new();
    for i in 0..analyses.len() {
        for c in known_of(i) {
            if !all.contains(&c) {
                all.push(c);
            }
        }
    }
    for code in pipeline_unchecked
        .iter()
        .filter(|c| !all.contains(&c.as_str()))
    {
        out.push(format!(
            "key `labels.{}`: `{code}` is not an outcome level or a subgroup of any analysis in the data (they are: {}){}",
            toml_key(code),
            all.join(", "),
            hint_for(code, &all)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::plan::{from_spec, Plan, Problem};
    use crate::spec;

    fn plan_of(text: &str) -> Result<Plan, Vec<Problem>> {
        from_spec(spec::parse(text).unwrap(), Path::new("pipelines/t.toml"))
    }

    const BASE: &str = "[input]\npath = \"x.csv\"\n[recode.g]\nA = \"a\"\nB = \"b\"\n[[analysis]]\nname = \"one\"\noutcome = \"o\"\nlevels = [\"bad\", \"good\"]\nby = [\"g\"]\n";

    #[test]
    fn an_analysis_label_wins_over_the_pipeline_one_and_codes_without_show_as_they_are() {
        let text = BASE.replace(
            "[[analysis]]",
            "[labels]\nbad = \"Worse\"\na = \"Group A\"\n[[analysis]]",
        ) + "labels = { bad = \"Much worse\" }\n";
        let plan = plan_of(&text).unwrap();
        let l = &plan.analyses[0].labels;
        assert_eq!(l.show("bad"), "Much worse");
        assert_eq!(l.show("a"), "Group A");
        assert_eq!(l.show("good"), "good");
        assert!(plan.unchecked_labels.is_empty());
        assert!(plan_of(BASE).unwrap().analyses[0].labels.is_empty());
    }

    #[test]
    fn codes_of_a_column_without_a_recode_table_are_left_to_the_data() {
        let text = BASE.replace(
            "[recode.g]\nA = \"a\"\nB = \"b\"\n",
            "[labels]\nzed = \"Z\"\n",
        ) + "labels = { why = \"Y\" }\n";
        let plan = plan_of(&text).unwrap();
        assert_eq!(plan.unchecked_labels, ["zed"]);
        let groups = vec![vec!["why".to_string()]];
        let unknown = super::unknown_in_data(&plan.analyses, &[&groups], &plan.unchecked_labels);
        assert_eq!(unknown.len(), 1, "{unknown:?}");
        assert!(unknown[0].starts_with("key `labels.zed`"), "{unknown:?}");
        let unknown = super::unknown_in_data(&plan.analyses, &[&[]], &[]);
        assert!(
            unknown[0].starts_with("key `analysis[0].labels.why`"),
            "{unknown:?}"
        );
    }

    #[test]
    fn a_code_that_needs_quotes_is_named_quoted() {
        assert_eq!(crate::text::toml_key("no_change"), "no_change");
        assert_eq!(crate::text::toml_key("M.E. \"x\""), "\"M.E. \\\"x\\\"\"");
        let problems =
            plan_of(&(BASE.to_string() + "labels = { \"M.E. x\" = \"y\" }\n")).unwrap_err();
        assert_eq!(problems[0].key, "analysis[0].labels.\"M.E. x\"");
    }
}
