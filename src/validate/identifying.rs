//! Direct identifiers, by content, right after ingest: for each analysis, the values its
//! outcome and `by` columns would publish (recode targets, raw values otherwise), among the
//! respondents its filter keeps, are checked against [`crate::identify`]'s rules, on the
//! distinct tuples with their counts (never on rows). Their check by name, when planned, is
//! in `plan::identifying`.

use std::collections::HashMap;

use crate::identify::{hint, Role, Stats, MANY_LEVELS};
use crate::ingest::Table;
use crate::plan::Plan;

/// The content checks of a job, on its ingested table. `Err`: every refusal, one per line
/// group; `Ok`: the warnings (subgroup columns with very many levels).
pub fn check(plan: &Plan, table: &Table) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let index = |c: &str| table.columns.iter().position(|x| x == c);
    for (i, a) in plan.analyses.iter().enumerate() {
        // Columns absent from the table (never the case after ingest) are skipped.
        let filter: Vec<(usize, &str, &[String])> = a
            .filter
            .iter()
            .filter_map(|(c, keep)| Some((index(c)?, c.as_str(), keep.as_slice())))
            .collect();
        let targets: Vec<(Role, &String, usize)> = a
            .roles()
            .filter_map(|(r, c)| Some((r, c, index(c)?)))
            .collect();
        let mut counts: Vec<HashMap<&str, u64>> = vec![HashMap::new(); targets.len()];
        for (tuple, n) in &table.rows {
            let kept = filter.iter().all(|&(j, c, keep)| {
                tuple[j].as_deref().is_some_and(|raw| {
                    let v = match plan.recode.get(c) {
                        Some(m) => m.get(raw).map(String::as_str),
                        None => Some(raw),
                    };
                    v.is_some_and(|v| keep.iter().any(|k| k == v))
                })
            });
            if !kept {
                continue;
            }
            for (slot, &(_, c, j)) in counts.iter_mut().zip(&targets) {
                if let Some(raw) = tuple[j].as_deref() {
                    let published = match plan.recode.get(c.as_str()) {
                        Some(m) => m.get(raw).map_or(raw, String::as_str),
                        None => raw,
                    };
                    *slot.entry(published).or_insert(0) += n;
                }
            }
        }
        for (values, &(role, column, _)) in counts.iter().zip(&targets) {
            let stats = Stats::of(values.iter().map(|(v, n)| (*v, *n)));
            if !plan.allow_identifying.contains(column) {
                if let Some((rule, evidence)) = stats.finding() {
                    problems.push(format!(
                        "key `analysis[{i}].{}`: analysis `{}` uses column `{column}` of {} {}, but its values look like direct identifiers ({rule}: {evidence}; values not shown)\n{}",
                        role.key(),
                        a.name,
                        table.source.written,
                        role.published(),
                        hint(column)
                    ));
                    continue;
                }
            }
            if role == Role::By && stats.distinct > MANY_LEVELS {
                warnings.push(format!(
                    "key `analysis[{i}].by`: analysis `{}` has {} subgroups of column `{column}` among {} respondents (more than {MANY_LEVELS}); each is published as a label\nhint: group the values into fewer categories with a `[recode.{column}]` table",
                    a.name, stats.distinct, stats.respondents
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(warnings)
    } else {
        Err(problems.join("\n"))
    }
}
