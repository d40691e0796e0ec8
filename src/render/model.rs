//! The report model: everything `index.html` and `report.md` say, built once from a
//! [`ReportInput`] and its plots, as plain serialisable data of finished strings.
//!
//! Every decision about content is made here and nowhere else: how a number is written
//! ([`crate::text`]: thousands, percentages, p-values), what disclosure control lets a
//! reader see (a hidden count is its `<5` or `suppressed` text, through
//! [`super::prose::count_text`]; a withheld comparison is `-`), which reliability mark an estimate
//! carries, which sentences the report says ([`super::prose`]). The two templates
//! (`templates/report.html.j2`, `templates/report.md.j2`, rendered by [`super::templates`])
//! only lay the model out and escape it for their format, so the page and the Markdown
//! cannot disagree about a figure or leave a section out.
//!
//! The strings are plain text, never markup: escaping is the templates' job (HTML
//! auto-escaping, Markdown escaping), except for the inline SVG of a plot, which is
//! markup made by [`crate::plots`] from escaped text.

use serde::Serialize;

use super::prose::{
    ci_phrase, comparison_label, count_text, disclosure_statement, excluded_total_text,
    exclusion_sentence, format_effect, included_text, key_findings, methods_paragraph, short_label,
    unmapped_count,
};
use super::{PlotFile, ReportInput};
use crate::estimate::AnalysisResult;
use crate::stats::compare::Measure;
use crate::stats::reliability::Flag;
use crate::text::{format_p, level_pct, pct, thousands};

/// The caveat every report carries.
const SELF_SELECTION: &str = "Confidence intervals describe sampling uncertainty only. Respondents to an open online survey choose themselves, so the figures describe those who answered and may not generalise to everyone with the condition.";

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    pub title: String,
    /// Disclosure control is off: the report says it is not for publication.
    pub internal: bool,
    pub description: Option<String>,
    pub findings: Vec<Finding>,
    pub data: Data,
    /// What disclosure control did ([`super::prose::disclosure_statement`]); `None` when it is off.
    pub disclosure: Option<String>,
    pub analyses: Vec<Analysis>,
    /// `[weighting]`: who answered against the population, and what the calibration did.
    pub weighting: Option<Weighting>,
    /// The pipeline's caveats, the self-selection caveat, then each analysis's notes.
    pub caveats: Vec<String>,
    pub provenance: Provenance,
}

/// A key finding and the analysis whose table holds its figures.
#[derive(Debug, Serialize)]
pub struct Finding {
    pub anchor: String,
    pub text: String,
}

/// A labelled count: a row of an accounting table or an item of the flow.
#[derive(Debug, Serialize)]
pub struct Count {
    pub label: String,
    pub count: String,
}

/// The input and its row accounting.
#[derive(Debug, Serialize)]
pub struct Data {
    /// The input as the pipeline names it.
    pub input: String,
    /// `respondents` or `counts`.
    pub kind: &'static str,
    pub read: String,
    pub used: String,
    pub rejected: String,
    /// "Read as UTF-8, comma-separated (detected)." and similar.
    pub read_as: String,
    pub warnings: Vec<String>,
    /// Rows read, rejected by reason, used, blank lines, respondents (counts inputs).
    pub rows: Vec<Count>,
    pub flow: Flow,
    pub unmapped: Vec<UnmappedRow>,
    /// A percentages input: every published figure with the count derived from it (none
    /// listed in a published report that hides cells: see [`listed_figures`]).
    pub published: Vec<PublishedFigure>,
    /// In their place, how many figures were read and checked.
    pub published_unlisted: Option<String>,
}

/// A published percentage and the count derived from it.
#[derive(Debug, Serialize)]
pub struct PublishedFigure {
    pub line: String,
    /// The figure's category values, `column = value, ...`.
    pub values: String,
    pub percent: String,
    pub base: String,
    pub derived: String,
    /// "group", or "total (checked)" for a published total.
    pub role: &'static str,
}

/// From rows read to respondents analysed.
#[derive(Debug, Serialize)]
pub struct Flow {
    /// Rejected rows by reason; empty when none was rejected.
    pub rejected: Vec<Count>,
    /// " (N respondents)" for a counts input, else empty.
    pub unit: String,
    /// "entering every analysis", or how the tables of a file of several enter them.
    pub entering: String,
    pub analyses: Vec<FlowAnalysis>,
}

/// One analysis in the flow.
#[derive(Debug, Serialize)]
pub struct FlowAnalysis {
    pub anchor: String,
    pub title: String,
    /// Excluded in all, as published; `None` when nobody was excluded.
    pub excluded: Option<String>,
    pub exclusions: Vec<Count>,
    pub analysed: String,
    pub denominator: String,
}

/// An answer that matched no recode.
#[derive(Debug, Serialize)]
pub struct UnmappedRow {
    pub column: String,
    pub value: String,
    pub respondents: String,
    pub suggestion: Option<String>,
}

/// One analysis's section.
#[derive(Debug, Serialize)]
pub struct Analysis {
    /// The analysis's name: the anchor of its section.
    pub anchor: String,
    pub title: String,
    pub question: Option<String>,
    pub denominator: String,
    pub n: String,
    pub exclusions: String,
    pub table: EstimateTable,
    pub simultaneous: Option<SimultaneousTable>,
    pub comparisons: Option<Comparisons>,
    pub plots: Vec<Plot>,
    pub level: String,
    pub method: &'static str,
    /// The methods paragraph ([`super::prose::methods_paragraph`]).
    pub methods: String,
    /// How far self-selection could move its figures ([`super::selection`]).
    pub selection: Option<super::selection::SelectionSection>,
    /// The plot of its figures against the selection ratio.
    pub selection_plot: Option<Plot>,
}

/// One row per subgroup, one column per level.
#[derive(Debug, Serialize)]
pub struct EstimateTable {
    /// "Wilson 95% CI" and similar.
    pub ci: String,
    /// The subgroup columns' headers (`Group` when there are none).
    pub groups: Vec<String>,
    /// The levels' display labels.
    pub levels: Vec<String>,
    pub rows: Vec<EstimateRow>,
    /// Estimates that fail the NCHS standard, and estimates to review.
    pub unreliable: usize,
    pub review: usize,
    /// The smallest n the reliability standard accepts.
    pub min_n: u64,
    /// What the figures in a cell are: "count / n", or said to be derived from published
    /// percentages.
    pub counts: &'static str,
}

/// One subgroup.
#[derive(Debug, Serialize)]
pub struct EstimateRow {
    /// The subgroup's values' labels (`All` for a margin or the overall row).
    pub labels: Vec<String>,
    pub n: String,
    pub cells: Vec<Cell>,
}

/// One level of one subgroup: an estimate, a suppressed cell, or neither (n = 0).
#[derive(Debug, Serialize)]
pub struct Cell {
    pub estimate: Option<Estimate>,
    pub suppressed: Option<Suppressed>,
}

/// A shown estimate.
#[derive(Debug, Serialize)]
pub struct Estimate {
    pub pct: String,
    pub lower: String,
    pub upper: String,
    pub count: String,
    pub n: String,
    pub mark: Option<Mark>,
}

/// A reliability mark: † unreliable, ‡ to review.
#[derive(Debug, Serialize)]
pub struct Mark {
    pub symbol: &'static str,
    /// `Unreliable` or `Review`.
    pub kind: &'static str,
    pub reason: String,
}

/// A cell disclosure control hid: what is shown of its count and its group size.
#[derive(Debug, Serialize)]
pub struct Suppressed {
    pub count: String,
    pub n: String,
}

/// The simultaneous intervals of every group.
#[derive(Debug, Serialize)]
pub struct SimultaneousTable {
    pub level: String,
    pub method: String,
    pub levels: Vec<String>,
    pub rows: Vec<SimultaneousRow>,
}

/// One group's simultaneous intervals, "lower to upper" per level (`None`: not computed).
#[derive(Debug, Serialize)]
pub struct SimultaneousRow {
    pub label: String,
    pub cells: Vec<Option<String>>,
}

/// The subgroup comparisons and the test of independence of an analysis that asks.
#[derive(Debug, Serialize)]
pub struct Comparisons {
    pub by: String,
    pub table: Option<ComparisonTable>,
    pub independence: Option<Independence>,
    /// A weighted survey's Rao-Scott test instead.
    pub design_test: Option<DesignTest>,
}

/// The Rao-Scott test of a weighted survey (`svychisq`'s "F" and "Chisq").
#[derive(Debug, Serialize)]
pub struct DesignTest {
    pub outcome: String,
    pub by: String,
    pub groups: String,
    pub f: String,
    pub f_ndf: String,
    pub f_ddf: String,
    pub f_p: String,
    pub chisq: String,
    pub chisq_df: String,
    pub chisq_p: String,
}

/// The pairwise comparisons.
#[derive(Debug, Serialize)]
pub struct ComparisonTable {
    /// "Difference (percentage points)", "Ratio" or "Odds ratio".
    pub measure: &'static str,
    pub method: &'static str,
    pub level: String,
    pub test: &'static str,
    pub count: usize,
    pub adjust: &'static str,
    pub rows: Vec<ComparisonRow>,
}

/// One comparison.
#[derive(Debug, Serialize)]
pub struct ComparisonRow {
    pub outcome: String,
    pub label: String,
    /// "38.2% (30 / 80)", `-` when withheld, `n = 0`.
    pub group1: String,
    pub group2: String,
    pub effect: Option<Effect>,
    /// Why there is no effect (withheld, not defined).
    pub no_effect: Option<&'static str>,
    pub p: String,
    pub p_adjusted: String,
}

/// An effect and its interval.
#[derive(Debug, Serialize)]
pub struct Effect {
    pub estimate: String,
    pub lower: String,
    pub upper: String,
}

/// The r x c test of independence.
#[derive(Debug, Serialize)]
pub struct Independence {
    pub outcome: String,
    pub by: String,
    pub groups: String,
    pub pearson: String,
    pub df: String,
    pub pearson_p: String,
    pub g: String,
    pub g_p: String,
    pub cramers_v: String,
}

/// A plot of the analysis.
#[derive(Debug, Serialize)]
pub struct Plot {
    /// The file stem under `plots/`.
    pub stem: String,
    pub alt: String,
    /// SVG markup for inlining (the page carries the font once).
    pub svg_inline: String,
}

/// Where the report came from (no date: the run date lives in `manifest.json` only).
#[derive(Debug, Serialize)]
pub struct Provenance {
    pub input: String,
    pub input_sha256: String,
    pub pipeline: String,
    pub pipeline_sha256: String,
    /// `[weighting] margins_file`: the population's file and its SHA-256.
    pub margins_file: Option<(String, String)>,
    pub tool: String,
}

/// The population margins file the weights were calibrated to, if any.
pub fn margins_file<'a>(input: &ReportInput<'a>) -> Option<&'a crate::plan::MarginsFile> {
    input.plan.weighting.as_ref()?.margins_file.as_ref()
}

/// Builds the model.
pub fn build(input: &ReportInput, plots: &[PlotFile]) -> Report {
    let plan = input.plan;
    let mut caveats = plan.report.caveats.clone();
    caveats.push(SELF_SELECTION.into());
    for r in input.results {
        caveats.extend(r.notes.iter().map(|n| format!("{}: {n}", r.plan.title)));
    }
    Report {
        title: plan.report.title.clone(),
        internal: !input.disclosure.protect,
        description: plan.report.description.clone(),
        findings: key_findings(input.results)
            .into_iter()
            .map(|(anchor, text)| Finding { anchor, text })
            .collect(),
        data: data(input),
        disclosure: input
            .disclosure
            .protect
            .then(|| disclosure_statement(input)),
        analyses: input.results.iter().map(|r| analysis(r, plots)).collect(),
        weighting: weighting(input, plots),
        caveats,
        provenance: Provenance {
            input: input.table.source.written.clone(),
            input_sha256: input.table.source.sha256.clone(),
            pipeline: input.pipeline_written.clone(),
            pipeline_sha256: input.pipeline_sha256.clone(),
            margins_file: margins_file(input).map(|f| (f.written.clone(), f.sha256.clone())),
            tool: format!("tally {}", env!("CARGO_PKG_VERSION")),
        },
    }
}

/// Whether a report lists the published figures of a percentages input one by one: an
/// internal run does, and so does a published report that hides nothing (a figure and its
/// base give its count back, so a report that hides a count must not list them).
pub fn listed_figures(input: &ReportInput) -> bool {
    !input.disclosure.protect || input.suppression.is_empty()
}

/// The published figures of a percentages input, in file order.
fn published_figures(t: &crate::ingest::Table) -> Vec<PublishedFigure> {
    t.figures
        .iter()
        .map(|f| PublishedFigure {
            line: f.line.to_string(),
            values: t
                .columns
                .iter()
                .zip(&f.values)
                .filter_map(|(c, v)| v.as_ref().map(|v| format!("{c} = {v}")))
                .collect::<Vec<_>>()
                .join(", "),
            percent: format!("{}%", f.percent),
            base: thousands(f.base),
            derived: thousands(f.derived),
            role: if f.total { "total (checked)" } else { "group" },
        })
        .collect()
}

/// The input, the rows read, used and rejected, the flow and the unmapped answers.
fn data(input: &ReportInput) -> Data {
    let plan = input.plan;
    let t = input.table;
    let counts_input = plan.input.kind.is_aggregated();
    let rejected: Vec<Count> = t
        .rejected_by_reason()
        .into_iter()
        .map(|(reason, n)| Count {
            label: reason.to_string(),
            count: thousands(n),
        })
        .collect();
    let mut rows = vec![Count {
        label: "Read".into(),
        count: thousands(t.records_read),
    }];
    rows.extend(rejected.iter().map(|c| Count {
        label: format!("Rejected: {}", c.label),
        count: c.count.clone(),
    }));
    rows.push(Count {
        label: "Used".into(),
        count: thousands(t.records_kept),
    });
    if t.blank_lines > 0 {
        rows.push(Count {
            label: "Blank lines skipped (not rows)".into(),
            count: thousands(t.blank_lines),
        });
    }
    if counts_input {
        let tables = plan.input.table_column.is_some();
        rows.push(Count {
            label: if tables {
                "Respondents in used rows (sum of counts, over all tables)".into()
            } else {
                "Respondents in used rows (sum of counts)".into()
            },
            count: thousands(t.respondents),
        });
        if let Some(n) = plan.input.respondents {
            rows.push(Count {
                label: "Survey respondents (as published)".into(),
                count: thousands(n),
            });
        }
        if let Some(c) = &plan.input.table_column {
            rows.extend(
                crate::validate::bases::bases(plan, t)
                    .into_iter()
                    .map(|(name, base)| Count {
                        label: format!("Base of table {c} = {name}"),
                        count: thousands(base),
                    }),
            );
        }
    }
    let read_as = if plan.input.format.is_columnar() {
        format!(
            "Read as a {} file: the columns the pipeline uses; rows are numbered from 1 (the file has no lines).",
            if plan.input.format == crate::plan::Format::Arrow { "Arrow IPC" } else { "Parquet" }
        )
    } else {
        format!(
            "Read as {}, {}-separated ({}){}.",
            t.encoding,
            crate::ingest::sniff::name(t.delimiter),
            if t.delimiter_sniffed {
                "detected"
            } else {
                "as the pipeline says"
            },
            if plan.input.format == crate::plan::Format::Csv {
                String::new()
            } else {
                format!("; a {} export", plan.input.format.name())
            }
        )
    };
    Data {
        input: t.source.written.clone(),
        kind: plan.input.kind.name(),
        read: thousands(t.records_read),
        used: thousands(t.records_kept),
        rejected: thousands(t.rejected.len() as u64),
        read_as,
        warnings: t.warnings.clone(),
        rows,
        flow: Flow {
            rejected,
            unit: match (counts_input, plan.input.table_column.is_some()) {
                (true, false) => format!(" ({} respondents)", thousands(t.respondents)),
                (true, true) => format!(
                    " ({} published tables of the survey's {} respondents)",
                    crate::validate::bases::bases(plan, t).len(),
                    thousands(plan.input.respondents.unwrap_or(0))
                ),
                (false, _) => String::new(),
            },
            entering: if plan.input.table_column.is_some() {
                "each analysis reading its own table".into()
            } else {
                "entering every analysis".into()
            },
            analyses: input.results.iter().map(flow_analysis).collect(),
        },
        unmapped: input
            .unmapped
            .iter()
            .map(|u| UnmappedRow {
                column: u.column.clone(),
                value: u.value.clone(),
                respondents: unmapped_count(u.respondents, &input.disclosure, thousands),
                suggestion: u.suggestion.clone(),
            })
            .collect(),
        published: if listed_figures(input) {
            published_figures(t)
        } else {
            Vec::new()
        },
        published_unlisted: (!listed_figures(input) && !t.figures.is_empty()).then(|| {
            format!(
                "The input gives {} published percentages of published bases; each count is the percentage of its base rounded half up, and every one gives its published percentage back at its printed precision. They are not listed here: with their bases they would show the small counts this report hides (an internal run lists them).",
                t.figures.len()
            )
        }),
    }
}

/// One analysis in the flow: excluded by reason, analysed.
fn flow_analysis(r: &AnalysisResult) -> FlowAnalysis {
    FlowAnalysis {
        anchor: r.plan.name.clone(),
        title: r.plan.title.clone(),
        excluded: (!r.data.exclusions.is_empty()).then(|| excluded_total_text(r)),
        exclusions: r
            .data
            .exclusions
            .iter()
            .map(|x| Count {
                label: x.reason.to_string(),
                count: count_text(x.respondents, x.hidden, thousands),
            })
            .collect(),
        analysed: included_text(r),
        denominator: r.plan.denominator.clone(),
    }
}

/// One analysis's section.
fn analysis(r: &AnalysisResult, plots: &[PlotFile]) -> Analysis {
    let p = &r.plan;
    Analysis {
        anchor: p.name.clone(),
        title: p.title.clone(),
        question: p.question.clone(),
        denominator: p.denominator.clone(),
        n: included_text(r),
        exclusions: exclusion_sentence(r),
        table: estimate_table(r),
        simultaneous: simultaneous_table(r),
        comparisons: comparisons(r),
        plots: plots
            .iter()
            .filter(|f| f.analysis == p.name && !f.selection)
            .map(|f| Plot {
                stem: f.stem.clone(),
                alt: f.rendered.alt.clone(),
                svg_inline: f.rendered.svg_inline.clone(),
            })
            .collect(),
        level: level_pct(p.level),
        method: p.ci_title(),
        methods: methods_paragraph(r),
        selection: r
            .selection
            .as_ref()
            .and_then(|s| super::selection::section(r, s)),
        selection_plot: plots
            .iter()
            .find(|f| f.analysis == p.name && f.selection)
            .map(|f| Plot {
                stem: f.stem.clone(),
                alt: f.rendered.alt.clone(),
                svg_inline: f.rendered.svg_inline.clone(),
            }),
    }
}

/// The estimates: one row per subgroup, one cell per level, as disclosure control left
/// them.
fn estimate_table(r: &AnalysisResult) -> EstimateTable {
    let p = &r.plan;
    let rows = r
        .groups()
        .into_iter()
        .map(|key| {
            let estimates: Vec<_> = r.rows_of(&key).collect();
            let labels = if p.by.is_empty() {
                vec!["All".to_string()]
            } else {
                key.iter()
                    .map(|v| v.as_deref().map_or("All", |v| p.labels.show(v)).to_string())
                    .collect()
            };
            EstimateRow {
                labels,
                n: estimates
                    .first()
                    .map_or(String::new(), |x| count_text(x.n, x.hidden_n, thousands)),
                cells: estimates.into_iter().map(cell).collect(),
            }
        })
        .collect();
    let count = |unreliable: bool| {
        r.rows
            .iter()
            .filter(|e| match e.flag {
                Some(Flag::Unreliable(_)) => unreliable,
                Some(Flag::Review(_)) => !unreliable,
                _ => false,
            })
            .count()
    };
    EstimateTable {
        ci: ci_phrase(r),
        groups: if p.by.is_empty() {
            vec!["Group".into()]
        } else {
            p.by.clone()
        },
        levels: p.levels.iter().map(|l| p.labels.show(l).into()).collect(),
        rows,
        unreliable: count(true),
        review: count(false),
        min_n: p.reliability.min_n,
        counts: if p.derived {
            "count / n, derived from the published percentages"
        } else if p.survey_method.is_some() {
            "weighted percentage, unweighted count / n"
        } else {
            "count / n"
        },
    }
}

/// One estimate as published.
fn cell(e: &crate::estimate::EstimateRow) -> Cell {
    let estimate = e.interval.map(|i| Estimate {
        pct: pct(i.estimate),
        lower: pct(i.lower),
        upper: pct(i.upper),
        count: thousands(e.count),
        n: thousands(e.n),
        mark: match &e.flag {
            Some(f @ Flag::Unreliable(_)) => Some(Mark {
                symbol: "\u{2020}",
                kind: "Unreliable",
                reason: f.reason().into(),
            }),
            Some(f @ Flag::Review(_)) => Some(Mark {
                symbol: "\u{2021}",
                kind: "Review",
                reason: f.reason().into(),
            }),
            _ => None,
        },
    });
    let suppressed = (estimate.is_none() && e.is_hidden()).then(|| Suppressed {
        count: count_text(e.count, e.hidden_count, thousands),
        n: count_text(e.n, e.hidden_n, thousands),
    });
    Cell {
        estimate,
        suppressed,
    }
}

/// The simultaneous intervals, when the analysis asks for them.
fn simultaneous_table(r: &AnalysisResult) -> Option<SimultaneousTable> {
    let p = &r.plan;
    let method = p.simultaneous_title()?;
    Some(SimultaneousTable {
        level: level_pct(p.level),
        method,
        levels: p.levels.iter().map(|l| p.labels.show(l).into()).collect(),
        rows: r
            .groups()
            .into_iter()
            .map(|key| SimultaneousRow {
                label: short_label(&p.labels, &key),
                cells: r
                    .rows_of(&key)
                    .map(|e| {
                        e.simultaneous
                            .map(|(lo, hi)| format!("{} to {}", pct(lo), pct(hi)))
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// The comparisons and the test of independence, when the analysis asks for them.
fn comparisons(r: &AnalysisResult) -> Option<Comparisons> {
    let p = &r.plan;
    let cp = p.compare.as_ref()?;
    let measure = cp.method.measure();
    let table = (!r.comparisons.is_empty()).then(|| ComparisonTable {
        measure: match measure {
            Measure::Diff => "Difference (percentage points)",
            Measure::Ratio => "Ratio",
            Measure::OddsRatio => "Odds ratio",
        },
        method: cp.method_title(),
        level: level_pct(p.level),
        test: cp.test_name(),
        count: r.comparisons.len(),
        adjust: cp.adjust.name(),
        rows: r
            .comparisons
            .iter()
            .map(|c| comparison_row(r, c, measure))
            .collect(),
    });
    let independence = r.independence.as_ref().map(|t| Independence {
        outcome: p.outcome.clone(),
        by: t.by.clone(),
        groups: t
            .groups
            .iter()
            .map(|g| p.labels.show(g))
            .collect::<Vec<_>>()
            .join(", "),
        pearson: format!("{:.2}", t.tests.pearson),
        df: t.tests.df.to_string(),
        pearson_p: format_p(t.tests.pearson_p),
        g: format!("{:.2}", t.tests.g),
        g_p: format_p(t.tests.g_p),
        cramers_v: format!("{:.3}", t.tests.cramers_v),
    });
    let design_test = r.design_independence.map(|t| DesignTest {
        outcome: p.outcome.clone(),
        by: p.by[cp.by].clone(),
        groups: r.data.group_orders[cp.by]
            .iter()
            .map(|g| p.labels.show(g))
            .collect::<Vec<_>>()
            .join(", "),
        f: format!("{:.3}", t.f),
        f_ndf: format!("{:.2}", t.f_ndf),
        f_ddf: format!("{:.1}", t.f_ddf),
        f_p: format_p(t.f_p),
        chisq: format!("{:.2}", t.chisq),
        chisq_df: format!("{:.0}", t.chisq_df),
        chisq_p: format_p(t.chisq_p),
    });
    Some(Comparisons {
        by: p.by[cp.by].clone(),
        table,
        independence,
        design_test,
    })
}

/// One comparison as published: nothing of a withheld one but its groups.
fn comparison_row(
    r: &AnalysisResult,
    c: &crate::estimate::ComparisonRow,
    measure: Measure,
) -> ComparisonRow {
    let share = |x: u64, n: u64| {
        if c.withheld {
            "-".to_string()
        } else if n == 0 {
            "n = 0".to_string()
        } else {
            format!(
                "{} ({} / {})",
                pct(x as f64 / n as f64),
                thousands(x),
                thousands(n)
            )
        }
    };
    ComparisonRow {
        outcome: r.plan.labels.show(&c.level).into(),
        label: comparison_label(&r.plan.labels, c),
        group1: share(c.pair.x1, c.pair.n1),
        group2: share(c.pair.x2, c.pair.n2),
        effect: c.result.map(|x| Effect {
            estimate: format_effect(measure, x.estimate),
            lower: format_effect(measure, x.lower),
            upper: format_effect(measure, x.upper),
        }),
        no_effect: match c.result {
            Some(_) => None,
            None if c.withheld => Some("withheld: a compared cell is suppressed"),
            None => Some("not defined"),
        },
        p: c.p_value.map_or("-".into(), format_p),
        p_adjusted: c.p_adjusted.map_or("-".into(), format_p),
    }
}

// ---------------------------------------------------------------- weighting (`[weighting]`)

/// The section "Weighting to the population": the method, every margin level's population
/// share beside the sample's (unweighted, with the base weights, calibrated), convergence,
/// the weights' range and the design effect due to weighting.
#[derive(Debug, Serialize)]
pub struct Weighting {
    /// The method in words, with its R function.
    pub method: String,
    /// Convergence, the largest margin error, the weights' range, the design effect.
    pub sentences: String,
    pub margins: Vec<WeightingMargin>,
    /// Why some margins show no sample shares (disclosure), if any do.
    pub withheld: Option<String>,
    pub plot: Option<Plot>,
}

/// One margin of the weighting table.
#[derive(Debug, Serialize)]
pub struct WeightingMargin {
    pub column: String,
    pub levels: Vec<WeightingLevel>,
}

/// One level: its shares as finished strings (`None`: withheld by disclosure control).
#[derive(Debug, Serialize)]
pub struct WeightingLevel {
    pub level: String,
    pub population: String,
    pub unweighted: Option<String>,
    pub base: Option<String>,
    pub calibrated: Option<String>,
}

/// The stem of the margins plot under `plots/`.
pub const WEIGHTING_PLOT: &str = "weighting-margins";

/// The weighting summary and which margins may show the sample's shares: a margin with a
/// level of fewer than `min_cell` respondents shows none of them (its shares would give
/// that count back from the respondent total), unless the run is internal.
pub fn weighting_view(
    input: &ReportInput,
) -> Option<(crate::estimate::weighted::WeightingSummary, Vec<bool>)> {
    let s = crate::estimate::weighted::summary(input.plan, input.table)?;
    let d = &input.disclosure;
    // A sample share times the respondents is a count the disclosure audit does not see:
    // a protected report shows the shares only when it hides nothing that such a count,
    // beside the rest, could help narrow down (the rule of `listed_figures`).
    let shown = s
        .margins
        .iter()
        .map(|m| {
            !d.protect
                || (input.suppression.is_empty() && m.levels.iter().all(|l| l.count >= d.min_cell))
        })
        .collect();
    Some((s, shown))
}

fn weighting(input: &ReportInput, plots: &[PlotFile]) -> Option<Weighting> {
    let w = input.plan.weighting.as_ref()?;
    let (s, shown) = weighting_view(input)?;
    let labels = |code: &str| -> String {
        input
            .results
            .first()
            .map_or(code.to_string(), |r| r.plan.labels.show(code).to_string())
    };
    let pct2 = |v: f64| format!("{:.2}%", v * 100.0);
    let margins = s
        .margins
        .iter()
        .zip(&shown)
        .map(|(m, &show)| WeightingMargin {
            column: m.column.clone(),
            levels: m
                .levels
                .iter()
                .map(|l| WeightingLevel {
                    level: labels(&l.level),
                    population: pct2(l.population),
                    unweighted: show.then(|| pct2(l.unweighted)),
                    base: show.then(|| pct2(l.base)),
                    calibrated: show.then(|| pct2(l.calibrated)),
                })
                .collect(),
        })
        .collect();
    let hidden: Vec<String> = s
        .margins
        .iter()
        .zip(&shown)
        .filter(|(_, show)| !**show)
        .map(|(m, _)| format!("`{}`", m.column))
        .collect();
    let withheld = (!hidden.is_empty()).then(|| {
        format!(
            "The sample's shares of {} are not shown: {}, and a share of the {} respondents would give a number of them.",
            hidden.join(", "),
            if input.suppression.is_empty() {
                format!("a level has fewer than {} respondents", input.disclosure.min_cell)
            } else {
                "the report hides other numbers".to_string()
            },
            thousands(s.respondents)
        )
    });
    let mut sentences = Vec::new();
    sentences.push(match w.method {
        crate::plan::MethodPlan::PostStratify => format!(
            "Post-stratified in one step: every cell's weights scaled to its population total (largest difference between a weighted and a population share: {:.2e} percentage points).",
            s.max_margin_error * 100.0
        ),
        crate::plan::MethodPlan::Rake => format!(
            "Raking converged in {} iteration(s) (passes over the margins; R's rule: no class's weighted total changed by {} or more in the last one); the largest difference between a calibrated and a population share is {:.2e} percentage points.",
            s.iterations,
            w.epsilon,
            s.max_margin_error * 100.0
        ),
        crate::plan::MethodPlan::Calibrate(_) => {
            let steps = if s.iterations == 0 {
                "in one step (regression calibration)".to_string()
            } else {
                format!("in {} Newton iteration(s)", s.iterations)
            };
            format!(
                "The calibration converged {steps}; the largest difference between a calibrated and a population share is {:.2e} percentage points.",
                s.max_margin_error * 100.0
            )
        }
    });
    let (g0, g1) = s.factor_range;
    let mut range = format!(
        "The calibration factors (calibrated weight / base weight) run from {g0:.3} to {g1:.3} (ratio {:.1}).",
        g1 / g0
    );
    if let Some((a, b)) = s.weight_range {
        range.push_str(&format!(
            " The calibrated weights run from {a:.4} to {b:.4} (ratio {:.1}).",
            b / a
        ));
    }
    if s.trimmed > 0.0 {
        range.push_str(&format!(
            " {} respondent(s) had their weights trimmed to the bounds (R survey::trimWeights), the amount trimmed shared out equally among the others.",
            thousands(s.trimmed as u64)
        ));
    }
    sentences.push(range);
    let n = s.respondents as f64;
    sentences.push(format!(
        "Design effect due to weighting (Kish, 1 + CV² of the weights): {:.3} after calibration ({:.3} with the base weights), an effective sample size of {} of {} respondents. The weights sum to {}, the population.",
        s.kish_deff,
        s.kish_deff_base,
        thousands((n / s.kish_deff).round() as u64),
        thousands(s.respondents),
        thousands(s.population.round() as u64)
    ));
    let plot = plots
        .iter()
        .find(|f| f.stem == WEIGHTING_PLOT)
        .map(|f| Plot {
            stem: f.stem.clone(),
            alt: f.rendered.alt.clone(),
            svg_inline: f.rendered.svg_inline.clone(),
        });
    let sentences = sentences.join(" ");
    Some(Weighting {
        method: crate::plan::WEIGHTING_METHODS
            .iter()
            .find(|(n, _)| *n == w.name)
            .map_or(w.name.clone(), |(_, words)| words.to_string()),
        sentences,
        margins,
        withheld,
        plot,
    })
}
