//! `--loss softmax` and `--loss sampled-softmax` end to end: they learn, repeat with one
//! thread and a seed, and refuse what cannot work in one line.

mod common;

use common::*;

/// Trains `--loss LOSS` on two topics and returns the mean cosine within and across them.
fn topic_similarity(dir: &TempDir, loss: &str, extra: &[&str]) -> (f32, f32) {
    let corpus = dir.write("c.txt", topic_corpus(400));
    let vecs = dir.path(&format!("{loss}.txt"));
    let o = run(small_training(&corpus)
        .arg("--save-vectors")
        .arg(&vecs)
        .args(["--loss", loss])
        .args(extra));
    assert_ok(&o);
    let rows = read_text_vectors(&vecs);
    let get = |w: &str| &rows.iter().find(|(x, _)| x == w).unwrap().1;
    let (mut same, mut cross) = (0.0, 0.0);
    for i in 0..6 {
        for j in 0..6 {
            if i != j {
                same += cosine(get(&format!("a{i}")), get(&format!("a{j}")));
                same += cosine(get(&format!("b{i}")), get(&format!("b{j}")));
            }
            cross += 2.0 * cosine(get(&format!("a{i}")), get(&format!("b{j}")));
        }
    }
    (same / 60.0, cross / 72.0)
}

#[test]
fn both_softmax_layers_learn_topics() {
    let dir = TempDir::new("softmax-topics");
    for (loss, extra) in [
        ("softmax", &[][..]),
        ("sampled-softmax", &["--negative", "8"][..]),
        ("softmax", &["--cbow"][..]),
    ] {
        let (same, cross) = topic_similarity(&dir, loss, extra);
        assert!(
            same > cross + 0.3,
            "{loss} {extra:?}: within topics {same}, across {cross}"
        );
    }
}

#[test]
fn one_thread_and_a_seed_repeat_bit_for_bit() {
    let dir = TempDir::new("softmax-repeat");
    let corpus = dir.write("c.txt", topic_corpus(100));
    for loss in ["softmax", "sampled-softmax"] {
        let models: Vec<Vec<u8>> = ["7", "7", "8"]
            .iter()
            .enumerate()
            .map(|(i, seed)| {
                let model = dir.path(&format!("{loss}{i}.w2v"));
                let o = run(w2v()
                    .args(["train", "--input"])
                    .arg(&corpus)
                    .arg("-o")
                    .arg(&model)
                    .args([
                        "--loss",
                        loss,
                        "--dim",
                        "8",
                        "--min-count",
                        "1",
                        "--epochs",
                        "2",
                    ])
                    .args(["--threads", "1", "--seed", seed, "-q"]));
                assert_ok(&o);
                std::fs::read(&model).unwrap()
            })
            .collect();
        assert!(models[0] == models[1], "{loss}: same seed, same bytes");
        assert!(
            models[0] != models[2],
            "{loss}: another seed, another model"
        );
    }
}

/// A model trained with a softmax loads again for export and queries.
#[test]
fn softmax_models_export() {
    let dir = TempDir::new("softmax-export");
    let corpus = dir.write("c.txt", topic_corpus(40));
    let model = dir.path("m.w2v");
    let o = run(w2v()
        .args(["train", "--input"])
        .arg(&corpus)
        .arg("-o")
        .arg(&model)
        .args([
            "--loss",
            "sampled-softmax",
            "--dim",
            "4",
            "--min-count",
            "1",
        ])
        .args(["--threads", "1"]));
    assert_ok(&o);
    assert!(
        stderr(&o).contains("sampled softmax (64)"),
        "{}",
        stderr(&o)
    );
    let vecs = dir.path("v.txt");
    let o = run(w2v()
        .args(["export", model.to_str().unwrap(), "--format", "text", "-o"])
        .arg(&vecs));
    assert_ok(&o);
    assert_eq!(read_text_vectors(&vecs).len(), 12);
}

#[test]
fn contradictions_are_one_line_usage_errors() {
    let dir = TempDir::new("softmax-usage");
    let corpus = dir.write("c.txt", topic_corpus(10));
    let out = dir.path("m.w2v");
    for (args, needle) in [
        (
            &["--loss", "softmax", "--negative", "5"][..],
            "--negative 5 contradicts --loss softmax",
        ),
        (
            &["--loss", "softmax", "--hs"][..],
            "--hs contradicts --loss softmax",
        ),
        (
            &["--loss", "sampled-softmax", "--negative", "0"][..],
            "which samples words",
        ),
    ] {
        let o = run(w2v()
            .args(["train", "--input"])
            .arg(&corpus)
            .arg("-o")
            .arg(&out)
            .args(args));
        assert_one_line_error(&o, 2, needle);
        assert!(!out.exists());
    }
}

/// One long line of 2,000 distinct words, dim 1000, a 1000-word window, 100 epochs: about
/// 4·10^14 multiply-adds, far beyond a day at any plausible speed. Refused with the estimate
/// before training starts.
#[test]
fn a_vocabulary_too_large_for_the_full_softmax_is_refused_with_the_estimate() {
    let dir = TempDir::new("softmax-too-large");
    let words: Vec<String> = (0..4000).map(|i| format!("w{}", i % 2000)).collect();
    let corpus = dir.write("c.txt", words.join(" "));
    let out = dir.path("m.w2v");
    let o = run(w2v()
        .args(["train", "--input"])
        .arg(&corpus)
        .arg("-o")
        .arg(&out)
        .args(["--loss", "softmax", "--dim", "1000", "--window", "1000"])
        .args([
            "--epochs",
            "100",
            "--min-count",
            "1",
            "--sample",
            "0",
            "--threads",
            "1",
        ]));
    assert_one_line_error(&o, 2, "--loss softmax would take about ");
    let err = stderr(&o);
    assert!(
        err.contains("2000 words × dim 1000") && err.contains("hours"),
        "{err}"
    );
    assert!(err.contains("sampled-softmax"), "{err}");
    assert!(!out.exists());
}
