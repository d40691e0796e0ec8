//! `tally check`: validates pipeline files, where their reports would go (see
//! [`plan::check_report_location`]) and their inputs' headers, reporting every problem at
//! once; then reads the data (as `run` does: streaming, distinct tuples only) to check the
//! analysed columns' content for direct identifiers ([`crate::identify`]), the values
//! the pipeline names that occur in no row ([`crate::validate::occurs`]) and the labels
//! only the data can check ([`crate::validate::occurs::check_labels`]). A review pipeline
//! ([`crate::review`]) is read and computed as `run` would. Writes nothing.

use super::{print_error, Outcome};
use crate::ingest;
use crate::plan;

pub fn run(args: &crate::cli::CheckArgs) -> Outcome {
    let mut outcome = Outcome::Success;
    let paths = match super::pipeline_files(&args.pipelines) {
        Ok(p) => p,
        Err(e) => {
            print_error(&e);
            return Outcome::Usage;
        }
    };
    for path in &paths {
        if let Some(text) = crate::review::read_if_review(path) {
            match crate::review::check(path, &text, &args.reports_dir) {
                Ok(k) => {
                    super::say_line(&format!("ok: {} (review of {k} surveys)", path.display()))
                }
                Err(e) => {
                    print_error(&e);
                    outcome = outcome.max(Outcome::Failed);
                }
            }
            continue;
        }
        let planned = plan::load(path).and_then(|p| {
            plan::check_report_location(&p, &args.reports_dir)
                .map(|()| p)
                .map_err(|e| vec![e])
        });
        let plan = match planned {
            Ok(p) => p,
            Err(problems) => {
                for p in &problems {
                    print_error(&p.to_string());
                }
                outcome = outcome.max(Outcome::Usage);
                continue;
            }
        };
        match read_header(&plan) {
            Ok(header) => {
                let problems = plan.check_header(&header);
                if problems.is_empty() {
                    match check_content(&plan) {
                        Ok(warnings) => {
                            for w in warnings {
                                let mut lines = w.lines();
                                if let Some(first) = lines.next() {
                                    super::say_line(&format!(
                                        "warning: {}: {first}",
                                        path.display()
                                    ));
                                }
                                for l in lines {
                                    super::say_line(l);
                                }
                            }
                            super::say_line(&format!(
                                "ok: {} ({} analyses, input {})",
                                path.display(),
                                plan.analyses.len(),
                                plan.input.written
                            ));
                        }
                        Err(e) => {
                            print_error(&format!("{}: {e}", path.display()));
                            outcome = outcome.max(Outcome::Failed);
                        }
                    }
                } else {
                    for p in &problems {
                        print_error(&p.to_string());
                    }
                    outcome = outcome.max(Outcome::Usage);
                }
            }
            Err(e) => {
                print_error(&format!("{}: {e}", path.display()));
                outcome = outcome.max(Outcome::Failed);
            }
        }
    }
    outcome
}

/// Reads only the header rows of a plan's input.
fn read_header(plan: &plan::Plan) -> Result<Vec<String>, String> {
    ingest::read_header(&plan.input, &plan.columns_needed()).map_err(|e| e.to_string())
}

/// Reads the data and checks it as `run` does ([`crate::job::check_table`]: a percentages
/// table's figures, the analysed columns' content, the tables' bases, the values the
/// pipeline names), then the labels: the warnings, or what is refused. The header was
/// checked before.
fn check_content(plan: &plan::Plan) -> Result<Vec<String>, String> {
    let checks = crate::validate::rules::checks(&plan.input.rules);
    let mut table = ingest::read(
        &plan.input,
        &plan.columns_needed(),
        &checks,
        &|_| Ok(()),
        &|_| {},
    )
    .map_err(|e| e.to_string())?;
    let warnings = crate::job::check_table(plan, &mut table).map_err(|e| e.to_string())?;
    let (data, _) = crate::validate::prepare(plan, &table);
    crate::validate::occurs::check_labels(plan, &data)?;
    crate::validate::invited::check(plan, &data)?;
    Ok(warnings)
}
