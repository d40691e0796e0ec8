//! `tally ci`: an interval for one (x, n), or for every row of a CSV (`--input`).

use std::io::{self, Write};

use super::{
    csv_failed, field_text, finish_bulk, next_record, open_with_header, parse_count, print_error,
    say_line, stdout_failed, Outcome,
};
use crate::cli::CiArgs;
use crate::render::tables::num;
use crate::stats::ci::{self, Method};

pub fn run(args: &CiArgs) -> Outcome {
    let methods = match parse_methods(&args.method) {
        Ok(m) => m,
        Err(e) => {
            print_error(&e);
            return Outcome::Usage;
        }
    };
    if let Err(e) = ci::check_level(args.level) {
        print_error(&format!("--level: {e}"));
        return Outcome::Usage;
    }
    let side = match ci::Side::from_name(&args.side) {
        Ok(s) => s,
        Err(e) => {
            print_error(&format!("--side: {e}"));
            return Outcome::Usage;
        }
    };
    if side != ci::Side::Two {
        if let Some(bad) = methods
            .iter()
            .find(|m| m.interval_sided(1, 2, args.level, side).is_err())
        {
            let e = bad
                .interval_sided(1, 2, args.level, side)
                .err()
                .unwrap_or_default();
            print_error(&format!("--side {}: {e}", args.side));
            return Outcome::Usage;
        }
    }
    match &args.input {
        Some(path) => bulk(path, &methods, args.level, side),
        None => single(args, &methods, side),
    }
}

fn parse_methods(name: &str) -> Result<Vec<Method>, String> {
    if name == "all" {
        return Ok(Method::all().collect());
    }
    Method::from_name(name).map(|m| vec![m]).map_err(|e| {
        format!(
            "--method: {e}\nhint: `tally methods` lists the methods; `--method all` runs every one"
        )
    })
}

fn single(args: &CiArgs, methods: &[Method], side: ci::Side) -> Outcome {
    let parsed = parse_count("x", args.x.as_deref().unwrap_or_default())
        .and_then(|x| parse_count("n", args.n.as_deref().unwrap_or_default()).map(|n| (x, n)))
        .and_then(|(x, n)| ci::check_inputs(x, n, args.level).map(|()| (x, n)));
    let (x, n) = match parsed {
        Ok(v) => v,
        Err(e) => {
            print_error(&e);
            return Outcome::Usage;
        }
    };
    let width = methods.iter().map(|m| m.name().len()).max().unwrap_or(0);
    let mut out = io::stdout().lock();
    for m in methods {
        let what = side.label();
        let line = match m.interval_sided(x, n, args.level, side).ok().flatten() {
            Some(i) => format!(
                "{:width$}  {x}/{n}  estimate {:.6}  {} {what} {:.6} to {:.6}",
                m.name(),
                i.estimate,
                crate::text::level_pct(args.level),
                i.lower,
                i.upper
            ),
            None => format!(
                "{:width$}  {x}/{n}  no estimate: n = 0 (there is no one to count)",
                m.name()
            ),
        };
        if let Err(e) = writeln!(out, "{line}") {
            return stdout_failed(&e);
        }
    }
    if let Err(e) = out.flush() {
        return stdout_failed(&e);
    }
    Outcome::Success
}

fn bulk(path: &std::path::Path, methods: &[Method], default_level: f64, side: ci::Side) -> Outcome {
    let shown = path.display();
    let (mut rdr, header, mut record) =
        match open_with_header(path, "with columns x,n (and optionally level)") {
            Ok(v) => v,
            Err(outcome) => return outcome,
        };
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(xi), Some(ni)) = (col("x"), col("n")) else {
        print_error(&format!(
            "{shown}: expected columns `x` and `n` (and optionally `level`); found: {}",
            header.join(", ")
        ));
        return Outcome::Usage;
    };
    let li = col("level");
    let stdout = io::stdout();
    let mut w = csv::Writer::from_writer(io::BufWriter::new(stdout.lock()));
    if let Err(e) = w.write_record(["x", "n", "level", "method", "estimate", "lower", "upper"]) {
        return csv_failed(&e);
    }
    let mut bad = 0u64;
    loop {
        match next_record(&mut rdr, &mut record, path) {
            Ok(true) => {}
            Ok(false) => break,
            Err(outcome) => return outcome,
        }
        let line = record.line;
        let get = |i: usize| field_text(&record, i);
        let row = (|| {
            let x = parse_count("x", &get(xi))?;
            let n = parse_count("n", &get(ni))?;
            let level = match li.map(get) {
                None => default_level,
                Some(s) if s.trim().is_empty() => default_level,
                Some(s) => s
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| format!("level = `{}` is not a number", s.trim()))?,
            };
            ci::check_inputs(x, n, level)?;
            if side != ci::Side::Two && level <= 0.5 {
                return Err(format!(
                    "level = {level}: a one-sided bound needs a level above 0.5"
                ));
            }
            Ok::<_, String>((x, n, level))
        })();
        let (x, n, level) = match row {
            Ok(v) => v,
            Err(e) => {
                print_error(&format!("{shown}, line {line}: {e}"));
                bad += 1;
                continue;
            }
        };
        if n == 0 {
            say_line(&format!(
                "note: {shown}, line {line}: n = 0, no estimate (empty fields)"
            ));
        }
        for m in methods {
            let (xs, ns, ls) = (x.to_string(), n.to_string(), num(level));
            let result = match m.interval_sided(x, n, level, side).ok().flatten() {
                Some(i) => w.write_record([
                    xs,
                    ns,
                    ls,
                    m.name().to_string(),
                    num(i.estimate),
                    num(i.lower),
                    num(i.upper),
                ]),
                None => w.write_record([
                    xs,
                    ns,
                    ls,
                    m.name().to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]),
            };
            if let Err(e) = result {
                return csv_failed(&e);
            }
        }
    }
    finish_bulk(w, path, bad)
}
