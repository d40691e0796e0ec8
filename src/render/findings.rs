//! The key findings: for every analysis, one finding per stated level (every level, or the
//! analysis's `headline` levels), built from structured parts so that it reads as English
//! whatever the `denominator` text says, and read from the results after disclosure control
//! (a hidden figure is said as suppressed, never computed). The page and the Markdown print
//! the same findings ([`key_findings`]).
//!
//! A finding is up to three sentences:
//!
//! ```text
//! <title>: of the 2,274 respondents who tried GET, 61.0% (95% CI 58.9% to 63.0%; 1,387 of
//! 2,274) answered “Worsened”. By provider: M.E. specialist 52.0% (95% CI …; 260 of 500),
//! Non-specialist <5 of 12 (suppressed). Significant contrasts: Non-specialist vs M.E.
//! specialist +13.9 percentage points (95% CI +7.7 to +20.0; holm-adjusted p = 1.9e-5).
//! ```

use super::prose::{count_text, format_effect};
use crate::estimate::sensitivity::Sensitivity;
use crate::estimate::{AnalysisResult, ComparisonRow, EstimateRow, Suppression};
use crate::plan::AnalysisPlan;
use crate::stats::compare::Measure;
use crate::stats::multiplicity::Adjust;
use crate::stats::reliability::Flag;
use crate::text::{format_p, level_pct, pct, thousands};

pub use crate::estimate::SIGNIFICANCE;

/// A figure already stated: (outcome, denominator, `by` column ("" for the overall row),
/// group value, level, count, n). Two analyses of one question share figures (the overall
/// row; a `by` column they both have); each is stated once.
type Stated = (String, String, String, String, String, u64, u64);

/// The report's key findings, one per analysis and stated level, with the analysis each
/// comes from (so that the page can link it to its table).
pub fn key_findings(results: &[AnalysisResult]) -> Vec<(String, String)> {
    let mut stated: Vec<Stated> = Vec::new();
    let mut out = Vec::new();
    for r in results {
        for level in &r.plan.headline {
            if let Some(f) = level_finding(r, level, r.selection.as_ref(), &mut stated) {
                out.push((r.plan.name.clone(), f));
            }
        }
    }
    out
}

/// One level's finding: the overall figure, the subgroup figures of each `by` column, the
/// significant contrasts; `None` when everything in it was stated before.
fn level_finding(
    r: &AnalysisResult,
    level: &str,
    selection: Option<&Sensitivity>,
    stated: &mut Vec<Stated>,
) -> Option<String> {
    let p = &r.plan;
    let label = p.labels.show(level);
    let mut sentences = Vec::new();
    let mut said_overall = false;
    let overall = r
        .rows
        .iter()
        .find(|e| e.outcome == level && e.group.iter().all(Option::is_none));
    if let Some(e) = overall {
        if first_time(stated, p, "", "", e) {
            sentences.push(overall_sentence(p, e, label));
            said_overall = true;
        }
    }
    for (j, column) in p.by.iter().enumerate() {
        let margin: Vec<&EstimateRow> = r
            .rows
            .iter()
            .filter(|e| e.outcome == level && is_margin_of(&e.group, j))
            .collect();
        let fresh: Vec<bool> = margin
            .iter()
            .map(|e| first_time(stated, p, column, group_value(e, j), e))
            .collect();
        if margin.is_empty() || !fresh.contains(&true) {
            continue;
        }
        let figures: Vec<String> = margin
            .iter()
            .map(|e| format!("{} {}", p.labels.show(group_value(e, j)), figure(p, e)))
            .collect();
        sentences.push(format!("By {column}: {}.", figures.join(", ")));
    }
    let contrasts: Vec<String> = r
        .comparisons
        .iter()
        .filter(|c| c.level == level)
        .filter_map(|c| contrast(p, c))
        .collect();
    let stated_contrasts = !contrasts.is_empty();
    if stated_contrasts {
        sentences.push(format!("Significant contrasts: {}.", contrasts.join("; ")));
    }
    // Self-selection last: how far it could move the overall figure, then each contrast.
    if let Some(s) = selection.filter(|_| said_overall) {
        sentences.extend(super::selection::finding_sentences(r, s, level));
    }
    if stated_contrasts {
        if let Some(s) = selection.filter(|_| p.selection.ratio) {
            sentences.extend(
                s.contrasts
                    .iter()
                    .filter(|c| c.level == level && c.significant)
                    .map(|c| super::selection::contrast_sentence(r, c)),
            );
        }
    }
    if sentences.is_empty() {
        return None;
    }
    if !said_overall {
        // The overall figure was stated before: name the level the rest is about.
        sentences.insert(0, format!("\u{201c}{label}\u{201d}."));
    }
    Some(format!("{}: {}", p.title, sentences.join(" ")))
}

/// Records a figure as stated; `false` when it was stated before.
fn first_time(
    stated: &mut Vec<Stated>,
    p: &AnalysisPlan,
    column: &str,
    value: &str,
    e: &EstimateRow,
) -> bool {
    let key = (
        p.outcome.clone(),
        p.denominator.clone(),
        column.to_string(),
        value.to_string(),
        e.outcome.clone(),
        e.count,
        e.n,
    );
    if stated.contains(&key) {
        return false;
    }
    stated.push(key);
    true
}

/// A group key of column `j`'s margin: that column's value, every other column "All".
fn is_margin_of(group: &[Option<String>], j: usize) -> bool {
    group
        .iter()
        .enumerate()
        .all(|(i, v)| (i == j) == v.is_some())
}

fn group_value(e: &EstimateRow, j: usize) -> &str {
    e.group.get(j).and_then(Option::as_deref).unwrap_or("")
}

/// "of the 2,274 respondents who tried GET, 61.0% (95% CI 58.9% to 63.0%; 1,387 of 2,274)
/// answered “Worsened”."
fn overall_sentence(p: &AnalysisPlan, e: &EstimateRow, label: &str) -> String {
    let n = count_text(e.n, e.hidden_n, thousands);
    let of = denominator_phrase(&p.denominator, &n);
    let answered = format!("answered \u{201c}{label}\u{201d}");
    if e.is_hidden() {
        return match (e.hidden_n, e.hidden_count) {
            (None, Some(small @ Suppression::Small(_))) => format!(
                "of {of}, {} {answered} (suppressed: no percentage is shown).",
                small.shown()
            ),
            _ => format!("of {of}, the number who {answered} is suppressed."),
        };
    }
    format!("of {of}, {} {answered}.", figure(p, e))
}

/// The denominator as the object of "of": "the 2,274 respondents who tried GET", or, when
/// the words already carry a number or a determiner ("all respondents with an answer",
/// "the 399 members"), those words with the n beside them: "all respondents with an answer
/// (n = 2,274)". `n` is the n as published (`suppressed` when hidden).
pub fn denominator_phrase(denominator: &str, n: &str) -> String {
    let words = lowercase_first(denominator.trim());
    let first = words.split_whitespace().next().unwrap_or("");
    let determiner = [
        "all", "the", "every", "each", "any", "those", "these", "this", "that", "our", "their",
        "a", "an",
    ]
    .contains(&first);
    if words.is_empty() {
        format!("the {n} respondents")
    } else if determiner || words.chars().any(|c| c.is_ascii_digit()) {
        format!("{words} (n = {n})")
    } else if n.starts_with('<') || n == "suppressed" {
        format!("the {words} (n = {n})")
    } else {
        format!("the {n} {words}")
    }
}

/// "Respondents who…" -> "respondents who…"; an acronym or a name ("GET users", "NHS
/// staff") is kept.
fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => {
            a.to_lowercase().chain(s.chars().skip(1)).collect()
        }
        _ => s.to_string(),
    }
}

/// A figure as published: "61.0% (95% CI 58.9% to 63.0%; 1,387 of 2,274)", with its
/// reliability flag; a hidden one as "<5 of 37 (suppressed)", "suppressed (n = 37)" or
/// "suppressed"; one with no
/// estimate (n = 0) as such.
fn figure(p: &AnalysisPlan, e: &EstimateRow) -> String {
    if e.hidden_n.is_some() {
        return "suppressed".into();
    }
    let x = thousands(e.count);
    let n = thousands(e.n);
    match e.hidden_count {
        Some(small @ Suppression::Small(_)) => {
            return format!("{} of {n} (suppressed)", small.shown())
        }
        Some(Suppression::Complementary) => return format!("suppressed (n = {n})"),
        None => {}
    }
    let Some(i) = e.interval else {
        return format!("no estimate ({x} of {n})");
    };
    let unreliable = match &e.flag {
        Some(Flag::Unreliable(why)) => format!("; unreliable: {why}"),
        _ => String::new(),
    };
    let derived = if p.derived { ", derived" } else { "" };
    if p.survey_method.is_some() {
        return format!(
            "{} weighted ({} CI {} to {}; unweighted {x} of {n}{unreliable})",
            pct(i.estimate),
            level_pct(p.level),
            pct(i.lower),
            pct(i.upper)
        );
    }
    format!(
        "{} ({} CI {} to {}; {x} of {n}{derived}{unreliable})",
        pct(i.estimate),
        level_pct(p.level),
        pct(i.lower),
        pct(i.upper)
    )
}

/// A significant contrast with its unit: "Non-specialist vs M.E. specialist +13.9
/// percentage points (95% CI +7.7 to +20.0; holm-adjusted p = 1.9e-5)"; `None` when it is
/// not significant, undefined or withheld.
fn contrast(p: &AnalysisPlan, c: &ComparisonRow) -> Option<String> {
    let cp = p.compare.as_ref()?;
    let (x, adj) = (c.result?, c.p_adjusted?);
    if c.withheld || adj >= SIGNIFICANCE {
        return None;
    }
    let measure = cp.method.measure();
    let e = |v| format_effect(measure, v);
    let effect = match measure {
        Measure::Diff => format!(
            "{} percentage points ({} CI {} to {}",
            e(x.estimate),
            level_pct(p.level),
            e(x.lower),
            e(x.upper)
        ),
        Measure::Ratio => format!(
            "{} times ({} CI {} to {} times",
            e(x.estimate),
            level_pct(p.level),
            e(x.lower),
            e(x.upper)
        ),
        Measure::OddsRatio => format!(
            "odds ratio {} ({} CI {} to {}",
            e(x.estimate),
            level_pct(p.level),
            e(x.lower),
            e(x.upper)
        ),
    };
    let p_name = match cp.adjust {
        Adjust::None => "unadjusted p".to_string(),
        a => format!("{}-adjusted p", a.name()),
    };
    Some(format!(
        "{} vs {} {effect}; {p_name} = {})",
        p.labels.show(&c.group1),
        p.labels.show(&c.group2),
        format_p(adj)
    ))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::estimate::{derive, estimate_analysis};
    use crate::plan::{from_spec, Plan, Problem};
    use crate::spec;
    use crate::validate::{AnalysisData, Cell};

    fn plan_of(text: &str) -> Result<Plan, Vec<Problem>> {
        from_spec(spec::parse(text).unwrap(), Path::new("pipelines/t.toml"))
    }

    /// One analysis estimated from `(group, outcome, count)` cells (group "" without `by`).
    fn result_of(analysis: &str, cells: &[(&str, &str, u64)]) -> AnalysisResult {
        let text = format!("[input]\npath = \"x.csv\"\n[[analysis]]\nname = \"q\"\ntitle = \"Q\"\noutcome = \"o\"\n{analysis}");
        let plan = plan_of(&text).unwrap();
        let a = &plan.analyses[0];
        let by = !a.by.is_empty();
        let cells: Vec<Cell> = cells
            .iter()
            .map(|(g, o, c)| Cell {
                group: if by { vec![g.to_string()] } else { vec![] },
                outcome: o.to_string(),
                count: *c,
                sums: [0.0; 2],
                unit: Default::default(),
            })
            .collect();
        let mut orders: Vec<String> = Vec::new();
        for c in &cells {
            if let Some(g) = c.group.first() {
                if !orders.contains(g) {
                    orders.push(g.clone());
                }
            }
        }
        let included = cells.iter().map(|c| c.count).sum();
        let data = AnalysisData {
            available: included,
            exclusions: vec![],
            included,
            hidden_included: None,
            cells,
            group_orders: if by { vec![orders] } else { vec![] },
        };
        let mut r = estimate_analysis(a, data);
        r.selection = crate::estimate::sensitivity::assess(&r);
        r
    }

    fn texts(r: &AnalysisResult) -> Vec<String> {
        key_findings(std::slice::from_ref(r))
            .into_iter()
            .map(|(name, text)| {
                assert_eq!(name, "q");
                text
            })
            .collect()
    }

    const YES_NO: &str = "levels = [\"yes\", \"no\", \"dont_know\"]\nlabels = { dont_know = \"Don't know\" }\ndenominator = \"respondents who answered\"\n";

    #[test]
    fn every_level_of_a_yes_no_dont_know_question_is_stated_with_its_interval_and_counts() {
        let r = result_of(
            YES_NO,
            &[("", "yes", 900), ("", "no", 42), ("", "dont_know", 58)],
        );
        let f = texts(&r);
        assert_eq!(f.len(), 3, "{f:#?}");
        assert_eq!(
            f[1],
            // Selection: 1 / γ = odds(50%) / odds(4.2%) = 0.958 / 0.042 = 22.8; for the
            // Wilson upper limit 5.63%, 0.9437 / 0.0563 = 16.8.
            "Q: of the 1,000 respondents who answered, 4.2% (95% CI 3.1% to 5.6%; 42 of 1,000) answered \u{201c}no\u{201d}. Self-selection: the figure would rise above 50% only if respondents who did not answer \u{201c}no\u{201d} were 22.8 times as likely to take part as those who did (16.8 times for its upper 95% limit)."
        );
        assert!(f[0].contains("90.0% (95% CI") && f[0].contains("900 of 1,000"));
        assert!(
            f[2].contains("answered \u{201c}Don't know\u{201d}. Self-selection"),
            "{}",
            f[2]
        );
        assert!(f.iter().all(|s| !s.contains("answered answered")));
    }

    #[test]
    fn a_denominator_with_all_or_a_number_is_not_spliced_after_the_n() {
        let all = YES_NO.replace("respondents who answered", "all 1,000 respondents");
        let f = texts(&result_of(&all, &[("", "yes", 900), ("", "no", 100)]));
        assert!(
            f[0].starts_with("Q: of all 1,000 respondents (n = 1,000), 90.0% (95% CI"),
            "{}",
            f[0]
        );
        assert!(f.iter().all(|s| !s.contains("the 1,000 all")));
        assert_eq!(
            denominator_phrase("Respondents who tried GET", "2,274"),
            "the 2,274 respondents who tried GET"
        );
        assert_eq!(
            denominator_phrase("all respondents with an answer", "2,274"),
            "all respondents with an answer (n = 2,274)"
        );
        assert_eq!(
            denominator_phrase("the 399 members", "399"),
            "the 399 members (n = 399)"
        );
        assert_eq!(
            denominator_phrase("NHS staff", "<5"),
            "the NHS staff (n = <5)"
        );
    }

    const BY_GROUP: &str = "levels = [\"worse\", \"better\"]\nby = [\"g\"]\ndenominator = \"respondents who tried it\"\ncompare = { reference = \"a\", measure = \"diff\", adjust = \"none\" }\n";

    #[test]
    fn subgroups_and_significant_contrasts_are_stated_and_a_suppressed_cell_is_never_computed() {
        let mut r = result_of(
            BY_GROUP,
            &[
                ("a", "worse", 20),
                ("a", "better", 80),
                ("b", "worse", 70),
                ("b", "better", 30),
                ("c", "worse", 3),
                ("c", "better", 37),
            ],
        );
        for row in r.rows.iter_mut() {
            if row.group == [Some("c".to_string())] && row.outcome == "worse" {
                row.hide_count(Suppression::Small(5));
            }
        }
        derive(&mut r);
        let f = texts(&r);
        assert_eq!(f.len(), 2, "{f:#?}");
        let worse = &f[0];
        assert!(
            worse.contains("of the 240 respondents who tried it"),
            "{worse}"
        );
        assert!(worse.contains(" By g: a 20.0% (95% CI"), "{worse}");
        assert!(
            worse.contains("; 70 of 100), c <5 of 40 (suppressed)."),
            "{worse}"
        );
        assert!(
            !worse.contains("7.5%"),
            "a hidden cell's share is computed: {worse}"
        );
        // b vs a is significant, c vs a is withheld (its cell is hidden); no adjustment.
        assert!(
            worse.contains("Significant contrasts: b vs a +50.0 percentage points (95% CI +"),
            "{worse}"
        );
        assert!(worse.contains("; unadjusted p = "), "{worse}");
        assert!(!worse.contains("c vs a"), "{worse}");
    }

    #[test]
    fn ratios_and_odds_ratios_carry_their_units() {
        for (measure, unit) in [("ratio", " times (95% CI "), ("odds-ratio", "odds ratio ")] {
            let a = BY_GROUP
                .replace("\"diff\"", &format!("\"{measure}\""))
                .replace(", adjust = \"none\"", "");
            let r = result_of(
                &a,
                &[
                    ("a", "worse", 20),
                    ("a", "better", 80),
                    ("b", "worse", 70),
                    ("b", "better", 30),
                ],
            );
            let f = texts(&r);
            assert!(f[0].contains(unit), "{measure}: {}", f[0]);
            assert!(f[0].contains("; holm-adjusted p = "), "{}", f[0]);
        }
    }

    #[test]
    fn headline_states_only_its_levels_and_a_typo_is_named_with_a_did_you_mean() {
        let r = result_of(
            &format!("{YES_NO}headline = [\"no\"]\n"),
            &[("", "yes", 900), ("", "no", 42), ("", "dont_know", 58)],
        );
        let f = texts(&r);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].contains("answered \u{201c}no\u{201d}. Self-selection"),
            "{}",
            f[0]
        );
        let none = result_of(&format!("{YES_NO}headline = []\n"), &[("", "yes", 1)]);
        assert!(texts(&none).is_empty());

        let text = format!("[input]\npath = \"x.csv\"\n[[analysis]]\nname = \"q\"\noutcome = \"o\"\n{YES_NO}headline = [\"noo\", \"no\", \"no\"]\n");
        let problems = plan_of(&text).unwrap_err();
        let messages: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.key, p.message))
            .collect();
        assert_eq!(messages.len(), 2, "{messages:#?}");
        assert!(
            messages[0].contains("analysis[0].headline"),
            "{}",
            messages[0]
        );
        assert!(messages[0].contains("`noo` is not one of the levels (yes, no, dont_know)"));
        assert!(messages[0].contains("did you mean `no`?"));
        assert!(messages[1].contains("level `no` is listed twice"));
    }

    #[test]
    fn a_figure_two_analyses_share_is_stated_once() {
        let one = result_of(BY_GROUP, &[("a", "worse", 20), ("a", "better", 80)]);
        let mut two = one.clone();
        two.plan.name = "q".into();
        let f = key_findings(&[one, two]);
        assert_eq!(f.len(), 2, "{f:#?}");
    }
}
