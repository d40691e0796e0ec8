//! A `[validate.<column>]` rule and its check of one raw value. The rules are planned from
//! the pipeline file in `plan::validate` and checked on raw values at ingest, before any
//! recoding; a record whose value breaks a rule is rejected with its line.
//!
//! The type lives in a file of its own so that it can move, unchanged, to the stage that
//! checks it.

/// A typed rule on one column's raw values.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub column: String,
    pub allowed: Option<Vec<String>>,
    pub range: Option<(f64, f64)>,
    pub integer: bool,
    pub required: bool,
}

impl Rule {
    /// Checks one raw value (`None` = missing); on failure, the reason and the detail. The
    /// detail never repeats the value (reports are published; the line number finds it).
    pub fn check(&self, value: Option<&str>) -> Option<(&'static str, String)> {
        let c = &self.column;
        let Some(v) = value else {
            return self
                .required
                .then(|| ("missing required value", format!("column `{c}` is empty")));
        };
        if let Some(allowed) = &self.allowed {
            if !allowed.iter().any(|a| a == v) {
                let near = crate::suggest::did_you_mean(v, allowed.iter().map(String::as_str))
                    .map_or(String::new(), |s| format!(" (near `{s}`)"));
                return Some((
                    "outside allowed values",
                    format!(
                        "column `{c}`: the value is not one of the {} allowed{near}",
                        allowed.len()
                    ),
                ));
            }
        }
        if self.range.is_some() || self.integer {
            let Ok(x) = v.trim().parse::<f64>() else {
                return Some((
                    "not a number",
                    format!("column `{c}`: the value is not a number"),
                ));
            };
            if !x.is_finite() {
                return Some((
                    "not a number",
                    format!("column `{c}`: the value is not finite"),
                ));
            }
            if self.integer && x.fract() != 0.0 {
                return Some((
                    "not a whole number",
                    format!("column `{c}`: the value is not a whole number"),
                ));
            }
            if let Some((lo, hi)) = self.range {
                if x < lo || x > hi {
                    return Some((
                        "outside range",
                        format!("column `{c}`: the value is outside [{lo}, {hi}]"),
                    ));
                }
            }
        }
        None
    }
}
