//! Design-based simultaneous intervals (`tally::stats::simultaneous`, weighted surveys)
//! against R `survey` 4.1.1: every domain of the designs of `survey_reference.csv`, every
//! outcome level, at 95% and 90% together over the k levels. The values are in
//! `tests/reference/simultaneous_survey_reference.csv`, made by
//! `gen_simultaneous_survey_reference.R` (versions and tolerance in
//! `simultaneous_survey_reference.versions.txt`): `bonferroni` is `svyciprop(level = 1 −
//! α/k)` per level (logit, arcsine, Korn-Graubard, Wald, xlogit) and the Jeffreys closed form
//! on n*, `goodman` Goodman's closed form on Korn and Graubard's effective n from `svymean`
//! and `degf`. Tolerance 1e-9 absolute. Where an arcsine bound's angle passes 0 or π/2, R
//! folds it back inside and tally keeps it at 0 or 1 (`stats::survey::ciprop`): there the
//! test checks that the angle is out of range and that R's value is its sin².

use tally::stats::dist::t_quantile;
use tally::stats::simultaneous::Simultaneous;
use tally::stats::survey::linearize::estimate;
use tally::stats::survey::{LonelyPsu, SurveyCi};

use super::survey::{build_design, build_table, domain_rows, respondents, units_of};
use crate::support::csv_rows as rows;

/// R's quantity prefix -> tally's simultaneous method and design-based interval method.
fn method_of(prefix: &str) -> (Simultaneous, SurveyCi) {
    match prefix {
        "goodman" => (Simultaneous::Goodman, SurveyCi::Logit),
        "asin" => (Simultaneous::Bonferroni, SurveyCi::Arcsine),
        "beta" => (Simultaneous::Bonferroni, SurveyCi::KornGraubard),
        "mean" => (Simultaneous::Bonferroni, SurveyCi::Wald),
        m => (
            Simultaneous::Bonferroni,
            SurveyCi::from_name(m).unwrap_or_else(|e| panic!("{e}")),
        ),
    }
}

#[test]
fn design_based_simultaneous_intervals_match_r_survey() {
    let reference = rows(include_str!(
        "../../reference/simultaneous_survey_reference.csv"
    ));
    let mut cases = std::collections::BTreeMap::new();
    let (mut compared, mut none, mut folded) = (0usize, 0usize, 0usize);
    let mut max: std::collections::BTreeMap<String, f64> = Default::default();
    let mut failures = Vec::new();
    for r in &reference {
        let d = r["design"].as_str();
        let (design, table, names, cols) = cases.entry(d.to_string()).or_insert_with(|| {
            let resp = respondents(d);
            let units = units_of(d);
            let design = build_design(&resp, units, LonelyPsu::Fail).unwrap();
            let (table, names, cols) = build_table(&design, &resp, units, |x| x.domain.clone());
            (design, table, names, cols)
        });
        let k: usize = r["k"].parse().unwrap();
        assert_eq!(k, cols.len(), "{d}: k is every level of the outcome");
        let col = cols.iter().position(|c| *c == r["outcome"]).unwrap();
        let e = estimate(design, table, &domain_rows(names, &r["domain"]), col).unwrap();
        let q = r["quantity"].as_str();
        let want: f64 = match r["value"].as_str() {
            "NaN" | "NA" => f64::NAN,
            v => v.parse().unwrap(),
        };
        let what = format!("{d} {} {} {q} @{}", r["domain"], r["outcome"], r["level"]);
        let got = match q {
            "n" => Some(e.n as f64),
            "p" => Some(e.p),
            "df" => Some(e.df as f64),
            // The SE is survey_reference's (a domain in one PSU: R 1e-17, tally NaN).
            "se" | "n_eff" => continue,
            _ => {
                let level: f64 = r["level"].parse().unwrap();
                let (prefix, side) = q.rsplit_once('_').unwrap();
                let (m, ci) = method_of(prefix);
                let b = m.design_interval(&e, ci, k, level);
                if prefix == "goodman" {
                    // Goodman on n* is Bonferroni over Wilson on n*, whatever the CI method.
                    let w =
                        Simultaneous::Bonferroni.design_interval(&e, SurveyCi::Wilson, k, level);
                    assert_eq!(b, w, "{what}");
                }
                b.map(|(lo, hi)| if side == "lower" { lo } else { hi })
            }
        };
        compared += 1;
        match got {
            None => {
                none += 1;
                if !want.is_nan() {
                    failures.push(format!("{what}: tally none, R {want:e}"));
                }
            }
            Some(g) if want.is_nan() => {
                if !g.is_nan() {
                    failures.push(format!("{what}: tally {g:e}, R NaN"));
                }
            }
            Some(g) if q.starts_with("asin_") && (g == 0.0 || g == 1.0) && g != want => {
                // R lets an angle past 0 or π/2 fold back inside (ciprop's docs); tally keeps
                // it in range. R's value is then sin² of the angle out of range.
                let level: f64 = r["level"].parse().unwrap();
                let each = tally::stats::simultaneous::bonferroni_level(k, level);
                let t = -t_quantile((1.0 - each) / 2.0, e.df as f64);
                let theta = e.p.sqrt().asin();
                let h = t * e.se / (2.0 * (e.p * (1.0 - e.p)).sqrt());
                let out = if g == 0.0 { theta - h } else { theta + h };
                let past = if g == 0.0 {
                    out < 0.0
                } else {
                    out > std::f64::consts::FRAC_PI_2
                };
                folded += 1;
                if !past || (out.sin().powi(2) - want).abs() > 1e-9 {
                    failures.push(format!("{what}: tally {g:e}, R {want:e}, angle {out}"));
                }
            }
            Some(g) => {
                let diff = (g - want).abs();
                let family = q.rsplit_once('_').map_or(q, |(m, _)| m);
                let m = max.entry(family.to_string()).or_insert(0.0);
                *m = m.max(diff);
                if diff > 1e-9 {
                    failures.push(format!("{what}: tally {g:e}, R {want:e} ({diff:e})"));
                }
            }
        }
    }
    if let Ok(path) = std::env::var("TALLY_SIMULTANEOUS_MAXDIFF") {
        let mut text: String = max.iter().map(|(k, v)| format!("{k},{v:e}\n")).collect();
        text.push_str(&format!(
            "compared {compared}, none {none}, folded {folded}\n"
        ));
        std::fs::write(path, text).unwrap();
    }
    assert!(compared > 2000, "only {compared} figures compared");
    assert!(none > 50, "the edge cases are in the reference: {none}");
    assert!(
        failures.is_empty(),
        "{} of {compared} figures differ from R:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
