//! Draws a diagnostics CSV as one SVG file: six line charts (mean |g|, mean update norm and
//! saturated share, each by tree depth and by frequency band), one line per epoch. Plain SVG
//! text, so any browser opens it and no plotting library is needed.

use std::fmt::Write;

use super::{Grouping, Row};

const PANEL_W: f64 = 440.0;
const PANEL_H: f64 = 220.0;
const MARGIN_L: f64 = 70.0;
const MARGIN_T: f64 = 84.0;
const GAP_X: f64 = 90.0;
const GAP_Y: f64 = 80.0;
const COLORS: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

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
pub fn render(rows: &[Row], title: &str) -> String {
    let width = MARGIN_L + 2.0 * PANEL_W + GAP_X + 40.0;
    let height = MARGIN_T + 3.0 * PANEL_H + 2.0 * GAP_Y + 70.0;
    let mut epochs: Vec<u32> = rows.iter().map(|r| r.epoch).collect();
    epochs.sort_unstable();
    epochs.dedup();
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{MARGIN_L}" y="24" font-size="16">{}</text>"#,
        escape(title)
    );
    for (i, e) in epochs.iter().enumerate() {
        let x = MARGIN_L + i as f64 * 80.0;
        let c = COLORS[i % COLORS.len()];
        let _ = writeln!(
            s,
            r#"<line x1="{x}" y1="42" x2="{}" y2="42" stroke="{c}" stroke-width="2"/><text x="{}" y="46">epoch {e}</text>"#,
            x + 20.0,
            x + 24.0
        );
    }
    for (m, metric) in METRICS.iter().enumerate() {
        for (c, grouping) in [Grouping::Depth, Grouping::Band].into_iter().enumerate() {
            let x0 = MARGIN_L + c as f64 * (PANEL_W + GAP_X);
            let y0 = MARGIN_T + m as f64 * (PANEL_H + GAP_Y);
            let xlabel = match grouping {
                Grouping::Depth => "node depth (root = 0)",
                Grouping::Band => "target word's frequency band (1 = most frequent tenth)",
            };
            let series: Vec<Vec<(f64, f64)>> = epochs
                .iter()
                .map(|&e| {
                    rows.iter()
                        .filter(|r| r.epoch == e && r.grouping == grouping)
                        .map(|r| (r.bucket as f64, (metric.value)(r)))
                        .collect()
                })
                .collect();
            panel(&mut s, (x0, y0), metric, xlabel, &series);
        }
    }
    s.push_str("</svg>\n");
    s
}

/// A linear or log10 axis mapping data to pixels.
struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
}

impl Axis {
    fn fit(values: impl Iterator<Item = f64> + Clone, log: bool) -> Axis {
        let positive = values.clone().filter(|v| *v > 0.0);
        let min_pos = positive.clone().fold(f64::INFINITY, f64::min);
        let max = values.fold(0.0f64, f64::max);
        if log && min_pos.is_finite() && max / min_pos > 100.0 {
            return Axis {
                lo: min_pos.log10().floor(),
                hi: max.log10().ceil(),
                log: true,
            };
        }
        Axis {
            lo: 0.0,
            hi: if max > 0.0 { max * 1.05 } else { 1.0 },
            log: false,
        }
    }

    /// 0..=1 along the axis; None for values a log axis cannot show.
    fn unit(&self, v: f64) -> Option<f64> {
        let v = if self.log {
            if v <= 0.0 {
                return None;
            }
            v.log10()
        } else {
            v
        };
        Some(((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0))
    }

    fn ticks(&self) -> Vec<(f64, String)> {
        if self.log {
            (self.lo as i32..=self.hi as i32)
                .map(|p| (10f64.powi(p), format!("1e{p}")))
                .collect()
        } else {
            let step = (self.hi - self.lo) / 4.0;
            // Enough decimals that neighbouring ticks never print alike.
            let decimals = (1.0 - step.log10().floor()).max(0.0) as usize;
            (0..=4)
                .map(|i| {
                    let v = self.lo + step * i as f64;
                    (v, format!("{v:.decimals$}"))
                })
                .collect()
        }
    }
}

fn panel(
    s: &mut String,
    (x0, y0): (f64, f64),
    metric: &Metric,
    xlabel: &str,
    series: &[Vec<(f64, f64)>],
) {
    let points = series.iter().flatten();
    let xmax = points.clone().map(|p| p.0).fold(1.0f64, f64::max);
    let xmin = points.clone().map(|p| p.0).fold(xmax, f64::min);
    let xspan = (xmax - xmin).max(1.0);
    let y = Axis::fit(points.map(|p| p.1), metric.log);
    let px = |x: f64| x0 + (x - xmin) / xspan * PANEL_W;
    let py = |u: f64| y0 + PANEL_H - u * PANEL_H;
    let title = if y.log {
        format!("{} (log scale)", metric.title)
    } else {
        metric.title.to_string()
    };
    let _ = writeln!(
        s,
        r##"<text x="{x0}" y="{}" font-size="13">{}</text><rect x="{x0}" y="{y0}" width="{PANEL_W}" height="{PANEL_H}" fill="none" stroke="#444"/>"##,
        y0 - 8.0,
        escape(&title)
    );
    for (v, label) in y.ticks() {
        if let Some(u) = y.unit(v) {
            let yy = py(u);
            let _ = writeln!(
                s,
                r##"<line x1="{x0}" y1="{yy}" x2="{}" y2="{yy}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{label}</text>"##,
                x0 + PANEL_W,
                x0 - 6.0,
                yy + 4.0
            );
        }
    }
    let step = (xspan / 10.0).ceil().max(1.0) as usize;
    for x in (xmin as usize..=xmax as usize).step_by(step) {
        let xx = px(x as f64);
        let _ = writeln!(
            s,
            r#"<text x="{xx}" y="{}" text-anchor="middle">{x}</text>"#,
            y0 + PANEL_H + 16.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        x0 + PANEL_W / 2.0,
        y0 + PANEL_H + 34.0,
        escape(xlabel)
    );
    for (i, line) in series.iter().enumerate() {
        let pts: Vec<String> = line
            .iter()
            .filter_map(|&(x, v)| y.unit(v).map(|u| format!("{:.1},{:.1}", px(x), py(u))))
            .collect();
        if !pts.is_empty() {
            let _ = writeln!(
                s,
                r#"<polyline fill="none" stroke="{}" stroke-width="1.5" points="{}"/>"#,
                COLORS[i % COLORS.len()],
                pts.join(" ")
            );
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
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

    #[test]
    fn one_line_per_epoch_and_panel() {
        let rows: Vec<Row> = (1..=3)
            .flat_map(|e| {
                (0..5)
                    .map(move |d| row(e, Grouping::Depth, d, 0.1 * d as f64))
                    .chain((1..=10).map(move |b| row(e, Grouping::Band, b, 0.05 * b as f64)))
            })
            .collect();
        let svg = render(&rows, "a <test>");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 3 * 6);
        assert!(svg.contains("a &lt;test&gt;"));
        assert!(svg.contains("epoch 3"));
        // Depth line of epoch 1, mean |g| panel: five points, rising to the right (y falls).
        let first = svg.split("points=\"").nth(1).unwrap();
        let ys: Vec<f64> = first
            .split('"')
            .next()
            .unwrap()
            .split(' ')
            .map(|p| p.split(',').nth(1).unwrap().parse().unwrap())
            .collect();
        assert_eq!(ys.len(), 5);
        assert!(ys.windows(2).all(|w| w[1] < w[0]), "{ys:?}");
    }
}
