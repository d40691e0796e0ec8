//! The review's report: `pooled.csv`, `studies.csv`, `report.md`, `index.html`,
//! `plots/forest.svg` and `.png` (artifacts; `manifest.json` is added by [`super::run`]).
//! Pure: results in, named byte buffers out. Text is escaped with [`crate::text`].

use std::fmt::Write as _;

use super::plan::{ReviewPlan, Source};
use super::run::Results;
use crate::plots::meta_forest::{self, MetaForest, Row};
use crate::render::Artifact;
use crate::stats::meta::{Count, Fit, Model, Test};
use crate::text::{escape_html, format_p, level_pct, pct, thousands};

/// The sentences and tables both pages share.
struct Prose {
    findings: String,
    heterogeneity: String,
    small_k: Option<String>,
    subgroups: Option<String>,
    glmm: Option<String>,
    methods: String,
}

/// Every artifact but the manifest.
pub fn artifacts(plan: &ReviewPlan, r: &Results, internal: bool) -> Result<Vec<Artifact>, String> {
    let prose = prose(plan, r);
    let plot = meta_forest::draw(&forest(plan, r), internal)?;
    let mut out = vec![
        Artifact {
            path: "pooled.csv".into(),
            bytes: pooled_csv(plan, r).into_bytes(),
        },
        Artifact {
            path: "studies.csv".into(),
            bytes: studies_csv(plan, r).into_bytes(),
        },
        Artifact {
            path: "report.md".into(),
            bytes: markdown(plan, r, &prose).into_bytes(),
        },
        Artifact {
            path: "index.html".into(),
            bytes: html(plan, r, &prose, &plot.svg_inline, &plot.alt).into_bytes(),
        },
        Artifact {
            path: "plots/forest.svg".into(),
            bytes: plot.svg.into_bytes(),
        },
        Artifact {
            path: "plots/forest.png".into(),
            bytes: plot.png,
        },
    ];
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn model_words(plan: &ReviewPlan) -> String {
    let m = match plan.options.model {
        Model::Common => "common-effect model".to_string(),
        Model::Random(t) => format!("random-effects model, tau² by {}", t.info().title),
    };
    let i = match plan.options.test {
        Test::Knha => "Hartung-Knapp interval",
        Test::Z => "normal (z) interval",
    };
    format!("{m}, {i}, {} scale", plan.measure.info().title)
}

fn range(lo: f64, hi: f64) -> String {
    format!("{:.1}% to {:.1}%", lo * 100.0, hi * 100.0)
}

/// `(estimate, ci, pi)` on the proportion scale.
type Pooled = (f64, Option<(f64, f64)>, Option<(f64, f64)>);

/// `(estimate, ci, pi)` of a fit on the proportion scale.
fn props(plan: &ReviewPlan, r: &Results, f: &Fit, counts: &[Count]) -> Pooled {
    let p = |y| r.prop(plan, y, counts);
    (
        p(f.estimate),
        f.ci.map(|(a, b)| (p(a), p(b))),
        f.pi.map(|(a, b)| (p(a), p(b))),
    )
}

fn prose(plan: &ReviewPlan, r: &Results) -> Prose {
    let f = &r.fit;
    let level = level_pct(plan.options.level);
    let total: u64 = plan.surveys.iter().map(|s| s.n).sum();
    let (est, ci, pi) = props(plan, r, f, &r.counts);
    let mut findings = format!(
        "Across {} surveys ({} {}), the pooled proportion who {} was {}",
        f.k,
        thousands(total),
        plan.population,
        plan.outcome,
        pct(est)
    );
    if let Some((a, b)) = ci {
        let _ = write!(findings, " ({level} CI {})", range(a, b));
    }
    if let (Model::Random(_), Some((a, b))) = (plan.options.model, pi) {
        let _ = write!(
            findings,
            "; {level} prediction interval for a new survey {}",
            range(a, b)
        );
    }
    findings.push('.');
    let mut heterogeneity = format!(
        "Heterogeneity: Q = {:.2} on {} df (p = {}); I² = {:.1}%",
        f.q,
        f.k - 1,
        format_p(f.q_p),
        f.i2
    );
    if let Some(iv) = &r.tau2_ci {
        let _ = write!(
            heterogeneity,
            " ({level} CI {:.1}% to {:.1}%); tau² = {:.4} ({level} CI {:.4} to {:.4}{}) on the {} scale; H² = {:.2}.",
            iv.i2.0,
            iv.i2.1,
            f.tau2,
            iv.tau2.0,
            iv.tau2.1,
            if iv.upper_capped { ", upper bound at the end of the search" } else { "" },
            plan.measure.info().title,
            f.h2
        );
    } else {
        heterogeneity.push('.');
    }
    heterogeneity.push_str(if f.q_p < 0.05 {
        " The surveys disagree more than their sampling error explains, so the pooled figure is an average over differing surveys, and the prediction interval is the range to expect for another survey."
    } else {
        " The surveys' differences are within what sampling error would give, though a test with few surveys has little power."
    });
    let small_k = small_k_note(plan, r);
    let subgroups = r.subgroups.as_ref().map(|(names, s)| {
        let parts: Vec<String> = names
            .iter()
            .zip(&s.fits)
            .map(|(g, sf)| {
                let (e, c, _) = props(plan, r, sf, &r.subgroup_counts(plan, g));
                let c = c.map(|(a, b)| format!(" ({level} CI {})", range(a, b))).unwrap_or_default();
                format!("{g}: {} over {} surveys{c}", pct(e), sf.k)
            })
            .collect();
        format!(
            "{}: {}. Test for subgroup differences (each subgroup with its own tau²): Q = {:.2} on {} df, p = {}.",
            plan.subgroup_title,
            parts.join("; "),
            s.q_between,
            s.df,
            format_p(s.p_value)
        )
    });
    let glmm = r.glmm.as_ref().map(|g| match g {
        Ok(g) => format!(
            "Binomial-normal GLMM (maximum likelihood, 7-point adaptive quadrature, no continuity correction): {} ({level} CI {}; prediction interval {}), tau² = {:.4} on the logit scale.",
            pct(1.0 / (1.0 + (-g.estimate).exp())),
            range(1.0 / (1.0 + (-g.ci.0).exp()), 1.0 / (1.0 + (-g.ci.1).exp())),
            range(1.0 / (1.0 + (-g.pi.0).exp()), 1.0 / (1.0 + (-g.pi.1).exp())),
            g.tau2
        ),
        Err(e) => format!("The binomial-normal GLMM could not be fitted: {e}. Its figures are not shown."),
    });
    let methods = format!(
        "Each survey's proportion is pooled on the {} scale ({}); per-survey intervals are Clopper-Pearson. {} As computed by R's metafor (escalc, rma, predict, confint), checked against it in tally's tests.{}",
        plan.measure.info().title,
        model_words(plan),
        if plan.measure.info().corrected {
            "A survey at 0% or 100% gets ½ added to its count and to its complement (metafor's default), for this scale only."
        } else {
            "No continuity correction is needed on this scale."
        },
        if plan.measure == crate::stats::meta::Measure::FreemanTukey {
            format!(" Back-transformed with Miller's formula at the harmonic mean survey size, {:.1} (metafor's transf.ipft.hm); with very unequal sizes this can mislead.", r.n_hm)
        } else {
            String::new()
        }
    );
    Prose {
        findings,
        heterogeneity,
        small_k,
        subgroups,
        glmm,
        methods,
    }
}

/// With fewer than five surveys (or a subgroup of fewer), the interval type matters.
fn small_k_note(plan: &ReviewPlan, r: &Results) -> Option<String> {
    let smallest = r
        .subgroups
        .as_ref()
        .and_then(|(_, s)| s.fits.iter().map(|f| f.k).min())
        .unwrap_or(r.fit.k)
        .min(r.fit.k);
    if smallest >= 5 {
        return None;
    }
    let mut s = format!(
        "Few surveys ({} in the smallest pooled set): tau² is poorly estimated, and the Hartung-Knapp and prediction intervals say much more than a z interval would.",
        smallest
    );
    if let Some(z) = &r.fit_z {
        if let Some((a, b)) = z.ci {
            let p = |y| r.prop(plan, y, &r.counts);
            let _ = write!(
                s,
                " The z interval of the overall estimate would be {}.",
                range(p(a), p(b))
            );
        }
    }
    Some(s)
}

fn f(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn pooled_row(
    out: &mut String,
    plan: &ReviewPlan,
    r: &Results,
    scope: &str,
    fit: &Fit,
    counts: &[Count],
    tau2: Option<&crate::stats::meta::Tau2Interval>,
) {
    let (e, ci, pi) = props(plan, r, fit, counts);
    let o = |v: Option<(f64, f64)>| v.map_or((String::new(), String::new()), |(a, b)| (f(a), f(b)));
    let (cl, cu) = o(ci);
    let (pl, pu) = o(pi);
    let (tl, tu) = o(tau2.map(|t| t.tau2));
    let (il, iu) = o(tau2.map(|t| t.i2));
    let n: f64 = counts.iter().map(|c| c.n).sum();
    let _ = writeln!(
        out,
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
        csv_field(scope),
        fit.k,
        n,
        f(e),
        cl,
        cu,
        pl,
        pu,
        f(fit.estimate),
        f(fit.se),
        f(fit.p_value),
        f(fit.tau2),
        tl,
        tu,
        f(fit.q),
        fit.k.saturating_sub(1),
        f(fit.q_p),
        f(fit.i2),
        il,
        iu,
        f(fit.h2)
    );
}

fn pooled_csv(plan: &ReviewPlan, r: &Results) -> String {
    let mut out = String::from("scope,k,n,proportion,ci_lower,ci_upper,pi_lower,pi_upper,estimate_transformed,se_transformed,p_value,tau2,tau2_lower,tau2_upper,q,q_df,q_p,i2,i2_lower,i2_upper,h2\n");
    pooled_row(
        &mut out,
        plan,
        r,
        "all",
        &r.fit,
        &r.counts,
        r.tau2_ci.as_ref(),
    );
    if let Some((names, s)) = &r.subgroups {
        for (g, sf) in names.iter().zip(&s.fits) {
            pooled_row(
                &mut out,
                plan,
                r,
                &format!("subgroup: {g}"),
                sf,
                &r.subgroup_counts(plan, g),
                None,
            );
        }
        let _ = writeln!(
            out,
            "between subgroups,{},,,,,,,,,,,,,{},{},{},,,,",
            names.len(),
            f(s.q_between),
            s.df,
            f(s.p_value)
        );
    }
    if let Some(Ok(g)) = &r.glmm {
        glmm_row(&mut out, r, g);
    }
    out
}

/// The GLMM as a sensitivity row; its Q is the likelihood-ratio statistic (metafor's
/// `QE.LRT`).
fn glmm_row(out: &mut String, r: &Results, g: &crate::stats::meta::glmm::GlmmFit) {
    let ex = |y: f64| f(1.0 / (1.0 + (-y).exp()));
    let n: f64 = r.counts.iter().map(|c| c.n).sum();
    let _ = writeln!(
        out,
        "glmm (sensitivity),{},{n},{},{},{},{},{},{},{},{},{},,,{},{},{},{},,,{}",
        g.k,
        ex(g.estimate),
        ex(g.ci.0),
        ex(g.ci.1),
        ex(g.pi.0),
        ex(g.pi.1),
        f(g.estimate),
        f(g.se),
        f(g.p_value),
        f(g.tau2),
        f(g.q_lrt),
        g.k - 1,
        f(g.q_p),
        f(g.i2),
        f(g.h2)
    );
}

fn studies_csv(plan: &ReviewPlan, r: &Results) -> String {
    let mut out = String::from("survey,subgroup,year,x,n,proportion,ci_lower,ci_upper,ci_method,effect,variance,continuity_corrected,weight_percent,without_it_proportion,without_it_i2,source,sha256,citation\n");
    for (i, s) in plan.surveys.iter().enumerate() {
        let e = r.effects[i];
        let loo = &r.leave_one_out[i];
        let rest: Vec<Count> = r
            .counts
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, c)| *c)
            .collect();
        let (source, sha) = match &s.source {
            Source::Counts { path, line } => (format!("{path} line {line}"), String::new()),
            Source::Pipeline {
                pipeline,
                report,
                estimates_sha256,
            } => (
                format!("pipeline {pipeline}, report {report}"),
                estimates_sha256.clone(),
            ),
        };
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},clopper-pearson,{},{},{},{},{},{},{},{},{}",
            csv_field(&s.name),
            csv_field(s.subgroup.as_deref().unwrap_or("")),
            s.year.map(|y| y.to_string()).unwrap_or_default(),
            s.x,
            s.n,
            f(s.x as f64 / s.n as f64),
            f(r.survey_ci[i].0),
            f(r.survey_ci[i].1),
            f(e.y),
            f(e.v),
            e.corrected,
            f(r.fit.weights[i]),
            f(r.prop(plan, loo.estimate, &rest)),
            f(loo.i2),
            csv_field(&source),
            sha,
            csv_field(s.citation.as_deref().unwrap_or(""))
        );
    }
    out
}

fn survey_row(plan: &ReviewPlan, r: &Results, i: usize) -> Row {
    let s = &plan.surveys[i];
    let p = s.x as f64 / s.n as f64;
    let (lo, hi) = r.survey_ci[i];
    Row::Survey {
        label: s.name.clone(),
        counts: format!("{} / {}", thousands(s.x), thousands(s.n)),
        text: format!("{:.1} [{:.1}, {:.1}]", p * 100.0, lo * 100.0, hi * 100.0),
        weight: format!("{:.1}%", r.fit.weights[i]),
        value: (p, lo, hi),
        weight_pct: Some(r.fit.weights[i]),
    }
}

fn pooled_rows(
    plan: &ReviewPlan,
    r: &Results,
    label: &str,
    fit: &Fit,
    counts: &[Count],
    rows: &mut Vec<Row>,
) {
    let (e, ci, pi) = props(plan, r, fit, counts);
    if let Some((a, b)) = ci {
        rows.push(Row::Pooled {
            label: label.to_string(),
            text: format!("{:.1} [{:.1}, {:.1}]", e * 100.0, a * 100.0, b * 100.0),
            value: (e, a, b),
        });
    }
    if let (Model::Random(_), Some((a, b))) = (plan.options.model, pi) {
        rows.push(Row::Prediction {
            label: "  Prediction interval".into(),
            text: format!("[{:.1}, {:.1}]", a * 100.0, b * 100.0),
            value: (a.max(0.0), b.min(1.0)),
        });
    }
}

fn forest(plan: &ReviewPlan, r: &Results) -> MetaForest {
    let mut rows = Vec::new();
    match &r.subgroups {
        Some((names, s)) => {
            for (g, sf) in names.iter().zip(&s.fits) {
                rows.push(Row::Heading(g.clone()));
                for (i, sv) in plan.surveys.iter().enumerate() {
                    if sv.subgroup.as_deref() == Some(g.as_str()) {
                        rows.push(survey_row(plan, r, i));
                    }
                }
                pooled_rows(
                    plan,
                    r,
                    &format!("{g}: pooled"),
                    sf,
                    &r.subgroup_counts(plan, g),
                    &mut rows,
                );
                rows.push(Row::Note(format!(
                    "  I² = {:.1}%, tau² = {:.4}, Q p = {}",
                    sf.i2,
                    sf.tau2,
                    format_p(sf.q_p)
                )));
            }
            rows.push(Row::Note(format!(
                "Subgroup differences: Q = {:.2} on {} df, p = {}",
                s.q_between,
                s.df,
                format_p(s.p_value)
            )));
        }
        None => rows.extend((0..plan.surveys.len()).map(|i| survey_row(plan, r, i))),
    }
    pooled_rows(plan, r, "All surveys: pooled", &r.fit, &r.counts, &mut rows);
    rows.push(Row::Note(format!(
        "Heterogeneity: I² = {:.1}%, tau² = {:.4}, Q = {:.2} on {} df, p = {}",
        r.fit.i2,
        r.fit.tau2,
        r.fit.q,
        r.fit.k - 1,
        format_p(r.fit.q_p)
    )));
    MetaForest {
        title: plan.title.clone(),
        subtitle: format!("Proportion who {}; {}.", plan.outcome, model_words(plan)),
        x_label: format!("Proportion ({} CI)", level_pct(plan.options.level)),
        ci_heading: format!("% [{} CI]", level_pct(plan.options.level)),
        rows,
    }
}

fn provenance(s: &super::plan::Survey) -> String {
    match &s.source {
        Source::Counts { path, line } => format!("{path}, line {line}"),
        Source::Pipeline {
            pipeline,
            report,
            estimates_sha256,
        } => format!(
            "pipeline {pipeline}, report {report}, estimates.csv SHA-256 {}",
            &estimates_sha256[..estimates_sha256.len().min(16)]
        ),
    }
}

fn sensitivity_lines(plan: &ReviewPlan, r: &Results) -> Vec<String> {
    let mut out = Vec::new();
    for (i, s) in plan.surveys.iter().enumerate() {
        let loo = &r.leave_one_out[i];
        let rest: Vec<Count> = r
            .counts
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, c)| *c)
            .collect();
        let (e, ci, _) = props(plan, r, loo, &rest);
        let ci = ci
            .map(|(a, b)| format!(" ({})", range(a, b)))
            .unwrap_or_default();
        out.push(format!(
            "Without {}: {}{ci}, I² = {:.1}%",
            s.name,
            pct(e),
            loo.i2
        ));
    }
    out
}

fn cumulative_lines(plan: &ReviewPlan, r: &Results) -> Vec<String> {
    let Some((order, fits)) = &r.cumulative else {
        return Vec::new();
    };
    fits.iter()
        .enumerate()
        .map(|(j, fit)| {
            let sub: Vec<Count> = order[..=j].iter().map(|&i| r.counts[i]).collect();
            let s = &plan.surveys[order[j]];
            let (e, ci, _) = props(plan, r, fit, &sub);
            let ci = ci
                .map(|(a, b)| format!(" ({})", range(a, b)))
                .unwrap_or_default();
            format!(
                "Up to {} ({}): {}{ci} from {} survey{}",
                s.year.unwrap_or_default(),
                s.name,
                pct(e),
                j + 1,
                if j == 0 { "" } else { "s" }
            )
        })
        .collect()
}

fn markdown(plan: &ReviewPlan, r: &Results, p: &Prose) -> String {
    let mut m = format!("# {}\n\n", plan.title);
    if let Some(d) = &plan.description {
        let _ = writeln!(m, "{d}\n");
    }
    let _ = writeln!(
        m,
        "## Key findings\n\n{}\n\n{}\n",
        p.findings, p.heterogeneity
    );
    for extra in [&p.small_k, &p.subgroups, &p.glmm].into_iter().flatten() {
        let _ = writeln!(m, "{extra}\n");
    }
    let _ = writeln!(m, "![Forest plot](plots/forest.svg)\n\n## Surveys\n");
    m.push_str("| Survey | Subgroup | Year | Events / total | % (CI) | Weight | Source | Citation |\n|---|---|---|---|---|---|---|---|\n");
    for (i, s) in plan.surveys.iter().enumerate() {
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} / {} | {:.1} ({:.1} to {:.1}) | {:.1}% | {} | {} |",
            s.name.replace('|', "\\|"),
            s.subgroup.as_deref().unwrap_or(""),
            s.year.map(|y| y.to_string()).unwrap_or_default(),
            thousands(s.x),
            thousands(s.n),
            100.0 * s.x as f64 / s.n as f64,
            100.0 * r.survey_ci[i].0,
            100.0 * r.survey_ci[i].1,
            r.fit.weights[i],
            provenance(s).replace('|', "\\|"),
            s.citation.as_deref().unwrap_or("").replace('|', "\\|")
        );
    }
    let _ = writeln!(m, "\n## Sensitivity\n");
    for l in sensitivity_lines(plan, r)
        .iter()
        .chain(&cumulative_lines(plan, r))
    {
        let _ = writeln!(m, "- {l}");
    }
    let _ = writeln!(m, "\n## Methods\n\n{}\n", p.methods);
    if !plan.caveats.is_empty() {
        let _ = writeln!(m, "## Caveats\n");
        for c in &plan.caveats {
            let _ = writeln!(m, "- {c}");
        }
        m.push('\n');
    }
    let _ = writeln!(
        m,
        "Pipeline: {} (SHA-256 {}).",
        plan.pipeline_written, plan.pipeline_sha256
    );
    m
}

fn html(plan: &ReviewPlan, r: &Results, p: &Prose, svg: &str, alt: &str) -> String {
    let e = escape_html;
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{}body{{font-family:{},sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#111}}table{{border-collapse:collapse;font-size:.9rem}}td,th{{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}}td.n{{text-align:right}}figure svg{{max-width:100%;height:auto}}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        e(&plan.title),
        crate::plots::font_face_css(),
        crate::plots::FONT,
        e(&plan.title)
    );
    if let Some(d) = &plan.description {
        let _ = writeln!(h, "<p>{}</p>", e(d));
    }
    let _ = writeln!(
        h,
        "<h2>Key findings</h2>\n<p><strong>{}</strong></p>\n<p>{}</p>",
        e(&p.findings),
        e(&p.heterogeneity)
    );
    for extra in [&p.small_k, &p.subgroups, &p.glmm].into_iter().flatten() {
        let _ = writeln!(h, "<p>{}</p>", e(extra));
    }
    let _ = writeln!(
        h,
        "<figure role=\"img\" aria-label=\"{}\">{svg}</figure>",
        e(alt)
    );
    h.push_str("<h2>Surveys</h2>\n<table>\n<tr><th>Survey</th><th>Subgroup</th><th>Year</th><th>Events / total</th><th>% (CI)</th><th>Weight</th><th>Source</th><th>Citation</th></tr>\n");
    for (i, s) in plan.surveys.iter().enumerate() {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{} / {}</td><td class=\"n\">{:.1} ({:.1} to {:.1})</td><td class=\"n\">{:.1}%</td><td>{}</td><td>{}</td></tr>",
            e(&s.name),
            e(s.subgroup.as_deref().unwrap_or("")),
            s.year.map(|y| y.to_string()).unwrap_or_default(),
            thousands(s.x),
            thousands(s.n),
            100.0 * s.x as f64 / s.n as f64,
            100.0 * r.survey_ci[i].0,
            100.0 * r.survey_ci[i].1,
            r.fit.weights[i],
            e(&provenance(s)),
            e(s.citation.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</table>\n<h2>Sensitivity</h2>\n<ul>\n");
    for l in sensitivity_lines(plan, r)
        .iter()
        .chain(&cumulative_lines(plan, r))
    {
        let _ = writeln!(h, "<li>{}</li>", e(l));
    }
    let _ = writeln!(h, "</ul>\n<h2>Methods</h2>\n<p>{}</p>", e(&p.methods));
    if !plan.caveats.is_empty() {
        h.push_str("<h2>Caveats</h2>\n<ul>\n");
        for c in &plan.caveats {
            let _ = writeln!(h, "<li>{}</li>", e(c));
        }
        h.push_str("</ul>\n");
    }
    let _ = writeln!(
        h,
        "<p>Pipeline: {} (SHA-256 {}).</p>\n</body>\n</html>",
        e(&plan.pipeline_written),
        plan.pipeline_sha256
    );
    h
}
