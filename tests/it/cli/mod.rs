//! Integration tests through the real binary, by topic: exit codes, stdout, stderr, report
//! trees. The pipeline most of them use is [`SIMPLE_PIPELINE`].

mod bad_input;
mod batch;
mod calculators;
mod examples;
mod identifying;
mod labels;
mod pipeline_problems;
mod reports;

/// [`SIMPLE_PIPELINE`] as an internal run: for tests of other things than disclosure on
/// a handful of respondents, whom no protected report could show (the survey's size alone
/// would narrow every small count down).
fn simple_internal() -> String {
    format!("{SIMPLE_PIPELINE}\n[disclosure]\nprotect = false\n")
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
