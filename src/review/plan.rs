//! A review pipeline as meant: the settings resolved to registry values, and every survey
//! read (from the counts CSV, or from the published report of the pipeline it names, with
//! that report's hash), each checked. Every problem names its entry: the CSV line or the
//! `[[review.survey]]` name.

use std::path::{Path, PathBuf};

use super::spec::{ReviewFile, SurveyRefSpec};
use crate::ingest::{sha256_file, sha256_hex};
use crate::stats::meta::{Measure, Model, Options, Tau2Method, Test};

/// Where a survey's figure came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A row of the counts CSV (its path as written and its 1-based line).
    Counts { path: String, line: usize },
    /// Another pipeline's report: the pipeline as written, the report directory, and the
    /// report's `estimates.csv` SHA-256 (from its manifest).
    Pipeline {
        pipeline: String,
        report: String,
        estimates_sha256: String,
    },
}

/// One survey of the review.
#[derive(Debug, Clone, PartialEq)]
pub struct Survey {
    pub name: String,
    pub x: u64,
    pub n: u64,
    pub subgroup: Option<String>,
    pub year: Option<i64>,
    pub citation: Option<String>,
    pub source: Source,
}

/// A file the review was made from, for the manifest.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// The review as meant.
#[derive(Debug, Clone)]
pub struct ReviewPlan {
    pub name: String,
    pub report_dir: PathBuf,
    pub pipeline_written: String,
    pub pipeline_sha256: String,
    pub title: String,
    pub description: Option<String>,
    pub outcome: String,
    pub population: String,
    pub measure: Measure,
    pub options: Options,
    pub glmm: bool,
    pub subgroup_title: String,
    pub caveats: Vec<String>,
    pub surveys: Vec<Survey>,
    pub inputs: Vec<InputFile>,
}

/// Reads and checks a review pipeline (its text already read); `reports_root` is where the
/// referenced pipelines' reports are looked for and this one's is written.
pub fn load(path: &Path, text: &str, reports_root: &Path) -> Result<ReviewPlan, String> {
    let shown = path.display().to_string();
    let file: ReviewFile = super::spec::parse(text).map_err(|e| format!("{shown}: {e}"))?;
    let r = &file.review;
    let base = path.parent().unwrap_or(Path::new("."));
    let key = |k: &str, e: String| format!("{shown}: review.{k}: {e}");
    let measure = Measure::from_name(r.measure.as_deref().unwrap_or("logit"))
        .map_err(|e| key("measure", e.to_string()))?;
    let model = match r.model.as_deref().unwrap_or("random") {
        "common" => Model::Common,
        "random" => Model::Random(
            Tau2Method::from_name(r.tau2.as_deref().unwrap_or("reml"))
                .map_err(|e| key("tau2", e.to_string()))?,
        ),
        other => {
            return Err(key(
                "model",
                format!("unknown model `{other}`\nhint: `random` or `common`"),
            ))
        }
    };
    let test = Test::from_name(r.interval.as_deref().unwrap_or("hartung-knapp"))
        .map_err(|e| key("interval", e.to_string()))?;
    let level = r.level.unwrap_or(0.95);
    if !(level > 0.5 && level < 1.0) {
        return Err(key(
            "level",
            format!("{level} is not between 0.5 and 1\nhint: 0.95 for 95% intervals"),
        ));
    }
    let name = file.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map_or_else(|| "review".into(), |s| s.to_string_lossy().into_owned())
    });
    let mut surveys = Vec::new();
    let mut inputs = Vec::new();
    if let Some(c) = &r.counts {
        let (rows, input) = read_counts(&base.join(&c.path), &c.path)?;
        surveys.extend(rows);
        inputs.push(input);
    }
    for s in &r.survey {
        let (survey, input) = read_reference(s, base, reports_root)?;
        surveys.push(survey);
        inputs.push(input);
    }
    check_surveys(&surveys, &shown)?;
    Ok(ReviewPlan {
        report_dir: reports_root.join(r.dir.as_deref().unwrap_or(&name)),
        name,
        pipeline_written: path
            .file_name()
            .map_or_else(|| shown.clone(), |f| f.to_string_lossy().into_owned()),
        pipeline_sha256: sha256_hex(text.as_bytes()),
        title: r.title.clone(),
        description: r.description.clone(),
        outcome: r.outcome.clone(),
        population: r.population.clone(),
        measure,
        options: Options { model, test, level },
        glmm: r.glmm.unwrap_or(true),
        subgroup_title: r
            .subgroup_title
            .clone()
            .unwrap_or_else(|| "Subgroup".into()),
        caveats: r.caveats.clone(),
        surveys,
        inputs,
    })
}

/// The counts CSV: `survey, x, n` and optional `subgroup, year, citation`.
fn read_counts(path: &Path, written: &str) -> Result<(Vec<Survey>, InputFile), String> {
    let bytes = crate::files::open_regular(path)
        .and_then(|mut f| {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut b).map(|_| b)
        })
        .map_err(|e| format!("{written}: cannot read the counts file: {e}\nhint: review.counts.path is relative to the pipeline file"))?;
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(&bytes[..]);
    let header = rdr
        .headers()
        .map_err(|e| format!("{written}: {e}"))?
        .clone();
    let col = |n: &str| header.iter().position(|h| h == n);
    let (Some(cs), Some(cx), Some(cn)) = (col("survey"), col("x"), col("n")) else {
        return Err(format!(
            "{written} line 1: the header needs the columns survey, x and n (found: {})\nhint: optional columns are subgroup, year and citation",
            header.iter().collect::<Vec<_>>().join(", ")
        ));
    };
    let (cg, cy, cc) = (col("subgroup"), col("year"), col("citation"));
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("{written} line {line}: {e}"))?;
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let name = get(Some(cs)).unwrap_or_default();
        let at = format!("{written} line {line} (survey `{name}`)");
        let whole = |c: usize, what: &str| {
            rec.get(c).unwrap_or("").parse::<u64>().map_err(|_| {
                format!("{at}: {what} `{}` is not a whole number\nhint: {what} is a count of respondents", rec.get(c).unwrap_or(""))
            })
        };
        let year = match get(cy) {
            Some(y) => Some(y.parse::<i64>().map_err(|_| {
                format!("{at}: year `{y}` is not a year\nhint: a four-digit year such as 2019")
            })?),
            None => None,
        };
        out.push(Survey {
            x: whole(cx, "x")?,
            n: whole(cn, "n")?,
            name,
            subgroup: get(cg),
            year,
            citation: get(cc),
            source: Source::Counts {
                path: written.to_string(),
                line,
            },
        });
    }
    let input = InputFile {
        path: written.to_string(),
        sha256: sha256_hex(&bytes),
        bytes: bytes.len() as u64,
    };
    Ok((out, input))
}

/// A survey taken from another pipeline's published report: the report must exist and be
/// current (its manifest's hashes of the pipeline and input equal the files' hashes now).
fn read_reference(
    s: &SurveyRefSpec,
    base: &Path,
    reports_root: &Path,
) -> Result<(Survey, InputFile), String> {
    let at = format!("survey `{}` (pipeline {})", s.name, s.pipeline);
    let path = base.join(&s.pipeline);
    let plan = crate::plan::load(&path).map_err(|problems| {
        let first = problems.first().map(ToString::to_string).unwrap_or_default();
        format!("{at}: the referenced pipeline cannot be read: {first}\nhint: `pipeline` is relative to the review file")
    })?;
    let dir = reports_root.join(&plan.report.dir);
    let recorded = crate::manifest::read(&dir).map_err(|e| {
        format!(
            "{at}: its report is missing ({e})\nhint: run `tally run {}` first",
            path.display()
        )
    })?;
    let stale = |what: &str| {
        format!(
            "{at}: its report in {} is stale: the {what} changed since the report was written\nhint: run `tally run {}` again",
            dir.display(),
            path.display()
        )
    };
    let (pipeline_sha, _) = sha256_file(&path).map_err(|e| format!("{at}: {e}"))?;
    if pipeline_sha != recorded.pipeline.sha256 {
        return Err(stale("pipeline file"));
    }
    let (input_sha, _) = sha256_file(&plan.input.path).map_err(|e| format!("{at}: {e}"))?;
    if recorded.inputs.first().map(|i| i.sha256.as_str()) != Some(input_sha.as_str()) {
        return Err(stale("input data"));
    }
    let estimates = dir.join("estimates.csv");
    let (est_sha, est_bytes) = sha256_file(&estimates).map_err(|e| format!("{at}: {e}"))?;
    if recorded
        .artifacts
        .iter()
        .find(|a| a.path == "estimates.csv")
        .map(|a| a.sha256.as_str())
        != Some(est_sha.as_str())
    {
        return Err(stale("estimates.csv (edited by hand?)"));
    }
    let text = std::fs::read_to_string(&estimates).map_err(|e| format!("{at}: {e}"))?;
    let (x, n) = find_estimate(&text, s).map_err(|e| format!("{at}: {e}"))?;
    let survey = Survey {
        name: s.name.clone(),
        x,
        n,
        subgroup: s.subgroup.clone(),
        year: s.year,
        citation: s.citation.clone(),
        source: Source::Pipeline {
            pipeline: s.pipeline.clone(),
            report: dir.display().to_string(),
            estimates_sha256: est_sha.clone(),
        },
    };
    let input = InputFile {
        path: format!("{} (estimates.csv of {})", dir.display(), s.pipeline),
        sha256: est_sha,
        bytes: est_bytes,
    };
    Ok((survey, input))
}

/// The count and denominator of `analysis`/`level` (and `group`) in an `estimates.csv`.
fn find_estimate(text: &str, s: &SurveyRefSpec) -> Result<(u64, u64), String> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header = rdr.headers().map_err(|e| e.to_string())?.clone();
    let col = |n: &str| header.iter().position(|h| h == n);
    let (Some(ca), Some(co), Some(cx), Some(cn)) =
        (col("analysis"), col("outcome"), col("count"), col("n"))
    else {
        return Err("its estimates.csv lacks the columns analysis, outcome, count, n".into());
    };
    let mut analyses = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        let analysis = rec.get(ca).unwrap_or("");
        if !analyses.iter().any(|a| a == analysis) {
            analyses.push(analysis.to_string());
        }
        if analysis != s.analysis || rec.get(co) != Some(s.level.as_str()) {
            continue;
        }
        let by: Vec<&str> = (ca + 1..co).filter_map(|c| rec.get(c)).collect();
        let hit = match &s.group {
            Some(g) => by.contains(&g.as_str()),
            None => by.iter().all(|v| v.is_empty() || *v == "(all)"),
        };
        if hit {
            let num = |c: usize| rec.get(c).unwrap_or("").parse::<u64>();
            return match (num(cx), num(cn)) {
                (Ok(x), Ok(n)) => Ok((x, n)),
                _ => Err(format!(
                    "the count `{}` of `{}` is suppressed or not a number in that report\nhint: a review needs the published count; choose a level or group that is shown",
                    rec.get(cx).unwrap_or(""),
                    s.level
                )),
            };
        }
    }
    if !analyses.contains(&s.analysis) {
        return Err(format!(
            "that report has no analysis `{}`\nhint: its analyses are {}",
            s.analysis,
            analyses.join(", ")
        ));
    }
    Err(format!(
        "analysis `{}` has no row for level `{}`{}\nhint: use an outcome code as estimates.csv spells it",
        s.analysis,
        s.level,
        s.group
            .as_ref()
            .map(|g| format!(" in group `{g}`"))
            .unwrap_or_default()
    ))
}

/// The checks on the surveys together: each count, at least two surveys, no survey twice,
/// and every subgroup with two or more surveys (all surveys have one, or none does).
fn check_surveys(surveys: &[Survey], shown: &str) -> Result<(), String> {
    for s in surveys {
        let at = describe(s);
        if s.name.is_empty() {
            return Err(format!(
                "{at}: the survey has no name\nhint: fill the survey column"
            ));
        }
        if s.n == 0 {
            return Err(format!("{at}: n is 0, so there is no proportion to pool\nhint: drop the survey or give its denominator"));
        }
        if s.x > s.n {
            return Err(format!(
                "{at}: x = {} is more than n = {}\nhint: x counts the respondents with the outcome among the n who answered",
                s.x, s.n
            ));
        }
    }
    if surveys.len() < 2 {
        return Err(format!(
            "{shown}: a review needs at least two surveys, and {} {} given\nhint: add rows to the counts file or [[review.survey]] entries",
            surveys.len(),
            if surveys.len() == 1 { "was" } else { "were" }
        ));
    }
    for (i, s) in surveys.iter().enumerate() {
        if let Some(first) = surveys[..i]
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(&s.name))
        {
            return Err(format!(
                "{}: survey `{}` is already in the review ({})\nhint: each survey once; give subgroups of one survey distinct names",
                describe(s),
                s.name,
                describe(first)
            ));
        }
    }
    let with = surveys.iter().filter(|s| s.subgroup.is_some()).count();
    if with > 0 && with < surveys.len() {
        if let Some(s) = surveys.iter().find(|s| s.subgroup.is_none()) {
            return Err(format!(
                "{}: survey `{}` has no subgroup, but others have\nhint: give every survey a subgroup, or none",
                describe(s),
                s.name
            ));
        }
    }
    for s in surveys {
        if let Some(g) = &s.subgroup {
            let count = surveys
                .iter()
                .filter(|o| o.subgroup.as_deref() == Some(g))
                .count();
            if count < 2 {
                return Err(format!(
                    "{}: subgroup `{g}` has only survey `{}`; a subgroup needs at least two to pool\nhint: merge it with another subgroup or leave subgroups out",
                    describe(s),
                    s.name
                ));
            }
        }
    }
    Ok(())
}

/// Where a survey entry is, for messages.
pub fn describe(s: &Survey) -> String {
    match &s.source {
        Source::Counts { path, line } => format!("{path} line {line} (survey `{}`)", s.name),
        Source::Pipeline { pipeline, .. } => format!("survey `{}` (pipeline {pipeline})", s.name),
    }
}
