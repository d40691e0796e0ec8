//! `tally init DATA.csv`: writes a starter pipeline for a new survey, for people who have
//! never written TOML. The data is read with tally's own reader and each column judged
//! (`profile`); the pipeline is written from what was found (`pipeline`): the input,
//! the columns left out and why, a recode table per category column and an analysis per
//! likely outcome, every line commented. It passes `tally check` as written.
//!
//! It prints to stdout, or with `--output` writes a new file: it never replaces a file
//! that exists (it never destroys what tally did not write). The data path in the pipeline
//! is relative to where the pipeline goes (stdout: the current directory). The same data
//! gives the same bytes.

mod pipeline;
mod profile;

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use super::{print_error, Outcome};
use crate::plan::{Format, FORMATS};

pub fn run(args: &crate::cli::InitArgs) -> Outcome {
    match init(args) {
        Ok(outcome) => outcome,
        Err((outcome, message)) => {
            print_error(&message);
            outcome
        }
    }
}

type Failure = (Outcome, String);

fn init(args: &crate::cli::InitArgs) -> Result<Outcome, Failure> {
    let format = match &args.format {
        None => Format::Csv,
        Some(f) => crate::registry::lookup(FORMATS, "format", f)
            .map_err(|u| (Outcome::Usage, format!("--format: {u}")))?,
    };
    let data = &args.data;
    if let Err(e) = crate::files::open_regular(data) {
        return Err((
            Outcome::Usage,
            format!(
                "cannot open {}: {e}\nhint: name the survey's data file, a CSV export (e.g. `tally init data/survey.csv`)",
                data.display()
            ),
        ));
    }
    if let Some(out) = &args.output {
        refuse_existing(out)?;
    }
    let base = match &args.output {
        Some(out) => out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        None => PathBuf::from("."),
    };
    let written = relative(data, &base)?;
    let input = profile::input_plan(data, data.display().to_string(), format);
    let profile = profile::profile(input).map_err(|e| (Outcome::Failed, e.to_string()))?;
    let stem = data
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = pipeline::machine_name(&stem, "survey");
    let file = args
        .output
        .as_ref()
        .map_or_else(|| "PIPELINE.toml".to_string(), |o| o.display().to_string());
    let text = pipeline::write(
        &profile,
        &pipeline::Target {
            file: &file,
            stdout: args.output.is_none(),
            data: &written,
            name: &name,
        },
    );
    match &args.output {
        None => {
            let mut stdout = std::io::stdout().lock();
            if let Err(e) = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                return Ok(super::stdout_failed(&e));
            }
        }
        Some(out) => {
            write_new(out, &text)?;
            super::say_line(&format!(
                "wrote {file}: a starter pipeline for {}; read it through, then `tally check {file}`",
                data.display()
            ));
        }
    }
    Ok(Outcome::Success)
}

/// Refuses an output path where something already is.
fn refuse_existing(out: &Path) -> Result<(), Failure> {
    if std::fs::symlink_metadata(out).is_ok() {
        return Err((
            Outcome::Usage,
            format!(
                "{} already exists; `tally init` never replaces a file\nhint: name a new file with `--output`, or move {} away first",
                out.display(),
                out.display()
            ),
        ));
    }
    Ok(())
}

/// Writes a file that must not exist yet (created exclusively: a file that appeared since
/// the check is not replaced either).
fn write_new(out: &Path, text: &str) -> Result<(), Failure> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                match refuse_existing(out) {
                    Err(f) => f,
                    Ok(()) => (Outcome::Failed, format!("cannot create {}: {e}", out.display())),
                }
            } else {
                (
                    Outcome::Failed,
                    format!("cannot create {}: {e}\nhint: `--output` names a new file in a folder that exists", out.display()),
                )
            }
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

/// `data`'s path relative to the folder `base`, both resolved (symbolic links, `..`), with
/// `/` between components.
fn relative(data: &Path, base: &Path) -> Result<String, Failure> {
    let resolve = |p: &Path, what: &str, hint: &str| {
        std::fs::canonicalize(p).map_err(|e| {
            (
                Outcome::Usage,
                format!("cannot resolve {what} {}: {e}{hint}", p.display()),
            )
        })
    };
    let data = resolve(data, "the data file", "")?;
    let base = resolve(
        base,
        "the folder",
        "\nhint: `--output` names a new file in a folder that exists",
    )?;
    let d: Vec<Component> = data.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = d.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".into(); b.len() - common];
    for c in &d[common..] {
        match c.as_os_str().to_str() {
            Some(s) => parts.push(s.to_string()),
            None => {
                return Err((
                    Outcome::Usage,
                    format!(
                        "the path of {} is not valid UTF-8, which a pipeline file cannot hold\nhint: rename the file or its folder",
                        data.display()
                    ),
                ))
            }
        }
    }
    Ok(parts.join("/"))
}
