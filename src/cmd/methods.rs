//! `tally methods`: the interval methods, one line each, from the registry.

use super::Outcome;
use crate::estimate::ci::{DEFAULT_METHOD, METHODS};

pub fn run() -> Outcome {
    let width = METHODS.iter().map(|m| m.name.len()).max().unwrap_or(0);
    for m in METHODS {
        let default = if m.method == DEFAULT_METHOD {
            " [default]"
        } else {
            ""
        };
        println!("{:width$}  {}{default}", m.name, m.summary);
    }
    Outcome::Success
}
