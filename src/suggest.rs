//! Did-you-mean suggestions for names (methods, TOML keys, columns, category labels).

/// The closest candidate to `given`, if one is close enough to be a likely typo.
///
/// Closeness is the normalised Damerau-Levenshtein similarity after trimming and
/// lower-casing, so that `"Worsened "` suggests `worsened` and `wilsen` suggests `wilson`.
pub fn did_you_mean<'a, I>(given: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let norm = |s: &str| s.trim().to_lowercase();
    let g = norm(given);
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = if norm(c) == g {
            1.0
        } else {
            strsim::normalized_damerau_levenshtein(&g, &norm(c))
        };
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.filter(|(s, _)| *s >= 0.6).map(|(_, c)| c.to_string())
}

/// The message for a name that is not in a closed list: what it is, the names known, and
/// the nearest one when it looks like a typo.
pub fn unknown(what: &str, given: &str, known: &[&str]) -> String {
    let mut m = format!("unknown {what} `{given}`; known: {}", known.join(", "));
    if let Some(s) = did_you_mean(given, known.iter().copied()) {
        m.push_str(&format!(" (did you mean `{s}`?)"));
    }
    m
}

/// The message for a name not in a [`crate::registry`] (which holds no text matching of
/// its own).
impl std::fmt::Display for crate::registry::Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::registry::Listing;
        match self.listing {
            Listing::Always => f.write_str(&unknown(&self.what, &self.given, &self.known)),
            Listing::UnlessNear => {
                write!(f, "unknown {} `{}`", self.what, self.given)?;
                match did_you_mean(&self.given, self.known.iter().copied()) {
                    Some(s) => write!(f, " (did you mean `{s}`?)"),
                    None => write!(f, " (known: {})", self.known.join(", ")),
                }
            }
        }
    }
}

impl std::error::Error for crate::registry::Unknown {}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_near_misses_only() {
        let cands = ["worsened", "improved", "no_change"];
        assert_eq!(did_you_mean("Worsened ", cands), Some("worsened".into()));
        assert_eq!(did_you_mean("improvd", cands), Some("improved".into()));
        assert_eq!(did_you_mean("banana", cands), None);
    }
}
