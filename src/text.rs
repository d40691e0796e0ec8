//! Text helpers shared by the renderers and the plots: HTML escaping and the ways a number
//! is written for people (thousands separators, percentages, confidence levels, p-values),
//! and TOML strings and keys as tally writes them into pipelines (`tally init`).
//!
//! A leaf of the spine: it imports nothing from the crate, so that [`crate::render`] and
//! [`crate::plots`] can both use it without using each other. Markdown's escaping is
//! Markdown's own and stays in `render::markdown`.

/// Escapes text for HTML (and SVG) element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// 4038 -> "4,038".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A proportion as a percentage, always one decimal: 0.381 -> "38.1%", 0.38 -> "38.0%".
pub fn pct(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

/// A proportion as a whole percentage, for axis ticks (which fall on whole percentages):
/// 0.4 -> "40%".
pub fn pct_whole(p: f64) -> String {
    format!("{:.0}%", p * 100.0)
}

/// A ratio for people ("how many times as likely"), to three significant figures:
/// 1.5648 -> "1.56", 12.34 -> "12.3", 151.2 -> "151"; beyond 1,000 in thousands.
pub fn ratio_text(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    if v >= 1000.0 {
        thousands(v.round() as u64)
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A confidence level: 0.95 -> "95%", 0.999 -> "99.9%".
pub fn level_pct(level: f64) -> String {
    let v = level * 100.0;
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// A p-value for people: "0.0046", "1.2e-5", "< 1e-300".
pub fn format_p(p: f64) -> String {
    if p == 0.0 {
        "< 1e-300".into()
    } else if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// A value as a TOML basic string: quotes and backslashes escaped, every control character
/// (a newline included) as a `\u` escape, so that the result is one line and reads back as the
/// value.
pub fn toml_string(value: &str) -> String {
    let mut s = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if c.is_control() => s.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// A name as a TOML key: bare when it can be (ASCII letters, digits, `-`, `_`), else a
/// [`toml_string`].
pub fn toml_key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        name.to_string()
    } else {
        toml_string(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_and_keys_read_back_as_written() {
        for v in [
            "plain",
            "say \"yes\" = no",
            "back\\slash",
            "two\nlines\ttab",
            "Ünïcødé ✓",
            "",
            "del\u{7f}",
        ] {
            let text = format!("{} = {}\n", toml_key(v), toml_string(v));
            assert_eq!(text.lines().count(), 1, "{text}");
            let t: toml::Table = toml::from_str(&text).unwrap();
            assert_eq!(t.get(v).and_then(|x| x.as_str()), Some(v), "{text}");
        }
        assert_eq!(toml_key("get_outcome"), "get_outcome");
        assert_eq!(toml_key("a.b"), "\"a.b\"");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_html("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn writes_numbers_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(4038), "4,038");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(pct(0.38), "38.0%");
        assert_eq!(pct_whole(0.4), "40%");
        assert_eq!(level_pct(0.95), "95%");
        assert_eq!(level_pct(0.999), "99.9%");
        assert_eq!(format_p(0.0), "< 1e-300");
        assert_eq!(format_p(0.004_56), "0.0046");
        assert_eq!(format_p(1.2e-5), "1.2e-5");
    }
}
