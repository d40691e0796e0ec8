//! Forest plot of a meta-analysis of proportions (a review pipeline, [`crate::review`]):
//! one row per survey (its label, events/total, the percentage with its interval as text,
//! its weight; a square of area proportional to the weight on its interval line), headed
//! blocks per subgroup with their own diamonds, the pooled diamond, the prediction
//! interval as a bar beneath it, and a heterogeneity line (I², tau², Q test). The axis is
//! the proportion scale (percent), whatever scale the pooling was done on.
//!
//! Not one of the analysis plot kinds of [`super::KINDS`] (those draw one analysis of one
//! survey); the review renderer calls [`draw`] directly.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{font, px, Plot, Rendered, OKABE_ITO};

/// One row of the plot.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A subgroup heading.
    Heading(String),
    /// A survey: label, "x / n" text, "p% [lo, hi]" text, weight text, (p, lo, hi) and its
    /// weight in percent (for the square's area; `None` for the GLMM, which has none).
    Survey {
        label: String,
        counts: String,
        text: String,
        weight: String,
        value: (f64, f64, f64),
        weight_pct: Option<f64>,
    },
    /// A pooled estimate as a diamond, with its interval text.
    Pooled {
        label: String,
        text: String,
        value: (f64, f64, f64),
    },
    /// A prediction interval as a bar.
    Prediction {
        label: String,
        text: String,
        value: (f64, f64),
    },
    /// A line of text (heterogeneity, subgroup test).
    Note(String),
}

/// A meta-analysis forest plot, ready to draw.
#[derive(Debug, Clone)]
pub struct MetaForest {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    /// The heading of the interval column, e.g. "% [95% CI]".
    pub ci_heading: String,
    pub rows: Vec<Row>,
}

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 330.0;
const RIGHT: f64 = 640.0;
const TOP: f64 = 92.0;
const ROW: f64 = 24.0;

/// Renders a review's forest plot to SVG and PNG.
pub fn draw(plot: &MetaForest, internal: bool) -> Result<Rendered, String> {
    super::render(plot, internal)
}

impl MetaForest {
    fn range(&self) -> (f64, f64) {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut see = |v: f64| {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        };
        for r in &self.rows {
            match r {
                Row::Survey { value, .. } | Row::Pooled { value, .. } => {
                    see(value.1);
                    see(value.2);
                }
                Row::Prediction { value, .. } => {
                    see(value.0);
                    see(value.1);
                }
                _ => {}
            }
        }
        if !lo.is_finite() {
            return (0.0, 1.0);
        }
        // Whole tenths of the proportion scale, clamped to [0, 1].
        let lo = ((lo * 10.0).floor() / 10.0).max(0.0);
        let hi = ((hi * 10.0).ceil() / 10.0).min(1.0);
        if hi > lo {
            (lo, hi)
        } else {
            (0.0, 1.0)
        }
    }

    fn x(&self, v: f64) -> f64 {
        let (lo, hi) = self.range();
        LEFT + (v.clamp(lo, hi) - lo) / (hi - lo) * (RIGHT - LEFT)
    }
}

impl Plot for MetaForest {
    fn size(&self) -> (u32, u32) {
        (
            WIDTH as u32,
            (TOP + self.rows.len() as f64 * ROW + 56.0).ceil() as u32,
        )
    }

    fn alt(&self) -> String {
        let mut s = super::alt_intro("Forest plot", &self.title, &self.subtitle);
        for r in &self.rows {
            match r {
                Row::Heading(h) => s.push_str(&format!(" {h}:")),
                Row::Survey {
                    label,
                    counts,
                    text,
                    ..
                } => s.push_str(&format!(" {label}, {counts}, {text}.")),
                Row::Pooled { label, text, .. } | Row::Prediction { label, text, .. } => {
                    s.push_str(&format!(" {label}: {text}."))
                }
                Row::Note(n) => s.push_str(&format!(" {n}")),
            }
        }
        s
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: f64,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        super::draw_heading(area, &self.title, &self.subtitle, s)?;
        let bottom = TOP + self.rows.len() as f64 * ROW;
        let thin = px(1.0, s).max(1) as u32;
        let (lo, hi) = self.range();
        let steps = ((hi - lo) * 10.0).round() as i64;
        let top_c = Pos::new(HPos::Center, VPos::Top);
        for i in 0..=steps {
            let v = lo + i as f64 / 10.0;
            let x = self.x(v);
            area.draw(&PathElement::new(
                vec![(px(x, s), px(TOP - 4.0, s)), (px(x, s), px(bottom, s))],
                RGBColor(225, 225, 225).stroke_width(thin),
            ))?;
            area.draw(&Text::new(
                crate::text::pct_whole(v),
                (px(x, s), px(bottom + 5.0, s)),
                font(11.0, s, false).pos(top_c),
            ))?;
        }
        area.draw(&Text::new(
            self.x_label.clone(),
            (px((LEFT + RIGHT) / 2.0, s), px(bottom + 24.0, s)),
            font(12.0, s, false).pos(top_c),
        ))?;
        let head = |t: &str, x: f64, h: HPos| {
            Text::new(
                t.to_string(),
                (px(x, s), px(TOP - 14.0, s)),
                font(11.0, s, true).pos(Pos::new(h, VPos::Center)),
            )
        };
        area.draw(&head("Survey", 12.0, HPos::Left))?;
        area.draw(&head("Events / total", LEFT - 12.0, HPos::Right))?;
        area.draw(&head(&self.ci_heading, RIGHT + 14.0, HPos::Left))?;
        area.draw(&head("Weight", WIDTH - 12.0, HPos::Right))?;
        for (i, r) in self.rows.iter().enumerate() {
            let ym = TOP + i as f64 * ROW + ROW / 2.0;
            self.draw_row(area, r, ym, s)?;
        }
        Ok(())
    }
}

impl MetaForest {
    fn draw_row<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        r: &Row,
        ym: f64,
        s: f64,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let left = Pos::new(HPos::Left, VPos::Center);
        let right = Pos::new(HPos::Right, VPos::Center);
        let text = |t: &str, x: f64, pos: Pos, bold: bool| {
            Text::new(
                t.to_string(),
                (px(x, s), px(ym, s)),
                font(11.0, s, bold).pos(pos),
            )
        };
        let line = BLACK.stroke_width(px(1.4, s).max(1) as u32);
        match r {
            Row::Heading(h) => area.draw(&text(h, 12.0, left, true))?,
            Row::Note(n) => area.draw(&text(n, 12.0, left, false))?,
            Row::Survey {
                label,
                counts,
                text: t,
                weight,
                value,
                weight_pct,
            } => {
                area.draw(&text(label, 20.0, left, false))?;
                area.draw(&text(counts, LEFT - 12.0, right, false))?;
                area.draw(&text(t, RIGHT + 14.0, left, false))?;
                area.draw(&text(weight, WIDTH - 12.0, right, false))?;
                area.draw(&PathElement::new(
                    vec![
                        (px(self.x(value.1), s), px(ym, s)),
                        (px(self.x(value.2), s), px(ym, s)),
                    ],
                    line,
                ))?;
                // Area proportional to the weight: half-side 2.5 px at 0%, 9 px at 100%.
                let half = 2.5 + 6.5 * (weight_pct.unwrap_or(10.0) / 100.0).sqrt();
                let xe = self.x(value.0);
                area.draw(&Rectangle::new(
                    [
                        (px(xe - half, s), px(ym - half, s)),
                        (px(xe + half, s), px(ym + half, s)),
                    ],
                    OKABE_ITO[0].filled(),
                ))?;
            }
            Row::Pooled {
                label,
                text: t,
                value,
            } => {
                area.draw(&text(label, 12.0, left, true))?;
                area.draw(&text(t, RIGHT + 14.0, left, true))?;
                let pts = vec![
                    (px(self.x(value.1), s), px(ym, s)),
                    (px(self.x(value.0), s), px(ym - 7.0, s)),
                    (px(self.x(value.2), s), px(ym, s)),
                    (px(self.x(value.0), s), px(ym + 7.0, s)),
                ];
                area.draw(&Polygon::new(pts, OKABE_ITO[4].filled()))?;
            }
            Row::Prediction {
                label,
                text: t,
                value,
            } => {
                area.draw(&text(label, 12.0, left, false))?;
                area.draw(&text(t, RIGHT + 14.0, left, false))?;
                area.draw(&Rectangle::new(
                    [
                        (px(self.x(value.0), s), px(ym - 2.5, s)),
                        (px(self.x(value.1), s), px(ym + 2.5, s)),
                    ],
                    OKABE_ITO[5].filled(),
                ))?;
            }
        }
        Ok(())
    }
}
