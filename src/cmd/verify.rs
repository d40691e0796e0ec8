//! `tally verify REPORT_DIR`: re-derives a report from the pipeline and input its
//! `manifest.json` records, and compares. Each check is a line of the report, in order:
//!
//! 1. the pipeline file has the SHA-256 the manifest records (else it changed since the
//!    report was written: said, and the current one is used);
//! 2. the input (as the pipeline names it) has the recorded SHA-256 and size;
//! 3. every artifact the manifest lists is there with its SHA-256, and nothing else is (a
//!    report edited by hand names the file);
//! 4. the report is built again in memory ([`crate::job::build`]: every stage, no cache,
//!    nothing written) with the options recorded (an internal run when the manifest's
//!    disclosure says `protect: false`), and each artifact compared byte for byte with
//!    the published file; a CSV that differs names its first differing figures (row by
//!    its key columns, column, published and re-derived value). `report.pdf` is not
//!    re-derived (Chromium stamps it); `manifest.json` has the run date and is not compared.
//!
//! The pipeline: `--pipeline`, else the recorded file name in `pipelines/` of the current
//! directory, then in `pipelines/` beside the reports root (`REPORT_DIR/../../pipelines`).
//! Exit 0: verified; 1: any difference or changed input; 2: no report or no pipeline.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::json;

use super::{print_error, stdout_failed, Outcome};
use crate::cli::{LogFormat, VerifyArgs};
use crate::job::{self, JobOptions};
use crate::manifest::{self, Recorded};
use crate::plan::{self, Plan};
use crate::render::Artifact;

/// At most this many differing figures are named per CSV file.
const MAX_PER_FILE: usize = 10;

/// What a line of the verification says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A check passed.
    Ok,
    /// Something to know that is no difference (e.g. `report.pdf` is not re-derived).
    Note,
    /// The pipeline or the input is not what the report was made from.
    Changed,
    /// A file of the report is not what its manifest lists: edited, missing or added.
    Edited,
    /// A re-derived artifact is not the published one.
    Differs,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Ok => "ok",
            Kind::Note => "note",
            Kind::Changed => "changed",
            Kind::Edited => "edited",
            Kind::Differs => "differs",
        }
    }

    fn is_difference(self) -> bool {
        matches!(self, Kind::Changed | Kind::Edited | Kind::Differs)
    }
}

/// The lines of a verification, in the order the checks ran.
#[derive(Default)]
struct Findings(Vec<(Kind, String)>);

impl Findings {
    fn push(&mut self, kind: Kind, message: impl Into<String>) {
        self.0.push((kind, message.into()));
    }

    fn differences(&self) -> usize {
        self.0.iter().filter(|(k, _)| k.is_difference()).count()
    }
}

pub fn run(args: &VerifyArgs) -> Outcome {
    let dir = &args.report_dir;
    if !dir.is_dir() {
        print_error(&format!(
            "{} is not a directory\nhint: give the report directory `tally run` wrote (reports/<name> by default)",
            dir.display()
        ));
        return Outcome::Usage;
    }
    let recorded = match manifest::read(dir) {
        Ok(r) => r,
        Err(e) => {
            print_error(&e.to_string());
            return Outcome::Usage;
        }
    };
    let pipeline = match find_pipeline(args, &recorded) {
        Ok(p) => p,
        Err(e) => {
            print_error(&e);
            return Outcome::Usage;
        }
    };
    let mut findings = Findings::default();
    let (input, re_derived) = verify(dir, &pipeline, &recorded, &mut findings);
    let verified = findings.differences() == 0;
    let text = match args.format {
        LogFormat::Json => {
            let v = json!({
                "report": dir,
                "pipeline": pipeline,
                "input": input,
                "verified": verified,
                "artifacts_re_derived": re_derived,
                "findings": findings.0.iter().map(|(k, m)| json!({"kind": k.name(), "message": m})).collect::<Vec<_>>(),
            });
            format!("{v}\n")
        }
        LogFormat::Text => text_report(dir, &pipeline, &input, &findings, re_derived),
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = std::io::Write::write_all(&mut out, text.as_bytes())
        .and_then(|()| std::io::Write::flush(&mut out))
    {
        return stdout_failed(&e);
    }
    if verified {
        Outcome::Success
    } else {
        Outcome::Failed
    }
}

/// The report as text: a line per finding (`kind: message`), then the verdict.
fn text_report(
    dir: &Path,
    pipeline: &Path,
    input: &str,
    findings: &Findings,
    re_derived: usize,
) -> String {
    let mut text = String::new();
    for (kind, message) in &findings.0 {
        for (i, l) in message.lines().enumerate() {
            if i == 0 {
                text.push_str(&format!("{}: {l}\n", kind.name()));
            } else {
                text.push_str(&format!("  {l}\n"));
            }
        }
    }
    let n = findings.differences();
    if n == 0 {
        text.push_str(&format!(
            "verified: {} ({re_derived} artifacts re-derived from {} and {input})\n",
            dir.display(),
            pipeline.display()
        ));
    } else {
        text.push_str(&format!(
            "not verified: {}: {n} difference(s) (above)\n",
            dir.display()
        ));
    }
    text
}

/// The pipeline file to re-derive with: `--pipeline`, else the recorded file name in
/// `pipelines/` here, then beside the reports root.
fn find_pipeline(args: &VerifyArgs, recorded: &Recorded) -> Result<PathBuf, String> {
    if let Some(p) = &args.pipeline {
        if !p.is_file() {
            return Err(format!(
                "--pipeline {}: no such file\nhint: give the pipeline file (TOML) the report was made from",
                p.display()
            ));
        }
        return Ok(p.clone());
    }
    let name = &recorded.pipeline.path;
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(format!(
            "{}: manifest.json names the pipeline `{name}`, not a file name\nhint: pass the pipeline with --pipeline PIPELINE.toml",
            args.report_dir.display()
        ));
    }
    let mut candidates = vec![Path::new("pipelines").join(name)];
    if let Some(root) = args
        .report_dir
        .canonicalize()
        .ok()
        .and_then(|d| Some(d.parent()?.parent()?.to_path_buf()))
    {
        candidates.push(root.join("pipelines").join(name));
    }
    if let Some(found) = candidates.iter().find(|p| p.is_file()) {
        return Ok(found.clone());
    }
    let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Err(format!(
        "cannot find the pipeline `{name}` the report {} was made from (looked for {})\nhint: pass it with --pipeline PIPELINE.toml",
        args.report_dir.display(),
        looked.join(" and ")
    ))
}

/// Runs the checks in order; returns the input as the pipeline names it and how many
/// artifacts were re-derived byte for byte.
fn verify(
    dir: &Path,
    pipeline: &Path,
    recorded: &Recorded,
    findings: &mut Findings,
) -> (String, usize) {
    check_pipeline(pipeline, recorded, findings);
    if let Some(text) = crate::review::read_if_review(pipeline) {
        check_files(dir, recorded, findings);
        let inputs = recorded
            .inputs
            .iter()
            .map(|i| i.path.clone())
            .collect::<Vec<_>>();
        return (
            inputs.join(", "),
            rederive_review(dir, pipeline, &text, recorded, findings),
        );
    }
    let plan = plan::load(pipeline);
    let input = match &plan {
        Ok(p) => {
            check_input(p, recorded, findings);
            check_margins_file(p, recorded, findings);
            p.input.written.clone()
        }
        Err(_) => recorded
            .inputs
            .first()
            .map(|i| i.path.clone())
            .unwrap_or_default(),
    };
    check_files(dir, recorded, findings);
    let re_derived = match plan {
        Ok(p) => rederive(dir, &p, recorded, findings),
        Err(problems) => {
            let listed: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
            findings.push(
                Kind::Changed,
                format!(
                    "cannot re-derive the report: the pipeline {} has problems:\n{}",
                    pipeline.display(),
                    listed.join("\n")
                ),
            );
            0
        }
    };
    (input, re_derived)
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// Check 1: the pipeline file is the one the report was made from.
fn check_pipeline(pipeline: &Path, recorded: &Recorded, findings: &mut Findings) {
    let shown = pipeline.display();
    let sha = match crate::ingest::sha256_file(pipeline) {
        Ok((sha, _)) => sha,
        Err(e) => {
            findings.push(
                Kind::Changed,
                format!("cannot read the pipeline {shown}: {e}"),
            );
            return;
        }
    };
    if sha == recorded.pipeline.sha256 {
        findings.push(
            Kind::Ok,
            format!(
                "pipeline {shown}: the SHA-256 the report recorded ({}...)",
                short(&sha)
            ),
        );
    } else {
        findings.push(
            Kind::Changed,
            format!(
                "the pipeline changed since the report was written: {shown} has SHA-256 {}..., the report recorded {}...; re-deriving with the current one",
                short(&sha),
                short(&recorded.pipeline.sha256)
            ),
        );
    }
    let name = pipeline
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    if name.as_deref() != Some(recorded.pipeline.path.as_str()) {
        findings.push(
            Kind::Note,
            format!(
                "the report names its pipeline `{}`; this one is named `{}`, and the reports show the name",
                recorded.pipeline.path,
                name.unwrap_or_default()
            ),
        );
    }
}

/// Check 2: the input is the one the report was made from.
fn check_input(plan: &Plan, recorded: &Recorded, findings: &mut Findings) {
    let written = &plan.input.written;
    let Some(rec) = recorded.inputs.first() else {
        findings.push(Kind::Edited, "manifest.json lists no input");
        return;
    };
    if &rec.path != written {
        findings.push(
            Kind::Changed,
            format!(
                "the input changed: the pipeline now reads {written}; the report was made from {}",
                rec.path
            ),
        );
    }
    match crate::ingest::sha256_file(&plan.input.path) {
        Err(e) => findings.push(
            Kind::Changed,
            format!("the input changed: {written} cannot be read: {e}"),
        ),
        Ok((sha, bytes)) if sha == rec.sha256 && Some(bytes) == rec.bytes => findings.push(
            Kind::Ok,
            format!("input {written}: the SHA-256 and size the report recorded ({bytes} bytes)"),
        ),
        Ok((sha, bytes)) => findings.push(
            Kind::Changed,
            format!(
                "the input changed: {written} is {bytes} bytes with SHA-256 {}...; the report was made from {} bytes with SHA-256 {}...",
                short(&sha),
                rec.bytes.map_or_else(|| "?".into(), |b| b.to_string()),
                short(&rec.sha256)
            ),
        ),
    }
}

/// Check 2b: the population margins file (`[weighting] margins_file`) is the one the report
/// was calibrated to.
fn check_margins_file(plan: &Plan, recorded: &Recorded, findings: &mut Findings) {
    let Some(f) = plan
        .weighting
        .as_ref()
        .and_then(|w| w.margins_file.as_ref())
    else {
        return;
    };
    match recorded.inputs.iter().skip(1).find(|r| r.path == f.written) {
        Some(r) if r.sha256 == f.sha256 => findings.push(
            Kind::Ok,
            format!(
                "margins file {}: the SHA-256 the report recorded ({})",
                f.written,
                short(&f.sha256)
            ),
        ),
        Some(r) => findings.push(
            Kind::Changed,
            format!(
                "the margins file changed: {} has SHA-256 {}...; the report was calibrated to {}...",
                f.written,
                short(&f.sha256),
                short(&r.sha256)
            ),
        ),
        None => findings.push(
            Kind::Changed,
            format!(
                "the pipeline now calibrates to the margins in {}; the report recorded no such file",
                f.written
            ),
        ),
    }
}

/// Check 3: the report holds exactly the files its manifest lists, each with its SHA-256.
fn check_files(dir: &Path, recorded: &Recorded, findings: &mut Findings) {
    let before = findings.differences();
    let mut listed = BTreeSet::new();
    for a in &recorded.artifacts {
        listed.insert(a.path.clone());
        if !plan::is_safe_relative(&a.path) {
            findings.push(
                Kind::Edited,
                format!(
                    "manifest.json lists `{}`, outside the report directory",
                    a.path
                ),
            );
            continue;
        }
        match std::fs::read(dir.join(&a.path)) {
            Err(_) => findings.push(
                Kind::Edited,
                format!("{}: missing (manifest.json lists it)", a.path),
            ),
            Ok(bytes) if crate::ingest::sha256_hex(&bytes) != a.sha256 => findings.push(
                Kind::Edited,
                format!(
                    "{}: edited since the report was written (its SHA-256 is not the one manifest.json records)",
                    a.path
                ),
            ),
            Ok(_) => {}
        }
    }
    let mut present = Vec::new();
    list_files(dir, "", &mut present);
    for p in present {
        if p != "manifest.json" && !listed.contains(&p) {
            findings.push(
                Kind::Edited,
                format!("{p}: not listed in manifest.json (added by hand?)"),
            );
        }
    }
    if findings.differences() == before {
        findings.push(
            Kind::Ok,
            format!(
                "the report holds the {} files manifest.json lists, each with its SHA-256, and nothing else",
                recorded.artifacts.len()
            ),
        );
    }
}

/// Every file under `dir`, as paths relative to the report with `/` between parts.
fn list_files(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let rel = format!("{prefix}{}", e.file_name().to_string_lossy());
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            list_files(&e.path(), &format!("{rel}/"), out);
        } else {
            out.push(rel);
        }
    }
}

/// Check 4: the report built again in memory, each artifact compared with the published
/// file. Returns how many were re-derived byte for byte.
fn rederive(dir: &Path, plan: &Plan, recorded: &Recorded, findings: &mut Findings) -> usize {
    let internal = !recorded.disclosure.protect;
    let opts = JobOptions {
        reports_root: dir.parent().map_or_else(PathBuf::new, Path::to_path_buf),
        strict: false,
        internal,
        pdf: None,
        cache: None,
        force: true,
    };
    let built = match job::build(plan, &opts, &|_| {}) {
        Ok((_, built)) => built,
        Err(e) => {
            findings.push(Kind::Differs, format!("cannot re-derive the report: {e}"));
            return 0;
        }
    };
    if internal {
        findings.push(
            Kind::Note,
            "re-derived as an internal run (disclosure control off), as manifest.json records",
        );
    }
    let before = findings.differences();
    let matched = built
        .artifacts
        .iter()
        .filter(|a| compare(dir, a, findings))
        .count();
    for a in &recorded.artifacts {
        if built.artifacts.iter().any(|b| b.path == a.path) {
            continue;
        }
        if a.path == "report.pdf" {
            findings.push(Kind::Note, "report.pdf: not re-derived (Chromium stamps it); its SHA-256 was checked against manifest.json");
        } else {
            findings.push(
                Kind::Differs,
                format!(
                    "{}: in the report, but not re-derived (the pipeline does not make it now)",
                    a.path
                ),
            );
        }
    }
    if findings.differences() == before {
        findings.push(
            Kind::Ok,
            format!("{matched} artifacts re-derived, byte for byte"),
        );
    }
    matched
}

/// Re-derives a review report (its referenced reports and counts read as `tally run`
/// reads them, which checks that they are current) and compares every artifact.
fn rederive_review(
    dir: &Path,
    pipeline: &Path,
    text: &str,
    recorded: &Recorded,
    findings: &mut Findings,
) -> usize {
    let root = dir.parent().map_or_else(PathBuf::new, Path::to_path_buf);
    let (plan, artifacts) = match crate::review::build(pipeline, text, &root, false) {
        Ok(built) => built,
        Err(e) => {
            findings.push(Kind::Differs, format!("cannot re-derive the review: {e}"));
            return 0;
        }
    };
    // Each input (a counts table, a referenced report's estimates) as the report recorded it.
    for i in &plan.inputs {
        match recorded.inputs.iter().find(|r| r.path == i.path) {
            Some(r) if r.sha256 == i.sha256 => findings.push(
                Kind::Ok,
                format!("input {}: the SHA-256 the report recorded ({})", i.path, short(&i.sha256)),
            ),
            Some(r) => findings.push(
                Kind::Changed,
                format!(
                    "input {} has changed since the report was written (recorded SHA-256 {}, now {})",
                    i.path,
                    short(&r.sha256),
                    short(&i.sha256)
                ),
            ),
            None => findings.push(
                Kind::Changed,
                format!("input {}: not among the inputs the report recorded", i.path),
            ),
        }
    }
    let before = findings.differences();
    let matched = artifacts
        .iter()
        .filter(|a| compare(dir, a, findings))
        .count();
    if findings.differences() == before {
        findings.push(
            Kind::Ok,
            format!("{matched} artifacts re-derived, byte for byte"),
        );
    }
    matched
}

/// Compares a re-derived artifact with the published file; `true` when the bytes are
/// the same.
fn compare(dir: &Path, a: &Artifact, findings: &mut Findings) -> bool {
    let Ok(published) = std::fs::read(dir.join(&a.path)) else {
        findings.push(
            Kind::Differs,
            format!("{}: re-derived, but not in the report", a.path),
        );
        return false;
    };
    if published == a.bytes {
        return true;
    }
    if a.path.ends_with(".csv") {
        csv_differences(&a.path, &published, &a.bytes, findings);
    } else {
        findings.push(
            Kind::Differs,
            format!("{}: differs from the re-derived one", a.path),
        );
    }
    false
}

/// A CSV file's rows (header first), or why it cannot be read.
fn csv_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, csv::Error> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
        .records()
        .map(|r| r.map(|r| r.iter().map(str::to_string).collect()))
        .collect()
}

/// The columns that name a row of a report's CSV file: in `estimates.csv` every column
/// before `count` (the analysis, the grouping variables, the outcome); in the others the
/// columns listed here; in any other, the first. The `internal_run` mark never is one.
fn key_columns(file: &str, header: &[String]) -> Vec<usize> {
    const KEYS: &[(&str, &[&str])] = &[
        (
            "comparisons.csv",
            &["analysis", "by", "outcome", "group1", "group2", "measure"],
        ),
        ("rejected.csv", &["line", "row"]),
        ("suppression.csv", &["analysis", "group", "cell"]),
        ("unmapped.csv", &["column", "value"]),
    ];
    let name = file.rsplit('/').next().unwrap_or(file);
    let keys: Vec<usize> = match KEYS.iter().find(|(f, _)| *f == name) {
        Some((_, cols)) => (0..header.len())
            .filter(|&i| cols.contains(&header[i].as_str()))
            .collect(),
        None if name == "estimates.csv" => (0..header.len())
            .take_while(|&i| header[i] != "count")
            .collect(),
        None => vec![0],
    };
    keys.into_iter()
        .filter(|&i| header.get(i).is_some_and(|h| h != "internal_run"))
        .collect()
}

/// Names the first differing figures of a CSV file: rows matched by their key columns.
fn csv_differences(file: &str, published: &[u8], derived: &[u8], findings: &mut Findings) {
    let (pub_rows, der_rows) = match (csv_rows(published), csv_rows(derived)) {
        (Ok(p), Ok(d)) => (p, d),
        (Err(e), _) | (_, Err(e)) => {
            findings.push(
                Kind::Differs,
                format!("{file}: differs (it cannot be read as CSV: {e})"),
            );
            return;
        }
    };
    let header = pub_rows.first().cloned().unwrap_or_default();
    if der_rows.first() != Some(&header) {
        findings.push(
            Kind::Differs,
            format!(
                "{file}: the columns differ: published {}; re-derived {}",
                header.join(","),
                der_rows.first().map(|h| h.join(",")).unwrap_or_default()
            ),
        );
        return;
    }
    let keys = key_columns(file, &header);
    let lines = row_differences(&header, &keys, &pub_rows[1..], &der_rows[1..]);
    if lines.is_empty() {
        findings.push(
            Kind::Differs,
            format!("{file}: the same figures, but not the same bytes"),
        );
    }
    for l in lines.iter().take(MAX_PER_FILE) {
        findings.push(Kind::Differs, format!("{file}: {l}"));
    }
    if lines.len() > MAX_PER_FILE {
        findings.push(
            Kind::Differs,
            format!(
                "{file}: and {} more difference(s)",
                lines.len() - MAX_PER_FILE
            ),
        );
    }
}

/// The differences between two CSV files' data rows, in the published order: each
/// differing figure (row, column, both values), then rows only one of them has.
fn row_differences(
    header: &[String],
    keys: &[usize],
    published: &[Vec<String>],
    derived: &[Vec<String>],
) -> Vec<String> {
    // A row's key, with its occurrence number in case keys repeat.
    let keyed = |rows: &[Vec<String>]| -> Vec<(Vec<String>, usize)> {
        let mut seen: HashMap<Vec<String>, usize> = HashMap::new();
        rows.iter()
            .map(|r| {
                let k: Vec<String> = keys.iter().map(|&i| cell(r, i).to_string()).collect();
                let n = seen.entry(k.clone()).or_insert(0);
                *n += 1;
                (k, *n)
            })
            .collect()
    };
    let pub_keys = keyed(published);
    let der_keys = keyed(derived);
    let der_index: HashMap<&(Vec<String>, usize), usize> =
        der_keys.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let label = |r: &[String]| row_label(header, keys, r);
    let mut out = Vec::new();
    for (row, k) in published.iter().zip(&pub_keys) {
        let Some(&j) = der_index.get(k) else {
            out.push(format!("row {}: only in the published file", label(row)));
            continue;
        };
        for (c, name) in header.iter().enumerate() {
            let (p, d) = (cell(row, c), cell(&derived[j], c));
            if p != d {
                out.push(format!(
                    "row {}: `{name}`: published {}, re-derived {}",
                    label(row),
                    shown(p),
                    shown(d)
                ));
            }
        }
    }
    let pub_set: BTreeSet<&(Vec<String>, usize)> = pub_keys.iter().collect();
    for (row, k) in derived.iter().zip(&der_keys) {
        if !pub_set.contains(k) {
            out.push(format!(
                "row {}: re-derived, not in the published file",
                label(row)
            ));
        }
    }
    out
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map_or("", String::as_str)
}

/// A value in a message: empty shown as such.
fn shown(v: &str) -> String {
    if v.is_empty() {
        "(empty)".into()
    } else {
        v.to_string()
    }
}

/// A row named by its key columns: `analysis=effect, group=A, outcome=improved` (empty
/// values left out).
fn row_label(header: &[String], keys: &[usize], row: &[String]) -> String {
    let parts: Vec<String> = keys
        .iter()
        .filter(|&&i| !cell(row, i).is_empty())
        .map(|&i| format!("{}={}", header[i], cell(row, i)))
        .collect();
    if parts.is_empty() {
        "(no key)".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::{key_columns, row_differences};

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn estimates_rows_are_named_by_the_columns_before_count() {
        let h = strings(&["internal_run", "analysis", "group", "outcome", "count", "n"]);
        assert_eq!(key_columns("estimates.csv", &h), vec![1, 2, 3]);
        let h = strings(&["line", "reason", "detail"]);
        assert_eq!(key_columns("rejected.csv", &h), vec![0]);
        assert_eq!(key_columns("other.csv", &h), vec![0]);
    }

    #[test]
    fn names_the_differing_figure_and_the_rows_only_one_side_has() {
        let h = strings(&["analysis", "group", "outcome", "count", "n"]);
        let keys = key_columns("estimates.csv", &h);
        let published = vec![
            strings(&["a", "", "yes", "41", "100"]),
            strings(&["a", "", "no", "59", "100"]),
        ];
        let derived = vec![
            strings(&["a", "", "yes", "40", "100"]),
            strings(&["a", "", "maybe", "60", "100"]),
        ];
        let d = row_differences(&h, &keys, &published, &derived);
        assert_eq!(
            d,
            vec![
                "row analysis=a, outcome=yes: `count`: published 41, re-derived 40",
                "row analysis=a, outcome=no: only in the published file",
                "row analysis=a, outcome=maybe: re-derived, not in the published file",
            ]
        );
    }
}
