//! The pipeline as meant: paths resolved, defaults filled, names checked. Every problem in a
//! pipeline file is collected and reported at once, each with its TOML key path.
//!
//! This is the second reading of the pipeline file, between [`crate::spec`] (the file as
//! written) and the spine ([`crate::job`]), which runs a [`Plan`]. One file per section of
//! the pipeline file; [`from_spec`] calls each in turn, and every one reports through the
//! one collector of `problems`:
//!
//! - `input`: `[input]`; `validate`: `[validate.<column>]` into [`Rule`]s;
//! - `analysis`: `[ci]`, `[reliability]` and `[[analysis]]`; `compare`: each
//!   `[analysis.compare]`;
//! - `report`: `[report]` and `[disclosure]`, and where a report may be written;
//! - `selection`: `[selection]` and each `[analysis.selection]`;
//! - `labels`: `[labels]` and each analysis's `labels`, resolved into every analysis.
//!
//! The section files use `problems` and each other, never this file, so the plan has no
//! module cycles.

mod analysis;
mod compare;
mod identifying;
mod input;
mod labels;
mod margins_file;
mod problems;
mod report;
mod selection;
mod validate;
mod weighting;

use std::path::{Path, PathBuf};

pub use analysis::{AnalysisPlan, MissingInfo, MissingPolicy, MISSING_LABEL, MISSING_POLICIES};
pub use compare::{CompareGroups, ComparePlan};
pub use input::{
    DesignPlan, EncodingChoice, EncodingInfo, Format, FormatInfo, InputKind, InputKindInfo,
    InputPlan, MultiSelect, PercentagesPlan, WeightSource, ENCODINGS, FORMATS, INPUT_KINDS,
};
pub use labels::{unknown_in_data, Labels};
pub use margins_file::MarginsFile;
use problems::{is_machine_name, AnalysisKey, Problems};
pub use problems::{list_some, Problem};
pub use report::{is_safe_relative, DisclosurePlan, PlotKind, ReportPlan};
pub use selection::{SelectionPlan, DEFAULT_THRESHOLD};
pub use validate::Rule;
pub use weighting::{MarginPlan, MethodPlan, Scale, WeightingPlan, METHODS as WEIGHTING_METHODS};

use crate::spec::{self, PipelineSpec};
use crate::suggest::did_you_mean;

#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub pipeline_path: PathBuf,
    pub input: InputPlan,
    pub recode: indexmap::IndexMap<String, indexmap::IndexMap<String, String>>,
    pub analyses: Vec<AnalysisPlan>,
    pub report: ReportPlan,
    pub disclosure: DisclosurePlan,
    /// `[disclosure] allow_identifying`: columns declared safe although they look like
    /// direct identifiers (see [`crate::identify`]).
    pub allow_identifying: Vec<String>,
    /// The pipeline file's bytes as [`load`] read and planned them (empty from
    /// [`from_spec`]), so that they can be hashed without reading the file again.
    pub source: Vec<u8>,
    /// Codes of `[labels]` that only the data can check (see [`unknown_in_data`]).
    pub unchecked_labels: Vec<String>,
    /// `[weighting]`: the weights calibrated to population margins.
    pub weighting: Option<WeightingPlan>,
}

impl Plan {
    /// Every column the analyses read, in a stable order, each once. (The id column is read
    /// only to find duplicates; it is never part of a respondent's tuple, or every respondent
    /// would be a group of one.)
    pub fn columns_needed(&self) -> Vec<String> {
        let mut cols: Vec<String> = Vec::new();
        let mut push = |c: &str| {
            if !cols.iter().any(|x| x == c) {
                cols.push(c.to_string());
            }
        };
        for a in &self.analyses {
            push(&a.outcome);
            for b in &a.by {
                push(b);
            }
            for (c, _) in &a.filter {
                push(c);
            }
        }
        if let Some(t) = &self.input.table_column {
            push(t);
        }
        // The design's strata, clusters and fpc are part of every tuple, so that the totals
        // a variance needs stay additive (the weights themselves are summed per tuple).
        if let Some(d) = &self.input.design {
            for c in d.tuple_columns() {
                push(c);
            }
        }
        // The margin columns of `[weighting]`: a tuple's calibration class.
        if let Some(w) = &self.weighting {
            for c in w.columns() {
                push(c);
            }
        }
        cols
    }

    /// Where each needed column is named in the pipeline (for messages).
    pub fn column_key(&self, column: &str) -> String {
        if self.input.id_column.as_deref() == Some(column) {
            return "input.id_column".into();
        }
        if self.input.table_column.as_deref() == Some(column) {
            return "input.table_column".into();
        }
        for (i, a) in self.analyses.iter().enumerate() {
            if a.outcome == column {
                return format!("analysis[{i}].outcome");
            }
            if a.by.iter().any(|b| b == column) {
                return format!("analysis[{i}].by");
            }
            if a.filter.iter().any(|(c, _)| c == column) {
                return format!("analysis[{i}].filter.{column}");
            }
        }
        if let Some(w) = &self.weighting {
            if w.columns().any(|c| c == column) {
                return format!("weighting.margins.{column}");
            }
        }
        String::new()
    }

    /// Checks a data file's header against the columns the pipeline needs.
    pub fn check_header(&self, header: &[String]) -> Vec<Problem> {
        let mut problems = Vec::new();
        let analysed = self.columns_needed();
        // A recode table for a column the file lacks is a typo, not a spare.
        let mut needed: Vec<String> = Vec::new();
        for c in self.input.columns_read(&analysed).chain(self.recode.keys()) {
            if !needed.contains(c) {
                needed.push(c.clone());
            }
        }
        for col in needed {
            if !header.iter().any(|h| h == &col) {
                let mut message = format!(
                    "column `{col}` is not in {} (its columns: {})",
                    self.input.written,
                    list_some(header, 30)
                );
                if let Some(s) = did_you_mean(&col, header.iter().map(String::as_str)) {
                    message.push_str(&format!("\nhint: did you mean `{s}`?"));
                }
                let key = if self.input.count_column.as_deref() == Some(col.as_str()) {
                    "input.count_column".to_string()
                } else if self.input.rules.iter().any(|r| r.column == col) {
                    format!("validate.{col}")
                } else {
                    let k = self.column_key(&col);
                    if k.is_empty() && self.recode.contains_key(&col) {
                        format!("recode.{col}")
                    } else {
                        k
                    }
                };
                problems.push(Problem {
                    file: self.pipeline_path.clone(),
                    key,
                    message,
                });
            }
        }
        problems
    }
}

/// Reads and plans a pipeline file; every problem is returned at once.
pub fn load(path: &Path) -> Result<Plan, Vec<Problem>> {
    let problem = |key: &str, message: String| Problem {
        file: path.to_path_buf(),
        key: key.to_string(),
        message,
    };
    let text = crate::files::open_regular(path)
        .and_then(|mut f| {
            let mut t = String::new();
            std::io::Read::read_to_string(&mut f, &mut t).map(|_| t)
        })
        .map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::NotFound {
                "\nhint: pipeline files live in pipelines/; `ls pipelines` lists them"
            } else {
                ""
            };
            vec![problem("", format!("cannot read pipeline file: {e}{hint}"))]
        })?;
    let mut spec = spec::parse(&text).map_err(|ps| {
        ps.into_iter()
            .map(|p| problem(&p.key, p.message))
            .collect::<Vec<_>>()
    })?;
    let margins_file = match spec.weighting.as_mut() {
        Some(w) => margins_file::load(w, path)?,
        None => None,
    };
    let mut plan = from_spec(spec, path)?;
    plan.source = text.into_bytes();
    if let Some(w) = plan.weighting.as_mut() {
        w.margins_file = margins_file;
    }
    Ok(plan)
}

/// Turns a parsed spec into a plan (pure; `path` is used only to resolve and to name).
/// Problems are reported in the order the sections are planned here (so `[disclosure]`
/// comes between the reading of `[input]` and its columns, as it always has).
pub fn from_spec(spec: PipelineSpec, path: &Path) -> Result<Plan, Vec<Problem>> {
    let mut problems = Problems::new(path);
    let name = plan_name(spec.name.as_deref(), path, &mut problems);
    let reading = input::plan_reading(&spec.input, &mut problems);
    let rules = validate::plan_rules(&spec.validate, &mut problems);
    let disclosure = report::plan_disclosure(spec.disclosure.as_ref(), &mut problems);
    let mut input = input::plan_input(&spec.input, path, reading, rules, &mut problems);
    let weighting = weighting::plan_weighting(spec.weighting.as_ref(), &mut problems);
    if weighting.is_some() && input.design.is_none() {
        if input.kind == InputKind::Percentages {
            problems.add(
                "weighting",
                "[weighting] calibrates respondents' weights; a percentages file has no respondents",
            );
        } else {
            input.design = Some(DesignPlan::unit_weights());
        }
    }
    if input.design.is_some() && disclosure.round.is_some() {
        // The weighted figures (proportions, SEs, design df, effective n) are computed from
        // the exact data: beside rounded counts they would give the exact ones back.
        problems.add(
            "disclosure.round",
            "rounding is not available for a weighted survey: its weighted percentages, standard errors, design df and effective n are computed from the exact data and would give the exact counts back beside rounded ones\nhint: remove `round`; small cells are still suppressed (min_cell), and every suppression is audited",
        );
    }
    let defaults = analysis::plan_defaults(&spec, &mut problems);
    let mut analyses = analysis::plan_analyses(&spec.analyses, &defaults, &mut problems);
    let unchecked_labels = labels::plan_labels(&spec, &mut analyses, &mut problems);
    if let Some(d) = &input.design {
        let mut words = d.words();
        if let Some(w) = &weighting {
            words.push_str("; ");
            words.push_str(&w.words());
        }
        for a in &mut analyses {
            a.design_words = Some(words.clone());
        }
    }
    if input.kind == InputKind::Percentages {
        analysis::check_one_outcome(&analyses, &mut problems);
        for a in &mut analyses {
            a.derived = true;
        }
    }
    analysis::check_tables(
        input.table_column.as_deref(),
        &spec.analyses,
        &mut analyses,
        &mut problems,
    );

    // Columns that look like direct identifiers, by name (their values are checked after
    // ingest).
    let allow_identifying = spec
        .disclosure
        .as_ref()
        .and_then(|d| d.allow_identifying.clone())
        .unwrap_or_default();
    for (key, message) in identifying::name_problems(&analyses, &allow_identifying) {
        problems.add(&key, message);
    }
    for (i, a) in analyses.iter().enumerate() {
        if let Some(cp) = &a.compare {
            let by = &a.by[cp.by];
            compare::check_groups(cp, by, AnalysisKey(i), &spec.recode, &mut problems);
        }
        analysis::check_expect_empty(a, AnalysisKey(i), &spec.recode, &mut problems);
    }
    let report = report::plan_report(spec.report, &name, &mut problems);

    problems.or_all(|| Plan {
        report,
        name,
        pipeline_path: path.to_path_buf(),
        input,
        recode: spec.recode,
        analyses,
        disclosure,
        allow_identifying,
        source: Vec::new(),
        unchecked_labels,
        weighting,
    })
}

/// The pipeline's machine name: `name`, else the file name without `.toml`.
fn plan_name(name: Option<&str>, path: &Path, problems: &mut Problems) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pipeline".into());
    let name = name.map_or(stem, str::to_string);
    if !is_machine_name(&name) {
        problems.add(
            "name",
            format!("pipeline name `{name}` may use only letters, digits, `-` and `_`"),
        );
    }
    name
}

/// Refuses a report directory that, under `reports_root`, would be the reports root itself,
/// or the folder (or an ancestor of the folder) holding the pipeline file or its input:
/// writing the report replaces that directory, which would delete them. Paths are compared
/// after resolving `.`, `..` and symbolic links as far as they exist, so any spelling of the
/// same place is caught. The problem names the TOML key that chose the directory.
pub fn check_report_location(plan: &Plan, reports_root: &Path) -> Result<(), Problem> {
    report::check_location(
        &plan.report,
        &plan.pipeline_path,
        &plan.input.path,
        reports_root,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(text: &str) -> Result<Plan, Vec<Problem>> {
        from_spec(spec::parse(text).unwrap(), Path::new("pipelines/t.toml"))
    }

    const BASE: &str = "[input]\npath = \"../data/x.csv\"\n[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"bad\", \"same\", \"good\"]\n";

    #[test]
    fn defaults_are_filled() {
        let plan = plan_of(BASE).unwrap();
        assert_eq!(plan.name, "t");
        assert_eq!(plan.input.path, Path::new("pipelines/../data/x.csv"));
        assert_eq!(plan.report.dir, Path::new("t"));
        let a = &plan.analyses[0];
        assert_eq!((a.method, a.level), (crate::stats::ci::WILSON, 0.95));
        assert_eq!(
            (a.negative.clone(), a.neutral.clone(), a.positive.clone()),
            (vec!["bad".into()], vec!["same".into()], vec!["good".into()])
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = BASE.replace("[input]", "[ci]\nmethod = \"wilsen\"\nlevel = 95\n[report]\ndir = \"../../etc\"\n[input]\nkind = \"count\"");
        let problems = plan_of(&text).unwrap_err();
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["input.kind", "ci.method", "ci.level", "report.dir"]);
        assert!(problems[0].message.contains("did you mean `counts`"));
        assert!(problems[1].message.contains("did you mean `wilson`"));
    }

    #[test]
    fn identifying_column_names_are_refused_unless_declared_safe() {
        let text = BASE.replace(
            "outcome = \"o\"",
            "outcome = \"o\"\nby = [\"group\", \"Email\"]",
        );
        let problems = plan_of(&text).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key, "analysis[0].by");
        let m = &problems[0].message;
        for part in [
            "analysis `a`",
            "`Email`",
            "an e-mail address",
            "word `email`",
        ] {
            assert!(m.contains(part), "{part}: {m}");
        }
        assert!(m.contains("allow_identifying = [\"Email\"]"), "{m}");

        let safe = format!("{text}[disclosure]\nallow_identifying = [\"Email\"]\n");
        assert_eq!(plan_of(&safe).unwrap().allow_identifying, ["Email"]);

        let typo = format!("{text}[disclosure]\nallow_identifying = [\"Emial\"]\n");
        let problems = plan_of(&typo).unwrap_err();
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["analysis[0].by", "disclosure.allow_identifying"]);
        assert!(problems[1].message.contains("did you mean `Email`"));

        let outcome = BASE.replace("outcome = \"o\"", "outcome = \"respondent_id\"");
        assert_eq!(plan_of(&outcome).unwrap_err()[0].key, "analysis[0].outcome");
    }

    #[test]
    fn expect_empty_names_values_the_analysis_names() {
        let with = |list: &str, extra: &str| {
            BASE.replace(
                "levels = [",
                &format!("filter = {{ tried = [\"yes\"] }}\nexpect_empty = [{list}]\nlevels = ["),
            ) + extra
        };
        let recode = "[recode.o]\nBad = \"bad\"\n\"Don't know\" = \"unsure\"\n";
        let plan = plan_of(&with("\"same\", \"yes\", \"unsure\"", recode)).unwrap();
        assert_eq!(plan.analyses[0].expect_empty, ["same", "yes", "unsure"]);

        let problems = plan_of(&with("\"sme\", \"same\", \"same\"", recode)).unwrap_err();
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            ["analysis[0].expect_empty", "analysis[0].expect_empty"]
        );
        let m = &problems[0].message;
        assert!(
            m.contains("`sme` is none of the values analysis `a` names"),
            "{m}"
        );
        assert!(m.contains("bad, same, good, yes, unsure"), "{m}");
        assert!(m.contains("did you mean `same`?"), "{m}");
        assert!(problems[1].message.contains("`same` is listed twice"));
    }

    #[test]
    fn load_keeps_the_bytes_it_planned() {
        let dir = std::env::temp_dir().join(format!("tally-plan-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.toml");
        let text = format!("# a comment, kept\r\n{BASE}");
        std::fs::write(&path, &text).unwrap();
        let plan = load(&path);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(plan.unwrap().source, text.as_bytes());
        assert!(plan_of(BASE).unwrap().source.is_empty());
    }
}
