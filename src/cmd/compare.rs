//! `tally compare`: one comparison of two proportions, or one per row of a CSV.

use std::io::{self, Write};

use super::{
    csv_failed, field_text, finish_bulk, next_record, open_with_header, parse_count, print_error,
    stdout_failed, Outcome,
};
use crate::cli::CompareArgs;
use crate::render::tables::num;
use crate::stats::ci;
use crate::stats::compare::tests2x2::Test;
use crate::stats::compare::{check_exact_size, check_pair, compare, CompareMethod, Measure, Pair};

pub fn run(args: &CompareArgs) -> Outcome {
    let setup = (|| {
        let measure = Measure::from_name(&args.measure).map_err(|e| format!("--measure: {e}"))?;
        let method = match &args.method {
            None => measure.default_method(),
            Some(m) => {
                CompareMethod::from_name(measure, m).map_err(|e| format!("--method: {e}"))?
            }
        };
        let test = Test::from_name(&args.test).map_err(|e| format!("--test: {e}"))?;
        ci::check_level(args.level).map_err(|e| format!("--level: {e}"))?;
        Ok::<_, String>((method, test))
    })();
    let (method, test) = match setup {
        Ok(v) => v,
        Err(e) => {
            print_error(&e);
            return Outcome::Usage;
        }
    };
    match &args.input {
        Some(path) => bulk(path, method, test, args.level),
        None => single(args, method, test),
    }
}

fn pair_of(x1: &str, n1: &str, x2: &str, n2: &str) -> Result<Pair, String> {
    let pair = Pair {
        x1: parse_count("x1", x1)?,
        n1: parse_count("n1", n1)?,
        x2: parse_count("x2", x2)?,
        n2: parse_count("n2", n2)?,
    };
    check_pair(&pair)?;
    Ok(pair)
}

/// Refuses an exact conditional method (`--test fisher`, `--method exact`) whose counts are
/// past [`EXACT_MAX_TABLES`](crate::stats::compare::EXACT_MAX_TABLES): the message names the option, the limit and the alternative.
fn exact_refusal(method: CompareMethod, test: Test, pair: &Pair) -> Option<String> {
    let e = check_exact_size(pair).err()?;
    if test == Test::Fisher {
        Some(format!("--test fisher: {e}\nhint: use --test chisq (the score test): at counts this large it agrees with Fisher's test"))
    } else if method == CompareMethod::ExactOr {
        Some(format!(
            "--method {}: {e}\nhint: use --method woolf: at counts this large it agrees with the exact interval",
            method.name()
        ))
    } else {
        None
    }
}

fn single(args: &CompareArgs, method: CompareMethod, test: Test) -> Outcome {
    let get = |o: &Option<String>| o.clone().unwrap_or_default();
    let pair = match pair_of(
        &get(&args.x1),
        &get(&args.n1),
        &get(&args.x2),
        &get(&args.n2),
    ) {
        Ok(p) => p,
        Err(e) => {
            print_error(&e);
            return Outcome::Usage;
        }
    };
    if let Some(e) = exact_refusal(method, test, &pair) {
        print_error(&e);
        return Outcome::Usage;
    }
    let measure = method.measure();
    let line = match compare(method, pair, args.level) {
        Some(c) => format!(
            "{} ({}) {}/{} vs {}/{}: estimate {:.6}  {} CI {:.6} to {:.6}",
            measure.name(),
            method.name(),
            pair.x1,
            pair.n1,
            pair.x2,
            pair.n2,
            c.estimate,
            crate::text::level_pct(args.level),
            c.lower,
            c.upper
        ),
        None => format!(
            "{} ({}): not defined for these counts (an empty group, or 0 of both)",
            measure.name(),
            method.name()
        ),
    };
    let p = match test.run(pair) {
        Some(t) => format!("{} p = {:.6}", test.name(), t.p_value),
        None => format!(
            "{}: no test (a row or column of the table is empty)",
            test.name()
        ),
    };
    let mut out = io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}\n{p}").and_then(|()| out.flush()) {
        return stdout_failed(&e);
    }
    Outcome::Success
}

fn bulk(path: &std::path::Path, method: CompareMethod, test: Test, level: f64) -> Outcome {
    let shown = path.display();
    let (mut rdr, header, mut record) = match open_with_header(path, "with columns x1,n1,x2,n2") {
        Ok(v) => v,
        Err(outcome) => return outcome,
    };
    let idx: Vec<Option<usize>> = ["x1", "n1", "x2", "n2"]
        .iter()
        .map(|c| header.iter().position(|h| h == c))
        .collect();
    if idx.iter().any(Option::is_none) {
        print_error(&format!(
            "{shown}: expected columns x1, n1, x2 and n2; found: {}",
            header.join(", ")
        ));
        return Outcome::Usage;
    }
    let idx: Vec<usize> = idx.into_iter().flatten().collect();
    let mut w = csv::Writer::from_writer(io::BufWriter::new(io::stdout().lock()));
    let head = [
        "x1", "n1", "x2", "n2", "measure", "method", "level", "estimate", "lower", "upper",
        "p_value",
    ];
    if let Err(e) = w.write_record(head) {
        return csv_failed(&e);
    }
    let mut bad = 0u64;
    loop {
        match next_record(&mut rdr, &mut record, path) {
            Ok(true) => {}
            Ok(false) => break,
            Err(outcome) => return outcome,
        }
        let get = |i: usize| field_text(&record, i);
        let pair = match pair_of(&get(idx[0]), &get(idx[1]), &get(idx[2]), &get(idx[3]))
            .and_then(|p| exact_refusal(method, test, &p).map_or(Ok(p), Err))
        {
            Ok(p) => p,
            Err(e) => {
                print_error(&format!("{shown}, line {}: {e}", record.line));
                bad += 1;
                continue;
            }
        };
        let fmt = |v: Option<f64>| v.map_or(String::new(), num);
        let c = compare(method, pair, level);
        let row = [
            pair.x1.to_string(),
            pair.n1.to_string(),
            pair.x2.to_string(),
            pair.n2.to_string(),
            method.measure().name().to_string(),
            method.name().to_string(),
            num(level),
            fmt(c.map(|c| c.estimate)),
            fmt(c.map(|c| c.lower)),
            fmt(c.map(|c| c.upper)),
            fmt(test.run(pair).map(|t| t.p_value)),
        ];
        if let Err(e) = w.write_record(row) {
            return csv_failed(&e);
        }
    }
    finish_bulk(w, path, bad)
}
