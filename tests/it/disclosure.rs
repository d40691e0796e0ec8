//! The outsider's attacks on published reports. Each test writes a survey, runs `tally run`
//! as a charity would (disclosure control on, defaults), then reads only what the report
//! publishes (`estimates.json`) and tries to recover what it hides, by exhaustive search
//! over every table of respondents that agrees with all of it: every analysis of the
//! report, every group's levels, every margin, every denominator and exclusion count and
//! the survey's size, with `<5` read as "0 to 4" and `suppressed` as "at least 5". The
//! search is written here, independently of the audit in `src/disclosure/`.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::support::{self, SplitMix};

const PROVIDERS: [&str; 3] = ["A", "B", "C"];
const SEVERITIES: [&str; 2] = ["mild", "severe"];
const LEVELS: [&str; 2] = ["better", "worse"];

/// Cells of the true table: providers x severities x levels.
const CELLS: usize = 12;

/// The true table: respondents per (provider, severity, level); cell id `(p*2 + s)*2 + l`.
fn cell(p: usize, s: usize, l: usize) -> usize {
    (p * 2 + s) * 2 + l
}

/// A survey of `n` respondents with skewed answers, so that small cells occur, written as
/// a respondent CSV with a pipeline of three analyses over the same respondents: by
/// provider and severity, by provider (compared with A), and by provider for A and B only
/// (which a reader could subtract from the second).
fn write_survey(dir: &Path, seed: u64, n: usize, extra: &str) -> Vec<u64> {
    let mut rng = SplitMix(seed);
    let mut truth = vec![0u64; CELLS];
    let mut csv = String::from("id,provider,severity,outcome\n");
    for id in 1..=n {
        let p = rng.pick(&[6, 5, 1]);
        let s = rng.pick(&[4, 1]);
        let l = rng.pick(if p == 0 { &[1, 6] } else { &[4, 3] });
        truth[cell(p, s, l)] += 1;
        csv.push_str(&format!(
            "{id},{},{},{}\n",
            PROVIDERS[p], SEVERITIES[s], LEVELS[l]
        ));
    }
    fs::create_dir_all(dir.join("data")).unwrap();
    fs::create_dir_all(dir.join("pipelines")).unwrap();
    fs::write(dir.join("data/s.csv"), csv).unwrap();
    let pipeline = format!(
        r#"name = "s"
[input]
path = "../data/s.csv"
id_column = "id"

[[analysis]]
name = "both"
outcome = "outcome"
levels = ["better", "worse"]
by = ["provider", "severity"]

[[analysis]]
name = "provider"
outcome = "outcome"
levels = ["better", "worse"]
by = ["provider"]
compare = {{ reference = "A", levels = ["worse"] }}

[[analysis]]
name = "a_and_b"
outcome = "outcome"
levels = ["better", "worse"]
by = ["provider"]
filter = {{ provider = ["A", "B"] }}
{extra}"#
    );
    fs::write(dir.join("pipelines/s.toml"), pipeline).unwrap();
    truth
}

/// What the reader knows of a sum of true cells: its range.
#[derive(Debug, Clone)]
struct Known {
    cells: Vec<usize>,
    lo: u64,
    hi: u64,
    /// Published as `<5`.
    small: bool,
}

/// The cells of the true table that a published group and level (or all levels) add up.
fn cells_of(analysis: &str, group: &Value, level: Option<usize>) -> Vec<usize> {
    let want = |col: &str, values: &[&str], i: usize| match group.get(col) {
        Some(Value::String(v)) => v == values[i],
        _ => true,
    };
    let mut out = Vec::new();
    for p in 0..3 {
        if analysis == "a_and_b" && p == 2 {
            continue;
        }
        for s in 0..2 {
            for l in 0..2 {
                if want("provider", &PROVIDERS, p)
                    && want("severity", &SEVERITIES, s)
                    && level.is_none_or(|x| x == l)
                {
                    out.push(cell(p, s, l));
                }
            }
        }
    }
    out
}

fn known(cells: Vec<usize>, value: &Value, class: Option<&str>, base: u64) -> Known {
    let (lo, hi) = match (value.as_u64(), class) {
        (Some(v), _) => (v.saturating_sub(base / 2), v + (base - 1 - base / 2)),
        (None, Some("small")) => (0, 4),
        (None, _) => (5, u64::MAX),
    };
    Known {
        cells,
        lo,
        hi,
        small: class == Some("small"),
    }
}

/// Everything `estimates.json` says, as ranges of sums of true cells.
fn published(report: &Path, base: u64) -> Vec<Known> {
    let json: Value =
        serde_json::from_str(&fs::read_to_string(report.join("estimates.json")).unwrap()).unwrap();
    let mut out = Vec::new();
    for a in json["analyses"].as_array().unwrap() {
        let name = a["name"].as_str().unwrap();
        for e in a["estimates"].as_array().unwrap() {
            let l = LEVELS
                .iter()
                .position(|x| *x == e["outcome"].as_str().unwrap())
                .unwrap();
            out.push(known(
                cells_of(name, &e["group"], Some(l)),
                &e["count"],
                e["count_suppressed"].as_str(),
                base,
            ));
            out.push(known(
                cells_of(name, &e["group"], None),
                &e["n"],
                e["n_suppressed"].as_str(),
                base,
            ));
        }
        out.push(known(
            cells_of(name, &Value::Null, None),
            &a["respondents_included"],
            a["respondents_included_suppressed"].as_str(),
            base,
        ));
        for x in a["exclusions"].as_array().unwrap() {
            // The only exclusion of these pipelines: provider C, outside a_and_b.
            assert!(x["reason"]
                .as_str()
                .unwrap()
                .contains("outside denominator"));
            let c: Vec<usize> = (0..2)
                .flat_map(|s| (0..2).map(move |l| cell(2, s, l)))
                .collect();
            out.push(known(c, &x["respondents"], x["suppressed"].as_str(), base));
        }
        let all: Vec<usize> = (0..CELLS).collect();
        out.push(known(all, &a["respondents_available"], None, 1));
    }
    out
}

/// Bounds propagation: for each range `lo <= sum <= hi`, each cell is at most `hi` minus
/// the others' lows and at least `lo` minus the others' highs, until nothing moves.
/// `false` when the ranges cannot all hold.
fn propagate(known: &[Known], lo: &mut [u64; CELLS], hi: &mut [u64; CELLS]) -> bool {
    loop {
        let mut moved = false;
        for k in known {
            let sum_lo: u64 = k.cells.iter().map(|&c| lo[c]).sum();
            let sum_hi: u64 = k.cells.iter().map(|&c| hi[c]).fold(0, u64::saturating_add);
            if sum_lo > k.hi || sum_hi < k.lo {
                return false;
            }
            for &c in &k.cells {
                let h = k.hi.saturating_sub(sum_lo - lo[c]);
                let l = k.lo.saturating_sub(sum_hi.saturating_sub(hi[c]));
                if h < hi[c] {
                    hi[c] = h;
                    moved = true;
                }
                if l > lo[c] {
                    lo[c] = l;
                    moved = true;
                }
                if lo[c] > hi[c] {
                    return false;
                }
            }
        }
        if !moved {
            return true;
        }
    }
}

/// Whether some table of non-negative integer counts agrees with every range: depth-first
/// search, propagating bounds at every node and branching on the cell with the fewest
/// values left. `None` when it passed `limit` nodes without an answer.
fn exists(known: &[Known], limit: &mut u64) -> Option<bool> {
    let mut lo = [0u64; CELLS];
    let mut hi = [u64::MAX / 4; CELLS];
    fn go(
        known: &[Known],
        mut lo: [u64; CELLS],
        mut hi: [u64; CELLS],
        limit: &mut u64,
    ) -> Option<bool> {
        if *limit == 0 {
            return None;
        }
        *limit -= 1;
        if !propagate(known, &mut lo, &mut hi) {
            return Some(false);
        }
        let Some(c) = (0..CELLS)
            .filter(|&c| lo[c] < hi[c])
            .min_by_key(|&c| hi[c] - lo[c])
        else {
            return Some(true); // every cell fixed, every range met
        };
        for v in lo[c]..=hi[c] {
            let (mut l, mut h) = (lo, hi);
            l[c] = v;
            h[c] = v;
            if go(known, l, h, limit)? {
                return Some(true);
            }
        }
        Some(false)
    }
    propagate(known, &mut lo, &mut hi);
    go(known, lo, hi, limit)
}

/// Attacks one report; returns how many hidden numbers were attacked, or `None` when the
/// search was too big to finish.
fn attack(report: &Path, truth: &[u64], base: u64) -> Option<usize> {
    let known = published(report, base);
    let truth_ok = known.iter().all(|k| {
        let v: u64 = k.cells.iter().map(|&c| truth[c]).sum();
        k.lo <= v && v <= k.hi
    });
    assert!(truth_ok, "the true table agrees with what is published");
    let small: Vec<&Known> = known.iter().filter(|k| k.small).collect();
    // The small groups of the true table (fewer than 10), at every margin of `both`.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for p in [None, Some(0), Some(1), Some(2)] {
        for s in [None, Some(0), Some(1)] {
            let cells: Vec<usize> = (0..3)
                .flat_map(|pp| (0..2).map(move |ss| (pp, ss)))
                .filter(|&(pp, ss)| p.is_none_or(|x| x == pp) && s.is_none_or(|x| x == ss))
                .flat_map(|(pp, ss)| (0..2).map(move |l| cell(pp, ss, l)))
                .collect();
            let n: u64 = cells.iter().map(|&c| truth[c]).sum();
            if n > 0 && n < 10 {
                groups.push(cells);
            }
        }
    }
    let mut limit = 20_000_000u64;
    // Whether a table agrees with the report and with one more range.
    let mut possible = |cells: Vec<usize>, lo: u64, hi: u64| -> Option<bool> {
        let mut k = known.clone();
        k.push(Known {
            cells,
            lo,
            hi,
            small: false,
        });
        exists(&k, &mut limit)
    };
    for k in &small {
        let mut values = Vec::new();
        for v in 0..=4 {
            if possible(k.cells.clone(), v, v)? {
                values.push(v);
            }
        }
        // At least four values stay possible: one respondent cannot be told from four.
        let (lo, hi) = (values[0], *values.last().unwrap());
        assert!(
            hi - lo >= 3,
            "a number published as <5 (cells {:?}) can only be {lo}..={hi} in any table agreeing with the report",
            k.cells
        );
    }
    // A small group's majority answer: some agreeing table has 4 members answering
    // otherwise (1, for a group of fewer than 5).
    for g in &groups {
        let n: u64 = g.iter().map(|&c| truth[c]).sum();
        let need = if n < 5 { 1 } else { 4 };
        for (l, level) in LEVELS.iter().enumerate() {
            let given: u64 = g.iter().filter(|&&c| c % 2 == l).map(|&c| truth[c]).sum();
            if 2 * given <= n {
                continue;
            }
            let outside: Vec<usize> = g.iter().copied().filter(|&c| c % 2 != l).collect();
            assert!(
                possible(outside, need, u64::MAX / 4)?,
                "a small group (cells {g:?}, n = {n}) is shown to have answered {} with fewer than {need} exceptions",
                level
            );
        }
    }
    Some(small.len())
}

/// Runs a `tally run` command and checks that it succeeded.
fn succeeds(mut c: std::process::Command) {
    let o = c.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Runs the survey written by [`write_survey`] in `dir`; its report is `reports/s`.
fn run(dir: &Path) {
    let mut c = support::tally_run(Path::new("pipelines/s.toml"), &dir.join("reports"));
    c.current_dir(dir);
    succeeds(c);
}

#[test]
fn no_hidden_number_can_be_narrowed_from_everything_a_report_publishes() {
    let mut attacked = 0;
    let mut finished = 0;
    for seed in 0..12u64 {
        let dir = tempfile::tempdir().unwrap();
        let truth = write_survey(dir.path(), seed, 30 + 5 * seed as usize, "");
        run(dir.path());
        if let Some(k) = attack(&dir.path().join("reports/s"), &truth, 1) {
            attacked += k;
            finished += 1;
        }
    }
    assert!(finished >= 8, "only {finished} of 12 searches finished");
    assert!(
        attacked >= 20,
        "only {attacked} hidden numbers were attacked"
    );
}

#[test]
fn rounded_reports_give_no_exact_count_back() {
    let mut finished = 0;
    for seed in 100..106u64 {
        let dir = tempfile::tempdir().unwrap();
        let truth = write_survey(dir.path(), seed, 50, "[disclosure]\nround = 5\n");
        run(dir.path());
        let report = dir.path().join("reports/s");
        // Every shown proportion is that of the shown (rounded) counts.
        let json: Value =
            serde_json::from_str(&fs::read_to_string(report.join("estimates.json")).unwrap())
                .unwrap();
        for a in json["analyses"].as_array().unwrap() {
            for e in a["estimates"].as_array().unwrap() {
                if let (Some(c), Some(n), Some(p)) = (
                    e["count"].as_u64(),
                    e["n"].as_u64(),
                    e["proportion"].as_f64(),
                ) {
                    assert_eq!(c % 5, 0);
                    assert_eq!(n % 5, 0);
                    assert_eq!(p, c as f64 / n as f64, "{e}");
                }
            }
        }
        if attack(&report, &truth, 5).is_some() {
            finished += 1;
        }
    }
    assert!(finished >= 4, "only {finished} of 6 searches finished");
}

#[test]
fn tests_and_comparisons_of_tables_with_hidden_cells_are_withheld() {
    let dir = tempfile::tempdir().unwrap();
    write_survey(dir.path(), 3, 70, "");
    run(dir.path());
    let report = dir.path().join("reports/s");
    let json: Value =
        serde_json::from_str(&fs::read_to_string(report.join("estimates.json")).unwrap()).unwrap();

    let provider = json["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "provider")
        .expect("the analysis by provider is published");
    let hidden = provider["estimates"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["count"].is_null() || e["n"].is_null());
    assert!(hidden, "the survey has small cells by provider");
    let notes = provider["notes"].to_string();
    assert!(
        notes.contains("test of independence") && notes.contains("withheld"),
        "{notes}"
    );
    let html = fs::read_to_string(report.join("index.html")).unwrap();
    assert!(
        !html.contains("Cram"),
        "no Cramér's V of a table with hidden cells"
    );
    // Comparisons of a hidden cell are withheld with their numbers.
    let comparisons = fs::read_to_string(report.join("comparisons.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(comparisons.as_bytes());
    let header = rows.headers().unwrap().clone();
    let mut withheld = 0;
    for row in rows.records().map(Result::unwrap) {
        if !row.iter().any(|v| v.contains("withheld")) {
            continue;
        }
        withheld += 1;
        for (h, v) in header.iter().zip(row.iter()) {
            if [
                "x1",
                "n1",
                "x2",
                "n2",
                "estimate",
                "ci_lower",
                "ci_upper",
                "p_value",
                "p_adjusted",
            ]
            .contains(&h)
            {
                assert_eq!(v, "", "{h} of a withheld comparison: {row:?}");
            }
        }
    }
    assert!(withheld > 0, "{comparisons}");
}

#[test]
fn internal_runs_are_marked_in_every_output() {
    let dir = tempfile::tempdir().unwrap();
    write_survey(dir.path(), 5, 70, "[disclosure]\nprotect = false\n");
    run(dir.path());
    let report = dir.path().join("reports/s");
    for f in fs::read_dir(&report).unwrap().flatten() {
        let name = f.file_name().to_string_lossy().into_owned();
        let text = || fs::read_to_string(f.path()).unwrap();
        if name.ends_with(".csv") {
            let t = text();
            assert!(t.starts_with("internal_run,"), "{name}");
            for line in t.lines().skip(1) {
                assert!(
                    line.starts_with("internal run: not for publication,"),
                    "{name}: {line}"
                );
            }
        } else if name == "estimates.json" {
            let v: Value = serde_json::from_str(&text()).unwrap();
            assert_eq!(v["internal_run"], true);
        } else if name.ends_with(".html") || name.ends_with(".md") {
            assert!(text().contains("Internal run"), "{name}");
        }
    }
    let plots: Vec<_> = fs::read_dir(report.join("plots"))
        .unwrap()
        .flatten()
        .collect();
    assert!(!plots.is_empty());
    for p in plots
        .iter()
        .filter(|p| p.path().extension().is_some_and(|e| e == "svg"))
    {
        let svg = fs::read_to_string(p.path()).unwrap();
        assert!(
            svg.contains("Internal run: not for publication"),
            "{:?}",
            p.path()
        );
    }
}

/// Every "n = X" of a report's pages and plots: the published group sizes and denominators
/// (a hidden n written out anywhere, even as 0, would fail).
fn stated_sizes_are_published(report: &Path) {
    let json: Value =
        serde_json::from_str(&fs::read_to_string(report.join("estimates.json")).unwrap()).unwrap();
    let mut sizes = std::collections::BTreeSet::new();
    for a in json["analyses"].as_array().unwrap() {
        sizes.extend(a["respondents_included"].as_u64());
        for e in a["estimates"].as_array().unwrap() {
            sizes.extend(e["n"].as_u64());
        }
    }
    let mut files = vec![report.join("index.html"), report.join("report.md")];
    files.extend(
        fs::read_dir(report.join("plots"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "svg")),
    );
    let mut seen = 0;
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        for (at, _) in text.match_indices("n = ") {
            let digits: String = text[at + 4..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == ',')
                .filter(char::is_ascii_digit)
                .collect();
            if let Ok(v) = digits.parse::<u64>() {
                seen += 1;
                assert!(
                    sizes.contains(&v),
                    "{f:?} states n = {v}, which is not a published size"
                );
            }
        }
    }
    assert!(seen > 0);
}

/// The shipped example `pipelines/synthetic-survey.toml`, run with default settings into a
/// temporary reports folder (its report is at `synthetic-survey/`).
fn shipped_example() -> tempfile::TempDir {
    let reports = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    succeeds(support::tally_run(
        &root.join("pipelines/synthetic-survey.toml"),
        reports.path(),
    ));
    reports
}

#[test]
fn no_page_or_plot_states_a_hidden_size() {
    let dir = tempfile::tempdir().unwrap();
    write_survey(dir.path(), 7, 60, "");
    run(dir.path());
    stated_sizes_are_published(&dir.path().join("reports/s"));
    // And the shipped example, whose provider x severity table has hidden cells.
    let reports = shipped_example();
    let log = fs::read_to_string(reports.path().join("synthetic-survey/suppression.csv")).unwrap();
    assert!(log.lines().count() > 5, "{log}");
    stated_sizes_are_published(&reports.path().join("synthetic-survey"));
}

/// Two leaks an outsider found in an earlier version of the shipped example's report:
/// `suppression.csv` said which cell each complement protected and in which audit round it
/// was chosen (replaying the choices narrowed every `<5` to two values), and an unmapped
/// value shown as `<5` in `unmapped.csv` was shown exactly as an exclusion count.
#[test]
fn the_log_and_the_exclusions_give_nothing_back() {
    let reports = shipped_example();
    let report = reports.path().join("synthetic-survey");
    let log = fs::read_to_string(report.join("suppression.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(log.as_bytes());
    assert_eq!(
        rows.headers().unwrap().iter().collect::<Vec<_>>(),
        ["analysis", "group", "cell", "shown_as", "rule", "reason"]
    );
    let mut reasons = std::collections::BTreeMap::new();
    for r in rows.records().map(Result::unwrap) {
        reasons
            .entry(r[4].to_string())
            .or_insert_with(std::collections::BTreeSet::new)
            .insert(r[5].to_string());
    }
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons.values().all(|v| v.len() == 1),
        "one reason per rule: {reasons:?}"
    );

    // No unmapped value given by fewer than 5 is listed: a listed value is known to occur,
    // and two listed beside their column's exclusion count of 2 would each be exactly 1
    // (the shipped example did that before).
    let unmapped = fs::read_to_string(report.join("unmapped.csv")).unwrap();
    assert!(
        unmapped.lines().skip(1).all(|l| !l.contains(",<5,")),
        "{unmapped}"
    );
    let json: Value =
        serde_json::from_str(&fs::read_to_string(report.join("estimates.json")).unwrap()).unwrap();
    let pacing = &json["analyses"][3];
    assert_eq!(pacing["name"], "pacing_by_severity");
    let x = pacing["exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["reason"] == "unmapped value in `pacing_tried`")
        .unwrap();
    assert_eq!(
        (x["respondents"].clone(), x["suppressed"].clone()),
        (Value::Null, Value::from("small")),
        "{x}"
    );
    // In each analysis's accounting (available = included + exclusions), hidden members
    // are never all `<5`: their sum would be known, and two `<5` adding to 2 are each 1
    // (an outsider found exactly that in the pacing analysis of an earlier version).
    for a in json["analyses"].as_array().unwrap() {
        let mut hidden: Vec<&str> = a["exclusions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|x| x["suppressed"].as_str())
            .collect();
        hidden.extend(a["respondents_included_suppressed"].as_str());
        assert!(
            hidden.is_empty() || hidden.contains(&"complementary"),
            "{}: {hidden:?}",
            a["name"]
        );
    }
}
