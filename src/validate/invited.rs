//! `selection.invited` against the data: the number invited must be at least the number who
//! answered, for every analysis that uses it (its respondents, before exclusions: of a file
//! of several tables, that table's base).

use super::AnalysisData;
use crate::plan::Plan;
use crate::text::thousands;

/// `Err` names the key, the analysis and both numbers.
pub fn check(plan: &Plan, data: &[AnalysisData]) -> Result<(), String> {
    let mut problems = Vec::new();
    for (i, (a, d)) in plan.analyses.iter().zip(data).enumerate() {
        let Some(invited) = a.selection.invited else {
            continue;
        };
        if invited < d.available {
            let key = if a.selection.own_invited {
                format!("analysis[{i}].selection.invited")
            } else {
                "selection.invited".to_string()
            };
            problems.push(format!(
                "{}: key `{key}`: {} people invited, but analysis `{}` has {} respondents\nhint: `invited` is how many were asked to answer (or were eligible), at least everyone who answered; for a question put to only some of them, set it in that analysis's [analysis.selection]",
                plan.pipeline_path.display(),
                thousands(invited),
                a.name,
                thousands(d.available)
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
