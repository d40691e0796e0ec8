//! Design-based estimation (`tally::stats::survey`) against R `survey` 4.1.1: the designs of
//! `tests/reference/survey_designs.csv` and `survey_4000.csv`, the values of
//! `survey_reference.csv`, made by `gen_survey_reference.R` (versions and tolerances in
//! `survey_reference.versions.txt`). The respondents are aggregated here into additive
//! totals, per (stratum, PSU, cell) for cluster designs and per (stratum, cell) for element
//! designs, as tally's ingest would, and every figure is computed from those totals only.
//!
//! Tolerance: 1e-9 absolute, except `svyciprop(method = "likelihood")`'s own bounds, 1e-4
//! (R interpolates a spline through ten profile points: up to 4e-5 off here); the exact
//! roots of R's own profile criterion (`likexact_*`, found in R with `uniroot`) are held to
//! 1e-9. `logit` goes through R's IRLS fit (converged to a relative deviance change of
//! 1e-8): measured up to 6e-10, inside 1e-9.

use std::collections::{BTreeMap, BTreeSet};

use tally::stats::dist::t_quantile;
use tally::stats::survey::contrast::contrast;
use tally::stats::survey::deff::{effects, korn_graubard_n};
use tally::stats::survey::linearize::estimate;
use tally::stats::survey::rao_scott::rao_scott;
use tally::stats::survey::{
    Design, DesignError, Domain, Fpc, LonelyPsu, PsuTotals, Stratum, SurveyCi, Table, Units,
};

use crate::support::csv_rows as rows;

/// One respondent.
#[derive(Clone)]
pub(super) struct Resp {
    stratum: u32,
    psu: u32,
    fpc: Option<f64>,
    weight: f64,
    pub(super) domain: String,
    group: String,
    outcome: String,
}

pub(super) fn respondents(design: &str) -> Vec<Resp> {
    if let Some(kind) = design.strip_prefix("s4000_") {
        return rows(include_str!("../../reference/survey_4000.csv"))
            .iter()
            .enumerate()
            .map(|(i, r)| Resp {
                stratum: 1,
                psu: i as u32 + 1,
                fpc: None,
                weight: if kind == "weighted" {
                    r["weight"].parse().unwrap()
                } else {
                    1.0
                },
                domain: format!("{}/{}", r["treatment"], r["provider"]),
                group: r["provider"].clone(),
                outcome: r["outcome"].clone(),
            })
            .collect();
    }
    let name = if design.starts_with("lonely_") {
        "lonely"
    } else {
        design
    };
    rows(include_str!("../../reference/survey_designs.csv"))
        .iter()
        .filter(|r| r["design"] == name)
        .map(|r| Resp {
            stratum: r["stratum"].parse().unwrap(),
            psu: r["psu"].parse().unwrap(),
            fpc: (!r["fpc"].is_empty()).then(|| r["fpc"].parse().unwrap()),
            weight: r["weight"].parse().unwrap(),
            domain: r["domain"].clone(),
            group: r["group"].clone(),
            outcome: r["outcome"].clone(),
        })
        .collect()
}

/// The design as R's svydesign call in the generator declares it.
pub(super) fn units_of(design: &str) -> Units {
    match design {
        "clustered" | "stratclus" => Units::Clusters,
        d if d.starts_with("lonely_") => Units::Clusters,
        _ => Units::Elements,
    }
}

fn lonely_of(design: &str) -> LonelyPsu {
    design
        .strip_prefix("lonely_")
        .map_or(LonelyPsu::Fail, |l| LonelyPsu::from_name(l).unwrap())
}

pub(super) fn build_design(
    resp: &[Resp],
    units: Units,
    lonely: LonelyPsu,
) -> Result<Design, DesignError> {
    let mut psus: BTreeMap<u32, (BTreeSet<u32>, Option<f64>)> = BTreeMap::new();
    for r in resp {
        let e = psus.entry(r.stratum).or_default();
        e.0.insert(r.psu);
        e.1 = r.fpc;
    }
    let strata: Vec<Stratum> = psus
        .into_iter()
        .map(|(id, (set, fpc))| Stratum {
            id,
            n_psu: set.len() as u64,
            fpc: match fpc {
                None => Fpc::None,
                Some(f) if f <= 1.0 => Fpc::Fraction(f),
                Some(f) => Fpc::PopulationSize(f),
            },
        })
        .collect();
    let _ = units; // n_psu counts respondents for element designs: each is its own PSU.
    Design::new(&strata, lonely)
}

/// The table of `key(respondent)` x outcome, totals aggregated per (stratum, PSU, cell) or
/// per (stratum, cell).
pub(super) fn build_table(
    design: &Design,
    resp: &[Resp],
    units: Units,
    key: impl Fn(&Resp) -> String,
) -> (Table, Vec<String>, Vec<String>) {
    let row_names: Vec<String> = resp
        .iter()
        .map(&key)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let col_names: Vec<String> = resp
        .iter()
        .map(|r| r.outcome.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut acc: BTreeMap<(usize, usize, u32, u32), PsuTotals> = BTreeMap::new();
    for r in resp {
        let ri = row_names.iter().position(|n| *n == key(r)).unwrap();
        let ci = col_names.iter().position(|n| *n == r.outcome).unwrap();
        let psu = if units == Units::Elements { 0 } else { r.psu };
        let t = acc.entry((ri, ci, r.stratum, psu)).or_insert(PsuTotals {
            stratum: r.stratum,
            psu,
            n: 0,
            sum_w: 0.0,
            sum_w2: 0.0,
            class: 0,
        });
        t.n += 1;
        t.sum_w += r.weight;
        t.sum_w2 += r.weight * r.weight;
    }
    let cols = col_names.len();
    let mut cells = vec![Vec::new(); row_names.len() * cols];
    for ((ri, ci, _, _), t) in acc {
        cells[ri * cols + ci].push(t);
    }
    let table = Table::new(design, row_names.len(), cols, units, cells).unwrap();
    (table, row_names, col_names)
}

pub(super) fn domain_rows(names: &[String], domain: &str) -> Domain {
    let rows: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| domain == "(all)" || *n == domain || n.starts_with(&format!("{domain}/")))
        .map(|(i, _)| i)
        .collect();
    assert!(!rows.is_empty(), "domain {domain}");
    Domain::rows(&rows)
}

/// The tally figure for one reference quantity (`None`: tally has none).
fn figure(
    design: &Design,
    table: &Table,
    names: &[String],
    domain: &str,
    col: usize,
    quantity: &str,
    level: f64,
) -> Option<f64> {
    if let Some((a, b)) = domain.split_once('|') {
        let c = contrast(
            design,
            table,
            &domain_rows(names, a),
            &domain_rows(names, b),
            col,
        )?;
        return Some(match quantity {
            "cov" => c.cov,
            "diff" => c.diff,
            "diff_se" => c.diff_se,
            "ratio" => c.ratio,
            "ratio_se" => c.ratio_se,
            "log_or" => c.log_or,
            "log_or_se" => c.log_or_se,
            q => panic!("unknown contrast quantity {q}"),
        });
    }
    let e = estimate(design, table, &domain_rows(names, domain), col)?;
    let fx = effects(&e);
    Some(match quantity {
        "n" => e.n as f64,
        "sum_w" => e.sum_w,
        "p" => e.p,
        "se" => e.se,
        "df" => e.df as f64,
        "deff" => fx.deff,
        "deff_replace" => fx.deff_replace,
        "kish_deff" => fx.kish_deff,
        "kish_n" => fx.kish_n,
        "n_eff" => korn_graubard_n(&e, level),
        q => {
            let (method, side) = q.rsplit_once('_').unwrap();
            let name = match method {
                "asin" => "arcsine",
                "beta" => "korn-graubard",
                "mean" => "wald",
                "likexact" => "likelihood",
                m => m,
            };
            let ci = SurveyCi::from_name(name).unwrap().interval(&e, level)?;
            if side == "lower" {
                ci.0
            } else {
                ci.1
            }
        }
    })
}

fn tolerance(quantity: &str) -> f64 {
    if quantity.starts_with("likelihood_") {
        // svyciprop's own bounds: a spline through ten profile points (the exact roots of
        // the same criterion, `likexact_*`, are held to 1e-9).
        1e-4
    } else {
        1e-9
    }
}

struct Case {
    design: Design,
    table: Table,
    names: Vec<String>,
    cols: Vec<String>,
    rs: Option<Table>,
}

fn cases() -> BTreeMap<String, Case> {
    let reference = rows(include_str!("../../reference/survey_reference.csv"));
    let names: BTreeSet<String> = reference.iter().map(|r| r["design"].clone()).collect();
    names
        .into_iter()
        .map(|d| {
            let resp = respondents(&d);
            let units = units_of(&d);
            let design = build_design(&resp, units, lonely_of(&d)).unwrap();
            let (table, names, cols) = build_table(&design, &resp, units, |r| r.domain.clone());
            let (rs, _, _) = build_table(&design, &resp, units, |r| r.group.clone());
            let case = Case {
                design,
                table,
                names,
                cols,
                rs: Some(rs),
            };
            (d, case)
        })
        .collect()
}

#[derive(Default)]
struct Worst {
    max: BTreeMap<String, f64>,
    compared: usize,
    failures: Vec<String>,
}

impl Worst {
    fn check(&mut self, what: String, quantity: &str, got: Option<f64>, want: f64) {
        self.compared += 1;
        let ok = match got {
            None => want.is_nan(),
            Some(g) if want.is_nan() => g.is_nan(),
            Some(g) if want.is_infinite() => g == want,
            Some(g) => {
                let d = (g - want).abs();
                let family = quantity.rsplit_once('_').map_or(quantity, |(m, s)| {
                    if s == "lower" || s == "upper" {
                        m
                    } else {
                        quantity
                    }
                });
                let m = self.max.entry(family.to_string()).or_insert(0.0);
                *m = m.max(d);
                d <= tolerance(quantity)
            }
        };
        if !ok {
            self.failures
                .push(format!("{what}: got {got:?}, want {want:e}"));
        }
    }
}

/// p = 0 or 1 (R: NaN or a non-converged fit), one PSU (R: a rounding residue and NaN):
/// tally's conventions, checked against their closed forms.
fn check_edge(
    w: &mut Worst,
    what: &str,
    quantity: &str,
    got: Option<f64>,
    want: f64,
    e: &tally::stats::survey::DomainEstimate,
    level: f64,
) {
    if e.n_psu == 1 {
        // The variance of a domain in one PSU is identically 0; R shows ~1e-17.
        match quantity {
            "se" => assert!(got.unwrap().is_nan() && want.abs() < 1e-15, "{what}"),
            "deff" | "deff_replace" => assert!(got.unwrap().is_nan(), "{what}"),
            q if q.ends_with("_lower") || q.ends_with("_upper") => {
                assert!(got.is_none() && want.is_nan(), "{what}")
            }
            _ => w.check(what.to_string(), quantity, got, want),
        }
        return;
    }
    let (method, _) = quantity.rsplit_once('_').unwrap_or((quantity, ""));
    match method {
        "logit" | "likelihood" | "likexact" | "asin" | "mean" | "xlogit" => {
            assert!(got.is_none(), "{what}: a degenerate scale has no interval")
        }
        "n" if quantity == "n_eff" => {
            let half = (1.0 - level) / 2.0;
            let ratio = t_quantile(half, e.n as f64 - 1.0) / t_quantile(half, e.df as f64);
            let want = e.n as f64 * ratio * ratio;
            assert!((got.unwrap() - want).abs() < 1e-9, "{what}");
        }
        "beta" | "wilson" | "jeffreys" => {
            let n_star = korn_graubard_n(e, level);
            let g = got.unwrap();
            let zero_side = (e.p == 0.0) == quantity.ends_with("_lower");
            if zero_side {
                assert_eq!(g, if e.p == 0.0 { 0.0 } else { 1.0 }, "{what}");
            } else if method == "beta" {
                // 0 of n*: 1 - (alpha/2)^(1/n*) (and its mirror).
                let b = 1.0 - ((1.0 - level) / 2.0).powf(1.0 / n_star);
                let want = if e.p == 0.0 { b } else { 1.0 - b };
                assert!((g - want).abs() < 1e-12, "{what}: {g} vs {want}");
            } else {
                assert!(g > 0.0 && g < 1.0, "{what}");
            }
        }
        _ => w.check(what.to_string(), quantity, got, want),
    }
}

#[test]
fn design_based_estimates_match_r_survey() {
    let cases = cases();
    let mut w = Worst::default();
    for r in rows(include_str!("../../reference/survey_reference.csv")) {
        let case = &cases[&r["design"]];
        let (domain, outcome, quantity) = (&r["domain"], &r["outcome"], r["quantity"].as_str());
        let want: f64 = match r["value"].as_str() {
            "NaN" | "NA" => f64::NAN,
            "Inf" => f64::INFINITY,
            v => v.parse().unwrap(),
        };
        let level: f64 = r["level"].parse().unwrap_or(0.95);
        let what = format!("{} {domain} {outcome} {quantity} @{level}", r["design"]);
        if quantity == "design_df" {
            w.check(what, quantity, Some(case.design.df() as f64), want);
            continue;
        }
        if outcome == "group" {
            let rs = rao_scott(&case.design, case.rs.as_ref().unwrap()).unwrap();
            let got = match quantity {
                "pearson" => rs.pearson,
                "rs_f" => rs.f,
                "rs_f_ndf" => rs.f_ndf,
                "rs_f_ddf" => rs.f_ddf,
                "rs_f_p" => rs.f_p,
                // R's "Chisq" reports the uncorrected X² (its p-value is of X² / mean δ).
                "rs_chisq_reported" => rs.pearson,
                "rs_chisq_df" => rs.chisq_df,
                "rs_chisq_p" => rs.chisq_p,
                q => panic!("unknown quantity {q}"),
            };
            w.check(what, quantity, Some(got), want);
            continue;
        }
        let col = case.cols.iter().position(|c| c == outcome).unwrap();
        let got = figure(
            &case.design,
            &case.table,
            &case.names,
            domain,
            col,
            quantity,
            level,
        );
        if !domain.contains('|') {
            let e = estimate(
                &case.design,
                &case.table,
                &domain_rows(&case.names, domain),
                col,
            )
            .unwrap();
            if e.n_psu == 1 || e.p == 0.0 || e.p == 1.0 {
                check_edge(&mut w, &what, quantity, got, want, &e, level);
                continue;
            }
        }
        w.check(what, quantity, got, want);
    }
    if let Ok(path) = std::env::var("TALLY_SURVEY_MAXDIFF") {
        let text: String = w.max.iter().map(|(k, v)| format!("{k},{v:e}\n")).collect();
        std::fs::write(path, text).unwrap();
    }
    assert!(w.compared > 5000, "only {} figures compared", w.compared);
    assert!(
        w.failures.is_empty(),
        "{} of {} figures differ from R survey:\n{}",
        w.failures.len(),
        w.compared,
        w.failures.join("\n")
    );
}

/// The closed form for element designs (per-cell Σw and Σw² only) against R, and against
/// the per-respondent PSU sum of the same design, to 1e-12.
#[test]
fn the_element_closed_form_equals_r_and_the_per_psu_sum() {
    let reference = rows(include_str!("../../reference/survey_reference.csv"));
    let mut compared = 0;
    for name in ["s4000_weighted", "weighted100", "stratified"] {
        let resp = respondents(name);
        let design = build_design(&resp, Units::Elements, LonelyPsu::Fail).unwrap();
        let (closed, names, cols) =
            build_table(&design, &resp, Units::Elements, |r| r.domain.clone());
        // Each respondent its own PSU: ids are unique within the design.
        let (per_psu, _, _) = build_table(&design, &resp, Units::Clusters, |r| r.domain.clone());
        for r in reference
            .iter()
            .filter(|r| r["design"] == name && r["quantity"] == "se" && !r["domain"].contains('|'))
        {
            let col = cols.iter().position(|c| *c == r["outcome"]).unwrap();
            let d = domain_rows(&names, &r["domain"]);
            let a = estimate(&design, &closed, &d, col).unwrap();
            let b = estimate(&design, &per_psu, &d, col).unwrap();
            let want: f64 = r["value"].parse().unwrap();
            assert!(
                (a.se - want).abs() < 1e-12,
                "{name} {:?}: {} vs {want}",
                r,
                a.se
            );
            assert!((a.var - b.var).abs() < 1e-15, "{name} {r:?}");
            compared += 1;
        }
    }
    assert!(compared >= 64, "{compared}");
}

/// `survey.lonely.psu = "fail"` (R's default): R stops with "Stratum (3) has only one PSU";
/// tally refuses the design, naming the stratum.
#[test]
fn a_lonely_psu_fails_by_default() {
    let resp = respondents("lonely_fail");
    let err = build_design(&resp, Units::Clusters, LonelyPsu::Fail).unwrap_err();
    assert_eq!(err, DesignError::LonelyPsu { stratum: 3 });
}
