//! Settings that are legal but almost surely a mistake train anyway, with one warning line.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// A corpus of `words` distinct words, word i seen i + 1 times (so `--min-count N` keeps
/// `words - N + 1` of them), in 20-word lines; and a fresh folder for outputs.
fn corpus(name: &str, words: usize) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("w2v-warn-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut tokens = Vec::new();
    for i in 0..words {
        for _ in 0..=i {
            tokens.push(format!("w{i}"));
        }
    }
    // Spread each word's occurrences over the text.
    let n = tokens.len();
    let mut text = String::new();
    for k in 0..n {
        text.push_str(&tokens[(k * 7919) % n]);
        text.push(if k % 20 == 19 { '\n' } else { ' ' });
    }
    let path = dir.join("c.txt");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn train(name: &str, words: usize, extra: &[&str]) -> Output {
    let (dir, corpus) = corpus(name, words);
    // Small and quick unless the test sets these itself.
    let mut defaults = vec![];
    for (flag, value) in [("--dim", "8"), ("--epochs", "1")] {
        if !extra.contains(&flag) {
            defaults.extend([flag, value]);
        }
    }
    let o = Command::new(env!("CARGO_BIN_EXE_w2v"))
        .args(["train", "--threads", "1"])
        .args(defaults)
        .arg("--input")
        .arg(&corpus)
        .arg("--output")
        .arg(dir.join("m.w2v"))
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    o
}

fn warnings(o: &Output) -> Vec<String> {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| l.starts_with("w2v: warning:"))
        .map(str::to_string)
        .collect()
}

#[test]
fn usual_settings_draw_no_warning() {
    // 200 distinct words, 196 of them seen at least 5 times.
    assert_eq!(warnings(&train("none", 200, &[])), Vec::<String>::new());
}

#[test]
fn sample_of_one_or_more_warns_that_subsampling_is_off() {
    let w = warnings(&train("sample", 200, &["--sample", "1"]));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("--sample 1") && w[0].contains("subsampling is off"));
}

#[test]
fn a_min_count_that_leaves_few_words_warns() {
    // --min-count 150 keeps words 149..199: 51 words.
    let w = warnings(&train("min-count", 200, &["--min-count", "150"]));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("--min-count 150 leaves only 51 of 200 words"),
        "{w:?}"
    );
}

#[test]
fn a_small_corpus_alone_draws_no_min_count_warning() {
    // 50 words, all kept: the corpus is small, but --min-count cut nothing.
    let w = warnings(&train("small", 50, &["--min-count", "1"]));
    assert_eq!(w, Vec::<String>::new());
}

#[test]
fn many_epochs_warn() {
    let w = warnings(&train(
        "epochs",
        120,
        &["--epochs", "101", "--min-count", "1"],
    ));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("--epochs 101"), "{w:?}");
}

#[test]
fn a_huge_dimension_warns() {
    let w = warnings(&train("dim", 120, &["--dim", "1001", "--min-count", "1"]));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("--dim 1001"), "{w:?}");
}
