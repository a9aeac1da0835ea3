//! `w2v likelihood` and `predict` under every output layer: the probabilities are normalised
//! (a trained model cannot beat the text's true entropy), agree with a naive computation, and
//! bad input gets one line.

mod common;

use common::*;
use ndarray::Array2;
use w2v::model::{Model, Settings, SoftmaxKind};
use w2v::predict::{full_distribution, Scorer};
use w2v::vocab::Vocab;

/// Two topics of `per_topic` words each; a sentence draws all its words uniformly from one
/// topic, so a word's neighbours say its topic and nothing more: the best any model can do
/// is ln(1 / per_topic) per prediction.
fn topic_text(seed: u64, sentences: usize, per_topic: usize) -> String {
    let mut rng = Lcg(seed);
    let mut text = String::new();
    for s in 0..sentences {
        let topic = if s % 2 == 0 { "a" } else { "b" };
        for _ in 0..10 {
            text.push_str(&format!("{topic}{} ", rng.next(per_topic)));
        }
        text.push('\n');
    }
    text
}

fn mean_log_likelihood(dir: &TempDir, model: &std::path::Path, text: &std::path::Path) -> f64 {
    let o = run(w2v()
        .arg("likelihood")
        .arg(model)
        .arg("--input")
        .arg(text)
        .arg("--json"));
    assert_ok(&o);
    let doc: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let _ = dir;
    let mean = doc["mean_log_likelihood"].as_f64().unwrap();
    let total = doc["log_likelihood"].as_f64().unwrap();
    let n = doc["predictions"].as_u64().unwrap();
    assert!((total / n as f64 - mean).abs() < 1e-9);
    assert!((doc["perplexity"].as_f64().unwrap() - (-mean).exp()).abs() < 1e-6);
    mean
}

fn train(dir: &TempDir, name: &str, args: &[&str]) -> std::path::PathBuf {
    let corpus = dir.write("train.txt", topic_text(7, 600, 6));
    let model = dir.path(name);
    let o = run(small_training(&corpus)
        .arg("--output")
        .arg(&model)
        .args(["--window", "3", "--seed", "3"])
        .args(args));
    assert_ok(&o);
    model
}

#[test]
fn every_output_layer_learns_the_topics_and_none_beats_the_true_entropy() {
    let dir = TempDir::new("likelihood_layers");
    let held_out = dir.write("held.txt", topic_text(99, 200, 6));
    let best = -(6f64).ln();
    let uniform = -(12f64).ln();
    for (name, args) in [
        ("cbow-hs", &["--cbow"][..]),
        ("cbow-softmax", &["--cbow", "--loss", "softmax"][..]),
        (
            "cbow-sampled",
            &["--cbow", "--loss", "sampled-softmax", "--negative", "6"][..],
        ),
        ("cbow-ns", &["--cbow", "--loss", "ns"][..]),
        ("sg-hs", &[][..]),
        ("sg-softmax", &["--loss", "softmax"][..]),
    ] {
        let model = train(&dir, &format!("{name}.w2v"), args);
        let mean = mean_log_likelihood(&dir, &model, &held_out);
        // Normalised probabilities cannot do better than the generator's entropy (a little
        // slack for the finite sample), and a trained model must do clearly better than
        // guessing among all 12 words.
        assert!(mean <= best + 0.05, "{name}: {mean} beats ln(1/6) = {best}");
        assert!(
            mean > uniform + 0.3,
            "{name}: {mean} is no better than uniform {uniform}"
        );
    }
}

#[test]
fn the_report_names_the_layer_and_counts_unknown_words() {
    let dir = TempDir::new("likelihood_report");
    let model = train(&dir, "m.w2v", &["--cbow", "--loss", "softmax"]);
    let text = dir.write("held.txt", "a1 a2 zzz a3 a4\nqqq\n");
    let o = run(w2v()
        .arg("likelihood")
        .arg(&model)
        .arg("--input")
        .arg(&text));
    assert_ok(&o);
    let out = stdout(&o);
    assert!(out.contains("softmax"), "{out}");
    assert!(out.contains("4 in the vocabulary, 2 outside it"), "{out}");
    // Four known words in one sentence: four CBOW predictions.
    assert!(out.contains("over 4 predictions"), "{out}");
}

#[test]
fn bad_input_gets_one_line() {
    let dir = TempDir::new("likelihood_errors");
    let model = train(&dir, "m.w2v", &[]);
    let unknown = dir.write("unknown.txt", "zzz qqq\n");
    let o = run(w2v()
        .arg("likelihood")
        .arg(&model)
        .arg("--input")
        .arg(&unknown));
    assert_one_line_error(&o, 1, "no prediction to score");
    let o = run(w2v()
        .arg("likelihood")
        .arg(&model)
        .args(["--window", "0", "--input"])
        .arg(&unknown));
    assert_one_line_error(&o, 2, "--window 0");
    let o = run(w2v()
        .arg("likelihood")
        .arg(dir.path("missing.w2v"))
        .arg("--input")
        .arg(&unknown));
    assert_one_line_error(&o, 1, "missing.w2v");
    let text_model = dir.write("foreign.w2v", "not a model\n");
    let o = run(w2v()
        .arg("likelihood")
        .arg(&text_model)
        .arg("--input")
        .arg(&unknown));
    assert!(!o.status.success());
    assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
}

#[test]
fn predict_with_a_softmax_gives_a_distribution_over_the_topic() {
    let dir = TempDir::new("likelihood_predict");
    for (name, args, layer) in [
        ("softmax", &["--cbow", "--loss", "softmax"][..], "softmax"),
        ("ns", &["--cbow", "--loss", "ns"][..], "negative sampling"),
    ] {
        let model = train(&dir, &format!("{name}.w2v"), args);
        let o = run(w2v().arg("predict").arg(&model).args([
            "--context",
            "b1",
            "b2",
            "b3",
            "--all",
            "--json",
        ]));
        assert_ok(&o);
        let doc: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert!(doc["layer"].as_str().unwrap().starts_with(layer), "{doc}");
        assert!(doc.get("tree_nodes").is_none(), "{doc}");
        let predictions = doc["predictions"].as_array().unwrap();
        assert_eq!(predictions.len(), 12);
        let total: f64 = predictions
            .iter()
            .map(|p| p["probability"].as_f64().unwrap())
            .sum();
        assert!((total - 1.0).abs() < 1e-6, "{name}: sums to {total}");
        // The six most probable are topic b's, most probable first.
        let probs: Vec<f64> = predictions
            .iter()
            .map(|p| p["probability"].as_f64().unwrap())
            .collect();
        assert!(probs.windows(2).all(|w| w[0] >= w[1]), "{probs:?}");
        for p in &predictions[..6] {
            let word = p["word"].as_str().unwrap();
            assert!(word.starts_with('b'), "{name}: {word} in the top 6");
        }
        let o = run(w2v().arg("predict").arg(&model).args(["--context", "a1"]));
        assert_ok(&o);
        assert!(stderr(&o).contains("scored all 12 words"), "{}", stderr(&o));
    }
}

/// A model with random parameters: input rows, tree nodes and word output rows.
fn random_model(softmax: Option<SoftmaxKind>, hs: bool) -> Model {
    let words: Vec<String> = (0..9).map(|i| format!("w{i}")).collect();
    let counts = (0..9).map(|i| 100 - 10 * i as u64).collect();
    let settings = Settings {
        dim: 5,
        hs,
        negative: if softmax.is_some() || hs { 0 } else { 5 },
        softmax,
        ..Default::default()
    };
    let mut model = Model::new(settings, Vocab::new(words, counts));
    let mut rng = Lcg(5);
    let mut fill = |m: &mut Vec<f32>| {
        for x in m.iter_mut() {
            *x = rng.next(2001) as f32 / 1000.0 - 1.0;
        }
    };
    fill(&mut model.nodes);
    fill(&mut model.negatives);
    model
}

#[test]
fn summed_log_probabilities_match_a_naive_computation() {
    let hiddens = Array2::from_shape_fn((3, 5), |(i, j)| (i as f32 - 1.0) * 0.7 + j as f32 * 0.3);
    let targets = [0u32, 4, 8, 2, 2, 7];
    let offsets = [0usize, 1, 4, 6];
    for (softmax, hs) in [
        (Some(SoftmaxKind::Full), false),
        (Some(SoftmaxKind::Sampled), false),
        (None, false),
        (None, true),
    ] {
        let model = random_model(softmax, hs);
        let scorer = Scorer::new(&model).unwrap();
        let got = scorer.sum_log_probs(hiddens.view(), &targets, &offsets);
        let mut want = 0.0;
        for i in 0..3 {
            let h = hiddens.row(i).to_vec();
            let probs: Vec<f64> = if hs {
                full_distribution(&model, &h).unwrap()
            } else {
                let scores: Vec<f64> = model
                    .negatives
                    .chunks_exact(5)
                    .map(|r| r.iter().zip(&h).map(|(a, b)| (*a * *b) as f64).sum())
                    .collect();
                let z: f64 = scores.iter().map(|s| s.exp()).sum();
                scores.iter().map(|s| s.exp() / z).collect()
            };
            assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            for &w in &targets[offsets[i]..offsets[i + 1]] {
                want += probs[w as usize].ln();
            }
        }
        assert!(
            (got - want).abs() < 1e-4,
            "{softmax:?} hs={hs}: {got} vs {want}"
        );
        // The scorer's top-k probabilities are the same distribution.
        let h = hiddens.row(1).to_vec();
        let top = scorer.top_k(&h, 9);
        let total: f64 = top.top.iter().map(|p| p.probability).sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
    }
}
