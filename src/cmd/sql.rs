//! `tally sql PIPELINE --dialect D`: prints the `GROUP BY` query whose result, run where the
//! data lives, is the pipeline's counts table ([`crate::sql`]); `--counts-pipeline FILE`
//! also writes the pipeline that reads that result (never replacing a file).

use std::io::Write;
use std::path::Path;

use super::{print_error, Outcome};
use crate::sql::{self, Dialect};

pub fn run(args: &crate::cli::SqlArgs) -> Outcome {
    match sql_command(args) {
        Ok(outcome) => outcome,
        Err((outcome, message)) => {
            print_error(&message);
            outcome
        }
    }
}

type Failure = (Outcome, String);

fn sql_command(args: &crate::cli::SqlArgs) -> Result<Outcome, Failure> {
    let dialect = Dialect::parse(&args.dialect).map_err(|u| {
        (
            Outcome::Usage,
            format!("--dialect: {u}\nhint: tally writes the query for duckdb, spark, bigquery or postgres"),
        )
    })?;
    let path = &args.pipeline;
    let shown = path.display().to_string();
    if crate::review::read_if_review(path).is_some() {
        return Err((
            Outcome::Usage,
            format!("{shown} is a review pipeline: it pools published figures and reads no respondent file, so it has no query"),
        ));
    }
    let plan = crate::plan::load(path).map_err(|problems| {
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        (Outcome::Usage, text.join("\n"))
    })?;
    let from = match &args.from {
        Some(f) if f.trim().is_empty() => {
            return Err((
                Outcome::Usage,
                "--from is empty: name the table (or a table function such as read_parquet('survey.parquet'))".into(),
            ))
        }
        Some(f) => f.clone(),
        None => dialect.default_from(&plan.input.path.display().to_string()),
    };
    let query = sql::query(&plan, dialect, &from, &shown).map_err(|e| (Outcome::Usage, e.0))?;
    if let Some(out) = &args.counts_pipeline {
        refuse_existing(out)?;
        let counts_file = args.counts_file.clone().unwrap_or_else(|| {
            let stem = out
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            format!("{stem}.csv")
        });
        let text = String::from_utf8_lossy(&plan.source);
        let counts = sql::counts_pipeline(&text, &query, &counts_file, &shown)
            .map_err(|e| (Outcome::Failed, e.0))?;
        write_new(out, &counts)?;
        super::say_line(&format!(
            "wrote {}: the counts pipeline; save the query's result as {counts_file} beside it, then `tally run {}`",
            out.display(),
            out.display()
        ));
    }
    for w in &query.warnings {
        super::say_line(&format!("warning: {shown}: {w}"));
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(query.text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        return Ok(super::stdout_failed(&e));
    }
    Ok(Outcome::Success)
}

/// Refuses an output path where something already is.
fn refuse_existing(out: &Path) -> Result<(), Failure> {
    if std::fs::symlink_metadata(out).is_ok() {
        return Err((
            Outcome::Usage,
            format!(
                "{} already exists; `tally sql` never replaces a file\nhint: name a new file with `--counts-pipeline`, or move {} away first",
                out.display(),
                out.display()
            ),
        ));
    }
    Ok(())
}

/// Writes a file that must not exist yet (created exclusively).
fn write_new(out: &Path, text: &str) -> Result<(), Failure> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| {
            (
                Outcome::Failed,
                format!(
                    "cannot create {}: {e}\nhint: `--counts-pipeline` names a new file in a folder that exists",
                    out.display()
                ),
            )
        })?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.flush())
        .map_err(|e| {
            (
                Outcome::Failed,
                format!("cannot write {}: {e}", out.display()),
            )
        })
}
