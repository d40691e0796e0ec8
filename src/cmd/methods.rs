//! `tally methods`: the interval methods, one line each, from the registry.

use std::io::Write;

use super::{stdout_failed, Outcome};
use crate::stats::ci::{Method, DEFAULT_METHOD};

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
    if let Err(e) = out.flush() {
        return stdout_failed(&e);
    }
    Outcome::Success
}
