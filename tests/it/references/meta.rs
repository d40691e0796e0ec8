//! Meta-analysis of proportions against metafor 3.8.1 (with lme4 1.1.31 for the GLMM):
//! `tests/reference/meta_reference.csv`, made by `gen_meta_reference.R` (command, versions
//! and tolerances in `meta_reference.versions.txt`). Every value the script wrote is
//! compared; the largest differences are printed (`--nocapture`).

use std::collections::BTreeMap;

use tally::stats::meta::sensitivity::{cumulative, leave_one_out, subgroups};
use tally::stats::meta::{
    back_transform, effect::harmonic_mean, effects, fit, glmm, tau2_interval, Count, Effect, Fit,
    Measure, Model, Options, Tau2Method, Test,
};

use crate::support::csv_rows;

type Key = (String, String, String, String);

struct Case {
    counts: Vec<Count>,
    groups: Vec<usize>,
}

fn cases() -> BTreeMap<String, Case> {
    let mut out: BTreeMap<String, Case> = BTreeMap::new();
    for r in csv_rows(include_str!("../../reference/meta_reference_cases.csv")) {
        let c = out.entry(r["case"].clone()).or_insert(Case {
            counts: vec![],
            groups: vec![],
        });
        c.counts.push(Count {
            x: r["x"].parse().unwrap(),
            n: r["n"].parse().unwrap(),
        });
        // Subgroups in order of first appearance: "s" then "n" in k12, as the script fits them.
        c.groups
            .push(usize::from(matches!(r["group"].as_str(), "n" | "b")));
    }
    out
}

fn reference() -> BTreeMap<Key, BTreeMap<String, f64>> {
    let mut out: BTreeMap<Key, BTreeMap<String, f64>> = BTreeMap::new();
    for r in csv_rows(include_str!("../../reference/meta_reference.csv")) {
        let key = (
            r["case"].clone(),
            r["measure"].clone(),
            r["method"].clone(),
            r["test"].clone(),
        );
        let v = match r["value"].as_str() {
            "NA" => f64::NAN,
            "Inf" => f64::INFINITY,
            s => s.parse().unwrap(),
        };
        out.entry(key).or_default().insert(r["quantity"].clone(), v);
    }
    out
}

fn measure(m: &str) -> Measure {
    match m {
        "PR" => Measure::Raw,
        "PLO" => Measure::Logit,
        "PLN" => Measure::Log,
        "PFT" => Measure::FreemanTukey,
        _ => panic!("{m}"),
    }
}

fn options(method: &str, test: &str) -> Options {
    let model = match method {
        "EE" => Model::Common,
        m => Model::Random(
            *[
                ("DL", Tau2Method::Dl),
                ("REML", Tau2Method::Reml),
                ("PM", Tau2Method::Pm),
                ("ML", Tau2Method::Ml),
                ("SJ", Tau2Method::Sj),
                ("HE", Tau2Method::He),
            ]
            .iter()
            .find(|(n, _)| *n == m)
            .map(|(_, t)| t)
            .unwrap(),
        ),
    };
    let test = if test == "knha" { Test::Knha } else { Test::Z };
    Options {
        model,
        test,
        level: 0.95,
    }
}

/// The largest absolute difference (scaled by max(1, |want|)) seen per kind of value.
#[derive(Default)]
struct Tally {
    worst: BTreeMap<&'static str, (f64, String)>,
    failures: Vec<String>,
    compared: usize,
}

impl Tally {
    fn check(&mut self, kind: &'static str, tol: f64, what: String, got: f64, want: f64) {
        self.compared += 1;
        let d = if got == want {
            0.0
        } else {
            (got - want).abs() / want.abs().max(1.0)
        };
        let d = if d.is_nan() { f64::INFINITY } else { d };
        let w = self.worst.entry(kind).or_insert((0.0, String::new()));
        if d > w.0 {
            *w = (d, what.clone());
        }
        if d > tol {
            self.failures
                .push(format!("{what}: got {got}, want {want} ({d:.2e})"));
        }
    }
}

fn fit_values(f: &Fit) -> Vec<(&'static str, f64)> {
    let ci = f.ci.unwrap();
    let pi = f.pi.unwrap();
    vec![
        ("estimate", f.estimate),
        ("se", f.se),
        ("pval", f.p_value),
        ("ci.lb", ci.0),
        ("ci.ub", ci.1),
        ("pi.lb", pi.0),
        ("pi.ub", pi.1),
        ("tau2", f.tau2),
        ("QE", f.q),
        ("QEp", f.q_p),
        ("I2", f.i2),
        ("H2", f.h2),
    ]
}

fn check_model(t: &mut Tally, key: &Key, want: &BTreeMap<String, f64>, case: &Case) {
    let (c, m, method, test) = key;
    let me = measure(m);
    let es = effects(me, &case.counts).unwrap();
    let opts = options(method, test);
    let f = fit(&es, opts).unwrap();
    let iterative = matches!(method.as_str(), "REML" | "ML" | "PM");
    let kind = if iterative {
        "REML/ML/PM"
    } else {
        "closed forms"
    };
    let name = |q: &str| format!("{c} {m} {method} {test} {q}");
    let mut got: Vec<(String, f64)> = fit_values(&f)
        .into_iter()
        .map(|(q, v)| (q.to_string(), v))
        .collect();
    for (i, w) in f.weights.iter().enumerate() {
        got.push((format!("weight.{}", i + 1), *w));
    }
    let nhm = harmonic_mean(&case.counts);
    let ci = f.ci.unwrap();
    let pi = f.pi.unwrap();
    for (q, v) in [
        ("prop.estimate", f.estimate),
        ("prop.ci.lb", ci.0),
        ("prop.ci.ub", ci.1),
        ("prop.pi.lb", pi.0),
        ("prop.pi.ub", pi.1),
    ] {
        got.push((q.to_string(), back_transform(me, v, nhm).unwrap()));
    }
    if let Some(iv) = tau2_interval(&es, f.tau2, 0.95) {
        for (q, v) in [
            ("tau2.lb", iv.tau2.0),
            ("tau2.ub", iv.tau2.1),
            ("I2.lb", iv.i2.0),
            ("I2.ub", iv.i2.1),
            ("H2.lb", iv.h2.0),
            ("H2.ub", iv.h2.1),
        ] {
            got.push((q.to_string(), v));
        }
    }
    if c == "k12" && want.contains_key("sub.QB") {
        let s = subgroups(&es, &case.groups, opts).unwrap();
        for (j, g) in s.fits.iter().enumerate() {
            got.push((format!("sub.{}.estimate", j + 1), g.estimate));
            got.push((format!("sub.{}.se", j + 1), g.se));
            got.push((format!("sub.{}.tau2", j + 1), g.tau2));
        }
        got.push(("sub.QB".into(), s.q_between));
        got.push(("sub.QBp".into(), s.p_value));
        for (i, g) in leave_one_out(&es, opts).unwrap().iter().enumerate() {
            got.push((format!("l1o.estimate.{}", i + 1), g.estimate));
            got.push((format!("l1o.se.{}", i + 1), g.se));
            got.push((format!("l1o.tau2.{}", i + 1), g.tau2));
            got.push((format!("l1o.I2.{}", i + 1), g.i2));
        }
        // The cases file is in year order already.
        for (j, g) in cumulative(&es, opts).unwrap().iter().enumerate() {
            got.push((format!("cumul.estimate.{}", j + 1), g.estimate));
            got.push((format!("cumul.tau2.{}", j + 1), g.tau2));
            if let Some(ci) = g.ci {
                got.push((format!("cumul.ci.lb.{}", j + 1), ci.0));
            }
        }
    }
    let got: BTreeMap<String, f64> = got.into_iter().collect();
    for (q, w) in want {
        let kind = if q.starts_with("tau2.") || q.starts_with("I2.") || q.starts_with("H2.") {
            "Q-profile"
        } else {
            kind
        };
        match got.get(q) {
            Some(g) => t.check(kind, 1e-9, name(q), *g, *w),
            None => t.failures.push(format!("{}: not computed", name(q))),
        }
    }
}

fn check_effects(t: &mut Tally, key: &Key, want: &BTreeMap<String, f64>, case: &Case) {
    let es: Vec<Effect> = effects(measure(&key.1), &case.counts).unwrap();
    for (i, e) in es.iter().enumerate() {
        for (q, v) in [("yi", e.y), ("vi", e.v)] {
            let q = format!("{q}.{}", i + 1);
            t.check(
                "effect sizes",
                1e-12,
                format!("{} {} {q}", key.0, key.1),
                v,
                want[&q],
            );
        }
    }
}

fn check_glmm(t: &mut Tally, key: &Key, want: &BTreeMap<String, f64>, case: &Case) {
    let g = glmm::fit(&case.counts, 0.95).unwrap();
    let got = [
        ("estimate", g.estimate),
        ("se", g.se),
        ("pval", g.p_value),
        ("ci.lb", g.ci.0),
        ("ci.ub", g.ci.1),
        ("pi.lb", g.pi.0),
        ("pi.ub", g.pi.1),
        ("tau2", g.tau2),
        ("QE", g.q_lrt),
        ("QEp", g.q_p),
        ("I2", g.i2),
        ("H2", g.h2),
    ];
    for (q, v) in got {
        // The standard error comes from a finite-difference Hessian (step 1e-4) of a
        // deviance that lme4 evaluates with its PIRLS tolerance: 1e-5 there, 1e-6 elsewhere.
        let (kind, tol) = if matches!(q, "se" | "pval" | "ci.lb" | "ci.ub" | "pi.lb" | "pi.ub") {
            ("GLMM se and intervals", 1e-5)
        } else {
            ("GLMM estimate, tau², Q, I², H²", 1e-6)
        };
        t.check(kind, tol, format!("{} GLMM {q}", key.0), v, want[q]);
    }
}

#[test]
fn meta_analysis_matches_metafor() {
    let cases = cases();
    let mut t = Tally::default();
    for (key, want) in reference() {
        let case = &cases[&key.0];
        match key.2.as_str() {
            "" => check_effects(&mut t, &key, &want, case),
            "GLMM" => check_glmm(&mut t, &key, &want, case),
            _ => check_model(&mut t, &key, &want, case),
        }
    }
    for (kind, (d, what)) in &t.worst {
        println!("{kind}: max scaled difference {d:.3e} at {what}");
    }
    println!("{} values compared", t.compared);
    assert!(t.compared > 8000, "{}", t.compared);
    assert!(
        t.failures.is_empty(),
        "{} of {} differ:\n{}",
        t.failures.len(),
        t.compared,
        t.failures[..t.failures.len().min(40)].join("\n")
    );
}
