//! Nothing a pipeline names passes silently when it occurs in no row of the data. Right after
//! ingest, for each analysis, every value it names is looked for among the values its
//! columns hold, as the analysis sees them (recoded where the column has a recode table):
//!
//! 0. its `table`, among the values of the file's table column (and the values below
//!    among the rows of that table);
//! 1. each of its `levels` (the `missing` level that `missing = "level"` adds is exempt: it
//!    may well be empty);
//! 2. each value of its `filter`;
//! 3. each group its comparison names (`compare.reference`, `compare.pairs`);
//! 4. each target of the recode table of one of its columns (outcome, `by`, filter), that is
//!    not already one of the above (reported once per pipeline, at the first analysis that
//!    uses the column, naming every analysis that would need to declare it).
//!
//! A value that occurs in no row is an error unless the analysis declares it in
//! `expect_empty`: a typo (`worsend`), a case or spacing near miss (`yes` for `Yes`) or a
//! recode label that no longer matches the export would otherwise be reported as 0%, or
//! as a denominator of 0. A row of a counts table with count 0 names its values, so they
//! occur. Every problem of a pipeline is collected, in plan order, each naming its TOML
//! key, the value, the input file and the values that do occur, with a did-you-mean.
//!
//! The same holds for display labels ([`check_labels`]): a label for a code that is no
//! level or group of the analyses, where only the data says what the groups are.
//!
//! The messages go to the stderr of whoever runs the pipeline, who has the data; they are
//! never written into a report.

use indexmap::{IndexMap, IndexSet};

use super::AnalysisData;
use crate::ingest::Table;
use crate::plan::{list_some, AnalysisPlan, MissingPolicy, Plan, MISSING_LABEL};
use crate::suggest::did_you_mean;
use crate::text::toml_string;

/// How many of a column's values a message lists.
const LISTED: usize = 12;

/// Every value named by a pipeline that occurs in no row of its input: one message per
/// problem, in plan order.
#[derive(Debug, Clone, PartialEq)]
pub struct NeverOccurs(pub Vec<String>);

impl std::fmt::Display for NeverOccurs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for NeverOccurs {}

/// The values that occur in one column of the table.
#[derive(Debug, Default)]
struct Seen<'a> {
    /// Values after recoding (raw where the column has no recode table), first seen first.
    clean: IndexSet<&'a str>,
    /// Raw values without a recode entry.
    unmapped: IndexSet<&'a str>,
    /// Some row has no answer in the column.
    missing: bool,
}

/// The values that occur in each column of the table, by column name; of a file of
/// several tables, in the rows of table `only` when it is given.
fn seen<'a>(plan: &'a Plan, table: &'a Table, only: Option<&str>) -> IndexMap<&'a str, Seen<'a>> {
    let mut out: IndexMap<&str, Seen> = table
        .columns
        .iter()
        .map(|c| (c.as_str(), Seen::default()))
        .collect();
    let at = only
        .and(plan.input.table_column.as_ref())
        .and_then(|c| table.columns.iter().position(|x| x == c));
    for (values, _) in &table.rows {
        if let (Some(i), Some(t)) = (at, only) {
            if values[i].as_deref() != Some(t) {
                continue;
            }
        }
        for ((column, slot), value) in out.iter_mut().zip(values) {
            match (value.as_deref(), plan.recode.get(*column)) {
                (None, _) => slot.missing = true,
                (Some(raw), None) => {
                    slot.clean.insert(raw);
                }
                (Some(raw), Some(map)) => match map.get(raw) {
                    Some(clean) => {
                        slot.clean.insert(clean);
                    }
                    None => {
                        slot.unmapped.insert(raw);
                    }
                },
            }
        }
    }
    out
}

/// One value an analysis names, where it names it.
struct Named<'a> {
    /// The TOML key field: `levels`, `filter.<column>`, `compare.reference`, ...
    field: String,
    /// What the value is, in words: `level`, `filter value`, `group`.
    what: &'static str,
    column: &'a str,
    value: &'a str,
    /// A missing answer counts as the value `missing` (a group under `missing = "level"`).
    missing_counts: bool,
}

/// The values an analysis names, in the order of its keys (its `table` first, a value of
/// the file's table column).
fn named<'a>(plan: &'a Plan, a: &'a AnalysisPlan) -> Vec<Named<'a>> {
    let level_policy = a.missing == MissingPolicy::Level;
    let mut out: Vec<Named> = Vec::new();
    if let (Some(t), Some(c)) = (&a.table, &plan.input.table_column) {
        out.push(Named {
            field: "table".into(),
            what: "table",
            column: c,
            value: t,
            missing_counts: false,
        });
    }
    out.extend(
        a.levels
            .iter()
            .filter(|l| !(level_policy && l.as_str() == MISSING_LABEL))
            .map(|l| Named {
                field: "levels".into(),
                what: "level",
                column: &a.outcome,
                value: l,
                missing_counts: false,
            }),
    );
    for (column, keep) in &a.filter {
        out.extend(keep.iter().map(|v| Named {
            field: format!("filter.{column}"),
            what: "filter value",
            column,
            value: v,
            missing_counts: false,
        }));
    }
    if let Some(cp) = &a.compare {
        let (field, groups) = cp.groups.named();
        let groups: IndexSet<&str> = groups.into_iter().collect();
        for g in groups {
            out.push(Named {
                field: field.into(),
                what: "group",
                column: &a.by[cp.by],
                value: g,
                missing_counts: level_policy,
            });
        }
    }
    out
}

/// The checks of a job, on its ingested table: `Err` with every value named by the pipeline
/// that occurs in no row (and is not declared in its analysis's `expect_empty`).
pub fn check(plan: &Plan, table: &Table) -> Result<(), NeverOccurs> {
    let everywhere = seen(plan, table, None);
    let mut problems = Vec::new();
    let mut targets_reported: Vec<(&str, &str)> = Vec::new();
    for (i, a) in plan.analyses.iter().enumerate() {
        let named = named(plan, a);
        // Of one table of several, its values are looked for in its rows (the table
        // itself among all rows).
        let in_table = a.table.as_deref().map(|t| seen(plan, table, Some(t)));
        let seen = in_table.as_ref().unwrap_or(&everywhere);
        let mut no_table = false;
        for n in &named {
            let is_table = n.field == "table";
            let seen = if is_table { &everywhere } else { seen };
            let Some(s) = seen.get(n.column) else {
                continue;
            };
            let occurs = s.clean.contains(n.value)
                || (n.missing_counts && n.value == MISSING_LABEL && s.missing);
            if is_table && !occurs {
                // No table, no values to look for in it: one message, not one per level.
                problems.push(named_message(plan, table, i, n, s));
                no_table = true;
                break;
            }
            if !occurs && !a.expect_empty.iter().any(|e| e == n.value) {
                problems.push(named_message(plan, table, i, n, s));
            }
        }
        if no_table {
            continue;
        }
        for column in a.columns() {
            let (Some(map), Some(s)) = (plan.recode.get(column), seen.get(column)) else {
                continue;
            };
            let targets: IndexSet<&str> = map.values().map(String::as_str).collect();
            for t in targets {
                let already = named.iter().any(|n| n.column == column && n.value == t)
                    || targets_reported.contains(&(column, t));
                if already || s.clean.contains(t) || a.expect_empty.iter().any(|e| e == t) {
                    continue;
                }
                targets_reported.push((column, t));
                problems.push(target_message(plan, table, column, t, s));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(NeverOccurs(problems))
    }
}

/// The values of a column as a message lists them: recode-target order, else sorted.
fn listing(plan: &Plan, column: &str, s: &Seen) -> String {
    let order = super::group_order(plan, column, s.clean.iter().copied());
    if order.is_empty() {
        return "no values".into();
    }
    let what = if plan.recode.contains_key(column) {
        "after recoding, has"
    } else {
        "has"
    };
    format!("{what}: {}", list_some(&order, LISTED))
}

/// `no row of <input>`, saying that only the kept rows count when some were rejected.
fn rows_of(table: &Table) -> String {
    match table.rejected.len() {
        0 => format!("no row of {}", table.source.written),
        n => format!("no kept row of {} ({n} rejected)", table.source.written),
    }
}

/// The hint that declares a value empty on purpose.
fn declare_hint(value: &str, analyses: &str) -> String {
    format!(
        "hint: if the value is right and no respondent is meant to have it, declare it in {analyses}: expect_empty = [{}]",
        toml_string(value)
    )
}

/// The message for a level, filter value or group that occurs in no row.
fn named_message(plan: &Plan, table: &Table, i: usize, n: &Named, s: &Seen) -> String {
    let a = &plan.analyses[i];
    let mut m = format!(
        "key `analysis[{i}].{}`: {} `{}` of analysis `{}` occurs in {} (column `{}` {})",
        n.field,
        n.what,
        n.value,
        a.name,
        rows_of(table),
        n.column,
        listing(plan, n.column, s)
    );
    if let Some(near) = did_you_mean(n.value, s.clean.iter().copied()) {
        m.push_str(&format!("\nhint: did you mean `{near}`?"));
    }
    if n.field != "table" {
        m.push('\n');
        m.push_str(&declare_hint(n.value, &format!("analysis[{i}]")));
    }
    m
}

/// The message for a recode target of a column that no row maps to.
fn target_message(plan: &Plan, table: &Table, column: &str, target: &str, s: &Seen) -> String {
    let labels: Vec<&str> = plan
        .recode
        .get(column)
        .into_iter()
        .flat_map(|m| m.iter())
        .filter(|(_, t)| t.as_str() == target)
        .map(|(raw, _)| raw.as_str())
        .collect();
    let users: Vec<String> = plan
        .analyses
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            a.columns().contains(&column) && !a.expect_empty.iter().any(|e| e == target)
        })
        .map(|(i, a)| format!("analysis[{i}] (`{}`)", a.name))
        .collect();
    let quoted: Vec<String> = labels.iter().map(|l| format!("`{l}`")).collect();
    let mut m = format!(
        "key `recode.{column}`: target `{target}` occurs in {}: no value of column `{column}` is {} (the column {})",
        rows_of(table),
        quoted.join(" or "),
        listing(plan, column, s)
    );
    for label in &labels {
        if let Some(near) = did_you_mean(label, s.unmapped.iter().copied()) {
            m.push_str(&format!(
                "\nhint: `{near}` occurs with no recode entry: did you mean it for `{label}`?"
            ));
        }
    }
    m.push('\n');
    m.push_str(&declare_hint(target, &users.join(" and ")));
    m
}

/// The labels planning could not check, against the groups in the data (see
/// [`crate::plan::unknown_in_data`]): every unknown code with its key, each message
/// after the first on a line of its own that starts with the pipeline file (the first
/// line is prefixed by whoever prints it).
pub fn check_labels(plan: &Plan, data: &[AnalysisData]) -> Result<(), String> {
    let groups: Vec<&[Vec<String>]> = data.iter().map(|d| d.group_orders.as_slice()).collect();
    let unknown = crate::plan::unknown_in_data(&plan.analyses, &groups, &plan.unchecked_labels);
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(unknown.join(&format!("\n{}: ", plan.pipeline_path.display())))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{check, NeverOccurs};
    use crate::ingest::read_from;
    use crate::plan::{from_spec, Plan};

    fn plan_of(text: &str) -> Plan {
        from_spec(crate::spec::parse(text).unwrap(), Path::new("p.toml")).unwrap()
    }

    /// The problems of `pipeline` (its input is `data.csv`) on `csv`.
    fn problems(pipeline: &str, csv: &str) -> Vec<String> {
        let plan = plan_of(pipeline);
        let table = read_from(
            csv.as_bytes(),
            &plan.input,
            &plan.columns_needed(),
            &[],
            &|_| Ok(()),
        )
        .unwrap();
        match check(&plan, &table) {
            Ok(()) => Vec::new(),
            Err(NeverOccurs(ps)) => ps,
        }
    }

    const INPUT: &str = "[input]\npath = \"data.csv\"\n";
    const DATA: &str = "tried,group,outcome\nYes,Alpha,worsened\nYes,Beta,improved\nNo,Alpha,\n";

    fn analysis(extra: &str) -> String {
        format!("{INPUT}[[analysis]]\nname = \"a\"\noutcome = \"outcome\"\nlevels = [\"improved\", \"worsened\"]\nby = [\"group\"]\n{extra}")
    }

    #[test]
    fn a_level_no_row_has_is_named_with_the_key_the_file_and_a_near_miss() {
        let text = analysis("").replace("\"worsened\"]", "\"worsend\"]");
        let ps = problems(&text, DATA);
        assert_eq!(ps.len(), 1, "{ps:?}");
        for part in [
            "key `analysis[0].levels`: level `worsend` of analysis `a` occurs in no row of data.csv",
            "(column `outcome` has: improved, worsened)",
            "hint: did you mean `worsened`?",
            "expect_empty = [\"worsend\"]",
        ] {
            assert!(ps[0].contains(part), "{part}: {}", ps[0]);
        }
        let declared = text.replace("by = [", "expect_empty = [\"worsend\"]\nby = [");
        assert!(problems(&declared, DATA).is_empty());
    }

    #[test]
    fn filter_values_are_compared_as_the_analysis_sees_them() {
        // No recode table: the raw `Yes` is the value, and `yes` a case near miss.
        let ps = problems(&analysis("filter = { tried = [\"yes\"] }\n"), DATA);
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert!(ps[0].starts_with("key `analysis[0].filter.tried`: filter value `yes`"));
        assert!(ps[0].contains("hint: did you mean `Yes`?"), "{}", ps[0]);
        assert!(problems(&analysis("filter = { tried = [\"Yes\"] }\n"), DATA).is_empty());

        // Recoded: the filter keeps recoded values, so the raw label never matches.
        let recoded = analysis("filter = { tried = [\"Yes\"] }\n")
            + "[recode.tried]\nYes = \"yes\"\nNo = \"no\"\n";
        let ps = problems(&recoded, DATA);
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert!(
            ps[0].contains("(column `tried` after recoding, has: yes, no)"),
            "{}",
            ps[0]
        );
        assert!(ps[0].contains("did you mean `yes`?"), "{}", ps[0]);
    }

    #[test]
    fn compared_groups_of_a_column_without_recoding_are_checked_against_the_data() {
        let ps = problems(&analysis("compare = { reference = \"alpha \" }\n"), DATA);
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert!(ps[0].starts_with("key `analysis[0].compare.reference`: group `alpha `"));
        assert!(ps[0].contains("did you mean `Alpha`?"), "{}", ps[0]);
        // A group named in two pairs is one problem.
        let pairs = "compare = { pairs = [[\"Gamma\", \"Alpha\"], [\"Gamma\", \"Beta\"]] }\n";
        let ps = problems(&analysis(pairs), DATA);
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert!(ps[0].starts_with("key `analysis[0].compare.pairs`: group `Gamma`"));
    }

    #[test]
    fn a_recode_target_no_row_maps_to_is_reported_once_naming_who_must_declare_it() {
        let recode =
            "[recode.group]\nAlpha = \"Alpha\"\nBeta = \"Beta\"\n\"Not sure\" = \"Not stated\"\n";
        let second = "[[analysis]]\nname = \"b\"\noutcome = \"outcome\"\nlevels = [\"improved\"]\nby = [\"group\"]\n";
        let text = format!("{}{second}{recode}", analysis(""));
        let ps = problems(&text, DATA);
        assert_eq!(ps.len(), 1, "{ps:?}");
        for part in [
            "key `recode.group`: target `Not stated` occurs in no row of data.csv",
            "no value of column `group` is `Not sure`",
            "declare it in analysis[0] (`a`) and analysis[1] (`b`): expect_empty = [\"Not stated\"]",
        ] {
            assert!(ps[0].contains(part), "{part}: {}", ps[0]);
        }
        // Declared by the first analysis only: the second is still told.
        let one = text.replacen(
            "by = [\"group\"]\n",
            "by = [\"group\"]\nexpect_empty = [\"Not stated\"]\n",
            1,
        );
        let ps = problems(&one, DATA);
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert!(
            ps[0].contains("declare it in analysis[1] (`b`):"),
            "{}",
            ps[0]
        );
        let both = text.replace(
            "by = [\"group\"]\n",
            "by = [\"group\"]\nexpect_empty = [\"Not stated\"]\n",
        );
        assert!(problems(&both, DATA).is_empty());
    }

    #[test]
    fn an_unmapped_near_miss_of_a_recode_label_is_suggested() {
        let text = analysis("") + "[recode.group]\nAlpha = \"Alpha\"\n\"Beta \" = \"Beta\"\n";
        let ps = problems(&text, DATA);
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert!(
            ps[0]
                .contains("hint: `Beta` occurs with no recode entry: did you mean it for `Beta `?"),
            "{}",
            ps[0]
        );
    }

    #[test]
    fn the_missing_level_may_be_empty_and_a_missing_group_occurs_when_answers_are_missing() {
        let complete = "tried,group,outcome\nYes,Alpha,worsened\nYes,Beta,improved\n";
        let level = analysis("missing = \"level\"\n");
        assert!(problems(&level, complete).is_empty());
        let compare = analysis("missing = \"level\"\ncompare = { reference = \"missing\" }\n");
        assert_eq!(problems(&compare, complete).len(), 1);
        let some_missing = "tried,group,outcome\nYes,,worsened\nYes,Beta,improved\n";
        assert!(problems(&compare, some_missing).is_empty());
    }

    #[test]
    fn a_counts_row_of_zero_names_its_values() {
        let counts = analysis("").replace(
            "path = \"data.csv\"\n",
            "path = \"data.csv\"\nkind = \"counts\"\n",
        );
        let data = "group,outcome,count\nAlpha,improved,3\nAlpha,worsened,0\n";
        assert!(problems(&counts, data).is_empty());
    }

    #[test]
    fn every_problem_comes_in_plan_order_and_rejected_rows_are_mentioned() {
        let text = analysis("filter = { tried = [\"yes\"] }\ncompare = { reference = \"Gama\" }\n")
            .replace("\"worsened\"]", "\"worsend\"]")
            .replace(
                "path = \"data.csv\"\n",
                "path = \"data.csv\"\nid_column = \"id\"\n",
            );
        let data = "id,tried,group,outcome\n1,Yes,Alpha,improved\n1,Yes,Beta,improved\n";
        let ps = problems(&text, data);
        let keys: Vec<&str> = ps.iter().map(|p| p.split(':').next().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "key `analysis[0].levels`",
                "key `analysis[0].filter.tried`",
                "key `analysis[0].compare.reference`"
            ]
        );
        // `Beta` is only on the rejected line (a repeated id): the groups kept are `Alpha`.
        assert!(
            ps[2].contains(
                "occurs in no kept row of data.csv (1 rejected) (column `group` has: Alpha)"
            ),
            "{}",
            ps[2]
        );
    }
}
