//! `tally init DATA.csv`: a starter pipeline that passes `tally check` and `tally run` as
//! written, leaves identifiers and free text out without printing their values, quotes odd
//! answers so that they read back as they are, and never replaces a file.

use crate::support::{code, root, stderr, stdout, Scratch};

/// A scratch project holding both shipped data files under `data/`.
fn with_shipped_data() -> Scratch {
    let s = Scratch::new();
    for f in ["synthetic_survey.csv", "ame_2019_get.csv"] {
        s.write(
            &format!("data/{f}"),
            std::fs::read(root().join("data").join(f)).unwrap(),
        );
    }
    s
}

fn toml_of(text: &str) -> toml::Table {
    toml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn init_on_the_synthetic_survey_passes_check_and_run() {
    let s = with_shipped_data();
    let o = s.run(&[
        "init",
        "data/synthetic_survey.csv",
        "--output",
        "pipelines/survey.toml",
    ]);
    assert_eq!(code(&o), 2, "the folder does not exist yet: {}", stderr(&o));
    assert!(stderr(&o).contains("hint: `--output` names a new file in a folder that exists"));
    std::fs::create_dir(s.path().join("pipelines")).unwrap();
    let o = s.run(&[
        "init",
        "data/synthetic_survey.csv",
        "--output",
        "pipelines/survey.toml",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let text = s.read("pipelines/survey.toml");
    let t = toml_of(&text);
    assert_eq!(
        t["input"]["path"].as_str(),
        Some("../data/synthetic_survey.csv")
    );
    assert_eq!(t["input"]["kind"].as_str(), Some("respondents"));
    let analyses = t["analysis"].as_array().unwrap();
    let outcomes: Vec<&str> = analyses
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "get_tried",
            "get_outcome",
            "cbt_tried",
            "cbt_outcome",
            "pacing_tried",
            "pacing_outcome"
        ]
    );
    // Subgroup-like columns are suggested, not analysed.
    assert!(text.contains("# by = [\"get_provider\"]"), "{text}");
    // Every raw answer maps to itself, and the near-misses are pointed out.
    assert_eq!(t["recode"]["pacing_tried"]["yes"].as_str(), Some("yes"));
    assert!(text.contains("\"yes\" = \"yes\"   # like \"Yes\" but for spaces or capitals"));
    for cmd in ["check", "run"] {
        let o = s.run(&[cmd, "pipelines/survey.toml"]);
        assert_eq!(code(&o), 0, "{cmd}: {}", stderr(&o));
    }
    assert!(s
        .path()
        .join("reports/synthetic_survey/index.html")
        .is_file());
    // Same data, same bytes; stdout gives the path from the current folder.
    let o = s.run(&["init", "data/synthetic_survey.csv"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let printed = stdout(&o);
    assert_eq!(
        toml_of(&printed)["input"]["path"].as_str(),
        Some("data/synthetic_survey.csv")
    );
    assert_eq!(
        o.stdout,
        s.run(&["init", "data/synthetic_survey.csv"]).stdout
    );
}

#[test]
fn init_on_the_ame_counts_table_reads_it_as_counts() {
    let s = with_shipped_data();
    let o = s.run(&["init", "data/ame_2019_get.csv", "-o", "ame.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = s.read("ame.toml");
    let t = toml_of(&text);
    assert_eq!(t["input"]["kind"].as_str(), Some("counts"));
    assert_eq!(t["input"]["count_column"].as_str(), Some("count"));
    assert!(text.contains("4,001 respondents"), "{text}");
    let a = &t["analysis"].as_array().unwrap()[0];
    assert_eq!(a["outcome"].as_str(), Some("outcome"));
    assert_eq!(
        a["levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect::<Vec<_>>(),
        ["not_tried", "worsened", "no_change", "improved"]
    );
    for cmd in ["check", "run"] {
        let o = s.run(&[cmd, "ame.toml"]);
        assert_eq!(code(&o), 0, "{cmd}: {}", stderr(&o));
    }
}

#[test]
fn identifier_and_free_text_columns_are_left_out_and_their_values_never_printed() {
    let s = Scratch::new();
    let mut csv = String::from("respondent_id,contact,full_name,phone_no,answer,comments\n");
    for i in 0..30 {
        csv.push_str(&format!(
            "{i},person{}@example.org,Jane Secret{i},07700 900{i:03},{},I felt secretly awful {i}\n",
            i % 3,
            ["Better", "Worse"][i % 2]
        ));
    }
    s.write("s.csv", csv);
    let o = s.run(&["init", "s.csv"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    for secret in ["example.org", "Secret", "07700", "secretly"] {
        assert!(!text.contains(secret), "{secret} printed:\n{text}");
    }
    for part in [
        "#   `respondent_id`: its name has the word `id`: a respondent identifier",
        "#   `contact`: e-mail addresses: 30 of 30 respondents' values (3 distinct values)",
        "#   `full_name`: its name has the word `name`: a person's name",
        "#   `phone_no`: its name has the word `phone`: a phone number",
        "#   `comments`: its name has the word `comments`: free text",
        "id_column = \"respondent_id\"",
    ] {
        assert!(text.contains(part), "{part}:\n{text}");
    }
    let t = toml_of(&text);
    let analyses = t["analysis"].as_array().unwrap();
    assert_eq!(analyses.len(), 1);
    assert_eq!(analyses[0]["outcome"].as_str(), Some("answer"));
    assert_eq!(
        t["recode"].as_table().unwrap().keys().collect::<Vec<_>>(),
        ["answer"]
    );
    s.write("p.toml", &text);
    let o = s.run(&["check", "p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn odd_answers_are_quoted_so_that_they_read_back_as_they_are() {
    let s = Scratch::new();
    let odd = [
        "say \"yes\" = no",
        "a # not a comment",
        "back\\slash",
        "Ünïcødé ✓",
        "two\nlines",
    ];
    let mut csv = String::from("q.1 \"odd\",group\n");
    for (i, v) in odd.iter().enumerate() {
        for _ in 0..=i {
            csv.push_str(&format!("\"{}\",g\n", v.replace('"', "\"\"")));
        }
    }
    s.write("odd.csv", csv);
    let o = s.run(&["init", "odd.csv", "--output", "odd.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = s.read("odd.toml");
    let t = toml_of(&text);
    let recode = t["recode"]["q.1 \"odd\""].as_table().unwrap();
    for v in odd {
        assert_eq!(recode[v].as_str(), Some(v), "{text}");
    }
    let a = &t["analysis"].as_array().unwrap()[0];
    assert_eq!(a["outcome"].as_str(), Some("q.1 \"odd\""));
    assert_eq!(a["name"].as_str(), Some("q_1_odd"));
    assert!(text.contains("[recode.\"q.1 \\\"odd\\\"\"]"), "{text}");
    // No value starts a line of its own, even one holding a newline.
    assert!(!text.lines().any(|l| l.starts_with("lines")), "{text}");
    let o = s.run(&["check", "odd.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn an_existing_file_is_never_replaced() {
    let s = with_shipped_data();
    s.write("mine.toml", "# my own work\n");
    let o = s.run(&["init", "data/ame_2019_get.csv", "--output", "mine.toml"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "error: mine.toml already exists; `tally init` never replaces a file\nhint: name a new file with `--output`, or move mine.toml away first\n"
    );
    assert_eq!(s.read("mine.toml"), "# my own work\n");
}

#[test]
fn a_missing_data_file_or_unknown_format_is_a_clear_error() {
    let s = Scratch::new();
    let o = s.run(&["init", "nowhere.csv"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.starts_with("error: cannot open nowhere.csv: No such file"),
        "{err}"
    );
    assert!(err.contains("hint: name the survey's data file"), "{err}");
    assert!(stdout(&o).is_empty());
    s.write("d.csv", "a,b\nx,y\n");
    let o = s.run(&["init", "d.csv", "--format", "qualtrix"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("--format: unknown format `qualtrix`"), "{err}");
    assert!(err.contains("did you mean `qualtrics`"), "{err}");
}
