//! The starter pipeline `tally init` writes, from a [`Profile`]: a header saying how to use
//! it, `[input]`, the columns left out and why, one `[recode.<column>]` table per category
//! column (each answer mapped to itself) and one `[[analysis]]` per likely outcome, every
//! line a newcomer might not understand commented.
//!
//! Values and names are written through [`toml_string`] and [`toml_key`], in comments too,
//! so that a value holding quotes, `=`, a newline or `#` can neither break the file nor
//! start a line of its own. A column that looks like an identifier or free text is named,
//! with the reason, and its values never written.

use super::profile::{Class, Column, Profile, Role, MAX_CATEGORIES};
use crate::plan::InputKind;
use crate::text::{thousands, toml_key, toml_string};

/// Values listed per column in a comment; the rest are counted.
const SHOWN_VALUES: usize = 15;
/// Characters of a value shown in a comment about a column with many values.
const SHOWN_CHARS: usize = 60;

/// Where the pipeline goes, for the words of the header.
pub struct Target<'a> {
    /// The pipeline file as the user will name it (`PIPELINE.toml` on stdout).
    pub file: &'a str,
    /// The file goes to stdout: its input path is relative to the current directory.
    pub stdout: bool,
    /// The data file's path relative to where the pipeline is.
    pub data: &'a str,
    /// The pipeline's machine name.
    pub name: &'a str,
}

/// The whole pipeline text.
pub fn write(p: &Profile, t: &Target<'_>) -> String {
    let mut out = String::new();
    header(&mut out, p, t);
    input(&mut out, p, t);
    left_out(&mut out, p);
    let categories: Vec<&Column> = p
        .columns
        .iter()
        .filter(|c| matches!(c.class, Class::Category(_)))
        .collect();
    for (i, c) in categories.iter().enumerate() {
        recode(&mut out, c, i == 0);
    }
    analyses(&mut out, p, &categories);
    out
}

/// The last component of a `/`-separated path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A column name in a comment: in backticks when bare, else quoted and escaped.
fn shown(name: &str) -> String {
    let key = toml_key(name);
    if key == name {
        format!("`{name}`")
    } else {
        key
    }
}

fn line(out: &mut String, text: &str) {
    out.push_str(text);
    out.push('\n');
}

fn header(out: &mut String, p: &Profile, t: &Target<'_>) {
    let tb = &p.table;
    let file = t.file;
    for l in [
        format!("# A starter pipeline for {}, written by `tally init`.", toml_string(file_name(t.data))),
        "#".into(),
        "# A pipeline tells tally where a survey's data is and which percentages to estimate.".into(),
        "# Lines starting with `#` are comments: tally ignores them, and you may delete them.".into(),
        "# Every key is explained in pipelines/README.md (in tally's source).".into(),
        "#".into(),
        "# To use it:".into(),
        "#   1. read it through: check each recode table and analysis, and delete what you".into(),
        format!("#      do not need{}", if t.stdout { "; save it (`tally init DATA.csv --output PIPELINE.toml` does)" } else { ";" }),
        format!("#   2. `tally check {file}` checks it against the data and writes nothing;"),
        format!("#   3. `tally run {file}` writes the report to reports/{}/.", t.name),
        "#".into(),
        format!(
            "# What tally found: {} data rows ({} respondents) and {} columns, read as {}, {}-separated.",
            thousands(tb.records_read),
            thousands(tb.respondents),
            p.columns.len() + p.fenced.len(),
            tb.encoding,
            crate::ingest::sniff::name(tb.delimiter),
        ),
    ] {
        line(out, &l);
    }
    if !tb.rejected.is_empty() {
        let reasons: Vec<String> = tb
            .rejected_by_reason()
            .iter()
            .map(|(r, n)| format!("{} {r}", thousands(*n)))
            .collect();
        line(
            out,
            &format!(
                "# {} rows could not be used ({}): `tally run` lists each in rejected.csv.",
                thousands(tb.rejected.len() as u64),
                reasons.join(", ")
            ),
        );
    }
    line(out, "");
    line(
        out,
        "# The report's machine name (letters, digits, `-` and `_`): its folder is reports/<name>.",
    );
    line(out, &format!("name = {}", toml_string(t.name)));
    line(out, "");
}

fn input(out: &mut String, p: &Profile, t: &Target<'_>) {
    line(out, "[input]");
    line(
        out,
        "# The data file, relative to the folder this pipeline file is in.",
    );
    if t.stdout {
        line(
            out,
            "# (Written to standard output, it is relative to the folder `tally init` ran in: if",
        );
        line(
            out,
            "# you save this file in another folder, change the path to be relative to that one.)",
        );
    }
    line(out, &format!("path = {}", toml_string(t.data)));
    kind(out, p);
    let format = p.input.format;
    if format == crate::plan::Format::Csv {
        line(out, "# A plain CSV file. A survey tool's own export (Qualtrics, SurveyMonkey, Google Forms,");
        line(
            out,
            "# LimeSurvey) is read best with its `format`: see pipelines/README.md.",
        );
    } else {
        line(
            out,
            "# The survey tool that exported the file, as given to `tally init --format`.",
        );
        line(out, &format!("format = {}", toml_string(format.name())));
    }
    line(
        out,
        "# tally finds the encoding and the delimiter itself each time it reads the file. It",
    );
    line(
        out,
        &format!(
            "# found {} and {}; to insist on them, remove the `#` of these lines:",
            p.table.encoding,
            crate::ingest::sniff::name(p.table.delimiter)
        ),
    );
    if let Some(e) = encoding_choice(&p.table.encoding) {
        line(out, &format!("# encoding = {}", toml_string(e)));
    }
    let d = match p.table.delimiter {
        b'\t' => "tab".to_string(),
        d => (d as char).to_string(),
    };
    line(out, &format!("# delimiter = {}", toml_string(&d)));
    line(
        out,
        "# The answers that mean \"no answer\" (these are the defaults: an empty cell, and NA):",
    );
    line(out, "# missing = [\"\", \"NA\"]");
    line(out, "");
}

/// The `input.encoding` name of an encoding ingest reports.
fn encoding_choice(found: &str) -> Option<&'static str> {
    match found {
        "UTF-8" => Some("utf-8"),
        "UTF-16LE" | "UTF-16BE" => Some("utf-16"),
        "Windows-1252" => Some("windows-1252"),
        _ => None,
    }
}

fn kind(out: &mut String, p: &Profile) {
    match (&p.input.kind, &p.input.count_column) {
        (InputKind::Counts, Some(c)) => {
            line(out, &format!("# A table of counts: each row is a combination of answers, and column {} says how", shown(c)));
            line(out, "# many respondents gave it. (tally found a column named like a count, holding whole");
            line(out, "# numbers, and no combination of the other columns twice.) If it is not a number of");
            line(
                out,
                "# respondents, delete these two lines: the file is then one row per respondent.",
            );
            line(out, "kind = \"counts\"");
            line(out, &format!("count_column = {}", toml_string(c)));
        }
        _ => {
            line(out, "# One row per respondent.");
            line(out, "kind = \"respondents\"");
            if let Some(id) = &p.id_column {
                line(out, "# The respondent id column: every row has a different one, and tally rejects a row");
                line(out, "# whose id was seen before (a respondent counted twice). It is never analysed.");
                line(out, &format!("id_column = {}", toml_string(id)));
            } else if let Some(c) = repeated_ids(p) {
                line(out, &format!("# Column {} looks like a respondent id, but some rows share an id or have none.", shown(&c.name)));
                line(
                    out,
                    "# To reject the repeats (a respondent counted twice), remove the `#`:",
                );
                line(out, &format!("# id_column = {}", toml_string(&c.name)));
            }
        }
    }
}

/// A column named as a respondent id that [`Profile::id_column`] could not be.
fn repeated_ids(p: &Profile) -> Option<&Column> {
    p.columns.iter().find(|c| {
        crate::identify::name_finding(&c.name).is_some_and(|(what, _)| what.contains("identifier"))
    })
}

/// The comment naming the columns left out of every analysis, and why.
fn left_out(out: &mut String, p: &Profile) {
    let private: Vec<(&str, String)> = p
        .columns
        .iter()
        .filter_map(|c| match &c.class {
            Class::Identifier(why) | Class::FreeText(why) => Some((c.name.as_str(), why.clone())),
            _ => None,
        })
        .chain(p.fenced.iter().map(|(n, what)| {
            (
                n.as_str(),
                format!("the export marks it as {what}, which tally never reads"),
            )
        }))
        .collect();
    if !private.is_empty() {
        line(out, "# Columns left out of every analysis: they look like direct identifiers (names, e-mail");
        line(out, "# addresses, ids, ...) or free text, which a report must never publish. Their values are");
        line(out, "# not shown here, so that this file can be shared.");
        for (name, why) in private {
            line(out, &format!("#   {}: {why}", shown(name)));
        }
        line(out, "");
    }
    for c in &p.columns {
        match c.class {
            Class::Empty => {
                line(
                    out,
                    &format!(
                        "# Column {} is left out: no respondent answered it.",
                        shown(&c.name)
                    ),
                );
                line(out, "");
            }
            Class::Many => many(out, c),
            _ => {}
        }
    }
}

/// A column with too many values to be categories: its most frequent values.
fn many(out: &mut String, c: &Column) {
    line(
        out,
        &format!(
        "# Column {} is left out: it has {} different answers, too many to be categories (at most",
        shown(&c.name),
        thousands(c.values.len() as u64)
    ),
    );
    line(out, &format!("# {MAX_CATEGORIES}). To analyse it, group its answers into categories with a [recode.<column>] table"));
    line(
        out,
        "# (every answer must be listed). Its most frequent answers:",
    );
    values(out, c, true);
    line(out, "");
}

/// The values of a column, most frequent first, one a line with its respondents.
fn values(out: &mut String, c: &Column, shorten: bool) {
    let width = c.values.first().map_or(1, |(_, n)| thousands(*n).len());
    for (v, n) in c.values.iter().take(SHOWN_VALUES) {
        let shown = if shorten && v.chars().count() > SHOWN_CHARS {
            format!(
                "{}...",
                toml_string(&v.chars().take(SHOWN_CHARS).collect::<String>())
            )
        } else {
            toml_string(v)
        };
        line(out, &format!("#   {:>width$}  {shown}", thousands(*n)));
    }
    if c.values.len() > SHOWN_VALUES {
        let rest = &c.values[SHOWN_VALUES..];
        let n: u64 = rest.iter().map(|(_, n)| n).sum();
        line(
            out,
            &format!(
                "#   and {} more answers ({} respondents)",
                thousands(rest.len() as u64),
                thousands(n)
            ),
        );
    }
    if c.missing > 0 {
        line(
            out,
            &format!("#   {:>width$}  (no answer)", thousands(c.missing)),
        );
    }
}

/// A category column: its values, and its recode table mapping each to itself.
fn recode(out: &mut String, c: &Column, first: bool) {
    let n: u64 = c.values.iter().map(|(_, n)| n).sum::<u64>() + c.missing;
    line(
        out,
        &format!(
            "# Column {}: {} respondents, {} different answer{}:",
            shown(&c.name),
            thousands(n),
            c.values.len(),
            if c.values.len() == 1 { "" } else { "s" }
        ),
    );
    values(out, c, false);
    if first {
        line(
            out,
            "# A recode table: each answer as it is in the file (left) = the category the report",
        );
        line(
            out,
            "# uses (right). Change the right side to rename a category, or give two answers the",
        );
        line(
            out,
            "# same right side to merge them; then use the new names in `levels` below. An answer",
        );
        line(out, "# missing from the table is not analysed (its respondents are counted as \"unmapped\").");
    } else {
        line(
            out,
            "# Recode table: answer in the file = category in the report.",
        );
    }
    line(out, &format!("[recode.{}]", toml_key(&c.name)));
    for (i, (v, _)) in c.values.iter().enumerate() {
        let near = c.values[..i]
            .iter()
            .find(|(w, _)| same_but_case_or_spaces(v, w));
        match near {
            Some((w, _)) => line(
                out,
                &format!(
                    "{} = {}   # like {} but for spaces or capitals: to merge them, write = {}",
                    toml_string(v),
                    toml_string(v),
                    toml_string(w),
                    toml_string(w)
                ),
            ),
            None => line(out, &format!("{} = {}", toml_string(v), toml_string(v))),
        }
    }
    line(out, "");
}

fn same_but_case_or_spaces(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    a != b && norm(a) == norm(b)
}

/// One `[[analysis]]` per likely outcome (or, when none is, per subgroup-like column).
fn analyses(out: &mut String, p: &Profile, categories: &[&Column]) {
    let of = |role: Role| -> Vec<&Column> {
        categories
            .iter()
            .copied()
            .filter(|c| c.class == Class::Category(role))
            .collect()
    };
    let by = of(Role::By);
    let mut outcomes = of(Role::Outcome);
    let mut by_candidates = by.clone();
    if outcomes.is_empty() {
        outcomes = by;
        by_candidates = Vec::new();
    }
    if outcomes.is_empty() {
        line(out, "# tally found no column of categories to analyse (see above). Add an analysis like this");
        line(
            out,
            "# one, removing the `#`s, before `tally check` can pass:",
        );
        line(out, "# [[analysis]]");
        line(out, "# name = \"my_question\"");
        line(out, "# outcome = \"column\"");
        line(out, "# levels = [\"answer 1\", \"answer 2\"]");
        return;
    }
    line(
        out,
        "# The analyses: one per column that looks like a question's answers. Each estimates the",
    );
    line(
        out,
        "# percentage of respondents giving each answer, with a 95% confidence interval. The",
    );
    line(
        out,
        "# report shows them in this order; delete the ones you do not need.",
    );
    line(out, "");
    let mut names: Vec<String> = Vec::new();
    for c in outcomes {
        let name = unique_name(&machine_name(&c.name, "analysis"), &names);
        analysis(out, p, c, &name, &by_candidates);
        names.push(name);
    }
}

fn analysis(out: &mut String, p: &Profile, c: &Column, name: &str, by: &[&Column]) {
    let question = p
        .table
        .questions
        .iter()
        .find(|(n, _)| n == &c.name)
        .map(|(_, q)| q.as_str());
    line(out, "[[analysis]]");
    line(
        out,
        "# The analysis's machine name (letters, digits, `-` and `_`), used in file names.",
    );
    line(out, &format!("name = {}", toml_string(name)));
    line(
        out,
        "# The heading in the report: say in words what the question is about.",
    );
    line(out, &format!("title = {}", toml_string(&c.name)));
    match question {
        Some(q) => {
            line(
                out,
                "# The question as it was asked (from the export), shown in the report.",
            );
            line(out, &format!("question = {}", toml_string(q)));
        }
        None => {
            line(out, "# The question as it was asked, shown in the report: remove the `#` and fill it in.");
            line(out, "# question = \"...\"");
        }
    }
    line(out, "# The column whose answers are counted.");
    line(out, &format!("outcome = {}", toml_string(&c.name)));
    line(
        out,
        "# The answers (categories of the recode table) counted, in the order shown. An answer",
    );
    line(
        out,
        "# left out is taken out of the denominator; respondents with no answer are too. See",
    );
    line(
        out,
        "# \"Who is in the denominator\" in pipelines/README.md.",
    );
    let levels: Vec<String> = c.values.iter().map(|(v, _)| toml_string(v)).collect();
    line(out, &format!("levels = [{}]", levels.join(", ")));
    if let Some(b) = best_by(c, by) {
        let others: Vec<String> = by
            .iter()
            .filter(|o| o.name != b.name)
            .map(|o| shown(&o.name))
            .collect();
        line(out, "# To split the figures by subgroups (one row per answer of another column), remove the");
        line(
            out,
            &format!(
                "# `#`{}:",
                if others.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (other columns that look like subgroups: {})",
                        others.join(", ")
                    )
                }
            ),
        );
        line(out, &format!("# by = [{}]", toml_string(&b.name)));
    }
    line(out, "");
}

/// The subgroup column suggested for an outcome: the one whose name shares the most words
/// with the outcome's (`get_provider` for `get_outcome`), the first such in the file.
fn best_by<'a>(outcome: &Column, by: &[&'a Column]) -> Option<&'a Column> {
    let words = crate::identify::words(&outcome.name);
    let shared = |c: &Column| {
        crate::identify::words(&c.name)
            .iter()
            .filter(|w| words.contains(w))
            .count()
    };
    let best = by.iter().map(|c| shared(c)).max()?;
    by.iter().find(|c| shared(c) == best).copied()
}

/// A machine name (letters, digits, `-`, `_`) made from `s`; `fallback` when nothing is left.
pub fn machine_name(s: &str, fallback: &str) -> String {
    let mut name = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            name.push(c);
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    let name = name.trim_matches('_');
    if name.is_empty() {
        fallback.to_string()
    } else {
        name.to_string()
    }
}

fn unique_name(base: &str, taken: &[String]) -> String {
    let mut name = base.to_string();
    let mut i = 2;
    while taken.contains(&name) {
        name = format!("{base}_{i}");
        i += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_names_keep_only_what_names_allow() {
        assert_eq!(machine_name("Q4 - How worse?", "x"), "Q4_-_How_worse");
        assert_eq!(machine_name("???", "survey"), "survey");
        assert_eq!(unique_name("q", &["q".into(), "q_2".into()]), "q_3");
    }

    #[test]
    fn near_miss_answers_are_spotted() {
        assert!(same_but_case_or_spaces("Yes ", "yes"));
        assert!(!same_but_case_or_spaces("Yes", "Yes"));
        assert!(!same_but_case_or_spaces("Yes", "No"));
    }
}
