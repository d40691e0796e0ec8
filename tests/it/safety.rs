//! Data safety and no-panic, through the real binary: a run never destroys what tally did
//! not write, a closed or full stdout never panics, exact methods on huge counts refuse
//! quickly, a FIFO never hangs, one bad pipeline file does not stop a batch, and the same
//! pipeline reached by any spelling of its path writes the same bytes.

use std::fs;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::tree::snapshot;
use crate::support::{code, output_within, stderr, Scratch};

const DATA: &str = "id,group,outcome\n1,A,worse\n2,B,same\n3,A,same\n4,B,worse\n";

fn pipeline(extra_top: &str, input: &str, extra_end: &str) -> String {
    format!(
        "{extra_top}[input]\npath = \"{input}\"\nid_column = \"id\"\n\n[[analysis]]\nname = \"effect\"\noutcome = \"outcome\"\nlevels = [\"worse\", \"same\"]\nby = [\"group\"]\n{extra_end}"
    )
}

// ------------------------------------------------------------------- never destroy

/// The reported case: a pipeline named `data`, run with `--reports-dir .`, would replace the
/// user's `data/` folder, which holds its input. Before the fix the run exited 0 and `data/`
/// (inputs included) was gone.
#[test]
fn a_pipeline_named_data_with_reports_dir_dot_keeps_the_data_folder() {
    let s = Scratch::new();
    s.write("data/survey.csv", DATA);
    s.write("data/notes.txt", "my own notes");
    s.write(
        "p.toml",
        pipeline("name = \"data\"\n", "data/survey.csv", ""),
    );
    let before = snapshot(s.path());
    for verb in ["run", "check"] {
        let o = s.run(&[verb, "p.toml", "--reports-dir", "."]);
        let err = stderr(&o);
        assert_eq!(code(&o), 2, "{verb}: {err}");
        for want in ["p.toml", "key `name`", "data", "holding the input", "hint:"] {
            assert!(err.contains(want), "{verb}: lacks {want:?}: {err}");
        }
        assert_eq!(snapshot(s.path()), before, "{verb} changed nothing on disk");
    }
}

#[test]
fn report_dir_dot_is_refused_by_check_and_run() {
    let s = Scratch::new();
    s.write("d/survey.csv", DATA);
    s.write(
        "p.toml",
        pipeline("", "d/survey.csv", "\n[report]\ndir = \".\"\n"),
    );
    let before = snapshot(s.path());
    for verb in ["run", "check"] {
        let o = s.run(&[verb, "p.toml", "--reports-dir", "out"]);
        let err = stderr(&o);
        assert_eq!(code(&o), 2, "{verb}: {err}");
        assert!(err.contains("key `report.dir`"), "{err}");
        assert!(err.contains("reports root itself"), "{err}");
        assert_eq!(snapshot(s.path()), before);
    }
}

#[test]
fn anything_but_a_tally_report_at_the_report_path_is_an_error_and_kept() {
    let s = Scratch::new();
    s.write("survey.csv", DATA);
    s.write("p.toml", pipeline("", "survey.csv", ""));
    // A folder of the user's, a regular file, a symbolic link: each at out/p.
    type Setup = Box<dyn Fn(&Path)>;
    let setups: Vec<(&str, Setup)> = vec![
        (
            "is not a tally report",
            Box::new(|p| {
                fs::create_dir_all(p).unwrap();
                fs::write(p.join("thesis.docx"), "years of work").unwrap();
            }),
        ),
        (
            "is a file",
            Box::new(|p| fs::write(p, "a file of the user's").unwrap()),
        ),
        (
            "is a symbolic link",
            Box::new(|p| std::os::unix::fs::symlink("../elsewhere", p).unwrap()),
        ),
    ];
    for (why, setup) in setups {
        let out = s.path().join("out");
        let _ = fs::remove_dir_all(&out);
        fs::create_dir_all(&out).unwrap();
        setup(&out.join("p"));
        let before = snapshot(s.path());
        let o = s.run(&["run", "p.toml", "--reports-dir", "out"]);
        let err = stderr(&o);
        assert_eq!(code(&o), 1, "{why}: {err}");
        assert!(err.contains("out/p"), "{why}: names the path: {err}");
        assert!(err.contains(why), "{err}");
        assert!(
            err.contains("\"tool\": \"tally\""),
            "says what was expected: {err}"
        );
        assert_eq!(
            snapshot(s.path()),
            before,
            "{why}: nothing changed (nothing hidden)"
        );
    }
}

#[test]
fn a_report_is_replaced_but_a_stale_named_regular_file_is_not_removed() {
    let s = Scratch::new();
    s.write("survey.csv", DATA);
    s.write("p.toml", pipeline("", "survey.csv", ""));
    // Named like a temporary of a dead process, but a regular file: the user's.
    s.write("out/.p.tally-tmp-999999999", "keep me");
    // A real stale temporary (a directory of a dead process): cleaned up.
    s.write("out/.p.tally-tmp-999999998/index.html", "half written");
    for _ in 0..2 {
        let o = s.run(&["run", "p.toml", "--reports-dir", "out", "--force"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    assert!(s.path().join("out/p/manifest.json").is_file());
    assert_eq!(
        fs::read_to_string(s.path().join("out/.p.tally-tmp-999999999")).unwrap(),
        "keep me"
    );
    assert!(!s.path().join("out/.p.tally-tmp-999999998").exists());
    // A report with a file added by hand is not replaced either.
    s.write("out/p/my-notes.txt", "notes");
    let o = s.run(&["run", "p.toml", "--reports-dir", "out", "--force"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("my-notes.txt"), "{}", stderr(&o));
    assert!(s.path().join("out/p/my-notes.txt").is_file());
}

// ------------------------------------------------------------------- no panic, no hang

/// Runs `tally args` in `s` with its stdout a pipe whose reader has gone.
fn with_closed_stdout(s: &Scratch, args: &str) -> Output {
    crate::support::with_closed_stdout(s.path(), s.cache(), args)
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let s = Scratch::new();
    let mut big = String::from("x,n\n");
    for i in 0..20_000 {
        big.push_str(&format!("{},{}\n", i % 50, 50 + i % 7));
    }
    s.write("big.csv", big);
    s.write("pairs.csv", "x1,n1,x2,n2\n3,10,4,12\n");
    s.write("table.csv", "g,a,b\nA,1,2\nB,3,4\n");
    s.write("survey.csv", DATA);
    s.write("p.toml", pipeline("", "survey.csv", ""));
    for args in [
        "methods",
        "ci 3 10",
        "ci 3 10 --method all",
        "ci --input big.csv --method all",
        "compare 3 10 4 12",
        "compare --input pairs.csv",
        "test --input table.csv",
        "run p.toml --explain",
    ] {
        let o = with_closed_stdout(&s, args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{args}: {err}");
        assert!(!err.contains("panicked"), "{args}: {err}");
        assert!(err.is_empty(), "{args}: quiet: {err}");
    }
}

#[test]
fn a_full_stdout_is_exit_1_naming_it() {
    let s = Scratch::new();
    s.write("bulk.csv", "x,n\n1,2\n3,4\n");
    for args in [
        &["methods"][..],
        &["ci", "3", "10"],
        &["ci", "--input", "bulk.csv"],
    ] {
        let mut c = s.cmd(args);
        c.stdout(
            fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        );
        let o = c.stderr(Stdio::piped()).output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("/dev/full"), "{err}");
        assert!(err.contains("No space left"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn exact_methods_on_huge_counts_refuse_quickly_with_the_limit_and_the_alternative() {
    let s = Scratch::new();
    let started = Instant::now();
    let o = s.run(&[
        "compare",
        "1000000000000",
        "2000000000000",
        "999999999999",
        "2000000000000",
        "--test",
        "fisher",
    ]);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    for want in ["--test fisher", "limit of 1000000", "--test chisq"] {
        assert!(err.contains(want), "lacks {want:?}: {err}");
    }
    let o = s.run(&[
        "compare",
        "5000000",
        "10000000",
        "4000000",
        "10000000",
        "--measure",
        "odds-ratio",
        "--method",
        "exact",
    ]);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("--method woolf"), "{err}");
    // In bulk: that row is reported with its line, the others computed.
    s.write(
        "pairs.csv",
        "x1,n1,x2,n2\n3,10,4,12\n900000000,1000000000,800000000,1000000000\n",
    );
    let o = s.run(&["compare", "--input", "pairs.csv", "--test", "fisher"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("pairs.csv, line 3"), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 2);

    // A counts pipeline near 1e9 with test = "fisher": a job error naming the key.
    s.write(
        "counts.csv",
        "group,outcome,count\nA,worse,900000000\nA,same,100000000\nB,worse,800000000\nB,same,200000000\n",
    );
    s.write(
        "c.toml",
        "[input]\npath = \"counts.csv\"\nkind = \"counts\"\n\n[[analysis]]\nname = \"effect\"\noutcome = \"outcome\"\nlevels = [\"worse\", \"same\"]\nby = [\"group\"]\ncompare = { reference = \"A\", test = \"fisher\" }\n",
    );
    let o = s.run(&["run", "c.toml", "--reports-dir", "out"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    for want in [
        "analysis[0].compare.test",
        "limit of 1000000",
        "test = \"chisq\"",
    ] {
        assert!(err.contains(want), "lacks {want:?}: {err}");
    }
    assert!(!s.path().join("out/c").exists());
    assert!(started.elapsed() < Duration::from_secs(20), "bounded time");
}

#[test]
fn a_fifo_as_input_is_refused_at_once() {
    let s = Scratch::new();
    let fifo = s.path().join("survey.csv");
    crate::support::mkfifo(&fifo).unwrap();
    s.write("p.toml", pipeline("", "survey.csv", ""));
    for args in [
        &["run", "p.toml", "--reports-dir", "out"][..],
        &["check", "p.toml"],
        &["ci", "--input", "survey.csv"],
        &["run", "survey.csv"],
    ] {
        let o = output_within(s.cmd(args), Duration::from_secs(20));
        let err = stderr(&o);
        assert_ne!(code(&o), 0, "{args:?}: {err}");
        assert_ne!(code(&o), 101, "{args:?}: {err}");
        assert!(err.contains("survey.csv"), "{err}");
        assert!(
            err.contains("named pipe (FIFO), not a regular file"),
            "{err}"
        );
    }
}

#[test]
fn one_bad_pipeline_file_in_a_folder_does_not_stop_the_others() {
    let s = Scratch::new();
    s.write("survey.csv", DATA);
    s.write("pipelines/a.toml", pipeline("", "../survey.csv", ""));
    s.write(
        "pipelines/b.toml",
        "[input]\npath = \"../survey.csv\"\n[[analysis]]\nname = \n",
    );
    s.write("pipelines/c.toml", pipeline("", "../survey.csv", ""));
    let o = s.run(&["run", "pipelines", "--reports-dir", "out"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("pipelines/b.toml"), "{err}");
    assert!(err.contains("NOT RUN"), "{err}");
    assert!(
        err.contains("3 pipeline(s): 2 ok, 0 failed, 1 not run"),
        "{err}"
    );
    assert!(s.path().join("out/a/index.html").is_file());
    assert!(s.path().join("out/c/index.html").is_file());
    assert!(!s.path().join("out/b").exists());
}

// ------------------------------------------------------------------- same bytes

#[test]
fn every_spelling_of_the_pipeline_path_writes_the_same_bytes() {
    let s = Scratch::new();
    s.write("data/survey.csv", DATA);
    s.write("pipelines/x.toml", pipeline("", "../data/survey.csv", ""));
    let abs = s.path().join("pipelines/x.toml").display().to_string();
    let spellings = [
        ("plain", "pipelines/x.toml"),
        ("dotted", "./pipelines/../pipelines/x.toml"),
        ("absolute", abs.as_str()),
    ];
    let mut trees = Vec::new();
    for (root, spelling) in spellings {
        let o = s.run(&["run", spelling, "--reports-dir", root]);
        assert_eq!(code(&o), 0, "{spelling}: {}", stderr(&o));
        let dir = s.path().join(root).join("x");
        let mut files = Vec::new();
        for (rel, _) in snapshot(&dir) {
            let p = dir.join(&rel);
            if p.is_dir() {
                continue;
            }
            let mut bytes = fs::read(&p).unwrap();
            if rel == "manifest.json" {
                // The run date and timings are the only fields allowed to differ.
                let mut m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                m["started_at"] = serde_json::Value::Null;
                m["stage_seconds"] = serde_json::Value::Null;
                bytes = serde_json::to_vec(&m).unwrap();
            }
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(s.path().to_str().unwrap()),
                "{spelling}: {rel} holds an absolute path"
            );
            files.push((rel, bytes));
        }
        assert!(files.iter().any(|(r, _)| r == "tables.xlsx"));
        trees.push(files);
    }
    for (i, t) in trees.iter().enumerate().skip(1) {
        let names: Vec<&String> = t.iter().map(|(r, _)| r).collect();
        let first: Vec<&String> = trees[0].iter().map(|(r, _)| r).collect();
        assert_eq!(names, first, "{}: same files", spellings[i].0);
        for ((rel, a), (_, b)) in trees[0].iter().zip(t) {
            assert!(
                a == b,
                "{}: {rel} differs from the plain spelling",
                spellings[i].0
            );
        }
    }
}
