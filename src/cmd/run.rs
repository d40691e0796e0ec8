//! `tally run`: plans every pipeline first (all pipeline problems reported at once), then
//! runs the jobs, in parallel on a pool of `--jobs` threads, and reports each one. One job
//! failing never stops the others, and neither does a bad pipeline file in a batch: it is
//! reported (and listed in the summary as not run) while the good ones run. The exit code is
//! the worst outcome: 2 if any pipeline file was bad, else 1 if any job failed, else 0.
//! Review pipelines (a top-level `[review]` table, [`crate::review`]) run after the jobs,
//! one after another, so that they can read the reports the jobs wrote; a failed review
//! counts as a failed job.
//!
//! Output on stderr: with `--log-format text` (default), errors as they happen, a progress
//! bar for batches on a terminal, and a summary (one line for one pipeline, a table in input
//! order for several); with `--log-format json`, one JSON object per line (`event` =
//! `problem`, `job`, `summary`), and nothing else.

use std::path::Path;
use std::sync::Arc;

use serde_json::json;

use super::{print_error, say, say_line, stdout_failed, Outcome};
use crate::cli::LogFormat;
use crate::job::{self, JobError, JobOptions, JobSummary};
use crate::plan::{self, Plan};

/// Where messages go.
struct Log {
    format: LogFormat,
    quiet: bool,
}

impl Log {
    fn error(&self, message: &str, pipeline: Option<&str>) {
        match self.format {
            LogFormat::Text => print_error(message),
            LogFormat::Json => self.emit(json!({
                "event": "problem", "pipeline": pipeline, "message": message
            })),
        }
    }

    fn warning(&self, message: &str) {
        match self.format {
            LogFormat::Text => {
                for (i, l) in message.lines().enumerate() {
                    say_line(&format!("{}{l}", if i == 0 { "warning: " } else { "" }));
                }
            }
            LogFormat::Json => self.emit(json!({"event": "warning", "message": message})),
        }
    }

    fn emit(&self, v: serde_json::Value) {
        say_line(&v.to_string());
    }
}

pub fn run(args: &crate::cli::RunArgs) -> Outcome {
    let log = Log {
        format: args.log_format,
        quiet: args.quiet,
    };
    let Planned {
        plans,
        invalid,
        reviews,
    } = match plan_all(args, &log) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    // Reviews read other pipelines' reports, so they run after the jobs of the same batch.
    let jobs = run_pipelines(args, &log, plans, invalid);
    if args.explain {
        return jobs;
    }
    reviews
        .iter()
        .map(|(path, text)| run_review(path, text, args, &log))
        .fold(jobs, Outcome::max)
}

/// Runs one review pipeline ([`crate::review`]) and reports it.
fn run_review(path: &Path, text: &str, args: &crate::cli::RunArgs, log: &Log) -> Outcome {
    let shown = path.display().to_string();
    match crate::review::write(path, text, &args.reports_dir, args.internal) {
        Ok(w) => {
            match log.format {
                LogFormat::Json => log.emit(json!({
                    "event": "job", "pipeline": shown, "status": "ok", "kind": "review",
                    "report": w.report_dir, "surveys": w.surveys
                })),
                LogFormat::Text if !log.quiet => say_line(&format!(
                    "wrote {}: review of {} surveys",
                    w.report_dir.display(),
                    w.surveys
                )),
                LogFormat::Text => {}
            }
            Outcome::Success
        }
        Err(e) => {
            log.error(&format!("pipeline {shown}: {e}"), Some(&shown));
            Outcome::Failed
        }
    }
}

/// The ordinary pipelines of a run: plan, run, report.
fn run_pipelines(
    args: &crate::cli::RunArgs,
    log: &Log,
    plans: Vec<(String, Plan)>,
    invalid: Vec<String>,
) -> Outcome {
    let planning = if invalid.is_empty() {
        Outcome::Success
    } else {
        Outcome::Usage
    };
    if plans.is_empty() {
        return planning;
    }
    let opts = match options(args, log) {
        Ok(o) => o,
        Err(outcome) => return outcome,
    };
    if let Err(outcome) = check_clashes(&plans, &opts, log) {
        return outcome;
    }
    if args.explain {
        return explain(&plans, &opts, log).max(planning);
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = args.jobs.unwrap_or(cores).max(1);
    // Pipelines at once: no more than there are. The pool keeps all `threads`, since a job
    // renders its plots in parallel on it: one pipeline still draws on every core.
    let jobs = threads.min(plans.len().max(1));
    let shows_progress = !args.quiet && args.log_format == LogFormat::Text;
    let results = match run_all(&plans, &opts, threads, shows_progress, log) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    report(&plans, &invalid, &results, log, jobs).max(planning)
}

/// The pipelines of a run: those planned (with the path as given), and those whose file
/// has problems (reported here; the others still run).
struct Planned {
    plans: Vec<(String, Plan)>,
    invalid: Vec<String>,
    /// Review pipelines (a top-level `[review]` table): path and text.
    reviews: Vec<(std::path::PathBuf, String)>,
}

/// Plans every pipeline named, reporting every problem of each.
fn plan_all(args: &crate::cli::RunArgs, log: &Log) -> Result<Planned, Outcome> {
    let paths = super::pipeline_files(&args.pipelines).map_err(|e| {
        log.error(&e, None);
        Outcome::Usage
    })?;
    let mut planned = Planned {
        plans: Vec::new(),
        invalid: Vec::new(),
        reviews: Vec::new(),
    };
    for path in &paths {
        let shown = path.display().to_string();
        if let Some(text) = crate::review::read_if_review(path) {
            planned.reviews.push((path.clone(), text));
            continue;
        }
        let plan = plan::load(path).and_then(|p| {
            plan::check_report_location(&p, &args.reports_dir)
                .map(|()| p)
                .map_err(|e| vec![e])
        });
        match plan {
            Ok(p) => planned.plans.push((shown, p)),
            Err(problems) => {
                for p in &problems {
                    log.error(&p.to_string(), Some(&shown));
                }
                planned.invalid.push(shown);
            }
        }
    }
    Ok(planned)
}

/// The job options from the command line: the Chromium for `--pdf`, the stage cache.
fn options(args: &crate::cli::RunArgs, log: &Log) -> Result<JobOptions, Outcome> {
    let pdf = if args.pdf {
        let Some(p) = crate::browser::find() else {
            log.error(&crate::browser::not_found(), None);
            return Err(Outcome::Failed);
        };
        Some(p)
    } else {
        None
    };
    let cache = match crate::cache::Cache::open() {
        Ok(c) => Some(Arc::new(c)),
        Err(e) => {
            log.warning(&format!("{e}; every stage runs"));
            None
        }
    };
    Ok(JobOptions {
        reports_root: args.reports_dir.clone(),
        strict: args.strict,
        internal: args.internal,
        pdf,
        cache,
        force: args.force,
    })
}

/// Two pipelines writing one report directory would overwrite each other.
fn check_clashes(plans: &[(String, Plan)], opts: &JobOptions, log: &Log) -> Result<(), Outcome> {
    for (i, (path, p)) in plans.iter().enumerate() {
        if let Some((other, _)) = plans[..i]
            .iter()
            .find(|(_, q)| job::report_dir(q, opts) == job::report_dir(p, opts))
        {
            log.error(
                &format!(
                    "{path} and {other} both write to {}\nhint: give one of them a different `name` or `report.dir`",
                    job::report_dir(p, opts).display()
                ),
                Some(path),
            );
            return Err(Outcome::Usage);
        }
    }
    Ok(())
}

/// Runs the jobs on a pool of `threads` threads (the jobs, and the plots within each job),
/// reporting each failure as it happens. On a
/// terminal (`progress`), a batch shows a bar of pipelines done, and a single pipeline a
/// bar of bytes read when its input is big.
fn run_all(
    plans: &[(String, Plan)],
    opts: &JobOptions,
    threads: usize,
    progress: bool,
    log: &Log,
) -> Result<Vec<Result<JobSummary, JobError>>, Outcome> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| {
            log.error(&format!("cannot start {threads} worker threads: {e}"), None);
            Outcome::Failed
        })?;
    let batch_bar = (plans.len() > 1 && progress).then(|| {
        bar(
            plans.len() as u64,
            "{pos}/{len} pipelines [{bar:30}] {elapsed}",
        )
    });
    let results = pool.install(|| {
        use rayon::prelude::*;
        plans
            .par_iter()
            .map(|(path, p)| {
                let read_bar = (plans.len() == 1 && progress)
                    .then(|| reading_bar(p))
                    .flatten();
                let on_bytes = |n: u64| {
                    if let Some(b) = &read_bar {
                        b.set_position(n);
                    }
                };
                let r = job::run(p, opts, &on_bytes);
                if let Some(b) = read_bar {
                    b.finish_and_clear();
                }
                if let Err(e) = &r {
                    // Errors as they happen, above the summary.
                    let message = format!("pipeline {path}: {e}");
                    match &batch_bar {
                        Some(b) => b.suspend(|| log.error(&message, Some(path))),
                        None => log.error(&message, Some(path)),
                    }
                }
                if let Some(b) = &batch_bar {
                    b.inc(1);
                }
                r
            })
            .collect()
    });
    if let Some(b) = batch_bar {
        b.finish_and_clear();
    }
    Ok(results)
}

/// A progress bar on stderr.
fn bar(len: u64, template: &str) -> indicatif::ProgressBar {
    let b = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    b.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    b
}

/// A bar of bytes read, for an input over 64 MiB (a smaller one is read in well under a
/// second).
fn reading_bar(plan: &Plan) -> Option<indicatif::ProgressBar> {
    let size = std::fs::metadata(&plan.input.path).map_or(0, |m| m.len());
    (size > 64 << 20).then(|| {
        let b = bar(
            size,
            "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}",
        );
        b.set_message(format!("reading {}", plan.input.written));
        b
    })
}

fn explain(plans: &[(String, Plan)], opts: &JobOptions, log: &Log) -> Outcome {
    for (path, p) in plans {
        let stages = job::explain(p, opts);
        match log.format {
            LogFormat::Json => log.emit(json!({
                "event": "explain",
                "pipeline": path,
                "input": p.input.written,
                "report": job::report_dir(p, opts),
                "analyses": p.analyses.iter().map(|a| &a.name).collect::<Vec<_>>(),
                "stages": stages.iter().map(|(s, w)| json!({"stage": s, "status": w})).collect::<Vec<_>>(),
            })),
            LogFormat::Text => {
                use std::fmt::Write as _;
                let mut text = String::new();
                let _ = writeln!(text, "{path}");
                let _ = writeln!(
                    text,
                    "  input    {} ({}, {} file)",
                    p.input.written,
                    p.input.format.name(),
                    p.input.kind.name()
                );
                let _ = writeln!(
                    text,
                    "  analyses {}",
                    p.analyses
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let _ = writeln!(text, "  report   {}", job::report_dir(p, opts).display());
                for (stage, what) in stages {
                    let _ = writeln!(text, "  {stage:<8} {what}");
                }
                let mut out = std::io::stdout().lock();
                if let Err(e) = std::io::Write::write_all(&mut out, text.as_bytes())
                    .and_then(|()| std::io::Write::flush(&mut out))
                {
                    return stdout_failed(&e);
                }
            }
        }
    }
    Outcome::Success
}

/// The outcome of every job, in input order.
fn report(
    plans: &[(String, Plan)],
    invalid: &[String],
    results: &[Result<JobSummary, JobError>],
    log: &Log,
    jobs: usize,
) -> Outcome {
    let failed = results.iter().filter(|r| r.is_err()).count();
    for (path, r) in plans.iter().map(|(p, _)| p).zip(results) {
        if let Ok(s) = r {
            for w in &s.warnings {
                log.warning(&format!("pipeline {path}: {w}"));
            }
        }
        if log.format == LogFormat::Json {
            log.emit(match r {
                Ok(s) => json!({
                    "event": "job",
                    "pipeline": path,
                    "status": "ok",
                    "report": s.report_dir,
                    "rows_read": s.records_read,
                    "rows_used": s.records_kept,
                    "rows_rejected": s.rejected,
                    "analyses": s.analyses,
                    "unmapped_values": s.written.map(|w| w.unmapped_values),
                    "cells_suppressed": s.written.map(|w| w.suppressed),
                    "up_to_date": s.written.is_none(),
                    "cached_stages": s.cached,
                    "stage_seconds": s.timings.iter().map(|(k, d)| (k.to_string(), json!(d.as_secs_f64()))).collect::<serde_json::Map<_, _>>(),
                }),
                Err(e) => json!({"event": "job", "pipeline": path, "status": "failed", "error": e.to_string()}),
            });
        }
    }
    if log.format == LogFormat::Json {
        for path in invalid {
            log.emit(json!({"event": "job", "pipeline": path, "status": "invalid", "error": "the pipeline file has problems (reported above); not run"}));
        }
        log.emit(json!({
            "event": "summary",
            "pipelines": results.len() + invalid.len(),
            "failed": failed,
            "invalid": invalid.len(),
            "jobs": jobs
        }));
    } else if !log.quiet {
        if results.len() == 1 && invalid.is_empty() {
            if let Ok(s) = &results[0] {
                say_line(&one_line(s));
            }
        } else {
            say(&table(plans, invalid, results));
        }
    }
    results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(super::job_outcome)
        .fold(Outcome::Success, Outcome::max)
}

fn total_seconds(s: &JobSummary) -> f64 {
    s.timings.iter().map(|(_, d)| d.as_secs_f64()).sum()
}

fn stages(s: &JobSummary) -> String {
    s.timings
        .iter()
        .map(|(k, d)| {
            let c = if s.cached.contains(k) { " cached" } else { "" };
            format!("{k} {:.3} s{c}", d.as_secs_f64())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn one_line(s: &JobSummary) -> String {
    let (what, counts) = match s.written {
        None => (
            "up to date",
            "nothing changed since it was written".to_string(),
        ),
        Some(w) => (
            "wrote",
            format!(
                "{} analyses; {} unmapped value(s); {} cell(s) suppressed",
                s.analyses, w.unmapped_values, w.suppressed
            ),
        ),
    };
    format!(
        "{what} {}: {} rows read, {} used, {} rejected; {counts}; {:.2} s ({})",
        s.report_dir.display(),
        s.records_read,
        s.records_kept,
        s.rejected,
        total_seconds(s),
        stages(s)
    )
}

/// The batch summary: one row per pipeline that ran, in input order, then the pipelines
/// not run because their file has problems.
fn table(
    plans: &[(String, Plan)],
    invalid: &[String],
    results: &[Result<JobSummary, JobError>],
) -> String {
    let width = plans
        .iter()
        .map(|(p, _)| p.len())
        .chain(invalid.iter().map(String::len))
        .max()
        .unwrap_or(8)
        .max(8);
    let mut out = format!(
        "{:<width$}  {:<10}  {:>12}  {:>12}  {:>8}  {:>8}  report\n",
        "pipeline", "result", "rows read", "used", "rejected", "seconds"
    );
    for ((path, _), r) in plans.iter().zip(results) {
        match r {
            Ok(s) => out.push_str(&format!(
                "{:<width$}  {:<10}  {:>12}  {:>12}  {:>8}  {:>8.2}  {}\n",
                path,
                if s.written.is_none() {
                    "up to date"
                } else {
                    "ok"
                },
                s.records_read,
                s.records_kept,
                s.rejected,
                total_seconds(s),
                display(&s.report_dir)
            )),
            Err(_) => out.push_str(&format!("{path:<width$}  FAILED      (error above)\n")),
        }
    }
    for path in invalid {
        out.push_str(&format!(
            "{path:<width$}  NOT RUN     (pipeline file problems above)\n"
        ));
    }
    let failed = results.iter().filter(|r| r.is_err()).count();
    let not_run = if invalid.is_empty() {
        String::new()
    } else {
        format!(", {} not run", invalid.len())
    };
    out.push_str(&format!(
        "{} pipeline(s): {} ok, {failed} failed{not_run}\n",
        results.len() + invalid.len(),
        results.len() - failed
    ));
    out
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
