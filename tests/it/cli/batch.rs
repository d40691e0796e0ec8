//! Folders of pipelines run as a batch; reruns skip unchanged stages and rebuild corrupt
//! caches; JSON logs.

use std::fs;

use super::simple_internal;
use crate::support::{code, stderr, stdout, Scratch};

/// A folder of small pipelines over one data file; `bad` of them point at a missing file.
fn batch(s: &Scratch, n: usize, bad: &[usize]) {
    s.write(
        "data/s.csv",
        "id,outcome,group\n1,Worse,a\n2,Same,b\n3,Better,a\n",
    );
    for i in 0..n {
        let text = simple_internal().replace(
            "path = \"../data/s.csv\"",
            if bad.contains(&i) {
                "path = \"../data/missing.csv\""
            } else {
                "path = \"../data/s.csv\""
            },
        );
        s.write(&format!("batch/p{i:02}.toml"), text);
    }
}

#[test]
fn a_folder_runs_as_a_batch_and_one_failure_stops_nothing() {
    let s = Scratch::new();
    batch(&s, 6, &[2]);
    let o = s.run(&["run", "batch", "--jobs", "2"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("pipeline batch/p02.toml: cannot open ../data/missing.csv"),
        "{err}"
    );
    // The summary lists every pipeline in input order.
    let rows: Vec<&str> = err.lines().filter(|l| l.starts_with("batch/")).collect();
    assert_eq!(rows.len(), 6, "{err}");
    for (i, row) in rows.iter().enumerate() {
        assert!(row.starts_with(&format!("batch/p{i:02}.toml")), "{row}");
        assert_eq!(row.contains("FAILED"), i == 2, "{row}");
    }
    assert!(err.contains("6 pipeline(s): 5 ok, 1 failed"), "{err}");
    for i in [0, 1, 3, 4, 5] {
        assert!(s
            .path()
            .join(format!("reports/p{i:02}/index.html"))
            .is_file());
    }
    // An empty folder is a clear error.
    fs::create_dir_all(s.path().join("empty")).unwrap();
    let o = s.run(&["run", "empty"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("empty holds no pipeline files (looked for *.toml)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn reruns_skip_unchanged_stages_and_corrupt_caches_are_rebuilt() {
    let s = Scratch::new();
    batch(&s, 1, &[]);
    // The data file must be older than the racy-clean window for its hash to be trusted.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    fs::File::options()
        .write(true)
        .open(s.path().join("data/s.csv"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let explain = |s: &Scratch| stdout(&s.run(&["run", "batch/p00.toml", "--explain"]));
    assert!(
        explain(&s).contains("ingest   runs (the input is new"),
        "{}",
        explain(&s)
    );
    let o = s.run(&["run", "batch/p00.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let e = explain(&s);
    assert!(
        e.contains("ingest   cached") && e.contains("report   up to date"),
        "{e}"
    );
    let o = s.run(&["run", "batch/p00.toml"]);
    assert!(
        stderr(&o).starts_with("up to date reports/p00"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("ingest") && stderr(&o).contains("cached"),
        "{}",
        stderr(&o)
    );
    // A changed pipeline reruns the report but not the ingest.
    let p = s
        .read("batch/p00.toml")
        .replace("name = \"effect\"", "name = \"effect2\"");
    s.write("batch/p00.toml", p);
    let e = explain(&s);
    assert!(
        e.contains("ingest   cached") && e.contains("report   runs"),
        "{e}"
    );
    let o = s.run(&["run", "batch/p00.toml"]);
    assert!(
        stderr(&o).starts_with("wrote reports/p00"),
        "{}",
        stderr(&o)
    );
    // --force reruns everything.
    let o = s.run(&["run", "batch/p00.toml", "--force"]);
    assert!(
        stderr(&o).starts_with("wrote") && !stderr(&o).contains("cached"),
        "{}",
        stderr(&o)
    );
    // A corrupt cache entry is reported and rebuilt, never trusted.
    let ingest_dir = s.cache().join("ingest");
    for e in fs::read_dir(&ingest_dir).unwrap().flatten() {
        fs::write(
            e.path(),
            b"{\"format\": 1, \"tool\": \"0.1.0\", \"key\": tru",
        )
        .unwrap();
    }
    let o = s.run(&["run", "batch/p00.toml", "--force"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = s.run(&["run", "batch/p00.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for e in fs::read_dir(&ingest_dir).unwrap().flatten() {
        fs::write(e.path(), b"not json").unwrap();
    }
    let p = s
        .read("batch/p00.toml")
        .replace("name = \"effect2\"", "name = \"effect3\"");
    s.write("batch/p00.toml", p);
    let o = s.run(&["run", "batch/p00.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is corrupt") && stderr(&o).contains("it is rebuilt"),
        "{}",
        stderr(&o)
    );
    // A cache from another version is rebuilt too.
    for e in fs::read_dir(&ingest_dir).unwrap().flatten() {
        let t = fs::read_to_string(e.path())
            .unwrap()
            .replace("\"tool\":\"0.1.0\"", "\"tool\":\"0.0.1\"");
        fs::write(e.path(), t).unwrap();
    }
    assert!(
        explain(&s).contains("written by tally 0.0.1"),
        "{}",
        explain(&s)
    );
}

#[test]
fn json_logs_are_one_object_per_line() {
    let s = Scratch::new();
    batch(&s, 3, &[1]);
    let o = s.run(&["run", "batch", "--log-format", "json", "--jobs", "1"]);
    assert_eq!(code(&o), 1);
    let events: Vec<serde_json::Value> = stderr(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let jobs: Vec<&serde_json::Value> = events.iter().filter(|e| e["event"] == "job").collect();
    assert_eq!(jobs.len(), 3);
    assert_eq!(jobs[1]["status"], "failed");
    assert_eq!(jobs[0]["status"], "ok");
    assert_eq!(jobs[0]["rows_read"], 3);
    assert!(jobs[0]["stage_seconds"]["ingest"].is_number());
    let summary = events.last().unwrap();
    assert_eq!(
        (summary["event"].as_str(), summary["failed"].as_u64()),
        (Some("summary"), Some(1))
    );
}
