//! `w2v plot map`: words as labelled points in the plane of their vectors' two principal
//! components ([`crate::projection::pca_2d`]).

use plotters::prelude::*;

use super::{Area, Chart, DrawResult, FONT, FRAME, GRID, PALETTE};
use crate::projection::Projection;

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 860;
const MARGIN: u32 = 16;
const X_LABELS: u32 = 50;
const Y_LABELS: u32 = 70;

/// One labelled point per word; both axes have the same scale, so distances on the map are
/// distances in the projection.
pub struct MapChart<'a> {
    pub title: &'a str,
    /// The label of each point of `projection`, in the same order.
    pub words: &'a [String],
    pub projection: &'a Projection,
}

impl MapChart<'_> {
    /// Axis ranges around the points with a margin, stretched so that a unit is as long in x
    /// as in y on a plotting area of `width` x `height` pixels.
    fn ranges(&self, (width, height): (f64, f64)) -> ((f64, f64), (f64, f64)) {
        let extent = |axis: usize| {
            let values = self.projection.points.iter().map(|p| p[axis]);
            values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
        };
        let ((x_lo, x_hi), (y_lo, y_hi)) = (extent(0), extent(1));
        if !x_lo.is_finite() {
            return ((-1.0, 1.0), (-1.0, 1.0));
        }
        // Units per pixel: the larger need of the two axes, with 8 % to spare on each side.
        let per_pixel = ((x_hi - x_lo) / width).max((y_hi - y_lo) / height) * 1.16;
        let per_pixel = if per_pixel > 0.0 {
            per_pixel
        } else {
            2.0 / width
        };
        let around = |lo: f64, hi: f64, pixels: f64| {
            let mid = 0.5 * (lo + hi);
            (
                mid - 0.5 * per_pixel * pixels,
                mid + 0.5 * per_pixel * pixels,
            )
        };
        (around(x_lo, x_hi, width), around(y_lo, y_hi, height))
    }
}

impl Chart for MapChart<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> DrawResult<DB> {
        let body = root.titled(self.title, (FONT, 18))?;
        let (width, height) = body.dim_in_pixel();
        let plot_pixels = (
            width.saturating_sub(2 * MARGIN + Y_LABELS).max(1) as f64,
            height.saturating_sub(2 * MARGIN + X_LABELS).max(1) as f64,
        );
        let ((x_lo, x_hi), (y_lo, y_hi)) = self.ranges(plot_pixels);
        let mut chart = ChartBuilder::on(&body)
            .margin(MARGIN)
            .x_label_area_size(X_LABELS)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
        let [share1, share2] = self.projection.variance_share.map(|s| 100.0 * s);
        chart
            .configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(TRANSPARENT)
            .x_desc(format!(
                "first principal component ({share1:.1}% of variance)"
            ))
            .y_desc(format!(
                "second principal component ({share2:.1}% of variance)"
            ))
            .label_style((FONT, 13))
            .draw()?;
        chart.plotting_area().draw(&Rectangle::new(
            [(x_lo, y_lo), (x_hi, y_hi)],
            FRAME.stroke_width(1),
        ))?;
        let dot = PALETTE[0].filled();
        let label = (FONT, 13).into_font().color(&BLACK);
        chart.draw_series(self.projection.points.iter().zip(self.words).map(
            |(&[x, y], word)| {
                EmptyElement::at((x, y))
                    + Circle::new((0, 0), 3, dot)
                    + Text::new(word.clone(), (5, -14), label.clone())
            },
        ))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::render_svg;

    #[test]
    fn one_marker_and_label_per_word_at_the_same_scale_on_both_axes() {
        let projection = Projection {
            points: vec![[-2.0, 0.0], [2.0, 0.0], [0.0, 1.0], [0.0, -1.0]],
            variance_share: [0.8, 0.2],
        };
        let words: Vec<String> = ["west", "east", "north", "south"].map(String::from).into();
        let chart = MapChart {
            title: "map",
            words: &words,
            projection: &projection,
        };
        let svg = render_svg(&chart).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let circles: Vec<(f64, f64)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("circle"))
            .map(|n| {
                let at = |a| n.attribute(a).unwrap().parse::<f64>().unwrap();
                (at("cx"), at("cy"))
            })
            .collect();
        assert_eq!(circles.len(), 4);
        // 4 units apart in x, 2 in y: the same pixels per unit (to rounding).
        let dx = circles[1].0 - circles[0].0;
        let dy = circles[3].1 - circles[2].1;
        assert!(dx > 100.0 && (dx - 2.0 * dy).abs() <= 2.0, "{circles:?}");
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        for w in &words {
            assert_eq!(
                texts.iter().filter(|t| *t == w).count(),
                1,
                "{w}: {texts:?}"
            );
        }
        assert!(
            texts.iter().any(|t| t.contains("(80.0% of variance)")),
            "{texts:?}"
        );
    }
}
