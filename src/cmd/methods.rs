//! `tally methods`: the interval methods, one line each, from the registry; then the
//! design-based methods of weighted surveys, each with the R `survey` call that computes it.

use std::io::Write;

use super::{stdout_failed, Outcome};
use crate::stats::ci::{Method, DEFAULT_METHOD};
use crate::stats::survey::SurveyCi;

pub fn run() -> Outcome {
    let width = Method::all().map(|m| m.name().len()).max().unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for m in Method::all() {
        let default = if m == DEFAULT_METHOD {
            " [default]"
        } else {
            ""
        };
        if let Err(e) = writeln!(out, "{:width$}  {}{default}", m.name(), m.info().summary) {
            return stdout_failed(&e);
        }
    }
    let head = "\nweighted surveys (input.weight): design-based, as R survey computes them";
    if let Err(e) = writeln!(out, "{head}") {
        return stdout_failed(&e);
    }
    let width = SurveyCi::ALL
        .iter()
        .map(|m| m.name().len())
        .max()
        .unwrap_or(0);
    for m in SurveyCi::ALL {
        let r = match m.r_name() {
            Some(r) => format!("svyciprop(method = \"{r}\")"),
            None => "no svyciprop method: the closed form on Korn-Graubard's effective n".into(),
        };
        let default = if m == SurveyCi::KornGraubard {
            " [default]"
        } else {
            ""
        };
        if let Err(e) = writeln!(out, "{:width$}  {}; R: {r}{default}", m.name(), m.title()) {
            return stdout_failed(&e);
        }
    }
    if let Err(e) = out.flush() {
        return stdout_failed(&e);
    }
    Outcome::Success
}
