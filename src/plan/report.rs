//! `[report]` and `[disclosure]` as meant: the report's title, texts, plot kinds and
//! directory (a folder of its own inside the reports root, never the root, never a folder
//! holding the pipeline or its input), and the small-cell protection `disclosure` applies
//! before `render` publishes anything.

use std::path::{Component, Path, PathBuf};

use super::problems::{hint_for, Problem, Problems};
use crate::spec::{DisclosureSpec, ReportSpec};

pub use crate::plots::PlotKind;

#[derive(Debug, Clone)]
pub struct ReportPlan {
    pub title: String,
    pub description: Option<String>,
    pub caveats: Vec<String>,
    /// Relative to the reports root; never absolute, never with `..`, never the root itself.
    pub dir: PathBuf,
    /// The TOML key that set `dir`: `report.dir`, or `name` when it defaults to the name.
    pub dir_key: &'static str,
    pub plots: Vec<PlotKind>,
}

/// `[disclosure]`: small-cell protection of published outputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DisclosurePlan {
    /// `false` for an internal run: nothing is suppressed, and every output says so.
    pub protect: bool,
    pub min_cell: u64,
    /// Groups of fewer respondents must not show that all, or all but a few, of them gave
    /// one answer (see `disclosure`).
    pub min_group: u64,
    /// Round shown counts to this base.
    pub round: Option<u64>,
}

impl Default for DisclosurePlan {
    fn default() -> Self {
        DisclosurePlan {
            protect: true,
            min_cell: 5,
            min_group: 10,
            round: None,
        }
    }
}

/// Plans `[disclosure]`: `min_cell` at least 2, `min_group` at least `min_cell` (default
/// twice it), a rounding base of at least 2.
pub(super) fn plan_disclosure(
    d: Option<&DisclosureSpec>,
    problems: &mut Problems,
) -> DisclosurePlan {
    let mut disclosure = DisclosurePlan::default();
    let Some(d) = d else { return disclosure };
    disclosure.protect = d.protect.unwrap_or(true);
    if let Some(m) = d.min_cell {
        if m < 2 {
            problems.add("disclosure.min_cell", format!("min_cell must be at least 2, got {m}\nhint: to publish without protection, set `disclosure.protect = false`"));
        } else {
            disclosure.min_cell = m;
        }
    }
    disclosure.min_group = 2 * disclosure.min_cell;
    match d.min_group {
        Some(g) if g < disclosure.min_cell => problems.add(
            "disclosure.min_group",
            format!(
                "min_group must be at least min_cell ({}), got {g}",
                disclosure.min_cell
            ),
        ),
        Some(g) => disclosure.min_group = g,
        None => {}
    }
    match d.round {
        Some(0) | Some(1) => problems.add(
            "disclosure.round",
            "round must be a base of at least 2 (e.g. 5)",
        ),
        r => disclosure.round = r,
    }
    disclosure
}

/// Plans `[report]`; `name` is the pipeline's name, the default title and directory.
pub(super) fn plan_report(report: ReportSpec, name: &str, problems: &mut Problems) -> ReportPlan {
    let dir_written = report.dir.clone().unwrap_or_else(|| name.to_string());
    let dir_key = if report.dir.is_some() {
        "report.dir"
    } else {
        "name"
    };
    if !is_safe_relative(&dir_written) {
        problems.add(
            dir_key,
            format!("report directory `{dir_written}` must name a folder inside the reports root: a relative path, no `..`, not absolute, and not `.` (the reports root itself, which a run would replace)"),
        );
    }
    let plots = plan_plots(report.plots.as_deref(), problems);
    ReportPlan {
        title: report.title.unwrap_or_else(|| name.to_string()),
        description: report.description,
        caveats: report.caveats,
        dir: PathBuf::from(dir_written),
        dir_key,
        plots,
    }
}

/// `report.plots`: the kinds named, in their order; default every kind.
fn plan_plots(names: Option<&[String]>, problems: &mut Problems) -> Vec<PlotKind> {
    let Some(names) = names else {
        return crate::plots::analysis_kinds().collect();
    };
    names
        .iter()
        .filter_map(|n| match crate::plots::analysis_kind(n) {
            Some(k) => Some(k),
            None => {
                let known = crate::plots::analysis_kind_names();
                problems.add(
                    "report.plots",
                    format!("unknown plot kind `{n}`{}", hint_for(n, &known)),
                );
                None
            }
        })
        .collect()
}

/// A relative path that stays strictly inside its root: no root, no prefix, no `..`, and at
/// least one named component (`.` or `./.` is the root itself).
pub fn is_safe_relative(p: &str) -> bool {
    let path = Path::new(p);
    path.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        && path.components().any(|c| matches!(c, Component::Normal(_)))
}

/// The check of [`super::check_report_location`] on the parts of the plan it needs: the
/// report's directory and the TOML key that chose it, the pipeline file and the input.
pub(super) fn check_location(
    report: &ReportPlan,
    pipeline: &Path,
    input: &Path,
    reports_root: &Path,
) -> Result<(), Problem> {
    let dir = absolute(&reports_root.join(&report.dir));
    let key = report.dir_key;
    let shown = reports_root.join(&report.dir);
    let problem = |what: &str, hint: &str| {
        Problem {
        file: pipeline.to_path_buf(),
        key: key.to_string(),
        message: format!(
            "the report directory {} is {what}; writing the report replaces that directory, so it would be deleted\nhint: {hint}",
            shown.display()
        ),
    }
    };
    let hint = if key == "name" {
        "set `report.dir` (or another `name`) to a folder of its own inside the reports root, or choose another --reports-dir"
    } else {
        "point `report.dir` at a folder of its own inside the reports root, or choose another --reports-dir"
    };
    if dir == absolute(reports_root) {
        return Err(problem("the reports root itself", hint));
    }
    for (what, file) in [("the pipeline file", pipeline), ("the input", input)] {
        let f = absolute(file);
        if f == dir {
            return Err(problem(&format!("{what} ({})", file.display()), hint));
        }
        if f.starts_with(&dir) {
            return Err(problem(
                &format!("a folder holding {what} ({})", file.display()),
                hint,
            ));
        }
    }
    Ok(())
}

/// `p` as an absolute path with `.` and `..` resolved and symbolic links followed as far as
/// the path exists (the rest, not yet created, is joined lexically).
fn absolute(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    if let Ok(real) = joined.canonicalize() {
        return real;
    }
    // Not all there yet: `.` and `..` lexically (`a/missing/../b` is `a/b`), then the
    // longest existing prefix resolved.
    let mut lexical = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            out.extend(rest.iter().rev());
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return lexical,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_report_dirs_are_refused() {
        assert!(is_safe_relative("ame/2019"));
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("/tmp/x"));
        assert!(!is_safe_relative(""));
        assert!(!is_safe_relative("."), "the reports root itself");
        assert!(!is_safe_relative("./."));
        assert!(is_safe_relative("./r"));
    }
}
