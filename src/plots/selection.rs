//! Figures against the selection ratio γ: for each headline figure of an analysis, the
//! population proportion it stands for, `p / (p + γ(1 − p))`, and its confidence band (the
//! limits mapped the same way), for γ from 1/4 to 4 on a log scale, with the threshold the
//! figures are read against and γ = 1 (no selection) marked.
//!
//! Not one of the analysis plot kinds of [`super::KINDS`]: the renderer draws it for every
//! analysis whose `[selection]` asks for it ([`crate::render::figures`]).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{font, px, Plot, Rendered, OKABE_ITO};
use crate::stats::selection::adjusted;

/// One figure: its label and (estimate, lower, upper) as observed (γ = 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: String,
    pub value: (f64, f64, f64),
}

/// The plot of one analysis.
#[derive(Debug, Clone)]
pub struct SelectionPlot {
    pub title: String,
    pub subtitle: String,
    pub threshold: f64,
    pub lines: Vec<Line>,
}

const WIDTH: f64 = 780.0;
const HEIGHT: f64 = 440.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 560.0;
const TOP: f64 = 78.0;
const BOTTOM: f64 = 370.0;
/// log2 of the γ range: 1/4 to 4.
const SPAN: f64 = 2.0;
const STEPS: usize = 80;

/// Renders the plot to SVG and PNG.
pub fn draw(plot: &SelectionPlot, internal: bool) -> Result<Rendered, String> {
    super::render(plot, internal)
}

fn x_of(log2_gamma: f64) -> f64 {
    LEFT + (log2_gamma + SPAN) / (2.0 * SPAN) * (RIGHT - LEFT)
}

fn y_of(p: f64) -> f64 {
    BOTTOM - p.clamp(0.0, 1.0) * (BOTTOM - TOP)
}

/// "1/4", "1/2", "1", "2", "4".
fn gamma_label(k: i32) -> String {
    if k >= 0 {
        format!("{}", 1u32 << k)
    } else {
        format!("1/{}", 1u32 << (-k))
    }
}

impl Plot for SelectionPlot {
    fn size(&self) -> (u32, u32) {
        (WIDTH as u32, HEIGHT as u32)
    }

    fn alt(&self) -> String {
        let mut s = super::alt_intro("Line chart", &self.title, &self.subtitle);
        s.push_str(&format!(
            " Threshold {}.",
            crate::text::pct_whole(self.threshold)
        ));
        for l in &self.lines {
            s.push_str(&format!(
                " {}: {} as observed, {} if those with it were 4 times likelier to answer, {} if 4 times less likely.",
                l.label,
                crate::text::pct(l.value.0),
                crate::text::pct(adjusted(l.value.0, 4.0)),
                crate::text::pct(adjusted(l.value.0, 0.25)),
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
        let thin = px(1.0, s).max(1) as u32;
        let grid = RGBColor(225, 225, 225).stroke_width(thin);
        let top_c = Pos::new(HPos::Center, VPos::Top);
        let right_c = Pos::new(HPos::Right, VPos::Center);
        let left_c = Pos::new(HPos::Left, VPos::Center);
        for i in 0..=10 {
            let v = f64::from(i) / 10.0;
            let y = y_of(v);
            area.draw(&PathElement::new(
                vec![(px(LEFT, s), px(y, s)), (px(RIGHT, s), px(y, s))],
                grid,
            ))?;
            area.draw(&Text::new(
                crate::text::pct_whole(v),
                (px(LEFT - 6.0, s), px(y, s)),
                font(11.0, s, false).pos(right_c),
            ))?;
        }
        for k in -2..=2 {
            let x = x_of(f64::from(k));
            let style = if k == 0 {
                BLACK.stroke_width(px(1.2, s).max(1) as u32)
            } else {
                grid
            };
            area.draw(&PathElement::new(
                vec![(px(x, s), px(TOP, s)), (px(x, s), px(BOTTOM, s))],
                style,
            ))?;
            area.draw(&Text::new(
                gamma_label(k),
                (px(x, s), px(BOTTOM + 6.0, s)),
                font(11.0, s, false).pos(top_c),
            ))?;
        }
        area.draw(&Text::new(
            "Selection ratio: how many times likelier to answer those with the answer were (log scale; 1 = as observed)".to_string(),
            (px((LEFT + RIGHT) / 2.0 + 60.0, s), px(BOTTOM + 26.0, s)),
            font(11.0, s, false).pos(top_c),
        ))?;
        // The threshold.
        let yt = y_of(self.threshold);
        let mut xd = LEFT;
        while xd < RIGHT {
            let end = (xd + 6.0).min(RIGHT);
            area.draw(&PathElement::new(
                vec![(px(xd, s), px(yt, s)), (px(end, s), px(yt, s))],
                BLACK.stroke_width(px(1.4, s).max(1) as u32),
            ))?;
            xd += 10.0;
        }
        area.draw(&Text::new(
            format!("threshold {}", crate::text::level_pct(self.threshold)),
            (px(RIGHT - 4.0, s), px(yt - 9.0, s)),
            font(10.5, s, false).pos(right_c),
        ))?;
        let points = |f: &dyn Fn(f64) -> f64| -> Vec<(i32, i32)> {
            (0..=STEPS)
                .map(|i| {
                    let l = -SPAN + 2.0 * SPAN * i as f64 / STEPS as f64;
                    let g = l.exp2();
                    (px(x_of(l), s), px(y_of(f(g)), s))
                })
                .collect()
        };
        // The labels at the right-hand ends, pushed apart so that none overlaps another.
        let mut ends: Vec<(f64, usize)> = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (y_of(adjusted(l.value.0, SPAN.exp2())), i))
            .collect();
        ends.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for k in 1..ends.len() {
            ends[k].0 = ends[k].0.max(ends[k - 1].0 + 14.0);
        }
        for (y, i) in &ends {
            let c = OKABE_ITO[i % OKABE_ITO.len()];
            area.draw(&Text::new(
                self.lines[*i].label.clone(),
                (px(RIGHT + 8.0, s), px(*y, s)),
                font(11.0, s, true).color(&c).pos(left_c),
            ))?;
        }
        for (i, line) in self.lines.iter().enumerate() {
            let c = OKABE_ITO[i % OKABE_ITO.len()];
            let (p, lo, hi) = line.value;
            let mut band = points(&|g| adjusted(hi, g));
            let mut lower = points(&|g| adjusted(lo, g));
            lower.reverse();
            band.extend(lower);
            area.draw(&Polygon::new(band, c.mix(0.18).filled()))?;
            area.draw(&PathElement::new(
                points(&|g| adjusted(p, g)),
                c.stroke_width(px(2.2, s).max(1) as u32),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plot() -> SelectionPlot {
        SelectionPlot {
            title: "GET".into(),
            subtitle: "Of respondents who tried GET".into(),
            threshold: 0.5,
            lines: vec![Line {
                label: "Worse".into(),
                value: (0.61, 0.58, 0.64),
            }],
        }
    }

    #[test]
    fn draws_the_same_bytes_twice() {
        let a = draw(&plot(), false).unwrap();
        let b = draw(&plot(), false).unwrap();
        assert_eq!(a.svg, b.svg);
        assert_eq!(a.png, b.png);
        assert!(a.svg.contains("threshold 50%"));
    }

    #[test]
    fn the_text_alternative_states_the_ends_of_the_range() {
        let alt = plot().alt();
        // 0.61 at γ = 4: 0.61 / (0.61 + 4 * 0.39) = 28.1%; at 1/4: 86.2%.
        assert!(alt.contains("Worse: 61.0% as observed, 28.1%"), "{alt}");
        assert!(alt.contains("86.2% if 4 times less likely"), "{alt}");
    }
}
