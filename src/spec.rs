//! The pipeline file as written: a serde mirror of the TOML, documented field by field.
//! `pipelines/README.md` is the user-facing version of these docs.
//!
//! Reading happens in two steps (see [`crate::plan`]): this module only parses, reporting
//! unknown keys with their TOML key path and a did-you-mean; the plan then resolves paths,
//! fills defaults and checks meaning, collecting every problem at once.

use indexmap::IndexMap;
use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A whole pipeline file.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct PipelineSpec {
    /// Short machine name (letters, digits, `-`, `_`); default: the file name without `.toml`.
    pub name: Option<String>,
    /// Where the data comes from and how to read it.
    pub input: InputSpec,
    /// Per column: raw answer text -> clean category.
    #[serde(default)]
    pub recode: IndexMap<String, IndexMap<String, String>>,
    /// Default interval settings for every analysis.
    #[serde(default)]
    pub ci: CiSpec,
    /// The analyses, in report order (`[[analysis]]` tables).
    #[serde(default, rename = "analysis")]
    pub analyses: Vec<AnalysisSpec>,
    /// Report options.
    #[serde(default)]
    pub report: ReportSpec,
    /// NCHS reliability thresholds (`[reliability]`).
    pub reliability: Option<ReliabilitySpec>,
    /// Typed rules per column (`[validate.<column>]`), checked on raw values at ingest.
    #[serde(default)]
    pub validate: IndexMap<String, RuleSpec>,
    /// Disclosure control of published tables (`[disclosure]`).
    pub disclosure: Option<DisclosureSpec>,
    /// Display labels (`[labels]`): code -> the words shown for it, wherever it is an
    /// outcome level or a subgroup of an analysis, in every human-facing output.
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    /// Calibration of the weights to known population margins (`[weighting]`).
    pub weighting: Option<WeightingSpec>,
    /// How far self-selection could move each headline figure (`[selection]`); every
    /// analysis may override it (`[analysis.selection]`).
    pub selection: Option<SelectionSpec>,
}

/// `[selection]` and `[analysis.selection]`: the selection-ratio sensitivity of every
/// headline figure and, with the number invited, the response-rate bounds
/// ([`crate::stats::selection`]).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SelectionSpec {
    /// State the selection ratio at which each headline figure (and its confidence limit)
    /// would cross `threshold`; default `true`.
    pub ratio: Option<bool>,
    /// The share a finding is read against, in (0, 1); default 0.5 (a majority).
    pub threshold: Option<f64>,
    /// How many people were invited to answer (or were eligible): the response-rate
    /// bounds; default: not stated, no bounds.
    pub invited: Option<u64>,
    /// Draw each analysis's figures against the selection ratio; default `true`.
    pub plot: Option<bool>,
}

/// `[weighting]`: the weights calibrated to known population margins (R `survey`'s
/// `postStratify`, `rake`, `calibrate`, `trimWeights`).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct WeightingSpec {
    /// `poststratify`, `rake`, `linear`, `raking` or `logit`.
    pub method: String,
    /// The population size N; margins given as shares are scaled by it (default: the
    /// sample's Σw of the base weights).
    pub population: Option<f64>,
    /// Iteration limit (rake: passes, R's default 10; calibrate: R's default 50).
    pub max_iterations: Option<u32>,
    /// Convergence tolerance (rake: R's default 1, in weight units; calibrate: 1e-7).
    pub epsilon: Option<f64>,
    /// `[L, U]`: bounds on the calibration factors g (calibrate; logit needs them).
    pub bounds: Option<Vec<f64>>,
    /// `[lower, upper]`: trimWeights bounds on the calibrated weights.
    pub trim: Option<Vec<f64>>,
    /// trimWeights(strict = TRUE): repeat until no weight is outside the bounds.
    pub trim_strict: Option<bool>,
    /// Per margin column: level (after `[recode]`) -> population share or count.
    #[serde(default)]
    pub margins: IndexMap<String, IndexMap<String, f64>>,
    /// A CSV of the margins (`column,level,share` or `column,level,count`) or of the
    /// post-stratification cells (each cell column, then `share` or `count`), in place of
    /// `[weighting.margins]` / `[[weighting.cell]]`; relative to the pipeline file.
    pub margins_file: Option<String>,
    /// `[[weighting.cell]]`: the full cross-classification for `poststratify`, each cell its
    /// columns' levels and a `share` or `count`.
    #[serde(default, rename = "cell")]
    pub cells: Vec<IndexMap<String, toml::Value>>,
}

/// `[validate.<column>]`: a row whose value breaks a rule is rejected, with its line.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RuleSpec {
    /// The raw values allowed (missing values pass unless `required`).
    pub allowed: Option<Vec<String>>,
    /// Inclusive numeric range `[low, high]`.
    pub range: Option<Vec<f64>>,
    /// The value must be a whole number.
    pub integer: Option<bool>,
    /// A missing value breaks the rule.
    pub required: Option<bool>,
}

/// `[disclosure]`: small-cell protection of everything written to the report directory.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DisclosureSpec {
    /// `true` (default): protect published outputs. `false`: an internal run, marked as such.
    pub protect: Option<bool>,
    /// Smallest count shown; default 5 (counts 1 to 4 are shown as "<5").
    pub min_cell: Option<u64>,
    /// Groups smaller than this are checked for attribute disclosure (all, or all but a
    /// few, giving one answer); default 2 x `min_cell`.
    pub min_group: Option<u64>,
    /// Round shown counts to this base (e.g. 5); default: no rounding.
    pub round: Option<u64>,
    /// Columns declared safe to analyse although their name or values look like direct
    /// identifiers (see [`crate::identify`]); default: none.
    pub allow_identifying: Option<Vec<String>>,
}

/// `[reliability]`: thresholds of the NCHS standard for proportions.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReliabilitySpec {
    /// Smallest n for a reliable estimate; default 30.
    pub min_n: Option<u64>,
    /// A Clopper-Pearson interval at most this wide is reliable; default 0.05.
    pub width_ok: Option<f64>,
    /// An interval at least this wide is unreliable; default 0.30.
    pub max_width: Option<f64>,
    /// Largest width / estimate; default 1.30.
    pub max_relative_width: Option<f64>,
}

/// `[input]`
#[derive(Debug, Clone, serde::Deserialize)]
pub struct InputSpec {
    /// The CSV file, relative to the pipeline file.
    pub path: String,
    /// `respondents` (one row per respondent), `counts` (pre-aggregated) or `percentages`
    /// (published percentages with their bases).
    pub kind: Option<String>,
    /// `auto` (default: sniffed among comma, semicolon, tab) or one character.
    pub delimiter: Option<String>,
    /// Cell values that mean "no answer"; default `["", "NA"]`.
    pub missing: Option<Vec<String>>,
    /// Respondent id column (respondents): duplicates are rejected.
    pub id_column: Option<String>,
    /// Count column (counts); default `count`.
    pub count_column: Option<String>,
    /// The column that says which published table a row belongs to, when one counts or
    /// percentages file holds several tables, each with its own base (e.g. one per
    /// question); each analysis then names its `table`.
    pub table_column: Option<String>,
    /// The survey's respondent total (counts and percentages files), as published: every
    /// table's base is checked against it, and reports state it.
    pub respondents: Option<u64>,
    /// Percentage column (percentages); default `percent`.
    pub percent_column: Option<String>,
    /// Base column (percentages): the respondents the row's percentage is of; default `base`.
    pub base_column: Option<String>,
    /// A `by` value that marks a published total row (percentages), e.g. `"All"`: its
    /// figures are not data but are checked against the sum of the groups.
    pub total: Option<String>,
    /// The survey weight column (respondents): estimates are weighted, with design-based
    /// standard errors.
    pub weight: Option<String>,
    /// Counts tables of a weighted survey: the column of each row's sum of weights, and of
    /// its sum of squared weights (both needed, so that counts made elsewhere stay exact).
    pub sum_w_column: Option<String>,
    pub sum_w2_column: Option<String>,
    /// Design: the stratum column.
    pub strata: Option<String>,
    /// Design: the cluster (primary sampling unit) column.
    pub cluster: Option<String>,
    /// Design: the finite population correction column (the stratum's population size, or
    /// the sampling fraction), constant within a stratum.
    pub fpc: Option<String>,
    /// What a stratum with one PSU does: `fail` (default), `certainty`, `remove`,
    /// `adjust` or `average` (R survey's `survey.lonely.psu`).
    pub lonely_psu: Option<String>,
    /// `csv` (default), `qualtrics`, `surveymonkey`, `google-forms` or `limesurvey`; or
    /// `parquet` / `arrow` (the default for a path ending `.parquet`, `.arrow`, ...).
    pub format: Option<String>,
    /// `auto` (default), `utf-8`, `utf-16` or `windows-1252`.
    pub encoding: Option<String>,
    /// Column names as the export gives them -> short names used in the pipeline.
    #[serde(default)]
    pub rename: IndexMap<String, String>,
    /// "Tick all that apply" questions, expanded into 0/1 columns `<name>/<choice>`.
    #[serde(default)]
    pub multi_select: IndexMap<String, MultiSelectSpec>,
    /// Columns of free text: never analysed, never copied into a report.
    #[serde(default)]
    pub free_text: Vec<String>,
    /// Reject incomplete responses and previews (Qualtrics, LimeSurvey); default true.
    pub complete_only: Option<bool>,
}

/// `[input.multi_select.<name>]`
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct MultiSelectSpec {
    /// The options, as written in the export. Required when the ticks are joined in one
    /// cell; for options spread over columns, default: every option column.
    pub choices: Option<Vec<String>>,
    /// Separator of a joined cell; default per format (`, ` Google Forms, `,` Qualtrics).
    pub separator: Option<String>,
    /// Add a `<name>/Other` column, ticked when a joined cell holds text outside `choices`.
    pub other: Option<bool>,
}

/// `[ci]` or `[analysis.ci]`
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CiSpec {
    /// Interval method name (`tally methods` lists them); default `wilson`.
    pub method: Option<String>,
    /// Confidence level in (0, 1); default 0.95.
    pub level: Option<f64>,
}

/// One `[[analysis]]`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct AnalysisSpec {
    /// Machine name, unique in the pipeline.
    pub name: String,
    /// Heading in the report; default: the name.
    pub title: Option<String>,
    /// The question as asked, shown under the heading.
    pub question: Option<String>,
    /// Outcome column.
    pub outcome: String,
    /// Outcome categories in display order; values outside them are excluded and counted.
    pub levels: Vec<String>,
    /// Subgroup columns, crossed; every margin is estimated too.
    #[serde(default)]
    pub by: Vec<String>,
    /// Denominator filter: column -> values kept (after recoding).
    #[serde(default)]
    pub filter: IndexMap<String, Vec<String>>,
    /// Plain-words description of the denominator, e.g. "respondents who tried GET".
    pub denominator: Option<String>,
    /// `exclude` (default: complete cases) or `level` (a `missing` category in the denominator).
    pub missing: Option<String>,
    /// Interval settings overriding `[ci]`.
    pub ci: Option<CiSpec>,
    /// Sides of the diverging bar chart; default: `levels` read from worst to best.
    pub diverging: Option<DivergingSpec>,
    /// Subgroup comparisons (`[analysis.compare]`).
    pub compare: Option<CompareSpec>,
    /// Simultaneous intervals over the levels of each group: `goodman` or `sison-glaz`.
    pub simultaneous: Option<String>,
    /// Levels, filter values, compared groups and recode targets of this analysis that are
    /// meant to occur in no row of the data; any other such value is an error after ingest.
    #[serde(default)]
    pub expect_empty: Vec<String>,
    /// Display labels of this analysis's levels and groups: code -> words, over `[labels]`.
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    /// The levels stated in the key findings, each one of `levels`; default: every level
    /// (`[]`: the analysis is left out of the key findings).
    pub headline: Option<Vec<String>>,
    /// The published table this analysis reads, a value of `input.table_column`.
    pub table: Option<String>,
    /// Estimate the overall row (everyone in the denominator) beside the subgroups; default
    /// true (false where `by` is the table column: tables have different bases).
    pub overall: Option<bool>,
    /// This analysis's `[selection]` settings (each unset key from the top-level table).
    pub selection: Option<SelectionSpec>,
}

/// `[analysis.compare]`: compare subgroups of one `by` column.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CompareSpec {
    /// The `by` column whose groups are compared; default: the analysis's only one.
    pub by: Option<String>,
    /// Compare every other group against this one.
    pub reference: Option<String>,
    /// Or compare these pairs: `[["group 1", "group 2"], ...]`.
    pub pairs: Option<Vec<Vec<String>>>,
    /// Outcome levels compared; default: every level.
    pub levels: Option<Vec<String>>,
    /// `diff` (default), `ratio` or `odds-ratio`.
    pub measure: Option<String>,
    /// Interval method; default per measure (newcombe, koopman, woolf).
    pub method: Option<String>,
    /// p-value test: `chisq` (default), `chisq-yates`, `fisher`.
    pub test: Option<String>,
    /// Multiple-comparison adjustment: `holm` (default), `bonferroni`, `benjamini-hochberg`, `none`.
    pub adjust: Option<String>,
}

/// `[analysis.diverging]`
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DivergingSpec {
    #[serde(default)]
    pub negative: Vec<String>,
    #[serde(default)]
    pub neutral: Vec<String>,
    #[serde(default)]
    pub positive: Vec<String>,
}

/// `[report]`
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReportSpec {
    /// Report title; default: the pipeline name.
    pub title: Option<String>,
    /// A paragraph under the title.
    pub description: Option<String>,
    /// Caveats the authors want every reader to see.
    #[serde(default)]
    pub caveats: Vec<String>,
    /// Report directory under the reports root; default: the pipeline name.
    pub dir: Option<String>,
    /// Plot kinds: `bars`, `diverging`; default both.
    pub plots: Option<Vec<String>>,
}

/// A problem found while parsing, with the TOML key path it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecProblem {
    pub key: String,
    pub message: String,
}

/// Parses pipeline TOML. Unknown keys are all reported (key path + did-you-mean); a syntax or
/// type error is reported with its line and column.
pub fn parse(text: &str) -> Result<PipelineSpec, Vec<SpecProblem>> {
    let de = toml::Deserializer::parse(text).map_err(|e| {
        vec![SpecProblem {
            key: String::new(),
            message: e.to_string().trim_end().to_string(),
        }]
    })?;
    let mut unknown = Vec::new();
    let parsed = serde_ignored::deserialize(de, |path| unknown.push(key_path(&path)));
    let mut problems: Vec<SpecProblem> = unknown
        .into_iter()
        .map(|(segments, key)| unknown_key_problem(&segments, &key))
        .collect();
    match parsed {
        Ok(spec) if problems.is_empty() => Ok(spec),
        Ok(_) => Err(problems),
        Err(e) => {
            problems.push(SpecProblem {
                key: String::new(),
                message: e.to_string().trim_end().to_string(),
            });
            Err(problems)
        }
    }
}

/// Splits a serde_ignored path into its parent segments and the last key.
fn key_path(path: &serde_ignored::Path) -> (Vec<String>, String) {
    fn walk(path: &serde_ignored::Path, out: &mut Vec<String>) {
        use serde_ignored::Path as P;
        match path {
            P::Root => {}
            P::Seq { parent, index } => {
                walk(parent, out);
                out.push(index.to_string());
            }
            P::Map { parent, key } => {
                walk(parent, out);
                out.push(key.clone());
            }
            P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
                walk(parent, out)
            }
        }
    }
    let mut segs = Vec::new();
    walk(path, &mut segs);
    let last = segs.pop().unwrap_or_default();
    (segs, last)
}

/// Formats segments as a TOML key path: `analysis[0].ci.method`.
pub fn format_key(segments: &[String]) -> String {
    let mut s = String::new();
    for seg in segments {
        if seg.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() {
            s.push_str(&format!("[{seg}]"));
        } else {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(seg);
        }
    }
    s
}

fn unknown_key_problem(parent: &[String], key: &str) -> SpecProblem {
    let known = known_keys(parent);
    let mut full = parent.to_vec();
    full.push(key.to_string());
    let mut message = format!("unknown key `{key}`");
    let nested = nested_home(parent, key);
    match crate::suggest::did_you_mean(key, known.iter().copied()) {
        Some(s) => message.push_str(&format!("\nhint: did you mean `{s}`?")),
        None if nested.is_some() => message.push_str(&format!(
            "\nhint: `{key}` belongs in a table here: did you mean `{}`?",
            nested.unwrap_or_default()
        )),
        None if !known.is_empty() => message.push_str(&format!(
            "\nhint: the keys allowed here are: {}",
            known.join(", ")
        )),
        None => {}
    }
    SpecProblem {
        key: format_key(&full),
        message,
    }
}

/// Where a key that is unknown at `parent` lives one table down (`method` -> `ci.method`).
fn nested_home(parent: &[String], key: &str) -> Option<String> {
    let p: Vec<&str> = parent.iter().map(String::as_str).collect();
    let tables: &[(&str, &[&str])] = match p.as_slice() {
        [] => &[
            ("ci", fields_of::<CiSpec>()),
            ("report", fields_of::<ReportSpec>()),
            ("input", fields_of::<InputSpec>()),
            ("disclosure", fields_of::<DisclosureSpec>()),
            ("selection", fields_of::<SelectionSpec>()),
        ],
        ["analysis", _] => &[
            ("ci", fields_of::<CiSpec>()),
            ("selection", fields_of::<SelectionSpec>()),
            ("diverging", fields_of::<DivergingSpec>()),
        ],
        _ => &[],
    };
    tables
        .iter()
        .find(|(_, fields)| crate::suggest::did_you_mean(key, fields.iter().copied()).is_some())
        .map(|(table, fields)| {
            format!(
                "{table}.{}",
                crate::suggest::did_you_mean(key, fields.iter().copied()).unwrap_or_default()
            )
        })
}

/// The keys allowed in the table at `parent` (taken from the structs above, so never stale).
fn known_keys(parent: &[String]) -> &'static [&'static str] {
    let p: Vec<&str> = parent.iter().map(String::as_str).collect();
    match p.as_slice() {
        [] => fields_of::<PipelineSpec>(),
        ["input"] => fields_of::<InputSpec>(),
        ["ci"] | ["analysis", _, "ci"] => fields_of::<CiSpec>(),
        ["analysis", _] => fields_of::<AnalysisSpec>(),
        ["analysis", _, "diverging"] => fields_of::<DivergingSpec>(),
        ["analysis", _, "compare"] => fields_of::<CompareSpec>(),
        ["report"] => fields_of::<ReportSpec>(),
        ["reliability"] => fields_of::<ReliabilitySpec>(),
        ["validate", _] => fields_of::<RuleSpec>(),
        ["disclosure"] => fields_of::<DisclosureSpec>(),
        ["selection"] | ["analysis", _, "selection"] => fields_of::<SelectionSpec>(),
        ["weighting"] => fields_of::<WeightingSpec>(),
        ["input", "multi_select", _] => fields_of::<MultiSelectSpec>(),
        _ => &[],
    }
}

/// The field names serde expects for a struct, read by asking its derived `Deserialize`.
fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("probe")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            *self.0 = fields;
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[input]
path = "x.csv"

[[analysis]]
name = "a"
outcome = "o"
levels = ["x", "y"]
"#;

    #[test]
    fn minimal_pipeline_parses() {
        let spec = parse(MINIMAL).unwrap();
        assert_eq!(spec.analyses.len(), 1);
        assert_eq!(spec.input.path, "x.csv");
    }

    #[test]
    fn unknown_keys_are_all_reported_with_path_and_suggestion() {
        let text = MINIMAL.replace("path = ", "delimitr = \";\"\npath = ")
            + "methd = \"wilson\"\n[analysis.ci]\nlevle = 0.9\n";
        let problems = parse(&text).unwrap_err();
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "input.delimitr",
                "analysis[0].methd",
                "analysis[0].ci.levle"
            ]
        );
        assert!(problems[0].message.contains("did you mean `delimiter`"));
        assert!(
            problems[1].message.contains("did you mean `ci.method`"),
            "{}",
            problems[1].message
        );
        assert!(problems[2].message.contains("did you mean `level`"));
    }

    #[test]
    fn field_lists_come_from_the_structs() {
        assert!(fields_of::<InputSpec>().contains(&"count_column"));
        assert!(fields_of::<PipelineSpec>().contains(&"analysis"));
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let problems = parse("[input\npath = 1").unwrap_err();
        assert!(
            problems[0].message.contains("line 1"),
            "{}",
            problems[0].message
        );
    }
}
