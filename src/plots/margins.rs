//! Dot plot of who answered against the population: for every level of every margin of a
//! `[weighting]` calibration, the population's share (a black bar) and the sample's share
//! unweighted, with the base weights (before calibration) and with the calibrated weights
//! (coloured dots), on one percentage axis. A level whose unweighted count the report may
//! not publish is drawn without its sample dots, and says so.
//!
//! Not one of the analysis plot kinds of [`super::KINDS`] (it draws the survey's weights,
//! not an analysis); the renderer calls [`draw`] directly.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{font, px, Plot, Rendered, OKABE_ITO};

/// One row: a margin's heading, or a level with its four shares (`None`: not shown).
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Heading(String),
    Level {
        label: String,
        population: f64,
        /// Unweighted, base-weighted and calibrated shares; `None` when withheld.
        sample: Option<[f64; 3]>,
    },
}

/// The plot, ready to draw.
#[derive(Debug, Clone)]
pub struct Margins {
    pub title: String,
    pub subtitle: String,
    pub rows: Vec<Row>,
}

const WIDTH: f64 = 820.0;
const LEFT: f64 = 210.0;
const RIGHT: f64 = 790.0;
const TOP: f64 = 100.0;
const ROW: f64 = 22.0;
const SERIES: [&str; 3] = ["Sample, unweighted", "Base weights", "Calibrated"];

/// Renders the margins plot to SVG and PNG.
pub fn draw(plot: &Margins, internal: bool) -> Result<Rendered, String> {
    super::render(plot, internal)
}

impl Margins {
    /// The axis runs from 0 to the largest share, rounded up to a tenth.
    fn top(&self) -> f64 {
        let mut hi: f64 = 0.0;
        for r in &self.rows {
            if let Row::Level {
                population, sample, ..
            } = r
            {
                hi = hi.max(*population);
                for v in sample.iter().flatten() {
                    hi = hi.max(*v);
                }
            }
        }
        ((hi * 10.0).ceil() / 10.0).clamp(0.1, 1.0)
    }

    fn x(&self, v: f64) -> f64 {
        LEFT + v.clamp(0.0, self.top()) / self.top() * (RIGHT - LEFT)
    }
}

impl Plot for Margins {
    fn size(&self) -> (u32, u32) {
        (
            WIDTH as u32,
            (TOP + self.rows.len() as f64 * ROW + 50.0).ceil() as u32,
        )
    }

    fn alt(&self) -> String {
        let mut s = super::alt_intro("Dot plot", &self.title, &self.subtitle);
        for r in &self.rows {
            match r {
                Row::Heading(h) => s.push_str(&format!(" {h}:")),
                Row::Level {
                    label,
                    population,
                    sample,
                } => {
                    s.push_str(&format!(
                        " {label}: population {}",
                        crate::text::pct(*population)
                    ));
                    match sample {
                        Some([u, b, c]) => s.push_str(&format!(
                            ", sample {} unweighted, {} with base weights, {} calibrated.",
                            crate::text::pct(*u),
                            crate::text::pct(*b),
                            crate::text::pct(*c)
                        )),
                        None => s.push_str(", sample not shown (too few respondents)."),
                    }
                }
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
        let colours = [OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2]];
        let mut items: Vec<(&str, RGBColor)> = vec![("Population", BLACK)];
        items.extend(SERIES.iter().copied().zip(colours));
        super::draw_legend(area, items.into_iter(), 16.0, s)?;
        let bottom = TOP + self.rows.len() as f64 * ROW;
        let thin = px(1.0, s).max(1) as u32;
        let top_c = Pos::new(HPos::Center, VPos::Top);
        let steps = (self.top() * 10.0).round() as i64;
        for i in 0..=steps {
            let v = i as f64 / 10.0;
            let x = self.x(v);
            area.draw(&PathElement::new(
                vec![(px(x, s), px(TOP - 6.0, s)), (px(x, s), px(bottom, s))],
                RGBColor(225, 225, 225).stroke_width(thin),
            ))?;
            area.draw(&Text::new(
                crate::text::pct_whole(v),
                (px(x, s), px(bottom + 5.0, s)),
                font(11.0, s, false).pos(top_c),
            ))?;
        }
        area.draw(&Text::new(
            "Share of respondents (sample) or people (population)".to_string(),
            (px((LEFT + RIGHT) / 2.0, s), px(bottom + 24.0, s)),
            font(12.0, s, false).pos(top_c),
        ))?;
        let left = Pos::new(HPos::Left, VPos::Center);
        for (i, r) in self.rows.iter().enumerate() {
            let ym = TOP + i as f64 * ROW + ROW / 2.0;
            match r {
                Row::Heading(h) => area.draw(&Text::new(
                    h.clone(),
                    (px(12.0, s), px(ym, s)),
                    font(11.5, s, true).pos(left),
                ))?,
                Row::Level {
                    label,
                    population,
                    sample,
                } => {
                    area.draw(&Text::new(
                        label.clone(),
                        (px(24.0, s), px(ym, s)),
                        font(11.0, s, false).pos(left),
                    ))?;
                    let xp = self.x(*population);
                    area.draw(&Rectangle::new(
                        [
                            (px(xp - 1.5, s), px(ym - 8.0, s)),
                            (px(xp + 1.5, s), px(ym + 8.0, s)),
                        ],
                        BLACK.filled(),
                    ))?;
                    match sample {
                        Some(v) => {
                            // Unweighted and base-weighted as rings, calibrated filled.
                            for (j, share) in v.iter().enumerate() {
                                let c = (px(self.x(*share), s), px(ym, s));
                                let r = px(4.5, s);
                                if j == 2 {
                                    area.draw(&Circle::new(c, r, colours[j].filled()))?;
                                } else {
                                    area.draw(&Circle::new(
                                        c,
                                        r,
                                        colours[j].stroke_width(px(1.6, s).max(1) as u32),
                                    ))?;
                                }
                            }
                        }
                        None => area.draw(&Text::new(
                            "sample not shown: too few respondents".to_string(),
                            (px(xp + 10.0, s), px(ym, s)),
                            font(10.5, s, false).pos(left),
                        ))?,
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_the_same_bytes_twice_and_says_what_it_shows() {
        let plot = Margins {
            title: "Who answered and the population".into(),
            subtitle: "rake".into(),
            rows: vec![
                Row::Heading("sex".into()),
                Row::Level {
                    label: "female".into(),
                    population: 0.75,
                    sample: Some([0.735, 0.74, 0.75]),
                },
                Row::Level {
                    label: "other".into(),
                    population: 0.03,
                    sample: None,
                },
            ],
        };
        let a = draw(&plot, false).unwrap();
        let b = draw(&plot, false).unwrap();
        assert_eq!(a.svg, b.svg);
        assert_eq!(a.png, b.png);
        assert!(plot.alt().contains("female: population 75.0%"));
        assert!(plot
            .alt()
            .contains("other: population 3.0%, sample not shown"));
    }
}
