//! `w2v train --minn/--maxn/--buckets`: fastText-style subword vectors, through the real binary.

mod common;

use common::*;

/// Topic A's words and topic B's, each among its own context words.
const STEMS: [&str; 8] = [
    "apple", "brick", "cloud", "dream", "eagle", "flame", "grape", "horse",
];

/// Sentences of topic A (the first four stems) and topic B (the last four), and a few
/// neutral sentences with one rare variant each (`appley`...): only its spelling links a
/// variant to its stem's topic.
fn spelling_corpus(sentences: usize) -> String {
    let mut rng = Lcg(7);
    let mut text = String::new();
    for s in 0..sentences {
        let (stems, context) = if s % 2 == 0 {
            (&STEMS[..4], "ctxa")
        } else {
            (&STEMS[4..], "ctxb")
        };
        for _ in 0..10 {
            if rng.next(2) == 0 {
                text.push_str(&format!("{} ", stems[rng.next(4)]));
            } else {
                text.push_str(&format!("{context}{} ", rng.next(8)));
            }
        }
        text.push('\n');
        if s % 50 == 0 {
            let neutral = |rng: &mut Lcg| format!("ctxc{} ", rng.next(8));
            for _ in 0..4 {
                text.push_str(&neutral(&mut rng));
            }
            text.push_str(&format!("{}y ", STEMS[(s / 50) % 8]));
            for _ in 0..4 {
                text.push_str(&neutral(&mut rng));
            }
            text.push('\n');
        }
    }
    text
}

fn train(
    dir: &TempDir,
    corpus: &std::path::Path,
    name: &str,
    extra: &[&str],
) -> std::path::PathBuf {
    let out = dir.path(name);
    let o = run(w2v()
        .args([
            "train",
            "--quiet",
            "--threads",
            "1",
            "--seed",
            "3",
            "--dim",
            "16",
        ])
        .args(["--min-count", "1", "--epochs", "5", "--input"])
        .arg(corpus)
        .arg("--save-vectors")
        .arg(&out)
        .args(extra));
    assert_ok(&o);
    out
}

fn vector<'a>(vectors: &'a [(String, Vec<f32>)], word: &str) -> &'a [f32] {
    &vectors.iter().find(|(w, _)| w == word).expect(word).1
}

/// Mean cosine of each rare variant with its own stem, and with a stem of the other topic.
fn variant_similarity(vectors: &[(String, Vec<f32>)]) -> (f32, f32) {
    let (mut own, mut other) = (0.0, 0.0);
    for (i, stem) in STEMS.iter().enumerate() {
        let variant = vector(vectors, &format!("{stem}y"));
        own += cosine(variant, vector(vectors, stem));
        other += cosine(variant, vector(vectors, STEMS[(i + 4) % 8]));
    }
    (own / 8.0, other / 8.0)
}

/// A rare word lands next to the frequent word it is spelled like with subwords, and not
/// without: the n-gram rows are trained and make up the word vectors.
#[test]
fn rare_words_learn_from_their_spelling() {
    let dir = TempDir::new("subword-spelling");
    let corpus = dir.write("corpus.txt", spelling_corpus(2000));
    for extra in [&["--negative", "5"][..], &["--cbow"][..]] {
        let words = read_text_vectors(&train(&dir, &corpus, "words.txt", extra));
        let with: Vec<&str> = extra
            .iter()
            .copied()
            .chain(["--minn", "3", "--maxn", "6"])
            .collect();
        let subwords = read_text_vectors(&train(&dir, &corpus, "subwords.txt", &with));
        let (word_own, word_other) = variant_similarity(&words);
        let (sub_own, sub_other) = variant_similarity(&subwords);
        assert!(
            sub_own - sub_other > 0.3 && sub_own - sub_other > word_own - word_other + 0.2,
            "{extra:?}: cosine to own stem {sub_own}, to other topic {sub_other} (word-only: \
             {word_own}, {word_other})"
        );
    }
}

/// With one thread and a seed, subword runs are repeatable bit for bit, in every mode.
#[test]
fn subword_runs_are_repeatable() {
    let dir = TempDir::new("subword-repeat");
    let corpus = dir.write("corpus.txt", topic_corpus(300));
    for mode in [
        &[][..],
        &["--cbow"][..],
        &["--negative", "3"][..],
        &["--cbow", "--loss", "hs+ns"][..],
    ] {
        let mut args = vec!["--minn", "2", "--maxn", "4", "--buckets", "5000"];
        args.extend_from_slice(mode);
        let a = std::fs::read(train(&dir, &corpus, "a.txt", &args)).unwrap();
        let b = std::fs::read(train(&dir, &corpus, "b.txt", &args)).unwrap();
        assert!(a == b, "{mode:?}: two runs differ");
        let plain = std::fs::read(train(&dir, &corpus, "c.txt", mode)).unwrap();
        assert!(a != plain, "{mode:?}: subwords changed nothing");
    }
}

/// `--maxn 0` means no subwords, as in fastText: the very model word2vec-style training makes.
#[test]
fn maxn_zero_is_word_only_training() {
    let dir = TempDir::new("subword-off");
    let corpus = dir.write("corpus.txt", topic_corpus(200));
    let off = std::fs::read(train(&dir, &corpus, "off.txt", &["--maxn", "0"])).unwrap();
    let plain = std::fs::read(train(&dir, &corpus, "plain.txt", &[])).unwrap();
    assert!(off == plain);
}

#[test]
fn impossible_subword_options_are_one_line_errors() {
    let dir = TempDir::new("subword-errors");
    let corpus = dir.write("corpus.txt", topic_corpus(50));
    for (args, needle) in [
        (&["--buckets", "100"][..], "--minn"),
        (&["--minn", "0"][..], "--minn"),
        (&["--minn", "5", "--maxn", "3"][..], "--maxn"),
        (&["--maxn", "99"][..], "--maxn"),
        (&["--minn", "3", "--buckets", "0"][..], "--buckets"),
    ] {
        let out = dir.path("m.w2v");
        let o = run(w2v()
            .args(["train", "--quiet", "--input"])
            .arg(&corpus)
            .arg("--output")
            .arg(&out)
            .args(args));
        assert_one_line_error(&o, 2, needle);
        assert!(!out.exists(), "{args:?} left a model");
    }
}

/// `--output-rate`: 2 by default with subwords (the same model as asking for 2), 1 without
/// (word2vec's single rate); another rate trains another model; nonsense is refused.
#[test]
fn output_rate_defaults_to_two_with_subwords_only() {
    let dir = TempDir::new("subword-output-rate");
    let corpus = dir.write("corpus.txt", topic_corpus(200));
    let read = |name: &str, extra: &[&str]| {
        std::fs::read_to_string(train(&dir, &corpus, name, extra)).unwrap()
    };
    let subwords = ["--negative", "5", "--minn", "3", "--maxn", "5"];
    let default = read("sub-default.txt", &subwords);
    let two = read(
        "sub-two.txt",
        &[&subwords[..], &["--output-rate", "2"]].concat(),
    );
    let one = read(
        "sub-one.txt",
        &[&subwords[..], &["--output-rate", "1"]].concat(),
    );
    assert_eq!(default, two);
    assert_ne!(default, one);
    let words = read("words-default.txt", &["--negative", "5"]);
    let words_one = read("words-one.txt", &["--negative", "5", "--output-rate", "1"]);
    let words_two = read("words-two.txt", &["--negative", "5", "--output-rate", "2"]);
    assert_eq!(words, words_one);
    assert_ne!(words, words_two);
    for bad in ["0", "-1", "nan", "1000"] {
        let o = run(w2v()
            .args(["train", "--quiet", "--input"])
            .arg(&corpus)
            .arg("--output")
            .arg(dir.path("bad.w2v"))
            .args(["--output-rate", bad]));
        assert_one_line_error(&o, 2, "--output-rate");
    }
}
