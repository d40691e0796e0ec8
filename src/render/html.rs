//! `index.html`: one self-contained page (inline CSS and SVG, no script, nothing fetched),
//! the report model ([`super::model`]) laid out by `templates/report.html.j2`. Every piece
//! of text from the data or the pipeline is escaped on output by
//! [`crate::text::escape_html`] ([`super::templates`]).

use super::model::Report;
use super::RenderError;

/// Renders the page.
pub fn report(model: &Report) -> Result<String, RenderError> {
    super::templates::html(model).map_err(|source| RenderError::Template {
        file: "index.html",
        source,
    })
}
