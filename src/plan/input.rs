//! `[input]` as meant: where the data file is (resolved against the pipeline's folder) and
//! how `ingest` reads it: layout, delimiter, survey-tool format, encoding, missing-value
//! markers, renames, multi-select questions and free-text columns. The `[validate]` rules
//! join the input's plan too (see `plan::validate`), since ingest checks them on raw values.

use std::path::{Path, PathBuf};

use super::problems::{choose, hint_for, Problems};
use super::validate::Rule;
use crate::registry::{self, Entry};
use crate::spec::InputSpec;

/// How the input file is laid out (`input.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// One row per respondent.
    Respondents,
    /// Pre-aggregated: category columns plus a count column.
    Counts,
    /// Published percentages: category columns plus a percentage and its base, from which
    /// counts are derived (see [`crate::validate::percentages`]).
    Percentages,
}

/// An input kind's registry entry.
#[derive(Debug)]
pub struct InputKindInfo {
    pub kind: InputKind,
    pub name: &'static str,
}

/// The input kinds.
pub static INPUT_KINDS: &[InputKindInfo] = &[
    InputKindInfo {
        kind: InputKind::Respondents,
        name: "respondents",
    },
    InputKindInfo {
        kind: InputKind::Counts,
        name: "counts",
    },
    InputKindInfo {
        kind: InputKind::Percentages,
        name: "percentages",
    },
];

impl Entry for InputKindInfo {
    type Handle = InputKind;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> InputKind {
        self.kind
    }
}

impl InputKind {
    pub fn name(self) -> &'static str {
        registry::entry(INPUT_KINDS, self).name
    }

    /// A row stands for many respondents (a counts or percentages table), not for one.
    pub fn is_aggregated(self) -> bool {
        self != InputKind::Respondents
    }
}

/// Where a weighted survey's weights come from.
#[derive(Debug, Clone, PartialEq)]
pub enum WeightSource {
    /// A respondent file's weight column (each a positive, finite number).
    Column(String),
    /// A counts table's columns of Σw and Σw² per row.
    Sums { sum_w: String, sum_w2: String },
    /// No weight column: every respondent's base weight is 1 (a self-selected sample whose
    /// weights `[weighting]` calibrates to the population).
    Unit,
}

/// The sampling design of a weighted survey (`input.weight`, `strata`, `cluster`, `fpc`).
#[derive(Debug, Clone, PartialEq)]
pub struct DesignPlan {
    pub weight: WeightSource,
    pub strata: Option<String>,
    pub cluster: Option<String>,
    pub fpc: Option<String>,
    /// `survey.lonely.psu`'s choice for a stratum with one PSU.
    pub lonely_psu: String,
}

impl DesignPlan {
    /// The design of an unweighted respondent file whose weights `[weighting]` calibrates:
    /// base weights 1, each respondent its own sampling unit.
    pub fn unit_weights() -> DesignPlan {
        DesignPlan {
            weight: WeightSource::Unit,
            strata: None,
            cluster: None,
            fpc: None,
            lonely_psu: "fail".into(),
        }
    }
}

/// The choices for a stratum with one PSU, as R survey names them (`survey.lonely.psu`).
pub const LONELY_PSU: &[&str] = &["fail", "remove", "certainty", "adjust", "average"];

impl DesignPlan {
    /// The design in a methods paragraph's words.
    pub fn words(&self) -> String {
        let weights = match &self.weight {
            WeightSource::Column(w) => format!("the weights of column `{w}`"),
            WeightSource::Sums { sum_w, sum_w2 } => {
                format!("the sums of weights of columns `{sum_w}` and `{sum_w2}`")
            }
            WeightSource::Unit => "base weights of 1 (no weight column)".to_string(),
        };
        let mut parts = Vec::new();
        if let Some(s) = &self.strata {
            parts.push(format!("strata `{s}`"));
        }
        match &self.cluster {
            Some(c) => parts.push(format!("clusters (PSUs) `{c}`")),
            None => parts.push("each respondent its own sampling unit".into()),
        }
        if let Some(f) = &self.fpc {
            parts.push(format!("finite population correction `{f}`"));
        }
        let lonely = if self.strata.is_some() || self.cluster.is_some() {
            format!("; a stratum with one PSU: `{}`", self.lonely_psu)
        } else {
            String::new()
        };
        format!("{weights}; design: {}{lonely}", parts.join(", "))
    }

    /// The columns the design reads into every tuple (strata, cluster, fpc): the weights
    /// are summed, not part of a tuple.
    pub fn tuple_columns(&self) -> impl Iterator<Item = &String> {
        self.strata.iter().chain(&self.cluster).chain(&self.fpc)
    }
}

/// The columns of a percentages file (`input.kind = "percentages"`).
#[derive(Debug, Clone, PartialEq)]
pub struct PercentagesPlan {
    /// The published percentage (0 to 100, as printed: its decimals are its precision).
    pub percent_column: String,
    /// The respondents the percentage is of.
    pub base_column: String,
    /// A `by` value that marks a published total: checked, not counted.
    pub total: Option<String>,
}

/// A survey-tool export format (`input.format`), or a columnar file (Parquet, Arrow IPC,
/// read by `ingest::columnar`); its entry says what reading it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Qualtrics,
    SurveyMonkey,
    GoogleForms,
    LimeSurvey,
    Parquet,
    Arrow,
}

/// A format's registry entry. (How each tool marks free text, identifiers and incomplete
/// responses is read from its header by `ingest::formats`.)
#[derive(Debug)]
pub struct FormatInfo {
    pub format: Format,
    pub name: &'static str,
    /// Header rows after the first one that are always present.
    pub extra_header_rows: usize,
    /// The default separator of a joined multi-select cell.
    pub joined_separator: &'static str,
    /// A columnar file (typed columns, rows without lines), not CSV text.
    pub columnar: bool,
    /// Other spellings accepted.
    pub aliases: &'static [&'static str],
    /// File extensions (lower case) that mean this format when `input.format` is not given.
    pub extensions: &'static [&'static str],
}

/// The survey-tool formats.
pub static FORMATS: &[FormatInfo] = &[
    FormatInfo {
        format: Format::Csv,
        name: "csv",
        extra_header_rows: 0,
        joined_separator: ", ",
        columnar: false,
        aliases: &[],
        extensions: &[],
    },
    FormatInfo {
        format: Format::Qualtrics,
        name: "qualtrics",
        extra_header_rows: 1,
        joined_separator: ",",
        columnar: false,
        aliases: &[],
        extensions: &[],
    },
    FormatInfo {
        format: Format::SurveyMonkey,
        name: "surveymonkey",
        extra_header_rows: 1,
        joined_separator: ", ",
        columnar: false,
        aliases: &[],
        extensions: &[],
    },
    FormatInfo {
        format: Format::GoogleForms,
        name: "google-forms",
        extra_header_rows: 0,
        joined_separator: ", ",
        columnar: false,
        aliases: &[],
        extensions: &[],
    },
    FormatInfo {
        format: Format::LimeSurvey,
        name: "limesurvey",
        extra_header_rows: 0,
        joined_separator: "|",
        columnar: false,
        aliases: &[],
        extensions: &[],
    },
    FormatInfo {
        format: Format::Parquet,
        name: "parquet",
        extra_header_rows: 0,
        joined_separator: ", ",
        columnar: true,
        aliases: &[],
        extensions: &["parquet", "pq"],
    },
    FormatInfo {
        format: Format::Arrow,
        name: "arrow",
        extra_header_rows: 0,
        joined_separator: ", ",
        columnar: true,
        aliases: &["ipc", "feather"],
        extensions: &["arrow", "ipc", "feather"],
    },
];

impl Entry for FormatInfo {
    type Handle = Format;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> Format {
        self.format
    }
}

impl Format {
    pub fn info(self) -> &'static FormatInfo {
        registry::entry(FORMATS, self)
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Header rows after the first one that are always present.
    pub fn extra_header_rows(self) -> usize {
        self.info().extra_header_rows
    }

    /// The default separator of a joined multi-select cell.
    pub fn joined_separator(self) -> &'static str {
        self.info().joined_separator
    }

    /// A columnar file (Parquet, Arrow IPC): typed columns, rows numbered without lines.
    pub fn is_columnar(self) -> bool {
        self.info().columnar
    }

    /// The format of this name or alias (exact).
    pub fn parse(s: &str) -> Option<Format> {
        registry::lookup(FORMATS, "format", s).ok().or_else(|| {
            FORMATS
                .iter()
                .find(|f| f.aliases.contains(&s))
                .map(|f| f.format)
        })
    }

    /// The columnar format a file's extension names (`survey.parquet`), for a pipeline
    /// that does not give `input.format`; `None` for any other file (read as CSV).
    pub fn by_extension(path: &str) -> Option<Format> {
        let ext = Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
        FORMATS
            .iter()
            .find(|f| f.columnar && f.extensions.contains(&ext.as_str()))
            .map(|f| f.format)
    }
}

/// What the pipeline asks for (`input.encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingChoice {
    Auto,
    Utf8,
    Utf16,
    Windows1252,
}

/// An encoding choice's registry entry.
#[derive(Debug)]
pub struct EncodingInfo {
    pub choice: EncodingChoice,
    pub name: &'static str,
    /// Another spelling accepted.
    pub alias: Option<&'static str>,
}

/// The encodings a pipeline may ask for (names matched ignoring case).
pub static ENCODINGS: &[EncodingInfo] = &[
    EncodingInfo {
        choice: EncodingChoice::Auto,
        name: "auto",
        alias: None,
    },
    EncodingInfo {
        choice: EncodingChoice::Utf8,
        name: "utf-8",
        alias: Some("utf8"),
    },
    EncodingInfo {
        choice: EncodingChoice::Utf16,
        name: "utf-16",
        alias: Some("utf16"),
    },
    EncodingInfo {
        choice: EncodingChoice::Windows1252,
        name: "windows-1252",
        alias: Some("cp1252"),
    },
];

impl Entry for EncodingInfo {
    type Handle = EncodingChoice;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> EncodingChoice {
        self.choice
    }
}

impl EncodingChoice {
    /// The choice of this name or alias, ignoring case.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.to_ascii_lowercase();
        ENCODINGS
            .iter()
            .find(|e| e.name == s || e.alias == Some(s.as_str()))
            .map(|e| e.choice)
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
    /// The column naming each row's published table (aggregated files with several tables).
    pub table_column: Option<String>,
    /// The survey's declared respondent total (aggregated files).
    pub respondents: Option<u64>,
    /// The percentage and base columns (`kind = "percentages"`).
    pub percentages: Option<PercentagesPlan>,
    /// The weights and sampling design of a weighted survey.
    pub design: Option<DesignPlan>,
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
            .chain(
                self.percentages
                    .iter()
                    .flat_map(|p| [&p.percent_column, &p.base_column]),
            )
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
    let reading = Reading {
        kind: plan_kind(input.kind.as_deref(), problems),
        delimiter: plan_delimiter(input.delimiter.as_deref(), problems),
        format: choose(
            input.format.as_deref(),
            Format::by_extension(&input.path).unwrap_or(Format::Csv),
            Format::parse,
            &registry::names(FORMATS),
            ("input.format", "format"),
            problems,
        ),
        encoding: choose(
            input.encoding.as_deref(),
            EncodingChoice::Auto,
            EncodingChoice::parse,
            &registry::names(ENCODINGS),
            ("input.encoding", "encoding"),
            problems,
        ),
        multi_select: plan_multi_select(input, problems),
    };
    if reading.format.is_columnar() {
        plan_columnar(input, &reading, problems);
    }
    reading
}

/// The keys a columnar file (Parquet, Arrow IPC) cannot use: it has no text encoding or
/// delimiter, and published percentages (whose checks name lines) are read from CSV.
fn plan_columnar(input: &InputSpec, reading: &Reading, problems: &mut Problems) {
    let name = reading.format.name();
    for (key, given) in [
        ("encoding", input.encoding.is_some()),
        ("delimiter", input.delimiter.is_some()),
    ] {
        if given {
            problems.add(
                &format!("input.{key}"),
                format!("{key} applies to CSV text; a {name} file has typed columns\nhint: remove `{key}`, or set `input.format = \"csv\"` if the file is CSV"),
            );
        }
    }
    if reading.kind == InputKind::Percentages {
        problems.add(
            "input.kind",
            format!("a {name} file is read as respondents or counts; published percentages are read from CSV\nhint: write the table as CSV, or give the counts (kind = \"counts\")"),
        );
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
        InputKind::Respondents | InputKind::Percentages => {
            if input.count_column.is_some() {
                problems.add(
                    "input.count_column",
                    "count_column applies only to kind = \"counts\"",
                );
            }
            None
        }
    };
    if kind.is_aggregated() && input.id_column.is_some() {
        problems.add(
            "input.id_column",
            format!(
                "id_column applies only to kind = \"respondents\" (a {} table has no respondents)",
                kind.name()
            ),
        );
    }
    plan_aggregated(input, kind, problems);
    let percentages = (kind == InputKind::Percentages).then(|| PercentagesPlan {
        percent_column: input
            .percent_column
            .clone()
            .unwrap_or_else(|| "percent".into()),
        base_column: input.base_column.clone().unwrap_or_else(|| "base".into()),
        total: input.total.clone(),
    });
    let design = plan_design(input, kind, problems);
    // Every respondent of a weighted survey has a stratum, a PSU and an fpc where the design
    // has them: a row without one is rejected (counted, with its line), never guessed.
    let mut rules = rules;
    if let Some(d) = &design {
        for (c, positive) in d
            .strata
            .iter()
            .map(|c| (c, false))
            .chain(d.cluster.iter().map(|c| (c, false)))
            .chain(d.fpc.iter().map(|c| (c, true)))
        {
            rules.push(Rule {
                column: c.clone(),
                allowed: None,
                range: positive.then_some((f64::MIN_POSITIVE, f64::MAX)),
                integer: false,
                required: true,
            });
        }
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
        table_column: input.table_column.clone(),
        respondents: input.respondents,
        percentages,
        design,
        format: reading.format,
        encoding: reading.encoding,
        rename: input.rename.clone(),
        multi_select: reading.multi_select,
        free_text: input.free_text.clone(),
        complete_only: input.complete_only.unwrap_or(true),
        rules,
    }
}

/// The keys of aggregated files: `table_column` and `respondents` apply to counts and
/// percentages files, the percentage columns and `total` to percentages files; a file of
/// several tables needs the survey's respondent total (the sum of its counts is not).
fn plan_aggregated(input: &InputSpec, kind: InputKind, problems: &mut Problems) {
    if !kind.is_aggregated() {
        for (key, given) in [
            ("table_column", input.table_column.is_some()),
            ("respondents", input.respondents.is_some()),
        ] {
            if given {
                problems.add(
                    &format!("input.{key}"),
                    format!("{key} applies only to kind = \"counts\" or \"percentages\" (a respondent file gives its own total)"),
                );
            }
        }
    }
    if kind != InputKind::Percentages {
        for (key, given) in [
            ("percent_column", input.percent_column.is_some()),
            ("base_column", input.base_column.is_some()),
            ("total", input.total.is_some()),
        ] {
            if given {
                problems.add(
                    &format!("input.{key}"),
                    format!("{key} applies only to kind = \"percentages\""),
                );
            }
        }
    }
    if kind.is_aggregated() && input.table_column.is_some() && input.respondents.is_none() {
        problems.add(
            "input.respondents",
            "a file of several tables (input.table_column) needs the survey's respondent total: the sum of its counts adds up the tables, not people\nhint: add `respondents = <N>` to [input], N as the survey publishes it",
        );
    }
    if input.respondents == Some(0) {
        problems.add("input.respondents", "respondents must be at least 1");
    }
}

/// `input.weight` (respondents) or `sum_w_column` and `sum_w2_column` (counts), with the
/// optional design columns; `None` for an unweighted survey. Nothing falls back to
/// unweighted silently: a design column without weights, a weight column on a counts table,
/// or Σw without Σw², is a problem.
fn plan_design(input: &InputSpec, kind: InputKind, problems: &mut Problems) -> Option<DesignPlan> {
    let design_given = [&input.strata, &input.cluster, &input.fpc, &input.lonely_psu]
        .iter()
        .any(|c| c.is_some());
    let weight = match (
        kind,
        &input.weight,
        &input.sum_w_column,
        &input.sum_w2_column,
    ) {
        (InputKind::Respondents, Some(w), None, None) => WeightSource::Column(w.clone()),
        (InputKind::Counts, None, Some(w), Some(w2)) => WeightSource::Sums {
            sum_w: w.clone(),
            sum_w2: w2.clone(),
        },
        (_, None, None, None) => {
            if design_given {
                problems.add(
                    "input.weight",
                    "a sampling design (strata, cluster, fpc or lonely_psu) needs the survey's weights\nhint: name the weight column: weight = \"...\" (counts tables: sum_w_column and sum_w2_column)",
                );
            }
            return None;
        }
        (InputKind::Counts, Some(_), _, _) => {
            problems.add(
                "input.weight",
                "a counts table gives its weights as sums per row: name the columns of Σw and Σw² with sum_w_column and sum_w2_column (one weight column cannot say how the weights of a row's respondents vary)",
            );
            return None;
        }
        (InputKind::Counts, None, w, _) => {
            let (key, other) = if w.is_some() {
                ("input.sum_w2_column", "sum_w_column")
            } else {
                ("input.sum_w_column", "sum_w2_column")
            };
            problems.add(
                key,
                format!("{other} is given without it: a weighted counts table needs both Σw and Σw² per row, or its standard errors would be guessed\nhint: compute Σw² beside Σw where the counts were made (e.g. SUM(w * w))"),
            );
            return None;
        }
        (InputKind::Respondents, _, _, _) => {
            problems.add(
                "input.sum_w_column",
                "sum_w_column and sum_w2_column apply only to kind = \"counts\"; a respondent file names its weight column: weight = \"...\"",
            );
            return None;
        }
        (InputKind::Percentages, _, _, _) => {
            problems.add(
                "input.weight",
                "published percentages carry no weights: give the weighted table as counts with Σw and Σw² (kind = \"counts\"), or the respondent file",
            );
            return None;
        }
    };
    let lonely_psu = input.lonely_psu.clone().unwrap_or_else(|| "fail".into());
    if !LONELY_PSU.contains(&lonely_psu.as_str()) {
        problems.add(
            "input.lonely_psu",
            format!(
                "unknown choice `{lonely_psu}` for a stratum with one PSU; expected one of {}{}",
                LONELY_PSU.join(", "),
                hint_for(&lonely_psu, LONELY_PSU)
            ),
        );
    }
    Some(DesignPlan {
        weight,
        strata: input.strata.clone(),
        cluster: input.cluster.clone(),
        fpc: input.fpc.clone(),
        lonely_psu,
    })
}

/// `input.kind`: `respondents` (default), `counts` or `percentages`.
fn plan_kind(kind: Option<&str>, problems: &mut Problems) -> InputKind {
    let Some(given) = kind else {
        return InputKind::Respondents;
    };
    registry::lookup(INPUT_KINDS, "input kind", given).unwrap_or_else(|_| {
        let names = registry::names(INPUT_KINDS);
        let expected: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        problems.add(
            "input.kind",
            format!(
                "unknown input kind `{given}`; expected {}{}",
                expected.join(" or "),
                hint_for(given, &names)
            ),
        );
        InputKind::Respondents
    })
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
