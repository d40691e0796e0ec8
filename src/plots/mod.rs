//! Plots: the only plotters code. In the spine, part of the render stage: the renderer turns
//! an analysis's estimates into plain words and numbers ([`Analysis`]), and every plot kind
//! turns those into its chart and draws it onto any plotters backend; [`encode`] draws it to
//! SVG and PNG. This module knows nothing of plans, estimates or the report's pages: it uses
//! only [`crate::text`], and [`crate::render`] uses it.
//!
//! Plot kinds form one registry, [`KINDS`]: a kind is one file here (its chart, how it is
//! made from an [`Analysis`], how it is drawn, a `draw` function and its registry entry
//! `ENTRY`) and its name in the list below.
//! The pipeline's `report.plots` chooses among the kinds that apply to every analysis; the
//! kinds that draw comparisons are drawn for every analysis that has some.
//!
//! [`meta_forest`] draws a review pipeline's meta-analysis (surveys, pooled diamond,
//! prediction interval); it is not an analysis kind, and [`crate::review`] calls it.

pub mod data;
pub mod encode;
pub mod margins;
pub mod meta_forest;
pub mod selection;
pub mod style;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use data::{Analysis, Cell, Comparison, Comparisons, Effect, Group, Hidden};
pub use encode::{font_face_css, render, Rendered, FONT, INTERNAL_MARK, PNG_SCALE};
pub use style::{
    alt_intro, draw_heading, draw_legend, font, level_colours, px, text_on, Side, OKABE_ITO,
};

/// Something that can draw itself at a scale onto any backend.
pub trait Plot {
    fn size(&self) -> (u32, u32);
    fn alt(&self) -> String;
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        scale: f64,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>;
}

/// What a plot kind draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliesTo {
    /// The estimates of an analysis: drawn for every analysis when the report asks for it.
    Analysis,
    /// The subgroup comparisons of an analysis: drawn for every analysis that has some.
    Comparisons,
}

/// One plot kind.
pub struct KindInfo {
    /// The name in `report.plots` and in the file names (`plots/<analysis>-<name>.svg`).
    pub name: &'static str,
    pub about: &'static str,
    pub applies_to: AppliesTo,
    /// Makes the kind's chart from an analysis and renders it (`internal`: the run is not
    /// for publication, see [`render`]).
    pub draw: fn(&Analysis, internal: bool) -> Result<Rendered, String>,
}

crate::registry::files! {
    /// The registry, in the order a report lists its plots by default.
    pub static KINDS: [KindInfo] = {
        bars,
        diverging,
        forest,
    }
}

/// A plot kind: an entry of [`KINDS`], compared by name.
#[derive(Clone, Copy)]
pub struct PlotKind(&'static KindInfo);

impl PlotKind {
    /// Whether this kind has something to draw for an analysis.
    pub fn applies(self, a: &Analysis) -> bool {
        match self.applies_to {
            AppliesTo::Analysis => true,
            AppliesTo::Comparisons => a.comparisons.is_some(),
        }
    }
}

impl std::ops::Deref for PlotKind {
    type Target = KindInfo;
    fn deref(&self) -> &KindInfo {
        self.0
    }
}

impl PartialEq for PlotKind {
    fn eq(&self, other: &PlotKind) -> bool {
        self.name == other.name
    }
}

impl Eq for PlotKind {}

impl std::fmt::Debug for PlotKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PlotKind({})", self.name)
    }
}

impl crate::registry::Entry for KindInfo {
    type Handle = PlotKind;
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&'static self) -> PlotKind {
        PlotKind(self)
    }
}

/// Every plot kind, in registry order.
pub fn kinds() -> impl Iterator<Item = PlotKind> {
    KINDS.iter().map(PlotKind)
}

/// The kind of this name, if any.
pub fn kind(name: &str) -> Option<PlotKind> {
    kinds().find(|k| k.name == name)
}

/// The kinds a report may choose in `report.plots` (those that draw every analysis), in
/// registry order: also the default choice.
pub fn analysis_kinds() -> impl Iterator<Item = PlotKind> {
    kinds().filter(|k| k.applies_to == AppliesTo::Analysis)
}

/// The kind of this name that a report may choose, if any.
pub fn analysis_kind(name: &str) -> Option<PlotKind> {
    analysis_kinds().find(|k| k.name == name)
}

/// The names a report may choose, for did-you-mean.
pub fn analysis_kind_names() -> Vec<&'static str> {
    analysis_kinds().map(|k| k.name).collect()
}

/// The kinds drawn whatever the report chooses (those that draw comparisons).
pub fn comparison_kinds() -> impl Iterator<Item = PlotKind> {
    kinds().filter(|k| k.applies_to == AppliesTo::Comparisons)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_unique_machine_names() {
        for (i, k) in KINDS.iter().enumerate() {
            assert!(k.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
            assert!(KINDS[..i].iter().all(|o| o.name != k.name), "{}", k.name);
            assert_eq!(kind(k.name).map(|x| x.name), Some(k.name));
        }
        assert!(kind("pie").is_none());
        assert_eq!(analysis_kind_names(), ["bars", "diverging"]);
        assert!(analysis_kind("forest").is_none());
        assert!(kind("forest").is_some());
    }
}
