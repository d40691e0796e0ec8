//! Published percentages in: the checks that make the counts derived from them honest.
//!
//! A percentages table (`input.kind = "percentages"`) has, per record, the values of its
//! category columns (the outcome, the subgroups, the table), a published percentage and
//! the base it is a percentage of. Ingest derives each record's count (rounded half up,
//! [`crate::stats::published`]); here, before anything is estimated from them:
//!
//! 1. no figure is given twice (two records with the same values);
//! 2. the records of one group (the same values in every column but the outcome) give the
//!    same base;
//! 3. every derived count reproduces its published percentage at the published precision;
//!    a figure that no count reproduces (33.3% of 10) cannot be satisfied at all;
//! 4. a group's derived counts add up to at most its base; respondents of the base whose
//!    answer the table does not show (percentages that add up to less than 100, or
//!    rounding) are kept as a row with no outcome, so that every respondent of the base is
//!    accounted for (excluded as "missing", or the `missing` level);
//! 5. a published total (a row whose subgroup value is `input.total`) is not data: its base
//!    must be the sum of its groups' bases (else a further group is needed, or the groups
//!    overlap), for each level the total's count must be reachable from its groups'
//!    (else no counts at all give every published figure), and the sum of the groups'
//!    derived counts must reproduce it.
//!
//! Any failure stops the job, naming the lines and the figures: a report built on counts
//! that do not give the published table back would misquote it. What passes is listed in
//! the report, each figure beside the count derived from it.

use indexmap::IndexMap;

use crate::ingest::{Figure, RawValue, Table};
use crate::plan::Plan;
use crate::stats::published::{total_can_hold, Percent};
use crate::text::thousands;

/// Why a percentages table cannot be used: one message per problem, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsatisfiable(pub Vec<String>);

impl std::fmt::Display for Unsatisfiable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for Unsatisfiable {}

/// The values of a tuple as a message shows them: `provider = specialist, outcome = worse`.
fn describe(columns: &[String], values: &[RawValue]) -> String {
    describe_group(columns, values, usize::MAX)
}

/// A tuple without its column `skip` (a group: every column but the outcome).
fn describe_group(columns: &[String], values: &[RawValue], skip: usize) -> String {
    columns
        .iter()
        .zip(values)
        .enumerate()
        .filter(|(i, _)| *i != skip)
        .map(|(_, (c, v))| format!("{c} = {}", v.as_deref().unwrap_or("(blank)")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A tuple with position `skip` blanked (the group of a figure, or a total's groups).
fn without(values: &[RawValue], skip: &[usize]) -> Vec<RawValue> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| if skip.contains(&i) { None } else { v.clone() })
        .collect()
}

/// Checks a percentages table and completes it (the module doc's steps): marks the total
/// figures, removes them from the data, and adds the unshown remainder of each group's
/// base. A table of another kind is left as it is.
pub fn apply(plan: &Plan, table: &mut Table) -> Result<(), Unsatisfiable> {
    let Some(pp) = &plan.input.percentages else {
        return Ok(());
    };
    let Some(outcome) = plan
        .analyses
        .first()
        .and_then(|a| table.columns.iter().position(|c| c == &a.outcome))
    else {
        return Ok(());
    };
    let file = table.source.written.clone();
    let mut problems = Vec::new();
    let total_at = |values: &[RawValue]| -> Option<usize> {
        let label = pp.total.as_deref()?;
        values
            .iter()
            .enumerate()
            .position(|(i, v)| i != outcome && v.as_deref() == Some(label))
    };
    for f in &mut table.figures {
        f.total = total_at(&f.values).is_some();
    }
    let figures = &table.figures;
    let columns = &table.columns;

    // 1 and 3: duplicates, and figures no count reproduces.
    let mut first: IndexMap<&[RawValue], u64> = IndexMap::new();
    for f in figures {
        if let Some(line) = first.insert(&f.values, f.line) {
            first.insert(&f.values, line);
            problems.push(format!(
                "{file}, line {}: the figure for {} is given twice (first on line {line})",
                f.line,
                describe(columns, &f.values)
            ));
        }
        if !f.percent.reproduced_by(f.derived, f.base) {
            problems.push(unreproducible(&file, columns, f));
        }
    }
    // 2 and 4: one base per group; the derived counts fit in it.
    let groups = group_figures(figures.iter().filter(|f| !f.total), outcome);
    for (key, members) in &groups {
        let base = members[0].base;
        if let Some(other) = members.iter().find(|f| f.base != base) {
            problems.push(format!(
                "{file}, line {}: the base of the group {} is {}, but line {} gives it a base of {}\nhint: the figures of one group (the same values in every column but `{}`) are percentages of one base",
                other.line,
                describe_group(columns, key, outcome),
                thousands(other.base),
                members[0].line,
                thousands(base),
                columns[outcome]
            ));
            continue;
        }
        let sum: u64 = members.iter().map(|f| f.derived).sum();
        if sum > base {
            problems.push(over_base(
                &file,
                columns,
                (key, outcome),
                members,
                sum,
                base,
            ));
        }
    }
    // 5: totals: a total group's base once, at its first figure; then each figure of a
    // total whose base is right.
    let mut based: Vec<(Vec<RawValue>, bool)> = Vec::new();
    for t in figures.iter().filter(|f| f.total) {
        let Some(j) = total_at(&t.values) else {
            continue;
        };
        let parts = figures_of(figures, &t.values, j);
        let group = without(&t.values, &[outcome]);
        let base_ok = match based.iter().find(|(g, _)| *g == group) {
            Some((_, ok)) => *ok,
            None => {
                let problem = check_total_base(&file, columns, (outcome, j), t, &parts, &groups);
                based.push((group, problem.is_none()));
                problems.extend(problem);
                based.last().is_some_and(|(_, ok)| *ok)
            }
        };
        if base_ok {
            problems.extend(check_total_figure(&file, columns, t, &parts));
        }
    }
    if !problems.is_empty() {
        return Err(Unsatisfiable(problems));
    }
    complete(table, outcome, &groups_owned(&groups));
    Ok(())
}

/// The figures a total figure adds up: the same values but in the total's column `j`.
fn figures_of<'a>(figures: &'a [Figure], total: &[RawValue], j: usize) -> Vec<&'a Figure> {
    figures
        .iter()
        .filter(|f| !f.total && without(&f.values, &[j]) == without(total, &[j]))
        .collect()
}

/// The figures of each group (every column but the outcome), in file order.
fn group_figures<'a>(
    figures: impl Iterator<Item = &'a Figure>,
    outcome: usize,
) -> IndexMap<Vec<RawValue>, Vec<&'a Figure>> {
    let mut groups: IndexMap<Vec<RawValue>, Vec<&Figure>> = IndexMap::new();
    for f in figures {
        groups
            .entry(without(&f.values, &[outcome]))
            .or_default()
            .push(f);
    }
    groups
}

/// Each group's key, base and the sum of its derived counts.
fn groups_owned(groups: &IndexMap<Vec<RawValue>, Vec<&Figure>>) -> Vec<(Vec<RawValue>, u64, u64)> {
    groups
        .iter()
        .map(|(k, m)| (k.clone(), m[0].base, m.iter().map(|f| f.derived).sum()))
        .collect()
}

/// Drops the total rows from the data, adds each group's unshown remainder as a row with
/// no outcome, and recounts the respondents.
fn complete(table: &mut Table, outcome: usize, groups: &[(Vec<RawValue>, u64, u64)]) {
    let totals: Vec<&Vec<RawValue>> = table
        .figures
        .iter()
        .filter(|f| f.total)
        .map(|f| &f.values)
        .collect();
    let mut rows: Vec<(Vec<RawValue>, u64)> = table
        .rows
        .iter()
        .filter(|(v, _)| !totals.contains(&v))
        .cloned()
        .collect();
    for (key, base, sum) in groups {
        if base > sum {
            // `key` has the outcome blank already: the respondents the table does not show.
            match rows.iter_mut().find(|(v, _)| v == key) {
                Some(row) => row.1 += base - sum,
                None => rows.push((key.clone(), base - sum)),
            }
        }
    }
    debug_assert!(rows.iter().all(|(v, _)| v.len() > outcome));
    table.respondents = rows.iter().map(|(_, c)| c).sum();
    table.rows = rows;
}

/// The message for a figure that no count reproduces.
fn unreproducible(file: &str, columns: &[String], f: &Figure) -> String {
    let c = f.derived;
    let near: Vec<String> = [c.checked_sub(1), Some(c), Some(c + 1)]
        .into_iter()
        .flatten()
        .filter(|&x| x <= f.base)
        .filter_map(|x| {
            Percent::of(x, f.base, f.percent.decimals)
                .map(|p| format!("{} of {} is {p}%", thousands(x), thousands(f.base)))
        })
        .collect();
    format!(
        "{file}, line {}: {}% of {} ({}) cannot be satisfied: no whole number of respondents gives it at this precision ({})\nhint: check the figure and its base against the publication; a base that is wrong by a little is the usual cause",
        f.line,
        f.percent,
        thousands(f.base),
        describe(columns, &f.values),
        near.join(", ")
    )
}

/// The message for a group whose derived counts add up to more than its base.
fn over_base(
    file: &str,
    columns: &[String],
    (key, outcome): (&[RawValue], usize),
    members: &[&Figure],
    sum: u64,
    base: u64,
) -> String {
    let ranges: Vec<String> = members
        .iter()
        .filter_map(|f| {
            f.percent
                .counts(f.base)
                .map(|(lo, hi)| format!("{}%: {lo} to {hi}", f.percent))
        })
        .collect();
    let least: u64 = members
        .iter()
        .filter_map(|f| f.percent.counts(f.base).map(|r| r.0))
        .sum();
    let hint = if least <= base {
        format!("hint: counts within the published rounding that fit the base exist ({}); give them as a counts table (kind = \"counts\")", ranges.join("; "))
    } else {
        "hint: no counts fit: the percentages add up to more than 100% beyond rounding; check them against the publication".to_string()
    };
    format!(
        "{file}, lines {}: the counts derived for the group {} add up to {}, more than its base of {}\n{hint}",
        members.iter().map(|f| f.line.to_string()).collect::<Vec<_>>().join(", "),
        describe_group(columns, key, outcome),
        thousands(sum),
        thousands(base)
    )
}

/// The problem with the base of a published total `t` over its groups `parts` (the figures
/// of the same level with any value but the total in column `j`), if any: no groups, or
/// bases that do not add up to the total's.
fn check_total_base(
    file: &str,
    columns: &[String],
    (outcome, j): (usize, usize),
    t: &Figure,
    parts: &[&Figure],
    groups: &IndexMap<Vec<RawValue>, Vec<&Figure>>,
) -> Option<String> {
    let what = describe(columns, &t.values);
    if parts.is_empty() {
        return Some(format!(
            "{file}, line {}: the total {what} has no groups to add up (no other value of `{}` with this level)",
            t.line, columns[j]
        ));
    }
    // The bases of every group of the total (each group once).
    let bases: u64 = groups
        .iter()
        .filter(|(k, _)| without(k, &[j]) == without(&t.values, &[j, outcome]))
        .map(|(_, m)| m[0].base)
        .sum();
    if bases != t.base {
        let (gap, why) = if t.base > bases {
            (t.base - bases, "respondents of the total are in none of its groups: the published table cannot be satisfied without a further group (e.g. those whose answer to `{col}` was not stated)")
        } else {
            (bases - t.base, "more respondents in its groups than in the total: the groups overlap, or a base is wrong")
        };
        return Some(format!(
            "{file}, line {}: the total {} has a base of {}, its groups' bases add up to {}: {} {}",
            t.line,
            describe_group(columns, &t.values, outcome),
            thousands(t.base),
            thousands(bases),
            thousands(gap),
            why.replace("{col}", &columns[j])
        ));
    }
    None
}

/// The problem with one figure of a published total whose base is right, if any: its count
/// out of reach of its groups', or not reproduced by the sum of their derived counts.
fn check_total_figure(
    file: &str,
    columns: &[String],
    t: &Figure,
    parts: &[&Figure],
) -> Option<String> {
    let what = describe(columns, &t.values);
    let shown: Vec<(Percent, u64)> = parts.iter().map(|f| (f.percent, f.base)).collect();
    if let Err((needed, reach)) = total_can_hold(&shown, (t.percent, t.base)) {
        return Some(format!(
            "{file}, line {}: the published table cannot be satisfied: the total {what} ({}% of {}) needs {} to {} respondents, but its groups' published figures allow only {} to {}\nhint: a group is missing from the table (the total includes people in none of its groups), or a figure is misprinted",
            t.line,
            t.percent,
            thousands(t.base),
            thousands(needed.0),
            thousands(needed.1),
            thousands(reach.0),
            thousands(reach.1)
        ));
    }
    let sum: u64 = parts.iter().map(|f| f.derived).sum();
    if !t.percent.reproduced_by(sum, t.base) {
        let got = Percent::of(sum, t.base, t.percent.decimals)
            .map_or_else(String::new, |p| p.to_string());
        return Some(format!(
            "{file}, line {}: the derived counts of its groups add up to {} of {} ({got}%), not the published total {what} ({}%)\nhint: counts within the published rounding may still give every figure: give them as a counts table (kind = \"counts\")",
            t.line,
            thousands(sum),
            thousands(t.base),
            t.percent
        ));
    }
    None
}
