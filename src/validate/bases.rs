//! The bases of a file of several published tables (`input.table_column`), and the
//! survey's declared respondent total (`input.respondents`): no table may have more
//! respondents than the survey. (Fewer is normal: people skip questions.)
//!
//! Without a table column the whole file is one table, whose base is the sum of its counts.

use indexmap::IndexMap;

use crate::ingest::Table;
use crate::plan::Plan;
use crate::text::thousands;

/// Each table's base (the respondents in its kept rows), in order of first appearance;
/// one entry, named by the file, when the file is one table.
pub fn bases(plan: &Plan, table: &Table) -> Vec<(String, u64)> {
    let Some(at) = plan
        .input
        .table_column
        .as_ref()
        .and_then(|c| table.columns.iter().position(|x| x == c))
    else {
        return vec![(table.source.written.clone(), table.respondents)];
    };
    let mut out: IndexMap<String, u64> = IndexMap::new();
    for (values, count) in &table.rows {
        let name = values[at].clone().unwrap_or_default();
        *out.entry(name).or_insert(0) += count;
    }
    out.into_iter().collect()
}

/// `Err` naming every table whose base is above the declared respondent total.
pub fn check(plan: &Plan, table: &Table) -> Result<(), String> {
    let Some(declared) = plan.input.respondents else {
        return Ok(());
    };
    let over: Vec<String> = bases(plan, table)
        .into_iter()
        .filter(|(_, b)| *b > declared)
        .map(|(name, b)| match &plan.input.table_column {
            Some(c) => format!(
                "table `{name}` (column `{c}`) has a base of {}",
                thousands(b)
            ),
            None => format!("the counts add up to {}", thousands(b)),
        })
        .collect();
    if over.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{}: {}, more than the {} respondents declared (input.respondents)\nhint: a table's base is the respondents who answered its question, at most the survey's total; check the total and the table's counts against the publication",
        table.source.written,
        over.join("; "),
        thousands(declared)
    ))
}
