//! What `tally init` learns from a data file: each column's distinct values with their
//! respondent counts, and what the column is for a starter pipeline (a category to
//! analyse or split by, an identifier or free text to leave out, a count column).
//!
//! The file is read with tally's own reader ([`crate::ingest`]), as `tally run` would read
//! it: encodings, delimiters and survey-tool formats included. Columns are judged by the
//! rules of [`crate::identify`] (by name, then by content), then by init's own, cautious
//! ones: a pipeline file is often shared, so a column that may hold what a respondent wrote
//! is left out and its values are never copied.

use crate::identify;
use crate::ingest::{self, IngestError, Table};
use crate::plan::{EncodingChoice, Format, InputKind, InputPlan};

/// A column with more distinct values than this is not offered as a category.
pub const MAX_CATEGORIES: usize = 20;

/// Words of a column name (see [`identify::words`]) that make it a count column, when its
/// values are whole numbers and the other columns never repeat a combination.
const COUNT_WORDS: &[&str] = &["count", "counts", "n", "respondents", "frequency", "freq"];

/// Words of a column name that say it holds free text.
const FREE_TEXT_WORDS: &[&str] = &[
    "comment", "comments", "feedback", "note", "notes", "specify", "explain", "describe",
];

/// Words of a column name that suggest a subgroup (`by`) rather than an outcome.
const BY_WORDS: &[&str] = &[
    "age",
    "sex",
    "gender",
    "ethnicity",
    "ethnic",
    "region",
    "area",
    "country",
    "nation",
    "county",
    "site",
    "clinic",
    "hospital",
    "provider",
    "group",
    "cohort",
    "arm",
    "wave",
    "year",
    "severity",
    "band",
    "diagnosis",
];

/// What a column is, for the starter pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum Class {
    /// Looks like a direct identifier: why (never its values).
    Identifier(String),
    /// Free text: why.
    FreeText(String),
    /// The count column of a counts table.
    Count,
    /// No respondent has a value.
    Empty,
    /// More than [`MAX_CATEGORIES`] distinct values.
    Many,
    /// A category column, and its likely role.
    Category(Role),
}

/// A category column's likely role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Outcome,
    By,
    /// One value only: nothing to estimate.
    Single,
}

/// One column of the data file.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// Non-missing values with their respondents, most frequent first (ties by value).
    pub values: Vec<(String, u64)>,
    /// Respondents with a missing value (an `input.missing` token: empty or `NA`).
    pub missing: u64,
    pub class: Class,
}

/// What init learnt from the file.
#[derive(Debug, Clone)]
pub struct Profile {
    pub input: InputPlan,
    pub table: Table,
    pub columns: Vec<Column>,
    /// Columns the format fences off (never read), with what they are.
    pub fenced: Vec<(String, &'static str)>,
    /// The respondent id column: named as one, a value on every row, none repeated.
    pub id_column: Option<String>,
}

/// An input plan for `path` as given on the command line, read with every default.
pub fn input_plan(path: &std::path::Path, written: String, format: Format) -> InputPlan {
    InputPlan {
        path: path.to_path_buf(),
        written,
        kind: InputKind::Respondents,
        delimiter: None,
        missing: vec![String::new(), "NA".into()],
        id_column: None,
        count_column: None,
        table_column: None,
        respondents: None,
        percentages: None,
        design: None,
        format,
        encoding: EncodingChoice::Auto,
        rename: indexmap::IndexMap::new(),
        multi_select: Vec::new(),
        free_text: Vec::new(),
        complete_only: true,
        rules: Vec::new(),
    }
}

/// Reads the file (twice for a counts table: once to find the count column, once to count
/// its respondents) and judges every column.
pub fn profile(mut input: InputPlan) -> Result<Profile, IngestError> {
    let (available, fenced) = ingest::read_columns(&input)?;
    let read = |input: &InputPlan, columns: &[String]| {
        ingest::read(input, columns, &[], &|_| Ok(()), &|_| {})
    };
    let mut table = read(&input, &available)?;
    let mut counts = None;
    if let Some(c) = count_column(&table) {
        let mut counted = input.clone();
        counted.kind = InputKind::Counts;
        counted.count_column = Some(table.columns[c].clone());
        let others: Vec<String> = available
            .iter()
            .filter(|n| **n != table.columns[c])
            .cloned()
            .collect();
        table = read(&counted, &others)?;
        counts = Some(available[c].clone());
        input = counted;
    }
    let mut columns: Vec<Column> = (0..table.columns.len())
        .map(|i| column(&table, i))
        .collect();
    if let Some(name) = counts {
        columns.push(Column {
            name,
            values: Vec::new(),
            missing: 0,
            class: Class::Count,
        });
    }
    let id_column = (input.kind == InputKind::Respondents)
        .then(|| {
            columns.iter().find(|c| {
                identify::name_finding(&c.name).is_some_and(|(what, _)| what.contains("identifier"))
                    && c.missing == 0
                    && c.values.len() as u64 == table.respondents
            })
        })
        .flatten()
        .map(|c| c.name.clone());
    Ok(Profile {
        input,
        table,
        columns,
        fenced,
        id_column,
    })
}

/// The column of a respondents-read table that makes it a counts table: named as a count,
/// a whole number on every row, and the other columns never repeating a combination (in a
/// respondent file they do).
fn count_column(table: &Table) -> Option<usize> {
    if table.columns.len() < 2 || table.records_kept == 0 {
        return None;
    }
    let c = table.columns.iter().position(|n| {
        identify::words(n)
            .iter()
            .any(|w| COUNT_WORDS.contains(&w.as_str()))
    })?;
    let whole = table.rows.iter().all(|(t, _)| {
        t[c].as_deref()
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
    });
    let mut combos = std::collections::HashSet::new();
    for (t, n) in &table.rows {
        let other: Vec<&Option<String>> = t
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != c)
            .map(|(_, v)| v)
            .collect();
        if *n > 1 || !combos.insert(other) {
            return None;
        }
    }
    whole.then_some(c)
}

/// Column `i`'s values and class.
fn column(table: &Table, i: usize) -> Column {
    let mut values: indexmap::IndexMap<&str, u64> = indexmap::IndexMap::new();
    let mut missing = 0;
    for (t, n) in &table.rows {
        match &t[i] {
            Some(v) => *values.entry(v.as_str()).or_insert(0) += n,
            None => missing += n,
        }
    }
    let mut values: Vec<(String, u64)> = values
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(v, n)| (v.to_string(), n))
        .collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let name = table.columns[i].clone();
    let class = classify(&name, &values);
    Column {
        name,
        values,
        missing,
        class,
    }
}

/// Judges a column by its name and values (see the module docs).
pub fn classify(name: &str, values: &[(String, u64)]) -> Class {
    if values.is_empty() {
        return Class::Empty;
    }
    if let Some((what, words)) = identify::name_finding(name) {
        return Class::Identifier(format!("its name has the {words}: {what}"));
    }
    let words = identify::words(name);
    if let Some(w) = words.iter().find(|w| FREE_TEXT_WORDS.contains(&w.as_str())) {
        return Class::FreeText(format!("its name has the word `{w}`: free text"));
    }
    let stats = identify::Stats::of(values.iter().map(|(v, n)| (v.as_str(), *n)));
    if let Some((rule, evidence)) = stats.finding() {
        return if rule == "free text" {
            Class::FreeText(format!("{rule}: {evidence}"))
        } else {
            Class::Identifier(format!("{rule}: {evidence}"))
        };
    }
    let long = stats.median_chars > identify::FREE_TEXT_MEDIAN_CHARS
        || stats.median_words > identify::FREE_TEXT_MEDIAN_WORDS;
    if long && 2 * stats.distinct as u64 > stats.respondents {
        return Class::FreeText(format!(
            "free text: long values ({} characters and {} words at the median), {} distinct among {} respondents",
            stats.median_chars, stats.median_words, stats.distinct, stats.respondents
        ));
    }
    if values.len() > MAX_CATEGORIES {
        return Class::Many;
    }
    Class::Category(if values.len() == 1 {
        Role::Single
    } else if words.iter().any(|w| BY_WORDS.contains(&w.as_str())) {
        Role::By
    } else {
        Role::Outcome
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(v: &[(&str, u64)]) -> Vec<(String, u64)> {
        v.iter().map(|(s, n)| (s.to_string(), *n)).collect()
    }

    #[test]
    fn columns_are_judged_by_name_then_content() {
        let yes_no = vals(&[("Yes", 30), ("No", 12)]);
        assert_eq!(classify("tried", &yes_no), Class::Category(Role::Outcome));
        assert_eq!(classify("get_provider", &yes_no), Class::Category(Role::By));
        assert_eq!(
            classify("tried", &vals(&[("Yes", 3)])),
            Class::Category(Role::Single)
        );
        assert_eq!(classify("tried", &[]), Class::Empty);
        let Class::Identifier(why) = classify("respondent_id", &yes_no) else {
            panic!("an id by name")
        };
        assert_eq!(why, "its name has the word `id`: a respondent identifier");
        let Class::Identifier(why) = classify("contact", &vals(&[("a@b.org", 1), ("x", 9)])) else {
            panic!("an e-mail by content")
        };
        assert!(why.starts_with("e-mail addresses: 1 of 10"), "{why}");
        assert!(!why.contains("a@b.org"));
        assert!(matches!(classify("comments", &yes_no), Class::FreeText(_)));
        let few_long = vals(&[
            (
                "It made my fatigue much worse for several weeks afterwards",
                1,
            ),
            (
                "I could not get out of bed for a month after the sessions",
                1,
            ),
            ("No", 1),
        ]);
        assert!(matches!(
            classify("thoughts", &few_long),
            Class::FreeText(_)
        ));
        let many: Vec<(String, u64)> = (0..25).map(|i| (format!("{i}"), 3)).collect();
        assert_eq!(classify("age_years", &many), Class::Many);
        // Long options of a closed question stay a category.
        let long_options = vals(&[
            ("A health professional who does not specialise in M.E.", 40),
            ("An M.E. specialist", 30),
        ]);
        assert_eq!(
            classify("who", &long_options),
            Class::Category(Role::Outcome)
        );
    }
}
