//! The key findings: the page and the Markdown say the same sentences, for the shipped
//! examples and for a published report with suppressed cells.

use std::fs;
use std::path::Path;

use crate::support::{self, code, stderr};

/// Runs a pipeline (a path under the repository) to a fresh reports root; returns the
/// report directory's index.html and report.md.
fn report_of(pipeline: &str) -> (String, String) {
    let reports = tempfile::tempdir().unwrap();
    let o = support::tally_run(&support::root().join(pipeline), reports.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{pipeline}: {}", stderr(&o));
    let dir = fs::read_dir(reports.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("manifest.json").exists())
        .unwrap();
    let read = |f: &str| fs::read_to_string(Path::new(&dir).join(f)).unwrap();
    (read("index.html"), read("report.md"))
}

/// The findings of the page, as plain text: each `<li>` of the findings section, its
/// "(table)" link dropped and its escapes undone.
fn html_findings(html: &str) -> Vec<String> {
    let start = html.find("<section class=\"findings\"").unwrap();
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    section
        .split("<li>")
        .skip(1)
        .map(|li| {
            let text = &li[..li.find(" <a href=\"#a-").unwrap()];
            text.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

/// The findings of the Markdown, as plain text: the bullets under "## Key findings", their
/// backslash escapes undone.
fn md_findings(md: &str) -> Vec<String> {
    let start = md.find("## Key findings\n").unwrap();
    md[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter_map(|l| l.strip_prefix("- "))
        .map(|l| {
            let mut out = String::new();
            let mut chars = l.chars();
            while let Some(c) = chars.next() {
                out.push(if c == '\\' { chars.next().unwrap() } else { c });
            }
            out
        })
        .collect()
}

#[test]
fn the_page_and_the_markdown_carry_the_same_key_findings() {
    for pipeline in [
        "pipelines/ame-2019-get.toml",
        "pipelines/synthetic-survey.toml",
        "tests/fixtures/surveys/surveymonkey/pipeline.toml",
    ] {
        let (html, md) = report_of(pipeline);
        let (h, m) = (html_findings(&html), md_findings(&md));
        assert!(!h.is_empty(), "{pipeline}: no findings");
        assert_eq!(h, m, "{pipeline}");
    }
}

#[test]
fn every_level_subgroups_and_contrasts_are_in_the_findings_and_hidden_figures_are_not() {
    let (_, md) = report_of("pipelines/ame-2019-get.toml");
    let f = md_findings(&md);
    // Four levels of the first analysis, three of the second: every level, not only the ends.
    assert_eq!(f.len(), 7, "{f:#?}");
    assert!(
        f[1].contains(
            "13.0% (95% CI 12.0% to 14.1%; 521 of 4,001) answered \u{201c}No change\u{201d}"
        ),
        "{}",
        f[1]
    );
    assert!(
        f[6].contains("By provider: M.E. specialist 47.1% (95% CI 41.8% to 52.4%; 161 of 342)"),
        "{}",
        f[6]
    );
    assert!(f[6].contains("Non-specialist vs M.E. specialist +13.9 percentage points (95% CI +7.7 to +20.0; holm-adjusted p = 1.9e-5)"), "{}", f[6]);
    // A published report with suppressed cells says them as suppressed.
    let (_, md) = report_of("tests/fixtures/surveys/surveymonkey/pipeline.toml");
    let f = md_findings(&md);
    assert!(
        f.iter()
            .any(|s| s.contains("Non-specialist <5 of 20 (suppressed)")),
        "{f:#?}"
    );
    assert!(f.iter().all(|s| !s.contains("of the suppressed")), "{f:#?}");
}
