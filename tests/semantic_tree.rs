//! `--tree semantic`: a hierarchical-softmax tree built from word vectors (`--tree-from`, or a
//! first pass), stored in the model, used by `predict` and kept by `--resume`; repeatable with
//! one thread; and one clear line for each way the vectors can be wrong.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{
    assert_ok, assert_one_line_error, kill_after_first_checkpoint, run, stderr, stdout,
    topic_corpus, w2v, zipf_text,
};
use common::{repeatable_training, TempDir};
use w2v::model::{Model, TreeKind};

/// `w2v train` on `input` into `output` with one thread, a fixed seed, small vectors, three
/// epochs, and `extra`.
fn train(input: &Path, output: &Path, extra: &[&str]) -> Command {
    let mut cmd = train_base(input, output);
    cmd.args(["--dim", "16", "--epochs", "3"]).args(extra);
    cmd
}

/// `w2v train` on `input` into `output` with one thread, a fixed seed, every word kept.
fn train_base(input: &Path, output: &Path) -> Command {
    let mut cmd = repeatable_training(input, output, "5");
    cmd.args(["--min-count", "1", "--sample", "0"]);
    cmd
}

fn read_model(path: &Path) -> Model {
    w2v::formats::native::read_path(path).unwrap()
}

/// The first code bit of every word, by word.
fn root_sides(model: &Model) -> Vec<(String, u8)> {
    let tree = model.tree.as_ref().expect("a tree");
    model
        .vocab
        .words()
        .iter()
        .enumerate()
        .map(|(w, word)| (word.clone(), tree.path(w as u32).codes[0]))
        .collect()
}

/// The topic corpus's two topics (words a0-a5, b0-b5) fall on the two sides of the root.
fn assert_topics_split_at_root(model: &Model) {
    let sides = root_sides(model);
    assert_eq!(sides.len(), 12);
    let side_of = |topic: char| {
        let mut s: Vec<u8> = sides
            .iter()
            .filter(|(w, _)| w.starts_with(topic))
            .map(|(_, b)| *b)
            .collect();
        s.dedup();
        s
    };
    let (a, b) = (side_of('a'), side_of('b'));
    assert!(
        a.len() == 1 && b.len() == 1 && a != b,
        "root sides: {sides:?}"
    );
}

/// A corpus, a Huffman model trained on it, and that model's vectors as word2vec text.
struct Setup {
    dir: TempDir,
    corpus: PathBuf,
    base: PathBuf,
    vectors: PathBuf,
}

fn setup(name: &str) -> Setup {
    let dir = TempDir::new(name);
    let corpus = dir.write("corpus.txt", topic_corpus(3000));
    let base = dir.path("base.w2v");
    assert_ok(&run(&mut train(&corpus, &base, &["-q"])));
    let vectors = dir.path("vectors.txt");
    assert_ok(&run(w2v()
        .arg("export")
        .arg(&base)
        .args(["--format", "text", "--output"])
        .arg(&vectors)));
    Setup {
        dir,
        corpus,
        base,
        vectors,
    }
}

#[test]
fn tree_from_exported_vectors_groups_topics_and_predicts() {
    let s = setup("semantic-from");
    let out = s.dir.path("semantic.w2v");
    let o = run(train(&s.corpus, &out, &["--tree", "semantic", "--tree-from"]).arg(&s.vectors));
    assert_ok(&o);
    let err = stderr(&o);
    assert!(
        err.contains("semantic tree: built from") && err.contains("(Huffman's"),
        "{err}"
    );
    assert!(!err.contains("no vector"), "every word has one: {err}");
    let model = read_model(&out);
    assert_eq!(model.settings.tree, TreeKind::Semantic);
    assert_topics_split_at_root(&model);
    // predict walks the stored tree: a full distribution, topic a's words on top for an a
    // context.
    let o = run(w2v().arg("predict").arg(&out).args([
        "--context",
        "a1",
        "a2",
        "a3",
        "--all",
        "--json",
    ]));
    assert_ok(&o);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let p = doc["predictions"].as_array().unwrap();
    assert_eq!(p.len(), 12);
    let total: f64 = p.iter().map(|x| x["probability"].as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-4, "{total}");
    let top: Vec<&str> = p[..6].iter().map(|x| x["word"].as_str().unwrap()).collect();
    assert!(top.iter().all(|w| w.starts_with('a')), "{top:?}");
}

#[test]
fn every_vector_format_builds_a_tree() {
    let s = setup("semantic-formats");
    let binary = s.dir.path("vectors.bin");
    assert_ok(&run(w2v()
        .arg("export")
        .arg(&s.base)
        .args(["--format", "binary", "--output"])
        .arg(&binary)));
    let fasttext = s.dir.path("vectors-ft.bin");
    assert_ok(&run(w2v()
        .arg("export")
        .arg(&s.base)
        .args(["--format", "fasttext", "--output"])
        .arg(&fasttext)));
    let mut links = Vec::new();
    for (name, from) in [
        ("text", &s.vectors),
        ("native", &s.base),
        ("binary", &binary),
        ("fasttext", &fasttext),
    ] {
        let out = s.dir.path(&format!("from-{name}.w2v"));
        let o = run(train(
            &s.corpus,
            &out,
            &["-q", "--tree", "semantic", "--tree-from"],
        )
        .arg(from));
        assert_ok(&o);
        let model = read_model(&out);
        assert_topics_split_at_root(&model);
        links.push(model.tree.unwrap().links().clone());
    }
    // The same floats, whatever the file: the same tree.
    assert!(links.windows(2).all(|p| p[0] == p[1]));
}

#[test]
fn one_thread_and_a_seed_repeat_bit_for_bit() {
    let s = setup("semantic-repeat");
    for extra in [
        vec!["--tree-from", s.vectors.to_str().unwrap()],
        vec![], // the first pass
    ] {
        let (x, y) = (s.dir.path("x.w2v"), s.dir.path("y.w2v"));
        for out in [&x, &y] {
            let o = run(train(&s.corpus, out, &["--tree", "semantic"]).args(&extra));
            assert_ok(&o);
        }
        assert!(
            std::fs::read(&x).unwrap() == std::fs::read(&y).unwrap(),
            "{extra:?}: two runs differ"
        );
    }
}

#[test]
fn without_tree_from_a_first_pass_gives_the_vectors() {
    let s = setup("semantic-first-pass");
    let out = s.dir.path("semantic.w2v");
    let o = run(&mut train(&s.corpus, &out, &["--tree", "semantic"]));
    assert_ok(&o);
    let err = stderr(&o);
    assert!(err.contains("first pass"), "{err}");
    assert!(err.contains("built from the first pass"), "{err}");
    let model = read_model(&out);
    assert_eq!(model.settings.tree, TreeKind::Semantic);
    assert_eq!(
        model.info.epochs_done, 3,
        "the first pass is not one of the epochs"
    );
    assert_topics_split_at_root(&model);
    // Quiet means quiet.
    let o = run(&mut train(&s.corpus, &out, &["--tree", "semantic", "-q"]));
    assert_ok(&o);
    assert_eq!(stderr(&o), "");
}

#[test]
fn words_missing_from_the_vectors_are_counted_and_kept_apart() {
    let s = setup("semantic-missing");
    // Vectors for topic a's words and two of b's; b2-b5 have none.
    let rows: Vec<String> = common::read_text_vectors(&s.vectors)
        .into_iter()
        .filter(|(w, _)| w.starts_with('a') || w == "b0" || w == "b1")
        .map(|(w, v)| {
            let v: Vec<String> = v.iter().map(f32::to_string).collect();
            format!("{w} {}\n", v.join(" "))
        })
        .collect();
    let partial = s.dir.write(
        "partial.txt",
        format!("{} 16\n{}", rows.len(), rows.concat()),
    );
    let out = s.dir.path("semantic.w2v");
    let o = run(train(
        &s.corpus,
        &out,
        &["-q", "--tree", "semantic", "--tree-from"],
    )
    .arg(&partial));
    assert_ok(&o);
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("4 of 12 vocabulary words have no vector in"),
        "{err}"
    );
    let sides = root_sides(&read_model(&out));
    for (word, side) in sides {
        let without = ["b2", "b3", "b4", "b5"].contains(&word.as_str());
        assert_eq!(side, u8::from(without), "{word}");
    }
}

#[test]
fn bad_vectors_and_flags_are_one_line_errors() {
    let s = setup("semantic-errors");
    let out = s.dir.path("never.w2v");
    let missing = s.dir.path("no-such-file.txt");
    let o = run(train(&s.corpus, &out, &["--tree", "semantic", "--tree-from"]).arg(&missing));
    assert_one_line_error(&o, 1, "--tree-from");
    assert!(stderr(&o).contains("no-such-file.txt"));

    let strangers = s.dir.write("strangers.txt", "2 3\nzz 1 0 0\nyy 0 1 0\n");
    let o = run(train(&s.corpus, &out, &["--tree", "semantic", "--tree-from"]).arg(&strangers));
    assert_one_line_error(&o, 1, "none of the 12 vocabulary words has a usable vector");

    let zeros = s.dir.write("zeros.txt", "2 2\na0 0 0\nb0 0 0\n");
    let o = run(train(&s.corpus, &out, &["--tree", "semantic", "--tree-from"]).arg(&zeros));
    assert_one_line_error(&o, 1, "none of the 12 vocabulary words has a usable vector");

    for tree in [&["--tree", "huffman"][..], &[]] {
        let o = run(train(&s.corpus, &out, tree)
            .arg("--tree-from")
            .arg(&s.vectors));
        assert_one_line_error(&o, 2, "--tree-from gives the vectors of --tree semantic");
    }
    assert!(!out.exists(), "no model from a failed run");
}

#[test]
fn without_hierarchical_softmax_the_tree_is_ignored_as_balanced_is() {
    let s = setup("semantic-no-hs");
    for tree in ["balanced", "semantic"] {
        let out = s.dir.path(&format!("{tree}.w2v"));
        let o = run(&mut train(
            &s.corpus,
            &out,
            &["-q", "--loss", "ns", "--tree", tree],
        ));
        assert_ok(&o);
        assert!(read_model(&out).tree.is_none());
    }
}

/// About `words` words of Zipf-like text, enough that an epoch takes a good part of a
/// second, so a checkpoint lands before the run ends.
fn zipf_corpus(words: usize) -> String {
    zipf_text(words, 11, "w", 0.002)
}

#[test]
fn resume_keeps_the_stored_tree_and_ends_as_an_uninterrupted_run() {
    let dir = TempDir::new("semantic-resume");
    let corpus = dir.write("corpus.txt", zipf_corpus(400_000));
    let extra = ["--tree", "semantic", "--epochs", "4", "--dim", "48", "-q"];
    let reference = dir.path("reference.w2v");
    assert_ok(&run(train_base(&corpus, &reference).args(extra)));
    // A run killed outright after its first checkpoint (half an epoch after the first pass).
    let checkpoint = dir.path("checkpoint.w2v");
    kill_after_first_checkpoint(
        train_base(&corpus, &checkpoint)
            .args(extra)
            .args(["--checkpoint-every", "0.5"]),
        &checkpoint,
        300,
    );
    let partial = read_model(&checkpoint);
    assert!(partial.info.partial && partial.settings.tree == TreeKind::Semantic);
    // Resuming with no tree options: no first pass again, the checkpoint's tree goes on.
    let out = dir.path("final.w2v");
    let o = run(w2v()
        .arg("train")
        .arg("--resume")
        .arg(&checkpoint)
        .arg("--input")
        .arg(&corpus)
        .arg("--output")
        .arg(&out));
    assert_ok(&o);
    assert!(!stderr(&o).contains("first pass"), "{}", stderr(&o));
    assert!(
        std::fs::read(&out).unwrap() == std::fs::read(&reference).unwrap(),
        "resumed model differs from the uninterrupted run's"
    );
}
