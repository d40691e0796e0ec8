//! How a hidden number is shown. The one piece of disclosure control that the figures
//! themselves carry (an exclusion count in `validate`, a row of `estimate`), so it sits
//! below all three stages: [`crate::disclosure`] decides what to hide, the stages that hold
//! figures only record it, and the renderers print [`Suppression::shown`].

/// How a hidden number is shown, which is all a reader learns of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Suppression {
    /// Shown as `<t`: the number is below the threshold `t` (0 included).
    Small(u64),
    /// Shown as `suppressed`: at least the threshold, hidden to protect a small number.
    Complementary,
}

impl Suppression {
    pub fn name(self) -> &'static str {
        match self {
            Suppression::Small(_) => "small",
            Suppression::Complementary => "complementary",
        }
    }

    /// The text shown in place of the number.
    pub fn shown(self) -> String {
        match self {
            Suppression::Small(t) => format!("<{t}"),
            Suppression::Complementary => "suppressed".into(),
        }
    }
}
