//! The report's words: the sentences and labels that the page, the Markdown and the
//! spreadsheet share (the disclosure statement, the key findings, the methods paragraph, how
//! a count, an effect or a subgroup is shown), so that every output says the same thing.

use super::ReportInput;
use crate::disclosure::Suppression;
use crate::estimate::AnalysisResult;
use crate::plan::{DisclosurePlan, Labels};
use crate::text::{level_pct, thousands};

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
        "So that no respondent can be identified, small counts (below {t}) are shown as <{t} with no percentage, and so are zeros beside them; {complementary} further number(s) are marked \"suppressed\" so that the hidden ones cannot be worked out from totals, from other tables of this report or from test statistics. Every hidden number was audited: no combination of the published figures narrows a <{t} to fewer than {m} possible values, and no group of fewer than {g} respondents is shown to have answered all, or all but a few, alike. {} number(s) are hidden in all ({small} shown as <{t}, {complementary} complementary), each listed with its rule in suppression.csv; statistics that would be computed from a hidden number (intervals, simultaneous intervals, comparisons, tests of independence) are withheld. Answers that match no recode are listed by value only when at least {t} respondents gave them.",
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

/// An estimate of a comparison: percentage points for differences, plain for ratios.
pub fn format_effect(measure: crate::stats::compare::Measure, v: f64) -> String {
    match measure {
        crate::stats::compare::Measure::Diff => format!("{:+.1}", v * 100.0),
        _ if v.is_infinite() => "\u{221e}".into(),
        _ => format!("{v:.2}"),
    }
}

/// "Non-specialist vs M.E. specialist", the groups by their labels.
pub fn comparison_label(labels: &Labels, c: &crate::estimate::ComparisonRow) -> String {
    format!("{} vs {}", labels.show(&c.group1), labels.show(&c.group2))
}

/// A subgroup's short label for plots: its values' labels joined, or "All".
pub fn short_label(labels: &Labels, key: &[Option<String>]) -> String {
    let parts: Vec<&str> = key.iter().flatten().map(|v| labels.show(v)).collect();
    if parts.is_empty() {
        "All".into()
    } else {
        parts.join(" \u{b7} ")
    }
}

/// "Wilson 95% CI" and similar.
pub fn ci_phrase(r: &AnalysisResult) -> String {
    format!("{} {} CI", r.plan.ci_title(), level_pct(r.plan.level))
}

pub use super::findings::key_findings;

/// An analysis's denominator as published.
pub fn included_text(r: &AnalysisResult) -> String {
    count_text(r.data.included, r.data.hidden_included, thousands)
}

/// Respondents excluded from an analysis in all, as published: shown only when the
/// denominator is, since the two add up to the respondents.
pub fn excluded_total_text(r: &AnalysisResult) -> String {
    match r.data.hidden_included {
        None => thousands(r.data.available.saturating_sub(r.data.included)),
        Some(_) => "a suppressed number".into(),
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
                count_text(x.respondents, x.hidden, thousands),
                x.reason
            )
        })
        .collect();
    format!(
        "Of {} respondents, {} were excluded: {}.",
        thousands(r.data.available),
        excluded_total_text(r),
        parts.join("; ")
    )
}

/// The methods paragraph's sentence on the simultaneous intervals (with a leading space;
/// empty without them).
fn simultaneous_sentence(p: &crate::plan::AnalysisPlan) -> String {
    use crate::stats::simultaneous::{bonferroni_level, Simultaneous};
    let Some(m) = p.simultaneous else {
        return String::new();
    };
    let k = p.levels.len();
    let each = level_pct(bonferroni_level(k, p.level));
    let how = match (m, p.survey_method.is_some()) {
        (Simultaneous::Goodman, false) => "by Goodman's method (Goodman 1965)".to_string(),
        (Simultaneous::SisonGlaz, _) => "by the method of Sison and Glaz (1995)".to_string(),
        (Simultaneous::Bonferroni, false) => format!(
            "Bonferroni intervals: each level's {} interval at {each} (Miller 1981)",
            p.ci_title()
        ),
        (Simultaneous::Goodman, true) => format!(
            "Goodman's (Goodman 1965) on Korn and Graubard's effective n: each level's Wilson interval at {each} on its effective n, with the design degrees of freedom of its group (Korn and Graubard 1998)"
        ),
        (Simultaneous::Bonferroni, true) => format!(
            "Bonferroni intervals: each level's {} interval at {each}, on the design degrees of freedom of its group (Korn and Graubard 1999)",
            p.ci_title()
        ),
    };
    format!(
        " Simultaneous {} intervals, which cover all {k} levels of a group together, are {how}.",
        level_pct(p.level)
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
    if let Some(design) = &p.design_words {
        return format!(
            "Each percentage is weighted: the sum of the weights of the respondents giving that answer divided by the sum of the weights of the denominator ({}), with {design}. The counts beside it are unweighted: {} respondents in all. {} {}{} Standard errors are by Taylor linearisation, as R's survey package computes them (Binder 1983; Lumley 2010), each subgroup a domain of the full design (as svyby and subset do), with the design degrees of freedom of each domain (its PSUs minus its strata); estimates.csv gives the SE, the design effect, Kish's effective n and the df of every estimate. Intervals are two-sided {} confidence intervals by the {} method ({}); reliability is judged on Korn and Graubard's effective n and the design degrees of freedom (NCHS standard for complex surveys).{}",
            p.denominator,
            included_text(r),
            exclusion_sentence(r),
            missing,
            by,
            level_pct(p.level),
            p.ci_title(),
            p.ci_citation(),
            simultaneous_sentence(p)
        );
    }
    let derived = if p.derived {
        " The counts are derived from published percentages and their bases (each percentage of its base, rounded half up), and every published percentage is given back by them at its printed precision; they are as exact as the publication's rounding allows."
    } else {
        ""
    };
    format!(
        "Each percentage is the number of respondents giving that answer divided by the denominator: {}, {} respondents in all. {} {}{} Intervals are two-sided {} confidence intervals by the {} method ({}).{}{derived}",
        p.denominator,
        included_text(r),
        exclusion_sentence(r),
        missing,
        by,
        level_pct(p.level),
        p.ci_title(),
        p.ci_citation(),
        simultaneous_sentence(p)
    )
}
