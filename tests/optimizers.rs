//! `--optimizer sgd|adagrad|rmsprop|adam` and `--l2` end to end: every optimizer trains every
//! output layer and the subword rows without NaN, lowers the loss and learns topics, repeats
//! bit for bit with one thread and a seed, and impossible options fail in one line.

mod common;

use std::path::Path;

use common::*;

const OPTIMIZERS: [&str; 4] = ["sgd", "adagrad", "rmsprop", "adam"];

/// 120 words in sentences that walk a fixed random graph (each word is followed by one of
/// three successors): far more structure than one epoch learns, so the loss keeps falling
/// for several.
fn walk_corpus(sentences: usize) -> String {
    let mut rng = Lcg(7);
    let v = 120;
    let next: Vec<[usize; 3]> = (0..v)
        .map(|_| [rng.next(v), rng.next(v), rng.next(v)])
        .collect();
    let mut text = String::new();
    for _ in 0..sentences {
        let mut w = rng.next(v);
        for _ in 0..15 {
            text.push_str(&format!("w{w} "));
            w = next[w][rng.next(3)];
        }
        text.push('\n');
    }
    text
}

/// Trains on `corpus` with `args` (plus small, one-thread settings); returns the per-epoch
/// losses and the word vectors.
fn train(
    dir: &TempDir,
    name: &str,
    corpus: &Path,
    args: &[&str],
) -> (Vec<f64>, Vec<(String, Vec<f32>)>) {
    let vecs = dir.path(&format!("{name}.txt"));
    let log = dir.path(&format!("{name}.csv"));
    let o = run(w2v()
        .args(["train", "--input"])
        .arg(corpus)
        .arg("--save-vectors")
        .arg(&vecs)
        .arg("--loss-log")
        .arg(&log)
        .args(["--dim", "16", "--min-count", "1", "--sample", "0"])
        .args(["--threads", "1", "--seed", "3", "-q"])
        .args(args));
    assert_ok(&o);
    let losses = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    (losses, read_text_vectors(&vecs))
}

/// Mean cosine within the two topics of `topic_corpus` and across them.
fn topic_cosines(rows: &[(String, Vec<f32>)]) -> (f32, f32) {
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

fn assert_finite(what: &str, losses: &[f64], rows: &[(String, Vec<f32>)]) {
    assert!(losses.iter().all(|l| l.is_finite()), "{what}: {losses:?}");
    assert!(
        rows.iter().all(|(_, v)| v.iter().all(|x| x.is_finite())),
        "{what}: a vector is not finite"
    );
}

/// Each optimizer with hierarchical softmax and with negative sampling: finite, the loss
/// falls from the first epoch to the last, and two topics come apart.
#[test]
fn every_optimizer_learns_with_hs_and_ns() {
    let dir = TempDir::new("optimizers-learn");
    let walk = dir.write("walk.txt", walk_corpus(400));
    let topics = dir.write("topics.txt", topic_corpus(300));
    for optimizer in OPTIMIZERS {
        for loss in ["hs", "ns"] {
            let what = format!("{optimizer} {loss}");
            let args = ["--optimizer", optimizer, "--loss", loss, "--epochs", "4"];
            let (losses, rows) = train(&dir, &format!("{optimizer}-{loss}"), &walk, &args);
            assert_finite(&what, &losses, &rows);
            assert_eq!(losses.len(), 4, "{what}");
            assert!(losses[3] < losses[0], "{what}: loss {losses:?}");
            let (_, rows) = train(&dir, &format!("{optimizer}-{loss}-t"), &topics, &args);
            let (same, cross) = topic_cosines(&rows);
            assert!(same > cross + 0.3, "{what}: within {same}, across {cross}");
        }
    }
}

/// The other output layers, the subword rows, CBOW and L2 run under the adaptive rules.
#[test]
fn adaptive_rules_train_every_layer_subwords_and_l2() {
    let dir = TempDir::new("optimizers-layers");
    let corpus = dir.write("c.txt", walk_corpus(300));
    let cases: [&[&str]; 6] = [
        &["--loss", "hs+ns"],
        &["--loss", "softmax"],
        &["--loss", "sampled-softmax", "--negative", "8"],
        &[
            "--loss",
            "ns",
            "--minn",
            "2",
            "--maxn",
            "3",
            "--buckets",
            "1000",
        ],
        &["--cbow", "--loss", "hs"],
        &["--loss", "ns", "--l2", "1e-4"],
    ];
    for optimizer in ["adagrad", "rmsprop", "adam"] {
        for (i, case) in cases.iter().enumerate() {
            let what = format!("{optimizer} {case:?}");
            let mut args = vec!["--optimizer", optimizer, "--epochs", "3"];
            args.extend_from_slice(case);
            let (losses, rows) = train(&dir, &format!("{optimizer}-{i}"), &corpus, &args);
            assert_finite(&what, &losses, &rows);
            assert!(losses[2] < losses[0], "{what}: loss {losses:?}");
        }
    }
}

/// L2 shrinks the vectors, and much of it shrinks them more than a little; every row is brought up to date
/// before saving, so even a rare word's vector is decayed.
#[test]
fn l2_shrinks_every_vector() {
    let dir = TempDir::new("optimizers-l2");
    let mut text = topic_corpus(200);
    text.push_str("rare a1 a2\n");
    let corpus = dir.write("c.txt", text);
    let norm = |rows: &[(String, Vec<f32>)], w: &str| {
        let v = &rows.iter().find(|(x, _)| x == w).unwrap().1;
        v.iter().map(|x| x * x).sum::<f32>().sqrt()
    };
    // Under the adaptive rules a row's step grows as its gradients shrink, so the norms they
    // settle at need not fall with L2 (measured: they did not); the decay itself is
    // unit-tested in `train::rates` for every rule.
    for optimizer in ["sgd"] {
        let base = ["--optimizer", optimizer, "--loss", "ns", "--epochs", "2"];
        let with = |l2: &str, name: &str| {
            let mut args = base.to_vec();
            args.extend_from_slice(&["--l2", l2]);
            train(&dir, name, &corpus, &args).1
        };
        let none = with("0", &format!("{optimizer}-l2-0"));
        let some = with("0.002", &format!("{optimizer}-l2-small"));
        let more = with("0.02", &format!("{optimizer}-l2-more"));
        for w in ["a1", "b3", "rare"] {
            let (n0, n1, n2) = (norm(&none, w), norm(&some, w), norm(&more, w));
            assert!(n0 > n2 && n1 > n2, "{optimizer} {w}: {n0} {n1} {n2}");
        }
    }
}

/// One thread and a seed: the same model, byte for byte, under every optimizer and L2.
#[test]
fn one_thread_and_a_seed_repeat_bit_for_bit() {
    let dir = TempDir::new("optimizers-repeat");
    let corpus = dir.write("c.txt", topic_corpus(100));
    for optimizer in OPTIMIZERS {
        for loss in ["hs", "ns"] {
            let model = |name: &str, seed: &str| {
                let path = dir.path(name);
                let o = run(w2v()
                    .args(["train", "--input"])
                    .arg(&corpus)
                    .arg("-o")
                    .arg(&path)
                    .args(["--optimizer", optimizer, "--loss", loss, "--l2", "1e-4"])
                    .args(["--dim", "8", "--min-count", "1", "--epochs", "2"])
                    .args(["--threads", "1", "--seed", seed, "-q"]));
                assert_ok(&o);
                std::fs::read(path).unwrap()
            };
            let a = model(&format!("{optimizer}-{loss}-a.w2v"), "5");
            let b = model(&format!("{optimizer}-{loss}-b.w2v"), "5");
            let c = model(&format!("{optimizer}-{loss}-c.w2v"), "6");
            assert!(a == b, "{optimizer} {loss}: same seed, different models");
            assert!(a != c, "{optimizer} {loss}: the seed changes nothing");
        }
    }
}

/// Impossible options: one clear line, a non-zero exit, nothing written.
#[test]
fn impossible_options_fail_in_one_line() {
    let dir = TempDir::new("optimizers-refuse");
    let corpus = dir.write("c.txt", topic_corpus(20));
    let cases: [(&[&str], &str); 9] = [
        (&["--l2", "-1"], "--l2"),
        (&["--l2", "nan"], "--l2"),
        (&["--l2", "inf"], "--l2"),
        (&["--l2", "100"], "--l2"),
        (&["--optimizer", "adam", "--rho", "0.9"], "--rho"),
        (&["--beta1", "0.9"], "--beta1"),
        (&["--optimizer", "rmsprop", "--beta2", "0.99"], "--beta2"),
        (&["--optimizer", "rmsprop", "--rho", "1"], "--rho"),
        (&["--optimizer", "adam", "--beta2", "1.5"], "--beta2"),
    ];
    for (i, (args, needle)) in cases.iter().enumerate() {
        let model = dir.path(&format!("m{i}.w2v"));
        let o = run(w2v()
            .args(["train", "--input"])
            .arg(&corpus)
            .arg("-o")
            .arg(&model)
            .args(["--min-count", "1", "-q"])
            .args(*args));
        assert_one_line_error(&o, 2, needle);
        assert!(!model.exists(), "{args:?} wrote a model");
    }
}
