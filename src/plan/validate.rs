//! `[validate.<column>]` tables as meant: each becomes a [`Rule`], in file order. A range
//! must be `[low, high]` of finite numbers with low <= high, and a rule must say something.
//! The rules become part of the input's plan (`InputPlan::rules`): they are checked on raw
//! values, before any recoding, by [`crate::validate::rules`], which ingest applies to every
//! record (a record whose value breaks a rule is rejected with its line).

use indexmap::IndexMap;

use super::problems::Problems;
use crate::spec::RuleSpec;

/// A typed rule on one column's raw values.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub column: String,
    pub allowed: Option<Vec<String>>,
    pub range: Option<(f64, f64)>,
    pub integer: bool,
    pub required: bool,
}

/// Plans every `[validate.<column>]` table.
pub(super) fn plan_rules(
    validate: &IndexMap<String, RuleSpec>,
    problems: &mut Problems,
) -> Vec<Rule> {
    let mut rules = Vec::new();
    for (column, r) in validate {
        let key = format!("validate.{column}");
        let range = match r.range.as_deref() {
            None => None,
            Some([lo, hi]) if lo <= hi && lo.is_finite() && hi.is_finite() => Some((*lo, *hi)),
            Some(other) => {
                problems.add(
                    &format!("{key}.range"),
                    format!("range must be [low, high] with low <= high, got {other:?}"),
                );
                None
            }
        };
        if r.allowed.is_none() && r.range.is_none() && r.integer.is_none() && r.required.is_none() {
            problems.add(
                &key,
                "the rule is empty\nhint: give one of allowed, range, integer, required",
            );
        }
        rules.push(Rule {
            column: column.clone(),
            allowed: r.allowed.clone(),
            range,
            integer: r.integer.unwrap_or(false),
            required: r.required.unwrap_or(false),
        });
    }
    rules
}
