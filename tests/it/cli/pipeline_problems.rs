//! Problems of the pipeline file: reported with their TOML key, all at once, before
//! anything is written; report locations that would escape the reports root or clash.

use super::{expecting_empty, SIMPLE_PIPELINE};
use crate::support::{code, stderr, Scratch};

#[test]
fn check_reports_every_pipeline_problem_with_its_key() {
    let s = Scratch::new();
    s.write("data/s.csv", "id,outcome,group\n1,Worse,a\n");
    let text = SIMPLE_PIPELINE
        .replace("id_column", "id_colum")
        .replace("levels = [", "methd = \"wilson\"\nlevels = [");
    s.write("pipelines/p.toml", text);
    let o = s.run(&["check", "pipelines/p.toml"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("key `input.id_colum`: unknown key `id_colum`"),
        "{err}"
    );
    assert!(err.contains("did you mean `id_column`"), "{err}");
    assert!(err.contains("key `analysis[0].methd`"), "{err}");
    assert!(s.run(&["run", "pipelines/p.toml"]).status.code() == Some(2));
    assert!(
        !s.path().join("reports").exists(),
        "a bad pipeline writes nothing"
    );
}

#[test]
fn check_names_a_missing_column_and_lists_the_others() {
    let s = Scratch::new();
    s.write("data/s.csv", "id,outcome,grp\n1,Worse,a\n");
    s.write("pipelines/p.toml", SIMPLE_PIPELINE);
    let o = s.run(&["check", "pipelines/p.toml"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("key `analysis[0].by`: column `group` is not in ../data/s.csv (its columns: id, outcome, grp)"), "{err}");
    assert!(err.contains("did you mean `grp`"), "{err}");
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("column `group` is not in"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_good_pipeline_checks_clean_and_writes_nothing() {
    let s = Scratch::new();
    s.write("data/s.csv", "id,outcome,group\n1,Worse,a\n");
    s.write(
        "pipelines/p.toml",
        expecting_empty(SIMPLE_PIPELINE, &["no_change", "improved"]),
    );
    let o = s.run(&["check", "pipelines/p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).starts_with("ok: "));
    assert!(!s.path().join("reports").exists());
}

#[test]
fn reports_cannot_escape_the_reports_root_and_clashes_are_refused() {
    let s = Scratch::new();
    s.write("data/s.csv", "id,outcome,group\n1,Worse,a\n");
    s.write(
        "pipelines/p.toml",
        format!("{SIMPLE_PIPELINE}\n[report]\ndir = \"../outside\"\n"),
    );
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("key `report.dir`"), "{}", stderr(&o));

    s.write(
        "pipelines/a.toml",
        format!("name = \"same\"\n{SIMPLE_PIPELINE}"),
    );
    s.write(
        "pipelines/b.toml",
        format!("name = \"same\"\n{SIMPLE_PIPELINE}"),
    );
    let o = s.run(&["run", "pipelines/a.toml", "pipelines/b.toml"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("both write to"), "{}", stderr(&o));
}

#[test]
fn check_and_run_both_refuse_values_that_occur_in_no_row() {
    let s = Scratch::new();
    s.write(
        "data/s.csv",
        "id,outcome,group\n1,Worse,a\n2,Same,b\n3,Better,a\n",
    );
    // A level typo and a compared group that is no group of the (un-recoded) `group`.
    let pipeline = SIMPLE_PIPELINE.replace("\"improved\"]", "\"improvd\"]")
        + "compare = { reference = \"A\" }\n";
    s.write("pipelines/p.toml", &pipeline);
    let mut said = Vec::new();
    for cmd in ["check", "run"] {
        let o = s.run(&[cmd, "pipelines/p.toml"]);
        let err = stderr(&o);
        assert_eq!(code(&o), 1, "{cmd}: {err}");
        for part in [
            "key `analysis[0].levels`: level `improvd` of analysis `effect` occurs in no row of ../data/s.csv",
            "hint: did you mean `improved`?",
            "key `analysis[0].compare.reference`: group `A` of analysis `effect` occurs in no row",
            "hint: did you mean `a`?",
            "expect_empty = [\"A\"]",
        ] {
            assert!(err.contains(part), "{cmd}: {part}: {err}");
        }
        said.push(err[err.find("key `").unwrap()..].to_string());
    }
    assert_eq!(said[0], said[1], "check and run say the same");
    assert!(!s.path().join("reports").exists(), "nothing written");
}
