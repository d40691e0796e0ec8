//! `tally methods`: the interval methods, one line each, from the registry.

use std::io::Write;

use super::{stdout_failed, Outcome};
use crate::estimate::ci::{DEFAULT_METHOD, METHODS};

pub fn run() -> Outcome {
    let width = METHODS.iter().map(|m| m.name.len()).max().unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for m in METHODS {
        let default = if m.method == DEFAULT_METHOD {
            " [default]"
        } else {
            ""
        };
        if let Err(e) = writeln!(out, "{:width$}  {}{default}", m.name, m.summary) {
            return stdout_failed(&e);
        }
    }
    if let Err(e) = out.flush() {
        return stdout_failed(&e);
    }
    Outcome::Success
}
