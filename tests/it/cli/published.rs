//! Published tables as published: a counts file of several per-question tables with the
//! survey's declared respondent total, and published percentages with their bases, whose
//! derived counts must give every figure back.

use crate::support::{code, csv_file_rows, stderr, Scratch};

/// Three questions of one 399-person survey, each with its own base (people skip questions).
const THREE_TABLES: &str = "question,answer,count\nget,worse,230\nget,same,80\nget,better,40\ncbt,worse,60\ncbt,same,150\ncbt,better,50\npacing,worse,20\npacing,same,90\npacing,better,250\n";

const TABLES_PIPELINE: &str = r#"
[input]
path = "../data/q.csv"
kind = "counts"
table_column = "question"
respondents = 399

[[analysis]]
name = "get"
outcome = "answer"
levels = ["worse", "same", "better"]
table = "get"

[[analysis]]
name = "side_by_side"
outcome = "answer"
levels = ["worse", "same", "better"]
by = ["question"]
"#;

fn run(data: (&str, &str), pipeline: &str) -> (Scratch, std::process::Output) {
    let s = Scratch::new();
    s.write(&format!("data/{}", data.0), data.1);
    s.write("pipelines/p.toml", pipeline);
    let o = s.run(&["run", "pipelines/p.toml"]);
    (s, o)
}

#[test]
fn each_table_has_its_own_base_and_no_row_adds_tables_up() {
    let (s, o) = run(("q.csv", THREE_TABLES), TABLES_PIPELINE);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = csv_file_rows(&s.path().join("reports/p/estimates.csv"));
    // `get` reads only its table: n = 230 + 80 + 40 = 350, not the 970 of the file.
    let get: Vec<_> = rows.iter().filter(|r| r["analysis"] == "get").collect();
    assert_eq!(get.len(), 3);
    assert!(get.iter().all(|r| r["n"] == "350"), "{get:?}");
    assert_eq!(get[0]["count"], "230");
    // Side by side: one group per table, with its base; no overall row over the tables.
    let side: Vec<_> = rows
        .iter()
        .filter(|r| r["analysis"] == "side_by_side")
        .collect();
    assert_eq!(side.len(), 9, "{side:?}");
    assert!(side.iter().all(|r| r["question"] != "(all)"), "{side:?}");
    let n_of = |q: &str| {
        side.iter()
            .find(|r| r["question"] == q)
            .map(|r| r["n"].clone())
    };
    assert_eq!(n_of("get").as_deref(), Some("350"));
    assert_eq!(n_of("cbt").as_deref(), Some("260"));
    assert_eq!(n_of("pacing").as_deref(), Some("360"));
}

#[test]
fn a_table_with_more_respondents_than_the_survey_is_refused() {
    let pipeline = TABLES_PIPELINE.replace("respondents = 399", "respondents = 355");
    let (_s, o) = run(("q.csv", THREE_TABLES), &pipeline);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("table `pacing` (column `question`) has a base of 360, more than the 355 respondents declared (input.respondents)"),
        "{e}"
    );
}

#[test]
fn several_tables_need_the_total_and_each_analysis_its_table() {
    let no_total = TABLES_PIPELINE.replace("respondents = 399\n", "");
    let (_s, o) = run(("q.csv", THREE_TABLES), &no_total);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("key `input.respondents`: a file of several tables"),
        "{}",
        stderr(&o)
    );
    let no_table = TABLES_PIPELINE.replace("table = \"get\"\n", "");
    let (_s, o) = run(("q.csv", THREE_TABLES), &no_table);
    assert_eq!(code(&o), 2);
    let e = stderr(&o);
    assert!(
        e.contains("key `analysis[0].table`: the input holds several tables (column `question`"),
        "{e}"
    );
    assert!(e.contains("hint: add `table = "), "{e}");
    let overall =
        TABLES_PIPELINE.replace("by = [\"question\"]", "by = [\"question\"]\noverall = true");
    let (_s, o) = run(("q.csv", THREE_TABLES), &overall);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("key `analysis[1].overall`: an overall row over the tables"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_misspelled_table_is_named_with_a_did_you_mean() {
    let pipeline = TABLES_PIPELINE.replace("table = \"get\"", "table = \"GET\"");
    let (_s, o) = run(("q.csv", THREE_TABLES), &pipeline);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("key `analysis[0].table`: table `GET` of analysis `get` occurs in no row of"),
        "{e}"
    );
    assert!(e.contains("hint: did you mean `get`?"), "{e}");
    // One message for the table, none for the levels of a table that is not there.
    assert!(!e.contains("analysis[0].levels"), "{e}");
}

#[test]
fn overall_false_leaves_the_overall_row_out() {
    let data = "g,o,count\na,x,10\na,y,20\nb,x,30\nb,y,40\n";
    let pipeline = "[input]\npath = \"../data/c.csv\"\nkind = \"counts\"\n[[analysis]]\nname = \"a\"\noutcome = \"o\"\nlevels = [\"x\", \"y\"]\nby = [\"g\"]\noverall = false\n";
    let (s, o) = run(("c.csv", data), pipeline);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = csv_file_rows(&s.path().join("reports/p/estimates.csv"));
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r["g"] != "(all)"));
    let (_s, o) = run(("c.csv", data), &pipeline.replace("by = [\"g\"]\n", ""));
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("`overall = false` leaves nothing to estimate"),
        "{}",
        stderr(&o)
    );
}

/// Published percentages of two provider groups and their total. By hand: 47.1% of 342 is
/// 161.08 -> 161; 34.8% -> 119.02 -> 119; 18.1% -> 61.90 -> 62 (161 + 119 + 62 = 342);
/// 61.0% of 912 is 556.32 -> 556; 35.1% -> 320.11 -> 320; 3.9% -> 35.57 -> 36 (912); the
/// total: 717 / 1,254 = 57.18% -> 57.2, 439 -> 35.01 -> 35.0, 98 -> 7.81 -> 7.8.
const PERCENTAGES: &str = "provider,outcome,percent,base\nspecialist,worse,47.1,342\nspecialist,same,34.8,342\nspecialist,better,18.1,342\nnon_specialist,worse,61.0,912\nnon_specialist,same,35.1,912\nnon_specialist,better,3.9,912\nAll,worse,57.2,1254\nAll,same,35.0,1254\nAll,better,7.8,1254\n";

const PERCENT_PIPELINE: &str = r#"
[input]
path = "../data/p.csv"
kind = "percentages"
total = "All"

[[analysis]]
name = "get"
outcome = "outcome"
levels = ["worse", "same", "better"]
by = ["provider"]
"#;

#[test]
fn published_percentages_give_counts_that_reproduce_every_figure() {
    let (s, o) = run(("p.csv", PERCENTAGES), PERCENT_PIPELINE);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = csv_file_rows(&s.path().join("reports/p/estimates.csv"));
    let get = |g: &str, l: &str| {
        rows.iter()
            .find(|r| r["provider"] == g && r["outcome"] == l)
            .map(|r| (r["count"].clone(), r["n"].clone()))
            .unwrap()
    };
    assert_eq!(get("specialist", "worse"), ("161".into(), "342".into()));
    assert_eq!(get("specialist", "better"), ("62".into(), "342".into()));
    assert_eq!(get("non_specialist", "better"), ("36".into(), "912".into()));
    // The overall row is the sum of the groups, which is the published total; the total's
    // own rows are a check, not a third group.
    assert_eq!(get("(all)", "worse"), ("717".into(), "1254".into()));
    assert!(rows.iter().all(|r| r["provider"] != "All"));
}

#[test]
fn respondents_a_table_does_not_show_are_counted_not_lost() {
    // 60% + 30% of 50 = 30 + 15: 5 of the base answered something the table leaves out.
    let data = "outcome,percent,base\nworse,60,50\nbetter,30,50\n";
    let pipeline = "[input]\npath = \"../data/p.csv\"\nkind = \"percentages\"\n[[analysis]]\nname = \"a\"\noutcome = \"outcome\"\nlevels = [\"worse\", \"better\"]\n[disclosure]\nprotect = false\n";
    let (s, o) = run(("p.csv", data), pipeline);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = csv_file_rows(&s.path().join("reports/p/estimates.csv"));
    assert_eq!(rows[0]["count"], "30");
    assert_eq!(rows[0]["n"], "45");
    let json = s.read("reports/p/estimates.json");
    assert!(json.contains("\"missing `outcome`\""), "{json}");
}

#[test]
fn a_total_that_needs_a_further_group_cannot_be_satisfied() {
    // The Action for M.E. 2019 shape: the total has more people than its named groups.
    let data = PERCENTAGES.replace(",1254\n", ",2281\n");
    let (_s, o) = run(("p.csv", &data), PERCENT_PIPELINE);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("line 8: the total provider = All has a base of 2,281, its groups' bases add up to 1,254: 1,027 respondents of the total are in none of its groups: the published table cannot be satisfied without a further group"),
        "{e}"
    );
    // Bases that agree but a total out of reach of its groups: 66.6% of 1,254 needs 835
    // (834.5 to 835.7), the groups give 161 + 556 = 717 at most (47.1% of 342 is 160.9 to
    // 161.2; 61.0% of 912 is 555.9 to 556.8).
    let data = PERCENTAGES.replace("All,worse,57.2", "All,worse,66.6");
    let (_s, o) = run(("p.csv", &data), PERCENT_PIPELINE);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("line 8: the published table cannot be satisfied: the total outcome = worse, provider = All (66.6% of 1,254) needs 835 to 835 respondents, but its groups' published figures allow only 717 to 717"),
        "{e}"
    );
}

#[test]
fn a_figure_no_count_gives_is_named_with_its_neighbours() {
    let data = "outcome,percent,base\nworse,33.3,10\nbetter,66.7,10\n";
    let pipeline = PERCENT_PIPELINE
        .replace("total = \"All\"\n", "")
        .replace("by = [\"provider\"]\n", "");
    let (_s, o) = run(("p.csv", data), &pipeline);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("line 2: 33.3% of 10 (outcome = worse) cannot be satisfied: no whole number of respondents gives it at this precision (2 of 10 is 20.0%, 3 of 10 is 30.0%, 4 of 10 is 40.0%)"),
        "{e}"
    );
    assert!(e.contains("line 3: 66.7% of 10"), "{e}");
}

#[test]
fn bad_percentages_and_bases_are_rejected_with_their_line() {
    let data = "outcome,percent,base\nworse,60,50\nbetter,abc,50\nworse,101,50\nbetter,30,0\n";
    let pipeline = "[input]\npath = \"../data/p.csv\"\nkind = \"percentages\"\n[[analysis]]\nname = \"a\"\noutcome = \"outcome\"\nlevels = [\"worse\", \"better\"]\nexpect_empty = [\"better\"]\n[disclosure]\nprotect = false\n";
    let (s, o) = run(("p.csv", data), pipeline);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rejected = s.read("reports/p/rejected.csv");
    for part in [
        "3,invalid percentage,\"percentage `abc` is not a number from 0 to 100",
        "4,invalid percentage,percentage `101` is above 100",
        "5,invalid base,the base is 0: a percentage of no one",
    ] {
        assert!(rejected.contains(part), "{part}\n{rejected}");
    }
}

/// The worked examples of `pipelines/README.md` whose data is written in their comments
/// (`# data/<file>:` then the CSV lines), run as a reader would: each must run, and give
/// the figures its comments state.
#[test]
fn the_worked_examples_in_the_pipeline_docs_run_as_documented() {
    let doc = std::fs::read_to_string(crate::support::root().join("pipelines/README.md")).unwrap();
    let mut ran = 0;
    for block in doc.split("```toml\n").skip(1) {
        let block = block.split("```").next().unwrap();
        let mut lines = block.lines();
        let Some(file) = lines
            .next()
            .and_then(|l| l.strip_prefix("# data/"))
            .and_then(|l| l.strip_suffix(':'))
        else {
            continue;
        };
        let data: String = lines
            .take_while(|l| l.starts_with("# "))
            .map(|l| format!("{}\n", &l[2..]))
            .collect();
        let s = Scratch::new();
        s.write(&format!("data/{file}"), &data);
        s.write("pipelines/doc.toml", block);
        let o = s.run(&["run", "pipelines/doc.toml"]);
        assert_eq!(code(&o), 0, "{file}: {}", stderr(&o));
        let rows = csv_file_rows(&s.path().join("reports/doc/estimates.csv"));
        // Every `n = N` a comment states is the n of some row.
        for said in block.split("n = ").skip(1) {
            let n: String = said.chars().take_while(|c| c.is_ascii_digit()).collect();
            if n.is_empty() {
                continue; // `table_column = "..."`
            }
            assert!(
                rows.iter().any(|r| r["n"] == n),
                "{file}: n = {n} not in {rows:?}"
            );
        }
        ran += 1;
    }
    assert!(
        ran >= 2,
        "the docs' worked examples with data were not found"
    );
}

/// A published report that hides a derived count does not list the published figures:
/// a percentage and its base give the count back. An internal run lists them.
#[test]
fn a_report_that_hides_a_derived_count_does_not_list_the_figures_that_give_it() {
    // 2.0% of 150 is 3: a count below 5, shown as <5.
    let data = "outcome,percent,base\nworse,60.0,150\nbetter,38.0,150\nsame,2.0,150\n";
    let pipeline = "[input]\npath = \"../data/p.csv\"\nkind = \"percentages\"\n[[analysis]]\nname = \"a\"\noutcome = \"outcome\"\nlevels = [\"worse\", \"better\", \"same\"]\n";
    let (s, o) = run(("p.csv", data), pipeline);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let csv = s.read("reports/p/estimates.csv");
    assert!(csv.contains(",same,<5,"), "{csv}");
    for (file, figure) in [
        ("report.md", "| 2.0% |"),
        ("index.html", ">2.0%<"),
        ("estimates.json", "\"percent\": \"2.0\""),
    ] {
        let text = s.read(&format!("reports/p/{file}"));
        assert!(!text.contains(figure), "{file}: {text}");
    }
    assert!(s
        .read("reports/p/report.md")
        .contains("They are not listed here"));
    let o = s.run(&["run", "pipelines/p.toml", "--internal"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(s
        .read("reports/p/report.md")
        .contains("| 4 | outcome = same | 2.0% | 150 | 3 | group |"));
}
