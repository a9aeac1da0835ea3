//! `w2v phrases` and `train --phrases` end to end: which pairs join, stdin and stdout, and bad
//! options.

mod common;
use common::*;

use std::process::Output;

/// 600 sentences, 3600 words. "new york" comes only as a pair, 20 times: by hand it scores
/// (20 − 5) / (20 · 20) · 3600 = 135, above word2phrase's default threshold of 100. "the cat"
/// is 14 times as common but "the" goes with everything (the 580, cat 280, the cat 280):
/// 275 / (580 · 280) · 3600 = 6.1. The filler words w{i}, x{i}, ... are seen once each.
fn corpus() -> String {
    let mut text = String::new();
    for i in 0..600 {
        let line = if i % 30 == 0 {
            format!("w{i} new york x{i} y{i} z{i}")
        } else if i % 2 == 0 {
            format!("the cat sat by w{i} x{i}")
        } else {
            format!("the dog ran to w{i} x{i}")
        };
        text.push_str(&line);
        text.push('\n');
    }
    text
}

fn phrases(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = w2v();
    cmd.arg("phrases").arg("--quiet").args(args);
    match stdin {
        Some(text) => run_with_stdin(&mut cmd, text),
        None => run(&mut cmd),
    }
}

fn tokens(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

#[test]
fn a_strong_pair_joins_and_a_weak_one_does_not() {
    let dir = TempDir::new("phrases");
    let input = dir.write("c.txt", corpus());
    let out = dir.path("out.txt");
    let o = phrases(
        &[
            "--input",
            input.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_ok(&o);
    let text = std::fs::read_to_string(&out).unwrap();
    let t = tokens(&text);
    assert_eq!(t.iter().filter(|w| **w == "new_york").count(), 20, "{text}");
    assert!(!t.contains(&"new") && !t.contains(&"york"));
    assert_eq!(t.iter().filter(|w| **w == "cat").count(), 280);
    assert!(!t.iter().any(|w| w.starts_with("the_")));
    // Lines are kept, and every other word comes back as it was.
    assert_eq!(text.lines().count(), 600);
    assert_eq!(text.replace("new_york", "new york"), corpus());
}

#[test]
fn threshold_decides_and_passes_build_longer_phrases() {
    let dir = TempDir::new("phrases-threshold");
    let input = dir.write("c.txt", corpus());
    let path = input.to_str().unwrap();
    // Far above every score: the text comes back unchanged.
    let o = phrases(
        &["--input", path, "--output", "-", "--threshold", "1e9"],
        None,
    );
    assert_ok(&o);
    assert_eq!(stdout(&o), corpus());
    // A threshold of 0 and min-count 1 join any pair seen twice (the cat, sat by); a second
    // pass joins the joined pairs again, into up to four words.
    let o = phrases(
        &[
            "--input",
            path,
            "--output",
            "-",
            "--threshold",
            "0",
            "--min-count",
            "1",
            "--passes",
            "2",
        ],
        None,
    );
    assert_ok(&o);
    assert!(
        stdout(&o).contains("the_cat_sat_by w"),
        "{}",
        &stdout(&o)[..200]
    );
}

#[test]
fn stdin_in_and_stdout_out_give_the_same_text_as_files() {
    let dir = TempDir::new("phrases-stdin");
    let input = dir.write("c.txt", corpus());
    let out = dir.path("out.txt");
    assert_ok(&phrases(
        &[
            "--input",
            input.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ],
        None,
    ));
    let from_file = std::fs::read_to_string(&out).unwrap();
    for passes in ["1", "2"] {
        let o = phrases(
            &["--input", "-", "--output", "-", "--passes", passes],
            Some(&corpus()),
        );
        assert_ok(&o);
        if passes == "1" {
            assert_eq!(stdout(&o), from_file);
        } else {
            assert!(stdout(&o).contains("new_york"));
        }
    }
}

#[test]
fn train_with_phrases_learns_the_joined_token() {
    let dir = TempDir::new("phrases-train");
    let vectors = dir.path("v.txt");
    let mut cmd = w2v();
    cmd.args([
        "train",
        "--quiet",
        "--input",
        "-",
        "--phrases",
        "2",
        "--dim",
        "8",
        "--epochs",
        "1",
        "--threads",
        "1",
        "--min-count",
        "1",
        "--save-vectors",
    ])
    .arg(&vectors);
    let o = run_with_stdin(&mut cmd, corpus());
    assert_ok(&o);
    let words: Vec<String> = read_text_vectors(&vectors)
        .into_iter()
        .map(|(w, _)| w)
        .collect();
    assert!(words.iter().any(|w| w == "new_york"), "{:?}", &words[..20]);
    assert!(!words.iter().any(|w| w == "york"));
    assert!(words.iter().any(|w| w == "cat"));
    // No scratch files are left behind.
    let o = w2v()
        .args(["train", "--quiet", "--phrases", "1", "--input"])
        .arg(dir.write("c.txt", corpus()))
        .args([
            "--min-count",
            "1",
            "--dim",
            "4",
            "--epochs",
            "1",
            "--output",
        ])
        .arg(dir.path("m.w2v"))
        .env("TMPDIR", &dir.0)
        .output()
        .unwrap();
    assert_ok(&o);
    assert_eq!(dir.names(""), ["c.txt", "m.w2v", "v.txt"]);
}

fn assert_one_line_error(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("w2v: error: ") || err.starts_with("w2v: "),
        "{err}"
    );
    assert!(err.contains(needle), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_options_are_one_clear_line() {
    let dir = TempDir::new("phrases-bad");
    let input = dir.write("c.txt", corpus());
    let path = input.to_str().unwrap();
    let out = dir.path("out.txt");
    let out = out.to_str().unwrap();
    for (bad, needle) in [
        (&["--threshold", "-1"][..], "threshold"),
        (&["--threshold", "nan"], "threshold"),
        (&["--passes", "0"], "--passes"),
        (&["--threshold", "1,2"], "one per pass"),
    ] {
        let o = phrases(
            &[&["--input", path, "--output", out][..], bad].concat(),
            None,
        );
        assert_one_line_error(&o, needle);
    }
    assert!(!std::path::Path::new(out).exists());
    let o = run(w2v().args([
        "train",
        "--input",
        path,
        "--output",
        out,
        "--phrases",
        "2",
        "--phrase-threshold",
        "nan",
    ]));
    assert_one_line_error(&o, "threshold");
    // The output is checked before any text is read.
    let o = phrases(&["--input", path, "--output", path], None);
    assert_one_line_error(&o, "refusing to overwrite an input");
}
