//! The pipeline as meant: paths resolved, defaults filled, names checked. Every problem in a
//! pipeline file is collected and reported at once, each with its TOML key path.

use std::fmt;
use std::path::{Component, Path, PathBuf};

pub use crate::ingest::decode::EncodingChoice;
pub use crate::ingest::formats::Format;
use crate::spec::{self, AnalysisSpec, PipelineSpec};
use crate::stats::ci::{self, Method, DEFAULT_METHOD};
use crate::stats::compare::tests2x2::Test;
use crate::stats::compare::{CompareMethod, Measure};
use crate::stats::multiplicity::Adjust;
use crate::stats::reliability::Thresholds;
use crate::stats::simultaneous::Simultaneous;
use crate::suggest::did_you_mean;

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

/// What to do with a missing outcome or subgroup answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingPolicy {
    /// Leave the respondent out of that analysis (complete cases), counted as an exclusion.
    Exclude,
    /// Keep the respondent, as a `missing` category.
    Level,
}

/// The label used for a missing answer under [`MissingPolicy::Level`].
pub const MISSING_LABEL: &str = "missing";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotKind {
    Bars,
    Diverging,
}

pub const PLOT_KINDS: &[(&str, PlotKind)] =
    &[("bars", PlotKind::Bars), ("diverging", PlotKind::Diverging)];

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

/// A typed rule on one column's raw values.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub column: String,
    pub allowed: Option<Vec<String>>,
    pub range: Option<(f64, f64)>,
    pub integer: bool,
    pub required: bool,
}

impl Rule {
    /// Checks one raw value (`None` = missing); on failure, the reason and the detail. The
    /// detail never repeats the value (reports are published; the line number finds it).
    pub fn check(&self, value: Option<&str>) -> Option<(&'static str, String)> {
        let c = &self.column;
        let Some(v) = value else {
            return self
                .required
                .then(|| ("missing required value", format!("column `{c}` is empty")));
        };
        if let Some(allowed) = &self.allowed {
            if !allowed.iter().any(|a| a == v) {
                let near = crate::suggest::did_you_mean(v, allowed.iter().map(String::as_str))
                    .map_or(String::new(), |s| format!(" (near `{s}`)"));
                return Some((
                    "outside allowed values",
                    format!(
                        "column `{c}`: the value is not one of the {} allowed{near}",
                        allowed.len()
                    ),
                ));
            }
        }
        if self.range.is_some() || self.integer {
            let Ok(x) = v.trim().parse::<f64>() else {
                return Some((
                    "not a number",
                    format!("column `{c}`: the value is not a number"),
                ));
            };
            if !x.is_finite() {
                return Some((
                    "not a number",
                    format!("column `{c}`: the value is not finite"),
                ));
            }
            if self.integer && x.fract() != 0.0 {
                return Some((
                    "not a whole number",
                    format!("column `{c}`: the value is not a whole number"),
                ));
            }
            if let Some((lo, hi)) = self.range {
                if x < lo || x > hi {
                    return Some((
                        "outside range",
                        format!("column `{c}`: the value is outside [{lo}, {hi}]"),
                    ));
                }
            }
        }
        None
    }
}

/// `[disclosure]`: small-cell protection of published outputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DisclosurePlan {
    /// `false` for an internal run: nothing is suppressed, and every output says so.
    pub protect: bool,
    pub min_cell: u64,
    /// Groups of fewer respondents must not show that all, or all but a few, of them gave
    /// one answer (see `disclosure`).
    pub min_group: u64,
    /// Round shown counts to this base.
    pub round: Option<u64>,
}

impl Default for DisclosurePlan {
    fn default() -> Self {
        DisclosurePlan {
            protect: true,
            min_cell: 5,
            min_group: 10,
            round: None,
        }
    }
}

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
}

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
}

#[derive(Debug, Clone)]
pub enum CompareGroups {
    /// Every other group against this one.
    Reference(String),
    /// (group 1, group 2) pairs.
    Pairs(Vec<(String, String)>),
}

#[derive(Debug, Clone)]
pub struct ReportPlan {
    pub title: String,
    pub description: Option<String>,
    pub caveats: Vec<String>,
    /// Relative to the reports root; never absolute, never with `..`, never the root itself.
    pub dir: PathBuf,
    /// The TOML key that set `dir`: `report.dir`, or `name` when it defaults to the name.
    pub dir_key: &'static str,
    pub plots: Vec<PlotKind>,
}

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
}

/// One problem in a pipeline file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}: key `{}`: {}",
                self.file.display(),
                self.key,
                self.message
            )
        }
    }
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
        cols
    }

    /// Where each needed column is named in the pipeline (for messages).
    pub fn column_key(&self, column: &str) -> String {
        if self.input.id_column.as_deref() == Some(column) {
            return "input.id_column".into();
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

/// A named choice from a fixed list: `default` when absent; an unknown name is a problem at
/// `key` that lists the names, with a did-you-mean.
fn choose<T>(
    given: Option<&str>,
    default: T,
    parse: impl Fn(&str) -> Option<T>,
    names: &[&str],
    (key, what): (&str, &str),
    add: &mut dyn FnMut(&str, String),
) -> T {
    let Some(g) = given else { return default };
    parse(g).unwrap_or_else(|| {
        add(key, crate::suggest::unknown(what, g, names));
        default
    })
}

/// The first `max` names joined, and how many more there are.
fn list_some(names: &[String], max: usize) -> String {
    let mut s = names
        .iter()
        .take(max)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > max {
        s.push_str(&format!(", ... and {} more", names.len() - max));
    }
    s
}

/// Reads and plans a pipeline file; every problem is returned at once.
pub fn load(path: &Path) -> Result<Plan, Vec<Problem>> {
    let problem = |key: &str, message: String| Problem {
        file: path.to_path_buf(),
        key: key.to_string(),
        message,
    };
    let text = crate::ingest::open_regular(path)
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
    let spec = spec::parse(&text).map_err(|ps| {
        ps.into_iter()
            .map(|p| problem(&p.key, p.message))
            .collect::<Vec<_>>()
    })?;
    from_spec(spec, path)
}

/// Turns a parsed spec into a plan (pure; `path` is used only to resolve and to name).
pub fn from_spec(spec: PipelineSpec, path: &Path) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut add = |key: &str, message: String| {
        problems.push(Problem {
            file: path.to_path_buf(),
            key: key.to_string(),
            message,
        })
    };

    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pipeline".into());
    let name = spec.name.clone().unwrap_or(stem);
    if !is_machine_name(&name) {
        add(
            "name",
            format!("pipeline name `{name}` may use only letters, digits, `-` and `_`"),
        );
    }

    // [input]
    let kind = match spec.input.kind.as_deref() {
        None | Some("respondents") => InputKind::Respondents,
        Some("counts") => InputKind::Counts,
        Some(other) => {
            add(
                "input.kind",
                format!(
                    "unknown input kind `{other}`; expected `respondents` or `counts`{}",
                    hint_for(other, &["respondents", "counts"])
                ),
            );
            InputKind::Respondents
        }
    };
    let delimiter = match spec.input.delimiter.as_deref() {
        None | Some("auto") => None,
        Some("\\t") | Some("tab") => Some(b'\t'),
        Some(d) if d.len() == 1 && d.is_ascii() && !matches!(d, "\"" | "\n" | "\r") => {
            Some(d.as_bytes()[0])
        }
        Some(d) => {
            add(
                "input.delimiter",
                format!("delimiter must be `auto`, `tab` or one ASCII character other than a quote or line end, got `{d}`"),
            );
            None
        }
    };
    let format = choose(
        spec.input.format.as_deref(),
        Format::Csv,
        Format::parse,
        &Format::NAMES,
        ("input.format", "format"),
        &mut add,
    );
    let encoding = choose(
        spec.input.encoding.as_deref(),
        EncodingChoice::Auto,
        EncodingChoice::parse,
        &EncodingChoice::NAMES,
        ("input.encoding", "encoding"),
        &mut add,
    );
    let mut multi_select = Vec::new();
    for (name, m) in &spec.input.multi_select {
        let key = format!("input.multi_select.{name}");
        if name.contains('/') {
            add(
                &key,
                "a multi-select name may not contain `/` (it separates the name from the choice)"
                    .into(),
            );
        }
        if let Some(sep) = &m.separator {
            if sep.is_empty() {
                add(
                    &format!("{key}.separator"),
                    "the separator may not be empty".into(),
                );
            }
        }
        if let Some(choices) = &m.choices {
            if choices.is_empty() || choices.iter().any(|c| c.trim().is_empty()) {
                add(
                    &format!("{key}.choices"),
                    "choices must be a non-empty list of non-empty labels".into(),
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
    let mut rules = Vec::new();
    for (column, r) in &spec.validate {
        let key = format!("validate.{column}");
        let range = match r.range.as_deref() {
            None => None,
            Some([lo, hi]) if lo <= hi && lo.is_finite() && hi.is_finite() => Some((*lo, *hi)),
            Some(other) => {
                add(
                    &format!("{key}.range"),
                    format!("range must be [low, high] with low <= high, got {other:?}"),
                );
                None
            }
        };
        if r.allowed.is_none() && r.range.is_none() && r.integer.is_none() && r.required.is_none() {
            add(
                &key,
                "the rule is empty\nhint: give one of allowed, range, integer, required".into(),
            );
        }
        rules.push(Rule {
            column: column.clone(),
            allowed: r.allowed.clone(),
            range,
            integer: r.integer.unwrap_or(false),
            required: r.required.unwrap_or(false),
        });
    }
    let mut disclosure = DisclosurePlan::default();
    if let Some(d) = &spec.disclosure {
        disclosure.protect = d.protect.unwrap_or(true);
        if let Some(m) = d.min_cell {
            if m < 2 {
                add("disclosure.min_cell", format!("min_cell must be at least 2, got {m}\nhint: to publish without protection, set `disclosure.protect = false`"));
            } else {
                disclosure.min_cell = m;
            }
        }
        disclosure.min_group = 2 * disclosure.min_cell;
        match d.min_group {
            Some(g) if g < disclosure.min_cell => add(
                "disclosure.min_group",
                format!(
                    "min_group must be at least min_cell ({}), got {g}",
                    disclosure.min_cell
                ),
            ),
            Some(g) => disclosure.min_group = g,
            None => {}
        }
        match d.round {
            Some(0) | Some(1) => add(
                "disclosure.round",
                "round must be a base of at least 2 (e.g. 5)".into(),
            ),
            r => disclosure.round = r,
        }
    }
    let count_column = match kind {
        InputKind::Counts => Some(
            spec.input
                .count_column
                .clone()
                .unwrap_or_else(|| "count".into()),
        ),
        InputKind::Respondents => {
            if spec.input.count_column.is_some() {
                add(
                    "input.count_column",
                    "count_column applies only to kind = \"counts\"".into(),
                );
            }
            None
        }
    };
    if kind == InputKind::Counts && spec.input.id_column.is_some() {
        add(
            "input.id_column",
            "id_column applies only to kind = \"respondents\" (a counts table has no respondents)"
                .into(),
        );
    }
    let base = path.parent().unwrap_or(Path::new(""));
    let input = InputPlan {
        path: base.join(&spec.input.path),
        written: shown_input(&spec.input.path),
        kind,
        delimiter,
        missing: spec
            .input
            .missing
            .clone()
            .unwrap_or_else(|| vec![String::new(), "NA".into()]),
        id_column: spec.input.id_column.clone(),
        count_column,
        format,
        encoding,
        rename: spec.input.rename.clone(),
        multi_select,
        free_text: spec.input.free_text.clone(),
        complete_only: spec.input.complete_only.unwrap_or(true),
        rules,
    };

    // [ci] defaults
    let default_method =
        resolve_method(spec.ci.method.as_deref(), "ci.method", &mut add).unwrap_or(DEFAULT_METHOD);
    let default_level = resolve_level(spec.ci.level, "ci.level", &mut add).unwrap_or(0.95);

    // [reliability]
    let mut reliability = Thresholds::default();
    if let Some(r) = &spec.reliability {
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
                    add(k, format!("must be a positive number, got {v}"));
                }
            }
        }
    }

    // [[analysis]]
    if spec.analyses.is_empty() {
        add(
            "analysis",
            "the pipeline has no analyses\nhint: add an [[analysis]] table with name, outcome and levels".into(),
        );
    }
    let mut analyses = Vec::new();
    for (i, a) in spec.analyses.iter().enumerate() {
        let key = |k: &str| format!("analysis[{i}].{k}");
        if !is_machine_name(&a.name) {
            add(
                &key("name"),
                format!(
                    "analysis name `{}` may use only letters, digits, `-` and `_`",
                    a.name
                ),
            );
        }
        if spec.analyses[..i].iter().any(|b| b.name == a.name) {
            add(
                &key("name"),
                format!("analysis name `{}` is used twice", a.name),
            );
        }
        let mut planned = plan_analysis(a, &key, default_method, default_level, &mut add);
        planned.reliability = reliability;
        analyses.push(planned);
    }

    // Columns that look like direct identifiers, by name (their values are checked after
    // ingest).
    let allow_identifying = spec
        .disclosure
        .as_ref()
        .and_then(|d| d.allow_identifying.clone())
        .unwrap_or_default();
    for (key, message) in crate::identify::name_problems(&analyses, &allow_identifying) {
        add(&key, message);
    }

    // Compared groups must be values the recode of their column can produce.
    for (i, a) in analyses.iter().enumerate() {
        let Some(cp) = &a.compare else { continue };
        let Some(table) = spec.recode.get(&a.by[cp.by]) else {
            continue;
        };
        let mut values: Vec<&str> = Vec::new();
        for v in table.values() {
            if !values.contains(&v.as_str()) {
                values.push(v);
            }
        }
        let (key, named): (String, Vec<&String>) = match &cp.groups {
            CompareGroups::Reference(r) => (format!("analysis[{i}].compare.reference"), vec![r]),
            CompareGroups::Pairs(ps) => (
                format!("analysis[{i}].compare.pairs"),
                ps.iter().flat_map(|(x, y)| [x, y]).collect(),
            ),
        };
        for g in named {
            if !values.contains(&g.as_str()) {
                add(
                    &key,
                    format!(
                        "`{g}` is not a group of `{}` (its recoded values: {}){}",
                        a.by[cp.by],
                        values.join(", "),
                        hint_for(g, &values)
                    ),
                );
            }
        }
    }

    // [report]
    let dir_written = spec.report.dir.clone().unwrap_or_else(|| name.clone());
    let dir_key = if spec.report.dir.is_some() {
        "report.dir"
    } else {
        "name"
    };
    if !is_safe_relative(&dir_written) {
        add(
            dir_key,
            format!("report directory `{dir_written}` must name a folder inside the reports root: a relative path, no `..`, not absolute, and not `.` (the reports root itself, which a run would replace)"),
        );
    }
    let plots = match &spec.report.plots {
        None => PLOT_KINDS.iter().map(|(_, k)| *k).collect(),
        Some(names) => names
            .iter()
            .filter_map(|n| match PLOT_KINDS.iter().find(|(k, _)| k == n) {
                Some((_, k)) => Some(*k),
                None => {
                    let known: Vec<&str> = PLOT_KINDS.iter().map(|(k, _)| *k).collect();
                    add(
                        "report.plots",
                        format!("unknown plot kind `{n}`{}", hint_for(n, &known)),
                    );
                    None
                }
            })
            .collect(),
    };
    let report = spec.report;

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Plan {
        report: ReportPlan {
            title: report.title.unwrap_or_else(|| name.clone()),
            description: report.description,
            caveats: report.caveats,
            dir: PathBuf::from(dir_written),
            dir_key,
            plots,
        },
        name,
        pipeline_path: path.to_path_buf(),
        input,
        recode: spec.recode,
        analyses,
        disclosure,
        allow_identifying,
    })
}

fn plan_analysis(
    a: &AnalysisSpec,
    key: &dyn Fn(&str) -> String,
    default_method: Method,
    default_level: f64,
    add: &mut dyn FnMut(&str, String),
) -> AnalysisPlan {
    let missing = match a.missing.as_deref() {
        None | Some("exclude") => MissingPolicy::Exclude,
        Some("level") => MissingPolicy::Level,
        Some(other) => {
            add(
                &key("missing"),
                format!(
                    "unknown missing-answer policy `{other}`; expected `exclude` or `level`{}",
                    hint_for(other, &["exclude", "level"])
                ),
            );
            MissingPolicy::Exclude
        }
    };
    let mut levels = a.levels.clone();
    if levels.is_empty() {
        add(
            &key("levels"),
            "an analysis needs at least one outcome level".into(),
        );
    }
    for (j, l) in levels.iter().enumerate() {
        if levels[..j].contains(l) {
            add(&key("levels"), format!("level `{l}` is listed twice"));
        }
    }
    if missing == MissingPolicy::Level && !levels.iter().any(|l| l == MISSING_LABEL) {
        levels.push(MISSING_LABEL.into());
    }
    if a.by.iter().any(|b| b == &a.outcome) {
        add(
            &key("by"),
            format!(
                "`{}` is the outcome; it cannot also be a subgroup column",
                a.outcome
            ),
        );
    }
    if a.by.len() > 4 {
        add(
            &key("by"),
            format!(
                "at most 4 subgroup columns can be crossed, got {}",
                a.by.len()
            ),
        );
    }
    let ci = a.ci.clone().unwrap_or_default();
    let method =
        resolve_method(ci.method.as_deref(), &key("ci.method"), add).unwrap_or(default_method);
    let level = resolve_level(ci.level, &key("ci.level"), add).unwrap_or(default_level);

    let (negative, neutral, positive) = match &a.diverging {
        Some(d) => {
            for l in d.negative.iter().chain(&d.neutral).chain(&d.positive) {
                if !levels.contains(l) {
                    add(
                        &key("diverging"),
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
    };
    let filter: Vec<(String, Vec<String>)> = a
        .filter
        .iter()
        .map(|(c, v)| (c.clone(), v.clone()))
        .collect();
    for (c, v) in &filter {
        if v.is_empty() {
            add(
                &key(&format!("filter.{c}")),
                "a filter needs at least one value to keep".into(),
            );
        }
    }
    let compare = a
        .compare
        .as_ref()
        .and_then(|c| plan_compare(c, a, &levels, key, add));
    let simultaneous = a
        .simultaneous
        .as_deref()
        .and_then(|m| match Simultaneous::from_name(m) {
            Ok(m) => Some(m),
            Err(e) => {
                add(&key("simultaneous"), e.to_string());
                None
            }
        });
    let denominator = a.denominator.clone().unwrap_or_else(|| {
        if filter.is_empty() {
            "all respondents with an answer".into()
        } else {
            let parts: Vec<String> = filter
                .iter()
                .map(|(c, v)| format!("{c} in {{{}}}", v.join(", ")))
                .collect();
            format!("respondents with {}", parts.join(" and "))
        }
    });
    AnalysisPlan {
        name: a.name.clone(),
        title: a.title.clone().unwrap_or_else(|| a.name.clone()),
        question: a.question.clone(),
        outcome: a.outcome.clone(),
        levels,
        by: a.by.clone(),
        filter,
        denominator,
        missing,
        method,
        level,
        negative,
        neutral,
        positive,
        compare,
        reliability: Thresholds::default(),
        simultaneous,
    }
}

fn plan_compare(
    c: &spec::CompareSpec,
    a: &AnalysisSpec,
    levels: &[String],
    key: &dyn Fn(&str) -> String,
    add: &mut dyn FnMut(&str, String),
) -> Option<ComparePlan> {
    let by = match &c.by {
        Some(b) => match a.by.iter().position(|x| x == b) {
            Some(i) => i,
            None => {
                add(
                    &key("compare.by"),
                    format!(
                        "`{b}` is not one of the analysis's `by` columns ({}){}",
                        a.by.join(", "),
                        hint_for(b, &a.by.iter().map(String::as_str).collect::<Vec<_>>())
                    ),
                );
                return None;
            }
        },
        None if a.by.len() == 1 => 0,
        None => {
            add(&key("compare.by"), format!("the analysis has {} `by` columns; say which one to compare with `by = \"...\"`", a.by.len()));
            return None;
        }
    };
    let groups = match (&c.reference, &c.pairs) {
        (Some(r), None) => CompareGroups::Reference(r.clone()),
        (None, Some(pairs)) => {
            let mut out = Vec::new();
            for p in pairs {
                if p.len() == 2 {
                    out.push((p[0].clone(), p[1].clone()));
                } else {
                    add(
                        &key("compare.pairs"),
                        format!("each pair names two groups, got {}", p.len()),
                    );
                }
            }
            CompareGroups::Pairs(out)
        }
        _ => {
            add(
                &key("compare"),
                "give either `reference` (every group against one) or `pairs`, not both or neither"
                    .into(),
            );
            return None;
        }
    };
    let measure = match Measure::from_name(c.measure.as_deref().unwrap_or("diff")) {
        Ok(m) => m,
        Err(e) => {
            add(&key("compare.measure"), e.to_string());
            return None;
        }
    };
    let method = match &c.method {
        None => measure.default_method(),
        Some(m) => match CompareMethod::from_name(measure, m) {
            Ok(m) => m,
            Err(e) => {
                add(&key("compare.method"), e.to_string());
                return None;
            }
        },
    };
    let test = match Test::from_name(c.test.as_deref().unwrap_or("chisq")) {
        Ok(t) => t,
        Err(e) => {
            add(&key("compare.test"), e.to_string());
            return None;
        }
    };
    let adjust = match Adjust::from_name(c.adjust.as_deref().unwrap_or("holm")) {
        Ok(t) => t,
        Err(e) => {
            add(&key("compare.adjust"), e.to_string());
            return None;
        }
    };
    let cmp_levels = c.levels.clone().unwrap_or_else(|| levels.to_vec());
    for l in &cmp_levels {
        if !levels.contains(l) {
            add(
                &key("compare.levels"),
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
    })
}

fn resolve_method(
    name: Option<&str>,
    key: &str,
    add: &mut dyn FnMut(&str, String),
) -> Option<Method> {
    let name = name?;
    match Method::from_name(name) {
        Ok(m) => Some(m),
        Err(e) => {
            add(key, format!("{e}\nhint: `tally methods` lists the methods"));
            None
        }
    }
}

fn resolve_level(level: Option<f64>, key: &str, add: &mut dyn FnMut(&str, String)) -> Option<f64> {
    let level = level?;
    match ci::check_level(level) {
        Ok(()) => Some(level),
        Err(e) => {
            add(key, e);
            None
        }
    }
}

fn hint_for(given: &str, known: &[&str]) -> String {
    did_you_mean(given, known.iter().copied())
        .map(|s| format!("\nhint: did you mean `{s}`?"))
        .unwrap_or_default()
}

fn is_machine_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
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

/// A relative path that stays strictly inside its root: no root, no prefix, no `..`, and at
/// least one named component (`.` or `./.` is the root itself).
pub fn is_safe_relative(p: &str) -> bool {
    let path = Path::new(p);
    path.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        && path.components().any(|c| matches!(c, Component::Normal(_)))
}

/// Refuses a report directory that, under `reports_root`, would be the reports root itself,
/// or the folder (or an ancestor of the folder) holding the pipeline file or its input:
/// writing the report replaces that directory, which would delete them. Paths are compared
/// after resolving `.`, `..` and symbolic links as far as they exist, so any spelling of the
/// same place is caught. The problem names the TOML key that chose the directory.
pub fn check_report_location(plan: &Plan, reports_root: &Path) -> Result<(), Problem> {
    let report = absolute(&reports_root.join(&plan.report.dir));
    let key = plan.report.dir_key;
    let shown = reports_root.join(&plan.report.dir);
    let problem = |what: &str, hint: &str| {
        Problem {
        file: plan.pipeline_path.clone(),
        key: key.to_string(),
        message: format!(
            "the report directory {} is {what}; writing the report replaces that directory, so it would be deleted\nhint: {hint}",
            shown.display()
        ),
    }
    };
    let hint = if key == "name" {
        "set `report.dir` (or another `name`) to a folder of its own inside the reports root, or choose another --reports-dir"
    } else {
        "point `report.dir` at a folder of its own inside the reports root, or choose another --reports-dir"
    };
    if report == absolute(reports_root) {
        return Err(problem("the reports root itself", hint));
    }
    for (what, file) in [
        ("the pipeline file", &plan.pipeline_path),
        ("the input", &plan.input.path),
    ] {
        let f = absolute(file);
        if f == report {
            return Err(problem(&format!("{what} ({})", file.display()), hint));
        }
        if f.starts_with(&report) {
            return Err(problem(
                &format!("a folder holding {what} ({})", file.display()),
                hint,
            ));
        }
    }
    Ok(())
}

/// `p` as an absolute path with `.` and `..` resolved and symbolic links followed as far as
/// the path exists (the rest, not yet created, is joined lexically).
fn absolute(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    if let Ok(real) = joined.canonicalize() {
        return real;
    }
    // Not all there yet: `.` and `..` lexically (`a/missing/../b` is `a/b`), then the
    // longest existing prefix resolved.
    let mut lexical = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            out.extend(rest.iter().rev());
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return lexical,
        }
    }
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
        assert_eq!((a.method, a.level), (ci::WILSON, 0.95));
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
    fn unsafe_report_dirs_are_refused() {
        assert!(is_safe_relative("ame/2019"));
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("/tmp/x"));
        assert!(!is_safe_relative(""));
        assert!(!is_safe_relative("."), "the reports root itself");
        assert!(!is_safe_relative("./."));
        assert!(is_safe_relative("./r"));
    }
}
