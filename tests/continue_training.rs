//! `train --init`: a finished model trained further on new text, on its own vocabulary or,
//! with `--update-vocab`, with the new text's words added; and every model or option that
//! cannot go on refused with one line.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{
    assert_ok, assert_one_line_error, interrupt_at_progress, kill_after_first_checkpoint,
    repeatable_training, run, stderr, w2v, TempDir,
};

/// About `words` words of Zipf-like text over `{prefix}0`, `{prefix}1`, ... (a few hundred
/// distinct words), 4-20 words a line.
fn corpus(words: usize, seed: u64, prefix: &str) -> String {
    common::zipf_text(words, seed, prefix, 0.005)
}

/// New text: lines of the old words and lines of words the old text never had.
fn new_text(words: usize) -> String {
    let old = corpus(words / 2, 77, "w");
    let new = corpus(words / 2, 78, "new");
    old.lines()
        .zip(new.lines())
        .flat_map(|(a, b)| [a, "\n", b, "\n"])
        .collect()
}

/// `w2v train` with one thread and a fixed seed, small and quick (two epochs unless `extra`
/// says), and `extra`.
fn train(input: &Path, output: &Path, extra: &[&str]) -> Command {
    let mut cmd = repeatable_training(input, output, "3");
    cmd.args(["--dim", "24", "--min-count", "3"])
        .arg("-q")
        .args(extra);
    if !extra.contains(&"--epochs") {
        cmd.args(["--epochs", "2"]);
    }
    cmd
}

/// `w2v train --init model` on `input` into `output`, one thread, and `extra`.
fn continue_cmd(model: &Path, input: &Path, output: &Path, extra: &[&str]) -> Command {
    let mut cmd = w2v();
    cmd.arg("train")
        .arg("--init")
        .arg(model)
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .args(["--threads", "1", "-q"])
        .args(extra);
    cmd
}

/// The model's words and vectors, in row order.
fn vectors(model: &Path) -> Vec<(String, Vec<f32>)> {
    let o = run(w2v()
        .args(["export", "--format", "text", "--output", "-"])
        .arg(model));
    assert_ok(&o);
    common::parse_text_vectors(&common::stdout(&o))
}

fn words(rows: &[(String, Vec<f32>)]) -> Vec<&str> {
    rows.iter().map(|(w, _)| w.as_str()).collect()
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A model trained on old text, and new text with old and new words.
struct Setup {
    dir: TempDir,
    model: PathBuf,
    new: PathBuf,
}

fn setup(name: &str, extra: &[&str]) -> Setup {
    let dir = TempDir::new(name);
    let old = dir.write("old.txt", corpus(20_000, 5, "w"));
    let new = dir.write("new.txt", new_text(20_000));
    let model = dir.path("old.w2v");
    assert_ok(&run(&mut train(&old, &model, extra)));
    Setup { dir, model, new }
}

/// Without --update-vocab the vocabulary stays the model's, row for row, and training moves
/// the vectors; with it, the new words follow the old ones and get trained vectors.
fn continues(name: &str, extra: &[&str]) {
    let s = setup(name, extra);
    let before = vectors(&s.model);
    let same = s.dir.path("same.w2v");
    assert_ok(&run(&mut continue_cmd(&s.model, &s.new, &same, &[])));
    let after = vectors(&same);
    assert_eq!(
        words(&after),
        words(&before),
        "the model's vocabulary, in order"
    );
    let moved = before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a.1 != b.1)
        .count();
    assert!(moved > before.len() / 2, "only {moved} vectors changed");

    let grown = s.dir.path("grown.w2v");
    assert_ok(&run(&mut continue_cmd(
        &s.model,
        &s.new,
        &grown,
        &["--update-vocab"],
    )));
    let after = vectors(&grown);
    let v = before.len();
    assert!(after.len() > v + 20, "{} words after {v}", after.len());
    assert_eq!(
        words(&after[..v]),
        words(&before),
        "old rows keep their order"
    );
    let new = &after[v..];
    assert!(
        new.iter().all(|(w, _)| w.starts_with("new")),
        "{:?}",
        words(new)
    );
    // Trained: finite, not all alike, and a frequent new word's neighbours are new words
    // (they share contexts only with each other).
    assert!(new.iter().all(|(_, x)| x.iter().all(|f| f.is_finite())));
    let (first, x) = &new[0];
    let nearest = after
        .iter()
        .filter(|(w, _)| w != first)
        .max_by(|a, b| {
            common::cosine(x, &a.1)
                .partial_cmp(&common::cosine(x, &b.1))
                .unwrap()
        })
        .unwrap();
    assert!(
        nearest.0.starts_with("new"),
        "{first}'s nearest: {}",
        nearest.0
    );
}

#[test]
fn continues_skipgram_hs() {
    continues("init-sg-hs", &[]);
}

#[test]
fn continues_skipgram_ns() {
    continues("init-sg-ns", &["--negative", "5"]);
}

#[test]
fn continues_cbow_hs_and_ns() {
    continues("init-cbow-both", &["--cbow", "--loss", "hs+ns"]);
}

#[test]
fn continues_with_subwords_and_new_ngram_rows() {
    continues(
        "init-subwords",
        &["--minn", "3", "--maxn", "4", "--buckets", "5000"],
    );
}

#[test]
fn one_thread_and_a_seed_repeat_bit_for_bit() {
    let s = setup("init-repeat", &["--negative", "3", "--hs"]);
    let run_once = |name: &str| {
        let out = s.dir.path(name);
        assert_ok(&run(&mut continue_cmd(
            &s.model,
            &s.new,
            &out,
            &["--update-vocab", "--seed", "9"],
        )));
        bytes(&out)
    };
    assert!(run_once("a.w2v") == run_once("b.w2v"));
}

#[test]
fn output_may_be_the_model_itself() {
    let s = setup("init-in-place", &[]);
    let elsewhere = s.dir.path("elsewhere.w2v");
    assert_ok(&run(&mut continue_cmd(
        &s.model,
        &s.new,
        &elsewhere,
        &["--update-vocab"],
    )));
    let before = bytes(&s.model);
    assert_ok(&run(&mut continue_cmd(
        &s.model,
        &s.new,
        &s.model,
        &["--update-vocab"],
    )));
    let after = bytes(&s.model);
    assert!(after != before, "the model was not replaced");
    assert!(
        after == bytes(&elsewhere),
        "in place differs from elsewhere"
    );
}

#[test]
fn settings_come_from_the_model_and_harmless_ones_may_change() {
    let s = setup("init-settings", &["--epochs", "3", "--window", "2"]);
    let out = s.dir.path("out.w2v");
    // The model's 3 epochs, unless asked otherwise.
    let mut cmd = continue_cmd(&s.model, &s.new, &out, &[]);
    let args: Vec<_> = cmd
        .get_args()
        .filter(|a| *a != "-q")
        .map(|a| a.to_owned())
        .collect();
    let o = run(w2v().args(args));
    assert_ok(&o);
    assert!(stderr(&o).contains("epoch 3/3:"), "{}", stderr(&o));
    cmd = continue_cmd(&s.model, &s.new, &out, &[]);
    let args: Vec<_> = cmd
        .get_args()
        .filter(|a| *a != "-q")
        .map(|a| a.to_owned())
        .collect();
    let o = run(w2v().args(args).args([
        "--epochs", "1", "--window", "7", "--alpha", "0.01", "--sample", "0",
    ]));
    assert_ok(&o);
    assert!(stderr(&o).contains("epoch 1/1:"), "{}", stderr(&o));
}

#[test]
fn settings_that_cannot_change_are_refused_naming_both_values() {
    let s = setup("init-fixed", &["--negative", "5"]);
    let out = s.dir.path("out.w2v");
    for (extra, needle) in [
        (
            &["--dim", "50"][..],
            "--dim 50 differs from the --init model's 24",
        ),
        (
            &["--cbow"],
            "--cbow: architecture cbow differs from the --init model's skip-gram",
        ),
        (
            &["--hs"],
            "--hs: output layer HS differs from the --init model's NS",
        ),
        (&["--minn", "3"], "--minn: subwords n-grams 3-6"),
        (
            &["--tree", "balanced"],
            "--tree balanced differs from the --init model's huffman",
        ),
    ] {
        let o = run(&mut continue_cmd(&s.model, &s.new, &out, extra));
        assert_one_line_error(&o, 2, needle);
    }
    // More negatives are fine: the output rows stay what they are.
    assert_ok(&run(&mut continue_cmd(
        &s.model,
        &s.new,
        &out,
        &["--negative", "8"],
    )));
    assert!(!s.dir.path("out.w2v.tmp").exists());
}

#[test]
fn refuses_what_cannot_be_continued() {
    let s = setup("init-refusals", &[]);
    let out = s.dir.path("out.w2v");
    let refused = |cmd: &mut Command, code: i32, needle: &str| {
        assert_one_line_error(&run(cmd), code, needle);
        assert!(!out.exists(), "{needle}: an output was written");
    };
    refused(
        continue_cmd(&s.model, &s.new, &out, &[])
            .arg("--resume")
            .arg(&s.model),
        2,
        "cannot be used with",
    );
    let mut cmd = w2v();
    cmd.args(["train", "--update-vocab", "--output"])
        .arg(&out)
        .arg("--input")
        .arg(&s.new);
    refused(&mut cmd, 2, "--init");
    refused(
        &mut continue_cmd(&s.dir.path("missing.w2v"), &s.new, &out, &[]),
        1,
        "--init",
    );
    // Text, and word vectors without an output layer.
    refused(
        &mut continue_cmd(&s.new, &s.new, &out, &[]),
        2,
        "not a model",
    );
    let vectors = s.dir.path("vectors.txt");
    assert_ok(&run(w2v()
        .args(["export", "--format", "text", "--output"])
        .arg(&vectors)
        .arg(&s.model)));
    refused(
        &mut continue_cmd(&vectors, &s.new, &out, &[]),
        2,
        "lack the output layer",
    );
    refused(
        &mut continue_cmd(&s.model, &s.new, &out, &["--checkpoint-every", "1"]),
        2,
        "--init cannot be combined with --checkpoint-every",
    );
    // Text none of whose words the model knows.
    let foreign = s.dir.write("foreign.txt", "zz yy xx\n".repeat(50));
    refused(
        &mut continue_cmd(&s.model, &foreign, &out, &[]),
        1,
        "none of its words is in the vocabulary",
    );
}

/// A checkpoint of a run that has not finished: killed after its first checkpoint.
fn checkpoint(dir: &TempDir, input: &Path) -> PathBuf {
    let path = dir.path("checkpoint.w2v");
    kill_after_first_checkpoint(
        &mut train(
            input,
            &path,
            &["--epochs", "50", "--checkpoint-every", "0.5"],
        ),
        &path,
        120,
    );
    path
}

#[test]
fn an_unfinished_model_points_to_resume() {
    let s = setup("init-checkpoint", &[]);
    let old = s.dir.write("big.txt", corpus(200_000, 6, "w"));
    let partial = checkpoint(&s.dir, &old);
    let o = run(&mut continue_cmd(
        &partial,
        &s.new,
        &s.dir.path("out.w2v"),
        &[],
    ));
    assert_one_line_error(&o, 2, "unfinished run");
    assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));
}

/// Ctrl-C in a run whose output is its --init model: the model is left as it was.
#[test]
fn ctrl_c_never_replaces_the_init_model_with_a_partial_one() {
    let s = setup("init-ctrl-c", &[]);
    let big = s.dir.write("big.txt", corpus(400_000, 8, "w"));
    let before = bytes(&s.model);
    let (code, seen) = interrupt_at_progress(
        w2v()
            .arg("train")
            .arg("--init")
            .arg(&s.model)
            .arg("--input")
            .arg(&big)
            .arg("--output")
            .arg(&s.model)
            .args(["--threads", "1", "--epochs", "20"]),
        "epoch 2/20:",
    );
    assert_eq!(code, Some(130), "{seen}");
    assert!(seen.contains("is left as it was"), "{seen}");
    assert!(bytes(&s.model) == before, "the --init model changed");
}

/// A semantic tree grows like the others: the new words (which have no trained vectors to
/// split by) come in as a grafted subtree, predict still gives a distribution, and
/// `--tree-from` is not read again (the model's tree goes on).
#[test]
fn a_semantic_tree_model_continues_and_grows() {
    let dir = TempDir::new("continue_semantic");
    let old = dir.write("old.txt", corpus(6000, 1, "w"));
    let new = dir.write("new.txt", new_text(6000));
    let model = dir.path("m.w2v");
    assert_ok(&run(&mut train(&old, &model, &["--tree", "semantic"])));
    let grown = dir.path("grown.w2v");
    let o = run(&mut continue_cmd(&model, &new, &grown, &["--update-vocab"]));
    assert_ok(&o);
    let o = run(w2v().arg("predict").arg(&grown).args([
        "--context",
        "new1",
        "new2",
        "--all",
        "--json",
    ]));
    assert_ok(&o);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let predictions = doc["predictions"].as_array().unwrap();
    let total: f64 = predictions
        .iter()
        .map(|p| p["probability"].as_f64().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-6, "{total}");
    assert!(predictions.iter().any(|p| p["word"] == "new1"));
    let again = dir.path("again.w2v");
    let o = run(&mut continue_cmd(
        &model,
        &new,
        &again,
        &["--tree", "semantic", "--tree-from", grown.to_str().unwrap()],
    ));
    assert_ok(&o);
    assert!(
        stderr(&o).contains("--tree-from is not read"),
        "{}",
        stderr(&o)
    );
}
