//! Survey-tool export layouts: how many header rows an export has, what each column is called,
//! which columns are free text or direct identifiers (never read), which columns belong to
//! one "tick all that apply" question, and which rows are incomplete responses.
//!
//! | format | header rows | column name | multi-select |
//! |---|---|---|---|
//! | `csv` | 1 | the header | plain 0/1 columns, or `multi_select` with `choices` |
//! | `qualtrics` | 3: export tags, question text, `{"ImportId":...}` (2 in legacy exports) | the export tag (`Q4_1`) | breakout columns `Q4_1`, `Q4_2`... (choice = text after the last ` - ` of row 2), or one comma-joined column |
//! | `surveymonkey` | 2: question text (above the first column of its block only), then `Response` / `Open-Ended Response` / the option label | the question, or `question / option` | one column per option holding the option text when ticked |
//! | `google-forms` | 1: the question text | the question | one cell, ticked options joined by `, ` |
//! | `limesurvey` | 1: question codes | the code (`Q4[SQ001]`) | one column per subquestion, `Y` when ticked |
//!
//! Free text: Qualtrics `_TEXT` columns, SurveyMonkey `Open-Ended Response` and
//! `(please specify)` columns, LimeSurvey `[other]` and `[comment]` columns, and any column
//! the pipeline lists in `input.free_text`. Direct identifiers: names, e-mail and IP
//! addresses, locations, as each tool labels them. Neither kind can be analysed or copied.

pub use crate::plan::Format;

/// Whether a Qualtrics third header row is the ImportId row (current exports) rather than
/// the first respondent (legacy exports).
pub fn is_import_id_row(first_cell: &str) -> bool {
    first_cell.trim_start().starts_with("{\"ImportId\"")
}

/// Why a column is never read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protected {
    FreeText,
    Identifier,
}

impl Protected {
    pub fn describe(self) -> &'static str {
        match self {
            Protected::FreeText => "free text",
            Protected::Identifier => "a direct identifier",
        }
    }
}

/// One column of an export, as tally names it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceColumn {
    pub name: String,
    /// The question text, when the export has it apart from the name.
    pub text: Option<String>,
    pub protected: Option<Protected>,
    /// `(question, choice)` when the column is one option of a question spread over columns.
    pub group: Option<(String, String)>,
}

/// A row-level completeness check of a format.
#[derive(Debug, Clone, PartialEq)]
pub enum Completeness {
    /// Qualtrics `Finished` must be `1` / `True`.
    Finished(usize),
    /// Qualtrics `Status` must not be a survey preview (`Survey Preview` or code `1`).
    NotPreview(usize),
    /// LimeSurvey `submitdate` must be filled in.
    Submitted(usize),
}

impl Completeness {
    /// The reason for rejecting a row that fails, or `None` if it passes.
    pub fn check(&self, field: &str) -> Option<(&'static str, String)> {
        let v = field.trim();
        match self {
            Completeness::Finished(_) => {
                (!matches!(v, "1" | "True" | "true" | "TRUE")).then(|| {
                    (
                        "incomplete response",
                        format!("`Finished` is `{v}`, not 1 (the respondent did not finish)"),
                    )
                })
            }
            Completeness::NotPreview(_) => matches!(v, "Survey Preview" | "1").then(|| {
                (
                    "survey preview",
                    "`Status` marks a preview by the survey's author, not a respondent".into(),
                )
            }),
            Completeness::Submitted(_) => v.is_empty().then(|| {
                (
                    "incomplete response",
                    "`submitdate` is empty (the response was not submitted)".into(),
                )
            }),
        }
    }

    pub fn column(&self) -> usize {
        match self {
            Completeness::Finished(i)
            | Completeness::NotPreview(i)
            | Completeness::Submitted(i) => *i,
        }
    }
}

/// Names every column of an export from its header rows (`rows[0]` is the first).
pub fn layout(format: Format, rows: &[Vec<String>]) -> Vec<SourceColumn> {
    let first = &rows[0];
    let second = rows.get(1);
    let cell = |row: Option<&Vec<String>>, i: usize| -> String {
        row.and_then(|r| r.get(i))
            .map_or(String::new(), |s| s.trim().to_string())
    };
    let mut cols: Vec<SourceColumn> = match format {
        Format::Csv | Format::Parquet | Format::Arrow => first.iter().map(|n| plain(n)).collect(),
        Format::GoogleForms => first
            .iter()
            .map(|n| SourceColumn {
                protected: is_identifier(n).then_some(Protected::Identifier),
                ..plain(n)
            })
            .collect(),
        Format::LimeSurvey => first.iter().map(|n| limesurvey(n)).collect(),
        Format::Qualtrics => first
            .iter()
            .enumerate()
            .map(|(i, tag)| qualtrics(tag, &cell(second, i)))
            .collect(),
        Format::SurveyMonkey => {
            let mut question = String::new();
            first
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    if !q.trim().is_empty() {
                        question = q.trim().to_string();
                    }
                    surveymonkey(&question, &cell(second, i))
                })
                .collect()
        }
    };
    // Repeated question texts (SurveyMonkey, Google Forms) get a suffix: `Who? (2)`.
    if !matches!(format, Format::Csv | Format::Parquet | Format::Arrow) {
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        for c in &mut cols {
            let k = seen.entry(c.name.clone()).or_insert(0);
            *k += 1;
            if *k > 1 {
                c.name = format!("{} ({})", c.name, k);
            }
        }
    }
    cols
}

/// The completeness checks a format's metadata columns allow.
pub fn completeness(format: Format, cols: &[SourceColumn]) -> Vec<Completeness> {
    let at = |name: &str| cols.iter().position(|c| c.name == name);
    match format {
        Format::Qualtrics => [
            at("Finished").map(Completeness::Finished),
            at("Status").map(Completeness::NotPreview),
        ]
        .into_iter()
        .flatten()
        .collect(),
        Format::LimeSurvey => at("submitdate")
            .map(Completeness::Submitted)
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

fn plain(name: &str) -> SourceColumn {
    SourceColumn {
        name: name.trim().to_string(),
        text: None,
        protected: None,
        group: None,
    }
}

const IDENTIFIERS: [&str; 16] = [
    "ipaddress",
    "ip address",
    "ipaddr",
    "email",
    "email address",
    "recipientemail",
    "recipientfirstname",
    "recipientlastname",
    "first name",
    "last name",
    "firstname",
    "lastname",
    "locationlatitude",
    "locationlongitude",
    "externalreference",
    "username",
];

fn is_identifier(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    IDENTIFIERS.contains(&n.as_str()) || n.starts_with("custom data")
}

fn qualtrics(tag: &str, text: &str) -> SourceColumn {
    let tag = tag.trim();
    let mut col = SourceColumn {
        text: (!text.is_empty()).then(|| text.to_string()),
        protected: is_identifier(tag).then_some(Protected::Identifier),
        ..plain(tag)
    };
    if tag.ends_with("_TEXT") || text.ends_with(" - Text") {
        col.protected = Some(Protected::FreeText);
    } else if let Some((stem, item)) = tag.rsplit_once('_') {
        if !stem.is_empty() && item.chars().all(|c| c.is_ascii_digit()) && !item.is_empty() {
            if let Some((_, choice)) = text.rsplit_once(" - ") {
                col.group = Some((stem.to_string(), choice.trim().to_string()));
            }
        }
    }
    col
}

fn surveymonkey(question: &str, sub: &str) -> SourceColumn {
    let mut col = plain(question);
    col.protected = is_identifier(question).then_some(Protected::Identifier);
    match sub {
        "" | "Response" => {}
        "Open-Ended Response" => col.protected = Some(Protected::FreeText),
        option => {
            col.name = format!("{question} / {option}");
            col.text = Some(question.to_string());
            if option.to_ascii_lowercase().contains("please specify") {
                col.protected = Some(Protected::FreeText);
            }
            // A free-text option still belongs to its question: its text, unread, says
            // whether the question was answered.
            col.group = Some((question.to_string(), option.to_string()));
        }
    }
    col
}

fn limesurvey(code: &str) -> SourceColumn {
    let mut col = plain(code);
    col.protected = is_identifier(code).then_some(Protected::Identifier);
    if let Some((stem, rest)) = code.trim().split_once('[') {
        let sub = rest.trim_end_matches(']');
        if sub == "other" || sub.ends_with("comment") {
            col.protected = Some(Protected::FreeText);
        }
        if !stem.is_empty() && !sub.ends_with("comment") {
            col.group = Some((stem.to_string(), sub.to_string()));
        }
    }
    col
}

/// Splits a joined multi-select cell into the listed choices it contains, in the order
/// written. Choices may contain the separator (Google Forms joins `Brain fog, memory` with
/// `, ` too), so each position is matched against the listed choices, longest first. Text
/// that matches no choice (a free-text "Other" answer) ends the scan: the flag says so.
pub fn split_joined(cell: &str, choices: &[String], sep: &str) -> (Vec<usize>, bool) {
    let mut order: Vec<usize> = (0..choices.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(choices[i].len()));
    let mut found = Vec::new();
    let mut rest = cell.trim();
    while !rest.is_empty() {
        let hit = order.iter().copied().find(|&i| {
            rest.starts_with(choices[i].as_str()) && {
                let after = &rest[choices[i].len()..];
                after.trim().is_empty()
                    || after.starts_with(sep)
                    || after.trim_start().starts_with(sep.trim())
            }
        });
        match hit {
            Some(i) => {
                if !found.contains(&i) {
                    found.push(i);
                }
                rest = rest[choices[i].len()..].trim_start();
                rest = rest.strip_prefix(sep.trim()).unwrap_or(rest).trim_start();
            }
            None => return (found, true),
        }
    }
    (found, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn surveymonkey_names_blocks_and_options() {
        let cols = layout(
            Format::SurveyMonkey,
            &[
                row(&[
                    "Respondent ID",
                    "IP Address",
                    "Which got worse?",
                    "",
                    "",
                    "Who?",
                    "Who?",
                ]),
                row(&[
                    "",
                    "",
                    "Fatigue",
                    "Pain",
                    "Other (please specify)",
                    "Response",
                    "Response",
                ]),
            ],
        );
        let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Respondent ID",
                "IP Address",
                "Which got worse? / Fatigue",
                "Which got worse? / Pain",
                "Which got worse? / Other (please specify)",
                "Who?",
                "Who? (2)"
            ]
        );
        assert_eq!(cols[1].protected, Some(Protected::Identifier));
        assert_eq!(
            cols[3].group,
            Some(("Which got worse?".into(), "Pain".into()))
        );
        assert_eq!(cols[4].protected, Some(Protected::FreeText));
        assert!(
            cols[4].group.is_some(),
            "a free-text option still shows an answer"
        );
    }

    #[test]
    fn qualtrics_and_limesurvey_groups() {
        let q = layout(
            Format::Qualtrics,
            &[
                row(&["Q4_1", "Q4_5_TEXT", "Q5"]),
                row(&[
                    "Which got worse? - Selected Choice - Fatigue",
                    "Which got worse? - Other - Text",
                    "How severe?",
                ]),
            ],
        );
        assert_eq!(q[0].group, Some(("Q4".into(), "Fatigue".into())));
        assert_eq!(q[1].protected, Some(Protected::FreeText));
        assert_eq!(q[2].group, None);
        let l = layout(
            Format::LimeSurvey,
            &[row(&["Q4[SQ001]", "Q4[other]", "ipaddr"])],
        );
        assert_eq!(l[0].group, Some(("Q4".into(), "SQ001".into())));
        assert_eq!(l[1].protected, Some(Protected::FreeText));
        assert_eq!(l[2].protected, Some(Protected::Identifier));
    }

    #[test]
    fn joined_cells_with_separators_inside_choices() {
        let choices = row(&["Fatigue", "Brain fog, memory or concentration", "Pain"]);
        assert_eq!(
            split_joined(
                "Fatigue, Brain fog, memory or concentration, Pain",
                &choices,
                ", "
            ),
            (vec![0, 1, 2], false)
        );
        assert_eq!(
            split_joined("Pain, my own words, here", &choices, ", "),
            (vec![2], true)
        );
        assert_eq!(
            split_joined("Fatigue,Pain", &choices, ","),
            (vec![0, 2], false)
        );
        assert_eq!(split_joined("", &choices, ", "), (vec![], false));
    }
}
