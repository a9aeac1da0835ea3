//! Inputs that parse to nothing or to garbage: benchmark files without usable lines, vector
//! files from other tools (written here the way word2vec C and gensim write them), files
//! whose layout cannot be told, and word2vec C's vocabulary files.

mod common;

use common::*;

use std::path::Path;
use std::process::Output;

/// Words (some with the bytes of a character cut short) and deterministic values.
struct Fixture {
    words: Vec<Vec<u8>>,
    vectors: Vec<Vec<f32>>,
}

impl Fixture {
    fn new(rows: usize, dim: usize) -> Fixture {
        let mut state = 12345u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        };
        let words = (0..rows)
            .map(|i| match i {
                // word2vec C cuts words at 100 bytes, also inside a character: "café" → "caf\xc3".
                1 => b"caf\xc3".to_vec(),
                2 => "日本".as_bytes()[..4].to_vec(),
                _ => format!("w{i}").into_bytes(),
            })
            .collect();
        let vectors = (0..rows)
            .map(|_| (0..dim).map(|_| next()).collect())
            .collect();
        Fixture { words, vectors }
    }

    fn header(&self) -> Vec<u8> {
        format!("{} {}\n", self.words.len(), self.vectors[0].len()).into_bytes()
    }

    /// word2vec C's `-binary 0`: `%lf ` per value (six decimals, then a space), `\n`.
    fn c_text(&self) -> Vec<u8> {
        let mut out = self.header();
        for (word, row) in self.words.iter().zip(&self.vectors) {
            out.extend(word);
            out.push(b' ');
            for v in row {
                out.extend(format!("{v:.6} ").bytes());
            }
            out.push(b'\n');
        }
        out
    }

    /// gensim's text: values separated by single spaces, none after the last.
    fn gensim_text(&self) -> Vec<u8> {
        let mut out = self.header();
        for (word, row) in self.words.iter().zip(&self.vectors) {
            out.extend(word);
            for v in row {
                out.extend(format!(" {v}").bytes());
            }
            out.push(b'\n');
        }
        out
    }

    /// word2vec C's (and gensim's) `-binary 1`: word, space, little-endian f32s, `\n`.
    fn binary(&self, newline: bool) -> Vec<u8> {
        let mut out = self.header();
        for (word, row) in self.words.iter().zip(&self.vectors) {
            out.extend(word);
            out.push(b' ');
            for v in row {
                out.extend(v.to_le_bytes());
            }
            if newline {
                out.push(b'\n');
            }
        }
        out
    }

    /// The words as w2v reads them: bad UTF-8 becomes U+FFFD.
    fn read_words(&self) -> Vec<String> {
        self.words
            .iter()
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect()
    }
}

/// Exports `input` as text with w2v and reads the rows back.
fn exported(dir: &TempDir, input: &Path, extra: &[&str]) -> Vec<(String, Vec<f32>)> {
    let out = dir.path("exported.txt");
    let o = run(w2v()
        .arg("export")
        .arg(input)
        .args(["--format", "text", "-o"])
        .arg(&out)
        .args(extra));
    assert!(o.status.success(), "{}: {}", input.display(), stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let mut fields = line.split(' ');
            let word = fields.next().unwrap().to_string();
            (word, fields.map(|v| v.parse().unwrap()).collect())
        })
        .collect()
}

#[test]
fn vector_files_from_other_tools_load_with_their_values() {
    let dir = TempDir::new("other-tools");
    let fx = Fixture::new(40, 8);
    let words = fx.read_words();
    // The text files hold the values as printed; the binary ones hold them exactly.
    let printed = |text: &[u8]| -> Vec<Vec<f32>> {
        String::from_utf8_lossy(text)
            .lines()
            .skip(1)
            .map(|l| {
                l.split_whitespace()
                    .skip(1)
                    .map(|v| v.parse().unwrap())
                    .collect()
            })
            .collect()
    };
    let c_text = fx.c_text();
    let gensim_text = fx.gensim_text();
    let cases = [
        ("c.txt", c_text.clone(), printed(&c_text)),
        ("gensim.txt", gensim_text.clone(), printed(&gensim_text)),
        ("c.bin", fx.binary(true), fx.vectors.clone()),
        ("gensim-old.bin", fx.binary(false), fx.vectors.clone()),
    ];
    // The six-decimal text really differs from the exact values, so the check can tell.
    assert_ne!(cases[0].2, fx.vectors);
    for (name, bytes, values) in cases {
        let path = dir.write(name, &bytes);
        let rows = exported(&dir, &path, &[]);
        let got_words: Vec<&String> = rows.iter().map(|(w, _)| w).collect();
        assert_eq!(got_words, words.iter().collect::<Vec<_>>(), "{name}");
        for ((_, got), want) in rows.iter().zip(&values) {
            assert_eq!(got, want, "{name}");
        }
        // Saying the right format gives the same; saying the wrong one is refused.
        let (right, wrong) = if name.ends_with(".txt") {
            ("text", "binary")
        } else {
            ("binary", "text")
        };
        assert_eq!(exported(&dir, &path, &["--input-format", right]), rows);
        let o = run(w2v()
            .arg("export")
            .arg(&path)
            .args(["--format", "text", "-o"])
            .arg(dir.path("wrong.txt"))
            .args(["--input-format", wrong]));
        assert_one_line_error(&o, 1, name);
    }
    assert!(
        words[1] == "caf\u{fffd}" && words[2] == "日\u{fffd}",
        "{words:?}"
    );
}

#[test]
fn a_file_that_fits_both_layouts_asks_which_on_every_reading_command() {
    let dir = TempDir::new("ambiguous");
    // As text "a" = [1.25]; as binary the four bytes "1.25" are an f32, then '\n'.
    let path = dir.write("v", "1 1\na 1.25\n");
    let analogies = dir.write("q.txt", ": s\na a a a\n");
    let commands: [Vec<&str>; 3] = [
        vec!["similar", "PATH", "a"],
        vec!["export", "PATH", "--format", "text", "-o", "OUT"],
        vec!["eval", "PATH", "--analogies", "Q"],
    ];
    let out = dir.path("out.txt");
    for command in commands {
        let args: Vec<&std::ffi::OsStr> = command
            .iter()
            .map(|a| match *a {
                "PATH" => path.as_os_str(),
                "OUT" => out.as_os_str(),
                "Q" => analogies.as_os_str(),
                a => std::ffi::OsStr::new(a),
            })
            .collect();
        let o = run(w2v().args(&args));
        assert_one_line_error(&o, 1, "--input-format text or --input-format binary");
        for format in ["text", "binary"] {
            let o = run(w2v().args(&args).args(["--input-format", format]));
            assert!(o.status.success(), "{command:?} {format}: {}", stderr(&o));
        }
    }
    let text = exported(&dir, &path, &["--input-format", "text"]);
    assert_eq!(text, [("a".to_string(), vec![1.25])]);
    let binary = exported(&dir, &path, &["--input-format", "binary"]);
    assert_eq!(binary[0].1, [f32::from_le_bytes(*b"1.25")]);
}

#[test]
fn binary_with_bytes_after_its_rows_is_not_read() {
    let dir = TempDir::new("trailing");
    let fx = Fixture::new(5, 3);
    let mut bytes = fx.binary(true);
    bytes.extend(b"extra");
    let path = dir.write("v.bin", &bytes);
    let o = run(w2v().arg("similar").arg(&path).arg("w0"));
    assert_one_line_error(&o, 1, "not a w2v model nor a word2vec text or binary");
    let o = run(w2v()
        .arg("similar")
        .arg(&path)
        .arg("w0")
        .args(["--input-format", "binary"]));
    assert_one_line_error(&o, 1, "data after the last of the 5 rows");
}

/// man = e0, woman = e1, king = e0 + e2, queen = e1 + e2 (row 3), so king - man + woman = queen.
const ROYALS: &str = "5 4
man 1 0 0 0
woman 0 1 0 0
king 0.7071 0 0.7071 0
queen 0 0.7071 0.7071 0
apple 0 0 0 1
";

fn eval(model: &Path, args: &[&str]) -> Output {
    run(w2v().arg("eval").arg(model).args(args))
}

#[test]
fn analogy_files_without_questions_are_errors_and_bad_lines_warnings() {
    let dir = TempDir::new("analogy-files");
    let model = dir.write("v.txt", ROYALS);
    let eval_file = |name: &str, text: &str| {
        let q = dir.write(name, text);
        eval(&model, &["--analogies", q.to_str().unwrap(), "--json"])
    };
    assert_one_line_error(
        &eval_file("empty.txt", ""),
        1,
        "empty.txt: no analogy questions found",
    );
    assert_one_line_error(
        &eval_file("pairs.txt", "man woman 1.0\nking queen 2.5\n"),
        1,
        "pairs.txt: no analogy questions found (2 lines skipped; line 1: expected 4 words",
    );
    let o = eval_file(
        "q.txt",
        ": royal\nman king woman queen\nman king woman\n\nwoman queen man king\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim_end(),
        format!(
            "w2v: warning: {}:3: expected 4 words, found 3, skipped",
            dir.path("q.txt").display()
        )
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let report = &doc["analogies"][0];
    assert_eq!(report["total"]["seen"], 2, "{report}");
    assert_eq!(report["total"]["correct"], 2, "{report}");
}

#[test]
fn many_bad_lines_are_summarised() {
    let dir = TempDir::new("many-bad");
    let model = dir.write("v.txt", ROYALS);
    let mut text = String::from("man woman 1\nman king 3\n");
    for _ in 0..20 {
        text.push_str("a line of prose\n");
    }
    let sim = dir.write("sim.txt", text);
    let o = eval(&model, &["--similarity", sim.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 6, "{err}");
    assert!(lines[0].ends_with("sim.txt:3: expected 'word1 word2 score', skipped"));
    assert!(
        lines[5].ends_with("sim.txt: 15 more lines skipped"),
        "{err}"
    );
}

#[test]
fn similarity_files_that_give_no_correlation_are_errors() {
    let dir = TempDir::new("similarity-files");
    let model = dir.write("v.txt", ROYALS);
    let sim = |name: &str, text: &str| {
        let p = dir.write(name, text);
        eval(&model, &["--similarity", p.to_str().unwrap()])
    };
    assert_one_line_error(
        &sim("none.tsv", "# comment\nword1\tword2\tscore\n"),
        1,
        "none.tsv: no word pairs found",
    );
    assert_one_line_error(
        &sim("oov.tsv", "tiger cat 7.35\nbook paper 7.46\n"),
        1,
        "oov.tsv: no pair has both words in the vocabulary of",
    );
    assert_one_line_error(
        &sim("one.tsv", "man king 3\nbook paper 7.46\n"),
        1,
        "only 1 of 2 pairs has both words in the vocabulary",
    );
    // One bad line in the middle of a good file: a warning with its line number.
    let o = sim(
        "good.tsv",
        "w1 w2 score\nman king 8\nman woman 5\nman apple\nking queen 6\nman queen 1\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim_end(),
        format!(
            "w2v: warning: {}:4: expected 'word1 word2 score', skipped",
            dir.path("good.tsv").display()
        )
    );
    assert!(stdout(&o).contains("(4 pairs used"), "{}", stdout(&o));
}

#[test]
fn restrict_zero_means_every_word_and_nothing_seen_is_an_error() {
    let dir = TempDir::new("restrict");
    let model = dir.write("v.txt", ROYALS);
    let q = dir.write("q.txt", ": royal\nman king woman queen\n");
    let q = q.to_str().unwrap();
    let restricted = |n: &str| eval(&model, &["--analogies", q, "--json", "--restrict", n]);
    // queen is the 4th word: 3 words leave the only question out, 0 lets every word in.
    assert_one_line_error(
        &restricted("3"),
        1,
        "q.txt: none of the 1 questions has all four words in the 3 most frequent words of",
    );
    let o = restricted("0");
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let report = &doc["analogies"][0];
    assert_eq!(report["restrict"], 5, "{report}");
    assert_eq!(report["total"]["seen"], 1, "{report}");
    assert_eq!(report["total"]["correct"], 1, "{report}");
    // A word the model lacks altogether.
    let oov = dir.write("oov.txt", ": royal\nman king woman duchess\n");
    let o = eval(&model, &["--analogies", oov.to_str().unwrap()]);
    assert_one_line_error(&o, 1, "has all four words in the vocabulary of");
}

#[test]
fn word2vec_c_vocabulary_files_skip_the_sentence_marker() {
    let dir = TempDir::new("read-vocab");
    let corpus = dir.write("c.txt", "alpha beta gamma alpha beta alpha\n".repeat(30));
    let vocab = dir.write("vocab.txt", "</s> 30\nalpha 90\nbeta 60\ngamma 30\n");
    let model = dir.path("m.w2v");
    let o = run(w2v()
        .args([
            "train",
            "-q",
            "--epochs",
            "1",
            "--dim",
            "4",
            "--min-count",
            "1",
        ])
        .args(["--threads", "1", "--input"])
        .arg(&corpus)
        .arg("--read-vocab")
        .arg(&vocab)
        .arg("--output")
        .arg(&model));
    assert!(o.status.success(), "{}", stderr(&o));
    let words: Vec<String> = exported(&dir, &model, &[])
        .into_iter()
        .map(|(w, _)| w)
        .collect();
    assert_eq!(words, ["alpha", "beta", "gamma"]);
}
