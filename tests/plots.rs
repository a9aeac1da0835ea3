//! `w2v plot-diagnostics` end to end: the real binary on CSV files written here (no training,
//! so these stay fast), checked by parsing the SVG it writes.

mod common;

use common::*;

use std::path::Path;
use std::process::Output;

const HEADER: &str = "epoch,grouping,bucket,samples,mean_abs_grad,mean_update_norm,saturated_share";

/// A diagnostics CSV as `train --diagnostics` writes it: `epochs` epochs, `depths` depths and
/// the ten bands; the update norm falls tenfold per depth, so it needs a log axis.
fn diagnostics_csv(epochs: u32, depths: u32) -> String {
    let mut csv = format!("{HEADER}\n");
    for e in 1..=epochs {
        for d in 0..depths {
            let norm = 10f64.powi(-(d as i32)) / e as f64;
            csv += &format!(
                "{e},depth,{d},100,{:.6e},{norm:.6e},0.010000\n",
                0.4 / e as f64
            );
        }
        for b in 1..=10 {
            csv += &format!(
                "{e},band,{b},50,4.000000e-1,1.000000e-3,{:.6}\n",
                0.01 * b as f64
            );
        }
    }
    csv
}

fn plot(csv: &Path, svg: &Path, extra: &[&str]) -> Output {
    run(w2v()
        .arg("plot-diagnostics")
        .arg(csv)
        .arg("-o")
        .arg(svg)
        .args(extra))
}

#[test]
fn the_chart_is_well_formed_svg_with_a_line_per_epoch_and_panel() {
    let dir = TempDir::new("chart");
    let csv = dir.write("d.csv", diagnostics_csv(4, 7));
    let svg = dir.path("d.svg");
    let o = plot(&csv, &svg, &["--title", "gradients & <friends>"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the chart parses as XML");
    let root = doc.root_element();
    assert!(root.has_tag_name("svg"), "{:?}", root.tag_name());
    let width: f64 = root.attribute("width").unwrap().parse().unwrap();
    assert!(width > 100.0);

    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(texts.contains(&"gradients & <friends>"), "{texts:?}");
    let legend: Vec<&&str> = texts.iter().filter(|t| t.starts_with("epoch ")).collect();
    assert_eq!(legend, [&"epoch 1", &"epoch 2", &"epoch 3", &"epoch 4"]);
    assert_eq!(
        texts.iter().filter(|t| t.ends_with("(log scale)")).count(),
        1,
        "only the update norm by depth spans decades: {texts:?}"
    );

    let lines: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .collect();
    assert_eq!(lines.len(), 4 * 6, "4 epochs x 6 panels");
    let points = |n: &roxmltree::Node| n.attribute("points").unwrap().split_whitespace().count();
    // Panels go metric by metric, depth then band: 7 depths, 10 bands.
    for (panel, chunk) in lines.chunks(4).enumerate() {
        let expected = if panel % 2 == 0 { 7 } else { 10 };
        assert!(chunk.iter().all(|n| points(n) == expected), "panel {panel}");
    }
    let strokes: Vec<&str> = lines[..4]
        .iter()
        .map(|n| n.attribute("stroke").unwrap())
        .collect();
    let mut distinct = strokes.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "one colour per epoch: {strokes:?}");
}

#[test]
fn a_malformed_csv_is_one_error_line_naming_file_and_line() {
    let dir = TempDir::new("bad");
    let svg = dir.path("d.svg");
    let mut csv = diagnostics_csv(1, 3);
    csv += "2,depth,1,100,not-a-number,1e-3,0.0\n";
    let lines = csv.lines().count();
    let path = dir.write("bad.csv", csv);
    let o = plot(&path, &svg, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("w2v: error:"), "{err}");
    let at = format!("bad.csv:{lines}:");
    assert!(err.contains(&at), "expected {at} in: {err}");
    assert!(err.contains("mean_abs_grad"), "{err}");
    assert!(!svg.exists(), "no chart is written for a bad CSV");

    let quoted = dir.write(
        "q.csv",
        format!("{HEADER}\n1,\"depth\",0,1,1e-1,1e-3,0.5\n"),
    );
    let o = plot(&quoted, &svg, &[]);
    assert!(
        o.status.success(),
        "quoted fields are CSV too: {}",
        stderr(&o)
    );
}
