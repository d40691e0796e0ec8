//! `[input]` as meant: where the data file is (resolved against the pipeline's folder) and
//! how `ingest` reads it: layout, delimiter, survey-tool format, encoding, missing-value
//! markers, renames, multi-select questions and free-text columns. The `[validate]` rules
//! join the input's plan too (see `plan::validate`), since ingest checks them on raw values.

use std::path::{Path, PathBuf};

use super::problems::{choose, hint_for, Problems};
use super::validate::Rule;
pub use crate::ingest::decode::EncodingChoice;
pub use crate::ingest::formats::Format;
use crate::spec::InputSpec;

/// How the input file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// One row per respondent.
    Respondents,
    /// Pre-aggregated: category columns plus a count column.
    Counts,
}

impl InputKind {
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Respondents => "respondents",
            InputKind::Counts => "counts",
        }
    }
}

#[derive(Debug, Clone)]
pub struct InputPlan {
    /// Resolved path (pipeline directory joined with the written path).
    pub path: PathBuf,
    /// The path as written in the pipeline (relative to it), for reports; an absolute path
    /// is shown by its file name alone (no absolute paths in artifacts).
    pub written: String,
    pub kind: InputKind,
    /// `None`: sniffed from the first records.
    pub delimiter: Option<u8>,
    pub missing: Vec<String>,
    pub id_column: Option<String>,
    pub count_column: Option<String>,
    pub format: Format,
    pub encoding: EncodingChoice,
    /// Export column name -> name used in the pipeline.
    pub rename: indexmap::IndexMap<String, String>,
    pub multi_select: Vec<MultiSelect>,
    pub free_text: Vec<String>,
    /// Reject incomplete responses and previews where the format marks them.
    pub complete_only: bool,
    /// `[validate.<column>]` rules, in file order.
    pub rules: Vec<Rule>,
}

impl InputPlan {
    /// Every column an input is read for: the analysed ones, then the id, the count and the
    /// `[validate]` columns (each may repeat one before it).
    pub fn columns_read<'a>(&'a self, analysed: &'a [String]) -> impl Iterator<Item = &'a String> {
        analysed
            .iter()
            .chain(&self.id_column)
            .chain(&self.count_column)
            .chain(self.rules.iter().map(|r| &r.column))
    }
}

/// A "tick all that apply" question, expanded into `<name>/<choice>` 0/1 columns.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiSelect {
    pub name: String,
    pub choices: Option<Vec<String>>,
    pub separator: Option<String>,
    pub other: bool,
}

/// How the records are read: the first half of `[input]`, planned before `[validate]` and
/// `[disclosure]` (problems are reported in that order), the columns after them.
pub(super) struct Reading {
    kind: InputKind,
    delimiter: Option<u8>,
    format: Format,
    encoding: EncodingChoice,
    multi_select: Vec<MultiSelect>,
}

/// Plans the layout, delimiter, format, encoding and multi-select questions.
pub(super) fn plan_reading(input: &InputSpec, problems: &mut Problems) -> Reading {
    Reading {
        kind: plan_kind(input.kind.as_deref(), problems),
        delimiter: plan_delimiter(input.delimiter.as_deref(), problems),
        format: choose(
            input.format.as_deref(),
            Format::Csv,
            Format::parse,
            &Format::NAMES,
            ("input.format", "format"),
            problems,
        ),
        encoding: choose(
            input.encoding.as_deref(),
            EncodingChoice::Auto,
            EncodingChoice::parse,
            &EncodingChoice::NAMES,
            ("input.encoding", "encoding"),
            problems,
        ),
        multi_select: plan_multi_select(input, problems),
    }
}

/// Completes the input's plan: the count and id columns (each only where the layout has
/// them), the path resolved against `pipeline`'s folder, and defaults filled.
pub(super) fn plan_input(
    input: &InputSpec,
    pipeline: &Path,
    reading: Reading,
    rules: Vec<Rule>,
    problems: &mut Problems,
) -> InputPlan {
    let kind = reading.kind;
    let count_column = match kind {
        InputKind::Counts => Some(input.count_column.clone().unwrap_or_else(|| "count".into())),
        InputKind::Respondents => {
            if input.count_column.is_some() {
                problems.add(
                    "input.count_column",
                    "count_column applies only to kind = \"counts\"",
                );
            }
            None
        }
    };
    if kind == InputKind::Counts && input.id_column.is_some() {
        problems.add(
            "input.id_column",
            "id_column applies only to kind = \"respondents\" (a counts table has no respondents)",
        );
    }
    let base = pipeline.parent().unwrap_or(Path::new(""));
    InputPlan {
        path: base.join(&input.path),
        written: shown_input(&input.path),
        kind,
        delimiter: reading.delimiter,
        missing: input
            .missing
            .clone()
            .unwrap_or_else(|| vec![String::new(), "NA".into()]),
        id_column: input.id_column.clone(),
        count_column,
        format: reading.format,
        encoding: reading.encoding,
        rename: input.rename.clone(),
        multi_select: reading.multi_select,
        free_text: input.free_text.clone(),
        complete_only: input.complete_only.unwrap_or(true),
        rules,
    }
}

/// `input.kind`: `respondents` (default) or `counts`.
fn plan_kind(kind: Option<&str>, problems: &mut Problems) -> InputKind {
    match kind {
        None | Some("respondents") => InputKind::Respondents,
        Some("counts") => InputKind::Counts,
        Some(other) => {
            problems.add(
                "input.kind",
                format!(
                    "unknown input kind `{other}`; expected `respondents` or `counts`{}",
                    hint_for(other, &["respondents", "counts"])
                ),
            );
            InputKind::Respondents
        }
    }
}

/// `input.delimiter`: `None` (sniffed) for `auto` or absent, else one ASCII byte that is
/// neither a quote nor a line end.
fn plan_delimiter(delimiter: Option<&str>, problems: &mut Problems) -> Option<u8> {
    match delimiter {
        None | Some("auto") => None,
        Some("\\t") | Some("tab") => Some(b'\t'),
        Some(d) if d.len() == 1 && d.is_ascii() && !matches!(d, "\"" | "\n" | "\r") => {
            Some(d.as_bytes()[0])
        }
        Some(d) => {
            problems.add(
                "input.delimiter",
                format!("delimiter must be `auto`, `tab` or one ASCII character other than a quote or line end, got `{d}`"),
            );
            None
        }
    }
}

/// `[input.multi_select.<name>]` tables, in file order.
fn plan_multi_select(input: &InputSpec, problems: &mut Problems) -> Vec<MultiSelect> {
    let mut multi_select = Vec::new();
    for (name, m) in &input.multi_select {
        let key = format!("input.multi_select.{name}");
        if name.contains('/') {
            problems.add(
                &key,
                "a multi-select name may not contain `/` (it separates the name from the choice)",
            );
        }
        if let Some(sep) = &m.separator {
            if sep.is_empty() {
                problems.add(
                    &format!("{key}.separator"),
                    "the separator may not be empty",
                );
            }
        }
        if let Some(choices) = &m.choices {
            if choices.is_empty() || choices.iter().any(|c| c.trim().is_empty()) {
                problems.add(
                    &format!("{key}.choices"),
                    "choices must be a non-empty list of non-empty labels",
                );
            }
        }
        multi_select.push(MultiSelect {
            name: name.clone(),
            choices: m.choices.clone(),
            separator: m.separator.clone(),
            other: m.other.unwrap_or(false),
        });
    }
    multi_select
}

/// How reports show an input path: as written in the pipeline file (relative to it, so the
/// same from any working directory), except that an absolute path is shown by its file name
/// alone: artifacts never carry absolute paths (they would publish the user's folders).
/// Error messages name the full path (`ingest` shows the resolved path when it is absolute).
fn shown_input(written: &str) -> String {
    let p = Path::new(written);
    if p.is_absolute() {
        p.file_name()
            .map_or_else(|| written.to_string(), |n| n.to_string_lossy().into_owned())
    } else {
        written.to_string()
    }
}
