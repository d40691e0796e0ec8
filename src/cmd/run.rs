//! `tally run`: plans every pipeline first (all pipeline problems reported at once), then
//! runs the jobs and prints a summary per job.

use super::{print_error, Outcome};
use crate::job::{self, JobOptions};
use crate::plan;

pub fn run(args: &crate::cli::RunArgs) -> Outcome {
    let mut plans = Vec::new();
    let mut outcome = Outcome::Success;
    for path in &args.pipelines {
        match plan::load(path) {
            Ok(p) => plans.push((path.display().to_string(), p)),
            Err(problems) => {
                for p in &problems {
                    print_error(&p.to_string());
                }
                outcome = Outcome::Usage;
            }
        }
    }
    if outcome != Outcome::Success {
        return outcome;
    }
    let pdf = if args.pdf {
        match crate::browser::find() {
            Some(p) => Some(p),
            None => {
                print_error(&crate::browser::not_found());
                return Outcome::Failed;
            }
        }
    } else {
        None
    };
    let opts = JobOptions {
        pdf,
        reports_root: args.reports_dir.clone(),
        strict: args.strict,
        internal: args.internal,
    };
    // Two pipelines writing one report directory would overwrite each other.
    for (i, (path, p)) in plans.iter().enumerate() {
        if let Some((other, _)) = plans[..i]
            .iter()
            .find(|(_, q)| job::report_dir(q, &opts) == job::report_dir(p, &opts))
        {
            print_error(&format!(
                "{path} and {other} both write to {}\nhint: give one of them a different `name` or `report.dir`",
                job::report_dir(p, &opts).display()
            ));
            return Outcome::Usage;
        }
    }
    for (path, p) in &plans {
        match job::run(p, path, &opts) {
            Ok(s) => {
                for w in &s.warnings {
                    eprintln!("warning: {w}");
                }
                if !args.quiet {
                    let total: f64 = s.timings.iter().map(|(_, d)| d.as_secs_f64()).sum();
                    eprintln!(
                        "wrote {}: {} rows read, {} used, {} rejected; {} analyses; {} unmapped value(s); {:.2} s",
                        s.report_dir.display(),
                        s.records_read,
                        s.records_kept,
                        s.rejected,
                        s.analyses,
                        s.unmapped_values,
                        total
                    );
                }
            }
            Err(e) => {
                print_error(&format!("pipeline {path}: {e}"));
                outcome = Outcome::Failed;
            }
        }
    }
    outcome
}
