//! `report.md`: the same content as `index.html`, as Markdown (plots linked, not inlined).

use std::fmt::Write;

use super::prose::{
    ci_phrase, comparison_label, count_text, disclosure_statement, exclusion_sentence,
    format_effect, included_text, key_findings, methods_paragraph, unmapped_count,
};
use super::{PlotFile, ReportInput};
use crate::estimate::AnalysisResult;
use crate::text::{format_p, level_pct, pct, thousands};

/// Escapes Markdown table and inline syntax in data-derived text.
pub fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

pub fn report(input: &ReportInput, plots: &[PlotFile]) -> String {
    let plan = input.plan;
    let t = input.table;
    let mut m = String::new();
    let _ = writeln!(m, "# {}\n", escape_md(&plan.report.title));
    if !input.disclosure.protect {
        let _ = writeln!(m, "> **Internal run: not for publication.** Disclosure control is off, so small counts are shown.\n");
    }
    if let Some(d) = &plan.report.description {
        let _ = writeln!(m, "{}\n", escape_md(d));
    }
    let findings = key_findings(input.results);
    if !findings.is_empty() {
        let _ = writeln!(m, "## Key findings\n");
        for (_, f) in &findings {
            let _ = writeln!(m, "- {}", escape_md(f));
        }
        m.push('\n');
    }
    accounting(&mut m, input);
    for r in input.results {
        analysis(&mut m, r, plots);
    }
    let _ = writeln!(m, "## Methods\n");
    for r in input.results {
        let _ = writeln!(
            m,
            "**{}.** {}\n",
            escape_md(&r.plan.title),
            escape_md(&methods_paragraph(r))
        );
    }
    let _ = writeln!(m, "## Caveats\n");
    for c in &plan.report.caveats {
        let _ = writeln!(m, "- {}", escape_md(c));
    }
    let _ = writeln!(m, "- Confidence intervals describe sampling uncertainty only. Respondents to an open online survey choose themselves, so the figures describe those who answered and may not generalise to everyone with the condition.");
    for r in input.results {
        for n in &r.notes {
            let _ = writeln!(m, "- {}: {}", escape_md(&r.plan.title), escape_md(n));
        }
    }
    let _ = writeln!(m, "\n## Provenance\n\n- Input: `{}` (SHA-256 {})\n- Pipeline: `{}` (SHA-256 {})\n- Tool: tally {}\n- Run date and timings: `manifest.json`", t.source.written, t.source.sha256, input.pipeline_written, input.pipeline_sha256, env!("CARGO_PKG_VERSION"));
    m
}

/// Rows read, used and rejected; the disclosure statement; unmapped answers.
fn accounting(m: &mut String, input: &ReportInput) {
    let plan = input.plan;
    let t = input.table;
    let _ = writeln!(m, "## Data and row accounting\n");
    let _ = writeln!(
        m,
        "Input `{}` ({} file): {} data rows read, {} used, {} rejected as malformed (see `rejected.csv`).\n",
        t.source.written,
        plan.input.kind.name(),
        thousands(t.records_read),
        thousands(t.records_kept),
        thousands(t.rejected.len() as u64)
    );
    let _ = writeln!(
        m,
        "| Rows | Count |\n|---|---:|\n| Read | {} |",
        thousands(t.records_read)
    );
    for (reason, n) in t.rejected_by_reason() {
        let _ = writeln!(m, "| Rejected: {} | {} |", escape_md(reason), thousands(n));
    }
    let _ = writeln!(m, "| Used | {} |\n", thousands(t.records_kept));
    if input.disclosure.protect {
        let _ = writeln!(
            m,
            "Disclosure control: {}\n",
            escape_md(&disclosure_statement(input))
        );
    }
    if !input.unmapped.is_empty() {
        let _ = writeln!(m, "Unmapped answers (excluded from the analyses that use the column):\n\n| Column | Value | Respondents | Did you mean |\n|---|---|---:|---|");
        for u in input.unmapped {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} |",
                escape_md(&u.column),
                escape_md(&u.value),
                unmapped_count(u.respondents, &input.disclosure, thousands),
                u.suggestion.as_deref().map(escape_md).unwrap_or_default()
            );
        }
        m.push('\n');
    }
}

/// One analysis: its question and denominator, its table, comparisons and plots.
fn analysis(m: &mut String, r: &AnalysisResult, plots: &[PlotFile]) {
    let p = &r.plan;
    let _ = writeln!(m, "## {}\n", escape_md(&p.title));
    if let Some(q) = &p.question {
        let _ = writeln!(m, "Question: {}\n", escape_md(q));
    }
    let _ = writeln!(
        m,
        "Denominator: {} (n = {}). {}\n",
        escape_md(&p.denominator),
        included_text(r),
        escape_md(&exclusion_sentence(r))
    );
    estimates_table(m, r);
    comparisons(m, r);
    for f in plots.iter().filter(|f| f.analysis == p.name) {
        let _ = writeln!(
            m,
            "![{}](plots/{}.svg)\n",
            escape_md(&f.rendered.alt),
            f.stem
        );
    }
}

/// One row per subgroup, one column per level: percentage (interval); count/n.
fn estimates_table(m: &mut String, r: &AnalysisResult) {
    let p = &r.plan;
    let mut head: Vec<String> = if p.by.is_empty() {
        vec!["Group".into()]
    } else {
        p.by.iter().map(|b| escape_md(b)).collect()
    };
    head.push("n".into());
    head.extend(
        p.levels
            .iter()
            .map(|l| format!("{} ({})", escape_md(p.labels.show(l)), ci_phrase(r))),
    );
    let _ = writeln!(
        m,
        "| {} |\n|{}",
        head.join(" | "),
        "---|".repeat(head.len())
    );
    for key in r.groups() {
        let rows: Vec<_> = r.rows_of(&key).collect();
        let mut cells: Vec<String> = if p.by.is_empty() {
            vec!["All".into()]
        } else {
            key.iter()
                .map(|v| {
                    v.as_deref()
                        .map_or("All".into(), |v| escape_md(p.labels.show(v)))
                })
                .collect()
        };
        cells.push(
            rows.first()
                .map_or(String::new(), |x| count_text(x.n, x.hidden_n, thousands)),
        );
        for e in rows {
            cells.push(match e.interval {
                Some(i) => format!(
                    "{} ({} to {}); {}/{}",
                    pct(i.estimate),
                    pct(i.lower),
                    pct(i.upper),
                    e.count,
                    e.n
                ),
                None if e.is_hidden() => format!(
                    "{}/{}",
                    count_text(e.count, e.hidden_count, thousands),
                    count_text(e.n, e.hidden_n, thousands)
                ),
                None => "no estimate (n = 0)".into(),
            });
        }
        let _ = writeln!(m, "| {} |", cells.join(" | "));
    }
    m.push('\n');
}

/// The subgroup comparisons and the test of independence, when asked for.
fn comparisons(m: &mut String, r: &AnalysisResult) {
    let p = &r.plan;
    if let Some(cp) = &p.compare {
        let measure = cp.method.measure();
        if !r.comparisons.is_empty() {
            let _ = writeln!(
                m,
                "Subgroup comparisons by {} ({}, {} CI; {} test, {} adjusted):\n\n| Outcome | Comparison | Group 1 | Group 2 | Estimate (CI) | p | p adjusted |\n|---|---|---:|---:|---:|---:|---:|",
                escape_md(&p.by[cp.by]),
                cp.method.title(),
                level_pct(p.level),
                cp.test.name(),
                cp.adjust.name()
            );
            for c in r.comparisons.iter().filter(|c| !c.withheld) {
                let est = c.result.map_or("not defined".into(), |x| {
                    format!(
                        "{} ({} to {})",
                        format_effect(measure, x.estimate),
                        format_effect(measure, x.lower),
                        format_effect(measure, x.upper)
                    )
                });
                let _ = writeln!(
                    m,
                    "| {} | {} | {}/{} | {}/{} | {} | {} | {} |",
                    escape_md(p.labels.show(&c.level)),
                    escape_md(&comparison_label(&p.labels, c)),
                    c.pair.x1,
                    c.pair.n1,
                    c.pair.x2,
                    c.pair.n2,
                    est,
                    c.p_value.map_or("-".into(), format_p),
                    c.p_adjusted.map_or("-".into(), format_p)
                );
            }
            m.push('\n');
        }
        if let Some(t) = &r.independence {
            let _ = writeln!(m, "Test of independence of {} and {}: chi-square = {:.2} on {} df, p = {}; G = {:.2}, p = {}; Cramer's V = {:.3}.\n", escape_md(&p.outcome), escape_md(&t.by), t.tests.pearson, t.tests.df, format_p(t.tests.pearson_p), t.tests.g, format_p(t.tests.g_p), t.tests.cramers_v);
        }
    }
}
