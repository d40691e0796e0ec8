//! `tally check`: validates pipeline files and their inputs' headers, reporting every
//! problem at once. Writes nothing.

use super::{print_error, Outcome};
use crate::ingest::{self, without_bom, CsvReader, RawRecord};
use crate::plan;

pub fn run(args: &crate::cli::CheckArgs) -> Outcome {
    let mut outcome = Outcome::Success;
    for path in &args.pipelines {
        let plan = match plan::load(path) {
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
                    eprintln!(
                        "ok: {} ({} analyses, input {})",
                        path.display(),
                        plan.analyses.len(),
                        plan.input.written
                    );
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

/// Reads only the header row of a plan's input.
fn read_header(plan: &plan::Plan) -> Result<Vec<String>, String> {
    let file = std::fs::File::open(&plan.input.path).map_err(|e| {
        format!(
            "cannot open input {} (key input.path): {e}",
            plan.input.written
        )
    })?;
    let file =
        without_bom(file).map_err(|e| format!("cannot read input {}: {e}", plan.input.written))?;
    let mut rdr = CsvReader::new(std::io::BufReader::new(file), plan.input.delimiter);
    let mut record = RawRecord::default();
    match rdr.read_record(&mut record) {
        Ok(true) => ingest::parse_header(&record, &plan.input.written).map_err(|e| e.to_string()),
        Ok(false) => Err(format!(
            "input {} is empty: expected a header row",
            plan.input.written
        )),
        Err(e) => Err(format!("cannot read input {}: {e}", plan.input.written)),
    }
}
