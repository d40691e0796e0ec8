//! Columns that look like direct identifiers: refused as subgroups by name when planned
//! and by content after ingest, unless declared safe; very many subgroups get a warning.

use super::SIMPLE_PIPELINE;
use crate::support::{code, stderr, Scratch};

/// A pipeline with one analysis of `outcome` by `col`, and its data: `rows` of (col, outcome).
fn identifying_case(col: &str, rows: &[(String, &str)], extra: &str) -> Scratch {
    let s = Scratch::new();
    let mut csv = format!("id,outcome,{col}\n");
    for (i, (v, o)) in rows.iter().enumerate() {
        csv.push_str(&format!("{},{o},{v}\n", i + 1));
    }
    s.write("data/s.csv", csv);
    s.write(
        "pipelines/p.toml",
        SIMPLE_PIPELINE.replace("by = [\"group\"]", &format!("by = [\"{col}\"]")) + extra,
    );
    s
}

fn emails(n: usize) -> Vec<(String, &'static str)> {
    (0..n)
        .map(|i| {
            (
                format!("person{}@example.org", i % 4),
                ["Worse", "Same", "Better"][i % 3],
            )
        })
        .collect()
}

#[test]
fn e_mail_addresses_as_subgroups_are_refused_and_never_published() {
    // The column's name says nothing; its values are e-mail addresses. Before the content
    // rules, this run exited 0 and published every address as a subgroup label.
    let s = identifying_case("contact", &emails(12), "");
    let o = s.run(&["run", "pipelines/p.toml"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    for part in [
        "key `analysis[0].by`",
        "analysis `effect`",
        "column `contact`",
        "e-mail addresses: 12 of 12 respondents' values (4 distinct values)",
        "allow_identifying = [\"contact\"]",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
    assert!(
        !err.contains("example.org"),
        "values are never printed: {err}"
    );
    assert!(!s.path().join("reports").exists(), "nothing is written");
    // `tally check` reads the data too.
    let o = s.run(&["check", "pipelines/p.toml"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("column `contact`"), "{}", stderr(&o));
}

#[test]
fn an_identifying_column_name_is_refused_when_planned() {
    let rows: Vec<(String, &str)> = (0..12).map(|i| (format!("{}", i % 3), "Worse")).collect();
    let s = identifying_case("respondent_id", &rows, "");
    for cmd in ["check", "run"] {
        let o = s.run(&[cmd, "pipelines/p.toml"]);
        let err = stderr(&o);
        assert_eq!(code(&o), 2, "{cmd}: {err}");
        assert!(err.contains("p.toml: key `analysis[0].by`"), "{err}");
        assert!(
            err.contains("a respondent identifier: the word `id`"),
            "{err}"
        );
    }
}

#[test]
fn a_column_declared_safe_is_analysed() {
    let s = identifying_case(
        "contact",
        &emails(12),
        "\n[disclosure]\nallow_identifying = [\"contact\"]\n",
    );
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn a_subgroup_column_with_very_many_levels_gets_a_warning() {
    let rows: Vec<(String, &str)> = (0..120)
        .map(|i| (format!("town {}", i % 60), "Same"))
        .collect();
    let s = identifying_case(
        "town",
        &rows,
        "expect_empty = [\"worsened\", \"improved\"]\n",
    );
    for cmd in ["check", "run"] {
        let o = s.run(&[cmd, "pipelines/p.toml"]);
        let err = stderr(&o);
        assert_eq!(code(&o), 0, "{cmd}: {err}");
        assert!(
            err.contains("warning: ")
                && err.contains("60 subgroups of column `town` among 120 respondents"),
            "{cmd}: {err}"
        );
    }
}
