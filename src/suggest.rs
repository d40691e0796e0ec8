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
