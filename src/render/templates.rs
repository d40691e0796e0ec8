//! The one home of minijinja: the report model ([`super::model`]) laid out by the two
//! templates embedded in the binary, `templates/report.html.j2` (`index.html`) and
//! `templates/report.md.j2` (`report.md`).
//!
//! Escaping is on by default in both, so a template cannot forget it: every value printed
//! with `{{ ... }}` passes through [`crate::text::escape_html`] in the HTML template and
//! [`super::markdown::escape_md`] in the Markdown one. Only values marked safe escape
//! escaping: the page's `@font-face` CSS and each plot's inline SVG (markup tally made
//! from escaped text), and the Markdown `code` filter's output (a code span, fenced so
//! that no backtick in the value can end it). Blocks are trimmed (`trim_blocks`,
//! `lstrip_blocks`) and a template's final newline kept, so the templates read as the
//! output does; undefined values are errors, not empty text.

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{context, AutoEscape, Environment, UndefinedBehavior, Value};

use super::markdown::escape_md;
use super::model::Report;
use crate::text::escape_html;

const HTML: &str = include_str!("../../templates/report.html.j2");
const MARKDOWN: &str = include_str!("../../templates/report.md.j2");
/// The name of the Markdown escaping (minijinja's custom auto-escape).
const MD: &str = "markdown";

/// Renders `index.html`.
pub fn html(report: &Report) -> Result<String, minijinja::Error> {
    let env = environment("report.html.j2", HTML)?;
    let ctx = context! {
        font_face_css => Value::from_safe_string(crate::plots::font_face_css().to_string()),
        ..Value::from(Serde(report))
    };
    env.get_template("report.html.j2")?.render(ctx)
}

/// Renders `report.md`.
pub fn markdown(report: &Report) -> Result<String, minijinja::Error> {
    let env = environment("report.md.j2", MARKDOWN)?;
    env.get_template("report.md.j2")?
        .render(Value::from(Serde(report)))
}

/// An environment holding one template, escaping by its name's format.
fn environment(
    name: &'static str,
    source: &'static str,
) -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()?,
    );
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html.j2") {
            AutoEscape::Html
        } else {
            AutoEscape::Custom(MD.into())
        }
    });
    env.set_formatter(|out, state, value| {
        if value.is_safe() {
            return minijinja::escape_formatter(out, state, value);
        }
        let text = value.to_string();
        let escaped = match state.auto_escape() {
            AutoEscape::Html => escape_html(&text),
            AutoEscape::Custom(n) if n == MD => escape_md(&text),
            _ => return minijinja::escape_formatter(out, state, value),
        };
        out.write_str(&escaped).map_err(minijinja::Error::from)
    });
    env.add_filter("code", code_span);
    env.add_filter("link", link_target);
    env.add_template(name, source)?;
    Ok(env)
}

/// A Markdown code span of `s`, fenced by one backtick more than its longest run (and
/// padded when it starts or ends with one), with line breaks as spaces.
fn code_span(s: String) -> Value {
    let s = s.replace(['\n', '\r'], " ");
    let (mut run, mut longest) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    Value::from_safe_string(format!("{fence}{pad}{s}{pad}{fence}"))
}

/// A relative link target: every byte but ASCII letters, digits and `-_./` percent-encoded.
fn link_target(s: String) -> Value {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Value::from_safe_string(out)
}

#[cfg(test)]
mod tests {
    use super::{code_span, link_target};

    #[test]
    fn a_link_target_is_percent_encoded() {
        assert_eq!(
            link_target("plots/a_b-1.svg".into()).to_string(),
            "plots/a_b-1.svg"
        );
        assert_eq!(
            link_target("a b)(é".into()).to_string(),
            "a%20b%29%28%C3%A9"
        );
    }

    #[test]
    fn a_code_span_cannot_be_closed_by_its_value() {
        assert_eq!(
            code_span("data/a_b.csv".into()).to_string(),
            "`data/a_b.csv`"
        );
        assert_eq!(code_span("a`b".into()).to_string(), "``a`b``");
        assert_eq!(code_span("`x``".into()).to_string(), "``` `x`` ```");
        assert_eq!(code_span("a\nb".into()).to_string(), "`a b`");
    }
}
