//! `tally test --input TABLE.csv`: tests of independence for an r x c table of counts.

use std::io::{self, Write};

use super::{next_record, open_with_header, parse_count, print_error, Outcome};
use crate::cli::TestArgs;
use crate::stats::tables::test_table;

pub fn run(args: &TestArgs) -> Outcome {
    let shown = args.input.display();
    let (mut rdr, header, mut record) =
        match open_with_header(&args.input, "(row label, then column labels)") {
            Ok(v) => v,
            Err(outcome) => return outcome,
        };
    if header.len() < 3 {
        print_error(&format!(
            "{shown}: the table needs a label column and at least two count columns; found {}",
            header.len()
        ));
        return Outcome::Failed;
    }
    let mut labels = Vec::new();
    let mut counts: Vec<Vec<u64>> = Vec::new();
    loop {
        match next_record(&mut rdr, &mut record, &args.input) {
            Ok(true) => {}
            Ok(false) => break,
            Err(outcome) => return outcome,
        }
        if record.len() != header.len() {
            print_error(&format!(
                "{shown}, line {}: expected {} fields, found {}",
                record.line,
                header.len(),
                record.len()
            ));
            return Outcome::Failed;
        }
        let mut row = Vec::new();
        for (j, name) in header.iter().enumerate().skip(1) {
            match parse_count(name, &String::from_utf8_lossy(record.field(j))) {
                Ok(v) => row.push(v),
                Err(e) => {
                    print_error(&format!("{shown}, line {}: {e}", record.line));
                    return Outcome::Failed;
                }
            }
        }
        labels.push(String::from_utf8_lossy(record.field(0)).into_owned());
        counts.push(row);
    }
    let Some(t) = test_table(&counts) else {
        print_error(&format!("{shown}: fewer than two rows or columns have a non-zero total, so there is nothing to test"));
        return Outcome::Failed;
    };
    let mut out = io::stdout().lock();
    let mut text = format!(
        "Pearson chi-square = {:.6}, df = {}, p = {:.6e}\nlikelihood-ratio G = {:.6}, df = {}, p = {:.6e}\nCramer's V = {:.6}\n",
        t.pearson, t.df, t.pearson_p, t.g, t.df, t.g_p, t.cramers_v
    );
    if t.dropped_rows + t.dropped_cols > 0 {
        text.push_str(&format!(
            "note: {} empty row(s) and {} empty column(s) left out\n",
            t.dropped_rows, t.dropped_cols
        ));
    }
    text.push_str("\nadjusted standardised residuals:\n");
    text.push_str(&format!("{}\t{}\n", header[0], header[1..].join("\t")));
    for (label, row) in labels.iter().zip(&t.residuals) {
        let cells: Vec<String> = row
            .iter()
            .map(|v| {
                if v.is_nan() {
                    "-".into()
                } else {
                    format!("{v:.3}")
                }
            })
            .collect();
        text.push_str(&format!("{label}\t{}\n", cells.join("\t")));
    }
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        return super::stdout_failed(&e);
    }
    Outcome::Success
}
