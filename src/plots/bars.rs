//! Bar chart of proportions with confidence-interval whiskers: one block of horizontal bars
//! per subgroup (the overall row first), one bar per outcome level, with the base n beside
//! each subgroup's label.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{font, px, Analysis, AppliesTo, Hidden, KindInfo, Plot, Rendered, Side};
use crate::text::{pct, pct_whole, thousands};

/// One subgroup's bars.
#[derive(Debug, Clone)]
pub struct BarGroup {
    pub label: String,
    pub n: u64,
    /// Per level: (proportion, lower, upper), or the words drawn in place of a bar when
    /// there is no estimate ("no estimate (n = 0)", "suppressed (<5)", ...).
    pub values: Vec<Result<(f64, f64, f64), String>>,
}

/// A bar chart, ready to draw.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub levels: Vec<String>,
    /// One colour per level.
    pub colours: Vec<RGBColor>,
    pub groups: Vec<BarGroup>,
}

const WIDTH: f64 = 820.0;
const LEFT: f64 = 230.0;
const RIGHT: f64 = 770.0;
const TOP: f64 = 96.0;
const BAR: f64 = 15.0;
const GAP: f64 = 16.0;


/// The registry entry (see [`super::KINDS`]).
pub(super) const ENTRY: KindInfo = KindInfo {
    name: "bars",
    about: "bars of proportions with confidence-interval whiskers, one block per subgroup",
    applies_to: AppliesTo::Analysis,
    draw,
};

/// Makes an analysis's bar chart and renders it: the registry's entry point.
pub fn draw(a: &Analysis, internal: bool) -> Result<Rendered, String> {
    super::render(&BarChart::new(a), internal)
}

impl BarChart {
    /// The chart of an analysis: every subgroup whose size is shown, one bar per level
    /// coloured by its side, or the words for a missing estimate in its place.
    pub fn new(a: &Analysis) -> BarChart {
        let groups = a
            .groups
            .iter()
            .filter(|g| g.cells.iter().all(|c| !c.n_hidden))
            .map(|g| BarGroup {
                label: g.label.clone(),
                n: g.n(),
                values: g
                    .cells
                    .iter()
                    .map(|c| match (c.interval, &c.hidden) {
                        (Some(i), _) => Ok(i),
                        (None, Some(Hidden::Complementary)) => Err("suppressed".into()),
                        (None, Some(Hidden::Small(shown))) => Err(format!("suppressed ({shown})")),
                        (None, None) => Err("no estimate (n = 0)".into()),
                    })
                    .collect(),
            })
            .collect();
        let sides: Vec<Side> = a
            .levels
            .iter()
            .map(|l| {
                if a.negative.contains(l) {
                    Side::Negative
                } else if a.neutral.contains(l) {
                    Side::Neutral
                } else if a.positive.contains(l) {
                    Side::Positive
                } else {
                    Side::Aside
                }
            })
            .collect();
        BarChart {
            colours: super::level_colours(&sides),
            title: a.title.clone(),
            subtitle: format!("Denominator: {}. Whiskers: {}.", a.denominator, a.ci),
            x_label: format!("Percentage of respondents ({})", a.ci),
            levels: a.levels.clone(),
            groups,
        }
    }
    fn block(&self) -> f64 {
        self.levels.len() as f64 * BAR + GAP
    }
    fn x(&self, p: f64) -> f64 {
        LEFT + p.clamp(0.0, 1.0) * (RIGHT - LEFT)
    }
}

impl Plot for BarChart {
    fn size(&self) -> (u32, u32) {
        let h = TOP + self.groups.len() as f64 * self.block() + 56.0;
        (WIDTH as u32, h.ceil() as u32)
    }

    fn alt(&self) -> String {
        let mut s = super::alt_intro("Bar chart", &self.title, &self.subtitle);
        for g in &self.groups {
            let parts: Vec<String> = self
                .levels
                .iter()
                .zip(&g.values)
                .map(|(l, v)| match v {
                    Ok((p, lo, hi)) => format!("{l} {} ({} to {})", pct(*p), pct(*lo), pct(*hi)),
                    Err(why) => format!("{l} {why}"),
                })
                .collect();
            s.push_str(&format!(
                " {} (n = {}): {}.",
                g.label,
                g.n,
                parts.join("; ")
            ));
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
        let centre = Pos::new(HPos::Center, VPos::Top);
        super::draw_legend(
            area,
            self.levels
                .iter()
                .map(String::as_str)
                .zip(self.colours.iter().copied()),
            LEFT,
            s,
        )?;

        // Grid and axis.
        let bottom = TOP + self.groups.len() as f64 * self.block();
        for t in 0..=5 {
            let p = t as f64 / 5.0;
            let x = self.x(p);
            let grid = RGBColor(220, 220, 220);
            area.draw(&PathElement::new(
                vec![(px(x, s), px(TOP - 6.0, s)), (px(x, s), px(bottom, s))],
                grid.stroke_width(px(1.0, s).max(1) as u32),
            ))?;
            area.draw(&Text::new(
                pct_whole(p),
                (px(x, s), px(bottom + 5.0, s)),
                font(11.0, s, false).pos(centre),
            ))?;
        }
        area.draw(&PathElement::new(
            vec![
                (px(LEFT, s), px(TOP - 6.0, s)),
                (px(LEFT, s), px(bottom, s)),
            ],
            BLACK.stroke_width(px(1.0, s).max(1) as u32),
        ))?;
        area.draw(&Text::new(
            self.x_label.clone(),
            (px((LEFT + RIGHT) / 2.0, s), px(bottom + 24.0, s)),
            font(12.0, s, false).pos(centre),
        ))?;

        // Bars with whiskers.
        for (gi, g) in self.groups.iter().enumerate() {
            let top = TOP + gi as f64 * self.block();
            let mid = top + self.levels.len() as f64 * BAR / 2.0;
            area.draw(&Text::new(
                g.label.clone(),
                (px(LEFT - 10.0, s), px(mid - 7.0, s)),
                font(12.0, s, true).pos(right),
            ))?;
            area.draw(&Text::new(
                format!("n = {}", thousands(g.n)),
                (px(LEFT - 10.0, s), px(mid + 8.0, s)),
                font(11.0, s, false).pos(right),
            ))?;
            for (li, v) in g.values.iter().enumerate() {
                let y0 = top + li as f64 * BAR + 1.5;
                let y1 = y0 + BAR - 3.0;
                let ym = (y0 + y1) / 2.0;
                let c = self.colours[li];
                match v {
                    Ok((p, lo, hi)) => {
                        area.draw(&Rectangle::new(
                            [(px(LEFT, s), px(y0, s)), (px(self.x(*p), s), px(y1, s))],
                            c.filled(),
                        ))?;
                        let stroke = BLACK.stroke_width(px(1.2, s).max(1) as u32);
                        area.draw(&PathElement::new(
                            vec![
                                (px(self.x(*lo), s), px(ym, s)),
                                (px(self.x(*hi), s), px(ym, s)),
                            ],
                            stroke,
                        ))?;
                        for b in [*lo, *hi] {
                            area.draw(&PathElement::new(
                                vec![
                                    (px(self.x(b), s), px(y0 + 2.0, s)),
                                    (px(self.x(b), s), px(y1 - 2.0, s)),
                                ],
                                stroke,
                            ))?;
                        }
                        area.draw(&Text::new(
                            pct(*p),
                            (px(self.x(*hi) + 5.0, s), px(ym, s)),
                            font(10.5, s, false).pos(left),
                        ))?;
                    }
                    Err(why) => {
                        area.draw(&Text::new(
                            why.as_str(),
                            (px(LEFT + 5.0, s), px(ym, s)),
                            font(10.5, s, false).pos(left),
                        ))?;
                    }
                }
            }
        }
        Ok(())
    }
}
