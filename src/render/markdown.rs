//! `report.md`: the same sections as `index.html` (the same report model,
//! [`super::model`]), laid out as Markdown by `templates/report.md.j2`; plots are linked,
//! not inlined. Every piece of text from the data or the pipeline is escaped on output by
//! [`escape_md`] ([`super::templates`]).

use super::model::Report;
use super::RenderError;

/// Escapes Markdown table and inline syntax in data-derived text: a backslash before each
/// of `` | * _ ` [ ] < > # \ ``, and line breaks as spaces (so that a value cannot end a
/// table row, open a heading, a link, an HTML tag or emphasis).
pub fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Renders the Markdown report.
pub fn report(model: &Report) -> Result<String, RenderError> {
    super::templates::markdown(model).map_err(|source| RenderError::Template {
        file: "report.md",
        source,
    })
}
