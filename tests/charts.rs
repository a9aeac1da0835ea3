//! `w2v plot loss|map|diagnostics` end to end: the real binary on loss logs and models that
//! the tests train (or write by hand), each chart checked by parsing what was written: SVG as
//! XML, PNG by decoding it.

mod common;

use common::*;

use std::path::{Path, PathBuf};
use std::process::Output;

/// Trains a small skip-gram model on a two-topic corpus (a0..a5 keep company, as do b0..b5),
/// saving the model and its loss log.
fn train(dir: &TempDir, name: &str, epochs: u32) -> (PathBuf, PathBuf) {
    let corpus = dir.path("topics.txt");
    if !corpus.exists() {
        std::fs::write(&corpus, topic_corpus(1500)).unwrap();
    }
    let model = dir.path(&format!("{name}.w2v"));
    let log = dir.path(&format!("{name}.csv"));
    let o = run(w2v()
        .arg("train")
        .arg("-i")
        .arg(&corpus)
        .arg("-o")
        .arg(&model)
        .args(["--dim", "16", "--min-count", "1", "--threads", "1", "-q"])
        .args(["--epochs", &epochs.to_string(), "--loss-log"])
        .arg(&log));
    assert_ok(&o);
    (model, log)
}

fn plot(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut cmd = w2v();
    cmd.arg("plot");
    for a in args {
        cmd.arg(a);
    }
    run(&mut cmd)
}

fn svg_doc(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn count(doc: &roxmltree::Document, tag: &str) -> usize {
    doc.descendants().filter(|n| n.has_tag_name(tag)).count()
}

fn texts<'a>(doc: &'a roxmltree::Document) -> Vec<&'a str> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect()
}

/// The point count of each `<polyline>`, in document order.
fn polyline_points(doc: &roxmltree::Document) -> Vec<usize> {
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .map(|n| n.attribute("points").unwrap().split_whitespace().count())
        .collect()
}

/// Each point marker's centre and the label drawn right after it.
fn labelled_points(doc: &roxmltree::Document) -> Vec<(String, f64, f64)> {
    let nodes: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle") || n.has_tag_name("text"))
        .collect();
    nodes
        .windows(2)
        .filter(|w| w[0].has_tag_name("circle") && w[1].has_tag_name("text"))
        .map(|w| {
            let at = |a| w[0].attribute(a).unwrap().parse::<f64>().unwrap();
            (w[1].text().unwrap().trim().to_string(), at("cx"), at("cy"))
        })
        .collect()
}

struct Png {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

/// Decodes an 8-bit RGB PNG, checking the signature first.
fn decode_png(bytes: &[u8]) -> Png {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "the PNG signature");
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("a PNG header");
    let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut rgb).expect("PNG image data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    rgb.truncate(info.buffer_size());
    Png {
        width: info.width,
        height: info.height,
        rgb,
    }
}

impl Png {
    fn pixels_of(&self, color: [u8; 3]) -> usize {
        self.rgb.chunks(3).filter(|p| *p == color).count()
    }
}

/// The size an SVG says it has.
fn svg_size(doc: &roxmltree::Document) -> (u32, u32) {
    let root = doc.root_element();
    let dim = |a| root.attribute(a).unwrap().parse().unwrap();
    (dim("width"), dim("height"))
}

const BLUE: [u8; 3] = [0x1f, 0x77, 0xb4];
const ORANGE: [u8; 3] = [0xff, 0x7f, 0x0e];

#[test]
fn loss_curves_have_one_line_per_run_as_svg_and_png() {
    let dir = TempDir::new("charts-loss");
    let (_, two) = train(&dir, "two", 2);
    let (_, three) = train(&dir, "three", 3);
    let svg = dir.path("loss.svg");
    let o = plot(&[&"loss", &two, &three, &"--output", &svg]);
    assert_ok(&o);
    let text = svg_doc(&svg);
    let doc = roxmltree::Document::parse(&text).expect("the chart parses as XML");
    assert!(doc.root_element().has_tag_name("svg"));
    assert_eq!(
        polyline_points(&doc),
        [2, 3],
        "a line per run, a point per epoch"
    );
    assert_eq!(count(&doc, "circle"), 5, "a marker per epoch");
    let texts = texts(&doc);
    assert!(
        texts.contains(&"two.csv") && texts.contains(&"three.csv"),
        "{texts:?}"
    );

    let png = dir.path("loss.PNG");
    let o = plot(&[&"loss", &two, &three, &"-o", &png]);
    assert_ok(&o);
    let image = decode_png(&std::fs::read(&png).unwrap());
    assert_eq!((image.width, image.height), svg_size(&doc));
    // Both runs' colours are drawn.
    assert!(image.pixels_of(BLUE) > 100 && image.pixels_of(ORANGE) > 100);
    assert_eq!(image.pixels_of([0x2c, 0xa0, 0x2c]), 0, "no third run");
    // Text is rasterised: another title changes the pixels.
    let retitled = dir.path("retitled.png");
    assert_ok(&plot(&[
        &"loss", &two, &three, &"-o", &retitled, &"--title", &"W",
    ]));
    let other = decode_png(&std::fs::read(&retitled).unwrap());
    assert_ne!(other.rgb, image.rgb);
}

#[test]
fn runs_sharing_a_file_name_are_told_apart_by_path_and_empty_logs_are_warned_about() {
    let dir = TempDir::new("charts-loss-names");
    let (_, log) = train(&dir, "run", 2);
    std::fs::create_dir(dir.path("a")).unwrap();
    std::fs::create_dir(dir.path("b")).unwrap();
    std::fs::copy(&log, dir.path("a/loss.csv")).unwrap();
    std::fs::copy(&log, dir.path("b/loss.csv")).unwrap();
    let empty = dir.write("empty.csv", "epoch,words,loss,alpha,seconds\n");
    let svg = dir.path("loss.svg");
    let o = plot(&[
        &"loss",
        &dir.path("a/loss.csv"),
        &dir.path("b/loss.csv"),
        &empty,
        &"-o",
        &svg,
    ]);
    assert_ok(&o);
    assert!(
        stderr(&o).contains("empty.csv: no finished epoch"),
        "{}",
        stderr(&o)
    );
    let text = svg_doc(&svg);
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(polyline_points(&doc), [2, 2]);
    let texts = texts(&doc);
    for folder in ["a", "b"] {
        let label = dir.path(folder).join("loss.csv").display().to_string();
        assert!(texts.contains(&label.as_str()), "{label}: {texts:?}");
    }

    let o = plot(&[&"loss", &empty, &"-o", &svg]);
    assert_one_line_error(&o, 1, "empty.csv; nothing to draw");
    let o = plot(&[&"loss", &dir.path("topics.txt"), &"-o", &svg]);
    assert_one_line_error(&o, 1, "not a w2v loss log");
}

#[test]
fn the_map_places_each_word_once_and_separates_the_topics() {
    let dir = TempDir::new("charts-map");
    let (model, _) = train(&dir, "m", 3);
    let svg = dir.path("map.svg");
    let o = plot(&[&"map", &model, &"--top", &"12", &"-o", &svg]);
    assert_ok(&o);
    let text = svg_doc(&svg);
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(count(&doc, "circle"), 12);
    let points = labelled_points(&doc);
    let mut words: Vec<&str> = points.iter().map(|p| p.0.as_str()).collect();
    words.sort_unstable();
    let expected: Vec<String> = ["a", "b"]
        .iter()
        .flat_map(|t| (0..6).map(move |i| format!("{t}{i}")))
        .collect();
    assert_eq!(words, expected);
    // The two topics are the main difference between the vectors: they fall on opposite
    // sides along the first component.
    let xs = |topic: char| -> Vec<f64> {
        points
            .iter()
            .filter(|p| p.0.starts_with(topic))
            .map(|p| p.1)
            .collect()
    };
    let (a, b) = (xs('a'), xs('b'));
    let a_left = a.iter().all(|x| b.iter().all(|y| x < y));
    let b_left = b.iter().all(|x| a.iter().all(|y| x < y));
    assert!(a_left || b_left, "a: {a:?}, b: {b:?}");
    assert!(
        texts(&doc)
            .iter()
            .any(|t| t.starts_with("first principal component (")),
        "axis titles"
    );
    // Deterministic: the same model gives the same chart.
    let again = dir.path("again.svg");
    assert_ok(&plot(&[&"map", &model, &"--top", &"12", &"-o", &again]));
    assert_eq!(svg_doc(&again), text);
}

#[test]
fn words_not_in_the_model_are_one_warning_and_none_left_is_an_error() {
    let dir = TempDir::new("charts-map-words");
    let (model, _) = train(&dir, "m", 1);
    let words = dir.write(
        "words.txt",
        "a1 zz1 b2\nzz2 zz3 A1 zz4\n\nzz5 zz6 zz7 a3 zz1\n",
    );
    let svg = dir.path("map.svg");
    let o = plot(&[&"map", &model, &"--words", &words, &"-o", &svg]);
    assert_ok(&o);
    let warning = stderr(&o);
    assert_eq!(warning.lines().count(), 1, "{warning}");
    assert!(
        warning.contains("7 of the words")
            && warning.contains("zz1, zz2, zz3, zz4, zz5 and 2 more")
            && !warning.contains("zz6"),
        "{warning}"
    );
    let text = svg_doc(&svg);
    let doc = roxmltree::Document::parse(&text).unwrap();
    // `A1` is `a1` (case folded, as queries do) and is placed once.
    let mut placed: Vec<String> = labelled_points(&doc).into_iter().map(|p| p.0).collect();
    placed.sort();
    assert_eq!(placed, ["a1", "a3", "b2"]);

    // `-` reads the words from stdin.
    let piped = dir.path("piped.svg");
    let o = run_with_stdin(
        w2v()
            .args(["plot", "map"])
            .arg(&model)
            .args(["--words", "-", "-o"])
            .arg(&piped),
        "b1\nb2 zz9\n",
    );
    assert_ok(&o);
    assert!(
        stderr(&o).contains("stdin") && stderr(&o).contains("zz9"),
        "{}",
        stderr(&o)
    );
    let text = svg_doc(&piped);
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(count(&doc, "circle"), 2);

    let unknown = dir.write("unknown.txt", "zz1\nzz2\n");
    let none = dir.path("none.svg");
    let o = plot(&[&"map", &model, &"--words", &unknown, &"-o", &none]);
    assert_one_line_error(&o, 1, "nothing to draw");
    assert!(stderr(&o).contains("zz1, zz2"), "{}", stderr(&o));
    assert!(!none.exists());

    let o = plot(&[
        &"map", &model, &"--words", &words, &"--top", &"3", &"-o", &none,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = plot(&[&"map", &model, &"--top", &"0", &"-o", &none]);
    assert_one_line_error(&o, 2, "--top 0");
}

#[test]
fn a_hand_written_vector_file_maps_to_png_at_the_chart_size() {
    let dir = TempDir::new("charts-map-png");
    // Four words on a square in the x-z plane (and one constant coordinate).
    let vectors = dir.write(
        "square.txt",
        "4 3\nnorth 0 7 1\nsouth 0 7 -1\neast 2 7 0\nwest -2 7 0\n",
    );
    let svg = dir.path("square.svg");
    assert_ok(&plot(&[&"map", &vectors, &"--top", &"99", &"-o", &svg]));
    let text = svg_doc(&svg);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let points = labelled_points(&doc);
    assert_eq!(points.len(), 4);
    let at = |w: &str| {
        points
            .iter()
            .find(|p| p.0 == w)
            .map(|p| (p.1, p.2))
            .unwrap()
    };
    // east-west (4 apart) is the first component, north-south (2 apart) the second, drawn
    // at the same scale.
    let (east, west, north, south) = (at("east"), at("west"), at("north"), at("south"));
    let across = (east.0 - west.0).abs();
    let up = (north.1 - south.1).abs();
    assert!(
        across > 100.0 && (across - 2.0 * up).abs() <= 3.0,
        "{points:?}"
    );
    assert!((east.1 - west.1).abs() <= 1.0 && (north.0 - south.0).abs() <= 1.0);

    let png = dir.path("square.png");
    assert_ok(&plot(&[&"map", &vectors, &"--top", &"4", &"-o", &png]));
    let image = decode_png(&std::fs::read(&png).unwrap());
    assert_eq!((image.width, image.height), svg_size(&doc));
    assert!(image.pixels_of(BLUE) >= 4 * 9, "four filled markers");
}

#[test]
fn the_image_type_comes_from_the_extension_and_is_checked_before_any_work() {
    let dir = TempDir::new("charts-format");
    let missing_model = dir.path("missing.w2v");
    for (output, needle) in [
        ("chart.pdf", "unknown image type `.pdf`"),
        ("chart", "no extension"),
    ] {
        let out = dir.path(output);
        let o = plot(&[&"map", &missing_model, &"--top", &"3", &"-o", &out]);
        // The model does not exist: the image type was refused first.
        assert_one_line_error(&o, 2, needle);
        assert!(stderr(&o).contains("--format"), "{}", stderr(&o));
        assert!(!out.exists());
    }
    // `-` is SVG on stdout; --format png overrides (stdout is a pipe here, not a terminal).
    let (_, log) = train(&dir, "run", 2);
    let o = plot(&[&"loss", &log, &"-o", &"-"]);
    assert_ok(&o);
    roxmltree::Document::parse(&stdout(&o)).expect("SVG on stdout");
    let o = plot(&[&"loss", &log, &"-o", &"-", &"--format", &"png"]);
    assert_ok(&o);
    let image = decode_png(&o.stdout);
    assert!(image.width > 100 && image.height > 100);
    let forced = dir.path("chart.data");
    assert_ok(&plot(&[&"loss", &log, &"-o", &forced, &"--format", &"svg"]));
    roxmltree::Document::parse(&svg_doc(&forced)).expect("SVG by --format");
}

#[test]
fn diagnostics_moved_under_plot_and_the_old_name_still_works_unlisted() {
    let dir = TempDir::new("charts-diagnostics");
    let csv = dir.write(
        "d.csv",
        "epoch,grouping,bucket,samples,mean_abs_grad,mean_update_norm,saturated_share\n\
         1,depth,0,10,0.1,0.01,0.0\n1,depth,1,10,0.2,0.02,0.0\n1,band,1,10,0.1,0.01,0.1\n\
         2,depth,0,10,0.1,0.01,0.0\n2,depth,1,10,0.2,0.02,0.0\n2,band,1,10,0.1,0.01,0.1\n",
    );
    let new = dir.path("new.svg");
    assert_ok(&plot(&[&"diagnostics", &csv, &"-o", &new]));
    let old = dir.path("old.svg");
    assert_ok(&run(w2v()
        .arg("plot-diagnostics")
        .arg(&csv)
        .arg("-o")
        .arg(&old)));
    let text = svg_doc(&new);
    assert_eq!(text, svg_doc(&old));
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(polyline_points(&doc).len(), 2 * 6, "2 epochs x 6 panels");
    // The old name wrote SVG whatever the file was called, and still does.
    let unnamed = dir.path("chart");
    assert_ok(&run(w2v()
        .arg("plot-diagnostics")
        .arg(&csv)
        .arg("-o")
        .arg(&unnamed)));
    assert_eq!(svg_doc(&unnamed), text);
    let png = dir.path("d.png");
    assert_ok(&plot(&[&"diagnostics", &csv, &"-o", &png]));
    let image = decode_png(&std::fs::read(&png).unwrap());
    assert_eq!((image.width, image.height), svg_size(&doc));

    let help = stdout(&run(w2v().arg("--help")));
    assert!(
        help.contains("plot") && !help.contains("plot-diagnostics"),
        "{help}"
    );
    let help = stdout(&run(w2v().args(["plot", "--help"])));
    for chart in ["loss", "map", "diagnostics"] {
        assert!(help.contains(chart), "{help}");
    }
}

#[test]
fn bars_draw_one_bar_per_numeric_row_as_svg_and_png_and_refuse_a_missing_column() {
    let dir = TempDir::new("plot_bars");
    let table = dir.write(
        "report.csv",
        "run,total,k words/s\nhs-huffman-sgd,61.5,210\nsoftmax-sgd,,\nns5-sgd,62.3,190\n\
         sampled64-sgd,55.0,40\n",
    );
    let svg = dir.path("bars.svg");
    let o = plot(&[&"bars", &table, &"--column", &"total", &"--output", &svg]);
    assert_ok(&o);
    assert!(stderr(&o).contains("left out") && stderr(&o).contains("softmax-sgd"));
    let text = svg_doc(&svg);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let bars = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter(|n| {
            n.attribute("fill")
                .is_some_and(|f| f.eq_ignore_ascii_case("#1F77B4"))
        })
        .count();
    assert_eq!(bars, 3, "one bar per row with a number");
    let texts = texts(&doc);
    for label in ["hs-huffman-sgd", "ns5-sgd", "sampled64-sgd"] {
        assert!(texts.contains(&label), "{label} in {texts:?}");
    }
    assert!(!texts.contains(&"softmax-sgd"));

    let png = dir.path("bars.png");
    let o = plot(&[
        &"bars",
        &table,
        &"--column",
        &"k words/s",
        &"--output",
        &png,
    ]);
    assert_ok(&o);
    let image = decode_png(&std::fs::read(&png).unwrap());
    assert!(image.pixels_of(BLUE) > 1000, "bars are drawn in blue");

    let o = plot(&[
        &"bars",
        &table,
        &"--column",
        &"accuracy",
        &"--output",
        &dir.path("x.svg"),
    ]);
    assert_one_line_error(&o, 1, "no column 'accuracy'");
    assert!(!dir.path("x.svg").exists());
}
