//! The one idiom for a closed set of names: interval methods, sides, comparison methods,
//! measures, 2 x 2 tests, p-value adjustments and simultaneous methods ([`crate::stats`]);
//! input kinds, survey-tool formats, encodings and missing-answer policies
//! ([`crate::plan`]); plot kinds ([`crate::plots`]). A leaf: it imports nothing.
//!
//! A set is a static slice of entries, in the order `tally methods`, the docs and every
//! message list them. Each entry carries its name, its documentation line(s), and its
//! function (an interval method its `interval`, a test its `run`, ...). A chosen value is a
//! `Copy` handle of its entry ([`Entry::Handle`]): the entry itself for the interval methods
//! (so that a new method is its file plus one line in the registry), an enum naming it for
//! the sets whose members other code names. Lookup by name is exact, never by prefix, and
//! goes through the slice, as do the lists of known names in messages; there is no second
//! `match` to keep in step.
//!
//! An unknown name is returned as data ([`Unknown`]), and [`crate::suggest`] words it with
//! its did-you-mean.

/// Declares the files of a set and its registry from one list of file names: each file
/// defines `ENTRY`, its registry entry, so that a new member is its file plus its name in
/// the list (used for interval methods, `stats::ci`, and plot kinds, `plots`).
macro_rules! files {
    ($(#[$doc:meta])* $vis:vis static $name:ident: [$ty:ty] = { $($file:ident,)* }) => {
        $(pub mod $file;)*

        $(#[$doc])*
        $vis static $name: &[$ty] = &[$($file::ENTRY),*];
    };
}
pub(crate) use files;

/// One entry of a closed set of names.
pub trait Entry: Sync + 'static {
    /// What a chosen value is kept as.
    type Handle: Copy + PartialEq;
    /// The name as written in pipelines and on the command line.
    fn name(&self) -> &'static str;
    /// The handle of this entry.
    fn handle(&'static self) -> Self::Handle;
}

/// The entry of a handle (every handle has one: each registry's tests look every member up).
#[expect(
    clippy::expect_used,
    reason = "every member of a closed set has its entry, checked by each registry's tests"
)]
pub fn entry<E: Entry>(entries: &'static [E], handle: E::Handle) -> &'static E {
    entries
        .iter()
        .find(|e| e.handle() == handle)
        .expect("every handle has a registry entry")
}

/// The names of a registry, in its order.
pub fn names<E: Entry>(entries: &[E]) -> Vec<&'static str> {
    entries.iter().map(Entry::name).collect()
}

/// Looks a name up exactly; `what` names the set in the message ("measure", "test").
pub fn lookup<E: Entry>(
    entries: &'static [E],
    what: &str,
    given: &str,
) -> Result<E::Handle, Unknown> {
    entries
        .iter()
        .find(|e| e.name() == given)
        .map(|e| e.handle())
        .ok_or_else(|| Unknown::new(what, given, names(entries)))
}

/// A name that is not in a registry: what kind of name, the name given and the names known.
/// Its `Display` (in [`crate::suggest`]) adds the nearest known name when it looks like a
/// typo.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    pub what: String,
    pub given: String,
    pub known: Vec<&'static str>,
    pub listing: Listing,
}

impl Unknown {
    /// `given` is not among the `known` names of a set of `what`s.
    pub fn new(what: &str, given: &str, known: Vec<&'static str>) -> Unknown {
        Unknown {
            what: what.to_string(),
            given: given.to_string(),
            known,
            listing: Listing::Always,
        }
    }
}

/// When the message lists the known names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// `unknown test `x`; known: a, b (did you mean `a`?)`.
    Always,
    /// `unknown interval method `x` (did you mean `a`?)`, the names only when none is near.
    UnlessNear,
}
