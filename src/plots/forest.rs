//! Forest plot of subgroup comparisons: one row per comparison, the estimate as a square
//! with its confidence interval, and a dashed line at "no difference" (0 for differences,
//! 1 for ratios, drawn on a log scale).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    font, px, Analysis, AppliesTo, Comparison, Effect, KindInfo, Plot, Rendered, OKABE_ITO,
};

/// A forest plot, ready to draw.
#[derive(Debug, Clone)]
pub struct ForestPlot {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    /// One per comparison, top to bottom.
    pub rows: Vec<Comparison>,
    /// The value meaning no difference.
    pub null: f64,
    /// Ratios are drawn on a log scale.
    pub log: bool,
    /// Percentage points (differences) rather than plain numbers on the axis.
    pub percent: bool,
}

const WIDTH: f64 = 900.0;
const LEFT: f64 = 300.0;
const RIGHT: f64 = 620.0;
const TOP: f64 = 70.0;
const ROW: f64 = 26.0;


/// The registry entry (see [`super::KINDS`]).
pub(super) const ENTRY: KindInfo = KindInfo {
    name: "forest",
    about: "forest plot of subgroup comparisons with their confidence intervals",
    applies_to: AppliesTo::Comparisons,
    draw,
};

/// Makes an analysis's forest plot and renders it: the registry's entry point (for an
/// analysis with comparisons; see [`super::PlotKind::applies`]).
pub fn draw(a: &Analysis, internal: bool) -> Result<Rendered, String> {
    let plot = ForestPlot::new(a).ok_or("a forest plot needs subgroup comparisons")?;
    super::render(&plot, internal)
}

impl ForestPlot {
    /// The plot of an analysis's comparisons, on the scale of what they measure; `None` when
    /// it has none.
    pub fn new(a: &Analysis) -> Option<ForestPlot> {
        let c = a.comparisons.as_ref()?;
        let what = match c.effect {
            Effect::Difference => "Difference in percentage points",
            Effect::Ratio => "Ratio of proportions (log scale)",
            Effect::OddsRatio => "Odds ratio (log scale)",
        };
        let difference = c.effect == Effect::Difference;
        Some(ForestPlot {
            title: format!("{}: subgroup comparisons", a.title),
            subtitle: format!(
                "{}, {} method, {} CI; p-values: {} test, {} adjusted.",
                what, c.method, c.level, c.test, c.adjust
            ),
            x_label: format!("{what} ({} CI)", c.level),
            rows: c.rows.clone(),
            null: if difference { 0.0 } else { 1.0 },
            log: !difference,
            percent: difference,
        })
    }

    fn t(&self, v: f64) -> f64 {
        if self.log {
            v.max(1e-12).ln()
        } else {
            v
        }
    }

    /// Axis range on the (transformed) scale, covering every finite bound and the null.
    fn range(&self) -> (f64, f64) {
        let mut lo = self.t(self.null);
        let mut hi = lo;
        for r in &self.rows {
            if let Some((e, l, u)) = r.value {
                for v in [e, l, u] {
                    if v.is_finite() && (!self.log || v > 0.0) {
                        lo = lo.min(self.t(v));
                        hi = hi.max(self.t(v));
                    }
                }
            }
        }
        let pad = ((hi - lo) * 0.05).max(1e-9);
        (lo - pad, hi + pad)
    }

    fn x(&self, v: f64) -> f64 {
        let (lo, hi) = self.range();
        let tv = if v.is_infinite() {
            if v > 0.0 {
                hi
            } else {
                lo
            }
        } else {
            self.t(v)
        };
        LEFT + (tv.clamp(lo, hi) - lo) / (hi - lo) * (RIGHT - LEFT)
    }

    fn tick_label(&self, v: f64) -> String {
        if self.percent {
            format!("{:+.0}", v * 100.0).replace("+0", "0")
        } else if v >= 10.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.2}")
        }
    }

    fn ticks(&self) -> Vec<f64> {
        let (lo, hi) = self.range();
        if self.log {
            let mut t = Vec::new();
            let mults: &[f64] = if hi - lo < 10f64.ln() {
                &[1.0, 1.5, 2.0, 3.0, 5.0, 7.0]
            } else {
                &[1.0, 2.0, 5.0]
            };
            for k in -6..=6 {
                for &m in mults {
                    let v = m * 10f64.powi(k);
                    if v.ln() >= lo && v.ln() <= hi {
                        t.push(v);
                    }
                }
            }
            t
        } else {
            let span = hi - lo;
            let raw = span / 5.0;
            let mag = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 5.0, 10.0]
                .iter()
                .map(|m| m * mag)
                .find(|s| *s >= raw)
                .unwrap_or(raw);
            let start = (lo / step).ceil() as i64;
            let end = (hi / step).floor() as i64;
            (start..=end).map(|i| i as f64 * step).collect()
        }
    }
}

impl Plot for ForestPlot {
    fn size(&self) -> (u32, u32) {
        (
            WIDTH as u32,
            (TOP + self.rows.len() as f64 * ROW + 60.0).ceil() as u32,
        )
    }

    fn alt(&self) -> String {
        let mut s = super::alt_intro("Forest plot", &self.title, &self.subtitle);
        for r in &self.rows {
            s.push_str(&format!(" {}: {}.", r.label, r.text));
        }
        s
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: f64,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        super::draw_heading(area, &self.title, &self.subtitle, s)?;
        let left = Pos::new(HPos::Left, VPos::Center);
        let right = Pos::new(HPos::Right, VPos::Center);
        let top_c = Pos::new(HPos::Center, VPos::Top);
        let bottom = TOP + self.rows.len() as f64 * ROW;
        let thin = px(1.0, s).max(1) as u32;
        for t in self.ticks() {
            let x = self.x(t);
            area.draw(&PathElement::new(
                vec![(px(x, s), px(TOP - 4.0, s)), (px(x, s), px(bottom, s))],
                RGBColor(225, 225, 225).stroke_width(thin),
            ))?;
            area.draw(&Text::new(
                self.tick_label(t),
                (px(x, s), px(bottom + 5.0, s)),
                font(11.0, s, false).pos(top_c),
            ))?;
        }
        let xn = self.x(self.null);
        let mut y = TOP - 4.0;
        while y < bottom {
            area.draw(&PathElement::new(
                vec![
                    (px(xn, s), px(y, s)),
                    (px(xn, s), px((y + 4.0).min(bottom), s)),
                ],
                BLACK.stroke_width(thin),
            ))?;
            y += 7.0;
        }
        area.draw(&Text::new(
            self.x_label.clone(),
            (px((LEFT + RIGHT) / 2.0, s), px(bottom + 24.0, s)),
            font(12.0, s, false).pos(top_c),
        ))?;
        for (i, r) in self.rows.iter().enumerate() {
            let ym = TOP + i as f64 * ROW + ROW / 2.0;
            area.draw(&Text::new(
                r.label.clone(),
                (px(LEFT - 12.0, s), px(ym, s)),
                font(11.5, s, false).pos(right),
            ))?;
            area.draw(&Text::new(
                r.text.clone(),
                (px(RIGHT + 14.0, s), px(ym, s)),
                font(11.0, s, false).pos(left),
            ))?;
            if let Some((e, l, u)) = r.value {
                let stroke = BLACK.stroke_width(px(1.4, s).max(1) as u32);
                area.draw(&PathElement::new(
                    vec![(px(self.x(l), s), px(ym, s)), (px(self.x(u), s), px(ym, s))],
                    stroke,
                ))?;
                let xe = self.x(e);
                area.draw(&Rectangle::new(
                    [
                        (px(xe - 4.5, s), px(ym - 4.5, s)),
                        (px(xe + 4.5, s), px(ym + 4.5, s)),
                    ],
                    OKABE_ITO[0].filled(),
                ))?;
            }
        }
        Ok(())
    }
}
