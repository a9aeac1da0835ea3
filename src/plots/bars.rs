//! `w2v plot bars`: one figure per run as a horizontal bar, read from a column of a CSV table
//! such as the benchmark scripts write, so that a report's comparisons (accuracy by output
//! layer and optimizer, held-out likelihood by layer) can be seen at a glance.
//!
//! Each bar is one filled `<rect>` in the first palette colour, drawn from zero to its value
//! (leftwards for a negative one, such as a log-likelihood), with its value written at its end.

use std::path::Path;

use plotters::prelude::*;

use super::{series_color, Area, Chart, DrawResult, FONT, FRAME, GRID};
use crate::error::{Error, Result};

const PLOT_WIDTH: u32 = 720;
const BAR_HEIGHT: u32 = 26;
const MARGIN_HEIGHT: u32 = 110;

/// One labelled value.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// What [`read_bars`] found: the bars, and the rows whose cell was not a number (a run that
/// was refused or did not finish), by label.
#[derive(Debug, Clone, PartialEq)]
pub struct BarTable {
    pub bars: Vec<Bar>,
    pub skipped: Vec<String>,
}

/// Reads `label_column` and `value_column` of a CSV file with a header row.
pub fn read_bars(path: &Path, label_column: &str, value_column: &str) -> Result<BarTable> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let bad = |line: u64, what: String| Error::parse(path, line, what);
    let headers = reader
        .headers()
        .map_err(|e| bad(1, format!("no CSV header ({e})")))?
        .clone();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| {
                let have: Vec<&str> = headers.iter().map(str::trim).collect();
                bad(
                    1,
                    format!("no column '{name}' (columns: {})", have.join(", ")),
                )
            })
    };
    let (label_at, value_at) = (find(label_column)?, find(value_column)?);
    let mut table = BarTable {
        bars: Vec::new(),
        skipped: Vec::new(),
    };
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| bad(line, format!("not CSV ({e})")))?;
        let label = record.get(label_at).unwrap_or("").trim().to_string();
        match record.get(value_at).map(|v| v.trim().parse::<f64>()) {
            Some(Ok(value)) if value.is_finite() => table.bars.push(Bar { label, value }),
            _ => table.skipped.push(label),
        }
    }
    Ok(table)
}

pub struct BarChart<'a> {
    pub bars: &'a [Bar],
    pub title: &'a str,
    /// What the values are, under the axis.
    pub value_label: &'a str,
}

impl BarChart<'_> {
    fn label_width(&self) -> u32 {
        let longest = self.bars.iter().map(|b| b.label.chars().count()).max();
        (16 + 8 * longest.unwrap_or(0) as u32).clamp(60, 400)
    }

    /// From zero (or the smallest value) to the largest, with room for the value labels.
    fn range(&self) -> (f64, f64) {
        let (lo, hi) = self.bars.iter().fold((0f64, 0f64), |(lo, hi), b| {
            (lo.min(b.value), hi.max(b.value))
        });
        let span = (hi - lo).max(1e-9);
        (
            if lo < 0.0 { lo - 0.15 * span } else { lo },
            if hi > 0.0 {
                hi + 0.15 * span
            } else {
                hi + 0.02 * span
            },
        )
    }
}

impl Chart for BarChart<'_> {
    fn size(&self) -> (u32, u32) {
        (
            PLOT_WIDTH + self.label_width(),
            MARGIN_HEIGHT + BAR_HEIGHT * self.bars.len().max(1) as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> DrawResult<DB> {
        let n = self.bars.len().max(1) as f64;
        let (lo, hi) = self.range();
        // The labels are drawn beside the plot by hand: row i is the band n-1-i..n-i, so
        // the first bar is at the top.
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, (FONT, 16))
            .margin(8)
            .margin_left(self.label_width())
            .x_label_area_size(40)
            .build_cartesian_2d(lo..hi, 0.0..n)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(TRANSPARENT)
            .x_labels(8)
            .y_labels(0)
            .x_desc(self.value_label)
            .label_style((FONT, 13))
            .draw()?;
        chart
            .plotting_area()
            .draw(&Rectangle::new([(lo, 0.0), (hi, n)], FRAME.stroke_width(1)))?;
        let zero = 0.0f64.clamp(lo, hi);
        let fill = series_color(0).filled();
        chart.draw_series(self.bars.iter().enumerate().map(|(i, bar)| {
            let row = n - 1.0 - i as f64;
            Rectangle::new([(zero, row + 0.2), (bar.value, row + 0.8)], fill)
        }))?;
        let font = (FONT, 13).into_font();
        for (i, bar) in self.bars.iter().enumerate() {
            let row = n - 1.0 - i as f64;
            let (left, mid) = chart.backend_coord(&(lo, row + 0.5));
            let (end, _) = chart.backend_coord(&(bar.value, row + 0.5));
            let label_x = left - 8 - 7 * bar.label.chars().count() as i32;
            root.draw(&Text::new(
                bar.label.clone(),
                (label_x, mid - 7),
                font.clone(),
            ))?;
            let text = format_value(bar.value);
            let text_x = if bar.value >= 0.0 {
                end + 4
            } else {
                end - 4 - 7 * text.len() as i32
            };
            root.draw(&Text::new(text, (text_x, mid - 7), font.clone()))?;
        }
        Ok(())
    }
}

/// Four significant digits: enough to tell runs apart, short enough to sit by a bar.
fn format_value(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let digits = (3 - v.abs().max(1e-12).log10().floor() as i32).clamp(0, 6) as usize;
    format!("{v:.digits$}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::render_svg;

    fn bars(values: &[f64]) -> Vec<Bar> {
        values
            .iter()
            .enumerate()
            .map(|(i, &value)| Bar {
                label: format!("run{i}"),
                value,
            })
            .collect()
    }

    /// The filled rectangles in the bar colour, as (x, y, width, height).
    fn bar_rects(svg: &str) -> Vec<(f64, f64, f64, f64)> {
        let doc = roxmltree::Document::parse(svg).unwrap();
        let color = series_color(0);
        let fill = format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2);
        doc.descendants()
            .filter(|n| n.has_tag_name("rect"))
            .filter(|n| {
                n.attribute("fill")
                    .is_some_and(|f| f.eq_ignore_ascii_case(&fill))
            })
            .map(|n| {
                let at = |a| n.attribute(a).unwrap().parse::<f64>().unwrap();
                (at("x"), at("y"), at("width"), at("height"))
            })
            .collect()
    }

    #[test]
    fn one_bar_per_value_longer_for_larger_values_top_down() {
        let b = bars(&[30.0, 60.0, 45.0]);
        let svg = render_svg(&BarChart {
            bars: &b,
            title: "t",
            value_label: "v",
        })
        .unwrap();
        let rects = bar_rects(&svg);
        assert_eq!(rects.len(), 3, "{svg}");
        assert!(
            rects[1].2 > rects[2].2 && rects[2].2 > rects[0].2,
            "{rects:?}"
        );
        assert!((rects[1].2 / rects[0].2 - 2.0).abs() < 0.05, "{rects:?}");
        assert!(
            rects[0].1 < rects[1].1 && rects[1].1 < rects[2].1,
            "{rects:?}"
        );
        for label in ["run0", "run1", "run2", "60.00"] {
            assert!(svg.contains(label), "{label}");
        }
    }

    #[test]
    fn negative_values_extend_left_of_zero() {
        let b = bars(&[-4.0, -6.0]);
        let svg = render_svg(&BarChart {
            bars: &b,
            title: "t",
            value_label: "v",
        })
        .unwrap();
        let rects = bar_rects(&svg);
        assert_eq!(rects.len(), 2);
        // Both end at the same right edge (zero); the longer one starts further left.
        assert!((rects[0].0 + rects[0].2 - rects[1].0 - rects[1].2).abs() < 1.5);
        assert!(rects[1].0 < rects[0].0);
    }

    #[test]
    fn reads_a_column_and_skips_cells_that_are_not_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(
            &path,
            "run,total,kwps\nhs,61.5,200\nsoftmax,refused,\nns,62.25,300\n",
        )
        .unwrap();
        let t = read_bars(&path, "run", "total").unwrap();
        assert_eq!(t.bars.len(), 2);
        assert_eq!(
            t.bars[1],
            Bar {
                label: "ns".into(),
                value: 62.25
            }
        );
        assert_eq!(t.skipped, vec!["softmax".to_string()]);
        let err = read_bars(&path, "run", "accuracy").unwrap_err().to_string();
        assert!(
            err.contains("no column 'accuracy'") && err.contains("total"),
            "{err}"
        );
    }
}
