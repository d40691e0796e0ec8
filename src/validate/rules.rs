//! The `[validate]` rules: typed checks on one column's raw values (allowed values, a range,
//! whole numbers, required). A record with a value that breaks a rule is rejected with the
//! rule's reason, like a malformed record: the rules run inside the read, on every record,
//! through the value checks that [`crate::ingest::read`] takes ([`checks`]), so that the
//! rejections keep their lines and `ingest` needs nothing from this module.
//!
//! The reason is counted (`outside range`, ...); the detail names the column and the rule,
//! and never repeats the value (reports are published; the line number finds it).

use crate::ingest::{Refusal, ValueCheck};
use crate::plan::Rule;
use crate::suggest::did_you_mean;

/// The value checks of a pipeline's rules, in file order (the first rule a record breaks
/// gives its reason).
pub fn checks(rules: &[Rule]) -> Vec<ValueCheck<'_>> {
    rules
        .iter()
        .map(|rule| ValueCheck {
            column: &rule.column,
            check: Box::new(move |value| check(rule, value)),
        })
        .collect()
}

/// Checks one raw value (`None` = missing) against a rule; on failure, the reason and the
/// detail. The checks, in order: required, allowed values (with the nearest allowed value
/// when the value looks like a near miss), a number, finite, whole, in range.
pub fn check(rule: &Rule, value: Option<&str>) -> Option<Refusal> {
    let c = &rule.column;
    let Some(v) = value else {
        return rule
            .required
            .then(|| ("missing required value", format!("column `{c}` is empty")));
    };
    if let Some(allowed) = &rule.allowed {
        if !allowed.iter().any(|a| a == v) {
            let near = did_you_mean(v, allowed.iter().map(String::as_str))
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
    if rule.range.is_some() || rule.integer {
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
        if rule.integer && x.fract() != 0.0 {
            return Some((
                "not a whole number",
                format!("column `{c}`: the value is not a whole number"),
            ));
        }
        if let Some((lo, hi)) = rule.range {
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::ingest::{decode::EncodingChoice, formats::Format, read_from};
    use crate::plan::{InputKind, InputPlan};

    fn rule() -> Rule {
        Rule {
            column: "Age".into(),
            allowed: None,
            range: Some((16.0, 120.0)),
            integer: true,
            required: false,
        }
    }

    #[test]
    fn each_rule_gives_its_reason_and_never_the_value() {
        let r = rule();
        let reason = |v| check(&r, v).map(|(reason, _)| reason);
        assert_eq!(reason(Some("30")), None);
        assert_eq!(reason(None), None, "not required");
        assert_eq!(reason(Some("15")), Some("outside range"));
        assert_eq!(reason(Some("abc")), Some("not a number"));
        assert_eq!(reason(Some("inf")), Some("not a number"));
        assert_eq!(reason(Some("30.5")), Some("not a whole number"));
        assert_eq!(
            check(&r, Some("121")).unwrap().1,
            "column `Age`: the value is outside [16, 120]"
        );
        let sex = Rule {
            column: "sex".into(),
            allowed: Some(vec!["female".into(), "male".into()]),
            range: None,
            integer: false,
            required: true,
        };
        assert_eq!(
            check(&sex, None),
            Some(("missing required value", "column `sex` is empty".into()))
        );
        assert_eq!(
            check(&sex, Some("femal")),
            Some((
                "outside allowed values",
                "column `sex`: the value is not one of the 2 allowed (near `female`)".into()
            ))
        );
    }

    #[test]
    fn rules_reject_records_as_they_are_read() {
        let data = "Timestamp,Which got worse?,Age\n\
            t,Pain,30\n\
            t,Pain,15\n\
            t,Pain,abc\n";
        let input = InputPlan {
            path: PathBuf::from("t.csv"),
            written: "t.csv".into(),
            kind: InputKind::Respondents,
            delimiter: None,
            missing: vec!["".into(), "NA".into()],
            id_column: None,
            count_column: None,
            table_column: None,
            respondents: None,
            percentages: None,
            design: None,
            format: Format::GoogleForms,
            encoding: EncodingChoice::Auto,
            rename: Default::default(),
            multi_select: Vec::new(),
            free_text: Vec::new(),
            complete_only: true,
            rules: vec![rule()],
        };
        let cols = vec!["Which got worse?".to_string()];
        let t = read_from(
            data.as_bytes(),
            &input,
            &cols,
            &checks(&input.rules),
            &|_| Ok(()),
        )
        .unwrap();
        let rej: Vec<(u64, &str)> = t
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.as_ref()))
            .collect();
        assert_eq!(rej, [(3, "outside range"), (4, "not a number")]);
        assert!(
            !t.rejected[0].detail.contains("15"),
            "details never repeat a value"
        );
        assert_eq!(t.rows, [(vec![Some("Pain".to_string())], 1)]);
    }
}
