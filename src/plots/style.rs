//! The look shared by every plot kind: colour-blind-safe palettes (Okabe & Ito 2008 for
//! categories, ColorBrewer PuOr for ordered levels: orange = worse, purple = better, grey =
//! neutral), the text style in the embedded font, the heading and legend, and scaling.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use super::FONT;

/// Okabe-Ito colours, in order, for categorical series.
pub const OKABE_ITO: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(240, 228, 66),  // yellow
];

/// ColorBrewer PuOr, darkest first: oranges for worse, purples for better.
const ORANGES: [RGBColor; 3] = [
    RGBColor(179, 88, 6),
    RGBColor(241, 163, 64),
    RGBColor(254, 224, 182),
];
const PURPLES: [RGBColor; 3] = [
    RGBColor(84, 39, 136),
    RGBColor(153, 142, 195),
    RGBColor(216, 218, 235),
];
const NEUTRAL_GREY: RGBColor = RGBColor(190, 190, 190);

/// Which side of "no change" a level is on, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Negative,
    Neutral,
    Positive,
    /// On no side (e.g. "not tried"): a categorical colour.
    Aside,
}

/// One colour per level: negatives in oranges (the most negative, listed first, darkest),
/// neutrals grey, positives in purples (the most positive, listed last, darkest), and the
/// rest in Okabe-Ito colours. With one level on a side it gets the middle shade.
pub fn level_colours(sides: &[Side]) -> Vec<RGBColor> {
    let count = |side| sides.iter().filter(|s| **s == side).count();
    let shades = |k: usize| -> Vec<usize> {
        match k {
            0 => vec![],
            1 => vec![1],
            2 => vec![0, 1],
            _ => (0..k).map(|i| i.min(2)).collect(),
        }
    };
    let neg = shades(count(Side::Negative));
    let mut pos = shades(count(Side::Positive));
    pos.reverse();
    let (mut ni, mut pi, mut ai) = (0, 0, 0);
    sides
        .iter()
        .map(|s| match s {
            Side::Negative => {
                ni += 1;
                ORANGES[neg[ni - 1]]
            }
            Side::Positive => {
                pi += 1;
                PURPLES[pos[pi - 1]]
            }
            Side::Neutral => NEUTRAL_GREY,
            Side::Aside => {
                ai += 1;
                [OKABE_ITO[5], OKABE_ITO[0], OKABE_ITO[2], OKABE_ITO[3]][(ai - 1) % 4]
            }
        })
        .collect()
}

/// Black or white text, whichever reads better on `bg` (WCAG relative luminance).
pub fn text_on(bg: RGBColor) -> RGBColor {
    let lin = |c: u8| {
        let v = f64::from(c) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(bg.0) + 0.7152 * lin(bg.1) + 0.0722 * lin(bg.2);
    if l > 0.179 {
        BLACK
    } else {
        WHITE
    }
}

/// Text style in the embedded font at a scaled size.
pub fn font(size: f64, scale: f64, bold: bool) -> TextStyle<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    TextStyle::from(FontDesc::new(FontFamily::Name(FONT), size * scale, style)).color(&BLACK)
}

/// Clears the canvas and draws a plot's title and subtitle (shared by every plot kind).
pub fn draw_heading<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    s: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let left = Pos::new(HPos::Left, VPos::Center);
    area.fill(&WHITE)?;
    area.draw(&Text::new(
        title.to_string(),
        (px(16.0, s), px(20.0, s)),
        font(16.0, s, true).pos(left),
    ))?;
    area.draw(&Text::new(
        subtitle.to_string(),
        (px(16.0, s), px(42.0, s)),
        font(11.5, s, false).pos(left),
    ))?;
    Ok(())
}

/// Draws a one-row legend of coloured squares and labels starting at `x`.
pub fn draw_legend<'a, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: impl Iterator<Item = (&'a str, RGBColor)>,
    x: f64,
    s: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let left = Pos::new(HPos::Left, VPos::Center);
    let mut lx = x;
    for (label, c) in items {
        area.draw(&Rectangle::new(
            [(px(lx, s), px(62.0, s)), (px(lx + 12.0, s), px(74.0, s))],
            c.filled(),
        ))?;
        area.draw(&Text::new(
            label.to_string(),
            (px(lx + 17.0, s), px(68.0, s)),
            font(11.5, s, false).pos(left),
        ))?;
        lx += 30.0 + label.chars().count() as f64 * 7.0;
    }
    Ok(())
}

/// The first sentences of a plot's text alternative: its kind, title and subtitle.
pub fn alt_intro(kind: &str, title: &str, subtitle: &str) -> String {
    format!("{kind}: {title}. {}.", subtitle.trim_end_matches('.'))
}

/// Scales a coordinate.
pub fn px(v: f64, scale: f64) -> i32 {
    (v * scale).round() as i32
}
