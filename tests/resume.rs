//! Checkpoints and resume: a run stopped by a real Ctrl-C (SIGINT) or killed (SIGKILL) after a
//! checkpoint, then resumed with `--resume`, ends with the very model an uninterrupted run
//! saves; and every resume that cannot be exact is refused with one line naming why.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{
    assert_ok, interrupt_at_progress, repeatable_training, run, stderr, w2v, zipf_text, TempDir,
};

/// About `words` words of Zipf-like text (a few hundred distinct words), 4-20 words a line.
fn corpus(words: usize, seed: u64) -> String {
    zipf_text(words, seed, "w", 0.002)
}

/// Enough text that an epoch takes a good part of a second with one thread, so a signal
/// sent at an epoch's first progress line lands in that epoch.
const WORDS: usize = 400_000;

/// `w2v train` on `input` into `output`, one thread, seed 7, four epochs, and `extra`.
fn train_cmd(input: &Path, output: &Path, extra: &[&str]) -> Command {
    let mut cmd = repeatable_training(input, output, "7");
    cmd.args([
        "--epochs",
        "4",
        "--dim",
        "48",
        "--window",
        "8",
        "--sample",
        "0",
        "--min-count",
        "2",
    ])
    .args(extra);
    cmd
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The uninterrupted run's model.
fn reference(dir: &TempDir, input: &Path, extra: &[&str]) -> Vec<u8> {
    let out = dir.path("reference.w2v");
    assert_ok(&run(train_cmd(input, &out, extra).arg("-q")));
    bytes(&out)
}

fn resume(input: &Path, checkpoint: &Path, output: &Path) -> std::process::Output {
    let mut cmd = w2v();
    cmd.arg("train")
        .arg("--resume")
        .arg(checkpoint)
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .arg("-q");
    run(&mut cmd)
}

/// Sends SIGINT as a terminal's Ctrl-C would.
/// Starts training, waits (by reading its stderr) for the first progress line of epoch 3 of
/// 4, sends SIGINT, and gives the run's stderr; the partial model is at `output`.
fn interrupt_in_third_epoch(input: &Path, output: &Path, extra: &[&str]) -> String {
    let (code, seen) = interrupt_at_progress(&mut train_cmd(input, output, extra), "epoch 3/4:");
    assert_eq!(code, Some(130), "stderr: {seen}");
    seen
}

fn ctrl_c_then_resume_is_exact(name: &str, extra: &[&str]) {
    let dir = TempDir::new(name);
    let input = dir.write("corpus.txt", corpus(WORDS, 11));
    let expected = reference(&dir, &input, extra);
    let model = dir.path("model.w2v");
    let log = interrupt_in_third_epoch(&input, &model, extra);
    assert!(
        log.contains("interrupted after 2 of 4 epochs") && log.contains("--resume"),
        "the signal should stop the third epoch: {log}"
    );
    assert_ne!(
        bytes(&model),
        expected,
        "the partial model is not the final one"
    );
    // Resumed onto itself, with the inputs and no other option: the settings come from it.
    let o = resume(&input, &model, &model);
    assert_ok(&o);
    assert!(
        bytes(&model) == expected,
        "resumed model differs from the uninterrupted run's"
    );
}

#[test]
fn ctrl_c_in_the_third_epoch_then_resume_is_exact_skipgram_hs() {
    ctrl_c_then_resume_is_exact("sigint-sg-hs", &[]);
}

#[test]
fn ctrl_c_in_the_third_epoch_then_resume_is_exact_cbow_ns() {
    ctrl_c_then_resume_is_exact("sigint-cbow-ns", &["--cbow", "--negative", "10"]);
}

/// Starts a run with checkpoints, waits for the first to appear at `output`, and kills the
/// process outright (SIGKILL: no handler runs).
fn kill_after_first_checkpoint(input: &Path, output: &Path, extra: &[&str]) {
    common::kill_after_first_checkpoint(
        train_cmd(input, output, extra).args(["--checkpoint-every", "0.5", "-q"]),
        output,
        120,
    );
}

fn kill_then_resume_is_exact(name: &str, extra: &[&str]) {
    let dir = TempDir::new(name);
    let input = dir.write("corpus.txt", corpus(WORDS, 5));
    let expected = reference(&dir, &input, extra);
    let checkpoint = dir.path("checkpoint.w2v");
    kill_after_first_checkpoint(&input, &checkpoint, extra);
    let out = dir.path("final.w2v");
    assert_ok(&resume(&input, &checkpoint, &out));
    assert!(
        bytes(&out) == expected,
        "resumed model differs from the uninterrupted run's"
    );
}

#[test]
fn sigkill_after_a_checkpoint_then_resume_is_exact_skipgram_ns() {
    kill_then_resume_is_exact("sigkill-sg-ns", &["--negative", "5"]);
}

#[test]
fn sigkill_after_a_checkpoint_then_resume_is_exact_cbow_hs_subwords() {
    kill_then_resume_is_exact(
        "sigkill-cbow-sub",
        &["--cbow", "--minn", "3", "--maxn", "5"],
    );
}

#[test]
fn sigkill_after_a_checkpoint_then_resume_is_exact_adagrad() {
    kill_then_resume_is_exact("sigkill-adagrad", &["--optimizer", "adagrad"]);
}

/// Saving checkpoints reads the model between chunks and changes nothing that is trained.
#[test]
fn checkpoints_do_not_change_the_model() {
    let dir = TempDir::new("ckpt-same");
    let input = dir.write("corpus.txt", corpus(60_000, 3));
    for extra in [&[][..], &["--cbow", "--negative", "5"][..]] {
        let expected = reference(&dir, &input, extra);
        let out = dir.path("with-checkpoints.w2v");
        let o = run(train_cmd(&input, &out, extra).args(["--checkpoint-every", "0.3"]));
        assert_ok(&o);
        let log = stderr(&o);
        assert!(log.contains("checkpoints: 13 saved in "), "{log}");
        assert!(
            bytes(&out) == expected,
            "checkpoints changed the model ({extra:?})"
        );
    }
}

/// A checkpoint to resume from: a run killed after its first checkpoint.
fn partial_model(dir: &TempDir) -> (PathBuf, PathBuf) {
    let input = dir.write("corpus.txt", corpus(WORDS, 9));
    let checkpoint = dir.path("checkpoint.w2v");
    kill_after_first_checkpoint(&input, &checkpoint, &[]);
    (input, checkpoint)
}

fn assert_refused(o: &std::process::Output, needle: &str) {
    common::assert_one_line_error(o, 2, needle);
}

#[test]
fn checkpoints_need_a_regular_output_file() {
    let dir = TempDir::new("ckpt-stdout");
    let input = dir.write("corpus.txt", corpus(2_000, 1));
    let mut cmd = w2v();
    cmd.args([
        "train",
        "--output",
        "-",
        "--checkpoint-every",
        "1",
        "--input",
    ])
    .arg(&input);
    assert_refused(&run(&mut cmd), "must be a regular file (it is stdout)");
    let mut cmd = w2v();
    cmd.args([
        "train",
        "--save-vectors",
        "v.txt",
        "--checkpoint-every",
        "1",
        "--input",
    ])
    .arg(&input);
    assert_refused(&run(&mut cmd), "there is no --output");
    // A FIFO would be written in place, once: no checkpoints there either.
    let fifo = dir.path("fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    let o = run(&mut train_cmd(&input, &fifo, &["--checkpoint-every", "1"]));
    assert_refused(&o, "is a pipe or device");
    for bad in ["0", "-1", "nan", "soon"] {
        let o = run(&mut train_cmd(
            &input,
            &dir.path("m.w2v"),
            &["--checkpoint-every", bad],
        ));
        assert_refused(&o, "positive number of epochs");
    }
}

#[test]
fn resume_refuses_settings_that_differ_and_names_them() {
    let dir = TempDir::new("resume-settings");
    let (input, checkpoint) = partial_model(&dir);
    let before = bytes(&checkpoint);
    for (args, needle) in [
        (
            &["--window", "5"][..],
            "--window 5 differs from the checkpoint's 8",
        ),
        (
            &["--dim", "10"][..],
            "--dim 10 differs from the checkpoint's 48",
        ),
        (
            &["--epochs", "5"][..],
            "--epochs 5 differs from the checkpoint's 4",
        ),
        (
            &["--seed", "1"][..],
            "--seed 1 differs from the checkpoint's 7",
        ),
        (
            &["--cbow"][..],
            "--cbow: architecture cbow differs from the checkpoint's skip-gram",
        ),
        (
            &["--negative", "5"][..],
            "--negative: output layer NS (5) differs from the checkpoint's HS",
        ),
        (
            &["--minn", "3"][..],
            "--minn: subwords n-grams 3-6 in 2000000 buckets differs from the checkpoint's \
             no subwords",
        ),
    ] {
        let mut cmd = w2v();
        cmd.args(["train", "--resume"])
            .arg(&checkpoint)
            .arg("--input")
            .arg(&input)
            .arg("--output")
            .arg(&checkpoint)
            .args(args);
        assert_refused(&run(&mut cmd), needle);
    }
    // Options that agree with the checkpoint are fine, and nothing was overwritten above.
    assert_eq!(bytes(&checkpoint), before);
    let mut cmd = w2v();
    cmd.args(["train", "-q", "--window", "8", "--seed", "7", "--resume"])
        .arg(&checkpoint)
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(dir.path("done.w2v"));
    assert_ok(&run(&mut cmd));
}

#[test]
fn resume_refuses_another_corpus() {
    let dir = TempDir::new("resume-corpus");
    let (input, checkpoint) = partial_model(&dir);
    let out = dir.path("out.w2v");
    // Other text altogether: its vocabulary differs.
    let other = dir.write("other.txt", corpus(WORDS, 10));
    assert_refused(
        &resume(&other, &checkpoint, &out),
        "the corpus differs from the checkpoint's",
    );
    // The same words and counts, with the lines joined differently: the cut into chunks
    // differs.
    let text = std::fs::read_to_string(&input).unwrap();
    let joined: String = text
        .lines()
        .collect::<Vec<_>>()
        .chunks(3)
        .map(|l| l.join(" ") + "\n")
        .collect();
    let joined = dir.write("joined.txt", joined);
    assert_refused(
        &resume(&joined, &checkpoint, &out),
        "not in the same sentences and order",
    );
    assert!(!out.exists());
}

#[test]
fn resume_refuses_a_finished_model_pointing_to_init() {
    let dir = TempDir::new("resume-finished");
    let input = dir.write("corpus.txt", corpus(5_000, 2));
    let model = dir.path("m.w2v");
    assert_ok(&run(&mut train_cmd(&input, &model, &["-q"])));
    let o = resume(&input, &model, &dir.path("out.w2v"));
    assert_refused(&o, "--init");
    assert!(stderr(&o).contains("finished training (4 epochs)"));
}

#[test]
fn resume_refuses_a_truncated_checkpoint() {
    let dir = TempDir::new("resume-truncated");
    let (input, checkpoint) = partial_model(&dir);
    let whole = bytes(&checkpoint);
    for cut in [whole.len() - 1, whole.len() / 2, 30] {
        std::fs::write(&checkpoint, &whole[..cut]).unwrap();
        let o = resume(&input, &checkpoint, &dir.path("out.w2v"));
        common::assert_one_line_error(&o, 1, "truncated");
    }
}

/// Another thread count goes on (with a warning): runs with several threads are not
/// repeatable anyway.
#[test]
fn resume_with_other_threads_warns_and_finishes() {
    let dir = TempDir::new("resume-threads");
    let (input, checkpoint) = partial_model(&dir);
    let out = dir.path("out.w2v");
    let mut cmd = w2v();
    cmd.args(["train", "-q", "--threads", "2", "--resume"])
        .arg(&checkpoint)
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&out);
    let o = run(&mut cmd);
    assert_ok(&o);
    assert!(
        stderr(&o).contains("--threads 2 differs from the checkpoint's 1"),
        "{}",
        stderr(&o)
    );
    // A finished model now: it cannot be resumed again.
    assert_refused(&resume(&input, &out, &dir.path("again.w2v")), "--init");
}

/// Checkpoints keep every optimizer's state: Adam's moments and step counts, RMSProp's
/// averages, the L2 decay clocks, on every matrix (n-gram rows and word outputs too).
#[test]
fn sigkill_after_a_checkpoint_then_resume_is_exact_adam_l2_ns() {
    kill_then_resume_is_exact(
        "sigkill-adam-l2",
        &["--optimizer", "adam", "--l2", "1e-4", "--negative", "5"],
    );
}

#[test]
fn sigkill_after_a_checkpoint_then_resume_is_exact_rmsprop_subwords() {
    kill_then_resume_is_exact(
        "sigkill-rmsprop-sub",
        &[
            "--cbow",
            "--optimizer",
            "rmsprop",
            "--minn",
            "3",
            "--maxn",
            "4",
        ],
    );
}

#[test]
fn ctrl_c_in_the_third_epoch_then_resume_is_exact_adam_hs_l2() {
    ctrl_c_then_resume_is_exact("sigint-adam-l2", &["--optimizer", "adam", "--l2", "1e-4"]);
}
