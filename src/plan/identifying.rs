//! Direct identifiers, by name, when the pipeline is planned: a `by` or `outcome` column
//! whose name looks identifying is refused (unless `[disclosure] allow_identifying` declares
//! it safe), and a name declared safe that no analysis uses is a problem. The rules are
//! [`crate::identify`]'s; their check by content, after ingest, is
//! [`crate::validate::identifying`].

use super::analysis::AnalysisPlan;
use crate::identify::{hint, name_finding, Role, ALLOW_KEY};

impl AnalysisPlan {
    /// The columns whose values the report publishes: the outcome, then the `by` columns.
    pub fn roles(&self) -> impl Iterator<Item = (Role, &String)> {
        std::iter::once((Role::Outcome, &self.outcome)).chain(self.by.iter().map(|b| (Role::By, b)))
    }
}

/// The planning-time checks: a `by` or `outcome` column whose name looks identifying, and
/// names in `allow_identifying` that no analysis uses. Returns `(key, message)` pairs.
pub(super) fn name_problems(
    analyses: &[AnalysisPlan],
    allowed: &[String],
) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (i, a) in analyses.iter().enumerate() {
        for (role, column) in a.roles() {
            if allowed.contains(column) {
                continue;
            }
            if let Some((what, evidence)) = name_finding(column) {
                problems.push((
                    format!("analysis[{i}].{}", role.key()),
                    format!(
                        "analysis `{}` uses column `{column}` {}, but its name looks like a direct identifier ({what}: the {evidence})\n{}",
                        a.name,
                        role.published(),
                        hint(column)
                    ),
                ));
            }
        }
    }
    let used: Vec<&str> = analyses
        .iter()
        .flat_map(|a| a.roles().map(|(_, c)| c.as_str()))
        .collect();
    for c in allowed {
        if !used.contains(&c.as_str()) {
            let near = crate::suggest::did_you_mean(c, used.iter().copied())
                .map_or(String::new(), |s| format!("\nhint: did you mean `{s}`?"));
            problems.push((
                ALLOW_KEY.to_string(),
                format!("`{c}` is not the outcome or a `by` column of any analysis{near}"),
            ));
        }
    }
    problems
}
