//! `tally sql`: the query per dialect (insta snapshots), the bad invocations, and the round
//! trip: a respondent file aggregated here in Rust as the query aggregates it (the raw
//! values of the grouped columns, '' and NULL one group, `COUNT(*)`, Σw and Σw² summed in
//! row order), saved as the counts CSV, run with the counts pipeline `tally sql` writes,
//! gives the respondent run's `estimates.csv` byte for byte (weighted: to the rounding of
//! the sums of weights, 1e-12 relative).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::support::{code, in_repo, root, stderr, stdout, Scratch};

/// The query of an example pipeline in a dialect (run from the repository).
fn query(pipeline: &str, dialect: &str, extra: &[&str]) -> String {
    let path = format!("pipelines/{pipeline}.toml");
    let mut args = vec!["sql", path.as_str(), "--dialect", dialect];
    args.extend(extra);
    let o = in_repo(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn the_query_per_dialect() {
    for dialect in ["duckdb", "spark", "bigquery", "postgres"] {
        insta::assert_snapshot!(
            format!("sql-weighted-survey-{dialect}"),
            query("weighted-survey", dialect, &[])
        );
    }
    insta::assert_snapshot!(
        "sql-synthetic-survey-duckdb-parquet",
        query(
            "synthetic-survey",
            "duckdb",
            &["--from", "read_parquet('survey.parquet')"]
        )
    );
}

#[test]
fn names_are_quoted_and_escaped() {
    let s = Scratch::new();
    s.write("d.csv", "id,\"we\"\"ird`col\",w\n1,a,1\n");
    s.write(
        "p.toml",
        "[input]\npath = \"d.csv\"\n\n[[analysis]]\nname = \"a\"\noutcome = 'we\"ird`col'\nlevels = [\"a\"]\n",
    );
    for (dialect, quoted) in [
        ("duckdb", r#""we""ird`col""#),
        ("postgres", r#""we""ird`col""#),
        ("spark", r#"`we"ird``col`"#),
        ("bigquery", r#"`we"ird\`col`"#),
    ] {
        let o = s.run(&["sql", "p.toml", "--dialect", dialect, "--from", "t"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert!(
            stdout(&o).contains(&format!("NULLIF(CAST({quoted} AS")),
            "{dialect}: {}",
            stdout(&o)
        );
    }
}

#[test]
fn an_unknown_dialect_is_named_with_the_known_ones() {
    let o = in_repo(&[
        "sql",
        "pipelines/synthetic-survey.toml",
        "--dialect",
        "duckbd",
    ]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("--dialect: unknown SQL dialect `duckbd`; known: duckdb, spark, bigquery, postgres (did you mean `duckdb`?)"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn pipelines_without_a_query_are_refused() {
    for (pipeline, expected) in [
        ("ame-2019-get", "the input is a table of counts already"),
        ("review-get-harm", "is a review pipeline"),
    ] {
        let o = in_repo(&[
            "sql",
            &format!("pipelines/{pipeline}.toml"),
            "--dialect",
            "duckdb",
        ]);
        assert_eq!(code(&o), 2, "{pipeline}");
        assert!(stderr(&o).contains(expected), "{pipeline}: {}", stderr(&o));
    }
    let s = Scratch::new();
    s.write("d.csv", "a,b\nx,y\n");
    s.write(
        "p.toml",
        "[input]\npath = \"d.csv\"\nformat = \"qualtrics\"\n\n[[analysis]]\nname = \"a\"\noutcome = \"a\"\nlevels = [\"x\"]\n",
    );
    let o = s.run(&["sql", "p.toml", "--dialect", "spark"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("input.format = \"qualtrics\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_counts_pipeline_is_never_written_over_a_file() {
    let s = Scratch::new();
    s.write("counts.toml", "keep me");
    let pipeline = root().join("pipelines/weighted-survey.toml");
    let o = s.run(&[
        "sql",
        pipeline.to_str().unwrap(),
        "--dialect",
        "duckdb",
        "--counts-pipeline",
        "counts.toml",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("counts.toml already exists"),
        "{}",
        stderr(&o)
    );
    assert_eq!(s.read("counts.toml"), "keep me");
}

/// One group of the aggregation: its count, Σw and Σw².
#[derive(Default)]
struct Group {
    n: u64,
    w: f64,
    w2: f64,
}

/// The query's aggregation of a respondent CSV, done here: the rows a warehouse would hold
/// (a record of the wrong width is not loaded; a repeated id is refused by the primary key,
/// the first kept), grouped by the raw values of `columns` ('' is NULL), counted, weights
/// summed in row order; written as the CSV the engine writes (NULL an empty field), its rows
/// in the query's order (NULL first).
fn aggregate(data: &Path, columns: &[&str], id: &str, weight: Option<&str>) -> String {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(data)
        .unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let at = |c: &str| header.iter().position(|h| h == c).unwrap();
    let idx: Vec<usize> = columns.iter().map(|c| at(c)).collect();
    let id_at = at(id);
    let w_at = weight.map(at);
    let mut seen = HashSet::new();
    // Keyed by the values and whether the weight is a positive finite number (the query's
    // `tally_w_ok`): a bad weight's respondents are grouped apart, with empty sums.
    let mut groups: BTreeMap<(Vec<Option<String>>, bool), Group> = BTreeMap::new();
    for r in rdr.records() {
        let r = r.unwrap();
        if r.len() != header.len() || !seen.insert(r[id_at].to_string()) {
            continue;
        }
        let key: Vec<Option<String>> = idx
            .iter()
            .map(|&i| Some(r[i].to_string()).filter(|v| !v.is_empty()))
            .collect();
        let w: Option<f64> = w_at
            .and_then(|wi| r[wi].trim().parse().ok())
            .filter(|w: &f64| *w > 0.0 && w.is_finite());
        let g = groups
            .entry((key, w_at.is_none() || w.is_some()))
            .or_default();
        g.n += 1;
        if let Some(w) = w {
            g.w += w;
            g.w2 += w * w;
        }
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<&str> = columns.to_vec();
    head.push("n");
    if weight.is_some() {
        head.extend(["sum_w", "sum_w2"]);
    }
    out.write_record(&head).unwrap();
    for ((key, ok), g) in groups {
        let mut row: Vec<String> = key.into_iter().map(Option::unwrap_or_default).collect();
        row.push(g.n.to_string());
        if weight.is_some() {
            let sum = |v: f64| if ok { v.to_string() } else { String::new() };
            row.push(sum(g.w));
            row.push(sum(g.w2));
        }
        out.write_record(&row).unwrap();
    }
    String::from_utf8(out.into_inner().unwrap()).unwrap()
}

/// The respondent run and the counts run of an example give the same `estimates.csv`.
fn round_trip(pipeline: &str, data: &str, columns: &[&str], weight: Option<&str>) {
    let s = Scratch::new();
    let path = root().join(format!("pipelines/{pipeline}.toml"));
    round_trip_in(&s, &path, pipeline, &root().join(data), columns, weight);
}

/// [`round_trip`] in a scratch project, for the pipeline at `path` named `name`; returns
/// the two `rejected.csv` (respondents, counts) where there are some.
fn round_trip_in(
    s: &Scratch,
    path: &Path,
    pipeline: &str,
    data: &Path,
    columns: &[&str],
    weight: Option<&str>,
) -> (String, String) {
    let o = s.run(&[
        "run",
        path.to_str().unwrap(),
        "--reports-dir",
        "respondents",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = s.run(&[
        "sql",
        path.to_str().unwrap(),
        "--dialect",
        "duckdb",
        "--counts-pipeline",
        "counts.toml",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let sql = stdout(&o);
    for c in columns {
        assert!(
            sql.contains(&format!("NULLIF(CAST(\"{c}\" AS VARCHAR), '') AS \"{c}\"")),
            "{c}: {sql}"
        );
    }
    assert_eq!(
        sql.matches("NULLIF(CAST(").count(),
        columns.len(),
        "the query groups by exactly these columns: {sql}"
    );
    assert!(stderr(&o).contains("wrote counts.toml"), "{}", stderr(&o));
    let counts = aggregate(data, columns, "respondent_id", weight);
    s.write("counts.csv", &counts);
    let o = s.run(&["run", "counts.toml", "--reports-dir", "counts"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let respondents = s.read(&format!("respondents/{pipeline}/estimates.csv"));
    let from_counts = s.read(&format!("counts/{pipeline}/estimates.csv"));
    assert!(respondents.lines().count() > 5);
    if weight.is_none() {
        assert_eq!(
            respondents, from_counts,
            "{pipeline}: estimates.csv differs"
        );
    } else {
        same_but_rounding(&respondents, &from_counts, pipeline);
    }
    // (estimates.json names the input file and its SHA-256, which differ by design.)
    let comparisons = format!("respondents/{pipeline}/comparisons.csv");
    if s.path().join(&comparisons).exists() {
        assert_eq!(
            s.read(&comparisons),
            s.read(&format!("counts/{pipeline}/comparisons.csv")),
            "{pipeline}: comparisons.csv differs"
        );
    }
    let rejected = |dir: &str| {
        std::fs::read_to_string(s.path().join(format!("{dir}/{pipeline}/rejected.csv")))
            .unwrap_or_default()
    };
    (rejected("respondents"), rejected("counts"))
}

#[test]
fn rows_rejected_by_rules_and_weights_are_rejected_as_tuples_with_the_same_estimates() {
    let s = Scratch::new();
    let mut data = String::from("respondent_id,outcome,group,age,weight\n");
    let outcomes = ["worse", "same", "better"];
    for i in 0..600u32 {
        let outcome = if i % 37 == 0 {
            ""
        } else {
            outcomes[(i * 7 % 11 % 3) as usize]
        };
        let group = ["a", "b"][(i % 2) as usize];
        // Ages out of the rule's range and weights that are missing, 0 or not a number.
        let age = match i % 50 {
            3 => "150".to_string(),
            4 => "young".to_string(),
            _ => (18 + i % 60).to_string(),
        };
        let weight = match i % 97 {
            5 => String::new(),
            6 => "0".into(),
            7 => "heavy".into(),
            _ => format!("{}", 0.5 + f64::from(i % 13) * 0.25),
        };
        data.push_str(&format!("{i},{outcome},{group},{age},{weight}\n"));
    }
    let csv = s.write("d.csv", &data);
    let pipeline = s.write(
        "p.toml",
        r#"name = "rules"

[input]
path = "d.csv"
id_column = "respondent_id"
weight = "weight"

[validate.age]
range = [18, 120]
integer = true

[disclosure]
protect = false

[[analysis]]
name = "effect"
outcome = "outcome"
levels = ["worse", "same", "better"]
by = ["group"]
"#,
    );
    let (by_row, by_tuple) = round_trip_in(
        &s,
        &pipeline,
        "rules",
        &csv,
        &["outcome", "group", "age"],
        Some("weight"),
    );
    let reasons = |text: &str| -> Vec<String> {
        let mut r: Vec<String> = crate::support::csv_rows(text)
            .into_iter()
            .map(|r| r["reason"].clone())
            .collect();
        r.sort();
        r.dedup();
        r
    };
    assert!(
        by_row.lines().count() > by_tuple.lines().count(),
        "{by_row}\n{by_tuple}"
    );
    assert_eq!(reasons(&by_row), reasons(&by_tuple));
    assert_eq!(
        reasons(&by_row),
        ["invalid weight", "not a number", "outside range"]
    );
}

#[test]
fn a_result_whose_columns_do_not_match_is_named_with_its_file_and_column() {
    let s = Scratch::new();
    let path = root().join("pipelines/weighted-survey.toml");
    let o = s.run(&[
        "sql",
        path.to_str().unwrap(),
        "--dialect",
        "spark",
        "--counts-pipeline",
        "counts.toml",
        "--counts-file",
        "result.csv",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let toml = s.read("counts.toml");
    assert!(toml.contains("kind = \"counts\""), "{toml}");
    assert!(toml.contains("path = \"result.csv\""), "{toml}");
    assert!(toml.contains("sum_w2_column = \"sum_w2\""), "{toml}");
    assert!(!toml.contains("id_column ="), "{toml}");
    // An engine that upper-cased the count column, and left out a grouped one.
    s.write(
        "result.csv",
        "outcome,treatment,N,sum_w,sum_w2\nworsened,GET,3,3.5,4.5\n",
    );
    let o = s.run(&["run", "counts.toml", "--reports-dir", "r"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("result.csv"), "{err}");
    assert!(
        err.contains("column `provider` is not in result.csv"),
        "{err}"
    );
    assert!(err.contains("column `n` is not in result.csv"), "{err}");
    assert!(err.contains("input.count_column"), "{err}");
}

/// Two weighted `estimates.csv`: every field the same text, but a number may differ by
/// 1e-12 relative. Σw and Σw² are sums of floating-point numbers, whose last bits depend on
/// the order of the additions: per tuple (the engine's order, here the file's), and across
/// tuples (the order of the result's rows against the respondent file's first-seen order).
/// Counts, n and every unweighted figure are integers and their functions: exact.
fn same_but_rounding(a: &str, b: &str, pipeline: &str) {
    let (ra, rb) = (crate::support::csv_rows(a), crate::support::csv_rows(b));
    assert_eq!(a.lines().next(), b.lines().next(), "{pipeline}: header");
    assert_eq!(ra.len(), rb.len(), "{pipeline}: rows");
    for (x, y) in ra.iter().zip(&rb) {
        for (k, vx) in x {
            let vy = &y[k];
            if vx == vy {
                continue;
            }
            let (fx, fy): (f64, f64) = (vx.parse().unwrap(), vy.parse().unwrap());
            assert!(
                (fx - fy).abs() <= 1e-12 * fx.abs().max(fy.abs()),
                "{pipeline}: {k}: {vx} vs {vy}"
            );
            assert!(
                !["count", "n"].contains(&k.as_str()),
                "{pipeline}: {k} must be exact"
            );
        }
    }
}

#[test]
fn the_synthetic_example_round_trips_through_its_counts() {
    round_trip(
        "synthetic-survey",
        "data/synthetic_survey.csv",
        &[
            "get_outcome",
            "get_provider",
            "get_tried",
            "severity",
            "cbt_outcome",
            "cbt_provider",
            "cbt_tried",
            "pacing_outcome",
            "pacing_tried",
        ],
        None,
    );
}

#[test]
fn the_weighted_example_round_trips_through_its_counts() {
    round_trip(
        "weighted-survey",
        "data/weighted_survey.csv",
        &["outcome", "provider", "treatment"],
        Some("weight"),
    );
}

#[test]
fn a_stratified_clustered_design_round_trips_with_its_psus_in_the_tuples() {
    let text = std::fs::read_to_string(root().join("tests/reference/survey_designs.csv")).unwrap();
    let rows: Vec<_> = crate::support::csv_rows(&text)
        .into_iter()
        .filter(|r| r["design"] == "stratclus")
        .collect();
    assert!(rows.len() > 50);
    let mut data = String::from("respondent_id,stratum,psu,fpc,weight,domain,group,outcome\n");
    for (i, r) in rows.iter().enumerate() {
        data.push_str(&format!(
            "{i},{},{},{},{},{},{},{}\n",
            r["stratum"], r["psu"], r["fpc"], r["weight"], r["domain"], r["group"], r["outcome"]
        ));
    }
    let mut levels: Vec<String> = rows.iter().map(|r| format!("{:?}", r["outcome"])).collect();
    levels.sort();
    levels.dedup();
    let s = Scratch::new();
    let csv = s.write("d.csv", &data);
    let pipeline = s.write(
        "p.toml",
        format!(
            "name = \"design\"\n\n[input]\npath = \"d.csv\"\nid_column = \"respondent_id\"\nweight = \"weight\"\nstrata = \"stratum\"\ncluster = \"psu\"\nfpc = \"fpc\"\n\n[disclosure]\nprotect = false\n\n[[analysis]]\nname = \"a\"\noutcome = \"outcome\"\nlevels = [{}]\nby = [\"group\"]\n",
            levels.join(", ")
        ),
    );
    round_trip_in(
        &s,
        &pipeline,
        "design",
        &csv,
        &["outcome", "group", "stratum", "psu", "fpc"],
        Some("weight"),
    );
    let counts = s.read("counts.toml");
    assert!(
        counts.contains("strata = \"stratum\"") && counts.contains("cluster = \"psu\""),
        "{counts}"
    );
}
