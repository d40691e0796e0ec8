//! One report model, two renderers: `index.html` and `report.md` have the same sections,
//! the same figures and the same reliability marks, and both escape what the data says.

use std::fs;
use std::path::Path;

use super::{expecting_empty, simple_internal};
use crate::support::{code, run_example, stderr, Scratch};

/// `&lt;` and the other escapes of `crate::text::escape_html` undone.
fn unescape_html(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Markdown backslash escapes undone.
fn unescape_md(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            _ => out.push(c),
        }
    }
    out
}

/// The page's headings in order, as (level, plain text).
fn html_headings(html: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<h") {
        rest = &rest[i + 2..];
        let Some(level) = rest.chars().next().and_then(|c| c.to_digit(10)) else {
            continue;
        };
        let open_end = rest.find('>').unwrap();
        let close = rest.find(&format!("</h{level}>")).unwrap();
        out.push((level as usize, unescape_html(&rest[open_end + 1..close])));
        rest = &rest[close..];
    }
    out
}

/// The Markdown's headings in order, as (level, plain text).
fn md_headings(md: &str) -> Vec<(usize, String)> {
    md.lines()
        .filter_map(|l| {
            let level = l.chars().take_while(|&c| c == '#').count();
            let text = l.get(level..)?.strip_prefix(' ')?;
            (level > 0).then(|| (level, unescape_md(text)))
        })
        .collect()
}

/// Every piece of `text` that lies between an `open` and the next `close`.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    text.split(open)
        .skip(1)
        .filter_map(|piece| piece.split_once(close).map(|(inside, _)| inside))
        .collect()
}

/// The counts of every estimate cell of the page ("30 / 80", "<5 / 37"), in order: the
/// second `ci` span of a shown cell and the only one of a suppressed cell.
fn html_cell_counts(html: &str) -> Vec<String> {
    between(html, "<td class=\"num", "</td>")
        .into_iter()
        .filter_map(|cell| between(cell, "<span class=\"ci\">", "</span>").pop())
        .filter(|span| span.contains(" / "))
        .map(unescape_html)
        .collect()
}

/// The same of the Markdown's estimate tables: the `count / n` at the end of each cell.
fn md_cell_counts(md: &str) -> Vec<String> {
    md.lines()
        .filter(|l| l.starts_with("| ") && l.contains(" / ") && !l.contains(" vs "))
        .flat_map(|l| {
            l.split(" | ")
                .filter(|c| c.contains(" / "))
                .map(|c| {
                    let c = c.trim_end_matches(" |");
                    unescape_md(c.rsplit("; ").next().unwrap())
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn page_and_markdown(dir: &Path) -> (String, String) {
    let read = |f: &str| fs::read_to_string(dir.join(f)).unwrap();
    (read("index.html"), read("report.md"))
}

#[test]
fn every_section_of_the_page_is_in_the_markdown_with_the_same_figures() {
    for (example, extra) in [
        ("ame-2019-get", &[][..]),
        ("synthetic-survey", &[][..]),
        ("synthetic-survey", &["--internal"][..]),
    ] {
        let (_root, dir) = run_example(example, extra);
        let (html, md) = page_and_markdown(&dir);
        let (h, m) = (html_headings(&html), md_headings(&md));
        assert!(h.len() > 8, "{example}: too few headings: {h:?}");
        assert_eq!(h, m, "{example} {extra:?}: the headings differ");

        // The parts that are not headings, by the words that open them.
        for part in [
            "Rows read, used and rejected",
            "From rows read to respondents analysed",
            "Disclosure control.",
            "Unmapped answers.",
            "Simultaneous ",
            "Test of independence of ",
            "do not meet the NCHS reliability standard",
            "Level: ",
            "Each figure is in its analysis",
        ] {
            assert_eq!(
                html.matches(part).count(),
                md.matches(part).count(),
                "{example} {extra:?}: {part:?}"
            );
        }
        assert_eq!(
            html.contains("<p class=\"internal\""),
            md.contains("> **Internal run: not for publication.**"),
            "{example} {extra:?}: the internal-run banner"
        );
        assert_eq!(html.contains("<p class=\"internal\""), !extra.is_empty());
        // The same counts in the same cells, suppressed ones as published.
        let (hc, mc) = (html_cell_counts(&html), md_cell_counts(&md));
        assert!(hc.len() > 10, "{example}: {hc:?}");
        assert_eq!(hc, mc, "{example} {extra:?}: the cells differ");
        // The same reliability marks.
        for mark in ['\u{2020}', '\u{2021}'] {
            assert_eq!(
                html.matches(&format!(">{mark}</abbr>")).count(),
                md.lines()
                    .filter(|l| l.starts_with("| "))
                    .map(|l| l.matches(&format!("% {mark} (")).count())
                    .sum::<usize>(),
                "{example} {extra:?}: the marks {mark} differ"
            );
        }
    }
}

#[test]
fn hostile_labels_are_escaped_in_the_page_and_the_markdown() {
    let s = Scratch::new();
    s.write(
        "data/s.csv",
        "id,outcome,group\n\
         1,Worse,<script>alert(1)</script>\n\
         2,Better,\"say \"\"hi\"\"\"\n\
         3,Same,a|b\n\
         4,Worse,*bold* _it_ [l](x) # h\n\
         5,Better,\"line\nbreak\"\n\
         6,Same,=cmd|' /C calc'!A0\n",
    );
    s.write(
        "pipelines/p.toml",
        expecting_empty(&simple_internal(), &["no_change"]),
    );
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let html = s.read("reports/p/index.html");
    let md = s.read("reports/p/report.md");

    assert!(!html.contains("<script>"), "a raw script tag in index.html");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("say &quot;hi&quot;"));
    assert!(html.contains("=cmd|&#39; /C calc&#39;!A0"));

    assert!(!md.contains("<script>"), "a raw script tag in report.md");
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"), "{md}");
    assert!(md.contains("say \"hi\""));
    assert!(md.contains("\\*bold\\* \\_it\\_ \\[l\\](x) \\# h"), "{md}");
    assert!(md.contains("=cmd\\|' /C calc'!A0"), "{md}");
    assert!(
        md.contains("line break"),
        "a line break in a label ends a line"
    );
    // No label breaks a table: every row of a table has its header's number of cells.
    let mut columns = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let cells = line.replace("\\|", "").matches('|').count();
        let expected = *columns.get_or_insert(cells);
        assert_eq!(cells, expected, "a broken table row: {line}");
    }
    // No label starts a heading or a line of its own.
    for line in md.lines().filter(|l| l.starts_with('#')) {
        assert!(
            !["alert", "bold", "break"].iter().any(|w| line.contains(w)),
            "{line}"
        );
    }
    assert!(!md.lines().any(|l| l.starts_with("break")), "{md}");
}
