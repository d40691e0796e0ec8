//! Drawing a plot to files: SVG text and PNG bytes at print resolution, through the font
//! embedded in the binary (DejaVu Sans, subset; `assets/fonts/`), so the output is the same on
//! every machine and never looks up a system font. An internal run's plots are marked here.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use super::{px, Plot};

/// The embedded plot font (regular and bold), registered with plotters under [`FONT`].
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold-subset.ttf");

/// The font family name used in plots (and in the SVGs' `@font-face`).
pub const FONT: &str = "TallySans";

/// PNG pixels per SVG unit: 2 gives about 200 dpi for an 8-inch-wide figure.
pub const PNG_SCALE: f64 = 2.0;

static REGISTER: Once = Once::new();

fn register_fonts() {
    REGISTER.call_once(|| {
        // The bytes are compiled in; a failure here is a build defect caught by the tests.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, REGULAR);
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, BOLD);
    });
}

/// The `@font-face` rule that makes an SVG render with the embedded font.
/// Encoded once per process: it is the same ~95 KB for every plot and page.
pub fn font_face_css() -> &'static str {
    static CSS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSS.get_or_init(|| {
        format!(
            "@font-face{{font-family:'{FONT}';src:url(data:font/ttf;base64,{}) format('truetype');font-weight:normal}}\
             @font-face{{font-family:'{FONT}';src:url(data:font/ttf;base64,{}) format('truetype');font-weight:bold}}",
            base64(REGULAR),
            base64(BOLD)
        )
    })
}

/// A rendered plot.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// SVG without the font (for inlining in a page that carries the `@font-face` once).
    pub svg_inline: String,
    /// Standalone SVG with the font embedded.
    pub svg: String,
    pub png: Vec<u8>,
    /// A text alternative for screen readers and the HTML `alt`.
    pub alt: String,
}

/// The mark drawn on every plot of an internal run, and added to its text alternative.
pub const INTERNAL_MARK: &str = "Internal run: not for publication";

/// Renders a plot to SVG and PNG; an internal run's plots carry [`INTERNAL_MARK`] in their
/// top right corner and in their alt text.
pub fn render<P: Plot>(plot: &P, internal: bool) -> Result<Rendered, String> {
    register_fonts();
    let (w, h) = plot.size();
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        plot.draw(&area, 1.0)
            .and_then(|()| mark_internal(&area, w, internal, 1.0))
            .map_err(|e| format!("drawing SVG: {e}"))?;
        area.present().map_err(|e| format!("drawing SVG: {e}"))?;
    }
    let (pw, ph) = ((w as f64 * PNG_SCALE) as u32, (h as f64 * PNG_SCALE) as u32);
    let mut rgb = vec![255u8; (pw * ph * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (pw, ph)).into_drawing_area();
        plot.draw(&area, PNG_SCALE)
            .and_then(|()| mark_internal(&area, w, internal, PNG_SCALE))
            .map_err(|e| format!("drawing PNG: {e}"))?;
        area.present().map_err(|e| format!("drawing PNG: {e}"))?;
    }
    let png = encode_png(&rgb, pw, ph)?;
    let mut alt = plot.alt();
    if internal {
        alt = format!("{INTERNAL_MARK}. {alt}");
    }
    let svg_inline = add_title(&svg, &alt);
    let standalone = svg_inline.replacen("<svg ", &format!("<svg font-family=\"{FONT}\" "), 1);
    let standalone = insert_after_open_tag(
        &standalone,
        &format!("<defs><style>{}</style></defs>", font_face_css()),
    );
    Ok(Rendered {
        svg_inline,
        svg: standalone,
        png,
        alt,
    })
}

fn mark_internal<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    width: u32,
    internal: bool,
    s: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    if !internal {
        return Ok(());
    }
    let right = Pos::new(HPos::Right, VPos::Center);
    area.draw(&Text::new(
        INTERNAL_MARK.to_string(),
        (px(width as f64 - 12.0, s), px(12.0, s)),
        super::font(11.0, s, true)
            .color(&RGBColor(178, 24, 43))
            .pos(right),
    ))
}

/// Gives the SVG an accessible name: `role="img"` and a `<title>`.
fn add_title(svg: &str, alt: &str) -> String {
    let with_role = svg.replacen("<svg ", "<svg role=\"img\" ", 1);
    insert_after_open_tag(
        &with_role,
        &format!("<title>{}</title>", crate::text::escape_html(alt)),
    )
}

fn insert_after_open_tag(svg: &str, content: &str) -> String {
    match svg
        .find("<svg")
        .and_then(|start| svg[start..].find('>').map(|e| start + e + 1))
    {
        Some(at) => format!("{}\n{}{}", &svg[..at], content, &svg[at..]),
        None => svg.to_string(),
    }
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        // Fast deflate: plots are flat colour, so the file is barely larger and the report is
        // written several times sooner (PNG encoding was most of a small run).
        enc.set_compression(png::Compression::Fast);
        let mut writer = enc
            .write_header()
            .map_err(|e| format!("encoding PNG: {e}"))?;
        writer
            .write_image_data(rgb)
            .map_err(|e| format!("encoding PNG: {e}"))?;
    }
    Ok(out)
}

/// Standard base64 (RFC 4648) for embedding the font.
fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(T[((v >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
