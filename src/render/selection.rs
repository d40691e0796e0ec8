//! What a report says about self-selection ([`crate::estimate::sensitivity`]): the sentences
//! of the key findings, the "Self-selection" part of each analysis (its table of figures
//! and contrasts, the method paragraph) and the plot data ([`crate::plots::selection`]).
//!
//! Everything is made from the assessment, which reads only what the report publishes.

use serde::Serialize;

use super::prose::short_label;
use crate::estimate::sensitivity::{ContrastSensitivity, FigureSensitivity, Sensitivity};
use crate::estimate::AnalysisResult;
use crate::plots::selection::{Line, SelectionPlot};
use crate::text::{level_pct, pct, ratio_text, thousands};

/// The self-selection part of an analysis's section.
#[derive(Debug, Serialize)]
pub struct SelectionSection {
    /// "50%".
    pub threshold: String,
    /// The column headers of the figures table.
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The contrasts table (empty when there are none).
    pub contrast_headers: Vec<String>,
    pub contrasts: Vec<Vec<String>>,
    /// How the figures were made, with references.
    pub method: String,
}

/// The sentences a level's key finding gains: the selection ratio of its overall figure and
/// its response-rate bounds.
pub fn finding_sentences(r: &AnalysisResult, s: &Sensitivity, level: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(f) = s
        .figures
        .iter()
        .find(|f| f.level == level && f.group.iter().all(Option::is_none))
    else {
        return out;
    };
    let label = r.plan.labels.show(level);
    if r.plan.selection.ratio {
        if let Some(t) = ratio_sentence(r, s, f, label) {
            out.push(t);
        }
    }
    if let (Some(b), Some(invited)) = (f.bounds, s.invited) {
        out.push(format!(
            "With {} invited, the share among everyone invited lies between {} and {} whatever those who did not answer would have said ({} Imbens-Manski interval {} to {}).",
            thousands(invited),
            pct(b.lower),
            pct(b.upper),
            level_pct(r.plan.level),
            pct(b.ci_lower),
            pct(b.ci_upper)
        ));
    }
    out
}

/// "Self-selection: the figure would fall below 50% only if respondents who answered
/// “Worsened” were 1.56 times as likely to take part as those who did not (1.41 times for
/// its lower 95% limit)."
fn ratio_sentence(
    r: &AnalysisResult,
    s: &Sensitivity,
    f: &FigureSensitivity,
    label: &str,
) -> Option<String> {
    let g = f.gamma?;
    let t = level_pct(s.threshold);
    let level = level_pct(r.plan.level);
    if f.estimate == s.threshold {
        return None;
    }
    let above = f.above(s.threshold);
    let (move_words, who, side) = if above {
        (
            format!("fall below {t}"),
            format!("who answered \u{201c}{label}\u{201d} were {} times as likely to take part as those who did not", ratio_text(g)),
            "lower",
        )
    } else {
        (
            format!("rise above {t}"),
            format!("who did not answer \u{201c}{label}\u{201d} were {} times as likely to take part as those who did", ratio_text(1.0 / g)),
            "upper",
        )
    };
    let limit = match (f.limit_crosses, f.gamma_limit) {
        (true, _) => format!(
            "its {side} {level} limit is already {}",
            if above {
                format!("at or below {t}")
            } else {
                format!("at or above {t}")
            }
        ),
        (false, Some(gl)) => format!(
            "{} times for its {side} {level} limit",
            ratio_text(if above { gl } else { 1.0 / gl })
        ),
        (false, None) => format!("no selection ratio moves its {side} {level} limit"),
    };
    let figure = if r.plan.by.is_empty() {
        "the figure"
    } else {
        "the overall figure"
    };
    Some(format!(
        "Self-selection: {figure} would {move_words} only if respondents {who} ({limit})."
    ))
}

/// The sentence a stated contrast gains: the differential selection that would explain it
/// away.
pub fn contrast_sentence(r: &AnalysisResult, c: &ContrastSensitivity) -> String {
    let labels = &r.plan.labels;
    let (more, less, g, gl) = if c.odds_ratio >= 1.0 {
        (&c.group1, &c.group2, c.odds_ratio, c.gamma_limit)
    } else {
        (
            &c.group2,
            &c.group1,
            1.0 / c.odds_ratio,
            c.gamma_limit.map(|v| 1.0 / v),
        )
    };
    let limit = match gl {
        Some(v) => format!(
            " ({} times for its {} interval to reach no difference)",
            ratio_text(v),
            level_pct(r.plan.level)
        ),
        None => String::new(),
    };
    format!(
        "Selection would explain the {} vs {} contrast away only if respondents who answered \u{201c}{}\u{201d} were {} times as likely to take part in the {} group as in the {} group{limit}.",
        labels.show(&c.group1),
        labels.show(&c.group2),
        labels.show(&c.level),
        ratio_text(g),
        labels.show(more),
        labels.show(less),
    )
}

/// The self-selection part of an analysis's section; `None` when it has no assessment.
pub fn section(r: &AnalysisResult, s: &Sensitivity) -> Option<SelectionSection> {
    if s.figures.is_empty() && s.contrasts.is_empty() {
        return None;
    }
    let p = &r.plan;
    let t = level_pct(s.threshold);
    let level = level_pct(p.level);
    let mut headers = vec![
        "Group".to_string(),
        "Answer".to_string(),
        "Estimate".to_string(),
    ];
    if p.selection.ratio {
        headers.push(format!("Ratio to reach {t}"));
        headers.push(format!("Ratio for the {level} limit"));
    }
    let bounds = s.unknown.is_some();
    if bounds {
        headers.push("Bounds among all invited".into());
        headers.push(format!("{level} Imbens-Manski interval"));
    }
    let rows = s
        .figures
        .iter()
        .map(|f| {
            let mut row = vec![
                short_label(&p.labels, &f.group),
                p.labels.show(&f.level).to_string(),
                pct(f.estimate),
            ];
            if p.selection.ratio {
                row.push(f.gamma.map_or("-".into(), ratio_text));
                row.push(match (f.limit_crosses, f.gamma_limit) {
                    (true, _) => "already".into(),
                    (false, Some(g)) => ratio_text(g),
                    (false, None) => "-".into(),
                });
            }
            if bounds {
                match f.bounds {
                    Some(b) => {
                        row.push(format!("{} to {}", pct(b.lower), pct(b.upper)));
                        row.push(format!("{} to {}", pct(b.ci_lower), pct(b.ci_upper)));
                    }
                    None => {
                        row.push("-".into());
                        row.push("-".into());
                    }
                }
            }
            row
        })
        .collect();
    let contrast_headers = if s.contrasts.is_empty() {
        Vec::new()
    } else {
        vec![
            "Answer".into(),
            "Comparison".into(),
            "Odds ratio: the ratio that explains it away".into(),
            format!("Ratio for the {level} interval to reach no difference"),
        ]
    };
    let contrasts = s
        .contrasts
        .iter()
        .map(|c| {
            vec![
                p.labels.show(&c.level).to_string(),
                format!(
                    "{} vs {}",
                    p.labels.show(&c.group1),
                    p.labels.show(&c.group2)
                ),
                ratio_text(c.odds_ratio),
                c.gamma_limit.map_or("-".into(), ratio_text),
            ]
        })
        .collect();
    Some(SelectionSection {
        threshold: t,
        headers,
        rows,
        contrast_headers,
        contrasts,
        method: method(r, s),
    })
}

/// The method paragraph of the self-selection part.
fn method(r: &AnalysisResult, s: &Sensitivity) -> String {
    let t = level_pct(s.threshold);
    let mut out = format!(
        "If respondents with an answer were \u{3b3} times as likely to take part as those without it, a share p among respondents stands for p / (p + \u{3b3}(1 \u{2212} p)) in the population they were drawn from. The ratio to reach {t} is the \u{3b3} at which a figure would stand for {t} (odds(p) / odds({t})): above 1, those with the answer would have to be that much likelier to answer; below 1, less likely. The limit's ratio does the same for the confidence limit on the threshold's side (the interval maps through the same function). For a contrast, selection that differs between the two groups by a factor \u{3b3} divides the odds ratio by \u{3b3}: the odds ratio itself is the ratio that explains the difference away, and the limit of its Woolf interval nearer 1 the ratio at which the interval first reaches no difference."
    );
    if r.plan.survey_method.is_some() {
        out.push_str(" For this weighted survey the ratios are of the weighted percentages; no interval limit is given for contrasts.");
    }
    match (s.invited, s.unknown, s.no_bounds) {
        (Some(invited), Some(unknown), _) => out.push_str(&format!(
            " {} people were invited; the answers of {} are unknown (those who did not take part, and respondents left out for a missing answer, as the report publishes that count). The bounds are the lowest and highest share among everyone invited that any answers of theirs would give (Manski 2003; Horowitz and Manski 1998): x / (n + m) and (x + m) / (n + m) for x of n with m unknown. The interval covers the true share with {} confidence wherever it lies within the bounds (Imbens and Manski 2004). Bounds are on the unweighted counts.",
            thousands(invited),
            thousands(unknown),
            level_pct(r.plan.level)
        )),
        (Some(_), None, Some(why)) => {
            out.push_str(&format!(" No response-rate bounds are given: {why}, and the bounds would give it back."))
        }
        _ => out.push_str(" The number invited is not stated (the pipeline's selection.invited), so no response-rate bounds are given."),
    }
    out
}

/// The plot data of an analysis: its overall headline figures; `None` when it has none.
pub fn plot(r: &AnalysisResult, s: &Sensitivity) -> Option<SelectionPlot> {
    if !r.plan.selection.plot || !r.plan.selection.ratio {
        return None;
    }
    let lines: Vec<Line> = r
        .rows
        .iter()
        .filter(|e| e.group.iter().all(Option::is_none))
        .filter(|e| {
            s.figures
                .iter()
                .any(|f| f.level == e.outcome && f.group == e.group)
        })
        .filter_map(|e| {
            let i = e.interval?;
            Some(Line {
                label: r.plan.labels.show(&e.outcome).to_string(),
                value: (i.estimate, i.lower, i.upper),
            })
        })
        .collect();
    if lines.is_empty() {
        return None;
    }
    Some(SelectionPlot {
        title: format!("{}: if respondents chose themselves", r.plan.title),
        subtitle: format!(
            "Of {}: each headline share and its {} band, against how much likelier to answer those giving it were",
            r.plan.denominator,
            super::prose::ci_phrase(r)
        ),
        threshold: s.threshold,
        lines,
    })
}
