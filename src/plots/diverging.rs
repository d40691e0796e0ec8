//! Diverging stacked bar chart for ordered outcomes (Robbins & Heiberger 2011): one bar per
//! subgroup, worse to the left of zero, better to the right, neutral levels split across
//! zero. Levels on no side (e.g. "not tried") are left out of the bars and named in the
//! subtitle; the percentages keep the analysis's denominator.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{font, px, Analysis, AppliesTo, KindInfo, Plot, Rendered, Side};
use crate::text::{pct, pct_whole, thousands};

/// One segment kind, in left-to-right order.
#[derive(Debug, Clone)]
pub struct Segment {
    pub level: String,
    pub side: Side,
}

/// A diverging chart, ready to draw.
#[derive(Debug, Clone)]
pub struct DivergingChart {
    pub title: String,
    pub subtitle: String,
    /// Left to right: negative (most negative first), neutral, positive (most positive last).
    pub segments: Vec<Segment>,
    /// (label, n, proportion per segment); `None` values when n = 0.
    pub groups: Vec<(String, u64, Option<Vec<f64>>)>,
}

const WIDTH: f64 = 820.0;
const LEFT: f64 = 230.0;
const RIGHT: f64 = 790.0;
const TOP: f64 = 96.0;
const ROW: f64 = 30.0;


/// The registry entry (see [`super::KINDS`]).
pub(super) const ENTRY: KindInfo = KindInfo {
    name: "diverging",
    about: "diverging stacked bars of ordered levels, worse left and better right of zero",
    applies_to: AppliesTo::Analysis,
    draw,
};

/// Makes an analysis's diverging chart and renders it: the registry's entry point.
pub fn draw(a: &Analysis, internal: bool) -> Result<Rendered, String> {
    super::render(&DivergingChart::new(a), internal)
}

impl DivergingChart {
    /// The chart of an analysis: the levels on a side as segments (negative, neutral,
    /// positive), the others named in the subtitle; a subgroup with anything hidden is left
    /// out (it would be drawn with a wrong, zero, segment) and counted in the subtitle.
    pub fn new(a: &Analysis) -> DivergingChart {
        let segments: Vec<Segment> = a
            .negative
            .iter()
            .map(|l| (l, Side::Negative))
            .chain(a.neutral.iter().map(|l| (l, Side::Neutral)))
            .chain(a.positive.iter().map(|l| (l, Side::Positive)))
            .map(|(l, side)| Segment {
                level: l.clone(),
                side,
            })
            .collect();
        let aside: Vec<&str> = a
            .levels
            .iter()
            .filter(|l| !segments.iter().any(|s| &s.level == *l))
            .map(String::as_str)
            .collect();
        let mut subtitle = format!("Denominator: {}.", a.denominator);
        if !aside.is_empty() {
            subtitle.push_str(&format!(" Not shown in the bars: {}.", aside.join(", ")));
        }
        let (shown, hidden): (Vec<_>, Vec<_>) = a
            .groups
            .iter()
            .partition(|g| g.cells.iter().all(|c| c.hidden.is_none()));
        if !hidden.is_empty() {
            subtitle.push_str(&format!(
                " {} group(s) with suppressed small cells not drawn.",
                hidden.len()
            ));
        }
        let groups = shown
            .into_iter()
            .map(|g| {
                let n = g.n();
                let values = (n > 0).then(|| {
                    segments
                        .iter()
                        .map(|s| {
                            g.cells
                                .iter()
                                .find(|c| c.level == s.level)
                                .map_or(0.0, |c| c.count as f64 / n as f64)
                        })
                        .collect()
                });
                (g.label.clone(), n, values)
            })
            .collect();
        DivergingChart {
            title: a.title.clone(),
            subtitle,
            segments,
            groups,
        }
    }

    fn colours(&self) -> Vec<RGBColor> {
        super::level_colours(&self.segments.iter().map(|s| s.side).collect::<Vec<_>>())
    }

    /// Half-range of the axis: the largest extent on either side, rounded up to 10%.
    fn extent(&self) -> f64 {
        let mut m: f64 = 0.1;
        for (_, _, v) in &self.groups {
            if let Some(v) = v {
                let (l, r) = self.sides(v);
                m = m.max(l).max(r);
            }
        }
        ((m * 10.0).ceil() / 10.0).min(1.0)
    }

    /// Total extent left and right of zero for one bar.
    fn sides(&self, v: &[f64]) -> (f64, f64) {
        let mut l = 0.0;
        let mut r = 0.0;
        for (s, p) in self.segments.iter().zip(v) {
            match s.side {
                Side::Negative => l += p,
                Side::Positive => r += p,
                Side::Neutral => {
                    l += p / 2.0;
                    r += p / 2.0;
                }
                Side::Aside => {}
            }
        }
        (l, r)
    }

    fn x(&self, p: f64) -> f64 {
        let e = self.extent();
        let zero = (LEFT + RIGHT) / 2.0;
        zero + p / e * (RIGHT - LEFT) / 2.0
    }
}

impl Plot for DivergingChart {
    fn size(&self) -> (u32, u32) {
        (
            WIDTH as u32,
            (TOP + self.groups.len() as f64 * ROW + 56.0).ceil() as u32,
        )
    }

    fn alt(&self) -> String {
        let mut s = super::alt_intro("Diverging stacked bar chart", &self.title, &self.subtitle);
        for (label, n, v) in &self.groups {
            match v {
                Some(v) => {
                    let parts: Vec<String> = self
                        .segments
                        .iter()
                        .zip(v)
                        .map(|(seg, p)| format!("{} {}", seg.level, pct(*p)))
                        .collect();
                    s.push_str(&format!(" {label} (n = {n}): {}.", parts.join(", ")));
                }
                None => s.push_str(&format!(" {label}: no estimate (n = 0).")),
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
        let left = Pos::new(HPos::Left, VPos::Center);
        let right = Pos::new(HPos::Right, VPos::Center);
        let centre = Pos::new(HPos::Center, VPos::Center);
        let top_c = Pos::new(HPos::Center, VPos::Top);
        let colours = self.colours();
        super::draw_legend(
            area,
            self.segments
                .iter()
                .map(|seg| seg.level.as_str())
                .zip(colours.iter().copied()),
            LEFT,
            s,
        )?;

        let bottom = TOP + self.groups.len() as f64 * ROW;
        let e = self.extent();
        let ticks = (e * 10.0).round() as i32;
        let step = if ticks > 5 { 2 } else { 1 };
        for t in (-ticks..=ticks).filter(|t| t % step == 0) {
            let p = t as f64 / 10.0;
            let x = self.x(p);
            let colour = if t == 0 {
                BLACK
            } else {
                RGBColor(220, 220, 220)
            };
            area.draw(&PathElement::new(
                vec![(px(x, s), px(TOP - 6.0, s)), (px(x, s), px(bottom, s))],
                colour.stroke_width(px(1.0, s).max(1) as u32),
            ))?;
            area.draw(&Text::new(
                pct_whole(p.abs()),
                (px(x, s), px(bottom + 5.0, s)),
                font(11.0, s, false).pos(top_c),
            ))?;
        }
        area.draw(&Text::new(
            "\u{2190} worse      percentage of respondents      better \u{2192}",
            (px(self.x(0.0), s), px(bottom + 24.0, s)),
            font(12.0, s, false).pos(top_c),
        ))?;

        for (gi, (label, n, v)) in self.groups.iter().enumerate() {
            let y0 = TOP + gi as f64 * ROW + 4.0;
            let y1 = y0 + ROW - 8.0;
            let ym = (y0 + y1) / 2.0;
            area.draw(&Text::new(
                label.clone(),
                (px(LEFT - 10.0, s), px(ym - 6.0, s)),
                font(12.0, s, true).pos(right),
            ))?;
            area.draw(&Text::new(
                format!("n = {}", thousands(*n)),
                (px(LEFT - 10.0, s), px(ym + 8.0, s)),
                font(11.0, s, false).pos(right),
            ))?;
            let Some(v) = v else {
                area.draw(&Text::new(
                    "no estimate (n = 0)",
                    (px(self.x(0.0) + 5.0, s), px(ym, s)),
                    font(10.5, s, false).pos(left),
                ))?;
                continue;
            };
            let (l, _) = self.sides(v);
            let mut at = -l;
            for (p, c) in v.iter().zip(&colours) {
                let (x0, x1) = (self.x(at), self.x(at + p));
                area.draw(&Rectangle::new(
                    [(px(x0, s), px(y0, s)), (px(x1, s), px(y1, s))],
                    c.filled(),
                ))?;
                if x1 - x0 > 34.0 {
                    let ink = super::text_on(*c);
                    let style = font(10.5, s, false).pos(centre).color(&ink);
                    area.draw(&Text::new(
                        pct(*p),
                        (px((x0 + x1) / 2.0, s), px(ym, s)),
                        style,
                    ))?;
                }
                at += p;
            }
        }
        Ok(())
    }
}
