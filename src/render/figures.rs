//! The report's plots: every analysis put into the plain words and numbers the plots draw
//! from ([`crate::plots::Analysis`]), then every plot kind that applies drawn from it, in
//! parallel. The kinds themselves (what each draws, and how) are [`crate::plots::KINDS`].

use super::prose::{ci_phrase, comparison_label, format_effect, short_label};
use super::{RenderError, ReportInput};
use crate::disclosure::Suppression;
use crate::estimate::AnalysisResult;
use crate::plots::{self, Cell, Comparison, Comparisons, Effect, Group, Hidden, PlotKind};
use crate::stats::compare::Measure;
use crate::text::{format_p, level_pct};

/// A plot of one analysis, rendered, with its file stem.
pub struct PlotFile {
    pub analysis: String,
    pub stem: String,
    pub rendered: plots::Rendered,
    /// The analysis's figures against the selection ratio (shown in its self-selection
    /// part, not with its other plots).
    pub selection: bool,
}

/// Renders every plot, in parallel (rayon's pool; the order of the result is the order of
/// the jobs, so the report is the same whatever the scheduling). For each analysis: the
/// kinds the report chose, in its order, then every comparison kind that applies; then each
/// analysis's figures against the selection ratio; then the weighting margins. The plots of
/// every analysis are one batch, so that no core waits between kinds.
pub fn render_plots(input: &ReportInput) -> Result<Vec<PlotFile>, RenderError> {
    use rayon::prelude::*;
    let internal = !input.disclosure.protect;
    let views: Vec<plots::Analysis> = input.results.iter().map(analysis).collect();
    let mut jobs: Vec<Job> = Vec::new();
    for (r, a) in input.results.iter().zip(&views) {
        let chosen = input.plan.report.plots.iter().copied();
        for kind in chosen.chain(plots::comparison_kinds()) {
            if kind.applies(a) {
                jobs.push(Job::Kind(r, a, kind));
            }
        }
    }
    jobs.extend(input.results.iter().filter_map(|r| {
        let s = r.selection.as_ref()?;
        super::selection::plot(r, s).map(|p| Job::Selection(r.plan.name.clone(), p))
    }));
    let mut files: Vec<PlotFile> = jobs
        .into_par_iter()
        .map(|job| {
            let (analysis, stem, drawn, selection) = match job {
                Job::Kind(r, a, kind) => (
                    r.plan.name.clone(),
                    format!("{}-{}", r.plan.name, kind.name),
                    (kind.draw)(a, internal),
                    false,
                ),
                Job::Selection(name, plot) => (
                    name.clone(),
                    format!("{name}-selection"),
                    plots::selection::draw(&plot, internal),
                    true,
                ),
            };
            match drawn {
                Ok(rendered) => Ok(PlotFile {
                    analysis,
                    stem,
                    rendered,
                    selection,
                }),
                Err(message) => Err(RenderError::Plot { stem, message }),
            }
        })
        .collect::<Result<_, _>>()?;
    if let Some(p) = weighting_plot(input, internal)? {
        files.push(p);
    }
    Ok(files)
}

/// One plot to draw: a kind of an analysis, or an analysis's selection-ratio figure.
enum Job<'a> {
    Kind(&'a AnalysisResult, &'a plots::Analysis, PlotKind),
    Selection(String, plots::selection::SelectionPlot),
}

/// The margins plot of a `[weighting]` calibration ([`plots::margins`]); the sample's dots
/// of a margin the report may not show are left out, as in the table.
fn weighting_plot(input: &ReportInput, internal: bool) -> Result<Option<PlotFile>, RenderError> {
    use plots::margins::{Margins, Row};
    let Some((s, shown)) = super::model::weighting_view(input) else {
        return Ok(None);
    };
    let label = |code: &str| -> String {
        input
            .results
            .first()
            .map_or(code.to_string(), |r| r.plan.labels.show(code).to_string())
    };
    let mut rows = Vec::new();
    for (m, show) in s.margins.iter().zip(shown) {
        rows.push(Row::Heading(m.column.clone()));
        for l in &m.levels {
            rows.push(Row::Level {
                label: label(&l.level),
                population: l.population,
                sample: show.then_some([l.unweighted, l.base, l.calibrated]),
            });
        }
    }
    let plot = Margins {
        title: "Who answered and the population".into(),
        subtitle: format!(
            "Shares of each margin: the population's, and the sample's before and after weighting ({})",
            s.method
        ),
        rows,
    };
    let stem = super::model::WEIGHTING_PLOT.to_string();
    match plots::margins::draw(&plot, internal) {
        Ok(rendered) => Ok(Some(PlotFile {
            analysis: String::new(),
            stem,
            rendered,
            selection: false,
        })),
        Err(message) => Err(RenderError::Plot { stem, message }),
    }
}

/// An analysis as the plots see it: levels and groups by their labels (planning made sure
/// that no two levels share one, so the plots can match cells to levels by it).
pub fn analysis(r: &AnalysisResult) -> plots::Analysis {
    let p = &r.plan;
    let shown = |code: &str| p.labels.show(code).to_string();
    let hidden = |s: Suppression| match s {
        Suppression::Complementary => Hidden::Complementary,
        small => Hidden::Small(small.shown()),
    };
    let groups = r
        .groups()
        .into_iter()
        .map(|key| Group {
            label: short_label(&p.labels, &key),
            cells: r
                .rows_of(&key)
                .map(|x| Cell {
                    level: shown(&x.outcome),
                    count: x.count,
                    n: x.n,
                    interval: x.interval.map(|i| (i.estimate, i.lower, i.upper)),
                    hidden: x.hidden_count.or(x.hidden_n).map(hidden),
                    n_hidden: x.hidden_n.is_some(),
                })
                .collect(),
        })
        .collect();
    plots::Analysis {
        title: p.title.clone(),
        denominator: p.denominator.clone(),
        ci: ci_phrase(r),
        levels: p.levels.iter().map(|l| shown(l)).collect(),
        negative: p.negative.iter().map(|l| shown(l)).collect(),
        neutral: p.neutral.iter().map(|l| shown(l)).collect(),
        positive: p.positive.iter().map(|l| shown(l)).collect(),
        groups,
        comparisons: comparisons(r),
    }
}

/// An analysis's comparisons as the plots see them; `None` when it has none.
fn comparisons(r: &AnalysisResult) -> Option<Comparisons> {
    let cp = r
        .plan
        .compare
        .as_ref()
        .filter(|_| !r.comparisons.is_empty())?;
    let measure = cp.method.measure();
    let rows = r
        .comparisons
        .iter()
        .map(|c| Comparison {
            label: format!(
                "{}: {}",
                r.plan.labels.show(&c.level),
                comparison_label(&r.plan.labels, c)
            ),
            value: c.result.map(|x| (x.estimate, x.lower, x.upper)),
            text: match c.result {
                Some(x) => format!(
                    "{} ({} to {}), p = {}",
                    format_effect(measure, x.estimate),
                    format_effect(measure, x.lower),
                    format_effect(measure, x.upper),
                    c.p_adjusted.map_or("-".into(), format_p)
                ),
                None if c.withheld => "withheld (small cells)".into(),
                None => "not defined".into(),
            },
        })
        .collect();
    Some(Comparisons {
        effect: match measure {
            Measure::Diff => Effect::Difference,
            Measure::Ratio => Effect::Ratio,
            Measure::OddsRatio => Effect::OddsRatio,
        },
        method: cp.method_title().to_string(),
        level: level_pct(r.plan.level),
        test: cp.test_name().to_string(),
        adjust: cp.adjust.name().to_string(),
        rows,
    })
}
