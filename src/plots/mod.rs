//! Charts drawn with plotters, as SVG text or PNG images. Text in SVG is left to the viewer;
//! PNG text is rasterised with an embedded font (DejaVu Sans, see `assets/fonts/`), so
//! neither format needs a system font or library.
//!
//! Conventions every chart here keeps, so that tests (and readers of the file) can find the
//! data: each data series is exactly one `<polyline>`, each data point marker one `<circle>`;
//! frames, grid lines, ticks and legend swatches are drawn as `<rect>` or `<line>`, never as
//! polylines or circles.

pub mod bars;
pub mod diagnostics;
pub mod loss;
pub mod map;

use std::ops::Range;
use std::sync::Once;

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

/// DejaVu Sans 2.37 (Bitstream Vera licence: free to embed and redistribute with its notice,
/// `assets/fonts/LICENSE-DejaVu.txt`).
const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Makes the embedded font plotters' `sans-serif`: plotters lays text out (and rasterises it
/// for PNG) only with registered fonts.
fn register_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The bytes are a font file checked in with the source: parsing cannot fail.
        if plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_err() {
            unreachable!("the embedded font parses");
        }
    });
}

/// An area of any backend charts are drawn on.
pub type Area<DB> = DrawingArea<DB, Shift>;
/// What drawing on backend `DB` returns.
pub type DrawResult<DB, T = ()> =
    std::result::Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart: its size in pixels, and how it is drawn on any backend.
pub trait Chart {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> DrawResult<DB>;
}

/// The image formats charts are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// Scalable text; the viewer renders the text.
    Svg,
    /// A bitmap, text rasterised with the embedded font.
    Png,
}

impl ImageFormat {
    /// The format a file extension names (`svg`, `png`, any case).
    pub fn from_extension(extension: &str) -> Option<ImageFormat> {
        match extension.to_ascii_lowercase().as_str() {
            "svg" => Some(ImageFormat::Svg),
            "png" => Some(ImageFormat::Png),
            _ => None,
        }
    }

    /// Whether the bytes are binary (garbage on a terminal).
    pub fn is_binary(self) -> bool {
        self == ImageFormat::Png
    }
}

/// Draws `chart` on a white background in `format`.
pub fn render(chart: &impl Chart, format: ImageFormat) -> Result<Vec<u8>> {
    match format {
        ImageFormat::Svg => render_svg(chart).map(String::into_bytes),
        ImageFormat::Png => render_png(chart),
    }
}

fn chart_error(e: impl std::fmt::Display) -> Error {
    Error::Chart {
        message: e.to_string(),
    }
}

/// Draws `chart` on a white background and returns the SVG text.
pub fn render_svg(chart: &impl Chart) -> Result<String> {
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, chart.size()).into_drawing_area();
        root.fill(&WHITE)
            .and_then(|()| chart.draw(&root))
            .and_then(|()| root.present())
            .map_err(chart_error)?;
    }
    Ok(svg)
}

/// Draws `chart` on a white background and returns the PNG file's bytes (8-bit RGB).
pub fn render_png(chart: &impl Chart) -> Result<Vec<u8>> {
    register_font();
    let (width, height) = chart.size();
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        root.fill(&WHITE)
            .and_then(|()| chart.draw(&root))
            .and_then(|()| root.present())
            .map_err(chart_error)?;
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&pixels))
        .map_err(chart_error)?;
    Ok(png)
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
    /// The y axis's description; empty for none.
    pub y_label: &'a str,
    pub y: YAxis,
    /// One line per series, in palette order; points the y axis cannot show are left out.
    pub series: &'a [Vec<(i32, f64)>],
    /// Also mark each point with a circle (so a one-point series shows).
    pub markers: bool,
}

impl LinePanel<'_> {
    pub fn draw<DB: DrawingBackend>(&self, area: &Area<DB>) -> DrawResult<DB> {
        let points = self.series.iter().flatten();
        let x_lo = points.clone().map(|p| p.0).min().unwrap_or(0);
        let x_hi = points.map(|p| p.0).max().unwrap_or(1).max(x_lo + 1);
        let mut chart = ChartBuilder::on(area);
        chart
            .caption(self.title, (FONT, 16))
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(if self.y_label.is_empty() { 56 } else { 76 });
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

    fn finish<DB: DrawingBackend, Y>(
        &self,
        mut chart: ChartContext<'_, DB, Cartesian2d<RangedCoordi32, Y>>,
        (x_lo, x_hi): (i32, i32),
        (y_lo, y_hi): (f64, f64),
        decades: Option<usize>,
    ) -> DrawResult<DB>
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
        if !self.y_label.is_empty() {
            mesh.y_desc(self.y_label);
        }
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
                let color = series_color(i);
                if self.markers {
                    chart.draw_series(shown.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
                }
                chart.draw_series(LineSeries::new(shown, color.stroke_width(2)))?;
            }
        }
        Ok(())
    }
}

/// A row of legend entries (swatch and label) across the top of `area`.
pub fn legend_row<DB: DrawingBackend, S: AsRef<str>>(
    area: &Area<DB>,
    (x, y): (i32, i32),
    labels: &[S],
) -> DrawResult<DB> {
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

/// Legend entries (swatch and label) one under another, from (`x`, `y`) down.
pub fn legend_column<DB: DrawingBackend, S: AsRef<str>>(
    area: &Area<DB>,
    (x, y): (i32, i32),
    labels: &[S],
) -> DrawResult<DB> {
    for (i, label) in labels.iter().enumerate() {
        let y = y + 22 * i as i32;
        area.draw(&Rectangle::new(
            [(x, y - 2), (x + 20, y + 1)],
            series_color(i).filled(),
        ))?;
        area.draw(&Text::new(
            label.as_ref().to_string(),
            (x + 26, y - 7),
            (FONT, 14).into_font(),
        ))?;
    }
    Ok(())
}
