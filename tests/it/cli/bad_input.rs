//! Bad data files: clear errors naming the file, malformed rows counted and kept
//! verbatim (internal runs only), hostile labels neutralised, empty cells without fake
//! percentages, an early error in a big file that ends the run.

use super::{expecting_empty, simple_internal, SIMPLE_PIPELINE};
use crate::support::{self, code, stderr, Scratch};

#[test]
fn bad_data_files_get_clear_errors() {
    let cases: &[(&str, &[u8], &str)] = &[
        ("empty", b"", "is empty: expected a header row"),
        (
            "header only",
            b"id,outcome,group\n",
            "has a header but no data rows",
        ),
        (
            "duplicate header",
            b"id,outcome,outcome,group\n1,a,b,c\n",
            "column `outcome` appears twice",
        ),
        (
            "header not UTF-8",
            b"id,outc\xffome,group\n1,a,b\n",
            "read as Windows-1252",
        ),
    ];
    for (what, bytes, message) in cases {
        let s = Scratch::new();
        s.write("data/s.csv", bytes);
        s.write("pipelines/p.toml", SIMPLE_PIPELINE);
        let o = s.run(&["run", "pipelines/p.toml"]);
        assert_eq!(code(&o), 1, "{what}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{what}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("../data/s.csv"),
            "{what}: names the file: {}",
            stderr(&o)
        );
    }
    let s = Scratch::new();
    s.write("pipelines/p.toml", SIMPLE_PIPELINE);
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("cannot open ../data/s.csv"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn malformed_rows_are_counted_and_kept_verbatim() {
    let s = Scratch::new();
    let data = "\u{feff}id,outcome,group\r\n1,Worse,a\r\n2,Same\r\n3,\"Better\",\"b\nc\"\r\n1,Worse,a\r\n4,Worse,a,extra\r\n5,W\u{0}rse,a\r\n6,Bettr,a\r\n7,,a\r\n\r\n";
    s.write("data/s.csv", data);
    // `Same` is only on a rejected line.
    s.write(
        "pipelines/p.toml",
        expecting_empty(SIMPLE_PIPELINE, &["no_change"]),
    );
    // A published report lists line, reason and detail; no respondent's record.
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let published = s.read("reports/p/rejected.csv");
    assert!(
        published.starts_with(
            "line,reason,detail\r\n3,wrong number of fields,\"expected 3 fields, found 2\"\r\n"
        ),
        "{published}"
    );
    assert!(!published.contains("Worse"), "{published}");
    // An internal run keeps each record verbatim.
    let o = s.run(&["run", "pipelines/p.toml", "--internal"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rejected = s.read("reports/p/rejected.csv");
    let expected = "internal_run,line,reason,detail,record\r\n\
        internal run: not for publication,3,wrong number of fields,\"expected 3 fields, found 2\",\"2,Worse\"\r\n";
    assert!(
        rejected.starts_with(&expected.replace("2,Worse", "2,Same")),
        "{rejected}"
    );
    // Line 4 starts a record whose quoted field runs onto line 5.
    assert!(
        rejected
            .contains("6,duplicate respondent id,the id was first seen on line 2,\"1,Worse,a\""),
        "{rejected}"
    );
    assert!(rejected.contains("7,wrong number of fields"), "{rejected}");
    assert!(rejected.contains("8,NUL byte in a field"), "{rejected}");
    let manifest: serde_json::Value =
        serde_json::from_str(&s.read("reports/p/manifest.json")).unwrap();
    assert_eq!(manifest["rows"]["read"], 8);
    assert_eq!(manifest["rows"]["used"], 4);
    assert_eq!(manifest["rows"]["rejected"], 4);
    assert_eq!(manifest["rows"]["blank_lines_skipped"], 1);
    let est: serde_json::Value = serde_json::from_str(&s.read("reports/p/estimates.json")).unwrap();
    let a = &est["analyses"][0];
    assert_eq!(a["respondents_included"], 2);
    let reasons: Vec<(String, u64)> = a["exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["reason"].as_str().unwrap().to_string(),
                e["respondents"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("unmapped value in `outcome`".to_string(), 1),
            ("missing `outcome`".to_string(), 1)
        ]
    );
    assert!(s
        .read("reports/p/unmapped.csv")
        .contains("outcome,Bettr,1,Better"));
    // The quoted newline stayed inside its field: group "b\nc" is a subgroup of its own.
    assert!(s.read("reports/p/estimates.csv").contains("\"b\nc\""));

    let o = s.run(&["run", "pipelines/p.toml", "--strict"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains(
            "4 row(s) rejected and --strict is set; first: line 3: expected 3 fields, found 2"
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        s.read("reports/p/rejected.csv"),
        rejected,
        "a failed run leaves the previous report intact"
    );
}

#[test]
fn labels_are_escaped_in_html_and_neutralised_in_csv() {
    let s = Scratch::new();
    s.write(
        "data/s.csv",
        "id,outcome,group\n1,Worse,<script>alert(1)</script>\n2,Better,=HYPERLINK(\"x\")\n",
    );
    s.write(
        "pipelines/p.toml",
        expecting_empty(&simple_internal(), &["no_change"]),
    );
    let o = s.run(&["run", "pipelines/p.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let html = s.read("reports/p/index.html");
    assert!(!html.contains("<script>"), "raw script tag in the report");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let svg = s.read("reports/p/plots/effect-bars.svg");
    assert!(!svg.contains("<script>"));
    let csv = s.read("reports/p/estimates.csv");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(!csv.contains(",=HYPERLINK"));
}

#[test]
fn zero_count_cells_give_no_fake_percentages() {
    let s = Scratch::new();
    s.write(
        "data/c.csv",
        "group,outcome,count\na,worsened,0\na,improved,0\nb,worsened,3\nb,improved,1\n",
    );
    s.write(
        "pipelines/c.toml",
        "[input]\npath = \"../data/c.csv\"\nkind = \"counts\"\n[[analysis]]\nname = \"x\"\noutcome = \"outcome\"\nlevels = [\"worsened\", \"improved\"]\nby = [\"group\"]\n",
    );
    // Internal: small cells shown (published runs hide them; see the disclosure test).
    let o = s.run(&["run", "pipelines/c.toml", "--internal"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let csv = s.read("reports/c/estimates.csv");
    assert!(
        csv.contains("x,a,worsened,0,0,,,,wilson,0.95,,,,,n = 0: no estimate"),
        "{csv}"
    );
    assert!(csv.contains("x,b,worsened,3,4,0.75,"), "{csv}");
    assert!(
        csv.contains(",unreliable,,,,n = 4 is below 30"),
        "small cells are flagged: {csv}"
    );
    assert!(s
        .read("reports/c/index.html")
        .contains("no estimate (n = 0)"));
}

#[test]
fn an_error_early_in_a_big_file_ends_the_run() {
    // The count overflow on line 3 stops the counting while the reading thread still has
    // tens of thousands of records to hand over: the run must end with the error, not hang.
    let s = Scratch::new();
    let mut data = format!("outcome,count\na,{}\nb,1\n", u64::MAX);
    for i in 0..60_000 {
        data.push_str(if i % 2 == 0 { "a,1\n" } else { "b,2\n" });
    }
    s.write("data/c.csv", data);
    s.write(
        "pipelines/c.toml",
        "[input]\npath = \"../data/c.csv\"\nkind = \"counts\"\n[[analysis]]\nname = \"x\"\noutcome = \"outcome\"\nlevels = [\"a\", \"b\"]\n",
    );
    let mut child = support::tally(s.path(), s.cache())
        .args(["run", "pipelines/c.toml"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the run hung after an early error");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        err.contains("line 3: the counts add up to more than"),
        "{err}"
    );
}
