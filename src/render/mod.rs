//! Render: estimate tables in, artifacts (named byte buffers) out. Pure: nothing here
//! touches the file system; [`crate::output`] writes what this returns.

pub mod html;
pub mod markdown;
pub mod plots;
pub mod tables;
pub mod xlsx;

use crate::disclosure::Suppression;
use crate::estimate::AnalysisResult;
use crate::ingest::Table;
use crate::plan::{DisclosurePlan, Plan, PlotKind};
use crate::validate::Unmapped;
use plots::bars::{BarChart, BarGroup};
use plots::diverging::{DivergingChart, Segment};
use plots::Side;

/// A file of the report directory: a relative path and its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Everything a report is made from.
pub struct ReportInput<'a> {
    pub plan: &'a Plan,
    /// The pipeline file's path as given on the command line, and its SHA-256.
    pub pipeline_written: String,
    pub pipeline_sha256: String,
    pub table: &'a Table,
    pub unmapped: &'a [Unmapped],
    /// Estimates after disclosure control.
    pub results: &'a [AnalysisResult],
    /// The disclosure settings in force (after any `--internal`).
    pub disclosure: DisclosurePlan,
    /// Every suppressed cell.
    pub suppression: &'a [crate::disclosure::LogEntry],
    /// Analyses left out whole by disclosure control: `(title, why)`.
    pub withheld: &'a [(String, String)],
}

/// What disclosure control did, in words, for every output that says so (HTML, Markdown,
/// the spreadsheet's "Read me").
pub fn disclosure_statement(input: &ReportInput) -> String {
    let d = &input.disclosure;
    let small = input
        .suppression
        .iter()
        .filter(|e| matches!(e.rule, Suppression::Small(_)))
        .count();
    let complementary = input.suppression.len() - small;
    let mut s = format!(
        "So that no respondent can be identified, small counts (below {t}) are shown as <{t} with no percentage, and so are zeros beside them; {complementary} further number(s) are marked \"suppressed\" so that the hidden ones cannot be worked out from totals, from other tables of this report or from test statistics. Every hidden number was audited: no combination of the published figures narrows a <{t} to fewer than {m} possible values, and no group of fewer than {g} respondents is shown to have answered all, or all but a few, alike. {} number(s) are hidden in all ({small} shown as <{t}, {complementary} complementary), each listed with its rule in suppression.csv; statistics that would be computed from a hidden number (intervals, simultaneous intervals, comparisons, tests of independence) are withheld.",
        input.suppression.len(),
        t = d.min_cell,
        m = d.min_cell - 1,
        g = d.min_group,
    );
    for (title, why) in input.withheld {
        s.push_str(&format!(" The analysis \u{201c}{title}\u{201d} is {why}."));
    }
    if let Some(b) = d.round {
        s.push_str(&format!(
            " Shown counts are rounded to the nearest {b}, and every percentage, interval, comparison and test is computed from the rounded counts, so rounded figures need not add up exactly."
        ));
    }
    s
}

/// The respondents behind an unmapped value, as published: below the minimum cell count,
/// `<5` like any small count; rounded like every count when rounding is on.
pub fn unmapped_count(n: u64, d: &DisclosurePlan, fmt: fn(u64) -> String) -> String {
    let hidden = (d.protect && n < d.min_cell).then_some(Suppression::Small(d.min_cell));
    let shown = match d.round.filter(|_| d.protect) {
        Some(b) => crate::disclosure::round_to(n, b),
        None => n,
    };
    count_text(shown, hidden, fmt)
}

/// A count as published: the number, or what is shown in its place (`<5`, `suppressed`).
/// `fmt` formats a shown number.
pub fn count_text(value: u64, hidden: Option<Suppression>, fmt: fn(u64) -> String) -> String {
    match hidden {
        None => fmt(value),
        Some(s) => s.shown(),
    }
}

/// A plot of one analysis, rendered, with its file stem.
pub struct PlotFile {
    pub analysis: String,
    pub stem: String,
    pub rendered: plots::Rendered,
}

/// Renders every artifact except the manifest (which needs the run's timings).
pub fn render(input: &ReportInput) -> Result<Vec<Artifact>, String> {
    let plots = render_plots(input)?;
    let internal = !input.disclosure.protect;
    let mut out = vec![
        Artifact {
            path: "estimates.csv".into(),
            bytes: tables::csv_bytes(tables::estimates_csv(input.results), internal),
        },
        Artifact {
            path: "estimates.json".into(),
            bytes: tables::estimates_json(input)?,
        },
        Artifact {
            path: "rejected.csv".into(),
            bytes: tables::csv_bytes(
                tables::rejected_csv(input.table, input.disclosure.protect),
                internal,
            ),
        },
        Artifact {
            path: "unmapped.csv".into(),
            bytes: tables::csv_bytes(
                tables::unmapped_csv(input.unmapped, &input.disclosure),
                internal,
            ),
        },
        Artifact {
            path: "suppression.csv".into(),
            bytes: tables::csv_bytes(tables::suppression_csv(input.suppression), internal),
        },
        Artifact {
            path: "index.html".into(),
            bytes: html::report(input, &plots).into_bytes(),
        },
        Artifact {
            path: "report.md".into(),
            bytes: markdown::report(input, &plots).into_bytes(),
        },
    ];
    out.push(Artifact {
        path: "tables.xlsx".into(),
        bytes: xlsx::workbook(input)?,
    });
    out.push(Artifact {
        path: "comparisons.csv".into(),
        bytes: tables::csv_bytes(tables::comparisons_csv(input.results), internal),
    });
    for p in plots {
        out.push(Artifact {
            path: format!("plots/{}.svg", p.stem),
            bytes: p.rendered.svg.into_bytes(),
        });
        out.push(Artifact {
            path: format!("plots/{}.png", p.stem),
            bytes: p.rendered.png,
        });
    }
    Ok(out)
}

/// Renders every plot, in parallel (rayon's pool; the order of the result is the order of
/// the jobs, so the report is the same whatever the scheduling).
fn render_plots(input: &ReportInput) -> Result<Vec<PlotFile>, String> {
    use rayon::prelude::*;
    let internal = !input.disclosure.protect;
    #[derive(Clone, Copy)]
    enum Job {
        Bars,
        Diverging,
        Forest,
    }
    let mut jobs: Vec<(&AnalysisResult, Job)> = Vec::new();
    for r in input.results {
        for kind in &input.plan.report.plots {
            jobs.push((
                r,
                if *kind == PlotKind::Bars {
                    Job::Bars
                } else {
                    Job::Diverging
                },
            ));
        }
        if !r.comparisons.is_empty() {
            jobs.push((r, Job::Forest));
        }
    }
    jobs.into_par_iter()
        .map(|(r, job)| {
            let (suffix, rendered) = match job {
                Job::Bars => ("bars", plots::render(&bar_chart(r), internal)?),
                Job::Diverging => ("diverging", plots::render(&diverging_chart(r), internal)?),
                Job::Forest => ("forest", plots::render(&forest_plot(r), internal)?),
            };
            Ok(PlotFile {
                analysis: r.plan.name.clone(),
                stem: format!("{}-{}", r.plan.name, suffix),
                rendered,
            })
        })
        .collect()
}

/// A p-value for people: "0.0046", "1.2e-05", "< 1e-300".
pub fn format_p(p: f64) -> String {
    if p == 0.0 {
        "< 1e-300".into()
    } else if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// An estimate of a comparison: percentage points for differences, plain for ratios.
pub fn format_effect(measure: crate::stats::compare::Measure, v: f64) -> String {
    match measure {
        crate::stats::compare::Measure::Diff => format!("{:+.1}", v * 100.0),
        _ if v.is_infinite() => "\u{221e}".into(),
        _ => format!("{v:.2}"),
    }
}

/// "Non-specialist vs M.E. specialist".
pub fn comparison_label(c: &crate::estimate::ComparisonRow) -> String {
    format!("{} vs {}", c.group1, c.group2)
}

fn forest_plot(r: &AnalysisResult) -> plots::forest::ForestPlot {
    let cp = r
        .plan
        .compare
        .as_ref()
        .expect("comparisons come from a compare plan");
    let measure = cp.method.measure();
    let rows = r
        .comparisons
        .iter()
        .map(|c| plots::forest::ForestRow {
            label: format!("{}: {}", c.level, comparison_label(c)),
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
    let what = match measure {
        crate::stats::compare::Measure::Diff => "Difference in percentage points",
        crate::stats::compare::Measure::Ratio => "Ratio of proportions (log scale)",
        crate::stats::compare::Measure::OddsRatio => "Odds ratio (log scale)",
    };
    plots::forest::ForestPlot {
        title: format!("{}: subgroup comparisons", r.plan.title),
        subtitle: format!(
            "{}, {} method, {} CI; p-values: {} test, {} adjusted.",
            what,
            cp.method.title(),
            level_pct(r.plan.level),
            cp.test.name(),
            cp.adjust.name()
        ),
        x_label: format!("{what} ({} CI)", level_pct(r.plan.level)),
        rows,
        null: measure.null_value(),
        log: measure != crate::stats::compare::Measure::Diff,
        percent: measure == crate::stats::compare::Measure::Diff,
    }
}

/// A subgroup's short label for plots: its values joined, or "All".
pub fn short_label(key: &[Option<String>]) -> String {
    let parts: Vec<&str> = key.iter().flatten().map(String::as_str).collect();
    if parts.is_empty() {
        "All".into()
    } else {
        parts.join(" \u{b7} ")
    }
}

/// "Wilson 95% CI" and similar.
pub fn ci_phrase(r: &AnalysisResult) -> String {
    format!("{} {} CI", r.plan.method.title(), level_pct(r.plan.level))
}

/// 0.95 -> "95%", 0.999 -> "99.9%".
pub fn level_pct(level: f64) -> String {
    let v = level * 100.0;
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

fn bar_chart(r: &AnalysisResult) -> BarChart {
    let groups = r
        .groups()
        .into_iter()
        .filter(|key| r.rows_of(key).all(|x| x.hidden_n.is_none()))
        .map(|key| {
            let rows: Vec<_> = r.rows_of(&key).collect();
            BarGroup {
                label: short_label(&key),
                n: rows.first().map_or(0, |x| x.n),
                values: rows
                    .iter()
                    .map(|x| match (x.interval, x.hidden_count.or(x.hidden_n)) {
                        (Some(i), _) => Ok((i.estimate, i.lower, i.upper)),
                        (None, Some(Suppression::Complementary)) => Err("suppressed".into()),
                        (None, Some(s)) => Err(format!("suppressed ({})", s.shown())),
                        (None, None) => Err("no estimate (n = 0)".into()),
                    })
                    .collect(),
            }
        })
        .collect();
    let p = &r.plan;
    let sides: Vec<Side> = p
        .levels
        .iter()
        .map(|l| {
            if p.negative.contains(l) {
                Side::Negative
            } else if p.neutral.contains(l) {
                Side::Neutral
            } else if p.positive.contains(l) {
                Side::Positive
            } else {
                Side::Aside
            }
        })
        .collect();
    BarChart {
        colours: plots::level_colours(&sides),
        title: r.plan.title.clone(),
        subtitle: format!(
            "Denominator: {}. Whiskers: {}.",
            r.plan.denominator,
            ci_phrase(r)
        ),
        x_label: format!("Percentage of respondents ({})", ci_phrase(r)),
        levels: r.plan.levels.clone(),
        groups,
    }
}

fn diverging_chart(r: &AnalysisResult) -> DivergingChart {
    let p = &r.plan;
    let segments: Vec<Segment> = p
        .negative
        .iter()
        .map(|l| (l, Side::Negative))
        .chain(p.neutral.iter().map(|l| (l, Side::Neutral)))
        .chain(p.positive.iter().map(|l| (l, Side::Positive)))
        .map(|(l, side)| Segment {
            level: l.clone(),
            side,
        })
        .collect();
    let aside: Vec<&str> = p
        .levels
        .iter()
        .filter(|l| !segments.iter().any(|s| &s.level == *l))
        .map(String::as_str)
        .collect();
    let mut subtitle = format!("Denominator: {}.", p.denominator);
    if !aside.is_empty() {
        subtitle.push_str(&format!(" Not shown in the bars: {}.", aside.join(", ")));
    }
    // A group with a suppressed cell would be drawn with a wrong (zero) segment: leave it out.
    let keys: Vec<_> = r.groups();
    let (keys, hidden): (Vec<_>, Vec<_>) = keys
        .into_iter()
        .partition(|key| r.rows_of(key).all(|x| !x.is_hidden()));
    if !hidden.is_empty() {
        subtitle.push_str(&format!(
            " {} group(s) with suppressed small cells not drawn.",
            hidden.len()
        ));
    }
    let groups = keys
        .into_iter()
        .map(|key| {
            let rows: Vec<_> = r.rows_of(&key).collect();
            let n = rows.first().map_or(0, |x| x.n);
            let values = (n > 0).then(|| {
                segments
                    .iter()
                    .map(|s| {
                        rows.iter()
                            .find(|x| x.outcome == s.level)
                            .map_or(0.0, |x| x.count as f64 / n as f64)
                    })
                    .collect()
            });
            (short_label(&key), n, values)
        })
        .collect();
    DivergingChart {
        title: r.plan.title.clone(),
        subtitle,
        segments,
        groups,
    }
}

/// The report's key findings, one sentence each, generated from the estimates, with the
/// analysis each comes from (so that the page can link it to its table): for every analysis
/// the overall share of each negative and positive level, then every subgroup comparison
/// whose adjusted p-value is below 0.05. Unreliable estimates say so; suppressed ones are left
/// out.
pub fn key_findings(results: &[AnalysisResult]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // Two analyses of one question (by different subgroups) share their overall figures:
    // state each once.
    let mut stated: Vec<(&str, &str, &str, u64, u64)> = Vec::new();
    for r in results {
        let p = &r.plan;
        let Some(overall) = r.groups().into_iter().next() else {
            continue;
        };
        for e in r.rows.iter().filter(|x| x.group == overall) {
            if !(p.negative.contains(&e.outcome) || p.positive.contains(&e.outcome)) {
                continue;
            }
            let key = (
                p.outcome.as_str(),
                p.denominator.as_str(),
                e.outcome.as_str(),
                e.count,
                e.n,
            );
            if stated.contains(&key) {
                continue;
            }
            stated.push(key);
            let Some(i) = e.interval else { continue };
            let mut s = format!(
                "{}: {} ({} CI {} to {}) of the {} {} answered \u{201c}{}\u{201d}",
                p.title,
                html::pct(i.estimate),
                level_pct(p.level),
                html::pct(i.lower),
                html::pct(i.upper),
                plots::bars::thousands(e.n),
                p.denominator,
                e.outcome
            );
            if let Some(crate::stats::reliability::Flag::Unreliable(why)) = &e.flag {
                s.push_str(&format!(" (unreliable: {why})"));
            }
            s.push('.');
            out.push((p.name.clone(), s));
        }
        if let Some(cp) = &p.compare {
            let measure = cp.method.measure();
            for c in &r.comparisons {
                let (Some(x), Some(adj)) = (c.result, c.p_adjusted) else {
                    continue;
                };
                if adj >= 0.05 {
                    continue;
                }
                let unit = if measure == crate::stats::compare::Measure::Diff {
                    " percentage points"
                } else {
                    ""
                };
                out.push((
                    p.name.clone(),
                    format!(
                        "{}: {}, {} vs {}: {}{unit} ({} CI {} to {}), {}-adjusted p = {}.",
                        p.title,
                        c.level,
                        c.group1,
                        c.group2,
                        format_effect(measure, x.estimate),
                        level_pct(p.level),
                        format_effect(measure, x.lower),
                        format_effect(measure, x.upper),
                        cp.adjust.name(),
                        format_p(adj)
                    ),
                ));
            }
        }
    }
    out
}

/// An analysis's denominator as published.
pub fn included_text(r: &AnalysisResult) -> String {
    count_text(
        r.data.included,
        r.data.hidden_included,
        plots::bars::thousands,
    )
}

/// Respondents excluded from an analysis in all, as published: shown only when the
/// denominator is, since the two add up to the respondents.
pub fn excluded_total_text(r: &AnalysisResult) -> String {
    match r.data.hidden_included {
        None => plots::bars::thousands(r.data.available.saturating_sub(r.data.included)),
        Some(_) => "a suppressed number of".into(),
    }
}

/// Sentences describing who was excluded from an analysis, for the methods paragraph.
pub fn exclusion_sentence(r: &AnalysisResult) -> String {
    if r.data.exclusions.is_empty() {
        return "No respondent was excluded.".into();
    }
    let parts: Vec<String> = r
        .data
        .exclusions
        .iter()
        .map(|x| {
            format!(
                "{} ({})",
                count_text(x.respondents, x.hidden, plots::bars::thousands),
                x.reason
            )
        })
        .collect();
    format!(
        "Of {} respondents, {} were excluded: {}.",
        plots::bars::thousands(r.data.available),
        excluded_total_text(r),
        parts.join("; ")
    )
}

/// The auto-written methods paragraph of an analysis.
pub fn methods_paragraph(r: &AnalysisResult) -> String {
    let p = &r.plan;
    let by = if p.by.is_empty() {
        String::new()
    } else {
        format!(
            " Estimates are given for every subgroup of {} and for every margin.",
            p.by.join(" \u{d7} ")
        )
    };
    let missing = match p.missing {
        crate::plan::MissingPolicy::Exclude => {
            "Missing answers were excluded (complete-case analysis)."
        }
        crate::plan::MissingPolicy::Level => {
            "Missing answers were kept as their own category, `missing`."
        }
    };
    format!(
        "Each percentage is the number of respondents giving that answer divided by the denominator: {}, {} respondents in all. {} {}{} Intervals are two-sided {} confidence intervals by the {} method ({}).",
        p.denominator,
        included_text(r),
        exclusion_sentence(r),
        missing,
        by,
        level_pct(p.level),
        p.method.title(),
        p.method.citation()
    )
}
