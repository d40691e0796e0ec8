//! `[selection]` and each `[analysis.selection]` as meant: the threshold the headline
//! figures are read against, whether their selection ratios are stated and drawn, and the
//! number invited (for the response-rate bounds). The statistics are
//! [`crate::stats::selection`]; the figures are assessed after disclosure control
//! ([`crate::estimate::sensitivity`]).

use super::problems::Problems;
use crate::spec::SelectionSpec;

/// The documented default threshold: a majority.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// One analysis's self-selection settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelectionPlan {
    /// State, for each headline figure and each stated contrast, the selection ratio at
    /// which it would no longer hold.
    pub ratio: bool,
    /// The share a figure is read against, in (0, 1).
    pub threshold: f64,
    /// The number invited or eligible; `None`: no response-rate bounds.
    pub invited: Option<u64>,
    /// `invited` is the analysis's own (`[analysis.selection]`), not the top-level one.
    pub own_invited: bool,
    /// Draw the figures against the selection ratio.
    pub plot: bool,
}

impl Default for SelectionPlan {
    fn default() -> SelectionPlan {
        SelectionPlan {
            ratio: true,
            threshold: DEFAULT_THRESHOLD,
            invited: None,
            own_invited: false,
            plot: true,
        }
    }
}

impl SelectionPlan {
    /// Anything to say about self-selection.
    pub fn any(&self) -> bool {
        self.ratio || self.invited.is_some()
    }
}

/// `spec` over `base` (the top-level table over the defaults, an analysis's over the
/// top-level one); problems are reported at `key.<field>`.
pub(super) fn plan_selection(
    spec: Option<&SelectionSpec>,
    base: SelectionPlan,
    key: &str,
    problems: &mut Problems,
) -> SelectionPlan {
    let Some(s) = spec else { return base };
    let mut plan = base;
    if let Some(r) = s.ratio {
        plan.ratio = r;
    }
    if let Some(p) = s.plot {
        plan.plot = p;
    }
    if let Some(t) = s.threshold {
        if t > 0.0 && t < 1.0 {
            plan.threshold = t;
        } else if t > 1.0 && t < 100.0 {
            problems.add(
                &format!("{key}.threshold"),
                format!(
                    "must be a share between 0 and 1, got {t}\nhint: write {} for {t}%",
                    t / 100.0
                ),
            );
        } else {
            problems.add(
                &format!("{key}.threshold"),
                format!("must be a share strictly between 0 and 1, got {t}\nhint: 0.5 reads each figure against a majority"),
            );
        }
    }
    if let Some(n) = s.invited {
        if n == 0 {
            problems.add(
                &format!("{key}.invited"),
                "must be the number of people invited to answer (or eligible), at least the number who answered; got 0",
            );
        } else {
            plan.invited = Some(n);
            plan.own_invited = key.starts_with("analysis");
        }
    }
    plan
}
