//! The columns of one input as the pipeline sees them: the export's columns named by its
//! format (see [`super::formats`]) and renamed by `input.rename`, free-text and identifier
//! columns fenced off, and each `input.multi_select` question expanded into 0/1 indicator
//! columns named `<question>/<choice>`.
//!
//! An indicator is `1` when the option is ticked, `0` when it is not but another option of the
//! question is, and missing when none is (the respondent did not answer the question), so
//! that the denominator of a "tick all that apply" proportion is "answered the question".

use std::sync::Arc;

use super::csvread::Fields;
use super::formats::{self, Format, Protected, SourceColumn};
use crate::plan::{InputPlan, MultiSelect};
use crate::suggest::did_you_mean;

/// How one needed column's value is read from a record.
#[derive(Debug, Clone)]
pub enum Extract {
    Cell(usize),
    /// Options spread over columns: `this` is ticked when its cell has any answer.
    Spread {
        members: Arc<Vec<usize>>,
        this: usize,
    },
    /// Options joined in one cell; `choice = None` is "Other" (text outside the choices).
    Joined {
        column: usize,
        choice: Option<usize>,
        choices: Arc<Vec<String>>,
        separator: Arc<String>,
    },
}

/// Why a value could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueError {
    InvalidUtf8(usize),
    Nul,
}

impl ValueError {
    pub fn describe(&self, column: &str) -> (&'static str, String) {
        match self {
            ValueError::InvalidUtf8(at) => (
                "invalid UTF-8",
                format!("column `{column}`: invalid UTF-8 at byte {at}"),
            ),
            ValueError::Nul => (
                "NUL byte in a field",
                format!("column `{column}` contains a NUL byte"),
            ),
        }
    }
}

/// A field as text: valid UTF-8 with no NUL byte.
pub fn text(field: &[u8]) -> Result<&str, ValueError> {
    let s = std::str::from_utf8(field).map_err(|e| ValueError::InvalidUtf8(e.valid_up_to()))?;
    if s.contains('\0') {
        return Err(ValueError::Nul);
    }
    Ok(s)
}

impl Extract {
    /// The raw value of this column in `record` (`None` = missing), borrowed from the
    /// record. A plain cell is not checked here: the caller checks a value the first time it
    /// sees it ([`text`]), so the row loop does not validate UTF-8 again for every row.
    pub(super) fn value<'r, R: Fields + ?Sized>(
        &self,
        record: &'r R,
        missing: &[String],
    ) -> Result<Option<&'r [u8]>, ValueError> {
        let is_missing = |s: &[u8]| missing.iter().any(|m| m.as_bytes() == s);
        let answered =
            |s: &str| !is_missing(s.as_bytes()) && !s.trim().is_empty() && s.trim() != "0";
        let tick = |b: bool| Some(if b { &b"1"[..] } else { &b"0"[..] });
        match self {
            Extract::Cell(i) => {
                let s = record.get(*i);
                Ok((!is_missing(s)).then_some(s))
            }
            Extract::Spread { members, this } => {
                let mut any = false;
                for &m in members.iter() {
                    // Lossy: a free-text member is only looked at for being non-empty.
                    any |= answered(&String::from_utf8_lossy(record.get(m)));
                }
                Ok(if any {
                    tick(answered(text(record.get(*this))?))
                } else {
                    None
                })
            }
            Extract::Joined {
                column,
                choice,
                choices,
                separator,
            } => {
                let s = text(record.get(*column))?;
                if is_missing(s.as_bytes()) || s.trim().is_empty() {
                    return Ok(None);
                }
                let (found, other) = formats::split_joined(s, choices, separator);
                Ok(match choice {
                    Some(c) => tick(found.contains(c)),
                    None => tick(other),
                })
            }
        }
    }
}

/// One multi-select question, resolved against the header.
#[derive(Debug, Clone)]
struct Multi {
    name: String,
    /// `(indicator name, extractor)`, in choice order.
    indicators: Vec<(String, Extract)>,
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub columns: Vec<SourceColumn>,
    multi: Vec<Multi>,
    format: Format,
}

impl Layout {
    /// Names the columns and resolves renames and multi-select questions; the error names
    /// the pipeline key at fault (every problem, one a line).
    pub fn new(input: &InputPlan, header_rows: &[Vec<String>]) -> Result<Layout, String> {
        let mut columns = formats::layout(input.format, header_rows);
        let mut problems = Vec::new();
        rename(&mut columns, input, &mut problems);
        fence_free_text(&mut columns, input, &mut problems);
        let mut multi = Vec::new();
        for m in &input.multi_select {
            let key = format!("input.multi_select.{}", m.name);
            // Every column of the question says whether it was answered (a free-text "Other"
            // by being non-empty, unread); only the readable ones become indicators.
            let members: Vec<usize> = columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.group.as_ref().is_some_and(|(q, _)| q == &m.name))
                .map(|(i, _)| i)
                .collect();
            if !members.is_empty() {
                multi.push(spread(m, &key, members, &columns, &mut problems));
            } else if let Some(column) = columns
                .iter()
                .position(|c| c.name == m.name && c.protected.is_none())
            {
                match joined(m, &key, column, input.format) {
                    Ok(j) => multi.push(j),
                    Err(problem) => problems.push(problem),
                }
            } else {
                problems.push(no_question(m, &key, &columns));
            }
        }
        if !problems.is_empty() {
            return Err(problems.join("\n"));
        }
        Ok(Layout {
            columns,
            multi,
            format: input.format,
        })
    }

    /// The names a pipeline may use: readable columns, then indicator columns.
    pub fn available(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| c.protected.is_none())
            .map(|c| c.name.clone())
            .chain(
                self.multi
                    .iter()
                    .flat_map(|m| m.indicators.iter().map(|(n, _)| n.clone())),
            )
            .collect()
    }

    /// The message when the pipeline asks for a column that is never read.
    pub fn refuse(&self, name: &str) -> Option<String> {
        let c = self
            .columns
            .iter()
            .find(|c| c.name == name && c.protected.is_some())?;
        let what = c.protected.map_or("", |p| p.describe());
        Some(format!(
            "column `{name}` is {what} ({} export), which tally never analyses or copies into a report\nhint: analyse a closed question instead; code free-text answers into categories in a new column first",
            self.format.name()
        ))
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name == name && c.protected.is_none())
    }

    /// The extractor of an available column (see [`Layout::available`]); `None` for a
    /// column the layout does not offer (the plan's header check refuses those first).
    pub fn extractor(&self, name: &str) -> Option<Extract> {
        if let Some(i) = self.index_of(name) {
            return Some(Extract::Cell(i));
        }
        self.multi
            .iter()
            .flat_map(|m| m.indicators.iter())
            .find(|(n, _)| n == name)
            .map(|(_, e)| e.clone())
    }

    /// Per source column, why its text is withheld from a verbatim record.
    pub fn withheld(&self) -> Vec<Option<Protected>> {
        self.columns.iter().map(|c| c.protected).collect()
    }

    /// The question text of each of `columns` that has one.
    pub fn questions(&self, columns: &[String]) -> Vec<(String, String)> {
        columns
            .iter()
            .filter_map(|name| {
                if let Some(c) = self.columns.iter().find(|c| &c.name == name) {
                    return c.text.clone().map(|t| (name.clone(), t));
                }
                let m = self
                    .multi
                    .iter()
                    .find(|m| m.indicators.iter().any(|(n, _)| n == name))?;
                let text = self
                    .columns
                    .iter()
                    .find(|c| c.group.as_ref().is_some_and(|(q, _)| q == &m.name))
                    .and_then(|c| c.text.clone())?;
                Some((name.clone(), text))
            })
            .collect()
    }
}

/// Applies `input.rename` to column and question names.
fn rename(columns: &mut [SourceColumn], input: &InputPlan, problems: &mut Vec<String>) {
    for (from, to) in &input.rename {
        let mut hit = false;
        for c in columns.iter_mut() {
            if &c.name == from {
                c.name = to.clone();
                hit = true;
            }
            if let Some((q, _)) = &mut c.group {
                if q == from {
                    *q = to.clone();
                    hit = true;
                }
            }
        }
        if !hit {
            problems.push(format!(
                "key `input.rename`: `{from}` is not a column or question of the file{}",
                near(from, columns)
            ));
        }
    }
}

/// Marks the columns of `input.free_text` as free text (never read).
fn fence_free_text(columns: &mut [SourceColumn], input: &InputPlan, problems: &mut Vec<String>) {
    for f in &input.free_text {
        match columns.iter_mut().find(|c| &c.name == f) {
            Some(c) => c.protected = Some(Protected::FreeText),
            None => problems.push(format!(
                "key `input.free_text`: column `{f}` is not in the file{}",
                near(f, columns)
            )),
        }
    }
}

/// A question with its options spread over columns (`members`, free text included).
fn spread(
    m: &MultiSelect,
    key: &str,
    members: Vec<usize>,
    columns: &[SourceColumn],
    problems: &mut Vec<String>,
) -> Multi {
    let options: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| columns[i].protected.is_none())
        .collect();
    let choice_of = |i: usize| columns[i].group.as_ref().map_or("", |g| g.1.as_str());
    let members = Arc::new(members);
    let wanted: Vec<String> = match &m.choices {
        Some(c) => c.clone(),
        None => options.iter().map(|&i| choice_of(i).to_string()).collect(),
    };
    let mut indicators = Vec::new();
    for w in wanted {
        match options.iter().find(|&&i| choice_of(i) == w) {
            Some(&this) => indicators.push((
                format!("{}/{w}", m.name),
                Extract::Spread {
                    members: members.clone(),
                    this,
                },
            )),
            None => {
                let options: Vec<&str> = options.iter().map(|&i| choice_of(i)).collect();
                problems.push(format!(
                    "key `{key}.choices`: `{w}` is not an option of `{}` (its options: {}){}",
                    m.name,
                    options.join(", "),
                    did_you_mean(&w, options.iter().copied())
                        .map_or(String::new(), |s| format!("\nhint: did you mean `{s}`?"))
                ));
            }
        }
    }
    if m.other {
        problems.push(format!(
            "key `{key}.other`: `other` applies to answers joined in one cell; here each option has its own column"
        ));
    }
    Multi {
        name: m.name.clone(),
        indicators,
    }
}

/// A question with the ticked options joined in one cell (`column`).
fn joined(m: &MultiSelect, key: &str, column: usize, format: Format) -> Result<Multi, String> {
    let Some(choices) = m.choices.clone() else {
        return Err(format!(
            "key `{key}`: `{}` is one column with the ticked options joined in a cell, so tally needs the list of options\nhint: add `choices = [\"...\", ...]` as the options are written in the export",
            m.name
        ));
    };
    let choices = Arc::new(choices);
    let separator = Arc::new(
        m.separator
            .clone()
            .unwrap_or_else(|| format.joined_separator().to_string()),
    );
    let mut indicators: Vec<(String, Extract)> = choices
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                format!("{}/{c}", m.name),
                Extract::Joined {
                    column,
                    choice: Some(i),
                    choices: choices.clone(),
                    separator: separator.clone(),
                },
            )
        })
        .collect();
    if m.other {
        indicators.push((
            format!("{}/Other", m.name),
            Extract::Joined {
                column,
                choice: None,
                choices: choices.clone(),
                separator: separator.clone(),
            },
        ));
    }
    Ok(Multi {
        name: m.name.clone(),
        indicators,
    })
}

/// The problem when a multi-select names no question of the file.
fn no_question(m: &MultiSelect, key: &str, columns: &[SourceColumn]) -> String {
    let mut groups: Vec<&str> = Vec::new();
    for c in columns {
        if let Some((q, _)) = &c.group {
            if !groups.contains(&q.as_str()) {
                groups.push(q);
            }
        }
    }
    let names = groups
        .iter()
        .copied()
        .chain(columns.iter().map(|c| c.name.as_str()));
    format!(
        "key `{key}`: no question of the file is called `{}` (questions with options in columns: {}){}",
        m.name,
        if groups.is_empty() { "none".to_string() } else { groups.join(", ") },
        did_you_mean(&m.name, names)
            .map_or(String::new(), |s| format!("\nhint: did you mean `{s}`? (or rename it with `input.rename`)"))
    )
}

fn near(name: &str, columns: &[SourceColumn]) -> String {
    did_you_mean(name, columns.iter().map(|c| c.name.as_str()))
        .map_or(String::new(), |s| format!("\nhint: did you mean `{s}`?"))
}
