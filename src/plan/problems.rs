//! Problems in a pipeline file, and the one collector every section of the plan reports
//! through. Planning never stops at the first problem: each section adds what it finds to
//! [`Problems`] and goes on with a default, so the user sees every problem at once, in the
//! order the sections are planned (`plan::from_spec`), each with its TOML key path.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::suggest::did_you_mean;

/// One problem in a pipeline file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}: key `{}`: {}",
                self.file.display(),
                self.key,
                self.message
            )
        }
    }
}

/// The problems found so far in one pipeline file, in the order they were found.
pub(super) struct Problems {
    file: PathBuf,
    found: Vec<Problem>,
}

impl Problems {
    pub(super) fn new(file: &Path) -> Problems {
        Problems {
            file: file.to_path_buf(),
            found: Vec::new(),
        }
    }

    /// Adds a problem at TOML key `key` (empty: the file as a whole).
    pub(super) fn add(&mut self, key: &str, message: impl Into<String>) {
        self.found.push(Problem {
            file: self.file.clone(),
            key: key.to_string(),
            message: message.into(),
        });
    }

    /// The value of a name resolved elsewhere (`Measure::from_name`, ...); its error is a
    /// problem at `key`.
    pub(super) fn take<T, E: std::fmt::Display>(
        &mut self,
        key: &str,
        resolved: Result<T, E>,
    ) -> Option<T> {
        resolved.map_err(|e| self.add(key, e.to_string())).ok()
    }

    /// `value` when nothing was found, else every problem.
    pub(super) fn or_all<T>(self, value: impl FnOnce() -> T) -> Result<T, Vec<Problem>> {
        if self.found.is_empty() {
            Ok(value())
        } else {
            Err(self.found)
        }
    }
}

/// The TOML key of a field of the `i`th `[[analysis]]`: `analysis[i].<field>`.
#[derive(Debug, Clone, Copy)]
pub(super) struct AnalysisKey(pub(super) usize);

impl AnalysisKey {
    pub(super) fn of(self, field: &str) -> String {
        format!("analysis[{}].{field}", self.0)
    }
}

/// A named choice from a fixed list: `default` when absent; an unknown name is a problem at
/// `key` that lists the names, with a did-you-mean.
pub(super) fn choose<T>(
    given: Option<&str>,
    default: T,
    parse: impl Fn(&str) -> Option<T>,
    names: &[&str],
    (key, what): (&str, &str),
    problems: &mut Problems,
) -> T {
    let Some(g) = given else { return default };
    parse(g).unwrap_or_else(|| {
        problems.add(key, crate::suggest::unknown(what, g, names));
        default
    })
}

/// The first `max` names joined, and how many more there are.
pub fn list_some(names: &[String], max: usize) -> String {
    let mut s = names
        .iter()
        .take(max)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > max {
        s.push_str(&format!(", ... and {} more", names.len() - max));
    }
    s
}

/// A `hint: did you mean` line (with its leading newline) when `given` is near one of
/// `known`, else nothing.
pub(super) fn hint_for(given: &str, known: &[&str]) -> String {
    did_you_mean(given, known.iter().copied())
        .map(|s| format!("\nhint: did you mean `{s}`?"))
        .unwrap_or_default()
}

/// A name that can be a file or folder name anywhere: letters, digits, `-` and `_`.
pub(super) fn is_machine_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
