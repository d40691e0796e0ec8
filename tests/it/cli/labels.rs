//! Display labels (`[labels]`, an analysis's `labels`): the words people read in the page,
//! the Markdown, the spreadsheet and the plots; the codes machines read in the CSV and JSON.
//! And the words a bar plot draws for a suppressed cell.

use std::fs;
use std::path::Path;

use crate::support::{code, csv_file_rows, stderr, Scratch};

const DATA: &str = "provider,outcome,count\nspecialist,improved,40\nspecialist,no_change,50\nspecialist,worsened,60\nnon_specialist,improved,20\nnon_specialist,no_change,70\nnon_specialist,worsened,110\n";

/// A labelled counts pipeline: level labels in `[labels]` (one needing HTML escaping, one
/// that a spreadsheet would run as a formula), group labels in the analysis.
const LABELLED: &str = r#"
[input]
path = "../data/c.csv"
kind = "counts"

[labels]
improved = "Better <b>&</b> \"well\""
no_change = "No change"
worsened = "=HYPERLINK(\"http://x\")"

[[analysis]]
name = "x"
outcome = "outcome"
levels = ["improved", "no_change", "worsened"]
by = ["provider"]
labels = { specialist = "M.E. specialist", non_specialist = "Non-specialist" }
compare = { reference = "specialist" }
"#;

fn run_labelled(pipeline: &str) -> (Scratch, std::process::Output) {
    let s = Scratch::new();
    s.write("data/c.csv", DATA);
    s.write("pipelines/c.toml", pipeline);
    let o = s.run(&["run", "pipelines/c.toml"]);
    (s, o)
}

/// The text of one member of an .xlsx file.
fn xlsx_part(path: &Path, member: &str) -> String {
    let mut z = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    let mut f = z.by_name(member).unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut f, &mut s).unwrap();
    s
}

#[test]
fn labels_are_what_people_read_and_codes_what_machines_read() {
    let (s, o) = run_labelled(LABELLED);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let escaped = "Better &lt;b&gt;&amp;&lt;/b&gt; &quot;well&quot;";
    let html = s.read("reports/c/index.html");
    for shown in [
        escaped,
        "No change",
        "=HYPERLINK(&quot;http://x&quot;)",
        "M.E. specialist",
        "Non-specialist vs M.E. specialist",
    ] {
        assert!(html.contains(shown), "index.html lacks {shown}");
    }
    assert!(
        !html.contains("<b>&</b>"),
        "an unescaped label in index.html"
    );
    let md = s.read("reports/c/report.md");
    for shown in [
        "No change",
        "Non-specialist vs M.E. specialist",
        "=HYPERLINK",
    ] {
        assert!(md.contains(shown), "report.md lacks {shown}");
    }
    for plot in ["x-bars.svg", "x-diverging.svg", "x-forest.svg"] {
        let svg = s.read(&format!("reports/c/plots/{plot}"));
        assert!(
            svg.contains("No change") || svg.contains("Non-specialist"),
            "{plot} shows no label"
        );
        assert!(!svg.contains("<b>&</b>"), "an unescaped label in {plot}");
    }
    // No code is left where people read, neither in a table nor in a sentence or a plot.
    for (file, text) in [
        ("index.html", html.clone()),
        ("report.md", md.replace("no\\_change", "no_change")),
        ("bars", s.read("reports/c/plots/x-bars.svg")),
    ] {
        for code in ["no_change", "non_specialist", "“worsened”"] {
            assert!(!text.contains(code), "{file} shows the code {code}");
        }
    }

    // The spreadsheet: labels, as text cells (never formulas).
    let book = s.path().join("reports/c/tables.xlsx");
    let strings = xlsx_part(&book, "xl/sharedStrings.xml");
    for shown in [
        "No change",
        "M.E. specialist",
        "<t>=HYPERLINK(\"http://x\")</t>",
    ] {
        assert!(
            strings.contains(shown),
            "tables.xlsx lacks {shown}: {strings}"
        );
    }
    assert!(!strings.contains("no_change"), "{strings}");
    for sheet in ["sheet2.xml", "sheet3.xml"] {
        let xml = xlsx_part(&book, &format!("xl/worksheets/{sheet}"));
        assert!(!xml.contains("<f>"), "a formula cell in {sheet}");
    }

    // The machine-readable files keep the codes, and no label.
    let dir = s.path().join("reports/c");
    let rows = csv_file_rows(&dir.join("estimates.csv"));
    let outcomes: Vec<&str> = rows.iter().map(|r| r["outcome"].as_str()).collect();
    assert!(outcomes.contains(&"no_change") && outcomes.contains(&"worsened"));
    assert!(rows.iter().any(|r| r["provider"] == "non_specialist"));
    let cmp = csv_file_rows(&dir.join("comparisons.csv"));
    assert!(cmp.iter().all(|r| r["group2"] == "specialist"), "{cmp:?}");
    for file in ["estimates.csv", "estimates.json", "comparisons.csv"] {
        let text = s.read(&format!("reports/c/{file}"));
        for label in ["No change", "M.E. specialist", "HYPERLINK"] {
            assert!(!text.contains(label), "{file} holds the label {label}");
        }
    }
}

#[test]
fn without_labels_the_codes_are_shown() {
    let plain = "[input]\npath = \"../data/c.csv\"\nkind = \"counts\"\n[[analysis]]\nname = \"x\"\noutcome = \"outcome\"\nlevels = [\"improved\", \"no_change\", \"worsened\"]\nby = [\"provider\"]\n";
    let (s, o) = run_labelled(plain);
    assert_eq!(code(&o), 0, "{}\n{plain}", stderr(&o));
    let html = s.read("reports/c/index.html");
    assert!(html.contains(">no_change<") && html.contains("non_specialist"));
}

#[test]
fn a_label_for_no_level_or_group_is_a_problem_with_a_did_you_mean() {
    // Groups of a recoded column are known when the pipeline is read: `tally check` and
    // `tally run` refuse the pipeline (exit 2) before reading any data.
    let recoded = LABELLED
        .replace(
            "[labels]",
            "[recode.provider]\nspecialist = \"specialist\"\nnon_specialist = \"non_specialist\"\n\n[labels]",
        )
        .replace("no_change = \"No", "no_chnage = \"No")
        .replace("{ specialist =", "{ specalist =");
    let (s, o) = run_labelled(&recoded);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let e = stderr(&o);
    for part in [
        "key `labels.no_chnage`: `no_chnage` is not an outcome level or a subgroup of any analysis",
        "hint: did you mean `no_change`?",
        "key `analysis[0].labels.specalist`",
        "(its levels: improved, no_change, worsened; groups of `provider`: specialist, non_specialist)",
        "hint: did you mean `specialist`?",
    ] {
        assert!(e.contains(part), "{part}:\n{e}");
    }
    assert!(!s.path().join("reports/c").exists());

    // A column without a recode table: only the data knows its groups, so the run fails
    // (exit 1) once it has read them, and so does `tally check`.
    let open = LABELLED.replace("{ specialist =", "{ specalist =");
    let (s, o) = run_labelled(&open);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let e = stderr(&o);
    for part in [
        "key `analysis[0].labels.specalist`: `specalist` is not an outcome level or a subgroup of analysis `x` in the data",
        "hint: did you mean `specialist`?",
    ] {
        assert!(e.contains(part), "{part}:\n{e}");
    }
    assert!(!s.path().join("reports/c").exists(), "nothing is written");
    let o = s.run(&["check", "pipelines/c.toml"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("did you mean `specialist`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn labels_must_have_words_and_tell_levels_apart() {
    let bad = LABELLED
        .replace("no_change = \"No change\"", "no_change = \"  \"")
        .replace("\"Non-specialist\" }", "\"M.E. specialist\" }")
        .replace("[labels]", "[recode.provider]\nspecialist = \"specialist\"\nnon_specialist = \"non_specialist\"\n[labels]");
    let (_s, o) = run_labelled(&bad);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("key `labels.no_change`: a label cannot be empty"),
        "{e}"
    );
    assert!(
        e.contains("key `analysis[0].labels`: the groups of `provider` `specialist` and `non_specialist` would both be shown as “M.E. specialist”"),
        "{e}"
    );
}

#[test]
fn a_suppressed_bar_says_it_is_suppressed_never_n_0() {
    let s = Scratch::new();
    s.write(
        "data/t.csv",
        "grp,ans,count\na,yes,3\na,no,40\nb,yes,20\nb,no,20\nc,yes,0\nc,no,2\n",
    );
    s.write(
        "pipelines/t.toml",
        "[input]\npath = \"../data/t.csv\"\nkind = \"counts\"\n[[analysis]]\nname = \"q\"\noutcome = \"ans\"\nlevels = [\"yes\", \"no\"]\nby = [\"grp\"]\n",
    );
    let o = s.run(&["run", "pipelines/t.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let svg = s.read("reports/t/plots/q-bars.svg");
    // The words drawn on the chart (each <text> element's content), not its description.
    let drawn: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>')?.1.split("</text>").next())
        .map(str::trim)
        .collect();
    assert!(drawn.contains(&"suppressed (&lt;5)"), "{drawn:?}");
    assert!(drawn.contains(&"suppressed"), "the complement: {drawn:?}");
    assert!(!svg.contains("n = 0"), "{svg}");
    let md = s.read("reports/t/report.md");
    assert!(md.contains("yes suppressed (\\<5)"), "{md}");
}
