//! `index.html`: one self-contained page (inline CSS and SVG, no script, nothing fetched).
//! Every piece of text from the data or the pipeline passes through
//! [`crate::text::escape_html`].

use std::fmt::Write;

use super::prose::{
    ci_phrase, comparison_label, count_text, excluded_total_text, exclusion_sentence,
    format_effect, included_text, key_findings, methods_paragraph, short_label, unmapped_count,
};
use super::{PlotFile, ReportInput};
use crate::estimate::AnalysisResult;
use crate::stats::compare::Measure;
use crate::stats::reliability::Flag;
use crate::text::{escape_html, format_p, level_pct, pct, thousands};

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:#1a1a1a;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.8rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #ddd}h3{margin-top:1.6rem}
table{border-collapse:collapse;margin:1rem 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #bbb;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right}
.ci{color:#444;font-size:.85em;white-space:nowrap}
.note{background:#fff8e1;border-left:4px solid #e6a700;padding:.5rem .8rem}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.85em;color:#444}
.internal{background:#fde0dd;border:2px solid #b2182b;padding:.5rem .8rem}
.muted{color:#555}.findings{border:2px solid #542788;padding:.2rem 1rem;margin:1rem 0}.findings h2{border:none;margin-top:.6rem}code{background:#f4f4f4;padding:0 .2em}
.table-wrap{overflow-x:auto;max-width:100%}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.3rem;z-index:1}
a{color:#3f1d6b}a:focus{outline:3px solid #e6a700}
ol.flow{list-style:none;padding:0;margin:1rem 0;max-width:40rem}
ol.flow>li{border:2px solid #542788;border-radius:4px;padding:.4rem .7rem;margin:0 0 1.6rem;position:relative;background:#faf8fd}
ol.flow>li:not(:last-child)::after{content:\"\\2193\";position:absolute;left:1.2rem;bottom:-1.55rem;font-size:1.2rem;color:#542788}
ol.flow>li.out{margin-left:3rem;border-style:dashed;border-color:#b35806;background:#fff}
ol.flow ul{margin:.2rem 0 0;padding-left:1.2rem}
ol.flow>li.split{border:none;background:none;padding:0}ol.flow>li.split>ol.flow{margin:.4rem 0 0 1.5rem}ol.flow>li.split>ol.flow>li{margin-bottom:.6rem}ol.flow>li.split>ol.flow>li::after{content:none}
@page{size:A4;margin:16mm 14mm}
@media print{body{max-width:none;margin:0;font-size:10pt}h2{break-after:avoid}h3{break-after:avoid}figure,table,ol.flow>li,.findings{break-inside:avoid}nav,.skip{display:none}a{color:inherit;text-decoration:none}.table-wrap{overflow:visible}figure svg{max-height:230mm}}
";

/// Renders the page.
pub fn report(input: &ReportInput, plots: &[PlotFile]) -> String {
    let plan = input.plan;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{}{}</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#findings\">Skip to the key findings</a>\n<main>\n<h1>{}</h1>\n",
        escape_html(&plan.report.title),
        CSS,
        crate::plots::font_face_css(),
        escape_html(&plan.report.title)
    );
    if !input.disclosure.protect {
        h.push_str("<p class=\"internal\" role=\"alert\"><strong>Internal run: not for publication.</strong> Disclosure control is off (<code>disclosure.protect = false</code> or <code>--internal</code>), so small counts are shown and <code>rejected.csv</code> holds respondents' records.</p>\n");
    }
    if let Some(d) = &plan.report.description {
        let _ = writeln!(h, "<p>{}</p>", escape_html(d));
    }

    // Key findings, each traceable to a table below.
    let findings = key_findings(input.results);
    if !findings.is_empty() {
        h.push_str("<section class=\"findings\" aria-labelledby=\"findings\"><h2 id=\"findings\">Key findings</h2><ul>\n");
        for (analysis, f) in &findings {
            let _ = writeln!(
                h,
                "<li>{} <a href=\"#a-{}\">(table)</a></li>",
                escape_html(f),
                escape_html(analysis)
            );
        }
        h.push_str("</ul><p class=\"muted\">Each figure is in its analysis's table below, with its denominator, method and exclusions.</p></section>\n");
    }

    // Contents.
    h.push_str("<nav aria-label=\"Contents\"><h2 id=\"contents\">Contents</h2><ol>\n<li><a href=\"#data\">Data and row accounting</a></li>\n");
    for r in input.results {
        let _ = writeln!(
            h,
            "<li><a href=\"#a-{}\">{}</a></li>",
            escape_html(&r.plan.name),
            escape_html(&r.plan.title)
        );
    }
    h.push_str("<li><a href=\"#methods\">Methods</a></li>\n<li><a href=\"#caveats\">Caveats</a></li>\n<li><a href=\"#provenance\">Provenance</a></li>\n</ol></nav>\n");

    accounting(&mut h, input);

    disclosure_note(&mut h, input);

    for r in input.results {
        analysis_section(&mut h, r, plots);
    }

    closing(&mut h, input);
    h
}

/// Data and row accounting: the input, rows read, used and rejected, the flow to each
/// analysis, and unmapped answers.
fn accounting(h: &mut String, input: &ReportInput) {
    let plan = input.plan;
    let t = input.table;
    // Data and accounting.
    let _ = writeln!(h, "<h2 id=\"data\">Data and row accounting</h2>");
    let _ = writeln!(
        h,
        "<p>Input <code>{}</code> ({} file). {} data rows were read: {} were used and {} were rejected as malformed (listed in <code>rejected.csv</code> with their line numbers).</p>",
        escape_html(&t.source.written),
        plan.input.kind.name(),
        thousands(t.records_read),
        thousands(t.records_kept),
        thousands(t.rejected.len() as u64)
    );
    let _ = writeln!(
        h,
        "<p class=\"muted\">Read as {}, {}-separated ({}){}.</p>",
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
    );
    for w in &t.warnings {
        let _ = writeln!(h, "<p class=\"note\">Warning: {}</p>", escape_html(w));
    }
    h.push_str("<table><caption>Rows read, used and rejected</caption>\n<thead><tr><th scope=\"col\">Rows</th><th scope=\"col\">Count</th></tr></thead><tbody>\n");
    let _ = writeln!(
        h,
        "<tr><th scope=\"row\">Read</th><td class=\"num\">{}</td></tr>",
        thousands(t.records_read)
    );
    for (reason, n) in t.rejected_by_reason() {
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">Rejected: {}</th><td class=\"num\">{}</td></tr>",
            escape_html(reason),
            thousands(n)
        );
    }
    let _ = writeln!(
        h,
        "<tr><th scope=\"row\">Used</th><td class=\"num\">{}</td></tr>",
        thousands(t.records_kept)
    );
    if t.blank_lines > 0 {
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">Blank lines skipped (not rows)</th><td class=\"num\">{}</td></tr>",
            thousands(t.blank_lines)
        );
    }
    if plan.input.kind == crate::plan::InputKind::Counts {
        let _ = writeln!(h, "<tr><th scope=\"row\">Respondents in used rows (sum of counts)</th><td class=\"num\">{}</td></tr>", thousands(t.respondents));
    }
    h.push_str("</tbody></table>\n");
    flow(h, input);
    if !input.unmapped.is_empty() {
        h.push_str("<div class=\"note\"><p><strong>Unmapped answers.</strong> These values have no entry in the pipeline's recode table; respondents with them are excluded from the analyses that use the column (see each analysis's exclusions).</p>\n<table><thead><tr><th scope=\"col\">Column</th><th scope=\"col\">Value</th><th scope=\"col\">Respondents</th><th scope=\"col\">Did you mean</th></tr></thead><tbody>\n");
        for u in input.unmapped {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td></tr>",
                escape_html(&u.column),
                escape_html(&u.value),
                escape_html(&unmapped_count(u.respondents, &input.disclosure, thousands)),
                u.suggestion
                    .as_deref()
                    .map(|s| format!("<code>{}</code>", escape_html(s)))
                    .unwrap_or_default()
            );
        }
        h.push_str("</tbody></table></div>\n");
    }
}

/// Methods, caveats and provenance: the end of the page.
fn closing(h: &mut String, input: &ReportInput) {
    let plan = input.plan;
    let t = input.table;
    // Methods.
    h.push_str("<h2 id=\"methods\">Methods</h2>\n");
    for r in input.results {
        let _ = writeln!(
            h,
            "<p><strong>{}.</strong> {}</p>",
            escape_html(&r.plan.title),
            escape_html(&methods_paragraph(r))
        );
    }
    h.push_str("<p>Estimates, counts and denominators are in <code>estimates.csv</code> and <code>estimates.json</code> beside this page, one row per analysis, subgroup and answer.</p>\n");

    // Caveats.
    h.push_str("<h2 id=\"caveats\">Caveats</h2>\n<ul>\n");
    for c in &plan.report.caveats {
        let _ = writeln!(h, "<li>{}</li>", escape_html(c));
    }
    let _ = writeln!(h, "<li>Confidence intervals describe sampling uncertainty only. Respondents to an open online survey choose themselves, so the figures describe those who answered and may not generalise to everyone with the condition.</li>");
    for r in input.results {
        for n in &r.notes {
            let _ = writeln!(
                h,
                "<li>{}: {}</li>",
                escape_html(&r.plan.title),
                escape_html(n)
            );
        }
    }
    h.push_str("</ul>\n");

    // Provenance (no date here: the run date lives in manifest.json only).
    h.push_str("<h2 id=\"provenance\">Provenance</h2>\n<table><tbody>\n");
    let _ = writeln!(h, "<tr><th scope=\"row\">Input</th><td><code>{}</code><br><span class=\"muted\">SHA-256 {}</span></td></tr>", escape_html(&t.source.written), t.source.sha256);
    let _ = writeln!(h, "<tr><th scope=\"row\">Pipeline</th><td><code>{}</code><br><span class=\"muted\">SHA-256 {}</span></td></tr>", escape_html(&input.pipeline_written), input.pipeline_sha256);
    let _ = writeln!(
        h,
        "<tr><th scope=\"row\">Tool</th><td>tally {}</td></tr>",
        env!("CARGO_PKG_VERSION")
    );
    h.push_str("</tbody></table>\n<p class=\"muted\">The run date and stage timings are in <code>manifest.json</code>.</p>\n</main>\n</body>\n</html>\n");
}

/// The flow from rows read to respondents analysed (a CONSORT-style diagram, as text, so
/// that it reads aloud and prints): rows read, rejected by reason, used; then per analysis,
/// excluded by reason and analysed.
fn flow(h: &mut String, input: &ReportInput) {
    let t = input.table;
    h.push_str("<figure><figcaption id=\"flow\">From rows read to respondents analysed</figcaption>\n<ol class=\"flow\" aria-labelledby=\"flow\">\n");
    let _ = writeln!(
        h,
        "<li><strong>{}</strong> data rows read from <code>{}</code></li>",
        thousands(t.records_read),
        escape_html(&t.source.written)
    );
    if !t.rejected.is_empty() {
        let _ = write!(
            h,
            "<li class=\"out\"><strong>{}</strong> rejected (<code>rejected.csv</code>)<ul>",
            thousands(t.rejected.len() as u64)
        );
        for (reason, n) in t.rejected_by_reason() {
            let _ = write!(h, "<li>{}: {}</li>", escape_html(reason), thousands(n));
        }
        h.push_str("</ul></li>\n");
    }
    let unit = if input.plan.input.kind == crate::plan::InputKind::Counts {
        format!(" ({} respondents)", thousands(t.respondents))
    } else {
        String::new()
    };
    let _ = writeln!(
        h,
        "<li><strong>{}</strong> rows used{unit}, entering every analysis</li>",
        thousands(t.records_kept)
    );
    h.push_str("<li class=\"split\">In each analysis, from those rows:<ol class=\"flow\">\n");
    for r in input.results {
        let _ = write!(
            h,
            "<li><a href=\"#a-{}\">{}</a>: ",
            escape_html(&r.plan.name),
            escape_html(&r.plan.title)
        );
        if r.data.exclusions.is_empty() {
            h.push_str("none excluded; ");
        } else {
            let _ = write!(h, "{} excluded<ul>", escape_html(&excluded_total_text(r)));
            for x in &r.data.exclusions {
                let _ = write!(
                    h,
                    "<li>{}: {}</li>",
                    escape_html(&x.reason.to_string()),
                    escape_html(&count_text(x.respondents, x.hidden, thousands))
                );
            }
            h.push_str("</ul>");
        }
        let _ = writeln!(
            h,
            "<strong>{}</strong> analysed ({})</li>",
            escape_html(&included_text(r)),
            escape_html(&r.plan.denominator)
        );
    }
    h.push_str("</ol></li>\n</ol></figure>\n");
}

/// What disclosure control did, for the reader.
fn disclosure_note(h: &mut String, input: &ReportInput) {
    if input.disclosure.protect {
        let _ = writeln!(
            h,
            "<p id=\"disclosure\"><strong>Disclosure control.</strong> {}</p>",
            escape_html(&super::prose::disclosure_statement(input))
        );
    }
}

fn analysis_section(h: &mut String, r: &AnalysisResult, plots: &[PlotFile]) {
    let p = &r.plan;
    let _ = writeln!(
        h,
        "<section aria-labelledby=\"a-{0}\">\n<h2 id=\"a-{0}\">{1}</h2>",
        escape_html(&p.name),
        escape_html(&p.title)
    );
    if let Some(q) = &p.question {
        let _ = writeln!(h, "<p class=\"muted\">Question: {}</p>", escape_html(q));
    }
    let _ = writeln!(
        h,
        "<p>Denominator: {} (n = {}). {}</p>",
        escape_html(&p.denominator),
        escape_html(&included_text(r)),
        escape_html(&exclusion_sentence(r))
    );

    estimates_table(h, r);
    simultaneous_table(h, r);

    comparisons_section(h, r);

    for f in plots.iter().filter(|f| f.analysis == p.name) {
        let _ = writeln!(
            h,
            "<figure>\n{}\n<figcaption>{} <a href=\"plots/{2}.svg\">SVG</a> · <a href=\"plots/{2}.png\">PNG</a></figcaption>\n</figure>",
            f.rendered.svg_inline,
            escape_html(&f.rendered.alt),
            escape_html(&f.stem)
        );
    }
    let _ = writeln!(
        h,
        "<p class=\"muted\">Level: {}; method: {}.</p>\n</section>",
        level_pct(p.level),
        escape_html(p.method.title())
    );
}

/// The analysis's table: one row per subgroup, one column per level, with the reliability
/// marks explained below it.
fn estimates_table(h: &mut String, r: &AnalysisResult) {
    let p = &r.plan;
    let _ = writeln!(
        h,
        "<div class=\"table-wrap\"><table>\n<caption>{}: percentage of respondents ({}), count / n</caption>\n<thead><tr>",
        escape_html(&p.title),
        escape_html(&ci_phrase(r))
    );
    if p.by.is_empty() {
        h.push_str("<th scope=\"col\">Group</th>");
    }
    for b in &p.by {
        let _ = write!(h, "<th scope=\"col\">{}</th>", escape_html(b));
    }
    h.push_str("<th scope=\"col\">n</th>");
    for l in &p.levels {
        let _ = write!(
            h,
            "<th scope=\"col\">{}</th>",
            escape_html(p.labels.show(l))
        );
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for key in r.groups() {
        let rows: Vec<_> = r.rows_of(&key).collect();
        let n = rows.first().map_or(String::new(), |x| {
            escape_html(&count_text(x.n, x.hidden_n, thousands))
        });
        h.push_str("<tr>");
        if p.by.is_empty() {
            h.push_str("<th scope=\"row\">All</th>");
        }
        for (i, v) in key.iter().enumerate() {
            let label = v
                .as_deref()
                .map_or("All".to_string(), |v| escape_html(p.labels.show(v)));
            if i == 0 {
                let _ = write!(h, "<th scope=\"row\">{label}</th>");
            } else {
                let _ = write!(h, "<td>{label}</td>");
            }
        }
        let _ = write!(h, "<td class=\"num\">{n}</td>");
        for e in rows {
            match e.interval {
                Some(i) => {
                    let mark = match &e.flag {
                        Some(f @ Flag::Unreliable(_)) => format!(" <abbr class=\"flag\" title=\"Unreliable (NCHS standard): {}\">\u{2020}</abbr>", escape_html(f.reason())),
                        Some(f @ Flag::Review(_)) => format!(" <abbr class=\"flag\" title=\"Review (NCHS standard): {}\">\u{2021}</abbr>", escape_html(f.reason())),
                        _ => String::new(),
                    };
                    let _ = write!(
                        h,
                        "<td class=\"num\">{}{mark}<br><span class=\"ci\">{} to {}</span><br><span class=\"ci\">{} / {}</span></td>",
                        pct(i.estimate),
                        pct(i.lower),
                        pct(i.upper),
                        thousands(e.count),
                        thousands(e.n)
                    );
                }
                None if e.is_hidden() => {
                    let _ = write!(
                        h,
                        "<td class=\"num suppressed\"><a href=\"#disclosure\">{}</a><br><span class=\"ci\">{} / {}</span></td>",
                        escape_html(&count_text(e.count, e.hidden_count, thousands)),
                        escape_html(&count_text(e.count, e.hidden_count, thousands)),
                        escape_html(&count_text(e.n, e.hidden_n, thousands))
                    );
                }
                None => h.push_str("<td>no estimate (n = 0)</td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n");
    let (unreliable, review) = r.rows.iter().fold((0, 0), |(u, v), e| match e.flag {
        Some(Flag::Unreliable(_)) => (u + 1, v),
        Some(Flag::Review(_)) => (u, v + 1),
        _ => (u, v),
    });
    if unreliable + review > 0 {
        let _ = writeln!(
            h,
            "<p class=\"muted\">\u{2020} {unreliable} estimate(s) do not meet the NCHS reliability standard for proportions (n below {}, or a 95% Clopper-Pearson interval too wide in absolute or relative terms); \u{2021} {review} estimate(s) to review (0% or 100%, or an unreliable complement). Hover a mark for its reason; <code>estimates.csv</code> lists every flag.</p>",
            p.reliability.min_n
        );
    }
}

/// The simultaneous intervals of every group, when the analysis asks for them.
fn simultaneous_table(h: &mut String, r: &AnalysisResult) {
    let p = &r.plan;
    if let Some(m) = p.simultaneous {
        let _ = writeln!(h, "<table>\n<caption>Simultaneous {} intervals ({}): all levels of a group covered together</caption>\n<thead><tr><th scope=\"col\">Group</th>", level_pct(p.level), m.title());
        for l in &p.levels {
            let _ = write!(
                h,
                "<th scope=\"col\">{}</th>",
                escape_html(p.labels.show(l))
            );
        }
        h.push_str("</tr></thead><tbody>\n");
        for key in r.groups() {
            let _ = write!(
                h,
                "<tr><th scope=\"row\">{}</th>",
                escape_html(&short_label(&p.labels, &key))
            );
            for e in r.rows_of(&key) {
                match e.simultaneous {
                    Some((lo, hi)) => {
                        let _ = write!(h, "<td class=\"num\">{} to {}</td>", pct(lo), pct(hi));
                    }
                    None => h.push_str("<td>-</td>"),
                }
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody></table>\n");
    }
}

fn comparisons_section(h: &mut String, r: &AnalysisResult) {
    let Some(cp) = &r.plan.compare else { return };
    let measure = cp.method.measure();
    let what = match measure {
        Measure::Diff => "Difference (percentage points)",
        Measure::Ratio => "Ratio",
        Measure::OddsRatio => "Odds ratio",
    };
    let _ = writeln!(
        h,
        "<h3>Subgroup comparisons by {}</h3>",
        escape_html(&r.plan.by[cp.by])
    );
    if !r.comparisons.is_empty() {
        let _ = writeln!(
            h,
            "<table>\n<caption>{} by the {} method, {} CI; p-values from the {} test, adjusted for {} comparisons by {}</caption>\n<thead><tr><th scope=\"col\">Outcome</th><th scope=\"col\">Comparison</th><th scope=\"col\">Group 1</th><th scope=\"col\">Group 2</th><th scope=\"col\">{}</th><th scope=\"col\">p</th><th scope=\"col\">p, adjusted</th></tr></thead><tbody>",
            what,
            escape_html(cp.method.title()),
            level_pct(r.plan.level),
            cp.test.name(),
            r.comparisons.len(),
            cp.adjust.name(),
            what
        );
        for c in &r.comparisons {
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
            let effect = match c.result {
                Some(x) => format!(
                    "{}<br><span class=\"ci\">{} to {}</span>",
                    format_effect(measure, x.estimate),
                    format_effect(measure, x.lower),
                    format_effect(measure, x.upper)
                ),
                None if c.withheld => "withheld: a compared cell is suppressed".into(),
                None => "not defined".into(),
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape_html(r.plan.labels.show(&c.level)),
                escape_html(&comparison_label(&r.plan.labels, c)),
                share(c.pair.x1, c.pair.n1),
                share(c.pair.x2, c.pair.n2),
                effect,
                c.p_value.map_or("-".into(), format_p),
                c.p_adjusted.map_or("-".into(), format_p)
            );
        }
        h.push_str("</tbody></table>\n");
    }
    if let Some(t) = &r.independence {
        let _ = writeln!(
            h,
            "<p>Test of independence of {} and {} (groups: {}): Pearson chi-square = {:.2} on {} df, p = {}; likelihood-ratio G = {:.2}, p = {}; Cramer's V = {:.3}.</p>",
            escape_html(&r.plan.outcome),
            escape_html(&t.by),
            escape_html(
                &t.groups
                    .iter()
                    .map(|g| r.plan.labels.show(g))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            t.tests.pearson,
            t.tests.df,
            format_p(t.tests.pearson_p),
            t.tests.g,
            format_p(t.tests.g_p),
            t.tests.cramers_v
        );
    }
}
