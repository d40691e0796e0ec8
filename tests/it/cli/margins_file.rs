//! `[weighting] margins_file`: the population read from a CSV gives exactly the report of
//! the same figures written inline (whose estimates `calibrated.rs` holds against R), is
//! recorded with its SHA-256 (manifest, report, JSON, spreadsheet), keys the stage cache
//! and `tally verify`, and every fault in it is named by file and line.

use crate::support::{code, root, stderr, stdout, Scratch};

/// The raked example's pipeline with its inline margins replaced by `margins_file`.
fn raked_with_file(file: &str) -> String {
    let text = std::fs::read_to_string(root().join("pipelines/raked-survey.toml")).unwrap();
    let start = text.find("[weighting.margins.sex]").unwrap();
    let end = text.find("[labels]").unwrap();
    assert!(start < end);
    text[..start].replace(
        "epsilon = 1\n",
        &format!("epsilon = 1\nmargins_file = \"{file}\"\n"),
    ) + &text[end..]
}

const RAKED_MARGINS: &str = "column,level,share\n\
    sex,female,0.75\nsex,male,0.22\nsex,other,0.03\n\
    severity,mild,0.25\nseverity,moderate,0.50\nseverity,severe,0.25\n\
    age_band,18-29,0.12\nage_band,30-39,0.20\nage_band,40-49,0.25\nage_band,50-59,0.23\nage_band,60+,0.20\n";

fn scratch_with_data() -> Scratch {
    let s = Scratch::new();
    let data = std::fs::read(root().join("data/weighted_survey.csv")).unwrap();
    s.write("data/weighted_survey.csv", data);
    s
}

#[test]
fn margins_from_a_file_give_the_inline_report_and_are_recorded_with_their_sha256() {
    let s = scratch_with_data();
    s.write(
        "pipelines/inline.toml",
        std::fs::read_to_string(root().join("pipelines/raked-survey.toml")).unwrap(),
    );
    // As Excel saves it in many European locales: a byte-order mark and semicolons.
    let excel = format!("\u{feff}{}", RAKED_MARGINS.replace(',', ";"));
    s.write("data/population.csv", &excel);
    s.write(
        "pipelines/file.toml",
        raked_with_file("../data/population.csv"),
    );
    let a = s.run(&[
        "run",
        "pipelines/inline.toml",
        "--reports-dir",
        "out/inline",
    ]);
    assert_eq!(code(&a), 0, "{}", stderr(&a));
    let b = s.run(&["run", "pipelines/file.toml", "--reports-dir", "out/file"]);
    assert_eq!(code(&b), 0, "{}", stderr(&b));
    for f in ["estimates.csv", "comparisons.csv"] {
        assert_eq!(
            s.read(&format!("out/inline/raked-survey/{f}")),
            s.read(&format!("out/file/raked-survey/{f}")),
            "{f}"
        );
    }
    let sha = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(excel.as_bytes());
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let manifest: serde_json::Value =
        serde_json::from_str(&s.read("out/file/raked-survey/manifest.json")).unwrap();
    let inputs = manifest["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2, "{inputs:?}");
    assert_eq!(inputs[1]["path"], "../data/population.csv");
    assert_eq!(inputs[1]["sha256"], sha.as_str());
    assert_eq!(inputs[1]["bytes"], excel.len());
    let md = s.read("out/file/raked-survey/report.md");
    assert!(
        md.contains(&format!(
            "- Population margins: `../data/population.csv` (SHA-256 {sha})"
        )),
        "{md}"
    );
    let html = s.read("out/file/raked-survey/index.html");
    assert!(html.contains("Population margins</th>"), "{html}");
    let json: serde_json::Value =
        serde_json::from_str(&s.read("out/file/raked-survey/estimates.json")).unwrap();
    assert_eq!(json["margins_file"]["sha256"], sha.as_str(), "{json}");
    // The inline report names no margins file anywhere.
    let inline: serde_json::Value =
        serde_json::from_str(&s.read("out/inline/raked-survey/manifest.json")).unwrap();
    assert_eq!(inline["inputs"].as_array().unwrap().len(), 1);
    assert!(!s
        .read("out/inline/raked-survey/report.md")
        .contains("Population margins:"));
}

#[test]
fn a_changed_margins_file_rebuilds_the_report_and_verify_names_it() {
    let s = scratch_with_data();
    s.write("data/population.csv", RAKED_MARGINS);
    s.write(
        "pipelines/r.toml",
        raked_with_file("../data/population.csv"),
    );
    let first = s.run(&["run", "pipelines/r.toml"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let before = s.read("reports/raked-survey/estimates.csv");
    let again = s.run(&["run", "pipelines/r.toml"]);
    assert!(
        format!("{}{}", stdout(&again), stderr(&again)).contains("up to date"),
        "{}",
        stderr(&again)
    );
    let verified = s.run(&["verify", "reports/raked-survey"]);
    assert_eq!(code(&verified), 0, "{}", stdout(&verified));
    assert!(
        stdout(&verified)
            .contains("margins file ../data/population.csv: the SHA-256 the report recorded"),
        "{}",
        stdout(&verified)
    );

    // A different population: the report is out of date, verify says which file changed,
    // and the next run calibrates to the new margins.
    s.write(
        "data/population.csv",
        RAKED_MARGINS
            .replace("sex,female,0.75", "sex,female,0.70")
            .replace("sex,male,0.22", "sex,male,0.27"),
    );
    let verified = s.run(&["verify", "reports/raked-survey"]);
    assert_ne!(code(&verified), 0, "{}", stdout(&verified));
    assert!(
        stdout(&verified).contains("the margins file changed: ../data/population.csv"),
        "{}",
        stdout(&verified)
    );
    let rerun = s.run(&["run", "pipelines/r.toml"]);
    assert_eq!(code(&rerun), 0, "{}", stderr(&rerun));
    assert!(
        !format!("{}{}", stdout(&rerun), stderr(&rerun)).contains("up to date"),
        "{}",
        stderr(&rerun)
    );
    assert_ne!(s.read("reports/raked-survey/estimates.csv"), before);
}

/// Post-stratification on a cross-classification from a wide file: the same estimates as
/// the same cells written as `[[weighting.cell]]`.
#[test]
fn post_stratification_cells_from_a_file_give_the_inline_estimates() {
    let s = scratch_with_data();
    let sex = [("female", 0.75), ("male", 0.22), ("other", 0.03)];
    let sev = [("mild", 0.25), ("moderate", 0.5), ("severe", 0.25)];
    let mut inline = String::new();
    let mut file = String::from("sex,severity,count\n");
    for (b, q) in sev {
        for (a, p) in sex {
            let n = (p * q * 40000.0_f64).round();
            inline.push_str(&format!(
                "[[weighting.cell]]\nsex = \"{a}\"\nseverity = \"{b}\"\ncount = {n}\n"
            ));
            file.push_str(&format!("{a},{b},{n}\n"));
        }
    }
    let head = "[input]\npath = \"../data/weighted_survey.csv\"\nweight = \"weight\"\n[disclosure]\nprotect = false\n[[analysis]]\nname = \"get\"\noutcome = \"outcome\"\nlevels = [\"improved\", \"no_change\", \"worsened\"]\nfilter = { treatment = [\"GET\"] }\nby = [\"provider\"]\n[weighting]\nmethod = \"poststratify\"\n";
    s.write("pipelines/inline.toml", format!("{head}{inline}"));
    s.write("data/cells.csv", &file);
    s.write(
        "pipelines/file.toml",
        format!("{head}margins_file = \"../data/cells.csv\"\n"),
    );
    for p in ["inline", "file"] {
        let o = s.run(&[
            "run",
            &format!("pipelines/{p}.toml"),
            "--reports-dir",
            &format!("out/{p}"),
        ]);
        assert_eq!(code(&o), 0, "{p}: {}", stderr(&o));
    }
    let (a, b) = (
        s.read("out/inline/inline/estimates.csv"),
        s.read("out/file/file/estimates.csv"),
    );
    assert_eq!(a, b);
    assert!(a.lines().count() > 6, "{a}");
}

/// Runs the raked pipeline with `file` as its margins file; returns (exit code, stderr).
fn refused(file: Option<&str>, pipeline: Option<String>) -> (i32, String) {
    let s = scratch_with_data();
    if let Some(f) = file {
        s.write("data/population.csv", f);
    }
    s.write(
        "pipelines/r.toml",
        pipeline.unwrap_or_else(|| raked_with_file("../data/population.csv")),
    );
    let o = s.run(&["run", "pipelines/r.toml"]);
    (code(&o), stderr(&o))
}

#[test]
fn a_missing_margins_file_names_the_key_and_where_it_looked() {
    let (c, e) = refused(None, None);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("key `weighting.margins_file`"), "{e}");
    assert!(e.contains("cannot read the margins file"), "{e}");
    assert!(e.contains("population.csv"), "{e}");
    assert!(
        e.contains("hint: the path is relative to the pipeline file's folder"),
        "{e}"
    );
}

#[test]
fn a_margins_file_beside_inline_margins_is_refused() {
    let both = std::fs::read_to_string(root().join("pipelines/raked-survey.toml"))
        .unwrap()
        .replace(
            "epsilon = 1\n",
            "epsilon = 1\nmargins_file = \"../data/population.csv\"\n",
        );
    let (c, e) = refused(Some(RAKED_MARGINS), Some(both));
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("key `weighting.margins_file`: give the population either in margins_file or as [weighting.margins]"), "{e}");
}

#[test]
fn bad_rows_are_named_by_file_and_line() {
    let bad = RAKED_MARGINS
        .replace("sex,male,0.22", "sex,male,22%")
        .replace("severity,mild,0.25", "severity,,0.25");
    let (c, e) = refused(Some(&bad), None);
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("population.csv: line 3, column `share`: expected a number (the population share), found `22%`\nhint: give shares as fractions of 1 (0.22 for 22%)"),
        "{e}"
    );
    assert!(
        e.contains("population.csv: line 5, column `level`: empty"),
        "{e}"
    );
}

#[test]
fn shares_that_do_not_sum_to_one_name_the_file_and_the_margin() {
    let (c, e) = refused(
        Some(&RAKED_MARGINS.replace("sex,other,0.03", "sex,other,0.05")),
        None,
    );
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("key `weighting.margins_file`: in ../data/population.csv, margin `sex`: the shares of `sex` sum to 1.02, not 1"),
        "{e}"
    );
}

#[test]
fn cells_for_raking_are_refused_with_the_margins_header_to_use() {
    let (c, e) = refused(
        Some("sex,severity,share\nfemale,mild,0.5\nmale,mild,0.5\n"),
        None,
    );
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("the file gives cells"), "{e}");
    assert!(e.contains("column,level,share"), "{e}");
}

#[test]
fn a_typo_in_weighting_gets_a_did_you_mean() {
    let typo = raked_with_file("../data/population.csv").replace("margins_file", "margin_file");
    let (c, e) = refused(Some(RAKED_MARGINS), Some(typo));
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("weighting.margin_file"), "{e}");
    assert!(e.contains("did you mean `margins_file`"), "{e}");
}
