//! Charts as SVG text, drawn with plotters' SVG backend: no system fonts or libraries (the
//! viewer renders the text), and the library returns a `String` that the binary writes.
//!
//! Conventions every chart here keeps, so that tests (and readers of the file) can find the
//! data: each data series is exactly one `<polyline>`; frames, grid lines, ticks and legend
//! swatches are drawn as `<rect>` or `<line>`, never as polylines.

pub mod diagnostics;

use std::ops::Range;

use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordi32;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};

/// Series colours, in order (matplotlib's "tab10": distinct, and readable on white).
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// The colour of series `i`.
pub fn series_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

const FRAME: RGBColor = RGBColor(0x44, 0x44, 0x44);
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
const FONT: &str = "sans-serif";

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult<T = ()> = std::result::Result<
    T,
    DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>,
>;

/// Draws a `width` x `height` chart with `draw` on a white background and returns the SVG.
pub fn render_svg(
    (width, height): (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .and_then(|()| draw(&root))
            .and_then(|()| root.present());
        drawn.map_err(|e| Error::Chart {
            message: e.to_string(),
        })?;
    }
    Ok(svg)
}

/// A y axis: linear from 0, or log10 over whole decades when the values span more than 100x.
#[derive(Debug, Clone, PartialEq)]
pub enum YAxis {
    Linear(Range<f64>),
    /// Powers of ten: 10^lo .. 10^hi.
    Log {
        lo: i32,
        hi: i32,
    },
}

impl YAxis {
    /// The axis for `values`; `log` allows a log axis (values <= 0 then cannot be drawn).
    pub fn fit(values: impl Iterator<Item = f64> + Clone, log: bool) -> YAxis {
        let min_positive = values
            .clone()
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let max = values.fold(0.0f64, f64::max);
        if log && min_positive.is_finite() && max / min_positive > 100.0 {
            return YAxis::Log {
                lo: min_positive.log10().floor() as i32,
                hi: max.log10().ceil() as i32,
            };
        }
        YAxis::Linear(0.0..if max > 0.0 { max * 1.05 } else { 1.0 })
    }

    pub fn is_log(&self) -> bool {
        matches!(self, YAxis::Log { .. })
    }

    /// Whether `v` can be drawn on this axis.
    pub fn shows(&self, v: f64) -> bool {
        v.is_finite() && (!self.is_log() || v > 0.0)
    }
}

/// One panel of line series over integer x values (depths, bands, epochs).
pub struct LinePanel<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y: YAxis,
    /// One line per series, in palette order; points the y axis cannot show are left out.
    pub series: &'a [Vec<(i32, f64)>],
}

impl LinePanel<'_> {
    pub fn draw(&self, area: &Area<'_>) -> DrawResult {
        let points = self.series.iter().flatten();
        let x_lo = points.clone().map(|p| p.0).min().unwrap_or(0);
        let x_hi = points.map(|p| p.0).max().unwrap_or(1).max(x_lo + 1);
        let mut chart = ChartBuilder::on(area);
        chart
            .caption(self.title, (FONT, 16))
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(56);
        match self.y {
            YAxis::Linear(ref range) => {
                let chart = chart.build_cartesian_2d(x_lo..x_hi, range.clone())?;
                self.finish(chart, (x_lo, x_hi), (range.start, range.end), None)
            }
            YAxis::Log { lo, hi } => {
                // A hair wider than the decades, so rounding cannot drop the end labels.
                let range = 10f64.powi(lo) * (1.0 - 1e-9)..10f64.powi(hi) * (1.0 + 1e-9);
                let chart = chart.build_cartesian_2d(x_lo..x_hi, range.clone().log_scale())?;
                // As many labels as decades: only the powers of ten are marked.
                let decades = (hi - lo).max(1) as usize;
                self.finish(chart, (x_lo, x_hi), (range.start, range.end), Some(decades))
            }
        }
    }

    fn finish<Y>(
        &self,
        mut chart: ChartContext<'_, SVGBackend<'_>, Cartesian2d<RangedCoordi32, Y>>,
        (x_lo, x_hi): (i32, i32),
        (y_lo, y_hi): (f64, f64),
        decades: Option<usize>,
    ) -> DrawResult
    where
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let log_label = |v: &f64| format!("1e{}", v.log10().round());
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            // The frame below stands in for the axis lines; no tick marks.
            .axis_style(TRANSPARENT)
            .x_labels(((x_hi - x_lo) as usize + 1).min(11))
            .x_label_formatter(&|x| x.to_string())
            .x_desc(self.x_label)
            .label_style((FONT, 14));
        match decades {
            Some(decades) => mesh.y_labels(decades).y_label_formatter(&log_label),
            None => mesh.y_labels(6),
        };
        mesh.draw()?;
        chart.plotting_area().draw(&Rectangle::new(
            [(x_lo, y_lo), (x_hi, y_hi)],
            FRAME.stroke_width(1),
        ))?;
        for (i, line) in self.series.iter().enumerate() {
            let shown: Vec<_> = line
                .iter()
                .copied()
                .filter(|&(_, v)| self.y.shows(v))
                .collect();
            if !shown.is_empty() {
                chart.draw_series(LineSeries::new(shown, series_color(i).stroke_width(2)))?;
            }
        }
        Ok(())
    }
}

/// A row of legend entries (swatch and label) across the top of `area`.
pub fn legend_row<S: AsRef<str>>(area: &Area<'_>, (x, y): (i32, i32), labels: &[S]) -> DrawResult {
    let mut x = x;
    for (i, label) in labels.iter().enumerate() {
        let label = label.as_ref();
        area.draw(&Rectangle::new(
            [(x, y - 2), (x + 20, y + 1)],
            series_color(i).filled(),
        ))?;
        area.draw(&Text::new(
            label.to_string(),
            (x + 26, y - 7),
            (FONT, 14).into_font(),
        ))?;
        x += 40 + 8 * label.len() as i32;
    }
    Ok(())
}
