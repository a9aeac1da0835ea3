//! `w2v plot loss`: the learning curves of several runs (their `train --loss-log` files) on
//! one chart, one line per run, so runs can be compared.

use plotters::prelude::*;

use super::{legend_column, Area, Chart, DrawResult, LinePanel, YAxis};
use crate::train::LossRecord;

const PANEL_WIDTH: u32 = 860;
const HEIGHT: u32 = 560;

/// One run's curve and the legend label it goes by.
#[derive(Debug, Clone)]
pub struct LossRun {
    pub label: String,
    pub records: Vec<LossRecord>,
}

/// Mean loss per prediction by epoch, one line (with a marker per epoch) per run, in
/// palette order; the legend on the right lists the runs in the same order.
pub struct LossChart<'a> {
    pub runs: &'a [LossRun],
    pub title: &'a str,
}

impl LossChart<'_> {
    /// Legend width: room for the longest label at about 8 pixels a character.
    fn legend_width(&self) -> u32 {
        let longest = self.runs.iter().map(|r| r.label.chars().count()).max();
        (50 + 8 * longest.unwrap_or(0) as u32).clamp(120, 480)
    }

    /// The loss range with a margin: losses of runs being compared differ by little, so the
    /// axis fits the data rather than starting at 0.
    fn y_axis(&self) -> YAxis {
        let losses = self
            .runs
            .iter()
            .flat_map(|r| r.records.iter().map(|e| e.loss));
        let (lo, hi) = losses.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if !lo.is_finite() {
            return YAxis::Linear(0.0..1.0);
        }
        let pad = if hi > lo {
            0.08 * (hi - lo)
        } else {
            0.05 * lo.abs().max(0.1)
        };
        YAxis::Linear(lo - pad..hi + pad)
    }
}

impl Chart for LossChart<'_> {
    fn size(&self) -> (u32, u32) {
        (PANEL_WIDTH + self.legend_width(), HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> DrawResult<DB> {
        let (panel, legend) = root.split_horizontally(PANEL_WIDTH);
        let series: Vec<Vec<(i32, f64)>> = self
            .runs
            .iter()
            .map(|r| r.records.iter().map(|e| (e.epoch as i32, e.loss)).collect())
            .collect();
        LinePanel {
            title: self.title,
            x_label: "epoch",
            y_label: "mean loss per prediction",
            y: self.y_axis(),
            series: &series,
            markers: true,
        }
        .draw(&panel)?;
        let labels: Vec<&str> = self.runs.iter().map(|r| r.label.as_str()).collect();
        legend_column(&legend, (4, 52), &labels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::render_svg;

    fn run(label: &str, losses: &[f64]) -> LossRun {
        LossRun {
            label: label.into(),
            records: losses
                .iter()
                .enumerate()
                .map(|(i, &loss)| LossRecord {
                    epoch: i as u32 + 1,
                    words: 100 * (i as u64 + 1),
                    loss,
                    alpha: 0.01,
                    seconds: i as f64,
                })
                .collect(),
        }
    }

    #[test]
    fn one_line_and_legend_entry_per_run_falling_with_the_loss() {
        let runs = [run("a.csv", &[3.0, 2.0, 1.5]), run("b.csv", &[2.5, 2.4])];
        let svg = render_svg(&LossChart {
            runs: &runs,
            title: "loss",
        })
        .unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let lines: Vec<Vec<(f64, f64)>> = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .map(|n| {
                n.attribute("points")
                    .unwrap()
                    .split_whitespace()
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect()
            })
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 3);
        assert_eq!(lines[1].len(), 2);
        // A falling loss goes down the page, where SVG's y grows.
        assert!(lines[0]
            .windows(2)
            .all(|w| w[1].0 > w[0].0 && w[1].1 > w[0].1));
        let circles = doc
            .descendants()
            .filter(|n| n.has_tag_name("circle"))
            .count();
        assert_eq!(circles, 5, "one marker per epoch");
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        assert!(
            texts.contains(&"a.csv") && texts.contains(&"b.csv"),
            "{texts:?}"
        );
    }
}
