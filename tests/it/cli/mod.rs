//! Integration tests through the real binary, by topic: exit codes, stdout, stderr, report
//! trees. The pipeline most of them use is [`SIMPLE_PIPELINE`].

mod bad_input;
mod batch;
mod calculators;
mod calibrated;
mod columnar;
mod examples;
mod findings;
mod identifying;
mod init;
mod labels;
mod margins_file;
mod pipeline_problems;
mod published;
mod renderers;
mod reports;
mod review;
mod selection;
mod sql;
mod verify;
mod weighted;

/// [`SIMPLE_PIPELINE`] as an internal run: for tests of other things than disclosure on
/// a handful of respondents, whom no protected report could show (the survey's size alone
/// would narrow every small count down).
fn simple_internal() -> String {
    format!("{SIMPLE_PIPELINE}\n[disclosure]\nprotect = false\n")
}

/// `pipeline` (one of the above) with `values` declared empty in its analysis: for tests
/// whose few rows leave some levels out.
fn expecting_empty(pipeline: &str, values: &[&str]) -> String {
    let list: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    pipeline.replacen(
        "by = [\"group\"]\n",
        &format!("by = [\"group\"]\nexpect_empty = [{}]\n", list.join(", ")),
        1,
    )
}

const SIMPLE_PIPELINE: &str = r#"
[input]
path = "../data/s.csv"
id_column = "id"

[recode.outcome]
"Worse" = "worsened"
"Same" = "no_change"
"Better" = "improved"

[[analysis]]
name = "effect"
outcome = "outcome"
levels = ["worsened", "no_change", "improved"]
by = ["group"]
"#;
