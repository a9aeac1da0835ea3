//! `w2v plot diagnostics`: a diagnostics CSV as one chart of six panels (mean |g|, mean update
//! norm and saturated share, each by tree depth and by frequency band), one line per epoch.

use plotters::prelude::*;

use super::{legend_row, render_svg, Area, Chart, DrawResult, LinePanel, YAxis};
use crate::diagnostics::{Grouping, Row};
use crate::error::Result;

const WIDTH: u32 = 1080;
const HEIGHT: u32 = 980;
/// Title and legend above the panels.
const HEADER: u32 = 64;

struct Metric {
    title: &'static str,
    value: fn(&Row) -> f64,
    /// Spans orders of magnitude: drawn on a log axis when the data allow.
    log: bool,
}

const METRICS: [Metric; 3] = [
    Metric {
        title: "mean |g| (error signal at the node)",
        value: |r| r.mean_abs_grad,
        log: false,
    },
    Metric {
        title: "mean norm of the node-row update",
        value: |r| r.mean_update_norm,
        log: true,
    },
    Metric {
        title: "share of updates skipped (|f| >= 6)",
        value: |r| r.saturated_share,
        log: false,
    },
];

/// The whole chart for `rows` (as read from a diagnostics CSV), titled `title`.
pub struct DiagnosticsChart<'a> {
    pub rows: &'a [Row],
    pub title: &'a str,
}

/// The chart as SVG text.
pub fn render(rows: &[Row], title: &str) -> Result<String> {
    render_svg(&DiagnosticsChart { rows, title })
}

impl Chart for DiagnosticsChart<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> DrawResult<DB> {
        let rows = self.rows;
        let mut epochs: Vec<u32> = rows.iter().map(|r| r.epoch).collect();
        epochs.sort_unstable();
        epochs.dedup();
        let (header, body) = root.split_vertically(HEADER);
        header.draw(&Text::new(
            self.title,
            (20, 10),
            ("sans-serif", 20).into_font(),
        ))?;
        let labels: Vec<String> = epochs.iter().map(|e| format!("epoch {e}")).collect();
        legend_row(&header, (20, 48), &labels)?;
        // Row-major: metric by metric, depth on the left and band on the right.
        let panels = body.split_evenly((METRICS.len(), 2));
        let cells = METRICS
            .iter()
            .flat_map(|m| [(m, Grouping::Depth), (m, Grouping::Band)]);
        for (area, (metric, grouping)) in panels.iter().zip(cells) {
            let series: Vec<Vec<(i32, f64)>> = epochs
                .iter()
                .map(|&e| {
                    rows.iter()
                        .filter(|r| r.epoch == e && r.grouping == grouping)
                        .map(|r| (r.bucket as i32, (metric.value)(r)))
                        .collect()
                })
                .collect();
            let y = YAxis::fit(series.iter().flatten().map(|p| p.1), metric.log);
            let title = if y.is_log() {
                format!("{} (log scale)", metric.title)
            } else {
                metric.title.to_string()
            };
            let x_label = match grouping {
                Grouping::Depth => "node depth (root = 0)",
                Grouping::Band => "target word's frequency band (1 = most frequent tenth)",
            };
            LinePanel {
                title: &title,
                x_label,
                y_label: "",
                y,
                series: &series,
                markers: false,
            }
            .draw(area)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(epoch: u32, grouping: Grouping, bucket: usize, g: f64) -> Row {
        Row {
            epoch,
            grouping,
            bucket,
            samples: 10,
            mean_abs_grad: g,
            mean_update_norm: g * 1e-3,
            saturated_share: 0.1,
        }
    }

    fn rows(epochs: u32) -> Vec<Row> {
        (1..=epochs)
            .flat_map(|e| {
                (0..5)
                    .map(move |d| row(e, Grouping::Depth, d, 0.1 * d as f64))
                    .chain((1..=10).map(move |b| row(e, Grouping::Band, b, 0.05 * b as f64)))
            })
            .collect()
    }

    /// (x, y) of each point of each `<polyline>`, in document order.
    fn polylines(doc: &roxmltree::Document) -> Vec<Vec<(f64, f64)>> {
        doc.descendants()
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
            .collect()
    }

    fn texts<'a>(doc: &'a roxmltree::Document) -> Vec<&'a str> {
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect()
    }

    #[test]
    fn one_line_per_epoch_and_panel() {
        let svg = render(&rows(3), "a <test> & more").unwrap();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        assert!(doc.root_element().has_tag_name("svg"));
        let lines = polylines(&doc);
        assert_eq!(lines.len(), 3 * 6);
        let texts = texts(&doc);
        assert!(texts.contains(&"a <test> & more"), "{texts:?}");
        for e in 1..=3 {
            let label = format!("epoch {e}");
            assert_eq!(texts.iter().filter(|t| **t == label).count(), 1, "{label}");
        }
        assert!(!texts.contains(&"epoch 4"));
        // The panels come metric by metric, depth first: the first three lines are the depth
        // lines of mean |g|, five points each, rising to the right (SVG y falls).
        for line in &lines[..3] {
            assert_eq!(line.len(), 5, "{line:?}");
            assert!(
                line.windows(2).all(|w| w[1].0 > w[0].0 && w[1].1 < w[0].1),
                "{line:?}"
            );
        }
        // Each epoch keeps its colour in every panel.
        let colors: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .map(|n| n.attribute("stroke").unwrap())
            .collect();
        assert_eq!(colors[0], colors[3]);
        assert_ne!(colors[0], colors[1]);
        // The band panels have ten points.
        assert_eq!(lines[3].len(), 10);
    }

    #[test]
    fn update_norms_spanning_decades_go_on_a_log_axis() {
        let mut rows = rows(2);
        for (i, r) in rows.iter_mut().enumerate() {
            r.mean_update_norm = 10f64.powi(-(i as i32 % 5)) * (r.bucket > 0) as u8 as f64;
        }
        let svg = render(&rows, "t").unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts = texts(&doc);
        let log_panels = texts.iter().filter(|t| t.ends_with("(log scale)")).count();
        assert_eq!(log_panels, 2, "{texts:?}");
        assert!(texts.contains(&"1e-4"), "{texts:?}");
        // Depth 0 has a zero update norm: it cannot be drawn on a log axis and is left out.
        // Lines come panel by panel (two epochs each): the fifth is the first norm-by-depth.
        let lines = polylines(&doc);
        assert_eq!(lines.len(), 2 * 6);
        assert_eq!(lines[4].len(), 4, "{:?}", lines[4]);
    }
}
