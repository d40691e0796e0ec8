//! Tabular artifacts: `estimates.csv`, `estimates.json`, `rejected.csv`, `unmapped.csv`.
//! The one home of spreadsheet safety: every text cell passes through [`safe_cell`].

use indexmap::IndexMap;
use serde::Serialize;

use super::ReportInput;
use crate::estimate::AnalysisResult;
use crate::ingest::Table;
use crate::validate::Unmapped;

/// The label written for a margin ("all") in a grouping column.
pub const ALL: &str = "(all)";

/// Neutralises spreadsheet formula injection: a text cell starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return is prefixed with `'` (OWASP CSV injection guidance).
pub fn safe_cell(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// Shortest round-trip formatting of a float: deterministic and exact, with an exponent
/// for very small or large values (`9.37e-28`, not 27 zeros).
pub fn num(v: f64) -> String {
    format!("{v:?}")
}

/// Every grouping column used by any analysis, in first-use order.
pub fn grouping_columns(results: &[AnalysisResult]) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for r in results {
        for b in &r.plan.by {
            if !cols.contains(b) {
                cols.push(b.clone());
            }
        }
    }
    cols
}

/// The rows of a CSV file, header first.
pub type Rows = Vec<Vec<String>>;

/// The text of the `internal_run` column that every CSV of an internal run starts with.
pub const INTERNAL_MARK: &str = "internal run: not for publication";

/// A CSV file's bytes. An internal run's files start with an `internal_run` column on every
/// row, so that no copy of them can pass for a published table.
pub fn csv_bytes(rows: Rows, internal: bool) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for (i, mut row) in rows.into_iter().enumerate() {
        if internal {
            let mark = if i == 0 {
                "internal_run"
            } else {
                INTERNAL_MARK
            };
            row.insert(0, mark.to_string());
        }
        // Writing to a Vec cannot fail.
        let _ = w.write_record(row.iter().map(|c| c.as_bytes()));
    }
    w.into_inner().unwrap_or_default()
}

/// The design-based columns of a weighted survey's estimates.
const WEIGHTED_COLUMNS: [&str; 6] = ["se", "deff", "deff_kish", "n_eff", "df", "sum_w"];

/// How every output marks counts derived from published percentages.
pub const DERIVED: &str = "derived from published percentages (rounded half up)";

/// The tidy estimates table: one row per analysis x subgroup cell x outcome level.
pub fn estimates_csv(results: &[AnalysisResult]) -> Rows {
    let gcols = grouping_columns(results);
    let mut header = vec!["analysis".to_string()];
    header.extend(gcols.iter().cloned());
    header.extend(
        [
            "outcome",
            "count",
            "n",
            "proportion",
            "ci_lower",
            "ci_upper",
            "ci_method",
            "ci_level",
            "reliability",
            "simultaneous_method",
            "simultaneous_lower",
            "simultaneous_upper",
            "note",
        ]
        .map(String::from),
    );
    // Counts derived from published percentages say so on every row (a column that only
    // such reports have, so that other reports keep their bytes).
    let derived = results.iter().any(|r| r.plan.derived);
    if derived {
        header.push("count_source".into());
    }
    // A weighted survey's design-based figures (`proportion` and the bounds are then the
    // weighted ones; `count` and `n` stay unweighted).
    let weighted = results.iter().any(|r| r.plan.survey_method.is_some());
    if weighted {
        header.extend(WEIGHTED_COLUMNS.map(String::from));
    }
    let mut rows = vec![header.iter().map(|h| safe_cell(h).into_owned()).collect()];
    for r in results {
        for e in &r.rows {
            let mut row = vec![safe_cell(&r.plan.name).into_owned()];
            for g in &gcols {
                let cell = match r.plan.by.iter().position(|b| b == g) {
                    None => String::new(),
                    Some(i) => e.group[i]
                        .as_deref()
                        .map_or(ALL.to_string(), |v| safe_cell(v).into_owned()),
                };
                row.push(cell);
            }
            row.push(safe_cell(&e.outcome).into_owned());
            row.push(super::prose::count_text(e.count, e.hidden_count, |v| {
                v.to_string()
            }));
            row.push(super::prose::count_text(e.n, e.hidden_n, |v| v.to_string()));
            match e.interval {
                Some(i) => {
                    row.extend([num(i.estimate), num(i.lower), num(i.upper)]);
                    row.push(r.plan.ci_name().into());
                    row.push(num(r.plan.level));
                    let flag = e.flag.as_ref();
                    row.push(flag.map_or("", |f| f.code()).into());
                    push_simultaneous(&mut row, r, e);
                    row.push(flag.map_or(String::new(), |f| f.reason().to_string()));
                }
                None => {
                    // A weighted estimate can stand without an interval (p = 0 or 1 on a
                    // Wald-type scale, a domain in one PSU).
                    let p = e.weighted.map_or(String::new(), |w| num(w.p));
                    row.extend([p, String::new(), String::new()]);
                    row.push(r.plan.ci_name().into());
                    row.push(num(r.plan.level));
                    row.push(String::new());
                    push_simultaneous(&mut row, r, e);
                    row.push(match (e.hidden_count.or(e.hidden_n), e.weighted) {
                        (Some(rule), _) => format!(
                            "suppressed ({} disclosure control; see suppression.csv)",
                            rule.name()
                        ),
                        (None, Some(_)) => "no interval by this method (an estimate of 0% or 100%, or a domain in one PSU)".into(),
                        (None, None) => "n = 0: no estimate".into(),
                    });
                }
            }
            if derived {
                row.push(if r.plan.derived { DERIVED } else { "" }.into());
            }
            if weighted {
                match e.weighted {
                    Some(w) => row.extend([
                        num(w.se),
                        num(w.deff),
                        num(w.deff_kish),
                        num(w.n_eff),
                        w.df.to_string(),
                        num(w.sum_w),
                    ]),
                    None => row.extend(WEIGHTED_COLUMNS.map(|_| String::new())),
                }
            }
            rows.push(row);
        }
    }
    rows
}

fn push_simultaneous(row: &mut Vec<String>, r: &AnalysisResult, e: &crate::estimate::EstimateRow) {
    row.push(
        r.plan
            .simultaneous
            .map_or(String::new(), |m| m.name().to_string()),
    );
    row.push(e.simultaneous.map_or(String::new(), |s| num(s.0)));
    row.push(e.simultaneous.map_or(String::new(), |s| num(s.1)));
}

#[derive(Serialize)]
struct JsonReport<'a> {
    /// `true` for an internal run (disclosure control off): not for publication.
    internal_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'static str>,
    pipeline: &'a str,
    /// Analyses left out whole by disclosure control, with why.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    withheld: Vec<JsonWithheld<'a>>,
    input: &'a str,
    input_sha256: &'a str,
    /// `[weighting] margins_file`: the population the weights were calibrated to.
    #[serde(skip_serializing_if = "Option::is_none")]
    margins_file: Option<JsonFile<'a>>,
    /// The survey's respondent total as declared (`input.respondents`).
    #[serde(skip_serializing_if = "Option::is_none")]
    respondents_declared: Option<u64>,
    /// The base of each published table of a file of several (`input.table_column`).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tables: Vec<JsonBase>,
    /// Every published percentage read, with the count derived from it (percentages).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    published_figures: Vec<JsonFigure<'a>>,
    analyses: Vec<JsonAnalysis<'a>>,
}

#[derive(Serialize)]
struct JsonBase {
    table: String,
    base: u64,
}

#[derive(Serialize)]
struct JsonFigure<'a> {
    line: u64,
    values: IndexMap<&'a str, Option<&'a str>>,
    percent: String,
    base: u64,
    derived_count: u64,
    /// A published total, checked against its groups, not counted.
    total: bool,
    /// The derived counts give the published figure back at its precision (always true in
    /// a report: a table where they do not is refused).
    reproduced: bool,
}

/// A file a report was made from, and its SHA-256.
#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    sha256: &'a str,
}

#[derive(Serialize)]
struct JsonWithheld<'a> {
    title: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonAnalysis<'a> {
    name: &'a str,
    title: &'a str,
    outcome: &'a str,
    levels: &'a [String],
    by: &'a [String],
    denominator: &'a str,
    ci_method: &'a str,
    ci_level: f64,
    /// The published table it reads, of a file of several.
    #[serde(skip_serializing_if = "Option::is_none")]
    table: Option<&'a str>,
    /// Where the counts come from, when not from the data's own counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    counts: Option<&'static str>,
    respondents_available: u64,
    /// `null` when suppressed.
    respondents_included: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    respondents_included_suppressed: Option<&'static str>,
    exclusions: Vec<JsonReason>,
    estimates: Vec<JsonEstimate<'a>>,
    notes: &'a [String],
    /// How far self-selection could move its figures (`[selection]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    selection: Option<JsonSelection<'a>>,
    /// A weighted survey's Rao-Scott test of the outcome by the compared column
    /// (`svychisq`), when it is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    design_test: Option<JsonDesignTest<'a>>,
}

/// The Rao-Scott corrected tests (`svychisq`'s `"F"` and `"Chisq"`).
#[derive(Serialize)]
struct JsonDesignTest<'a> {
    by: &'a str,
    f: f64,
    f_ndf: f64,
    f_ddf: f64,
    f_p: f64,
    /// The first-order corrected X² (`X² m / tr Δ`), its df and p-value.
    chisq: f64,
    chisq_df: f64,
    chisq_p: f64,
}

#[derive(Serialize)]
struct JsonSelection<'a> {
    threshold: f64,
    invited: Option<u64>,
    /// Non-respondents plus respondents left out for a missing answer (`null` without
    /// `invited`, or when a count of missing answers is suppressed).
    unknown_answers: Option<u64>,
    figures: Vec<JsonSelectionFigure<'a>>,
    contrasts: Vec<JsonSelectionContrast<'a>>,
}

#[derive(Serialize)]
struct JsonSelectionFigure<'a> {
    group: indexmap::IndexMap<&'a str, &'a Option<String>>,
    outcome: &'a str,
    proportion: f64,
    /// The confidence limit on the threshold's side.
    limit: f64,
    /// The selection ratio at which the figure reaches the threshold.
    ratio_to_threshold: Option<f64>,
    /// The ratio at which the limit reaches it (`null` when it already does).
    ratio_for_limit: Option<f64>,
    limit_already_crosses: bool,
    bounds: Option<[f64; 2]>,
    imbens_manski: Option<[f64; 2]>,
}

#[derive(Serialize)]
struct JsonSelectionContrast<'a> {
    outcome: &'a str,
    group1: &'a str,
    group2: &'a str,
    /// The differential selection ratio that explains the difference away.
    odds_ratio: f64,
    ratio_for_limit: Option<f64>,
    significant: bool,
}

fn json_selection(r: &AnalysisResult) -> Option<JsonSelection<'_>> {
    let s = r.selection.as_ref()?;
    Some(JsonSelection {
        threshold: s.threshold,
        invited: s.invited,
        unknown_answers: s.unknown,
        figures: s
            .figures
            .iter()
            .map(|f| JsonSelectionFigure {
                group: r.plan.by.iter().map(String::as_str).zip(&f.group).collect(),
                outcome: &f.level,
                proportion: f.estimate,
                limit: f.limit,
                ratio_to_threshold: f.gamma,
                ratio_for_limit: f.gamma_limit,
                limit_already_crosses: f.limit_crosses,
                bounds: f.bounds.map(|b| [b.lower, b.upper]),
                imbens_manski: f.bounds.map(|b| [b.ci_lower, b.ci_upper]),
            })
            .collect(),
        contrasts: s
            .contrasts
            .iter()
            .map(|c| JsonSelectionContrast {
                outcome: &c.level,
                group1: &c.group1,
                group2: &c.group2,
                odds_ratio: c.odds_ratio,
                ratio_for_limit: c.gamma_limit,
                significant: c.significant,
            })
            .collect(),
    })
}

#[derive(Serialize)]
struct JsonReason {
    reason: String,
    /// `null` when suppressed.
    respondents: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonEstimate<'a> {
    /// Subgroup values by column; `null` = all (a margin).
    group: indexmap::IndexMap<&'a str, Option<&'a str>>,
    outcome: &'a str,
    /// `null` when suppressed.
    count: Option<u64>,
    n: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count_suppressed: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n_suppressed: Option<&'static str>,
    proportion: Option<f64>,
    ci_lower: Option<f64>,
    ci_upper: Option<f64>,
    reliability: Option<&'a str>,
    reliability_note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    simultaneous: Option<[f64; 2]>,
    /// A weighted survey's design-based figures (`proportion` and the bounds are the
    /// weighted ones; `count` and `n` unweighted).
    #[serde(skip_serializing_if = "Option::is_none")]
    weighted: Option<JsonWeighted>,
}

#[derive(Serialize)]
struct JsonWeighted {
    proportion: f64,
    se: Option<f64>,
    deff: Option<f64>,
    deff_kish: Option<f64>,
    n_eff: Option<f64>,
    df: u64,
    sum_w: f64,
}

/// The same estimates as JSON, with each analysis's accounting.
pub fn estimates_json(input: &ReportInput) -> Result<Vec<u8>, serde_json::Error> {
    let analyses = input
        .results
        .iter()
        .map(|r| JsonAnalysis {
            name: &r.plan.name,
            title: &r.plan.title,
            outcome: &r.plan.outcome,
            levels: &r.plan.levels,
            by: &r.plan.by,
            denominator: &r.plan.denominator,
            ci_method: r.plan.ci_name(),
            ci_level: r.plan.level,
            table: r.plan.table.as_deref(),
            counts: r.plan.derived.then_some(DERIVED),
            respondents_available: r.data.available,
            respondents_included: r.data.hidden_included.is_none().then_some(r.data.included),
            respondents_included_suppressed: r.data.hidden_included.map(|s| s.name()),
            exclusions: r
                .data
                .exclusions
                .iter()
                .map(|x| JsonReason {
                    reason: x.reason.to_string(),
                    respondents: x.hidden.is_none().then_some(x.respondents),
                    suppressed: x.hidden.map(|s| s.name()),
                })
                .collect(),
            estimates: r
                .rows
                .iter()
                .map(|e| JsonEstimate {
                    group: r
                        .plan
                        .by
                        .iter()
                        .map(String::as_str)
                        .zip(e.group.iter().map(|g| g.as_deref()))
                        .collect(),
                    outcome: &e.outcome,
                    count: e.hidden_count.is_none().then_some(e.count),
                    n: e.hidden_n.is_none().then_some(e.n),
                    count_suppressed: e.hidden_count.map(|s| s.name()),
                    n_suppressed: e.hidden_n.map(|s| s.name()),
                    proportion: e.interval.map(|i| i.estimate),
                    ci_lower: e.interval.map(|i| i.lower),
                    ci_upper: e.interval.map(|i| i.upper),
                    reliability: e.flag.as_ref().map(|f| f.code()),
                    reliability_note: e
                        .flag
                        .as_ref()
                        .map(|f| f.reason())
                        .filter(|r| !r.is_empty()),
                    simultaneous: e.simultaneous.map(|s| [s.0, s.1]),
                    weighted: e.weighted.map(|w| {
                        let finite = |v: f64| v.is_finite().then_some(v);
                        JsonWeighted {
                            proportion: w.p,
                            se: finite(w.se),
                            deff: finite(w.deff),
                            deff_kish: finite(w.deff_kish),
                            n_eff: finite(w.n_eff),
                            df: w.df,
                            sum_w: w.sum_w,
                        }
                    }),
                })
                .collect(),
            notes: &r.notes,
            selection: json_selection(r),
            design_test: r
                .design_independence
                .zip(r.plan.compare.as_ref())
                .map(|(t, cp)| JsonDesignTest {
                    by: &r.plan.by[cp.by],
                    f: t.f,
                    f_ndf: t.f_ndf,
                    f_ddf: t.f_ddf,
                    f_p: t.f_p,
                    chisq: t.chisq,
                    chisq_df: t.chisq_df,
                    chisq_p: t.chisq_p,
                }),
        })
        .collect();
    let internal = !input.disclosure.protect;
    let report = JsonReport {
        internal_run: internal,
        notice: internal.then_some(INTERNAL_MARK),
        pipeline: &input.plan.name,
        withheld: input
            .withheld
            .iter()
            .map(|(title, reason)| JsonWithheld { title, reason })
            .collect(),
        input: &input.table.source.written,
        input_sha256: &input.table.source.sha256,
        margins_file: super::model::margins_file(input).map(|f| JsonFile {
            path: &f.written,
            sha256: &f.sha256,
        }),
        respondents_declared: input.plan.input.respondents,
        tables: table_bases(input),
        published_figures: if super::model::listed_figures(input) {
            published_figures(input.table)
        } else {
            Vec::new()
        },
        analyses,
    };
    let mut bytes = serde_json::to_vec_pretty(&report)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The bases of the tables of a file of several (none otherwise).
fn table_bases(input: &ReportInput) -> Vec<JsonBase> {
    if input.plan.input.table_column.is_none() {
        return Vec::new();
    }
    crate::validate::bases::bases(input.plan, input.table)
        .into_iter()
        .map(|(table, base)| JsonBase { table, base })
        .collect()
}

/// The published figures of a percentages table, each with its derived count.
fn published_figures(table: &Table) -> Vec<JsonFigure<'_>> {
    table
        .figures
        .iter()
        .map(|f| JsonFigure {
            line: f.line,
            values: table
                .columns
                .iter()
                .map(String::as_str)
                .zip(f.values.iter().map(|v| v.as_deref()))
                .collect(),
            percent: f.percent.to_string(),
            base: f.base,
            derived_count: f.derived,
            total: f.total,
            reproduced: f.percent.reproduced_by(f.derived, f.base),
        })
        .collect()
}

/// Every rejected record, verbatim, with its line and reason.
///
/// A published report (disclosure control on) gives the line, reason and detail only: a
/// respondent's record is personal data, and the line finds it in the input. An internal run
/// adds the record itself, with free-text and identifier fields withheld.
///
/// A columnar input (Parquet, Arrow IPC) has no lines: its first column is `row`, the
/// 1-based data row (`ingest::columnar`).
pub fn rejected_csv(table: &Table, protect: bool) -> Rows {
    let columnar = crate::plan::Format::parse(&table.format).is_some_and(|f| f.is_columnar());
    let mut header = vec![if columnar { "row" } else { "line" }, "reason", "detail"];
    if !protect {
        header.push("record");
    }
    let mut rows = vec![header.into_iter().map(String::from).collect::<Vec<_>>()];
    for r in &table.rejected {
        let mut row = vec![
            r.line.to_string(),
            r.reason.to_string(),
            safe_cell(&r.detail).into_owned(),
        ];
        if !protect {
            row.push(safe_cell(&r.record).into_owned());
        }
        rows.push(row);
    }
    rows
}

/// Every raw value without a recode entry, with its count and a suggestion.
pub fn unmapped_csv(unmapped: &[Unmapped], disclosure: &crate::plan::DisclosurePlan) -> Rows {
    let mut rows = vec![["column", "value", "respondents", "did_you_mean"]
        .map(String::from)
        .to_vec()];
    for u in unmapped {
        rows.push(vec![
            safe_cell(&u.column).into_owned(),
            safe_cell(&u.value).into_owned(),
            super::prose::unmapped_count(u.respondents, disclosure, |v| v.to_string()),
            u.suggestion
                .as_deref()
                .map(|s| safe_cell(s).into_owned())
                .unwrap_or_default(),
        ]);
    }
    rows
}

/// Every subgroup comparison: one row per analysis x outcome level x pair.
pub fn comparisons_csv(results: &[AnalysisResult]) -> Rows {
    let header = [
        "analysis",
        "by",
        "outcome",
        "group1",
        "x1",
        "n1",
        "group2",
        "x2",
        "n2",
        "measure",
        "method",
        "ci_level",
        "estimate",
        "ci_lower",
        "ci_upper",
        "test",
        "p_value",
        "adjust",
        "p_adjusted",
        "note",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    for r in results {
        let Some(cp) = &r.plan.compare else { continue };
        for c in &r.comparisons {
            let opt = |v: Option<f64>| v.map_or(String::new(), num);
            let count = |v: u64| {
                if c.withheld {
                    String::new()
                } else {
                    v.to_string()
                }
            };
            rows.push(vec![
                safe_cell(&r.plan.name).into_owned(),
                safe_cell(&r.plan.by[cp.by]).into_owned(),
                safe_cell(&c.level).into_owned(),
                safe_cell(&c.group1).into_owned(),
                count(c.pair.x1),
                count(c.pair.n1),
                safe_cell(&c.group2).into_owned(),
                count(c.pair.x2),
                count(c.pair.n2),
                cp.method.measure().name().into(),
                cp.method_name().into(),
                num(r.plan.level),
                opt(c.result.map(|x| x.estimate)),
                opt(c.result.map(|x| x.lower)),
                opt(c.result.map(|x| x.upper)),
                cp.test_name().into(),
                opt(c.p_value),
                cp.adjust.name().into(),
                opt(c.p_adjusted),
                if c.withheld {
                    "withheld: a compared cell is suppressed (disclosure control)".into()
                } else {
                    String::new()
                },
            ]);
        }
    }
    rows
}

/// Every cell disclosure control hid, with its rule (never its value).
pub fn suppression_csv(log: &[crate::disclosure::LogEntry]) -> Rows {
    let mut rows = vec![["analysis", "group", "cell", "shown_as", "rule", "reason"]
        .map(String::from)
        .to_vec()];
    for e in log {
        rows.push(vec![
            safe_cell(&e.analysis).into_owned(),
            safe_cell(&e.group).into_owned(),
            safe_cell(&e.cell).into_owned(),
            e.rule.shown(),
            e.rule.name().into(),
            safe_cell(&e.reason()).into_owned(),
        ]);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::safe_cell;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("+1"), "'+1");
        assert_eq!(safe_cell("@SUM"), "'@SUM");
        assert_eq!(safe_cell("\tx"), "'\tx");
        assert_eq!(safe_cell("worsened"), "worsened");
    }
}
